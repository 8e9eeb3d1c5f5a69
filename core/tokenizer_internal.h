/* tokenizer_internal.h - what the tokenizer files share: the tokenizer struct,
 * a byte-string table with a hash index, a pair map, a heap, growable id
 * arrays, UTF-8 checks and the record builders. Private to core/tokenizer*.c. */
#ifndef GB_TOKENIZER_INTERNAL_H
#define GB_TOKENIZER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "glassbox/tokenizer.h"

/* ---- byte strings: an append-only table, entry i = string i ---- */
typedef struct tk_strs {
    char *arena;
    size_t arena_len, arena_cap;
    size_t *off;     /* [n] start in arena */
    uint32_t *len;   /* [n] */
    int n, cap;
} tk_strs;
int tk_strs_push(tk_strs *s, const char *p, size_t len); /* index or -1 (out of memory) */
static inline const char *tk_strs_get(const tk_strs *s, int i, size_t *len) {
    *len = s->len[i];
    return s->arena + s->off[i];
}
void tk_strs_free(tk_strs *s);

/* A table with a hash index: find gives the FIRST entry with those bytes. */
typedef struct tk_smap {
    tk_strs s;
    int *slot;        /* [mask+1] entry index or -1 */
    size_t mask;
    int n_indexed;
} tk_smap;
int tk_smap_find(const tk_smap *m, const char *p, size_t len);
/* Append an entry (even if equal bytes exist: find keeps returning the first). */
int tk_smap_push(tk_smap *m, const char *p, size_t len);
/* Find, or append if absent; *added says which. -1 on out of memory. */
int tk_smap_intern(tk_smap *m, const char *p, size_t len, bool *added);
void tk_smap_free(tk_smap *m);
uint64_t tk_hash(const char *p, size_t len);

/* uint64 key -> int value. */
typedef struct tk_pmap {
    uint64_t *key;
    int *val;         /* -1 = empty slot */
    size_t mask;
    size_t n;
} tk_pmap;
bool tk_pmap_put(tk_pmap *m, uint64_t key, int val); /* false: out of memory */
int tk_pmap_get(const tk_pmap *m, uint64_t key);     /* value or -1 */
void tk_pmap_free(tk_pmap *m);

/* Min-heap of merge candidates, each packed in one uint64 (priority in the
 * high bits, node index in the low bits) so that the heap stays small and
 * cache-friendly; 4 children per node halves its depth. Whether a popped
 * candidate is still current is checked against the node itself. */
typedef struct tk_heap {
    uint64_t *v;
    int n, cap;
} tk_heap;
/* Elementary steps of encoding on this thread (pair look-ups and their
 * probes, heap operations): gb_tokenizer_work(). */
extern _Thread_local uint64_t tk_work;
bool tk_heap_push(tk_heap *h, uint64_t key);
uint64_t tk_heap_pop(tk_heap *h);
/* Arrange v[0..n) (already filled, e.g. by tk_heap_reserve) into a heap. */
void tk_heap_build(tk_heap *h);
bool tk_heap_reserve(tk_heap *h, int n);
void tk_heap_free(tk_heap *h);

/* Growable int array; `failed` is set on out of memory and sticks. */
typedef struct tk_ints {
    int *v;
    int n, cap;
    bool failed;
} tk_ints;
void tk_ints_push(tk_ints *a, int x);

/* Length of the valid UTF-8 character at p (1..4), 0 if it is not one
 * (overlong, surrogate, above U+10FFFF, cut short, stray continuation byte). */
size_t tk_utf8_len(const unsigned char *p, size_t n);
/* Offset of the first byte that does not start a valid character, or n. */
size_t tk_utf8_check(const char *p, size_t n);
/* Encode a code point; returns bytes written (1..4). */
int tk_utf8_put(uint32_t cp, char *out);
/* Decode the character at p (assumes tk_utf8_len > 0). */
uint32_t tk_utf8_get(const unsigned char *p, size_t *len);

/* ---- the tokenizer ---- */
struct gb_tokenizer {
    gb_tok_kind kind;
    char *source;
    tk_smap vocab;                      /* token i = entry i, as in the file */
    tk_strs pieces;                     /* bytes each token stands for */
    int special[GB_SPECIAL_COUNT];
    /* GPT-2 byte-level BPE */
    int byte_id[256];                   /* token of each single byte */
    tk_pmap pairs;                      /* (left<<32 | right) -> rank */
    int *merge_left, *merge_right, *merge_result; /* [n_merges] in rank order */
    int n_merges;
    void *re;                           /* pcre2_code* of the pre-token pattern */
    bool re_jit;
    /* llama2.c */
    float *score;                       /* [n] */
    int max_token_length;
    /* char and word */
    bool lowercase;
    int add_at_start, add_at_end;       /* gb_special or -1 */
};

