/* bench_common.c - what the bench areas share (see bench.h): a timed loop
 * reduced to its median, a frame drawn as the window draws it, the full-frame
 * copy that is the floor under every frame, and GPT-2 small's shape. */
#include <math.h>
#include <stdlib.h>

#include "bench.h"
#include "glassbox/platform.h"

double gb_bench_median_ms(int reps, gb_bench_rep_fn fn, void *ctx) {
    double *t = malloc((size_t)reps * sizeof *t);
    if (!t) return NAN;
    for (int i = 0; i < reps; i++) {
        double t0 = gb_now();
        fn(ctx, i);
        t[i] = (gb_now() - t0) * 1e3;
    }
    double med = gb_bench_median(t, reps);
    free(t);
    return med;
}

void gb_bench_draw(cairo_surface_t *img, const gb_view *v, const void *self, const gb_shared *sh, int w, int h) {
    cairo_t *cr = cairo_create(img);
    v->draw(cr, w, h, self, sh);
    cairo_destroy(cr);
    cairo_surface_flush(img);
}

typedef struct copy_job {
    cairo_surface_t *dst, *src;
} copy_job;

static void copy_once(void *ctx, int rep) {
    (void)rep;
    copy_job *j = ctx;
    cairo_t *cr = cairo_create(j->dst);
    cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE); /* a real copy of every pixel, not a blend */
    cairo_set_source_surface(cr, j->src, 0, 0);
    cairo_paint(cr);
    cairo_destroy(cr);
    cairo_surface_flush(j->dst);
}

double gb_bench_copy_ms(cairo_surface_t *dst, cairo_surface_t *src, int reps) {
    copy_job j = {dst, src};
    return gb_bench_median_ms(reps, copy_once, &j);
}

void gb_bench_gpt2_small_config(gb_config *c) {
    gb_config_defaults(c, GB_ARCH_DECODER);
    c->vocab_size = 50257, c->d_model = 768, c->n_layers = 12, c->n_heads = 12, c->n_kv_heads = 12;
    c->d_head = 64, c->d_ff = 3072, c->max_seq = 1024;
}
