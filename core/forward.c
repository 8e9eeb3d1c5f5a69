/* forward.c - the instrumented forward pass: embeddings, attention with a KV
 * cache, MLPs, norms, output head; recording and interventions at named points.
 *
 * Shapes in comments: n = rows computed in this call, T = positions attended
 * to (pos0 + n for the causal decoder, n for the encoder), d = d_model,
 * H/Hkv = query/kv heads, dh = head size, qd = H*dh, kvd = Hkv*dh.
 */
#include "glassbox/forward.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastmath.h"
#include "glassbox/platform.h"
#include "trace_internal.h"

/* Hook points; names are built once per state (prefix + layer + suffix). */
typedef enum hook_id {
    H_TOKENS,
    H_HOOK_EMBED,
    H_HOOK_POS_EMBED,
    H_HOOK_RESID_PRE,
    H_LN1_HOOK_NORMALIZED,
    H_ATTN_HOOK_Q,
    H_ATTN_HOOK_K,
    H_ATTN_HOOK_V,
    H_ATTN_HOOK_ATTN_SCORES,
    H_ATTN_HOOK_PATTERN,
    H_ATTN_HOOK_Z,
    H_HOOK_ATTN_OUT,
    H_HOOK_RESID_MID,
    H_LN_CROSS_HOOK_NORMALIZED,
    H_CROSS_ATTN_HOOK_Q,
    H_CROSS_ATTN_HOOK_ATTN_SCORES,
    H_CROSS_ATTN_HOOK_PATTERN,
    H_CROSS_ATTN_HOOK_Z,
    H_HOOK_CROSS_ATTN_OUT,
    H_HOOK_RESID_MID_CROSS,
    H_LN2_HOOK_NORMALIZED,
    H_MLP_HOOK_PRE,
    H_MLP_HOOK_PRE_LINEAR,
    H_MLP_HOOK_POST,
    H_HOOK_MLP_OUT,
    H_HOOK_RESID_POST,
    H_LN_FINAL_HOOK_NORMALIZED,
    H_LOGITS,
    N_HOOKS
} hook_id;

static const char *const HOOK_SUFFIX[N_HOOKS] = {
    "tokens",
    "hook_embed",
    "hook_pos_embed",
    "hook_resid_pre",
    "ln1.hook_normalized",
    "attn.hook_q",
    "attn.hook_k",
    "attn.hook_v",
    "attn.hook_attn_scores",
    "attn.hook_pattern",
    "attn.hook_z",
    "hook_attn_out",
    "hook_resid_mid",
    "ln_cross.hook_normalized",
    "cross_attn.hook_q",
    "cross_attn.hook_attn_scores",
    "cross_attn.hook_pattern",
    "cross_attn.hook_z",
    "hook_cross_attn_out",
    "hook_resid_mid_cross",
    "ln2.hook_normalized",
    "mlp.hook_pre",
    "mlp.hook_pre_linear",
    "mlp.hook_post",
    "hook_mlp_out",
    "hook_resid_post",
    "ln_final.hook_normalized",
    "logits",
};

struct gb_state {
    const gb_model *m;
    int cap;            /* max tokens */
    int len;            /* decoder positions in the cache */
    int enc_len;        /* encoder positions (ENCODER / ENCDEC) */
    float *k_cache, *v_cache;   /* [L][cap][kvd] output stack self-attention */
    float *ek_cache, *ev_cache; /* [Lenc][cap][kvd] encoder self-attention (ENCDEC) */
    float *xk_cache, *xv_cache; /* [L][cap][kvd] cross-attention keys/values of the encoder output */
    float *enc_out;     /* [cap, d] encoder output after its final norm */
    /* scratch, sized for cap rows */
    float *x, *xn, *q, *k, *v, *z, *ao, *h, *h3; /* [cap,d] [cap,d] [cap,qd] [cap,kvd] [cap,kvd] [cap,qd] [cap,d] [cap,dff] [cap,dff] */
    float *att;         /* [H, cap, cap] scores then probabilities */
    float *rope_cos, *rope_sin; /* [cap, dh/2] */
    float *pos_row;     /* [d] */
    float *logits;      /* [cap, V] when all_logits, else [V] used */
    int n_logit_rows;
    float *last_logits; /* [V] */
    float *hidden;      /* [d] final normed hidden of the last row */
    float *class_logits;/* [C] */
    uint64_t n_forward;
    int name_layers;    /* layers + 1 rows of names per stack */
    char (*names)[64];  /* [2 stacks][name_layers][N_HOOKS] */
    /* what the trace answered for each hook slot (see trace_slot) */
    const gb_trace *tc_trace;
    uint64_t tc_gen;
    unsigned char *tc_known; /* [slots] 1: tc_t holds the answer */
    gb_tensor **tc_t;        /* [slots] the tensor, or NULL: not recorded */
};

/* ---------- small kernels (output first) ---------- */

/* y[n, out] = x[n, in] @ W[out, in]^T + b */
static void linear(float *y, const float *x, const float *W, const float *b, int n, int in, int out) {
    if (n == 1) {
        if (b) memcpy(y, b, (size_t)out * sizeof(float));
        cblas_sgemv(CblasRowMajor, CblasNoTrans, out, in, 1.0f, W, in, x, 1, b ? 1.0f : 0.0f, y, 1);
        return;
    }
    if (b)
        for (int i = 0; i < n; i++) memcpy(y + (size_t)i * out, b, (size_t)out * sizeof(float));
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, out, in, 1.0f, x, in, W, in,
                b ? 1.0f : 0.0f, y, out);
}

