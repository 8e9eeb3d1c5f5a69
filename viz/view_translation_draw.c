/* view_translation_draw.c - drawing the translation view (state in
 * view_translation.c): the two sentences, the alignment heatmap, the lines
 * between French and English words, and the candidates of the newest step. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view_translation.h"

#define LQ "\xE2\x80\x9C"
#define RQ "\xE2\x80\x9D"

static const char HEAT_TITLE[] = "Cross-attention";

gb_rect tr_heat_area(gb_rect panel, const gb_theme *t) {
    gb_rect in = gb_rect_inset(panel, t->pad);
    gb_rect_cut_top(&in, gb_panel_header_h("x", t) - t->pad, t->pad);
    return in;
}

/* All the steps' rows, the ones not written yet hatched and unlabelled, so
 * the matrix keeps its shape while the translation grows. */
void tr_focus(const tr_view *v, int *row, int *col, int *line) {
    int rows = tr_shown(v) - 1;
    bool sel = v->sel_r >= 0 && v->sel_r < rows && v->sel_c >= 0 && v->have && v->sel_c < v->t.n_src;
    bool hover = v->hover_r >= 0 || v->hover_line >= 0;
    *row = v->hover_r >= 0 ? v->hover_r : !hover && sel ? v->sel_r : -1;
    *col = v->hover_r >= 0 ? v->hover_c : !hover && sel ? v->sel_c : -1;
    *line = v->hover_line >= 0 ? v->hover_line : !hover && sel ? v->sel_r : -1;
}

gb_heatmap tr_heatmap(const tr_view *v) {
    gb_heatmap hm = {
        .values = tr_matrix(v), .rows = v->have ? v->t.n_steps : 0, .cols = v->have ? v->t.n_src : 0,
        .mask = tr_shown(v) - 1 < v->t.n_steps ? v->mask : NULL, .row_labels = v->row_p, .col_labels = v->col_p,
        .row_axis = "target (English): the word written", .col_axis = "source (French)",
        .legend = {GB_SCALE_VIRIDIS, 0, 1, "attention weight"}, .show_legend = true,
        .hover_row = v->hover_r, .hover_col = v->hover_c, .show_values = true,
    };
    return hm;
}

void tr_lines_geometry(const tr_view *v, gb_rect panel, const gb_theme *t, tr_lines_geom *g) {
    memset(g, 0, sizeof *g);
    g->area = tr_heat_area(panel, t);
    double lh = t->font * 1.4;
    int ns = v->have && v->t.n_src > 0 ? v->t.n_src : 1, nt = v->have && v->t.n_steps > 0 ? v->t.n_steps : 1;
    g->y_src = g->area.y + 2 * lh + 6;
    g->y_tgt = g->area.y + g->area.h - 2 * lh - 6;
    g->dx_src = g->area.w / ns, g->x_src0 = g->area.x + g->dx_src / 2;
    /* English words keep their places as the translation grows */
    g->dx_tgt = g->area.w / nt, g->x_tgt0 = g->area.x + g->dx_tgt / 2;
}

/* One row of words centred on x0 + i dx, alternating between two lines when they do not fit side by side. */
static void draw_word_row(cairo_t *cr, char (*lab)[TASK_LABEL], int n, double x0, double dx, double y, bool above,
                          int highlight, const gb_theme *t) {
    gb_font fb = gb_font_body(t);
    bool stagger = false, small = false;
    for (int i = 0; i < n; i++) {
        double tw;
        gb_text_size(cr, &fb, lab[i], &tw, NULL);
        stagger |= tw > dx * 0.92;
        small |= tw > dx * 1.9;
    }
    if (small) fb = gb_font_small(t);
    double lh = t->font * 1.4;
    for (int i = 0; i < n; i++) {
        double yy = above ? y - 6 - (stagger && i % 2 ? lh : 0) : y + 6 + (stagger && i % 2 ? lh : 0);
        fb.bold = i == highlight;
        gb_set_rgb(cr, i == highlight ? t->fg : t->fg);
        gb_text_draw(cr, &fb, lab[i], x0 + i * dx, yy, GB_CENTER, above ? GB_BOTTOM : GB_TOP, stagger ? 2 * dx - 2 : dx - 2);
        gb_set_rgb(cr, t->fg_dim);
        cairo_arc(cr, x0 + i * dx, y, 2.5, 0, 2 * GB_PI);
        cairo_fill(cr);
    }
}

