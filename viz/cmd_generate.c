/* cmd_generate.c - `glassbox generate`: the prompt and its completion on stdout,
 * streamed token by token; statistics on stderr; optionally the whole record. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_common.h"
#include "glassbox/platform.h"

typedef struct gen_args {
    const char *model, *tokenizer, *prompt, *trace;
    int max_new, top_k;
    double temperature, top_p;
    uint64_t seed;
} gen_args;

/* Stream ids [from, n) to stdout through the detokenizer. A token's piece plus
 * a held-back partial character is far below the buffer (the longest GPT-2
 * token is 128 bytes), so each push returns everything that is complete. */
static void stream_ids(gb_detok *d, const int *ids, int from, int n, int prev) {
    char buf[4096];
    for (int i = from; i < n; i++) {
        size_t k = gb_detok_push(d, i > 0 ? ids[i - 1] : prev, ids[i], buf, sizeof buf);
        fwrite(buf, 1, k, stdout);
    }
    fflush(stdout);
}

static char *trace_extra(const gen_args *a, const gb_gen_inputs *in, const gb_session *s) {
    int n = gb_session_tokens(s, true, NULL, 0);
    int *ids = malloc((size_t)(n + 1) * sizeof(int));
    if (!ids) return NULL;
    gb_session_tokens(s, true, ids, n);
    size_t tl = 0;
    char *text = gb_gen_decode(in, ids, n, &tl), *buf = NULL;
    size_t bl = 0;
    FILE *fp = open_memstream(&buf, &bl);
    if (fp) {
        fputs("{\"model\": ", fp);
        gb_json_write_string(fp, a->model, strlen(a->model));
        fputs(", \"tokenizer\": ", fp);
        const char *src = gb_tokenizer_source(in->tok);
        gb_json_write_string(fp, src, strlen(src));
        fputs(", \"prompt_text\": ", fp);
        gb_json_write_string(fp, a->prompt ? a->prompt : "", a->prompt ? strlen(a->prompt) : 0);
        fputs(", \"completion_text\": ", fp);
        gb_json_write_string(fp, text ? text : "", text ? tl : 0);
        fprintf(fp, ", \"hidden_prompt_tokens\": %d}", in->n_hidden);
        fclose(fp);
    }
    free(text);
    free(ids);
    return buf;
}

static void print_stats(const gb_session *s, const gb_gen_inputs *in, double seconds) {
    int nodes_n = gb_session_path(s, 0, NULL, 0);
    int *nodes = malloc((size_t)(nodes_n + 1) * sizeof(int));
    if (!nodes) return;
    gb_session_path(s, 0, nodes, nodes_n);
    double h = 0, total = 0;
    for (int i = 0; i < nodes_n; i++) {
        const gb_session_node *nd = gb_session_node_at(s, nodes[i]);
        h += nd->entropy_final;
        total = nd->total_logprob_t1;
    }
    char desc[96];
    gb_sampler_settings_describe(gb_session_settings(s), desc, sizeof desc);
    fprintf(stderr, "glassbox generate: %d prompt tokens, %d new tokens (%s)\n", in->n_prompt, nodes_n,
            gb_session_done_reason(s));
    fprintf(stderr, "  sampler: %s, seed %llu\n", desc, (unsigned long long)gb_session_seed(s));
    fprintf(stderr, "  log-probability of the completion under the model: %.4f nats (%.4f per token)\n",
            total, nodes_n ? total / nodes_n : 0.0);
    fprintf(stderr, "  mean entropy of the sampled distributions: %.4f nats (effective vocabulary %.2f)\n",
            nodes_n ? h / nodes_n : 0.0, exp(nodes_n ? h / nodes_n : 0.0));
    fprintf(stderr, "  %llu forward passes in %.3f s (%.1f tokens/s)\n",
            (unsigned long long)gb_session_forward_count(s), seconds, seconds > 0 ? nodes_n / seconds : 0.0);
    free(nodes);
}

