/* test_train_cli.c - `glassbox train` and `glassbox eval` end to end: a model
 * trained from a text file opens in the rest of the tool, Ctrl-C and kill
 * leave a checkpoint from which the same command ends with the same weights
 * as an uninterrupted run, and bad input gets one clear line and no file. */
#define _GNU_SOURCE 1
#include "gbtest.h"

#include <math.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "glassbox/model.h"
#include "glassbox/platform.h"
#include "glassbox/tokenizer.h"

static const char *corpus_file(void) {
    static char path[1024];
    if (!path[0]) {
        /* the first 30 kB of Shakespeare: enough for a few hundred windows */
        char *text;
        size_t len;
        gb_error err = {0};
        gbt_assert_ok(gb_read_file(gbt_fixture("tinyshakespeare/input.txt"), 1 << 24, &text, &len, &err), &err);
        snprintf(path, sizeof path, "%s", gbt_tmp("shakespeare30k.txt"));
        gbt_assert_ok(gb_write_file_atomic(path, text, len < 30000 ? len : 30000, &err), &err);
        free(text);
    }
    return path;
}

static int exists(const char *p) {
    struct stat sb;
    return stat(p, &sb) == 0;
}

#define TRAIN_ARGS(out, steps)                                                                              \
    "train", "--corpus", corpus_file(), "--out", (out), "--steps", (steps), "--d-model", "32", "--layers", "1", \
        "--context", "16", "--batch", "8", "--eval-every", "50", "--checkpoint-every", "0", "--seed", "5"

/* A char-level model trained from a text file loads as a native model with its
 * tokenizer, and eval reports its metrics as name: value lines. */
static void test_train_then_open_and_eval(void **state) {
    (void)state;
    const char *out = gbt_tmp("small.safetensors");
    char *so = NULL, *se = NULL;
    const char *args[] = {TRAIN_ARGS(out, "60"), NULL};
    int rc = gbt_run(NULL, 0, &so, NULL, &se, args);
    printf("%s", se);
    assert_int_equal(rc, 0);
    free(so), free(se);
    gb_model *m = NULL;
    gb_error err = {0};
    gbt_assert_ok(gb_model_load(out, &m, &err), &err);
    assert_int_equal(m->cfg.arch, GB_ARCH_DECODER);
    assert_non_null(m->tokenizer_ref);
    gb_tokenizer *tok = NULL;
    gbt_assert_ok(gb_tokenizer_load(m->tokenizer_ref, &tok, &err), &err);
    assert_int_equal(gb_tokenizer_vocab_size(tok), m->cfg.vocab_size);
    gb_tokenizer_free(tok);
    gb_model_free(m);
    assert_false(exists(gbt_tmp("small.safetensors.ckpt"))); /* removed after the final save */
    const char *eargs[] = {"eval", "--model", out, "--data", corpus_file(), NULL};
    rc = gbt_run(NULL, 0, &so, NULL, &se, eargs);
    printf("%s%s", so, se);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(so, "valid_loss: "));
    assert_non_null(strstr(so, "perplexity: "));
    assert_non_null(strstr(so, "next_token_accuracy: "));
    double loss = atof(strstr(so, "valid_loss: ") + 12);
    printf("  eval loss %.4f after 60 steps (bound 3.5; a uniform guess over the characters gives ~4)\n", loss);
    assert_true(loss < 3.5);
    free(so), free(se);
}

/* Start `glassbox train`, wait until its progress output shows `needle` (a
 * step it has reached), interrupt it with sig, return its exit status. */
static int run_and_signal(const char *const *args, int sig, const char *needle) {
    int perr[2];
    if (pipe(perr)) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(perr[1], 2);
        close(perr[0]);
        int n = 0;
        while (args[n]) n++;
        char **argv = calloc((size_t)n + 2, sizeof *argv);
        argv[0] = (char *)GB_EXE;
        for (int i = 0; i < n; i++) argv[i + 1] = (char *)args[i];
        execv(GB_EXE, argv);
        _exit(127);
    }
    close(perr[1]);
    char buf[8192];
    size_t got = 0;
    buf[0] = '\0';
    while (got < sizeof buf - 1 && !strstr(buf, needle)) {
        ssize_t k = read(perr[0], buf + got, sizeof buf - 1 - got);
        if (k <= 0) break;
        got += (size_t)k;
        buf[got] = '\0';
    }
    kill(pid, sig);
    while (read(perr[0], buf, sizeof buf) > 0) {
    }
    close(perr[0]);
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

