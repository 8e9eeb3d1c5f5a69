/* glassbox/ngram.h - a one-word-context predictor (bigram model) to compare with transformers.
 *
 * Lesson 14 asks "why is seeing one previous word not enough?": after "because
 * it was too" a bigram model only sees "too", so it cannot know whether
 * "tired" or "wide" comes next. This module counts word pairs in a corpus
 * (one sentence per line, words split on spaces: the corpus generator already
 * puts spaces around punctuation) and predicts with add-k smoothing:
 *
 *     P(w | p) = (c(p, w) + k) / (c(p) + k * V)
 *
 * where V counts every word the model can predict: the training words, <unk>
 * (any word not seen in training) and </s> (end of sentence). Each line is
 * read as "<s> w1 ... wn </s>"; <s> is a context only, never predicted.
 *
 *     gb_bigram *bg;
 *     gb_bigram_build(text, len, 0.1, &bg, &err);
 *     int top[5]; double p[5];
 *     int n = gb_bigram_top(bg, gb_bigram_id(bg, "too"), 5, top, p);
 *     printf("%s %.3f\n", gb_bigram_word(bg, top[0]), p[0]);
 *     gb_bigram_free(bg);
 */
#ifndef GLASSBOX_NGRAM_H
#define GLASSBOX_NGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "glassbox/error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { GB_BIGRAM_UNK = 0, GB_BIGRAM_BOS = 1, GB_BIGRAM_EOS = 2 }; /* "<unk>" "<s>" "</s>" */

typedef struct gb_bigram gb_bigram; /* opaque: vocabulary and pair counts */

/* Count a corpus given as text (lines) or as an array of sentences; k > 0. */
gb_status gb_bigram_build(const char *text, size_t len, double k, gb_bigram **out, gb_error *err);
gb_status gb_bigram_build_lines(const char *const *lines, int n_lines, double k, gb_bigram **out,
                                gb_error *err);
void gb_bigram_free(gb_bigram *bg);

int gb_bigram_vocab_size(const gb_bigram *bg);          /* ids 0..V-1, including <unk> <s> </s> */
const char *gb_bigram_word(const gb_bigram *bg, int id); /* NULL if out of range */
int gb_bigram_id(const gb_bigram *bg, const char *word); /* GB_BIGRAM_UNK if unknown */
double gb_bigram_k(const gb_bigram *bg);

uint64_t gb_bigram_count(const gb_bigram *bg, int prev, int next); /* c(prev, next) */
uint64_t gb_bigram_context_count(const gb_bigram *bg, int prev);   /* c(prev) = sum over next */

/* P(next | prev); 0 for next = <s>. */
double gb_bigram_prob(const gb_bigram *bg, int prev, int next);
/* Whole distribution: probs (V,) for every id; sums to 1. */
void gb_bigram_next(const gb_bigram *bg, int prev, double *probs);
/* The k most likely next ids, most likely first (ties by id); returns how many. */
int gb_bigram_top(const gb_bigram *bg, int prev, int k, int *ids, double *probs);

/* exp(mean negative log probability) over every word and </s> of the lines. */
gb_status gb_bigram_perplexity(const gb_bigram *bg, const char *text, size_t len, double *ppl,
                               long *n_tokens, gb_error *err);
gb_status gb_bigram_perplexity_lines(const gb_bigram *bg, const char *const *lines, int n_lines,
                                     double *ppl, long *n_tokens, gb_error *err);

#ifdef __cplusplus
}
#endif
#endif
