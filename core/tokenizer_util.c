/* tokenizer_util.c - the small containers the tokenizers share: a byte-string
 * table with a hash index, a pair map, a candidate heap, growable int arrays,
 * UTF-8 checks and a Fenwick tree. */
#include <stdlib.h>
#include <string.h>

#include "tokenizer_internal.h"

static bool grow(void **p, int *cap, int need, size_t elt) {
    if (need <= *cap) return true;
    int nc = *cap ? *cap : 16;
    while (nc < need) {
        if (nc > (1 << 29)) return false;
        nc *= 2;
    }
    void *q = realloc(*p, (size_t)nc * elt);
    if (!q) return false;
    *p = q;
    *cap = nc;
    return true;
}

/* ---- tk_strs ---- */

int tk_strs_push(tk_strs *s, const char *p, size_t len) {
    if (len > UINT32_MAX) return -1;
    if (s->n == s->cap) {
        int nc = s->cap ? s->cap * 2 : 64;
        size_t *no = realloc(s->off, (size_t)nc * sizeof *no);
        if (!no) return -1;
        s->off = no;
        uint32_t *nl = realloc(s->len, (size_t)nc * sizeof *nl);
        if (!nl) return -1;
        s->len = nl;
        s->cap = nc;
    }
    if (s->arena_len + len + 1 > s->arena_cap) {
        size_t nc = s->arena_cap ? s->arena_cap : 1024;
        while (nc < s->arena_len + len + 1) nc *= 2;
        char *na = realloc(s->arena, nc);
        if (!na) return -1;
        s->arena = na;
        s->arena_cap = nc;
    }
    if (len) memcpy(s->arena + s->arena_len, p, len);
    s->arena[s->arena_len + len] = '\0'; /* every string is also a C string */
    s->off[s->n] = s->arena_len;
    s->len[s->n] = (uint32_t)len;
    s->arena_len += len + 1;
    return s->n++;
}

void tk_strs_free(tk_strs *s) {
    free(s->arena);
    free(s->off);
    free(s->len);
    memset(s, 0, sizeof *s);
}

/* ---- hashing: 8 bytes at a time, multiply-xorshift mixing ---- */

static inline uint64_t mix64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

uint64_t tk_hash(const char *p, size_t len) {
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (len * 0x100000001b3ULL);
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0x9fb21c651e98df25ULL;
        h ^= h >> 29;
        p += 8;
        len -= 8;
    }
    uint64_t w = 0;
    if (len) memcpy(&w, p, len);
    return mix64(h ^ w);
}

/* ---- tk_smap ---- */

static bool smap_rehash(tk_smap *m, size_t slots) {
    int *ns = malloc(slots * sizeof *ns);
    if (!ns) return false;
    for (size_t i = 0; i < slots; i++) ns[i] = -1;
    size_t mask = slots - 1;
    for (int e = 0; e < m->s.n; e++) {
        size_t len;
        const char *p = tk_strs_get(&m->s, e, &len);
        size_t i = (size_t)tk_hash(p, len) & mask;
        bool dup = false;
        while (ns[i] >= 0) {
            size_t ol;
            const char *q = tk_strs_get(&m->s, ns[i], &ol);
            if (ol == len && memcmp(p, q, len) == 0) {
                dup = true; /* keep the first entry with these bytes */
                break;
            }
            i = (i + 1) & mask;
        }
        if (!dup) ns[i] = e;
    }
    free(m->slot);
    m->slot = ns;
    m->mask = mask;
    return true;
}

int tk_smap_find(const tk_smap *m, const char *p, size_t len) {
    if (!m->slot) return -1;
    size_t i = (size_t)tk_hash(p, len) & m->mask;
    while (m->slot[i] >= 0) {
        int e = m->slot[i];
        if (m->s.len[e] == len && memcmp(m->s.arena + m->s.off[e], p, len) == 0) return e;
        i = (i + 1) & m->mask;
    }
    return -1;
}

int tk_smap_push(tk_smap *m, const char *p, size_t len) {
    int e = tk_strs_push(&m->s, p, len);
    if (e < 0) return -1;
    size_t slots = m->slot ? m->mask + 1 : 0;
    if ((size_t)m->s.n * 2 > slots) {
        size_t ns = slots ? slots * 2 : 64;
        while ((size_t)m->s.n * 2 > ns) ns *= 2;
        if (!smap_rehash(m, ns)) return -1;
        return e;
    }
    size_t i = (size_t)tk_hash(p, len) & m->mask;
    while (m->slot[i] >= 0) {
        int o = m->slot[i];
        if (m->s.len[o] == len && memcmp(m->s.arena + m->s.off[o], p, len) == 0) return e;
        i = (i + 1) & m->mask;
    }
    m->slot[i] = e;
    return e;
}

int tk_smap_intern(tk_smap *m, const char *p, size_t len, bool *added) {
    int e = tk_smap_find(m, p, len);
    *added = e < 0;
    return e >= 0 ? e : tk_smap_push(m, p, len);
}

void tk_smap_free(tk_smap *m) {
    tk_strs_free(&m->s);
    free(m->slot);
    memset(m, 0, sizeof *m);
}

/* ---- tk_pmap ---- */

static bool pmap_grow(tk_pmap *m) {
    size_t slots = m->key ? (m->mask + 1) * 2 : 256;
    uint64_t *nk = malloc(slots * sizeof *nk);
    int *nv = malloc(slots * sizeof *nv);
    if (!nk || !nv) {
        free(nk);
        free(nv);
        return false;
    }
    for (size_t i = 0; i < slots; i++) nv[i] = -1;
    size_t mask = slots - 1;
    if (m->key)
        for (size_t j = 0; j <= m->mask; j++) {
            if (m->val[j] < 0) continue;
            size_t i = (size_t)mix64(m->key[j]) & mask;
            while (nv[i] >= 0) i = (i + 1) & mask;
            nk[i] = m->key[j];
            nv[i] = m->val[j];
        }
    free(m->key);
    free(m->val);
    m->key = nk;
    m->val = nv;
    m->mask = mask;
    return true;
}

