/* lesson.c - reading lesson files: title, steps, narrative, directives, claims.
 *
 * The parser works line by line and never needs a model: it checks the shape
 * of every directive and claim (numbers in range, quotes closed, known names)
 * and leaves what only a model can tell (is the word known? is the claim
 * true?) to lesson_check.c. */
#include "glassbox/lesson.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glassbox/model.h" /* gb_find_bundled */
#include "model_import.h"   /* gb_io_is_file */
#include "glassbox/platform.h"
#include "glassbox/sampler.h"

const char *const gb_lesson_view_names[] = {
    "attention", "tokenization", "embeddings", "positions", "distribution", "generation",
    "compare",   "translation",  "classification", NULL,
};

#define MAX_TOKENS 32
#define LESSON_LIMIT (1 << 20)

static char *xstrndup(const char *s, size_t n) {
    char *p = malloc(n + 1);
    if (p) memcpy(p, s, n), p[n] = '\0';
    return p;
}

static char *xstrdup(const char *s) {
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

/* ---- growing text buffer ---- */

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static int sbuf_add(sbuf *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1) cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q) return -1;
        b->p = q, b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
    return 0;
}

/* Text without leading/trailing blank lines (malloc'd). */
static char *sbuf_take_trimmed(sbuf *b) {
    const char *s = b->p ? b->p : "";
    size_t a = 0, e = b->n;
    while (a < e && (s[a] == '\n' || s[a] == ' ')) a++;
    while (e > a && (s[e - 1] == '\n' || s[e - 1] == ' ')) e--;
    char *out = malloc(e - a + 1);
    if (out) memcpy(out, s + a, e - a), out[e - a] = '\0';
    free(b->p);
    memset(b, 0, sizeof *b);
    return out;
}

/* ---- directive tokens: words, "quoted text", key=value, key="quoted value" ---- */

typedef struct dtok {
    char *s[MAX_TOKENS];
    int n;
} dtok;

static void dtok_free(dtok *t) {
    for (int i = 0; i < t->n; i++) free(t->s[i]);
    t->n = 0;
}

typedef struct pctx {
    const char *path;
    int line;
    gb_error *err;
} pctx;

#define PFAIL(c, ...) perr(c, __VA_ARGS__)
static gb_status perr(pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static gb_status perr(pctx *c, const char *fmt, ...) {
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return gb_fail(c->err, GB_ERR_INPUT, "%s:%d: %s", c->path, c->line, msg);
}

static gb_status split(pctx *c, const char *s, dtok *t) {
    t->n = 0;
    while (*s) {
        while (*s == ' ' || *s == '\t') s++;
        if (!*s) break;
        if (t->n == MAX_TOKENS) {
            dtok_free(t);
            return PFAIL(c, "too many words in one directive (at most %d)", MAX_TOKENS);
        }
        sbuf b = {0};
        while (*s && *s != ' ' && *s != '\t') {
            if (*s == '"') {
                s++;
                while (*s && *s != '"') {
                    if (*s == '\\' && (s[1] == '"' || s[1] == '\\')) s++;
                    sbuf_add(&b, s++, 1);
                }
                if (*s != '"') {
                    free(b.p);
                    dtok_free(t);
                    return PFAIL(c, "a quote is not closed");
                }
                s++;
                if (!b.p) sbuf_add(&b, "", 0);
            } else {
                sbuf_add(&b, s++, 1);
            }
        }
        if (!b.p) {
            dtok_free(t);
            return PFAIL(c, "out of memory");
        }
        t->s[t->n++] = b.p;
    }
    return GB_OK;
}

/* "key=value" -> value if the token starts with key=, else NULL. */
static const char *opt_val(const char *tok, const char *key) {
    size_t k = strlen(key);
    return strncmp(tok, key, k) == 0 && tok[k] == '=' ? tok + k + 1 : NULL;
}

static gb_status parse_int(pctx *c, const char *what, const char *s, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > hi)
        return PFAIL(c, "%s: '%s' is not a whole number in [%ld, %ld]", what, s, lo, hi);
    *out = v;
    return GB_OK;
}

static gb_status parse_num(pctx *c, const char *what, const char *s, double *out) {
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || !isfinite(v)) return PFAIL(c, "%s: '%s' is not a number", what, s);
    *out = v;
    return GB_OK;
}

/* ---- claims ---- */

