/* main.c - the `glassbox` program: choose fast BLAS kernels, then dispatch. */
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include "cli.h"
#include "glassbox/model.h"
#include "glassbox/platform.h"

static void print_version(void) {
    printf("glassbox %s\n", GB_VERSION);
    printf("OpenBLAS kernels: %s (threads: %d)\n", gb_blas_corename(), gb_blas_threads());
    printf("OpenBLAS config: %s\n", gb_blas_config());
}

static void print_help(void) {
    printf("glassbox - a transformer you can see through\n\nUsage: glassbox COMMAND [options]\n\n"
           "Commands:\n");
    int n;
    const gb_command *c = gb_commands(&n);
    for (int i = 0; i < n; i++) printf("  %-10s %s\n", c[i].name, c[i].summary);
    printf("\n  glassbox help COMMAND   details of one command\n"
           "  glassbox --version      version and the BLAS kernels in use\n"
           "  glassbox --lesson FILE  play a lesson (or a folder of lessons) in the viewer\n"
           "  glassbox                the viewer on the classroom model (Lessons button: the bundled lessons)\n\n"
           "Environment: GLASSBOX_THREADS=N BLAS threads (default 1), GLASSBOX_DATA=DIR bundled data.\n");
}

/* BLAS threads: 1 unless GLASSBOX_THREADS (or OPENBLAS_NUM_THREADS) says
 * otherwise. The models people step through are small, and OpenBLAS threads
 * that spin-wait on tiny products are much slower than one thread; for big
 * prompts set GLASSBOX_THREADS=2 (glassbox bench has --threads). */
static void choose_threads(void) {
    const char *env = getenv("GLASSBOX_THREADS");
    if (!env) env = getenv("OPENBLAS_NUM_THREADS");
    int n = env ? atoi(env) : 1;
    gb_blas_set_threads(n >= 1 && n <= 256 ? n : 1);
}

/* --help or -h anywhere after the command name, but not as an option's value
 * (a prompt may be "-h"): only where an option name could stand. */
static bool wants_help(int argc, char **argv) {
    for (int i = 2; i < argc; i++) {
        bool after_option = i > 2 && argv[i - 1][0] == '-' && !strchr(argv[i - 1], '=');
        if ((strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) && !after_option) return true;
        if (strcmp(argv[i], "--") == 0) return false;
    }
    return false;
}

int main(int argc, char **argv) {
    gb_blas_reexec_if_needed(argc, argv);
    choose_threads();
    if (argc < 2) {
        /* No arguments: the viewer on the bundled classroom model (or on no
         * model, if the data folder is missing), with its example prompt. */
        char *bundled = gb_find_bundled("models/classroom.safetensors");
        char *view_argv[6] = {"view", "--model", "classroom", "--prompt",
                              "the teacher taught the students with the book .", NULL};
        int view_argc = bundled ? 5 : 1;
        free(bundled);
        return gb_cmd_view(view_argc, view_argv);
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--lesson") == 0 || strncmp(cmd, "--lesson=", 9) == 0) {
        /* glassbox --lesson FILE [view options]: the player, as view --lesson */
        argv[0] = "view";
        return gb_cmd_view(argc, argv);
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        print_version();
        return 0;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        print_help();
        return 0;
    }
    if (strcmp(cmd, "help") == 0) {
        if (argc < 3) {
            print_help();
            return 0;
        }
        const gb_command *c = gb_command_find(argv[2]);
        if (!c) {
            fprintf(stderr, "glassbox: help: unknown command '%s' (see 'glassbox --help')\n", argv[2]);
            return 2;
        }
        printf("%s\n\n%s\n", c->summary, c->usage);
        return 0;
    }
    const gb_command *c = gb_command_find(cmd);
    if (!c) {
        fprintf(stderr, "glassbox: unknown command '%s' (see 'glassbox --help')\n", cmd);
        return 2;
    }
    if (wants_help(argc, argv)) {
        /* `glassbox CMD [SUB] --help`: the usage, then the command's own option list */
        printf("%s\n\n%s\n\n", c->summary, c->usage);
        gb_cli_set_help_mode(true);
        return c->run(argc - 1, argv + 1);
    }
    return c->run(argc - 1, argv + 1);
}
