/* bench.h - `glassbox bench`: speed and memory figures, each measured in the
 * same run as the baseline it is compared with (never a timed unit test).
 *
 * Each area adds one function `int gb_bench_<area>(gb_bench *b)` in
 * viz/bench_<area>.c and a line in the table in viz/cmd_bench.c. A function
 * calls gb_bench_report() once per figure. Exit status 0 even when a target is
 * missed: the figures and their verdicts are the output.
 */
#ifndef GB_BENCH_H
#define GB_BENCH_H

#include <stdbool.h>

#include <cairo.h>

#include "glassbox/model.h"
#include "view.h"

typedef struct gb_bench gb_bench;

/* Options every bench function may read. */
typedef struct gb_bench_opts {
    bool quick;          /* --quick: fewer repetitions (CI smoke run) */
    int threads;         /* --threads N (default 1) */
    const char *data;    /* fixtures folder (tests/fixtures) for real models and texts */
} gb_bench_opts;

const gb_bench_opts *gb_bench_options(const gb_bench *b);

/* One figure. `higher_better` says which way is good. If baseline_name is not
 * NULL, the ratio value/baseline is reported too; if target_ratio > 0 the verdict
 * says whether ratio >= target_ratio (higher_better) or <= target_ratio. */
void gb_bench_report(gb_bench *b, const char *area, const char *name, double value,
                     const char *unit, bool higher_better, const char *baseline_name,
                     double baseline_value, double target_ratio, const char *note);

/* Median of n timings (sorts in place). */
double gb_bench_median(double *v, int n);

/* ---- shared by the areas (bench_common.c) ---- */

/* One repetition of a timed loop; rep counts 0, 1, 2, ... */
typedef void (*gb_bench_rep_fn)(void *ctx, int rep);
/* Median milliseconds of reps calls of fn(ctx, rep), each timed alone; NAN if out of memory. */
double gb_bench_median_ms(int reps, gb_bench_rep_fn fn, void *ctx);
/* One frame as the window draws it: a fresh cairo context on img, the view's
 * draw at w x h, and a flush (so the time includes the pixels). */
void gb_bench_draw(cairo_surface_t *img, const gb_view *v, const void *self, const gb_shared *sh, int w, int h);
/* Median milliseconds of copying src onto dst (same size) reps times: the
 * floor under any frame, since the window copies the whole image each time.
 * src must hold content: cairo skips copying a surface it knows is clear. */
double gb_bench_copy_ms(cairo_surface_t *dst, cairo_surface_t *src, int reps);
/* A decoder of GPT-2 small's shape (vocabulary 50257, 12 layers of 768, 12
 * heads, context 1024) for random-weight figures. */
void gb_bench_gpt2_small_config(gb_config *c);

int gb_bench_core(gb_bench *b);
int gb_bench_train(gb_bench *b);
int gb_bench_analysis(gb_bench *b);
int gb_bench_viz(gb_bench *b);
int gb_bench_tokenizer(gb_bench *b);
int gb_bench_sampler(gb_bench *b);
int gb_bench_views(gb_bench *b);
int gb_bench_viewer_attention(gb_bench *b);
int gb_bench_viewer_sampling(gb_bench *b);
int gb_bench_tasks(gb_bench *b);
#endif
