/* train_pass.c - the training forward (saving activations) and the backward
 * pass, for decoder-only, encoder-only (+ classifier) and encoder-decoder.
 *
 * Block, pre-norm:  res1 = x + attn(ln1(x)); [res2 = res1 + xattn(lnx(res1))];
 *                   res3 = mid + mlp(ln2(mid)); out = res3
 * Block, post-norm: res1 = x + attn(x); ln1 = LN(res1); [res2 = ln1 + xattn(ln1);
 *                   lnx = LN(res2)]; res3 = mid + mlp(mid); out = ln2 = LN(res3)
 * (mid = the last residual before the MLP). Backward keeps one running residual
 * gradient `dres` and walks the same steps in reverse.
 */
#include <math.h>
#include <string.h>

#include "train_internal.h"

static void zero(float *x, size_t n) { memset(x, 0, n * sizeof(float)); }
static void add_into(float *y, const float *x, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] += x[i];
}

/* What one stack needs to run: its weights, inputs and attention masks. */
typedef struct stack_run {
    tr_stack *s;
    const gb_block_w *w, *gw;   /* weights and their gradients, per layer */
    const float *lnf_w, *lnf_b; /* final norm (pre-norm only) */
    float *glnf_w, *glnf_b;
    int L, B, T;
    const int *tokens;          /* [B, T] */
    const int *klen;            /* key lengths for bidirectional attention, or NULL */
    const int *xlen;            /* source lengths for cross-attention, or NULL */
    int causal, cross;
} stack_run;

static const float *block_out(const gb_config *g, const tr_block *k) { return g->pre_norm ? k->res3 : k->ln2; }
static const float *block_in(const gb_config *g, const stack_run *r, int l) {
    return l == 0 ? r->s->x0 : block_out(g, &r->s->blk[l - 1]);
}
static const float *stack_out(const gb_config *g, const stack_run *r) {
    return g->pre_norm ? r->s->lnf : block_out(g, &r->s->blk[r->L - 1]);
}

/* ---- forward ---- */

static void embed_fwd(gb_trainer *t, const stack_run *r) {
    const gb_config *g = &t->m->cfg;
    int d = g->d_model;
    float es = g->scale_embed ? sqrtf((float)d) : 1.0f;
    for (int i = 0; i < r->B * r->T; i++) {
        const float *e = t->m->w.embed + (size_t)r->tokens[i] * d;
        float *x = r->s->x0 + (size_t)i * d;
        int p = i % r->T;
        for (int j = 0; j < d; j++) x[j] = e[j] * es;
        if (g->pos == GB_POS_SINUSOIDAL) add_into(x, t->pos_table + (size_t)p * d, (size_t)d);
        else if (g->pos == GB_POS_LEARNED) add_into(x, t->m->w.pos_embed + (size_t)p * d, (size_t)d);
    }
}

/* attention module: out[N,d] = o(attention(q(xq), k(xkv), v(xkv))) */
static void attn_fwd(float *out, float *q, float *k, float *v, float *att, float *z, const gb_attn_w *w,
                     const float *xq, const float *xkv, const int *klen, int causal, int B, int T, int Tk,
                     const gb_config *g) {
    int d = g->d_model, H = g->n_heads, dh = g->d_head, qd = H * dh;
    tl_linear_fwd(q, xq, w->wq, w->bq, B * T, d, qd);
    tl_linear_fwd(k, xkv, w->wk, w->bk, B * Tk, d, qd);
    tl_linear_fwd(v, xkv, w->wv, w->bv, B * Tk, d, qd);
    tl_attention_fwd(z, att, q, k, v, klen, causal, B, T, Tk, H, dh);
    tl_linear_fwd(out, z, w->wo, w->bo, B * T, qd, d);
}

