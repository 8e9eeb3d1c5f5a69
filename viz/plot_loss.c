/* plot_loss.c - draw a loss curve with cairo: training loss (blue) and
 * validation loss (orange, dots) against the step, log-free linear axes. */
#include "plot_loss.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "glassbox/platform.h"

typedef struct frame {
    double x0, y0, w, h;     /* plot area in pixels */
    double smax, lmin, lmax; /* data ranges */
} frame;

static double px(const frame *f, double step) { return f->x0 + f->w * step / f->smax; }
static double py(const frame *f, double loss) { return f->y0 + f->h * (1.0 - (loss - f->lmin) / (f->lmax - f->lmin)); }

static void axes(cairo_t *cr, const frame *f) {
    cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
    cairo_set_line_width(cr, 1);
    char lab[32];
    cairo_set_font_size(cr, 11);
    for (int i = 0; i <= 5; i++) {
        double v = f->lmin + (f->lmax - f->lmin) * i / 5.0, y = py(f, v);
        cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
        cairo_move_to(cr, f->x0, y), cairo_line_to(cr, f->x0 + f->w, y), cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
        snprintf(lab, sizeof lab, "%.2f", v);
        cairo_move_to(cr, 8, y + 4), cairo_show_text(cr, lab);
        double s = f->smax * i / 5.0;
        snprintf(lab, sizeof lab, "%.0f", s);
        cairo_move_to(cr, px(f, s) - 10, f->y0 + f->h + 16), cairo_show_text(cr, lab);
    }
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    cairo_rectangle(cr, f->x0, f->y0, f->w, f->h), cairo_stroke(cr);
    cairo_move_to(cr, f->x0 + f->w / 2 - 15, f->y0 + f->h + 32), cairo_show_text(cr, "step");
}

static void series(cairo_t *cr, const frame *f, const gb_loss_point *p, int n, int val) {
    int started = 0;
    for (int i = 0; i < n; i++) {
        double v = val ? p[i].val : p[i].loss;
        if (!isfinite(v)) continue;
        if (!started) cairo_move_to(cr, px(f, p[i].step), py(f, v)), started = 1;
        else cairo_line_to(cr, px(f, p[i].step), py(f, v));
    }
    cairo_stroke(cr);
    for (int i = 0; val && i < n; i++)
        if (isfinite(p[i].val)) cairo_arc(cr, px(f, p[i].step), py(f, p[i].val), 2.5, 0, 6.2832), cairo_fill(cr);
}

static void draw(cairo_t *cr, int W, int H, const gb_loss_point *p, int n, const char *title) {
    frame f = {60, 36, W - 80, H - 90, 1, INFINITY, -INFINITY};
    for (int i = 0; i < n; i++) {
        f.smax = p[i].step > f.smax ? p[i].step : f.smax;
        float v[2] = {p[i].loss, p[i].val};
        for (int k = 0; k < 2; k++)
            if (isfinite(v[k])) f.lmin = fmin(f.lmin, v[k]), f.lmax = fmax(f.lmax, v[k]);
    }
    if (!(f.lmax > f.lmin)) f.lmin = 0, f.lmax = 1;
    f.lmin = fmax(0, f.lmin - 0.05 * (f.lmax - f.lmin));
    cairo_set_source_rgb(cr, 1, 1, 1), cairo_paint(cr);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    axes(cr, &f);
    cairo_set_font_size(cr, 13);
    cairo_move_to(cr, f.x0, 22), cairo_show_text(cr, title);
    cairo_set_line_width(cr, 2);
    cairo_set_source_rgb(cr, 0.12, 0.47, 0.71);
    series(cr, &f, p, n, 0);
    cairo_move_to(cr, f.x0 + f.w - 150, f.y0 + 18), cairo_show_text(cr, "training loss");
    cairo_set_source_rgb(cr, 1.0, 0.5, 0.05);
    series(cr, &f, p, n, 1);
    cairo_move_to(cr, f.x0 + f.w - 150, f.y0 + 36), cairo_show_text(cr, "validation loss");
}

static cairo_status_t write_chunk(void *closure, const unsigned char *data, unsigned int len) {
    return fwrite(data, 1, len, (FILE *)closure) == len ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

gb_status gb_plot_loss_png(const char *path, const gb_loss_point *p, int n, const char *title, gb_error *err) {
    const int W = 640, H = 400;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
    cairo_t *cr = cairo_create(s);
    draw(cr, W, H, p, n, title);
    cairo_status_t cs = cairo_status(cr);
    cairo_destroy(cr);
    gb_afile af;
    gb_status st = cs ? gb_fail(err, GB_ERR_INTERNAL, "%s: drawing failed: %s", path, cairo_status_to_string(cs))
                      : gb_afile_open(&af, path, err);
    if (!st) {
        if (cairo_surface_write_to_png_stream(s, write_chunk, af.fp) != CAIRO_STATUS_SUCCESS) {
            gb_afile_abort(&af);
            st = gb_fail(err, GB_ERR_INTERNAL, "%s: cannot write the PNG", path);
        } else {
            st = gb_afile_commit(&af, err);
        }
    }
    cairo_surface_destroy(s);
    return st;
}
