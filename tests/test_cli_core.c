/* test_cli_core.c - the command line of the core: --version, help, trace. */
#include "gbtest.h"

#include <jansson.h>
#include <unistd.h>

#include "glassbox/export.h"

static int run(char **out, char **err, const char *const *args) { return gbt_run(NULL, 0, out, NULL, err, args); }

/* --version names the BLAS kernels that actually run. */
static void test_version_names_kernels(void **state) {
    (void)state;
    char *out, *err;
    const char *args[] = {"--version", NULL};
    assert_int_equal(run(&out, &err, args), 0);
    assert_non_null(strstr(out, "OpenBLAS kernels: "));
    assert_null(strstr(out, "Prescott")); /* the slow fallback must not be what runs here */
    free(out);
    free(err);
}

/* help lists commands; help COMMAND shows usage; an unknown command exits 2. */
static void test_help(void **state) {
    (void)state;
    char *out, *err;
    const char *a1[] = {"--help", NULL};
    assert_int_equal(run(&out, &err, a1), 0);
    assert_non_null(strstr(out, "trace"));
    free(out), free(err);
    const char *a2[] = {"help", "trace", NULL};
    assert_int_equal(run(&out, &err, a2), 0);
    assert_non_null(strstr(out, "--hooks"));
    free(out), free(err);
    /* `glassbox CMD --help` (and -h, and after a subcommand) lists the options,
     * exits 0 and runs nothing: `view --help` opens no window, `bench --help`
     * measures nothing, `render --help` writes no file */
    const char *cmds[][4] = {{"view", "--help"}, {"render", "attention", "--help"}, {"bench", "-h"},
                             {"generate", "--model", "classroom", "--help"}, {"export", "--help"},
                             {"export", "attention", "--help"}, {"train", "--help"}, {"lesson", "--help"}};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        const char *args[5] = {cmds[i][0], cmds[i][1], cmds[i][2], cmds[i][3], NULL};
        int rc = run(&out, &err, args);
        printf("  glassbox %s %s ...: exit %d\n", cmds[i][0], cmds[i][1], rc);
        assert_int_equal(rc, 0);
        assert_non_null(strstr(out, "glassbox "));
        if (strcmp(cmds[i][0], "export") != 0 || cmds[i][2]) assert_non_null(strstr(out, "options of"));
        assert_true(err == NULL || err[0] == '\0');
        free(out), free(err);
    }
    /* a prompt that is "-h" is a prompt */
    const char *a4[] = {"tokenize", "--tokenizer", gbt_fixture("gpt2_bpe"), "--", "-h", NULL};
    assert_int_equal(run(&out, &err, a4), 0);
    assert_null(strstr(out, "options of"));
    free(out), free(err);
    const char *a3[] = {"frobnicate", NULL};
    assert_int_equal(run(&out, &err, a3), 2);
    assert_non_null(strstr(err, "unknown command 'frobnicate'"));
    free(out), free(err);
}

/* trace writes a safetensors recording with the documented names and shapes. */
static void test_trace_safetensors(void **state) {
    (void)state;
    const char *path = gbt_tmp("trace.safetensors");
    char *out, *err;
    const char *args[] = {"trace", "--model", gbt_fixture("gpt2_tiny_random"), "--ids", "17,42,123,7", "--out", path, NULL};
    assert_int_equal(run(&out, &err, args), 0);
    gb_st_contents c;
    gb_error e = {0};
    gbt_assert_ok(gb_st_contents_read(path, &c, &e), &e);
    const gb_tensor *p = gb_st_contents_find(&c, "blocks.1.attn.hook_pattern");
    assert_non_null(p);
    assert_int_equal(p->ndim, 3);
    assert_int_equal(p->shape[0], 4);
    assert_int_equal(p->shape[1], 4);
    assert_int_equal(p->shape[2], 4);
    const gb_tensor *l = gb_st_contents_find(&c, "logits");
    assert_non_null(l);
    assert_int_equal(l->shape[0], 4);
    assert_int_equal(l->shape[1], 512);
    assert_non_null(gb_st_contents_find(&c, "blocks.0.mlp.hook_post"));
    assert_string_equal(gb_st_contents_meta(&c, "glassbox.tokens"), "[17,42,123,7]");
    gb_st_contents_free(&c);
    free(out), free(err);
}

/* trace --hooks selects tensors; the JSON form parses and holds nested lists. */
static void test_trace_json_hooks(void **state) {
    (void)state;
    const char *path = gbt_tmp("trace.json");
    char *out, *err;
    const char *args[] = {"trace", "--model", gbt_fixture("llama2c_stories260K/stories260K.bin"), "--ids", "1,403,407",
                          "--hooks", "blocks.*.attn.hook_pattern", "--out", path, NULL};
    assert_int_equal(run(&out, &err, args), 0);
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    assert_non_null(root);
    json_t *t = json_object_get(root, "tensors");
    assert_int_equal(json_object_size(t), 5);
    json_t *p = json_object_get(t, "blocks.4.attn.hook_pattern");
    assert_int_equal(json_integer_value(json_array_get(json_object_get(p, "shape"), 0)), 8);
    json_t *row0 = json_array_get(json_array_get(json_object_get(p, "data"), 0), 0);
    assert_float_equal(json_number_value(json_array_get(row0, 0)), 1.0, 1e-6); /* first token sees only itself */
    json_decref(root);
    free(out), free(err);
}

