/* cmd_export.c - `glassbox export attention|embeddings|positions`: what the
 * model computes, written to files other tools read (docs/exports.md). The
 * format follows the extension of --out.
 *
 *   export attention  --model M (--prompt TEXT | --ids 1,2,3) [--target TEXT | --target-ids 1,2]
 *                     [--layer L] [--head H] --out FILE(.csv|.json|.npy|.safetensors)
 *   export embeddings --model M [--tokenizer T] [--prompt TEXT | --ids ...] [--layer L]
 *                     [--project pca3] --out FILE(.npy|.csv|.tsv|.json|.safetensors)
 *   export positions  --model M [--length N] --out FILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_words.h"
#include "glassbox/analysis.h"
#include "glassbox/export.h"
#include "glassbox/forward.h"

typedef struct exp_args {
    const char *model, *tok, *prompt, *ids, *target, *target_ids, *project, *out;
    int layer, head, length;
    const char *pos[2];
    int n_pos;
} exp_args;

static gb_status parse_args(const char *cmd, int argc, char **argv, exp_args *a, gb_error *err) {
    memset(a, 0, sizeof *a);
    a->layer = a->head = a->length = -1;
    gb_opt opts[] = {
        {"--model", "-m", GB_OPT_STR, &a->model, 1, 0, "M  model", false},
        {"--tokenizer", NULL, GB_OPT_STR, &a->tok, 1, 0, "T  tokenizer (default: the model's)", false},
        {"--prompt", NULL, GB_OPT_STR, &a->prompt, 1, 0, "TEXT  the prompt", false},
        {"--ids", NULL, GB_OPT_STR, &a->ids, 1, 0, "1,2,3  token ids instead of a prompt", false},
        {"--target", NULL, GB_OPT_STR, &a->target, 1, 0, "TEXT  decoder input of an encoder-decoder", false},
        {"--target-ids", NULL, GB_OPT_STR, &a->target_ids, 1, 0, "1,2  decoder input as ids", false},
        {"--layer", NULL, GB_OPT_INT, &a->layer, 0, GB_MAX_LAYERS - 1, "L  one layer", false},
        {"--head", NULL, GB_OPT_INT, &a->head, 0, 4096, "H  one head", false},
        {"--length", NULL, GB_OPT_INT, &a->length, 1, 65536, "N  positions to export", false},
        {"--project", NULL, GB_OPT_STR, &a->project, 1, 0, "pca3  3D PCA coordinates", false},
        {"--out", "-o", GB_OPT_STR, &a->out, 1, 0, "FILE  output; format from the extension", false},
    };
    gb_status st = gb_parse_opts(cmd, argc, argv, opts, (int)(sizeof opts / sizeof opts[0]), a->pos, 0,
                                 &a->n_pos, err);
    if (st) return st;
    if (!a->out) return gb_fail(err, GB_ERR_INPUT, "%s: --out FILE is required", cmd);
    if (a->prompt && a->ids) return gb_fail(err, GB_ERR_INPUT, "%s: give --prompt or --ids, not both", cmd);
    if (a->project && strcmp(a->project, "pca3") != 0)
        return gb_fail(err, GB_ERR_INPUT, "%s --project: '%s' is not pca3", cmd, a->project);
    return GB_OK;
}

/* ---- tokens of the prompt ---- */
typedef struct seq {
    int *ids;
    int n;
    char **labels; /* [n] */
} seq;

static void seq_free(seq *s) {
    for (int i = 0; s->labels && i < s->n; i++) free(s->labels[i]);
    free(s->labels);
    free(s->ids);
    memset(s, 0, sizeof *s);
}

static gb_status seq_label(const gb_words *w, seq *s, gb_error *err) {
    s->labels = calloc((size_t)(s->n > 0 ? s->n : 1), sizeof *s->labels);
    if (!s->labels) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    for (int i = 0; i < s->n; i++) {
        char buf[256];
        gb_words_label(w, s->ids[i], buf, sizeof buf);
        if (!(s->labels[i] = strdup(buf))) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    }
    return GB_OK;
}

static gb_status parse_ids(const gb_words *w, const char *list, seq *s, gb_error *err) {
    size_t cap = strlen(list) / 2 + 2;
    s->ids = malloc(sizeof(int) * cap);
    if (!s->ids) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    for (const char *p = list; *p;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 0 || v >= w->vocab || (*end && *end != ','))
            return gb_fail(err, GB_ERR_INPUT, "--ids '%s': each id must be an integer in [0, %d)", list, w->vocab);
        s->ids[s->n++] = (int)v;
        p = *end ? end + 1 : end;
    }
    return GB_OK;
}

