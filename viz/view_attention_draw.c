/* view_attention_draw.c - drawing the attention view (state in
 * view_attention.c): the grid of thumbnails, the head as a heatmap or lines,
 * the arithmetic of a cell, the next-token prediction before and after an
 * intervention. Cairo only. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glassbox/model.h"
#include "view_attention_view.h"

/* Masked cells in thumbnails: a fixed light grey (thumbnails are shared by
 * both themes). */
static const gb_rgb THUMB_MASKED = {0.84, 0.84, 0.84};

/* ---- thumbnails ---- */

static uint32_t pack(gb_rgb c) {
    return 0xFF000000u | ((uint32_t)lround(c.r * 255) << 16) | ((uint32_t)lround(c.g * 255) << 8) |
           (uint32_t)lround(c.b * 255);
}

static cairo_surface_t *thumb(const gb_tensor *t, int head, int rows, int cols) {
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, cols, rows);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(img);
        return NULL;
    }
    static uint32_t lut[256];
    static int lut_ready; /* viridis in 256 steps; computing it twice is harmless */
    if (!lut_ready) {
        for (int i = 0; i < 256; i++) lut[i] = pack(gb_scale_color(GB_SCALE_VIRIDIS, i / 255.0));
        lut_ready = 1;
    }
    cairo_surface_flush(img);
    unsigned char *px = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    for (int i = 0; i < rows; i++) {
        uint32_t *row = (uint32_t *)(void *)(px + (size_t)i * (size_t)stride);
        for (int j = 0; j < cols; j++) {
            float a = gb_tensor_at3(t, head, i, j);
            /* a causal mask leaves exact zeros above the diagonal of a self-attention */
            bool masked = a == 0.0f && j > i && t->shape[1] == t->shape[2];
            int k = (int)lround(fmin(1, fmax(0, a)) * 255);
            row[j] = masked ? pack(THUMB_MASKED) : lut[k];
        }
    }
    cairo_surface_mark_dirty(img);
    return img;
}

void att_build_thumbs(const gb_att_rec *rec, cairo_surface_t **out[3], int n[3]) {
    const gb_att_pass *p = gb_att_rec_current(rec);
    const gb_model *m = rec->model;
    for (int k = 0; k < 3; k++) {
        out[k] = NULL, n[k] = 0;
        int L = gb_att_layers(m, (gb_att_kind)k), H = m->cfg.n_heads;
        if (L == 0) continue;
        out[k] = calloc((size_t)L * H, sizeof *out[k]);
        if (!out[k]) continue;
        n[k] = L * H;
        for (int l = 0; l < L; l++) {
            char name[128];
            gb_att_name((gb_att_kind)k, l, "hook_pattern", name, sizeof name);
            const gb_tensor *t = gb_trace_find(p->tr, name);
            if (!t || t->ndim != 3) continue;
            for (int h = 0; h < H && h < t->shape[0]; h++)
                out[k][l * H + h] = thumb(t, h, (int)t->shape[1], (int)t->shape[2]);
        }
    }
}

void att_free_thumbs(cairo_surface_t **thumbs[3], int n[3]) {
    for (int k = 0; k < 3; k++) {
        for (int i = 0; thumbs[k] && i < n[k]; i++)
            if (thumbs[k][i]) cairo_surface_destroy(thumbs[k][i]);
        free(thumbs[k]);
        thumbs[k] = NULL, n[k] = 0;
    }
}

/* ---- shared geometry ---- */

gb_rect att_panel_content(gb_rect r, const gb_theme *t) {
    gb_rect in = gb_rect_inset(r, t->pad);
    gb_rect_cut_top(&in, gb_panel_header_h("x", t) - t->pad, t->pad);
    return in;
}

static const gb_legend GRID_LEGEND = {GB_SCALE_VIRIDIS, 0, 1, "attention weight"};

static double grid_legend_w(const gb_theme *t) { return gb_legend_width(&GRID_LEGEND, t); }

void att_grid_geometry(const att_view *v, gb_rect r, const gb_theme *t, att_grid_geom *g) {
    memset(g, 0, sizeof *g);
    g->layers = v->have ? gb_att_layers(v->rec.model, v->kind) : 0;
    g->heads = v->have ? v->rec.model->cfg.n_heads : 0;
    if (g->layers < 1 || g->heads < 1) return;
    g->left = t->font_small * 3.2;
    g->top = t->font_small * 1.6;
    double legend = v->open ? 0 : grid_legend_w(t) + t->gap; /* the colour bar beside the grid */
    gb_rect a = {r.x + g->left, r.y + g->top, fmax(1, r.w - g->left - legend), fmax(1, r.h - g->top)};
    g->cell_w = a.w / g->heads;
    g->cell_h = a.h / g->layers;
    double label_h = t->font_small * 1.3;
    bool labels = fmin(g->cell_w, g->cell_h - label_h) >= t->font_small * 3.2;
    g->size = fmax(2, fmin(g->cell_w - 4, g->cell_h - (labels ? label_h : 4)));
    /* keep cells square-ish: shrink the pitch to the thumbnail size */
    g->cell_w = fmin(g->cell_w, g->size + 6);
    g->cell_h = fmin(g->cell_h, g->size + (labels ? label_h : 6));
    g->r = (gb_rect){a.x, a.y, g->cell_w * g->heads, g->cell_h * g->layers};
}

