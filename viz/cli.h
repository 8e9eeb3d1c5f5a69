/* cli.h - the command line: a tiny option parser and the command table.
 *
 * Each command lives in its own file viz/cmd_<name>.c and exposes
 *     int gb_cmd_<name>(int argc, char **argv);   // argv[0] is the command name
 * returning the process exit status (0 ok, 1 internal failure, 2 bad input).
 * Errors are printed by gb_cli_error() as ONE line: "glassbox: <message>".
 */
#ifndef GB_CLI_H
#define GB_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "glassbox/error.h"

typedef enum gb_opt_kind {
    GB_OPT_FLAG,   /* bool, no value */
    GB_OPT_STR,    /* const char* */
    GB_OPT_INT,    /* int, range [min,max] */
    GB_OPT_FLOAT,  /* double, range [min,max] */
    GB_OPT_U64,    /* uint64_t (seeds) */
} gb_opt_kind;

typedef struct gb_opt {
    const char *name;   /* "--model" (or "-k") */
    const char *alias;  /* another spelling or NULL */
    gb_opt_kind kind;
    void *dst;          /* bool*, const char**, int*, double*, uint64_t* */
    double min, max;    /* for numbers; min > max means no range */
    const char *help;   /* "M  model: bundled name, .safetensors, HF folder or llama2.c .bin" */
    bool seen;          /* set by the parser */
} gb_opt;

/* Parse argv[1..]: options anywhere, "--" ends options. Positional arguments go
 * to pos (at most max_pos, else an error). "-" alone is a positional. */
gb_status gb_parse_opts(const char *cmd, int argc, char **argv, gb_opt *opts, int n_opts,
                        const char **pos, int max_pos, int *n_pos, gb_error *err);
/* Make the next gb_parse_opts list its options instead of parsing (for
 * `glassbox CMD --help`); gb_cli_error then returns 0. */
void gb_cli_set_help_mode(bool on);
bool gb_cli_help_mode(void);
const gb_opt *gb_opt_find(const gb_opt *opts, int n_opts, const char *name);

/* Print "glassbox: msg" to stderr and return the exit status for err->status. */
int gb_cli_error(const gb_error *err);
/* Print usage lines of a command built from its options table. */
void gb_cli_print_options(const gb_opt *opts, int n_opts);

typedef struct gb_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;  /* one line */
    const char *usage;    /* full help text */
} gb_command;

const gb_command *gb_commands(int *n);
const gb_command *gb_command_find(const char *name);

/* "1,2,3" -> malloc'd ids; flag names the option in messages. */
gb_status gb_cli_parse_ids(const char *flag, const char *s, int **ids, int *n, gb_error *err);

/* Commands (one file each). */
int gb_cmd_trace(int argc, char **argv);
int gb_cmd_bench(int argc, char **argv);
int gb_cmd_generate(int argc, char **argv);
int gb_cmd_compare(int argc, char **argv);
int gb_export_distribution(int argc, char **argv); /* `glassbox export distribution` */
int gb_cmd_corpus(int argc, char **argv);
int gb_cmd_render(int argc, char **argv);
int gb_cmd_view(int argc, char **argv);
int gb_cmd_tokenize(int argc, char **argv);
int gb_cmd_train(int argc, char **argv);
int gb_cmd_eval(int argc, char **argv);
int gb_cmd_export(int argc, char **argv);
int gb_cmd_neighbors(int argc, char **argv);
int gb_cmd_similarity(int argc, char **argv);
int gb_cmd_analogy(int argc, char **argv);
int gb_cmd_lesson(int argc, char **argv);

#endif
