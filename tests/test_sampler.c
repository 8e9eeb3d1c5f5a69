/* test_sampler.c - the sampler's stages, tie rule, draws and generator. */
#include "gbtest.h"

#include <math.h>

#include "glassbox/rng.h"
#include "glassbox/sampler.h"

static gb_sampler_settings S(double t, int k, double p) {
    return (gb_sampler_settings){.temperature = t, .top_k = k, .top_p = p};
}

/* Sample logits [n] with settings and u; the record is returned initialised. */
static void sample(gb_sample_record *r, const float *logits, int n, gb_sampler_settings s, double u) {
    gb_error err = {0};
    gbt_assert_ok(gb_sample_record_init(r, n, &err), &err);
    gbt_assert_ok(gb_sample(r, logits, &s, u, &err), &err);
}

static void assert_close_d(double a, double b, double tol, const char *what) {
    if (!(fabs(a - b) <= tol)) fail_msg("%s: %.9g vs expected %.9g (tolerance %g)", what, a, b, tol);
}

/* Temperature divides the logits: hand-worked softmax of [2, 1, 0] at T = 1, 2, 0.5. */
static void temperature_matches_hand_softmax(void **state) {
    (void)state;
    const float lg[3] = {2, 1, 0};
    const double ts[3] = {1.0, 2.0, 0.5};
    for (int k = 0; k < 3; k++) {
        gb_sample_record r;
        sample(&r, lg, 3, S(ts[k], 0, 1.0), 0.5);
        double z = exp(2 / ts[k]) + exp(1 / ts[k]) + 1;
        for (int i = 0; i < 3; i++) {
            assert_close_d(r.probs_tempered[i], exp((2 - i) / ts[k]) / z, 1e-7, "tempered");
            assert_close_d(r.probs_final[i], exp((2 - i) / ts[k]) / z, 1e-7, "final (no filter)");
            assert_close_d(r.probs_t1[i], exp(2.0 - i) / (exp(2) + exp(1) + 1), 1e-7, "t1");
        }
        assert_int_equal(r.n_kept, 3);
        gb_sample_record_free(&r);
    }
}

/* Top-k keeps the k highest logits; at a tie the lower ids win. */
static void top_k_with_ties_keeps_lower_ids(void **state) {
    (void)state;
    const float lg[5] = {1, 3, 3, 0, 3};
    gb_sample_record r;
    sample(&r, lg, 5, S(1.0, 2, 1.0), 0.0);
    assert_int_equal(r.n_topk, 2);
    assert_int_equal(r.n_kept, 2);
    assert_int_equal(r.kept_ids[0], 1);
    assert_int_equal(r.kept_ids[1], 2);
    assert_close_d(r.probs_final[1], 0.5, 1e-7, "final[1]");
    assert_close_d(r.probs_final[2], 0.5, 1e-7, "final[2]");
    assert_close_d(r.probs_final[4], 0.0, 0, "final[4] removed");
    assert_close_d(r.mass_topk, 2 * exp(3) / (3 * exp(3) + exp(1) + 1), 1e-7, "mass after top-k");
    assert_int_equal(r.chosen, 1); /* u = 0: the first in rank order */
    gb_sample_record_free(&r);
}

/* Top-p keeps the smallest most-probable set reaching p: probs .5 .3 .2. */
static void top_p_smallest_set_reaching_p(void **state) {
    (void)state;
    const float lg[3] = {logf(0.2f), logf(0.5f), logf(0.3f)}; /* ids: 1 best, then 2, then 0 */
    gb_sample_record r;
    sample(&r, lg, 3, S(1.0, 0, 0.7), 0.99);
    assert_int_equal(r.n_kept, 2);
    assert_int_equal(r.kept_ids[0], 1);
    assert_int_equal(r.kept_ids[1], 2);
    assert_close_d(r.mass_topp, 0.8, 1e-6, "mass at the cut");
    assert_close_d(r.probs_final[1], 0.625, 1e-6, "final[1]");
    assert_close_d(r.probs_final[2], 0.375, 1e-6, "final[2]");
    assert_close_d(r.probs_final[0], 0.0, 0, "final[0]");
    assert_int_equal(r.chosen, 2); /* u = .99 > .625 */
    assert_int_equal(r.draw_index, 1);
    assert_close_d(r.draw_cum_before, 0.625, 1e-6, "cumulative before the drawn token");
    gb_sample_record_free(&r);
}

