/* corpus_grammar.c - reading a grammar file (format: docs/corpus.md).
 *
 * The parser works line by line and reports the first mistake as
 * "FILE:LINE: what is wrong". After the last line it resolves rule names,
 * checks %start and %stat, and computes for every rule the height of its
 * shortest derivation: a rule with no finite derivation is refused here, so
 * the generator can never loop.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus_internal.h"
#include "glassbox/platform.h"

#define GRAMMAR_MAX_BYTES (16u << 20)
#define LINE_MAX_TOKENS 256

typedef struct parser {
    gb_grammar *g;
    int line;
    int cur_rule;  /* rule receiving indented alternatives, or -1 */
    int seen_rule; /* directives that shape alternatives must come first */
    gb_error *err;
} parser;

static gb_status perr(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static gb_status perr(parser *p, const char *fmt, ...) {
    char msg[GB_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return gb_fail(p->err, GB_ERR_INPUT, "%s:%d: %s", p->g->file, p->line, msg);
}

static char *dupn(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* Grow *arr (element size sz) so that index n fits. */
static int grow(void **arr, int *cap, int n, size_t sz) {
    if (n < *cap) return 1;
    int nc = *cap ? *cap * 2 : 16;
    while (nc <= n) nc *= 2;
    void *na = realloc(*arr, (size_t)nc * sz);
    if (!na) return 0;
    memset((char *)na + (size_t)*cap * sz, 0, (size_t)(nc - *cap) * sz);
    *arr = na;
    *cap = nc;
    return 1;
}

int gb_corpus_check_utf8(const char *text, size_t len, int *bad_line) {
    const unsigned char *s = (const unsigned char *)text;
    int line = 1;
    for (size_t i = 0; i < len;) {
        unsigned c = s[i];
        int n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
        if (c == 0 || n < 0 || (n == 1 && c < 0xC2) || (n == 3 && c > 0xF4) || i + (size_t)n >= len + (n == 0)) {
            if (bad_line) *bad_line = line;
            return 0;
        }
        unsigned cp = n == 0 ? c : c & (0x3F >> n);
        for (int k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80) {
                if (bad_line) *bad_line = line;
                return 0;
            }
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF))) {
            if (bad_line) *bad_line = line;
            return 0;
        }
        if (c == '\n') line++;
        i += (size_t)n + 1;
    }
    return 1;
}

int gb_grammar_find_rule(const gb_grammar *g, const char *name) {
    for (int i = 0; i < g->n_rules; i++)
        if (strcmp(g->rules[i].name, name) == 0) return i;
    return -1;
}

static int add_word(parser *p, const char *s, size_t n) {
    gb_grammar *g = p->g;
    if (!grow((void **)&g->words, &g->cap_words, g->n_words, sizeof *g->words)) return -1;
    g->words[g->n_words] = dupn(s, n);
    if (!g->words[g->n_words]) return -1;
    return g->n_words++;
}

/* ---- feature labels: "m.sg", "person" ---- */

static int find_value(const gb_grammar *g, const char *s, size_t n, int *feat) {
    for (int f = 0; f < g->n_feat; f++)
        for (int v = 0; v < g->n_val[f]; v++)
            if (strlen(g->val_name[f][v]) == n && memcmp(g->val_name[f][v], s, n) == 0) {
                *feat = f;
                return v;
            }
    return -1;
}

static void feat_clear(gb_gfeat *fe) { memset(fe->want, -1, sizeof fe->want); }

/* Parse a dot-joined label into *out. Returns 1, or 0 if some part is not a
 * declared value (then *bad names it) or two parts set the same feature (-1). */
static int parse_label(const gb_grammar *g, const char *s, size_t n, gb_gfeat *out) {
    feat_clear(out);
    if (n == 0) return 0;
    size_t i = 0;
    while (i <= n) {
        size_t j = i;
        while (j < n && s[j] != '.') j++;
        int f;
        int v = find_value(g, s + i, j - i, &f);
        if (v < 0) return 0;
        if (out->want[f] >= 0) return -1;
        out->want[f] = (int8_t)v;
        i = j + 1;
    }
    return 1;
}

/* Merge label b into a; 0 if they disagree on a feature. */
static int feat_merge(gb_gfeat *a, const gb_gfeat *b) {
    for (int f = 0; f < GB_G_MAX_FEAT; f++) {
        if (b->want[f] < 0) continue;
        if (a->want[f] >= 0 && a->want[f] != b->want[f]) return 0;
        a->want[f] = b->want[f];
    }
    return 1;
}

static gb_status label_or_fail(parser *p, const char *s, size_t n, gb_gfeat *out) {
    int r = parse_label(p->g, s, n, out);
    if (r == 1) return GB_OK;
    if (r < 0) return perr(p, "'%.*s' sets the same feature twice", (int)n, s);
    return perr(p, "'%.*s' is not a feature value (declare values with %%feature)", (int)n, s);
}

