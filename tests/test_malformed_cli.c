/* test_malformed_cli.c - every input of tests/fixtures/malformed is refused by
 * the glassbox command its README names: exit status 2, exactly one line on
 * stderr containing the README's text, nothing on stdout, no output file.
 * The table in the README ("The command-line corpus") is the list of cases. */
#include "gbtest.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "glassbox/platform.h"

typedef struct mcase {
    char file[128], cmd[32], expect[512];
} mcase;

/* Rows "| `file` | cmd | message |" after the "## The command-line corpus" heading. */
static int read_table(mcase *cases, int cap) {
    char *text;
    size_t len;
    gb_error err = {0};
    gbt_assert_ok(gb_read_file(gbt_fixture("malformed/README.md"), 1 << 20, &text, &len, &err), &err);
    char *p = strstr(text, "## The command-line corpus");
    assert_non_null(p);
    int n = 0;
    for (char *line = strtok(p, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "| `", 3) != 0) continue;
        char *f = line + 3, *fe = strstr(f, "` | ");
        assert_non_null(fe);
        char *c = fe + 4, *ce = strstr(c, " | ");
        assert_non_null(ce);
        char *m = ce + 3;
        size_t ml = strlen(m);
        assert_true(ml >= 2 && strcmp(m + ml - 2, " |") == 0);
        assert_true(n < cap);
        snprintf(cases[n].file, sizeof cases[n].file, "%.*s", (int)(fe - f), f);
        snprintf(cases[n].cmd, sizeof cases[n].cmd, "%.*s", (int)(ce - c), c);
        snprintf(cases[n].expect, sizeof cases[n].expect, "%.*s", (int)(ml - 2), m);
        n++;
    }
    free(text);
    return n;
}

static int exists(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Run one case; returns after asserting the refusal contract. */
static void check_case(const mcase *k, int i) {
    char rel[200], out_path[256];
    snprintf(rel, sizeof rel, "malformed/%s", k->file);
    char path[1024];
    snprintf(path, sizeof path, "%s", gbt_fixture(rel));
    char *out = NULL, *err = NULL, *input = NULL;
    size_t out_len = 0, in_len = 0;
    int rc;
    const char *name = k->file;
    if (strcmp(k->cmd, "trace") == 0) {
        snprintf(out_path, sizeof out_path, "%s", gbt_tmp("malformed-out.json"));
        const char *args[] = {"trace", "--model", path, "--ids", "1", "--out", out_path, NULL};
        rc = gbt_run(NULL, 0, &out, &out_len, &err, args);
    } else if (strcmp(k->cmd, "tokenize") == 0) {
        out_path[0] = '\0';
        const char *args[] = {"tokenize", "--tokenizer", path, "hello", NULL};
        rc = gbt_run(NULL, 0, &out, &out_len, &err, args);
    } else if (strcmp(k->cmd, "tokenize-stdin") == 0) {
        out_path[0] = '\0';
        gb_error e = {0};
        gbt_assert_ok(gb_read_file(path, 1 << 20, &input, &in_len, &e), &e);
        char tok[1024];
        snprintf(tok, sizeof tok, "%s", gbt_fixture("malformed/valid_word_tokenizer.json"));
        const char *args[] = {"tokenize", "--tokenizer", tok, "-", NULL};
        rc = gbt_run(input, in_len, &out, &out_len, &err, args);
        name = "text";
    } else if (strcmp(k->cmd, "lesson") == 0) {
        out_path[0] = '\0';
        const char *args[] = {"lesson", path, "--check", NULL};
        rc = gbt_run(NULL, 0, &out, &out_len, &err, args);
    } else if (strcmp(k->cmd, "corpus") == 0) {
        snprintf(out_path, sizeof out_path, "%s", gbt_tmp("malformed-corpus"));
        const char *args[] = {"corpus", "--grammar", path, "--out", out_path, "-n", "10", NULL};
        rc = gbt_run(NULL, 0, &out, &out_len, &err, args);
    } else {
        fail_msg("README row %d: unknown command '%s'", i, k->cmd);
        return;
    }
    printf("  %-40s %-14s exit %d: %s", k->file, k->cmd, rc, err ? err : "(null)\n");
    assert_int_equal(rc, 2);
    assert_non_null(err);
    assert_true(strncmp(err, "glassbox: ", 10) == 0);
    assert_true(strchr(err, '\n') == err + strlen(err) - 1); /* exactly one line */
    if (!strstr(err, k->expect)) fail_msg("expected '%s' in: %s", k->expect, err);
    assert_non_null(strstr(err, name)); /* names the input */
    assert_int_equal(out_len, 0);
    if (out_path[0]) assert_false(exists(out_path));
    free(out), free(err), free(input);
}

static void test_readme_corpus(void **state) {
    (void)state;
    static mcase cases[256];
    int n = read_table(cases, 256);
    printf("  %d cases in the README table\n", n);
    assert_true(n >= 50);
    for (int i = 0; i < n; i++) check_case(&cases[i], i);

    /* every stored input has a row (the valid bases, the README and the script excepted) */
    DIR *d = opendir(gbt_fixture("malformed"));
    assert_non_null(d);
    int stored = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.' || strncmp(e->d_name, "valid_", 6) == 0 || strcmp(e->d_name, "README.md") == 0 ||
            strcmp(e->d_name, "make_more.py") == 0)
            continue;
        int found = 0;
        for (int i = 0; i < n && !found; i++) found = strcmp(cases[i].file, e->d_name) == 0;
        if (!found) fail_msg("malformed/%s has no row in the README table", e->d_name);
        stored++;
    }
    closedir(d);
    assert_int_equal(stored, n);
}