/* An exactly representable boundary: four equal tokens, p = 0.5 keeps two (>= p). */
static void top_p_exact_boundary_reaches(void **state) {
    (void)state;
    const float lg[4] = {0, 0, 0, 0};
    gb_sample_record r;
    sample(&r, lg, 4, S(1.0, 0, 0.5), 0.3);
    assert_int_equal(r.n_kept, 2);
    assert_int_equal(r.kept_ids[0], 0);
    assert_int_equal(r.kept_ids[1], 1);
    assert_int_equal(r.chosen, 0); /* u .3 < .5 within the renormalised pair */
    assert_true(r.mass_topp == 0.5);
    gb_sample_record_free(&r);
}

/* Top-p measures mass within the top-k set (after renormalising it):
 * probs .4 .3 .2 .1, k = 3 -> 4/9 3/9 2/9; p = .75 keeps 2 (7/9 >= .75), whereas
 * measuring against the whole vocabulary would have kept 3 (.7 < .75). */
static void top_p_after_top_k_is_renormalised(void **state) {
    (void)state;
    const float lg[4] = {logf(0.4f), logf(0.3f), logf(0.2f), logf(0.1f)};
    gb_sample_record r;
    sample(&r, lg, 4, S(1.0, 3, 0.75), 0.5);
    assert_int_equal(r.n_topk, 3);
    assert_close_d(r.mass_topk, 0.9, 1e-6, "mass after top-k");
    assert_int_equal(r.n_kept, 2);
    assert_close_d(r.mass_topp, 7.0 / 9.0, 1e-6, "mass at the cut");
    assert_close_d(r.probs_final[0], 4.0 / 7.0, 1e-6, "final[0]");
    assert_close_d(r.probs_final[1], 3.0 / 7.0, 1e-6, "final[1]");
    assert_int_equal(r.kept_ids[2], 2); /* the top-k set is kept whole, survivors first */
    gb_sample_record_free(&r);
}

/* The draw walks ties in id order: four equal tokens, u picks by quarter. */
static void draw_walks_ties_in_id_order(void **state) {
    (void)state;
    const float lg[4] = {7, 7, 7, 7};
    const double us[4] = {0.0, 0.3, 0.6, 0.99};
    for (int k = 0; k < 4; k++) {
        gb_sample_record r;
        sample(&r, lg, 4, S(1.0, 0, 1.0), us[k]);
        assert_int_equal(r.chosen, k);
        assert_int_equal(r.draw_index, k);
        assert_close_d(r.entropy_final, log(4.0), 1e-9, "entropy of uniform 4");
        assert_close_d(r.eff_vocab_final, 4.0, 1e-8, "effective vocabulary");
        gb_sample_record_free(&r);
    }
}

static void random_logits(float *lg, int n, gb_rng *g, double scale, int quantise) {
    for (int i = 0; i < n; i++) {
        /* sum of uniforms: roughly normal, heavy enough to be interesting */
        double x = (gb_rng_double(g) + gb_rng_double(g) + gb_rng_double(g) - 1.5) * scale;
        lg[i] = quantise ? (float)floor(x) : (float)x;
    }
}

/* A tiny top-p keeps exactly one token, the argmax (lowest id on a tie). */
static void tiny_top_p_keeps_exactly_one(void **state) {
    (void)state;
    gb_rng g;
    gb_rng_seed(&g, 7);
    float lg[1000];
    for (int trial = 0; trial < 50; trial++) {
        random_logits(lg, 1000, &g, 4.0, trial % 2);
        gb_sample_record r;
        sample(&r, lg, 1000, S(trial % 3 ? 1.0 : 5.0, 0, 1e-9), gb_rng_double(&g));
        assert_int_equal(r.n_kept, 1);
        assert_int_equal(r.chosen, r.argmax);
        assert_close_d(r.probs_final[r.argmax], 1.0, 0, "the one kept token has mass 1");
        gb_sample_record_free(&r);
    }
    const float tie[3] = {5, 1, 5};
    gb_sample_record r;
    sample(&r, tie, 3, S(1.0, 0, 1e-9), 0.9);
    assert_int_equal(r.n_kept, 1);
    assert_int_equal(r.chosen, 0);
    gb_sample_record_free(&r);
}