/* out[n, d] = norm(x[n, d]) * w (+ b) */
static void norm_rows(float *out, const float *x, const float *w, const float *b, int n, int d,
                      gb_norm_kind kind, float eps) {
    for (int i = 0; i < n; i++) {
        const float *xi = x + (size_t)i * d;
        float *oi = out + (size_t)i * d;
        if (kind == GB_NORM_RMSNORM) {
            double ss = 0;
            for (int j = 0; j < d; j++) ss += (double)xi[j] * xi[j];
            float s = (float)(1.0 / sqrt(ss / d + eps));
            for (int j = 0; j < d; j++) oi[j] = w[j] * (s * xi[j]);
        } else {
            double mean = 0, var = 0;
            for (int j = 0; j < d; j++) mean += xi[j];
            mean /= d;
            for (int j = 0; j < d; j++) var += ((double)xi[j] - mean) * ((double)xi[j] - mean);
            var /= d;
            float s = (float)(1.0 / sqrt(var + eps)), mu = (float)mean;
            for (int j = 0; j < d; j++) oi[j] = (xi[j] - mu) * s * w[j] + (b ? b[j] : 0.0f);
        }
    }
}

static void softmax_inplace(float *x, int n) {
    float mx = x[0];
    for (int i = 1; i < n; i++) mx = x[i] > mx ? x[i] : mx;
    float s = 0.0f;
    for (int i = 0; i < n; i++) { /* masked -inf entries come out as 0 */
        x[i] = x[i] == -INFINITY ? 0.0f : gb_fast_expf(x[i] - mx);
        s += x[i];
    }
    float inv = 1.0f / s;
    for (int i = 0; i < n; i++) x[i] *= inv;
}

/* Activations over a whole array (loops the compiler vectorises). */
static void activate(float *h, size_t n, gb_act a) {
    switch (a) {
    case GB_ACT_RELU:
        for (size_t i = 0; i < n; i++) h[i] = h[i] > 0.0f ? h[i] : 0.0f;
        break;
    case GB_ACT_GELU:
        for (size_t i = 0; i < n; i++) h[i] = 0.5f * h[i] * (1.0f + erff(h[i] * 0.70710678118654752f));
        break;
    case GB_ACT_GELU_TANH:
        /* 0.5 x (1 + tanh(u)), tanh(u) = 1 - 2 / (exp(2u) + 1), u = sqrt(2/pi)(x + 0.044715 x^3) */
        for (size_t i = 0; i < n; i++) {
            float x = h[i], u = 0.79788456080286536f * (x + 0.044715f * x * x * x);
            h[i] = 0.5f * x * (2.0f - 2.0f / (gb_fast_expf(2.0f * u) + 1.0f));
        }
        break;
    case GB_ACT_SWIGLU: /* SiLU of the gate; the caller multiplies by the up branch */
        for (size_t i = 0; i < n; i++) h[i] = h[i] / (1.0f + gb_fast_expf(-h[i]));
        break;
    }
}

/* ---------- positions ---------- */

void gb_sinusoidal(int p, int d, float *out) {
    /* PE(p, 2i) = sin(p / 10000^(2i/d)), PE(p, 2i+1) = cos(p / 10000^(2i/d)) */
    for (int i = 0; i < d / 2; i++) {
        double angle = (double)p / pow(10000.0, (2.0 * i) / (double)d);
        out[2 * i] = (float)sin(angle);
        out[2 * i + 1] = (float)cos(angle);
    }
}

bool gb_position_encoding(const gb_model *m, int p, float *out) {
    const gb_config *c = &m->cfg;
    if (p < 0 || p >= c->max_seq) return false;
    if (c->pos == GB_POS_SINUSOIDAL) {
        gb_sinusoidal(p, c->d_model, out);
        return true;
    }
    if (c->pos == GB_POS_LEARNED) {
        memcpy(out, m->w.pos_embed + (size_t)p * c->d_model, (size_t)c->d_model * sizeof(float));
        return true;
    }
    return false;
}

/* ---------- state ---------- */