static const char *const CLAIM_USAGE[] = {
    "attention [stack=encoder|cross] layer=L head=H from=\"w\" to=\"w\" >= X",
    "neighbors \"w\" includes|excludes \"v\" k=K",
    "similarity \"a\" \"b\" >= X",
    "next \"prompt\" top1 \"w\" | next \"prompt\" in-top K \"w\" | next \"prompt\" prob \"w\" >= X [positions=off]",
    "generate \"prompt\" == \"text\"",
    "translate \"source\" == \"target\"",
    "classify \"text\" == LABEL",
    "tokens \"text\" == \"t1 t2 ...\"",
    "setting-changes-choice \"prompt\" SPEC_A SPEC_B [seed=S]",
    "bigram \"w\" top1 \"v\" | bigram \"w\" in-top K \"v\"",
    "analogy \"a\" \"b\" \"c\" top1 \"d\" | analogy \"a\" \"b\" \"c\" in-top K \"d\"",
};
static const char *const CLAIM_NAMES[] = {"attention", "neighbors", "similarity", "next", "generate",
                                          "translate", "classify",  "tokens",     "setting-changes-choice",
                                          "bigram", "analogy"};
#define N_CLAIM_KINDS ((int)(sizeof CLAIM_NAMES / sizeof CLAIM_NAMES[0]))

static gb_status bad_claim(pctx *c, int kind, const char *why) {
    return PFAIL(c, "malformed claim (%s); expected: @claim %s", why, CLAIM_USAGE[kind]);
}

static gb_status parse_cmp(pctx *c, int kind, const char *op, const char *num, gb_lesson_claim *cl) {
    static const char *const OPS[] = {">=", "<=", ">", "<"};
    for (int i = 0; i < 4; i++)
        if (strcmp(op, OPS[i]) == 0) {
            cl->cmp = (gb_cmp)i;
            return parse_num(c, "threshold", num, &cl->threshold);
        }
    return bad_claim(c, kind, "the comparison must be >=, <=, > or <");
}

/* "top1 W" or "in-top K W" at t->s[i..]. */
static gb_status parse_rank(pctx *c, int kind, const dtok *t, int i, gb_lesson_claim *cl) {
    long k = 1;
    if (i + 2 == t->n && strcmp(t->s[i], "top1") == 0) {
        cl->want = xstrdup(t->s[i + 1]);
    } else if (i + 3 == t->n && strcmp(t->s[i], "in-top") == 0) {
        if (parse_int(c, "in-top", t->s[i + 1], 1, 1000, &k)) return c->err->status;
        cl->want = xstrdup(t->s[i + 2]);
    } else if (kind == GB_CLAIM_NEXT && i + 4 == t->n && strcmp(t->s[i], "prob") == 0) {
        cl->want = xstrdup(t->s[i + 1]);
        cl->k = 0; /* a probability, not a rank */
        return parse_cmp(c, kind, t->s[i + 2], t->s[i + 3], cl);
    } else {
        return bad_claim(c, kind, "after the text comes top1 WORD or in-top K WORD");
    }
    cl->k = (int)k;
    return GB_OK;
}

static gb_status parse_attention(pctx *c, const dtok *t, gb_lesson_claim *cl) {
    long layer = -1, head = -1;
    int have_cmp = 0;
    for (int i = 1; i < t->n; i++) {
        const char *v;
        if ((v = opt_val(t->s[i], "layer"))) {
            if (parse_int(c, "layer", v, 0, 63, &layer)) return c->err->status;
        } else if ((v = opt_val(t->s[i], "head"))) {
            if (parse_int(c, "head", v, 0, 255, &head)) return c->err->status;
        } else if ((v = opt_val(t->s[i], "from"))) {
            free(cl->text), cl->text = xstrdup(v);
        } else if ((v = opt_val(t->s[i], "to"))) {
            free(cl->want2), cl->want2 = xstrdup(v);
        } else if ((v = opt_val(t->s[i], "stack"))) {
            if (strcmp(v, "encoder") == 0) cl->stack = GB_CS_ENCODER;
            else if (strcmp(v, "cross") == 0) cl->stack = GB_CS_CROSS;
            else if (strcmp(v, "decoder") == 0 || strcmp(v, "self") == 0) cl->stack = GB_CS_SELF;
            else return bad_claim(c, GB_CLAIM_ATTENTION, "stack is encoder, decoder or cross");
        } else if (i + 1 < t->n && !have_cmp) {
            if (parse_cmp(c, GB_CLAIM_ATTENTION, t->s[i], t->s[i + 1], cl)) return c->err->status;
            have_cmp = 1, i++;
        } else {
            return bad_claim(c, GB_CLAIM_ATTENTION, "unexpected words");
        }
    }
    if (layer < 0 || head < 0 || !cl->text || !cl->want2 || !have_cmp)
        return bad_claim(c, GB_CLAIM_ATTENTION, "layer, head, from, to and a comparison are all needed");
    cl->layer = (int)layer, cl->head = (int)head;
    return GB_OK;
}