/* Temperature 0 is greedy (lowest id among maxima) and a tiny temperature agrees. */
static void temperature_to_zero_equals_greedy(void **state) {
    (void)state;
    gb_rng g;
    gb_rng_seed(&g, 11);
    float lg[500];
    for (int trial = 0; trial < 100; trial++) {
        random_logits(lg, 500, &g, 6.0, 0);
        double u = gb_rng_double(&g);
        gb_sample_record greedy, cold;
        sample(&greedy, lg, 500, S(0.0, 0, 1.0), u);
        sample(&cold, lg, 500, S(1e-4, trial % 2 ? 40 : 0, trial % 3 ? 1.0 : 0.9), u);
        int best = 0;
        for (int i = 1; i < 500; i++)
            if (lg[i] > lg[best]) best = i;
        assert_int_equal(greedy.chosen, best);
        /* agreement needs the top two logits at least 1e-4 * 40 apart */
        float second = -INFINITY;
        for (int i = 0; i < 500; i++)
            if (i != best && lg[i] > second) second = lg[i];
        if (lg[best] - second > 4e-3) assert_int_equal(cold.chosen, greedy.chosen);
        assert_int_equal(greedy.n_kept, 1);
        assert_close_d(greedy.entropy_final, 0.0, 0, "greedy entropy");
        gb_sample_record_free(&greedy);
        gb_sample_record_free(&cold);
    }
    const float tie[4] = {1, 9, 2, 9};
    gb_sample_record r;
    sample(&r, tie, 4, S(0.0, 0, 1.0), 0.7);
    assert_int_equal(r.chosen, 1);
    gb_sample_record_free(&r);
}

/* 100,000 seeded draws follow the final distribution: chi-square, 9 degrees of
 * freedom, critical value 27.877 at significance 0.001. Also with top-k + top-p. */
static void chi_square_of_draws(void **state) {
    (void)state;
    const float lg[10] = {0.1f, 1.2f, -0.5f, 2.0f, 0.7f, -1.5f, 1.6f, 0.0f, -0.3f, 0.9f};
    const gb_sampler_settings cases[2] = {S(1.0, 0, 1.0), S(0.8, 7, 0.9)};
    for (int c = 0; c < 2; c++) {
        gb_sample_record r;
        sample(&r, lg, 10, cases[c], 0.0);
        gb_rng g;
        gb_rng_seed(&g, 2024);
        long count[10] = {0};
        const int n = 100000;
        gb_error err = {0};
        for (int i = 0; i < n; i++) {
            gbt_assert_ok(gb_sample_resample(&r, &cases[c], gb_rng_double(&g), &err), &err);
            count[r.chosen]++;
        }
        double chi = 0;
        int cells = 0;
        for (int i = 0; i < 10; i++) {
            double expect = n * (double)r.probs_final[i];
            if (expect == 0) {
                assert_int_equal(count[i], 0); /* removed tokens are never drawn */
                continue;
            }
            chi += (count[i] - expect) * (count[i] - expect) / expect;
            cells++;
        }
        /* critical values at 0.001 for cells-1 degrees of freedom */
        const double crit[10] = {0, 10.828, 13.816, 16.266, 18.467, 20.515, 22.458, 24.322, 26.124, 27.877};
        printf("  chi-square case %d: %.3f with %d dof (critical %.3f)\n", c, chi, cells - 1, crit[cells - 1]);
        assert_true(chi < crit[cells - 1]);
        gb_sample_record_free(&r);
    }
}

/* The generator is the project's own: known splitmix64 outputs, same seed -> same
 * stream, different seed -> different stream, derived draws pure and in [0, 1). */
