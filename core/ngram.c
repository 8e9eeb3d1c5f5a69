/* ngram.c - the bigram model: word pair counts in compressed rows, add-k smoothing.
 *
 * Counting collects every (prev, next) pair as one 64-bit key, sorts the keys
 * and turns runs into counts, so row p of the table (the words seen after p)
 * is a sorted slice that a binary search reads.
 */
#include "glassbox/ngram.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "glassbox/corpus.h"

struct gb_bigram {
    int V;              /* vocabulary size, <unk> <s> </s> included */
    char **words;       /* (V,) id -> word */
    int *table;         /* (tcap,) open addressing: id + 1, 0 empty */
    size_t tcap;
    double k;           /* add-k */
    int64_t *row;       /* (V + 1,) pairs of context p are [row[p], row[p+1]) */
    int *next;          /* (n_pairs,) sorted within a row */
    uint64_t *count;    /* (n_pairs,) */
    uint64_t *ctx;      /* (V,) c(p) */
};

static uint64_t hash_word(const char *s, size_t n) {
    uint64_t h = 0xCBF29CE484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001B3ull;
    return h;
}

static int lookup(const gb_bigram *bg, const char *s, size_t n, size_t *slot) {
    size_t i = hash_word(s, n) & (bg->tcap - 1);
    while (bg->table[i]) {
        const char *w = bg->words[bg->table[i] - 1];
        if (strlen(w) == n && memcmp(w, s, n) == 0) break;
        i = (i + 1) & (bg->tcap - 1);
    }
    if (slot) *slot = i;
    return bg->table[i] - 1; /* -1 if absent */
}

static int rehash(gb_bigram *bg) {
    size_t nc = bg->tcap ? bg->tcap * 2 : 1024;
    int *nt = calloc(nc, sizeof *nt);
    if (!nt) return 0;
    int *old = bg->table;
    size_t oc = bg->tcap;
    bg->table = nt;
    bg->tcap = nc;
    for (size_t i = 0; i < oc; i++)
        if (old[i]) {
            size_t s;
            const char *w = bg->words[old[i] - 1];
            lookup(bg, w, strlen(w), &s);
            nt[s] = old[i];
        }
    free(old);
    return 1;
}

/* id of word, adding it if new; -1 on out of memory. */
static int intern(gb_bigram *bg, const char *s, size_t n, int *cap_words) {
    if ((size_t)(bg->V + 1) * 2 >= bg->tcap && !rehash(bg)) return -1;
    size_t slot;
    int id = lookup(bg, s, n, &slot);
    if (id >= 0) return id;
    if (bg->V == *cap_words) {
        int nc = *cap_words ? *cap_words * 2 : 256;
        char **nw = realloc(bg->words, (size_t)nc * sizeof *nw);
        if (!nw) return -1;
        bg->words = nw;
        *cap_words = nc;
    }
    char *w = malloc(n + 1);
    if (!w) return -1;
    memcpy(w, s, n);
    w[n] = '\0';
    bg->words[bg->V] = w;
    bg->table[slot] = bg->V + 1;
    return bg->V++;
}

