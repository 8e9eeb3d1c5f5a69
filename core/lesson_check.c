/* lesson_check.c - checking a lesson's claims against the live models.
 *
 * Every claim is run the way the viewer runs it: prompts are encoded as
 * `glassbox generate` encodes them, translation decodes greedily from <s> to
 * </s>, classification prepends <cls>. When a claim does not hold, the error
 * says what the model does instead, so the author can rewrite the lesson to
 * say what is true. Models, tokenizers and the bigram model are loaded once
 * per checker. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "glassbox/lesson.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glassbox/analysis.h"
#include "glassbox/forward.h"
#include "glassbox/model.h"
#include "glassbox/ngram.h"
#include "glassbox/platform.h"
#include "glassbox/sampler.h"
#include "glassbox/session.h"
#include "glassbox/tasks.h"
#include "glassbox/tokenizer.h"
#include "glassbox/trace.h"
#include "model_import.h"

#define MAX_CACHED 16

typedef struct cached {
    char *spec;
    gb_model *model;      /* NULL for a tokenizer-only entry or a failed load */
    gb_tokenizer *tok;
    gb_error err;         /* why loading failed */
} cached;

struct gb_lesson_checker {
    cached models[MAX_CACHED];
    int n_models;
    cached toks[MAX_CACHED];
    int n_toks;
    gb_bigram *bigram;
    gb_error bigram_err;
    bool bigram_tried;
};

gb_lesson_checker *gb_lesson_checker_new(void) { return calloc(1, sizeof(gb_lesson_checker)); }

void gb_lesson_checker_free(gb_lesson_checker *c) {
    if (!c) return;
    for (int i = 0; i < c->n_models; i++)
        free(c->models[i].spec), gb_model_free(c->models[i].model), gb_tokenizer_free(c->models[i].tok);
    for (int i = 0; i < c->n_toks; i++) free(c->toks[i].spec), gb_tokenizer_free(c->toks[i].tok);
    gb_bigram_free(c->bigram);
    free(c);
}

