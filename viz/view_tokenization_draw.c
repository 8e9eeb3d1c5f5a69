/* view_tokenization_draw.c - the tokenization view's chips, layout, drawing
 * and events (see view_tokenization.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view_tokenization_int.h"

/* ---- chips of each stage ---- */

typedef struct chipset {
    gb_chip *c;
    char (*lab)[96];
    bool *mk;          /* [n] the chip covers a --highlight word */
    bool *mask;        /* [text_len] bytes of the text in a highlighted word, or NULL */
    size_t mask_n;
    int n;
} chipset;

static void chipset_free(chipset *cs) {
    free(cs->c);
    free(cs->lab);
    free(cs->mk);
    free(cs->mask);
    memset(cs, 0, sizeof *cs);
}

/* Room for n chips of a record's text; the bytes of the view's highlighted words found. */
static bool chipset_alloc(chipset *cs, int n, const tok_view *v, const gb_tok_record *rec) {
    memset(cs, 0, sizeof *cs);
    cs->c = calloc((size_t)(n > 0 ? n : 1), sizeof *cs->c);
    cs->lab = calloc((size_t)(n > 0 ? n : 1), sizeof *cs->lab);
    cs->mk = calloc((size_t)(n > 0 ? n : 1), sizeof *cs->mk);
    if (v->hl.n > 0 && rec->text_len > 0 && (cs->mask = malloc(rec->text_len)))
        cs->mask_n = rec->text_len, gb_hl_text_mask(&v->hl, rec->text, rec->text_len, cs->mask);
    if (!cs->c || !cs->lab || !cs->mk) {
        chipset_free(cs);
        return false;
    }
    return true;
}

/* Text of a symbol: its bytes of the normalized text, or the vocabulary label
 * for tokens that cover no text (<s>) and for final tokens (<unk>). */
static void put_chip(chipset *cs, const gb_tok_record *rec, const gb_tokenizer *t, size_t start, size_t len,
                     int id, int color, bool label) {
    gb_chip *c = &cs->c[cs->n];
    char *lab = cs->lab[cs->n];
    if (!label && len > 0) gb_text_sanitize(rec->text + start, len, lab, sizeof cs->lab[0], GB_TEXT_SHOW_SPACE);
    else if (t && id >= 0) gb_tokenizer_label(t, id, lab, sizeof cs->lab[0]);
    else gb_tok_escape(rec->text + start, len, lab, sizeof cs->lab[0]);
    *c = (gb_chip){lab, strlen(lab), id, color, false};
    cs->mk[cs->n] = gb_hl_in_mask(cs->mask, cs->mask_n, start, len);
    cs->n++;
}

static bool chunk_chips(const tok_view *v, chipset *cs) {
    const tok_result *r = tok_cur(v);
    if (!r || !r->rec || !chipset_alloc(cs, r->rec->n_chunks, v, r->rec)) return false;
    for (int i = 0; i < r->rec->n_chunks; i++) {
        const gb_tok_chunk *ch = &r->rec->chunks[i];
        put_chip(cs, r->rec, tok_cur_tok(v), ch->start, ch->len, -1, i % 8, false);
    }
    return true;
}

/* Index of the final token a symbol ends up in (so that a symbol has the
 * colour of its token in panel 3 and the merges can be seen filling it). */
static int final_token_of(const gb_tok_record *rec, const gb_tok_symbol *sym) {
    for (int k = 0; k < rec->n_tokens; k++) {
        const gb_tok_token *t = &rec->tokens[k];
        if (sym->len == 0 ? (t->len == 0 && t->id == sym->id) : (sym->start >= t->start && sym->start < t->start + t->len))
            return k;
    }
    return 0;
}

/* The symbols after `step` merges, chunk after chunk; the symbol made by the
 * last merge applied is selected; each has the colour of the token it ends up in. */
