/* test_corpus_cli.c - `glassbox corpus`: files, counts, determinism and errors. */
#include "gbtest.h"

#include <sys/stat.h>

#include "glassbox/platform.h"

#define GRAMMAR GB_SOURCE_DIR "/data/grammars/classroom.grammar"

static char *slurp(const char *dir, const char *file) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    gb_error err = {0};
    char *buf = NULL;
    if (gb_read_file(path, 64u << 20, &buf, NULL, &err)) fail_msg("%s", err.msg);
    return buf;
}

static int count_lines(const char *s) {
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

/* Is this line (without newline) one of the lines of text? */
static int has_line(const char *text, const char *line, size_t n) {
    for (const char *s = text; *s;) {
        const char *e = strchr(s, '\n');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len == n && !memcmp(s, line, n)) return 1;
        if (!e) break;
        s = e + 1;
    }
    return 0;
}

/* All tasks: six files, counts on stderr, no sentence in both halves. */
static void test_writes_all_tasks(void **state) {
    (void)state;
    const char *out = gbt_tmp("all");
    char *err = NULL;
    const char *args[] = {"corpus", "--grammar", GRAMMAR, "--count", "600", "--seed", "3", "--out", out, NULL};
    int rc = gbt_run(NULL, 0, NULL, NULL, &err, args);
    printf("%s", err);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(err, "lm (start 'sentence', seed 3): 600 distinct records"));
    assert_non_null(strstr(err, "vocabulary: en "));
    assert_non_null(strstr(err, "label positive"));
    free(err);
    const char *files[][2] = {{"train.txt", "valid.txt"},
                              {"train.fr-en.tsv", "valid.fr-en.tsv"},
                              {"train.sentiment.tsv", "valid.sentiment.tsv"}};
    for (int t = 0; t < 3; t++) {
        char *tr = slurp(out, files[t][0]), *va = slurp(out, files[t][1]);
        int ntr = count_lines(tr), nva = count_lines(va);
        printf("  %s %d lines, %s %d lines\n", files[t][0], ntr, files[t][1], nva);
        assert_true(ntr > 400 && nva > 30);
        /* the English sentence is the last column: none is on both sides */
        for (const char *s = va; *s;) {
            const char *e = strchr(s, '\n'), *tab = memchr(s, '\t', (size_t)(e - s));
            const char *en = tab ? tab + 1 : s;
            for (const char *q = tr; *q;) {
                const char *qe = strchr(q, '\n'), *qt = memchr(q, '\t', (size_t)(qe - q));
                const char *qen = qt ? qt + 1 : q;
                if (qe - qen == e - en && !memcmp(qen, en, (size_t)(e - en)))
                    fail_msg("'%.*s' is in %s and %s", (int)(e - en), en, files[t][0], files[t][1]);
                q = qe + 1;
            }
            s = e + 1;
        }
        if (t == 1) assert_non_null(strstr(tr, " .\tthe ")); /* fr<TAB>en */
        if (t == 2) assert_true(!strncmp(tr, "positive\t", 9) || !strncmp(tr, "negative\t", 9));
        free(tr);
        free(va);
    }
}

/* Same seed, same files; another seed, other files. */
static void test_deterministic_files(void **state) {
    (void)state;
    const char *a = gbt_tmp("a"), *b = gbt_tmp("b"), *c = gbt_tmp("c");
    const char *dirs[] = {a, b, c}, *seeds[] = {"5", "5", "6"};
    for (int i = 0; i < 3; i++) {
        const char *args[] = {"corpus", "--grammar", GRAMMAR, "--task", "translate", "--count", "300",
                              "--seed", seeds[i], "--out", dirs[i], NULL};
        assert_int_equal(gbt_run(NULL, 0, NULL, NULL, NULL, args), 0);
    }
    char *fa = slurp(a, "train.fr-en.tsv"), *fb = slurp(b, "train.fr-en.tsv"), *fc = slurp(c, "train.fr-en.tsv");
    assert_string_equal(fa, fb);
    assert_true(strcmp(fa, fc) != 0);
    /* only the translate files were written */
    struct stat sb;
    char p[1024];
    snprintf(p, sizeof p, "%s/train.txt", a);
    assert_int_not_equal(stat(p, &sb), 0);
    free(fa);
    free(fb);
    free(fc);
}