static char *dupstr(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

/* A bundled tokenizer name: models/NAME.tokenizer.json or the folder models/NAME. */
char *gb_lesson_tokenizer_path(const char *spec) {
    if (strchr(spec, '/') || strchr(spec, '.')) return dupstr(spec);
    char rel[300];
    snprintf(rel, sizeof rel, "models/%s.tokenizer.json", spec);
    char *p = gb_find_bundled(rel);
    if (p) return p;
    snprintf(rel, sizeof rel, "models/%s/vocab.json", spec);
    p = gb_find_bundled(rel);
    if (p) *strrchr(p, '/') = '\0';
    return p ? p : dupstr(spec);
}

static const cached *get_tokenizer(gb_lesson_checker *c, const char *spec) {
    for (int i = 0; i < c->n_toks; i++)
        if (strcmp(c->toks[i].spec, spec) == 0) return &c->toks[i];
    if (c->n_toks == MAX_CACHED) return NULL;
    cached *e = &c->toks[c->n_toks++];
    memset(e, 0, sizeof *e);
    e->spec = dupstr(spec);
    char *path = gb_lesson_tokenizer_path(spec);
    if (gb_tokenizer_load(path, &e->tok, &e->err)) e->tok = NULL;
    free(path);
    return e;
}

/* A model file from a lesson's folder may name its tokenizer: that file must
 * be in the model's folder too (a lesson reads nothing outside its folder). */
static bool tokenizer_inside(const char *model_path, const char *tok) {
    const char *slash = strrchr(model_path, '/');
    char *dir = slash ? malloc((size_t)(slash - model_path) + 2) : NULL;
    if (dir) memcpy(dir, model_path, (size_t)(slash - model_path)), dir[slash - model_path] = '\0';
    char *d = realpath(dir ? (dir[0] ? dir : "/") : ".", NULL), *t = realpath(tok, NULL);
    size_t n = d ? strlen(d) : 0;
    bool ok = !t || (d && strncmp(t, d, n) == 0 && (t[n] == '/' || n == 1));
    free(dir), free(d), free(t);
    return ok;
}

static const cached *get_model(gb_lesson_checker *c, const char *spec) {
    for (int i = 0; i < c->n_models; i++)
        if (strcmp(c->models[i].spec, spec) == 0) return &c->models[i];
    if (c->n_models == MAX_CACHED) return NULL;
    cached *e = &c->models[c->n_models++];
    memset(e, 0, sizeof *e);
    e->spec = dupstr(spec);
    /* a bare name is a bundled model, whatever the current folder holds (the
     * parser resolved every other spec to a file in the lesson's folder) */
    char rel[300], *bundled = NULL;
    if (!strchr(spec, '/') && strlen(spec) < 200) {
        snprintf(rel, sizeof rel, "models/%s.safetensors", spec);
        bundled = gb_find_bundled(rel);
    }
    gb_status ls = gb_model_load(bundled ? bundled : spec, &e->model, &e->err);
    bool own = bundled != NULL;
    free(bundled);
    if (ls) return e;
    if (!e->model->tokenizer_ref) {
        gb_fail(&e->err, GB_ERR_INPUT, "%s: the model names no tokenizer", spec);
    } else if (!own && !tokenizer_inside(spec, e->model->tokenizer_ref)) {
        gb_fail(&e->err, GB_ERR_INPUT, "%s: its tokenizer '%s' is outside the model's folder, which a lesson may not read",
                spec, e->model->tokenizer_ref);
    } else if (!gb_tokenizer_load(e->model->tokenizer_ref, &e->tok, &e->err)) {
        return e;
    }
    gb_model_free(e->model);
    e->model = NULL;
    return e;
}

/* ---- what a claim needs: model, tokenizer, ids ---- */

typedef struct ctx {
    gb_lesson_checker *c;
    const gb_lesson *l;
    const gb_lesson_step *s;
    const gb_lesson_claim *cl;
    const gb_model *m;
    const gb_tokenizer *tok;
    gb_error *err;
} ctx;

static gb_status cfail(ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static gb_status cfail(ctx *x, const char *fmt, ...) {
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return gb_fail(x->err, GB_ERR_INPUT, "%s:%d: %s", x->l->path, x->cl->line, msg);
}

static gb_status need_model(ctx *x, int want_arch) {
    const gb_lesson_state *st = &x->s->state;
    if (!st->model) return cfail(x, "claim needs a model: put '@model NAME' in this step or an earlier one");
    const cached *e = get_model(x->c, st->model);
    if (!e) return cfail(x, "too many models in one check");
    if (!e->model) return cfail(x, "model '%s' cannot be opened: %s", st->model, e->err.msg);
    x->m = e->model, x->tok = e->tok;
    if (want_arch >= 0 && (int)e->model->cfg.arch != want_arch)
        return cfail(x, "this claim needs a%s %s model, but '%s' is %s",
                     want_arch == GB_ARCH_ENCODER ? "n" : "n", gb_arch_name((gb_arch)want_arch), st->model,
                     gb_arch_name(e->model->cfg.arch));
    return GB_OK;
}

/* Encode text with the current tokenizer; refuse words it does not know. */
static gb_status encode(ctx *x, const char *text, bool specials, int **ids, int *n) {
    gb_error e = {0};
    if (gb_tokenizer_encode(x->tok, text, strlen(text), specials, ids, n, NULL, &e))
        return cfail(x, "'%s': %s", text, e.msg);
    int unk = gb_tokenizer_special(x->tok, GB_SPECIAL_UNK);
    for (int i = 0; unk >= 0 && i < *n; i++)
        if ((*ids)[i] == unk) {
            free(*ids);
            *ids = NULL;
            return cfail(x, "'%s': a word the model '%s' does not know (it becomes <unk>)", text,
                         x->s->state.model ? x->s->state.model : "?");
        }
    if (*n == 0) {
        free(*ids);
        *ids = NULL;
        return cfail(x, "'%s' gives no tokens", text);
    }
    return GB_OK;
}

/* One word -> its id: the exact vocabulary entry (also special tokens such as
 * <cls>), else what the tokenizer makes of it. */
static gb_status word_id(ctx *x, const char *word, int *id) {
    int *ids = NULL, n = 0;
    if ((*id = gb_tokenizer_lookup(x->tok, word)) >= 0) return GB_OK;
    if (encode(x, word, false, &ids, &n)) return x->err->status;
    *id = ids[0];
    free(ids);
    if (n != 1) return cfail(x, "'%s' is %d tokens for this model, not one word", word, n);
    return GB_OK;
}

static void label(ctx *x, int id, char *buf, size_t cap) { gb_tokenizer_label(x->tok, id, buf, cap); }

static int argmax(const float *v, int n) {
    int b = 0;
    for (int i = 1; i < n; i++) b = v[i] > v[b] ? i : b;
    return b;
}

static bool compare(gb_cmp op, double v, double t) {
    switch (op) {
    case GB_CMP_GE: return v >= t;
    case GB_CMP_LE: return v <= t;
    case GB_CMP_GT: return v > t;
    case GB_CMP_LT: return v < t;
    }
    return false;
}
static const char *cmp_fail_word(gb_cmp op) { return op == GB_CMP_GE || op == GB_CMP_GT ? "below" : "above"; }

/* Softmax probability of logits[id] and rank of id (0 = top). */
static void prob_rank(const float *lg, int V, int id, double *p, int *rank) {
    float mx = lg[argmax(lg, V)];
    double z = 0;
    int r = 0;
    for (int i = 0; i < V; i++) {
        z += exp((double)(lg[i] - mx));
        r += lg[i] > lg[id] || (lg[i] == lg[id] && i < id);
    }
    *p = exp((double)(lg[id] - mx)) / z, *rank = r;
}

/* ---- claims ---- */

/* Greedy translation of source ids as the viewer makes it (gb_translate_greedy,
 * at most the context less one token); with the cross-attention when `cross`. */
static gb_status translate(ctx *x, const int *src, int ns, bool cross, gb_translation *t) {
    int bos = gb_tokenizer_special(x->tok, GB_SPECIAL_BOS), eos = gb_tokenizer_special(x->tok, GB_SPECIAL_EOS);
    if (bos < 0 || eos < 0) return cfail(x, "the tokenizer has no <s> or </s> for translation");
    gb_error e = {0};
    if (gb_translate_greedy(x->m, src, ns, bos, eos, x->m->cfg.max_seq - 1, cross ? 1 : 0, t, &e))
        return *x->err = e, x->err->status;
    return GB_OK;
}

static char *decode(ctx *x, const int *ids, int n) {
    char *text = NULL;
    size_t len;
    gb_error e = {0};
    if (gb_tokenizer_decode(x->tok, ids, n, &text, &len, &e)) return dupstr("?");
    return text;
}

/* Last position <= before holding id, or -1. */
static int find_pos(const int *ids, int n, int id, int before) {
    for (int i = (before < n ? before : n - 1); i >= 0; i--)
        if (ids[i] == id) return i;
    return -1;
}

/* Can the step's model answer this attention claim (prompt, stack, layer, head)? */
static gb_status attention_args(ctx *x) {
    const gb_lesson_claim *cl = x->cl;
    if (!x->s->state.prompt) return cfail(x, "an attention claim reads the step's @prompt, and there is none");
    if (need_model(x, -1)) return x->err->status;
    gb_arch arch = x->m->cfg.arch;
    if (cl->stack != GB_CS_SELF && arch != GB_ARCH_ENCDEC)
        return cfail(x, "stack=encoder/cross needs an encoder-decoder model; '%s' is %s", x->s->state.model, gb_arch_name(arch));
    int nl = cl->stack == GB_CS_ENCODER ? x->m->cfg.n_enc_layers : x->m->cfg.n_layers;
    if (cl->layer >= nl) return cfail(x, "layer %d: the model has layers 0..%d", cl->layer, nl - 1);
    if (cl->head >= x->m->cfg.n_heads) return cfail(x, "head %d: the model has heads 0..%d", cl->head, x->m->cfg.n_heads - 1);
    return GB_OK;
}

/* What an attention claim reads: self and encoder attention from a recorded
 * pattern [heads, T, S] over ids; cross-attention from a translation. */
typedef struct att_run {
    int *ids, n;              /* the prompt as the stack read it (<cls> first for encoders) */
    gb_trace *tr;
    const gb_tensor *pattern; /* self, encoder */
    gb_translation t;         /* cross: row j of the alignment writes word j */
    int *words, n_words;      /* cross: the translation without <s> and </s> */
} att_run;

static void att_run_free(att_run *r) {
    free(r->ids), free(r->words);
    gb_trace_free(r->tr);
    gb_translation_free(&r->t);
}

/* Run the stack the claim names over the source ids src [ns] with the layer's pattern recorded. */
static gb_status run_self(ctx *x, const int *src, int ns, att_run *r) {
    gb_arch arch = x->m->cfg.arch;
    bool enc = x->cl->stack == GB_CS_ENCODER;
    char name[96];
    snprintf(name, sizeof name, "%sblocks.%d.attn.hook_pattern", enc ? "encoder." : "", x->cl->layer);
    int T = ns + 2 + x->m->cfg.max_seq, cls = gb_tokenizer_special(x->tok, GB_SPECIAL_CLS);
    r->ids = malloc((size_t)T * sizeof(int));
    r->tr = gb_trace_new(name, T, x->err);
    gb_state *st = r->tr ? gb_state_new(x->m, x->m->cfg.max_seq, x->err) : NULL;
    gb_status s = st && r->ids ? GB_OK : (x->err->status ? x->err->status : GB_ERR_INTERNAL);
    gb_run_opts ro = {.trace = r->tr};
    if (!s && arch == GB_ARCH_ENCODER && cls >= 0) r->ids[r->n++] = cls;
    if (!s && (arch != GB_ARCH_ENCDEC || enc)) memcpy(r->ids + r->n, src, (size_t)ns * sizeof(int)), r->n += ns;
    if (!s && arch == GB_ARCH_DECODER) s = gb_forward_decoder(x->m, st, r->ids, r->n, 0, &ro, x->err);
    else if (!s && r->n > 0) s = gb_forward_encoder(x->m, st, r->ids, r->n, &ro, x->err);
    /* an encoder-decoder's decoder self-attention reads no prompt: nothing to find (n = 0) */
    r->pattern = s || r->n == 0 ? NULL : gb_trace_find(r->tr, name);
    if (!s && r->n > 0 && !r->pattern) s = cfail(x, "the model recorded no %s", name);
    gb_state_free(st);
    return s;
}

/* Translate src [ns]: the words, and the cross-attention of every layer and head when `cross`. */
static gb_status run_cross(ctx *x, const int *src, int ns, bool cross, att_run *r) {
    if (translate(x, src, ns, cross, &r->t)) return x->err->status;
    r->words = malloc((size_t)(r->t.n_ids > 0 ? r->t.n_ids : 1) * sizeof(int));
    if (!r->words) return gb_fail(x->err, GB_ERR_INTERNAL, "out of memory");
    r->n_words = gb_translation_words(&r->t, r->words, r->t.n_ids);
    return GB_OK;
}

/* The query row q and key column k of the claim's words. Cross: the row that
 * writes `from` and its column in the source; self and encoder: the last
 * `from` of the prompt and the last `to` (a decoder's at or before it). */
static gb_status attention_cell(ctx *x, const att_run *r, const int *src, int ns, int *q, int *k) {
    const gb_lesson_claim *cl = x->cl;
    int from_id = 0, to_id = 0;
    if (word_id(x, cl->text, &from_id) || word_id(x, cl->want2, &to_id)) return x->err->status;
    if (cl->stack == GB_CS_CROSS) {
        *q = find_pos(r->words, r->n_words, from_id, r->n_words - 1);
        *k = find_pos(src, ns, to_id, ns - 1);
        if (*q >= 0 && *k >= 0) return GB_OK;
        char *tr_text = decode(x, r->words, r->n_words);
        gb_status s = cfail(x, "'%s' must be in the translation ('%s') and '%s' in the source", cl->text, tr_text, cl->want2);
        free(tr_text);
        return s;
    }
    gb_arch arch = x->m->cfg.arch;
    *q = find_pos(r->ids, r->n, from_id, r->n - 1);
    *k = *q < 0 ? -1 : find_pos(r->ids, r->n, to_id, cl->stack == GB_CS_SELF && arch != GB_ARCH_ENCODER ? *q : r->n - 1);
    if (*q < 0) return cfail(x, "'%s' is not in the prompt '%s'", cl->text, x->s->state.prompt);
    if (*k < 0) return cfail(x, "'%s' is not in the prompt%s", cl->want2, arch == GB_ARCH_ENCODER ? "" : " before the query word");
    return GB_OK;
}

static double attention_weight(const ctx *x, const att_run *r, int q, int k) {
    if (x->cl->stack == GB_CS_CROSS) return gb_translation_cross(&r->t, x->cl->layer, x->cl->head)[(size_t)q * r->t.n_src + k];
    const gb_tensor *p = r->pattern;
    return p->data[x->cl->head * p->stride[0] + q * p->stride[1] + k * p->stride[2]];
}

static gb_status claim_attention(ctx *x) {
    const gb_lesson_claim *cl = x->cl;
    if (attention_args(x)) return x->err->status;
    int *src = NULL, ns = 0, q = -1, k = -1;
    if (encode(x, x->s->state.prompt, x->m->cfg.arch == GB_ARCH_DECODER, &src, &ns)) return x->err->status;
    att_run r = {0};
    gb_status s = cl->stack == GB_CS_CROSS ? run_cross(x, src, ns, true, &r) : run_self(x, src, ns, &r);
    if (!s) s = attention_cell(x, &r, src, ns, &q, &k);
    if (!s) {
        double a = attention_weight(x, &r, q, k);
        if (!compare(cl->cmp, a, cl->threshold))
            s = cfail(x, "claim failed: layer %d head %d attends from '%s' to '%s' with %.2f, %s %g", cl->layer, cl->head,
                      cl->text, cl->want2, a, cmp_fail_word(cl->cmp), cl->threshold);
    }
    att_run_free(&r);
    free(src);
    return s;
}

static gb_status claim_neighbors(ctx *x) {
    const gb_lesson_claim *cl = x->cl;
    int a = 0, b = 0;
    if (need_model(x, -1) || word_id(x, cl->text, &a) || word_id(x, cl->want, &b)) return x->err->status;
    int V = x->m->cfg.vocab_size, d = x->m->cfg.d_model;
    gb_vindex ix;
    if (gb_vindex_build(&ix, x->m->w.embed, V, d, x->err)) return x->err->status;
    gb_neighbor *nb = malloc((size_t)cl->k * sizeof *nb);
    int got = nb ? gb_vindex_nearest(&ix, ix.rows + (size_t)a * d, GB_METRIC_COSINE, cl->k, &a, 1, nb, x->err) : -1;
    gb_status s = got < 0 ? (x->err->status ? x->err->status : GB_ERR_INTERNAL) : GB_OK;
    bool found = false;
    for (int i = 0; i < got; i++) found |= nb[i].id == b;
    if (!s && found == cl->negate) {
        char list[600] = "", w[64];
        for (int i = 0; i < got && i < 10; i++) {
            label(x, nb[i].id, w, sizeof w);
            size_t L = strlen(list);
            snprintf(list + L, sizeof list - L, "%s%s %.2f", i ? ", " : "", w, nb[i].score);
        }
        s = cfail(x, "claim failed: the %d nearest words to '%s' are %s%s ('%s' %s)", cl->k, cl->text, list,
                  got > 10 ? ", ..." : "", cl->want, cl->negate ? "is among them" : "is not among them");
    }
    free(nb);
    gb_vindex_free(&ix);
    return s;
}

static gb_status claim_similarity(ctx *x) {
    int a = 0, b = 0;
    if (need_model(x, -1) || word_id(x, x->cl->text, &a) || word_id(x, x->cl->want, &b)) return x->err->status;
    int d = x->m->cfg.d_model;
    double cs = gb_cosine(x->m->w.embed + (size_t)a * d, x->m->w.embed + (size_t)b * d, d);
    if (!compare(x->cl->cmp, cs, x->cl->threshold))
        return cfail(x, "claim failed: the cosine similarity of '%s' and '%s' is %.2f (angle %.0f degrees), %s %g",
                     x->cl->text, x->cl->want, cs, acos(fmax(-1, fmin(1, cs))) * 180 / 3.14159265358979323846,
                     cmp_fail_word(x->cl->cmp), x->cl->threshold);
    return GB_OK;
}

static gb_status claim_next(ctx *x) {
    const gb_lesson_claim *cl = x->cl;
    int *ids = NULL, n = 0, want = 0;
    if (need_model(x, GB_ARCH_DECODER) || word_id(x, cl->want, &want) || encode(x, cl->text, true, &ids, &n))
        return x->err->status;
    gb_state *st = gb_state_new(x->m, x->m->cfg.max_seq, x->err);
    gb_intervention iv = {.kind = GB_IV_POS_SCALE, .value = 0};
    gb_run_opts ro = {.iv = &iv, .n_iv = 1};
    gb_status s = st ? gb_forward_decoder(x->m, st, ids, n, 0, cl->no_positions ? &ro : NULL, x->err) : x->err->status;
    if (!s) {
        const float *lg = gb_state_logits(st);
        int V = x->m->cfg.vocab_size, best = argmax(lg, V), rank;
        double p, pb;
        prob_rank(lg, V, want, &p, &rank);
        if (cl->k == 0 && !compare(cl->cmp, p, cl->threshold)) {
            s = cfail(x, "claim failed: after '%s'%s the probability of '%s' is %.3f, %s %g", cl->text,
                      cl->no_positions ? " without positions" : "", cl->want, p, cmp_fail_word(cl->cmp), cl->threshold);
        } else if (cl->k > 0 && rank >= cl->k) {
            char w[64];
            label(x, best, w, sizeof w);
            prob_rank(lg, V, best, &pb, &rank);
            prob_rank(lg, V, want, &p, &rank);
            s = cfail(x, "claim failed: after '%s'%s the most likely next word is '%s' (%.2f); '%s' is number %d (%.2f)",
                      cl->text, cl->no_positions ? " without positions" : "", w, pb, cl->want, rank + 1, p);
        }
    }
    gb_state_free(st);
    free(ids);
    return s;
}

/* Words separated by single spaces, none before punctuation: "sleeps ." and
 * "sleeps." (how the word tokenizer decodes) read the same. */
static void trim(char *s) {
    size_t k = 0;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] == ' ' && (k == 0 || s[k - 1] == ' ' || strchr(" .,!?;:", s[i + 1]) || !s[i + 1])) continue;
        s[k++] = s[i];
    }
    s[k] = '\0';
}