static void mlp_fwd(float *out, tr_block *k, const gb_block_w *w, const float *x, int N, const gb_config *g) {
    tl_linear_fwd(k->h, x, w->fc1_w, w->fc1_b, N, g->d_model, g->d_ff);
    tl_act_fwd(k->g, k->h, (size_t)N * g->d_ff, g->act);
    tl_linear_fwd(out, k->g, w->fc2_w, w->fc2_b, N, g->d_ff, g->d_model);
}

static void block_fwd(gb_trainer *t, const stack_run *r, int l) {
    const gb_config *g = &t->m->cfg;
    tr_block *k = &r->s->blk[l];
    const gb_block_w *w = &r->w[l];
    const float *x = block_in(g, r, l);
    int B = r->B, T = r->T, N = B * T, d = g->d_model;
    size_t nd = (size_t)N * d;
    float eps = g->norm_eps;
    const float *mid;
    if (g->pre_norm) {
        tl_layernorm_fwd(k->ln1, k->ln1_mean, k->ln1_rstd, x, w->ln1_w, w->ln1_b, N, d, eps);
        attn_fwd(k->res1, k->q, k->k, k->v, k->att, k->z, &w->attn, k->ln1, k->ln1, r->klen, r->causal, B, T,
                 T, g);
        add_into(k->res1, x, nd);
        mid = k->res1;
        if (r->cross) {
            tl_layernorm_fwd(k->lnx, k->lnx_mean, k->lnx_rstd, k->res1, w->lnx_w, w->lnx_b, N, d, eps);
            attn_fwd(k->res2, k->cq, k->ck, k->cv, k->catt, k->cz, &w->xattn, k->lnx, t->enc_src, r->xlen, 0, B,
                     T, t->Ts, g);
            add_into(k->res2, k->res1, nd);
            mid = k->res2;
        }
        tl_layernorm_fwd(k->ln2, k->ln2_mean, k->ln2_rstd, mid, w->ln2_w, w->ln2_b, N, d, eps);
        mlp_fwd(k->res3, k, w, k->ln2, N, g);
        add_into(k->res3, mid, nd);
    } else {
        attn_fwd(k->res1, k->q, k->k, k->v, k->att, k->z, &w->attn, x, x, r->klen, r->causal, B, T, T, g);
        add_into(k->res1, x, nd);
        tl_layernorm_fwd(k->ln1, k->ln1_mean, k->ln1_rstd, k->res1, w->ln1_w, w->ln1_b, N, d, eps);
        mid = k->ln1;
        if (r->cross) {
            attn_fwd(k->res2, k->cq, k->ck, k->cv, k->catt, k->cz, &w->xattn, k->ln1, t->enc_src, r->xlen, 0, B,
                     T, t->Ts, g);
            add_into(k->res2, k->ln1, nd);
            tl_layernorm_fwd(k->lnx, k->lnx_mean, k->lnx_rstd, k->res2, w->lnx_w, w->lnx_b, N, d, eps);
            mid = k->lnx;
        }
        mlp_fwd(k->res3, k, w, mid, N, g);
        add_into(k->res3, mid, nd);
        tl_layernorm_fwd(k->ln2, k->ln2_mean, k->ln2_rstd, k->res3, w->ln2_w, w->ln2_b, N, d, eps);
    }
}

static void stack_fwd(gb_trainer *t, const stack_run *r) {
    const gb_config *g = &t->m->cfg;
    embed_fwd(t, r);
    for (int l = 0; l < r->L; l++) block_fwd(t, r, l);
    if (g->pre_norm)
        tl_layernorm_fwd(r->s->lnf, r->s->lnf_mean, r->s->lnf_rstd, block_out(g, &r->s->blk[r->L - 1]),
                         r->lnf_w, r->lnf_b, r->B * r->T, g->d_model, g->norm_eps);
}

/* ---- backward ---- */

/* Attention module backward: dxq += d/dxq, dxkv += d/dxkv (they may alias);
 * dk/dv are scratch of B*Tk rows. */
