/* draw_plot.c - bar charts of labelled bars and line plots with axes. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "draw.h"
#include "highlight.h"

/* ---- bars ---- */

void gb_bars_layout(const gb_bars *b, gb_rect r, const gb_theme *t, gb_bars_geom *g) {
    gb_font fb = gb_font_body(t);
    fb.bold = true; /* the highlighted and hovered labels are bold: measure them so */
    double wmax = 0, th = t->font * 1.2;
    for (int i = 0; i < b->n; i++) {
        double w;
        gb_text_size(NULL, &fb, b->labels ? b->labels[i] : "", &w, &th);
        wmax = fmax(wmax, w);
    }
    g->label_w = fmin(wmax + 8, r.w * 0.35);
    double axis_h = b->value_axis ? t->font_small * 1.4 * 2 + 4 : t->font_small * 1.4 + 4;
    g->plot = (gb_rect){r.x + g->label_w, r.y, fmax(1, r.w - g->label_w), fmax(1, r.h - axis_h)};
    g->row_h = fmax(th + 4, fmin(th * 2.2, g->plot.h / fmax(1, b->n)));
    g->shown = (int)fmin(b->n, floor(g->plot.h / g->row_h));
}

int gb_bars_hit(const gb_bars_geom *g, const gb_bars *b, double x, double y) {
    if (y < g->plot.y || x < g->plot.x - g->label_w || x > g->plot.x + g->plot.w) return -1;
    int i = (int)((y - g->plot.y) / g->row_h);
    return i >= 0 && i < g->shown && i < b->n ? i : -1;
}

static double bars_vmax(const gb_bars *b) {
    if (b->vmax > 0) return b->vmax;
    double m = 0;
    for (int i = 0; i < b->n; i++) {
        m = fmax(m, b->values[i]);
        if (b->ghost) m = fmax(m, b->ghost[i]);
    }
    return m > 0 ? m : 1;
}

static void draw_value_axis(cairo_t *cr, gb_rect plot, double vmax, const char *name, const gb_theme *t) {
    gb_font fs = gb_font_small(t);
    double ticks[16];
    int target = (int)fmax(2, fmin(8, plot.w / 70));
    int n = gb_nice_ticks(0, vmax, target, ticks, 16);
    double step = n > 1 ? ticks[1] - ticks[0] : 0;
    cairo_set_line_width(cr, t->hairline);
    for (int i = 0; i < n; i++) {
        double x = plot.x + plot.w * ticks[i] / vmax;
        gb_set_rgb(cr, t->grid);
        cairo_move_to(cr, x, plot.y);
        cairo_line_to(cr, x, plot.y + plot.h);
        cairo_stroke(cr);
        char buf[32];
        gb_format_tick(ticks[i], step, buf, sizeof buf);
        gb_set_rgb(cr, t->fg_dim);
        /* a tick at the very end is right-aligned so it stays inside the panel */
        bool at_end = x > plot.x + plot.w - 12;
        gb_text_draw(cr, &fs, buf, at_end ? x + 2 : x, plot.y + plot.h + 3, at_end ? GB_RIGHT : GB_CENTER,
                     GB_TOP, 0);
    }
    if (name) {
        fs.bold = true;
        gb_text_draw(cr, &fs, name, plot.x + plot.w / 2, plot.y + plot.h + 4 + t->font_small * 1.4,
                     GB_CENTER, GB_TOP, plot.w);
    }
}

