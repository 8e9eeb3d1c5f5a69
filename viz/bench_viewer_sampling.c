/* bench_viewer_sampling.c - re-sampling plus redraw after a control change in
 * the distribution view at 1600x1000 (the budget: 20 ms): the
 * temperature slider moves, the current step is re-sampled from its cached
 * logits (no forward pass) and the whole view is drawn. Baselines measured in
 * the same run: the budget, and the redraw alone (what the re-sample adds). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <cairo.h>

#include "bench.h"
#include "glassbox/model.h"
#include "glassbox/platform.h"
#include "render.h"
#include "text.h"
#include "view.h"
#include "view_distribution_view.h"

#define W 1600
#define H 1000
#define BUDGET_MS 20.0

static double time_changes(dist_view *v, gb_shared *sh, cairo_surface_t *img, int reps, bool resample) {
    double *t = malloc((size_t)reps * sizeof *t);
    if (!t) return NAN;
    for (int i = 0; i < reps; i++) {
        double t0 = gb_now();
        if (resample) { /* as a drag on the slider: a new temperature each frame */
            gb_slider_set(&v->temp, 0.5 + (i % 20) * 0.1);
            v->temp.changed = true;
            dist_controls_read(v);
        }
        cairo_t *cr = cairo_create(img);
        gb_view_distribution.draw(cr, W, H, v, sh);
        cairo_destroy(cr);
        cairo_surface_flush(img);
        t[i] = (gb_now() - t0) * 1e3;
    }
    double med = gb_bench_median(t, reps);
    free(t);
    return med;
}

int gb_bench_viewer_sampling(gb_bench *b) {
    gb_error err = {0};
    gb_model *m = NULL;
    if (gb_render_fonts(&err) || gb_model_load("classroom", &m, &err)) {
        fprintf(stderr, "bench sampling: %s\n", err.msg);
        return 1;
    }
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.steps = 3, a.top_k = 40, a.top_p = 0.9;
    gb_shared sh = {.theme = gb_theme_normal(), .interactive = true, .model = m, .model_name = "classroom",
                    .prompt = "the teacher taught the"};
    dist_view *v = gb_view_distribution.create(&a, &err);
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
    int rc = 1;
    if (v && !gb_view_settle(&gb_view_distribution, v, &sh, &err) && v->p.s) {
        gb_view_distribution.layout(v, W, H, &sh);
        int reps = gb_bench_options(b)->quick ? 10 : 60;
        time_changes(v, &sh, img, 3, true); /* warm the layout caches */
        uint64_t fw = gb_session_forward_count(v->p.s);
        double redraw = time_changes(v, &sh, img, reps, false);
        double change = time_changes(v, &sh, img, reps, true);
        char note[160];
        snprintf(note, sizeof note, "classroom model, 1600x1000; forward passes during the changes: %llu",
                 (unsigned long long)(gb_session_forward_count(v->p.s) - fw));
        gb_bench_report(b, "viewer", "sampling: re-sample + redraw after a control change", change, "ms", false,
                        "budget", BUDGET_MS, 1.0, note);
        gb_bench_report(b, "viewer", "sampling: redraw alone", redraw, "ms", false, "re-sample + redraw", change, 0,
                        "the re-sample's share is the difference");
        rc = 0;
    } else {
        fprintf(stderr, "bench sampling: %s\n", err.msg[0] ? err.msg : v ? v->p.error : "cannot open the view");
    }
    if (v) gb_view_distribution.destroy(v);
    cairo_surface_destroy(img);
    gb_model_free(m);
    return rc;
}
