/* model.c - configs, the parameter layout, model allocation and initialisation. */
#include "glassbox/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glassbox/platform.h"

static const char *ARCH_NAMES[] = {"decoder", "encoder", "encoder-decoder"};
static const char *POS_NAMES[] = {"none", "sinusoidal", "learned", "rope"};
static const char *NORM_NAMES[] = {"layernorm", "rmsnorm"};
static const char *ACT_NAMES[] = {"relu", "gelu", "gelu_tanh", "swiglu"};

const char *gb_arch_name(gb_arch a) { return (unsigned)a < 3 ? ARCH_NAMES[a] : "?"; }
const char *gb_pos_name(gb_pos_kind p) { return (unsigned)p < 4 ? POS_NAMES[p] : "?"; }
const char *gb_norm_name(gb_norm_kind n) { return (unsigned)n < 2 ? NORM_NAMES[n] : "?"; }
const char *gb_act_name(gb_act a) { return (unsigned)a < 4 ? ACT_NAMES[a] : "?"; }

void gb_config_defaults(gb_config *cfg, gb_arch arch) {
    memset(cfg, 0, sizeof *cfg);
    cfg->arch = arch;
    cfg->pos = GB_POS_LEARNED;
    cfg->norm = GB_NORM_LAYERNORM;
    cfg->pre_norm = 1;
    cfg->act = GB_ACT_GELU_TANH;
    cfg->tied_embeddings = 1;
    cfg->bias = 1;
    cfg->norm_eps = 1e-5f;
    cfg->rope_theta = 10000.0f;
}

gb_status gb_config_validate(const gb_config *c, gb_error *err) {
#define CHECK(cond, ...) \
    if (!(cond)) return gb_fail(err, GB_ERR_INPUT, __VA_ARGS__)
    CHECK((unsigned)c->arch <= GB_ARCH_ENCDEC, "unknown architecture %d", (int)c->arch);
    CHECK((unsigned)c->pos <= GB_POS_ROPE, "unknown positional encoding %d", (int)c->pos);
    CHECK((unsigned)c->norm <= GB_NORM_RMSNORM, "unknown norm %d", (int)c->norm);
    CHECK((unsigned)c->act <= GB_ACT_SWIGLU, "unknown activation %d", (int)c->act);
    CHECK(c->vocab_size > 0 && c->vocab_size <= 4000000, "vocab_size %d out of range [1, 4000000]",
          c->vocab_size);
    CHECK(c->d_model > 0 && c->d_model <= 65536, "d_model %d out of range [1, 65536]", c->d_model);
    CHECK(c->n_layers > 0 && c->n_layers <= GB_MAX_LAYERS, "n_layers %d out of range [1, %d]",
          c->n_layers, GB_MAX_LAYERS);
    CHECK(c->n_heads > 0 && c->n_heads <= 1024, "n_heads %d out of range [1, 1024]", c->n_heads);
    CHECK(c->n_kv_heads > 0 && c->n_kv_heads <= c->n_heads && c->n_heads % c->n_kv_heads == 0,
          "n_kv_heads %d must divide n_heads %d", c->n_kv_heads, c->n_heads);
    CHECK(c->d_head > 0 && c->d_head <= 4096, "d_head %d out of range [1, 4096]", c->d_head);
    CHECK(c->d_ff > 0 && c->d_ff <= 1048576, "d_ff %d out of range [1, 1048576]", c->d_ff);
    CHECK(c->max_seq > 0 && c->max_seq <= 1048576, "max_seq %d out of range [1, 1048576]", c->max_seq);
    CHECK(c->pos != GB_POS_ROPE || c->d_head % 2 == 0, "RoPE needs an even d_head (got %d)", c->d_head);
    CHECK(c->pos != GB_POS_SINUSOIDAL || c->d_model % 2 == 0,
          "sinusoidal positions need an even d_model (got %d)", c->d_model);
    CHECK(isfinite(c->norm_eps) && c->norm_eps > 0 && c->norm_eps < 1, "norm_eps %g out of range (0, 1)",
          (double)c->norm_eps);
    CHECK(c->pos != GB_POS_ROPE || (isfinite(c->rope_theta) && c->rope_theta > 1),
          "rope_theta %g must be > 1", (double)c->rope_theta);
    if (c->arch == GB_ARCH_ENCDEC)
        CHECK(c->n_enc_layers > 0 && c->n_enc_layers <= GB_MAX_LAYERS,
              "n_enc_layers %d out of range [1, %d]", c->n_enc_layers, GB_MAX_LAYERS);
    if (c->arch == GB_ARCH_ENCODER)
        CHECK(c->n_classes > 0 && c->n_classes <= GB_MAX_CLASSES, "n_classes %d out of range [1, %d]",
              c->n_classes, GB_MAX_CLASSES);
    /* Guard the total size: 2^34 floats = 64 GiB is far beyond any model we run. */
    size_t n = 0;
    gb_model_layout(c, NULL, 0, &n);
    CHECK(n < ((size_t)1 << 34), "model would have %zu parameters, too many", n);
#undef CHECK
    return GB_OK;
}

