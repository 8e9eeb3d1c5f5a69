/* test_ngram.c - the bigram (one-word-context) model: hand-counted probabilities,
 * distributions that sum to one, perplexity, and bad input refused. */
#include "gbtest.h"

#include <math.h>

#include "glassbox/ngram.h"

static const char *TINY = "the cat sat .\nthe cat ran .\n\nthe dog sat .\n";

static gb_bigram *tiny(double k) {
    gb_error err = {0};
    gb_bigram *bg = NULL;
    gbt_assert_ok(gb_bigram_build(TINY, strlen(TINY), k, &bg, &err), &err);
    return bg;
}

static void assert_near(double got, double want, double tol, const char *what) {
    printf("  %-28s %.9f (want %.9f, |diff| %.2g, tolerance %.0g)\n", what, got, want, fabs(got - want), tol);
    assert_true(fabs(got - want) <= tol);
}

/* Counts match the ones done by hand; the empty line is not a sentence. */
static void test_counts_by_hand(void **state) {
    (void)state;
    gb_bigram *bg = tiny(0.5);
    /* <unk> <s> </s> the cat sat . ran dog */
    assert_int_equal(gb_bigram_vocab_size(bg), 9);
    int the = gb_bigram_id(bg, "the"), cat = gb_bigram_id(bg, "cat"), dog = gb_bigram_id(bg, "dog");
    int dot = gb_bigram_id(bg, ".");
    assert_int_equal(gb_bigram_id(bg, "zebra"), GB_BIGRAM_UNK);
    assert_string_equal(gb_bigram_word(bg, the), "the");
    assert_null(gb_bigram_word(bg, 99));
    assert_int_equal(gb_bigram_count(bg, GB_BIGRAM_BOS, the), 3);
    assert_int_equal(gb_bigram_count(bg, the, cat), 2);
    assert_int_equal(gb_bigram_count(bg, the, dog), 1);
    assert_int_equal(gb_bigram_count(bg, cat, the), 0);
    assert_int_equal(gb_bigram_count(bg, dot, GB_BIGRAM_EOS), 3);
    assert_int_equal(gb_bigram_context_count(bg, the), 3);
    /* add-k: (c + k) / (c(prev) + k * 8), 8 predictable words (all but <s>) */
    assert_near(gb_bigram_prob(bg, the, cat), 2.5 / 7.0, 1e-12, "P(cat | the)");
    assert_near(gb_bigram_prob(bg, the, gb_bigram_id(bg, "ran")), 0.5 / 7.0, 1e-12, "P(ran | the)");
    assert_near(gb_bigram_prob(bg, dot, GB_BIGRAM_EOS), 3.5 / 7.0, 1e-12, "P(</s> | .)");
    assert_near(gb_bigram_prob(bg, GB_BIGRAM_UNK, cat), 0.5 / 4.0, 1e-12, "P(cat | <unk>)");
    assert_true(gb_bigram_prob(bg, the, GB_BIGRAM_BOS) == 0.0);
    gb_bigram_free(bg);
}

/* The next-word distribution sums to 1 for every context, seen or not. */
static void test_distributions_sum_to_one(void **state) {
    (void)state;
    gb_bigram *bg = tiny(0.1);
    int V = gb_bigram_vocab_size(bg);
    double *p = malloc((size_t)V * sizeof *p), worst = 0;
    for (int prev = 0; prev < V; prev++) {
        gb_bigram_next(bg, prev, p);
        double s = 0;
        for (int v = 0; v < V; v++) {
            s += p[v];
            assert_true(fabs(p[v] - gb_bigram_prob(bg, prev, v)) < 1e-15);
        }
        if (fabs(s - 1) > worst) worst = fabs(s - 1);
    }
    printf("  worst |sum - 1| over %d contexts: %.2g (tolerance 1e-12)\n", V, worst);
    assert_true(worst < 1e-12);
    free(p);
    gb_bigram_free(bg);
}

/* Top-k is sorted, most likely first, and agrees with the counts. */
static void test_top(void **state) {
    (void)state;
    gb_bigram *bg = tiny(0.5);
    int ids[20];
    double p[20];
    int n = gb_bigram_top(bg, gb_bigram_id(bg, "the"), 3, ids, p);
    assert_int_equal(n, 3);
    assert_string_equal(gb_bigram_word(bg, ids[0]), "cat");
    assert_string_equal(gb_bigram_word(bg, ids[1]), "dog");
    assert_true(p[0] >= p[1] && p[1] >= p[2]);
    n = gb_bigram_top(bg, gb_bigram_id(bg, "cat"), 20, ids, p);
    assert_int_equal(n, 8); /* all but <s> */
    gb_bigram_free(bg);
}