void gb_bigram_free(gb_bigram *bg) {
    if (!bg) return;
    for (int i = 0; i < bg->V; i++) free(bg->words[i]);
    free(bg->words);
    free(bg->table);
    free(bg->row);
    free(bg->next);
    free(bg->count);
    free(bg->ctx);
    free(bg);
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Pair keys (prev << 32 | next) of every line; *n_keys of them. */
static gb_status collect_pairs(gb_bigram *bg, const char *const *lines, int n_lines, uint64_t **keys,
                               size_t *n_keys, gb_error *err) {
    size_t cap = 1024, n = 0;
    int cap_words = bg->V;
    uint64_t *K = malloc(cap * sizeof *K);
    if (!K) return gb_fail(err, GB_ERR_INTERNAL, "bigram: out of memory");
    for (int l = 0; l < n_lines; l++) {
        const char *s = lines[l];
        int prev = GB_BIGRAM_BOS, words = 0;
        for (;;) {
            while (*s == ' ' || *s == '\t' || *s == '\r') s++;
            const char *e = s;
            while (*e && *e != ' ' && *e != '\t' && *e != '\r' && *e != '\n') e++;
            int id = GB_BIGRAM_EOS;
            if (e == s && words == 0) break; /* empty line: no sentence */
            if (e > s && (id = intern(bg, s, (size_t)(e - s), &cap_words)) < 0) goto oom;
            if (n == cap) {
                uint64_t *nk = realloc(K, cap * 2 * sizeof *K);
                if (!nk) goto oom;
                K = nk;
                cap *= 2;
            }
            K[n++] = (uint64_t)prev << 32 | (uint32_t)id;
            if (id == GB_BIGRAM_EOS) break;
            prev = id;
            words++;
            s = e;
        }
    }
    *keys = K;
    *n_keys = n;
    return GB_OK;
oom:
    free(K);
    return gb_fail(err, GB_ERR_INTERNAL, "bigram: out of memory");
}

static gb_status build_rows(gb_bigram *bg, uint64_t *K, size_t n, gb_error *err) {
    qsort(K, n, sizeof *K, cmp_u64);
    size_t pairs = 0;
    for (size_t i = 0; i < n; i++) pairs += i == 0 || K[i] != K[i - 1];
    bg->row = calloc((size_t)bg->V + 1, sizeof *bg->row);
    bg->next = malloc((pairs ? pairs : 1) * sizeof *bg->next);
    bg->count = malloc((pairs ? pairs : 1) * sizeof *bg->count);
    bg->ctx = calloc((size_t)bg->V, sizeof *bg->ctx);
    if (!bg->row || !bg->next || !bg->count || !bg->ctx) return gb_fail(err, GB_ERR_INTERNAL, "bigram: out of memory");
    size_t p = 0;
    for (size_t i = 0; i < n; i++) {
        int prev = (int)(K[i] >> 32), nx = (int)(uint32_t)K[i];
        if (i == 0 || K[i] != K[i - 1]) {
            bg->next[p] = nx;
            bg->count[p++] = 0;
            bg->row[prev + 1]++;
        }
        bg->count[p - 1]++;
        bg->ctx[prev]++;
    }
    for (int v = 0; v < bg->V; v++) bg->row[v + 1] += bg->row[v];
    return GB_OK;
}

gb_status gb_bigram_build_lines(const char *const *lines, int n_lines, double k, gb_bigram **out, gb_error *err) {
    *out = NULL;
    if (!(k > 0) || !isfinite(k) || k > 1e6)
        return gb_fail(err, GB_ERR_INPUT, "bigram: smoothing k = %g must be a positive number (e.g. 0.1)", k);
    for (int l = 0; l < n_lines; l++) {
        if (!gb_corpus_check_utf8(lines[l], strlen(lines[l]), NULL))
            return gb_fail(err, GB_ERR_INPUT, "bigram: line %d of the corpus is not valid UTF-8", l + 1);
    }
    gb_bigram *bg = calloc(1, sizeof *bg);
    if (!bg) return gb_fail(err, GB_ERR_INTERNAL, "bigram: out of memory");
    bg->k = k;
    int cap_words = 0;
    static const char *const special[3] = {"<unk>", "<s>", "</s>"};
    for (int i = 0; i < 3; i++)
        if (intern(bg, special[i], strlen(special[i]), &cap_words) != i) {
            gb_bigram_free(bg);
            return gb_fail(err, GB_ERR_INTERNAL, "bigram: out of memory");
        }
    uint64_t *K = NULL;
    size_t n = 0;
    gb_status st = collect_pairs(bg, lines, n_lines, &K, &n, err);
    if (!st && bg->V == 3) st = gb_fail(err, GB_ERR_INPUT, "bigram: empty corpus: no words to count");
    if (!st) st = build_rows(bg, K, n, err);
    free(K);
    if (st) {
        gb_bigram_free(bg);
        return st;
    }
    *out = bg;
    return GB_OK;
}

/* Split text into lines in place (a private copy) and run fn on them. */
static gb_status with_lines(const char *text, size_t len, char **copy, const char ***lines, int *n, gb_error *err) {
    int bad;
    if (!gb_corpus_check_utf8(text, len, &bad))
        return gb_fail(err, GB_ERR_INPUT, "bigram: line %d of the text is not valid UTF-8 (or holds a NUL byte)", bad);
    *copy = malloc(len + 1);
    int cap = 1;
    for (size_t i = 0; i < len; i++) cap += text[i] == '\n';
    *lines = malloc((size_t)cap * sizeof **lines);
    if (!*copy || !*lines) {
        free(*copy);
        free(*lines);
        return gb_fail(err, GB_ERR_INTERNAL, "bigram: out of memory");
    }
    memcpy(*copy, text, len);
    (*copy)[len] = '\0';
    *n = 0;
    for (char *s = *copy; s;) {
        char *nl = strchr(s, '\n');
        if (nl) *nl = '\0';
        (*lines)[(*n)++] = s;
        s = nl ? nl + 1 : NULL;
    }
    return GB_OK;
}

gb_status gb_bigram_build(const char *text, size_t len, double k, gb_bigram **out, gb_error *err) {
    char *copy;
    const char **lines;
    int n;
    *out = NULL;
    gb_status st = with_lines(text, len, &copy, &lines, &n, err);
    if (st) return st;
    st = gb_bigram_build_lines(lines, n, k, out, err);
    free(copy);
    free(lines);
    return st;
}

int gb_bigram_vocab_size(const gb_bigram *bg) { return bg->V; }
double gb_bigram_k(const gb_bigram *bg) { return bg->k; }

const char *gb_bigram_word(const gb_bigram *bg, int id) { return id >= 0 && id < bg->V ? bg->words[id] : NULL; }

int gb_bigram_id(const gb_bigram *bg, const char *word) {
    int id = lookup(bg, word, strlen(word), NULL);
    return id < 0 ? GB_BIGRAM_UNK : id;
}

uint64_t gb_bigram_count(const gb_bigram *bg, int prev, int next) {
    if (prev < 0 || prev >= bg->V) return 0;
    int64_t lo = bg->row[prev], hi = bg->row[prev + 1];
    while (lo < hi) {
        int64_t mid = (lo + hi) / 2;
        if (bg->next[mid] == next) return bg->count[mid];
        if (bg->next[mid] < next) lo = mid + 1;
        else hi = mid;
    }
    return 0;
}

uint64_t gb_bigram_context_count(const gb_bigram *bg, int prev) {
    return prev >= 0 && prev < bg->V ? bg->ctx[prev] : 0;
}

double gb_bigram_prob(const gb_bigram *bg, int prev, int next) {
    if (next == GB_BIGRAM_BOS || next < 0 || next >= bg->V) return 0;
    if (prev < 0 || prev >= bg->V) prev = GB_BIGRAM_UNK;
    double denom = (double)gb_bigram_context_count(bg, prev) + bg->k * (bg->V - 1);
    return ((double)gb_bigram_count(bg, prev, next) + bg->k) / denom;
}

void gb_bigram_next(const gb_bigram *bg, int prev, double *probs) {
    if (prev < 0 || prev >= bg->V) prev = GB_BIGRAM_UNK;
    double denom = (double)bg->ctx[prev] + bg->k * (bg->V - 1);
    for (int v = 0; v < bg->V; v++) probs[v] = bg->k / denom;
    probs[GB_BIGRAM_BOS] = 0;
    for (int64_t i = bg->row[prev]; i < bg->row[prev + 1]; i++)
        probs[bg->next[i]] = ((double)bg->count[i] + bg->k) / denom;
}

int gb_bigram_top(const gb_bigram *bg, int prev, int k, int *ids, double *probs) {
    int n = 0;
    for (int v = 0; v < bg->V; v++) {
        if (v == GB_BIGRAM_BOS) continue;
        double p = gb_bigram_prob(bg, prev, v);
        /* insertion into the sorted top list; equal p keeps the smaller id first */
        int pos = n;
        while (pos > 0 && probs[pos - 1] < p) pos--;
        if (pos >= k) continue;
        int last = n < k ? n : k - 1;
        for (int j = last; j > pos; j--) {
            ids[j] = ids[j - 1];
            probs[j] = probs[j - 1];
        }
        ids[pos] = v;
        probs[pos] = p;
        if (n < k) n++;
    }
    return n;
}

gb_status gb_bigram_perplexity_lines(const gb_bigram *bg, const char *const *lines, int n_lines, double *ppl,
                                     long *n_tokens, gb_error *err) {
    double nll = 0;
    long n = 0;
    for (int l = 0; l < n_lines; l++) {
        const char *s = lines[l];
        if (!gb_corpus_check_utf8(s, strlen(s), NULL))
            return gb_fail(err, GB_ERR_INPUT, "bigram: line %d of the text is not valid UTF-8", l + 1);
        int prev = GB_BIGRAM_BOS, words = 0;
        for (;;) {
            while (*s == ' ' || *s == '\t' || *s == '\r') s++;
            const char *e = s;
            while (*e && *e != ' ' && *e != '\t' && *e != '\r' && *e != '\n') e++;
            if (e == s && words == 0) break;
            int id = GB_BIGRAM_EOS;
            if (e > s && (id = lookup(bg, s, (size_t)(e - s), NULL)) < 0) id = GB_BIGRAM_UNK;
            nll -= log(gb_bigram_prob(bg, prev, id));
            n++;
            if (id == GB_BIGRAM_EOS) break;
            prev = id;
            words++;
            s = e;
        }
    }
    if (n == 0) return gb_fail(err, GB_ERR_INPUT, "bigram: no words to measure perplexity on");
    *ppl = exp(nll / (double)n);
    if (n_tokens) *n_tokens = n;
    return GB_OK;
}

gb_status gb_bigram_perplexity(const gb_bigram *bg, const char *text, size_t len, double *ppl, long *n_tokens,
                               gb_error *err) {
    char *copy;
    const char **lines;
    int n;
    gb_status st = with_lines(text, len, &copy, &lines, &n, err);
    if (st) return st;
    st = gb_bigram_perplexity_lines(bg, lines, n, ppl, n_tokens, err);
    free(copy);
    free(lines);
    return st;
}
