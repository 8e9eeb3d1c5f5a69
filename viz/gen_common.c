/* gen_common.c - shared plumbing of generate, compare and export distribution. */
#include "gen_common.h"

#include <stdlib.h>
#include <string.h>

gb_status gb_gen_open(const char *cmd, const char *model_spec, const char *tok_spec,
                      const char *prompt_text, gb_gen_inputs *in, gb_error *err) {
    memset(in, 0, sizeof *in);
    if (!model_spec) return gb_fail(err, GB_ERR_INPUT, "%s: --model is required", cmd);
    if (gb_model_load(model_spec, &in->model, err)) return err->status;
    const char *ts = tok_spec ? tok_spec : in->model->tokenizer_ref;
    if (!ts) {
        gb_gen_close(in);
        return gb_fail(err, GB_ERR_INPUT, "%s: the model names no tokenizer; give --tokenizer T",
                       model_spec);
    }
    if (gb_tokenizer_load(ts, &in->tok, err)) {
        gb_gen_close(in);
        return err->status;
    }
    int tv = gb_tokenizer_vocab_size(in->tok), mv = in->model->cfg.vocab_size;
    if (tv > mv) {
        gb_gen_close(in);
        return gb_fail(err, GB_ERR_INPUT, "%s: the tokenizer has %d tokens but the model only %d "
                       "(wrong --tokenizer?)", ts, tv, mv);
    }
    const gb_special sp[2] = {GB_SPECIAL_BOS, GB_SPECIAL_EOS};
    for (int i = 0; i < 2; i++) {
        int id = gb_tokenizer_special(in->tok, sp[i]);
        if (id >= 0 && (in->n_stop == 0 || in->stop_ids[0] != id)) in->stop_ids[in->n_stop++] = id;
    }
    const char *text = prompt_text ? prompt_text : "";
    if (gb_tokenizer_encode(in->tok, text, strlen(text), true, &in->prompt, &in->n_prompt, NULL, err)) {
        gb_gen_close(in);
        return err->status;
    }
    if (in->n_prompt == 0) { /* GPT-2 style: start from the end-of-text token */
        if (in->n_stop == 0) {
            gb_gen_close(in);
            return gb_fail(err, GB_ERR_INPUT, "%s --prompt: empty, and the tokenizer has no start "
                           "token to begin from; give a prompt", cmd);
        }
        free(in->prompt);
        in->prompt = malloc(sizeof(int));
        if (!in->prompt) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
        in->prompt[0] = in->stop_ids[in->n_stop - 1];
        in->n_prompt = 1;
        in->n_hidden = 1;
    }
    return GB_OK;
}

void gb_gen_close(gb_gen_inputs *in) {
    free(in->prompt);
    gb_tokenizer_free(in->tok);
    gb_model_free(in->model);
    memset(in, 0, sizeof *in);
}

gb_status gb_gen_settings(const char *cmd, double temperature, int top_k, double top_p,
                          gb_sampler_settings *out, gb_error *err) {
    if (!(temperature >= 0.0 && temperature <= GB_TEMPERATURE_MAX))
        return gb_fail(err, GB_ERR_INPUT, "%s --temperature: %g is out of range [0, %g] (0 = greedy)",
                       cmd, temperature, GB_TEMPERATURE_MAX);
    if (top_k < 0)
        return gb_fail(err, GB_ERR_INPUT, "%s --top-k: %d is out of range [0, vocabulary size] (0 = off)",
                       cmd, top_k);
    if (!(top_p > 0.0 && top_p <= 1.0))
        return gb_fail(err, GB_ERR_INPUT, "%s --top-p: %g is out of range (0, 1] (1 = off)", cmd, top_p);
    *out = (gb_sampler_settings){.temperature = temperature, .top_k = top_k, .top_p = top_p};
    return GB_OK;
}

gb_status gb_gen_session_opts(const char *cmd, const gb_gen_inputs *in, int max_new, uint64_t seed,
                              const gb_sampler_settings *set, gb_session_opts *o, gb_error *err) {
    *o = gb_session_defaults();
    int context = in->model->cfg.max_seq, room = context - in->n_prompt + 1;
    if (in->n_prompt > context)
        return gb_fail(err, GB_ERR_INPUT, "%s --prompt: %d tokens do not fit in the context window "
                       "of %d tokens", cmd, in->n_prompt, context);
    if (max_new < 0) max_new = room < 256 ? room : 256;
    else if (max_new < 1 || max_new > room)
        return gb_fail(err, GB_ERR_INPUT, "%s --max-new-tokens: %d is out of range [1, %d] (a prompt "
                       "of %d tokens in a context window of %d)", cmd, max_new, room, in->n_prompt,
                       context);
    o->prompt = in->prompt;
    o->n_prompt = in->n_prompt;
    o->max_new_tokens = max_new;
    o->seed = seed;
    o->settings = *set;
    o->n_stop = in->n_stop;
    memcpy(o->stop_ids, in->stop_ids, (size_t)in->n_stop * sizeof(int));
    return GB_OK;
}

/* Length of the valid UTF-8 character at s (n bytes left), 0 if invalid. */
static size_t utf8_char(const unsigned char *s, size_t n) {
    size_t k = s[0] < 0x80 ? 1 : (s[0] >> 5) == 6 ? 2 : (s[0] >> 4) == 14 ? 3 : (s[0] >> 3) == 30 ? 4 : 0;
    if (k == 0 || k > n || (k == 2 && s[0] < 0xC2)) return 0;
    for (size_t i = 1; i < k; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    if (k == 3 && ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0))) return 0;
    if (k == 4 && ((s[0] == 0xF0 && s[1] < 0x90) || s[0] > 0xF4 || (s[0] == 0xF4 && s[1] >= 0x90))) return 0;
    return k;
}

void gb_json_write_string(FILE *fp, const char *s, size_t len) {
    fputc('"', fp);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) { /* whole UTF-8 characters pass; a broken byte becomes U+FFFD */
            size_t k = utf8_char((const unsigned char *)s + i, len - i);
            if (k == 0) fputs("\\ufffd", fp);
            else fwrite(s + i, 1, k, fp);
            i += k ? k - 1 : 0;
            continue;
        }
        switch (c) {
        case '"': fputs("\\\"", fp); break;
        case '\\': fputs("\\\\", fp); break;
        case '\n': fputs("\\n", fp); break;
        case '\r': fputs("\\r", fp); break;
        case '\t': fputs("\\t", fp); break;
        default:
            if (c < 0x20) fprintf(fp, "\\u%04x", c);
            else fputc(c, fp);
        }
    }
    fputc('"', fp);
}

char *gb_gen_decode(const gb_gen_inputs *in, const int *ids, int n, size_t *len) {
    char *text = NULL;
    size_t l = 0;
    gb_error err = {0};
    if (gb_tokenizer_decode(in->tok, ids, n, &text, &l, &err)) return NULL;
    if (len) *len = l;
    return text;
}
