/* cmd_export_distribution.c - `glassbox export distribution`: the next-token
 * decision after a prompt, every stage over the whole vocabulary, as JSON or CSV.
 * The draw is the one the first step of `glassbox generate` makes with the same
 * seed, so the exported `chosen` is the first token generate would print. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_common.h"
#include "glassbox/forward.h"
#include "glassbox/platform.h"
#include "glassbox/rng.h"

static void write_floats(FILE *fp, const char *name, const float *v, int n) {
    fprintf(fp, ",\n  \"%s\": [", name);
    for (int i = 0; i < n; i++) fprintf(fp, i ? ",%.9g" : "%.9g", (double)v[i]);
    fputc(']', fp);
}

static void write_ints(FILE *fp, const char *name, const int *v, int n) {
    fprintf(fp, ",\n  \"%s\": [", name);
    for (int i = 0; i < n; i++) fprintf(fp, i ? ",%d" : "%d", v[i]);
    fputc(']', fp);
}

static void write_json(FILE *fp, const gb_gen_inputs *in, const gb_sample_record *r, uint64_t seed) {
    const gb_sampler_settings *s = &r->settings;
    fprintf(fp, "{\n  \"vocab_size\": %d", r->vocab);
    write_ints(fp, "tokens", in->prompt, in->n_prompt);
    fprintf(fp, ",\n  \"settings\": {\"temperature\": %.17g, \"top_k\": %d, \"top_p\": %.17g, "
                "\"seed\": %llu}", s->temperature, s->top_k, s->top_p, (unsigned long long)seed);
    fprintf(fp, ",\n  \"draw\": %.17g,\n  \"draw_index\": %d,\n  \"chosen\": %d,\n  \"chosen_text\": ",
            r->draw, r->draw_index, r->chosen);
    size_t pl = 0;
    const char *piece = gb_tokenizer_piece(in->tok, r->chosen, &pl);
    gb_json_write_string(fp, piece ? piece : "", piece ? pl : 0);
    fprintf(fp, ",\n  \"prob_final_chosen\": %.9g,\n  \"logprob_t1_chosen\": %.9g", r->prob_final_chosen,
            r->logprob_t1_chosen);
    fprintf(fp, ",\n  \"n_topk\": %d,\n  \"mass_topk\": %.17g,\n  \"n_kept\": %d,\n  \"mass_topp\": %.17g",
            r->n_topk, r->mass_topk, r->n_kept, r->mass_topp);
    fprintf(fp, ",\n  \"entropy_t1\": %.9g,\n  \"effective_vocab_t1\": %.9g,\n  \"entropy_final\": %.9g,"
                "\n  \"effective_vocab_final\": %.9g", r->entropy_t1, r->eff_vocab_t1, r->entropy_final,
            r->eff_vocab_final);
    write_ints(fp, "kept_ids", r->kept_ids, r->n_kept);
    if (r->n_topk < r->vocab) write_ints(fp, "topk_ids", r->kept_ids, r->n_topk);
    write_floats(fp, "logits", r->logits, r->vocab);
    write_floats(fp, "probs_t1", r->probs_t1, r->vocab);
    write_floats(fp, "probs_tempered", r->probs_tempered, r->vocab);
    write_floats(fp, "probs_final", r->probs_final, r->vocab);
    fputs(",\n  \"token_texts\": [", fp);
    for (int i = 0; i < r->vocab; i++) {
        const char *p = gb_tokenizer_piece(in->tok, i, &pl);
        if (i) fputc(',', fp);
        gb_json_write_string(fp, p ? p : "", p ? pl : 0);
    }
    fputs("]\n}\n", fp);
}

/* One row per token; rank is the position in the kept set (rank order), -1 if removed. */
static void write_csv(FILE *fp, const gb_gen_inputs *in, const gb_sample_record *r) {
    int *rank = malloc((size_t)r->vocab * sizeof(int));
    if (!rank) return;
    for (int i = 0; i < r->vocab; i++) rank[i] = -1;
    for (int i = 0; i < r->n_kept; i++) rank[r->kept_ids[i]] = i;
    fputs("id,token,logit,prob_t1,prob_tempered,prob_final,kept_rank,chosen\n", fp);
    for (int i = 0; i < r->vocab; i++) {
        char label[128];
        gb_tokenizer_label(in->tok, i, label, sizeof label);
        fprintf(fp, "%d,\"", i);
        for (const char *c = label; *c; c++) fputs(*c == '"' ? "\"\"" : (char[2]){*c, 0}, fp);
        fprintf(fp, "\",%.9g,%.9g,%.9g,%.9g,%d,%d\n", (double)r->logits[i], (double)r->probs_t1[i],
                (double)r->probs_tempered[i], (double)r->probs_final[i], rank[i], i == r->chosen);
    }
    free(rank);
}

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The decision after the prompt: one forward pass, then the sampler. */
static gb_status decide(const gb_gen_inputs *in, const gb_sampler_settings *set, uint64_t seed,
                        gb_sample_record *r, gb_error *err) {
    int ctx = in->model->cfg.max_seq;
    if (in->n_prompt > ctx)
        return gb_fail(err, GB_ERR_INPUT, "export distribution --prompt: %d tokens do not fit in the "
                       "context window of %d tokens", in->n_prompt, ctx);
    gb_state *st = gb_state_new(in->model, in->n_prompt, err);
    if (!st) return err->status;
    gb_status s = gb_forward_decoder(in->model, st, in->prompt, in->n_prompt, 0, NULL, err);
    if (!s) s = gb_sample_record_init(r, in->model->cfg.vocab_size, err);
    if (!s) s = gb_sample(r, gb_state_logits(st), set, gb_rng_derive_double(seed, 0, 0), err);
    if (!s) gb_sample_record_sort_kept(r);
    gb_state_free(st);
    return s;
}

