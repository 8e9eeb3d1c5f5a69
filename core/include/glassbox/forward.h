/* glassbox/forward.h - running a model: KV cache, recording, interventions.
 *
 * A gb_state holds everything one sequence needs: the KV caches, the encoder
 * output (ENCDEC), scratch buffers and the logits of the last call. Decoding a
 * prompt and then one token at a time with the cache gives the same numbers as
 * recomputing the whole sequence.
 *
 *   gb_state *st = gb_state_new(m, 256, &err);
 *   gb_forward_decoder(m, st, prompt, n, 0, NULL, &err);          // prompt
 *   const float *lg = gb_state_logits(st);                         // [V], last row
 *   gb_forward_decoder(m, st, &next, 1, n, NULL, &err);           // one step
 *
 * Encoder-only:   gb_forward_encoder(m, st, ids, n, opts, &err); gb_state_class_logits(st)
 * Encoder-decoder: gb_forward_encoder(...source...) then gb_forward_decoder(...target...)
 *
 * Recording: pass opts->trace; names follow TransformerLens (see trace.h). The
 * encoder of an ENCDEC model records under "encoder." + name.
 *
 * Interventions act at named points while the pass runs:
 *   GB_IV_HEAD_SCALE  multiply one head's output (hook_z) by `value` (0 = off)
 *   GB_IV_POS_SCALE   multiply the positional encoding by `value` (0 = remove;
 *                     for RoPE, 0 disables the rotation)
 *   GB_IV_SET_ROW     overwrite row `row` of a [T, d] hook (hook_embed,
 *                     hook_pos_embed, hook_resid_pre/mid/post, ln hooks) with `data`
 * plus a general callback that may edit any named [T, ...] activation in place.
 */
#ifndef GLASSBOX_FORWARD_H
#define GLASSBOX_FORWARD_H

#include <stdbool.h>
#include <stdint.h>

#include "glassbox/error.h"
#include "glassbox/model.h"
#include "glassbox/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum gb_iv_kind { GB_IV_HEAD_SCALE = 1, GB_IV_POS_SCALE = 2, GB_IV_SET_ROW = 3 } gb_iv_kind;

typedef enum gb_stack { GB_STACK_OUTPUT = 0, GB_STACK_ENCODER = 1 } gb_stack;

typedef struct gb_intervention {
    gb_iv_kind kind;
    gb_stack stack;   /* which stack the layer index refers to */
    int layer, head;  /* HEAD_SCALE */
    float value;      /* scale */
    int cross;        /* HEAD_SCALE: 1 = a cross-attention head */
    char name[96];    /* SET_ROW: hook name, e.g. "blocks.1.hook_resid_post" */
    int row;          /* SET_ROW: absolute token position */
    const float *data;/* SET_ROW: d floats */
} gb_intervention;

/* Called at every hook point (after the value is computed, before it is used)
 * with the rows computed in this call: data is [n_rows, width] for row-shaped
 * hooks. Return nonzero to abort the pass. */
typedef int (*gb_hook_fn)(void *user, const char *name, int pos0, int n_rows, int width,
                          float *data);

typedef struct gb_run_opts {
    gb_trace *trace;                 /* NULL: record nothing */
    const gb_intervention *iv;       /* may be NULL */
    int n_iv;
    gb_hook_fn hook;                 /* may be NULL */
    void *hook_user;
    bool all_logits;                 /* keep logits for every new row, not just the last */
} gb_run_opts;

typedef struct gb_state gb_state;

/* capacity: the most tokens this state will ever hold (<= cfg.max_seq). */
gb_state *gb_state_new(const gb_model *m, int capacity, gb_error *err);
void gb_state_free(gb_state *st);
int gb_state_capacity(const gb_state *st);
/* Tokens currently in the decoder cache / encoder output. */
int gb_state_len(const gb_state *st);
int gb_state_enc_len(const gb_state *st);
/* Drop cached positions >= n (rewind). */
void gb_state_truncate(gb_state *st, int n);
/* Logits of the last row computed by gb_forward_decoder: [V]. With all_logits,
 * gb_state_all_logits gives [n_rows_last_call, V]. */
const float *gb_state_logits(const gb_state *st);
const float *gb_state_all_logits(const gb_state *st, int *n_rows);
/* ENCODER: class logits [n_classes] of the last gb_forward_encoder. */
const float *gb_state_class_logits(const gb_state *st);
/* Final hidden state (after the final norm) of the last row: [d]. */
const float *gb_state_hidden(const gb_state *st);
/* Number of forward calls made with this state (for tests and the viewer). */
uint64_t gb_state_forward_count(const gb_state *st);

/* Decoder-only and the decoder of ENCDEC: process tokens[0..n) at positions
 * pos0..pos0+n-1, appending to the cache (pos0 must equal gb_state_len or the
 * cache is truncated to pos0 first). Checks ids and the context window. */
gb_status gb_forward_decoder(const gb_model *m, gb_state *st, const int *tokens, int n, int pos0,
                             const gb_run_opts *opts, gb_error *err);
/* Encoder-only and the encoder of ENCDEC: bidirectional pass over all tokens. */
gb_status gb_forward_encoder(const gb_model *m, gb_state *st, const int *tokens, int n,
                             const gb_run_opts *opts, gb_error *err);

/* The positional encoding the model adds at position p (sinusoidal or learned): d floats.
 * Sinusoidal follows "Attention Is All You Need" exactly. Returns false for RoPE/none. */
bool gb_position_encoding(const gb_model *m, int p, float *out);
void gb_sinusoidal(int p, int d, float *out);

/* Apply the final norm and output head to an arbitrary residual vector x [d]
 * (the "logit lens"); writes V logits. */
void gb_logit_lens(const gb_model *m, const float *x, float *logits);

#ifdef __cplusplus
}
#endif
#endif
