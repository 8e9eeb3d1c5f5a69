/* commands.c - the table of `glassbox` commands (one line per command). */
#include <string.h>

#include "cli.h"

static const gb_command COMMANDS[] = {
    /* {name, function, summary, usage}: keep sorted by how often people use them. */
    {"bench", gb_cmd_bench, "measure speed against baselines in the same run (table, --json)",
     "glassbox bench [--only AREA] [--quick] [--threads N] [--json FILE] [--data FIXTURES_DIR]"},
    {NULL, NULL, NULL, NULL},
};

const gb_command *gb_commands(int *n) {
    int k = 0;
    while (COMMANDS[k].name) k++;
    *n = k;
    return COMMANDS;
}

const gb_command *gb_command_find(const char *name) {
    int n;
    const gb_command *c = gb_commands(&n);
    for (int i = 0; i < n; i++)
        if (strcmp(c[i].name, name) == 0) return &c[i];
    return NULL;
}
