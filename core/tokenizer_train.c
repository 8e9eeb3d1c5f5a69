/* tokenizer_train.c - byte-level BPE training, GPT-2 style.
 *
 * The corpus is cut into pre-tokens with GPT-2's pattern and each distinct
 * pre-token ("word") is kept once with its count. Every word starts as bytes.
 * Then, until the vocabulary is full: take the most frequent adjacent pair
 * (ties: the smaller left id, then the smaller right id, i.e. the older
 * tokens), make it a new token and merge it everywhere, left to right.
 * Pair counts are updated only in the words that held the pair (an index from
 * each pair to the words where it appeared), and the best pair comes from a
 * heap whose stale entries are skipped, so each merge costs about the size of
 * the words it touches. */
#include <stdlib.h>
#include <string.h>

#include "tokenizer_internal.h"

void gb_bpe_train_opts_default(gb_bpe_train_opts *o) {
    o->vocab_size = 1000;
    o->min_frequency = 2;
    o->add_endoftext = true;
}

void gb_bpe_train_report_free(gb_bpe_train_report *r) {
    if (!r) return;
    for (int i = 0; i < r->n_words; i++) {
        free(r->words[i].bytes);
        free(r->words[i].ids);
    }
    free(r->words);
    memset(r, 0, sizeof *r);
}

typedef struct pair_stat {
    int a, b;
    long count;
    tk_ints where; /* words that held this pair at some time (may repeat) */
} pair_stat;

typedef struct best_entry {
    long count;
    int pair;
} best_entry;

typedef struct trainer {
    gb_tokenizer *t;
    const char *corpus;
    tk_smap words;       /* distinct pre-tokens */
    tk_ints word_count;
    tk_ints *syms;       /* [n_words] current symbols of each word */
    int *stamp;          /* [n_words] last merge that touched the word */
    tk_pmap pair_index;  /* (a<<32|b) -> index into pairs */
    pair_stat *pairs;
    int n_pairs, cap_pairs;
    best_entry *heap;
    int n_heap, cap_heap;
    bool oom;
} trainer;

/* Heap order: larger count first, then smaller (a, b). */
static bool better(const trainer *tr, best_entry x, best_entry y) {
    if (x.count != y.count) return x.count > y.count;
    const pair_stat *p = &tr->pairs[x.pair], *q = &tr->pairs[y.pair];
    return p->a != q->a ? p->a < q->a : p->b < q->b;
}

static void heap_push(trainer *tr, best_entry e) {
    if (tr->n_heap == tr->cap_heap) {
        int nc = tr->cap_heap ? tr->cap_heap * 2 : 1024;
        best_entry *h = realloc(tr->heap, (size_t)nc * sizeof *h);
        if (!h) {
            tr->oom = true;
            return;
        }
        tr->heap = h;
        tr->cap_heap = nc;
    }
    int i = tr->n_heap++;
    while (i > 0 && better(tr, e, tr->heap[(i - 1) / 2])) {
        tr->heap[i] = tr->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    tr->heap[i] = e;
}

static best_entry heap_pop(trainer *tr) {
    best_entry top = tr->heap[0], last = tr->heap[--tr->n_heap];
    int i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= tr->n_heap) break;
        if (c + 1 < tr->n_heap && better(tr, tr->heap[c + 1], tr->heap[c])) c++;
        if (!better(tr, tr->heap[c], last)) break;
        tr->heap[i] = tr->heap[c];
        i = c;
    }
    if (tr->n_heap > 0) tr->heap[i] = last;
    return top;
}

static int pair_of(trainer *tr, int a, int b) {
    uint64_t key = (uint64_t)(uint32_t)a << 32 | (uint32_t)b;
    int p = tk_pmap_get(&tr->pair_index, key);
    if (p >= 0) return p;
    if (tr->n_pairs == tr->cap_pairs) {
        int nc = tr->cap_pairs ? tr->cap_pairs * 2 : 4096;
        pair_stat *np = realloc(tr->pairs, (size_t)nc * sizeof *np);
        if (!np) return -1;
        tr->pairs = np;
        tr->cap_pairs = nc;
    }
    p = tr->n_pairs;
    if (!tk_pmap_put(&tr->pair_index, key, p)) return -1;
    tr->pairs[tr->n_pairs++] = (pair_stat){a, b, 0, {0}};
    return p;
}

