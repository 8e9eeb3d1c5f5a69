/* corpus_gen.c - expanding a grammar into aligned records.
 *
 * One derivation chooses an alternative for the start rule, then for every
 * reference in it (depth first, in the order the references are written in the
 * first output), and records the choices as a tree. Features live in scopes:
 * an alternative's references share its scope unless marked "new", so the
 * noun chosen deep inside a noun phrase fixes the gender the French article
 * and adjective show. Form switches are only resolved when the finished tree
 * is rendered, when every feature the sentence decides is known; a feature the
 * sentence never decides is drawn at random when a form first needs it.
 *
 * Randomness comes from the project's generator (glassbox/rng.h: xoshiro256**
 * seeded by splitmix64), so a corpus depends only on (grammar, start rule,
 * count, seed), on every platform.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus_internal.h"
#include "glassbox/rng.h"

/* ---- one derivation ---- */

typedef struct dnode {
    int rule, alt, scope, kids; /* kids: offset of alt->n_refs child node indices */
} dnode;

typedef struct deriv {
    const gb_grammar *g;
    gb_rng *rng;
    dnode *nodes;
    int n_nodes, cap_nodes;
    int *kids;
    int n_kids, cap_kids;
    int8_t *vars; /* feature values by scope: vars[scope + f], -1 unbound */
    int n_vars, cap_vars;
    int max_depth;
    uint64_t tags;
    char why[256]; /* why the last derivation failed */
    int oom;
} deriv;

#define MAX_NODES 4096

static int reserve(void **arr, int *cap, int need, size_t sz) {
    if (need <= *cap) return 1;
    int nc = *cap ? *cap : 64;
    while (nc < need) nc *= 2;
    void *na = realloc(*arr, (size_t)nc * sz);
    if (!na) return 0;
    *arr = na;
    *cap = nc;
    return 1;
}

static int new_scope(deriv *d) {
    int nf = d->g->n_feat ? d->g->n_feat : 1;
    if (!reserve((void **)&d->vars, &d->cap_vars, d->n_vars + nf, 1)) return d->oom = 1, -1;
    memset(d->vars + d->n_vars, -1, (size_t)nf);
    d->n_vars += nf;
    return d->n_vars - nf;
}

static int compatible(const deriv *d, int scope, const gb_gfeat *fe) {
    for (int f = 0; f < d->g->n_feat; f++)
        if (fe->want[f] >= 0 && d->vars[scope + f] >= 0 && d->vars[scope + f] != fe->want[f]) return 0;
    return 1;
}

static void bind(deriv *d, int scope, const gb_gfeat *fe) {
    for (int f = 0; f < d->g->n_feat; f++)
        if (fe->want[f] >= 0) d->vars[scope + f] = fe->want[f];
}

static void describe_scope(const deriv *d, int scope, char *buf, size_t n) {
    size_t k = 0;
    buf[0] = '\0';
    for (int f = 0; f < d->g->n_feat && k < n; f++)
        if (d->vars[scope + f] >= 0)
            k += (size_t)snprintf(buf + k, n - k, "%s%s", k ? "." : "", d->g->val_name[f][d->vars[scope + f]]);
}

/* Choose an alternative of rule among those fitting the scope and the depth left. */
static int choose_alt(deriv *d, const gb_grule *R, int scope, int depth) {
    int budget = d->max_depth - depth;
    double total = 0;
    for (int a = 0; a < R->n_alts; a++)
        if (R->alts[a].height <= budget && compatible(d, scope, &R->alts[a].cond)) total += R->alts[a].weight;
    if (total <= 0) {
        char fs[96];
        describe_scope(d, scope, fs, sizeof fs);
        snprintf(d->why, sizeof d->why, "%s:%d: no alternative of '%s' fits the features %s", d->g->file, R->line,
                 R->name, fs[0] ? fs : "(none)");
        return -1;
    }
    double x = gb_rng_double(d->rng) * total;
    int last = -1;
    for (int a = 0; a < R->n_alts; a++) {
        if (R->alts[a].height > budget || !compatible(d, scope, &R->alts[a].cond)) continue;
        last = a;
        x -= R->alts[a].weight;
        if (x < 0) return a;
    }
    return last; /* rounding */
}