/* ---- tokens of an alternative line ---- */

typedef enum { TK_WORD, TK_REF, TK_SWITCH, TK_SEP, TK_META, TK_WEIGHT, TK_EMPTY } tk_kind;
typedef struct token {
    tk_kind kind;
    const char *s; /* text without the brackets */
    size_t n;
} token;

static gb_status tokenize(parser *p, const char *s, token *tk, int *n_tk) {
    int n = 0;
    size_t i = 0;
    while (s[i]) {
        if (s[i] == ' ' || s[i] == '\t') { i++; continue; }
        if (n >= LINE_MAX_TOKENS) return perr(p, "line has more than %d words", LINE_MAX_TOKENS);
        char c = s[i];
        if (c == '{' || c == '[') {
            char close = c == '{' ? '}' : ']';
            size_t j = i + 1;
            while (s[j] && s[j] != close) {
                if (s[j] == '{' || s[j] == '[')
                    return perr(p, "unbalanced brackets: '%c' is not closed before the next '%c'", c, s[j]);
                if (s[j] == '}' || s[j] == ']')
                    return perr(p, "unbalanced brackets: '%c' closed by '%c'", c, s[j]);
                j++;
            }
            if (!s[j]) return perr(p, "unbalanced brackets: '%c' without a closing '%c'", c, close);
            tk[n++] = (token){c == '{' ? TK_REF : TK_SWITCH, s + i + 1, j - i - 1};
            i = j + 1;
            continue;
        }
        if (c == '}' || c == ']') return perr(p, "unbalanced brackets: '%c' without an opening one", c);
        size_t j = i;
        while (s[j] && s[j] != ' ' && s[j] != '\t' && s[j] != '{' && s[j] != '[' && s[j] != '}' && s[j] != ']')
            j++;
        tk_kind k = TK_WORD;
        if (j - i == 1 && c == '=') k = TK_SEP;
        else if (c == '@') k = TK_META;
        else if (c == '*' && j - i > 1) k = TK_WEIGHT;
        else if (j - i == 1 && c == '_') k = TK_EMPTY;
        tk[n++] = (token){k, s + i, j - i};
        i = j;
    }
    *n_tk = n;
    return GB_OK;
}

static int valid_name(const char *s, size_t n) {
    if (n == 0) return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-') return 0;
    return 1;
}

/* ---- items ---- */

static gb_status add_item(parser *p, gb_galt *a, int o, gb_gitem it) {
    gb_gitem *ni = realloc(a->items[o], (size_t)(a->n_items[o] + 1) * sizeof *ni);
    if (!ni) return gb_fail(p->err, GB_ERR_INTERNAL, "out of memory");
    ni[a->n_items[o]++] = it;
    a->items[o] = ni;
    return GB_OK;
}

static int new_switch(parser *p) {
    gb_grammar *g = p->g;
    if (!grow((void **)&g->switches, &g->cap_switches, g->n_switches, sizeof *g->switches)) return -1;
    gb_gswitch *sw = &g->switches[g->n_switches];
    memset(sw, 0, sizeof *sw);
    sw->line = p->line;
    return g->n_switches++;
}

/* "sits/sit": the forms of the %slash line with as many parts. */
static gb_status parse_slash_word(parser *p, const token *t, gb_gitem *it) {
    gb_grammar *g = p->g;
    const char *part[GB_G_MAX_VAL + 1];
    size_t plen[GB_G_MAX_VAL + 1];
    int k = 0;
    size_t i = 0;
    while (i <= t->n) {
        size_t j = i;
        while (j < t->n && t->s[j] != '/') j++;
        if (k == GB_G_MAX_VAL + 1) return perr(p, "'%.*s' has too many forms", (int)t->n, t->s);
        part[k] = t->s + i;
        plen[k++] = j - i;
        if (j == i) return perr(p, "'%.*s' has an empty form between slashes", (int)t->n, t->s);
        i = j + 1;
    }
    int which = -1;
    for (int s = 0; s < g->n_slash; s++)
        if (g->slash_parts[s] == k) which = s;
    if (which < 0)
        return perr(p, "'%.*s' has %d forms but no %%slash line declares %d forms", (int)t->n, t->s, k, k);
    int sw = new_switch(p);
    if (sw < 0) return gb_fail(p->err, GB_ERR_INTERNAL, "out of memory");
    for (int f = 0; f < k; f++) {
        int w = add_word(p, part[f], plen[f]);
        if (w < 0) return gb_fail(p->err, GB_ERR_INTERNAL, "out of memory");
        g->switches[sw].when[f] = g->slash_pat[which][f];
        g->switches[sw].word[f] = w;
    }
    g->switches[sw].n_forms = k;
    *it = (gb_gitem){ITEM_SWITCH, sw};
    return GB_OK;
}

/* "[m.sg le | f.sg la | pl les]": options split by '|', each an optional label
 * then the form (words, or _ for nothing). */