/* The ids the model would be fed: the tokenizer with its special tokens, or --ids. */
static gb_status make_seq(const gb_words *w, const char *text, const char *ids, const char *what, seq *s,
                          gb_error *err) {
    memset(s, 0, sizeof *s);
    gb_status st;
    if (ids) st = parse_ids(w, ids, s, err);
    else if (!w->tok) st = gb_fail(err, GB_ERR_INPUT, "%s: the model names no tokenizer; give --tokenizer T or --ids", what);
    else st = gb_tokenizer_encode(w->tok, text, strlen(text), true, &s->ids, &s->n, NULL, err);
    if (!st && s->n == 0) st = gb_fail(err, GB_ERR_INPUT, "%s: %s", what, ids ? "no ids given" : "the text gives no tokens");
    if (!st && s->n > w->m->cfg.max_seq)
        st = gb_fail(err, GB_ERR_INPUT, "%s: %d tokens, more than the model's context of %d", what, s->n,
                     w->m->cfg.max_seq);
    for (int i = 0; !st && i < s->n; i++)
        if (s->ids[i] >= w->vocab)
            st = gb_fail(err, GB_ERR_INPUT, "%s: token id %d is outside the model's vocabulary of %d", what,
                         s->ids[i], w->vocab);
    if (!st) st = seq_label(w, s, err);
    return st;
}

/* Run the model over the prompt (and, for encoder-decoder, the target when
 * not NULL) recording `hooks`. */
static gb_status run_model(const gb_words *w, const seq *src, const seq *tgt, gb_trace **tr,
                           const char *hooks, gb_error *err) {
    const gb_model *m = w->m;
    int cap = src->n > (tgt ? tgt->n : 0) ? src->n : tgt->n;
    *tr = gb_trace_new(hooks, cap, err);
    gb_state *st = *tr ? gb_state_new(m, cap, err) : NULL;
    if (!st) return err->status ? err->status : GB_ERR_INTERNAL;
    gb_run_opts o = {.trace = *tr};
    gb_status s;
    if (m->cfg.arch == GB_ARCH_DECODER) s = gb_forward_decoder(m, st, src->ids, src->n, 0, &o, err);
    else s = gb_forward_encoder(m, st, src->ids, src->n, &o, err);
    if (!s && m->cfg.arch == GB_ARCH_ENCDEC && tgt) /* NULL: the encoder alone */
        s = gb_forward_decoder(m, st, tgt->ids, tgt->n, 0, &o, err);
    gb_state_free(st);
    return s;
}

/* ---- export attention ---- */
typedef struct attn_job {
    gb_attn_map *maps;
    int n;
    char names[3 * GB_MAX_LAYERS][64];
} attn_job;

static void add_module(attn_job *j, const gb_trace *tr, const char *module, int layer, int head,
                       const seq *q, const seq *k) {
    char name[128];
    snprintf(name, sizeof name, "%s.hook_pattern", module);
    const gb_tensor *t = gb_trace_find(tr, name);
    if (!t) return;
    for (int h = 0; h < t->shape[0]; h++) {
        if (head >= 0 && h != head) continue;
        j->maps[j->n++] = (gb_attn_map){
            .module = module, .layer = layer, .head = h, .n_q = (int)t->shape[1], .n_k = (int)t->shape[2],
            .w = t->data + h * t->stride[0], .row_stride = t->stride[1], .col_stride = t->stride[2],
            .q_tokens = (const char *const *)q->labels, .k_tokens = (const char *const *)k->labels,
            .q_ids = q->ids, .k_ids = k->ids};
    }
}

static char *json_ids(const seq *s) {
    char *buf = NULL;
    size_t len;
    FILE *fp = open_memstream(&buf, &len);
    if (!fp) return NULL;
    fputc('[', fp);
    for (int i = 0; i < s->n; i++) fprintf(fp, "%s%d", i ? "," : "", s->ids[i]);
    fputc(']', fp);
    fclose(fp);
    return buf;
}

static gb_status check_layer_head(const gb_model *m, const exp_args *a, gb_error *err) {
    int L = m->cfg.n_layers > m->cfg.n_enc_layers ? m->cfg.n_layers : m->cfg.n_enc_layers;
    if (a->layer >= L)
        return gb_fail(err, GB_ERR_INPUT, "--layer %d: out of range, this model has %d layers (0..%d)", a->layer,
                       L, L - 1);
    if (a->head >= m->cfg.n_heads)
        return gb_fail(err, GB_ERR_INPUT, "--head %d: out of range, this model has %d heads (0..%d)", a->head,
                       m->cfg.n_heads, m->cfg.n_heads - 1);
    return GB_OK;
}