/* Generate, streaming each new token (a stop token is not printed). */
static gb_status run(gb_session *s, const gb_gen_inputs *in, gb_detok *d, gb_error *err) {
    stream_ids(d, in->prompt, in->n_hidden, in->n_prompt, -1);
    int prev = in->prompt[in->n_prompt - 1];
    while (!gb_session_done(s)) {
        if (gb_session_step(s, err)) return err->status;
        const gb_session_node *nd = gb_session_node_at(s, gb_session_branch_info(s, 0)->tip);
        if (!nd->stop) stream_ids(d, &nd->token, 0, 1, prev);
        prev = nd->token;
    }
    char buf[64];
    fwrite(buf, 1, gb_detok_flush(d, buf, sizeof buf), stdout);
    fputc('\n', stdout); /* like run.c: the text ends with one newline */
    fflush(stdout);
    return GB_OK;
}

/* Can the trace be written? Checked before generating, so a bad path fails fast. */
static gb_status check_writable(const char *path, gb_error *err) {
    gb_afile af;
    if (gb_afile_open(&af, path, err)) return err->status;
    gb_afile_abort(&af);
    return GB_OK;
}

int gb_cmd_generate(int argc, char **argv) {
    gen_args a = {.max_new = -1, .temperature = 1.0, .top_p = 1.0, .seed = 0};
    gb_opt opts[] = {
        {"--model", "-m", GB_OPT_STR, &a.model, 1, 0, "M  bundled name, .safetensors, HF folder or llama2.c .bin", false},
        {"--tokenizer", "-z", GB_OPT_STR, &a.tokenizer, 1, 0, "T  tokenizer (default: the one the model names)", false},
        {"--prompt", "-i", GB_OPT_STR, &a.prompt, 1, 0, "TEXT  the prompt (default: empty)", false},
        {"--max-new-tokens", "-n", GB_OPT_INT, &a.max_new, 1, 0, "N  tokens to generate (default: up to 256 that fit)", false},
        {"--temperature", "-t", GB_OPT_FLOAT, &a.temperature, 1, 0, "X  in [0, 1000]; 0 = greedy (default 1)", false},
        {"--top-k", "-k", GB_OPT_INT, &a.top_k, 1, 0, "K  keep the K most probable; 0 = off (default)", false},
        {"--top-p", "-p", GB_OPT_FLOAT, &a.top_p, 1, 0, "P  in (0, 1]: nucleus mass; 1 = off (default)", false},
        {"--seed", "-s", GB_OPT_U64, &a.seed, 1, 0, "S  random seed (default 0)", false},
        {"--trace", NULL, GB_OPT_STR, &a.trace, 1, 0, "OUT.safetensors  write the whole session record", false},
    };
    gb_error err = {0};
    const char *pos[1];
    int n_pos = 0;
    if (gb_parse_opts("generate", argc, argv, opts, (int)(sizeof opts / sizeof opts[0]), pos, 0, &n_pos, &err))
        return gb_cli_error(&err);
    gb_sampler_settings set;
    if (gb_gen_settings("generate", a.temperature, a.top_k, a.top_p, &set, &err)) return gb_cli_error(&err);
    if (a.trace && check_writable(a.trace, &err)) return gb_cli_error(&err);
    gb_gen_inputs in;
    if (gb_gen_open("generate", a.model, a.tokenizer, a.prompt, &in, &err)) return gb_cli_error(&err);
    gb_session_opts o;
    gb_session *s = NULL;
    gb_detok *d = NULL;
    double t0 = gb_now();
    if (gb_gen_session_opts("generate", &in, a.max_new, a.seed, &set, &o, &err) ||
        gb_session_new(in.model, &o, &s, &err))
        goto fail;
    if (!(d = gb_detok_new(in.tok))) {
        gb_fail(&err, GB_ERR_INTERNAL, "out of memory");
        goto fail;
    }
    if (run(s, &in, d, &err)) goto fail;
    print_stats(s, &in, gb_now() - t0);
    if (a.trace) {
        char *extra = trace_extra(&a, &in, s);
        gb_status st = gb_session_save(s, a.trace, extra, &err);
        free(extra);
        if (st) goto fail;
        fprintf(stderr, "  session record: %s\n", a.trace);
    }
    gb_detok_free(d);
    gb_session_free(s);
    gb_gen_close(&in);
    return 0;
fail:
    gb_detok_free(d);
    gb_session_free(s);
    gb_gen_close(&in);
    return gb_cli_error(&err);
}