static gb_status parse_switch(parser *p, const token *t, gb_gitem *it) {
    int sw = new_switch(p);
    if (sw < 0) return gb_fail(p->err, GB_ERR_INTERNAL, "out of memory");
    size_t i = 0;
    int k = 0;
    while (i <= t->n) {
        size_t j = i;
        while (j < t->n && t->s[j] != '|') j++;
        size_t a = i, b = j;
        while (a < b && (t->s[a] == ' ' || t->s[a] == '\t')) a++;
        while (b > a && (t->s[b - 1] == ' ' || t->s[b - 1] == '\t')) b--;
        if (a == b) return perr(p, "empty option in '[%.*s]'", (int)t->n, t->s);
        if (k == GB_G_MAX_VAL) return perr(p, "more than %d options in '[...]'", GB_G_MAX_VAL);
        gb_gswitch *S = &p->g->switches[sw];
        size_t e = a;
        while (e < b && t->s[e] != ' ' && t->s[e] != '\t') e++;
        int lab = parse_label(p->g, t->s + a, e - a, &S->when[k]);
        if (lab < 0) return perr(p, "'%.*s' sets the same feature twice", (int)(e - a), t->s + a);
        if (lab == 1) {
            a = e;
            while (a < b && (t->s[a] == ' ' || t->s[a] == '\t')) a++;
            if (a == b) return perr(p, "option '%.*s' has a label but no form (write _ for nothing)", (int)(e - i), t->s + i);
        } else {
            feat_clear(&S->when[k]);
        }
        int empty = (b - a == 1 && t->s[a] == '_');
        int w = add_word(p, t->s + a, empty ? 0 : b - a);
        if (w < 0) return gb_fail(p->err, GB_ERR_INTERNAL, "out of memory");
        p->g->switches[sw].word[k++] = w;
        i = j + 1;
    }
    p->g->switches[sw].n_forms = k;
    *it = (gb_gitem){ITEM_SWITCH, sw};
    return GB_OK;
}

/* "{np}", "{subj=np.person new pl}" */
static gb_status parse_ref_text(parser *p, const token *t, char **alias, char **rname, int *fresh,
                                gb_gfeat *bind, int *has_flags) {
    const char *s = t->s, *end = t->s + t->n;
    *alias = *rname = NULL;
    *fresh = *has_flags = 0;
    feat_clear(bind);
    while (s < end && (*s == ' ' || *s == '\t')) s++;
    const char *ne = s;
    while (ne < end && *ne != ' ' && *ne != '\t') ne++;
    if (ne == s) return perr(p, "empty reference '{}'");
    const char *eq = memchr(s, '=', (size_t)(ne - s));
    *alias = NULL;
    const char *rn = s;
    if (eq) {
        if (!valid_name(s, (size_t)(eq - s))) return perr(p, "bad name before '=' in '{%.*s}'", (int)t->n, t->s);
        *alias = dupn(s, (size_t)(eq - s));
        rn = eq + 1;
    }
    if (!valid_name(rn, (size_t)(ne - rn))) return perr(p, "bad rule name in '{%.*s}'", (int)t->n, t->s);
    *rname = dupn(rn, (size_t)(ne - rn));
    *fresh = 0;
    *has_flags = 0;
    feat_clear(bind);
    for (s = ne; s < end;) {
        while (s < end && (*s == ' ' || *s == '\t')) s++;
        if (s == end) break;
        const char *fe = s;
        while (fe < end && *fe != ' ' && *fe != '\t') fe++;
        *has_flags = 1;
        if (fe - s == 3 && memcmp(s, "new", 3) == 0) {
            *fresh = 1;
        } else {
            gb_gfeat b;
            if (label_or_fail(p, s, (size_t)(fe - s), &b)) return GB_ERR_INPUT;
            if (!feat_merge(bind, &b)) return perr(p, "'{%.*s}' sets a feature twice", (int)t->n, t->s);
        }
        s = fe;
    }
    return GB_OK;
}

/* Find the reference of output 0 that a mention in a later output means:
 * same alias, else the k-th reference to the same rule. */
static int match_ref(const gb_galt *a, int n_out0_refs, const char *alias, const char *rname, int occurrence) {
    int seen = 0;
    for (int r = 0; r < n_out0_refs; r++) {
        const gb_gref *R = &a->refs[r];
        if (alias) {
            if (R->alias && strcmp(R->alias, alias) == 0) return r;
            continue;
        }
        if (R->alias && strcmp(R->alias, rname) == 0) return r;
        if (!R->alias && strcmp(R->rname, rname) == 0 && seen++ == occurrence) return r;
    }
    return -1;
}

