/* fuzz_args: the option parser (gb_parse_opts) on an argv made from the input
 * split at NUL bytes, and on each argument the id-list parser
 * (gb_cli_parse_ids), the sampler spec parser (gb_sampler_settings_parse: an
 * accepted spec must validate and describe itself) and the render size parser
 * (gb_parse_size: an accepted size is in range). */
#include "fuzz_common.h"

#include <stdbool.h>

#include "cli.h"
#include "glassbox/sampler.h"
#include "render.h"
#include "glassbox/safetensors.h"

/* Messages quote the arguments, which may hold newlines: gb_cli_error prints
 * them through gb_st_sanitize_message, so check what it would print. */
static void check(gb_error *err) {
    gb_st_sanitize_message(err);
    fz_check_error(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *buf = malloc(size + 1);
    if (!buf) abort();
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[65];
    int argc = 0;
    argv[argc++] = "fuzz";
    for (size_t i = 0; i <= size && argc < 64;) {
        argv[argc++] = buf + i;
        i += strlen(buf + i) + 1;
    }
    argv[argc] = NULL;

    bool flag = false;
    const char *str = NULL;
    int n = 0;
    double x = 0;
    uint64_t seed = 0;
    gb_opt opts[] = {
        {"--flag", "-f", GB_OPT_FLAG, &flag, 0, 0, "flag", false},
        {"--model", "-m", GB_OPT_STR, &str, 0, 0, "M  a string", false},
        {"--steps", "-n", GB_OPT_INT, &n, 1, 4096, "N  an int", false},
        {"--temperature", "-t", GB_OPT_FLOAT, &x, 0, 100, "T  a float", false},
        {"--scale", NULL, GB_OPT_FLOAT, &x, 1, 0, "S  any float", false},
        {"--seed", NULL, GB_OPT_U64, &seed, 0, 0, "S  a seed", false},
    };
    const char *pos[4];
    int n_pos = 0;
    gb_error err = {0};
    if (gb_parse_opts("fuzz", argc, argv, opts, 6, pos, 4, &n_pos, &err) != GB_OK) check(&err);
    for (int i = 1; i < argc; i++) {
        int *ids = NULL, nid = 0;
        if (gb_cli_parse_ids("--ids", argv[i], &ids, &nid, &err) != GB_OK) check(&err);
        free(ids);
        gb_sampler_settings set;
        if (gb_sampler_settings_parse(argv[i], &set, &err) != GB_OK) {
            check(&err);
        } else {
            char desc[96];
            if (gb_sampler_settings_validate(&set, &err)) abort();
            gb_sampler_settings_describe(&set, desc, sizeof desc);
        }
        int w = 0, h = 0;
        if (gb_parse_size(argv[i], &w, &h, &err) != GB_OK) check(&err);
        else if (w < 1 || h < 1 || w > GB_RENDER_MAX_SIDE || h > GB_RENDER_MAX_SIDE) abort();
    }
    free(buf);
    return 0;
}
