/* error.c - the one-line error messages every fallible function fills. */
#include "glassbox/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Messages quote file contents and arguments (JSON parser context, token
 * strings, option values): control bytes become '?' so a message stays one line. */
static void one_line(char *msg) {
    for (char *c = msg; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = '?';
}

gb_status gb_fail(gb_error *err, gb_status st, const char *fmt, ...) {
    if (!err || err->status != GB_OK) return st; /* keep the first, most specific message */
    err->status = st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    one_line(err->msg);
    return st;
}

void gb_error_prefix(gb_error *err, const char *fmt, ...) {
    if (!err) return;
    char prefix[GB_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    size_t pl = strlen(prefix), ol = strlen(err->msg);
    if (pl + 2 >= sizeof err->msg) pl = sizeof err->msg - 3;
    if (pl + 2 + ol >= sizeof err->msg) ol = sizeof err->msg - 3 - pl;
    memmove(err->msg + pl + 2, err->msg, ol);
    memcpy(err->msg, prefix, pl);
    err->msg[pl] = ':';
    err->msg[pl + 1] = ' ';
    err->msg[pl + 2 + ol] = '\0';
    one_line(err->msg);
}

void gb_error_clear(gb_error *err) {
    if (!err) return;
    err->status = GB_OK;
    err->msg[0] = '\0';
}

int gb_exit_code(gb_status st) {
    switch (st) {
    case GB_OK: return 0;
    case GB_ERR_INPUT: return 2;
    default: return 1;
    }
}