static bool replay_chips(const tok_view *v, int step, chipset *cs) {
    const tok_result *r = tok_cur(v);
    if (!r || !r->rec) return false;
    const gb_tok_record *rec = r->rec;
    if (!chipset_alloc(cs, rec->n_symbols + 1, v, rec)) return false;
    gb_tok_symbol *buf = malloc((size_t)(rec->n_symbols + 1) * sizeof *buf);
    if (!buf) return chipset_free(cs), false;
    const gb_tok_merge *last = step > 0 ? &rec->merges[step - 1] : NULL;
    for (int c = 0; c < rec->n_chunks; c++) {
        const gb_tok_chunk *ch = &rec->chunks[c];
        int k = step - ch->first_merge;
        k = k < 0 ? 0 : k > ch->n_merges ? ch->n_merges : k;
        int n = gb_tok_record_replay(rec, c, k, buf, rec->n_symbols + 1);
        for (int s = 0; s < n && cs->n < rec->n_symbols + 1; s++) {
            put_chip(cs, rec, tok_cur_tok(v), buf[s].start, buf[s].len, buf[s].id, final_token_of(rec, &buf[s]) % 8, false);
            cs->c[cs->n - 1].selected = last && last->chunk == c && last->pos == s;
        }
    }
    free(buf);
    return true;
}

static bool final_chips(const tok_view *v, int sel, bool ids, chipset *cs) {
    const tok_result *r = &v->res[sel];
    if (!r->rec || !chipset_alloc(cs, r->rec->n_tokens, v, r->rec)) return false;
    const gb_tokenizer *t = r->built ? r->built : v->cat.c[sel].tok;
    for (int i = 0; i < r->rec->n_tokens; i++) {
        const gb_tok_token *tk = &r->rec->tokens[i];
        put_chip(cs, r->rec, t, tk->start, tk->len, tk->id, i % 8, true);
        if (!ids) cs->c[i].id = -1;
    }
    return true;
}

/* ---- layout ---- */

typedef struct tok_geom {
    gb_rect controls, text, replay, final, compare;
} tok_geom;

static double chips_h(const chipset *cs, double w, const gb_theme *t) {
    if (!cs->n) return t->font * 2;
    return gb_chips_layout(cs->c, cs->n, (gb_rect){0, 0, w, 1e9}, t, NULL);
}

/* What the geometry depends on: it measures every chip, so it is kept until
 * one of these changes (the draw function and the hover hit test reuse it). */
typedef struct geom_key {
    double w, h;
    int step, sel, results;
    const gb_theme *theme;
    bool interactive;
} geom_key;

_Static_assert(sizeof(geom_key) <= sizeof(((tok_view *)0)->geom_key), "geometry key fits its cache");
_Static_assert(sizeof(tok_geom) == sizeof(((tok_view *)0)->geom_rects), "geometry fits its cache");

static void geometry_uncached(const tok_view *v, double w, double h, const gb_shared *sh, tok_geom *g);

static void geometry(const tok_view *v, double w, double h, const gb_shared *sh, tok_geom *g) {
    tok_view *mv = (tok_view *)v; /* a cache of derived values, not state */
    geom_key k;
    memset(&k, 0, sizeof k); /* padding too: the key is compared bytewise */
    k.w = w, k.h = h, k.step = tok_cur_step(v), k.sel = v->sel, k.results = v->results_gen;
    k.theme = sh->theme, k.interactive = sh->interactive;
    if (v->geom_valid && memcmp(&k, v->geom_key, sizeof k) == 0) {
        memcpy(g, v->geom_rects, sizeof *g);
        return;
    }
    geometry_uncached(v, w, h, sh, g);
    memcpy(mv->geom_key, &k, sizeof k);
    memcpy(mv->geom_rects, g, sizeof *g);
    mv->geom_valid = true;
}

/* Panels stacked: each chip panel as tall as its chips (at most a share of the
 * room), the comparison gets what is left. */