void att_shown_dims(const att_view *v, int *rows, int *cols) {
    *rows = *cols = 0;
    if (!v->have) return;
    gb_att_dims(&v->rec, v->kind, v->step, rows, cols);
}

float *att_head_matrix(const att_view *v, const gb_att_pass *p, int rows, int cols) {
    if (rows < 1 || cols < 1) return NULL;
    float *m = malloc((size_t)rows * cols * sizeof *m);
    if (m && !gb_att_matrix(p, v->kind, v->layer, v->average ? -1 : v->head, v->scores, rows, cols, m)) {
        free(m);
        return NULL;
    }
    return m;
}

void att_chosen_cell(const att_view *v, const float *pattern, int rows, int cols, int *q, int *k) {
    *q = v->q >= 0 && v->q < rows ? v->q : rows - 1;
    if (v->k >= 0 && v->k < cols && v->q >= 0) {
        *k = v->k;
        return;
    }
    int best = 0; /* the key this query attends to most */
    for (int j = 1; pattern && j < cols; j++)
        if (pattern[(size_t)*q * cols + j] > pattern[(size_t)*q * cols + best]) best = j;
    *k = best;
}

/* Short axis names for the smaller before/after heatmaps. */
static const char *short_axis(const att_view *v, bool rows) {
    bool encdec = v->have && v->rec.model->cfg.arch == GB_ARCH_ENCDEC;
    if (!encdec) return rows ? "query" : "key";
    bool src = v->kind == GB_ATT_ENCODER || (v->kind == GB_ATT_CROSS && !rows);
    return src ? (rows ? "query: source" : "key: source") : (rows ? "query: target" : "key: target");
}

void att_head_slot(const att_view *v, gb_rect head, const gb_theme *t, bool before, gb_heatmap *hm, gb_rect *area) {
    *area = att_head_area(v, head, t, before);
    if (!v->have || !v->rec.edited.tr || v->lines) return;
    hm->row_axis = short_axis(v, true);
    hm->col_axis = short_axis(v, false);
    hm->legend.label = v->scores ? "score" : "weight";
    gb_rect_cut_top(area, t->font * 1.4, 0); /* room for "before" / "after" */
}

const char *att_axis_name(const att_view *v, bool rows) {
    static char buf[2][96];
    char *b = buf[rows];
    bool encdec = v->have && v->rec.model->cfg.arch == GB_ARCH_ENCDEC;
    const char *lang = !encdec ? NULL
                       : v->kind == GB_ATT_ENCODER ? v->src_lang
                       : v->kind == GB_ATT_CROSS && !rows ? v->src_lang : v->tgt_lang;
    const char *side = !encdec ? NULL : lang == v->src_lang ? "source" : "target";
    const char *role = rows ? "query: the token that attends" : "key: the token attended to";
    if (encdec) snprintf(b, 96, "%s (%s), %s", side, lang, rows ? "attending" : "attended to");
    else snprintf(b, 96, "%s", role);
    return b;
}

static const char *const *row_labels(const att_view *v) {
    return v->kind == GB_ATT_ENCODER ? v->src_lab_p : v->lab_p;
}
static const char *const *col_labels(const att_view *v) {
    return v->kind == GB_ATT_SELF ? v->lab_p : v->src_lab_p;
}

gb_heatmap att_heatmap(const att_view *v, const float *values, const uint8_t *mask, int rows, int cols) {
    double lo = 0, hi = 1;
    if (v->scores && values) { /* a symmetric range over the unmasked scores */
        double a = 0;
        for (size_t i = 0; i < (size_t)rows * cols; i++)
            if (isfinite(values[i])) a = fmax(a, fabs(values[i]));
        lo = -(a > 0 ? a : 1), hi = a > 0 ? a : 1;
    }
    return (gb_heatmap){
        .values = values, .rows = rows, .cols = cols, .mask = mask,
        .row_labels = row_labels(v), .col_labels = col_labels(v),
        .row_axis = att_axis_name(v, true), .col_axis = att_axis_name(v, false),
        .legend = {v->scores ? GB_SCALE_DIVERGING : GB_SCALE_VIRIDIS, lo, hi,
                   v->scores ? "score q\xC2\xB7k/\xE2\x88\x9A" "d\xE2\x82\x95 (before softmax)" : "attention weight (after softmax)"},
        .show_legend = true, .square = true, .show_values = true,
        .hover_row = v->hover_r, .hover_col = v->hover_c,
    };
}

/* The head panel holds one heatmap, or "before" and "after" side by side
 * when an intervention is active. Leaves room below for the mask legend. */
gb_rect att_head_area(const att_view *v, gb_rect head, const gb_theme *t, bool before) {
    gb_rect in = att_panel_content(head, t);
    gb_rect_cut_bottom(&in, t->font_small * 1.8, t->pad / 2);
    if (!v->have || !v->rec.edited.tr || v->lines) return in;
    /* side by side in a wide panel, one above the other in a tall one */
    double extra = t->font_small * 12; /* labels and legend around a square heatmap, roughly */
    bool side = fmin(in.w / 2 - extra, in.h - extra) >= fmin(in.w - extra, in.h / 2 - extra);
    gb_rect first = side ? gb_rect_cut_left(&in, (in.w - t->gap) / 2, t->gap)
                                 : gb_rect_cut_top(&in, (in.h - t->gap) / 2, t->gap);
    return before ? first : in;
}