static void attn_bwd(gb_trainer *t, float *dxq, float *dxkv, float *dk, float *dv, const float *dout,
                     const gb_attn_w *w, const gb_attn_w *gw, const float *q, const float *k, const float *v,
                     const float *att, const float *z, const float *xq, const float *xkv, int B, int T, int Tk) {
    const gb_config *g = &t->m->cfg;
    tr_scratch *s = &t->s;
    int d = g->d_model, H = g->n_heads, dh = g->d_head, qd = H * dh, N = B * T, Nk = B * Tk;
    zero(s->dz, (size_t)N * qd);
    tl_linear_bwd(s->dz, gw->wo, gw->bo, dout, z, w->wo, N, qd, d);
    zero(s->dq, (size_t)N * qd), zero(dk, (size_t)Nk * qd), zero(dv, (size_t)Nk * qd);
    tl_attention_bwd(s->dq, dk, dv, s->datt, s->dz, att, q, k, v, B, T, Tk, H, dh);
    tl_linear_bwd(dxq, gw->wq, gw->bq, s->dq, xq, w->wq, N, d, qd);
    tl_linear_bwd(dxkv, gw->wk, gw->bk, dk, xkv, w->wk, Nk, d, qd);
    tl_linear_bwd(dxkv, gw->wv, gw->bv, dv, xkv, w->wv, Nk, d, qd);
}

/* MLP backward: dx += d/dx of mlp(x) given dout (dx may alias dout). */
static void mlp_bwd(gb_trainer *t, float *dx, const float *dout, const tr_block *k, const gb_block_w *w,
                    const gb_block_w *gw, const float *x, int N) {
    const gb_config *g = &t->m->cfg;
    tr_scratch *s = &t->s;
    size_t nf = (size_t)N * g->d_ff;
    zero(s->dg, nf);
    tl_linear_bwd(s->dg, gw->fc2_w, gw->fc2_b, dout, k->g, w->fc2_w, N, g->d_ff, g->d_model);
    zero(s->dh, nf);
    tl_act_bwd(s->dh, s->dg, k->h, nf, g->act);
    tl_linear_bwd(dx, gw->fc1_w, gw->fc1_b, s->dh, x, w->fc1_w, N, g->d_model, g->d_ff);
}

/* Post-norm: replace dres (gradient of y = LN(x)) by the gradient of x. */
static void ln_replace(gb_trainer *t, const float *x, const float *mean, const float *rstd, const float *w,
                       float *gw, float *gb, int N) {
    int d = t->m->cfg.d_model;
    zero(t->s.dsum, (size_t)N * d);
    tl_layernorm_bwd(t->s.dsum, gw, gb, t->s.dres, x, mean, rstd, w, N, d);
    memcpy(t->s.dres, t->s.dsum, (size_t)N * d * sizeof(float));
}

/* Pre-norm: dres += d/dx of LN(x) given dln (the gradient of the norm output). */
static void ln_accumulate(gb_trainer *t, const float *x, const float *mean, const float *rstd, const float *w,
                          float *gw, float *gb, int N) {
    tl_layernorm_bwd(t->s.dres, gw, gb, t->s.dln, x, mean, rstd, w, N, t->m->cfg.d_model);
}

static void block_bwd_pre(gb_trainer *t, const stack_run *r, int l) {
    const gb_config *g = &t->m->cfg;
    tr_block *k = &r->s->blk[l];
    const gb_block_w *w = &r->w[l], *gw = &r->gw[l];
    tr_scratch *s = &t->s;
    int B = r->B, T = r->T, N = B * T;
    size_t nd = (size_t)N * g->d_model;
    const float *mid = r->cross ? k->res2 : k->res1;
    zero(s->dln, nd);
    mlp_bwd(t, s->dln, s->dres, k, w, gw, k->ln2, N);
    ln_accumulate(t, mid, k->ln2_mean, k->ln2_rstd, w->ln2_w, gw->ln2_w, gw->ln2_b, N);
    if (r->cross) {
        zero(s->dln, nd);
        attn_bwd(t, s->dln, s->denc, s->dck, s->dcv, s->dres, &w->xattn, &gw->xattn, k->cq, k->ck, k->cv,
                 k->catt, k->cz, k->lnx, t->enc_src, B, T, t->Ts);
        ln_accumulate(t, k->res1, k->lnx_mean, k->lnx_rstd, w->lnx_w, gw->lnx_w, gw->lnx_b, N);
    }
    zero(s->dln, nd);
    attn_bwd(t, s->dln, s->dln, s->dk, s->dv, s->dres, &w->attn, &gw->attn, k->q, k->k, k->v, k->att, k->z,
             k->ln1, k->ln1, B, T, T);
    ln_accumulate(t, block_in(g, r, l), k->ln1_mean, k->ln1_rstd, w->ln1_w, gw->ln1_w, gw->ln1_b, N);
}

