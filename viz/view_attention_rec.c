/* view_attention_rec.c - the recording behind the attention, lens and
 * intervention views (see view_attention.h): forward passes with and without
 * interventions, attention matrices out of the trace, the arithmetic of one
 * cell, the logit lens. No cairo here. */
#include "view_attention.h"

#include "glassbox/tokenizer.h"
#include "text.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the views read: q, k, scores and patterns of every attention, the
 * residual stream for the lens, and the outputs. */
static const char *const REC_PATTERNS =
    "*attn.hook_q,*attn.hook_k,*attn.hook_attn_scores,*attn.hook_pattern,"
    "blocks.*.hook_resid_post,blocks.0.hook_resid_pre,logits,class_logits";

void gb_att_input_free(gb_att_input *in) {
    free(in->ids);
    free(in->src);
    in->ids = in->src = NULL;
    in->n = in->n_src = 0;
}

static int *dup_ids(const int *ids, int n) {
    if (n <= 0) return NULL;
    int *d = malloc((size_t)n * sizeof *d);
    if (d) memcpy(d, ids, (size_t)n * sizeof *d);
    return d;
}

gb_status gb_att_input_copy(gb_att_input *dst, const gb_att_input *src, gb_error *err) {
    *dst = *src;
    dst->ids = dup_ids(src->ids, src->n);
    dst->src = dup_ids(src->src, src->n_src);
    if ((src->n > 0 && !dst->ids) || (src->n_src > 0 && !dst->src)) {
        gb_att_input_free(dst);
        return gb_fail(err, GB_ERR_INTERNAL, "attention: out of memory");
    }
    return GB_OK;
}

bool gb_att_input_has_iv(const gb_att_input *in) { return in->n_off > 0 || in->no_pos; }

static gb_status check_ids(const gb_model *m, const int *ids, int n, const char *what, gb_error *err) {
    if (n > m->cfg.max_seq || n > GB_ATT_MAX_TOKENS)
        return gb_fail(err, GB_ERR_INPUT, "%s: %d tokens, more than the model's context of %d", what, n,
                       m->cfg.max_seq < GB_ATT_MAX_TOKENS ? m->cfg.max_seq : GB_ATT_MAX_TOKENS);
    for (int i = 0; i < n; i++)
        if (ids[i] < 0 || ids[i] >= m->cfg.vocab_size)
            return gb_fail(err, GB_ERR_INPUT, "%s: token id %d at position %d is outside the vocabulary (0..%d)",
                           what, ids[i], i, m->cfg.vocab_size - 1);
    return GB_OK;
}

static void softmax_rows(const float *x, float *out, int rows, int n) {
    for (int r = 0; r < rows; r++) {
        const float *a = x + (size_t)r * n;
        float *o = out + (size_t)r * n;
        double mx = -INFINITY, sum = 0;
        for (int i = 0; i < n; i++) mx = fmax(mx, a[i]);
        for (int i = 0; i < n; i++) sum += (o[i] = (float)exp(a[i] - mx));
        for (int i = 0; i < n; i++) o[i] = (float)(o[i] / sum);
    }
}

static void pass_free(gb_att_pass *p) {
    gb_trace_free(p->tr);
    free(p->probs);
    free(p->class_probs);
    memset(p, 0, sizeof *p);
}

