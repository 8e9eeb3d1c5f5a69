/* cmd_compare.c - `glassbox compare`: several sampling strategies on the same
 * prompt and seed, side by side (a table on stdout, optionally JSON). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_common.h"
#include "glassbox/platform.h"
#include "render.h"
#include "text.h"
#include "view.h"
#include "view_model.h"

#define MAX_STRATEGIES 16

/* "greedy,top-k=40,t=0.8:top-p=0.95" -> settings; names the flag on error. */
static gb_status parse_strategies(const char *list, gb_sampler_settings *out, int *n, gb_error *err) {
    char buf[1024];
    if (strlen(list) >= sizeof buf)
        return gb_fail(err, GB_ERR_INPUT, "compare --strategies: the list is too long");
    strcpy(buf, list);
    *n = 0;
    for (char *item = buf, *next; item; item = next) {
        next = strchr(item, ',');
        if (next) *next++ = '\0';
        if (*n == MAX_STRATEGIES)
            return gb_fail(err, GB_ERR_INPUT, "compare --strategies: at most %d strategies", MAX_STRATEGIES);
        if (gb_sampler_settings_parse(item, &out[(*n)++], err)) {
            gb_error_prefix(err, "compare --strategies");
            return GB_ERR_INPUT;
        }
    }
    return GB_OK;
}

/* Text of a result without its stop token, escaped on one line for the table. */
static char *result_text(const gb_gen_inputs *in, const gb_compare_result *r, size_t *len) {
    int n = r->n_tokens - (r->stopped ? 1 : 0);
    return gb_gen_decode(in, r->tokens, n, len);
}

static void print_table(const gb_gen_inputs *in, const char *prompt, uint64_t seed,
                        const gb_compare_result *r, int n) {
    printf("prompt: ");
    gb_json_write_string(stdout, prompt, strlen(prompt));
    printf("  (%d tokens), seed %llu\n\n", in->n_prompt, (unsigned long long)seed);
    printf("%-28s %6s %10s %9s %9s %8s  %s\n", "strategy", "tokens", "log-prob", "per-token",
           "entropy", "kept", "continuation");
    for (int i = 0; i < n; i++) {
        char desc[96];
        gb_sampler_settings_describe(&r[i].settings, desc, sizeof desc);
        size_t len = 0;
        char *text = result_text(in, &r[i], &len);
        printf("%-28s %6d %10.3f %9.3f %9.3f %8.1f  ", desc, r[i].n_tokens, r[i].total_logprob_t1,
               r[i].n_tokens ? r[i].total_logprob_t1 / r[i].n_tokens : 0.0, r[i].mean_entropy_final,
               r[i].mean_kept);
        gb_json_write_string(stdout, text ? text : "", text ? len : 0);
        printf("%s\n", r[i].stopped ? " [stop]" : "");
        free(text);
    }
    printf("\nlog-prob: of the continuation under the model (nats); entropy: mean of the sampled\n"
           "distributions (nats); kept: mean size of the kept set.\n");
}

static void write_json(FILE *fp, const gb_gen_inputs *in, const char *prompt, uint64_t seed,
                       const gb_compare_result *r, int n) {
    fputs("{\n  \"prompt\": ", fp);
    gb_json_write_string(fp, prompt, strlen(prompt));
    fprintf(fp, ",\n  \"seed\": %llu,\n  \"prompt_tokens\": [", (unsigned long long)seed);
    for (int i = 0; i < in->n_prompt; i++) fprintf(fp, i ? ",%d" : "%d", in->prompt[i]);
    fputs("],\n  \"strategies\": [", fp);
    for (int i = 0; i < n; i++) {
        char desc[96];
        gb_sampler_settings_describe(&r[i].settings, desc, sizeof desc);
        fprintf(fp, "%s\n    {\"name\": \"%s\", \"temperature\": %.17g, \"top_k\": %d, \"top_p\": %.17g, "
                    "\"n_tokens\": %d, \"stopped\": %s, \"total_logprob\": %.9g, \"mean_entropy\": %.9g, "
                    "\"mean_entropy_t1\": %.9g, \"mean_kept\": %.9g, \"tokens\": [",
                i ? "," : "", desc, r[i].settings.temperature, r[i].settings.top_k, r[i].settings.top_p,
                r[i].n_tokens, r[i].stopped ? "true" : "false", r[i].total_logprob_t1,
                r[i].mean_entropy_final, r[i].mean_entropy_t1, r[i].mean_kept);
        for (int k = 0; k < r[i].n_tokens; k++) fprintf(fp, k ? ",%d" : "%d", r[i].tokens[k]);
        fputs("], \"text\": ", fp);
        size_t len = 0;
        char *text = result_text(in, &r[i], &len);
        gb_json_write_string(fp, text ? text : "", text ? len : 0);
        free(text);
        fputc('}', fp);
    }
    fputs("\n  ]\n}\n", fp);
}

static bool is_image(const char *out) {
    size_t n = out ? strlen(out) : 0;
    return n >= 4 && (strcmp(out + n - 4, ".png") == 0 || strcmp(out + n - 4, ".svg") == 0 ||
                      strcmp(out + n - 4, ".pdf") == 0);
}

