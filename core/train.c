/* train.c - the trainer: activation carving, the training forward that saves
 * what backward needs, and the backward pass through all three families.
 *
 * Shapes: N = B*T rows of the output stack, Ns = B*Ts rows of the encoder
 * (ENCDEC), d = d_model, qd = H*dh, dff = d_ff, V = vocab, C = classes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "glassbox/forward.h"
#include "glassbox/platform.h"
#include "train_internal.h"

/* ---- the size table: one allocation carved into named activations ---- */

typedef struct carve {
    float *base; /* NULL while sizing */
    size_t off;
} carve;

static void take(carve *c, float **dst, size_t n) {
    *dst = c->base ? c->base + c->off : NULL;
    c->off += (n + 15) & ~(size_t)15; /* 64-byte aligned */
}

static void carve_block(carve *c, tr_block *k, const gb_config *g, size_t N, size_t Ns, size_t B,
                        size_t T, size_t Ts, int cross) {
    size_t d = (size_t)g->d_model, qd = (size_t)g->n_heads * g->d_head, H = (size_t)g->n_heads,
           dff = (size_t)g->d_ff;
    take(c, &k->ln1, N * d), take(c, &k->ln1_mean, N), take(c, &k->ln1_rstd, N);
    take(c, &k->q, N * qd), take(c, &k->k, N * qd), take(c, &k->v, N * qd);
    take(c, &k->att, B * H * T * T), take(c, &k->z, N * qd), take(c, &k->res1, N * d);
    if (cross) {
        take(c, &k->lnx, N * d), take(c, &k->lnx_mean, N), take(c, &k->lnx_rstd, N);
        take(c, &k->cq, N * qd), take(c, &k->ck, Ns * qd), take(c, &k->cv, Ns * qd);
        take(c, &k->catt, B * H * T * Ts), take(c, &k->cz, N * qd), take(c, &k->res2, N * d);
    }
    take(c, &k->ln2, N * d), take(c, &k->ln2_mean, N), take(c, &k->ln2_rstd, N);
    take(c, &k->h, N * dff), take(c, &k->g, N * dff), take(c, &k->res3, N * d);
}

static void carve_stack(carve *c, tr_stack *s, const gb_config *g, int L, size_t N, size_t Ns, size_t B,
                        size_t T, size_t Ts, int cross) {
    size_t d = (size_t)g->d_model;
    take(c, &s->x0, N * d);
    for (int l = 0; l < L; l++) carve_block(c, &s->blk[l], g, N, Ns, B, T, Ts, cross);
    take(c, &s->lnf, N * d), take(c, &s->lnf_mean, N), take(c, &s->lnf_rstd, N);
}

static void carve_all(carve *c, gb_trainer *t) {
    const gb_config *g = &t->m->cfg;
    size_t B = (size_t)t->max_B, T = (size_t)t->max_T, Ts = (size_t)t->max_Ts;
    size_t N = B * T, Ns = B * Ts, d = (size_t)g->d_model, qd = (size_t)g->n_heads * g->d_head;
    size_t dff = (size_t)g->d_ff, V = (size_t)g->vocab_size, maxN = N > Ns ? N : Ns;
    size_t maxT = T > Ts ? T : Ts;
    int encdec = g->arch == GB_ARCH_ENCDEC;
    carve_stack(c, &t->out, g, g->n_layers, N, Ns, B, T, Ts, encdec);
    if (encdec) carve_stack(c, &t->enc, g, g->n_enc_layers, Ns, 0, B, Ts, 0, 0);
    size_t nlog = g->arch == GB_ARCH_ENCODER ? B * (size_t)g->n_classes : N * V;
    take(c, &t->logits, nlog), take(c, &t->dlogits, nlog);
    tr_scratch *s = &t->s;
    take(c, &s->dres, maxN * d), take(c, &s->dln, maxN * d), take(c, &s->dsum, maxN * d);
    take(c, &s->dq, maxN * qd), take(c, &s->dk, maxN * qd), take(c, &s->dv, maxN * qd);
    take(c, &s->dz, maxN * qd), take(c, &s->dh, maxN * dff), take(c, &s->dg, maxN * dff);
    take(c, &s->datt, maxT * maxT);
    if (encdec) take(c, &s->denc, Ns * d), take(c, &s->dck, Ns * qd), take(c, &s->dcv, Ns * qd);
    if (g->pos == GB_POS_SINUSOIDAL) take(c, &t->pos_table, maxT * d);
}