static gb_status run_pass(gb_att_pass *p, const gb_model *m, const gb_att_input *in, bool edit, gb_error *err) {
    gb_intervention iv[GB_ATT_MAX_IV + 1];
    int n_iv = 0;
    if (edit) {
        for (int i = 0; i < in->n_off && i < GB_ATT_MAX_IV; i++)
            iv[n_iv++] = (gb_intervention){.kind = GB_IV_HEAD_SCALE, .layer = in->off[i].layer,
                                           .head = in->off[i].head, .value = 0,
                                           .stack = in->off[i].kind == GB_ATT_ENCODER ? GB_STACK_ENCODER : GB_STACK_OUTPUT,
                                           .cross = in->off[i].kind == GB_ATT_CROSS};
        if (in->no_pos) iv[n_iv++] = (gb_intervention){.kind = GB_IV_POS_SCALE, .value = 0};
    }
    int cap = in->n > in->n_src ? in->n : in->n_src;
    p->tr = gb_trace_new(REC_PATTERNS, cap, err);
    if (!p->tr) return err->status;
    gb_state *st = gb_state_new(m, cap, err);
    if (!st) return err->status;
    gb_run_opts o = {.trace = p->tr, .iv = n_iv ? iv : NULL, .n_iv = n_iv};
    gb_status s = GB_OK;
    if (m->cfg.arch == GB_ARCH_ENCODER) s = gb_forward_encoder(m, st, in->ids, in->n, &o, err);
    else {
        if (m->cfg.arch == GB_ARCH_ENCDEC) s = gb_forward_encoder(m, st, in->src, in->n_src, &o, err);
        if (!s) s = gb_forward_decoder(m, st, in->ids, in->n, 0, &o, err);
    }
    gb_state_free(st);
    if (s) return s;
    const gb_tensor *lg = gb_trace_find(p->tr, "logits");
    if (lg && lg->ndim == 2) {
        int rows = (int)lg->shape[0], V = (int)lg->shape[1];
        float *tmp = malloc((size_t)rows * V * sizeof(float));
        p->probs = malloc((size_t)rows * V * sizeof(float));
        if (!tmp || !p->probs) {
            free(tmp);
            return gb_fail(err, GB_ERR_INTERNAL, "attention: out of memory");
        }
        gb_tensor_copy_contiguous(lg, tmp);
        softmax_rows(tmp, p->probs, rows, V);
        free(tmp);
    }
    const gb_tensor *cl = gb_trace_find(p->tr, "class_logits");
    if (cl && cl->ndim == 1 && cl->shape[0] > 0) {
        int C = (int)cl->shape[0];
        float tmp[GB_MAX_CLASSES];
        p->class_probs = malloc((size_t)C * sizeof(float));
        if (!p->class_probs || C > GB_MAX_CLASSES) return gb_fail(err, GB_ERR_INTERNAL, "attention: out of memory");
        gb_tensor_copy_contiguous(cl, tmp);
        softmax_rows(tmp, p->class_probs, 1, C);
    }
    return GB_OK;
}

gb_status gb_att_rec_compute(gb_att_rec *rec, const gb_model *m, const gb_att_input *in, gb_error *err) {
    memset(rec, 0, sizeof *rec);
    rec->model = m;
    if (in->n < 1) return gb_fail(err, GB_ERR_INPUT, "attention: no tokens to show");
    if (m->cfg.arch == GB_ARCH_ENCDEC && in->n_src < 1)
        return gb_fail(err, GB_ERR_INPUT, "attention: an encoder-decoder model needs source tokens");
    if (check_ids(m, in->ids, in->n, m->cfg.arch == GB_ARCH_ENCDEC ? "target" : "tokens", err) ||
        check_ids(m, in->src, in->n_src, "source", err))
        return err->status;
    gb_status s = gb_att_input_copy(&rec->in, in, err);
    if (!s) s = run_pass(&rec->clean, m, &rec->in, false, err);
    if (!s && gb_att_input_has_iv(in)) s = run_pass(&rec->edited, m, &rec->in, true, err);
    if (s) gb_att_rec_free(rec);
    return s;
}

void gb_att_rec_free(gb_att_rec *rec) {
    pass_free(&rec->clean);
    pass_free(&rec->edited);
    gb_att_input_free(&rec->in);
    rec->model = NULL;
}

const gb_att_pass *gb_att_rec_current(const gb_att_rec *rec) {
    return rec->edited.tr ? &rec->edited : &rec->clean;
}

/* ---- reading the recording ---- */

int gb_att_layers(const gb_model *m, gb_att_kind k) {
    if (!m) return 0;
    switch (k) {
    case GB_ATT_SELF: return m->cfg.n_layers;
    case GB_ATT_ENCODER: return m->cfg.arch == GB_ARCH_ENCDEC ? m->cfg.n_enc_layers : 0;
    case GB_ATT_CROSS: return m->cfg.arch == GB_ARCH_ENCDEC ? m->cfg.n_layers : 0;
    }
    return 0;
}