/* --stats lists every phenomenon with a count; --sample prints records to stdout. */
static void test_stats_and_sample(void **state) {
    (void)state;
    char *out = NULL, *err = NULL;
    const char *args[] = {"corpus", "--grammar", GRAMMAR, "--task", "lm", "--count", "3000", "--stats",
                          "--sample", "5", NULL};
    assert_int_equal(gbt_run(NULL, 0, &out, NULL, &err, args), 0);
    printf("%s", err);
    assert_non_null(strstr(err, "s.with"));
    assert_non_null(strstr(err, "s.it.subject"));
    assert_non_null(strstr(err, "bigram (add-0.1) perplexity on validation"));
    assert_int_equal(count_lines(out), 5);
    assert_non_null(strchr(out, '\t')); /* en<TAB>fr */
    free(out);
    free(err);
}

/* Bad input: one line naming the problem, exit 2, no files. */
static void test_errors(void **state) {
    (void)state;
    const char *bad = gbt_tmp("bad.grammar");
    const char *text = "%outputs en fr\ns:\n  the {cat . = le chat .\n";
    gb_error e = {0};
    gbt_assert_ok(gb_write_file_atomic(bad, text, strlen(text), &e), &e);
    struct { const char *args[12]; const char *want; } cases[] = {
        {{"corpus", "--grammar", bad, "--out", gbt_tmp("never"), NULL}, "bad.grammar:3: unbalanced brackets"},
        {{"corpus", "--out", gbt_tmp("never"), NULL}, "--grammar FILE is required"},
        {{"corpus", "--grammar", GRAMMAR, "--task", "poetry", "--out", gbt_tmp("never"), NULL}, "'poetry' is not"},
        {{"corpus", "--grammar", GRAMMAR, "--count", "0", "--out", gbt_tmp("never"), NULL}, "--count"},
        {{"corpus", "--grammar", GRAMMAR, "--start", "nothing", "--task", "lm", "--out", gbt_tmp("never"), NULL},
         "no rule 'nothing'"},
        {{"corpus", "--grammar", GRAMMAR, NULL}, "nothing to do"},
        {{"corpus", "--grammar", gbt_tmp("missing.grammar"), "--stats", NULL}, "missing.grammar"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *err = NULL;
        int rc = gbt_run(NULL, 0, NULL, NULL, &err, cases[i].args);
        printf("  exit %d: %s", rc, err);
        assert_int_equal(rc, 2);
        assert_true(!strncmp(err, "glassbox: ", 10));
        assert_int_equal(count_lines(err), 1);
        if (!strstr(err, cases[i].want)) fail_msg("'%s' lacks '%s'", err, cases[i].want);
        free(err);
    }
    struct stat sb;
    assert_int_not_equal(stat(gbt_tmp("never"), &sb), 0);
}

/* The counts on stderr agree with the files. */
static void test_counts_match_files(void **state) {
    (void)state;
    const char *out = gbt_tmp("counts");
    char *err = NULL;
    const char *args[] = {"corpus", "--grammar", GRAMMAR, "--task", "lm", "--count", "1000", "--valid", "0.2",
                          "--out", out, NULL};
    assert_int_equal(gbt_run(NULL, 0, NULL, NULL, &err, args), 0);
    char *tr = slurp(out, "train.txt"), *va = slurp(out, "valid.txt");
    char want[128];
    snprintf(want, sizeof want, "train %d, validation %d", count_lines(tr), count_lines(va));
    printf("  %s\n", want);
    assert_non_null(strstr(err, want));
    int total = count_lines(tr) + count_lines(va);
    assert_true(total > 900 && total <= 1000); /* repeated English sentences dropped */
    assert_int_equal(count_lines(va), (total + 2) / 5); /* round(0.2 * total) */
    const char *first = va;
    const char *nl = strchr(first, '\n');
    assert_false(has_line(tr, first, (size_t)(nl - first)));
    free(tr);
    free(va);
    free(err);
}

/* --next: the bigram sees only the last word, so "tired" and "wide" both come after "too". */
static void test_next_word(void **state) {
    (void)state;
    char *out = NULL;
    const char *args[] = {"corpus", "--grammar", GRAMMAR, "--task", "lm", "--count", "5000", "--next",
                          "the animal did not cross the street because it was too", NULL};
    assert_int_equal(gbt_run(NULL, 0, &out, NULL, NULL, args), 0);
    printf("  %s", out);
    assert_true(!strncmp(out, "after 'too' (bigram, add-0.1): ", 31));
    assert_non_null(strstr(out, " tired 0."));
    assert_non_null(strstr(out, " wide 0."));
    free(out);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writes_all_tasks),
        cmocka_unit_test(test_deterministic_files),
        cmocka_unit_test(test_stats_and_sample),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_counts_match_files),
        cmocka_unit_test(test_next_word),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