/* --out FILE.png|.svg|.pdf: the compare view, headless (docs/views-sampling.md). */
static int render_image(const gb_view_args *a, const char *size, const char *out) {
    gb_error err = {0};
    int w, h;
    gb_render_format fmt;
    gb_view_model vm = {0};
    void *self = NULL;
    if (gb_parse_size(size, &w, &h, &err) || gb_render_format_of(out, &fmt, &err) || gb_render_fonts(&err) ||
        gb_view_model_open(&vm, a->model, &err))
        goto done;
    gb_shared sh = {.theme = gb_theme_get(false), .prompt = a->prompt};
    gb_view_model_share(&vm, &sh);
    if (!(self = gb_view_compare.create(a, &err))) goto done;
    if (!gb_view_settle(&gb_view_compare, self, &sh, &err) && !gb_view_compare.check(self, &sh, &err))
        gb_render_write(&gb_view_compare, self, &sh, w, h, 1.0, out, &err);
done:
    if (self) gb_view_compare.destroy(self);
    gb_view_model_close(&vm);
    gb_text_shutdown();
    return err.status ? gb_cli_error(&err) : 0;
}

int gb_cmd_compare(int argc, char **argv) {
    const char *model = NULL, *tokenizer = NULL, *prompt = NULL, *list = NULL, *out = NULL;
    int max_new = 32, at = -1;
    uint64_t seed = 0;
    const char *size = "1600x1000";
    gb_opt opts[] = {
        {"--model", "-m", GB_OPT_STR, &model, 1, 0, "M  the model", false},
        {"--tokenizer", "-z", GB_OPT_STR, &tokenizer, 1, 0, "T  tokenizer (default: the one the model names)", false},
        {"--prompt", "-i", GB_OPT_STR, &prompt, 1, 0, "TEXT  the prompt", false},
        {"--seed", "-s", GB_OPT_U64, &seed, 1, 0, "S  one seed for every strategy (default 0)", false},
        {"--strategies", NULL, GB_OPT_STR, &list, 1, 0, "LIST  comma-separated: greedy, random, top-k=K, top-p=P, t=X; "
                                                       "join settings with ':' (default greedy,top-k=40,top-p=0.9,t=1.5)", false},
        {"--max-new-tokens", "-n", GB_OPT_INT, &max_new, 1, 0, "N  tokens per strategy (default 32)", false},
        {"--out", "-o", GB_OPT_STR, &out, 1, 0, "FILE.json  also write the results; .png/.svg/.pdf: draw them", false},
        {"--at", NULL, GB_OPT_INT, &at, 0, 4096, "I  image: the step whose distributions are shown", false},
        {"--size", NULL, GB_OPT_STR, &size, 1, 0, "WxH  image size (default 1600x1000)", false},
    };
    gb_error err = {0};
    const char *pos[1];
    int n_pos = 0, n = 0;
    gb_sampler_settings strategies[MAX_STRATEGIES];
    if (gb_parse_opts("compare", argc, argv, opts, (int)(sizeof opts / sizeof opts[0]), pos, 0, &n_pos, &err))
        return gb_cli_error(&err);
    if (list ? parse_strategies(list, strategies, &n, &err) != GB_OK
             : (n = gb_compare_default_strategies(strategies)) < 0)
        return gb_cli_error(&err);
    if (!prompt) gb_fail(&err, GB_ERR_INPUT, "compare: --prompt is required");
    else if (is_image(out)) {
        if (!gb_utf8_valid(prompt, strlen(prompt))) {
            gb_fail(&err, GB_ERR_INPUT, "compare --prompt: not valid UTF-8 text");
            return gb_cli_error(&err);
        }
        gb_view_args a;
        gb_view_args_defaults(&a);
        a.model = model, a.tokenizer = tokenizer, a.prompt = prompt, a.seed = seed, a.strategies = list;
        a.max_new = max_new, a.at = at;
        return render_image(&a, size, out);
    } else if (out && (strlen(out) < 5 || strcmp(out + strlen(out) - 5, ".json") != 0))
        gb_fail(&err, GB_ERR_INPUT, "compare --out: '%s' must end in .json, .png, .svg or .pdf", out);
    if (err.status) return gb_cli_error(&err);
    gb_gen_inputs in;
    if (gb_gen_open("compare", model, tokenizer, prompt, &in, &err)) return gb_cli_error(&err);
    gb_session_opts o;
    gb_compare_result res[MAX_STRATEGIES];
    if (gb_gen_session_opts("compare", &in, max_new, seed, &strategies[0], &o, &err) ||
        gb_compare_run(in.model, &o, strategies, n, res, &err)) {
        gb_gen_close(&in);
        return gb_cli_error(&err);
    }
    int rc = 0;
    if (out) {
        gb_afile af;
        if (gb_afile_open(&af, out, &err) == GB_OK) {
            write_json(af.fp, &in, prompt, seed, res, n);
            gb_afile_commit(&af, &err);
        }
        if (err.status) rc = gb_cli_error(&err);
    }
    if (!rc) print_table(&in, prompt, seed, res, n);
    gb_compare_free(res, n);
    gb_gen_close(&in);
    return rc;
}
