/* model_import.c - reading foreign checkpoints into the native layout:
 * Hugging Face GPT-2 (safetensors + config.json) and llama2.c (.bin).
 *
 * Each reader first derives a gb_config from the file's own description
 * (config.json, the llama2.c header), validates it, checks every tensor's size
 * against it, and only then copies (GPT-2: transposing Conv1D weights). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glassbox/platform.h"
#include "model_import.h"

static const char *fmt_dims(char *buf, size_t cap, int ndim, const int64_t *shape) {
    size_t k = (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < ndim && k < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%lld", i ? ", " : "", (long long)shape[i]);
    if (k < cap) snprintf(buf + k, cap - k, "]");
    return buf;
}

gb_status gb_io_check_shape(const char *path, const gb_st_tensor *t, int ndim, int64_t d0, int64_t d1,
                            gb_error *err) {
    int64_t want[2] = {d0, d1};
    int ok = t->ndim == ndim;
    for (int i = 0; ok && i < ndim; i++) ok = t->shape[i] == want[i];
    if (ok) return GB_OK;
    char a[200], b[64];
    return gb_fail(err, GB_ERR_INPUT, "%s: tensor %s has shape %s, expected %s", path, t->name,
                   fmt_dims(a, sizeof a, t->ndim, t->shape), fmt_dims(b, sizeof b, ndim, want));
}

/* ======================= Hugging Face GPT-2 ======================= */

/* A positive integer key of config.json; dflt < 0 means required. */
static gb_status hf_int(json_t *o, const char *path, const char *key, int dflt, int *out, gb_error *err) {
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        if (dflt < 0) return gb_fail(err, GB_ERR_INPUT, "%s: key \"%s\" is missing", path, key);
        *out = dflt;
        return GB_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) <= 0 || json_integer_value(v) > 1 << 30)
        return gb_fail(err, GB_ERR_INPUT, "%s: key \"%s\" must be a positive integer", path, key);
    *out = (int)json_integer_value(v);
    return GB_OK;
}

/* Settings of GPT-2 variants the forward pass does not implement are refused. */
static gb_status hf_unsupported(json_t *o, const char *path, gb_error *err) {
    json_t *v = json_object_get(o, "model_type");
    if (v && (!json_is_string(v) || strcmp(json_string_value(v), "gpt2") != 0))
        return gb_fail(err, GB_ERR_INPUT, "%s: model_type %.40s is not supported (only gpt2)", path,
                       json_is_string(v) ? json_string_value(v) : "(not a string)");
    v = json_object_get(o, "scale_attn_weights");
    if (v && !json_is_true(v))
        return gb_fail(err, GB_ERR_INPUT, "%s: scale_attn_weights false is not supported", path);
    v = json_object_get(o, "scale_attn_by_inverse_layer_idx");
    if (v && json_is_true(v))
        return gb_fail(err, GB_ERR_INPUT, "%s: scale_attn_by_inverse_layer_idx true is not supported", path);
    return GB_OK;
}

static gb_status hf_activation(json_t *o, const char *path, gb_act *act, gb_error *err) {
    json_t *v = json_object_get(o, "activation_function");
    const char *s = v ? json_string_value(v) : "gelu_new";
    if (!s) return gb_fail(err, GB_ERR_INPUT, "%s: key \"activation_function\" must be a string", path);
    if (strcmp(s, "gelu_new") == 0 || strcmp(s, "gelu_pytorch_tanh") == 0 || strcmp(s, "gelu_fast") == 0)
        *act = GB_ACT_GELU_TANH;
    else if (strcmp(s, "gelu") == 0) *act = GB_ACT_GELU;
    else if (strcmp(s, "relu") == 0) *act = GB_ACT_RELU;
    else
        return gb_fail(err, GB_ERR_INPUT, "%s: activation_function %.40s is not supported (gelu_new, gelu, relu)",
                       path, s);
    return GB_OK;
}

