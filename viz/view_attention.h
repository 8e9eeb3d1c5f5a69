/* view_attention.h - what the attention, lens and intervention views share:
 * the recording of one prompt (a forward pass, and a second one with the
 * interventions applied), reading attention matrices out of it, and the
 * step-by-step arithmetic of one attention cell.
 *
 * A gb_att_rec is computed on the worker thread from a gb_att_input (copies
 * of the token ids and the interventions) and then owned by the view. Views
 * show it at a "step": the number of target tokens visible, so a generation
 * can be scrubbed back (for a causal decoder the first s rows and columns of
 * every pattern are exactly what the model computed when it had s tokens).
 */
#ifndef GB_VIEW_ATTENTION_H
#define GB_VIEW_ATTENTION_H

#include <stdbool.h>

#include "glassbox/error.h"
#include "glassbox/forward.h"
#include "glassbox/model.h"
#include "glassbox/trace.h"

/* Which attention: a decoder's (or encoder-only model's) self-attention, the
 * encoder self-attention of an encoder-decoder, or its cross-attention. */
typedef enum gb_att_kind { GB_ATT_SELF = 0, GB_ATT_ENCODER = 1, GB_ATT_CROSS = 2 } gb_att_kind;

#define GB_ATT_MAX_IV 64
#define GB_ATT_MAX_TOKENS 1024

/* One switched-off head. */
typedef struct gb_att_head {
    gb_att_kind kind;
    int layer, head;
} gb_att_head;

typedef struct gb_att_input {
    int *ids, n;         /* decoder (or encoder-only) tokens [n] */
    int *src, n_src;     /* encoder-decoder: the source tokens [n_src] */
    gb_att_head off[GB_ATT_MAX_IV];
    int n_off;
    bool no_pos;         /* positional encodings removed */
} gb_att_input;

/* One forward pass: its recording and the next-token probabilities. */
typedef struct gb_att_pass {
    gb_trace *tr;
    float *probs;        /* [n, V] softmax of the logits of every row (decoders), or NULL */
    float *class_probs;  /* [C] encoder-only classifiers, or NULL */
} gb_att_pass;

typedef struct gb_att_rec {
    const gb_model *model;
    gb_att_input in;     /* owned copies */
    gb_att_pass clean;   /* no interventions */
    gb_att_pass edited;  /* with in.off / in.no_pos; tr == NULL when there are none */
} gb_att_rec;

void gb_att_input_free(gb_att_input *in);
/* Deep copy (ids and src). */
gb_status gb_att_input_copy(gb_att_input *dst, const gb_att_input *src, gb_error *err);
bool gb_att_input_has_iv(const gb_att_input *in);

/* Run the passes (worker thread). Validates ids against the vocabulary and the
 * context window. Takes ownership of nothing: in is copied. */
gb_status gb_att_rec_compute(gb_att_rec *rec, const gb_model *m, const gb_att_input *in, gb_error *err);
void gb_att_rec_free(gb_att_rec *rec);
/* The pass the views show: the edited one when there are interventions. */
const gb_att_pass *gb_att_rec_current(const gb_att_rec *rec);

/* Layers of a kind (0 if the model has none), rows (queries) and columns
 * (keys) of its patterns at step `step` (<= 0: all tokens). */
int gb_att_layers(const gb_model *m, gb_att_kind k);
void gb_att_dims(const gb_att_rec *rec, gb_att_kind k, int step, int *rows, int *cols);
/* "blocks.3.cross_attn.hook_pattern" etc. */
void gb_att_name(gb_att_kind k, int layer, const char *hook, char *buf, size_t cap);

/* Copy one head's pattern (or scores) at a step into out [rows, cols];
 * head < 0 averages over heads (masked entries stay -inf for scores). Returns
 * false if the pass did not record it. */
bool gb_att_matrix(const gb_att_pass *p, gb_att_kind k, int layer, int head, bool scores, int rows,
                   int cols, float *out);

/* The arithmetic of cell (query q, key k) of one head, recomputed from the
 * recorded queries and keys: dot = q . k, score = dot / sqrt(dh), and the
 * softmax over the unmasked keys of row q. */
typedef struct gb_att_cell {
    int dh, kv_head;
    float qv[1024], kv[1024]; /* the query and key vectors [dh] */
    double dot, scale, score;
    int n_keys;           /* keys of the row */
    float row_score[GB_ATT_MAX_TOKENS];   /* recomputed scores of the row (-inf masked) */
    float row_prob[GB_ATT_MAX_TOKENS];    /* softmax of them */
    float rec_score, rec_prob;            /* what the forward pass recorded for the cell */
    bool masked;
} gb_att_cell;

/* Fill c for (layer, head, q, k); false if not recorded or out of range. */
bool gb_att_cell_math(const gb_att_pass *p, const gb_model *m, gb_att_kind kind, int layer, int head,
                      int q, int k, gb_att_cell *c);

/* Logit lens of one position: for each of n_rows rows (the embedding, then
 * the residual stream after each layer), the probabilities of the `k` tokens
 * in ids (written [n_rows, k]) and each row's own top token and probability.
 * ids[] is filled with the final prediction's top k when fill_ids is set.
 * Returns n_rows (0 if the pass did not record the residual stream). */
int gb_att_lens(const gb_att_pass *p, const gb_model *m, int pos, int k, int *ids, bool fill_ids,
                float *probs, int *top_id, float *top_prob, int cap_rows);

struct gb_tokenizer;

/* The tokens of the prompt, or of --ids. Tokenizer: the --tokenizer path,
 * else the one the model file names; opened once and kept. */
typedef struct gb_att_tokens {
    struct gb_tokenizer *tok;   /* NULL: none (ids are typed, or the prompt's bytes) */
    char path[512];             /* what tok was opened from */
    char error[256];            /* why it could not be opened */
} gb_att_tokens;

typedef enum gb_att_source {
    GB_ATT_FROM_IDS = 0,        /* --ids */
    GB_ATT_FROM_PROMPT_IDS,     /* a prompt made of numbers */
    GB_ATT_FROM_TOKENIZER,      /* the prompt, tokenized */
    GB_ATT_FROM_BYTES,          /* the prompt's bytes (no tokenizer) */
} gb_att_source;

/* Open the tokenizer to use (explicit path, else the model's) unless open. */
void gb_att_tokens_open(gb_att_tokens *t, const char *path, const struct gb_model *m);
void gb_att_tokens_close(gb_att_tokens *t);
/* ids of arg (a list of ids) or of the prompt; false with why. */
bool gb_att_tokens_ids(const gb_att_tokens *t, const char *arg, const char *prompt, int **ids, int *n,
                       gb_att_source *src, char *why, size_t cap);
/* A printable label for token id: the tokenizer's, the byte, or "#id". */
void gb_att_label(const gb_att_tokens *t, gb_att_source src, int id, char *buf, size_t cap);
/* "one token per byte of the prompt (no tokenizer)" etc. */
const char *gb_att_source_text(gb_att_source src);

/* Feed the attention view the tokens of a generation so far (prompt +
 * generated ids, e.g. a sampler session's path): it records them on its next
 * update. At the newest step (End) it follows each new token; a step the
 * user scrubbed back to stays put. self is the view's state (gb_view_attention). */
bool gb_view_attention_set_ids(void *self, const int *ids, int n);

/* Parse "1,2,3" (commas or spaces) into ids; false with a message on bad input. */
bool gb_att_parse_ids(const char *s, int **ids, int *n, char *why, size_t cap);

#endif