static void draw_lines(cairo_t *cr, gb_rect panel, const tr_view *v, const gb_theme *t) {
    int rows = tr_shown(v) - 1, fr, fc, line;
    tr_focus(v, &fr, &fc, &line);
    char sub[200];
    if (line >= 0)
        snprintf(sub, sizeof sub, "writing " LQ "%s" RQ ": its weights over the French words", v->tgt_lab[line + 1]);
    else snprintf(sub, sizeof sub, "line width = attention weight; orange: the newest word; hover a word for its weights");
    gb_draw_panel(cr, panel, "Alignment", sub, t);
    tr_lines_geom g;
    tr_lines_geometry(v, panel, t, &g);
    if (g.area.w < 20 || g.y_tgt - g.y_src < t->font * 3) {
        gb_view_message(cr, g.area, "(no room for the lines: make the window taller)", t);
        return;
    }
    const float *a = tr_matrix(v);
    cairo_save(cr);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_tolerance(cr, 0.5); /* half a pixel: the same picture, far fewer segments to stroke */
    double wmax = fmax(2, t->font * 0.55);
    /* opaque colours (cheap to composite), weak lines first so strong ones lie on top */
    for (int pass = 0; a && pass < 3; pass++)
        for (int i = 0; i < rows; i++) {
            if (line >= 0 && i != line) continue;
            double xt = g.x_tgt0 + i * g.dx_tgt;
            for (int j = 0; j < v->t.n_src; j++) {
                double w = a[i * v->t.n_src + j];
                if (w < 0.02 || (pass == 0 && w >= 0.2) || (pass == 1 && (w < 0.2 || w >= 0.6)) || (pass == 2 && w < 0.6))
                    continue;
                gb_set_rgb(cr, gb_rgb_mix(t->panel, i == rows - 1 ? gb_palette(1) : t->accent, 0.25 + 0.75 * w));
                cairo_set_line_width(cr, 0.5 + wmax * w);
                double xs = g.x_src0 + j * g.dx_src;
                cairo_move_to(cr, xs, g.y_src);
                cairo_curve_to(cr, xs, (g.y_src * 2 + g.y_tgt) / 3, xt, (g.y_src + 2 * g.y_tgt) / 3, xt, g.y_tgt);
                cairo_stroke(cr);
            }
        }
    cairo_restore(cr);
    gb_font fs = gb_font_small(t);
    if (a && line >= 0) /* the weights beside the French words */
        for (int j = 0; j < v->t.n_src; j++) {
            char val[16];
            if (a[line * v->t.n_src + j] < 0.005f) continue; /* the zeros would crowd the row */
            snprintf(val, sizeof val, "%.2f", a[line * v->t.n_src + j]);
            double tw, th, x = g.x_src0 + j * g.dx_src + 5, y = g.y_src + 5;
            gb_text_size(cr, &fs, val, &tw, &th);
            gb_set_rgb(cr, t->panel); /* over the lines, readable */
            cairo_rectangle(cr, x - 1, y, tw + 2, th);
            cairo_fill(cr);
            gb_set_rgb(cr, t->fg);
            gb_text_draw(cr, &fs, val, x, y, GB_LEFT, GB_TOP, 0);
        }
    draw_word_row(cr, v->src_lab, v->t.n_src, g.x_src0, g.dx_src, g.y_src, true, -1, t);
    draw_word_row(cr, v->tgt_lab + 1, rows, g.x_tgt0, g.dx_tgt, g.y_tgt, false, line >= 0 ? line : rows - 1, t);
}