gb_state *gb_state_new(const gb_model *m, int capacity, gb_error *err) {
    const gb_config *c = &m->cfg;
    if (capacity <= 0 || capacity > c->max_seq) {
        gb_fail(err, GB_ERR_INPUT, "state capacity %d out of range [1, %d] (the context window)", capacity,
                c->max_seq);
        return NULL;
    }
    gb_state *st = calloc(1, sizeof *st);
    if (!st) goto oom;
    st->m = m;
    st->cap = capacity;
    size_t cap = (size_t)capacity, d = (size_t)c->d_model, qd = (size_t)c->n_heads * c->d_head,
           kvd = (size_t)c->n_kv_heads * c->d_head, dff = (size_t)c->d_ff, V = (size_t)c->vocab_size;
    size_t L = (size_t)c->n_layers;
#define ALLOC(field, count)                                          \
    do {                                                             \
        st->field = gb_alloc((count) * sizeof(float));               \
        if (!st->field) goto oom;                                    \
        memset(st->field, 0, (count) * sizeof(float));               \
    } while (0)
    if (c->arch != GB_ARCH_ENCODER) {
        ALLOC(k_cache, L * cap * kvd);
        ALLOC(v_cache, L * cap * kvd);
    }
    if (c->arch == GB_ARCH_ENCODER) {
        ALLOC(ek_cache, L * cap * kvd);
        ALLOC(ev_cache, L * cap * kvd);
        ALLOC(enc_out, cap * d);
        ALLOC(class_logits, (size_t)c->n_classes);
    }
    if (c->arch == GB_ARCH_ENCDEC) {
        ALLOC(ek_cache, (size_t)c->n_enc_layers * cap * kvd);
        ALLOC(ev_cache, (size_t)c->n_enc_layers * cap * kvd);
        ALLOC(xk_cache, L * cap * kvd);
        ALLOC(xv_cache, L * cap * kvd);
        ALLOC(enc_out, cap * d);
    }
    ALLOC(x, cap * d);
    ALLOC(xn, cap * d);
    ALLOC(q, cap * qd);
    ALLOC(k, cap * kvd);
    ALLOC(v, cap * kvd);
    ALLOC(z, cap * qd);
    ALLOC(ao, cap * d);
    ALLOC(h, cap * dff);
    ALLOC(h3, cap * dff);
    ALLOC(att, (size_t)c->n_heads * cap * cap);
    ALLOC(pos_row, d);
    ALLOC(last_logits, V);
    ALLOC(hidden, d);
    if (c->pos == GB_POS_ROPE) {
        size_t half = (size_t)c->d_head / 2;
        ALLOC(rope_cos, cap * half);
        ALLOC(rope_sin, cap * half);
        for (size_t p = 0; p < cap; p++)
            for (size_t i = 0; i < half; i++) {
                double freq = 1.0 / pow((double)c->rope_theta, (double)(2 * i) / (double)c->d_head);
                double a = (double)p * freq;
                st->rope_cos[p * half + i] = (float)cos(a);
                st->rope_sin[p * half + i] = (float)sin(a);
            }
    }
#undef ALLOC
    st->name_layers = (c->n_layers > c->n_enc_layers ? c->n_layers : c->n_enc_layers) + 1;
    size_t n_slots = (size_t)2 * st->name_layers * N_HOOKS;
    st->names = calloc(n_slots, sizeof *st->names);
    st->tc_known = calloc(n_slots, 1);
    st->tc_t = calloc(n_slots, sizeof *st->tc_t);
    if (!st->names || !st->tc_known || !st->tc_t) goto oom;
    for (int s2 = 0; s2 < 2; s2++)
        for (int l = -1; l + 1 < st->name_layers; l++)
            for (int h = 0; h < N_HOOKS; h++) {
                char *nm = st->names[((size_t)s2 * st->name_layers + (size_t)(l + 1)) * N_HOOKS + h];
                const char *pre = s2 ? "encoder." : "";
                if (l < 0) snprintf(nm, 64, "%s%s", pre, HOOK_SUFFIX[h]);
                else snprintf(nm, 64, "%sblocks.%d.%s", pre, l, HOOK_SUFFIX[h]);
            }
    return st;
oom:
    gb_state_free(st);
    gb_fail(err, GB_ERR_INTERNAL, "out of memory for a state of %d tokens", capacity);
    return NULL;
}

void gb_state_free(gb_state *st) {
    if (!st) return;
    float *bufs[] = {st->k_cache, st->v_cache, st->ek_cache, st->ev_cache, st->xk_cache, st->xv_cache,
                     st->enc_out, st->x, st->xn, st->q, st->k, st->v, st->z, st->ao, st->h, st->h3,
                     st->att, st->rope_cos, st->rope_sin, st->pos_row, st->logits, st->last_logits,
                     st->hidden, st->class_logits};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) gb_free(bufs[i]);
    free(st->names);
    free(st->tc_known);
    free(st->tc_t);
    free(st);
}

int gb_state_capacity(const gb_state *st) { return st->cap; }
int gb_state_len(const gb_state *st) { return st->len; }
int gb_state_enc_len(const gb_state *st) { return st->enc_len; }
void gb_state_truncate(gb_state *st, int n) {
    if (n < 0) n = 0;
    if (n < st->len) st->len = n;
}
const float *gb_state_logits(const gb_state *st) { return st->last_logits; }
const float *gb_state_all_logits(const gb_state *st, int *n_rows) {
    if (n_rows) *n_rows = st->logits ? st->n_logit_rows : 0;
    return st->logits;
}
const float *gb_state_class_logits(const gb_state *st) { return st->class_logits; }
const float *gb_state_hidden(const gb_state *st) { return st->hidden; }
uint64_t gb_state_forward_count(const gb_state *st) { return st->n_forward; }

/* ---------- the run context: naming, recording, interventions ---------- */

typedef struct run {
    const gb_model *m;
    gb_state *st;
    const gb_run_opts *o;
    const char *prefix;  /* "" or "encoder." */
    gb_stack stack;
    int pos0, n, T;      /* rows pos0..pos0+n-1, attending over T positions */
    int observe;         /* anything to record, call or intervene on */
    gb_error *err;
    int failed;
} run;

static size_t hook_slot(const run *r, int layer, hook_id what) {
    size_t stack = r->prefix[0] ? 1 : 0;
    return (stack * (size_t)r->st->name_layers + (size_t)(layer + 1)) * N_HOOKS + what;
}

static const char *hook_name(const run *r, int layer, hook_id what) {
    return r->st->names[hook_slot(r, layer, what)];
}

/* gb_trace_record for a hook slot, remembering the answer in the state so a
 * decode step does not hash every hook name again. NULL: not recorded (or a
 * failure, and then r->failed is set). */