void gb_att_dims(const gb_att_rec *rec, gb_att_kind k, int step, int *rows, int *cols) {
    int n = step > 0 && step < rec->in.n ? step : rec->in.n;
    switch (k) {
    case GB_ATT_SELF: /* an encoder-only model sees all its tokens at once */
        *rows = *cols = rec->model && rec->model->cfg.arch == GB_ARCH_ENCODER ? rec->in.n : n;
        return;
    case GB_ATT_ENCODER: *rows = *cols = rec->in.n_src; return;
    case GB_ATT_CROSS: *rows = n, *cols = rec->in.n_src; return;
    }
}

void gb_att_name(gb_att_kind k, int layer, const char *hook, char *buf, size_t cap) {
    snprintf(buf, cap, "%sblocks.%d.%s.%s", k == GB_ATT_ENCODER ? "encoder." : "", layer,
             k == GB_ATT_CROSS ? "cross_attn" : "attn", hook);
}

static const gb_tensor *find(const gb_att_pass *p, gb_att_kind k, int layer, const char *hook) {
    if (!p || !p->tr) return NULL;
    char name[128];
    gb_att_name(k, layer, hook, name, sizeof name);
    return gb_trace_find(p->tr, name);
}

bool gb_att_matrix(const gb_att_pass *p, gb_att_kind k, int layer, int head, bool scores, int rows,
                   int cols, float *out) {
    const gb_tensor *t = find(p, k, layer, scores ? "hook_attn_scores" : "hook_pattern");
    if (!t || t->ndim != 3 || rows > t->shape[1] || cols > t->shape[2] || head >= t->shape[0]) return false;
    int H = (int)t->shape[0];
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) {
            if (head >= 0) {
                out[(size_t)i * cols + j] = gb_tensor_at3(t, head, i, j);
                continue;
            }
            double s = 0;
            for (int h = 0; h < H; h++) s += gb_tensor_at3(t, h, i, j);
            out[(size_t)i * cols + j] = (float)(s / H); /* -inf stays -inf for masked scores */
        }
    return true;
}

bool gb_att_cell_math(const gb_att_pass *p, const gb_model *m, gb_att_kind kind, int layer, int head,
                      int q, int k, gb_att_cell *c) {
    memset(c, 0, sizeof *c);
    const gb_tensor *tq = find(p, kind, layer, "hook_q"), *tk = find(p, kind, layer, "hook_k");
    const gb_tensor *ts = find(p, kind, layer, "hook_attn_scores"), *tp = find(p, kind, layer, "hook_pattern");
    if (!m || !tq || !tk || !ts || !tp || tq->ndim != 3 || tk->ndim != 3) return false;
    int H = (int)tq->shape[1], Hkv = (int)tk->shape[1], dh = (int)tq->shape[2];
    int nq = (int)ts->shape[1], nk = (int)ts->shape[2];
    if (head < 0 || head >= H || q < 0 || q >= nq || k < 0 || k >= nk || dh > 1024 || nk > GB_ATT_MAX_TOKENS)
        return false;
    c->dh = dh;
    c->kv_head = head / (H / Hkv);
    for (int i = 0; i < dh; i++) c->qv[i] = gb_tensor_at3(tq, q, head, i);
    c->scale = 1.0 / sqrt((double)dh);
    c->n_keys = nk;
    double mx = -INFINITY;
    for (int j = 0; j < nk; j++) {
        bool masked = isinf(gb_tensor_at3(ts, head, q, j)); /* the mask the pass applied */
        double dot = 0;
        for (int i = 0; i < dh; i++) dot += (double)c->qv[i] * gb_tensor_at3(tk, j, c->kv_head, i);
        c->row_score[j] = masked ? -INFINITY : (float)(dot * c->scale);
        if (j == k) c->dot = dot, c->masked = masked;
        mx = fmax(mx, c->row_score[j]);
    }
    double sum = 0;
    for (int j = 0; j < nk; j++) sum += isinf(c->row_score[j]) ? 0 : exp(c->row_score[j] - mx);
    for (int j = 0; j < nk; j++)
        c->row_prob[j] = isinf(c->row_score[j]) ? 0.0f : (float)(exp(c->row_score[j] - mx) / sum);
    for (int i = 0; i < dh; i++) c->kv[i] = gb_tensor_at3(tk, k, c->kv_head, i);
    c->score = c->masked ? -INFINITY : c->dot * c->scale;
    c->rec_score = gb_tensor_at3(ts, head, q, k);
    c->rec_prob = gb_tensor_at3(tp, head, q, k);
    return true;
}