static void geometry_uncached(const tok_view *v, double w, double h, const gb_shared *sh, tok_geom *g) {
    const gb_theme *t = sh->theme;
    memset(g, 0, sizeof *g);
    gb_rect r = gb_view_body(w, h, t);
    if (r.w < 1 || r.h < 1) return;
    if (sh->interactive) g->controls = gb_rect_cut_top(&r, gb_widget_height(t), t->gap);
    double inner = r.w - 2 * t->pad, head = gb_panel_header_h("x", t) + 2 * t->pad;
    chipset a = {0}, b = {0}, c = {0};
    chunk_chips(v, &a);
    replay_chips(v, tok_cur_step(v), &b);
    final_chips(v, v->sel < v->cat.n ? v->sel : 0, true, &c);
    double line = t->font * 1.6, row = chips_h(&(chipset){.c = a.c, .lab = a.lab, .n = a.n ? 1 : 0}, inner, t);
    double need[3] = {head + line + t->pad + chips_h(&a, inner, t), head + chips_h(&b, inner, t),
                      head + chips_h(&c, inner, t)};
    double least[3] = {head + line + t->pad + row, head + row, head + row}; /* a title and one row of chips */
    chipset_free(&a), chipset_free(&b), chipset_free(&c);
    /* the first three panels get what they need; if that is too much, each
     * keeps its title and a row, and the rest of the room is shared out in
     * proportion to what they miss. The comparison gets what is left. */
    double avail = r.h - 3 * t->gap, sum_need = need[0] + need[1] + need[2];
    double sum_least = least[0] + least[1] + least[2], hgt[3];
    for (int i = 0; i < 3; i++) {
        if (sum_need <= avail) hgt[i] = need[i];
        else if (sum_least >= avail) hgt[i] = least[i] * fmax(0, avail) / sum_least;
        else hgt[i] = least[i] + (need[i] - least[i]) * (avail - sum_least) / (sum_need - sum_least);
    }
    g->text = gb_rect_cut_top(&r, fmax(0, hgt[0]), t->gap);
    g->replay = gb_rect_cut_top(&r, fmax(0, hgt[1]), t->gap);
    g->final = gb_rect_cut_top(&r, fmax(0, hgt[2]), t->gap);
    g->compare = r; /* as tall as its rows, no taller */
    g->compare.h = fmin(r.h, head + fmax(1, v->cat.n) * t->font * 2.9);
}

void tok_layout(void *self, double w, double h, const gb_shared *sh) {
    tok_view *v = self;
    v->w = w, v->h = h;
    v->ui.theme = sh->theme;
    tok_geom g;
    geometry(v, w, h, sh, &g);
    gb_rect c = g.controls;
    const gb_theme *t = sh->theme;
    double bw = t->font * 6.5;
    v->tok_dd.r = gb_rect_cut_left(&c, fmin(c.w * 0.34, t->font * 26), t->gap * 2);
    v->prev_b.r = gb_rect_cut_left(&c, bw, t->gap);
    v->all_b.r = gb_rect_cut_right(&c, bw + t->font, t->gap);
    v->next_b.r = gb_rect_cut_right(&c, bw, t->gap);
    v->step_s.r = c;
    gb_widget *ws[5] = {&v->tok_dd, &v->prev_b, &v->step_s, &v->next_b, &v->all_b};
    for (int i = 0; i < 5; i++) ws[i]->hidden = !sh->interactive;
}

/* ---- drawing ---- */

/* Chips in r, whole rows only: a row that would be cut by the bottom of the
 * panel is left out (the panel's title gives the count). */
static void draw_rows(cairo_t *cr, gb_rect r, const gb_chip *c, const bool *mk, int n, const gb_theme *t) {
    gb_rect *rects = n > 0 ? malloc((size_t)n * sizeof *rects) : NULL;
    if (!rects) return;
    gb_chips_layout(c, n, r, t, rects);
    int shown = 0;
    double bottom = r.y;
    while (shown < n && rects[shown].y + rects[shown].h <= r.y + r.h + 0.5)
        bottom = fmax(bottom, rects[shown].y + rects[shown].h), shown++;
    free(rects);
    if (shown == 0) shown = n, bottom = r.y + r.h; /* not even one row fits: cut it */
    gb_draw_chips_hl(cr, (gb_rect){r.x, r.y, r.w, bottom - r.y}, c, shown, mk, t);
}