static gb_status parse_claim_args(pctx *c, int kind, dtok *t, gb_lesson_claim *cl) {
    switch ((gb_claim_kind)kind) {
    case GB_CLAIM_ATTENTION: return parse_attention(c, t, cl);
    case GB_CLAIM_NEIGHBORS: {
        long k = 10;
        if (t->n == 5 && opt_val(t->s[4], "k") && parse_int(c, "k", opt_val(t->s[4], "k"), 1, 1000, &k))
            return c->err->status;
        if (!(t->n == 4 || (t->n == 5 && opt_val(t->s[4], "k"))) ||
            (strcmp(t->s[2], "includes") && strcmp(t->s[2], "excludes")))
            return bad_claim(c, kind, "expected includes or excludes between the two words");
        cl->text = xstrdup(t->s[1]), cl->want = xstrdup(t->s[3]);
        cl->negate = strcmp(t->s[2], "excludes") == 0, cl->k = (int)k;
        return GB_OK;
    }
    case GB_CLAIM_SIMILARITY:
        if (t->n != 5) return bad_claim(c, kind, "two words, a comparison and a number");
        cl->text = xstrdup(t->s[1]), cl->want = xstrdup(t->s[2]);
        return parse_cmp(c, kind, t->s[3], t->s[4], cl);
    case GB_CLAIM_NEXT:
    case GB_CLAIM_BIGRAM:
        if (kind == GB_CLAIM_NEXT && t->n > 4 && strcmp(t->s[t->n - 1], "positions=off") == 0) {
            cl->no_positions = true;
            free(t->s[--t->n]);
        }
        if (t->n < 4) return bad_claim(c, kind, "too few words");
        cl->text = xstrdup(t->s[1]);
        return parse_rank(c, kind, t, 2, cl);
    case GB_CLAIM_ANALOGY:
        if (t->n < 6) return bad_claim(c, kind, "three words, then top1 WORD or in-top K WORD");
        cl->text = xstrdup(t->s[1]), cl->want2 = xstrdup(t->s[2]), cl->word3 = xstrdup(t->s[3]);
        return parse_rank(c, kind, t, 4, cl);
    case GB_CLAIM_GENERATE:
    case GB_CLAIM_TRANSLATE:
    case GB_CLAIM_CLASSIFY:
    case GB_CLAIM_TOKENS:
        if (t->n != 4 || strcmp(t->s[2], "==") != 0) return bad_claim(c, kind, "expected TEXT == RESULT");
        cl->text = xstrdup(t->s[1]), cl->want = xstrdup(t->s[3]);
        return GB_OK;
    case GB_CLAIM_SETTING: {
        if (t->n != 4 && t->n != 5) return bad_claim(c, kind, "a prompt and two settings");
        gb_sampler_settings s;
        for (int i = 2; i < 4; i++) {
            gb_error e2 = {0};
            if (gb_sampler_settings_parse(t->s[i], &s, &e2)) return PFAIL(c, "claim setting '%s': %s", t->s[i], e2.msg);
        }
        if (t->n == 5) {
            const char *v = opt_val(t->s[4], "seed");
            long seed = 0;
            if (!v) return bad_claim(c, kind, "the last word must be seed=S");
            if (parse_int(c, "seed", v, 0, 2147483647L, &seed)) return c->err->status;
            cl->seed = (uint64_t)seed, cl->has_seed = true;
        }
        cl->text = xstrdup(t->s[1]), cl->want = xstrdup(t->s[2]), cl->want2 = xstrdup(t->s[3]);
        return GB_OK;
    }
    }
    return PFAIL(c, "unknown claim kind");
}

