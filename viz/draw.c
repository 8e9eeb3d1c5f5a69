/* draw.c - rectangles, panels, axes ticks, legends and token chips (see draw.h). */
#include "draw.h"
#include "highlight.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

gb_rect gb_rect_inset(gb_rect r, double d) {
    gb_rect o = {r.x + d, r.y + d, r.w - 2 * d, r.h - 2 * d};
    if (o.w < 0) o.w = 0;
    if (o.h < 0) o.h = 0;
    return o;
}

gb_rect gb_rect_cut_top(gb_rect *r, double h, double gap) {
    if (h > r->h) h = r->h;
    gb_rect top = {r->x, r->y, r->w, h};
    double used = fmin(h + gap, r->h);
    r->y += used;
    r->h -= used;
    return top;
}

gb_rect gb_rect_cut_bottom(gb_rect *r, double h, double gap) {
    if (h > r->h) h = r->h;
    gb_rect bot = {r->x, r->y + r->h - h, r->w, h};
    r->h = fmax(0, r->h - h - gap);
    return bot;
}

gb_rect gb_rect_cut_left(gb_rect *r, double w, double gap) {
    if (w > r->w) w = r->w;
    gb_rect left = {r->x, r->y, w, r->h};
    double used = fmin(w + gap, r->w);
    r->x += used;
    r->w -= used;
    return left;
}

gb_rect gb_rect_cut_right(gb_rect *r, double w, double gap) {
    if (w > r->w) w = r->w;
    gb_rect right = {r->x + r->w - w, r->y, w, r->h};
    r->w = fmax(0, r->w - w - gap);
    return right;
}

gb_font gb_font_body(const gb_theme *t) { return (gb_font){.size = t->font}; }
gb_font gb_font_small(const gb_theme *t) { return (gb_font){.size = t->font_small}; }
gb_font gb_font_title(const gb_theme *t) { return (gb_font){.size = t->font_title, .bold = true}; }
gb_font gb_font_big(const gb_theme *t) { return (gb_font){.size = t->font_big, .bold = true}; }

void gb_rounded_rect(cairo_t *cr, gb_rect r, double rad) {
    rad = fmin(rad, fmin(r.w, r.h) / 2);
    if (rad <= 0) {
        cairo_rectangle(cr, r.x, r.y, r.w, r.h);
        return;
    }
    cairo_new_sub_path(cr);
    cairo_arc(cr, r.x + r.w - rad, r.y + rad, rad, -GB_PI / 2, 0);
    cairo_arc(cr, r.x + r.w - rad, r.y + r.h - rad, rad, 0, GB_PI / 2);
    cairo_arc(cr, r.x + rad, r.y + r.h - rad, rad, GB_PI / 2, GB_PI);
    cairo_arc(cr, r.x + rad, r.y + rad, rad, GB_PI, 3 * GB_PI / 2);
    cairo_close_path(cr);
}

void gb_fill_hatched(cairo_t *cr, gb_rect r, gb_rgb c, double spacing) {
    cairo_save(cr);
    cairo_rectangle(cr, r.x, r.y, r.w, r.h);
    cairo_clip(cr);
    gb_set_rgb(cr, gb_rgb_mix(c, (gb_rgb){1, 1, 1}, 0.55));
    cairo_paint(cr);
    gb_set_rgb(cr, c);
    cairo_set_line_width(cr, fmax(0.75, spacing / 5));
    /* lines of slope -1 anchored to the user-space origin, so neighbouring
     * cells join into one continuous hatch */
    double s = spacing;
    double k0 = floor((r.x + r.y) / s), k1 = ceil((r.x + r.w + r.y + r.h) / s);
    for (double k = k0; k <= k1; k++) {
        double c0 = k * s;
        cairo_move_to(cr, c0 - r.y, r.y);
        cairo_line_to(cr, c0 - (r.y + r.h), r.y + r.h);
    }
    cairo_stroke(cr);
    cairo_restore(cr);
}

double gb_panel_header_h(const char *subtitle, const gb_theme *t) {
    double h = t->font_title * 1.25 + t->pad;
    if (subtitle && *subtitle) h += t->font_small * 1.3 + 2;
    return h;
}

gb_rect gb_draw_panel(cairo_t *cr, gb_rect r, const char *title, const char *subtitle,
                      const gb_theme *t) {
    gb_rounded_rect(cr, r, t->radius);
    gb_set_rgb(cr, t->panel);
    cairo_fill_preserve(cr);
    gb_set_rgb(cr, t->panel_edge);
    cairo_set_line_width(cr, t->hairline);
    cairo_stroke(cr);
    gb_rect in = gb_rect_inset(r, t->pad);
    if (title && *title) {
        gb_font ft = gb_font_title(t);
        gb_set_rgb(cr, t->fg);
        gb_text_draw(cr, &ft, title, in.x, in.y, GB_LEFT, GB_TOP, in.w);
        double hh = t->font_title * 1.25;
        if (subtitle && *subtitle) {
            gb_font fs = gb_font_small(t);
            gb_set_rgb(cr, t->fg_dim);
            gb_text_draw(cr, &fs, subtitle, in.x, in.y + hh + 2, GB_LEFT, GB_TOP, in.w);
        }
        gb_rect_cut_top(&in, gb_panel_header_h(subtitle, t) - t->pad, t->pad);
    }
    return in;
}

