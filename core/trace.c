/* trace.c - the recording: named tensors in a hash table, growable along token axes. */
#include "glassbox/trace.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "glassbox/platform.h"
#include "trace_internal.h"

#define MAX_PATTERNS 32

typedef struct entry {
    gb_tensor t;
    unsigned tok_axes;
    int allocated; /* 0: name known, decision cached, no tensor yet */
    int wanted;
    int used;      /* slot in use */
} entry;

struct gb_trace {
    char *patterns[MAX_PATTERNS];
    int n_patterns;
    int capacity;
    entry *slots;  /* open addressing */
    int n_slots;   /* power of two */
    int n_used;
    int *order;    /* slot indices of allocated tensors, in creation order */
    int n_order, cap_order;
    uint64_t gen;  /* changes whenever a gb_tensor pointer of this trace may go stale */
};

/* Generations are unique across all traces, so a trace freed and another made
 * at the same address never look alike to a cache. */
static atomic_uint_fast64_t next_gen = 1;
static void bump(gb_trace *tr) { tr->gen = (uint64_t)atomic_fetch_add(&next_gen, 1); }

uint64_t gb_trace_generation(const gb_trace *tr) { return tr->gen; }

bool gb_trace_reuse(gb_trace *tr, gb_tensor *t, int ndim, const int64_t *shape, unsigned tok_axes) {
    entry *e = (entry *)t; /* t is the first member of its entry */
    if (!e->allocated || e->t.ndim != ndim || e->tok_axes != tok_axes) return false;
    for (int i = 0; i < ndim; i++) {
        bool tok = (tok_axes >> i) & 1u;
        if (tok ? shape[i] > tr->capacity : shape[i] != e->t.shape[i]) return false;
    }
    for (int i = 0; i < ndim; i++) e->t.shape[i] = shape[i];
    return true;
}

static uint64_t fnv1a(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

bool gb_glob_match(const char *p, const char *s) {
    /* iterative '*' matcher with backtracking to the last star */
    const char *star = NULL, *ss = NULL;
    while (*s) {
        if (*p == '*') {
            star = p++;
            ss = s;
        } else if (*p == *s) {
            p++;
            s++;
        } else if (star) {
            p = star + 1;
            s = ++ss;
        } else {
            return false;
        }
    }
    while (*p == '*') p++;
    return *p == '\0';
}

gb_trace *gb_trace_new(const char *patterns, int capacity, gb_error *err) {
    if (capacity <= 0) {
        gb_fail(err, GB_ERR_INPUT, "trace capacity must be positive (got %d)", capacity);
        return NULL;
    }
    gb_trace *tr = calloc(1, sizeof *tr);
    if (!tr) goto oom;
    tr->capacity = capacity;
    bump(tr);
    tr->n_slots = 256;
    tr->slots = calloc((size_t)tr->n_slots, sizeof *tr->slots);
    if (!tr->slots) goto oom;
    const char *p = patterns ? patterns : "";
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        while (n && p[0] == ' ') p++, n--;
        while (n && p[n - 1] == ' ') n--;
        if (n) {
            if (tr->n_patterns == MAX_PATTERNS) {
                gb_trace_free(tr);
                gb_fail(err, GB_ERR_INPUT, "too many hook patterns (at most %d)", MAX_PATTERNS);
                return NULL;
            }
            char *pat = malloc(n + 1);
            if (!pat) goto oom;
            memcpy(pat, p, n);
            pat[n] = '\0';
            tr->patterns[tr->n_patterns++] = pat;
        }
        if (!e) break;
        p = e + 1;
    }
    return tr;
oom:
    gb_trace_free(tr);
    gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    return NULL;
}

void gb_trace_clear(gb_trace *tr) {
    if (!tr) return;
    for (int i = 0; i < tr->n_slots; i++) {
        free(tr->slots[i].t.data);
    }
    memset(tr->slots, 0, (size_t)tr->n_slots * sizeof *tr->slots);
    bump(tr);
    tr->n_used = 0;
    tr->n_order = 0;
}

void gb_trace_free(gb_trace *tr) {
    if (!tr) return;
    if (tr->slots) gb_trace_clear(tr);
    for (int i = 0; i < tr->n_patterns; i++) free(tr->patterns[i]);
    free(tr->slots);
    free(tr->order);
    free(tr);
}