static void draw_heat(cairo_t *cr, gb_rect panel, const tr_view *v, const gb_theme *t) {
    char sub[200];
    const float *a = tr_matrix(v);
    int rows = tr_shown(v) - 1, fr, fc, fl;
    tr_focus(v, &fr, &fc, &fl);
    if (a && fr >= 0 && fr < rows && fc >= 0)
        snprintf(sub, sizeof sub, "writing " LQ "%s" RQ ", it looks at " LQ "%s" RQ " with %.3f", v->tgt_lab[fr + 1],
                 v->src_lab[fc], a[fr * v->t.n_src + fc]);
    else if (rows < v->t.n_steps) snprintf(sub, sizeof sub, "rows: English words as they are written; hatched: not written yet");
    else snprintf(sub, sizeof sub, "where the decoder looks in French while writing each English word");
    gb_draw_panel(cr, panel, HEAT_TITLE, sub, t);
    gb_rect in = tr_heat_area(panel, t);
    if (rows < 1) {
        gb_view_message(cr, in, "The decoder has read only <s>. Press Space (or \xE2\x80\x9Cnext word\xE2\x80\x9D) to let it write the first English word.", t);
        return;
    }
    gb_heatmap hm = tr_heatmap(v);
    gb_draw_heatmap(cr, in, &hm, t);
    if (v->hover_r < 0 && fr >= 0) { /* the chosen cell, framed */
        gb_heatmap_geom hg;
        gb_heatmap_layout(&hm, in, t, &hg);
        gb_set_rgb(cr, gb_palette(1));
        cairo_set_line_width(cr, 3);
        cairo_rectangle(cr, hg.cells.x + fc * hg.cw - 1, hg.cells.y + fr * hg.ch - 1, hg.cw + 2, hg.ch + 2);
        cairo_stroke(cr);
    }
}

static void draw_candidates(cairo_t *cr, gb_rect panel, const tr_view *v, const gb_theme *t) {
    int shown = tr_shown(v), step = shown >= 2 ? shown - 2 : 0, k = v->t.top_k;
    char title[160], sub[200];
    if (shown >= 2) {
        snprintf(title, sizeof title, "How " LQ "%s" RQ " was chosen", v->tgt_lab[shown - 1]);
        snprintf(sub, sizeof sub, "step %d: after " LQ "%s" RQ ", the most probable next words; greedy takes the first", step + 1,
                 v->tgt_lab[shown - 2]);
    } else {
        snprintf(title, sizeof title, "What the decoder will write first");
        snprintf(sub, sizeof sub, "after <s>: the most probable first words");
    }
    gb_rect in = gb_draw_panel(cr, panel, title, sub, t);
    const char *labels[TR_TOP_K];
    gb_rgb colors[TR_TOP_K];
    bool marked[TR_TOP_K];
    for (int i = 0; i < k && i < TR_TOP_K; i++) {
        labels[i] = v->cand_lab[step * k + i];
        colors[i] = i == 0 && shown >= 2 ? t->highlight : t->accent; /* the chosen one (a bold label would not fit) */
        marked[i] = gb_hl_match(&v->hl, labels[i], strlen(labels[i])) >= 0;
    }
    gb_bars b = {.values = v->t.top_p + (size_t)step * k, .n = k < TR_TOP_K ? k : TR_TOP_K, .labels = labels, .vmax = 1,
                 .colors = colors, .value_axis = "probability", .highlight = -1, .hover = -1, .decimals = 3,
                 .marked = marked};
    gb_draw_bars(cr, in, &b, t);
}