static void generator_is_reproducible(void **state) {
    (void)state;
    uint64_t sm = 0;
    assert_true(gb_splitmix64(&sm) == 0xE220A8397B1DCDAFull); /* published reference value */
    gb_rng a, b, c;
    gb_rng_seed(&a, 42);
    gb_rng_seed(&b, 42);
    gb_rng_seed(&c, 43);
    int differ = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = gb_rng_next(&a);
        assert_true(x == gb_rng_next(&b));
        differ += x != gb_rng_next(&c);
        double d = gb_rng_double(&a);
        assert_true(d >= 0 && d < 1 && d == gb_rng_double(&b));
        float f = gb_rng_float(&a);
        assert_true(f >= 0 && f < 1 && f == gb_rng_float(&b));
        gb_rng_float(&c), gb_rng_double(&c);
    }
    assert_true(differ > 990);
    double u = gb_rng_derive_double(5, 3, 0);
    assert_true(u == gb_rng_derive_double(5, 3, 0));
    assert_true(u != gb_rng_derive_double(5, 4, 0));
    assert_true(u != gb_rng_derive_double(5, 3, 1));
    assert_true(u != gb_rng_derive_double(6, 3, 0));
    double mean = 0;
    for (int i = 0; i < 10000; i++) {
        double d = gb_rng_derive_double(1, (uint64_t)i, 0);
        assert_true(d >= 0 && d < 1);
        mean += d / 10000;
    }
    assert_close_d(mean, 0.5, 0.01, "mean of derived draws");
}

static int check_distribution(const float *p, int n, double *sum) {
    double s = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(p[i]) || p[i] < 0) return 0;
        s += p[i];
    }
    *sum = s;
    return 1;
}

/* From T = 1e-4 to 1000 over 50,257 tokens every distribution is finite and sums to 1. */
static void extreme_temperatures_stay_normalised(void **state) {
    (void)state;
    const int v = 50257;
    float *lg = malloc(v * sizeof *lg);
    gb_rng g;
    gb_rng_seed(&g, 3);
    random_logits(lg, v, &g, 30.0, 0);
    lg[123] = -INFINITY; /* an impossible token stays impossible */
    const double ts[6] = {1e-4, 1e-2, 0.7, 1.0, 100.0, 1000.0};
    gb_sample_record r;
    gb_error err = {0};
    gbt_assert_ok(gb_sample_record_init(&r, v, &err), &err);
    gbt_assert_ok(gb_sample_prepare(&r, lg, &err), &err);
    for (int i = 0; i < 6; i++)
        for (int f = 0; f < 3; f++) {
            gb_sampler_settings s = S(ts[i], f == 1 ? 40 : 0, f == 2 ? 0.9 : 1.0);
            gbt_assert_ok(gb_sample_resample(&r, &s, gb_rng_double(&g), &err), &err);
            double st = 0, sf = 0;
            assert_true(check_distribution(r.probs_tempered, v, &st));
            assert_true(check_distribution(r.probs_final, v, &sf));
            assert_close_d(st, 1.0, 1e-5, "sum of tempered");
            assert_close_d(sf, 1.0, 1e-5, "sum of final");
            assert_true(isfinite(r.entropy_final) && r.entropy_final >= 0 && r.entropy_final <= log(v) + 1e-9);
            assert_true(isfinite(r.logprob_final_chosen) && isfinite(r.logprob_t1_chosen));
            assert_true(r.probs_final[r.chosen] > 0);
            assert_true(r.chosen != 123);
        }
    /* the bucketed whole-vocabulary path agrees with the full sort at full size */
    gb_sample_record ref;
    gbt_assert_ok(gb_sample_record_init(&ref, v, &err), &err);
    const gb_sampler_settings big[4] = {S(0.7, 0, 0.9), S(100.0, 0, 0.9), S(1.5, 0, 1.0), S(1e-4, 0, 0.5)};
    for (int i = 0; i < 4; i++) {
        double u = gb_rng_double(&g);
        gbt_assert_ok(gb_sample(&r, lg, &big[i], u, &err), &err);
        gbt_assert_ok(gb_sample_naive(&ref, lg, &big[i], u, &err), &err);
        assert_int_equal(r.n_kept, ref.n_kept);
        assert_int_equal(r.chosen, ref.chosen);
        assert_int_equal(r.draw_index, ref.draw_index);
    }
    gb_sample_record_free(&ref);
    /* at T = 1000 the distribution is nearly uniform: effective vocabulary near V */
    gb_sampler_settings hot = S(1000.0, 0, 1.0);
    gbt_assert_ok(gb_sample_resample(&r, &hot, 0.5, &err), &err);
    printf("  effective vocabulary at T=1000: %.1f of %d\n", r.eff_vocab_final, v);
    assert_true(r.eff_vocab_final > 0.95 * v);
    gb_sample_record_free(&r);
    free(lg);
}

