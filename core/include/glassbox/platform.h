/* glassbox/platform.h - the machine: BLAS kernels and threads, timing, atomic files.
 *
 * OpenBLAS 0.3.21 does not recognise recent Xeons and silently falls back to
 * slow Prescott kernels. It reads OPENBLAS_CORETYPE only when it loads, so the
 * program must choose before that: gb_blas_reexec_if_needed() sets the variable
 * for the CPU it runs on and re-executes the program once (main() calls it first).
 */
#ifndef GLASSBOX_PLATFORM_H
#define GLASSBOX_PLATFORM_H

#include <stddef.h>
#include <stdio.h>

#include "glassbox/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Best OpenBLAS core type name for this CPU ("SkylakeX", "Haswell") or NULL. */
const char *gb_blas_preferred_coretype(void);
/* If OPENBLAS_CORETYPE is unset and a better core exists, set it and execv()
 * /proc/self/exe with the same argv. Returns only if no re-exec was needed or
 * it failed (then the program runs with the default kernels). */
void gb_blas_reexec_if_needed(int argc, char **argv);
/* The kernels OpenBLAS runs ("SkylakeX", "Prescott", ...) and its config string. */
const char *gb_blas_corename(void);
const char *gb_blas_config(void);
void gb_blas_set_threads(int n);
int gb_blas_threads(void);

/* Monotonic time in seconds. */
double gb_now(void);

/* Atomic output files: write to "<path>.tmp-XXXXXX" in the same folder, then
 * gb_afile_commit() flushes, fsyncs and renames over path; gb_afile_abort()
 * removes the temporary file. A failure never leaves a half-written path. */
typedef struct gb_afile {
    FILE *fp;
    char *path;
    char *tmp;
} gb_afile;
gb_status gb_afile_open(gb_afile *af, const char *path, gb_error *err);
gb_status gb_afile_commit(gb_afile *af, gb_error *err);
void gb_afile_abort(gb_afile *af);
/* Whole-buffer convenience. */
gb_status gb_write_file_atomic(const char *path, const void *data, size_t len, gb_error *err);

/* Read a whole file (limit: refuse larger files). *out is malloc'd, NUL-terminated. */
gb_status gb_read_file(const char *path, size_t limit, char **out, size_t *len, gb_error *err);

/* Read-only memory map of a whole file. */
typedef struct gb_mmap {
    const unsigned char *data;
    size_t size;
} gb_mmap;
gb_status gb_mmap_open(const char *path, gb_mmap *mm, gb_error *err);
void gb_mmap_close(gb_mmap *mm);

/* Aligned allocation (64 bytes) and free. */
void *gb_alloc(size_t bytes);
void gb_free(void *p);

#ifdef __cplusplus
}
#endif
#endif
