/* glassbox/tasks.h - what the two task models do: translate and classify.
 *
 * An encoder-decoder model translates greedily: the encoder reads the source
 * once, the decoder starts from the start token <s> and appends its most
 * likely next token until it writes the end token </s> (or a cap). An
 * encoder-only model with a classification head reads <cls> + the sentence
 * and gives one probability per class. Both keep what a teacher wants to
 * show: every step's candidates and the cross-attention of every layer and
 * head (translation), the attention from <cls> of every layer and head
 * (classification).
 *
 *   gb_translation t;
 *   gb_translate_greedy(m, src, n_src, bos, eos, m->cfg.max_seq - 1, 5, &t, &err);
 *   // t.ids = <s> the frog was hungry . </s>; row i of t.cross reads ids[i]
 *   // and writes ids[i + 1]: gb_translation_cross(&t, layer, head)[i * n_src + j]
 *   gb_translation_free(&t);
 *
 *   gb_classification c;
 *   gb_classify(m, ids, n, &c, &err);        // ids start with <cls>
 *   // c.probs[k] for m->cfg.class_labels[k]; gb_classification_cls(&c, l, h)[j]
 *   gb_classification_free(&c);
 */
#ifndef GLASSBOX_TASKS_H
#define GLASSBOX_TASKS_H

#include <stdbool.h>

#include "glassbox/error.h"
#include "glassbox/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gb_translation {
    int n_src;
    int *src;           /* [n_src] the source tokens read by the encoder */
    int n_ids;
    int *ids;           /* [n_ids] <s>, the words, and </s> when it was written */
    int n_steps;        /* decoder steps = n_ids - 1: step i reads ids[i], writes ids[i + 1] */
    bool finished;      /* the decoder wrote </s> (else it hit the cap) */
    int top_k;          /* candidates kept per step */
    int *top_ids;       /* [n_steps, top_k] the most probable next tokens, best first */
    float *top_p;       /* [n_steps, top_k] their probabilities */
    int n_layers, n_heads;
    float *cross;       /* [n_layers, n_heads, n_steps, n_src] cross-attention of each step */
} gb_translation;

/* Greedy translation of src (no <s>/</s> needed around it) from the start
 * token bos until eos or max_out written tokens (eos included). Fails with a
 * clear message for a model that is not an encoder-decoder, ids outside the
 * vocabulary, a source longer than the context or an empty source.
 * top_k 0: only the words and each step's best candidate, no cross-attention
 * (cross stays NULL; faster, for evaluations). */
gb_status gb_translate_greedy(const gb_model *m, const int *src, int n_src, int bos, int eos, int max_out,
                              int top_k, gb_translation *out, gb_error *err);
void gb_translation_free(gb_translation *t);
/* One head's alignment [n_steps, n_src]. */
const float *gb_translation_cross(const gb_translation *t, int layer, int head);
/* The written words without <s> and </s> into out (cap ids); returns the count. */
int gb_translation_words(const gb_translation *t, int *out, int cap);

typedef struct gb_classification {
    int n;
    int *ids;           /* [n] the tokens read, the classification token first */
    int n_classes;
    float *logits;      /* [n_classes] */
    float *probs;       /* [n_classes] softmax of the logits */
    int best;           /* the most probable class */
    int n_layers, n_heads;
    float *cls_attn;    /* [n_layers, n_heads, n] attention from the first token to every token */
} gb_classification;

/* Classify ids (the caller puts <cls> first, as the model was trained).
 * Fails clearly for a model without a classification head, an empty input,
 * ids outside the vocabulary or an input longer than the context. */
gb_status gb_classify(const gb_model *m, const int *ids, int n, gb_classification *out, gb_error *err);
void gb_classification_free(gb_classification *c);
/* One head's row of the classification token [n]. */
const float *gb_classification_cls(const gb_classification *c, int layer, int head);

/* Does the sentence hold a negation word (not, n't, never, no, nothing,
 * nobody, or a word ending in n't)? Words are separated by spaces. */
bool gb_has_negation(const char *text);
/* The sentence with "not", "never" and n't removed ("didn't" -> "did"),
 * single-spaced; malloc'd, NULL when out of memory. */
char *gb_strip_negation(const char *text);

#ifdef __cplusplus
}
#endif
#endif