static gb_status add_ref(parser *p, gb_galt *a, int o, int n0, const token *t) {
    char *alias, *rname;
    int fresh, has_flags;
    gb_gfeat bind;
    gb_status st = parse_ref_text(p, t, &alias, &rname, &fresh, &bind, &has_flags);
    if (st || !rname) {
        free(alias);
        free(rname);
        return st ? st : gb_fail(p->err, GB_ERR_INTERNAL, "out of memory");
    }
    if (o > 0) {
        int occ = 0;
        if (!alias) {
            /* occurrences of this rule name so far in this output */
            for (int i = 0; i < a->n_items[o]; i++)
                if (a->items[o][i].kind == ITEM_REF && a->items[o][i].index < n0 &&
                    !a->refs[a->items[o][i].index].alias &&
                    strcmp(a->refs[a->items[o][i].index].rname, rname) == 0)
                    occ++;
        }
        int r = match_ref(a, n0, alias, rname, occ);
        if (r >= 0) {
            free(alias);
            free(rname);
            if (has_flags) return perr(p, "'{%.*s}': options go on the first mention (in the first output)", (int)t->n, t->s);
            return add_item(p, a, o, (gb_gitem){ITEM_REF, r});
        }
    }
    gb_gref *nr = realloc(a->refs, (size_t)(a->n_refs + 1) * sizeof *nr);
    if (!nr) {
        free(alias);
        free(rname);
        return gb_fail(p->err, GB_ERR_INTERNAL, "out of memory");
    }
    a->refs = nr;
    a->refs[a->n_refs] = (gb_gref){.rule = -1, .rname = rname, .alias = alias, .fresh = fresh, .bind = bind};
    return add_item(p, a, o, (gb_gitem){ITEM_REF, a->n_refs++});
}

static gb_status parse_meta(parser *p, gb_galt *a, const token *t) {
    if (t->kind == TK_WEIGHT) {
        char buf[64];
        size_t n = t->n - 1 < sizeof buf - 1 ? t->n - 1 : sizeof buf - 1;
        memcpy(buf, t->s + 1, n);
        buf[n] = '\0';
        char *e;
        double w = strtod(buf, &e);
        if (*e || !isfinite(w) || w <= 0 || w > 1e6)
            return perr(p, "weight '%.*s' must be a positive number such as *2 or *0.5", (int)t->n, t->s);
        a->weight = w;
        return GB_OK;
    }
    gb_gfeat c;
    if (label_or_fail(p, t->s + 1, t->n - 1, &c)) return GB_ERR_INPUT;
    if (!feat_merge(&a->cond, &c)) return perr(p, "conditions '%.*s' contradict each other", (int)t->n, t->s);
    return GB_OK;
}

/* An output left out is made of the references of the English; that is only
 * right when the English has no words of its own (a label is never words). */
static gb_status check_omitted(parser *p, const gb_galt *a) {
    const gb_grammar *g = p->g;
    for (int o = 1; o < g->n_out; o++) {
        if (a->given[o] || g->out_slot[o] == OUT_LABEL) continue;
        for (int i = 0; i < a->n_items[0]; i++)
            if (a->items[0][i].kind != ITEM_REF)
                return perr(p, "the English has words of its own but no French is given: write ' = ' and the French");
    }
    return GB_OK;
}

/* Fill alternative a from the tokens of one line. */
static gb_status parse_alt_tokens(parser *p, gb_galt *a, const token *tk, int n_tk) {
    gb_grammar *g = p->g;
    int o = 0, in_meta = 0, any[GB_G_MAX_OUT] = {0}, n0 = 0;
    a->given[0] = 1;
    for (int i = 0; i < n_tk; i++) {
        const token *t = &tk[i];
        if (t->kind == TK_META || t->kind == TK_WEIGHT) {
            in_meta = 1;
            if (parse_meta(p, a, t)) return GB_ERR_INPUT;
            continue;
        }
        if (in_meta) return perr(p, "'%.*s' after '@' or '*': conditions and weight end the line", (int)t->n, t->s);
        if (t->kind == TK_SEP) {
            if (!any[o]) return perr(p, "empty %s before '=' (write _ for an empty expansion)", o == 0 ? "alternative" : "output");
            if (o == 0) n0 = a->n_refs;
            if (++o >= g->n_out)
                return perr(p, "too many '=': the grammar declares %d output%s (%%outputs)", g->n_out, g->n_out == 1 ? "" : "s");
            a->given[o] = 1;
            continue;
        }
        any[o] = 1;
        if (t->kind == TK_EMPTY) continue;
        if (t->kind == TK_REF) {
            if (add_ref(p, a, o, n0, t)) return GB_ERR_INPUT;
            continue;
        }
        gb_gitem it = {ITEM_WORD, -1};
        gb_status st;
        if (t->kind == TK_SWITCH) {
            st = parse_switch(p, t, &it);
        } else if (t->n > 1 && memchr(t->s, '/', t->n)) {
            st = parse_slash_word(p, t, &it);
        } else {
            int w = add_word(p, t->s, t->n);
            if (w < 0) return gb_fail(p->err, GB_ERR_INTERNAL, "out of memory");
            it = (gb_gitem){ITEM_WORD, w};
            st = GB_OK;
        }
        if (st) return st;
        if ((st = add_item(p, a, o, it))) return st;
    }
    if (!any[0]) return perr(p, "empty alternative (write _ for an empty expansion)");
    if (!any[o]) return perr(p, "empty output after '=' (write _ for an empty expansion)");
    return check_omitted(p, a);
}