/* The decoder input of an encoder-decoder: --target, --target-ids, or BOS. */
static gb_status make_target(const gb_words *w, const exp_args *a, seq *tgt, gb_error *err) {
    if (a->target || a->target_ids) return make_seq(w, a->target, a->target_ids, "--target", tgt, err);
    int bos = w->tok ? gb_tokenizer_special(w->tok, GB_SPECIAL_BOS) : -1;
    if (bos < 0)
        return gb_fail(err, GB_ERR_INPUT, "export attention: an encoder-decoder model needs --target TEXT or --target-ids");
    char ids[16];
    snprintf(ids, sizeof ids, "%d", bos);
    return make_seq(w, NULL, ids, "BOS", tgt, err);
}

/* The selected maps in a fixed order: encoder layers, then each decoder layer's
 * self-attention and cross-attention; heads in order within a module. */
static void collect_maps(attn_job *j, const gb_trace *tr, const gb_config *c, const exp_args *a, const seq *src,
                         const seq *tgt) {
    int encdec = c->arch == GB_ARCH_ENCDEC, nm = 0;
    for (int l = 0; encdec && l < c->n_enc_layers; l++)
        if (a->layer < 0 || a->layer == l) {
            snprintf(j->names[nm], 64, "encoder.blocks.%d.attn", l);
            add_module(j, tr, j->names[nm++], l, a->head, src, src);
        }
    const seq *dq = encdec ? tgt : src;
    for (int l = 0; l < c->n_layers; l++)
        if (a->layer < 0 || a->layer == l) {
            snprintf(j->names[nm], 64, "blocks.%d.attn", l);
            add_module(j, tr, j->names[nm++], l, a->head, dq, dq);
            if (encdec) {
                snprintf(j->names[nm], 64, "blocks.%d.cross_attn", l);
                add_module(j, tr, j->names[nm++], l, a->head, tgt, src);
            }
        }
}

/* Write the maps; NPY keeps the [layer, head] structure of a decoder's maps. */
static gb_status write_maps(const gb_words *w, const exp_args *a, const attn_job *j, const seq *src,
                            gb_error *err) {
    const gb_config *c = &w->m->cfg;
    int encdec = c->arch == GB_ARCH_ENCDEC;
    char *ids = json_ids(src);
    gb_kv meta[3] = {{"model", w->m->source ? w->m->source : "(model)"},
                     {"prompt", a->prompt ? a->prompt : a->ids}, {"token_ids", ids ? ids : "[]"}};
    gb_attn_export ex = {.maps = j->maps, .n_maps = j->n, .meta = meta, .n_meta = 3};
    if (!encdec && a->layer < 0 && a->head < 0)
        ex.lead_ndim = 2, ex.lead_shape[0] = c->n_layers, ex.lead_shape[1] = c->n_heads;
    else if (!encdec && (a->layer < 0) != (a->head < 0))
        ex.lead_ndim = 1, ex.lead_shape[0] = j->n;
    gb_status st = gb_export_attention(a->out, &ex, err);
    if (!st)
        fprintf(stderr, "wrote %d attention map%s of %d tokens to %s\n", j->n, j->n == 1 ? "" : "s", src->n, a->out);
    free(ids);
    return st;
}

static gb_status export_attention(const gb_words *w, const exp_args *a, gb_error *err) {
    const gb_config *c = &w->m->cfg;
    int encdec = c->arch == GB_ARCH_ENCDEC;
    if (!a->prompt && !a->ids)
        return gb_fail(err, GB_ERR_INPUT, "export attention: --prompt TEXT or --ids is required");
    gb_status st = check_layer_head(w->m, a, err);
    seq src = {0}, tgt = {0};
    if (!st) st = make_seq(w, a->prompt, a->ids, a->ids ? "--ids" : "--prompt", &src, err);
    if (!st && encdec) st = make_target(w, a, &tgt, err);
    gb_trace *tr = NULL;
    if (!st) st = run_model(w, &src, encdec ? &tgt : NULL, &tr, "*hook_pattern", err);
    attn_job *j = st ? NULL : calloc(1, sizeof *j);
    if (!st && j) j->maps = calloc((size_t)(3 * GB_MAX_LAYERS) * (size_t)c->n_heads, sizeof *j->maps);
    if (!st && (!j || !j->maps)) st = gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    if (!st) collect_maps(j, tr, c, a, &src, &tgt);
    if (!st && j->n == 0) st = gb_fail(err, GB_ERR_INTERNAL, "export attention: nothing was recorded");
    if (!st) st = write_maps(w, a, j, &src, err);
    if (j) free(j->maps);
    free(j);
    gb_trace_free(tr);
    seq_free(&src);
    seq_free(&tgt);
    return st;
}