static gb_status parse_claim(pctx *c, const char *args, gb_lesson_step *st) {
    dtok t = {0};
    if (split(c, args, &t)) return c->err->status;
    gb_status s = GB_OK;
    int kind = -1;
    for (int i = 0; t.n && i < N_CLAIM_KINDS; i++)
        if (strcmp(t.s[0], CLAIM_NAMES[i]) == 0) kind = i;
    if (kind < 0) {
        s = PFAIL(c, "unknown claim '%s' (one of: attention, neighbors, similarity, next, generate, "
                  "translate, classify, tokens, setting-changes-choice, bigram, analogy)", t.n ? t.s[0] : "");
    } else {
        gb_lesson_claim *grown = realloc(st->claims, (size_t)(st->n_claims + 1) * sizeof *grown);
        if (!grown) s = PFAIL(c, "out of memory");
        else {
            st->claims = grown;
            gb_lesson_claim *cl = &grown[st->n_claims++];
            memset(cl, 0, sizeof *cl);
            cl->kind = (gb_claim_kind)kind, cl->line = c->line;
            s = parse_claim_args(c, kind, &t, cl);
        }
    }
    dtok_free(&t);
    return s;
}

/* ---- state directives ---- */

static void state_free(gb_lesson_state *s) {
    free(s->model), free(s->tokenizer), free(s->prompt), free(s->view);
    for (int i = 0; i < s->n_select; i++) free(s->select[i]);
    for (int i = 0; i < s->n_highlight; i++) free(s->highlight[i]);
    memset(s, 0, sizeof *s);
}

static void state_copy(gb_lesson_state *dst, const gb_lesson_state *src) {
    *dst = *src;
    dst->model = xstrdup(src->model), dst->tokenizer = xstrdup(src->tokenizer);
    dst->prompt = xstrdup(src->prompt), dst->view = xstrdup(src->view);
    for (int i = 0; i < src->n_select; i++) dst->select[i] = xstrdup(src->select[i]);
    memset(dst->highlight, 0, sizeof dst->highlight);
    dst->n_highlight = 0;  /* highlights point at words of their own step's text */
    dst->generate = 0;     /* generation runs in the step that asks for it */
}

static gb_status set_words(pctx *c, const char *args, char **words, int *n) {
    dtok t = {0};
    if (split(c, args, &t)) return c->err->status;
    if (t.n > GB_LESSON_MAX_WORDS) {
        dtok_free(&t);
        return PFAIL(c, "at most %d words", GB_LESSON_MAX_WORDS);
    }
    for (int i = 0; i < *n; i++) free(words[i]);
    for (int i = 0; i < t.n; i++) words[i] = t.s[i];
    *n = t.n;
    return GB_OK;
}

static gb_status set_sampling(pctx *c, const char *args, gb_lesson_state *s) {
    dtok t = {0};
    if (split(c, args, &t)) return c->err->status;
    gb_status st = t.n ? GB_OK : PFAIL(c, "@sampling needs settings (greedy, temperature=X, top-k=K, top-p=P, seed=S)");
    /* each @sampling line is the whole setting: what it does not mention is off */
    s->temperature = 1, s->top_k = 0, s->top_p = 1, s->seed = 0;
    for (int i = 0; !st && i < t.n; i++) {
        const char *v;
        long n = 0;
        if ((v = opt_val(t.s[i], "temperature")) || (v = opt_val(t.s[i], "t"))) {
            st = parse_num(c, "temperature", v, &s->temperature);
            if (!st && !(s->temperature >= 0 && s->temperature <= GB_TEMPERATURE_MAX))
                st = PFAIL(c, "temperature: %g is out of range [0, %g] (0 = greedy)", s->temperature, GB_TEMPERATURE_MAX);
        } else if ((v = opt_val(t.s[i], "top-k"))) {
            st = parse_int(c, "top-k", v, 0, 1000000, &n);
            s->top_k = (int)n;
        } else if ((v = opt_val(t.s[i], "top-p"))) {
            st = parse_num(c, "top-p", v, &s->top_p);
            if (!st && !(s->top_p > 0 && s->top_p <= 1)) st = PFAIL(c, "top-p: %g is out of range (0, 1] (1 = off)", s->top_p);
        } else if ((v = opt_val(t.s[i], "seed"))) {
            st = parse_int(c, "seed", v, 0, 2147483647L, &n);
            s->seed = (uint64_t)n;
        } else if (strcmp(t.s[i], "greedy") == 0) {
            s->temperature = 0, s->top_k = 0, s->top_p = 1;
        } else {
            st = PFAIL(c, "@sampling: unknown setting '%s' (temperature=X top-k=K top-p=P seed=S greedy)", t.s[i]);
        }
    }
    dtok_free(&t);
    return st;
}