static void block_bwd_post(gb_trainer *t, const stack_run *r, int l) {
    const gb_config *g = &t->m->cfg;
    tr_block *k = &r->s->blk[l];
    const gb_block_w *w = &r->w[l], *gw = &r->gw[l];
    tr_scratch *s = &t->s;
    int B = r->B, T = r->T, N = B * T;
    ln_replace(t, k->res3, k->ln2_mean, k->ln2_rstd, w->ln2_w, gw->ln2_w, gw->ln2_b, N);
    const float *mid = r->cross ? k->lnx : k->ln1;
    mlp_bwd(t, s->dres, s->dres, k, w, gw, mid, N);
    if (r->cross) {
        ln_replace(t, k->res2, k->lnx_mean, k->lnx_rstd, w->lnx_w, gw->lnx_w, gw->lnx_b, N);
        attn_bwd(t, s->dres, s->denc, s->dck, s->dcv, s->dres, &w->xattn, &gw->xattn, k->cq, k->ck, k->cv,
                 k->catt, k->cz, k->ln1, t->enc_src, B, T, t->Ts);
    }
    ln_replace(t, k->res1, k->ln1_mean, k->ln1_rstd, w->ln1_w, gw->ln1_w, gw->ln1_b, N);
    const float *x = block_in(g, r, l);
    attn_bwd(t, s->dres, s->dres, s->dk, s->dv, s->dres, &w->attn, &gw->attn, k->q, k->k, k->v, k->att, k->z,
             x, x, B, T, T);
}

/* Given dres = d loss / d stack output, push gradients down to the embeddings. */
static void stack_bwd(gb_trainer *t, const stack_run *r) {
    const gb_config *g = &t->m->cfg;
    int N = r->B * r->T, d = g->d_model;
    if (g->pre_norm)
        ln_replace(t, block_out(g, &r->s->blk[r->L - 1]), r->s->lnf_mean, r->s->lnf_rstd, r->lnf_w, r->glnf_w,
                   r->glnf_b, N);
    for (int l = r->L - 1; l >= 0; l--) {
        if (g->pre_norm) block_bwd_pre(t, r, l);
        else block_bwd_post(t, r, l);
    }
    float es = g->scale_embed ? sqrtf((float)d) : 1.0f;
    for (int i = 0; i < N; i++) {
        const float *dx = t->s.dres + (size_t)i * d;
        float *de = t->gw.embed + (size_t)r->tokens[i] * d;
        for (int j = 0; j < d; j++) de[j] += es * dx[j];
        if (g->pos == GB_POS_LEARNED) add_into(t->gw.pos_embed + (size_t)(i % r->T) * d, dx, (size_t)d);
    }
}

/* ---- the whole pass ---- */

static stack_run output_stack(gb_trainer *t, const gb_batch *b) {
    const gb_config *g = &t->m->cfg;
    stack_run r = {.s = &t->out, .w = t->m->w.blocks, .gw = t->gw.blocks, .lnf_w = t->m->w.lnf_w,
                   .lnf_b = t->m->w.lnf_b, .glnf_w = t->gw.lnf_w, .glnf_b = t->gw.lnf_b, .L = g->n_layers,
                   .B = b->B, .T = b->T, .tokens = b->tokens,
                   .klen = g->arch == GB_ARCH_ENCODER ? b->lens : NULL, .xlen = b->src_lens,
                   .causal = g->arch != GB_ARCH_ENCODER, .cross = g->arch == GB_ARCH_ENCDEC};
    return r;
}