/* Perplexity over a validation sentence, unknown word included, matches the hand value. */
static void test_perplexity_by_hand(void **state) {
    (void)state;
    gb_bigram *bg = tiny(0.5);
    gb_error err = {0};
    double ppl;
    long n;
    const char *val = "the dog ran .\n";
    gbt_assert_ok(gb_bigram_perplexity(bg, val, strlen(val), &ppl, &n, &err), &err);
    assert_int_equal(n, 5); /* 4 words and the end */
    double want = exp(-(log(0.5) + log(1.5 / 7) + log(0.1) + log(0.3) + log(0.5)) / 5);
    assert_near(ppl, want, 1e-9, "perplexity 'the dog ran .'");
    const char *unk = "the bird sat .";
    gbt_assert_ok(gb_bigram_perplexity(bg, unk, strlen(unk), &ppl, &n, &err), &err);
    want = exp(-(log(0.5) + log(0.5 / 7) + log(0.125) + log(2.5 / 6) + log(0.5)) / 5);
    assert_near(ppl, want, 1e-9, "perplexity with an unknown word");
    gb_bigram_free(bg);
}

/* Empty corpora, invalid UTF-8 and nonsense smoothing are refused with a clear message. */
static void test_bad_input(void **state) {
    (void)state;
    gb_error err = {0};
    gb_bigram *bg = (gb_bigram *)0x1;
    assert_int_equal(gb_bigram_build("", 0, 0.1, &bg, &err), GB_ERR_INPUT);
    assert_null(bg);
    printf("  %s\n", err.msg);
    assert_non_null(strstr(err.msg, "empty corpus"));
    gb_error_clear(&err);
    assert_int_equal(gb_bigram_build("\n  \n\n", 5, 0.1, &bg, &err), GB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "empty corpus"));
    gb_error_clear(&err);
    const char bad[] = "the cat\nsat \xff here\n";
    assert_int_equal(gb_bigram_build(bad, sizeof bad - 1, 0.1, &bg, &err), GB_ERR_INPUT);
    printf("  %s\n", err.msg);
    assert_non_null(strstr(err.msg, "line 2"));
    assert_non_null(strstr(err.msg, "UTF-8"));
    gb_error_clear(&err);
    assert_int_equal(gb_bigram_build("a b", 3, 0.0, &bg, &err), GB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "k = 0"));
    gb_error_clear(&err);
    assert_int_equal(gb_bigram_build("a b", 3, NAN, &bg, &err), GB_ERR_INPUT);
    gb_error_clear(&err);
    bg = tiny(0.1);
    double ppl;
    assert_int_equal(gb_bigram_perplexity(bg, "\n\n", 2, &ppl, NULL, &err), GB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "no words"));
    gb_error_clear(&err);
    assert_int_equal(gb_bigram_perplexity(bg, "a \xc3", 3, &ppl, NULL, &err), GB_ERR_INPUT);
    gb_bigram_free(bg);
}

/* Building from an array of sentences gives the same model as from text. */
static void test_lines_equal_text(void **state) {
    (void)state;
    const char *lines[] = {"the cat sat .", "the cat ran .", "", "the dog sat ."};
    gb_error err = {0};
    gb_bigram *a = NULL, *b = tiny(0.5);
    gbt_assert_ok(gb_bigram_build_lines(lines, 4, 0.5, &a, &err), &err);
    assert_int_equal(gb_bigram_vocab_size(a), gb_bigram_vocab_size(b));
    for (int p = 0; p < gb_bigram_vocab_size(a); p++)
        for (int v = 0; v < gb_bigram_vocab_size(a); v++)
            assert_true(gb_bigram_prob(a, p, v) == gb_bigram_prob(b, p, v));
    gb_bigram_free(a);
    gb_bigram_free(b);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_by_hand),
        cmocka_unit_test(test_distributions_sum_to_one),
        cmocka_unit_test(test_top),
        cmocka_unit_test(test_perplexity_by_hand),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_lines_equal_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