static gb_status hf_config_from(json_t *o, const char *path, gb_config *c, gb_error *err) {
    gb_config_defaults(c, GB_ARCH_DECODER);
    int npos = 0, inner = 0;
    gb_status st = hf_unsupported(o, path, err);
    if (!st) st = hf_int(o, path, "n_embd", -1, &c->d_model, err);
    if (!st) st = hf_int(o, path, "n_layer", -1, &c->n_layers, err);
    if (!st) st = hf_int(o, path, "n_head", -1, &c->n_heads, err);
    if (!st) st = hf_int(o, path, "vocab_size", -1, &c->vocab_size, err);
    if (!st) st = hf_int(o, path, "n_ctx", 0, &npos, err);
    if (!st) st = hf_int(o, path, "n_positions", npos ? npos : -1, &c->max_seq, err);
    if (!st) st = hf_int(o, path, "n_inner", 0, &inner, err);
    if (!st) st = hf_activation(o, path, &c->act, err);
    if (st) return st;
    if (c->d_model % c->n_heads != 0)
        return gb_fail(err, GB_ERR_INPUT, "%s: n_embd %d is not divisible by n_head %d", path, c->d_model,
                       c->n_heads);
    json_t *eps = json_object_get(o, "layer_norm_epsilon");
    if (eps && !json_is_number(eps))
        return gb_fail(err, GB_ERR_INPUT, "%s: key \"layer_norm_epsilon\" must be a number", path);
    if (eps) c->norm_eps = (float)json_number_value(eps);
    json_t *tie = json_object_get(o, "tie_word_embeddings");
    if (tie && !json_is_boolean(tie))
        return gb_fail(err, GB_ERR_INPUT, "%s: key \"tie_word_embeddings\" must be true or false", path);
    c->tied_embeddings = tie ? json_is_true(tie) : 1;
    c->n_kv_heads = c->n_heads;
    c->d_head = c->d_model / c->n_heads;
    c->d_ff = inner ? inner : 4 * c->d_model;
    /* defaults already give: learned positions, LayerNorm, pre-norm, biases */
    st = gb_config_validate(c, err);
    if (st) gb_error_prefix(err, "%s", path);
    return st;
}

static gb_status hf_read_config(const char *path, gb_config *c, gb_error *err) {
    char *text = NULL;
    size_t len = 0;
    gb_status st = gb_read_file(path, 1 << 20, &text, &len, err);
    if (st) return st;
    json_error_t jerr;
    json_t *o = json_loadb(text, len, 0, &jerr);
    free(text);
    if (!o) return gb_fail(err, GB_ERR_INPUT, "%s: not valid JSON: %s (line %d)", path, jerr.text, jerr.line);
    st = json_is_object(o) ? hf_config_from(o, path, c, err)
                           : gb_fail(err, GB_ERR_INPUT, "%s: not a JSON object", path);
    json_decref(o);
    return st;
}

typedef struct hf_reader {
    const gb_st_file *f;
    const char *prefix;  /* "transformer." or "" */
    unsigned char *used; /* [n_tensors] tensors of f consumed so far */
    float *buf;          /* scratch holding the tensor last read */
} hf_reader;

/* Read tensor `name` (under the file's prefix, or bare) of the expected shape
 * into dst, or into the scratch h->buf when dst is NULL (to be rearranged). */
static gb_status hf_get(hf_reader *h, const char *name, int ndim, int64_t d0, int64_t d1, float *dst,
                        gb_error *err) {
    char full[GB_MAX_NAME + 16];
    snprintf(full, sizeof full, "%s%s", h->prefix, name);
    const gb_st_tensor *t = gb_st_find(h->f, full);
    if (!t && h->prefix[0]) t = gb_st_find(h->f, name);
    if (!t) return gb_fail(err, GB_ERR_INPUT, "%s: tensor %s is missing", h->f->path, full);
    gb_status st = gb_io_check_shape(h->f->path, t, ndim, d0, d1, err);
    if (!st) st = gb_st_read_f32(h->f, t, dst ? dst : h->buf, err);
    h->used[t - h->f->tensors] = 1;
    return st;
}

