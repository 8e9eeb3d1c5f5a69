/* bench_viewer_tasks.c - frame time of the translation and classification
 * views at 1600x1000 in the window's setting (widgets drawn, a hovered cell),
 * against the 16 ms budget, with the bundled models and the longest sentences
 * of lessons 9 and 10; a plain full-frame copy measured in the same run is
 * the floor. The translation and the classification themselves (the jobs,
 * once per sentence, off the UI thread) are reported for information. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#include "bench.h"
#include "glassbox/model.h"
#include "glassbox/platform.h"
#include "render.h"
#include "text.h"
#include "view.h"

#define W 1600
#define H 1000
#define BUDGET_MS 16.0

static const char *const FR = "le cheval n' a pas travers\xC3\xA9 la rivi\xC3\xA8re parce qu' elle \xC3\xA9tait trop profonde .";
static const char *const EN = "i did not like the pizzas and the song was not very good .";

typedef struct frames {
    const gb_view *v;
    void *self;
    const gb_shared *sh;
    cairo_surface_t *img;
} frames;

static void one_frame(void *ctx, int i) {
    frames *f = ctx;
    gb_event ev = {.type = GB_EV_MOUSE_MOVE, .x = 120 + (i % 20) * 20, .y = 500 + (i % 7) * 20};
    f->v->event(f->self, &ev, f->sh);
    gb_bench_draw(f->img, f->v, f->self, f->sh, W, H);
}

/* Median milliseconds of a frame: the view drawn into a 1600x1000 image, a pointer moving over it. */
static double time_frames(const gb_view *v, void *self, const gb_shared *sh, cairo_surface_t *img, int reps) {
    frames f = {v, self, sh, img};
    return gb_bench_median_ms(reps, one_frame, &f);
}

/* Open, settle (timing the job), draw; reports the frame. Returns the frame time or NAN. */
static double bench_view(gb_bench *b, const char *name, const char *model, const char *prompt, cairo_surface_t *img,
                         int reps, double copy) {
    gb_error err = {0};
    gb_model *m = NULL;
    const gb_view *v = gb_view_find(name);
    if (!v || gb_model_load(model, &m, &err)) {
        fprintf(stderr, "bench tasks: %s: %s\n", name, err.msg);
        return NAN;
    }
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.prompt = prompt;
    gb_shared sh = {.theme = gb_theme_normal(), .interactive = true, .model = m, .model_name = model, .prompt = prompt};
    void *self = v->create(&a, &err);
    double t0 = gb_now();
    bool ok = self && !gb_view_settle(v, self, &sh, &err) && !v->check(self, &sh, &err);
    double job = (gb_now() - t0) * 1e3;
    double frame = NAN;
    if (ok) {
        v->layout(self, W, H, &sh);
        time_frames(v, self, &sh, img, 3); /* warm the text caches */
        frame = time_frames(v, self, &sh, img, reps);
        char fig[96], note[200];
        snprintf(fig, sizeof fig, "%s view frame", name);
        snprintf(note, sizeof note, "%s, \"%s\", 1600x1000, widgets and hover; a full-frame copy takes %.2f ms", model,
                 prompt, copy);
        gb_bench_report(b, "viewer", fig, frame, "ms", false, "budget", BUDGET_MS, 1.0, note);
        snprintf(fig, sizeof fig, "%s: the model's work for a new sentence (worker thread)", name);
        gb_bench_report(b, "viewer", fig, job, "ms", false, NULL, 0, 0, "once per sentence, off the UI thread");
    } else {
        fprintf(stderr, "bench tasks: %s: %s\n", name, err.msg);
    }
    if (self) v->destroy(self);
    gb_model_free(m);
    return frame;
}

int gb_bench_tasks(gb_bench *b) {
    gb_error err = {0};
    if (gb_render_fonts(&err)) {
        fprintf(stderr, "bench tasks: %s\n", err.msg);
        return 1;
    }
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
    cairo_surface_t *dst = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
    int reps = gb_bench_options(b)->quick ? 10 : 60;
    cairo_t *cr = cairo_create(img); /* content to copy: a clear surface would be skipped */
    cairo_pattern_t *grad = cairo_pattern_create_linear(0, 0, W, H);
    cairo_pattern_add_color_stop_rgba(grad, 0, 0.1, 0.3, 0.8, 0.9);
    cairo_pattern_add_color_stop_rgba(grad, 1, 0.9, 0.6, 0.1, 0.7);
    cairo_set_source(cr, grad);
    cairo_paint(cr);
    cairo_pattern_destroy(grad);
    cairo_destroy(cr);
    double copy = gb_bench_copy_ms(dst, img, reps);
    gb_bench_report(b, "viewer", "tasks: full-frame copy (floor)", copy, "ms", false, NULL, 0, 0, "1600x1000 ARGB32");
    double t = bench_view(b, "translation", "classroom-translate", FR, img, reps, copy);
    double c = bench_view(b, "classification", "classroom-sentiment", EN, img, reps, copy);
    cairo_surface_destroy(img);
    cairo_surface_destroy(dst);
    return isnan(t) || isnan(c) ? 1 : 0;
}