static void describe_merge(const tok_view *v, const gb_tok_merge *m, char *buf, size_t cap) {
    const tok_result *r = tok_cur(v);
    const gb_tokenizer *t = tok_cur_tok(v);
    char a[64], b[64], c[64];
    gb_view_token_label(t, m->left, a, sizeof a);
    gb_view_token_label(t, m->right, b, sizeof b);
    gb_view_token_label(t, m->result, c, sizeof c);
    if (r->rec->kind == GB_TOK_LLAMA)
        snprintf(buf, cap, "%s + %s \xE2\x86\x92 %s  (score %.2f: the highest-scoring pair goes first)", a, b, c, m->score);
    else
        snprintf(buf, cap, "%s + %s \xE2\x86\x92 %s  (rule %d of the merge list: the earliest rule goes first)", a, b, c,
                 m->rank + 1);
}

static void draw_text_panel(cairo_t *cr, gb_rect r, const tok_view *v, const gb_theme *t) {
    const tok_result *res = tok_cur(v);
    const gb_tok_record *rec = res->rec;
    char title[96], sub[200];
    snprintf(title, sizeof title, "1. The text, cut into %d pre-token chunk%s", rec->n_chunks, rec->n_chunks == 1 ? "" : "s");
    const char *how = rec->kind == GB_TOK_GPT2 ? "GPT-2's pattern splits words, numbers and punctuation; merges never cross a chunk"
                      : rec->kind == GB_TOK_LLAMA ? "llama2.c adds a space in front and merges over the whole text at once"
                      : rec->kind == GB_TOK_WORD ? "one chunk per word or punctuation mark; spaces are dropped"
                                                 : "one chunk: the text is split into characters";
    snprintf(sub, sizeof sub, "%zu bytes. %s", rec->text_len, how);
    gb_rect in = gb_draw_panel(cr, r, title, sub, t);
    gb_font fb = gb_font_body(t);
    char *clean = malloc(rec->text_len * 4 + 8);
    if (clean) {
        gb_text_sanitize(rec->text, rec->text_len, clean, rec->text_len * 4 + 8, 0);
        gb_set_rgb(cr, t->fg);
        gb_text_draw(cr, &fb, clean, in.x, in.y, GB_LEFT, GB_TOP, in.w);
        free(clean);
    }
    gb_rect_cut_top(&in, t->font * 1.6, t->pad);
    chipset cs;
    if (chunk_chips(v, &cs)) draw_rows(cr, in, cs.c, cs.mk, cs.n, t);
    chipset_free(&cs);
}

/* When the chips do not all fit in r, the first chip to draw so that the
 * selected one (the last merge) is on the last row shown: rows scroll. */
static int first_shown(const chipset *cs, gb_rect r, const gb_theme *t) {
    int sel = -1;
    for (int i = 0; i < cs->n; i++)
        if (cs->c[i].selected) sel = i;
    if (sel < 0) return 0;
    gb_rect *rects = malloc((size_t)cs->n * sizeof *rects);
    if (!rects) return 0;
    gb_chips_layout(cs->c, cs->n, (gb_rect){r.x, 0, r.w, 1e9}, t, rects);
    int first = 0;
    double bottom = rects[sel].y + rects[sel].h;
    if (bottom > r.h) /* the first chip of the row that is then at the top */
        while (first < sel && rects[first].y < bottom - r.h) first++;
    free(rects);
    return first;
}

static void draw_replay_panel(cairo_t *cr, gb_rect r, const tok_view *v, const gb_theme *t) {
    const gb_tok_record *rec = tok_cur(v)->rec;
    int step = tok_cur_step(v), m = rec->n_merges;
    char title[96], sub[300];
    if (m == 0) {
        snprintf(title, sizeof title, "2. Merges: none");
        snprintf(sub, sizeof sub, "this tokenizer does not merge: its starting symbols (%s) are the tokens%s",
                 rec->kind == GB_TOK_WORD ? "words" : rec->kind == GB_TOK_CHAR ? "characters" : "symbols",
                 rec->kind == GB_TOK_WORD ? "; a word outside the vocabulary (no id) becomes <unk>" : "");
    } else {
        snprintf(title, sizeof title, "2. Merge replay: step %d of %d", step, m);
        if (step == 0) snprintf(sub, sizeof sub, "the starting symbols: one per %s; next: ",
                                rec->kind == GB_TOK_GPT2 ? "byte" : "character");
        else snprintf(sub, sizeof sub, "merge %d: ", step);
        describe_merge(v, &rec->merges[step > 0 ? step - 1 : 0], sub + strlen(sub), sizeof sub - strlen(sub));
        if (step == m) snprintf(sub + strlen(sub), sizeof sub - strlen(sub), "; no pair left to merge");
    }
    gb_rect in = gb_draw_panel(cr, r, title, sub, t);
    chipset cs;
    if (replay_chips(v, step, &cs)) {
        int first = first_shown(&cs, in, t);
        draw_rows(cr, in, cs.c + first, cs.mk + first, cs.n - first, t);
    }
    chipset_free(&cs);
}

