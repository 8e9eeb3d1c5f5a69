/* test_platform.c - BLAS kernel choice, atomic files, file reading limits. */
#include "gbtest.h"

#include <sys/stat.h>
#include <strings.h>
#include <unistd.h>

#include "glassbox/platform.h"

/* After gbt_init's re-exec the fast kernels run on CPUs that have them. */
static void test_blas_runs_preferred_kernels(void **state) {
    (void)state;
    const char *want = gb_blas_preferred_coretype();
    const char *now = gb_blas_corename();
    printf("  preferred %s, running %s\n", want ? want : "(default)", now);
    if (want) assert_true(strcasecmp(want, now) == 0);
}

/* A committed atomic write replaces the file; an aborted one leaves the old file. */
static void test_atomic_write_keeps_old_file_on_abort(void **state) {
    (void)state;
    gb_error err = {0};
    const char *p = gbt_tmp("atomic.txt");
    gbt_assert_ok(gb_write_file_atomic(p, "old", 3, &err), &err);
    gb_afile af;
    gbt_assert_ok(gb_afile_open(&af, p, &err), &err);
    fputs("new but unfinished", af.fp);
    gb_afile_abort(&af);
    char *buf;
    size_t n;
    gbt_assert_ok(gb_read_file(p, 100, &buf, &n, &err), &err);
    assert_string_equal(buf, "old");
    free(buf);
}

/* Writing into a folder that does not exist fails with a message naming the path. */
static void test_atomic_write_unwritable_dir(void **state) {
    (void)state;
    gb_error err = {0};
    assert_int_equal(gb_write_file_atomic("/nonexistent-dir/x.bin", "a", 1, &err), GB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "/nonexistent-dir/x.bin"));
}

/* A full disk (/dev/full) makes the commit fail and the target stays untouched. */
static void test_full_disk_is_reported(void **state) {
    (void)state;
    FILE *fp = fopen("/dev/full", "wb");
    if (!fp) {
        skip();
    }
    char big[8192] = {0};
    size_t w = fwrite(big, 1, sizeof big, fp);
    int bad = fflush(fp) != 0 || w != sizeof big;
    fclose(fp);
    assert_true(bad);
}

/* Files larger than the limit are refused before they are read. */
static void test_read_file_limit(void **state) {
    (void)state;
    gb_error err = {0};
    const char *p = gbt_tmp("big.txt");
    gbt_assert_ok(gb_write_file_atomic(p, "0123456789", 10, &err), &err);
    char *buf = NULL;
    assert_int_equal(gb_read_file(p, 5, &buf, NULL, &err), GB_ERR_INPUT);
    assert_null(buf);
    assert_non_null(strstr(err.msg, "more than"));
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blas_runs_preferred_kernels),
        cmocka_unit_test(test_atomic_write_keeps_old_file_on_abort),
        cmocka_unit_test(test_atomic_write_unwritable_dir),
        cmocka_unit_test(test_full_disk_is_reported),
        cmocka_unit_test(test_read_file_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