void gb_draw_bars(cairo_t *cr, gb_rect r, const gb_bars *b, const gb_theme *t) {
    if (b->n <= 0 || r.w < 20 || r.h < 20) return;
    gb_bars_geom g;
    gb_bars_layout(b, r, t, &g);
    double vmax = bars_vmax(b);
    draw_value_axis(cr, g.plot, vmax, b->value_axis, t);
    gb_font fb = gb_font_body(t), fs = gb_font_small(t);
    double valw;
    gb_text_size(NULL, &fs, "0.0000", &valw, NULL);
    for (int i = 0; i < g.shown; i++) {
        double y = g.plot.y + i * g.row_h, bh = g.row_h * 0.7, by = y + (g.row_h - bh) / 2;
        bool hot = i == b->highlight || i == b->hover;
        if (i == b->hover) {
            gb_set_rgb(cr, t->widget_hot);
            cairo_rectangle(cr, r.x, y, r.w, g.row_h);
            cairo_fill(cr);
        }
        if (b->ghost) {
            gb_set_rgb(cr, t->masked);
            cairo_rectangle(cr, g.plot.x, by, g.plot.w * fmin(1, b->ghost[i] / vmax), bh);
            cairo_fill(cr);
        }
        gb_rgb c = b->colors ? b->colors[i] : t->accent;
        if (i == b->highlight) c = t->highlight;
        double w = g.plot.w * fmin(1, fmax(0, b->values[i] / vmax));
        gb_set_rgb(cr, c);
        cairo_rectangle(cr, g.plot.x, by + (b->ghost ? bh * 0.2 : 0), w, b->ghost ? bh * 0.6 : bh);
        cairo_fill(cr);
        gb_font fl = fb;
        bool mark = b->marked && b->marked[i];
        fl.bold = hot; /* the ground marks it; bold would not fit a tight label column */
        const char *lab = b->labels ? b->labels[i] : "";
        if (mark) { /* the highlighter's ground behind the label, as in the narrative */
            double lw;
            gb_text_size(cr, &fl, lab, &lw, NULL);
            lw = fmin(lw, g.label_w - 8);
            gb_hl_ground(cr, (gb_rect){g.plot.x - 6 - lw - 4, y + 1, lw + 8, g.row_h - 2}, 0);
        }
        gb_set_rgb(cr, mark ? GB_HL_INK : t->fg);
        gb_text_draw(cr, &fl, lab, g.plot.x - 6, y + g.row_h / 2, GB_RIGHT, GB_MIDDLE, g.label_w - 8);
        char v[32];
        snprintf(v, sizeof v, "%.*f", b->decimals > 0 ? b->decimals : 3, b->values[i]);
        /* the number sits after the bar, or inside it when the bar is long */
        bool inside = w + valw + 8 > g.plot.w;
        gb_set_rgb(cr, inside ? gb_text_on(c) : t->fg_dim);
        gb_text_draw(cr, &fs, v, inside ? g.plot.x + w - 4 : g.plot.x + w + 4, y + g.row_h / 2,
                     inside ? GB_RIGHT : GB_LEFT, GB_MIDDLE, 0);
    }
    if (g.shown < b->n) {
        char more[48];
        snprintf(more, sizeof more, "(%d more not shown)", b->n - g.shown);
        gb_set_rgb(cr, t->fg_dim);
        gb_text_draw(cr, &fs, more, r.x + r.w, r.y + r.h, GB_RIGHT, GB_BOTTOM, 0);
    }
}

/* ---- line plot ---- */

#define TICK_W (t->font_small * 3.8) /* room for y tick numbers */

static void data_range(const gb_lineplot *p, double *x0, double *x1, double *y0, double *y1) {
    *x0 = *y0 = INFINITY;
    *x1 = *y1 = -INFINITY;
    for (int s = 0; s < p->n_series; s++)
        for (int i = 0; i < p->series[s].n; i++) {
            double x = p->series[s].x ? p->series[s].x[i] : i, y = p->series[s].y[i];
            if (!isfinite(x) || !isfinite(y)) continue;
            *x0 = fmin(*x0, x), *x1 = fmax(*x1, x), *y0 = fmin(*y0, y), *y1 = fmax(*y1, y);
        }
    if (p->xmin < p->xmax) *x0 = p->xmin, *x1 = p->xmax;
    if (p->ymin < p->ymax) *y0 = p->ymin, *y1 = p->ymax;
    if (!(*x1 > *x0)) *x0 = 0, *x1 = 1;
    if (!(*y1 > *y0)) *y0 -= 1, *y1 += 1;
    if (!(p->ymin < p->ymax)) { /* round an automatic y range out to ticks */
        double tk[16];
        int n = gb_nice_ticks(*y0, *y1, 5, tk, 16);
        double step = n > 1 ? tk[1] - tk[0] : 0;
        if (step > 0) *y0 = floor(*y0 / step + 1e-9) * step, *y1 = ceil(*y1 / step - 1e-9) * step;
    }
}