/* ---- the parameter layout ---- */

typedef struct layout_ctx {
    gb_param *table;
    int cap, n;
    size_t off;
} layout_ctx;

static void add(layout_ctx *lc, const char *name, int64_t d0, int64_t d1) {
    size_t numel = (size_t)d0 * (size_t)(d1 > 0 ? d1 : 1);
    if (lc->table && lc->n < lc->cap) {
        gb_param *p = &lc->table[lc->n];
        snprintf(p->name, sizeof p->name, "%s", name);
        p->ndim = d1 > 0 ? 2 : 1;
        p->shape[0] = d0;
        p->shape[1] = d1 > 0 ? d1 : 0;
        p->offset = lc->off;
        p->numel = numel;
    }
    lc->n++;
    lc->off += (numel + 15) & ~(size_t)15; /* 64-byte aligned tensors */
}

static void add_linear(layout_ctx *lc, const char *prefix, int out, int in, int bias) {
    char name[GB_MAX_NAME];
    snprintf(name, sizeof name, "%s.weight", prefix);
    add(lc, name, out, in);
    if (bias) {
        snprintf(name, sizeof name, "%s.bias", prefix);
        add(lc, name, out, 0);
    }
}

static void add_norm(layout_ctx *lc, const gb_config *c, const char *prefix) {
    char name[GB_MAX_NAME];
    snprintf(name, sizeof name, "%s.weight", prefix);
    add(lc, name, c->d_model, 0);
    if (c->norm == GB_NORM_LAYERNORM) {
        snprintf(name, sizeof name, "%s.bias", prefix);
        add(lc, name, c->d_model, 0);
    }
}

static void add_attn(layout_ctx *lc, const gb_config *c, const char *prefix) {
    char p[GB_MAX_NAME];
    int qd = c->n_heads * c->d_head, kvd = c->n_kv_heads * c->d_head;
    snprintf(p, sizeof p, "%s.q", prefix);
    add_linear(lc, p, qd, c->d_model, c->bias);
    snprintf(p, sizeof p, "%s.k", prefix);
    add_linear(lc, p, kvd, c->d_model, c->bias);
    snprintf(p, sizeof p, "%s.v", prefix);
    add_linear(lc, p, kvd, c->d_model, c->bias);
    snprintf(p, sizeof p, "%s.o", prefix);
    add_linear(lc, p, c->d_model, qd, c->bias);
}

static void add_block(layout_ctx *lc, const gb_config *c, const char *stack, int l, int cross) {
    char p[GB_MAX_NAME];
    snprintf(p, sizeof p, "%s.%d.ln1", stack, l);
    add_norm(lc, c, p);
    snprintf(p, sizeof p, "%s.%d.attn", stack, l);
    add_attn(lc, c, p);
    if (cross) {
        snprintf(p, sizeof p, "%s.%d.ln_cross", stack, l);
        add_norm(lc, c, p);
        snprintf(p, sizeof p, "%s.%d.cross_attn", stack, l);
        add_attn(lc, c, p);
    }
    snprintf(p, sizeof p, "%s.%d.ln2", stack, l);
    add_norm(lc, c, p);
    snprintf(p, sizeof p, "%s.%d.mlp.fc1", stack, l);
    add_linear(lc, p, c->d_ff, c->d_model, c->bias);
    if (c->act == GB_ACT_SWIGLU) {
        snprintf(p, sizeof p, "%s.%d.mlp.fc3", stack, l);
        add_linear(lc, p, c->d_ff, c->d_model, 0);
    }
    snprintf(p, sizeof p, "%s.%d.mlp.fc2", stack, l);
    add_linear(lc, p, c->d_model, c->d_ff, c->bias);
}