static void compare_models(const char *a, const char *b) {
    gb_model *ma = NULL, *mb = NULL;
    gb_error err = {0};
    gbt_assert_ok(gb_model_load(a, &ma, &err), &err);
    gbt_assert_ok(gb_model_load(b, &mb, &err), &err);
    assert_int_equal(ma->n_params, mb->n_params);
    printf("  %s vs %s: max |diff| = %g over %zu parameters\n", a, b,
           gbt_max_abs_diff(ma->params, mb->params, ma->n_params), ma->n_params);
    assert_memory_equal(ma->params, mb->params, ma->n_params * sizeof(float));
    gb_model_free(ma);
    gb_model_free(mb);
}

/* Ctrl-C (SIGINT) and kill (SIGTERM) write a checkpoint and exit 130 / 143;
 * the same command then finishes with the weights of an uninterrupted run. */
static void test_interrupt_and_resume(void **state) {
    (void)state;
    const char *straight = gbt_tmp("straight.safetensors"), *resumed = gbt_tmp("resumed.safetensors");
    const char *a1[] = {TRAIN_ARGS(straight, "300"), "-q", NULL};
    assert_int_equal(gbt_run(NULL, 0, NULL, NULL, NULL, a1), 0);
    int sigs[2] = {SIGINT, SIGTERM};
    for (int k = 0; k < 2; k++) {
        remove(resumed);
        const char *a2[] = {TRAIN_ARGS(resumed, "300"), NULL};
        int rc = run_and_signal(a2, sigs[k], "step 50/");
        printf("  signal %d: exit status %d\n", sigs[k], rc);
        assert_int_equal(rc, 128 + sigs[k]);
        char ck[1100];
        snprintf(ck, sizeof ck, "%s.ckpt", resumed);
        assert_true(exists(ck));
        assert_false(exists(resumed));
        char *se = NULL;
        assert_int_equal(gbt_run(NULL, 0, NULL, NULL, &se, a2), 0);
        assert_non_null(strstr(se, "resuming from"));
        printf("  %.*s\n", (int)(strchr(strstr(se, "resuming"), '\n') - strstr(se, "resuming")), strstr(se, "resuming"));
        free(se);
        compare_models(straight, resumed);
    }
}

/* A checkpoint written with other settings is refused, naming the way out. */
static void test_checkpoint_from_other_settings(void **state) {
    (void)state;
    const char *out = gbt_tmp("other.safetensors");
    const char *a1[] = {TRAIN_ARGS(out, "300"), NULL};
    assert_int_equal(run_and_signal(a1, SIGINT, "step 50/"), 130);
    const char *a2[] = {TRAIN_ARGS(out, "300"), "--lr", "0.001", NULL};
    char *se = NULL;
    assert_int_equal(gbt_run(NULL, 0, NULL, NULL, &se, a2), 2);
    printf("  %s", se);
    assert_non_null(strstr(se, "other settings"));
    free(se);
}

static void expect_error(const char *const *args, const char *needle, const char *must_not_exist) {
    char *se = NULL;
    int rc = gbt_run(NULL, 0, NULL, NULL, &se, args);
    printf("  exit %d: %s", rc, se);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(se, needle));
    assert_non_null(strstr(se, "glassbox: "));
    assert_null(strchr(strchr(se, '\n') + 1, '\n')); /* one line */
    if (must_not_exist) assert_false(exists(must_not_exist));
    free(se);
}

/* Empty corpus, invalid UTF-8, a vocabulary too small, nonsense settings. */
static void test_bad_input(void **state) {
    (void)state;
    gb_error err = {0};
    const char *out = gbt_tmp("bad.safetensors");
    const char *empty = gbt_tmp("empty.txt"), *bad = gbt_tmp("bad-utf8.txt"), *pairs = gbt_tmp("pairs.tsv");
    gbt_assert_ok(gb_write_file_atomic(empty, "\n\n", 2, &err), &err);
    gbt_assert_ok(gb_write_file_atomic(bad, "good line\nbad \xff\xfe line\n", 21, &err), &err);
    gbt_assert_ok(gb_write_file_atomic(pairs, "le chat\tthe cat\nno tab here\n", 28, &err), &err);
    const char *e1[] = {"train", "--corpus", empty, "--out", out, NULL};
    expect_error(e1, "empty", out);
    const char *e2[] = {"train", "--corpus", bad, "--out", out, NULL};
    expect_error(e2, "invalid UTF-8", out);
    assert_non_null(strstr(e2[2], "bad-utf8"));
    const char *e3[] = {"train", "--corpus", corpus_file(), "--tokenizer", "char", "--vocab-size", "8", "--out", out, NULL};
    expect_error(e3, "too small", out);
    const char *e4[] = {"train", "--corpus", corpus_file(), "--d-model", "30", "--heads", "4", "--out", out, NULL};
    expect_error(e4, "multiple of --heads", out);
    const char *e5[] = {"train", "--corpus", corpus_file(), "--task", "poetry", "--out", out, NULL};
    expect_error(e5, "poetry", out);
    const char *e6[] = {"train", "--corpus", corpus_file(), "--lr", "5", "--out", out, NULL};
    expect_error(e6, "--lr", out);
    const char *e7[] = {"train", "--corpus", pairs, "--task", "translate", "--tokenizer", "word", "--out", out, NULL};
    expect_error(e7, ":2: expected source<TAB>target", out);
    const char *tiny = gbt_tmp("tiny.txt");
    gbt_assert_ok(gb_write_file_atomic(tiny, "to be or not\n", 13, &err), &err);
    const char *e8[] = {"train", "--corpus", tiny, "--context", "64", "--valid", tiny, "--out", out, NULL};
    expect_error(e8, "fewer than the context", out);
    const char *e9[] = {"eval", "--model", gbt_tmp("nothing.safetensors"), NULL};
    expect_error(e9, "nothing.safetensors", NULL);
}