/* The fast path (quickselect + partial sort) and the full-sort reference agree
 * exactly on random and heavily tied logits, for many settings. */
static void fast_equals_full_sort_reference(void **state) {
    (void)state;
    const int v = 3000;
    float *lg = malloc(v * sizeof *lg);
    gb_rng g;
    gb_rng_seed(&g, 99);
    gb_sample_record a, b;
    gb_error err = {0};
    gbt_assert_ok(gb_sample_record_init(&a, v, &err), &err);
    gbt_assert_ok(gb_sample_record_init(&b, v, &err), &err);
    const int ks[4] = {0, 1, 40, 2999};
    const double ps[4] = {1.0, 0.9, 0.3, 1e-6};
    const double ts[3] = {0.5, 1.0, 3.0};
    double worst = 0;
    for (int trial = 0; trial < 9; trial++) {
        random_logits(lg, v, &g, trial < 4 ? 8.0 : 3.0, trial % 2); /* odd: many ties */
        if (trial == 8)
            for (int i = 0; i < v; i++) lg[i] = 0.5f; /* one big tie: a single logit bucket */
        for (int ki = 0; ki < 4; ki++)
            for (int pi = 0; pi < 4; pi++)
                for (int ti = 0; ti < 3; ti++) {
                    gb_sampler_settings s = S(ts[ti], ks[ki], ps[pi]);
                    double u = gb_rng_double(&g);
                    gbt_assert_ok(gb_sample(&a, lg, &s, u, &err), &err);
                    gbt_assert_ok(gb_sample_naive(&b, lg, &s, u, &err), &err);
                    assert_int_equal(a.n_kept, b.n_kept);
                    assert_int_equal(a.chosen, b.chosen);
                    assert_int_equal(a.draw_index, b.draw_index);
                    gb_sample_record_sort_kept(&a);
                    assert_memory_equal(a.kept_ids, b.kept_ids, (size_t)a.n_kept * sizeof(int));
                    assert_int_equal(a.kept_ids[a.draw_index], a.chosen);
                    double d = gbt_max_abs_diff(a.probs_final, b.probs_final, (size_t)v);
                    if (d > worst) worst = d;
                    assert_true(fabs(a.mass_topp - b.mass_topp) < 1e-9);
                }
    }
    printf("  probs_final: max |fast - reference| = %.3g (tolerance 1e-7)\n", worst);
    assert_true(worst <= 1e-7);
    gb_sample_record_free(&a);
    gb_sample_record_free(&b);
    free(lg);
}

/* Re-sampling from cached logits equals sampling afresh, whatever came before. */
static void resample_is_independent_of_history(void **state) {
    (void)state;
    const float lg[6] = {0.3f, 2.0f, 1.0f, -1.0f, 1.9f, 0.0f};
    gb_sample_record r, fresh;
    gb_error err = {0};
    sample(&r, lg, 6, S(2.0, 3, 1.0), 0.42);
    gb_sampler_settings s2 = S(0.7, 0, 0.8), s3 = S(0.0, 0, 1.0);
    gbt_assert_ok(gb_sample_resample(&r, &s3, 0.1, &err), &err);
    gbt_assert_ok(gb_sample_resample(&r, &s2, 0.42, &err), &err);
    sample(&fresh, lg, 6, s2, 0.42);
    assert_int_equal(r.chosen, fresh.chosen);
    assert_int_equal(r.n_kept, fresh.n_kept);
    assert_memory_equal(r.probs_final, fresh.probs_final, sizeof lg);
    assert_memory_equal(r.probs_tempered, fresh.probs_tempered, sizeof lg);
    gb_sample_record_free(&r);
    gb_sample_record_free(&fresh);
}