/* ---- directives ---- */

static int output_slot(const char *s, size_t n) {
    if (n == 2 && memcmp(s, "en", 2) == 0) return OUT_EN;
    if (n == 2 && memcmp(s, "fr", 2) == 0) return OUT_FR;
    if (n == 5 && memcmp(s, "label", 5) == 0) return OUT_LABEL;
    return -1;
}

/* Split a directive line into words (in place). */
static int split_words(char *s, char **w, int max) {
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(s, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
        if (n == max) return -1;
        w[n++] = t;
    }
    return n;
}

static gb_status dir_outputs(parser *p, char **w, int n) {
    gb_grammar *g = p->g;
    if (n < 2 || n > 1 + GB_G_MAX_OUT) return perr(p, "%%outputs takes 1 to 3 names: en [fr] [label]");
    memset(g->has_slot, 0, sizeof g->has_slot);
    for (int i = 1; i < n; i++) {
        int s = output_slot(w[i], strlen(w[i]));
        if (s < 0) return perr(p, "unknown output '%s' (known: en, fr, label)", w[i]);
        if (g->has_slot[s]) return perr(p, "output '%s' named twice", w[i]);
        g->out_slot[i - 1] = s;
        g->has_slot[s] = 1;
    }
    if (g->out_slot[0] != OUT_EN) return perr(p, "%%outputs must start with en");
    g->n_out = n - 1;
    return GB_OK;
}

static gb_status dir_feature(parser *p, char **w, int n) {
    gb_grammar *g = p->g;
    if (n < 3) return perr(p, "%%feature needs a name and at least one value: %%feature n sg pl");
    if (g->n_feat == GB_G_MAX_FEAT) return perr(p, "more than %d features", GB_G_MAX_FEAT);
    if (n - 2 > GB_G_MAX_VAL) return perr(p, "feature '%s' has more than %d values", w[1], GB_G_MAX_VAL);
    int f = g->n_feat;
    for (int i = 0; i < f; i++)
        if (!strcmp(g->feat_name[i], w[1])) return perr(p, "feature '%s' is already declared", w[1]);
    for (int i = 2; i < n; i++) {
        int of;
        if (!valid_name(w[i], strlen(w[i])) || strchr(w[i], '.'))
            return perr(p, "bad feature value '%s' (letters, digits, _ and -)", w[i]);
        if (find_value(g, w[i], strlen(w[i]), &of) >= 0)
            return perr(p, "value '%s' already belongs to feature '%s'", w[i], g->feat_name[of]);
        for (int j = 2; j < i; j++)
            if (strcmp(w[j], w[i]) == 0) return perr(p, "value '%s' listed twice", w[i]);
    }
    g->feat_name[f] = dupn(w[1], strlen(w[1]));
    for (int i = 2; i < n; i++) g->val_name[f][i - 2] = dupn(w[i], strlen(w[i]));
    g->n_val[f] = n - 2;
    g->n_feat++;
    return GB_OK;
}

static gb_status dir_slash(parser *p, char **w, int n) {
    gb_grammar *g = p->g;
    int k = n - 1;
    if (k < 2 || k > GB_G_MAX_VAL) return perr(p, "%%slash needs 2 to %d labels: %%slash sg pl", GB_G_MAX_VAL);
    for (int s = 0; s < g->n_slash; s++)
        if (g->slash_parts[s] == k) return perr(p, "a %%slash line with %d forms is already declared", k);
    if (g->n_slash == 4) return perr(p, "at most 4 %%slash lines");
    for (int i = 0; i < k; i++)
        if (label_or_fail(p, w[i + 1], strlen(w[i + 1]), &g->slash_pat[g->n_slash][i])) return GB_ERR_INPUT;
    g->slash_parts[g->n_slash++] = k;
    return GB_OK;
}

static gb_status dir_rewrite(parser *p, char **w, int n, int join) {
    gb_grammar *g = p->g;
    int need = join ? 6 : 5;
    if (n != need || strcmp(w[need - 2], "->") != 0)
        return perr(p, join ? "write %%join OUTPUT w1 w2 -> w" : "write %%before-vowel OUTPUT w -> w");
    int s = output_slot(w[1], strlen(w[1]));
    if (s < 0 || s == OUT_LABEL) return perr(p, "unknown output '%s' (en or fr)", w[1]);
    if (!grow((void **)&g->rewrites, &g->cap_rewrites, g->n_rewrites, sizeof *g->rewrites))
        return gb_fail(p->err, GB_ERR_INTERNAL, "out of memory");
    gb_grewrite *r = &g->rewrites[g->n_rewrites++];
    r->out = s;
    r->a = dupn(w[2], strlen(w[2]));
    r->b = join ? dupn(w[3], strlen(w[3])) : NULL;
    r->to = dupn(w[need - 1], strlen(w[need - 1]));
    return GB_OK;
}