static void draw_final_panel(cairo_t *cr, gb_rect r, const tok_view *v, const gb_theme *t, chipset *cs) {
    char title[96];
    snprintf(title, sizeof title, "3. The tokens the model reads: %d", cs->n);
    gb_rect in = gb_draw_panel(cr, r, title, "each chip: the token's text over its id in the vocabulary (\xE2\x90\xA3 is a space)", t);
    draw_rows(cr, in, cs->c, cs->mk, cs->n, t);
    (void)v;
}

static void draw_compare_panel(cairo_t *cr, gb_rect r, const tok_view *v, const gb_theme *t) {
    gb_rect in = gb_draw_panel(cr, r, "4. The same text, other tokenizers",
                               "fewer tokens means a shorter input for the model, but a larger vocabulary", t);
    gb_font fb = gb_font_body(t), fs = gb_font_small(t);
    double row = t->font * 2.9, name_w = fmin(in.w * 0.3, t->font * 19);
    for (int i = 0; i < v->cat.n && in.h >= row * 0.8; i++) {
        gb_rect rr = gb_rect_cut_top(&in, row, 0);
        if (i == v->sel) {
            gb_set_rgba(cr, t->accent, 0.10);
            cairo_rectangle(cr, rr.x - 4, rr.y, rr.w + 8, rr.h - 3);
            cairo_fill(cr);
        }
        const tok_result *res = &v->res[i];
        char cnt[64];
        if (res->rec) snprintf(cnt, sizeof cnt, "%d token%s", res->n, res->n == 1 ? "" : "s");
        else snprintf(cnt, sizeof cnt, "not available");
        gb_set_rgb(cr, t->fg);
        fb.bold = i == v->sel;
        gb_text_draw(cr, &fb, v->items[i] ? v->items[i] : v->cat.c[i].name, rr.x, rr.y + 2, GB_LEFT, GB_TOP, name_w - t->pad);
        gb_set_rgb(cr, res->rec ? t->fg : t->fg_dim);
        fs.bold = true;
        gb_text_draw(cr, &fs, cnt, rr.x, rr.y + t->font * 1.45, GB_LEFT, GB_TOP, name_w - t->pad);
        gb_rect chips = {rr.x + name_w, rr.y + 2, rr.w - name_w, rr.h - 6};
        chipset cs;
        if (res->rec && final_chips(v, i, false, &cs)) {
            gb_rect one;
            gb_chips_layout(cs.c, 1, chips, t, &one);
            chips.h = one.h; /* one row of chips: the rest is not drawn */
            int fit = (int)(chips.w / (t->font * 1.4)) + 1; /* more than one row can hold: not even measured */
            gb_draw_chips_hl(cr, chips, cs.c, cs.n < fit ? cs.n : fit, cs.mk, t);
            chipset_free(&cs);
        } else {
            gb_set_rgb(cr, t->fg_dim);
            fs.bold = false;
            gb_text_draw(cr, &fs, res->error[0] ? res->error : "not loaded", chips.x, chips.y + row / 2 - 4,
                         GB_LEFT, GB_MIDDLE, chips.w);
        }
    }
}