/* A path inside the lesson's folder: relative, no "..", no backslashes. */
static gb_status inside_path(pctx *c, const char *what, const char *rel, char **out) {
    if (!rel[0]) return PFAIL(c, "%s: no file given", what);
    if (rel[0] == '/' || strchr(rel, '\\') || strstr(rel, "..") || strchr(rel, ':'))
        return PFAIL(c, "%s '%s': only files inside the lessons folder may be used (a relative path without '..')", what, rel);
    const char *slash = strrchr(c->path, '/');
    size_t dl = slash ? (size_t)(slash - c->path + 1) : 0;
    *out = malloc(dl + strlen(rel) + 1);
    if (!*out) return PFAIL(c, "out of memory");
    memcpy(*out, c->path, dl);
    strcpy(*out + dl, rel);
    return GB_OK;
}

static gb_status one_word(pctx *c, const char *name, const char *args, char **dst) {
    dtok t = {0};
    if (split(c, args, &t)) return c->err->status;
    if (t.n != 1) {
        dtok_free(&t);
        return PFAIL(c, "@%s takes one name", name);
    }
    free(*dst);
    *dst = t.s[0];
    return GB_OK;
}

static gb_status directive(pctx *c, const char *name, const char *args, gb_lesson_step *st, sbuf *text,
                           int depth);
static gb_status add_lines(pctx *c, const char *text, size_t len, gb_lesson_step *st, sbuf *narr, int depth);

static gb_status include_file(pctx *c, const char *args, gb_lesson_step *st, sbuf *text, int depth) {
    char *path = NULL;
    dtok t = {0};
    if (split(c, args, &t)) return c->err->status;
    gb_status s = t.n == 1 ? inside_path(c, "@include", t.s[0], &path) : PFAIL(c, "@include takes one file");
    dtok_free(&t);
    if (s) return s;
    if (depth >= 4) {
        free(path);
        return PFAIL(c, "@include nested too deeply (at most 4)");
    }
    char *body = NULL;
    size_t n = 0;
    gb_error e2 = {0};
    if (gb_read_file(path, LESSON_LIMIT, &body, &n, &e2)) {
        s = PFAIL(c, "@include: %s", e2.msg);
    } else {
        pctx inner = {path, 0, c->err};
        s = add_lines(&inner, body, n, st, text, depth + 1);
    }
    free(body);
    free(path);
    return s;
}

static gb_status directive(pctx *c, const char *name, const char *args, gb_lesson_step *st, sbuf *text,
                           int depth) {
    gb_lesson_state *s = &st->state;
    long n = 0;
    if (strcmp(name, "claim") == 0) return parse_claim(c, args, st);
    if (strcmp(name, "model") == 0) return s->model_line = c->line, one_word(c, name, args, &s->model);
    if (strcmp(name, "tokenizer") == 0) return s->tokenizer_line = c->line, one_word(c, name, args, &s->tokenizer);
    if (strcmp(name, "view") == 0) {
        if (one_word(c, name, args, &s->view)) return c->err->status;
        for (int i = 0; gb_lesson_view_names[i]; i++)
            if (strcmp(s->view, gb_lesson_view_names[i]) == 0) return s->view_line = c->line, GB_OK;
        return PFAIL(c, "@view: unknown view '%s' (one of: attention, tokenization, embeddings, positions, "
                     "distribution, generation, compare, translation, classification)", s->view);
    }
    if (strcmp(name, "prompt") == 0) {
        s->prompt_line = c->line;
        free(s->prompt);
        while (*args == ' ') args++;
        s->prompt = xstrdup(args);
        size_t k = strlen(s->prompt);
        while (k && s->prompt[k - 1] == ' ') s->prompt[--k] = '\0';
        return GB_OK;
    }
    if (strcmp(name, "layer") == 0) return parse_int(c, "@layer", args + strspn(args, " "), 0, 63, &n) ? c->err->status : (s->layer = (int)n, GB_OK);
    if (strcmp(name, "head") == 0) return parse_int(c, "@head", args + strspn(args, " "), 0, 255, &n) ? c->err->status : (s->head = (int)n, GB_OK);
    if (strcmp(name, "generate") == 0) return parse_int(c, "@generate", args + strspn(args, " "), 1, 256, &n) ? c->err->status : (s->generate = (int)n, GB_OK);
    if (strcmp(name, "select") == 0) return s->select_line = c->line, set_words(c, args, s->select, &s->n_select);
    if (strcmp(name, "highlight") == 0) return set_words(c, args, s->highlight, &s->n_highlight);
    if (strcmp(name, "sampling") == 0) return set_sampling(c, args, s);
    if (strcmp(name, "include") == 0) return include_file(c, args, st, text, depth);
    if (strcmp(name, "image") == 0) {
        dtok t = {0};
        if (split(c, args, &t)) return c->err->status;
        char *p = NULL;
        gb_status r = t.n == 1 ? inside_path(c, "@image", t.s[0], &p) : PFAIL(c, "@image takes one file");
        dtok_free(&t);
        if (r) return r;
        free(st->image);
        st->image = p, st->image_line = c->line;
        return GB_OK;
    }
    return PFAIL(c, "unknown directive '@%s' (model, tokenizer, prompt, view, layer, head, select, highlight, "
                 "sampling, generate, image, include, claim)", name);
}

