/* args.c - the option parser every command uses. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "glassbox/safetensors.h" /* gb_st_sanitize_message */

const gb_opt *gb_opt_find(const gb_opt *opts, int n_opts, const char *name) {
    for (int i = 0; i < n_opts; i++)
        if (strcmp(opts[i].name, name) == 0 || (opts[i].alias && strcmp(opts[i].alias, name) == 0))
            return &opts[i];
    return NULL;
}

static gb_status set_value(const char *cmd, gb_opt *o, const char *v, gb_error *err) {
    char *end = NULL;
    errno = 0;
    bool ranged = o->min <= o->max;
    switch (o->kind) {
    case GB_OPT_STR: *(const char **)o->dst = v; return GB_OK;
    case GB_OPT_INT: {
        long x = strtol(v, &end, 10);
        if (errno || end == v || *end || x < -2147483647L || x > 2147483647L)
            return gb_fail(err, GB_ERR_INPUT, "%s %s: '%s' is not an integer", cmd, o->name, v);
        if (ranged && (x < o->min || x > o->max))
            return gb_fail(err, GB_ERR_INPUT, "%s %s: %ld is out of range [%g, %g]", cmd, o->name, x,
                           o->min, o->max);
        *(int *)o->dst = (int)x;
        return GB_OK;
    }
    case GB_OPT_U64: {
        if (*v == '-') return gb_fail(err, GB_ERR_INPUT, "%s %s: '%s' must be a non-negative integer", cmd, o->name, v);
        unsigned long long x = strtoull(v, &end, 10);
        if (errno || end == v || *end)
            return gb_fail(err, GB_ERR_INPUT, "%s %s: '%s' is not a non-negative integer", cmd, o->name, v);
        *(uint64_t *)o->dst = (uint64_t)x;
        return GB_OK;
    }
    case GB_OPT_FLOAT: {
        double x = strtod(v, &end);
        if (errno || end == v || *end || !isfinite(x))
            return gb_fail(err, GB_ERR_INPUT, "%s %s: '%s' is not a number", cmd, o->name, v);
        if (ranged && (x < o->min || x > o->max))
            return gb_fail(err, GB_ERR_INPUT, "%s %s: %g is out of range [%g, %g]", cmd, o->name, x,
                           o->min, o->max);
        *(double *)o->dst = x;
        return GB_OK;
    }
    case GB_OPT_FLAG: *(bool *)o->dst = true; return GB_OK;
    }
    return GB_ERR_INTERNAL;
}

/* `glassbox CMD --help`: main() turns this on; the command's first parse then
 * lists its options and stops the command with a status gb_cli_error reads as
 * success. */
#define HELP_SHOWN "(the options were listed)"
static bool help_mode;

void gb_cli_set_help_mode(bool on) { help_mode = on; }
bool gb_cli_help_mode(void) { return help_mode; }

gb_status gb_parse_opts(const char *cmd, int argc, char **argv, gb_opt *opts, int n_opts,
                        const char **pos, int max_pos, int *n_pos, gb_error *err) {
    *n_pos = 0;
    if (help_mode) {
        printf("options of '%s':\n", cmd);
        gb_cli_print_options(opts, n_opts);
        help_mode = false;
        return gb_fail(err, GB_ERR_INPUT, HELP_SHOWN);
    }
    bool only_pos = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && strcmp(a, "--") == 0) { only_pos = true; continue; }
        if (!only_pos && a[0] == '-' && a[1] != '\0') {
            char name[64];
            const char *eq = strchr(a, '=');
            size_t nl = eq ? (size_t)(eq - a) : strlen(a);
            if (nl >= sizeof name) nl = sizeof name - 1;
            memcpy(name, a, nl);
            name[nl] = '\0';
            gb_opt *o = (gb_opt *)gb_opt_find(opts, n_opts, name);
            if (!o)
                return gb_fail(err, GB_ERR_INPUT, "%s: unknown option '%s' (see 'glassbox help %s')",
                               cmd, name, cmd);
            o->seen = true;
            if (o->kind == GB_OPT_FLAG) {
                if (eq) return gb_fail(err, GB_ERR_INPUT, "%s %s: takes no value", cmd, o->name);
                *(bool *)o->dst = true;
                continue;
            }
            const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v) return gb_fail(err, GB_ERR_INPUT, "%s %s: missing value", cmd, o->name);
            gb_status st = set_value(cmd, o, v, err);
            if (st) return st;
            continue;
        }
        if (*n_pos >= max_pos)
            return gb_fail(err, GB_ERR_INPUT, "%s: unexpected argument '%s' (see 'glassbox help %s')",
                           cmd, a, cmd);
        pos[(*n_pos)++] = a;
    }
    return GB_OK;
}

int gb_cli_error(const gb_error *err) {
    if (err->status == GB_ERR_INPUT && strcmp(err->msg, HELP_SHOWN) == 0) return 0;
    gb_error one = *err; /* messages quote arguments and file contents: keep them on one line */
    gb_st_sanitize_message(&one);
    fprintf(stderr, "glassbox: %s\n", one.msg[0] ? one.msg : "unknown error");
    return gb_exit_code(err->status ? err->status : GB_ERR_INTERNAL);
}

void gb_cli_print_options(const gb_opt *opts, int n_opts) {
    for (int i = 0; i < n_opts; i++)
        printf("  %-18s %s\n", opts[i].name, opts[i].help ? opts[i].help : "");
}