/* Add (sign +1) or remove (-1) the pairs of word w from the counts. */
static void count_word(trainer *tr, int w, int sign) {
    const tk_ints *s = &tr->syms[w];
    long c = tr->word_count.v[w];
    for (int i = 0; i + 1 < s->n; i++) {
        int p = pair_of(tr, s->v[i], s->v[i + 1]);
        if (p < 0) {
            tr->oom = true;
            return;
        }
        tr->pairs[p].count += sign * c;
        if (sign > 0) {
            tk_ints_push(&tr->pairs[p].where, w);
            heap_push(tr, (best_entry){tr->pairs[p].count, p});
        }
    }
}

static bool collect_word(void *ctx, size_t start, size_t end) {
    trainer *tr = ctx;
    bool added;
    int w = tk_smap_intern(&tr->words, tr->corpus + start, end - start, &added);
    if (w >= 0 && added) tk_ints_push(&tr->word_count, 0);
    if (w < 0 || tr->word_count.failed) {
        tr->oom = true;
        return false;
    }
    tr->word_count.v[w]++;
    return true;
}

static void merge_in_word(tk_ints *s, int a, int b, int result) {
    int k = 0;
    for (int i = 0; i < s->n; i++) {
        if (i + 1 < s->n && s->v[i] == a && s->v[i + 1] == b) {
            s->v[k++] = result;
            i++;
        } else s->v[k++] = s->v[i];
    }
    s->n = k;
}

/* One merge: the new token, its rule, and the words it changes. */
static gb_status apply_best(trainer *tr, int p, int step, gb_error *err) {
    gb_tokenizer *t = tr->t;
    int a = tr->pairs[p].a, b = tr->pairs[p].b;
    size_t la, lb;
    const char *sa = tk_strs_get(&t->vocab.s, a, &la);
    const char *sb = tk_strs_get(&t->vocab.s, b, &lb);
    char *cat = malloc(la + lb + 1);
    if (!cat) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    memcpy(cat, sa, la);
    memcpy(cat + la, sb, lb);
    bool added;
    int result = tk_smap_intern(&t->vocab, cat, la + lb, &added);
    free(cat);
    if (result < 0) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    uint64_t key = (uint64_t)(uint32_t)a << 32 | (uint32_t)b;
    if (tk_pmap_get(&t->pairs, key) < 0) {
        gb_status st = tk_gpt2_add_merge(t, a, b, result, err);
        if (st) return st;
    }
    tk_ints where = tr->pairs[p].where; /* count_word may grow this very list */
    tr->pairs[p].where = (tk_ints){0};
    for (int k = 0; k < where.n; k++) {
        int w = where.v[k];
        if (tr->stamp[w] == step) continue;
        tr->stamp[w] = step;
        count_word(tr, w, -1);
        merge_in_word(&tr->syms[w], a, b, result);
        count_word(tr, w, +1);
    }
    free(where.v);
    return tr->oom ? gb_fail(err, GB_ERR_INTERNAL, "out of memory") : GB_OK;
}

static gb_status train_loop(trainer *tr, const gb_bpe_train_opts *o, gb_error *err) {
    int target = o->vocab_size - (o->add_endoftext ? 1 : 0);
    for (int w = 0; w < tr->words.s.n; w++) count_word(tr, w, +1);
    int step = 0;
    while (tr->t->vocab.s.n < target && tr->n_heap > 0 && !tr->oom) {
        best_entry e = heap_pop(tr);
        if (e.count != tr->pairs[e.pair].count) continue; /* stale */
        if (e.count < o->min_frequency || e.count <= 0) break;
        gb_status st = apply_best(tr, e.pair, ++step, err);
        if (st) return st;
    }
    return tr->oom ? gb_fail(err, GB_ERR_INTERNAL, "out of memory") : GB_OK;
}

static gb_status fill_report(const trainer *tr, gb_bpe_train_report *r, gb_error *err) {
    int n = tr->words.s.n;
    r->words = calloc((size_t)(n ? n : 1), sizeof *r->words);
    if (!r->words) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    r->n_words = n;
    r->n_merges = tr->t->n_merges;
    for (int w = 0; w < n; w++) {
        size_t len;
        const char *s = tk_strs_get(&tr->words.s, w, &len);
        gb_bpe_word *bw = &r->words[w];
        bw->bytes = malloc(len + 1);
        bw->ids = malloc((size_t)(tr->syms[w].n ? tr->syms[w].n : 1) * sizeof *bw->ids);
        if (!bw->bytes || !bw->ids) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
        memcpy(bw->bytes, s, len);
        bw->bytes[len] = '\0';
        bw->len = len;
        bw->count = tr->word_count.v[w];
        bw->n_ids = tr->syms[w].n;
        memcpy(bw->ids, tr->syms[w].v, (size_t)bw->n_ids * sizeof *bw->ids);
    }
    return GB_OK;
}

