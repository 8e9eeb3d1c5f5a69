/* tokenizer_gpt2.c - GPT-2 byte-level BPE: the byte <-> unicode mapping, the
 * pre-token pattern (PCRE2), merges by rank, and the two file formats
 * (encoder.json + vocab.bpe, Hugging Face vocab.json + merges.txt).
 *
 * Merging: the lowest-rank adjacent pair is merged first, the leftmost on
 * ties, one pair at a time (tiktoken's rule; it gives the same result as
 * encoder.py's "merge every occurrence of the best pair" because a pair that
 * contains a merged symbol always has a later rank than the merge that made
 * it). Candidates sit in a heap keyed (rank, position) with stale entries
 * skipped when popped, so a chunk of n bytes costs O(n log n), not O(n^2). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "glassbox/platform.h"
#include "tokenizer_internal.h"

/* GPT-2's pattern, as in OpenAI's encoder.py:
 *   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * compiled with \s spelled out as Unicode White_Space, [\t-\r\x{85}\p{Z}],
 * which is what \s means in Python's regex module (and, except for U+0085
 * and U+FEFF, in JavaScript). PCRE2's own \s also counts U+180E (MONGOLIAN
 * VOWEL SEPARATOR, a format character since Unicode 6.3) as a space, which
 * would split " \u180Ea" differently from encoder.py. */
const char TK_GPT2_PATTERN[] =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\t-\\r\\x{85}\\p{Z}\\p{L}\\p{N}]+"
    "|[\\t-\\r\\x{85}\\p{Z}]+(?![^\\t-\\r\\x{85}\\p{Z}])|[\\t-\\r\\x{85}\\p{Z}]+";

/* ---- bytes <-> unicode: printable Latin-1 bytes stand for themselves, the
 * other 68 bytes are shifted to U+0100.. in byte order ---- */

static bool byte_printable(unsigned b) {
    return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

uint32_t tk_byte_to_cp(unsigned char b) {
    if (byte_printable(b)) return b;
    uint32_t n = 0;
    for (unsigned k = 0; k < b; k++) n += !byte_printable(k);
    return 256 + n;
}

int tk_cp_to_byte(uint32_t cp) {
    if (cp < 256) return byte_printable(cp) ? (int)cp : -1;
    if (cp >= 256 + 68) return -1;
    uint32_t n = 0;
    for (unsigned k = 0; k < 256; k++)
        if (!byte_printable(k) && n++ == cp - 256) return (int)k;
    return -1;
}

/* ---- regex ---- */

gb_status tk_compile_regex(gb_tokenizer *t, const char *pattern, gb_error *err) {
    int code;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP,
                                   &code, &off, NULL);
    if (!re) {
        char msg[160];
        pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof msg);
        return gb_fail(err, GB_ERR_INTERNAL, "tokenizer pattern: offset %zu: %s", (size_t)off, msg);
    }
    t->re_jit = pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) == 0;
    t->re = re;
    return GB_OK;
}

void tk_regex_free(void *re) { pcre2_code_free((pcre2_code *)re); }

void *tk_match_data_new(const gb_tokenizer *t) {
    return pcre2_match_data_create_from_pattern((const pcre2_code *)t->re, NULL);
}

void tk_match_data_free(void *md) { pcre2_match_data_free((pcre2_match_data *)md); }

int tk_regex_next(const gb_tokenizer *t, void *md, const char *subj, size_t n, size_t off,
                  size_t *ms, size_t *me) {
    const pcre2_code *re = t->re;
    int rc = t->re_jit ? pcre2_jit_match(re, (PCRE2_SPTR)subj, n, off, PCRE2_NO_UTF_CHECK, md, NULL)
                       : pcre2_match(re, (PCRE2_SPTR)subj, n, off, PCRE2_NO_UTF_CHECK, md, NULL);
    if (rc == PCRE2_ERROR_NOMATCH) return 0;
    if (rc < 0) return rc;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    *ms = ov[0];
    *me = ov[1];
    return 1;
}

/* Valid UTF-8 runs go through the pattern (as if the text ended where the run
 * ends); each run of invalid bytes is a chunk of its own. The pattern matches
 * every character, so matches tile a run; a gap would be a bug, and is still
 * handed on as a chunk so no byte is ever lost. */
