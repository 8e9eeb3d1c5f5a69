/* tokenizer_llama.c - the llama2.c tokenizer (tokenizer.bin), encoding exactly
 * as run.c's encode(): BOS, a dummy leading space, one symbol per UTF-8
 * character found in the vocabulary (else one byte-fallback token per byte,
 * id = byte + 3), then repeatedly merge the adjacent pair whose concatenation
 * is the vocabulary entry with the highest score, the leftmost on ties.
 *
 * run.c rescans every pair after each merge (quadratic); here candidates wait
 * in a heap keyed (score descending, position) and stale ones are skipped, so
 * the same merges happen in the same order in O(n log n).
 *
 * File: uint32 max_token_length, then records (float32 score, int32 length,
 * bytes) until the end of the file; all little-endian. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glassbox/platform.h"
#include "tokenizer_internal.h"

/* "<0x41>" -> 0x41; -1 if the token is not a byte token. */
static int byte_token_value(const char *s, size_t n) {
    if (n != 6 || memcmp(s, "<0x", 3) != 0 || s[5] != '>') return -1;
    int v = 0;
    for (int i = 3; i < 5; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

static gb_status parse_records(gb_tokenizer *t, const char *path, const unsigned char *buf, size_t len,
                               gb_error *err) {
    uint32_t maxlen;
    if (len < 4)
        return gb_fail(err, GB_ERR_INPUT, "%s: %zu bytes is too short for a llama2.c tokenizer", path, len);
    memcpy(&maxlen, buf, 4);
    if (maxlen == 0 || maxlen > 4096)
        return gb_fail(err, GB_ERR_INPUT, "%s: offset 0: max_token_length %u is not plausible (1..4096)", path,
                       maxlen);
    t->max_token_length = (int)maxlen;
    size_t off = 4, cap = 0;
    while (off < len) {
        int id = t->vocab.s.n;
        if (len - off < 8)
            return gb_fail(err, GB_ERR_INPUT, "%s: offset %zu: token %d is cut short (%zu bytes left, a record "
                           "needs 8 before its text)", path, off, id, len - off);
        float score;
        int32_t n;
        memcpy(&score, buf + off, 4);
        memcpy(&n, buf + off + 4, 4);
        if (n < 0 || (uint32_t)n > maxlen)
            return gb_fail(err, GB_ERR_INPUT, "%s: offset %zu: token %d has length %d; the header allows 0..%u",
                           path, off + 4, id, n, maxlen);
        if ((size_t)n > len - off - 8)
            return gb_fail(err, GB_ERR_INPUT, "%s: offset %zu: token %d claims %d bytes but only %zu remain", path,
                           off + 8, id, n, len - off - 8);
        if ((size_t)id >= cap) {
            cap = cap ? cap * 2 : 1024;
            float *s = realloc(t->score, cap * sizeof *s);
            if (!s) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
            t->score = s;
        }
        t->score[id] = score;
        if (tk_smap_push(&t->vocab, (const char *)buf + off + 8, (size_t)n) < 0)
            return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
        off += 8 + (size_t)n;
    }
    return GB_OK;
}

/* run.c hard-codes <unk>=0, BOS=1, EOS=2 and byte b = id b+3: check them. */
static gb_status check_layout(gb_tokenizer *t, const char *path, gb_error *err) {
    int n = t->vocab.s.n;
    if (n < 259)
        return gb_fail(err, GB_ERR_INPUT, "%s: %d tokens; a llama2.c tokenizer needs at least 259 (<unk>, BOS, "
                       "EOS and the 256 byte tokens)", path, n);
    for (int b = 0; b < 256; b++) {
        size_t len;
        const char *s = tk_strs_get(&t->vocab.s, b + 3, &len);
        if (byte_token_value(s, len) != b)
            return gb_fail(err, GB_ERR_INPUT, "%s: token %d is \"%.*s\", expected <0x%02X> (llama2.c's byte "
                           "fallback puts byte b at id b+3)", path, b + 3, (int)(len < 20 ? len : 20), s, b);
    }
    for (int i = 0; i < n; i++) {
        size_t len;
        const char *s = tk_strs_get(&t->vocab.s, i, &len);
        int b = byte_token_value(s, len);
        char one = (char)b;
        if ((b >= 0 ? tk_strs_push(&t->pieces, &one, 1) : tk_strs_push(&t->pieces, s, len)) < 0)
            return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    }
    t->special[GB_SPECIAL_UNK] = 0;
    t->special[GB_SPECIAL_BOS] = 1;
    t->special[GB_SPECIAL_EOS] = 2;
    return GB_OK;
}

gb_status tk_llama_load(const char *path, gb_tokenizer **out, gb_error *err) {
    *out = NULL;
    char *buf;
    size_t len;
    gb_status st = gb_read_file(path, (size_t)256 << 20, &buf, &len, err);
    if (st) return st;
    gb_tokenizer *t = tk_new(GB_TOK_LLAMA, path);
    if (!t) st = gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    if (!st) st = parse_records(t, path, (const unsigned char *)buf, len, err);
    if (!st) st = check_layout(t, path, err);
    free(buf);
    if (st) {
        gb_tokenizer_free(t);
        return st;
    }
    *out = t;
    return GB_OK;
}

gb_status tk_llama_save(const gb_tokenizer *t, const char *path, gb_error *err) {
    gb_afile af;
    gb_status st = gb_afile_open(&af, path, err);
    if (st) return st;
    uint32_t maxlen = (uint32_t)t->max_token_length;
    fwrite(&maxlen, 4, 1, af.fp);
    for (int i = 0; i < t->vocab.s.n; i++) {
        size_t len;
        const char *s = tk_strs_get(&t->vocab.s, i, &len);
        int32_t n = (int32_t)len;
        fwrite(&t->score[i], 4, 1, af.fp);
        fwrite(&n, 4, 1, af.fp);
        fwrite(s, 1, len, af.fp);
    }
    return gb_afile_commit(&af, err);
}

/* ---- encoding ---- */

typedef struct llama_node {
    int id;
    int prev, next;
    int cand;          /* id that merging with the next node would give, -1 if none */
    size_t start, len; /* bytes of the normalized text */
} llama_node;

typedef struct llama_ctx {
    const gb_tokenizer *t;
    llama_node *nd;
    int n;
    tk_heap heap;      /* score_rank << 32 | node index */
    char *cat;         /* room for two tokens side by side */
    tk_pmap seen;      /* (left << 32 | right) -> merged id + 1, 0 = none: each pair is looked up once */
    gb_tok_record *rec;
    tk_fenwick alive;
    bool failed;
} llama_ctx;

/* Scores sort highest first; equal scores (0.0 == -0.0 as in run.c) by position. */
static uint32_t score_rank(float s) {
    if (s == 0.0f) s = 0.0f;
    uint32_t u;
    memcpy(&u, &s, 4);
    u = (u & 0x80000000u) ? ~u : u | 0x80000000u;
    return ~u;
}

/* The token run.c would form from nodes l and next(l), or -1. */
static int merged_id(llama_ctx *c, int l) {
    int r = c->nd[l].next;
    if (r < 0) return -1;
    uint64_t key = (uint64_t)(uint32_t)c->nd[l].id << 32 | (uint32_t)c->nd[r].id;
    int known = tk_pmap_get(&c->seen, key);
    if (known >= 0) return known - 1;
    const tk_strs *v = &c->t->vocab.s;
    const char *a = v->arena + v->off[c->nd[l].id], *b = v->arena + v->off[c->nd[r].id];
    size_t la = strlen(a), lb = strlen(b); /* run.c joins C strings with sprintf("%s%s") */
    memcpy(c->cat, a, la);
    memcpy(c->cat + la, b, lb);
    int id = tk_smap_find(&c->t->vocab, c->cat, la + lb);
    if (id >= 0 && !(c->t->score[id] > -1e10f)) id = -1; /* run.c: best_score starts at -1e10 */
    if (!tk_pmap_put(&c->seen, key, id + 1)) c->failed = true;
    return id;
}

static void set_pair(llama_ctx *c, int l) {
    if (l < 0) return;
    c->nd[l].cand = merged_id(c, l);
    if (c->nd[l].cand >= 0 &&
        !tk_heap_push(&c->heap, (uint64_t)score_rank(c->t->score[c->nd[l].cand]) << 32 | (uint32_t)l))
        c->failed = true;
}

static void add_node(llama_ctx *c, int id, size_t start, size_t len) {
    c->nd[c->n] = (llama_node){id, c->n - 1, -1, -1, start, len};
    if (c->n > 0) c->nd[c->n - 1].next = c->n;
    c->n++;
    if (c->rec) tk_rec_symbol(c->rec, id, start, len);
}

/* run.c's first pass: text[0..len) starts at byte `base` of the normalized text. */
static void add_characters(llama_ctx *c, const unsigned char *text, size_t len, size_t base) {
    size_t str_len = 0;
    for (size_t i = 0; i < len; i++) {
        str_len++;
        unsigned next = i + 1 < len ? text[i + 1] : 0;
        if ((next & 0xC0) == 0x80 && str_len < 4) continue;
        const unsigned char *s = text + i + 1 - str_len;
        int id = tk_smap_find(&c->t->vocab, (const char *)s, str_len);
        if (id >= 0) add_node(c, id, base + (size_t)(s - text), str_len);
        else
            for (size_t k = 0; k < str_len; k++) add_node(c, s[k] + 3, base + (size_t)(s - text) + k, 1);
        str_len = 0;
    }
}

static void record_merge(llama_ctx *c, int l, int a, int b, int alive) {
    int pos = tk_fenwick_before(&c->alive, l);
    const llama_node *nd = c->nd;
    int m = tk_rec_merge(c->rec, pos, a, b, nd[l].id, -1, c->t->score[nd[l].id], nd[l].start, nd[l].len, alive);
    if (c->n > GB_TOK_RECORD_AFTER_MAX) return;
    for (int i = 0; i >= 0; i = nd[i].next) tk_rec_after(c->rec, m, nd[i].id, nd[i].start, nd[i].len);
}

/* A popped candidate is current when its node would still merge into a token
 * of that score; an equal-score replacement sits at the same place in the
 * order, so taking it is what run.c's rescan would do too. */
static void merge_all(llama_ctx *c) {
    llama_node *nd = c->nd;
    if (!tk_heap_reserve(&c->heap, c->n)) {
        c->failed = true;
        return;
    }
    for (int i = 0; i + 1 < c->n; i++) {
        nd[i].cand = merged_id(c, i);
        if (nd[i].cand >= 0) c->heap.v[c->heap.n++] = (uint64_t)score_rank(c->t->score[nd[i].cand]) << 32 | (uint32_t)i;
    }
    tk_heap_build(&c->heap);
    int alive = c->n;
    while (c->heap.n > 0 && !c->failed) {
        uint64_t k = tk_heap_pop(&c->heap);
        int l = (int)(uint32_t)k;
        if (nd[l].cand < 0 || score_rank(c->t->score[nd[l].cand]) != (uint32_t)(k >> 32)) continue; /* stale */
        int r = nd[l].next, a = nd[l].id, b = nd[r].id, rn = nd[r].next;
        nd[l].id = nd[l].cand;
        nd[l].len = nd[r].start + nd[r].len - nd[l].start;
        nd[l].next = rn;
        if (rn >= 0) nd[rn].prev = l;
        nd[r].id = -1;
        nd[r].cand = -1;
        alive--;
        if (c->rec) {
            tk_fenwick_kill(&c->alive, r);
            record_merge(c, l, a, b, alive);
        }
        set_pair(c, nd[l].prev);
        set_pair(c, l);
    }
}

gb_status tk_llama_encode(const gb_tokenizer *t, const char *text, size_t len, bool add_special,
                          tk_ints *ids, gb_tok_record *rec, gb_error *err) {
    bool prefix = add_special && len > 0; /* run.c adds the dummy space only to non-empty text */
    size_t shift = prefix ? 1 : 0;
    if (rec) {
        tk_rec_reset(rec, GB_TOK_LLAMA, text, len, shift, " ", shift);
        tk_rec_chunk(rec, 0, len + shift);
    }
    llama_ctx c = {.t = t, .rec = rec};
    c.nd = malloc((len + 2) * sizeof *c.nd);
    c.cat = malloc(2 * (size_t)t->max_token_length + 8);
    if (!c.nd || !c.cat || (rec && !tk_fenwick_init(&c.alive, (int)len + 2))) c.failed = true;
    if (!c.failed) {
        if (add_special) add_node(&c, t->special[GB_SPECIAL_BOS] >= 0 ? t->special[GB_SPECIAL_BOS] : 1, 0, 0);
        if (prefix) {
            int sp = tk_smap_find(&t->vocab, " ", 1);
            add_node(&c, sp >= 0 ? sp : ' ' + 3, 0, 1);
        }
        add_characters(&c, (const unsigned char *)text, len, shift);
        merge_all(&c);
        for (int i = 0; c.n > 0 && i >= 0; i = c.nd[i].next) {
            tk_ints_push(ids, c.nd[i].id);
            if (rec) tk_rec_token(rec, c.nd[i].id, 0, c.nd[i].start, c.nd[i].len);
        }
        if (rec) tk_rec_chunk_end(rec);
    }
    free(c.nd);
    free(c.cat);
    tk_heap_free(&c.heap);
    tk_pmap_free(&c.seen);
    tk_fenwick_free(&c.alive);
    if (c.failed || ids->failed || (rec && tk_rec_failed(rec)))
        return gb_fail(err, GB_ERR_INTERNAL, "out of memory while tokenizing %zu bytes", len);
    return GB_OK;
}
