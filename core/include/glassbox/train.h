/* glassbox/train.h - training the three families with our own backward pass.
 *
 * llm.c style: a gb_trainer owns, for one model, a gradient buffer and two
 * AdamW moment buffers carved exactly like the parameters (gb_model_layout +
 * gb_weights_bind), and ONE allocation of activations for a batch [B, T]
 * carved by a size table. The training forward computes the same function as
 * gb_forward_decoder / gb_forward_encoder (tests/test_train_grad.c checks the
 * logits agree) but keeps what the backward pass needs.
 *
 *     gb_trainer *tr;
 *     gb_trainer_new(model, 16, 64, 0, &tr, &err);        // B <= 16, T <= 64
 *     gb_batch b = {.B = 16, .T = 64, .tokens = x, .targets = y};
 *     gb_optim o; gb_optim_defaults(&o, 1000);              // AdamW, warm-up, cosine
 *     for (step...) {
 *         gb_train_grad(tr, &b, &loss, &err);                // forward + backward
 *         gb_train_step(tr, &o, &gnorm);                     // clip, AdamW, step++
 *     }
 *
 * Tasks by family:
 *   GB_ARCH_DECODER  next-token cross-entropy: tokens [B,T] -> targets [B,T]
 *   GB_ARCH_ENCDEC   src [B,Ts] (lengths src_lens) through the encoder; decoder
 *                    inputs tokens [B,T] -> targets [B,T] (teacher forcing)
 *   GB_ARCH_ENCODER  tokens [B,T] (lengths lens; keys past a row's length are
 *                    masked) -> labels [B] read from the first (CLS) token
 * The loss is the mean over target tokens (or rows) that are not GB_IGNORE.
 *
 * Supported for training: LayerNorm (pre- or post-norm), sinusoidal, learned or
 * no positions, ReLU / GELU / GELU-tanh MLPs, n_kv_heads == n_heads, tied or
 * separate output head. Other configs are refused by gb_trainer_new with a
 * message (RMSNorm, RoPE and SwiGLU models can be run, not trained here).
 *
 * Determinism: everything runs on one thread in a fixed order (BLAS may use
 * several threads; OpenBLAS sgemm splits output blocks, never the reduction),
 * so a seed and a command give the same weights bit for bit.
 */
#ifndef GLASSBOX_TRAIN_H
#define GLASSBOX_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "glassbox/error.h"
#include "glassbox/model.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GB_IGNORE (-1) /* a target (or label) that contributes no loss: padding */

typedef struct gb_batch {
    int B, T;             /* rows, and tokens per row of the output stack */
    const int *tokens;    /* [B, T] input ids (decoder inputs, or encoder-only inputs) */
    const int *targets;   /* [B, T] next-token targets or GB_IGNORE (decoder families) */
    const int *lens;      /* [B] ENCODER: real length of each row (NULL: all T) */
    const int *labels;    /* [B] ENCODER: class of each row or GB_IGNORE */
    int Ts;               /* ENCDEC: source tokens per row */
    const int *src;       /* [B, Ts] ENCDEC source ids */
    const int *src_lens;  /* [B] ENCDEC: real source lengths (NULL: all Ts) */
} gb_batch;

typedef struct gb_trainer gb_trainer;

/* A trainer for model m (borrowed: the trainer updates m->params in place) and
 * batches of at most max_B rows of max_T tokens (max_Ts source tokens, ENCDEC). */
gb_status gb_trainer_new(gb_model *m, int max_B, int max_T, int max_Ts, gb_trainer **out,
                         gb_error *err);
void gb_trainer_free(gb_trainer *t);

/* Forward only: the mean loss of a batch (no gradients). */
gb_status gb_train_loss(gb_trainer *t, const gb_batch *b, double *loss, gb_error *err);
/* Forward and backward: gradients of the mean loss replace the gradient buffer. */
gb_status gb_train_grad(gb_trainer *t, const gb_batch *b, double *loss, gb_error *err);

/* After a forward: logits [B*T, V] of the output stack (decoder families) or the
 * class logits [B, C] (ENCODER), and the number of target tokens counted. */
const float *gb_trainer_logits(const gb_trainer *t, int *rows, int *cols);
int gb_trainer_n_targets(const gb_trainer *t);
/* Gradient buffer, carved like m->params (same table, same offsets). */
float *gb_trainer_grads(gb_trainer *t);
size_t gb_trainer_n_params(const gb_trainer *t);
/* Floats in the one activation allocation (saved activations and scratch). */
size_t gb_trainer_activation_floats(const gb_trainer *t);

/* ---- optimiser: AdamW, linear warm-up then cosine decay, global-norm clipping ---- */
typedef struct gb_optim {
    float lr;           /* peak learning rate */
    float min_lr_frac;  /* cosine decays to lr * min_lr_frac at total_steps */
    int warmup;         /* steps of linear warm-up from lr/warmup to lr */
    int total_steps;
    float beta1, beta2, eps;
    float weight_decay; /* decoupled; applied to 2-D weight matrices except the
                           token and position embeddings (no decay on norms,
                           biases, embeddings: the tied embedding is also the
                           output head, and decaying it shrinks rare words) */
    float clip;         /* clip the global gradient norm to this (0: off) */
} gb_optim;