int tk_gpt2_chunks(const gb_tokenizer *t, void *md, const char *text, size_t len,
                   bool (*fn)(void *ctx, size_t start, size_t end), void *ctx) {
    size_t i = 0;
    while (i < len) {
        size_t j = i + tk_utf8_check(text + i, len - i);
        size_t off = 0, ms, me;
        while (i + off < j) {
            int rc = tk_regex_next(t, md, text + i, j - i, off, &ms, &me);
            if (rc < 0) return rc;
            if (rc == 0 || me <= off) { /* defensive: hand the rest on as one chunk */
                if (!fn(ctx, i + off, j)) return 1;
                break;
            }
            if (ms > off && !fn(ctx, i + off, i + ms)) return 1;
            if (!fn(ctx, i + ms, i + me)) return 1;
            off = me;
        }
        size_t k = j;
        while (k < len && tk_utf8_len((const unsigned char *)text + k, len - k) == 0) k++;
        if (k > j && !fn(ctx, j, k)) return 1;
        i = k;
    }
    return 0;
}

/* ---- setup shared by the loader and the trainer ---- */

gb_status tk_gpt2_add_merge(gb_tokenizer *t, int left, int right, int result, gb_error *err) {
    int r = t->n_merges;
    if (r >= (1 << 23)) return gb_fail(err, GB_ERR_INPUT, "%s: more than %d merges", t->source, 1 << 23);
    if ((r & (r - 1)) == 0) { /* grow at powers of two */
        size_t nc = r ? (size_t)r * 2 : 1024;
        int *a = realloc(t->merge_left, nc * sizeof *a);
        if (a) t->merge_left = a;
        int *b = realloc(t->merge_right, nc * sizeof *b);
        if (b) t->merge_right = b;
        int *c = realloc(t->merge_result, nc * sizeof *c);
        if (c) t->merge_result = c;
        if (!a || !b || !c) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    }
    if (!tk_pmap_put(&t->pairs, (uint64_t)(uint32_t)left << 32 | (uint32_t)right, r))
        return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    t->merge_left[r] = left;
    t->merge_right[r] = right;
    t->merge_result[r] = result;
    t->n_merges++;
    return GB_OK;
}

/* The bytes of a vocabulary string: map each character back to its byte; a
 * string with characters outside the mapping (an added token such as a CJK
 * word) stands for its own UTF-8 bytes. */
static int push_piece(gb_tokenizer *t, const char *s, size_t n) {
    char buf[1024];
    char *out = n <= sizeof buf ? buf : malloc(n);
    if (!out) return -1;
    size_t k = 0, i = 0;
    while (i < n) {
        size_t cl = tk_utf8_len((const unsigned char *)s + i, n - i);
        int b = -1;
        if (cl) {
            size_t l2;
            b = tk_cp_to_byte(tk_utf8_get((const unsigned char *)s + i, &l2));
        }
        if (b < 0) break;
        out[k++] = (char)b;
        i += cl;
    }
    int e = i == n ? tk_strs_push(&t->pieces, out, k) : tk_strs_push(&t->pieces, s, n);
    if (out != buf) free(out);
    return e;
}

gb_status tk_gpt2_prepare(gb_tokenizer *t, gb_error *err) {
    int n = t->vocab.s.n;
    for (int i = t->pieces.n; i < n; i++) {
        size_t len;
        const char *s = tk_strs_get(&t->vocab.s, i, &len);
        if (push_piece(t, s, len) < 0) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    }
    for (int b = 0; b < 256; b++) {
        char u[4];
        int ul = tk_utf8_put(tk_byte_to_cp((unsigned char)b), u);
        t->byte_id[b] = tk_smap_find(&t->vocab, u, (size_t)ul);
        if (t->byte_id[b] < 0)
            return gb_fail(err, GB_ERR_INPUT,
                           "%s: no token for the byte 0x%02X (\"%.*s\"); a byte-level BPE "
                           "vocabulary needs all 256 bytes",
                           t->source, b, ul, u);
    }
    static const struct { const char *name; gb_special s; } known[] = {
        {"<|endoftext|>", GB_SPECIAL_BOS}, {"<|endoftext|>", GB_SPECIAL_EOS},
        {"<s>", GB_SPECIAL_BOS},           {"</s>", GB_SPECIAL_EOS},
        {"<s>", GB_SPECIAL_CLS},           {"</s>", GB_SPECIAL_SEP},
        {"<pad>", GB_SPECIAL_PAD},         {"<unk>", GB_SPECIAL_UNK},
        {"<mask>", GB_SPECIAL_MASK},
    };
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
        if (t->special[known[k].s] < 0) t->special[known[k].s] = gb_tokenizer_lookup(t, known[k].name);
    return t->re ? GB_OK : tk_compile_regex(t, TK_GPT2_PATTERN, err);
}