static double legend_height(const gb_lineplot *p, double width, const gb_theme *t) {
    if (!p->legend || p->n_series == 0) return 0;
    gb_font fs = gb_font_small(t);
    double x = 0, rows = 1;
    for (int s = 0; s < p->n_series; s++) {
        double w;
        if (!p->series[s].label) continue;
        gb_text_size(NULL, &fs, p->series[s].label, &w, NULL);
        w += 30;
        if (x > 0 && x + w > width) rows++, x = 0;
        x += w;
    }
    return rows * t->font_small * 1.5 + 4;
}

static void draw_series_legend(cairo_t *cr, gb_rect r, const gb_lineplot *p, const gb_theme *t) {
    gb_font fs = gb_font_small(t);
    double x = r.x, y = r.y, lh = t->font_small * 1.5;
    for (int s = 0; s < p->n_series; s++) {
        const gb_series *se = &p->series[s];
        double w;
        if (!se->label) continue; /* unlabelled series stay out of the legend */
        gb_text_size(NULL, &fs, se->label, &w, NULL);
        if (x > r.x && x + w + 30 > r.x + r.w) x = r.x, y += lh;
        gb_set_rgb(cr, se->color);
        cairo_set_line_width(cr, t->line);
        if (se->dashed) cairo_set_dash(cr, (double[]){5, 3}, 2, 0);
        if (se->no_line) {
            cairo_arc(cr, x + 10, y + lh / 2, t->line * 1.4, 0, 2 * GB_PI);
            cairo_fill(cr);
        } else {
            cairo_move_to(cr, x, y + lh / 2);
            cairo_line_to(cr, x + 20, y + lh / 2);
            cairo_stroke(cr);
        }
        cairo_set_dash(cr, NULL, 0, 0);
        gb_set_rgb(cr, t->fg);
        gb_text_draw(cr, &fs, se->label ? se->label : "", x + 24, y + lh / 2, GB_LEFT, GB_MIDDLE, 0);
        x += w + 36;
    }
}

static void draw_axes(cairo_t *cr, gb_rect pl, double x0, double x1, double y0, double y1,
                      const gb_lineplot *p, const gb_theme *t) {
    gb_font fs = gb_font_small(t);
    double tk[32];
    cairo_set_line_width(cr, t->hairline);
    int n = gb_nice_ticks(y0, y1, (int)fmax(3, fmin(7, pl.h / (t->font_small * 2.5))), tk, 32);
    double step = n > 1 ? tk[1] - tk[0] : 0;
    for (int i = 0; i < n; i++) {
        double y = pl.y + pl.h * (1 - (tk[i] - y0) / (y1 - y0));
        gb_set_rgb(cr, tk[i] == 0 ? t->fg_dim : t->grid);
        cairo_move_to(cr, pl.x, y);
        cairo_line_to(cr, pl.x + pl.w, y);
        cairo_stroke(cr);
        char b[32];
        gb_format_tick(tk[i], step, b, sizeof b);
        gb_set_rgb(cr, t->fg_dim);
        gb_text_draw(cr, &fs, b, pl.x - 4, y, GB_RIGHT, GB_MIDDLE, 0);
    }
    double wlab;
    char wide[32];
    gb_format_tick(x1, (x1 - x0) / 5, wide, sizeof wide);
    gb_text_size(NULL, &fs, wide, &wlab, NULL);
    n = gb_nice_ticks(x0, x1, (int)fmax(2, fmin(10, pl.w / (wlab + 24))), tk, 32);
    step = n > 1 ? tk[1] - tk[0] : 0;
    for (int i = 0; i < n; i++) {
        double x = pl.x + pl.w * (tk[i] - x0) / (x1 - x0);
        gb_set_rgb(cr, t->grid);
        cairo_move_to(cr, x, pl.y);
        cairo_line_to(cr, x, pl.y + pl.h);
        cairo_stroke(cr);
        char b[32];
        gb_format_tick(tk[i], step, b, sizeof b);
        gb_set_rgb(cr, t->fg_dim);
        gb_text_draw(cr, &fs, b, x, pl.y + pl.h + 3, GB_CENTER, GB_TOP, 0);
    }
    gb_set_rgb(cr, t->panel_edge);
    cairo_rectangle(cr, pl.x, pl.y, pl.w, pl.h);
    cairo_stroke(cr);
    fs.bold = true;
    gb_set_rgb(cr, t->fg_dim);
    if (p->x_axis)
        gb_text_draw(cr, &fs, p->x_axis, pl.x + pl.w / 2, pl.y + pl.h + 4 + t->font_small * 1.3,
                     GB_CENTER, GB_TOP, pl.w);
    if (p->y_axis)
        gb_text_draw_rotated(cr, &fs, p->y_axis, pl.x - TICK_W, pl.y + pl.h / 2, -GB_PI / 2,
                             GB_CENTER, GB_BOTTOM, pl.h);
}

