/* lesson_player_args.c - a lesson step's state as the arguments of a view, and
 * its narrative as pango markup (shared by the player and the handout). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson_player.h"
#include "text.h"

void gb_lesson_view_select(gb_lesson_checker *c, const gb_lesson_state *st, gb_view_args *a, char *pick,
                           size_t cap) {
    if (!c || !st->view) return;
    if (strcmp(st->view, "attention") == 0) gb_lesson_select_positions(c, st, &a->query, &a->key);
    if (strcmp(st->view, "translation") == 0 && st->n_select >= 2) gb_view_translation_select(st->model, st->prompt, st->select[0], st->select[1], &a->query, &a->key);
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

/* Narrative Markdown -> pango markup: **bold**, *italic*, `code`; headings and lists as text. */
char *gb_lesson_markup(const char *md) {
    size_t n = strlen(md), cap = n * 40 + 64, k = 0; /* room for a <span> per character */
    char *out = malloc(cap);
    if (!out) return NULL;
    int bold = 0, ital = 0, code = 0;
#define PUT(s) (memcpy(out + k, s, strlen(s)), k += strlen(s))
    for (size_t i = 0; i < n; i++) {
        char ch = md[i];
        if (k + 16 >= cap) break;
        if (ch == '`') PUT(code ? "</span>" : "<span font_family=\"DejaVu Sans Mono\">"), code = !code;
        else if (!code && ch == '*' && md[i + 1] == '*') PUT(bold ? "</b>" : "<b>"), bold = !bold, i++;
        else if (!code && ch == '*' && (ital || (md[i + 1] && md[i + 1] != ' '))) PUT(ital ? "</i>" : "<i>"), ital = !ital;
        else if (ch == '&') PUT("&amp;");
        else if (ch == '<') PUT("&lt;");
        else if (ch == '>') PUT("&gt;");
        else if (ch == '\n' && md[i + 1] == '\n') {
            PUT("\n\n");
            while (md[i + 1] == '\n') i++;
        } else if (ch == '\n') {
            /* keep list items and quoted lines on their own lines; join wrapped prose */
            char nx = md[i + 1];
            PUT((nx == '-' || nx == '>' || (nx >= '0' && nx <= '9')) ? "\n" : " ");
        } else out[k++] = ch;
    }
    if (code) PUT("</span>");
    if (ital) PUT("</i>");
    if (bold) PUT("</b>");
#undef PUT
    out[k] = '\0';
    return out;
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
