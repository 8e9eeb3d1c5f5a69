/* train_internal.h - the trainer's layer kernels and state, shared by the
 * train*.c and optim.c files (not installed).
 *
 * Kernels follow llm.c: forward(outputs, saved, inputs, weights, dims) and
 * backward(input grads, saved, output grads, weights, dims) where every
 * gradient is ACCUMULATED with +=, so the caller zeroes once per step.
 */
#ifndef GB_TRAIN_INTERNAL_H
#define GB_TRAIN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "glassbox/model.h"
#include "glassbox/train.h"

/* ---- layers (train_layers.c) ---- */

/* y[n, out] = x[n, in] @ W[out, in]^T + b (b may be NULL) */
void tl_linear_fwd(float *y, const float *x, const float *W, const float *b, int n, int in, int out);
/* dx[n, in] += dy @ W; dW[out, in] += dy^T @ x; db[out] += sum_rows dy (dx/db may be NULL) */
void tl_linear_bwd(float *dx, float *dW, float *db, const float *dy, const float *x, const float *W,
                   int n, int in, int out);

/* y[n, d] = (x - mean) * rstd * w + b; saves mean[n], rstd[n] */
void tl_layernorm_fwd(float *y, float *mean, float *rstd, const float *x, const float *w,
                      const float *b, int n, int d, float eps);
/* dx[n, d] += ...; dw[d] += ...; db[d] += ... */
void tl_layernorm_bwd(float *dx, float *dw, float *db, const float *dy, const float *x,
                      const float *mean, const float *rstd, const float *w, int n, int d);

/* y[n] = act(x[n]) for ReLU, GELU (erf), GELU-tanh */
void tl_act_fwd(float *y, const float *x, size_t n, gb_act a);
/* dx[n] += act'(x) * dy */
void tl_act_bwd(float *dx, const float *dy, const float *x, size_t n, gb_act a);

/* Multi-head attention for B sequences.
 * q [B*T, H*dh], k, v [B*Tk, H*dh] -> z [B*T, H*dh]; saves att [B, H, T, Tk]
 * (probabilities). Query i of row b sees keys j < (causal ? i+1 : klen[b]);
 * klen may be NULL (all Tk visible). */
void tl_attention_fwd(float *z, float *att, const float *q, const float *k, const float *v,
                      const int *klen, int causal, int B, int T, int Tk, int H, int dh);
/* dq, dk, dv += ...; scratch holds T*Tk floats */
void tl_attention_bwd(float *dq, float *dk, float *dv, float *scratch, const float *dz,
                      const float *att, const float *q, const float *k, const float *v, int B,
                      int T, int Tk, int H, int dh);

/* Row-wise softmax cross-entropy over logits [n, V] with targets[n] (GB_IGNORE
 * skipped). Writes dlogits = softmax - onehot for counted rows and 0 for
 * ignored rows (the caller scales by 1/count for the mean); returns the summed
 * loss and sets *count. dlogits may be NULL (loss only). */
double tl_xent(float *dlogits, const float *logits, const int *targets, int n, int V, int *count);
void tl_scale(float *x, size_t n, float s);

/* ---- the trainer ---- */

/* Saved activations of one block. */
typedef struct tr_block {
    float *ln1, *ln1_mean, *ln1_rstd; /* [N,d] [N] [N] */
    float *q, *k, *v;                 /* [N, qd] */
    float *att;                       /* [B, H, T, T] */
    float *z;                         /* [N, qd] */
    float *res1;                      /* [N, d] input + attention */
    float *lnx, *lnx_mean, *lnx_rstd; /* cross only */
    float *cq, *ck, *cv;              /* [N, qd], [Ns, qd], [Ns, qd] */
    float *catt;                      /* [B, H, T, Ts] */
    float *cz;                        /* [N, qd] */
    float *res2;                      /* [N, d] after cross-attention */
    float *ln2, *ln2_mean, *ln2_rstd; /* [N,d] [N] [N] */
    float *h, *g;                     /* [N, dff] MLP before / after the activation */
    float *res3;                      /* [N, d] after the MLP */
} tr_block;

/* Saved activations of one stack (the output stack, or the encoder of ENCDEC). */
typedef struct tr_stack {
    float *x0;                        /* [N, d] embeddings + positions */
    tr_block blk[GB_MAX_LAYERS];
    float *lnf, *lnf_mean, *lnf_rstd; /* [N, d] final norm (pre-norm) */
} tr_stack;

/* Gradient scratch reused by every block (sized for the larger stack). */
typedef struct tr_scratch {
    float *dres, *dln, *dsum;         /* [N, d] */
    float *dq, *dk, *dv, *dz;         /* [N, qd] */
    float *dh, *dg;                   /* [N, dff] */
    float *datt;                      /* [T * Tk] */
    float *denc;                      /* [Ns, d] gradient into the encoder output */
    float *dck, *dcv;                 /* [Ns, qd] */
} tr_scratch;

struct gb_trainer {
    gb_model *m;
    int max_B, max_T, max_Ts;
    gb_param *table;                  /* the carving shared by params, grads and moments */
    int n_table;
    float *grads, *adam_m, *adam_v;   /* [n_params] each */
    gb_weights gw;                    /* gradient pointers */
    float *acts;                      /* one allocation for everything below */
    size_t n_acts;
    tr_stack out, enc;
    float *logits, *dlogits;          /* [N, V] decoder families; [B, C] ENCODER */
    float *enc_src;                   /* ENCDEC: enc output seen by cross K/V, [Ns, d] */
    tr_scratch s;
    float *pos_table;                 /* [max(T,Ts), d] sinusoidal */
    /* the batch being processed */
    int B, T, Ts, N, Ns;
    int n_targets;
    long step;
    uint64_t rng;
};

#endif