/* dst [n, rows] = columns c0..c0+n-1 of src [rows, cols], transposed:
 * a Conv1D weight [in, out] becomes a Linear weight [out, in]. */
static void take_columns_t(float *dst, const float *src, int rows, int cols, int c0, int n) {
    for (int o = 0; o < n; o++)
        for (int i = 0; i < rows; i++) dst[(size_t)o * rows + i] = src[(size_t)i * cols + c0 + o];
}

static void copy_floats(float *dst, const float *src, size_t n) { memcpy(dst, src, n * sizeof *dst); }

static gb_status hf_block(hf_reader *h, const gb_config *c, int l, gb_block_w *b, gb_error *err) {
    int d = c->d_model, ff = c->d_ff;
    char nm[GB_MAX_NAME];
    gb_status st;
#define GET(suffix, nd, d0, d1, dst) \
    (snprintf(nm, sizeof nm, "h.%d.%s", l, suffix), hf_get(h, nm, nd, d0, d1, dst, err))
    if ((st = GET("ln_1.weight", 1, d, 0, b->ln1_w)) || (st = GET("ln_1.bias", 1, d, 0, b->ln1_b)) ||
        (st = GET("ln_2.weight", 1, d, 0, b->ln2_w)) || (st = GET("ln_2.bias", 1, d, 0, b->ln2_b)) ||
        (st = GET("attn.c_proj.bias", 1, d, 0, b->attn.bo)) || (st = GET("mlp.c_fc.bias", 1, ff, 0, b->fc1_b)) ||
        (st = GET("mlp.c_proj.bias", 1, d, 0, b->fc2_b)))
        return st;
    if ((st = GET("attn.c_attn.weight", 2, d, 3 * d, NULL))) return st; /* [in, q|k|v] */
    take_columns_t(b->attn.wq, h->buf, d, 3 * d, 0, d);
    take_columns_t(b->attn.wk, h->buf, d, 3 * d, d, d);
    take_columns_t(b->attn.wv, h->buf, d, 3 * d, 2 * d, d);
    if ((st = GET("attn.c_attn.bias", 1, 3 * d, 0, NULL))) return st;
    copy_floats(b->attn.bq, h->buf, (size_t)d);
    copy_floats(b->attn.bk, h->buf + d, (size_t)d);
    copy_floats(b->attn.bv, h->buf + 2 * d, (size_t)d);
    if ((st = GET("attn.c_proj.weight", 2, d, d, NULL))) return st; /* [in, out] */
    take_columns_t(b->attn.wo, h->buf, d, d, 0, d);
    if ((st = GET("mlp.c_fc.weight", 2, d, ff, NULL))) return st;
    take_columns_t(b->fc1_w, h->buf, d, ff, 0, ff);
    if ((st = GET("mlp.c_proj.weight", 2, ff, d, NULL))) return st;
    take_columns_t(b->fc2_w, h->buf, ff, d, 0, d);
#undef GET
    return GB_OK;
}

static gb_status hf_globals(hf_reader *h, gb_model *m, gb_error *err) {
    const gb_config *c = &m->cfg;
    gb_status st = hf_get(h, "wte.weight", 2, c->vocab_size, c->d_model, m->w.embed, err);
    if (!st) st = hf_get(h, "wpe.weight", 2, c->max_seq, c->d_model, m->w.pos_embed, err);
    if (!st) st = hf_get(h, "ln_f.weight", 1, c->d_model, 0, m->w.lnf_w, err);
    if (!st) st = hf_get(h, "ln_f.bias", 1, c->d_model, 0, m->w.lnf_b, err);
    if (!st && !c->tied_embeddings)
        st = hf_get(h, "lm_head.weight", 2, c->vocab_size, c->d_model, m->w.unembed, err);
    return st;
}