static int expand(deriv *d, int rule, int scope, int depth) {
    const gb_grule *R = &d->g->rules[rule];
    if (d->n_nodes >= MAX_NODES) {
        snprintf(d->why, sizeof d->why, "%s:%d: derivation of '%s' grew past %d steps", d->g->file, R->line,
                 R->name, MAX_NODES);
        return -1;
    }
    int a = choose_alt(d, R, scope, depth);
    if (a < 0) return -1;
    const gb_galt *A = &R->alts[a];
    bind(d, scope, &A->cond);
    if (!reserve((void **)&d->nodes, &d->cap_nodes, d->n_nodes + 1, sizeof *d->nodes) ||
        !reserve((void **)&d->kids, &d->cap_kids, d->n_kids + A->n_refs, sizeof *d->kids))
        return d->oom = 1, -1;
    int id = d->n_nodes++;
    d->nodes[id] = (dnode){rule, a, scope, d->n_kids};
    d->n_kids += A->n_refs;
    d->tags |= R->stats;
    for (int k = 0; k < A->n_refs; k++) {
        const gb_gref *ref = &A->refs[k];
        int cs = ref->fresh ? new_scope(d) : scope;
        if (cs < 0) return -1;
        if (!compatible(d, cs, &ref->bind)) {
            snprintf(d->why, sizeof d->why, "%s:%d: '{%s}' asks for features the sentence already contradicts",
                     d->g->file, A->line, ref->rname);
            return -1;
        }
        bind(d, cs, &ref->bind);
        int child = expand(d, ref->rule, cs, depth + 1);
        if (child < 0) return -1;
        d->kids[d->nodes[id].kids + k] = child;
    }
    return id;
}

/* ---- rendering ---- */

