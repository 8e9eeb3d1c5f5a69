/* draw_heatmap.c - a labelled heatmap: cells as one scaled image, token or
 * index labels on both axes (thinned or rotated so they never overlap), axis
 * names, hatched masked cells, hover read-out and a legend. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "draw.h"

/* 1, 2, 5 x 10^k at or above x: label steps that land on round indices. */
static int nice_step(double x) {
    if (x <= 1) return 1;
    double mag = pow(10, floor(log10(x)));
    double f = x / mag;
    double s = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    return (int)ceil(s * mag - 1e-9);
}

static void label_text(const char *const *labels, int i, char *buf, size_t cap) {
    if (labels) snprintf(buf, cap, "%s", labels[i] ? labels[i] : "");
    else snprintf(buf, cap, "%d", i);
}

/* Widest label of an axis (capped so one long token cannot eat the plot). */
static double widest(const char *const *labels, int n, const gb_font *f, double cap, double *th) {
    double wmax = 0, h = 0;
    int stride = n > 400 ? n / 200 : 1; /* sampling is enough for index labels */
    for (int i = 0; i < n; i += labels ? 1 : stride) {
        char b[256];
        double w;
        label_text(labels, i, b, sizeof b);
        gb_text_size(NULL, f, b, &w, &h);
        wmax = fmax(wmax, w);
    }
    if (!labels && n > 0) { /* the largest index is the widest number */
        char b[32];
        double w;
        label_text(NULL, n - 1, b, sizeof b);
        gb_text_size(NULL, f, b, &w, &h);
        wmax = fmax(wmax, w);
    }
    if (h == 0) gb_text_size(NULL, f, "0", NULL, &h);
    *th = h;
    return fmin(wmax, cap);
}

void gb_heatmap_layout(const gb_heatmap *hm, gb_rect r, const gb_theme *t, gb_heatmap_geom *g) {
    gb_font fs = gb_font_small(t);
    double axis_h = t->font_small * 1.6;
    gb_rect area = r;
    g->legend = (gb_rect){0, 0, 0, 0};
    if (hm->show_legend) {
        double lw = gb_legend_width(&hm->legend, t);
        g->legend = gb_rect_cut_right(&area, lw, t->gap);
    }
    if (hm->row_axis && *hm->row_axis) gb_rect_cut_left(&area, axis_h, 0);
    if (hm->col_axis && *hm->col_axis) gb_rect_cut_top(&area, axis_h, 0);
    double th_row, th_col;
    g->row_label_w = widest(hm->row_labels, hm->rows, &fs, fmax(20, r.w * 0.25), &th_row) + 6;
    double col_w = widest(hm->col_labels, hm->cols, &fs, fmax(20, r.h * 0.22), &th_col);
    double W = fmax(1, area.w - g->row_label_w);
    double cw = W / fmax(1, hm->cols);
    /* numbers stay horizontal and are thinned; words turn vertical when crowded */
    g->col_vertical = hm->col_labels && col_w + 8 > cw; /* the same margin as the thinning below */
    g->col_label_h = g->col_vertical ? col_w + 6 : th_col + 4;
    double H = fmax(1, area.h - g->col_label_h);
    double ch = H / fmax(1, hm->rows);
    if (hm->square) cw = ch = fmin(cw, ch);
    /* label steps from the final cell size */
    g->col_step = g->col_vertical ? (int)ceil((th_col + 1) / cw) : nice_step((col_w + 8) / cw);
    g->cw = cw;
    g->ch = ch;
    g->cells = (gb_rect){area.x + g->row_label_w, area.y + g->col_label_h, cw * hm->cols,
                         ch * hm->rows};
    g->row_step = hm->row_labels ? (int)ceil((th_row + 1) / ch) : nice_step((th_row + 2) / ch);
    if (g->row_step < 1) g->row_step = 1;
    if (g->col_step < 1) g->col_step = 1;
    if (hm->show_legend) { /* legend as tall as the cells, right beside them */
        g->legend.x = g->cells.x + g->cells.w + t->gap;
        g->legend.y = g->cells.y;
        g->legend.h = g->cells.h;
    }
}