/* Tensors that are not weights: causal-mask buffers, and lm_head when tied. */
static int hf_ignorable(const char *name, int tied) {
    if (strncmp(name, "transformer.", 12) == 0) name += 12;
    if (tied && strcmp(name, "lm_head.weight") == 0) return 1;
    if (strncmp(name, "h.", 2) != 0) return 0;
    const char *p = name + 2;
    if (*p < '0' || *p > '9') return 0;
    while (*p >= '0' && *p <= '9') p++;
    return strcmp(p, ".attn.bias") == 0 || strcmp(p, ".attn.masked_bias") == 0;
}

static gb_status hf_fill(hf_reader *h, gb_model *m, gb_error *err) {
    gb_status st = hf_globals(h, m, err);
    for (int l = 0; l < m->cfg.n_layers && !st; l++) st = hf_block(h, &m->cfg, l, &m->w.blocks[l], err);
    for (int i = 0; i < h->f->n_tensors && !st; i++)
        if (!h->used[i] && !hf_ignorable(h->f->tensors[i].name, m->cfg.tied_embeddings))
            st = gb_fail(err, GB_ERR_INPUT, "%s: tensor %s is not part of a GPT-2 model with this config.json",
                         h->f->path, h->f->tensors[i].name);
    return st;
}

/* The folder itself when it holds a GPT-2 tokenizer (either file pair). */
static char *hf_tokenizer_in(const char *dir) {
    const char *pairs[2][2] = {{"vocab.json", "merges.txt"}, {"encoder.json", "vocab.bpe"}};
    for (int i = 0; i < 2; i++) {
        char *a = gb_io_beside(dir, pairs[i][0]), *b = gb_io_beside(dir, pairs[i][1]);
        int both = a && b;
        free(a);
        free(b);
        if (both) return gb_io_strdup(dir);
    }
    return NULL;
}

gb_status gb_io_load_hf_gpt2(const gb_st_file *f, const char *config_path, gb_model **out, gb_error *err) {
    gb_config cfg;
    gb_status st = hf_read_config(config_path, &cfg, err);
    if (st) return st;
    hf_reader h = {f, "", NULL, NULL};
    if (!gb_st_find(f, "wte.weight") && gb_st_find(f, "transformer.wte.weight")) h.prefix = "transformer.";
    /* The scratch holds the largest weight that is rearranged: c_attn or c_fc/c_proj. */
    size_t d = (size_t)cfg.d_model, cap = 3 * d * d;
    if ((size_t)cfg.d_ff * d > cap) cap = (size_t)cfg.d_ff * d;
    gb_model *m = NULL;
    st = gb_model_create(&cfg, &m, err);
    if (st) {
        gb_error_prefix(err, "%s", config_path);
        return st;
    }
    h.used = calloc((size_t)f->n_tensors + 1, 1);
    h.buf = gb_alloc(cap * sizeof(float));
    if (!h.used || !h.buf) st = gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", f->path);
    if (!st) st = hf_fill(&h, m, err);
    free(h.used);
    gb_free(h.buf);
    if (!st) {
        char *dir = gb_io_path_dir(config_path);
        m->tokenizer_ref = dir ? hf_tokenizer_in(dir) : NULL;
        free(dir);
    }
    if (st) gb_model_free(m);
    else *out = m;
    return st;
}

/* ======================= llama2.c ======================= */

/* The legacy ("version 0") header: 7 little-endian int32. */
typedef struct l2c_header {
    int32_t dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
} l2c_header;

#define L2C_HEADER_BYTES 28
#define L2C_MAGIC 0x616b3432u /* "ak42": the newer versioned export */