/* ---- logit lens ---- */

static void top_k(const float *p, int V, int k, int *ids) {
    for (int i = 0; i < k; i++) ids[i] = -1;
    for (int v = 0; v < V; v++) {
        int pos = k;
        while (pos > 0 && (ids[pos - 1] < 0 || p[v] > p[ids[pos - 1]])) pos--;
        if (pos >= k) continue;
        memmove(ids + pos + 1, ids + pos, (size_t)(k - pos - 1) * sizeof *ids);
        ids[pos] = v;
    }
}

/* The lens distribution after layer l (l = -1: the embedding, before any
 * block) at position pos, into pr [V]. */
static bool lens_row(const gb_att_pass *p, const gb_model *m, int l, int pos, float *x, float *lg, float *pr) {
    char name[96];
    if (l < 0) snprintf(name, sizeof name, "blocks.0.hook_resid_pre");
    else snprintf(name, sizeof name, "blocks.%d.hook_resid_post", l);
    const gb_tensor *t = gb_trace_find(p->tr, name);
    if (!t || t->ndim != 2 || pos < 0 || pos >= t->shape[0]) return false;
    for (int i = 0; i < m->cfg.d_model; i++) x[i] = gb_tensor_at2(t, pos, i);
    gb_logit_lens(m, x, lg);
    softmax_rows(lg, pr, 1, m->cfg.vocab_size);
    return true;
}

int gb_att_lens(const gb_att_pass *p, const gb_model *m, int pos, int k, int *ids, bool fill_ids,
                float *probs, int *top_id, float *top_prob, int cap_rows) {
    if (!p || !p->tr || !m || m->cfg.arch == GB_ARCH_ENCODER) return 0;
    int L = m->cfg.n_layers, V = m->cfg.vocab_size;
    if (cap_rows < L + 1 || k > V || k < 1) return 0;
    float *x = malloc((size_t)m->cfg.d_model * sizeof(float)), *lg = malloc((size_t)V * sizeof(float)),
          *pr = malloc((size_t)V * sizeof(float));
    int rows = 0;
    bool ok = x && lg && pr;
    if (ok && fill_ids) { /* the columns: the final prediction's top k */
        ok = lens_row(p, m, L - 1, pos, x, lg, pr);
        if (ok) top_k(pr, V, k, ids);
    }
    for (int l = -1; ok && l < L; l++, rows++) {
        ok = lens_row(p, m, l, pos, x, lg, pr);
        if (!ok) break;
        int best = 0;
        for (int v = 1; v < V; v++)
            if (pr[v] > pr[best]) best = v;
        top_id[rows] = best, top_prob[rows] = pr[best];
        for (int j = 0; j < k; j++) probs[(size_t)rows * k + j] = ids[j] >= 0 ? pr[ids[j]] : 0;
    }
    free(x), free(lg), free(pr);
    return ok ? rows : 0;
}

/* ---- ids ---- */

bool gb_att_parse_ids(const char *s, int **ids, int *n, char *why, size_t cap) {
    *ids = NULL, *n = 0;
    int count = 0, capn = 16;
    int *out = malloc((size_t)capn * sizeof *out);
    if (!out) return snprintf(why, cap, "out of memory"), false;
    const char *p = s;
    for (;;) {
        while (*p == ' ' || *p == ',' || *p == '\t') p++;
        if (!*p) break;
        if (!isdigit((unsigned char)*p)) {
            snprintf(why, cap, "'%.20s' is not a token id (ids are whole numbers, e.g. 1,2,3)", p);
            free(out);
            return false;
        }
        errno = 0;
        char *end;
        long v = strtol(p, &end, 10);
        if (errno || v > 100000000L || (*end && *end != ',' && *end != ' ' && *end != '\t')) {
            snprintf(why, cap, "'%.20s' is not a token id", p);
            free(out);
            return false;
        }
        if (count == GB_ATT_MAX_TOKENS) {
            snprintf(why, cap, "more than %d token ids", GB_ATT_MAX_TOKENS);
            free(out);
            return false;
        }
        if (count == capn) {
            int *g = realloc(out, (size_t)(capn *= 2) * sizeof *out);
            if (!g) return free(out), snprintf(why, cap, "out of memory"), false;
            out = g;
        }
        out[count++] = (int)v;
        p = end;
    }
    if (!count) {
        free(out);
        snprintf(why, cap, "no token ids given");
        return false;
    }
    *ids = out, *n = count;
    return true;
}

