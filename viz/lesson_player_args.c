/* lesson_player_args.c - a lesson step's state as the arguments of a view, and
 * its narrative as pango markup (shared by the player and the handout). */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lesson_player.h"
#include "text.h"
#include "view_distribution_view.h"

void gb_lesson_view_select(gb_lesson_checker *c, const gb_lesson_state *st_in, gb_view_args *a, char *pick,
                           size_t cap) {
    if (!c || !st_in->view) return;
    /* without @select, the @highlight words are what the view points at */
    gb_lesson_state hl = *st_in;
    if (hl.n_select == 0) {
        memcpy(hl.select, hl.highlight, sizeof hl.select);
        hl.n_select = hl.n_highlight;
    }
    const gb_lesson_state *st = &hl;
    if (strcmp(st->view, "attention") == 0) gb_lesson_select_positions(c, st, &a->query, &a->key);
    if (strcmp(st->view, "translation") == 0 && st->n_select >= 2) gb_view_translation_select(st->model, st->prompt, st->select[0], st->select[1], &a->query, &a->key);
    int ids[2], n = strcmp(st->view, "embeddings") == 0 ? gb_lesson_select_ids(c, st, ids, 2) : 0;
    if (n > 0 && cap > 0) {
        if (n == 1) snprintf(pick, cap, "%d", ids[0]);
        else snprintf(pick, cap, "%d,%d", ids[0], ids[1]);
        a->pick = pick;
    }
}

void gb_lesson_view_highlight(const gb_lesson_state *st, gb_view_args *a, char *buf, size_t cap) {
    size_t k = 0;
    if (cap == 0) return;
    buf[0] = '\0';
    for (int i = 0; i < st->n_highlight && k + 1 < cap; i++) {
        int w = snprintf(buf + k, cap - k, "%s%s", k ? " " : "", st->highlight[i]);
        if (w < 0 || (size_t)w >= cap - k) break; /* a word that does not fit is left out whole */
        k += (size_t)w;
    }
    buf[k] = '\0';
    a->highlight = k ? buf : NULL;
}

void gb_lesson_view_sampling(const gb_lesson_state *st, gb_view_args *a) {
    a->temperature = st->temperature, a->top_k = st->top_k, a->top_p = st->top_p, a->seed = st->seed;
    a->strategy = NULL; /* derived from the settings: temperature 0 is greedy */
    if (st->generate > 0) {
        a->steps = st->generate;
        if (a->max_new < st->generate) a->max_new = st->generate;
    } else if (st->view && strcmp(st->view, "generation") == 0) {
        /* the whole text, as the step's `generate` claims see it (until the end token) */
        a->steps = a->max_new;
    } else {
        a->steps = -1; /* the view's default: distribution shows the first choice */
    }
}

void gb_lesson_view_args(const gb_lesson_state *st, gb_view_args *a, char **tok_path) {
    gb_view_args_defaults(a);
    *tok_path = NULL;
    a->model = st->model;
    a->prompt = st->prompt;
    if (st->layer >= 0) a->layer = st->layer;
    if (st->head >= 0) a->head = st->head;
    gb_lesson_view_sampling(st, a);
    if (st->tokenizer && st->view && strcmp(st->view, "tokenization") == 0) {
        *tok_path = gb_lesson_tokenizer_path(st->tokenizer);
        a->tokenizer = *tok_path;
        a->model = NULL; /* the view shows the lesson's tokenizer, not the model's */
    }
}

bool gb_lesson_sampling_text(const gb_lesson_state *st, char *buf, size_t cap) {
    static const char *const SAMPLING_VIEWS[] = {"distribution", "generation", "compare"};
    bool on = false;
    for (int i = 0; i < 3 && st->view; i++) on |= strcmp(st->view, SAMPLING_VIEWS[i]) == 0;
    if (!on || cap == 0) return false;
    size_t k = 0;
#define ADD(...) (k += (size_t)snprintf(buf + k, k < cap ? cap - k : 0, __VA_ARGS__), k = k < cap ? k : cap - 1)
    if (st->temperature == 0) ADD("greedy");
    else {
        ADD("temperature %g", st->temperature);
        if (st->top_k > 0) ADD(", top-k %d", st->top_k);
        if (st->top_p < 1) ADD(", top-p %g", st->top_p);
        ADD(", seed %llu", (unsigned long long)st->seed);
    }
    if (st->generate > 0) ADD("; %d token%s generated", st->generate, st->generate == 1 ? "" : "s");
#undef ADD
    return true;
}

/* The first generated step whose token is one of the words (label without
 * the visible-space mark and surrounding spaces), else 0. */
