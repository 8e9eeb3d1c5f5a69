/* bench_views.c - frame times of the tokenization, embeddings and positions
 * views at 1600x1000 against the budgets of issue 7 (16 ms a frame with the
 * bundled classroom model and a 32-token prompt; the 3D
 * view of GPT-2's 50,257-token vocabulary above 30 frames per second while
 * rotating). The embeddings view is measured on a model with GPT-2's
 * vocabulary size (random weights, d = 64: the frame cost is in the points,
 * not the width), with the bare 3D scatter of the same points measured in the
 * same run as its baseline. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "glassbox/model.h"
#include "glassbox/platform.h"
#include "render.h"
#include "text.h"
#include "view.h"
#include "view_embeddings.h"

#define W 1600
#define H 1000
#define VOCAB 50257

static gb_model *gpt2_sized_model(gb_error *err) {
    gb_config c;
    gb_config_defaults(&c, GB_ARCH_DECODER);
    c.vocab_size = VOCAB, c.d_model = 64, c.n_layers = 2, c.n_heads = 4, c.n_kv_heads = 4;
    c.d_head = 16, c.d_ff = 256, c.max_seq = 64, c.pos = GB_POS_LEARNED;
    gb_model *m = NULL;
    if (gb_model_create(&c, &m, err)) return NULL;
    gb_model_init_random(m, 7, 0.02f);
    return m;
}

/* Median time of drawing view v (already laid out) while `turn` changes it. */
static double frame_ms(cairo_surface_t *dst, const gb_view *v, void *self, const gb_shared *sh, int reps,
                       void (*turn)(void *self, int i)) {
    double t[64];
    for (int i = 0; i < reps; i++) {
        if (turn) turn(self, i);
        cairo_t *cr = cairo_create(dst);
        double t0 = gb_now();
        v->draw(cr, W, H, self, sh);
        cairo_surface_flush(dst);
        t[i] = gb_now() - t0;
        cairo_destroy(cr);
    }
    return gb_bench_median(t, reps) * 1e3;
}

static void rotate(void *self, int i) { ((emb_view *)self)->cam.yaw = 0.6 + 0.05 * i; }

/* The bare scatter of the view's own points, in the rectangle it uses. */
static double scatter_ms(cairo_surface_t *dst, emb_view *v, const gb_shared *sh, int reps) {
    emb_geom g;
    emb_geometry(v, W, H, sh, &g);
    gb_rect r = emb_scatter_rect(v, &g, sh);
    double t[64];
    for (int i = 0; i < reps; i++) {
        rotate(v, i);
        gb_scatter3d s = emb_scatter(v);
        cairo_t *cr = cairo_create(dst);
        double t0 = gb_now();
        gb_draw_scatter3d(cr, r, &s, sh->theme);
        cairo_surface_flush(dst);
        t[i] = gb_now() - t0;
        cairo_destroy(cr);
    }
    return gb_bench_median(t, reps) * 1e3;
}

static void *make_view(const gb_view *v, gb_view_args *a, gb_shared *sh, double *settle_ms, gb_error *err) {
    void *self = v->create(a, err);
    if (!self) return NULL;
    double t0 = gb_now();
    if (gb_view_settle(v, self, sh, err)) {
        v->destroy(self);
        return NULL;
    }
    if (settle_ms) *settle_ms = (gb_now() - t0) * 1e3;
    v->layout(self, W, H, sh);
    return self;
}

static const char IDS32[] = "464,2068,7586,21831,18045,625,262,16931,3290,13,383,2068,7586,21831,18045,625,262,"
                            "16931,3290,757,290,757,13,632,373,257,922,1110,329,257,2513,13";
static const char PROMPT32[] = "The quick brown fox jumps over the lazy dog. Then it jumps again and again, "
                               "because a fox likes to jump over dogs.";

static int bench_embeddings(gb_bench *b, cairo_surface_t *dst, int reps, gb_error *err) {
    gb_model *m = gpt2_sized_model(err);
    if (!m) return 1;
    gb_shared sh = {.theme = gb_theme_normal(), .model = m, .model_name = "random, 50,257 tokens", .interactive = true};
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.ids = IDS32;
    a.pick = "464,2068";
    double settle = 0;
    const gb_view *v = gb_view_find("embeddings");
    void *self = make_view(v, &a, &sh, &settle, err);
    if (!self) return gb_model_free(m), 1;
    gb_bench_report(b, "views", "embeddings: PCA + index + forward, 50,257 x 64", settle, "ms", false, NULL, 0, 0,
                    "once per model, on the worker thread");
    double sc = scatter_ms(dst, self, &sh, reps);
    gb_bench_report(b, "views", "bare 3D scatter of the same 50,257 points", sc, "ms", false, NULL, 0, 0,
                    "baseline for the view below");
    double fr = frame_ms(dst, v, self, &sh, reps, rotate);
    char note[96];
    snprintf(note, sizeof note, "%.0f frames per second while rotating", 1e3 / fr);
    gb_bench_report(b, "views", "embeddings view frame, rotating", fr, "ms", false,
                    "bare scatter (same run)", sc, 0, note);
    gb_bench_report(b, "views", "the same frame against its budget", fr, "ms", false, "30 frames per second",
                    1e3 / 30, 1.0, NULL);
    v->destroy(self);
    gb_model_free(m);
    return 0;
}

