/* train_data.c - training data as ids, and batches drawn from it.
 *
 * LM data is one id stream; a batch row is a random window of T+1 ids
 * (inputs = the first T, targets = the last T). Translation and classification
 * data are examples; a batch is B random examples padded to the longest one
 * (targets GB_IGNORE, encoder keys masked by length). All randomness comes from
 * the trainer's generator, so a checkpoint that stores it resumes the same
 * sequence of batches.
 */
#include <stdlib.h>
#include <string.h>

#include "train_internal.h"

void gb_train_data_init(gb_train_data *d, gb_task task) {
    memset(d, 0, sizeof *d);
    d->task = task;
}

void gb_train_data_free(gb_train_data *d) {
    free(d->stream);
    for (int i = 0; i < d->n_ex; i++) {
        free(d->src[i]);
        if (d->tgt) free(d->tgt[i]);
    }
    free(d->src), free(d->src_len), free(d->tgt), free(d->tgt_len), free(d->label);
    memset(d, 0, sizeof *d);
}

gb_status gb_train_data_append(gb_train_data *d, const int *ids, size_t n, gb_error *err) {
    if (n == 0) return GB_OK; /* a line of no tokens: nothing to copy (and stream may still be NULL) */
    if (d->n_stream + n > d->cap_stream) {
        size_t cap = (d->n_stream + n) * 2 + 1024;
        int *s = realloc(d->stream, cap * sizeof *s);
        if (!s) return gb_fail(err, GB_ERR_INTERNAL, "out of memory for %zu token ids", cap);
        d->stream = s, d->cap_stream = cap;
    }
    memcpy(d->stream + d->n_stream, ids, n * sizeof *ids);
    d->n_stream += n;
    return GB_OK;
}

static int *dup_ids(const int *ids, int n) {
    int *c = malloc((size_t)(n > 0 ? n : 1) * sizeof *c);
    if (c && n > 0) memcpy(c, ids, (size_t)n * sizeof *c);
    return c;
}

static int grow(void **p, size_t elem, int cap) {
    void *q = realloc(*p, elem * (size_t)cap);
    if (!q) return 0;
    *p = q;
    return 1;
}

gb_status gb_train_data_add(gb_train_data *d, const int *src, int n_src, const int *tgt, int n_tgt, int label,
                            gb_error *err) {
    if (n_src < 1) return gb_fail(err, GB_ERR_INPUT, "an example has no source tokens");
    if (d->task == GB_TASK_TRANSLATE && n_tgt < 2)
        return gb_fail(err, GB_ERR_INPUT, "a translation target needs at least a start and an end token");
    if (d->n_ex == d->cap_ex) {
        int cap = d->cap_ex * 2 + 256;
        if (!grow((void **)&d->src, sizeof *d->src, cap) || !grow((void **)&d->src_len, sizeof(int), cap) ||
            !grow((void **)&d->tgt, sizeof *d->tgt, cap) || !grow((void **)&d->tgt_len, sizeof(int), cap) ||
            !grow((void **)&d->label, sizeof(int), cap))
            return gb_fail(err, GB_ERR_INTERNAL, "out of memory for %d examples", cap);
        d->cap_ex = cap;
    }
    int i = d->n_ex;
    d->src[i] = dup_ids(src, n_src);
    d->tgt[i] = d->task == GB_TASK_TRANSLATE ? dup_ids(tgt, n_tgt) : NULL;
    if (!d->src[i] || (d->task == GB_TASK_TRANSLATE && !d->tgt[i])) {
        free(d->src[i]), free(d->tgt[i]);
        return gb_fail(err, GB_ERR_INTERNAL, "out of memory for an example");
    }
    d->src_len[i] = n_src;
    d->tgt_len[i] = d->task == GB_TASK_TRANSLATE ? n_tgt : 0;
    d->label[i] = label;
    d->n_ex++;
    if (n_src > d->max_src) d->max_src = n_src;
    if (d->tgt_len[i] > d->max_tgt) d->max_tgt = d->tgt_len[i];
    return GB_OK;
}

gb_status gb_batcher_init(gb_batcher *bt, int max_B, int T, int Ts, gb_error *err) {
    memset(bt, 0, sizeof *bt);
    bt->max_B = max_B, bt->T = T, bt->Ts = Ts > 0 ? Ts : 1;
    size_t n = (size_t)max_B * T, ns = (size_t)max_B * bt->Ts;
    bt->tokens = calloc(n, sizeof(int)), bt->targets = calloc(n, sizeof(int));
    bt->lens = calloc((size_t)max_B, sizeof(int)), bt->labels = calloc((size_t)max_B, sizeof(int));
    bt->src = calloc(ns, sizeof(int)), bt->src_lens = calloc((size_t)max_B, sizeof(int));
    if (!bt->tokens || !bt->targets || !bt->lens || !bt->labels || !bt->src || !bt->src_lens) {
        gb_batcher_free(bt);
        return gb_fail(err, GB_ERR_INTERNAL, "out of memory for batches");
    }
    return GB_OK;
}

