/* lesson_player_args.c - a lesson step's state as the arguments of a view, and
 * its narrative as pango markup (shared by the player and the handout). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson_player.h"
#include "text.h"

void gb_lesson_view_select(gb_lesson_checker *c, const gb_lesson_state *st, gb_view_args *a, char *pick,
                           size_t cap) {
    if (!c || !st->view) return;
    if (strcmp(st->view, "attention") == 0) gb_lesson_select_positions(c, st, &a->query, &a->key);
    int ids[2], n = strcmp(st->view, "embeddings") == 0 ? gb_lesson_select_ids(c, st, ids, 2) : 0;
    if (n > 0 && cap > 0) {
        if (n == 1) snprintf(pick, cap, "%d", ids[0]);
        else snprintf(pick, cap, "%d,%d", ids[0], ids[1]);
        a->pick = pick;
    }
}

void gb_lesson_view_args(const gb_lesson_state *st, gb_view_args *a, char **tok_path) {
    gb_view_args_defaults(a);
    *tok_path = NULL;
    a->model = st->model;
    a->prompt = st->prompt;
    if (st->layer >= 0) a->layer = st->layer;
    if (st->head >= 0) a->head = st->head;
    if (st->tokenizer && st->view && strcmp(st->view, "tokenization") == 0) {
        *tok_path = gb_lesson_tokenizer_path(st->tokenizer);
        a->tokenizer = *tok_path;
        a->model = NULL; /* the view shows the lesson's tokenizer, not the model's */
    }
}

/* Narrative Markdown -> pango markup: **bold**, *italic*, `code`; headings and lists as text.
 * Styles may overlap in the Markdown ("**a *b** c*"), but markup tags must nest:
 * closing a style closes the ones opened after it and opens them again. */
enum { MK_BOLD, MK_ITAL, MK_CODE };
static const char *const MK_OPEN[3] = {"<b>", "<i>", "<span font_family=\"DejaVu Sans Mono\">"};
static const char *const MK_CLOSE[3] = {"</b>", "</i>", "</span>"};

typedef struct mk_out {
    char *p;
    size_t k;
    int open[3], n_open; /* styles open, outermost first */
} mk_out;

static void mk_put(mk_out *o, const char *s) {
    size_t n = strlen(s);
    memcpy(o->p + o->k, s, n);
    o->k += n;
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

static bool mk_is_open(const mk_out *o, int style) {
    for (int i = 0; i < o->n_open; i++)
        if (o->open[i] == style) return true;
    return false;
}

char *gb_lesson_markup(const char *md) {
    /* worst case per input byte: a toggle closes three styles and opens two (< 80 bytes) */
    size_t n = strlen(md), cap = n * 80 + 64;
    mk_out o = {.p = malloc(cap)};
    if (!o.p) return NULL;
    for (size_t i = 0; i < n; i++) {
        char ch = md[i];
        bool code = mk_is_open(&o, MK_CODE), ital = mk_is_open(&o, MK_ITAL);
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
            char nx = md[i + 1];
            mk_put(&o, (nx == '-' || nx == '>' || (nx >= '0' && nx <= '9')) ? "\n" : " ");
        } else o.p[o.k++] = ch;
    }
    while (o.n_open) mk_put(&o, MK_CLOSE[o.open[--o.n_open]]);
    o.p[o.k] = '\0';
    return o.p;
}

double gb_lesson_draw_text(cairo_t *cr, const char *md, double x, double y, double w, double size) {
    char *mk = gb_lesson_markup(md ? md : "");
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