typedef struct sbuf {
    char *s;
    size_t n, cap;
    int oom;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n) {
    if (b->oom) return;
    if (b->n + n + 2 > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 256;
        while (nc < b->n + n + 2) nc *= 2;
        char *ns = realloc(b->s, nc);
        if (!ns) {
            b->oom = 1;
            return;
        }
        b->s = ns;
        b->cap = nc;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void sb_word(sbuf *b, const char *w) {
    if (!*w) return;
    if (b->n) sb_put(b, " ", 1);
    sb_put(b, w, strlen(w));
}

/* The form of a switch for this scope; unbound features it needs are drawn now. */
static const char *switch_form(deriv *d, const gb_gswitch *S, int scope) {
    for (int k = 0; k < S->n_forms; k++) {
        if (!compatible(d, scope, &S->when[k])) continue;
        for (int f = 0; f < d->g->n_feat; f++)
            if (S->when[k].want[f] >= 0 && d->vars[scope + f] < 0)
                d->vars[scope + f] = (int8_t)(gb_rng_next(d->rng) % (uint64_t)d->g->n_val[f]);
        if (compatible(d, scope, &S->when[k])) return d->g->words[S->word[k]];
    }
    return NULL;
}

static int render(deriv *d, int node, int pos, sbuf *b) {
    const dnode *N = &d->nodes[node];
    const gb_galt *A = &d->g->rules[N->rule].alts[N->alt];
    int o = A->given[pos] ? pos : 0;
    for (int i = 0; i < A->n_items[o]; i++) {
        gb_gitem it = A->items[o][i];
        if (o != pos && it.kind != ITEM_REF) continue; /* output not written: only the references */
        if (it.kind == ITEM_WORD) {
            sb_word(b, d->g->words[it.index]);
        } else if (it.kind == ITEM_REF) {
            if (render(d, d->kids[N->kids + it.index], pos, b)) return -1;
        } else {
            const gb_gswitch *S = &d->g->switches[it.index];
            const char *w = switch_form(d, S, N->scope);
            if (!w) {
                char fs[96];
                describe_scope(d, N->scope, fs, sizeof fs);
                snprintf(d->why, sizeof d->why, "%s:%d: no form of '[...]' fits the features %s", d->g->file,
                         S->line, fs[0] ? fs : "(none)");
                return -1;
            }
            sb_word(b, w);
        }
    }
    return 0;
}

/* Does the UTF-8 word start with one of the letters in vowels? */
static int starts_with_vowel(const char *w, const char *vowels) {
    size_t n = 1;
    unsigned char c = (unsigned char)w[0];
    if (c >= 0xC0) n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    if (!c) return 0;
    for (const char *v = vowels; *v;) {
        size_t m = 1;
        unsigned char vc = (unsigned char)*v;
        if (vc >= 0xC0) m = vc >= 0xF0 ? 4 : vc >= 0xE0 ? 3 : 2;
        if (m == n && strncmp(v, w, n) == 0) return 1;
        v += m;
        while (*v && ((unsigned char)*v & 0xC0) == 0x80) v++;
    }
    return 0;
}

/* Apply the grammar's %before-vowel then %join rules; returns a malloc'd,
 * single-spaced string. */
static char *finish_text(const gb_grammar *g, int slot, char *text) {
    size_t cap = 1;
    for (const char *c = text; *c; c++) cap += *c == ' ' || *c == '\t';
    char **tok = malloc(cap * sizeof *tok);
    if (!tok) return NULL;
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(text, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) tok[n++] = t;
    const char *vowels = g->vowels[slot] ? g->vowels[slot] : "aeiou";
    for (int i = 0; i + 1 < n; i++)
        for (int r = 0; r < g->n_rewrites; r++) {
            const gb_grewrite *W = &g->rewrites[r];
            if (W->out == slot && !W->b && strcmp(tok[i], W->a) == 0 && starts_with_vowel(tok[i + 1], vowels)) {
                tok[i] = W->to;
                break;
            }
        }
    for (int i = 0; i + 1 < n; i++)
        for (int r = 0; r < g->n_rewrites; r++) {
            const gb_grewrite *W = &g->rewrites[r];
            if (W->out == slot && W->b && strcmp(tok[i], W->a) == 0 && strcmp(tok[i + 1], W->b) == 0) {
                tok[i] = W->to;
                memmove(&tok[i + 1], &tok[i + 2], (size_t)(n - i - 2) * sizeof *tok);
                n--;
                break;
            }
        }
    sbuf b = {0};
    sb_put(&b, "", 0);
    for (int i = 0; i < n; i++) sb_word(&b, tok[i]);
    free(tok);
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

/* Derive one record from start; returns 1 ok, 0 dead end (d->why), -1 out of memory. */
static int derive_one(deriv *d, int start, gb_corpus_record *rec) {
    d->n_nodes = d->n_kids = d->n_vars = 0;
    d->tags = 0;
    memset(rec, 0, sizeof *rec);
    int scope = new_scope(d);
    if (scope < 0) return -1;
    int root = expand(d, start, scope, 0);
    if (root < 0) return d->oom ? -1 : 0;
    char *text[GB_G_MAX_OUT] = {0};
    int ok = 1;
    for (int pos = 0; pos < d->g->n_out && ok == 1; pos++) {
        sbuf b = {0};
        sb_put(&b, "", 0);
        if (render(d, root, pos, &b)) ok = 0;
        int slot = d->g->out_slot[pos];
        if (ok == 1) {
            text[slot] = b.oom ? NULL : finish_text(d->g, slot, b.s);
            if (!text[slot]) ok = -1;
        }
        free(b.s);
    }
    for (int s = 0; s < GB_G_MAX_OUT && ok == 1; s++)
        if (!text[s] && !(text[s] = calloc(1, 1))) ok = -1;
    if (ok != 1) {
        for (int s = 0; s < GB_G_MAX_OUT; s++) free(text[s]);
        return ok;
    }
    rec->en = text[OUT_EN];
    rec->fr = text[OUT_FR];
    rec->label = text[OUT_LABEL];
    rec->tags = d->tags;
    return 1;
}

/* ---- the corpus: distinct records ---- */

static uint64_t fnv1a(const char *s, uint64_t h) {
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001B3ull;
    return h;
}

static uint64_t record_hash(const gb_corpus_record *r) {
    uint64_t h = fnv1a(r->en, 0xCBF29CE484222325ull);
    h = fnv1a("\t", h);
    h = fnv1a(r->fr, h);
    h = fnv1a("\t", h);
    return fnv1a(r->label, h);
}

static int same_record(const gb_corpus_record *a, const gb_corpus_record *b) {
    return !strcmp(a->en, b->en) && !strcmp(a->fr, b->fr) && !strcmp(a->label, b->label);
}

/* Open-addressing set of record indices (slot value index+1, 0 = empty). */
typedef struct rec_set {
    int *slot;
    size_t cap;
} rec_set;

static int set_find_or_add(rec_set *s, const gb_corpus *c, const gb_corpus_record *r, int idx) {
    size_t i = (size_t)record_hash(r) & (s->cap - 1);
    while (s->slot[i]) {
        if (same_record(&c->recs[s->slot[i] - 1], r)) return 1;
        i = (i + 1) & (s->cap - 1);
    }
    s->slot[i] = idx + 1;
    return 0;
}

static void record_free(gb_corpus_record *r) {
    free(r->en);
    free(r->fr);
    free(r->label);
}

void gb_corpus_free(gb_corpus *c) {
    if (!c) return;
    for (int i = 0; i < c->n; i++) record_free(&c->recs[i]);
    free(c->recs);
    for (int i = 0; i < c->n_stats; i++) {
        free(c->stat_rule[i]);
        free(c->stat_help[i]);
    }
    memset(c, 0, sizeof *c);
}

/* Copy the grammar's %stat names so a corpus can describe its own tags. */
gb_status gb_corpus_copy_stats(gb_corpus *dst, int n, char *const *rule, char *const *help) {
    dst->n_stats = 0;
    for (int i = 0; i < n; i++) {
        dst->stat_rule[i] = strdup(rule[i]);
        dst->stat_help[i] = strdup(help[i]);
        dst->n_stats = i + 1;
        if (!dst->stat_rule[i] || !dst->stat_help[i]) return GB_ERR_INTERNAL;
    }
    return GB_OK;
}

static gb_status generate_loop(const gb_grammar *g, int start, int n, deriv *d, gb_corpus *out, gb_error *err) {
    rec_set set = {0};
    set.cap = 64;
    while (set.cap < (size_t)n * 2 + 2) set.cap *= 2;
    set.slot = calloc(set.cap, sizeof *set.slot);
    out->recs = calloc((size_t)n + 1, sizeof *out->recs);
    if (!set.slot || !out->recs) {
        free(set.slot);
        return gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", g->file);
    }
    out->cap = n + 1;
    uint64_t max_attempts = (uint64_t)n * 40 + 1000, failures = 0;
    while (out->n < n && out->attempts < max_attempts) {
        out->attempts++;
        gb_corpus_record *r = &out->recs[out->n];
        int got = derive_one(d, start, r);
        if (got < 0) {
            free(set.slot);
            return gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", g->file);
        }
        if (got == 0 || !r->en[0]) {
            if (got) {
                snprintf(d->why, sizeof d->why, "%s: rule '%s' gave an empty sentence", g->file, g->rules[start].name);
                record_free(r);
            }
            failures++;
            continue;
        }
        if (set_find_or_add(&set, out, r, out->n)) record_free(r);
        else out->n++;
    }
    free(set.slot);
    if (out->n == 0)
        return gb_fail(err, GB_ERR_INPUT, "%s", failures ? d->why : "the grammar produced no sentence");
    return GB_OK;
}

gb_status gb_corpus_generate(const gb_grammar *g, const char *start, int n, uint64_t seed, gb_corpus *out,
                             gb_error *err) {
    memset(out, 0, sizeof *out);
    int s = gb_grammar_find_rule(g, start);
    if (s < 0) return gb_fail(err, GB_ERR_INPUT, "%s: no rule '%s' to start from", g->file, start);
    if (n <= 0 || n > 50000000) return gb_fail(err, GB_ERR_INPUT, "%s: count %d must be in [1, 50000000]", g->file, n);
    gb_rng rng;
    gb_rng_seed(&rng, seed);
    deriv d = {.g = g, .rng = &rng};
    d.max_depth = g->rules[s].height > GB_G_MAX_DEPTH ? g->rules[s].height : GB_G_MAX_DEPTH;
    gb_status st = gb_corpus_copy_stats(out, g->n_stats, g->stat_rule, g->stat_help);
    if (!st) st = generate_loop(g, s, n, &d, out, err);
    else gb_fail(err, st, "%s: out of memory", g->file);
    free(d.nodes);
    free(d.kids);
    free(d.vars);
    if (st) gb_corpus_free(out);
    return st;
}