void att_lines_geometry(gb_rect r, int rows, int cols, const gb_theme *t, double *xl, double *xr,
                        double *y0, double *pitch_l, double *pitch_r) {
    double top = r.y + t->font * 2.2, h = r.h - t->font * 2.6;
    *xl = r.x + r.w * 0.3;
    *xr = r.x + r.w * 0.7;
    *y0 = top;
    *pitch_l = rows > 1 ? h / (rows - 1 + 0.5) : h;
    *pitch_r = cols > 1 ? h / (cols - 1 + 0.5) : h;
    if (*pitch_l > t->font * 2.4) *pitch_l = t->font * 2.4;
    if (*pitch_r > t->font * 2.4) *pitch_r = t->font * 2.4;
}

/* ---- the grid ---- */

static void draw_grid(cairo_t *cr, gb_rect r, const att_view *v, const gb_shared *sh) {
    const gb_theme *t = sh->theme;
    char sub[200];
    snprintf(sub, sizeof sub, v->open ? "click a head to open it; Shift+click switches it off"
                                      : "one square per head: its pattern; click opens it, Shift+click switches it off");
    gb_rect in = gb_draw_panel(cr, r, v->open ? "All heads" : "Every head of every layer", sh->interactive || !v->open ? sub : "", t);
    att_grid_geom g;
    att_grid_geometry(v, in, t, &g);
    if (g.layers < 1 || !v->thumbs[v->kind]) return;
    int rows, cols;
    att_shown_dims(v, &rows, &cols);
    gb_font fs = gb_font_small(t);
    bool labels = g.cell_h - g.size >= t->font_small * 1.2;
    for (int h = 0; h < g.heads; h++) {
        char b[16];
        snprintf(b, sizeof b, "H%d", h);
        gb_set_rgb(cr, t->fg_dim);
        gb_text_draw(cr, &fs, b, g.r.x + h * g.cell_w + g.size / 2, g.r.y - 2, GB_CENTER, GB_BOTTOM, g.cell_w);
    }
    for (int l = 0; l < g.layers; l++) {
        char b[16];
        snprintf(b, sizeof b, "L%d", l);
        gb_set_rgb(cr, t->fg_dim);
        gb_text_draw(cr, &fs, b, g.r.x - 6, g.r.y + l * g.cell_h + g.size / 2, GB_RIGHT, GB_MIDDLE, g.left);
        for (int h = 0; h < g.heads; h++) {
            double x = g.r.x + h * g.cell_w, y = g.r.y + l * g.cell_h;
            cairo_surface_t *img = v->thumbs[v->kind][l * g.heads + h];
            if (img && rows > 0 && cols > 0) {
                cairo_save(cr);
                cairo_rectangle(cr, x, y, g.size, g.size);
                cairo_clip(cr);
                cairo_translate(cr, x, y);
                cairo_scale(cr, g.size / cols, g.size / rows); /* the first `rows` rows: the step shown */
                cairo_set_source_surface(cr, img, 0, 0);
                cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
                cairo_paint(cr);
                cairo_restore(cr);
            }
            bool sel = v->open && l == v->layer && (v->average || h == v->head);
            bool hot = l == v->hover_l && h == v->hover_h;
            if (sel || hot) {
                cairo_set_line_width(cr, sel ? 3 : 2);
                gb_set_rgb(cr, sel ? t->highlight : t->fg);
                cairo_rectangle(cr, x - 1.5, y - 1.5, g.size + 3, g.size + 3);
                cairo_stroke(cr);
            }
            if (att_head_is_off(v, v->kind, l, h)) { /* switched off: a red cross over it */
                gb_set_rgba(cr, t->bg, 0.45);
                cairo_rectangle(cr, x, y, g.size, g.size);
                cairo_fill(cr);
                gb_set_rgb(cr, gb_palette(5));
                cairo_set_line_width(cr, fmax(2, g.size / 14));
                cairo_move_to(cr, x + 3, y + 3), cairo_line_to(cr, x + g.size - 3, y + g.size - 3);
                cairo_move_to(cr, x + g.size - 3, y + 3), cairo_line_to(cr, x + 3, y + g.size - 3);
                cairo_stroke(cr);
            }
            if (labels) {
                char b2[24];
                snprintf(b2, sizeof b2, "L%dH%d", l, h);
                gb_set_rgb(cr, sel ? t->highlight : t->fg_dim);
                gb_text_draw(cr, &fs, b2, x + g.size / 2, y + g.size + 1, GB_CENTER, GB_TOP, g.cell_w);
            }
        }
    }
    if (!v->open) {
        gb_rect lr = {g.r.x + g.r.w + t->gap, g.r.y, grid_legend_w(t), fmin(g.r.h, t->font * 16)};
        gb_draw_legend(cr, lr, &GRID_LEGEND, t);
        gb_font fs2 = gb_font_small(t);
        gb_rect sw = {lr.x, lr.y + lr.h + t->font, t->font_small * 1.4, t->font_small * 1.4};
        gb_set_rgb(cr, THUMB_MASKED);
        cairo_rectangle(cr, sw.x, sw.y, sw.w, sw.h);
        cairo_fill(cr);
        gb_set_rgb(cr, t->fg_dim);
        gb_text_draw(cr, &fs2, "masked", sw.x, sw.y + sw.h + 2, GB_LEFT, GB_TOP, lr.w + t->gap);
    }
}