static gb_status directive(parser *p, char *line) {
    gb_grammar *g = p->g;
    char *w[LINE_MAX_TOKENS];
    char *help = NULL;
    if (strncmp(line, "%stat", 5) == 0 && (line[5] == ' ' || line[5] == '\t')) {
        /* keep the description whole */
        char *s = line + 5;
        while (*s == ' ' || *s == '\t') s++;
        char *e = s;
        while (*e && *e != ' ' && *e != '\t') e++;
        if (*e) {
            *e++ = '\0';
            while (*e == ' ' || *e == '\t') e++;
            help = e;
        }
        if (!*s) return perr(p, "write %%stat RULE description");
        if (g->n_stats == GB_CORPUS_MAX_STATS) return perr(p, "more than %d %%stat lines", GB_CORPUS_MAX_STATS);
        g->stat_rule[g->n_stats] = dupn(s, strlen(s));
        g->stat_help[g->n_stats] = dupn(help ? help : "", strlen(help ? help : ""));
        g->stat_line[g->n_stats++] = p->line;
        return GB_OK;
    }
    int n = split_words(line, w, LINE_MAX_TOKENS);
    if (n < 1) return perr(p, "too many words");
    const char *d = w[0] + 1;
    int shapes = !strcmp(d, "outputs") || !strcmp(d, "feature") || !strcmp(d, "slash");
    if (shapes && p->seen_rule) return perr(p, "%%%s must come before the first rule", d);
    if (!strcmp(d, "outputs")) return dir_outputs(p, w, n);
    if (!strcmp(d, "feature")) return dir_feature(p, w, n);
    if (!strcmp(d, "slash")) return dir_slash(p, w, n);
    if (!strcmp(d, "before-vowel")) return dir_rewrite(p, w, n, 0);
    if (!strcmp(d, "join")) return dir_rewrite(p, w, n, 1);
    if (!strcmp(d, "vowels")) {
        int s = n == 3 ? output_slot(w[1], strlen(w[1])) : -1;
        if (s < 0) return perr(p, "write %%vowels OUTPUT letters (e.g. %%vowels en aeiou)");
        free(g->vowels[s]);
        g->vowels[s] = dupn(w[2], strlen(w[2]));
        return GB_OK;
    }
    if (!strcmp(d, "start")) {
        if (n != 3) return perr(p, "write %%start TASK RULE (e.g. %%start lm sentence)");
        if (g->n_start == GB_G_MAX_START) return perr(p, "too many %%start lines");
        g->start_task[g->n_start] = dupn(w[1], strlen(w[1]));
        g->start_rule[g->n_start] = dupn(w[2], strlen(w[2]));
        g->start_line[g->n_start++] = p->line;
        return GB_OK;
    }
    return perr(p, "unknown directive '%s' (known: %%outputs %%feature %%slash %%vowels %%before-vowel %%join %%start %%stat)", w[0]);
}

/* ---- rules and lines ---- */

static gb_status start_rule(parser *p, const char *name, size_t n) {
    gb_grammar *g = p->g;
    if (!valid_name(name, n)) return perr(p, "bad rule name '%.*s' (letters, digits, '.', '_' and '-')", (int)n, name);
    for (int i = 0; i < g->n_rules; i++)
        if (strlen(g->rules[i].name) == n && memcmp(g->rules[i].name, name, n) == 0)
            return perr(p, "rule '%.*s' is already defined at line %d", (int)n, name, g->rules[i].line);
    if (!grow((void **)&g->rules, &g->cap_rules, g->n_rules, sizeof *g->rules))
        return gb_fail(p->err, GB_ERR_INTERNAL, "out of memory");
    gb_grule *r = &g->rules[g->n_rules];
    r->name = dupn(name, n);
    r->line = p->line;
    p->cur_rule = g->n_rules++;
    p->seen_rule = 1;
    return GB_OK;
}

static gb_status alternative(parser *p, const char *text) {
    gb_grule *r = &p->g->rules[p->cur_rule];
    if (!grow((void **)&r->alts, &r->cap_alts, r->n_alts, sizeof *r->alts))
        return gb_fail(p->err, GB_ERR_INTERNAL, "out of memory");
    gb_galt *a = &r->alts[r->n_alts++]; /* counted now so that free() sees partial work */
    memset(a, 0, sizeof *a);
    a->weight = 1.0;
    a->line = p->line;
    feat_clear(&a->cond);
    token tk[LINE_MAX_TOKENS];
    int n_tk;
    if (tokenize(p, text, tk, &n_tk)) return GB_ERR_INPUT;
    return parse_alt_tokens(p, a, tk, n_tk);
}