/* Run a session with settings; the generated text (malloc'd) and first token. */
static gb_status run_session(ctx *x, const int *ids, int n, const gb_sampler_settings *set, uint64_t seed, int max_new,
                             char **text, int *first) {
    gb_session_opts o = gb_session_defaults();
    int room = x->m->cfg.max_seq - n + 1;
    if (room < 1) return cfail(x, "the prompt does not fit in the context window of %d tokens", x->m->cfg.max_seq);
    o.prompt = ids, o.n_prompt = n, o.seed = seed, o.settings = *set;
    o.max_new_tokens = max_new > 0 && max_new < room ? max_new : room;
    int sp[2] = {gb_tokenizer_special(x->tok, GB_SPECIAL_BOS), gb_tokenizer_special(x->tok, GB_SPECIAL_EOS)};
    for (int i = 0; i < 2; i++)
        if (sp[i] >= 0) o.stop_ids[o.n_stop++] = sp[i];
    gb_session *ss;
    if (gb_session_new(x->m, &o, &ss, x->err)) return x->err->status;
    gb_status s = gb_session_run(ss, x->err);
    if (!s) {
        int out[512];
        int got = gb_session_tokens(ss, false, out, 512);
        if (first) *first = got ? out[0] : -1;
        if (got && (out[got - 1] == sp[0] || out[got - 1] == sp[1])) got--;
        if (text) *text = decode(x, out, got);
    }
    gb_session_free(ss);
    return s;
}