int gb_trace_capacity(const gb_trace *tr) { return tr->capacity; }
bool gb_trace_records_anything(const gb_trace *tr) { return tr && tr->n_patterns > 0; }

static bool matches(const gb_trace *tr, const char *name) {
    for (int i = 0; i < tr->n_patterns; i++)
        if (gb_glob_match(tr->patterns[i], name)) return true;
    return false;
}

static entry *probe(const gb_trace *tr, const char *name) {
    uint64_t h = fnv1a(name);
    for (int i = 0; i < tr->n_slots; i++) {
        entry *e = &tr->slots[(h + (uint64_t)i) & (uint64_t)(tr->n_slots - 1)];
        if (!e->used || strcmp(e->t.name, name) == 0) return e;
    }
    return NULL;
}

static int grow(gb_trace *tr) {
    int old_n = tr->n_slots;
    entry *old = tr->slots;
    entry *ns = calloc((size_t)old_n * 2, sizeof *ns);
    if (!ns) return -1;
    tr->slots = ns;
    tr->n_slots = old_n * 2;
    bump(tr);
    /* re-insert, remembering where allocated tensors move for the order list */
    int *where = malloc((size_t)old_n * sizeof *where);
    if (!where) {
        free(ns);
        tr->slots = old;
        tr->n_slots = old_n;
        return -1;
    }
    for (int i = 0; i < old_n; i++) {
        where[i] = -1;
        if (!old[i].used) continue;
        entry *e = probe(tr, old[i].t.name);
        *e = old[i];
        where[i] = (int)(e - tr->slots);
    }
    for (int i = 0; i < tr->n_order; i++) tr->order[i] = where[tr->order[i]];
    free(where);
    free(old);
    return 0;
}

static entry *lookup(gb_trace *tr, const char *name) {
    if (tr->n_used * 2 >= tr->n_slots && grow(tr) != 0) return NULL;
    entry *e = probe(tr, name);
    if (!e) return NULL;
    if (!e->used) {
        e->used = 1;
        snprintf(e->t.name, sizeof e->t.name, "%s", name);
        e->wanted = matches(tr, name);
        tr->n_used++;
    }
    return e;
}

bool gb_trace_wants(const gb_trace *tr, const char *name) {
    if (!tr || tr->n_patterns == 0) return false;
    entry *e = lookup((gb_trace *)tr, name);
    return e ? e->wanted : matches(tr, name);
}

static gb_tensor *entry_tensor(gb_trace *tr, entry *e, int ndim, const int64_t *shape, unsigned tok_axes,
                               float fill, gb_error *err);

gb_tensor *gb_trace_tensor(gb_trace *tr, const char *name, int ndim, const int64_t *shape,
                           unsigned tok_axes, float fill, gb_error *err) {
    entry *e = lookup(tr, name);
    if (!e) {
        gb_fail(err, GB_ERR_INTERNAL, "out of memory");
        return NULL;
    }
    return entry_tensor(tr, e, ndim, shape, tok_axes, fill, err);
}

gb_tensor *gb_trace_record(gb_trace *tr, const char *name, int ndim, const int64_t *shape,
                           unsigned tok_axes, float fill, gb_error *err) {
    if (!tr || tr->n_patterns == 0) return NULL;
    entry *e = lookup(tr, name);
    if (!e) {
        gb_fail(err, GB_ERR_INTERNAL, "out of memory");
        return NULL;
    }
    if (!e->wanted) return NULL;
    return entry_tensor(tr, e, ndim, shape, tok_axes, fill, err);
}