/* ---- one head ---- */

static uint8_t *mask_of(const float *scores, int n) {
    uint8_t *m = malloc((size_t)n);
    if (!m) return NULL;
    bool any = false;
    for (int i = 0; i < n; i++) any |= (m[i] = isinf(scores[i]) && scores[i] < 0);
    if (!any) free(m), m = NULL;
    return m;
}

static void mask_legend(cairo_t *cr, gb_rect head, const att_view *v, bool masked, const gb_theme *t) {
    gb_rect in = att_panel_content(head, t);
    double y = in.y + in.h - t->font_small * 1.6;
    gb_font fs = gb_font_small(t);
    double x = in.x;
    if (masked) {
        gb_rect sw = {x, y + 2, t->font_small * 2, t->font_small * 1.2};
        gb_fill_hatched(cr, sw, t->masked, 4);
        gb_set_rgb(cr, t->panel_edge);
        cairo_set_line_width(cr, t->hairline);
        cairo_rectangle(cr, sw.x, sw.y, sw.w, sw.h);
        cairo_stroke(cr);
        gb_set_rgb(cr, t->fg);
        x += sw.w + 6;
        x += gb_text_draw(cr, &fs, "masked: a token may not attend to tokens after it (causal mask)", x, y + 2 + sw.h / 2,
                          GB_LEFT, GB_MIDDLE, in.w - sw.w - 6) + 16;
    }
    (void)v;
}

static void draw_head_heatmap(cairo_t *cr, gb_rect head, const att_view *v, const gb_shared *sh) {
    const gb_theme *t = sh->theme;
    int rows, cols;
    att_shown_dims(v, &rows, &cols);
    const gb_att_pass *cur = gb_att_rec_current(&v->rec);
    bool edited = cur != &v->rec.clean;
    float *val = att_head_matrix(v, cur, rows, cols);
    att_view sv = *v;
    sv.scores = true;
    float *sc = att_head_matrix(&sv, cur, rows, cols);
    uint8_t *mask = sc ? mask_of(sc, rows * cols) : NULL;
    if (!val) {
        gb_view_message(cr, att_panel_content(head, t), "This attention was not recorded", t);
    } else {
        gb_heatmap hm = att_heatmap(v, val, mask, rows, cols);
        gb_rect a;
        att_head_slot(v, head, t, false, &hm, &a);
        if (edited) {
            float *before = att_head_matrix(v, &v->rec.clean, rows, cols);
            gb_heatmap hb = att_heatmap(v, before, mask, rows, cols);
            hb.legend = hm.legend; /* one colour scale for both, the same size */
            gb_rect ab;
            att_head_slot(v, head, t, true, &hb, &ab);
            gb_font ft = gb_font_body(t);
            ft.bold = true;
            gb_set_rgb(cr, t->fg);
            gb_text_draw(cr, &ft, "before", ab.x, ab.y - t->font * 1.4, GB_LEFT, GB_TOP, ab.w);
            gb_text_draw(cr, &ft, att_head_is_off(v, v->kind, v->layer, v->head)
                                      ? "after: this head's output is zeroed, its own pattern stays"
                                      : "after the intervention", a.x, a.y - t->font * 1.4, GB_LEFT, GB_TOP, a.w);
            if (before) gb_draw_heatmap(cr, ab, &hb, t);
            free(before);
        }
        gb_draw_heatmap(cr, a, &hm, t);
    }
    mask_legend(cr, head, v, mask != NULL, t);
    free(val), free(sc), free(mask);
}