void gb_batcher_free(gb_batcher *bt) {
    free(bt->tokens), free(bt->targets), free(bt->lens), free(bt->labels), free(bt->src), free(bt->src_lens);
    memset(bt, 0, sizeof *bt);
}

/* LM row r from the window starting at off. */
static void lm_row(gb_batcher *bt, const gb_train_data *d, int r, size_t off) {
    int T = bt->T;
    for (int i = 0; i < T; i++) {
        bt->tokens[r * T + i] = d->stream[off + i];
        bt->targets[r * T + i] = d->stream[off + i + 1];
    }
}

/* Example rows: fill rows 0..B-1 from examples ex[0..B-1], padded. */
static void example_rows(gb_batcher *bt, const gb_train_data *d, const int *ex, int B) {
    int T = 1, Ts = 1;
    for (int r = 0; r < B; r++) {
        int e = ex[r];
        int ls = d->src_len[e] < (d->task == GB_TASK_TRANSLATE ? bt->Ts : bt->T) ? d->src_len[e]
                 : (d->task == GB_TASK_TRANSLATE ? bt->Ts : bt->T);
        int lt = d->task == GB_TASK_TRANSLATE ? (d->tgt_len[e] - 1 < bt->T ? d->tgt_len[e] - 1 : bt->T) : 0;
        if (d->task == GB_TASK_TRANSLATE) Ts = ls > Ts ? ls : Ts, T = lt > T ? lt : T;
        else T = ls > T ? ls : T;
    }
    for (int r = 0; r < B; r++) {
        int e = ex[r];
        if (d->task == GB_TASK_TRANSLATE) {
            int ls = d->src_len[e] < Ts ? d->src_len[e] : Ts, lt = d->tgt_len[e] - 1 < T ? d->tgt_len[e] - 1 : T;
            for (int i = 0; i < Ts; i++) bt->src[r * Ts + i] = i < ls ? d->src[e][i] : 0;
            bt->src_lens[r] = ls;
            for (int i = 0; i < T; i++) {
                bt->tokens[r * T + i] = i < lt ? d->tgt[e][i] : 0;
                bt->targets[r * T + i] = i < lt ? d->tgt[e][i + 1] : GB_IGNORE;
            }
        } else {
            int ls = d->src_len[e] < T ? d->src_len[e] : T;
            for (int i = 0; i < T; i++) bt->tokens[r * T + i] = i < ls ? d->src[e][i] : 0;
            bt->lens[r] = ls;
            bt->labels[r] = d->label[e];
        }
    }
    bt->b = (gb_batch){.B = B, .T = T, .tokens = bt->tokens, .targets = bt->targets, .lens = bt->lens,
                       .labels = bt->labels, .Ts = Ts, .src = bt->src, .src_lens = bt->src_lens};
}

const gb_batch *gb_batch_random(gb_batcher *bt, const gb_train_data *d, int B, gb_trainer *t) {
    if (B > bt->max_B) B = bt->max_B;
    if (d->task == GB_TASK_LM) {
        if (d->n_stream < (size_t)bt->T + 1) return NULL;
        size_t span = d->n_stream - (size_t)bt->T; /* window starts 0..span-1 */
        for (int r = 0; r < B; r++) lm_row(bt, d, r, (size_t)(gb_trainer_rand(t) % span));
        bt->b = (gb_batch){.B = B, .T = bt->T, .tokens = bt->tokens, .targets = bt->targets};
        return &bt->b;
    }
    if (d->n_ex == 0) return NULL;
    int ex[4096];
    if (B > 4096) B = 4096;
    for (int r = 0; r < B; r++) ex[r] = (int)(gb_trainer_rand(t) % (uint64_t)d->n_ex);
    example_rows(bt, d, ex, B);
    return &bt->b;
}

const gb_batch *gb_batch_eval(gb_batcher *bt, const gb_train_data *d, int B, int k) {
    if (B > bt->max_B) B = bt->max_B;
    if (d->task == GB_TASK_LM) {
        size_t T = (size_t)bt->T, first = (size_t)k * B * T;
        if (d->n_stream < T + 1 || first + T + 1 > d->n_stream) return NULL;
        int rows = 0;
        for (int r = 0; r < B; r++) {
            size_t off = first + (size_t)r * T;
            if (off + T + 1 > d->n_stream) break;
            lm_row(bt, d, r, off);
            rows++;
        }
        bt->b = (gb_batch){.B = rows, .T = bt->T, .tokens = bt->tokens, .targets = bt->targets};
        return &bt->b;
    }
    int first = k * B;
    if (first >= d->n_ex) return NULL;
    int ex[4096], rows = d->n_ex - first < B ? d->n_ex - first : B;
    if (rows > 4096) rows = 4096;
    for (int r = 0; r < rows; r++) ex[r] = first + r;
    example_rows(bt, d, ex, rows);
    return &bt->b;
}