/* One narrative or directive line of a step (or an included file). */
static gb_status add_line(pctx *c, const char *text, size_t n, gb_lesson_step *st, sbuf *narr, int depth) {
    c->line++;
    if (n && text[n - 1] == '\r') n--;
    char *line = malloc(n + 1);
    if (!line) return PFAIL(c, "out of memory");
    memcpy(line, text, n), line[n] = '\0';
    gb_status s = GB_OK;
    if (memchr(line, '\0', n)) s = PFAIL(c, "a NUL byte in the text");
    else if (line[0] == '@') {
        size_t k = 1;
        while (line[k] && (isalnum((unsigned char)line[k]) || line[k] == '-')) k++;
        char name[32];
        if (k - 1 >= sizeof name || k == 1) s = PFAIL(c, "a directive needs a name after '@'");
        else {
            memcpy(name, line + 1, k - 1), name[k - 1] = '\0';
            s = directive(c, name, line + k, st, narr, depth);
        }
    } else if (depth > 0 && line[0] == '#') {
        s = PFAIL(c, "an included file may not start steps (#)");
    } else if (sbuf_add(narr, line, n) || sbuf_add(narr, "\n", 1)) {
        s = PFAIL(c, "out of memory");
    }
    free(line);
    return s;
}

static gb_status add_lines(pctx *c, const char *text, size_t len, gb_lesson_step *st, sbuf *narr, int depth) {
    for (size_t i = 0; i < len;) {
        size_t e = i;
        while (e < len && text[e] != '\n') e++;
        if (add_line(c, text + i, e - i, st, narr, depth)) return c->err->status;
        i = e + 1;
    }
    return GB_OK;
}

/* ---- the whole file ---- */

static gb_status valid_utf8(pctx *c, const char *s, size_t len) {
    int line = 1;
    for (size_t i = 0; i < len;) {
        unsigned char b = (unsigned char)s[i];
        if (b == '\n') line++;
        size_t k = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
        int ok = k && i + k <= len && !(k == 2 && b < 0xC2);
        for (size_t j = 1; ok && j < k; j++) ok = ((unsigned char)s[i + j] & 0xC0) == 0x80;
        if (!ok) {
            c->line = line;
            return PFAIL(c, "invalid UTF-8 at byte %zu", i);
        }
        i += k;
    }
    return GB_OK;
}

void gb_lesson_free(gb_lesson *l) {
    if (!l) return;
    for (int i = 0; i < l->n_steps; i++) {
        gb_lesson_step *s = &l->steps[i];
        free(s->title), free(s->text), free(s->image);
        state_free(&s->state);
        for (int k = 0; k < s->n_claims; k++)
            free(s->claims[k].text), free(s->claims[k].want), free(s->claims[k].want2),
                free(s->claims[k].word3);
        free(s->claims);
    }
    free(l->steps), free(l->path), free(l->title), free(l->intro);
    free(l);
}