static void draw_lines(cairo_t *cr, gb_rect head, const att_view *v, const gb_shared *sh) {
    const gb_theme *t = sh->theme;
    int rows, cols;
    att_shown_dims(v, &rows, &cols);
    att_view pv = *v;
    pv.scores = false;
    float *pat = att_head_matrix(&pv, gb_att_rec_current(&v->rec), rows, cols);
    if (!pat) return;
    gb_rect r = att_head_area(v, head, t, false);
    double xl, xr, y0, pl, pr;
    att_lines_geometry(r, rows, cols, t, &xl, &xr, &y0, &pl, &pr);
    gb_font fs = gb_font_small(t);
    gb_font fh = fs;
    fh.bold = true;
    gb_set_rgb(cr, t->fg_dim);
    gb_text_draw(cr, &fh, att_axis_name(v, true), r.x + r.w * 0.25, r.y, GB_CENTER, GB_TOP, r.w * 0.48);
    gb_text_draw(cr, &fh, att_axis_name(v, false), r.x + r.w * 0.75, r.y, GB_CENTER, GB_TOP, r.w * 0.48);
    int sel = v->hover_line >= 0 ? v->hover_line : v->q >= 0 && v->q < rows ? v->q : rows > 16 ? rows - 1 : -1;
    double wmax = fmin(6, fmin(pl, pr) * 0.5); /* dense columns: thinner lines, so they stay apart */
    /* lines: weight and opacity grow with the attention */
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) {
            double a = pat[(size_t)i * cols + j];
            if (a < 0.01) continue;
            bool on = sel < 0 || sel == i;
            gb_set_rgba(cr, on ? t->accent : t->fg_dim, on ? 0.15 + 0.85 * a : 0.08 * a);
            cairo_set_line_width(cr, 0.5 + (on ? wmax : wmax / 3) * a);
            cairo_move_to(cr, xl + 6, y0 + i * pl);
            cairo_line_to(cr, xr - 6, y0 + j * pr);
            cairo_stroke(cr);
        }
    const char *const *rl = row_labels(v), *const *cl = col_labels(v);
    int step_l = (int)ceil(t->font_small * 1.15 / pl), step_r = (int)ceil(t->font_small * 1.15 / pr);
    for (int i = 0; i < rows; i++) {
        if (i != sel && (i % step_l || (sel >= 0 && abs(i - sel) < step_l))) continue; /* never overlap */
        gb_font f = fs;
        f.bold = i == sel;
        gb_set_rgb(cr, i == sel ? t->highlight : t->fg);
        gb_text_draw(cr, &f, rl ? rl[i] : "", xl, y0 + i * pl, GB_RIGHT, GB_MIDDLE, r.w * 0.28);
    }
    for (int j = 0; j < cols; j++) {
        if (j % step_r) continue;
        double a = sel >= 0 ? pat[(size_t)sel * cols + j] : 0;
        gb_font f = fs;
        f.bold = a >= 0.2;
        gb_set_rgb(cr, t->fg);
        char b[96];
        if (sel >= 0 && a >= 0.005) snprintf(b, sizeof b, "%s  %.2f", cl ? cl[j] : "", a);
        else snprintf(b, sizeof b, "%s", cl ? cl[j] : "");
        gb_text_draw(cr, &f, b, xr, y0 + j * pr, GB_LEFT, GB_MIDDLE, r.w * 0.28);
    }
    free(pat);
}

/* ---- the arithmetic of one cell ---- */

/* A vector as a row of coloured cells (blue negative, red positive) with the
 * numbers inside when they fit. Returns the height used. */
static double draw_strip(cairo_t *cr, double x, double y, double w, const float *a, int n, double amax,
                         const char *name, const gb_theme *t) {
    gb_font fs = gb_font_small(t), fb = gb_font_body(t);
    double nw;
    gb_text_size(cr, &fb, "q\xE2\x82\x96\xC3\x97k\xE2\x82\x96 ", &nw, NULL);
    gb_set_rgb(cr, t->fg);
    gb_text_draw(cr, &fb, name, x, y + t->font, GB_LEFT, GB_MIDDLE, nw);
    x += nw + 4, w -= nw + 4;
    double cw = w / n, ch = t->font * 2;
    double tw;
    gb_text_size(cr, &fs, "-0.00", &tw, NULL);
    bool nums = cw >= tw + 2;
    for (int i = 0; i < n; i++) {
        gb_rgb c = gb_scale_color(GB_SCALE_DIVERGING, gb_scale_t(a[i], -amax, amax));
        gb_set_rgb(cr, c);
        cairo_rectangle(cr, x + i * cw, y, cw + 0.3, ch);
        cairo_fill(cr);
        if (nums) {
            char b[16];
            snprintf(b, sizeof b, "%.2f", a[i]);
            gb_set_rgb(cr, gb_text_on(c));
            gb_text_draw(cr, &fs, b, x + (i + 0.5) * cw, y + ch / 2, GB_CENTER, GB_MIDDLE, cw);
        }
    }
    gb_set_rgb(cr, t->panel_edge);
    cairo_set_line_width(cr, t->hairline);
    cairo_rectangle(cr, x, y, w, ch);
    cairo_stroke(cr);
    return ch;
}

static double amax_of(const float *a, int n) {
    double m = 0;
    for (int i = 0; i < n; i++) m = fmax(m, fabs(a[i]));
    return m > 0 ? m : 1;
}

static void draw_softmax(cairo_t *cr, gb_rect r, const gb_att_cell *c, int k, const char *const *labels,
                         const gb_theme *t) {
    int n = 0;
    for (int j = 0; j < c->n_keys; j++)
        if (!isinf(c->row_score[j])) n = j + 1;
    if (n < 1 || r.h < 30) return;
    gb_font fs = gb_font_small(t);
    double lab_h = t->font_small * 1.4, top = t->font_small * 1.4;
    double bw = r.w / n, base = r.y + r.h - lab_h, hmax = r.h - lab_h - top;
    double lmax = 0; /* thin the key labels by their measured width: they never overlap */
    for (int j = 0; labels && j < n; j++) {
        double tw;
        gb_text_size(cr, &fs, labels[j], &tw, NULL);
        lmax = fmax(lmax, fmin(tw, t->font_small * 8));
    }
    int step = (int)ceil((lmax + 6) / bw);
    if (step < 1) step = 1;
    for (int j = 0; j < n; j++) {
        double x = r.x + j * bw, hgt = hmax * c->row_prob[j];
        gb_set_rgb(cr, j == k ? t->highlight : isinf(c->row_score[j]) ? t->masked : t->accent);
        cairo_rectangle(cr, x + bw * 0.12, base - hgt, bw * 0.76, hgt);
        cairo_fill(cr);
        if ((j % step == 0 && abs(j - k) >= step) || j == k) {
            gb_set_rgb(cr, j == k ? t->highlight : t->fg_dim);
            gb_text_draw(cr, &fs, labels ? labels[j] : "", x + bw / 2, base + 2, GB_CENTER, GB_TOP, bw * step);
        }
    }
    char b[32];
    snprintf(b, sizeof b, "%.3f", c->row_prob[k]);
    gb_set_rgb(cr, t->highlight);
    gb_text_draw(cr, &fs, b, r.x + (k + 0.5) * bw, base - hmax * c->row_prob[k] - 2, GB_CENTER, GB_BOTTOM, 0);
    gb_set_rgb(cr, t->grid);
    cairo_set_line_width(cr, t->hairline);
    cairo_move_to(cr, r.x, base), cairo_line_to(cr, r.x + r.w, base);
    cairo_stroke(cr);
}