static gb_status l2c_config(const char *path, const l2c_header *h, gb_config *c, gb_error *err) {
    const char *names[7] = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"};
    const int32_t vals[7] = {h->dim, h->hidden_dim, h->n_layers, h->n_heads, h->n_kv_heads, h->vocab_size,
                             h->seq_len};
    for (int i = 0; i < 7; i++)
        if (vals[i] <= 0 && !(i == 5 && vals[i] < 0 && vals[i] != INT32_MIN))
            return gb_fail(err, GB_ERR_INPUT, "%s: llama2.c header: %s is %d, it must be positive%s", path,
                           names[i], (int)vals[i], i == 5 ? " (or negative for a separate classifier)" : "");
    if (h->dim % h->n_heads != 0 || h->n_heads % h->n_kv_heads != 0)
        return gb_fail(err, GB_ERR_INPUT, "%s: llama2.c header: n_heads %d must divide dim %d and be a multiple of n_kv_heads %d",
                       path, (int)h->n_heads, (int)h->dim, (int)h->n_kv_heads);
    gb_config_defaults(c, GB_ARCH_DECODER);
    c->vocab_size = h->vocab_size > 0 ? h->vocab_size : -h->vocab_size;
    c->tied_embeddings = h->vocab_size > 0;
    c->d_model = h->dim;
    c->n_layers = h->n_layers;
    c->n_heads = h->n_heads;
    c->n_kv_heads = h->n_kv_heads;
    c->d_head = h->dim / h->n_heads;
    c->d_ff = h->hidden_dim;
    c->max_seq = h->seq_len;
    c->pos = GB_POS_ROPE;
    c->norm = GB_NORM_RMSNORM;
    c->act = GB_ACT_SWIGLU;
    c->bias = 0;
    c->norm_eps = 1e-5f;
    c->rope_theta = 10000.0f;
    gb_status st = gb_config_validate(c, err);
    if (st) gb_error_prefix(err, "%s: llama2.c header", path);
    return st;
}

/* Bytes the file must have for this config (validated, so no overflow in 64 bits). */
static uint64_t l2c_expected_size(const gb_config *c) {
    uint64_t d = (uint64_t)c->d_model, L = (uint64_t)c->n_layers, V = (uint64_t)c->vocab_size;
    uint64_t kv = (uint64_t)c->n_kv_heads * (uint64_t)c->d_head, ff = (uint64_t)c->d_ff;
    uint64_t floats = V * d                        /* token_embedding */
                      + L * d                      /* rms_att */
                      + L * (d * d + 2 * kv * d + d * d) /* wq wk wv wo */
                      + L * d                      /* rms_ffn */
                      + L * 3 * ff * d             /* w1 w2 w3 */
                      + d                          /* rms_final */
                      + (uint64_t)c->max_seq * (uint64_t)c->d_head; /* two RoPE tables of seq*hs/2 */
    if (!c->tied_embeddings) floats += V * d;      /* wcls */
    return L2C_HEADER_BYTES + 4 * floats;
}

typedef struct l2c_cursor {
    const char *path;
    const unsigned char *p;
} l2c_cursor;

/* Copy the next n floats of the file into dst; what/layer name them in errors. */
static gb_status l2c_take(l2c_cursor *cur, float *dst, size_t n, const char *what, int layer, gb_error *err) {
    memcpy(dst, cur->p, n * sizeof(float));
    cur->p += n * sizeof(float);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(dst[i])) {
            char where[32] = "";
            if (layer >= 0) snprintf(where, sizeof where, " of layer %d", layer);
            return gb_fail(err, GB_ERR_INPUT, "%s: %s%s has a non-finite value (%g) at index %zu", cur->path, what,
                           where, (double)dst[i], i);
        }
    return GB_OK;
}

/* One per-layer array of run.c's order, e.g. wq [L, d, d]: field picks the block's pointer. */
#define L2C_LAYERS(field, n, what)                                                         \
    for (int l = 0; l < c->n_layers && !st; l++) st = l2c_take(cur, m->w.blocks[l].field, (n), what, l, err)

