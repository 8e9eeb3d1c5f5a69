/* tasks.c - greedy translation and classification with what the viewer shows
 * of them (see glassbox/tasks.h). Both run the ordinary forward passes with a
 * trace that records only the attention they keep. */
#include "glassbox/tasks.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glassbox/forward.h"
#include "glassbox/trace.h"

static gb_status check_ids(const gb_model *m, const int *ids, int n, const char *what, gb_error *err) {
    if (n < 1) return gb_fail(err, GB_ERR_INPUT, "the %s is empty", what);
    if (n > m->cfg.max_seq)
        return gb_fail(err, GB_ERR_INPUT, "the %s is %d tokens long, but this model reads at most %d (its context)", what,
                       n, m->cfg.max_seq);
    for (int i = 0; i < n; i++)
        if (ids[i] < 0 || ids[i] >= m->cfg.vocab_size)
            return gb_fail(err, GB_ERR_INPUT, "token %d of the %s (id %d) is outside the vocabulary (0..%d)", i, what,
                           ids[i], m->cfg.vocab_size - 1);
    return GB_OK;
}

/* probs [V] = softmax(logits); writes the k most probable ids, best first
 * (ordered by logit, ties to the lower id as an argmax would), and their
 * probabilities. */
static void softmax_top(const float *logits, int V, int k, float *probs, int *top_ids, float *top_p) {
    float mx = logits[0];
    for (int j = 1; j < V; j++) mx = logits[j] > mx ? logits[j] : mx;
    double z = 0;
    for (int j = 0; j < V; j++) z += exp((double)(logits[j] - mx));
    for (int j = 0; j < V; j++) probs[j] = (float)(exp((double)(logits[j] - mx)) / z);
    int n = 0;
    for (int j = 0; j < V; j++) {
        if (n == k && logits[j] <= logits[top_ids[k - 1]]) continue;
        int at = n < k ? n++ : k - 1;
        while (at > 0 && logits[j] > logits[top_ids[at - 1]]) top_ids[at] = top_ids[at - 1], at--;
        top_ids[at] = j;
    }
    for (int i = 0; i < n; i++) top_p[i] = probs[top_ids[i]];
}

void gb_translation_free(gb_translation *t) {
    if (!t) return;
    free(t->src), free(t->ids), free(t->top_ids), free(t->top_p), free(t->cross);
    memset(t, 0, sizeof *t);
}

/* Copy every layer's recorded cross-attention into t->cross. */
static gb_status keep_cross(gb_translation *t, const gb_trace *tr, gb_error *err) {
    size_t per_head = (size_t)t->n_steps * t->n_src;
    t->cross = calloc((size_t)t->n_layers * t->n_heads * (per_head ? per_head : 1), sizeof *t->cross);
    if (!t->cross) return gb_fail(err, GB_ERR_INTERNAL, "translation: out of memory");
    for (int l = 0; l < t->n_layers; l++) {
        char name[96];
        snprintf(name, sizeof name, "blocks.%d.cross_attn.hook_pattern", l);
        const gb_tensor *p = gb_trace_find(tr, name);
        if (!p) return gb_fail(err, GB_ERR_INTERNAL, "translation: the decoder recorded no %s", name);
        for (int h = 0; h < t->n_heads; h++)
            for (int i = 0; i < t->n_steps; i++)
                for (int j = 0; j < t->n_src; j++)
                    t->cross[((size_t)l * t->n_heads + h) * per_head + (size_t)i * t->n_src + j] = gb_tensor_at3(p, h, i, j);
    }
    return GB_OK;
}