gb_tokenizer *tk_new(gb_tok_kind kind, const char *source);
/* Compile a pattern (UTF + UCP, JIT when possible) into t->re. */
gb_status tk_compile_regex(gb_tokenizer *t, const char *pattern, gb_error *err);
void tk_regex_free(void *re);
/* Next match of t->re in subj[0..n) starting at off: sets *ms, *me and
 * returns 1; 0 if there is none; a negative PCRE2 error code if matching
 * failed (never silently treated as "no match"). */
int tk_regex_next(const gb_tokenizer *t, void *match_data, const char *subj, size_t n, size_t off,
                   size_t *ms, size_t *me);
void *tk_match_data_new(const gb_tokenizer *t);
void tk_match_data_free(void *md);

/* Per-kind parts. */
gb_status tk_gpt2_load(const char *vocab_path, const char *merges_path, gb_tokenizer **out,
                       gb_error *err);
gb_status tk_gpt2_prepare(gb_tokenizer *t, gb_error *err); /* pieces, byte ids, regex, specials */
gb_status tk_gpt2_add_merge(gb_tokenizer *t, int left, int right, int result, gb_error *err);
gb_status tk_gpt2_encode(const gb_tokenizer *t, const char *text, size_t len, tk_ints *ids,
                         gb_tok_record *rec, gb_error *err);
gb_status tk_gpt2_save(const gb_tokenizer *t, const char *dir, gb_error *err);
/* Calls fn for each GPT-2 pre-token chunk [start, end) of text (invalid UTF-8
 * runs form chunks of their own). Returns 0, 1 if fn returned false, or a
 * negative PCRE2 error code. */
int tk_gpt2_chunks(const gb_tokenizer *t, void *md, const char *text, size_t len,
                    bool (*fn)(void *ctx, size_t start, size_t end), void *ctx);
extern const char TK_GPT2_PATTERN[];
/* GPT-2's byte <-> unicode mapping. */
uint32_t tk_byte_to_cp(unsigned char b);
int tk_cp_to_byte(uint32_t cp); /* -1 if cp is not in the mapping */

gb_status tk_llama_load(const char *path, gb_tokenizer **out, gb_error *err);
gb_status tk_llama_encode(const gb_tokenizer *t, const char *text, size_t len, bool add_special,
                          tk_ints *ids, gb_tok_record *rec, gb_error *err);
gb_status tk_llama_save(const gb_tokenizer *t, const char *path, gb_error *err);

gb_status tk_simple_load(const char *path, const char *json, size_t len, gb_tokenizer **out,
                         gb_error *err);
gb_status tk_simple_encode(const gb_tokenizer *t, const char *text, size_t len, bool add_special,
                           tk_ints *ids, gb_tok_record *rec, gb_error *err);
gb_status tk_simple_save(const gb_tokenizer *t, const char *path, gb_error *err);
/* Word spacing rule for decode: a space goes between prev and next pieces? */
bool tk_word_space_between(const char *prev, size_t plen, const char *next, size_t nlen);
extern const char TK_WORD_PATTERN[];

/* ---- record builders (tokenizer_record.c); failures set a sticky flag ---- */
void tk_rec_reset(gb_tok_record *r, gb_tok_kind kind, const char *text, size_t len, size_t shift,
                  const char *prefix, size_t prefix_len);
int tk_rec_chunk(gb_tok_record *r, size_t start, size_t len); /* opens chunk; returns index */
void tk_rec_chunk_end(gb_tok_record *r);
void tk_rec_symbol(gb_tok_record *r, int id, size_t start, size_t len);
/* Appends a merge; returns its index or -1. */
int tk_rec_merge(gb_tok_record *r, int pos, int left, int right, int result, int rank, float score,
                 size_t start, size_t len, int n_after);
void tk_rec_after(gb_tok_record *r, int merge, int id, size_t start, size_t len);
void tk_rec_token(gb_tok_record *r, int id, int chunk, size_t start, size_t len);
bool tk_rec_failed(const gb_tok_record *r);

/* Fenwick tree over 0/1 "alive" flags: gives a node's index in the current
 * sequence in O(log n) while a long chunk is being merged and recorded. */
typedef struct tk_fenwick {
    int *t;
    int n;
} tk_fenwick;
bool tk_fenwick_init(tk_fenwick *f, int n); /* all alive */
void tk_fenwick_kill(tk_fenwick *f, int i);
int tk_fenwick_before(const tk_fenwick *f, int i); /* alive nodes with index < i */
void tk_fenwick_free(tk_fenwick *f);

#endif
