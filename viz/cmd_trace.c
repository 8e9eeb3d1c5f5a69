/* cmd_trace.c - `glassbox trace`: run a model once and write the recording. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "glassbox/export.h"
#include "glassbox/forward.h"
#include "glassbox/model.h"
#include "glassbox/tokenizer.h"
#include "gen_common.h"

/* "1,2,3" -> ids (malloc'd). Refuses empty items, signs and non-digits. */
gb_status gb_cli_parse_ids(const char *flag, const char *s, int **ids, int *n, gb_error *err) {
    *ids = NULL;
    *n = 0;
    size_t cap = 1;
    for (const char *p = s; *p; p++) cap += *p == ',';
    int *out = malloc(cap * sizeof *out);
    if (!out) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    const char *p = s;
    for (;;) {
        char *end;
        errno = 0;
        if (*p < '0' || *p > '9') {
            free(out);
            return gb_fail(err, GB_ERR_INPUT, "%s: '%s' is not a comma-separated list of token ids", flag, s);
        }
        long v = strtol(p, &end, 10);
        if (errno || v > INT_MAX) {
            free(out);
            return gb_fail(err, GB_ERR_INPUT, "%s: id '%.*s' is too large", flag, (int)(end - p), p);
        }
        out[(*n)++] = (int)v;
        if (*end == '\0') break;
        if (*end != ',') {
            free(out);
            return gb_fail(err, GB_ERR_INPUT, "%s: unexpected '%c' in '%s'", flag, *end, s);
        }
        p = end + 1;
    }
    *ids = out;
    return GB_OK;
}

static char *ids_json(const int *ids, int n) {
    size_t cap = (size_t)n * 12 + 3;
    char *s = malloc(cap);
    if (!s) return NULL;
    size_t k = 0;
    s[k++] = '[';
    for (int i = 0; i < n; i++) k += (size_t)snprintf(s + k, cap - k, "%s%d", i ? "," : "", ids[i]);
    s[k++] = ']';
    s[k] = '\0';
    return s;
}

/* JSON array of the display labels of ids. */
static char *labels_json(const gb_tokenizer *t, const int *ids, int n) {
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    if (!fp) return NULL;
    fputc('[', fp);
    for (int i = 0; i < n; i++) {
        size_t pl = 0;
        const char *piece = gb_tokenizer_piece(t, ids[i], &pl);
        if (i) fputc(',', fp);
        gb_json_write_string(fp, piece ? piece : "", piece ? pl : 0);
    }
    fputc(']', fp);
    fclose(fp);
    return buf;
}

