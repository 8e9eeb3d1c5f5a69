/* test_atomic.c - every writer leaves the old file intact when the disk fills
 * up or the folder cannot be written.
 *
 * A full disk is simulated with RLIMIT_FSIZE in a forked child (SIGXFSZ
 * ignored, so writes past the limit fail with EFBIG, as on a full disk);
 * the child runs one writer over an existing file and reports its status
 * and message through a pipe. chmod 0555 does not stop root (CI runs as
 * root), so an unwritable folder is a path whose parent is a regular file;
 * the chmod variant runs only when not root. */
#include "gbtest.h"

#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "glassbox/corpus.h"
#include "glassbox/export.h"
#include "glassbox/model.h"
#include "glassbox/platform.h"
#include "glassbox/safetensors.h"
#include "glassbox/tokenizer.h"

typedef gb_status (*writer_fn)(const char *path, gb_error *err);

#define OLD_TEXT "the old file, which must survive\n"

/* ---- writers: each writes well over the limit ---- */

static float g_data[4096];

static gb_status w_atomic(const char *path, gb_error *err) {
    return gb_write_file_atomic(path, g_data, sizeof g_data, err);
}

static gb_status w_st(const char *path, gb_error *err) {
    gb_st_write_tensor t = {"x", 2, {64, 64}, g_data};
    gb_st_kv kv = {"k", "v"};
    return gb_st_write(path, &t, 1, &kv, 1, err);
}

static gb_tensor g_tensor(void) {
    gb_tensor t;
    memset(&t, 0, sizeof t);
    snprintf(t.name, sizeof t.name, "x");
    t.ndim = 2;
    t.shape[0] = 64, t.shape[1] = 64;
    t.stride[0] = 64, t.stride[1] = 1;
    t.data = g_data;
    t.capacity_floats = 4096;
    return t;
}

static gb_status w_npy(const char *path, gb_error *err) {
    gb_tensor t = g_tensor();
    return gb_npy_write(path, &t, err);
}

static gb_status w_export_st(const char *path, gb_error *err) {
    gb_tensor t = g_tensor();
    const gb_tensor *list[1] = {&t};
    return gb_safetensors_write(path, list, 1, NULL, 0, err);
}

static gb_status w_model(const char *path, gb_error *err) {
    gb_model *m = NULL;
    gb_status st = gb_model_load(gbt_fixture("gpt2_tiny_random"), &m, err);
    if (!st) st = gb_model_save(m, path, NULL, err);
    gb_model_free(m);
    return st;
}

static gb_status w_corpus(const char *path, gb_error *err) {
    gb_grammar *g = NULL;
    gb_corpus c;
    memset(&c, 0, sizeof c);
    char gpath[1024];
    snprintf(gpath, sizeof gpath, "%s/data/grammars/classroom.grammar", GB_SOURCE_DIR);
    gb_status st = gb_grammar_load(gpath, &g, err);
    if (!st) st = gb_corpus_generate(g, gb_grammar_start(g, "lm"), 300, 1, &c, err);
    if (!st) st = gb_corpus_write(&c, GB_CORPUS_TEXT, path, err);
    gb_corpus_free(&c);
    gb_grammar_free(g);
    return st;
}

static gb_status save_tok(const char *src, const char *path, gb_error *err) {
    gb_tokenizer *t = NULL;
    gb_status st = gb_tokenizer_load(gbt_fixture(src), &t, err);
    if (!st) st = gb_tokenizer_save(t, path, err);
    gb_tokenizer_free(t);
    return st;
}
static gb_status w_tok_llama(const char *path, gb_error *err) {
    return save_tok("llama2c_stories260K/tok512.bin", path, err);
}
static gb_status w_tok_word(const char *path, gb_error *err) {
    return save_tok("malformed/valid_word_tokenizer.json", path, err);
}

/* Run fn(path) in a child limited to limit bytes per file. Returns its status
 * (-1 if it died by a signal); msg receives its error message. */
static int run_limited(writer_fn fn, const char *path, rlim_t limit, char *msg, size_t cap) {
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fd[0]);
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {limit, limit};
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0) _exit(99);
        gb_error err = {0};
        gb_status st = fn(path, &err);
        ssize_t w = write(fd[1], err.msg, strlen(err.msg));
        (void)w;
        _exit((int)st);
    }
    close(fd[1]);
    ssize_t n = read(fd[0], msg, cap - 1);
    msg[n > 0 ? n : 0] = '\0';
    close(fd[0]);
    int ws;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

/* Files in dir other than name (a leftover temporary file would show here). */
static int others_in(const char *dir, const char *name) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, name)) {
            printf("    leftover: %s\n", e->d_name);
            n++;
        }
    closedir(d);
    return n;
}

static void check_old_survives(const char *label, writer_fn fn, const char *file, rlim_t limit) {
    char dir[1024], path[1200];
    snprintf(dir, sizeof dir, "%s", gbt_tmp(label));
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(path, sizeof path, "%s/%s", dir, file);
    gb_error err = {0};
    gbt_assert_ok(gb_write_file_atomic(path, OLD_TEXT, strlen(OLD_TEXT), &err), &err);
    char msg[GB_ERROR_MSG_MAX + 1];
    int rc = run_limited(fn, path, limit, msg, sizeof msg);
    printf("  %-12s full disk (%d-byte files): status %d: %s\n", label, (int)limit, rc, msg);
    assert_true(rc == GB_ERR_INPUT || rc == GB_ERR_INTERNAL); /* refused, not crashed */
    assert_true(msg[0] != '\0' && strchr(msg, '\n') == NULL);
    char *buf;
    size_t n;
    gbt_assert_ok(gb_read_file(path, 1 << 20, &buf, &n, &err), &err);
    assert_string_equal(buf, OLD_TEXT);
    free(buf);
    assert_int_equal(others_in(dir, file), 0);
    /* and without the limit the same writer succeeds (the test is not vacuous) */
    rc = run_limited(fn, path, RLIM_INFINITY, msg, sizeof msg);
    if (rc != 0) fail_msg("%s without a limit: status %d: %s", label, rc, msg);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_true(sb.st_size > (off_t)strlen(OLD_TEXT));
}