/* trace --prompt tokenizes with the model's tokenizer and stores the token strings. */
static void test_trace_prompt(void **state) {
    (void)state;
    const char *path = gbt_tmp("prompt.safetensors");
    char *out, *err;
    const char *args[] = {"trace", "--model", gbt_fixture("llama2c_stories260K/stories260K.bin"), "--tokenizer",
                          gbt_fixture("llama2c_stories260K/tok512.bin"), "--prompt", "Once upon a time", "--hooks",
                          "logits", "--out", path, NULL};
    assert_int_equal(run(&out, &err, args), 0);
    gb_st_contents c;
    gb_error e = {0};
    gbt_assert_ok(gb_st_contents_read(path, &c, &e), &e);
    assert_string_equal(gb_st_contents_meta(&c, "glassbox.tokens"), "[1,403,407,261,378]"); /* run.c's ids */
    assert_non_null(strstr(gb_st_contents_meta(&c, "glassbox.token_strings"), "\" upon\""));
    assert_int_equal(c.n, 1);
    gb_st_contents_free(&c);
    free(out), free(err);
}

/* `glassbox export distribution` (through the export dispatcher) writes the
 * fields the issue names, each full-vocabulary list of the model's size. */
static void test_export_distribution_cli(void **state) {
    (void)state;
    const char *path = gbt_tmp("dist.json");
    char *out, *err;
    const char *args[] = {"export", "distribution", "--model", gbt_fixture("llama2c_stories260K/stories260K.bin"),
                          "--tokenizer", gbt_fixture("llama2c_stories260K/tok512.bin"), "--prompt", "Once upon a",
                          "--top-k", "5", "--seed", "3", "--out", path, NULL};
    assert_int_equal(run(&out, &err, args), 0);
    json_error_t je;
    json_t *root = json_load_file(path, JSON_ALLOW_NUL, &je); /* token_texts holds the <0x00> byte token */
    assert_non_null(root);
    const char *lists[] = {"logits", "probs_t1", "probs_tempered", "probs_final"};
    for (int i = 0; i < 4; i++) assert_int_equal(json_array_size(json_object_get(root, lists[i])), 512);
    assert_int_equal(json_array_size(json_object_get(root, "kept_ids")), 5);
    assert_non_null(json_object_get(root, "tokens"));
    assert_non_null(json_object_get(root, "draw"));
    assert_non_null(json_object_get(root, "settings"));
    json_int_t chosen = json_integer_value(json_object_get(root, "chosen"));
    int found = 0;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(root, "kept_ids"), i, v) found |= json_integer_value(v) == chosen;
    assert_true(found);
    json_decref(root);
    free(out), free(err);
}

/* Bad input: one line on stderr naming the problem, exit 2, no output file. */
static void test_trace_bad_input(void **state) {
    (void)state;
    struct {
        const char *ids, *model, *out, *expect;
    } cases[] = {
        {"1,2,999", "gpt2_tiny_random", "a.json", "token id 999"},
        {"1,x", "gpt2_tiny_random", "b.json", "--ids"},
        {"1,2", "malformed/missing", "c.json", "no such file"},
        {"1,2", "gpt2_tiny_random", "d.txt", ".safetensors or .json"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *path = gbt_tmp(cases[i].out);
        char *out, *err;
        const char *args[] = {"trace", "--model", gbt_fixture(cases[i].model), "--ids", cases[i].ids, "--out", path, NULL};
        assert_int_equal(run(&out, &err, args), 2);
        printf("  %s\n", err);
        assert_non_null(strstr(err, cases[i].expect));
        assert_non_null(strchr(err, '\n'));
        assert_true(strchr(err, '\n') == err + strlen(err) - 1); /* exactly one line */
        assert_int_equal(access(path, F_OK), -1);
        free(out), free(err);
    }
    /* more tokens than the context window (64 for the tiny GPT-2) */
    char ids[400] = "0";
    for (int i = 1; i < 65; i++) strcat(ids, ",1");
    char *out, *err;
    const char *args[] = {"trace", "--model", gbt_fixture("gpt2_tiny_random"), "--ids", ids, "--out", gbt_tmp("e.json"), NULL};
    assert_int_equal(run(&out, &err, args), 2);
    assert_non_null(strstr(err, "context window of 64"));
    free(out), free(err);
}

/* Every stored malformed model: exit 2, one line naming the file, no output. */
static void test_trace_malformed_models(void **state) {
    (void)state;
    const char *files[] = {"truncated.safetensors", "header_too_long.safetensors", "offsets_outside.safetensors",
                           "unknown_dtype.safetensors", "shape_mismatch.safetensors", "nan_weight.safetensors",
                           "bad_json_header.safetensors", "llama2c_bad_header.bin", "llama2c_wrong_size.bin"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char rel[128];
        snprintf(rel, sizeof rel, "malformed/%s", files[i]);
        const char *out_path = gbt_tmp("malformed-out.safetensors");
        char *out, *err;
        const char *args[] = {"trace", "--model", gbt_fixture(rel), "--ids", "1,2", "--out", out_path, NULL};
        int rc = run(&out, &err, args);
        printf("  %-30s exit %d: %s", files[i], rc, err);
        assert_int_equal(rc, 2);
        assert_non_null(strstr(err, files[i]));
        assert_true(strchr(err, '\n') == err + strlen(err) - 1);
        assert_int_equal(access(out_path, F_OK), -1);
        free(out), free(err);
    }
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_names_kernels),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_trace_safetensors),
        cmocka_unit_test(test_trace_json_hooks),
        cmocka_unit_test(test_trace_prompt),
        cmocka_unit_test(test_export_distribution_cli),
        cmocka_unit_test(test_trace_bad_input),
        cmocka_unit_test(test_trace_malformed_models),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