int gb_cmd_trace(int argc, char **argv) {
    const char *model = NULL, *tok_spec = NULL, *prompt = NULL, *target = NULL, *ids_s = NULL, *target_s = NULL,
               *out = NULL, *hooks = "*";
    gb_opt opts[] = {
        {"--model", "-m", GB_OPT_STR, &model, 1, 0, "M  bundled name, .safetensors, HF folder or llama2.c .bin", false},
        {"--tokenizer", NULL, GB_OPT_STR, &tok_spec, 1, 0, "T  tokenizer (default: the one the model names)", false},
        {"--prompt", NULL, GB_OPT_STR, &prompt, 1, 0, "TEXT  the input text (the source sentence for translation)", false},
        {"--target", NULL, GB_OPT_STR, &target, 1, 0, "TEXT  decoder input of an encoder-decoder model", false},
        {"--ids", NULL, GB_OPT_STR, &ids_s, 1, 0, "1,2,3  token ids (the source sentence for encoder-decoder models)", false},
        {"--target-ids", NULL, GB_OPT_STR, &target_s, 1, 0, "1,2,3  decoder input of an encoder-decoder model", false},
        {"--out", "-o", GB_OPT_STR, &out, 1, 0, "FILE  .safetensors or .json", false},
        {"--hooks", NULL, GB_OPT_STR, &hooks, 1, 0, "PATTERN  comma-separated globs of hook names (default *)", false},
    };
    int n_opts = (int)(sizeof opts / sizeof opts[0]);
    gb_error err = {0};
    const char *pos[1];
    int npos;
    if (gb_parse_opts("trace", argc, argv, opts, n_opts, pos, 0, &npos, &err)) return gb_cli_error(&err);
    if (!model) gb_fail(&err, GB_ERR_INPUT, "trace: --model is required");
    else if (!ids_s == !prompt) gb_fail(&err, GB_ERR_INPUT, "trace: give the input with --prompt TEXT or --ids 1,2,3 (one of them)");
    else if (target && target_s) gb_fail(&err, GB_ERR_INPUT, "trace: give --target or --target-ids, not both");
    else if (!out) gb_fail(&err, GB_ERR_INPUT, "trace: --out FILE.safetensors|FILE.json is required");
    if (err.status) return gb_cli_error(&err);
    gb_model *m = NULL;
    gb_state *st = NULL;
    gb_trace *tr = NULL;
    int *ids = NULL, *tids = NULL, n = 0, nt = 0;
    char *cfg = NULL, *ids_j = NULL, *tids_j = NULL, *str_j = NULL, *tstr_j = NULL;
    gb_gen_inputs in = {0};
    if (prompt) { /* model + tokenizer + encoded prompt, as generate does */
        if (gb_gen_open("trace", model, tok_spec, prompt, &in, &err)) goto done;
        m = in.model;
        in.model = NULL; /* ours now */
        ids = in.prompt;
        n = in.n_prompt;
        in.prompt = NULL;
        if (target) {
            int bos = gb_tokenizer_special(in.tok, GB_SPECIAL_BOS);
            int *enc = NULL, ne = 0;
            if (gb_tokenizer_encode(in.tok, target, strlen(target), false, &enc, &ne, NULL, &err)) goto done;
            tids = malloc((size_t)(ne + 1) * sizeof *tids);
            if (!tids) {
                free(enc);
                gb_fail(&err, GB_ERR_INTERNAL, "out of memory");
                goto done;
            }
            nt = 0;
            if (bos >= 0) tids[nt++] = bos; /* the decoder starts from the start token */
            memcpy(tids + nt, enc, (size_t)ne * sizeof *tids);
            nt += ne;
            free(enc);
        }
    } else {
        if (target) {
            gb_fail(&err, GB_ERR_INPUT, "trace: --target needs --prompt (with --ids use --target-ids)");
            goto done;
        }
        if (gb_cli_parse_ids("--ids", ids_s, &ids, &n, &err)) goto done;
        if (gb_model_load(model, &m, &err)) goto done;
    }
    if (target_s && gb_cli_parse_ids("--target-ids", target_s, &tids, &nt, &err)) goto done;
    const gb_config *c = &m->cfg;
    if (c->arch == GB_ARCH_ENCDEC && !tids) {
        gb_fail(&err, GB_ERR_INPUT, "trace: %s is an encoder-decoder model: give the decoder input with --target or --target-ids",
                model);
        goto done;
    }
    if (c->arch != GB_ARCH_ENCDEC && tids) {
        gb_fail(&err, GB_ERR_INPUT, "trace: --target-ids is only for encoder-decoder models");
        goto done;
    }
    int longest = n > nt ? n : nt;
    if (longest > c->max_seq) {
        gb_fail(&err, GB_ERR_INPUT, "trace: %d tokens do not fit in the context window of %d tokens", longest,
                c->max_seq);
        goto done;
    }
    st = gb_state_new(m, longest, &err);
    tr = st ? gb_trace_new(hooks, longest, &err) : NULL;
    if (!tr) goto done;
    gb_run_opts o = {.trace = tr};
    gb_status s;
    if (c->arch == GB_ARCH_DECODER) s = gb_forward_decoder(m, st, ids, n, 0, &o, &err);
    else {
        s = gb_forward_encoder(m, st, ids, n, &o, &err);
        if (!s && c->arch == GB_ARCH_ENCDEC) s = gb_forward_decoder(m, st, tids, nt, 0, &o, &err);
    }
    if (s) {
        gb_error_prefix(&err, "%s", model);
        goto done;
    }
    if (gb_trace_count(tr) == 0) {
        gb_fail(&err, GB_ERR_INPUT, "trace: --hooks '%s' selects no recorded tensor (see docs/recording.md)", hooks);
        goto done;
    }
    cfg = gb_config_to_json(c);
    ids_j = ids_json(ids, n);
    tids_j = tids ? ids_json(tids, nt) : NULL;
    gb_kv meta[8] = {{"format", "pt"}, {"glassbox.model", model}, {"glassbox.config", cfg ? cfg : "{}"},
                     {"glassbox.hooks", hooks}, {"glassbox.tokens", ids_j ? ids_j : "[]"}};
    int n_meta = 5;
    if (tids_j) meta[n_meta++] = (gb_kv){"glassbox.target_tokens", tids_j};
    if (in.tok) {
        str_j = labels_json(in.tok, ids, n);
        if (str_j) meta[n_meta++] = (gb_kv){"glassbox.token_strings", str_j};
        if (tids && (tstr_j = labels_json(in.tok, tids, nt)))
            meta[n_meta++] = (gb_kv){"glassbox.target_token_strings", tstr_j};
    }
    if (gb_trace_save(out, tr, meta, n_meta, &err)) goto done;
    fprintf(stderr, "glassbox: wrote %d tensors for %d tokens to %s\n", gb_trace_count(tr), longest, out);
done:
    gb_gen_close(&in);
    free(str_j);
    free(tstr_j);
    free(cfg);
    free(ids_j);
    free(tids_j);
    free(ids);
    free(tids);
    gb_trace_free(tr);
    gb_state_free(st);
    gb_model_free(m);
    return err.status ? gb_cli_error(&err) : 0;
}
