/* test_tokenizer_cli.c - `glassbox tokenize`: ids, JSON record, step replay,
 * stdin read byte for byte, and one-line errors with exit status 2. */
#include "gbtest.h"

#include <jansson.h>
#include <sys/stat.h>

#include "glassbox/platform.h"

static int run(const char *in, size_t in_len, char **out, char **err, const char *const *args) {
    size_t ol;
    int rc = gbt_run(in, in_len, out, &ol, err, args);
    printf("  exit %d, stderr: %s", rc, *err && **err ? *err : "(none)\n");
    return rc;
}

/* Exactly one line on stderr, starting "glassbox: ", nothing on stdout. */
static void assert_one_line_error(int rc, const char *out, const char *err, const char *want) {
    assert_int_equal(rc, 2);
    assert_string_equal(out, "");
    assert_true(strncmp(err, "glassbox: ", 10) == 0);
    const char *nl = strchr(err, '\n');
    assert_non_null(nl);
    assert_true(nl[1] == '\0');
    if (!strstr(err, want)) fail_msg("stderr \"%s\" lacks \"%s\"", err, want);
}

/* --format ids (the default): the ids on one line; GPT-2 adds nothing, llama2.c adds BOS. */
static void test_ids_output(void **state) {
    (void)state;
    char *out, *err;
    const char *a1[] = {"tokenize", "--tokenizer", gbt_fixture("gpt2_bpe"), "Hello world", NULL};
    assert_int_equal(run(NULL, 0, &out, &err, a1), 0);
    assert_string_equal(out, "15496 995\n");
    free(out), free(err);
    const char *a2[] = {"tokenize", "--tokenizer", gbt_fixture("llama2c_stories260K/tok512.bin"), "--format", "ids",
                        "Once upon a time", NULL};
    assert_int_equal(run(NULL, 0, &out, &err, a2), 0);
    assert_string_equal(out, "1 403 407 261 378\n");
    free(out), free(err);
}

/* - reads stdin byte for byte: a trailing newline is a token, invalid UTF-8 survives. */
static void test_stdin_byte_exact(void **state) {
    (void)state;
    char *out, *err;
    const char *a[] = {"tokenize", "--tokenizer", gbt_fixture("gpt2_bpe"), "-", NULL};
    assert_int_equal(run("Hello world\n", 12, &out, &err, a), 0);
    assert_string_equal(out, "15496 995 198\n");
    free(out), free(err);
    const char *aj[] = {"tokenize", "--tokenizer", gbt_fixture("gpt2_bpe"), "--format", "json", "-", NULL};
    static const char bytes[] = "a\0b\xFF\r\n";
    assert_int_equal(run(bytes, sizeof bytes - 1, &out, &err, aj), 0);
    json_error_t je;
    json_t *root = json_loads(out, JSON_ALLOW_NUL, &je);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "text_hex")), "610062ff0d0a");
    assert_int_equal(json_integer_value(json_object_get(root, "input_bytes")), 6);
    json_decref(root);
    free(out), free(err);
}

/* --format json is valid JSON holding the ids, tokens with spans, chunks with merges. */
static void test_json_record(void **state) {
    (void)state;
    char *out, *err;
    const char *a[] = {"tokenize", "--tokenizer", gbt_fixture("gpt2_bpe"), "--format", "json", "Hello world", NULL};
    assert_int_equal(run(NULL, 0, &out, &err, a), 0);
    json_error_t je;
    json_t *root = json_loads(out, 0, &je);
    if (!root) fail_msg("not JSON: %s (line %d)", je.text, je.line);
    json_t *ids = json_object_get(root, "ids");
    assert_int_equal(json_array_size(ids), 2);
    assert_int_equal(json_integer_value(json_array_get(ids, 0)), 15496);
    assert_string_equal(json_string_value(json_object_get(root, "text")), "Hello world");
    json_t *tok1 = json_array_get(json_object_get(root, "tokens"), 1);
    assert_string_equal(json_string_value(json_object_get(tok1, "token")), "\xC4\xA0world");
    assert_string_equal(json_string_value(json_object_get(tok1, "label")), "\xE2\x90\xA3world");
    assert_int_equal(json_integer_value(json_object_get(tok1, "start")), 5);
    assert_int_equal(json_integer_value(json_object_get(tok1, "end")), 11);
    json_t *chunks = json_object_get(root, "chunks");
    assert_int_equal(json_array_size(chunks), 2);
    json_t *merges = json_object_get(json_array_get(chunks, 0), "merges");
    assert_int_equal(json_array_size(merges), 4); /* H e l l o -> Hello in four merges */
    json_t *last = json_array_get(merges, 3);
    assert_int_equal(json_integer_value(json_object_get(last, "result")), 15496);
    assert_int_equal(json_array_size(json_object_get(last, "after")), 1);
    assert_int_equal(json_array_size(json_object_get(root, "byte_symbol")), 11);
    json_decref(root);
    free(out), free(err);
}

