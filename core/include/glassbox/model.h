/* glassbox/model.h - transformer configuration, parameters and files.
 *
 * One config covers the three families of the original paper's descendants:
 *   GB_ARCH_DECODER  decoder-only (GPT-2, Llama, the bundled `classroom`)
 *   GB_ARCH_ENCODER  encoder-only with a classification head (BERT-style)
 *   GB_ARCH_ENCDEC   encoder-decoder with cross-attention (translation)
 *
 * Parameters live in ONE float buffer carved into named tensors (llm.c style),
 * so the trainer can keep a gradient buffer with the same carving and every
 * tensor has a name for saving, loading and display.
 *
 * Conventions (all row-major float32):
 *   linear weights are [out, in] (PyTorch nn.Linear): y = x W^T + b.
 *   Q/K/V projections: q.weight [n_heads*d_head, d_model],
 *                      k.weight, v.weight [n_kv_heads*d_head, d_model].
 *   head h uses kv head h / (n_heads / n_kv_heads).
 *
 * Parameter names (native safetensors files use exactly these):
 *   embed.weight [V, d]                 token embedding
 *   pos_embed.weight [P, d]             learned positions only
 *   {S}.{l}.ln1.weight/.bias [d]        norm before (pre) or after (post) attention
 *   {S}.{l}.attn.{q,k,v,o}.weight/.bias self-attention
 *   {S}.{l}.ln_cross.weight/.bias       decoder of ENCDEC only
 *   {S}.{l}.cross_attn.{q,k,v,o}.*      decoder of ENCDEC only (k,v read the encoder)
 *   {S}.{l}.ln2.weight/.bias [d]        norm around the MLP
 *   {S}.{l}.mlp.fc1.weight [dff, d] .bias   up (SwiGLU: the gate, llama w1)
 *   {S}.{l}.mlp.fc3.weight [dff, d]         SwiGLU only: the up projection (llama w3)
 *   {S}.{l}.mlp.fc2.weight [d, dff] .bias   down
 *   ln_final.weight/.bias [d]           final norm of the output stack (pre-norm models)
 *   encoder.ln_final.weight/.bias [d]   final norm of the encoder of ENCDEC (pre-norm)
 *   unembed.weight [V, d]               output head when not tied to embed.weight
 *   classifier.weight [C, d] .bias [C]  ENCODER only; reads the first token (CLS)
 * where {S} is "blocks" for the stack that produces the output (decoder-only,
 * encoder-only, the decoder of ENCDEC) and "encoder.blocks" for the encoder of
 * ENCDEC. Biases exist only when cfg.bias is set (norm biases only for LayerNorm).
 */
#ifndef GLASSBOX_MODEL_H
#define GLASSBOX_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "glassbox/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GB_MAX_LAYERS 64
#define GB_MAX_NAME 96
#define GB_MAX_CLASSES 64
#define GB_MAX_LABEL 32

typedef enum gb_arch { GB_ARCH_DECODER = 0, GB_ARCH_ENCODER = 1, GB_ARCH_ENCDEC = 2 } gb_arch;
typedef enum gb_pos_kind {
    GB_POS_NONE = 0,       /* no positional information at all (for experiments) */
    GB_POS_SINUSOIDAL = 1, /* PE(p,2i)=sin(p/10000^(2i/d)), PE(p,2i+1)=cos(...) */
    GB_POS_LEARNED = 2,    /* pos_embed.weight [max_seq, d] */
    GB_POS_ROPE = 3,       /* rotary, interleaved pairs (llama2.c), base rope_theta */
} gb_pos_kind;
typedef enum gb_norm_kind { GB_NORM_LAYERNORM = 0, GB_NORM_RMSNORM = 1 } gb_norm_kind;
typedef enum gb_act { GB_ACT_RELU = 0, GB_ACT_GELU = 1, GB_ACT_GELU_TANH = 2, GB_ACT_SWIGLU = 3 } gb_act;

typedef struct gb_config {
    gb_arch arch;
    int vocab_size;   /* V: one vocabulary shared by encoder and decoder */
    int d_model;      /* d */
    int n_layers;     /* layers of the output stack (decoder, or the encoder of ENCODER) */
    int n_enc_layers; /* ENCDEC only: layers of the encoder */
    int n_heads;      /* H */
    int n_kv_heads;   /* Hkv, divides H (grouped-query attention); = H for plain MHA */
    int d_head;       /* dh; usually d / H */
    int d_ff;         /* hidden size of the MLP */
    int max_seq;      /* context window in tokens */
    gb_pos_kind pos;
    gb_norm_kind norm;
    int pre_norm;     /* 1: x += f(norm(x)) (GPT-2, Llama); 0: x = norm(x + f(x)) (the paper) */
    gb_act act;
    int tied_embeddings; /* 1: logits = h @ embed.weight^T */
    int bias;            /* linear layers have biases */
    int scale_embed;     /* 1: multiply token embeddings by sqrt(d) (the paper) */
    float norm_eps;
    float rope_theta;
    int n_classes;       /* ENCODER only */
    char class_labels[GB_MAX_CLASSES][GB_MAX_LABEL];
} gb_config;