static gb_tensor *trace_slot(run *r, int layer, hook_id what, int ndim, const int64_t *shape,
                             unsigned tok_axes, float fill) {
    gb_state *st = r->st;
    gb_trace *tr = r->o->trace;
    size_t slot = hook_slot(r, layer, what), n_slots = (size_t)2 * st->name_layers * N_HOOKS;
    if (st->tc_trace != tr || st->tc_gen != gb_trace_generation(tr)) {
        memset(st->tc_known, 0, n_slots);
        st->tc_trace = tr;
        st->tc_gen = gb_trace_generation(tr);
    }
    if (st->tc_known[slot]) {
        gb_tensor *t = st->tc_t[slot];
        if (!t || gb_trace_reuse(tr, t, ndim, shape, tok_axes)) return t;
    }
    gb_tensor *t = gb_trace_record(tr, st->names[slot], ndim, shape, tok_axes, fill, r->err);
    if (!t && r->err && r->err->status != GB_OK) {
        r->failed = 1;
        return NULL;
    }
    if (st->tc_gen != gb_trace_generation(tr)) { /* the trace grew: the other answers may be stale */
        memset(st->tc_known, 0, n_slots);
        st->tc_gen = gb_trace_generation(tr);
    }
    st->tc_known[slot] = 1;
    st->tc_t[slot] = t;
    return t;
}

/* A row-shaped hook point: data is [n, width] for positions pos0..; the trace
 * records it as [T, tail...] where tail multiplies to width. */
static void hook_rows(run *r, int layer, hook_id what, float *data, int width, int n_tail,
                      const int64_t *tail) {
    if (!r->observe || r->failed) return;
    const char *name = hook_name(r, layer, what);
    const gb_run_opts *o = r->o;
    for (int i = 0; i < o->n_iv; i++) {
        const gb_intervention *iv = &o->iv[i];
        if (iv->kind != GB_IV_SET_ROW || strcmp(iv->name, name) != 0) continue;
        if (iv->row >= r->pos0 && iv->row < r->pos0 + r->n && iv->data)
            memcpy(data + (size_t)(iv->row - r->pos0) * width, iv->data, (size_t)width * sizeof(float));
    }
    if (o->hook && o->hook(o->hook_user, name, r->pos0, r->n, width, data) != 0) {
        gb_fail(r->err, GB_ERR_INPUT, "the pass was stopped at %s by a hook", name);
        r->failed = 1;
        return;
    }
    if (o->trace) {
        int64_t shape[GB_TENSOR_MAX_DIMS];
        shape[0] = r->pos0 + r->n;
        for (int i = 0; i < n_tail; i++) shape[i + 1] = tail[i];
        gb_tensor *t = trace_slot(r, layer, what, n_tail + 1, shape, 1u, 0.0f);
        if (!t) return;
        memcpy(t->data + (size_t)r->pos0 * (size_t)t->stride[0], data,
               (size_t)r->n * (size_t)width * sizeof(float));
    }
}

static void hook_d(run *r, int layer, hook_id what, float *data) {
    int64_t tail[1] = {r->m->cfg.d_model};
    hook_rows(r, layer, what, data, r->m->cfg.d_model, 1, tail);
}

/* Record attention [H, n, T] rows as the [H, Tq, Tk] tensor; Tk_total is the
 * key axis length (T for self-attention, enc_len for cross). */
static void record_att(run *r, int layer, hook_id what, const float *att, int Tk, int cross,
                       float fill) {
    if (!r->observe || !r->o->trace || r->failed) return;
    int H = r->m->cfg.n_heads;
    int64_t shape[3] = {H, r->pos0 + r->n, cross ? Tk : r->pos0 + r->n};
    /* A new tensor is filled with `fill` (the masked value) from end to end.
     * Only the first Tk columns of a row are written: in causal attention the
     * columns after a row's own position are masked in every pass, so they
     * already hold `fill`, and a row reads correctly as T grows. A
     * non-causal pass writes every row it shows in full. */
    gb_tensor *t = trace_slot(r, layer, what, 3, shape, cross ? 2u : 6u, fill);
    if (!t) return;
    int64_t row_cap = t->stride[1];
    for (int h = 0; h < H; h++)
        for (int i = 0; i < r->n; i++) {
            float *dst = t->data + h * t->stride[0] + (int64_t)(r->pos0 + i) * row_cap;
            memcpy(dst, att + ((size_t)h * r->n + i) * Tk, (size_t)Tk * sizeof(float));
        }
}

static float head_scale(const run *r, int layer, int head, int cross) {
    float s = 1.0f;
    if (!r->o) return s;
    for (int i = 0; i < r->o->n_iv; i++) {
        const gb_intervention *iv = &r->o->iv[i];
        if (iv->kind == GB_IV_HEAD_SCALE && iv->stack == r->stack && iv->layer == layer &&
            iv->head == head && !!iv->cross == !!cross)
            s *= iv->value;
    }
    return s;
}

static float pos_scale(const run *r) {
    float s = 1.0f;
    if (!r->o) return s;
    for (int i = 0; i < r->o->n_iv; i++)
        if (r->o->iv[i].kind == GB_IV_POS_SCALE) s *= r->o->iv[i].value;
    return s;
}

/* Rotate interleaved pairs of each head of rows x[n, nh*dh] at positions pos0.. */
static void rope_rows(const run *r, float *x, int nh, float scale) {
    const gb_config *c = &r->m->cfg;
    int dh = c->d_head, half = dh / 2, w = nh * dh;
    for (int i = 0; i < r->n; i++) {
        int p = r->pos0 + i;
        float *row = x + (size_t)i * w;
        for (int h = 0; h < nh; h++)
            for (int j = 0; j < half; j++) {
                float cs, sn;
                if (scale == 1.0f) {
                    cs = r->st->rope_cos[(size_t)p * half + j];
                    sn = r->st->rope_sin[(size_t)p * half + j];
                } else {
                    double a = scale * (double)p / pow((double)c->rope_theta, (double)(2 * j) / dh);
                    cs = (float)cos(a);
                    sn = (float)sin(a);
                }
                float *v = row + h * dh + 2 * j;
                float v0 = v[0], v1 = v[1];
                v[0] = v0 * cs - v1 * sn;
                v[1] = v0 * sn + v1 * cs;
            }
    }
}