static gb_status l2c_fill(l2c_cursor *cur, gb_model *m, gb_error *err) {
    const gb_config *c = &m->cfg;
    size_t d = (size_t)c->d_model, kv = (size_t)c->n_kv_heads * (size_t)c->d_head, ff = (size_t)c->d_ff;
    gb_status st = l2c_take(cur, m->w.embed, (size_t)c->vocab_size * d, "token_embedding", -1, err);
    L2C_LAYERS(ln1_w, d, "rms_att");
    L2C_LAYERS(attn.wq, d * d, "wq");
    L2C_LAYERS(attn.wk, kv * d, "wk");
    L2C_LAYERS(attn.wv, kv * d, "wv");
    L2C_LAYERS(attn.wo, d * d, "wo");
    L2C_LAYERS(ln2_w, d, "rms_ffn");
    L2C_LAYERS(fc1_w, ff * d, "w1");
    L2C_LAYERS(fc2_w, d * ff, "w2");
    L2C_LAYERS(fc3_w, ff * d, "w3");
    if (!st) st = l2c_take(cur, m->w.lnf_w, d, "rms_final", -1, err);
    cur->p += (size_t)c->max_seq * (size_t)c->d_head * sizeof(float); /* RoPE tables: recomputed, not read */
    if (!st && !c->tied_embeddings) st = l2c_take(cur, m->w.unembed, (size_t)c->vocab_size * d, "wcls", -1, err);
    return st;
}
#undef L2C_LAYERS

static gb_status l2c_parse(const char *path, const gb_mmap *mm, gb_config *cfg, gb_error *err) {
    if (mm->size < L2C_HEADER_BYTES)
        return gb_fail(err, GB_ERR_INPUT, "%s: file is %zu bytes, too short for a llama2.c header (%d bytes)", path,
                       mm->size, L2C_HEADER_BYTES);
    l2c_header h;
    memcpy(&h, mm->data, sizeof h);
    if ((uint32_t)h.dim == L2C_MAGIC)
        return gb_fail(err, GB_ERR_INPUT, "%s: a versioned llama2.c export (magic ak42) is not supported; export with the legacy format (version 0)",
                       path);
    gb_status st = l2c_config(path, &h, cfg, err);
    if (st) return st;
    uint64_t want = l2c_expected_size(cfg);
    if (want != (uint64_t)mm->size)
        return gb_fail(err, GB_ERR_INPUT, "%s: file is %zu bytes but its llama2.c header (dim %d, hidden_dim %d, n_layers %d, n_heads %d, n_kv_heads %d, vocab_size %d, seq_len %d) implies %llu bytes",
                       path, mm->size, (int)h.dim, (int)h.hidden_dim, (int)h.n_layers, (int)h.n_heads,
                       (int)h.n_kv_heads, (int)h.vocab_size, (int)h.seq_len, (unsigned long long)want);
    return GB_OK;
}

gb_status gb_io_load_llama2c(const char *path, gb_model **out, gb_error *err) {
    gb_mmap mm;
    gb_status st = gb_mmap_open(path, &mm, err);
    if (st) return st;
    gb_config cfg;
    gb_model *m = NULL;
    st = l2c_parse(path, &mm, &cfg, err);
    if (!st) st = gb_model_create(&cfg, &m, err);
    if (!st) {
        l2c_cursor cur = {path, mm.data + L2C_HEADER_BYTES};
        st = l2c_fill(&cur, m, err);
    }
    gb_mmap_close(&mm);
    if (!st) {
        char *dir = gb_io_path_dir(path);
        m->tokenizer_ref = dir ? gb_io_beside(dir, "tokenizer.bin") : NULL;
        free(dir);
    }
    if (st) gb_model_free(m);
    else *out = m;
    return st;
}