static stack_run encoder_stack(gb_trainer *t, const gb_batch *b) {
    const gb_config *g = &t->m->cfg;
    stack_run r = {.s = &t->enc, .w = t->m->w.enc_blocks, .gw = t->gw.enc_blocks, .lnf_w = t->m->w.enc_lnf_w,
                   .lnf_b = t->m->w.enc_lnf_b, .glnf_w = t->gw.enc_lnf_w, .glnf_b = t->gw.enc_lnf_b,
                   .L = g->n_enc_layers, .B = b->B, .T = b->Ts, .tokens = b->src, .klen = b->src_lens};
    return r;
}

static gb_status check_ids(const int *ids, size_t n, int V, const char *what, gb_error *err) {
    for (size_t i = 0; i < n; i++)
        if (ids[i] < 0 || ids[i] >= V)
            return gb_fail(err, GB_ERR_INPUT, "%s id %d at index %zu is out of range [0, %d)", what, ids[i], i, V);
    return GB_OK;
}

static gb_status check_lens(const int *lens, int B, int T, const char *what, gb_error *err) {
    for (int i = 0; lens && i < B; i++)
        if (lens[i] < 1 || lens[i] > T)
            return gb_fail(err, GB_ERR_INPUT, "%s length %d of row %d is out of range [1, %d]", what, lens[i], i, T);
    return GB_OK;
}

static gb_status check_batch(const gb_trainer *t, const gb_batch *b, gb_error *err) {
    const gb_config *g = &t->m->cfg;
    if (b->B < 1 || b->B > t->max_B || b->T < 1 || b->T > t->max_T || !b->tokens)
        return gb_fail(err, GB_ERR_INPUT, "batch %d x %d does not fit the trainer (%d x %d)", b->B, b->T, t->max_B,
                       t->max_T);
    size_t n = (size_t)b->B * b->T;
    gb_status st = check_ids(b->tokens, n, g->vocab_size, "token", err);
    if (!st && g->arch == GB_ARCH_ENCODER) {
        if (!b->labels) return gb_fail(err, GB_ERR_INPUT, "an encoder batch needs labels");
        for (int i = 0; i < b->B; i++)
            if (b->labels[i] != GB_IGNORE && (b->labels[i] < 0 || b->labels[i] >= g->n_classes))
                return gb_fail(err, GB_ERR_INPUT, "label %d of row %d is out of range [0, %d)", b->labels[i], i,
                               g->n_classes);
        st = check_lens(b->lens, b->B, b->T, "row", err);
    } else if (!st) {
        if (!b->targets) return gb_fail(err, GB_ERR_INPUT, "a decoder batch needs targets");
        for (size_t i = 0; i < n; i++)
            if (b->targets[i] != GB_IGNORE && (b->targets[i] < 0 || b->targets[i] >= g->vocab_size))
                return gb_fail(err, GB_ERR_INPUT, "target id %d at index %zu is out of range", b->targets[i], i);
    }
    if (!st && g->arch == GB_ARCH_ENCDEC) {
        if (b->Ts < 1 || b->Ts > t->max_Ts || !b->src)
            return gb_fail(err, GB_ERR_INPUT, "source length %d does not fit the trainer (%d)", b->Ts, t->max_Ts);
        st = check_ids(b->src, (size_t)b->B * b->Ts, g->vocab_size, "source", err);
        if (!st) st = check_lens(b->src_lens, b->B, b->Ts, "source", err);
    }
    return st;
}