/* ---------- attention ---------- */

/* Attention of rows xn[n, d] over keys/values Kc/Vc [T, kvd] (already filled).
 * causal: query row i (position pos0+i) sees keys 0..pos0+i. Writes the
 * projected output to r->st->ao [n, d]. */
static void attend(run *r, int layer, const gb_attn_w *w, const float *Kc, const float *Vc, int T,
                   int causal, int cross) {
    const gb_config *c = &r->m->cfg;
    gb_state *st = r->st;
    int n = r->n, H = c->n_heads, dh = c->d_head, qd = H * dh, kvd = c->n_kv_heads * dh;
    int group = H / c->n_kv_heads;
    const float scale = 1.0f / sqrtf((float)dh);
    for (int h = 0; h < H; h++) {
        const float *Kh = Kc + (size_t)(h / group) * dh;
        float *S = st->att + (size_t)h * n * T; /* [n, T] */
        if (n == 1) {
            int visible = causal ? r->pos0 + 1 : T;
            cblas_sgemv(CblasRowMajor, CblasNoTrans, visible, dh, scale, Kh, kvd, st->q + (size_t)h * dh, 1,
                        0.0f, S, 1);
            for (int j = visible; j < T; j++) S[j] = -INFINITY;
            continue;
        }
        /* S = scale * Q_h [n, dh] @ K_h^T [dh, T], then the causal mask */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, T, dh, scale, st->q + (size_t)h * dh, qd, Kh,
                    kvd, 0.0f, S, T);
        if (causal)
            for (int i = 0; i < n; i++)
                for (int j = r->pos0 + i + 1; j < T; j++) S[(size_t)i * T + j] = -INFINITY;
    }
    record_att(r, layer, cross ? H_CROSS_ATTN_HOOK_ATTN_SCORES : H_ATTN_HOOK_ATTN_SCORES, st->att, T, cross,
               -INFINITY);
    for (size_t i = 0; i < (size_t)H * n; i++) softmax_inplace(st->att + i * T, T);
    record_att(r, layer, cross ? H_CROSS_ATTN_HOOK_PATTERN : H_ATTN_HOOK_PATTERN, st->att, T, cross, 0.0f);
    /* z[:, h, :] = P_h [n, T] @ V_h [T, dh] */
    for (int h = 0; h < H; h++) {
        const float *Vh = Vc + (size_t)(h / group) * dh;
        const float *P = st->att + (size_t)h * n * T;
        float *zh = st->z + (size_t)h * dh;
        if (n == 1)
            cblas_sgemv(CblasRowMajor, CblasTrans, T, dh, 1.0f, Vh, kvd, P, 1, 0.0f, zh, 1);
        else
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, dh, T, 1.0f, P, T, Vh, kvd, 0.0f,
                        zh, qd);
        float s = head_scale(r, layer, h, cross);
        if (s != 1.0f)
            for (int i = 0; i < n; i++)
                for (int j = 0; j < dh; j++) zh[(size_t)i * qd + j] *= s;
    }
    int64_t tail[2] = {H, dh};
    hook_rows(r, layer, cross ? H_CROSS_ATTN_HOOK_Z : H_ATTN_HOOK_Z, st->z, qd, 2, tail);
    linear(st->ao, st->z, w->wo, w->bo, n, qd, c->d_model);
}

/* Self-attention of rows xn: project q/k/v, rotate, append k/v to the cache at
 * rows pos0.., attend over T positions. */
static void self_attention(run *r, int layer, const gb_attn_w *w, const float *xn, float *Kc, float *Vc,
                           int causal) {
    const gb_config *c = &r->m->cfg;
    gb_state *st = r->st;
    int n = r->n, d = c->d_model, H = c->n_heads, Hkv = c->n_kv_heads, dh = c->d_head;
    int qd = H * dh, kvd = Hkv * dh;
    float *kdst = Kc + (size_t)r->pos0 * kvd, *vdst = Vc + (size_t)r->pos0 * kvd;
    linear(st->q, xn, w->wq, w->bq, n, d, qd);
    linear(kdst, xn, w->wk, w->bk, n, d, kvd);
    linear(vdst, xn, w->wv, w->bv, n, d, kvd);
    if (c->pos == GB_POS_ROPE) {
        float ps = pos_scale(r);
        if (ps != 0.0f) {
            rope_rows(r, st->q, H, ps);
            rope_rows(r, kdst, Hkv, ps);
        }
    }
    int64_t tq[2] = {H, dh}, tk[2] = {Hkv, dh};
    hook_rows(r, layer, H_ATTN_HOOK_Q, st->q, qd, 2, tq);
    hook_rows(r, layer, H_ATTN_HOOK_K, kdst, kvd, 2, tk);
    hook_rows(r, layer, H_ATTN_HOOK_V, vdst, kvd, 2, tk);
    attend(r, layer, w, Kc, Vc, r->T, causal, 0);
}

/* Cross-attention of decoder rows xn over the encoder's cached K/V. */
static void cross_attention(run *r, int layer, const gb_attn_w *w, const float *xn) {
    const gb_config *c = &r->m->cfg;
    gb_state *st = r->st;
    int H = c->n_heads, dh = c->d_head, kvd = c->n_kv_heads * dh;
    linear(st->q, xn, w->wq, w->bq, r->n, c->d_model, H * dh);
    int64_t tq[2] = {H, dh};
    hook_rows(r, layer, H_CROSS_ATTN_HOOK_Q, st->q, H * dh, 2, tq);
    const float *Kc = st->xk_cache + (size_t)layer * st->cap * kvd;
    const float *Vc = st->xv_cache + (size_t)layer * st->cap * kvd;
    attend(r, layer, w, Kc, Vc, st->enc_len, 0, 1);
}