static void draw_arith(cairo_t *cr, gb_rect r, const att_view *v, const gb_shared *sh) {
    const gb_theme *t = sh->theme;
    int rows, cols;
    att_shown_dims(v, &rows, &cols);
    if (v->average) {
        gb_rect in = gb_draw_panel(cr, r, "The arithmetic of one cell", "", t);
        gb_view_message(cr, in, "The average has no single query and key: open one head (a) to see its arithmetic", t);
        return;
    }
    att_view pv = *v;
    pv.scores = false;
    const gb_att_pass *cur = gb_att_rec_current(&v->rec);
    float *pat = att_head_matrix(&pv, cur, rows, cols);
    int q, k;
    att_chosen_cell(v, pat, rows, cols, &q, &k);
    free(pat);
    gb_att_cell *c = malloc(sizeof *c);
    if (!c) return;
    const char *const *rl = row_labels(v), *const *cl = col_labels(v);
    char title[160], sub[200];
    snprintf(title, sizeof title, "One cell: \"%s\" (%d) \xE2\x86\x92 \"%s\" (%d)", rl ? rl[q] : "", q, cl ? cl[k] : "", k);
    bool ok = gb_att_cell_math(cur, v->rec.model, v->kind, v->layer, v->head, q, k, c);
    bool rope = v->rec.model->cfg.pos == GB_POS_ROPE && v->kind != GB_ATT_CROSS;
    snprintf(sub, sizeof sub, "L%dH%d's query and key (d\xE2\x82\x95 = %d)%s; click a cell for another",
             v->layer, v->head, c->dh, rope ? ", rotated (RoPE)" : "");
    gb_rect in = gb_draw_panel(cr, r, title, sub, t);
    if (!ok) {
        gb_view_message(cr, in, "Queries and keys were not recorded", t);
        free(c);
        return;
    }
    cairo_save(cr);
    cairo_rectangle(cr, in.x, in.y, in.w, in.h);
    cairo_clip(cr);
    float prod[1024];
    for (int i = 0; i < c->dh; i++) prod[i] = c->qv[i] * c->kv[i];
    double am = fmax(amax_of(c->qv, c->dh), amax_of(c->kv, c->dh));
    double y = in.y, gap = t->font * 0.5;
    y += draw_strip(cr, in.x, y, in.w, c->qv, c->dh, am, "q", t) + gap;
    y += draw_strip(cr, in.x, y, in.w, c->kv, c->dh, am, "k", t) + gap;
    y += draw_strip(cr, in.x, y, in.w, prod, c->dh, amax_of(prod, c->dh), "q\xE2\x82\x96\xC3\x97k\xE2\x82\x96", t) + gap;
    gb_font fb = gb_font_body(t), fm = fb;
    fm.mono = true;
    char b[256];
    double lh = t->font * 1.5;
    gb_set_rgb(cr, t->fg);
    snprintf(b, sizeof b, "q \xC2\xB7 k = \xCE\xA3 q\xE2\x82\x96k\xE2\x82\x96 = %.4f", c->dot);
    gb_text_draw(cr, &fm, b, in.x, y, GB_LEFT, GB_TOP, in.w), y += lh;
    if (in.w < t->font * 34) fm.size = t->font_small; /* narrow column: smaller figures, never cut */
    if (c->masked) {
        snprintf(b, sizeof b, "masked: key %d comes after query %d, so its score is \xE2\x88\x92\xE2\x88\x9E", k, q);
        gb_text_draw(cr, &fm, b, in.x, y, GB_LEFT, GB_TOP, in.w), y += lh;
    } else {
        snprintf(b, sizeof b, "\xC3\xB7 \xE2\x88\x9A" "d\xE2\x82\x95 = \xC3\xB7 \xE2\x88\x9A%d = \xC3\x97 %.4f \xE2\x86\x92 score %.4f",
                 c->dh, c->scale, c->score);
        gb_text_draw(cr, &fm, b, in.x, y, GB_LEFT, GB_TOP, in.w), y += lh;
    }
    snprintf(b, sizeof b, "softmax over row %d \xE2\x86\x92 weight %.4f", q, c->row_prob[k]);
    gb_text_draw(cr, &fm, b, in.x, y, GB_LEFT, GB_TOP, in.w), y += lh;
    gb_font fs = gb_font_small(t);
    gb_set_rgb(cr, t->fg_dim);
    snprintf(b, sizeof b, "recorded in the pass: score %.4f, weight %.4f", c->rec_score, c->rec_prob);
    gb_text_draw(cr, &fs, b, in.x, y, GB_LEFT, GB_TOP, in.w), y += t->font_small * 1.6;
    draw_softmax(cr, (gb_rect){in.x, y, in.w, in.y + in.h - y}, c, k, cl, t);
    cairo_restore(cr);
    free(c);
}