static void strip_comment(char *s) {
    for (char *c = s; *c; c++)
        if (*c == '#' && (c == s || c[-1] == ' ' || c[-1] == '\t')) {
            *c = '\0';
            break;
        }
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) s[--n] = '\0';
}

static gb_status parse_line(parser *p, char *s) {
    strip_comment(s);
    char *t = s;
    while (*t == ' ' || *t == '\t') t++;
    if (!*t) return GB_OK;
    if (t == s && *s == '%') return directive(p, s);
    if (t == s) {
        char *colon = strchr(s, ':');
        if (!colon) return perr(p, "'%s' is neither a rule 'name:' nor an indented alternative", s);
        gb_status st = start_rule(p, s, (size_t)(colon - s));
        if (st) return st;
        char *rest = colon + 1;
        while (*rest == ' ' || *rest == '\t') rest++;
        return *rest ? alternative(p, rest) : GB_OK;
    }
    if (p->cur_rule < 0) return perr(p, "indented alternative before any rule 'name:'");
    return alternative(p, t);
}

/* ---- after the last line ---- */

static gb_status resolve_refs(parser *p) {
    gb_grammar *g = p->g;
    for (int r = 0; r < g->n_rules; r++) {
        gb_grule *R = &g->rules[r];
        if (R->n_alts == 0) {
            p->line = R->line;
            return perr(p, "rule '%s' has no alternatives", R->name);
        }
        for (int a = 0; a < R->n_alts; a++)
            for (int k = 0; k < R->alts[a].n_refs; k++) {
                gb_gref *ref = &R->alts[a].refs[k];
                ref->rule = gb_grammar_find_rule(g, ref->rname);
                if (ref->rule < 0) {
                    p->line = R->alts[a].line;
                    return perr(p, "unknown rule '%s' in '{...}'", ref->rname);
                }
            }
    }
    return GB_OK;
}

/* Can rule start reach itself through references? (depth-first, marks in seen) */
static int reaches(const gb_grammar *g, int from, int target, char *seen) {
    const gb_grule *R = &g->rules[from];
    for (int a = 0; a < R->n_alts; a++)
        for (int k = 0; k < R->alts[a].n_refs; k++) {
            int t = R->alts[a].refs[k].rule;
            if (t == target) return 1;
            if (seen[t]) continue;
            seen[t] = 1;
            if (reaches(g, t, target, seen)) return 1;
        }
    return 0;
}

static int reaches_itself(const gb_grammar *g, int r) {
    char *seen = calloc((size_t)g->n_rules, 1);
    int yes = seen && reaches(g, r, r, seen);
    free(seen);
    return yes;
}

/* Shortest derivation heights by relaxation; a rule left infinite can only
 * recurse forever. */
static gb_status compute_heights(parser *p) {
    gb_grammar *g = p->g;
    for (int r = 0; r < g->n_rules; r++) {
        g->rules[r].height = GB_G_HEIGHT_INF;
        for (int a = 0; a < g->rules[r].n_alts; a++) g->rules[r].alts[a].height = GB_G_HEIGHT_INF;
    }
    for (int changed = 1; changed;) {
        changed = 0;
        for (int r = 0; r < g->n_rules; r++) {
            gb_grule *R = &g->rules[r];
            for (int a = 0; a < R->n_alts; a++) {
                gb_galt *A = &R->alts[a];
                int h = 1;
                for (int k = 0; k < A->n_refs && h != GB_G_HEIGHT_INF; k++) {
                    int rh = g->rules[A->refs[k].rule].height;
                    h = rh == GB_G_HEIGHT_INF ? GB_G_HEIGHT_INF : (rh + 1 > h ? rh + 1 : h);
                }
                if (h < A->height) A->height = h;
                if (h < R->height) {
                    R->height = h;
                    changed = 1;
                }
            }
        }
    }
    int bad = -1; /* name a rule on the loop itself, not one that merely uses it */
    for (int r = 0; r < g->n_rules && bad < 0; r++)
        if (g->rules[r].height == GB_G_HEIGHT_INF && reaches_itself(g, r)) bad = r;
    for (int r = 0; r < g->n_rules && bad < 0; r++)
        if (g->rules[r].height == GB_G_HEIGHT_INF) bad = r;
    if (bad < 0) return GB_OK;
    p->line = g->rules[bad].line;
    return perr(p, "rule '%s' recurses without end: every alternative leads back to it "
                   "(give it one alternative that stops)", g->rules[bad].name);
}