void gb_optim_defaults(gb_optim *o, int total_steps);
gb_status gb_optim_validate(const gb_optim *o, gb_error *err);
/* Learning rate used at step (0-based). */
float gb_optim_lr(const gb_optim *o, long step);
/* Clip, update the parameters with AdamW, advance the step. *grad_norm (may be
 * NULL) receives the norm before clipping. */
void gb_train_step(gb_trainer *t, const gb_optim *o, float *grad_norm);
long gb_trainer_step_count(const gb_trainer *t);

/* ---- the trainer's own random generator (shuffling, batches) ---- */
uint64_t gb_trainer_rand(gb_trainer *t);         /* next 64 random bits */
uint64_t gb_trainer_rng_state(const gb_trainer *t);
void gb_trainer_seed(gb_trainer *t, uint64_t seed);

/* ---- checkpoints: a safetensors file with the parameters, the AdamW moments,
 * and metadata {step, rng, config, user metadata}; written atomically. ---- */
gb_status gb_checkpoint_save(const gb_trainer *t, const char *path, const char *user_meta,
                             gb_error *err);
/* Restore parameters, moments, step and rng into a trainer whose model has the
 * same config. *user_meta (may be NULL) receives a malloc'd copy of the user
 * metadata string stored with the checkpoint. */
gb_status gb_checkpoint_load(gb_trainer *t, const char *path, char **user_meta, gb_error *err);

/* ---- data: an id stream (LM) or examples (translate, classify) and batches ---- */
typedef enum gb_task { GB_TASK_LM = 0, GB_TASK_TRANSLATE = 1, GB_TASK_CLASSIFY = 2 } gb_task;

typedef struct gb_train_data {
    gb_task task;
    int *stream;        /* LM: [n_stream] ids, sentences joined as the tokenizer gives them */
    size_t n_stream, cap_stream;
    int n_ex, cap_ex;   /* TRANSLATE / CLASSIFY examples */
    int **src, *src_len;/* TRANSLATE: source ids; CLASSIFY: the input ids (CLS first) */
    int **tgt, *tgt_len;/* TRANSLATE: target ids with BOS first and EOS last */
    int *label;         /* CLASSIFY: class index */
    int max_src, max_tgt; /* longest source / target seen */
} gb_train_data;

void gb_train_data_init(gb_train_data *d, gb_task task);
void gb_train_data_free(gb_train_data *d);
gb_status gb_train_data_append(gb_train_data *d, const int *ids, size_t n, gb_error *err); /* LM */
/* TRANSLATE: src, tgt; CLASSIFY: src = input, label (tgt unused). Copies. */
gb_status gb_train_data_add(gb_train_data *d, const int *src, int n_src, const int *tgt, int n_tgt, int label,
                            gb_error *err);

/* Batch buffers for at most B rows of T (and Ts source) tokens. */
typedef struct gb_batcher {
    int max_B, T, Ts;
    int *tokens, *targets, *lens, *labels, *src, *src_lens;
    gb_batch b;         /* filled by the functions below */
} gb_batcher;
gb_status gb_batcher_init(gb_batcher *bt, int max_B, int T, int Ts, gb_error *err);
void gb_batcher_free(gb_batcher *bt);
/* A random training batch of B rows drawn with the trainer's generator:
 * LM: random windows of T+1 tokens; others: random examples, padded. */
const gb_batch *gb_batch_random(gb_batcher *bt, const gb_train_data *d, int B, gb_trainer *t);
/* Deterministic evaluation batches: batch k of the data (LM: consecutive
 * windows; others: examples k*B..). Returns NULL past the end. */
const gb_batch *gb_batch_eval(gb_batcher *bt, const gb_train_data *d, int B, int k);

/* ---- task files (train_corpus.c) ---- */
typedef struct gb_tokenizer gb_tokenizer;

/* A task file in memory: LM lines; TRANSLATE a = source, b = target;
 * CLASSIFY a = sentence, b = label. Strings point into buf. */
typedef struct gb_task_text {
    gb_task task;
    int n;
    char **a, **b;
    char *buf;
    size_t len;
} gb_task_text;
/* Read and check (valid UTF-8, fields present, not empty); errors name file:line. */
gb_status gb_task_text_read(const char *path, gb_task task, gb_task_text *out, gb_error *err);
void gb_task_text_free(gb_task_text *t);
/* The text a tokenizer is built from (both sides of pairs), malloc'd. */
char *gb_task_text_joined(const gb_task_text *t, size_t *len);
/* CLASSIFY: the distinct labels, sorted; returns the count or -1 if over cap. */
int gb_task_text_labels(const gb_task_text *t, char labels[][GB_MAX_LABEL], int cap);
/* Encode into training data (LM: word tokenizers add EOS per line, others keep
 * the newline; TRANSLATE: target = BOS ... EOS; CLASSIFY: CLS ...). Refuses a
 * vocabulary that leaves more than max_unknown of the tokens unknown (a
 * fraction; negative: no check). */
gb_status gb_task_text_encode(const gb_task_text *t, const gb_tokenizer *tok, char labels[][GB_MAX_LABEL],
                              int n_classes, double max_unknown, gb_train_data *out, gb_error *err);

#ifdef __cplusplus
}
#endif
#endif