/* ---- the prediction ---- */

static void draw_pred(cairo_t *cr, gb_rect r, const att_view *v, const gb_shared *sh) {
    const gb_theme *t = sh->theme;
    const gb_model *m = v->rec.model;
    const gb_att_pass *cur = gb_att_rec_current(&v->rec);
    bool edited = cur != &v->rec.clean;
    int n = v->step > 0 ? v->step : v->rec.in.n;
    if (!cur->probs && cur->class_probs && m->cfg.n_classes > 0) { /* an encoder-only classifier */
        const char *labels[GB_MAX_CLASSES];
        for (int i = 0; i < m->cfg.n_classes; i++) labels[i] = m->cfg.class_labels[i][0] ? m->cfg.class_labels[i] : "?";
        gb_rect in = gb_draw_panel(cr, r, "Class", edited ? "grey: before the intervention" : "the classifier reads the first token", t);
        gb_bars b = {.values = cur->class_probs, .ghost = edited ? v->rec.clean.class_probs : NULL, .n = m->cfg.n_classes,
                     .labels = labels, .vmax = 1, .value_axis = "probability", .highlight = -1, .hover = -1, .decimals = 3};
        gb_draw_bars(cr, in, &b, t);
        return;
    }
    if (!cur->probs) {
        gb_rect in = gb_draw_panel(cr, r, "Prediction", "", t);
        gb_view_message(cr, in, m->cfg.arch == GB_ARCH_ENCODER ? "An encoder-only model predicts a class, not a next token"
                                                                : "No prediction recorded", t);
        return;
    }
    int V = m->cfg.vocab_size;
    const float *after = cur->probs + (size_t)(n - 1) * V, *before = v->rec.clean.probs + (size_t)(n - 1) * V;
    enum { K = 8 };
    int ids[K], nid = 0;
    /* the tokens that matter most before or after, largest first */
    for (int r2 = 0; r2 < K; r2++) {
        int best = -1;
        double bv = -1;
        for (int i = 0; i < V; i++) {
            double x = edited ? fmax(after[i], before[i]) : after[i];
            if (x <= bv) continue;
            bool used = false;
            for (int u = 0; u < nid; u++) used |= ids[u] == i;
            if (!used) best = i, bv = x;
        }
        if (best < 0) break;
        ids[nid++] = best;
    }
    char title[160], sub[200];
    const char *last = n - 1 < v->rec.in.n && v->lab_p ? v->lab_p[n - 1] : "";
    snprintf(title, sizeof title, "Next token after \"%s\"", last);
    char what[120] = "";
    if (edited) {
        int len = 0;
        for (int i = 0; i < v->rec.in.n_off && len < 80; i++)
            len += snprintf(what + len, sizeof what - (size_t)len, "%sL%dH%d", i ? ", " : "", v->rec.in.off[i].layer,
                            v->rec.in.off[i].head);
        if (len) len += snprintf(what + len, sizeof what - (size_t)len, " switched off");
        if (v->rec.in.no_pos)
            snprintf(what + len, sizeof what - (size_t)len, "%spositions removed", len ? " and " : "");
        snprintf(sub, sizeof sub, "grey: before; colour: with %s", what);
    } else snprintf(sub, sizeof sub, "probabilities for position %d", n);
    gb_rect in = gb_draw_panel(cr, r, title, sub, t);
    gb_font fs = gb_font_small(t), fb = gb_font_body(t);
    double row = fmin(t->font * 2, in.h / fmax(1, nid));
    if (row < t->font * 1.2) nid = (int)(in.h / (t->font * 1.2)), row = t->font * 1.2;
    double lw = 0, vw;
    char lbuf[64];
    for (int i = 0; i < nid; i++) { /* label column: the widest label, at most a third */
        double tw;
        gb_att_label(&v->tokens, v->source, ids[i], lbuf, sizeof lbuf);
        gb_text_size(cr, &fb, lbuf, &tw, NULL);
        lw = fmax(lw, tw + 10);
    }
    lw = fmin(lw, in.w * 0.33);
    gb_text_size(cr, &fs, edited ? "0.000\xE2\x86\x92" "0.000 \xE2\x88\x92" "0.000" : "0.000", &vw, NULL);
    vw = fmin(vw + 8, in.w * 0.45);
    double bx = in.x + lw, bw = in.w - lw - vw - 8;
    double vmax = 0;
    for (int i = 0; i < nid; i++) vmax = fmax(vmax, fmax(after[ids[i]], edited ? before[ids[i]] : 0));
    if (vmax <= 0) vmax = 1;
    for (int i = 0; i < nid; i++) {
        double y = in.y + i * row;
        char lab[64];
        gb_att_label(&v->tokens, v->source, ids[i], lab, sizeof lab);
        gb_set_rgb(cr, t->fg);
        gb_text_draw(cr, &fb, lab, bx - 6, y + row / 2, GB_RIGHT, GB_MIDDLE, lw - 6);
        if (edited) {
            gb_set_rgb(cr, t->masked);
            cairo_rectangle(cr, bx, y + row * 0.12, bw * before[ids[i]] / vmax, row * 0.76);
            cairo_fill(cr);
        }
        gb_set_rgb(cr, edited ? t->highlight : t->accent);
        cairo_rectangle(cr, bx, y + row * (edited ? 0.32 : 0.15), bw * after[ids[i]] / vmax, row * (edited ? 0.36 : 0.7));
        cairo_fill(cr);
        char b[64];
        if (edited) {
            double d = after[ids[i]] - before[ids[i]];
            snprintf(b, sizeof b, "%.3f\xE2\x86\x92%.3f %s%.3f", before[ids[i]], after[ids[i]], d >= 0 ? "+" : "\xE2\x88\x92", fabs(d));
        } else snprintf(b, sizeof b, "%.3f", after[ids[i]]);
        gb_set_rgb(cr, t->fg);
        gb_text_draw(cr, &fs, b, in.x + in.w, y + row / 2, GB_RIGHT, GB_MIDDLE, vw);
    }
}