bool gb_heatmap_hit(const gb_heatmap_geom *g, const gb_heatmap *hm, double x, double y, int *row,
                    int *col) {
    if (!gb_rect_contains(g->cells, x, y) || g->cw <= 0 || g->ch <= 0) return false;
    int c = (int)((x - g->cells.x) / g->cw), r = (int)((y - g->cells.y) / g->ch);
    if (r < 0 || c < 0 || r >= hm->rows || c >= hm->cols) return false;
    *row = r;
    *col = c;
    return true;
}

static void draw_cells(cairo_t *cr, const gb_heatmap *hm, const gb_heatmap_geom *g) {
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, hm->cols, hm->rows);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(img);
        return;
    }
    cairo_surface_flush(img);
    unsigned char *px = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    for (int i = 0; i < hm->rows; i++) {
        uint32_t *row = (uint32_t *)(void *)(px + (size_t)i * (size_t)stride);
        for (int j = 0; j < hm->cols; j++) {
            double v = hm->values[(size_t)i * hm->cols + j];
            gb_rgb c = gb_scale_color(hm->legend.scale, gb_scale_t(v, hm->legend.vmin, hm->legend.vmax));
            row[j] = 0xFF000000u | ((uint32_t)lround(c.r * 255) << 16) |
                     ((uint32_t)lround(c.g * 255) << 8) | (uint32_t)lround(c.b * 255);
        }
    }
    cairo_surface_mark_dirty(img);
    cairo_save(cr);
    cairo_rectangle(cr, g->cells.x, g->cells.y, g->cells.w, g->cells.h);
    cairo_clip(cr);
    cairo_translate(cr, g->cells.x, g->cells.y);
    cairo_scale(cr, g->cw, g->ch);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
    cairo_paint(cr);
    cairo_restore(cr);
    cairo_surface_destroy(img);
}

/* The hatch of masked cells as one repeating tile (the look of
 * gb_fill_hatched: slope -1 lines over a tint, anchored to the origin), so a
 * large mask costs one pattern fill instead of a clip and hundreds of strokes. */
static cairo_pattern_t *hatch_pattern(gb_rgb c, double spacing) {
    int s = (int)lround(spacing);
    if (s < 2) s = 2;
    cairo_surface_t *tile = cairo_image_surface_create(CAIRO_FORMAT_RGB24, s, s);
    cairo_t *cr = cairo_create(tile);
    gb_set_rgb(cr, gb_rgb_mix(c, (gb_rgb){1, 1, 1}, 0.55));
    cairo_paint(cr);
    gb_set_rgb(cr, c);
    cairo_set_line_width(cr, fmax(0.75, s / 5.0));
    for (int k = 0; k <= 2; k++) { /* x + y = k s: through the corners, so tiles join */
        cairo_move_to(cr, k * s + 1, -1);
        cairo_line_to(cr, -1, k * s + 1);
    }
    cairo_stroke(cr);
    cairo_destroy(cr);
    cairo_pattern_t *p = cairo_pattern_create_for_surface(tile);
    cairo_pattern_set_extend(p, CAIRO_EXTEND_REPEAT);
    cairo_surface_destroy(tile);
    return p;
}

static void draw_mask(cairo_t *cr, const gb_heatmap *hm, const gb_heatmap_geom *g,
                      const gb_theme *t) {
    if (!hm->mask) return;
    bool any = false;
    cairo_save(cr);
    cairo_new_path(cr);
    for (int i = 0; i < hm->rows; i++) {
        for (int j = 0; j < hm->cols;) {
            if (!hm->mask[(size_t)i * hm->cols + j]) { j++; continue; }
            int j0 = j;
            while (j < hm->cols && hm->mask[(size_t)i * hm->cols + j]) j++;
            cairo_rectangle(cr, g->cells.x + j0 * g->cw, g->cells.y + i * g->ch, (j - j0) * g->cw, g->ch);
            any = true;
        }
    }
    if (any) {
        cairo_pattern_t *p = hatch_pattern(t->masked, fmax(4, fmin(8, fmin(g->cw, g->ch) / 2)));
        cairo_set_source(cr, p);
        cairo_fill(cr);
        cairo_pattern_destroy(p);
    }
    cairo_restore(cr);
}

