/* test_generate.c - the generation commands end to end: greedy reproduces
 * llama2.c's run.c byte for byte; seeds reproduce; flags are validated; the
 * trace, the distribution export and the comparison hold what they claim. */
#include "gbtest.h"

#include <jansson.h>
#include <math.h>

#include "cli.h"
#include "glassbox/safetensors.h"
#include "glassbox/tokenizer.h"

#define DIR "llama2c_stories260K/"

static char model_path[1024], tok_path[1024];

static int setup(void **state) {
    (void)state;
    snprintf(model_path, sizeof model_path, "%s", gbt_fixture(DIR "stories260K.bin"));
    snprintf(tok_path, sizeof tok_path, "%s", gbt_fixture(DIR "tok512.bin"));
    return 0;
}

static int prompt_tokens(const char *text) {
    gb_tokenizer *t = NULL;
    gb_error err = {0};
    int *ids = NULL, n = 0;
    gbt_assert_ok(gb_tokenizer_load(tok_path, &t, &err), &err);
    gbt_assert_ok(gb_tokenizer_encode(t, text, strlen(text), true, &ids, &n, NULL, &err), &err);
    free(ids);
    gb_tokenizer_free(t);
    return n;
}

/* Run `glassbox generate` with the stories260K model plus extra args. */
static int generate(char **out, size_t *out_len, char **errout, const char *const *extra) {
    const char *args[32] = {"generate", "--model", model_path, "--tokenizer", tok_path};
    int n = 5;
    for (int i = 0; extra[i] && n < 31; i++) args[n++] = extra[i];
    args[n] = NULL;
    return gbt_run(NULL, 0, out, out_len, errout, args);
}

/* Greedy generation prints exactly what run.c printed, for every recorded case
 * (run.c's -n counts positions, prompt included: new tokens = n - prompt + 1). */
static void greedy_reproduces_run_c(void **state) {
    (void)state;
    char *json = NULL;
    size_t jl = 0;
    gb_error err = {0};
    gbt_assert_ok(gb_read_file(gbt_fixture(DIR "runc_generate_cases.json"), 1 << 20, &json, &jl, &err), &err);
    json_t *root = json_loads(json, 0, NULL), *runs = json_object_get(root, "runs");
    assert_true(json_array_size(runs) >= 4);
    for (size_t i = 0; i < json_array_size(runs); i++) {
        json_t *run = json_array_get(runs, i);
        const char *prompt = json_string_value(json_object_get(run, "prompt")); /* NULL: none */
        int steps = (int)json_integer_value(json_object_get(run, "steps"));
        assert_true(json_real_value(json_object_get(run, "temperature")) == 0.0);
        char n_new[16];
        snprintf(n_new, sizeof n_new, "%d", steps - prompt_tokens(prompt ? prompt : "") + 1);
        const char *extra[8] = {"--temperature", "0", "--max-new-tokens", n_new, NULL};
        if (prompt) extra[4] = "--prompt", extra[5] = prompt, extra[6] = NULL;
        char *out = NULL, *errout = NULL, *expect = NULL;
        size_t ol = 0, el = 0;
        assert_int_equal(generate(&out, &ol, &errout, extra), 0);
        char rel[256];
        snprintf(rel, sizeof rel, DIR "%s", json_string_value(json_object_get(run, "file")));
        gbt_assert_ok(gb_read_file(gbt_fixture(rel), 1 << 20, &expect, &el, &err), &err);
        printf("  %-22s %zu bytes, run.c %zu bytes: %s\n", rel + strlen(DIR), ol, el,
               ol == el && memcmp(out, expect, el) == 0 ? "identical" : "DIFFERENT");
        assert_int_equal(ol, el);
        assert_memory_equal(out, expect, el);
        assert_non_null(strstr(errout, "new tokens"));
        free(out);
        free(errout);
        free(expect);
    }
    json_decref(root);
    free(json);
}

/* The same seed and settings give the same text; another seed another text. */
static void seeds_reproduce(void **state) {
    (void)state;
    char *a = NULL, *b = NULL, *c = NULL;
    const char *s1[] = {"--prompt", "Lily", "-n", "40", "--top-p", "0.95", "--seed", "123", NULL};
    const char *s2[] = {"--prompt", "Lily", "-n", "40", "--top-p", "0.95", "--seed", "124", NULL};
    assert_int_equal(generate(&a, NULL, NULL, s1), 0);
    assert_int_equal(generate(&b, NULL, NULL, s1), 0);
    assert_int_equal(generate(&c, NULL, NULL, s2), 0);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    assert_true(strncmp(a, "Lily", 4) == 0); /* the prompt comes first */
    free(a);
    free(b);
    free(c);
}