bool tk_pmap_put(tk_pmap *m, uint64_t key, int val) {
    if (!m->key || (m->n + 1) * 2 > m->mask + 1) {
        if (!pmap_grow(m)) return false;
    }
    size_t i = (size_t)mix64(key) & m->mask;
    while (m->val[i] >= 0 && m->key[i] != key) i = (i + 1) & m->mask;
    if (m->val[i] < 0) m->n++;
    m->key[i] = key;
    m->val[i] = val;
    return true;
}

_Thread_local uint64_t tk_work;

int tk_pmap_get(const tk_pmap *m, uint64_t key) {
    tk_work++;
    if (!m->key) return -1;
    size_t i = (size_t)mix64(key) & m->mask;
    while (m->val[i] >= 0) {
        tk_work++; /* a probe: clustering would show up as more work */
        if (m->key[i] == key) return m->val[i];
        i = (i + 1) & m->mask;
    }
    return -1;
}

void tk_pmap_free(tk_pmap *m) {
    free(m->key);
    free(m->val);
    memset(m, 0, sizeof *m);
}

/* ---- tk_heap: 4-ary min-heap of uint64 ---- */

bool tk_heap_reserve(tk_heap *h, int n) { return grow((void **)&h->v, &h->cap, n, sizeof *h->v); }

static void heap_down(uint64_t *v, int n, int i) {
    uint64_t x = v[i];
    for (;;) {
        int c = 4 * i + 1;
        if (c >= n) break;
        int best = c, end = c + 4 < n ? c + 4 : n;
        for (int k = c + 1; k < end; k++)
            if (v[k] < v[best]) best = k;
        if (x <= v[best]) break;
        v[i] = v[best];
        i = best;
    }
    v[i] = x;
}

bool tk_heap_push(tk_heap *h, uint64_t key) {
    tk_work++;
    if (!grow((void **)&h->v, &h->cap, h->n + 1, sizeof *h->v)) return false;
    int i = h->n++;
    while (i > 0) {
        int p = (i - 1) / 4;
        if (h->v[p] <= key) break;
        h->v[i] = h->v[p];
        i = p;
    }
    h->v[i] = key;
    return true;
}

uint64_t tk_heap_pop(tk_heap *h) {
    tk_work++;
    uint64_t top = h->v[0];
    h->v[0] = h->v[--h->n];
    if (h->n > 0) heap_down(h->v, h->n, 0);
    return top;
}

void tk_heap_build(tk_heap *h) {
    tk_work += (uint64_t)h->n;
    if (h->n < 2) return; /* (n - 2) / 4 rounds to 0 for n = 0: heap_down would read v[0] */
    for (int i = (h->n - 2) / 4; i >= 0; i--) heap_down(h->v, h->n, i);
}

void tk_heap_free(tk_heap *h) {
    free(h->v);
    memset(h, 0, sizeof *h);
}

/* ---- tk_ints ---- */

void tk_ints_push(tk_ints *a, int x) {
    if (a->failed) return;
    if (!grow((void **)&a->v, &a->cap, a->n + 1, sizeof *a->v)) {
        a->failed = true;
        return;
    }
    a->v[a->n++] = x;
}

/* ---- UTF-8 ---- */

size_t tk_utf8_len(const unsigned char *p, size_t n) {
    if (n == 0) return 0;
    unsigned c = p[0];
    if (c < 0x80) return 1;
    size_t len;
    uint32_t min;
    if (c >= 0xC2 && c <= 0xDF) len = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, min = 0x10000;
    else return 0;
    if (n < len) return 0;
    uint32_t cp = c & (0x3F >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

size_t tk_utf8_check(const char *p, size_t n) {
    const unsigned char *u = (const unsigned char *)p;
    size_t i = 0;
    while (i < n) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = tk_utf8_len(u + i, n - i);
        if (!k) return i;
        i += k;
    }
    return n;
}

int tk_utf8_put(uint32_t cp, char *out) {
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

uint32_t tk_utf8_get(const unsigned char *p, size_t *len) {
    size_t n = p[0] < 0x80 ? 1 : p[0] < 0xE0 ? 2 : p[0] < 0xF0 ? 3 : 4;
    uint32_t cp = n == 1 ? p[0] : (uint32_t)(p[0] & (0x3F >> (n - 1)));
    for (size_t i = 1; i < n; i++) cp = (cp << 6) | (p[i] & 0x3F);
    *len = n;
    return cp;
}

/* ---- Fenwick tree ---- */

bool tk_fenwick_init(tk_fenwick *f, int n) {
    f->n = n;
    f->t = calloc((size_t)n + 1, sizeof *f->t);
    if (!f->t) return false;
    for (int i = 1; i <= n; i++) {
        f->t[i] += 1;
        int j = i + (i & -i);
        if (j <= n) f->t[j] += f->t[i];
    }
    return true;
}

void tk_fenwick_kill(tk_fenwick *f, int i) {
    for (int k = i + 1; k <= f->n; k += k & -k) f->t[k] -= 1;
}

int tk_fenwick_before(const tk_fenwick *f, int i) {
    int s = 0;
    for (int k = i; k > 0; k -= k & -k) s += f->t[k];
    return s;
}

void tk_fenwick_free(tk_fenwick *f) {
    free(f->t);
    f->t = NULL;
    f->n = 0;
}