static void draw_grid(cairo_t *cr, const gb_heatmap *hm, const gb_heatmap_geom *g, const gb_theme *t) {
    if (g->cw >= 12 && g->ch >= 12) { /* separate big cells; small ones would turn to mush */
        gb_set_rgb(cr, t->panel);
        cairo_set_line_width(cr, 1);
        for (int j = 1; j < hm->cols; j++) {
            cairo_move_to(cr, g->cells.x + j * g->cw, g->cells.y);
            cairo_rel_line_to(cr, 0, g->cells.h);
        }
        for (int i = 1; i < hm->rows; i++) {
            cairo_move_to(cr, g->cells.x, g->cells.y + i * g->ch);
            cairo_rel_line_to(cr, g->cells.w, 0);
        }
        cairo_stroke(cr);
    }
    gb_set_rgb(cr, t->panel_edge);
    cairo_set_line_width(cr, t->hairline);
    cairo_rectangle(cr, g->cells.x, g->cells.y, g->cells.w, g->cells.h);
    cairo_stroke(cr);
}

static void draw_values(cairo_t *cr, const gb_heatmap *hm, const gb_heatmap_geom *g, const gb_theme *t) {
    gb_font fs = gb_font_small(t);
    double w, h;
    gb_text_size(NULL, &fs, "-0.00", &w, &h);
    if (!hm->show_values || g->cw < w + 4 || g->ch < h + 2) return;
    for (int i = 0; i < hm->rows; i++)
        for (int j = 0; j < hm->cols; j++) {
            size_t k = (size_t)i * hm->cols + j;
            if (hm->mask && hm->mask[k]) continue;
            double v = hm->values[k];
            char b[32];
            snprintf(b, sizeof b, "%.2f", v);
            gb_set_rgb(cr, gb_text_on(gb_scale_color(hm->legend.scale,
                                                     gb_scale_t(v, hm->legend.vmin, hm->legend.vmax))));
            gb_text_draw(cr, &fs, b, g->cells.x + (j + 0.5) * g->cw, g->cells.y + (i + 0.5) * g->ch,
                         GB_CENTER, GB_MIDDLE, g->cw - 2);
        }
}

static void draw_labels(cairo_t *cr, const gb_heatmap *hm, const gb_heatmap_geom *g, const gb_theme *t) {
    gb_font fs = gb_font_small(t);
    for (int i = 0; i < hm->rows; i++) {
        bool hot = i == hm->hover_row;
        if (i % g->row_step != 0 && !hot) continue;
        if (!hot && hm->hover_row >= 0 && abs(i - hm->hover_row) < g->row_step) continue;
        char b[256];
        label_text(hm->row_labels, i, b, sizeof b);
        gb_font f = fs;
        f.bold = hot;
        gb_set_rgb(cr, hot ? t->highlight : t->fg);
        gb_text_draw(cr, &f, b, g->cells.x - 4, g->cells.y + (i + 0.5) * g->ch, GB_RIGHT, GB_MIDDLE,
                     g->row_label_w - 6);
    }
    for (int j = 0; j < hm->cols; j++) {
        bool hot = j == hm->hover_col;
        if (j % g->col_step != 0 && !hot) continue;
        if (!hot && hm->hover_col >= 0 && abs(j - hm->hover_col) < g->col_step) continue;
        char b[256];
        label_text(hm->col_labels, j, b, sizeof b);
        gb_font f = fs;
        f.bold = hot;
        gb_set_rgb(cr, hot ? t->highlight : t->fg);
        double x = g->cells.x + (j + 0.5) * g->cw;
        if (g->col_vertical)
            gb_text_draw_rotated(cr, &f, b, x, g->cells.y - 4, -GB_PI / 2, GB_LEFT, GB_MIDDLE,
                                 g->col_label_h - 6);
        else
            gb_text_draw(cr, &f, b, x, g->cells.y - 3, GB_CENTER, GB_BOTTOM, 0);
    }
}