static int highlighted_step(const gb_samp *p, const int *path, int n, const gb_lesson_state *st) {
    for (int i = 0; i < n; i++) {
        char lab[96];
        gb_samp_label(p, gb_session_node_at(p->s, path[i])->token, lab, sizeof lab);
        const char *l = lab;
        if (strncmp(l, "\xE2\x90\xA3", 3) == 0) l += 3; /* the open box of a leading space */
        while (*l == ' ') l++;
        for (int k = 0; k < st->n_highlight; k++)
            if (strcasecmp(l, st->highlight[k]) == 0) return i;
    }
    return 0;
}

void gb_lesson_view_shown_step(const gb_view *v, void *self, const gb_shared *sh, const gb_lesson_state *st) {
    if (!v || !self || strcmp(v->name, "generation") != 0) return;
    dist_view *d = self;
    gb_job *job = v->update(self, sh); /* builds the session now (sessions are UI-thread work: no job) */
    if (job) job->run(job), job->finish(job, self), job->free(job);
    if (!d->p.s) return;
    int path[512];
    int n = gb_session_path(d->p.s, gb_session_current_branch(d->p.s), path, 512);
    if (n < 1) return;
    gb_samp_show(&d->p, path[highlighted_step(&d->p, path, n < 512 ? n : 512, st)]);
    gb_samp_refresh(&d->p);
}

/* ---- narrative ---- */

#define HL_OPEN "<span background=\"#FFE08A\" foreground=\"#1A1A1A\">"

/* The highlighted word starting at md[i] (whole words, any case): its index, else -1. */
static int hl_at(const char *md, size_t i, const char *const *words, int n, size_t *len) {
    bool word_before = i > 0 && isalnum((unsigned char)md[i - 1]);
    for (int k = 0; k < n; k++) {
        size_t l = strlen(words[k]);
        if (!l || strncasecmp(md + i, words[k], l) != 0) continue;
        bool a0 = isalnum((unsigned char)words[k][0]), a1 = isalnum((unsigned char)words[k][l - 1]);
        if ((a0 && word_before) || (a1 && isalnum((unsigned char)md[i + l]))) continue;
        *len = l;
        return k;
    }
    return -1;
}

/* Which words occur quoted ("it") or as code: only those occurrences are
 * marked then, so "it" in "it is late" stays plain when the text says "it". */
static void hl_quoted(const char *md, const char *const *words, int n, bool *quoted) {
    bool q = false, code = false;
    for (size_t i = 0; md[i]; i++) {
        if (md[i] == '`') code = !code;
        else if (md[i] == '"' && !code) q = !q;
        size_t l;
        int k = (q || code) ? hl_at(md, i, words, n, &l) : -1;
        if (k >= 0) quoted[k] = true;
    }
}

void gb_lesson_plain(const char *md, char *buf, size_t cap) {
    size_t k = 0;
    for (size_t i = 0; md && md[i] && k + 1 < cap; i++)
        if (md[i] != '`' && md[i] != '*') buf[k++] = md[i];
    if (cap) buf[k] = '\0';
}

/* Does a line start a list item or a quote ("- ", "> ", "12. ", "3) ")? */
static bool list_line(const char *s) {
    if ((s[0] == '-' || s[0] == '>' || s[0] == '*') && s[1] == ' ') return true;
    size_t d = 0;
    while (isdigit((unsigned char)s[d])) d++;
    return d > 0 && (s[d] == '.' || s[d] == ')') && s[d + 1] == ' ';
}

/* Narrative Markdown -> pango markup: **bold**, *italic*, `code`; headings and
 * lists as text; the highlighted words on a yellow ground. Styles may overlap
 * in the Markdown ("**a *b** c*"), but markup tags must nest (pango refuses the
 * whole text otherwise; found by fuzz_lesson): closing a style closes the ones
 * opened after it and opens them again. */
enum { MK_BOLD, MK_ITAL, MK_CODE, MK_HL, MK_N };
static const char *const MK_OPEN[MK_N] = {"<b>", "<i>", "<span font_family=\"DejaVu Sans Mono\">", HL_OPEN};
static const char *const MK_CLOSE[MK_N] = {"</b>", "</i>", "</span>", "</span>"};

typedef struct mk_out {
    char *p;
    size_t k;
    int open[MK_N], n_open; /* styles open, outermost first */
} mk_out;

static void mk_put(mk_out *o, const char *s) {
    size_t n = strlen(s);
    memcpy(o->p + o->k, s, n);
    o->k += n;
}

static bool mk_is_open(const mk_out *o, int style) {
    for (int i = 0; i < o->n_open; i++)
        if (o->open[i] == style) return true;
    return false;
}

static void mk_toggle(mk_out *o, int style) {
    int at = -1;
    for (int i = 0; i < o->n_open; i++)
        if (o->open[i] == style) at = i;
    if (at < 0) {
        mk_put(o, MK_OPEN[style]);
        o->open[o->n_open++] = style;
        return;
    }
    for (int i = o->n_open - 1; i >= at; i--) mk_put(o, MK_CLOSE[o->open[i]]);
    for (int i = at + 1; i < o->n_open; i++) o->open[i - 1] = o->open[i], mk_put(o, MK_OPEN[o->open[i - 1]]);
    o->n_open--;
}