/* ---- loading ---- */

static gb_status load_vocab_json(gb_tokenizer *t, const char *path, gb_error *err) {
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        if (je.line < 0) return gb_fail(err, GB_ERR_INPUT, "%s: %s", path, je.text);
        return gb_fail(err, GB_ERR_INPUT, "%s: line %d column %d: %s", path, je.line, je.column,
                       je.text);
    }
    gb_status st = GB_OK;
    size_t n = json_is_object(root) ? json_object_size(root) : 0;
    const char **key_of = n ? calloc(n, sizeof *key_of) : NULL;
    size_t *key_len = n ? calloc(n, sizeof *key_len) : NULL;
    if (!json_is_object(root) || n == 0) {
        st = gb_fail(err, GB_ERR_INPUT, "%s: expected a JSON object mapping token strings to ids", path);
    } else if (!key_of || !key_len || n > (1u << 24)) {
        st = gb_fail(err, GB_ERR_INPUT, "%s: %zu tokens is more than glassbox can hold", path, n);
    }
    const char *key;
    size_t klen;
    json_t *val;
    if (!st) json_object_keylen_foreach(root, key, klen, val) {
        json_int_t id = json_is_integer(val) ? json_integer_value(val) : -1;
        if (!json_is_integer(val) || id < 0 || (size_t)id >= n) {
            st = gb_fail(err, GB_ERR_INPUT,
                         "%s: token \"%.60s\" has id %s; ids must be whole numbers 0..%zu, one per token",
                         path, key, json_is_integer(val) ? "out of range" : "that is not a number", n - 1);
            break;
        }
        if (key_of[id]) {
            st = gb_fail(err, GB_ERR_INPUT, "%s: tokens \"%.60s\" and \"%.60s\" both have id %lld", path,
                         key_of[id], key, (long long)id);
            break;
        }
        key_of[id] = key;
        key_len[id] = klen;
    }
    for (size_t i = 0; !st && i < n; i++)
        if (tk_smap_push(&t->vocab, key_of[i], key_len[i]) < 0)
            st = gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    free(key_len);
    free(key_of);
    json_decref(root);
    return st;
}

/* One "left right" line of a merges file. */
static gb_status merge_line(gb_tokenizer *t, const char *path, int line_no, const char *s, size_t n,
                            char **cat, size_t *cat_cap, gb_error *err) {
    const char *sp = memchr(s, ' ', n);
    if (!sp || sp == s || sp == s + n - 1 || memchr(sp + 1, ' ', (size_t)(s + n - sp - 1)))
        return gb_fail(err, GB_ERR_INPUT,
                       "%s: line %d: expected two symbols separated by one space, found \"%.*s\"", path,
                       line_no, (int)(n < 60 ? n : 60), s);
    size_t la = (size_t)(sp - s), lb = n - la - 1;
    int a = tk_smap_find(&t->vocab, s, la), b = tk_smap_find(&t->vocab, sp + 1, lb);
    if (a < 0 || b < 0) {
        const char *bad = a < 0 ? s : sp + 1;
        int bl = (int)(a < 0 ? la : lb);
        return gb_fail(err, GB_ERR_INPUT, "%s: line %d: \"%.*s\" is not a token of the vocabulary",
                       path, line_no, bl < 60 ? bl : 60, bad);
    }
    if (la + lb > *cat_cap) {
        char *c = realloc(*cat, la + lb);
        if (!c) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
        *cat = c;
        *cat_cap = la + lb;
    }
    memcpy(*cat, s, la);
    memcpy(*cat + la, sp + 1, lb);
    int r = tk_smap_find(&t->vocab, *cat, la + lb);
    if (r < 0)
        return gb_fail(err, GB_ERR_INPUT, "%s: line %d: the merged symbol \"%.*s\" is not in the vocabulary",
                       path, line_no, (int)(la + lb < 60 ? la + lb : 60), *cat);
    int prev = tk_pmap_get(&t->pairs, (uint64_t)(uint32_t)a << 32 | (uint32_t)b);
    if (prev >= 0)
        return gb_fail(err, GB_ERR_INPUT, "%s: line %d: the merge \"%.*s\" repeats merge number %d", path,
                       line_no, (int)(n < 60 ? n : 60), s, prev + 1);
    return tk_gpt2_add_merge(t, a, b, r, err);
}