static gb_sampler_settings step_settings(const gb_lesson_state *st) {
    return (gb_sampler_settings){.temperature = st->temperature, .top_k = st->top_k, .top_p = st->top_p};
}

static gb_status claim_generate(ctx *x) {
    int *ids = NULL, n = 0;
    if (need_model(x, GB_ARCH_DECODER) || encode(x, x->cl->text, true, &ids, &n)) return x->err->status;
    gb_sampler_settings set = step_settings(&x->s->state);
    char *text = NULL;
    gb_status s = run_session(x, ids, n, &set, x->s->state.seed, x->s->state.generate, &text, NULL);
    if (!s) {
        trim(text);
        char want[1024];
        snprintf(want, sizeof want, "%s", x->cl->want);
        trim(want);
        char desc[96];
        gb_sampler_settings_describe(&set, desc, sizeof desc);
        if (strcmp(text, want) != 0)
            s = cfail(x, "claim failed: after '%s' the model (%s, seed %llu) writes '%s'", x->cl->text, desc,
                      (unsigned long long)x->s->state.seed, text);
    }
    free(text);
    free(ids);
    return s;
}

static gb_status claim_translate(ctx *x) {
    int *src = NULL, ns = 0;
    if (need_model(x, GB_ARCH_ENCDEC) || encode(x, x->cl->text, false, &src, &ns)) return x->err->status;
    att_run r = {0};
    gb_status s = run_cross(x, src, ns, false, &r); /* the words only */
    if (!s) {
        char *text = decode(x, r.words, r.n_words), want[1024];
        snprintf(want, sizeof want, "%s", x->cl->want);
        trim(want), trim(text);
        if (strcmp(text, want) != 0)
            s = cfail(x, "claim failed: the model translates '%s' as '%s'", x->cl->text, text);
        free(text);
    }
    att_run_free(&r);
    free(src);
    return s;
}