/* Translation and classification files train end to end; eval reports
 * exact_match (greedy decoding) and accuracy on held-out lines. */
static void test_translate_and_classify(void **state) {
    (void)state;
    static const char *nouns[4][3] = {{"chat", "cat", "le"}, {"chien", "dog", "le"}, {"maison", "house", "la"},
                                      {"table", "table", "la"}};
    static const char *adjs[4][2] = {{"grand", "big"}, {"petit", "small"}, {"rouge", "red"}, {"vieux", "old"}};
    char pairs[4096] = "", labelled[4096] = "";
    for (int n = 0; n < 4; n++)
        for (int a = 0; a < 4; a++) {
            char line[128];
            snprintf(line, sizeof line, "%s %s est %s .\tthe %s is %s .\n", nouns[n][2], nouns[n][0], adjs[a][0],
                     nouns[n][1], adjs[a][1]);
            strcat(pairs, line);
            snprintf(line, sizeof line, "%s\tthe %s is %s %s .\n", a % 2 ? "negative" : "positive", nouns[n][1],
                     a < 2 ? "very" : "not", a % 2 ? "bad" : "good");
            strcat(labelled, line);
        }
    gb_error err = {0};
    const char *pf = gbt_tmp("pairs-ok.tsv"), *lf = gbt_tmp("labels-ok.tsv");
    gbt_assert_ok(gb_write_file_atomic(pf, pairs, strlen(pairs), &err), &err);
    gbt_assert_ok(gb_write_file_atomic(lf, labelled, strlen(labelled), &err), &err);
    const char *tout = gbt_tmp("tr.safetensors"), *cout = gbt_tmp("cl.safetensors");
    const char *t1[] = {"train", "--task", "translate", "--corpus", pf, "--valid", pf, "--tokenizer", "word", "--d-model",
                        "64", "--layers", "1", "--enc-layers", "1", "--steps", "300", "--batch", "16", "--lr", "0.003",
                        "--out", tout, "-q", NULL};
    assert_int_equal(gbt_run(NULL, 0, NULL, NULL, NULL, t1), 0);
    const char *c1[] = {"train", "--task", "classify", "--corpus", lf, "--valid", lf, "--tokenizer", "word", "--d-model",
                        "32", "--layers", "1", "--steps", "100", "--batch", "16", "--lr", "0.01", "--out", cout, "-q", NULL};
    assert_int_equal(gbt_run(NULL, 0, NULL, NULL, NULL, c1), 0);
    char *so = NULL;
    const char *e1[] = {"eval", "--model", tout, "--data", pf, NULL};
    assert_int_equal(gbt_run(NULL, 0, &so, NULL, NULL, e1), 0);
    printf("%s", so);
    assert_non_null(strstr(so, "exact_match: "));
    double em = atof(strstr(so, "exact_match: ") + 13);
    free(so);
    const char *e2[] = {"eval", "--model", cout, "--data", lf, NULL};
    assert_int_equal(gbt_run(NULL, 0, &so, NULL, NULL, e2), 0);
    printf("%s", so);
    double acc = atof(strstr(so, "accuracy: ") + 10);
    assert_non_null(strstr(so, "accuracy_negation: "));
    free(so);
    printf("  16 training pairs memorised: exact_match %.3f (bound 0.9); accuracy %.3f (bound 0.9)\n", em, acc);
    assert_true(em >= 0.9);
    assert_true(acc >= 0.9);
    gb_model *m = NULL;
    gbt_assert_ok(gb_model_load(cout, &m, &err), &err);
    assert_int_equal(m->cfg.arch, GB_ARCH_ENCODER);
    assert_string_equal(m->cfg.class_labels[0], "negative");
    gb_model_free(m);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_train_then_open_and_eval),
        cmocka_unit_test(test_interrupt_and_resume),
        cmocka_unit_test(test_checkpoint_from_other_settings),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_translate_and_classify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
