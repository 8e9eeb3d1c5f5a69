/* bench_sampler.c - re-sampling after a settings change over a GPT-2-sized
 * vocabulary (50,257 tokens), against a full-sort implementation in the same run.
 * Target (issue 4): at most 1 ms per re-sample. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "glassbox/platform.h"
#include "glassbox/rng.h"
#include "glassbox/sampler.h"

#define BENCH_V 50257

/* Logits shaped like a language model's: a broad bulk and a few standouts. */
static void lm_like_logits(float *lg, int n, uint64_t seed) {
    gb_rng g;
    gb_rng_seed(&g, seed);
    for (int i = 0; i < n; i++)
        lg[i] = (float)((gb_rng_double(&g) + gb_rng_double(&g) + gb_rng_double(&g) - 1.5) * 6.0);
    for (int j = 0; j < 20; j++) lg[gb_rng_next(&g) % (uint64_t)n] += (float)(8.0 + j * 0.5);
}

typedef gb_status (*sample_fn)(gb_sample_record *, const float *, const gb_sampler_settings *,
                               double, gb_error *);

/* Median milliseconds of one call; resample_only: stage 0 is cached. A few
 * untimed calls first: each variant is timed warm (caches and pages in use),
 * as when a settings slider moves, whatever ran before it. */
static double time_ms(gb_sample_record *r, const float *lg, const gb_sampler_settings *s,
                      sample_fn full, int resample_only, int reps) {
    double t[64];
    gb_error err = {0};
    gb_sample_prepare(r, lg, &err);
    for (int i = 0; i < 5; i++) {
        if (resample_only) gb_sample_resample(r, s, 0.5, &err);
        else full(r, lg, s, 0.5, &err);
    }
    for (int i = 0; i < reps; i++) {
        double u = (i + 0.5) / reps, t0 = gb_now();
        if (resample_only) gb_sample_resample(r, s, u, &err);
        else full(r, lg, s, u, &err);
        t[i] = (gb_now() - t0) * 1e3;
    }
    return gb_bench_median(t, reps);
}

int gb_bench_sampler(gb_bench *b) {
    static const struct { const char *name; gb_sampler_settings s; } cases[] = {
        {"T=1 top-k=40", {1.0, 40, 1.0}},
        {"T=0.8 top-p=0.9", {0.8, 0, 0.9}},
        {"T=0.7 top-k=40 top-p=0.95", {0.7, 40, 0.95}},
        {"T=1.5 random (no filter)", {1.5, 0, 1.0}},
        {"T=100 top-p=0.9 (huge nucleus)", {100.0, 0, 0.9}},
    };
    int reps = gb_bench_options(b)->quick ? 5 : 31;
    float *lg = malloc(BENCH_V * sizeof *lg);
    gb_sample_record r;
    gb_error err = {0};
    if (!lg || gb_sample_record_init(&r, BENCH_V, &err)) {
        free(lg);
        fprintf(stderr, "bench sampler: %s\n", err.msg[0] ? err.msg : "out of memory");
        return 1;
    }
    lm_like_logits(lg, BENCH_V, 1);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const gb_sampler_settings *s = &cases[i].s;
        double naive = time_ms(&r, lg, s, gb_sample_naive, 0, reps);
        double full = time_ms(&r, lg, s, gb_sample, 0, reps);
        double resample = time_ms(&r, lg, s, gb_sample, 1, reps);
        char name[96], note[128];
        snprintf(name, sizeof name, "re-sample %s, V=50257", cases[i].name);
        snprintf(note, sizeof note, "target <= 1 ms: %s; kept %d tokens; fresh sample %.3f ms",
                 resample <= 1.0 ? "met" : "MISSED", r.n_kept, full);
        gb_bench_report(b, "sampler", name, resample, "ms", false, "full-sort sampler", naive, 0,
                        note);
    }
    gb_sample_record_free(&r);
    free(lg);
    return 0;
}