static gb_status claim_classify(ctx *x) {
    int *src = NULL, ns = 0;
    if (need_model(x, GB_ARCH_ENCODER) || encode(x, x->cl->text, false, &src, &ns)) return x->err->status;
    const gb_config *cfg = &x->m->cfg;
    int want = -1;
    for (int i = 0; i < cfg->n_classes; i++)
        if (strcmp(cfg->class_labels[i], x->cl->want) == 0) want = i;
    if (want < 0) {
        free(src);
        return cfail(x, "'%s' is not a class of '%s' (its classes: %s%s%s)", x->cl->want, x->s->state.model,
                     cfg->class_labels[0], cfg->n_classes > 1 ? ", " : "", cfg->n_classes > 1 ? cfg->class_labels[1] : "");
    }
    int cls = gb_tokenizer_special(x->tok, GB_SPECIAL_CLS), n = 0;
    int *ids = malloc((size_t)(ns + 1) * sizeof(int));
    gb_state *st = ids ? gb_state_new(x->m, cfg->max_seq, x->err) : NULL;
    gb_status s = st ? GB_OK : (x->err->status ? x->err->status : GB_ERR_INTERNAL);
    if (!s) {
        if (cls >= 0) ids[n++] = cls;
        memcpy(ids + n, src, (size_t)ns * sizeof(int)), n += ns;
        s = gb_forward_encoder(x->m, st, ids, n, NULL, x->err);
    }
    if (!s) {
        const float *lg = gb_state_class_logits(st);
        int best = argmax(lg, cfg->n_classes);
        if (best != want)
            s = cfail(x, "claim failed: the model classifies '%s' as %s (logits %s %.2f, %s %.2f)", x->cl->text,
                      cfg->class_labels[best], cfg->class_labels[best], lg[best], cfg->class_labels[want], lg[want]);
    }
    gb_state_free(st);
    free(ids), free(src);
    return s;
}