/* The tokenizer with the 256 byte tokens (in GPT-2's order) and the pattern. */
static gb_status start_tokenizer(trainer *tr, gb_error *err) {
    tr->t = tk_new(GB_TOK_GPT2, NULL);
    if (!tr->t) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    for (int pass = 0; pass < 2; pass++)
        for (int b = 0; b < 256; b++) {
            if ((tk_byte_to_cp((unsigned char)b) < 256) != (pass == 0)) continue;
            char u[4];
            int n = tk_utf8_put(tk_byte_to_cp((unsigned char)b), u);
            if (tk_smap_push(&tr->t->vocab, u, (size_t)n) < 0) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
        }
    return tk_compile_regex(tr->t, TK_GPT2_PATTERN, err);
}

static void trainer_free(trainer *tr) {
    for (int w = 0; tr->syms && w < tr->words.s.n; w++) free(tr->syms[w].v);
    free(tr->syms);
    tk_smap_free(&tr->words);
    free(tr->word_count.v);
    free(tr->stamp);
    tk_pmap_free(&tr->pair_index);
    for (int p = 0; p < tr->n_pairs; p++) free(tr->pairs[p].where.v);
    free(tr->pairs);
    free(tr->heap);
}

gb_status gb_tokenizer_train_bpe(const char *corpus, size_t len, const gb_bpe_train_opts *o,
                                 gb_tokenizer **out, gb_bpe_train_report *report, gb_error *err) {
    *out = NULL;
    if (report) memset(report, 0, sizeof *report);
    gb_bpe_train_opts def;
    if (!o) gb_bpe_train_opts_default(&def), o = &def;
    int least = 256 + (o->add_endoftext ? 1 : 0);
    if (o->vocab_size < least || o->vocab_size > (1 << 24))
        return gb_fail(err, GB_ERR_INPUT, "vocab size %d must be between %d (the 256 bytes%s) and %d", o->vocab_size,
                       least, o->add_endoftext ? " and <|endoftext|>" : "", 1 << 24);
    if (o->min_frequency < 1) return gb_fail(err, GB_ERR_INPUT, "min frequency %d must be at least 1", o->min_frequency);
    trainer tr = {.corpus = corpus};
    gb_status st = start_tokenizer(&tr, err);
    if (!st) {
        void *md = tk_match_data_new(tr.t);
        int rc = md ? tk_gpt2_chunks(tr.t, md, corpus, len, collect_word, &tr) : 1;
        if (rc < 0) st = gb_fail(err, GB_ERR_INTERNAL, "the GPT-2 pre-token pattern failed (PCRE2 error %d)", rc);
        else if (rc || tr.oom) st = gb_fail(err, GB_ERR_INTERNAL, "out of memory");
        if (md) tk_match_data_free(md);
    }
    int nw = tr.words.s.n;
    if (!st) {
        tr.syms = calloc((size_t)(nw ? nw : 1), sizeof *tr.syms);
        tr.stamp = calloc((size_t)(nw ? nw : 1), sizeof *tr.stamp);
        if (!tr.syms || !tr.stamp) st = gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    }
    for (int w = 0; !st && w < nw; w++) {
        size_t wl;
        const unsigned char *s = (const unsigned char *)tk_strs_get(&tr.words.s, w, &wl);
        for (size_t i = 0; i < wl; i++) {
            char u[4];
            int n = tk_utf8_put(tk_byte_to_cp(s[i]), u);
            tk_ints_push(&tr.syms[w], tk_smap_find(&tr.t->vocab, u, (size_t)n));
        }
        if (tr.syms[w].failed) st = gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    }
    if (!st) st = train_loop(&tr, o, err);
    if (!st && o->add_endoftext && tk_smap_find(&tr.t->vocab, "<|endoftext|>", 13) < 0 &&
        tk_smap_push(&tr.t->vocab, "<|endoftext|>", 13) < 0)
        st = gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    if (!st) st = tk_gpt2_prepare(tr.t, err);
    if (!st && report) st = fill_report(&tr, report, err);
    trainer_free(&tr);
    if (st) {
        gb_tokenizer_free(tr.t);
        if (report) gb_bpe_train_report_free(report);
        return st;
    }
    *out = tr.t;
    return GB_OK;
}
