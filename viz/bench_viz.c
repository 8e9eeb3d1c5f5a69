/* bench_viz.c - viewer frame times at 1600x1000: the whole window (chrome +
 * positions view) and a rotating 3D scatter of 50,000 points (GPT-2's
 * vocabulary size), against the frame budgets of issue 7 (16 ms per frame;
 * above 30 frames per second while rotating). A full-frame copy measured in
 * the same run shows what the pixels alone cost. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_ui.h"
#include "bench.h"
#include "draw.h"
#include "glassbox/platform.h"
#include "render.h"
#include "text.h"

#define W 1600
#define H 1000

static double median_ms(double *t, int n) { return gb_bench_median(t, n) * 1e3; }

/* Copying a full frame: the floor under any drawing. */
static double copy_ms(cairo_surface_t *dst, int reps) {
    cairo_surface_t *src = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
    cairo_t *fill = cairo_create(src); /* cairo skips work on surfaces it knows are clear */
    cairo_set_source_rgb(fill, 0.5, 0.6, 0.7);
    cairo_paint(fill);
    cairo_destroy(fill);
    double ms = gb_bench_copy_ms(dst, src, reps);
    cairo_surface_destroy(src);
    return ms;
}

static double window_frame_ms(cairo_surface_t *dst, int reps, gb_error *err) {
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.prompt = "The quick brown fox jumps over the lazy dog";
    gb_shared base = {.theme = gb_theme_normal()};
    gb_app app;
    if (gb_app_init(&app, &a, &base, err)) return NAN;
    gb_app_layout(&app, W, H);
    for (int i = 0; i < app.n_views; i++) /* the figure is named for the positions view */
        if (strcmp(app.views[i]->name, "positions") == 0) gb_app_select(&app, i);
    gb_shared sh = gb_app_shared(&app);
    gb_view_settle(app.views[app.current], app.self[app.current], &sh, err);
    double t[64];
    for (int i = 0; i < reps; i++) {
        cairo_t *cr = cairo_create(dst);
        double t0 = gb_now();
        gb_app_draw(cr, &app);
        cairo_surface_flush(dst);
        t[i] = gb_now() - t0;
        cairo_destroy(cr);
    }
    gb_app_free(&app);
    return median_ms(t, reps);
}

static double scatter_frame_ms(cairo_surface_t *dst, int n, int reps) {
    float *pts = malloc((size_t)n * 3 * sizeof(float));
    gb_rgb *col = malloc((size_t)n * sizeof(gb_rgb));
    if (!pts || !col) {
        free(pts), free(col);
        return NAN;
    }
    uint64_t s = 42;
    for (int i = 0; i < 3 * n; i++) { /* seeded uniform-ish cloud */
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        pts[i] = (float)((s >> 40) / (double)(1 << 24) * 2 - 1);
    }
    for (int i = 0; i < n; i++) col[i] = gb_scale_color(GB_SCALE_VIRIDIS, (pts[3 * i + 2] + 1) / 2);
    const gb_theme *th = gb_theme_normal();
    gb_scatter3d sc = {.pts = pts, .n = n, .colors = col, .pick_a = 1, .pick_b = 2, .hover = -1,
                       .cam = {.zoom = 1, .distance = 3}};
    double t[64];
    for (int i = 0; i < reps; i++) {
        sc.cam.yaw = 0.05 * i, sc.cam.pitch = 0.3; /* rotating */
        cairo_t *cr = cairo_create(dst);
        double t0 = gb_now();
        gb_set_rgb(cr, th->bg);
        cairo_paint(cr);
        gb_draw_scatter3d(cr, (gb_rect){0, 0, W, H}, &sc, th);
        cairo_surface_flush(dst);
        t[i] = gb_now() - t0;
        cairo_destroy(cr);
    }
    free(pts), free(col);
    return median_ms(t, reps);
}

int gb_bench_viz(gb_bench *b) {
    const gb_bench_opts *o = gb_bench_options(b);
    int reps = o->quick ? 5 : 31;
    gb_error err = {0};
    if (gb_render_fonts(&err)) {
        fprintf(stderr, "glassbox: bench viz: %s\n", err.msg);
        return 1;
    }
    cairo_surface_t *dst = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
    double copy = copy_ms(dst, reps);
    gb_bench_report(b, "viz", "copy one 1600x1000 frame", copy, "ms", false, NULL, 0, 0,
                    "the pixels alone, for scale");
    double frame = window_frame_ms(dst, reps, &err);
    gb_bench_report(b, "viz", "window frame at 1600x1000, positions view", frame, "ms", false,
                    "60 Hz frame budget", 16.0, 1.0, NULL);
    double sc = scatter_frame_ms(dst, 50000, reps);
    char note[96];
    snprintf(note, sizeof note, "%.0f frames per second while rotating", 1e3 / sc);
    gb_bench_report(b, "viz", "3D scatter of 50,000 points at 1600x1000", sc, "ms", false,
                    "30 frames per second", 1e3 / 30, 1.0, note);
    cairo_surface_destroy(dst);
    gb_text_shutdown();
    return 0;
}