/* ---- export embeddings ---- */
typedef struct table {
    float *x;            /* [n, d] owned copy, or NULL when rows points into the model */
    const float *rows;
    int n, d;
    char **extra;        /* [n] kind or position strings */
} table;

static void table_free(table *t) {
    for (int i = 0; t->extra && i < t->n; i++) free(t->extra[i]);
    free(t->extra);
    free(t->x);
    memset(t, 0, sizeof *t);
}

/* The prompt's vectors: the token embeddings, or the residual stream after layer L. */
static gb_status prompt_vectors(const gb_words *w, const exp_args *a, const seq *s, table *t, gb_error *err) {
    const gb_config *c = &w->m->cfg;
    int encdec = c->arch == GB_ARCH_ENCDEC, L = encdec ? c->n_enc_layers : c->n_layers;
    if (a->layer >= L)
        return gb_fail(err, GB_ERR_INPUT, "--layer %d: out of range, this model has %d layers (0..%d)", a->layer, L,
                       L - 1);
    char hook[96];
    if (a->layer < 0) snprintf(hook, sizeof hook, "%shook_embed", encdec ? "encoder." : "");
    else snprintf(hook, sizeof hook, "%sblocks.%d.hook_resid_post", encdec ? "encoder." : "", a->layer);
    gb_trace *tr = NULL;
    gb_status st = run_model(w, s, NULL, &tr, hook, err); /* encoder-decoder: the encoder only */
    const gb_tensor *v = tr ? gb_trace_find(tr, hook) : NULL;
    if (!st && !v) st = gb_fail(err, GB_ERR_INTERNAL, "%s was not recorded", hook);
    if (!st) {
        t->n = (int)v->shape[0], t->d = (int)v->shape[1];
        t->x = malloc(sizeof(float) * (size_t)t->n * (size_t)t->d);
        if (!t->x) st = gb_fail(err, GB_ERR_INTERNAL, "out of memory");
        else gb_tensor_copy_contiguous(v, t->x);
        t->rows = t->x;
    }
    gb_trace_free(tr);
    return st;
}

static gb_status project_pca3(const gb_model *m, table *t, char *ratio_json, size_t cap, gb_error *err) {
    gb_pca p;
    gb_status st = gb_pca_fit(&p, m->w.embed, m->cfg.vocab_size, m->cfg.d_model, 3, err);
    if (st) return st;
    float *y = malloc(sizeof(float) * (size_t)t->n * 3);
    if (!y) {
        gb_pca_free(&p);
        return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    }
    gb_pca_project(&p, t->rows, t->n, y);
    snprintf(ratio_json, cap, "[%.6g,%.6g,%.6g]", p.ratio[0], p.ratio[1], p.ratio[2]);
    gb_pca_free(&p);
    free(t->x);
    t->x = y, t->rows = y, t->d = 3;
    return GB_OK;
}