static gb_status load_merges(gb_tokenizer *t, const char *path, gb_error *err) {
    char *buf;
    size_t len;
    gb_status st = gb_read_file(path, (size_t)256 << 20, &buf, &len, err);
    if (st) return st;
    char *cat = NULL;
    size_t cat_cap = 0, i = 0;
    int line_no = 0;
    while (!st && i < len) {
        line_no++;
        char *nl = memchr(buf + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - buf) : len, n = e - i;
        if (n && buf[i + n - 1] == '\r') n--;
        const char *s = buf + i;
        i = nl ? e + 1 : len;
        if (line_no == 1 && n >= 8 && memcmp(s, "#version", 8) == 0) continue;
        if (n == 0) {
            size_t k = i;
            while (k < len && (buf[k] == '\n' || buf[k] == '\r')) k++;
            if (k == len) break; /* blank lines at the very end are fine */
            st = gb_fail(err, GB_ERR_INPUT, "%s: line %d: empty line in the middle of the merges", path,
                         line_no);
            break;
        }
        st = merge_line(t, path, line_no, s, n, &cat, &cat_cap, err);
    }
    free(cat);
    free(buf);
    return st;
}

gb_status tk_gpt2_load(const char *vocab_path, const char *merges_path, gb_tokenizer **out,
                       gb_error *err) {
    *out = NULL;
    const char *slash = strrchr(vocab_path, '/');
    char *dir = slash ? strndup(vocab_path, (size_t)(slash - vocab_path)) : strdup(".");
    gb_tokenizer *t = dir ? tk_new(GB_TOK_GPT2, dir) : NULL;
    free(dir);
    if (!t) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    gb_status st = load_vocab_json(t, vocab_path, err);
    if (!st) st = load_merges(t, merges_path, err);
    if (!st) st = tk_gpt2_prepare(t, err);
    if (st) {
        gb_tokenizer_free(t);
        return st;
    }
    *out = t;
    return GB_OK;
}

/* ---- encoding ---- */

typedef struct bpe_node {
    int id;
    int prev, next; /* neighbours in the current sequence, -1 at the ends */
    int rank;       /* rank of the pair this node starts, -1 if none (or merged away) */
} bpe_node;

enum { CACHE_MAX_CHUNK = 128, CACHE_MAX_ENTRIES = 1 << 20 };
#define POS_BITS 40 /* heap key: rank << 40 | node index */

typedef struct gpt2_ctx {
    const gb_tokenizer *t;
    const char *text;
    tk_ints *ids;
    gb_tok_record *rec;
    bpe_node *nodes;
    int nodes_cap;
    tk_heap heap;
    tk_fenwick alive;
    tk_smap cache;     /* chunk bytes -> entry e; its ids are pool[cache_off[e] ..] */
    tk_ints cache_off, cache_n, pool;
    bool failed;       /* out of memory */
} gpt2_ctx;

/* Recompute the pair node l starts and queue it. */
static void set_pair(gpt2_ctx *c, int l) {
    if (l < 0) return;
    bpe_node *nd = c->nodes;
    int r = nd[l].next;
    nd[l].rank = r < 0 ? -1 : tk_pmap_get(&c->t->pairs, (uint64_t)(uint32_t)nd[l].id << 32 | (uint32_t)nd[r].id);
    if (nd[l].rank >= 0 && !tk_heap_push(&c->heap, (uint64_t)nd[l].rank << POS_BITS | (uint64_t)l)) c->failed = true;
}