/* ---- ticks ---- */

int gb_nice_ticks(double lo, double hi, int target, double *ticks, int cap) {
    if (!(hi > lo) || !isfinite(lo) || !isfinite(hi) || cap <= 0) return 0;
    if (target < 2) target = 2;
    double raw = (hi - lo) / (target - 1);
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag, step;
    step = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
    step *= mag;
    int n = 0;
    for (double v = ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9 && n < cap; v += step)
        ticks[n++] = fabs(v) < step * 1e-9 ? 0 : v;
    return n;
}

void gb_format_tick(double v, double step, char *buf, int cap) {
    double a = fabs(step);
    if (a == 0) a = fabs(v);
    if (a == 0 || !isfinite(a)) { /* a lone tick: nothing to size the digits by */
        snprintf(buf, (size_t)cap, "%g", v);
        return;
    }
    if (fabs(v) < a * 1e-9) v = 0; /* no "-0.0" on an axis */
    if (fabs(v) >= 1e5 || (a < 1e-3 && v != 0)) snprintf(buf, (size_t)cap, "%.0e", v);
    else if (a >= 1) snprintf(buf, (size_t)cap, "%.0f", v);
    else {
        int dec = 1; /* as many decimals as the step needs: 0.25 -> 2, 0.5 -> 1 */
        while (dec < 6 && fabs(a * pow(10, dec) - round(a * pow(10, dec))) > 1e-6 * pow(10, dec)) dec++;
        snprintf(buf, (size_t)cap, "%.*f", dec, v);
    }
    /* "-0" looks like a bug on an axis */
    if (strcmp(buf, "-0") == 0) snprintf(buf, (size_t)cap, "0");
}

/* ---- legend ---- */

#define BAR_W 14.0

double gb_legend_width(const gb_legend *l, const gb_theme *t) {
    gb_font fs = gb_font_small(t);
    double ticks[16], wmax = 0;
    int n = gb_nice_ticks(l->vmin, l->vmax, 5, ticks, 16);
    double step = n > 1 ? ticks[1] - ticks[0] : 0;
    for (int i = 0; i < n; i++) {
        char b[32];
        double w;
        gb_format_tick(ticks[i], step, b, sizeof b);
        gb_text_size(NULL, &fs, b, &w, NULL);
        wmax = fmax(wmax, w);
    }
    /* bar, tick marks, numbers, then the rotated label beside */
    return BAR_W + 4 + wmax + 6 + t->font_small * 1.3;
}

static gb_rect legend_bar(gb_rect r, const gb_theme *t) {
    return (gb_rect){r.x, r.y + t->font_small * 0.6, BAR_W, fmax(0, r.h - t->font_small * 1.2)};
}

void gb_draw_legend(cairo_t *cr, gb_rect r, const gb_legend *l, const gb_theme *t) {
    gb_rect bar = legend_bar(r, t);
    if (bar.h < 10) return;
    cairo_pattern_t *pat = cairo_pattern_create_linear(0, bar.y + bar.h, 0, bar.y);
    for (int i = 0; i <= 32; i++) {
        gb_rgb c = gb_scale_color(l->scale, i / 32.0);
        cairo_pattern_add_color_stop_rgb(pat, i / 32.0, c.r, c.g, c.b);
    }
    cairo_rectangle(cr, bar.x, bar.y, bar.w, bar.h);
    cairo_set_source(cr, pat);
    cairo_fill(cr);
    cairo_pattern_destroy(pat);
    cairo_rectangle(cr, bar.x, bar.y, bar.w, bar.h);
    gb_set_rgb(cr, t->panel_edge);
    cairo_set_line_width(cr, t->hairline);
    cairo_stroke(cr);

    gb_font fs = gb_font_small(t);
    double ticks[16], wmax = 0;
    int target = (int)fmax(2, fmin(6, bar.h / (t->font_small * 2.5)));
    int n = gb_nice_ticks(l->vmin, l->vmax, target, ticks, 16);
    while (n < 2 && target < 8) n = gb_nice_ticks(l->vmin, l->vmax, ++target, ticks, 16); /* a scale needs two numbers */
    double step = n > 1 ? ticks[1] - ticks[0] : 0;
    gb_set_rgb(cr, t->fg);
    cairo_set_line_width(cr, t->hairline);
    for (int i = 0; i < n; i++) {
        double y = bar.y + bar.h * (1 - gb_scale_t(ticks[i], l->vmin, l->vmax));
        cairo_move_to(cr, bar.x + bar.w, y);
        cairo_line_to(cr, bar.x + bar.w + 4, y);
        cairo_stroke(cr);
        char b[32];
        gb_format_tick(ticks[i], step, b, sizeof b);
        wmax = fmax(wmax, gb_text_draw(cr, &fs, b, bar.x + bar.w + 6, y, GB_LEFT, GB_MIDDLE, 0));
    }
    if (l->label && *l->label) {
        gb_set_rgb(cr, t->fg_dim);
        gb_text_draw_rotated(cr, &fs, l->label, bar.x + bar.w + 8 + wmax + t->font_small * 0.2,
                             bar.y + bar.h / 2, -GB_PI / 2, GB_CENTER, GB_TOP, bar.h);
    }
}