/* ---- the whole view ---- */

static void subtitle(const att_view *v, const gb_shared *sh, char *b, size_t cap) {
    const gb_model *m = v->rec.model;
    const char *from = gb_att_source_text(v->source);
    int n = v->rec.in.n, s = v->step > 0 ? v->step : n;
    int len = snprintf(b, cap, "%s: %d layers \xC3\x97 %d heads; %d %s", sh->model_name ? sh->model_name : "model",
                       gb_att_layers(m, v->kind), m->cfg.n_heads, n, from);
    if (m->cfg.arch == GB_ARCH_ENCDEC && len > 0 && (size_t)len < cap)
        len += snprintf(b + len, cap - (size_t)len, " (target), %d source tokens", v->rec.in.n_src);
    bool steps = m->cfg.arch != GB_ARCH_ENCODER && v->kind != GB_ATT_ENCODER; /* an encoder reads everything at once */
    if (steps && s < n && len > 0 && (size_t)len < cap)
        snprintf(b + len, cap - (size_t)len, "; showing step %d of %d", s, n);
}

void att_draw(cairo_t *cr, double w, double h, const void *self, const gb_shared *sh) {
    const att_view *v = self;
    const gb_theme *t = sh->theme;
    gb_set_rgb(cr, t->bg);
    cairo_paint(cr);
    if (!v->have) {
        gb_view_header(cr, w, h, "Attention", "", t);
        gb_view_message(cr, (gb_rect){0, 0, w, h}, sh->busy || v->job_out ? "Recording attention\xE2\x80\xA6"
                                                    : v->error[0] ? v->error : "Nothing recorded yet", t);
        return;
    }
    char title[160], sub[320];
    static const char *const KIND[3] = {"Self-attention", "Encoder self-attention", "Cross-attention"};
    const char *kname = v->rec.model->cfg.arch == GB_ARCH_ENCDEC ? (v->kind == GB_ATT_SELF ? "Decoder self-attention" : KIND[v->kind])
                                                                 : "Attention";
    if (v->open && v->average) snprintf(title, sizeof title, "%s: layer %d, average of its heads%s", kname, v->layer, v->scores ? " (scores)" : "");
    else if (v->open) snprintf(title, sizeof title, "%s: layer %d, head %d%s%s", kname, v->layer, v->head,
                               v->scores ? ", scores before softmax" : "", att_head_is_off(v, v->kind, v->layer, v->head) ? " (switched off)" : "");
    else snprintf(title, sizeof title, "%s: every head", kname);
    subtitle(v, sh, sub, sizeof sub);
    gb_view_header(cr, w, h, title, sub, t);
    att_geom g;
    att_geometry(v, w, h, sh, &g);
    if (g.grid.w > 0) draw_grid(cr, g.grid, v, sh);
    if (v->open) {
        char ht[160], hs[200];
        snprintf(ht, sizeof ht, "%s", v->lines ? "Who attends to whom" : v->scores ? "Scores q\xC2\xB7k/\xE2\x88\x9A" "d\xE2\x82\x95" : "Attention pattern");
        snprintf(hs, sizeof hs, "%s", v->lines ? "queries (left) to keys (right): thicker = more attention"
                                    : v->scores ? "before the softmax; masked entries are \xE2\x88\x92\xE2\x88\x9E"
                                                : "each row sums to 1: how a token shares out its attention");
        gb_draw_panel(cr, g.head, ht, hs, t);
        if (v->lines) draw_lines(cr, g.head, v, sh);
        else draw_head_heatmap(cr, g.head, v, sh);
        draw_arith(cr, g.arith, v, sh);
    }
    if (g.pred.w > 0) draw_pred(cr, g.pred, v, sh);
    if (sh->interactive) gb_ui_draw(cr, &v->ui);
}