static void draw_axis_names(cairo_t *cr, const gb_heatmap *hm, const gb_heatmap_geom *g,
                            const gb_theme *t) {
    gb_font fs = gb_font_small(t);
    fs.bold = true;
    gb_set_rgb(cr, t->fg_dim);
    if (hm->col_axis && *hm->col_axis)
        gb_text_draw(cr, &fs, hm->col_axis, g->cells.x + g->cells.w / 2,
                     g->cells.y - g->col_label_h - 2, GB_CENTER, GB_BOTTOM, g->cells.w);
    if (hm->row_axis && *hm->row_axis)
        gb_text_draw_rotated(cr, &fs, hm->row_axis, g->cells.x - g->row_label_w - 2,
                             g->cells.y + g->cells.h / 2, -GB_PI / 2, GB_CENTER, GB_BOTTOM,
                             g->cells.h);
}

static void draw_hover(cairo_t *cr, gb_rect area, const gb_heatmap *hm, const gb_heatmap_geom *g,
                       const gb_theme *t) {
    int i = hm->hover_row, j = hm->hover_col;
    if (i < 0 || j < 0 || i >= hm->rows || j >= hm->cols) return;
    cairo_rectangle(cr, g->cells.x + j * g->cw, g->cells.y + i * g->ch, g->cw, g->ch);
    cairo_set_line_width(cr, 2 * t->hairline);
    gb_set_rgb(cr, t->fg);
    cairo_stroke(cr);
    size_t k = (size_t)i * hm->cols + j;
    if (hm->show_legend) gb_draw_legend_marker(cr, g->legend, &hm->legend, hm->values[k], t);
    char rl[128], cl[128], b[400];
    label_text(hm->row_labels, i, rl, sizeof rl);
    label_text(hm->col_labels, j, cl, sizeof cl);
    /* name the axes in the read-out when they have names: "position p = 5, dimension i = 8" */
    char where[300];
    if (hm->row_axis && hm->col_axis)
        snprintf(where, sizeof where, "%s = %s, %s = %s", hm->row_axis, rl, hm->col_axis, cl);
    else
        snprintf(where, sizeof where, "%s, %s", rl, cl);
    if (hm->mask && hm->mask[k]) snprintf(b, sizeof b, "%s: masked", where);
    else snprintf(b, sizeof b, "%s: %.4g", where, hm->values[k]);
    gb_font fb = gb_font_body(t);
    double w, h;
    gb_text_size(cr, &fb, b, &w, &h);
    /* beside the cell, kept inside the heatmap's area */
    double x = g->cells.x + (j + 1) * g->cw + 8, y = g->cells.y + i * g->ch - h - 8;
    if (x + w + 12 > area.x + area.w) x = g->cells.x + j * g->cw - w - 20;
    if (x < area.x) x = area.x;
    if (y < area.y) y = g->cells.y + (i + 1) * g->ch + 6;
    gb_rect box = {x, y, w + 12, h + 8};
    gb_rounded_rect(cr, box, 4);
    gb_set_rgba(cr, t->tooltip_bg, 0.92);
    cairo_fill(cr);
    gb_set_rgb(cr, t->tooltip_fg);
    gb_text_draw(cr, &fb, b, x + 6, y + 4, GB_LEFT, GB_TOP, 0);
}

void gb_draw_heatmap(cairo_t *cr, gb_rect r, const gb_heatmap *hm, const gb_theme *t) {
    if (hm->rows <= 0 || hm->cols <= 0 || !hm->values || r.w < 4 || r.h < 4) return;
    gb_heatmap_geom g;
    gb_heatmap_layout(hm, r, t, &g);
    if (g.cells.w < 24 || g.cells.h < 24) { /* no room for a readable matrix: say so */
        gb_font fs = gb_font_small(t);
        gb_set_rgb(cr, t->fg_dim);
        gb_text_draw(cr, &fs, "(enlarge the window to see this)", r.x, r.y, GB_LEFT, GB_TOP, r.w);
        return;
    }
    draw_cells(cr, hm, &g);
    draw_mask(cr, hm, &g, t);
    draw_grid(cr, hm, &g, t);
    draw_values(cr, hm, &g, t);
    draw_labels(cr, hm, &g, t);
    draw_axis_names(cr, hm, &g, t);
    if (hm->show_legend) gb_draw_legend(cr, g.legend, &hm->legend, t);
    draw_hover(cr, r, hm, &g, t);
}
