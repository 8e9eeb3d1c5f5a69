/* fuzz_common.h - helpers shared by the libFuzzer targets.
 *
 * Most loaders take a path, so a target writes its input to a private temp
 * file (one per process, reused each run) and loads that. Every target checks
 * the loader's contract on failure too: an error names the problem in a
 * non-empty message that fits on one line. */
#ifndef GB_FUZZ_COMMON_H
#define GB_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "glassbox/error.h"

/* A private directory for this process, created on first use. */
__attribute__((unused)) static const char *fz_dir(void) {
    static char dir[256];
    if (!dir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/gbfuzz-%ld", t && *t ? t : "/tmp", (long)getpid());
        mkdir(dir, 0700);
    }
    return dir;
}

/* Path of name inside fz_dir() (static rotating buffers). */
__attribute__((unused)) static const char *fz_path(const char *name) {
    static char bufs[4][512];
    static int k;
    char *b = bufs[k++ & 3];
    snprintf(b, sizeof bufs[0], "%s/%s", fz_dir(), name);
    return b;
}

/* Write bytes to fz_path(name) and return that path (aborts if it cannot). */
__attribute__((unused)) static const char *fz_write(const char *name, const uint8_t *data, size_t len) {
    const char *p = fz_path(name);
    FILE *fp = fopen(p, "wb");
    if (!fp || (len && fwrite(data, 1, len, fp) != len) || fclose(fp)) {
        perror(p);
        abort();
    }
    return p;
}

/* The error contract: a non-empty message with no newline. */
__attribute__((unused)) static void fz_check_error(const gb_error *err) {
    if (!err->msg[0] || strchr(err->msg, '\n')) {
        fprintf(stderr, "bad error message: '%s'\n", err->msg);
        abort();
    }
}

#endif