static gb_status new_step(pctx *c, gb_lesson *l, const char *title) {
    gb_lesson_step *g = realloc(l->steps, (size_t)(l->n_steps + 1) * sizeof *g);
    if (!g) return PFAIL(c, "out of memory");
    l->steps = g;
    gb_lesson_step *s = &g[l->n_steps];
    memset(s, 0, sizeof *s);
    if (l->n_steps > 0) state_copy(&s->state, &g[l->n_steps - 1].state);
    else s->state = (gb_lesson_state){.layer = -1, .head = -1, .temperature = 1, .top_p = 1};
    l->n_steps++;
    s->title = xstrdup(title), s->line = c->line;
    return s->title ? GB_OK : PFAIL(c, "out of memory");
}

static gb_status parse_body(pctx *c, gb_lesson *l, const char *text, size_t len) {
    sbuf narr = {0};
    gb_lesson_step intro = {0};
    intro.state = (gb_lesson_state){.layer = -1, .head = -1, .temperature = 1, .top_p = 1};
    gb_status s = GB_OK;
    size_t i = 0;
    while (!s && i < len) {
        size_t e = i;
        while (e < len && text[e] != '\n') e++;
        size_t n = e - i;
        const char *ln = text + i;
        if (n >= 2 && ln[0] == '#' && ln[1] == ' ' && !l->title) {
            c->line++;
            l->title = xstrndup(ln + 2, n - 2 - (ln[n - 1] == '\r'));
        } else if (n >= 3 && ln[0] == '#' && ln[1] == '#' && ln[2] == ' ') {
            c->line++;
            char *t = xstrndup(ln + 3, n - 3 - (ln[n - 1] == '\r'));
            if (!l->title) s = PFAIL(c, "the lesson needs a title line '# Title' before its first step");
            else if (!t || !t[strspn(t, " ")]) s = PFAIL(c, "a step needs a title after '## '");
            if (!s) {
                if (l->n_steps) l->steps[l->n_steps - 1].text = sbuf_take_trimmed(&narr);
                else l->intro = sbuf_take_trimmed(&narr);
                s = new_step(c, l, t);
            }
            free(t);
        } else if (n >= 1 && ln[0] == '@' && l->n_steps == 0) {
            c->line++;
            s = PFAIL(c, "directives belong to a step: put them after a '## Step title' line");
        } else {
            gb_lesson_step *st = l->n_steps ? &l->steps[l->n_steps - 1] : &intro;
            s = add_line(c, ln, n, st, &narr, 0);
        }
        i = e + 1;
    }
    if (!s && !l->title) s = (c->line = 1, PFAIL(c, "the lesson needs a title line '# Title'"));
    if (!s && l->n_steps == 0) s = PFAIL(c, "the lesson has no steps ('## Step title')");
    if (!s) l->steps[l->n_steps - 1].text = sbuf_take_trimmed(&narr);
    free(narr.p);
    return s;
}

gb_status gb_lesson_parse(const char *path, const char *text, size_t len, gb_lesson **out, gb_error *err) {
    *out = NULL;
    pctx c = {path ? path : "(lesson)", 0, err};
    if (valid_utf8(&c, text, len)) return err->status;
    gb_lesson *l = calloc(1, sizeof *l);
    if (!l) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    l->path = xstrdup(c.path);
    if (parse_body(&c, l, text, len)) {
        gb_lesson_free(l);
        return err->status;
    }
    *out = l;
    return GB_OK;
}

gb_status gb_lesson_load(const char *path, gb_lesson **out, gb_error *err) {
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    if (gb_read_file(path, LESSON_LIMIT, &text, &len, err)) return err->status;
    gb_status s = gb_lesson_parse(path, text, len, out, err);
    free(text);
    return s;
}

char *gb_lesson_bundled_dir(void) {
    /* GLASSBOX_DATA/lessons first; then the source tree (data/../lessons) before
     * an installed copy (share/glassbox/lessons), as for models */
    const char *env = getenv("GLASSBOX_DATA");
    if (env && env[0]) {
        char *d = malloc(strlen(env) + 32);
        if (d) sprintf(d, "%s/lessons/README.md", env);
        if (d && gb_io_is_file(d)) return d[strlen(d) - strlen("/README.md")] = '\0', d;
        free(d);
    }
    static const char *const PROBES[] = {"../lessons/README.md", "lessons/README.md"};
    for (int i = 0; i < 2; i++) {
        char *readme = gb_find_bundled(PROBES[i]);
        if (!readme) continue;
        readme[strlen(readme) - strlen("/README.md")] = '\0';
        return readme;
    }
    return NULL;
}