/* "id 291, bytes 20 54 68 65" under the pointer. */
static void draw_hover(cairo_t *cr, const tok_view *v, const gb_theme *t) {
    const tok_result *r = tok_cur(v);
    if (v->hover < 0 || !r || !r->rec || v->hover >= r->rec->n_tokens) return;
    const gb_tok_token *tk = &r->rec->tokens[v->hover];
    char lab[96], buf[400];
    gb_view_token_label(tok_cur_tok(v), tk->id, lab, sizeof lab);
    int k = snprintf(buf, sizeof buf, "token %d: %s   id %d   bytes", v->hover + 1, lab, tk->id);
    if (tk->len == 0) k += snprintf(buf + k, sizeof buf - (size_t)k, " (none: a special token)");
    for (size_t i = 0; i < tk->len && i < 24 && k < (int)sizeof buf - 8; i++)
        k += snprintf(buf + k, sizeof buf - (size_t)k, " %02X", (unsigned char)r->rec->text[tk->start + i]);
    gb_font fs = gb_font_body(t);
    double tw, th;
    gb_text_size(cr, &fs, buf, &tw, &th);
    double x = fmin(v->hover_x + 14, v->w - tw - 2 * t->pad - 4), y = v->hover_y + 18;
    if (y + th + 2 * t->pad > v->h) y = v->hover_y - th - 2 * t->pad - 8;
    gb_rect box = {fmax(2, x), y, tw + 2 * t->pad, th + t->pad};
    gb_rounded_rect(cr, box, t->radius);
    gb_set_rgb(cr, t->tooltip_bg);
    cairo_fill(cr);
    gb_set_rgb(cr, t->tooltip_fg);
    gb_text_draw(cr, &fs, buf, box.x + t->pad, box.y + t->pad / 2, GB_LEFT, GB_TOP, 0);
}

void tok_draw(cairo_t *cr, double w, double h, const void *self, const gb_shared *sh) {
    const tok_view *v = self;
    const gb_theme *t = sh->theme;
    gb_set_rgb(cr, t->bg);
    cairo_paint(cr);
    const tok_result *r = tok_cur(v);
    const gb_tokenizer *tk = tok_cur_tok(v);
    char sub[400] = "";
    if (r && r->rec && tk) {
        int k = snprintf(sub, sizeof sub, "%s: a %s tokenizer with %d tokens in its vocabulary.", v->cat.c[v->sel].name,
                         gb_tok_kind_name(gb_tokenizer_kind(tk)), gb_tokenizer_vocab_size(tk));
        if (sh->model && r->n > sh->model->cfg.max_seq && k > 0 && k < (int)sizeof sub)
            snprintf(sub + k, sizeof sub - (size_t)k, "  Too long for the model: %d tokens, it reads at most %d.", r->n,
                     sh->model->cfg.max_seq);
    }
    gb_view_header(cr, w, h, "Tokenization: from text to token ids", sub, t);
    if (!v->computed || !r) {
        gb_view_message(cr, (gb_rect){0, 0, w, h}, sh->busy ? "Tokenizing\xE2\x80\xA6" : "Nothing tokenized yet", t);
        return;
    }
    if (!v->c_prompt || !v->c_prompt[0]) {
        gb_view_message(cr, (gb_rect){0, 0, w, h}, v->ids_given ? "The input was given as token ids (--ids): there is no text to tokenize."
                                                                 : "No text to tokenize: type a prompt (Ctrl+L).", t);
        return;
    }
    tok_geom g;
    geometry(v, w, h, sh, &g);
    if (!r->rec) {
        char msg[400];
        snprintf(msg, sizeof msg, "%s cannot tokenize this text: %s", v->cat.c[v->sel].name, r->error);
        gb_view_message(cr, (gb_rect){0, g.text.y, w, fmax(0, h - g.text.y)}, msg, t);
    } else if (g.text.h > 10) {
        draw_text_panel(cr, g.text, v, t);
        if (g.replay.h > 10) draw_replay_panel(cr, g.replay, v, t);
        chipset cs;
        if (g.final.h > 10 && final_chips(v, v->sel, true, &cs)) {
            draw_final_panel(cr, g.final, v, t, &cs);
            chipset_free(&cs);
        }
    }
    if (g.compare.h > 40) draw_compare_panel(cr, g.compare, v, t);
    if (sh->interactive) {
        gb_ui_draw(cr, &v->ui);
        draw_hover(cr, v, t);
    }
}