static void expect_refusal(const char *const *args, const char *a, const char *b) {
    char *out = NULL, *errout = NULL;
    int rc = gbt_run(NULL, 0, &out, NULL, &errout, args);
    printf("  refused (%d): %s", rc, errout);
    assert_int_equal(rc, 2);
    assert_string_equal(out, "");
    if (!strstr(errout, a) || !strstr(errout, b)) fail_msg("'%s' should mention '%s' and '%s'", errout, a, b);
    assert_true(strlen(errout) > 0 && strchr(errout, '\n') == errout + strlen(errout) - 1); /* one line */
    free(out);
    free(errout);
}

/* Bad settings are refused with the flag and its allowed range, nothing on stdout. */
static void bad_flags_refused(void **state) {
    (void)state;
    static char long_prompt[8000];
    for (int i = 0; i < 700; i++) memcpy(long_prompt + 5 * i, "Lily ", 5);
#define G "generate", "--model", model_path, "--tokenizer", tok_path
    expect_refusal((const char *[]){G, "--temperature", "-1", NULL}, "--temperature", "[0, 1000]");
    expect_refusal((const char *[]){G, "--top-p", "0", NULL}, "--top-p", "(0, 1]");
    expect_refusal((const char *[]){G, "--top-p", "1.5", NULL}, "--top-p", "(0, 1]");
    expect_refusal((const char *[]){G, "--top-k", "-3", NULL}, "--top-k", "[0,");
    expect_refusal((const char *[]){G, "--prompt", "Lily", "--max-new-tokens", "600", NULL},
                   "--max-new-tokens", "[1, 511]");
    expect_refusal((const char *[]){G, "--prompt", long_prompt, NULL}, "--prompt", "context window of 512");
    expect_refusal((const char *[]){G, "--seed", "-4", NULL}, "--seed", "non-negative");
    expect_refusal((const char *[]){G, "--trace", "/nonexistent-dir/x.safetensors", NULL}, "x.safetensors",
                   "cannot write");
    expect_refusal((const char *[]){"compare", "--model", model_path, "--tokenizer", tok_path, "--prompt",
                                    "Lily", "--strategies", "greedy,beam", NULL},
                   "--strategies", "beam");
    expect_refusal((const char *[]){"generate", "--model", model_path, NULL}, "--tokenizer", "names no tokenizer");
#undef G
}

/* --trace writes the session record: tokens, per-step distributions, metadata. */
static void trace_holds_the_session(void **state) {
    (void)state;
    const char *path = gbt_tmp("gen.safetensors");
    const char *extra[] = {"--prompt", "The cat", "-n", "12", "-k", "10", "--seed", "5", "--trace", path, NULL};
    char *out = NULL;
    assert_int_equal(generate(&out, NULL, NULL, extra), 0);
    gb_st_file f;
    gb_error err = {0};
    gbt_assert_ok(gb_st_open(path, &f, &err), &err);
    const gb_st_tensor *fin = gb_st_find(&f, "steps.probs_final"), *k = gb_st_find(&f, "steps.n_kept");
    assert_non_null(fin);
    assert_int_equal(fin->shape[0], 12);
    assert_int_equal(fin->shape[1], 512);
    float kept[12];
    gbt_assert_ok(gb_st_read_f32(&f, k, kept, &err), &err);
    for (int i = 0; i < 12; i++) assert_true(kept[i] == 10.0f);
    json_t *meta = json_loads(gb_st_meta_get(&f, "glassbox.session"), 0, NULL);
    json_t *ex = json_object_get(meta, "extra");
    const char *completion = json_string_value(json_object_get(ex, "completion_text"));
    assert_string_equal(json_string_value(json_object_get(ex, "prompt_text")), "The cat");
    /* stdout = prompt + completion + newline */
    char expect[4096];
    snprintf(expect, sizeof expect, "The cat%s\n", completion);
    assert_string_equal(out, expect);
    assert_int_equal(json_array_size(json_object_get(meta, "steps")), 12);
    json_decref(meta);
    gb_st_close(&f);
    free(out);
}