/* --steps tells the story and ends with the ids. */
static void test_steps(void **state) {
    (void)state;
    char *out, *err;
    const char *a[] = {"tokenize", "--tokenizer", gbt_fixture("gpt2_bpe"), "--steps", "Hello world", NULL};
    assert_int_equal(run(NULL, 0, &out, &err, a), 0);
    assert_non_null(strstr(out, "l + l -> ll"));
    assert_non_null(strstr(out, "now: H | e | ll | o"));
    assert_non_null(strstr(out, "\nIds: 15496 995\n"));
    free(out), free(err);
    const char *b[] = {"tokenize", "--tokenizer", gbt_fixture("llama2c_stories260K/tok512.bin"), "--steps", "Once", NULL};
    assert_int_equal(run(NULL, 0, &out, &err, b), 0);
    assert_non_null(strstr(out, "score"));
    assert_non_null(strstr(out, "\nIds: 1 403\n"));
    free(out), free(err);
    /* a word tokenizer says which word was unknown */
    gb_error e = {0};
    const char *vocab = "{\"glassbox_tokenizer\": 1, \"kind\": \"word\", \"lowercase\": true, "
                        "\"specials\": {\"unk\": \"<unk>\"}, \"vocab\": [\"<unk>\", \"the\", \"cat\"]}";
    const char *p = gbt_tmp("words.json");
    gbt_assert_ok(gb_write_file_atomic(p, vocab, strlen(vocab), &e), &e);
    const char *c[] = {"tokenize", "--tokenizer", p, "--steps", "The zebra", NULL};
    assert_int_equal(run(NULL, 0, &out, &err, c), 0);
    assert_non_null(strstr(out, "[the]  [zebra]"));
    assert_non_null(strstr(out, "zebra  ->  <unk>  ->  0"));
    assert_non_null(strstr(out, "\nIds: 1 0\n"));
    free(out), free(err);
}

/* Bad input: exit 2, one line on stderr naming the problem, nothing on stdout. */
static void test_bad_input(void **state) {
    (void)state;
    char *out, *err;
    int rc;
    const char *a1[] = {"tokenize", "--tokenizer", gbt_tmp("missing-tokenizer"), "hi", NULL};
    rc = run(NULL, 0, &out, &err, a1);
    assert_one_line_error(rc, out, err, "missing-tokenizer: no such file or folder");
    free(out), free(err);
    const char *a2[] = {"tokenize", "--tokenizer", gbt_fixture("gpt2_bpe"), "--format", "xml", "hi", NULL};
    rc = run(NULL, 0, &out, &err, a2);
    assert_one_line_error(rc, out, err, "'xml' is not one of ids, json");
    free(out), free(err);
    const char *a3[] = {"tokenize", "--tokenizer", gbt_fixture("gpt2_bpe"), NULL};
    rc = run(NULL, 0, &out, &err, a3);
    assert_one_line_error(rc, out, err, "give the text");
    free(out), free(err);
    const char *a4[] = {"tokenize", "hi", NULL};
    rc = run(NULL, 0, &out, &err, a4);
    assert_one_line_error(rc, out, err, "--tokenizer is required");
    free(out), free(err);
    const char *a5[] = {"tokenize", "--tokenizer", gbt_fixture("gpt2_bpe"), "--bogus", "hi", NULL};
    rc = run(NULL, 0, &out, &err, a5);
    assert_one_line_error(rc, out, err, "unknown option '--bogus'");
    free(out), free(err);
    /* a char tokenizer refuses invalid UTF-8 */
    gb_error e = {0};
    const char *vocab = "{\"glassbox_tokenizer\": 1, \"kind\": \"char\", \"vocab\": [\"a\", \"b\"]}";
    const char *p = gbt_tmp("ab.json");
    gbt_assert_ok(gb_write_file_atomic(p, vocab, strlen(vocab), &e), &e);
    const char *a6[] = {"tokenize", "--tokenizer", p, "-", NULL};
    rc = run("ab\xC3", 3, &out, &err, a6);
    assert_one_line_error(rc, out, err, "byte 2 (0xC3) is not valid UTF-8");
    free(out), free(err);
    const char *a7[] = {"tokenize", "--tokenizer", p, "abba", NULL};
    assert_int_equal(run(NULL, 0, &out, &err, a7), 0);
    assert_string_equal(out, "0 1 1 0\n");
    free(out), free(err);
    /* a malformed merges file names its line */
    const char *dir = gbt_tmp("badbpe");
    char vp[1100], mp[1100];
    mkdir(dir, 0755);
    snprintf(vp, sizeof vp, "%s/encoder.json", dir);
    snprintf(mp, sizeof mp, "%s/vocab.bpe", dir);
    char *enc;
    size_t enc_len;
    gbt_assert_ok(gb_read_file(gbt_fixture("gpt2_bpe/encoder.json"), 4 << 20, &enc, &enc_len, &e), &e);
    gbt_assert_ok(gb_write_file_atomic(vp, enc, enc_len, &e), &e);
    free(enc);
    gbt_assert_ok(gb_write_file_atomic(mp, "#version: 0.2\n\xC4\xA0 t\nh e x\n", 25, &e), &e);
    const char *a8[] = {"tokenize", "--tokenizer", dir, "hi", NULL};
    rc = run(NULL, 0, &out, &err, a8);
    assert_one_line_error(rc, out, err, "vocab.bpe: line 3");
    free(out), free(err);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_output),
        cmocka_unit_test(test_stdin_byte_exact),
        cmocka_unit_test(test_json_record),
        cmocka_unit_test(test_steps),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