char *gb_lesson_markup_hl(const char *md, const char *const *words, int n_words) {
    /* worst case per input byte: the highlight closes and opens and a style
     * toggles, each closing four styles and opening three (< 300 bytes) */
    size_t n = strlen(md), cap = n * 300 + 128;
    mk_out o = {.p = malloc(cap)};
    if (!o.p) return NULL;
    bool quoted[GB_LESSON_MAX_WORDS] = {0};
    if (n_words > GB_LESSON_MAX_WORDS) n_words = GB_LESSON_MAX_WORDS;
    hl_quoted(md, words, n_words, quoted);
    int q = 0;
    size_t hl_end = 0; /* the open highlight closes here (0: none open) */
    for (size_t i = 0; i < n; i++) {
        char ch = md[i];
        if (hl_end && i >= hl_end) mk_toggle(&o, MK_HL), hl_end = 0;
        bool code = mk_is_open(&o, MK_CODE), ital = mk_is_open(&o, MK_ITAL);
        size_t l;
        int w = hl_end ? -1 : hl_at(md, i, words, n_words, &l);
        if (w >= 0 && (!quoted[w] || q || code)) mk_toggle(&o, MK_HL), hl_end = i + l;
        if (ch == '"' && !code) q = !q;
        if (ch == '`') mk_toggle(&o, MK_CODE);
        else if (!code && ch == '*' && md[i + 1] == '*') mk_toggle(&o, MK_BOLD), i++;
        else if (!code && ch == '*' && (ital || (md[i + 1] && md[i + 1] != ' '))) mk_toggle(&o, MK_ITAL);
        else if (ch == '&') mk_put(&o, "&amp;");
        else if (ch == '<') mk_put(&o, "&lt;");
        else if (ch == '>') mk_put(&o, "&gt;");
        else if (ch == '\n' && md[i + 1] == '\n') {
            mk_put(&o, "\n\n");
            while (md[i + 1] == '\n') i++;
        } else if (ch == '\n') {
            /* keep list items and quoted lines on their own lines; join wrapped prose */
            if (list_line(md + i + 1)) mk_put(&o, "\n");
            else { /* join wrapped prose; a continuation's indent is not text */
                mk_put(&o, " ");
                while (md[i + 1] == ' ') i++;
            }
        } else o.p[o.k++] = ch;
    }
    while (o.n_open) mk_put(&o, MK_CLOSE[o.open[--o.n_open]]);
    o.p[o.k] = '\0';
    return o.p;
}

char *gb_lesson_markup(const char *md) { return gb_lesson_markup_hl(md, NULL, 0); }

double gb_lesson_draw_text_hl(cairo_t *cr, const char *md, const char *const *words, int n_words, double x, double y,
                              double w, double size) {
    char *mk = gb_lesson_markup_hl(md ? md : "", words, n_words);
    if (!mk) return 0;
    gb_font f = {.size = size};
    PangoLayout *pl = gb_text_layout(cr, &f, "");
    pango_layout_set_markup(pl, mk, -1);
    pango_layout_set_width(pl, (int)(w * PANGO_SCALE));
    pango_layout_set_wrap(pl, PANGO_WRAP_WORD_CHAR);
    int lw, lh;
    pango_layout_get_size(pl, &lw, &lh);
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, pl);
    g_object_unref(pl);
    free(mk);
    return (double)lh / PANGO_SCALE;
}

double gb_lesson_draw_text(cairo_t *cr, const char *md, double x, double y, double w, double size) {
    return gb_lesson_draw_text_hl(cr, md, NULL, 0, x, y, w, size);
}

/* Does the word occur in the text (as the narrative marks it)? */
static bool hl_in_text(const char *md, const char *word) {
    const char *const one[1] = {word};
    size_t l;
    for (size_t i = 0; md && md[i]; i++)
        if (hl_at(md, i, one, 1, &l) >= 0) return true;
    return false;
}

/* "Look at: w1 w2": the highlighted words the text does not contain, marked. */
double gb_lesson_draw_highlights(cairo_t *cr, const gb_lesson_state *st, const char *text, double x, double y,
                                 double w, double size) {
    char md[1024] = "Look at:";
    size_t k = strlen(md);
    int n = 0;
    for (int i = 0; i < st->n_highlight && k + 80 < sizeof md; i++)
        if (!hl_in_text(text, st->highlight[i]))
            k += (size_t)snprintf(md + k, sizeof md - k, " \xC2\xA0%s\xC2\xA0", st->highlight[i]), n++;
    if (n == 0) return 0;
    return gb_lesson_draw_text_hl(cr, md, (const char *const *)st->highlight, st->n_highlight, x, y, w, size);
}