int gb_model_layout(const gb_config *c, gb_param *table, int cap, size_t *n_floats) {
    layout_ctx lc = {table, cap, 0, 0};
    add(&lc, "embed.weight", c->vocab_size, c->d_model);
    if (c->pos == GB_POS_LEARNED) add(&lc, "pos_embed.weight", c->max_seq, c->d_model);
    if (c->arch == GB_ARCH_ENCDEC) {
        for (int l = 0; l < c->n_enc_layers; l++) add_block(&lc, c, "encoder.blocks", l, 0);
        if (c->pre_norm) add_norm(&lc, c, "encoder.ln_final");
    }
    for (int l = 0; l < c->n_layers; l++) add_block(&lc, c, "blocks", l, c->arch == GB_ARCH_ENCDEC);
    if (c->pre_norm) add_norm(&lc, c, "ln_final");
    if (c->arch != GB_ARCH_ENCODER && !c->tied_embeddings)
        add(&lc, "unembed.weight", c->vocab_size, c->d_model);
    if (c->arch == GB_ARCH_ENCODER) {
        add(&lc, "classifier.weight", c->n_classes, c->d_model);
        add(&lc, "classifier.bias", c->n_classes, 0);
    }
    if (n_floats) *n_floats = lc.off;
    return lc.n;
}

static float *find(const gb_param *table, int n, float *buf, const char *name) {
    for (int i = 0; i < n; i++)
        if (strcmp(table[i].name, name) == 0) return buf + table[i].offset;
    return NULL;
}

static void bind_attn(const gb_param *t, int n, float *buf, const char *prefix, gb_attn_w *a) {
    char nm[GB_MAX_NAME];
#define B(field, suffix)                                   \
    snprintf(nm, sizeof nm, "%s.%s", prefix, suffix);      \
    a->field = find(t, n, buf, nm);
    B(wq, "q.weight") B(bq, "q.bias") B(wk, "k.weight") B(bk, "k.bias");
    B(wv, "v.weight") B(bv, "v.bias") B(wo, "o.weight") B(bo, "o.bias");
#undef B
}

static void bind_block(const gb_param *t, int n, float *buf, const char *stack, int l, gb_block_w *b) {
    char nm[GB_MAX_NAME];
#define B(field, suffix)                                            \
    snprintf(nm, sizeof nm, "%s.%d.%s", stack, l, suffix);          \
    b->field = find(t, n, buf, nm);
    B(ln1_w, "ln1.weight") B(ln1_b, "ln1.bias") B(lnx_w, "ln_cross.weight") B(lnx_b, "ln_cross.bias");
    B(ln2_w, "ln2.weight") B(ln2_b, "ln2.bias") B(fc1_w, "mlp.fc1.weight") B(fc1_b, "mlp.fc1.bias");
    B(fc3_w, "mlp.fc3.weight") B(fc2_w, "mlp.fc2.weight") B(fc2_b, "mlp.fc2.bias");
#undef B
    snprintf(nm, sizeof nm, "%s.%d.attn", stack, l);
    bind_attn(t, n, buf, nm, &b->attn);
    snprintf(nm, sizeof nm, "%s.%d.cross_attn", stack, l);
    bind_attn(t, n, buf, nm, &b->xattn);
}