/* The two sentences: French shaded by where the newest English word looks. */
static void draw_sentences(cairo_t *cr, gb_rect r, const tr_view *v, const gb_theme *t) {
    gb_font fb = gb_font_body(t), fs = gb_font_small(t);
    fb.bold = true;
    double lw = t->font * 6;
    int shown = tr_shown(v);
    const float *a = tr_matrix(v);
    const float *row = a && shown >= 2 ? a + (size_t)(shown - 2) * v->t.n_src : NULL;
    gb_rect fr = {r.x + lw, r.y, r.w - lw, r.h};
    gb_set_rgb(cr, t->fg);
    gb_text_draw(cr, &fb, "French", r.x, r.y + t->font, GB_LEFT, GB_MIDDLE, lw);
    double used = task_draw_strip(cr, fr, v->src_lab, v->t.n_src, row, -1, &v->hl, t, NULL);
    gb_rect en = {fr.x, fr.y + used + t->font * 0.4, fr.w, fmax(0, fr.h - used)};
    gb_set_rgb(cr, t->fg);
    gb_text_draw(cr, &fb, "English", r.x, en.y + t->font, GB_LEFT, GB_MIDDLE, lw);
    used += t->font * 0.4 + task_draw_strip(cr, en, v->tgt_lab, shown, NULL, shown - 1, &v->hl, t, NULL);
    char cap[200], heads[80];
    task_heads_describe(&v->heads, heads, sizeof heads);
    if (row)
        snprintf(cap, sizeof cap, "French shaded by where the decoder looks while writing " LQ "%s" RQ " (%s)",
                 v->tgt_lab[shown - 1], heads);
    else snprintf(cap, sizeof cap, "The encoder reads the French sentence at once; the decoder starts from the start token <s>.");
    gb_set_rgb(cr, t->fg_dim);
    gb_text_draw(cr, &fs, cap, fr.x, r.y + used + t->font * 0.3, GB_LEFT, GB_TOP, fr.w);
}

static void subtitle(const tr_view *v, const gb_shared *sh, char *buf, size_t cap) {
    char heads[80];
    task_heads_describe(&v->heads, heads, sizeof heads);
    bool foreign;
    task_model(&v->src, sh, &foreign);
    int shown = tr_shown(v);
    int n = snprintf(buf, cap, "%s, greedy: %d of %d English tokens%s; cross-attention %s", task_model_name(&v->src, sh),
                     shown, v->t.n_ids, v->t.finished ? "" : " (stopped at the cap, no </s>)", heads);
    if (v->n_unk > 0 && n > 0 && (size_t)n < cap)
        n += snprintf(buf + n, cap - (size_t)n, " \xE2\x80\x94 %d French word%s the model does not know (<unk>)", v->n_unk,
                      v->n_unk > 1 ? "s" : "");
    if (foreign && n > 0 && (size_t)n < cap)
        n += snprintf(buf + n, cap - (size_t)n, " \xE2\x80\x94 %s is not an encoder-decoder, so this tab runs %s",
                      sh->model_name ? sh->model_name : "the open model", v->src.bundled);
    if (v->c_default && n > 0 && (size_t)n < cap)
        snprintf(buf + n, cap - (size_t)n, " \xE2\x80\x94 an example sentence");
}

void tr_draw(cairo_t *cr, double w, double h, const void *self, const gb_shared *sh) {
    const tr_view *v = self;
    const gb_theme *t = sh->theme;
    gb_set_rgb(cr, t->bg);
    cairo_paint(cr);
    char sub[600] = "";
    if (v->have) subtitle(v, sh, sub, sizeof sub);
    gb_view_header(cr, w, h, "Translation: French in, English out, one word at a time", sub, t);
    if (!v->have) {
        gb_view_message(cr, (gb_rect){0, 0, w, h}, v->error[0] ? v->error : sh->busy ? "translating..." : "Nothing translated yet", t);
        if (sh->interactive) gb_ui_draw(cr, &v->ui);
        return;
    }
    tr_geom g;
    tr_geometry(v, w, h, sh, &g);
    if (g.sentence.w < 40 || g.heat.h < 20) return;
    draw_sentences(cr, g.sentence, v, t);
    draw_heat(cr, g.heat, v, t);
    draw_lines(cr, g.lines, v, t);
    draw_candidates(cr, g.cand, v, t);
    if (sh->interactive) gb_ui_draw(cr, &v->ui);
}
