/* glassbox/error.h - status codes and error messages shared by the whole library.
 *
 * Every fallible library function returns a gb_status and, when it fails,
 * fills a caller-provided gb_error with ONE line a user can act on, naming the
 * input (usually a file) and what is wrong:
 *
 *     gb_error err = {0};
 *     if (gb_model_load("m.safetensors", &m, &err) != GB_OK) {
 *         fprintf(stderr, "glassbox: %s\n", err.msg);
 *         return err.status == GB_ERR_INPUT ? 2 : 1;
 *     }
 *
 * The library never exits and never prints; only main() does.
 */
#ifndef GLASSBOX_ERROR_H
#define GLASSBOX_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum gb_status {
    GB_OK = 0,
    GB_ERR_INTERNAL = 1, /* a bug, out of memory, an OS failure we did not expect */
    GB_ERR_INPUT = 2,    /* bad input: a file, a flag, a prompt; the user can fix it */
} gb_status;

#define GB_ERROR_MSG_MAX 512

typedef struct gb_error {
    gb_status status;
    char msg[GB_ERROR_MSG_MAX];
} gb_error;

/* Record a failure (printf-style message, no trailing newline) and return st.
 * err may be NULL. The first failure wins: a message already set is kept, so
 * low-level detail is not overwritten by a vaguer caller. */
gb_status gb_fail(gb_error *err, gb_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Replace the message with "prefix: old message" (e.g. to add a file name). */
void gb_error_prefix(gb_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Reset to "no error". */
void gb_error_clear(gb_error *err);

/* Process exit status for a status: 0, 1 (internal) or 2 (bad input). */
int gb_exit_code(gb_status st);

#ifdef __cplusplus
}
#endif
#endif