static gb_status check_trainable(const gb_config *g, int B, int T, int Ts, gb_error *err) {
    if (g->norm != GB_NORM_LAYERNORM)
        return gb_fail(err, GB_ERR_INPUT, "training supports LayerNorm models only (this one uses %s)",
                       gb_norm_name(g->norm));
    if (g->pos == GB_POS_ROPE) return gb_fail(err, GB_ERR_INPUT, "training does not support RoPE positions");
    if (g->act == GB_ACT_SWIGLU) return gb_fail(err, GB_ERR_INPUT, "training does not support SwiGLU MLPs");
    if (g->n_kv_heads != g->n_heads)
        return gb_fail(err, GB_ERR_INPUT, "training needs n_kv_heads == n_heads (got %d and %d)",
                       g->n_kv_heads, g->n_heads);
    if (B < 1 || T < 1 || T > g->max_seq)
        return gb_fail(err, GB_ERR_INPUT, "batch of %d rows x %d tokens is out of range (context window %d)",
                       B, T, g->max_seq);
    if (g->arch == GB_ARCH_ENCDEC && (Ts < 1 || Ts > g->max_seq))
        return gb_fail(err, GB_ERR_INPUT, "source length %d out of range [1, %d]", Ts, g->max_seq);
    if ((double)B * T * g->vocab_size > 1.5e9)
        return gb_fail(err, GB_ERR_INPUT, "batch %d x %d with a vocabulary of %d needs too much memory",
                       B, T, g->vocab_size);
    return GB_OK;
}

gb_status gb_trainer_new(gb_model *m, int max_B, int max_T, int max_Ts, gb_trainer **out, gb_error *err) {
    *out = NULL;
    const gb_config *g = &m->cfg;
    gb_status st = check_trainable(g, max_B, max_T, max_Ts, err);
    if (st) return st;
    gb_trainer *t = calloc(1, sizeof *t);
    if (!t) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    t->m = m;
    t->max_B = max_B, t->max_T = max_T, t->max_Ts = g->arch == GB_ARCH_ENCDEC ? max_Ts : 0;
    t->table = m->table, t->n_table = m->n_table;
    size_t P = m->n_params * sizeof(float);
    t->grads = gb_alloc(P), t->adam_m = gb_alloc(P), t->adam_v = gb_alloc(P);
    carve c = {0};
    carve_all(&c, t);
    t->n_acts = c.off;
    t->acts = gb_alloc(t->n_acts * sizeof(float));
    if (!t->grads || !t->adam_m || !t->adam_v || !t->acts) {
        gb_trainer_free(t);
        return gb_fail(err, GB_ERR_INTERNAL, "out of memory for training buffers (%zu floats)", c.off);
    }
    memset(t->grads, 0, P), memset(t->adam_m, 0, P), memset(t->adam_v, 0, P);
    memset(t->acts, 0, t->n_acts * sizeof(float));
    c = (carve){t->acts, 0};
    carve_all(&c, t);
    gb_weights_bind(g, t->table, t->n_table, t->grads, &t->gw);
    if (t->pos_table) {
        int maxT = max_T > t->max_Ts ? max_T : t->max_Ts;
        for (int p = 0; p < maxT; p++) gb_sinusoidal(p, g->d_model, t->pos_table + (size_t)p * g->d_model);
    }
    t->rng = 0x9E3779B97F4A7C15ull;
    *out = t;
    return GB_OK;
}

void gb_trainer_free(gb_trainer *t) {
    if (!t) return;
    gb_free(t->grads), gb_free(t->adam_m), gb_free(t->adam_v), gb_free(t->acts);
    free(t);
}

float *gb_trainer_grads(gb_trainer *t) { return t->grads; }
size_t gb_trainer_n_params(const gb_trainer *t) { return t->m->n_params; }
size_t gb_trainer_activation_floats(const gb_trainer *t) { return t->n_acts; }
long gb_trainer_step_count(const gb_trainer *t) { return t->step; }
int gb_trainer_n_targets(const gb_trainer *t) { return t->n_targets; }

const float *gb_trainer_logits(const gb_trainer *t, int *rows, int *cols) {
    const gb_config *g = &t->m->cfg;
    if (g->arch == GB_ARCH_ENCODER) *rows = t->B, *cols = g->n_classes;
    else *rows = t->N, *cols = g->vocab_size;
    return t->logits;
}

/* splitmix64: the trainer's generator; its whole state is one word, saved in checkpoints */
uint64_t gb_trainer_rand(gb_trainer *t) {
    uint64_t z = (t->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
uint64_t gb_trainer_rng_state(const gb_trainer *t) { return t->rng; }
void gb_trainer_seed(gb_trainer *t, uint64_t seed) { t->rng = seed; }