void gb_weights_bind(const gb_config *c, const gb_param *t, int n, float *buf, gb_weights *w) {
    memset(w, 0, sizeof *w);
    w->embed = find(t, n, buf, "embed.weight");
    w->pos_embed = find(t, n, buf, "pos_embed.weight");
    for (int l = 0; l < c->n_layers; l++) bind_block(t, n, buf, "blocks", l, &w->blocks[l]);
    if (c->arch == GB_ARCH_ENCDEC)
        for (int l = 0; l < c->n_enc_layers; l++) bind_block(t, n, buf, "encoder.blocks", l, &w->enc_blocks[l]);
    w->lnf_w = find(t, n, buf, "ln_final.weight");
    w->lnf_b = find(t, n, buf, "ln_final.bias");
    w->enc_lnf_w = find(t, n, buf, "encoder.ln_final.weight");
    w->enc_lnf_b = find(t, n, buf, "encoder.ln_final.bias");
    w->unembed = find(t, n, buf, "unembed.weight");
    if (!w->unembed) w->unembed = w->embed;
    w->cls_w = find(t, n, buf, "classifier.weight");
    w->cls_b = find(t, n, buf, "classifier.bias");
}

gb_status gb_model_create(const gb_config *cfg, gb_model **out, gb_error *err) {
    *out = NULL;
    gb_status st = gb_config_validate(cfg, err);
    if (st) return st;
    gb_model *m = calloc(1, sizeof *m);
    if (!m) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    m->cfg = *cfg;
    m->n_table = gb_model_layout(cfg, NULL, 0, &m->n_params);
    m->table = calloc((size_t)m->n_table, sizeof *m->table);
    m->params = gb_alloc(m->n_params * sizeof(float));
    if (!m->table || !m->params) {
        gb_model_free(m);
        return gb_fail(err, GB_ERR_INTERNAL, "out of memory for %zu parameters", m->n_params);
    }
    memset(m->params, 0, m->n_params * sizeof(float));
    gb_model_layout(cfg, m->table, m->n_table, NULL);
    gb_weights_bind(cfg, m->table, m->n_table, m->params, &m->w);
    *out = m;
    return GB_OK;
}

void gb_model_free(gb_model *m) {
    if (!m) return;
    gb_free(m->params);
    free(m->table);
    free(m->source);
    free(m->tokenizer_ref);
    free(m->metadata_json);
    free(m);
}

const gb_param *gb_model_param(const gb_model *m, const char *name) {
    for (int i = 0; i < m->n_table; i++)
        if (strcmp(m->table[i].name, name) == 0) return &m->table[i];
    return NULL;
}

float *gb_model_param_data(gb_model *m, const char *name) {
    const gb_param *p = gb_model_param(m, name);
    return p ? m->params + p->offset : NULL;
}

/* splitmix64 + Box-Muller: a private, platform-stable generator for init. */
static uint64_t splitmix64(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double uniform01(uint64_t *s) { return ((double)(splitmix64(s) >> 11) + 0.5) * 0x1.0p-53; }

void gb_model_init_random(gb_model *m, uint64_t seed, float std) {
    uint64_t s = seed;
    for (int i = 0; i < m->n_table; i++) {
        const gb_param *p = &m->table[i];
        float *x = m->params + p->offset;
        size_t len = strlen(p->name);
        int is_bias = len > 5 && strcmp(p->name + len - 5, ".bias") == 0;
        int is_norm = p->ndim == 1 && (strstr(p->name, ".ln") || strncmp(p->name, "ln_", 3) == 0 ||
                                       strstr(p->name, "ln_final"));
        for (size_t j = 0; j < p->numel; j++) {
            if (is_norm && !is_bias) x[j] = 1.0f;
            else if (is_bias) x[j] = 0.0f;
            else {
                double u1 = uniform01(&s), u2 = uniform01(&s);
                x[j] = (float)(std * sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
            }
        }
    }
}

gb_status gb_model_check_finite(const gb_model *m, gb_error *err) {
    for (int i = 0; i < m->n_table; i++) {
        const gb_param *p = &m->table[i];
        const float *x = m->params + p->offset;
        for (size_t j = 0; j < p->numel; j++)
            if (!isfinite(x[j]))
                return gb_fail(err, GB_ERR_INPUT, "tensor %s has a non-finite value (%g) at index %zu",
                               p->name, (double)x[j], j);
    }
    return GB_OK;
}