/* A Hugging Face config.json holding a 50 MB string: refused by its size,
 * before it is read into memory or parsed. */
static void test_huge_config_json(void **state) {
    (void)state;
    const char *dir = gbt_tmp("hf_huge_string");
    assert_int_equal(mkdir(dir, 0755), 0);
    char cfg[1024], link[1024];
    snprintf(cfg, sizeof cfg, "%s/config.json", dir);
    snprintf(link, sizeof link, "%s/model.safetensors", dir);
    assert_int_equal(symlink(gbt_fixture("gpt2_tiny_random/model.safetensors"), link), 0);
    FILE *fp = fopen(cfg, "wb");
    assert_non_null(fp);
    fputs("{\"model_type\": \"gpt2\", \"note\": \"", fp);
    static char block[1 << 16];
    memset(block, 'a', sizeof block);
    for (int i = 0; i < 50 * 16; i++) assert_int_equal(fwrite(block, 1, sizeof block, fp), sizeof block);
    fputs("\"}", fp);
    assert_int_equal(fclose(fp), 0);
    char *out = NULL, *err = NULL;
    size_t out_len = 0;
    const char *out_path = gbt_tmp("huge-out.json");
    const char *args[] = {"trace", "--model", dir, "--ids", "1", "--out", out_path, NULL};
    int rc = gbt_run(NULL, 0, &out, &out_len, &err, args);
    printf("  exit %d: %s", rc, err);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(err, "config.json: file is 52428834 bytes, more than the 1048576 allowed"));
    assert_true(strchr(err, '\n') == err + strlen(err) - 1);
    assert_false(exists(out_path));
    unlink(cfg), unlink(link), rmdir(dir);
    free(out), free(err);
}

/* --format json keeps a record of every step (~3.5 KB per input byte): text
 * beyond 256 KiB is refused up front instead of running out of memory. */
static void test_tokenize_record_limit(void **state) {
    (void)state;
    size_t n = (256 << 10) + 1;
    char *text = malloc(n);
    assert_non_null(text);
    memset(text, 'a', n);
    char *out = NULL, *err = NULL;
    size_t out_len = 0;
    const char *args[] = {"tokenize", "--tokenizer", gbt_fixture("gpt2_bpe"), "--format", "json", "-", NULL};
    int rc = gbt_run(text, n, &out, &out_len, &err, args);
    printf("  exit %d: %s", rc, err);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(err, "text of 262145 bytes is too long for --format json (limit 256 KiB"));
    assert_int_equal(out_len, 0);
    free(out), free(err);
    /* exactly at the limit it works */
    const char *ok_args[] = {"tokenize", "--tokenizer", gbt_fixture("gpt2_bpe"), "--format", "json", "-", NULL};
    rc = gbt_run(text, 4096, &out, &out_len, &err, ok_args);
    assert_int_equal(rc, 0);
    assert_true(out_len > 0);
    free(out), free(err), free(text);
}

/* Lessons too big to store: a line beyond 64 KiB and a file beyond 1 MiB are
 * refused with one line naming the file (and the line). */
static void test_huge_lessons(void **state) {
    (void)state;
    const char *line_md = gbt_tmp("huge_line.md"), *big_md = gbt_tmp("huge_file.md");
    FILE *fp = fopen(line_md, "wb");
    assert_non_null(fp);
    fputs("# Huge\n\n## Step\n@model classroom\n", fp);
    for (int i = 0; i < 70000; i++) fputc('a' + i % 26, fp);
    fputs("\n", fp);
    assert_int_equal(fclose(fp), 0);
    fp = fopen(big_md, "wb");
    assert_non_null(fp);
    fputs("# Big\n\n## Step\n", fp);
    for (int i = 0; i < 40000; i++) fputs("Thirty bytes of narrative ok.\n", fp);
    assert_int_equal(fclose(fp), 0);
    const char *paths[] = {line_md, big_md};
    const char *want[] = {"huge_line.md:5: the line is 70000 bytes long, more than the 65536 allowed",
                          "huge_file.md: file is 1200015 bytes, more than the 1048576 allowed"};
    for (int i = 0; i < 2; i++) {
        char *out = NULL, *err = NULL;
        size_t out_len = 0;
        const char *args[] = {"lesson", paths[i], "--check", NULL};
        int rc = gbt_run(NULL, 0, &out, &out_len, &err, args);
        printf("  exit %d: %s", rc, err);
        assert_int_equal(rc, 2);
        assert_non_null(strstr(err, want[i]));
        assert_true(strncmp(err, "glassbox: ", 10) == 0);
        assert_true(strchr(err, '\n') == err + strlen(err) - 1);
        assert_int_equal(out_len, 0);
        free(out), free(err);
    }
}

/* Found by fuzz_args: a message quoting an argument that holds a newline
 * spanned two lines; gb_cli_error keeps every message on one. */
static void test_newline_in_argument(void **state) {
    (void)state;
    char *out = NULL, *err = NULL;
    size_t out_len = 0;
    const char *args[] = {"generate", "--model", "classroom", "--max-new-tokens", "12\nrm -rf", NULL};
    int rc = gbt_run(NULL, 0, &out, &out_len, &err, args);
    printf("  exit %d: %s", rc, err);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(err, "--max-new-tokens"));
    assert_true(strchr(err, '\n') == err + strlen(err) - 1);
    free(out), free(err);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readme_corpus),
        cmocka_unit_test(test_huge_config_json),
        cmocka_unit_test(test_tokenize_record_limit),
        cmocka_unit_test(test_huge_lessons),
        cmocka_unit_test(test_newline_in_argument),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
