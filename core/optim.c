/* optim.c - AdamW with linear warm-up and cosine decay, global-norm clipping. */
#include <math.h>
#include <string.h>

#include "train_internal.h"

void gb_optim_defaults(gb_optim *o, int total_steps) {
    memset(o, 0, sizeof *o);
    o->lr = 3e-3f;
    o->min_lr_frac = 0.1f;
    o->total_steps = total_steps > 0 ? total_steps : 1;
    o->warmup = o->total_steps / 20;
    o->beta1 = 0.9f;
    o->beta2 = 0.98f;
    o->eps = 1e-8f;
    o->weight_decay = 0.01f;
    o->clip = 1.0f;
}

gb_status gb_optim_validate(const gb_optim *o, gb_error *err) {
    if (!(o->lr > 0 && o->lr < 10)) return gb_fail(err, GB_ERR_INPUT, "learning rate %g out of range (0, 10)", (double)o->lr);
    if (!(o->min_lr_frac >= 0 && o->min_lr_frac <= 1))
        return gb_fail(err, GB_ERR_INPUT, "minimum learning rate fraction %g out of range [0, 1]", (double)o->min_lr_frac);
    if (o->total_steps < 1) return gb_fail(err, GB_ERR_INPUT, "steps %d must be at least 1", o->total_steps);
    if (o->warmup < 0 || o->warmup > o->total_steps)
        return gb_fail(err, GB_ERR_INPUT, "warm-up %d out of range [0, %d] (the steps)", o->warmup, o->total_steps);
    if (!(o->beta1 >= 0 && o->beta1 < 1) || !(o->beta2 >= 0 && o->beta2 < 1))
        return gb_fail(err, GB_ERR_INPUT, "Adam betas %g, %g out of range [0, 1)", (double)o->beta1, (double)o->beta2);
    if (!(o->eps > 0)) return gb_fail(err, GB_ERR_INPUT, "Adam eps %g must be > 0", (double)o->eps);
    if (!(o->weight_decay >= 0 && o->weight_decay < 1))
        return gb_fail(err, GB_ERR_INPUT, "weight decay %g out of range [0, 1)", (double)o->weight_decay);
    if (!(o->clip >= 0 && isfinite(o->clip))) return gb_fail(err, GB_ERR_INPUT, "clip %g must be >= 0", (double)o->clip);
    return GB_OK;
}

float gb_optim_lr(const gb_optim *o, long step) {
    if (step < o->warmup) return o->lr * (float)(step + 1) / (float)o->warmup;
    long span = o->total_steps - o->warmup;
    double frac = span > 0 ? (double)(step - o->warmup) / (double)span : 1.0;
    if (frac > 1) frac = 1;
    double cosine = 0.5 * (1.0 + cos(3.14159265358979323846 * frac)); /* 1 -> 0 */
    double minlr = o->lr * o->min_lr_frac;
    return (float)(minlr + (o->lr - minlr) * cosine);
}

/* Decoupled weight decay only on 2-D weight matrices that are not embeddings. */
static int decays(const gb_param *p) {
    return p->ndim == 2 && strcmp(p->name, "embed.weight") != 0 && strcmp(p->name, "pos_embed.weight") != 0;
}

void gb_train_step(gb_trainer *t, const gb_optim *o, float *grad_norm) {
    size_t n = t->m->n_params;
    double ss = 0;
    for (size_t i = 0; i < n; i++) ss += (double)t->grads[i] * t->grads[i];
    float norm = (float)sqrt(ss);
    if (grad_norm) *grad_norm = norm;
    float gscale = o->clip > 0 && norm > o->clip ? o->clip / norm : 1.0f;
    float lr = gb_optim_lr(o, t->step);
    long k = t->step + 1;
    float bc1 = 1.0f - powf(o->beta1, (float)k), bc2 = 1.0f - powf(o->beta2, (float)k);
    for (int ti = 0; ti < t->n_table; ti++) {
        const gb_param *p = &t->table[ti];
        float *w = t->m->params + p->offset, *g = t->grads + p->offset;
        float *m = t->adam_m + p->offset, *v = t->adam_v + p->offset;
        float wd = decays(p) ? o->weight_decay : 0.0f;
        for (size_t i = 0; i < p->numel; i++) {
            float gi = g[i] * gscale;
            m[i] = o->beta1 * m[i] + (1.0f - o->beta1) * gi;
            v[i] = o->beta2 * v[i] + (1.0f - o->beta2) * gi * gi;
            float mh = m[i] / bc1, vh = v[i] / bc2;
            w[i] -= lr * (mh / (sqrtf(vh) + o->eps) + wd * w[i]);
        }
    }
    t->step++;
}