static void test_full_disk_keeps_old_files(void **state) {
    (void)state;
    for (int i = 0; i < 4096; i++) g_data[i] = (float)i * 0.25f;
    check_old_survives("atomic", w_atomic, "a.bin", 4096);
    check_old_survives("st_write", w_st, "a.safetensors", 4096);
    check_old_survives("npy", w_npy, "a.npy", 4096);
    check_old_survives("export_st", w_export_st, "a.safetensors", 4096);
    check_old_survives("model_save", w_model, "m.safetensors", 65536);
    check_old_survives("corpus", w_corpus, "train.txt", 1024);
    check_old_survives("tok_llama", w_tok_llama, "tokenizer.bin", 1024);
    check_old_survives("tok_word", w_tok_word, "tok.json", 64);
}

/* The command line: `trace --out` and `render --out` over an existing file
 * on a full disk: exit status 1 or 2, one line, the old file intact. */
static int run_cli_limited(const char *const *args, rlim_t limit, char **err_out) {
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fd[0]);
        signal(SIGXFSZ, SIG_IGN); /* ignored dispositions survive exec */
        struct rlimit rl = {limit, limit};
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0) _exit(99);
        char *err = NULL;
        int rc = gbt_run(NULL, 0, NULL, NULL, &err, args);
        if (err) {
            ssize_t w = write(fd[1], err, strlen(err));
            (void)w;
        }
        _exit(rc < 0 ? 98 : rc);
    }
    close(fd[1]);
    static char buf[4096];
    ssize_t n = read(fd[0], buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = '\0';
    close(fd[0]);
    int ws;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    *err_out = buf;
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

static void test_cli_full_disk(void **state) {
    (void)state;
    const char *outs[] = {"trace.safetensors", "trace.json", "render.png", "render.svg"};
    for (int i = 0; i < 4; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s", gbt_tmp(outs[i]));
        gb_error err = {0};
        gbt_assert_ok(gb_write_file_atomic(path, OLD_TEXT, strlen(OLD_TEXT), &err), &err);
        const char *trace[] = {"trace", "--model", gbt_fixture("gpt2_tiny_random"), "--ids", "1,2,3", "--out", path, NULL};
        const char *render[] = {"render", "positions", "--size", "320x200", "--out", path, NULL};
        char *msg;
        int rc = run_cli_limited(i < 2 ? trace : render, 2048, &msg);
        printf("  %-18s exit %d: %s", outs[i], rc, msg);
        assert_true(rc == 1 || rc == 2);
        assert_true(msg[0] && strchr(msg, '\n') == msg + strlen(msg) - 1);
        char *buf;
        size_t n;
        gbt_assert_ok(gb_read_file(path, 1 << 20, &buf, &n, &err), &err);
        assert_string_equal(buf, OLD_TEXT);
        free(buf);
    }
}

/* A folder that cannot be written: its "parent" is a regular file. */
static void test_unwritable_folder(void **state) {
    (void)state;
    const char *file = gbt_tmp("not-a-folder");
    gb_error err = {0};
    gbt_assert_ok(gb_write_file_atomic(file, OLD_TEXT, strlen(OLD_TEXT), &err), &err);
    char path[1200];
    snprintf(path, sizeof path, "%s/out.safetensors", file);
    writer_fn fns[] = {w_atomic, w_st, w_npy, w_model};
    for (int i = 0; i < 4; i++) {
        gb_error e = {0};
        assert_int_not_equal(fns[i](path, &e), GB_OK);
        printf("  %s\n", e.msg);
        assert_non_null(strstr(e.msg, "not-a-folder"));
    }
    char *buf;
    size_t n;
    gbt_assert_ok(gb_read_file(file, 1 << 20, &buf, &n, &err), &err);
    assert_string_equal(buf, OLD_TEXT);
    free(buf);
}

/* chmod 0555: only meaningful when not root (root ignores the mode). */
static void test_read_only_folder(void **state) {
    (void)state;
    if (geteuid() == 0) {
        printf("  skipped: running as root, which writes into 0555 folders anyway\n");
        skip();
    }
    const char *dir = gbt_tmp("ro");
    assert_int_equal(mkdir(dir, 0755), 0);
    char path[1200];
    snprintf(path, sizeof path, "%s/a.safetensors", dir);
    gb_error err = {0};
    gbt_assert_ok(gb_write_file_atomic(path, OLD_TEXT, strlen(OLD_TEXT), &err), &err);
    assert_int_equal(chmod(dir, 0555), 0);
    gb_error e = {0};
    assert_int_not_equal(w_st(path, &e), GB_OK);
    printf("  %s\n", e.msg);
    assert_int_equal(chmod(dir, 0755), 0);
    char *buf;
    size_t n;
    gbt_assert_ok(gb_read_file(path, 1 << 20, &buf, &n, &err), &err);
    assert_string_equal(buf, OLD_TEXT);
    free(buf);
    assert_int_equal(others_in(dir, "a.safetensors"), 0);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_disk_keeps_old_files),
        cmocka_unit_test(test_cli_full_disk),
        cmocka_unit_test(test_unwritable_folder),
        cmocka_unit_test(test_read_only_folder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