/* ---------- MLP ---------- */

static void mlp(run *r, int layer, const gb_block_w *b, const float *xn, float *out) {
    const gb_config *c = &r->m->cfg;
    gb_state *st = r->st;
    int n = r->n, d = c->d_model, dff = c->d_ff;
    size_t total = (size_t)n * dff;
    linear(st->h, xn, b->fc1_w, b->fc1_b, n, d, dff);
    int64_t tail[1] = {dff};
    hook_rows(r, layer, H_MLP_HOOK_PRE, st->h, dff, 1, tail);
    if (c->act == GB_ACT_SWIGLU) {
        linear(st->h3, xn, b->fc3_w, NULL, n, d, dff);
        hook_rows(r, layer, H_MLP_HOOK_PRE_LINEAR, st->h3, dff, 1, tail);
        activate(st->h, total, GB_ACT_SWIGLU);
        for (size_t i = 0; i < total; i++) st->h[i] *= st->h3[i];
    } else {
        activate(st->h, total, c->act);
    }
    hook_rows(r, layer, H_MLP_HOOK_POST, st->h, dff, 1, tail);
    linear(out, st->h, b->fc2_w, b->fc2_b, n, dff, d);
}

/* ---------- a block ---------- */

static void add_rows(float *x, const float *y, size_t count) {
    for (size_t i = 0; i < count; i++) x[i] += y[i];
}

static void block(run *r, int layer, const gb_block_w *b, float *Kc, float *Vc, int causal, int has_cross) {
    const gb_config *c = &r->m->cfg;
    gb_state *st = r->st;
    int n = r->n, d = c->d_model;
    size_t nd = (size_t)n * d;
    float eps = c->norm_eps;
    float *x = st->x, *xn = st->xn, *ao = st->ao;
    hook_d(r, layer, H_HOOK_RESID_PRE, x);
    if (c->pre_norm) {
        norm_rows(xn, x, b->ln1_w, b->ln1_b, n, d, c->norm, eps);
        hook_d(r, layer, H_LN1_HOOK_NORMALIZED, xn);
        self_attention(r, layer, &b->attn, xn, Kc, Vc, causal);
        hook_d(r, layer, H_HOOK_ATTN_OUT, ao);
        add_rows(x, ao, nd);
        hook_d(r, layer, H_HOOK_RESID_MID, x);
        if (has_cross) {
            norm_rows(xn, x, b->lnx_w, b->lnx_b, n, d, c->norm, eps);
            hook_d(r, layer, H_LN_CROSS_HOOK_NORMALIZED, xn);
            cross_attention(r, layer, &b->xattn, xn);
            hook_d(r, layer, H_HOOK_CROSS_ATTN_OUT, ao);
            add_rows(x, ao, nd);
            hook_d(r, layer, H_HOOK_RESID_MID_CROSS, x);
        }
        norm_rows(xn, x, b->ln2_w, b->ln2_b, n, d, c->norm, eps);
        hook_d(r, layer, H_LN2_HOOK_NORMALIZED, xn);
        mlp(r, layer, b, xn, ao);
        hook_d(r, layer, H_HOOK_MLP_OUT, ao);
        add_rows(x, ao, nd);
    } else { /* post-norm, as in the paper: x = norm(x + f(x)) */
        self_attention(r, layer, &b->attn, x, Kc, Vc, causal);
        hook_d(r, layer, H_HOOK_ATTN_OUT, ao);
        add_rows(x, ao, nd);
        norm_rows(x, x, b->ln1_w, b->ln1_b, n, d, c->norm, eps);
        hook_d(r, layer, H_LN1_HOOK_NORMALIZED, x);
        hook_d(r, layer, H_HOOK_RESID_MID, x);
        if (has_cross) {
            cross_attention(r, layer, &b->xattn, x);
            hook_d(r, layer, H_HOOK_CROSS_ATTN_OUT, ao);
            add_rows(x, ao, nd);
            norm_rows(x, x, b->lnx_w, b->lnx_b, n, d, c->norm, eps);
            hook_d(r, layer, H_LN_CROSS_HOOK_NORMALIZED, x);
            hook_d(r, layer, H_HOOK_RESID_MID_CROSS, x);
        }
        mlp(r, layer, b, x, ao);
        hook_d(r, layer, H_HOOK_MLP_OUT, ao);
        add_rows(x, ao, nd);
        norm_rows(x, x, b->ln2_w, b->ln2_b, n, d, c->norm, eps);
        hook_d(r, layer, H_LN2_HOOK_NORMALIZED, x);
    }
    hook_d(r, layer, H_HOOK_RESID_POST, x);
}

/* ---------- embeddings ---------- */

static gb_status check_ids(const gb_model *m, const int *tokens, int n, gb_error *err) {
    for (int i = 0; i < n; i++)
        if (tokens[i] < 0 || tokens[i] >= m->cfg.vocab_size)
            return gb_fail(err, GB_ERR_INPUT, "token id %d at position %d is out of range [0, %d)",
                           tokens[i], i, m->cfg.vocab_size);
    return GB_OK;
}