/* ---- events ---- */

static bool set_step(tok_view *v, int s) {
    int m = tok_n_merges(v);
    s = s < 0 ? 0 : s > m ? m : s;
    if (s == tok_cur_step(v)) return false;
    v->step = s;
    gb_slider_set(&v->step_s, s);
    v->step_s.changed = false;
    return true;
}

static bool select_tok(tok_view *v, int i) {
    if (v->cat.n == 0) return false;
    i = ((i % v->cat.n) + v->cat.n) % v->cat.n;
    if (i == v->sel) return false;
    v->sel = i;
    v->step = -1;
    v->hover = -1;
    tok_refresh_items(v);
    return true;
}

int tok_highlighted(const void *self, int *out, int cap) {
    const tok_view *v = self;
    chipset cs;
    int k = 0;
    if (v->hl.n == 0 || !final_chips(v, v->sel, true, &cs)) return 0;
    for (int i = 0; i < cs.n && k < cap; i++)
        if (cs.mk[i]) out[k++] = i;
    chipset_free(&cs);
    return k;
}

static int hit_final(const tok_view *v, const gb_shared *sh, double x, double y) {
    tok_geom g;
    geometry(v, v->w, v->h, sh, &g);
    if (!gb_rect_contains(g.final, x, y)) return -1;
    chipset cs;
    if (!final_chips(v, v->sel, true, &cs)) return -1;
    gb_rect in = gb_rect_inset(g.final, sh->theme->pad);
    gb_rect_cut_top(&in, gb_panel_header_h("x", sh->theme) - sh->theme->pad, sh->theme->pad);
    gb_rect *rects = calloc((size_t)(cs.n + 1), sizeof *rects);
    int hit = -1;
    if (rects) {
        gb_chips_layout(cs.c, cs.n, in, sh->theme, rects);
        for (int i = 0; i < cs.n; i++)
            if (gb_rect_contains(rects[i], x, y) && rects[i].y < in.y + in.h) hit = i;
        free(rects);
    }
    chipset_free(&cs);
    return hit;
}

bool tok_event(void *self, const gb_event *ev, const gb_shared *sh) {
    tok_view *v = self;
    if (gb_ui_event(&v->ui, ev)) {
        if (v->tok_dd.changed) select_tok(v, v->tok_dd.selected);
        if (v->prev_b.clicked) set_step(v, tok_cur_step(v) - 1);
        if (v->next_b.clicked) set_step(v, tok_cur_step(v) + 1);
        if (v->all_b.clicked) set_step(v, tok_n_merges(v));
        if (v->step_s.changed) v->step = (int)v->step_s.value;
        v->tok_dd.changed = v->prev_b.clicked = v->next_b.clicked = v->all_b.clicked = v->step_s.changed = false;
        return true;
    }
    if (ev->type == GB_EV_MOUSE_MOVE) {
        int hv = hit_final(v, sh, ev->x, ev->y);
        bool changed = hv != v->hover || (hv >= 0 && (ev->x != v->hover_x || ev->y != v->hover_y));
        v->hover = hv, v->hover_x = ev->x, v->hover_y = ev->y;
        return changed;
    }
    if (ev->type == GB_EV_LEAVE) {
        bool had = v->hover >= 0;
        v->hover = -1;
        return had;
    }
    if (ev->type != GB_EV_KEY) return false;
    if (ev->key == GB_KEY_LEFT) return set_step(v, tok_cur_step(v) - 1);
    if (ev->key == GB_KEY_RIGHT || ev->key == GB_KEY_SPACE) return set_step(v, tok_cur_step(v) + 1);
    if (ev->key == GB_KEY_HOME) return set_step(v, 0);
    if (ev->key == GB_KEY_END) return set_step(v, tok_n_merges(v));
    if (ev->key == GB_KEY_CHAR && ev->ch == 't' && !(ev->mods & GB_MOD_CTRL))
        return select_tok(v, v->sel + (ev->mods & GB_MOD_SHIFT ? -1 : 1));
    return false;
}