/* Class logits [B, C] from the first (CLS) row of each sequence. */
static void classify_fwd(gb_trainer *t, const float *h, int B, int T) {
    const gb_config *g = &t->m->cfg;
    int d = g->d_model, C = g->n_classes;
    for (int b = 0; b < B; b++) {
        const float *x = h + (size_t)b * T * d;
        for (int c = 0; c < C; c++) {
            const float *wc = t->m->w.cls_w + (size_t)c * d;
            float s = 0;
            for (int j = 0; j < d; j++) s += wc[j] * x[j];
            t->logits[b * C + c] = t->m->w.cls_b[c] + s;
        }
    }
}

static void classify_bwd(gb_trainer *t, const float *h, int B, int T) {
    const gb_config *g = &t->m->cfg;
    int d = g->d_model, C = g->n_classes;
    for (int b = 0; b < B; b++) {
        const float *x = h + (size_t)b * T * d;
        float *dx = t->s.dres + (size_t)b * T * d;
        for (int c = 0; c < C; c++) {
            float dl = t->dlogits[b * C + c];
            const float *wc = t->m->w.cls_w + (size_t)c * d;
            float *gwc = t->gw.cls_w + (size_t)c * d;
            t->gw.cls_b[c] += dl;
            for (int j = 0; j < d; j++) gwc[j] += dl * x[j], dx[j] += dl * wc[j];
        }
    }
}

static gb_status run_pass(gb_trainer *t, const gb_batch *b, double *loss, int backward, gb_error *err) {
    const gb_config *g = &t->m->cfg;
    gb_status st = check_batch(t, b, err);
    if (st) return st;
    t->B = b->B, t->T = b->T, t->N = b->B * b->T;
    t->Ts = g->arch == GB_ARCH_ENCDEC ? b->Ts : 0, t->Ns = b->B * t->Ts;
    stack_run enc = encoder_stack(t, b), out = output_stack(t, b);
    if (g->arch == GB_ARCH_ENCDEC) {
        stack_fwd(t, &enc);
        t->enc_src = (float *)stack_out(g, &enc);
    }
    stack_fwd(t, &out);
    const float *h = stack_out(g, &out);
    int d = g->d_model, count = 0;
    double sum;
    if (g->arch == GB_ARCH_ENCODER) {
        classify_fwd(t, h, t->B, t->T);
        sum = tl_xent(t->dlogits, t->logits, b->labels, t->B, g->n_classes, &count);
    } else {
        tl_linear_fwd(t->logits, h, t->m->w.unembed, NULL, t->N, d, g->vocab_size);
        sum = tl_xent(t->dlogits, t->logits, b->targets, t->N, g->vocab_size, &count);
    }
    t->n_targets = count;
    *loss = count ? sum / count : 0.0;
    if (!backward) return GB_OK;
    zero(t->grads, t->m->n_params);
    if (count == 0) return GB_OK;
    zero(t->s.dres, (size_t)t->N * d);
    if (g->arch == GB_ARCH_ENCODER) {
        tl_scale(t->dlogits, (size_t)t->B * g->n_classes, 1.0f / (float)count);
        classify_bwd(t, h, t->B, t->T);
    } else {
        tl_scale(t->dlogits, (size_t)t->N * g->vocab_size, 1.0f / (float)count);
        tl_linear_bwd(t->s.dres, t->gw.unembed, NULL, t->dlogits, h, t->m->w.unembed, t->N, d, g->vocab_size);
    }
    if (g->arch == GB_ARCH_ENCDEC) zero(t->s.denc, (size_t)t->Ns * d);
    stack_bwd(t, &out);
    if (g->arch == GB_ARCH_ENCDEC) {
        memcpy(t->s.dres, t->s.denc, (size_t)t->Ns * d * sizeof(float));
        stack_bwd(t, &enc);
    }
    return GB_OK;
}

gb_status gb_train_loss(gb_trainer *t, const gb_batch *b, double *loss, gb_error *err) {
    return run_pass(t, b, loss, 0, err);
}

gb_status gb_train_grad(gb_trainer *t, const gb_batch *b, double *loss, gb_error *err) {
    return run_pass(t, b, loss, 1, err);
}