static void embed(run *r, const int *tokens) {
    const gb_config *c = &r->m->cfg;
    gb_state *st = r->st;
    int n = r->n, d = c->d_model;
    float es = c->scale_embed ? sqrtf((float)d) : 1.0f;
    for (int i = 0; i < n; i++) {
        const float *e = r->m->w.embed + (size_t)tokens[i] * d;
        float *x = st->x + (size_t)i * d;
        for (int j = 0; j < d; j++) x[j] = e[j] * es;
    }
    if (r->observe && r->o->trace) {
        const char *name = hook_name(r, -1, H_TOKENS);
        int64_t shape[1] = {r->pos0 + n};
        gb_tensor *t = gb_trace_record(r->o->trace, name, 1, shape, 1u, 0.0f, r->err);
        if (t)
            for (int i = 0; i < n; i++) t->data[r->pos0 + i] = (float)tokens[i];
    }
    hook_d(r, -1, H_HOOK_EMBED, st->x);
    float ps = pos_scale(r);
    if (c->pos == GB_POS_SINUSOIDAL || c->pos == GB_POS_LEARNED) {
        /* add positions through xn so the hook sees exactly what is added */
        for (int i = 0; i < n; i++) {
            float *pr = st->xn + (size_t)i * d;
            gb_position_encoding(r->m, r->pos0 + i, pr);
            if (ps != 1.0f)
                for (int j = 0; j < d; j++) pr[j] *= ps;
        }
        hook_d(r, -1, H_HOOK_POS_EMBED, st->xn);
        add_rows(st->x, st->xn, (size_t)n * d);
    } else if (c->pos == GB_POS_ROPE && r->observe && r->o->trace) {
        /* RoPE: record the rotation angles [T, dh/2] instead of an added vector */
        int half = c->d_head / 2;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < half; j++)
                st->xn[(size_t)i * half + j] =
                    (float)(ps * (double)(r->pos0 + i) / pow((double)c->rope_theta, (double)(2 * j) / c->d_head));
        int64_t tail[1] = {half};
        hook_rows(r, -1, H_HOOK_POS_EMBED, st->xn, half, 1, tail);
    }
}

/* ---------- output head ---------- */

static void final_norm(const gb_model *m, const float *lnw, const float *lnb, float *out, const float *x,
                       int n) {
    const gb_config *c = &m->cfg;
    if (c->pre_norm && lnw) norm_rows(out, x, lnw, lnb, n, c->d_model, c->norm, c->norm_eps);
    else memcpy(out, x, (size_t)n * c->d_model * sizeof(float));
}

void gb_logit_lens(const gb_model *m, const float *x, float *logits) {
    const gb_config *c = &m->cfg;
    float *tmp = malloc((size_t)c->d_model * sizeof(float));
    if (!tmp) {
        for (int i = 0; i < c->vocab_size; i++) logits[i] = 0.0f;
        return;
    }
    final_norm(m, m->w.lnf_w, m->w.lnf_b, tmp, x, 1);
    cblas_sgemv(CblasRowMajor, CblasNoTrans, c->vocab_size, c->d_model, 1.0f, m->w.unembed, c->d_model,
                tmp, 1, 0.0f, logits, 1);
    free(tmp);
}

/* ---------- public passes ---------- */

static void run_init(run *r, const gb_model *m, gb_state *st, const gb_run_opts *o, gb_error *err) {
    static const gb_run_opts none = {0};
    memset(r, 0, sizeof *r);
    r->m = m;
    r->st = st;
    r->o = o ? o : &none;
    r->err = err;
    r->prefix = "";
    r->observe = o && ((o->trace && gb_trace_records_anything(o->trace)) || o->hook || o->n_iv > 0);
}

gb_status gb_forward_decoder(const gb_model *m, gb_state *st, const int *tokens, int n, int pos0,
                             const gb_run_opts *opts, gb_error *err) {
    const gb_config *c = &m->cfg;
    if (c->arch == GB_ARCH_ENCODER)
        return gb_fail(err, GB_ERR_INPUT, "this is an encoder-only model: it has no decoder to run");
    if (n <= 0) return gb_fail(err, GB_ERR_INPUT, "nothing to run: no tokens");
    if (pos0 < 0 || pos0 > st->len)
        return gb_fail(err, GB_ERR_INPUT, "position %d is past the %d cached tokens", pos0, st->len);
    if (pos0 + n > st->cap)
        return gb_fail(err, GB_ERR_INPUT, "%d tokens do not fit in the context window of %d tokens",
                       pos0 + n, st->cap);
    if (c->arch == GB_ARCH_ENCDEC && st->enc_len == 0)
        return gb_fail(err, GB_ERR_INPUT, "run the encoder on the source sentence first");
    gb_status s = check_ids(m, tokens, n, err);
    if (s) return s;
    run r;
    run_init(&r, m, st, opts, err);
    r.stack = GB_STACK_OUTPUT;
    r.pos0 = pos0;
    r.n = n;
    r.T = pos0 + n;
    st->len = pos0; /* rewind if asked to overwrite */
    st->n_forward++;
    embed(&r, tokens);
    size_t kv_layer = (size_t)st->cap * c->n_kv_heads * c->d_head;
    for (int l = 0; l < c->n_layers && !r.failed; l++)
        block(&r, l, &m->w.blocks[l], st->k_cache + l * kv_layer, st->v_cache + l * kv_layer, 1,
              c->arch == GB_ARCH_ENCDEC);
    if (r.failed) return err && err->status ? err->status : GB_ERR_INTERNAL;
    /* final norm and head: every row when asked (or recorded), else the last */
    int want_all = r.o->all_logits ||
                   (r.o->trace && (gb_trace_wants(r.o->trace, hook_name(&r, -1, H_LOGITS)) ||
                                   gb_trace_wants(r.o->trace, hook_name(&r, -1, H_LN_FINAL_HOOK_NORMALIZED))));
    int rows = want_all ? n : 1;
    const float *src = st->x + (size_t)(n - rows) * c->d_model;
    final_norm(m, m->w.lnf_w, m->w.lnf_b, st->xn, src, rows);
    if (c->pre_norm && m->w.lnf_w && rows == n) hook_d(&r, -1, H_LN_FINAL_HOOK_NORMALIZED, st->xn);
    memcpy(st->hidden, st->xn + (size_t)(rows - 1) * c->d_model, (size_t)c->d_model * sizeof(float));
    if (want_all) {
        if (!st->logits) {
            st->logits = gb_alloc((size_t)st->cap * c->vocab_size * sizeof(float));
            if (!st->logits) return gb_fail(err, GB_ERR_INTERNAL, "out of memory for logits");
        }
        linear(st->logits, st->xn, m->w.unembed, NULL, n, c->d_model, c->vocab_size);
        st->n_logit_rows = n;
        memcpy(st->last_logits, st->logits + (size_t)(n - 1) * c->vocab_size,
               (size_t)c->vocab_size * sizeof(float));
        int64_t tail[1] = {c->vocab_size};
        hook_rows(&r, -1, H_LOGITS, st->logits, c->vocab_size, 1, tail);
    } else {
        st->n_logit_rows = 0;
        linear(st->last_logits, st->xn, m->w.unembed, NULL, 1, c->d_model, c->vocab_size);
    }
    if (r.failed) return err && err->status ? err->status : GB_ERR_INTERNAL;
    st->len = pos0 + n;
    return GB_OK;
}