static gb_status export_embeddings(const gb_words *w, const exp_args *a, gb_error *err) {
    const gb_model *m = w->m;
    int with_prompt = a->prompt || a->ids;
    if (a->layer >= 0 && !with_prompt)
        return gb_fail(err, GB_ERR_INPUT, "export embeddings --layer: needs --prompt (the token table has no layers)");
    seq s = {0};
    table t = {0};
    gb_status st = GB_OK;
    if (with_prompt) {
        st = make_seq(w, a->prompt, a->ids, a->ids ? "--ids" : "--prompt", &s, err);
        if (!st) st = prompt_vectors(w, a, &s, &t, err);
    } else {
        t.rows = m->w.embed, t.n = m->cfg.vocab_size, t.d = m->cfg.d_model;
        s.n = t.n;
        s.ids = malloc(sizeof(int) * (size_t)s.n);
        if (!s.ids) st = gb_fail(err, GB_ERR_INTERNAL, "out of memory");
        for (int i = 0; !st && i < s.n; i++) s.ids[i] = i;
        if (!st) st = seq_label(w, &s, err);
    }
    /* a position column for a prompt; a kind column for the token table (needs the tokenizer) */
    t.extra = (st || (!with_prompt && !w->tok)) ? NULL : calloc((size_t)t.n + 1, sizeof *t.extra);
    for (int i = 0; !st && t.extra && i < t.n; i++) {
        char buf[32];
        if (with_prompt) snprintf(buf, sizeof buf, "%d", i);
        t.extra[i] = strdup(with_prompt ? buf : gb_words_kind(w, i));
        if (!t.extra[i]) st = gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    }
    char ratio[96] = "";
    if (!st && a->project) st = project_pca3(m, &t, ratio, sizeof ratio, err);
    if (!st) {
        static const char *const pcs[3] = {"pc1", "pc2", "pc3"};
        char layer[32];
        if (a->layer >= 0) snprintf(layer, sizeof layer, "residual stream after layer %d", a->layer);
        gb_kv meta[4] = {{"model", m->source ? m->source : "(model)"},
                         {"source", with_prompt ? (a->layer >= 0 ? layer : "token embeddings of the prompt")
                                                : "token table (embed.weight)"}};
        int nm = 2;
        if (with_prompt) meta[nm++] = (gb_kv){"prompt", a->prompt ? a->prompt : a->ids};
        if (a->project) meta[nm++] = (gb_kv){"explained_variance_ratio", ratio};
        gb_embed_export e = {.x = t.rows, .n = t.n, .d = t.d, .ids = s.ids, .meta = meta, .n_meta = nm,
                             .tokens = (w->tok || with_prompt) ? (const char *const *)s.labels : NULL,
                             .col_names = a->project ? pcs : NULL, .n_extra = t.extra ? 1 : 0,
                             .extra_names = {with_prompt ? "position" : "kind"},
                             .extra = {(const char *const *)t.extra}};
        st = gb_export_embeddings(a->out, &e, err);
        if (!st) fprintf(stderr, "wrote %d vectors of %d numbers to %s\n", t.n, t.d, a->out);
    }
    table_free(&t);
    seq_free(&s);
    return st;
}

/* ---- export positions ---- */
static gb_status export_positions(const gb_words *w, const exp_args *a, gb_error *err) {
    const gb_model *m = w->m;
    int d = m->cfg.d_model, n = a->length > 0 ? a->length : m->cfg.max_seq;
    if (m->cfg.pos == GB_POS_ROPE || m->cfg.pos == GB_POS_NONE)
        return gb_fail(err, GB_ERR_INPUT, "%s: this model uses %s positions: no vector is added to export",
                       m->source ? m->source : "model", gb_pos_name(m->cfg.pos));
    if (m->cfg.pos == GB_POS_LEARNED && n > m->cfg.max_seq)
        return gb_fail(err, GB_ERR_INPUT, "--length %d: learned positions exist only for 0..%d", n, m->cfg.max_seq - 1);
    float *x = malloc(sizeof(float) * (size_t)n * (size_t)d);
    if (!x) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    for (int p = 0; p < n; p++) gb_position_encoding(m, p, x + (size_t)p * d);
    gb_kv meta[2] = {{"model", m->source ? m->source : "(model)"}, {"encoding", gb_pos_name(m->cfg.pos)}};
    gb_embed_export e = {.x = x, .n = n, .d = d, .id_name = "position", .meta = meta, .n_meta = 2};
    gb_status st = gb_export_embeddings(a->out, &e, err);
    if (!st) fprintf(stderr, "wrote %d %s positions of %d numbers to %s\n", n, gb_pos_name(m->cfg.pos), d, a->out);
    free(x);
    return st;
}

int gb_cmd_export(int argc, char **argv) {
    gb_error err = {0};
    const char *what = argc > 1 ? argv[1] : "";
    if (strcmp(what, "distribution") == 0) return gb_export_distribution(argc - 1, argv + 1);
    if (strcmp(what, "attention") && strcmp(what, "embeddings") && strcmp(what, "positions")) {
        if (gb_cli_help_mode()) return 0; /* `export --help`: the usage printed is the answer */
        if (!*what)
            gb_fail(&err, GB_ERR_INPUT, "export: say what to export: attention, embeddings, positions or distribution");
        else gb_fail(&err, GB_ERR_INPUT, "export: '%s' is not attention, embeddings, positions or distribution", what);
        return gb_cli_error(&err);
    }
    char cmd[32];
    snprintf(cmd, sizeof cmd, "export %s", what);
    exp_args a;
    if (parse_args(cmd, argc - 1, argv + 1, &a, &err)) return gb_cli_error(&err);
    gb_words w;
    if (gb_words_open(&w, a.model, a.tok, 0, &err)) return gb_cli_error(&err);
    gb_status st;
    if (what[0] == 'a') st = export_attention(&w, &a, &err);
    else if (what[0] == 'e') st = export_embeddings(&w, &a, &err);
    else st = export_positions(&w, &a, &err);
    gb_words_close(&w);
    return st ? gb_cli_error(&err) : 0;
}