static gb_status step_tokenizer(ctx *x) {
    const gb_lesson_state *st = &x->s->state;
    if (st->tokenizer) {
        const cached *e = get_tokenizer(x->c, st->tokenizer);
        if (!e) return cfail(x, "too many tokenizers in one check");
        if (!e->tok) return cfail(x, "tokenizer '%s' cannot be opened: %s", st->tokenizer, e->err.msg);
        x->tok = e->tok;
        return GB_OK;
    }
    return need_model(x, -1);
}

static gb_status claim_tokens(ctx *x) {
    if (step_tokenizer(x)) return x->err->status;
    int *ids = NULL, n = 0;
    gb_error e = {0};
    if (gb_tokenizer_encode(x->tok, x->cl->text, strlen(x->cl->text), false, &ids, &n, NULL, &e))
        return cfail(x, "'%s': %s", x->cl->text, e.msg);
    char got[2048] = "", w[128];
    for (int i = 0; i < n; i++) {
        label(x, ids[i], w, sizeof w);
        size_t L = strlen(got);
        snprintf(got + L, sizeof got - L, "%s%s", i ? " " : "", w);
    }
    free(ids);
    if (strcmp(got, x->cl->want) != 0)
        return cfail(x, "claim failed: '%s' becomes the %d tokens '%s'", x->cl->text, n, got);
    return GB_OK;
}

static gb_status claim_setting(ctx *x) {
    int *ids = NULL, n = 0;
    if (need_model(x, GB_ARCH_DECODER) || encode(x, x->cl->text, true, &ids, &n)) return x->err->status;
    gb_sampler_settings a, b;
    gb_status s = gb_sampler_settings_parse(x->cl->want, &a, x->err);
    if (!s) s = gb_sampler_settings_parse(x->cl->want2, &b, x->err);
    uint64_t seed = x->cl->has_seed ? x->cl->seed : x->s->state.seed;
    int ta = -1, tb = -1;
    if (!s) s = run_session(x, ids, n, &a, seed, 1, NULL, &ta);
    if (!s) s = run_session(x, ids, n, &b, seed, 1, NULL, &tb);
    if (!s && ta == tb) {
        char w[64];
        label(x, ta, w, sizeof w);
        s = cfail(x, "claim failed: with seed %llu both '%s' and '%s' choose '%s' after '%s'", (unsigned long long)seed,
                  x->cl->want, x->cl->want2, w, x->cl->text);
    }
    free(ids);
    return s;
}

/* The bigram model of the classroom corpus: counted from the bundled text. */
static gb_status get_bigram(ctx *x) {
    gb_lesson_checker *c = x->c;
    if (!c->bigram_tried) {
        c->bigram_tried = true;
        char *path = gb_find_bundled("models/classroom.valid.txt"), *text = NULL;
        size_t len = 0;
        if (!path) gb_fail(&c->bigram_err, GB_ERR_INPUT, "models/classroom.valid.txt: not found");
        else if (!gb_read_file(path, 64u << 20, &text, &len, &c->bigram_err))
            gb_bigram_build(text, len, 0.1, &c->bigram, &c->bigram_err);
        free(text), free(path);
    }
    return c->bigram ? GB_OK : cfail(x, "the bigram model cannot be built: %s", c->bigram_err.msg);
}