/* The distribution export (JSON and CSV) shows the decision generate makes first. */
static void export_distribution_matches_first_step(void **state) {
    (void)state;
    const char *json_path = gbt_tmp("dist.json"), *csv_path = gbt_tmp("dist.csv");
    char *argv[] = {"distribution", "--model", model_path, "--tokenizer", tok_path, "--prompt", "Once upon a time",
                    "-t", "0.8", "-k", "20", "-p", "0.9", "--seed", "9", "--out", (char *)json_path, NULL};
    assert_int_equal(gb_export_distribution(17, argv), 0);
    argv[16] = (char *)csv_path;
    assert_int_equal(gb_export_distribution(17, argv), 0);
    json_error_t je;
    json_t *d = json_load_file(json_path, JSON_ALLOW_NUL, &je); /* byte tokens include U+0000 */
    if (!d) fail_msg("%s: %s (line %d)", json_path, je.text, je.line);
    assert_non_null(d);
    const char *lists[4] = {"logits", "probs_t1", "probs_tempered", "probs_final"};
    for (int i = 0; i < 4; i++) assert_int_equal(json_array_size(json_object_get(d, lists[i])), 512);
    json_t *fin = json_object_get(d, "probs_final"), *kept = json_object_get(d, "kept_ids");
    double sum = 0;
    for (size_t i = 0; i < 512; i++) sum += json_number_value(json_array_get(fin, i));
    printf("  exported final distribution: |sum - 1| = %.3g (tolerance 1e-5)\n", fabs(sum - 1));
    assert_true(fabs(sum - 1) < 1e-5);
    assert_true(json_array_size(kept) >= 1 && json_array_size(kept) <= 20);
    assert_int_equal(json_array_size(json_object_get(d, "topk_ids")), 20);
    int chosen = (int)json_integer_value(json_object_get(d, "chosen"));
    assert_true(json_number_value(json_array_get(fin, (size_t)chosen)) > 0);
    assert_int_equal(json_array_size(json_object_get(d, "tokens")), prompt_tokens("Once upon a time"));
    assert_true(json_number_value(json_object_get(json_object_get(d, "settings"), "top_p")) == 0.9);
    /* generate with the same settings and seed prints that token first */
    char *out = NULL;
    const char *extra[] = {"--prompt", "Once upon a time", "-t", "0.8", "-k", "20", "-p", "0.9", "--seed", "9",
                           "-n", "1", NULL};
    assert_int_equal(generate(&out, NULL, NULL, extra), 0);
    const char *piece = json_string_value(json_object_get(d, "chosen_text"));
    char expect[256];
    snprintf(expect, sizeof expect, "Once upon a time%s\n", piece);
    assert_string_equal(out, expect);
    free(out);
    json_decref(d);
    char *csv = NULL;
    size_t cl = 0;
    gb_error err = {0};
    gbt_assert_ok(gb_read_file(csv_path, 1 << 24, &csv, &cl, &err), &err);
    int lines = 0;
    for (size_t i = 0; i < cl; i++) lines += csv[i] == '\n';
    assert_int_equal(lines, 513);
    const char *header = "id,token,logit,prob_t1,prob_tempered,prob_final,kept_rank,chosen\n";
    assert_true(strncmp(csv, header, strlen(header)) == 0);
    free(csv);
    /* refusals: nothing is written */
    argv[16] = (char *)gbt_tmp("dist.txt");
    assert_int_equal(gb_export_distribution(17, argv), 2);
    const char *no_file = gbt_tmp("never.json");
    argv[16] = (char *)no_file;
    argv[12] = "1.5"; /* --top-p 1.5 */
    assert_int_equal(gb_export_distribution(17, argv), 2);
    FILE *fp = fopen(no_file, "rb");
    assert_null(fp);
    char *no_out[] = {"distribution", "--model", model_path, "--tokenizer", tok_path, "--prompt", "x", NULL};
    assert_int_equal(gb_export_distribution(7, no_out), 2);
}

/* compare prints one row per strategy; its greedy row is generate's greedy text. */
static void compare_side_by_side(void **state) {
    (void)state;
    const char *path = gbt_tmp("cmp.json");
    const char *args[] = {"compare", "--model", model_path, "--tokenizer", tok_path, "--prompt", "Lily", "--seed", "3",
                          "-n", "20", "--out", path, NULL};
    char *out = NULL;
    assert_int_equal(gbt_run(NULL, 0, &out, NULL, NULL, args), 0);
    printf("%s", out);
    const char *rows[4] = {"\ngreedy ", "\nT=1 top-k=40 ", "\nT=1 top-p=0.9 ", "\nT=1.5 "};
    for (int i = 0; i < 4; i++) assert_non_null(strstr(out, rows[i]));
    json_error_t je;
    json_t *d = json_load_file(path, 0, &je);
    json_t *st = json_object_get(d, "strategies");
    assert_int_equal(json_array_size(st), 4);
    char *g = NULL;
    const char *extra[] = {"--prompt", "Lily", "-t", "0", "-n", "20", NULL};
    assert_int_equal(generate(&g, NULL, NULL, extra), 0);
    char expect[4096];
    snprintf(expect, sizeof expect, "Lily%s\n", json_string_value(json_object_get(json_array_get(st, 0), "text")));
    assert_string_equal(g, expect);
    free(g);
    json_decref(d);
    free(out);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(greedy_reproduces_run_c),
        cmocka_unit_test(seeds_reproduce),
        cmocka_unit_test(bad_flags_refused),
        cmocka_unit_test(trace_holds_the_session),
        cmocka_unit_test(export_distribution_matches_first_step),
        cmocka_unit_test(compare_side_by_side),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