int gb_export_distribution(int argc, char **argv) {
    const char *model = NULL, *tokenizer = NULL, *prompt = NULL, *out = NULL;
    double temperature = 1.0, top_p = 1.0;
    int top_k = 0;
    uint64_t seed = 0;
    gb_opt opts[] = {
        {"--model", "-m", GB_OPT_STR, &model, 1, 0, "M  the model", false},
        {"--tokenizer", "-z", GB_OPT_STR, &tokenizer, 1, 0, "T  tokenizer (default: the one the model names)", false},
        {"--prompt", "-i", GB_OPT_STR, &prompt, 1, 0, "TEXT  the prompt", false},
        {"--temperature", "-t", GB_OPT_FLOAT, &temperature, 1, 0, "X  in [0, 1000]; 0 = greedy", false},
        {"--top-k", "-k", GB_OPT_INT, &top_k, 1, 0, "K  0 = off", false},
        {"--top-p", "-p", GB_OPT_FLOAT, &top_p, 1, 0, "P  in (0, 1]; 1 = off", false},
        {"--seed", "-s", GB_OPT_U64, &seed, 1, 0, "S  seed of the draw (as generate's first step)", false},
        {"--out", "-o", GB_OPT_STR, &out, 1, 0, "FILE.json|FILE.csv  where to write", false},
    };
    gb_error err = {0};
    const char *pos[1];
    int n_pos = 0;
    gb_sampler_settings set;
    if (gb_parse_opts("export distribution", argc, argv, opts, (int)(sizeof opts / sizeof opts[0]), pos, 0,
                      &n_pos, &err) ||
        gb_gen_settings("export distribution", temperature, top_k, top_p, &set, &err))
        return gb_cli_error(&err);
    if (!prompt) gb_fail(&err, GB_ERR_INPUT, "export distribution: --prompt is required");
    else if (!out) gb_fail(&err, GB_ERR_INPUT, "export distribution: --out FILE.json or FILE.csv is required");
    else if (!ends_with(out, ".json") && !ends_with(out, ".csv"))
        gb_fail(&err, GB_ERR_INPUT, "export distribution --out: '%s' must end in .json or .csv", out);
    if (err.status) return gb_cli_error(&err);
    gb_gen_inputs in;
    if (gb_gen_open("export distribution", model, tokenizer, prompt, &in, &err)) return gb_cli_error(&err);
    gb_sample_record r = {0};
    gb_afile af = {0};
    if (decide(&in, &set, seed, &r, &err) || gb_afile_open(&af, out, &err)) goto fail;
    if (ends_with(out, ".csv")) write_csv(af.fp, &in, &r);
    else write_json(af.fp, &in, &r, seed);
    if (gb_afile_commit(&af, &err)) goto fail;
    gb_sample_record_free(&r);
    gb_gen_close(&in);
    return 0;
fail:
    if (af.fp) gb_afile_abort(&af);
    gb_sample_record_free(&r);
    gb_gen_close(&in);
    return gb_cli_error(&err);
}