static gb_tensor *entry_tensor(gb_trace *tr, entry *e, int ndim, const int64_t *shape, unsigned tok_axes,
                               float fill, gb_error *err) {
    const char *name = e->t.name;
    if (ndim < 1 || ndim > GB_TENSOR_MAX_DIMS) {
        gb_fail(err, GB_ERR_INTERNAL, "trace %s: %d dimensions", name, ndim);
        return NULL;
    }
    for (int i = 0; i < ndim; i++)
        if ((tok_axes >> i) & 1u && shape[i] > tr->capacity) {
            gb_fail(err, GB_ERR_INPUT, "trace %s: %lld tokens exceed the trace capacity %d", name,
                    (long long)shape[i], tr->capacity);
            return NULL;
        }
    if (e->allocated) {
        int same = e->t.ndim == ndim && e->tok_axes == tok_axes;
        for (int i = 0; same && i < ndim; i++)
            if (!((tok_axes >> i) & 1u) && e->t.shape[i] != shape[i]) same = 0;
        if (same) {
            for (int i = 0; i < ndim; i++) e->t.shape[i] = shape[i];
            return &e->t;
        }
        free(e->t.data);
        e->t.data = NULL;
        bump(tr);
    }
    int64_t phys[GB_TENSOR_MAX_DIMS];
    size_t total = 1;
    for (int i = 0; i < ndim; i++) {
        phys[i] = ((tok_axes >> i) & 1u) ? tr->capacity : shape[i];
        total *= (size_t)phys[i];
    }
    /* calloc: large zero blocks come from the kernel untouched, so rows cost
     * only when they are written */
    float *data = fill == 0.0f ? calloc(total, sizeof(float)) : malloc(total * sizeof(float));
    if (!data) {
        gb_fail(err, GB_ERR_INTERNAL, "out of memory recording %s (%zu floats)", name, total);
        return NULL;
    }
    if (fill != 0.0f)
        for (size_t i = 0; i < total; i++) data[i] = fill;
    e->t.ndim = ndim;
    int64_t st = 1;
    for (int i = ndim - 1; i >= 0; i--) {
        e->t.shape[i] = shape[i];
        e->t.stride[i] = st;
        st *= phys[i];
    }
    for (int i = ndim; i < GB_TENSOR_MAX_DIMS; i++) e->t.shape[i] = e->t.stride[i] = 0;
    e->t.data = data;
    e->t.capacity_floats = total;
    e->tok_axes = tok_axes;
    if (!e->allocated) {
        if (tr->n_order == tr->cap_order) {
            int nc = tr->cap_order ? tr->cap_order * 2 : 64;
            int *no = realloc(tr->order, (size_t)nc * sizeof *no);
            if (!no) {
                free(data);
                e->t.data = NULL;
                gb_fail(err, GB_ERR_INTERNAL, "out of memory");
                return NULL;
            }
            tr->order = no;
            tr->cap_order = nc;
        }
        tr->order[tr->n_order++] = (int)(e - tr->slots);
    }
    e->allocated = 1;
    return &e->t;
}

void gb_trace_truncate(gb_trace *tr, int n_tokens) {
    for (int i = 0; i < tr->n_order; i++) {
        entry *e = &tr->slots[tr->order[i]];
        for (int a = 0; a < e->t.ndim; a++)
            if (((e->tok_axes >> a) & 1u) && e->t.shape[a] > n_tokens) e->t.shape[a] = n_tokens;
    }
}

const gb_tensor *gb_trace_find(const gb_trace *tr, const char *name) {
    if (!tr) return NULL;
    entry *e = probe(tr, name);
    return e && e->used && e->allocated ? &e->t : NULL;
}

int gb_trace_count(const gb_trace *tr) { return tr ? tr->n_order : 0; }

const gb_tensor *gb_trace_at(const gb_trace *tr, int i) {
    if (!tr || i < 0 || i >= tr->n_order) return NULL;
    return &tr->slots[tr->order[i]].t;
}

size_t gb_tensor_numel(const gb_tensor *t) {
    size_t n = 1;
    for (int i = 0; i < t->ndim; i++) n *= (size_t)t->shape[i];
    return n;
}

bool gb_tensor_is_contiguous(const gb_tensor *t) {
    int64_t st = 1;
    for (int i = t->ndim - 1; i >= 0; i--) {
        if (t->shape[i] > 1 && t->stride[i] != st) return false;
        st *= t->shape[i];
    }
    return true;
}

void gb_tensor_copy_contiguous(const gb_tensor *t, float *dst) {
    int64_t idx[GB_TENSOR_MAX_DIMS] = {0};
    size_t n = gb_tensor_numel(t);
    if (n == 0) return;
    int last = t->ndim - 1;
    int64_t row = t->shape[last];
    for (size_t done = 0; done < n; done += (size_t)row) {
        int64_t off = 0;
        for (int i = 0; i < last; i++) off += idx[i] * t->stride[i];
        if (t->stride[last] == 1) memcpy(dst + done, t->data + off, (size_t)row * sizeof(float));
        else
            for (int64_t j = 0; j < row; j++) dst[done + (size_t)j] = t->data[off + j * t->stride[last]];
        for (int i = last - 1; i >= 0; i--) {
            if (++idx[i] < t->shape[i]) break;
            idx[i] = 0;
        }
    }
}