void gb_draw_lineplot(cairo_t *cr, gb_rect r, const gb_lineplot *p, const gb_theme *t) {
    if (r.w < 60 || r.h < 40) return;
    double x0, x1, y0, y1;
    data_range(p, &x0, &x1, &y0, &y1);
    gb_rect pl = r;
    double lh = legend_height(p, r.w - 50, t);
    if (lh > r.h * 0.3) lh = 0; /* no room: the plot matters more than its legend */
    gb_rect leg = gb_rect_cut_top(&pl, lh, lh > 0 ? 4 : 0);
    gb_rect_cut_left(&pl, TICK_W + (p->y_axis ? t->font_small * 1.4 : 0), 0);
    gb_rect_cut_bottom(&pl, t->font_small * 1.4 * (p->x_axis ? 2 : 1) + 6, 0);
    gb_rect_cut_right(&pl, 8, 0);
    if (pl.w < 10 || pl.h < 10) return;
    leg.x = pl.x;
    leg.w = pl.w;
    draw_axes(cr, pl, x0, x1, y0, y1, p, t);
    cairo_save(cr);
    cairo_rectangle(cr, pl.x, pl.y, pl.w, pl.h);
    cairo_clip(cr);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    for (int s = 0; s < p->n_series; s++) {
        const gb_series *se = &p->series[s];
        gb_set_rgb(cr, se->color);
        cairo_set_line_width(cr, t->line);
        if (se->dashed) cairo_set_dash(cr, (double[]){6, 4}, 2, 0);
        bool pen = false;
        for (int i = 0; i < se->n && !se->no_line; i++) {
            double xv = se->x ? se->x[i] : i, yv = se->y[i];
            if (!isfinite(xv) || !isfinite(yv)) { pen = false; continue; }
            double x = pl.x + pl.w * (xv - x0) / (x1 - x0), y = pl.y + pl.h * (1 - (yv - y0) / (y1 - y0));
            if (pen) cairo_line_to(cr, x, y);
            else cairo_move_to(cr, x, y);
            pen = true;
        }
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        if (se->markers)
            for (int i = 0; i < se->n; i++) {
                double xv = se->x ? se->x[i] : i, yv = se->y[i];
                if (!isfinite(yv)) continue;
                cairo_arc(cr, pl.x + pl.w * (xv - x0) / (x1 - x0), pl.y + pl.h * (1 - (yv - y0) / (y1 - y0)),
                          t->line * 1.2, 0, 2 * GB_PI);
                cairo_fill(cr);
            }
    }
    if (isfinite(p->cursor_x)) {
        double x = pl.x + pl.w * (p->cursor_x - x0) / (x1 - x0);
        gb_set_rgb(cr, t->highlight);
        cairo_set_line_width(cr, t->hairline * 1.5);
        cairo_move_to(cr, x, pl.y);
        cairo_line_to(cr, x, pl.y + pl.h);
        cairo_stroke(cr);
    }
    cairo_restore(cr);
    if (lh > 0) draw_series_legend(cr, leg, p, t);
    (void)leg;
}