static gb_status claim_bigram(ctx *x) {
    if (get_bigram(x)) return x->err->status;
    const gb_bigram *bg = x->c->bigram;
    int p = gb_bigram_id(bg, x->cl->text), w = gb_bigram_id(bg, x->cl->want);
    if (p == GB_BIGRAM_UNK) return cfail(x, "'%s': a word the bigram model never saw", x->cl->text);
    if (w == GB_BIGRAM_UNK) return cfail(x, "'%s': a word the bigram model never saw", x->cl->want);
    int V = gb_bigram_vocab_size(bg), *top = malloc((size_t)V * sizeof(int));
    double *pr = malloc((size_t)V * sizeof(double));
    if (!top || !pr) {
        free(top), free(pr);
        return gb_fail(x->err, GB_ERR_INTERNAL, "out of memory");
    }
    int got = gb_bigram_top(bg, p, V, top, pr), rank = -1;
    for (int i = 0; i < got; i++)
        if (top[i] == w) rank = i;
    gb_status s = GB_OK;
    if (rank < 0 || rank >= x->cl->k)
        s = cfail(x, "claim failed: after '%s' the bigram model's most likely word is '%s' (%.2f); '%s' is number %d (%.2f)",
                  x->cl->text, gb_bigram_word(bg, top[0]), pr[0], x->cl->want, rank + 1, rank >= 0 ? pr[rank] : 0.0);
    free(top), free(pr);
    return s;
}

static gb_status claim_analogy(ctx *x) {
    const gb_lesson_claim *cl = x->cl;
    int a = 0, b = 0, c = 0, d = 0;
    if (need_model(x, -1) || word_id(x, cl->text, &a) || word_id(x, cl->want2, &b) || word_id(x, cl->word3, &c) ||
        word_id(x, cl->want, &d))
        return x->err->status;
    gb_vindex ix;
    if (gb_vindex_build(&ix, x->m->w.embed, x->m->cfg.vocab_size, x->m->cfg.d_model, x->err)) return x->err->status;
    gb_neighbor *nb = malloc((size_t)cl->k * sizeof *nb);
    int got = nb ? gb_analogy(&ix, a, b, c, GB_METRIC_COSINE, cl->k, nb, NULL, x->err) : -1;
    gb_status s = got < 0 ? (x->err->status ? x->err->status : GB_ERR_INTERNAL) : GB_OK;
    bool found = false;
    for (int i = 0; i < got; i++) found |= nb[i].id == d;
    if (!s && !found) {
        char w[64] = "?";
        if (got > 0) label(x, nb[0].id, w, sizeof w);
        s = cfail(x, "claim failed: '%s' - '%s' + '%s' is nearest to '%s' (%.2f); '%s' is not in the first %d", cl->text,
                  cl->want2, cl->word3, w, got > 0 ? nb[0].score : 0.0, cl->want, cl->k);
    }
    free(nb);
    gb_vindex_free(&ix);
    return s;
}

gb_status gb_lesson_check_claim(gb_lesson_checker *c, const gb_lesson *l, const gb_lesson_step *s,
                                const gb_lesson_claim *cl, gb_error *err) {
    ctx x = {c, l, s, cl, NULL, NULL, err};
    switch (cl->kind) {
    case GB_CLAIM_ATTENTION: return claim_attention(&x);
    case GB_CLAIM_NEIGHBORS: return claim_neighbors(&x);
    case GB_CLAIM_SIMILARITY: return claim_similarity(&x);
    case GB_CLAIM_NEXT: return claim_next(&x);
    case GB_CLAIM_GENERATE: return claim_generate(&x);
    case GB_CLAIM_TRANSLATE: return claim_translate(&x);
    case GB_CLAIM_CLASSIFY: return claim_classify(&x);
    case GB_CLAIM_TOKENS: return claim_tokens(&x);
    case GB_CLAIM_SETTING: return claim_setting(&x);
    case GB_CLAIM_BIGRAM: return claim_bigram(&x);
    case GB_CLAIM_ANALOGY: return claim_analogy(&x);
    }
    return gb_fail(err, GB_ERR_INTERNAL, "%s:%d: unknown claim kind", l->path, cl->line);
}

/* The prompt and the selected words are known to the step's model. */
static int check_words(gb_lesson_checker *c, const gb_lesson *l, const gb_lesson_step *s, gb_lesson_report_fn report,
                       void *user) {
    const gb_lesson_state *st = &s->state;
    /* the tokenization view shows how ANY text is cut, unknown words included */
    if (!st->model || (st->view && strcmp(st->view, "tokenization") == 0)) return 0;
    const cached *e = get_model(c, st->model);
    if (!e || !e->model) return 0;
    int bad = 0;
    gb_lesson_claim fake = {.line = st->prompt_line};
    ctx x = {c, l, s, &fake, e->model, e->tok, NULL};
    for (int i = -1; i < st->n_select; i++) {
        const char *text = i < 0 ? st->prompt : st->select[i];
        int line = i < 0 ? st->prompt_line : st->select_line;
        if (!text || (line < s->line && st->model_line < s->line)) continue; /* checked in an earlier step */
        gb_error err = {0};
        int *ids = NULL, n = 0;
        x.err = &err, fake.line = line;
        if ((i < 0 || gb_tokenizer_lookup(e->tok, text) < 0) && encode(&x, text, false, &ids, &n))
            report(user, GB_LESSON_ERROR, err.msg), bad++;
        free(ids);
    }
    return bad;
}