void gb_draw_legend_marker(cairo_t *cr, gb_rect r, const gb_legend *l, double v, const gb_theme *t) {
    gb_rect bar = legend_bar(r, t);
    if (bar.h < 10 || !isfinite(v)) return;
    double y = bar.y + bar.h * (1 - fmin(1, fmax(0, gb_scale_t(v, l->vmin, l->vmax))));
    cairo_move_to(cr, bar.x - 1, y);
    cairo_line_to(cr, bar.x - 7, y - 4);
    cairo_line_to(cr, bar.x - 7, y + 4);
    cairo_close_path(cr);
    gb_set_rgb(cr, t->fg);
    cairo_fill(cr);
}

/* ---- token chips ---- */

static void chip_size(const gb_chip *c, const gb_theme *t, char *buf, size_t cap, double *w,
                      double *h) {
    gb_font fb = gb_font_body(t), fs = gb_font_small(t);
    gb_text_sanitize(c->text, c->len, buf, cap, GB_TEXT_SHOW_SPACE);
    double tw, th, iw = 0, ih = 0;
    gb_text_size(NULL, &fb, buf, &tw, &th);
    if (c->id >= 0) {
        char id[24];
        snprintf(id, sizeof id, "%d", c->id);
        gb_text_size(NULL, &fs, id, &iw, &ih);
    }
    *w = fmax(tw, iw) + 2 * t->pad * 0.8;
    *h = th + ih + t->pad * 0.8;
}

double gb_chips_layout(const gb_chip *chips, int n, gb_rect r, const gb_theme *t, gb_rect *rects) {
    double x = r.x, y = r.y, row_h = 0, gap = t->pad * 0.6;
    for (int i = 0; i < n; i++) {
        char buf[256];
        double w, h;
        chip_size(&chips[i], t, buf, sizeof buf, &w, &h);
        if (w > r.w) w = r.w;
        if (x > r.x && x + w > r.x + r.w) {
            x = r.x;
            y += row_h + gap;
            row_h = 0;
        }
        if (rects) rects[i] = (gb_rect){x, y, w, h};
        x += w + gap;
        row_h = fmax(row_h, h);
    }
    return n ? y + row_h - r.y : 0;
}

double gb_draw_chips(cairo_t *cr, gb_rect r, const gb_chip *chips, int n, const gb_theme *t) {
    return gb_draw_chips_hl(cr, r, chips, n, NULL, t);
}

double gb_draw_chips_hl(cairo_t *cr, gb_rect r, const gb_chip *chips, int n, const bool *marked, const gb_theme *t) {
    gb_rect one;
    double used = 0;
    gb_font fb = gb_font_body(t), fs = gb_font_small(t);
    gb_rect *rects = n ? calloc((size_t)n, sizeof *rects) : NULL;
    if (n && !rects) return 0;
    used = gb_chips_layout(chips, n, r, t, rects);
    cairo_save(cr);
    double m = 2;
    for (int i = 0; marked && i < n; i++)
        if (marked[i]) m = 7; /* room for a highlight's ring */
    cairo_rectangle(cr, r.x - m, r.y - m, r.w + 2 * m, r.h + 2 * m);
    cairo_clip(cr);
    for (int i = 0; i < n; i++) {
        one = rects[i];
        if (one.y > r.y + r.h) break; /* rows below the box are not drawn */
        const gb_chip *c = &chips[i];
        gb_rounded_rect(cr, one, t->radius);
        gb_set_rgb(cr, gb_palette_tint(c->color));
        cairo_fill_preserve(cr);
        gb_set_rgb(cr, c->selected ? t->fg : gb_palette(c->color));
        cairo_set_line_width(cr, c->selected ? 2.5 * t->hairline : t->hairline);
        cairo_stroke(cr);
        char buf[256];
        gb_text_sanitize(c->text, c->len, buf, sizeof buf, GB_TEXT_SHOW_SPACE);
        gb_set_rgb(cr, t->fg);
        gb_text_draw(cr, &fb, buf, one.x + one.w / 2, one.y + t->pad * 0.4, GB_CENTER, GB_TOP,
                     one.w - t->pad);
        if (c->id >= 0) {
            char id[24];
            snprintf(id, sizeof id, "%d", c->id);
            gb_set_rgb(cr, t->fg_dim);
            gb_text_draw(cr, &fs, id, one.x + one.w / 2, one.y + one.h - t->pad * 0.4, GB_CENTER,
                         GB_BOTTOM, one.w - t->pad);
        }
        if (marked && marked[i]) gb_hl_halo(cr, one, 3, t->radius);
    }
    cairo_restore(cr);
    free(rects);
    return used;
}