/* Fill a config with defaults for an architecture (callers then set sizes). */
void gb_config_defaults(gb_config *cfg, gb_arch arch);
/* Check that sizes are positive, divisible and within sane limits. */
gb_status gb_config_validate(const gb_config *cfg, gb_error *err);
/* Config <-> JSON text (the `glassbox.config` metadata of native files).
 * gb_config_to_json returns a malloc'd string. */
char *gb_config_to_json(const gb_config *cfg);
gb_status gb_config_from_json(const char *json, size_t len, gb_config *cfg, gb_error *err);
const char *gb_arch_name(gb_arch a);
const char *gb_pos_name(gb_pos_kind p);
const char *gb_norm_name(gb_norm_kind n);
const char *gb_act_name(gb_act a);

/* One named parameter tensor inside the parameter buffer. */
typedef struct gb_param {
    char name[GB_MAX_NAME];
    int ndim;
    int64_t shape[2];
    size_t offset; /* in floats, into the parameter buffer */
    size_t numel;
} gb_param;

/* Pointers into the parameter buffer for one attention module. */
typedef struct gb_attn_w {
    float *wq, *bq; /* [H*dh, d], [H*dh] */
    float *wk, *bk; /* [Hkv*dh, d], [Hkv*dh] */
    float *wv, *bv; /* [Hkv*dh, d], [Hkv*dh] */
    float *wo, *bo; /* [d, H*dh], [d] */
} gb_attn_w;

typedef struct gb_block_w {
    float *ln1_w, *ln1_b;     /* [d] */
    gb_attn_w attn;
    float *lnx_w, *lnx_b;     /* [d] decoder of ENCDEC */
    gb_attn_w xattn;          /* decoder of ENCDEC */
    float *ln2_w, *ln2_b;     /* [d] */
    float *fc1_w, *fc1_b;     /* [dff, d], [dff] */
    float *fc3_w;             /* [dff, d] SwiGLU only */
    float *fc2_w, *fc2_b;     /* [d, dff], [d] */
} gb_block_w;

typedef struct gb_weights {
    float *embed;      /* [V, d] */
    float *pos_embed;  /* [max_seq, d] learned only */
    gb_block_w blocks[GB_MAX_LAYERS];     /* output stack */
    gb_block_w enc_blocks[GB_MAX_LAYERS]; /* encoder of ENCDEC */
    float *lnf_w, *lnf_b;         /* [d] */
    float *enc_lnf_w, *enc_lnf_b; /* [d] */
    float *unembed;    /* [V, d]; == embed when tied */
    float *cls_w, *cls_b; /* [C, d], [C] */
} gb_weights;

typedef struct gb_model {
    gb_config cfg;
    float *params;       /* one buffer, n_params floats, 64-byte aligned */
    size_t n_params;
    gb_param *table;     /* the named carving of params, in canonical order */
    int n_table;
    gb_weights w;        /* pointers into params */
    char *source;        /* where it was loaded from (file or folder), or NULL */
    char *tokenizer_ref; /* tokenizer named by the file's metadata (resolved path), or NULL */
    char *metadata_json; /* the whole glassbox metadata object as JSON, or NULL */
} gb_model;

/* Allocate a model with zeroed parameters for a valid config. */
gb_status gb_model_create(const gb_config *cfg, gb_model **out, gb_error *err);
void gb_model_free(gb_model *m);
/* Find a parameter by name; NULL if absent. */
const gb_param *gb_model_param(const gb_model *m, const char *name);
float *gb_model_param_data(gb_model *m, const char *name);
/* Fill the carving for a config without allocating (for gradient buffers):
 * returns the number of entries written (<= cap) and the total float count. */
int gb_model_layout(const gb_config *cfg, gb_param *table, int cap, size_t *n_floats);
/* Point a gb_weights at a buffer carved by gb_model_layout (e.g. gradients). */
void gb_weights_bind(const gb_config *cfg, const gb_param *table, int n_table, float *buf,
                     gb_weights *w);
/* Initialise parameters with seeded normal draws (std 0.02, norms at 1). */
void gb_model_init_random(gb_model *m, uint64_t seed, float std);
/* Check every parameter is finite; names the first bad tensor. */
gb_status gb_model_check_finite(const gb_model *m, gb_error *err);

/* Open a model by spec: a bundled name (e.g. "classroom"), a native or Hugging
 * Face .safetensors file, a Hugging Face folder (config.json + model.safetensors)
 * or a llama2.c .bin checkpoint. Every size is validated against the file. */
gb_status gb_model_load(const char *spec, gb_model **out, gb_error *err);
/* Save in the native format (atomic: temporary file + rename). tokenizer_ref
 * (may be NULL) is stored as "glassbox.tokenizer"; other string members of
 * m->metadata_json are written back as extra __metadata__ keys. */
gb_status gb_model_save(const gb_model *m, const char *path, const char *tokenizer_ref,
                        gb_error *err);

/* Where bundled models live: $GLASSBOX_DATA, the build tree's data/, the
 * installed share/glassbox. Returns a malloc'd path to an existing file or NULL. */
char *gb_find_bundled(const char *relpath);

#ifdef __cplusplus
}
#endif
#endif
