/* cmd_eval.c - `glassbox eval --model M [--data FILE]`: metrics of a trained
 * model on held-out data, one `name: value` line each on stdout.
 *
 *   decoder          valid_loss, perplexity, next_token_accuracy (top-1)
 *   encoder-decoder  exact_match (greedy decoding from <s> to </s>), valid_loss
 *   encoder          accuracy, and accuracy_negation on sentences with a
 *                    negation word (not, n't, never, no, nothing, nobody)
 * The data defaults to the file the model's metadata names
 * ("glassbox.eval_data", relative to the model file), which the bundled
 * models carry.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "glassbox/forward.h"
#include "glassbox/model.h"
#include "glassbox/tasks.h"
#include "glassbox/tokenizer.h"
#include "glassbox/train.h"

typedef struct eval_ctx {
    gb_model *m;
    gb_tokenizer *tok;
    gb_task task;
    gb_task_text text;
    gb_train_data data;
    char labels[GB_MAX_CLASSES][GB_MAX_LABEL];
} eval_ctx;

static char *meta_get(const gb_model *m, const char *key) {
    json_t *o = m->metadata_json ? json_loads(m->metadata_json, 0, NULL) : NULL;
    json_t *v = json_object_get(o, key);
    char *s = NULL;
    if (json_is_string(v)) {
        s = malloc(strlen(json_string_value(v)) + 1);
        if (s) strcpy(s, json_string_value(v));
    }
    json_decref(o);
    return s;
}

/* The eval data path: --data, else the metadata's, relative to the model's folder. */
static char *data_path(const eval_ctx *c, const char *given, gb_error *err) {
    if (given) {
        char *s = malloc(strlen(given) + 1);
        if (s) strcpy(s, given);
        return s;
    }
    char *rel = meta_get(c->m, "glassbox.eval_data");
    if (!rel) {
        gb_fail(err, GB_ERR_INPUT, "%s: the model names no evaluation data; pass --data FILE", c->m->source);
        return NULL;
    }
    const char *src = c->m->source ? c->m->source : "";
    const char *slash = strrchr(src, '/');
    size_t dl = slash ? (size_t)(slash - src + 1) : 0, n = dl + strlen(rel) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, src, dl), snprintf(p + dl, n - dl, "%s", rel);
    free(rel);
    return p;
}

/* ---- decoder: loss, perplexity, top-1 ---- */

static gb_status eval_lm(eval_ctx *c, gb_error *err) {
    int T = c->m->cfg.max_seq < 64 ? c->m->cfg.max_seq : 64, B = 16;
    gb_trainer *tr = NULL;
    gb_batcher bt;
    gb_status st = gb_trainer_new(c->m, B, T, 0, &tr, err);
    if (!st) st = gb_batcher_init(&bt, B, T, 0, err);
    if (st) return gb_trainer_free(tr), st;
    double sum = 0;
    long n = 0, correct = 0;
    const gb_batch *b;
    for (int k = 0; !st && (b = gb_batch_eval(&bt, &c->data, B, k)); k++) {
        double l;
        st = gb_train_loss(tr, b, &l, err);
        int rows, V;
        const float *lg = gb_trainer_logits(tr, &rows, &V);
        for (int i = 0; !st && i < rows; i++) {
            int best = 0;
            for (int j = 1; j < V; j++) best = lg[(size_t)i * V + j] > lg[(size_t)i * V + best] ? j : best;
            correct += best == b->targets[i];
        }
        sum += l * gb_trainer_n_targets(tr), n += gb_trainer_n_targets(tr);
    }
    if (!st && n == 0) st = gb_fail(err, GB_ERR_INPUT, "the evaluation data is shorter than one window of %d tokens", T + 1);
    if (!st) {
        printf("valid_loss: %.4f\nperplexity: %.3f\nnext_token_accuracy: %.4f\ntokens: %ld\n", sum / n, exp(sum / n),
               (double)correct / n, n);
    }
    gb_batcher_free(&bt);
    gb_trainer_free(tr);
    return st;
}

/* ---- encoder-decoder: greedy decoding ---- */