static void expect_refused(gb_sampler_settings s, const char *name, const char *range) {
    gb_error err = {0};
    assert_int_equal(gb_sampler_settings_validate(&s, &err), GB_ERR_INPUT);
    printf("  refused: %s\n", err.msg);
    if (!strstr(err.msg, name) || !strstr(err.msg, range))
        fail_msg("message '%s' should name '%s' and the range '%s'", err.msg, name, range);
}

/* Nonsense settings are refused with the setting's name and allowed range. */
static void bad_settings_refused(void **state) {
    (void)state;
    expect_refused(S(-1.0, 0, 1.0), "temperature", "[0, 1000]");
    expect_refused(S(NAN, 0, 1.0), "temperature", "[0, 1000]");
    expect_refused(S(1.0, -3, 1.0), "top-k", "[0,");
    expect_refused(S(1.0, 0, 0.0), "top-p", "(0, 1]");
    expect_refused(S(1.0, 0, 1.5), "top-p", "(0, 1]");
    expect_refused(S(1.0, 0, -0.1), "top-p", "(0, 1]");
    gb_sample_record r;
    gb_error err = {0};
    gbt_assert_ok(gb_sample_record_init(&r, 3, &err), &err);
    const float bad[3] = {0, NAN, 1};
    gb_sampler_settings ok = gb_sampler_defaults();
    assert_int_equal(gb_sample(&r, bad, &ok, 0.5, &err), GB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "NaN"));
    gb_error_clear(&err);
    const float good[3] = {0, 1, 2};
    assert_int_equal(gb_sample(&r, good, &ok, 1.0, &err), GB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "[0, 1)"));
    gb_sample_record_free(&r);
}

/* Strategy specs parse into settings; unknown ones are refused by name. */
static void strategy_specs_parse(void **state) {
    (void)state;
    gb_sampler_settings s;
    gb_error err = {0};
    gbt_assert_ok(gb_sampler_settings_parse("greedy", &s, &err), &err);
    assert_true(s.temperature == 0.0);
    gbt_assert_ok(gb_sampler_settings_parse("t=0.8:top-k=40:top-p=0.95", &s, &err), &err);
    assert_true(s.temperature == 0.8 && s.top_k == 40 && s.top_p == 0.95);
    char desc[64];
    gb_sampler_settings_describe(&s, desc, sizeof desc);
    assert_string_equal(desc, "T=0.8 top-k=40 top-p=0.95");
    assert_int_equal(gb_sampler_settings_parse("beam", &s, &err), GB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "beam"));
    gb_error_clear(&err);
    assert_int_equal(gb_sampler_settings_parse("top-p=2", &s, &err), GB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "(0, 1]"));
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(temperature_matches_hand_softmax),
        cmocka_unit_test(top_k_with_ties_keeps_lower_ids),
        cmocka_unit_test(top_p_smallest_set_reaching_p),
        cmocka_unit_test(top_p_exact_boundary_reaches),
        cmocka_unit_test(top_p_after_top_k_is_renormalised),
        cmocka_unit_test(draw_walks_ties_in_id_order),
        cmocka_unit_test(tiny_top_p_keeps_exactly_one),
        cmocka_unit_test(temperature_to_zero_equals_greedy),
        cmocka_unit_test(chi_square_of_draws),
        cmocka_unit_test(generator_is_reproducible),
        cmocka_unit_test(extreme_temperatures_stay_normalised),
        cmocka_unit_test(fast_equals_full_sort_reference),
        cmocka_unit_test(resample_is_independent_of_history),
        cmocka_unit_test(bad_settings_refused),
        cmocka_unit_test(strategy_specs_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