static gb_status translate_setup(const gb_model *m, const int *src, int n_src, int bos, int eos, int max_out,
                                 int top_k, gb_translation *t, gb_error *err) {
    if (m->cfg.arch != GB_ARCH_ENCDEC)
        return gb_fail(err, GB_ERR_INPUT, "translation needs an encoder-decoder model (such as classroom-translate); this one is %s",
                       gb_arch_name(m->cfg.arch));
    if (check_ids(m, src, n_src, "source sentence", err)) return err->status;
    int V = m->cfg.vocab_size;
    if (bos < 0 || bos >= V || eos < 0 || eos >= V)
        return gb_fail(err, GB_ERR_INPUT, "translation needs start and end tokens in the vocabulary (got %d and %d)", bos, eos);
    if (max_out < 1) return gb_fail(err, GB_ERR_INPUT, "translation: at most %d tokens leaves no room to write", max_out);
    int cap = max_out < m->cfg.max_seq ? max_out : m->cfg.max_seq;
    t->top_k = top_k < 1 ? 1 : top_k > V ? V : top_k; /* top_k 0 still keeps the best */
    t->n_src = n_src, t->n_layers = m->cfg.n_layers, t->n_heads = m->cfg.n_heads;
    t->src = malloc((size_t)n_src * sizeof *t->src);
    t->ids = malloc((size_t)(cap + 1) * sizeof *t->ids);
    t->top_ids = malloc((size_t)cap * t->top_k * sizeof *t->top_ids);
    t->top_p = malloc((size_t)cap * t->top_k * sizeof *t->top_p);
    if (!t->src || !t->ids || !t->top_ids || !t->top_p) return gb_fail(err, GB_ERR_INTERNAL, "translation: out of memory");
    memcpy(t->src, src, (size_t)n_src * sizeof *src);
    t->ids[0] = bos, t->n_ids = 1;
    return GB_OK;
}

gb_status gb_translate_greedy(const gb_model *m, const int *src, int n_src, int bos, int eos, int max_out,
                              int top_k, gb_translation *t, gb_error *err) {
    memset(t, 0, sizeof *t);
    gb_status s = translate_setup(m, src, n_src, bos, eos, max_out, top_k, t, err);
    int cap = max_out < m->cfg.max_seq ? max_out : m->cfg.max_seq, V = m->cfg.vocab_size;
    bool keep = top_k > 0; /* else only the words: nothing recorded */
    gb_trace *tr = s || !keep ? NULL : gb_trace_new("blocks.*.cross_attn.hook_pattern", cap, err);
    gb_state *st = !s && (tr || !keep) ? gb_state_new(m, m->cfg.max_seq, err) : NULL;
    float *probs = st ? malloc((size_t)V * sizeof *probs) : NULL;
    if (!s && !probs) s = err->status ? err->status : gb_fail(err, GB_ERR_INTERNAL, "translation: out of memory");
    gb_run_opts ro = {.trace = tr};
    if (!s) s = gb_forward_encoder(m, st, src, n_src, NULL, err);
    while (!s && !t->finished && t->n_steps < cap) {
        int i = t->n_steps, *ti = t->top_ids + (size_t)i * t->top_k;
        s = gb_forward_decoder(m, st, &t->ids[i], 1, i, &ro, err);
        if (s) break;
        softmax_top(gb_state_logits(st), V, t->top_k, probs, ti, t->top_p + (size_t)i * t->top_k);
        t->ids[t->n_ids++] = ti[0];
        t->n_steps++;
        t->finished = ti[0] == eos;
    }
    if (!s && keep) s = keep_cross(t, tr, err);
    free(probs);
    gb_state_free(st);
    gb_trace_free(tr);
    if (s) gb_translation_free(t);
    return s;
}

const float *gb_translation_cross(const gb_translation *t, int layer, int head) {
    if (!t->cross || layer < 0 || layer >= t->n_layers || head < 0 || head >= t->n_heads) return NULL;
    return t->cross + ((size_t)layer * t->n_heads + head) * t->n_steps * t->n_src;
}

int gb_translation_words(const gb_translation *t, int *out, int cap) {
    int n = t->n_ids - 1 - (t->finished ? 1 : 0);
    for (int i = 0; i < n && i < cap; i++) out[i] = t->ids[i + 1];
    return n < 0 ? 0 : n;
}

/* ---- classification ---- */

void gb_classification_free(gb_classification *c) {
    if (!c) return;
    free(c->ids), free(c->logits), free(c->probs), free(c->cls_attn);
    memset(c, 0, sizeof *c);
}

static gb_status keep_cls(gb_classification *c, const gb_trace *tr, gb_error *err) {
    for (int l = 0; l < c->n_layers; l++) {
        char name[96];
        snprintf(name, sizeof name, "blocks.%d.attn.hook_pattern", l);
        const gb_tensor *p = gb_trace_find(tr, name);
        if (!p) return gb_fail(err, GB_ERR_INTERNAL, "classification: the encoder recorded no %s", name);
        for (int h = 0; h < c->n_heads; h++)
            for (int j = 0; j < c->n; j++)
                c->cls_attn[((size_t)l * c->n_heads + h) * c->n + j] = gb_tensor_at3(p, h, 0, j);
    }
    return GB_OK;
}