static gb_status check_names(parser *p) {
    gb_grammar *g = p->g;
    for (int i = 0; i < g->n_start; i++)
        if (gb_grammar_find_rule(g, g->start_rule[i]) < 0) {
            p->line = g->start_line[i];
            return perr(p, "%%start names unknown rule '%s'", g->start_rule[i]);
        }
    for (int i = 0; i < g->n_stats; i++) {
        /* "np.pp.*" names every rule starting with "np.pp." */
        const char *name = g->stat_rule[i];
        size_t n = strlen(name);
        int prefix = n >= 2 && name[n - 1] == '*' && name[n - 2] == '.', found = 0;
        p->line = g->stat_line[i];
        for (int r = 0; r < g->n_rules; r++)
            if (prefix ? strncmp(g->rules[r].name, name, n - 1) == 0 : strcmp(g->rules[r].name, name) == 0) {
                g->rules[r].stats |= 1ull << i;
                found = 1;
            }
        if (!found) return perr(p, "%%stat names unknown rule '%s'", name);
    }
    return GB_OK;
}

static gb_status parse_all(parser *p, char *text, size_t len) {
    gb_grammar *g = p->g;
    int bad;
    if (!gb_corpus_check_utf8(text, len, &bad)) {
        p->line = bad;
        return perr(p, "invalid UTF-8 (or a NUL byte); grammars are UTF-8 text");
    }
    char *s = text;
    p->line = 0;
    while (s < text + len) {
        char *nl = memchr(s, '\n', (size_t)(text + len - s));
        if (nl) *nl = '\0';
        p->line++;
        gb_status st = parse_line(p, s);
        if (st) return st;
        if (!nl) break;
        s = nl + 1;
    }
    if (g->n_rules == 0) {
        p->line = p->line ? p->line : 1;
        return perr(p, "the grammar has no rules (a rule is 'name:' followed by indented alternatives)");
    }
    gb_status st = resolve_refs(p);
    if (!st) st = check_names(p);
    if (!st) st = compute_heights(p);
    return st;
}

gb_status gb_grammar_parse(const char *text, size_t len, const char *name, gb_grammar **out, gb_error *err) {
    *out = NULL;
    gb_grammar *g = calloc(1, sizeof *g);
    char *copy = malloc(len + 1);
    if (!g || !copy) {
        free(g);
        free(copy);
        return gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", name);
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    g->file = dupn(name, strlen(name));
    g->n_out = 1;
    g->out_slot[0] = OUT_EN;
    g->has_slot[OUT_EN] = 1;
    parser p = {.g = g, .cur_rule = -1, .err = err};
    gb_status st = parse_all(&p, copy, len);
    free(copy);
    if (st) {
        gb_grammar_free(g);
        return st;
    }
    *out = g;
    return GB_OK;
}

gb_status gb_grammar_load(const char *path, gb_grammar **out, gb_error *err) {
    char *text;
    size_t len;
    *out = NULL;
    gb_status st = gb_read_file(path, GRAMMAR_MAX_BYTES, &text, &len, err);
    if (st) return st;
    st = gb_grammar_parse(text, len, path, out, err);
    free(text);
    return st;
}

void gb_grammar_free(gb_grammar *g) {
    if (!g) return;
    for (int r = 0; r < g->n_rules; r++) {
        gb_grule *R = &g->rules[r];
        for (int a = 0; a < R->n_alts; a++) {
            for (int o = 0; o < GB_G_MAX_OUT; o++) free(R->alts[a].items[o]);
            for (int k = 0; k < R->alts[a].n_refs; k++) {
                free(R->alts[a].refs[k].rname);
                free(R->alts[a].refs[k].alias);
            }
            free(R->alts[a].refs);
        }
        free(R->alts);
        free(R->name);
    }
    free(g->rules);
    for (int i = 0; i < g->n_words; i++) free(g->words[i]);
    free(g->words);
    free(g->switches);
    for (int i = 0; i < g->n_rewrites; i++) {
        free(g->rewrites[i].a);
        free(g->rewrites[i].b);
        free(g->rewrites[i].to);
    }
    free(g->rewrites);
    for (int f = 0; f < g->n_feat; f++) {
        free(g->feat_name[f]);
        for (int v = 0; v < g->n_val[f]; v++) free(g->val_name[f][v]);
    }
    for (int o = 0; o < GB_G_MAX_OUT; o++) free(g->vowels[o]);
    for (int i = 0; i < g->n_start; i++) {
        free(g->start_task[i]);
        free(g->start_rule[i]);
    }
    for (int i = 0; i < g->n_stats; i++) {
        free(g->stat_rule[i]);
        free(g->stat_help[i]);
    }
    free(g->file);
    free(g);
}

const char *gb_grammar_start(const gb_grammar *g, const char *task) {
    for (int i = 0; i < g->n_start; i++)
        if (strcmp(g->start_task[i], task) == 0) return g->start_rule[i];
    return NULL;
}

int gb_grammar_has_rule(const gb_grammar *g, const char *name) { return gb_grammar_find_rule(g, name) >= 0; }

int gb_grammar_n_rules(const gb_grammar *g) { return g->n_rules; }

int gb_grammar_has_output(const gb_grammar *g, const char *output) {
    int s = output_slot(output, strlen(output));
    return s >= 0 && g->has_slot[s];
}