/* Record the merge of a + b at node l (which just absorbed its right neighbour). */
static void record_merge(gpt2_ctx *c, size_t base, int n, int l, int a, int b, int rank, int n_after) {
    const bpe_node *nd = c->nodes;
    int end = nd[l].next >= 0 ? nd[l].next : n;
    int pos = tk_fenwick_before(&c->alive, l);
    int m = tk_rec_merge(c->rec, pos, a, b, nd[l].id, rank, 0.0f, base + (size_t)l, (size_t)(end - l), n_after);
    if (n > GB_TOK_RECORD_AFTER_MAX) return;
    for (int i = 0; i >= 0; i = nd[i].next) {
        int e = nd[i].next >= 0 ? nd[i].next : n;
        tk_rec_after(c->rec, m, nd[i].id, base + (size_t)i, (size_t)(e - i));
    }
}

/* Merge the bytes of one chunk; the result is left in the node list from 0.
 * A popped candidate is current when its node still starts a pair of that
 * rank (ranks name pairs uniquely); anything else is stale and skipped. */
static void merge_chunk(gpt2_ctx *c, const unsigned char *p, int n, size_t base) {
    bpe_node *nd = c->nodes;
    const tk_pmap *pairs = &c->t->pairs;
    c->heap.n = 0;
    if (!tk_heap_reserve(&c->heap, n)) {
        c->failed = true;
        return;
    }
    for (int i = 0; i < n; i++) nd[i] = (bpe_node){c->t->byte_id[p[i]], i - 1, i + 1 < n ? i + 1 : -1, -1};
    for (int i = 0; i + 1 < n; i++) {
        nd[i].rank = tk_pmap_get(pairs, (uint64_t)(uint32_t)nd[i].id << 32 | (uint32_t)nd[i + 1].id);
        if (nd[i].rank >= 0) c->heap.v[c->heap.n++] = (uint64_t)nd[i].rank << POS_BITS | (uint64_t)i;
    }
    tk_heap_build(&c->heap);
    int alive = n;
    while (c->heap.n > 0 && !c->failed) {
        uint64_t k = tk_heap_pop(&c->heap);
        int l = (int)(k & (((uint64_t)1 << POS_BITS) - 1)), rank = (int)(k >> POS_BITS);
        if (nd[l].rank != rank) continue; /* stale */
        int r = nd[l].next, a = nd[l].id, b = nd[r].id, rn = nd[r].next;
        nd[l].id = c->t->merge_result[rank];
        nd[l].next = rn;
        if (rn >= 0) nd[rn].prev = l;
        nd[r].id = -1;
        nd[r].rank = -1;
        alive--;
        if (c->rec) {
            tk_fenwick_kill(&c->alive, r);
            record_merge(c, base, n, l, a, b, rank, alive);
        }
        set_pair(c, nd[l].prev);
        set_pair(c, l);
    }
}

static bool cache_hit(gpt2_ctx *c, const char *p, size_t n) {
    int e = tk_smap_find(&c->cache, p, n);
    if (e < 0) return false;
    for (int k = 0; k < c->cache_n.v[e]; k++) tk_ints_push(c->ids, c->pool.v[c->cache_off.v[e] + k]);
    return true;
}

static void cache_store(gpt2_ctx *c, const char *p, size_t n, int first_id) {
    if (c->cache.s.n >= CACHE_MAX_ENTRIES || tk_smap_push(&c->cache, p, n) < 0) return;
    tk_ints_push(&c->cache_off, c->pool.n);
    tk_ints_push(&c->cache_n, c->ids->n - first_id);
    for (int k = first_id; k < c->ids->n; k++) tk_ints_push(&c->pool, c->ids->v[k]);
}

static bool gpt2_chunk(void *ctx, size_t start, size_t end) {
    gpt2_ctx *c = ctx;
    const char *p = c->text + start;
    size_t n = end - start;
    bool use_cache = !c->rec && n <= CACHE_MAX_CHUNK;
    if (use_cache && cache_hit(c, p, n)) return !c->ids->failed;
    if (n > (size_t)INT32_MAX / 2) {
        c->failed = true;
        return false;
    }
    if ((int)n > c->nodes_cap) {
        free(c->nodes);
        c->nodes_cap = (int)n * 2;
        c->nodes = malloc((size_t)c->nodes_cap * sizeof *c->nodes);
        if (!c->nodes) {
            c->nodes_cap = 0;
            c->failed = true;
            return false;
        }
    }
    int chunk = -1;
    if (c->rec) {
        chunk = tk_rec_chunk(c->rec, start, n);
        for (size_t i = 0; i < n; i++) tk_rec_symbol(c->rec, c->t->byte_id[(unsigned char)p[i]], start + i, 1);
        if (!tk_fenwick_init(&c->alive, (int)n)) c->failed = true;
    }
    merge_chunk(c, (const unsigned char *)p, (int)n, start);
    int first = c->ids->n;
    for (int i = 0; i >= 0; i = c->nodes[i].next) {
        tk_ints_push(c->ids, c->nodes[i].id);
        if (c->rec) {
            int e = c->nodes[i].next >= 0 ? c->nodes[i].next : (int)n;
            tk_rec_token(c->rec, c->nodes[i].id, chunk, start + (size_t)i, (size_t)(e - i));
        }
    }
    if (c->rec) {
        tk_rec_chunk_end(c->rec);
        tk_fenwick_free(&c->alive);
    }
    if (use_cache) cache_store(c, p, n, first);
    return !c->failed && !c->ids->failed;
}