gb_status gb_classify(const gb_model *m, const int *ids, int n, gb_classification *c, gb_error *err) {
    memset(c, 0, sizeof *c);
    if (m->cfg.arch != GB_ARCH_ENCODER || m->cfg.n_classes < 1)
        return gb_fail(err, GB_ERR_INPUT, "classification needs an encoder model with a classification head (such as "
                       "classroom-sentiment); this one is %s", gb_arch_name(m->cfg.arch));
    if (check_ids(m, ids, n, "sentence", err)) return err->status;
    int C = m->cfg.n_classes;
    c->n = n, c->n_classes = C, c->n_layers = m->cfg.n_layers, c->n_heads = m->cfg.n_heads;
    c->ids = malloc((size_t)n * sizeof *c->ids);
    c->logits = malloc((size_t)C * sizeof *c->logits);
    c->probs = malloc((size_t)C * sizeof *c->probs);
    c->cls_attn = malloc((size_t)c->n_layers * c->n_heads * n * sizeof *c->cls_attn);
    gb_status s = c->ids && c->logits && c->probs && c->cls_attn ? GB_OK
                  : gb_fail(err, GB_ERR_INTERNAL, "classification: out of memory");
    gb_trace *tr = s ? NULL : gb_trace_new("blocks.*.attn.hook_pattern", n, err);
    gb_state *st = tr ? gb_state_new(m, m->cfg.max_seq, err) : NULL;
    if (!s && !st) s = err->status ? err->status : GB_ERR_INTERNAL;
    if (!s) {
        memcpy(c->ids, ids, (size_t)n * sizeof *ids);
        s = gb_forward_encoder(m, st, ids, n, &(gb_run_opts){.trace = tr}, err);
    }
    if (!s) {
        memcpy(c->logits, gb_state_class_logits(st), (size_t)C * sizeof *c->logits);
        int top;
        softmax_top(c->logits, C, 1, c->probs, &top, &(float){0});
        c->best = top;
        s = keep_cls(c, tr, err);
    }
    gb_state_free(st);
    gb_trace_free(tr);
    if (s) gb_classification_free(c);
    return s;
}

const float *gb_classification_cls(const gb_classification *c, int layer, int head) {
    if (!c->cls_attn || layer < 0 || layer >= c->n_layers || head < 0 || head >= c->n_heads) return NULL;
    return c->cls_attn + ((size_t)layer * c->n_heads + head) * c->n;
}

/* ---- negation ---- */

static bool is_negation(const char *w, size_t k) {
    static const char *const W[] = {"not", "n't", "never", "no", "nothing", "nobody"};
    for (size_t i = 0; i < sizeof W / sizeof W[0]; i++)
        if (strlen(W[i]) == k && memcmp(w, W[i], k) == 0) return true;
    return k > 3 && memcmp(w + k - 3, "n't", 3) == 0;
}

bool gb_has_negation(const char *s) {
    for (const char *p = s; *p;) {
        while (*p == ' ') p++;
        size_t k = 0;
        while (p[k] && p[k] != ' ') k++;
        if (k && is_negation(p, k)) return true;
        p += k;
    }
    return false;
}

char *gb_strip_negation(const char *s) {
    size_t n = strlen(s), o = 0;
    char *out = malloc(n + 1);
    if (!out) return NULL;
    for (const char *p = s; *p;) {
        while (*p == ' ') p++;
        size_t k = 0;
        while (p[k] && p[k] != ' ') k++;
        size_t keep = k;
        if ((k == 3 && memcmp(p, "not", 3) == 0) || (k == 5 && memcmp(p, "never", 5) == 0) ||
            (k == 3 && memcmp(p, "n't", 3) == 0))
            keep = 0;
        else if (k > 3 && memcmp(p + k - 3, "n't", 3) == 0)
            keep = k - 3; /* didn't -> did */
        if (keep) {
            if (o) out[o++] = ' ';
            memcpy(out + o, p, keep), o += keep;
        }
        p += k;
    }
    out[o] = '\0';
    return out;
}