static gb_status eval_translate(eval_ctx *c, gb_error *err) {
    const gb_model *m = c->m;
    int bos = gb_tokenizer_special(c->tok, GB_SPECIAL_BOS), eos = gb_tokenizer_special(c->tok, GB_SPECIAL_EOS);
    int *out = malloc((size_t)m->cfg.max_seq * sizeof(int)), exact = 0, total = 0;
    gb_status s = out ? GB_OK : gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    for (int i = 0; !s && i < c->data.n_ex; i++) {
        int ns = c->data.src_len[i] < m->cfg.max_seq ? c->data.src_len[i] : m->cfg.max_seq;
        gb_translation t;
        s = gb_translate_greedy(m, c->data.src[i], ns, bos, eos, m->cfg.max_seq - 1, 0, &t, err);
        int n = s ? 0 : gb_translation_words(&t, out, m->cfg.max_seq);
        gb_translation_free(&t);
        /* reference: tgt = <s> words </s> */
        int nref = c->data.tgt_len[i] - 2;
        exact += !s && n == nref && memcmp(out, c->data.tgt[i] + 1, (size_t)n * sizeof(int)) == 0;
        total++;
    }
    if (!s) printf("exact_match: %.4f\nsentences: %d\n", (double)exact / total, total);
    free(out);
    return s;
}

/* ---- encoder: classification accuracy ---- */

static gb_status eval_classify(eval_ctx *c, gb_error *err) {
    const gb_model *m = c->m;
    int ok = 0, total = 0, neg_ok = 0, neg_total = 0;
    gb_status s = GB_OK;
    for (int i = 0; !s && i < c->data.n_ex; i++) {
        int n = c->data.src_len[i] < m->cfg.max_seq ? c->data.src_len[i] : m->cfg.max_seq;
        gb_classification r;
        s = gb_classify(m, c->data.src[i], n, &r, err);
        if (s) break;
        int right = r.best == c->data.label[i], neg = gb_has_negation(c->text.a[i]);
        gb_classification_free(&r);
        ok += right, total++;
        neg_ok += neg && right, neg_total += neg;
    }
    if (!s) {
        printf("accuracy: %.4f\nsentences: %d\n", (double)ok / total, total);
        if (neg_total) printf("accuracy_negation: %.4f\nnegation_sentences: %d\n", (double)neg_ok / neg_total, neg_total);
    }
    return s;
}

static gb_status run_eval(eval_ctx *c, const char *model, const char *data, gb_error *err) {
    gb_status st = gb_model_load(model, &c->m, err);
    if (st) return st;
    if (!c->m->tokenizer_ref) return gb_fail(err, GB_ERR_INPUT, "%s: the model names no tokenizer", model);
    st = gb_tokenizer_load(c->m->tokenizer_ref, &c->tok, err);
    if (st) return st;
    gb_arch a = c->m->cfg.arch;
    c->task = a == GB_ARCH_DECODER ? GB_TASK_LM : a == GB_ARCH_ENCDEC ? GB_TASK_TRANSLATE : GB_TASK_CLASSIFY;
    char *path = data_path(c, data, err);
    if (!path) return err->status ? err->status : GB_ERR_INTERNAL;
    st = gb_task_text_read(path, c->task, &c->text, err);
    free(path);
    for (int i = 0; i < c->m->cfg.n_classes; i++) memcpy(c->labels[i], c->m->cfg.class_labels[i], GB_MAX_LABEL);
    if (!st) st = gb_task_text_encode(&c->text, c->tok, c->labels, c->m->cfg.n_classes, -1, &c->data, err);
    if (st) return st;
    if (c->task == GB_TASK_LM) return eval_lm(c, err);
    if (c->task == GB_TASK_TRANSLATE) return eval_translate(c, err);
    return eval_classify(c, err);
}

int gb_cmd_eval(int argc, char **argv) {
    const char *model = NULL, *data = NULL;
    gb_opt opts[] = {
        {"--model", NULL, GB_OPT_STR, &model, 1, 0, "M  model: bundled name or .safetensors", false},
        {"--data", NULL, GB_OPT_STR, &data, 1, 0, "FILE  held-out data (default: the file the model names)", false},
    };
    int n_pos;
    gb_error err = {0};
    if (gb_parse_opts("eval", argc, argv, opts, 2, NULL, 0, &n_pos, &err)) return gb_cli_error(&err);
    if (!model) {
        gb_fail(&err, GB_ERR_INPUT, "eval: --model M is required");
        return gb_cli_error(&err);
    }
    eval_ctx c;
    memset(&c, 0, sizeof c);
    gb_status st = run_eval(&c, model, data, &err);
    gb_train_data_free(&c.data);
    gb_task_text_free(&c.text);
    gb_tokenizer_free(c.tok);
    gb_model_free(c.m);
    return st ? gb_cli_error(&err) : 0;
}
