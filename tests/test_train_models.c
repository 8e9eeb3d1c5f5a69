/* test_train_models.c - the bundled models still meet the targets their cards
 * state, measured with `glassbox eval` through the current forward pass:
 * classroom-translate exact_match >= 0.90 on held-out sentences,
 * classroom-sentiment accuracy >= 0.95 (negations too), classroom validation
 * loss below 1.6 nats (the card says 1.47). */
#include "gbtest.h"

static double metric(const char *model, const char *name) {
    char *so = NULL, *se = NULL;
    const char *args[] = {"eval", "--model", model, NULL};
    int rc = gbt_run(NULL, 0, &so, NULL, &se, args);
    if (rc != 0) fail_msg("glassbox eval --model %s: exit %d: %s", model, rc, se ? se : "");
    char key[64];
    snprintf(key, sizeof key, "%s: ", name);
    const char *p = strstr(so, key);
    if (!p) fail_msg("eval --model %s printed no %s line:\n%s", model, name, so);
    double v = atof(p + strlen(key));
    printf("  %s %s = %.4f\n", model, name, v);
    free(so), free(se);
    return v;
}

/* The translation model translates at least 90% of held-out sentences exactly. */
static void test_translate_exact_match(void **state) {
    (void)state;
    assert_true(metric("classroom-translate", "exact_match") >= 0.90);
}

/* The sentiment classifier is right on 95% of held-out reviews, negated ones included. */
static void test_sentiment_accuracy(void **state) {
    (void)state;
    assert_true(metric("classroom-sentiment", "accuracy") >= 0.95);
    assert_true(metric("classroom-sentiment", "accuracy_negation") >= 0.95);
}

/* The language model's held-out loss stays where its card says. */
static void test_classroom_loss(void **state) {
    (void)state;
    assert_true(metric("classroom", "valid_loss") < 1.6);
    assert_true(metric("classroom", "next_token_accuracy") > 0.55);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_translate_exact_match),
        cmocka_unit_test(test_sentiment_accuracy),
        cmocka_unit_test(test_classroom_loss),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
