/* gbtest.h - helpers shared by the cmocka tests.
 * Include this first: it pulls in cmocka with the headers cmocka 1.1.5 needs. */
#ifndef GBTEST_H
#define GBTEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "glassbox/error.h"

/* Path of a file under tests/fixtures (static buffer, valid until the next call). */
const char *gbt_fixture(const char *rel);
/* A fresh empty temporary directory for this test process (under the build tree). */
const char *gbt_tmpdir(void);
/* Join gbt_tmpdir() and a name (static rotating buffers). */
const char *gbt_tmp(const char *name);

/* Compare two float arrays: returns the largest |a-b| and prints it with label. */
double gbt_max_abs_diff(const float *a, const float *b, size_t n);
#define gbt_assert_close(a, b, n, tol, label)                                                      \
    do {                                                                                           \
        double _d = gbt_max_abs_diff((a), (b), (n));                                               \
        printf("  %-40s max |diff| = %.3g (tolerance %.1g)\n", (label), _d, (double)(tol));       \
        assert_true(_d <= (tol));                                                                  \
    } while (0)

/* Assert a library call succeeded, printing its error message if not. */
#define gbt_assert_ok(call, errp)                                                                  \
    do {                                                                                           \
        gb_status _st = (call);                                                                    \
        if (_st != GB_OK) fail_msg("%s failed: %s", #call, (errp)->msg);                          \
    } while (0)

/* Run the glassbox executable with args (a NULL-terminated list), capturing
 * stdout and stderr into malloc'd strings (may be NULL to discard). stdin_data
 * may be NULL. Returns the exit status (or -1 if it died by a signal). */
int gbt_run(const char *stdin_data, size_t stdin_len, char **out, size_t *out_len, char **errout,
            const char *const *args);

/* Call at the top of each test's main(): fast BLAS kernels, one thread. */
void gbt_init(int argc, char **argv);

#endif
