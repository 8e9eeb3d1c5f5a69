/* bench_viewer_attn.c - frame times of the attention view at 1600x1000 for a
 * 12-layer, 12-head model reading 64 tokens: the grid of 144 thumbnails (the
 * issue's budget: 16 ms a frame), the same grid while the pointer moves over
 * it, and one open head with its arithmetic. Baselines measured in the same
 * run: the frame budget, and a plain blit of a 1600x1000 frame (the least any
 * frame costs: the window copies the whole image every time). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#include "bench.h"
#include "glassbox/model.h"
#include "glassbox/platform.h"
#include "render.h"
#include "view.h"
#include "view_attention_view.h"

#define W 1600
#define H 1000
#define BUDGET_MS 16.0

static gb_model *bench_model(void) {
    gb_config c;
    gb_config_defaults(&c, GB_ARCH_DECODER);
    c.vocab_size = 512, c.d_model = 192, c.n_layers = 12, c.n_heads = 12, c.n_kv_heads = 12, c.d_head = 16;
    c.d_ff = 384, c.max_seq = 128, c.pos = GB_POS_LEARNED;
    gb_model *m = NULL;
    gb_error err = {0};
    if (gb_model_create(&c, &m, &err)) return NULL;
    gb_model_init_random(m, 1, 0.2f);
    return m;
}

typedef struct frames {
    const gb_view *v;
    void *self;
    gb_shared *sh;
    cairo_surface_t *img;
    bool move; /* the pointer wanders over the grid */
} frames;

static void one_frame(void *ctx, int i) {
    frames *f = ctx;
    att_view *av = f->self;
    if (f->move) /* hover another thumbnail each frame, as a moving pointer would */
        av->hover_l = i % 12, av->hover_h = (i * 5) % 12;
    gb_bench_draw(f->img, f->v, f->self, f->sh, W, H);
}

/* Median milliseconds of `reps` frames drawn into img. */
static double time_frames(const gb_view *v, void *self, gb_shared *sh, cairo_surface_t *img, int reps, bool move) {
    frames f = {v, self, sh, img, move};
    return gb_bench_median_ms(reps, one_frame, &f);
}

int gb_bench_viewer_attention(gb_bench *b) {
    const gb_bench_opts *o = gb_bench_options(b);
    int reps = o->quick ? 15 : 60;
    gb_error err = {0};
    if (gb_render_fonts(&err)) {
        fprintf(stderr, "bench attention: %s\n", err.msg);
        return 1;
    }
    gb_model *m = bench_model();
    if (!m) return 1;
    char ids[64 * 5] = "";
    for (int i = 0; i < 64; i++) snprintf(ids + strlen(ids), sizeof ids - strlen(ids), "%s%d", i ? "," : "", (i * 37 + 11) % 512);
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.ids = ids;
    const gb_view *v = &gb_view_attention;
    void *self = v->create(&a, &err);
    gb_shared sh = {.theme = gb_theme_normal(), .interactive = true, .model = m, .model_name = "12x12 random"};
    double t0 = gb_now();
    if (!self || gb_view_settle(v, self, &sh, &err) || !((att_view *)self)->have) {
        fprintf(stderr, "bench attention: %s\n", err.msg[0] ? err.msg : ((att_view *)self)->error);
        if (self) v->destroy(self);
        gb_model_free(m);
        return 1;
    }
    double record_ms = (gb_now() - t0) * 1e3;
    v->layout(self, W, H, &sh);
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
    cairo_surface_t *src = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
    time_frames(v, self, &sh, img, 3, false); /* warm the font caches */
    time_frames(v, self, &sh, src, 1, false); /* a real frame to copy (cairo skips copying a clear image) */
    double blit = gb_bench_copy_ms(img, src, reps);
    double grid = time_frames(v, self, &sh, img, reps, false);
    double hover = time_frames(v, self, &sh, img, reps, true);
    gb_bench_report(b, "viewer", "attention grid 12x12 heads, 64 tokens, 1600x1000", grid, "ms", false,
                    "frame budget", BUDGET_MS, 1.0, "144 cached thumbnails scaled and labelled");
    gb_bench_report(b, "viewer", "attention grid, same frame", grid, "ms", false, "plain blit of a 1600x1000 frame",
                    blit, 0, "what a frame costs beyond copying the image");
    gb_bench_report(b, "viewer", "attention grid while hovering", hover, "ms", false, "frame budget", BUDGET_MS, 1.0,
                    NULL);
    att_view *av = self;
    av->hover_l = av->hover_h = -1;
    av->open = true, av->layer = 5, av->head = 7;
    v->layout(self, W, H, &sh);
    double head = time_frames(v, self, &sh, img, reps, false);
    gb_bench_report(b, "viewer", "attention head 64x64 + arithmetic + grid", head, "ms", false, "frame budget",
                    BUDGET_MS, 1.0, NULL);
    gb_bench_report(b, "viewer", "attention: record 12 layers + build thumbnails", record_ms, "ms", false, NULL, 0, 0,
                    "once per prompt, on the worker thread");
    cairo_surface_destroy(img);
    cairo_surface_destroy(src);
    v->destroy(self);
    gb_model_free(m);
    return 0;
}