/* ---- tokens ---- */

void gb_att_tokens_open(gb_att_tokens *t, const char *path, const gb_model *m) {
    const char *want = path ? path : m ? m->tokenizer_ref : NULL;
    if (!want) {
        gb_att_tokens_close(t);
        return;
    }
    if ((t->tok || t->error[0]) && strcmp(t->path, want) == 0) return;
    gb_att_tokens_close(t);
    snprintf(t->path, sizeof t->path, "%s", want);
    gb_error err = {0};
    if (gb_tokenizer_load(want, &t->tok, &err)) {
        t->tok = NULL;
        snprintf(t->error, sizeof t->error, "%s", err.msg);
    }
}

void gb_att_tokens_close(gb_att_tokens *t) {
    if (t->tok) gb_tokenizer_free(t->tok);
    memset(t, 0, sizeof *t);
}

bool gb_att_tokens_ids(const gb_att_tokens *t, const char *arg, const char *prompt, int **ids, int *n,
                       gb_att_source *src, char *why, size_t cap) {
    *ids = NULL, *n = 0;
    if (arg) {
        *src = GB_ATT_FROM_IDS;
        return gb_att_parse_ids(arg, ids, n, why, cap);
    }
    if (!prompt || !*prompt) {
        *src = GB_ATT_FROM_BYTES;
        snprintf(why, cap, "Type a prompt (or token ids such as 1, 2, 3) to see inside the model");
        return false;
    }
    char tmp[8];
    if (gb_att_parse_ids(prompt, ids, n, tmp, sizeof tmp)) return *src = GB_ATT_FROM_PROMPT_IDS, true;
    size_t len = strlen(prompt);
    if (t && t->tok) {
        *src = GB_ATT_FROM_TOKENIZER;
        gb_error err = {0};
        if (gb_tokenizer_encode(t->tok, prompt, len, true, ids, n, NULL, &err)) {
            snprintf(why, cap, "%s", err.msg);
            return false;
        }
        if (*n > GB_ATT_MAX_TOKENS) *n = GB_ATT_MAX_TOKENS;
        if (*n == 0) {
            free(*ids), *ids = NULL;
            snprintf(why, cap, "The prompt gives no tokens");
            return false;
        }
        return true;
    }
    if (len > GB_ATT_MAX_TOKENS) len = GB_ATT_MAX_TOKENS;
    *ids = malloc(len * sizeof **ids);
    if (!*ids) return snprintf(why, cap, "out of memory"), false;
    for (size_t i = 0; i < len; i++) (*ids)[i] = (unsigned char)prompt[i];
    *n = (int)len;
    *src = GB_ATT_FROM_BYTES;
    return true;
}

void gb_att_label(const gb_att_tokens *t, gb_att_source src, int id, char *buf, size_t cap) {
    if (t && t->tok && id >= 0 && id < gb_tokenizer_vocab_size(t->tok)) {
        gb_tokenizer_label(t->tok, id, buf, cap);
    } else if (src == GB_ATT_FROM_BYTES && id >= 0 && id < 256) {
        char c = (char)id;
        gb_text_sanitize(&c, 1, buf, cap, GB_TEXT_SHOW_SPACE);
    } else {
        snprintf(buf, cap, "#%d", id);
    }
}

const char *gb_att_source_text(gb_att_source src) {
    switch (src) {
    case GB_ATT_FROM_IDS: return "token ids";
    case GB_ATT_FROM_PROMPT_IDS: return "token ids typed as the prompt";
    case GB_ATT_FROM_TOKENIZER: return "tokens";
    case GB_ATT_FROM_BYTES: return "tokens, one per byte of the prompt (no tokenizer: id = byte)";
    }
    return "tokens";
}
