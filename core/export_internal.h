/* export_internal.h - helpers shared by the export_*.c files (not installed). */
#ifndef GB_EXPORT_INTERNAL_H
#define GB_EXPORT_INTERNAL_H

#include <stdio.h>

#include "glassbox/export.h"
#include "glassbox/platform.h"

/* Check a tensor can be written: 0..GB_TENSOR_MAX_DIMS dims, non-negative
 * sizes, data present when it has elements. what names it in messages. */
gb_status gbx_check_tensor(const gb_tensor *t, const char *path, gb_error *err);
/* Write the logical contents of t, row-major, as little-endian float32. */
int gbx_write_tensor_data(FILE *fp, const gb_tensor *t);
/* Length of a valid UTF-8 sequence at s (1..4), or 0 if the bytes there are not one. */
int gbx_utf8_len(const unsigned char *s);
/* Commit af, or abort it and report a write error naming path; returns status. */
gb_status gbx_finish(gb_afile *af, int write_failed, gb_error *err);

#endif