static void bench_tokenization(gb_bench *b, cairo_surface_t *dst, int reps, const char *fixtures) {
    char tok[1024];
    snprintf(tok, sizeof tok, "%s/gpt2_bpe", fixtures ? fixtures : "tests/fixtures");
    gb_shared sh = {.theme = gb_theme_normal(), .prompt = PROMPT32, .interactive = true};
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.tokenizer = tok;
    a.step = 20;
    gb_error err = {0};
    const gb_view *v = gb_view_find("tokenization");
    void *self = make_view(v, &a, &sh, NULL, &err);
    if (!self) {
        fprintf(stderr, "glassbox: bench views: %s\n", err.msg);
        return;
    }
    double fr = frame_ms(dst, v, self, &sh, reps, NULL);
    gb_bench_report(b, "views", "tokenization view frame, 32-token prompt", fr, "ms", false, "60 Hz frame budget",
                    16.0, 1.0, "GPT-2 BPE, merge replay at step 20, all tokenizers compared");
    v->destroy(self);
}

/* The views with a real model and a 32-token prompt: every frame within
 * 16 ms. spec: a model file or bundled name; tok: its tokenizer or NULL. */
static void bench_model(gb_bench *b, cairo_surface_t *dst, int reps, const char *spec, const char *tok,
                        const char *label) {
    gb_model *m = NULL;
    gb_error err = {0};
    if (gb_model_load(spec, &m, &err)) {
        fprintf(stderr, "glassbox: bench views: %s (skipped the %s frames)\n", err.msg, label);
        return;
    }
    gb_shared sh = {.theme = gb_theme_normal(), .model = m, .model_name = label, .interactive = true,
                    .prompt = PROMPT32};
    static const char *const names[3] = {"embeddings", "positions", "tokenization"};
    for (int i = 0; i < 3; i++) {
        gb_view_args a;
        gb_view_args_defaults(&a);
        a.tokenizer = tok;
        const gb_view *v = gb_view_find(names[i]);
        void *self = make_view(v, &a, &sh, NULL, &err);
        if (!self) {
            fprintf(stderr, "glassbox: bench views: %s\n", err.msg);
            continue;
        }
        double fr = frame_ms(dst, v, self, &sh, reps, NULL);
        char name[96];
        snprintf(name, sizeof name, "%s view frame, %s", names[i], label);
        gb_bench_report(b, "views", name, fr, "ms", false, "60 Hz frame budget", 16.0, 1.0, NULL);
        if (i == 0) { /* and while the 3D view turns */
            fr = frame_ms(dst, v, self, &sh, reps, rotate);
            snprintf(name, sizeof name, "embeddings view frame, %s, rotating", label);
            gb_bench_report(b, "views", name, fr, "ms", false, "60 Hz frame budget", 16.0, 1.0, NULL);
        }
        v->destroy(self);
    }
    gb_model_free(m);
}

static void bench_small_models(gb_bench *b, cairo_surface_t *dst, int reps, const char *fixtures) {
    char *bundled = gb_find_bundled("models/classroom.safetensors");
    if (bundled) bench_model(b, dst, reps, "classroom", NULL, "classroom");
    else fprintf(stderr, "glassbox: bench views: no bundled classroom model (skipped its frames)\n");
    free(bundled);
    char model[1024], tok[1024];
    const char *fx = fixtures ? fixtures : "tests/fixtures";
    snprintf(model, sizeof model, "%s/llama2c_stories260K/stories260K.bin", fx);
    snprintf(tok, sizeof tok, "%s/llama2c_stories260K/tok512.bin", fx);
    bench_model(b, dst, reps, model, tok, "stories260K");
}

int gb_bench_views(gb_bench *b) {
    const gb_bench_opts *o = gb_bench_options(b);
    int reps = o->quick ? 5 : 31;
    gb_error err = {0};
    if (gb_render_fonts(&err)) {
        fprintf(stderr, "glassbox: bench views: %s\n", err.msg);
        return 1;
    }
    cairo_surface_t *dst = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
    bench_tokenization(b, dst, reps, o->data);
    bench_small_models(b, dst, reps, o->data);
    int rc = bench_embeddings(b, dst, reps, &err);
    if (rc) fprintf(stderr, "glassbox: bench views: %s\n", err.msg);
    cairo_surface_destroy(dst);
    gb_text_shutdown();
    return rc;
}