gb_status gb_forward_encoder(const gb_model *m, gb_state *st, const int *tokens, int n,
                             const gb_run_opts *opts, gb_error *err) {
    const gb_config *c = &m->cfg;
    if (c->arch == GB_ARCH_DECODER)
        return gb_fail(err, GB_ERR_INPUT, "this is a decoder-only model: it has no encoder to run");
    if (n <= 0) return gb_fail(err, GB_ERR_INPUT, "nothing to run: no tokens");
    if (n > st->cap)
        return gb_fail(err, GB_ERR_INPUT, "%d tokens do not fit in the context window of %d tokens", n,
                       st->cap);
    gb_status s = check_ids(m, tokens, n, err);
    if (s) return s;
    run r;
    run_init(&r, m, st, opts, err);
    int encdec = c->arch == GB_ARCH_ENCDEC;
    r.prefix = encdec ? "encoder." : "";
    r.stack = encdec ? GB_STACK_ENCODER : GB_STACK_OUTPUT;
    r.pos0 = 0;
    r.n = n;
    r.T = n;
    st->n_forward++;
    st->enc_len = 0;
    st->len = 0; /* a new source invalidates the decoder cache */
    embed(&r, tokens);
    int L = encdec ? c->n_enc_layers : c->n_layers;
    const gb_block_w *blocks = encdec ? m->w.enc_blocks : m->w.blocks;
    size_t kv_layer = (size_t)st->cap * c->n_kv_heads * c->d_head;
    for (int l = 0; l < L && !r.failed; l++)
        block(&r, l, &blocks[l], st->ek_cache + l * kv_layer, st->ev_cache + l * kv_layer, 0, 0);
    if (r.failed) return err && err->status ? err->status : GB_ERR_INTERNAL;
    const float *lnw = encdec ? m->w.enc_lnf_w : m->w.lnf_w, *lnb = encdec ? m->w.enc_lnf_b : m->w.lnf_b;
    final_norm(m, lnw, lnb, st->enc_out, st->x, n);
    if (c->pre_norm && lnw) hook_d(&r, -1, H_LN_FINAL_HOOK_NORMALIZED, st->enc_out);
    st->enc_len = n;
    if (encdec) {
        /* cross-attention keys and values, once per source sentence */
        int kvd = c->n_kv_heads * c->d_head;
        for (int l = 0; l < c->n_layers; l++) {
            const gb_attn_w *w = &m->w.blocks[l].xattn;
            linear(st->xk_cache + l * kv_layer, st->enc_out, w->wk, w->bk, n, c->d_model, kvd);
            linear(st->xv_cache + l * kv_layer, st->enc_out, w->wv, w->bv, n, c->d_model, kvd);
            if (r.o->trace) {
                char name[128];
                int64_t shape[3] = {n, c->n_kv_heads, c->d_head};
                const char *whats[2] = {"cross_attn.hook_k", "cross_attn.hook_v"};
                float *srcs[2] = {st->xk_cache + l * kv_layer, st->xv_cache + l * kv_layer};
                for (int t = 0; t < 2; t++) {
                    snprintf(name, sizeof name, "blocks.%d.%s", l, whats[t]);
                    gb_tensor *tt = gb_trace_record(r.o->trace, name, 3, shape, 0u, 0.0f, err);
                    if (!tt) {
                        if (err && err->status) return err->status;
                        continue;
                    }
                    memcpy(tt->data, srcs[t], (size_t)n * kvd * sizeof(float));
                }
            }
        }
    } else {
        memcpy(st->hidden, st->enc_out, (size_t)c->d_model * sizeof(float));
        /* classification reads the first token (CLS) */
        memcpy(st->class_logits, m->w.cls_b, (size_t)c->n_classes * sizeof(float));
        cblas_sgemv(CblasRowMajor, CblasNoTrans, c->n_classes, c->d_model, 1.0f, m->w.cls_w, c->d_model,
                    st->enc_out, 1, 1.0f, st->class_logits, 1);
        if (r.o->trace) {
            int64_t shape[1] = {c->n_classes};
            gb_tensor *t = gb_trace_record(r.o->trace, "class_logits", 1, shape, 0u, 0.0f, err);
            if (t) memcpy(t->data, st->class_logits, (size_t)c->n_classes * sizeof(float));
            else if (err && err->status) return err->status;
        }
    }
    return GB_OK;
}