gb_status tk_gpt2_encode(const gb_tokenizer *t, const char *text, size_t len, tk_ints *ids,
                         gb_tok_record *rec, gb_error *err) {
    gpt2_ctx c = {.t = t, .text = text, .ids = ids, .rec = rec};
    if (rec) tk_rec_reset(rec, GB_TOK_GPT2, text, len, 0, NULL, 0);
    void *md = tk_match_data_new(t);
    if (!md) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    int rc = tk_gpt2_chunks(t, md, text, len, gpt2_chunk, &c);
    tk_match_data_free(md);
    free(c.nodes);
    tk_heap_free(&c.heap);
    tk_fenwick_free(&c.alive);
    tk_smap_free(&c.cache);
    free(c.cache_off.v);
    free(c.cache_n.v);
    free(c.pool.v);
    if (rc < 0) return gb_fail(err, GB_ERR_INTERNAL, "the GPT-2 pre-token pattern failed (PCRE2 error %d)", rc);
    if (c.failed || ids->failed || (rec && tk_rec_failed(rec)))
        return gb_fail(err, GB_ERR_INTERNAL, "out of memory while tokenizing %zu bytes", len);
    return GB_OK;
}

/* ---- saving: Hugging Face vocab.json + merges.txt ---- */

static gb_status save_vocab_json(const gb_tokenizer *t, const char *path, gb_error *err) {
    json_t *obj = json_object();
    gb_status st = obj ? GB_OK : gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    for (int i = 0; !st && i < t->vocab.s.n; i++) {
        size_t len;
        const char *s = tk_strs_get(&t->vocab.s, i, &len);
        if (json_object_setn_new(obj, s, len, json_integer(i)) != 0)
            st = gb_fail(err, GB_ERR_INPUT, "%s: token %d cannot be written as a JSON key", path, i);
    }
    char *text = st ? NULL : json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(obj);
    if (!st && !text) st = gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    if (!st) st = gb_write_file_atomic(path, text, strlen(text), err);
    free(text);
    return st;
}

static gb_status save_merges(const gb_tokenizer *t, const char *path, gb_error *err) {
    gb_afile af;
    gb_status st = gb_afile_open(&af, path, err);
    if (st) return st;
    fputs("#version: 0.2\n", af.fp);
    for (int r = 0; r < t->n_merges; r++) {
        size_t la, lb;
        const char *a = tk_strs_get(&t->vocab.s, t->merge_left[r], &la);
        const char *b = tk_strs_get(&t->vocab.s, t->merge_right[r], &lb);
        fwrite(a, 1, la, af.fp);
        fputc(' ', af.fp);
        fwrite(b, 1, lb, af.fp);
        fputc('\n', af.fp);
    }
    return gb_afile_commit(&af, err);
}

gb_status tk_gpt2_save(const gb_tokenizer *t, const char *dir, gb_error *err) {
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return gb_fail(err, GB_ERR_INPUT, "%s: cannot create the folder: %s", dir, strerror(errno));
    size_t n = strlen(dir) + 16;
    char *vp = malloc(n), *mp = malloc(n);
    gb_status st = vp && mp ? GB_OK : gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    if (!st) {
        snprintf(vp, n, "%s/vocab.json", dir);
        snprintf(mp, n, "%s/merges.txt", dir);
        st = save_vocab_json(t, vp, err);
    }
    if (!st) st = save_merges(t, mp, err);
    free(vp);
    free(mp);
    return st;
}