/* @layer and @head exist in the step's model (checked where either is set). */
static int check_layer_head(gb_lesson_checker *c, const gb_lesson *l, const gb_lesson_step *s,
                            gb_lesson_report_fn report, void *user) {
    const gb_lesson_state *st = &s->state;
    bool fresh_model = st->model_line >= s->line;
    if (!st->model || (st->layer < 0 && st->head < 0)) return 0;
    const cached *e = get_model(c, st->model);
    if (!e || !e->model) return 0;
    const gb_config *cfg = &e->model->cfg;
    int nl = cfg->n_layers > cfg->n_enc_layers ? cfg->n_layers : cfg->n_enc_layers, bad = 0;
    char msg[700];
    if (st->layer >= nl && (fresh_model || st->layer_line >= s->line)) {
        snprintf(msg, sizeof msg, "%s:%d: @layer %d: the model '%s' has layers 0..%d", l->path, st->layer_line,
                 st->layer, st->model, nl - 1);
        report(user, GB_LESSON_ERROR, msg), bad++;
    }
    if (st->head >= cfg->n_heads && (fresh_model || st->head_line >= s->line)) {
        snprintf(msg, sizeof msg, "%s:%d: @head %d: the model '%s' has heads 0..%d", l->path, st->head_line, st->head,
                 st->model, cfg->n_heads - 1);
        report(user, GB_LESSON_ERROR, msg), bad++;
    }
    return bad;
}

/* Models and tokenizers named by a step open, and selected words exist. */
static int check_state(gb_lesson_checker *c, const gb_lesson *l, const gb_lesson_step *s, gb_lesson_report_fn report,
                       void *user) {
    char msg[700];
    int bad = 0;
    const gb_lesson_state *st = &s->state;
    /* a model or tokenizer that does not open is reported once, where it is set */
    if (st->model && st->model_line >= s->line) {
        const cached *e = get_model(c, st->model);
        if (e && !e->model) {
            snprintf(msg, sizeof msg, "%s:%d: model '%s' cannot be opened: %s", l->path, st->model_line, st->model, e->err.msg);
            report(user, GB_LESSON_ERROR, msg), bad++;
        }
    }
    bad += check_layer_head(c, l, s, report, user);
    if (st->tokenizer && st->tokenizer_line >= s->line) {
        const cached *e = get_tokenizer(c, st->tokenizer);
        if (e && !e->tok) {
            snprintf(msg, sizeof msg, "%s:%d: tokenizer '%s' cannot be opened: %s", l->path, st->tokenizer_line,
                     st->tokenizer, e->err.msg);
            report(user, GB_LESSON_ERROR, msg), bad++;
        }
    }
    bad += check_words(c, l, s, report, user);
    if (s->image && !gb_io_is_file(s->image)) {
        snprintf(msg, sizeof msg, "%s:%d: @image %s: no such file", l->path, s->image_line, s->image);
        report(user, GB_LESSON_ERROR, msg), bad++;
    }
    return bad;
}

/* The claim runs on a model or tokenizer that did not open (already reported). */
static bool claim_blocked(gb_lesson_checker *c, const gb_lesson_state *st, const gb_lesson_claim *cl) {
    if (cl->kind == GB_CLAIM_BIGRAM) return false;
    if (cl->kind == GB_CLAIM_TOKENS && st->tokenizer) {
        const cached *e = get_tokenizer(c, st->tokenizer);
        return e && !e->tok;
    }
    const cached *e = st->model ? get_model(c, st->model) : NULL;
    return e && !e->model;
}

int gb_lesson_check(gb_lesson_checker *c, const gb_lesson *l, gb_lesson_report_fn report, void *user) {
    int bad = 0;
    for (int i = 0; i < l->n_steps; i++) {
        const gb_lesson_step *s = &l->steps[i];
        if (!s->text || !s->text[strspn(s->text, " \t\n")]) {
            char msg[700];
            snprintf(msg, sizeof msg, "%s:%d: step '%s' has no text to read (only directives)", l->path, s->line,
                     s->title);
            report(user, GB_LESSON_ERROR, msg), bad++;
        }
        bad += check_state(c, l, s, report, user);
        for (int k = 0; k < s->n_claims; k++) {
            gb_error err = {0};
            if (claim_blocked(c, &s->state, &s->claims[k])) continue;
            if (gb_lesson_check_claim(c, l, s, &s->claims[k], &err)) {
                report(user, GB_LESSON_ERROR, err.msg);
                bad++;
            }
        }
    }
    return bad;
}

void gb_lesson_select_positions(gb_lesson_checker *c, const gb_lesson_state *st, int *query, int *key) {
    *query = *key = -1;
    if (!st->model || !st->prompt || st->n_select < 1) return;
    const cached *e = get_model(c, st->model);
    if (!e || !e->model || e->model->cfg.arch != GB_ARCH_DECODER) return;
    int *ids = NULL, n = 0;
    gb_error err = {0};
    if (gb_tokenizer_encode(e->tok, st->prompt, strlen(st->prompt), true, &ids, &n, NULL, &err)) return;
    int q_id = gb_tokenizer_lookup(e->tok, st->select[0]);
    int k_id = st->n_select > 1 ? gb_tokenizer_lookup(e->tok, st->select[1]) : -1;
    if (q_id >= 0) *query = find_pos(ids, n, q_id, n - 1);
    if (*query >= 0 && k_id >= 0) *key = find_pos(ids, n, k_id, *query);
    free(ids);
}

int gb_lesson_select_ids(gb_lesson_checker *c, const gb_lesson_state *st, int *ids, int cap) {
    if (!st->model) return 0;
    const cached *e = get_model(c, st->model);
    if (!e || !e->model) return 0;
    int n = 0;
    for (int i = 0; i < st->n_select && n < cap; i++) {
        int id = gb_tokenizer_lookup(e->tok, st->select[i]);
        if (id >= 0) ids[n++] = id;
    }
    return n;
}
