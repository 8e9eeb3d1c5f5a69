/* sampler.c - temperature, top-k, top-p, renormalise, draw; each stage recorded.
 *
 * Semantics and tie rules are in glassbox/sampler.h. Implementation notes:
 * every token gets a 64-bit rank key, (descending logit order << 32) | id, so
 * keys are unique and "smaller key = better rank" encodes the tie rule; all
 * selection then works on plain integers.
 */
#include "glassbox/sampler.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GB_NBUCKETS 4096 /* logit buckets of the whole-vocabulary path */

static void bucket_index(gb_sample_record *r);

/* ---------- settings ---------- */

gb_sampler_settings gb_sampler_defaults(void) {
    return (gb_sampler_settings){.temperature = 1.0, .top_k = 0, .top_p = 1.0};
}

gb_status gb_sampler_settings_validate(const gb_sampler_settings *s, gb_error *err) {
    if (!(s->temperature >= 0.0 && s->temperature <= GB_TEMPERATURE_MAX))
        return gb_fail(err, GB_ERR_INPUT, "temperature: %g is out of range [0, %g] (0 = greedy)",
                       s->temperature, GB_TEMPERATURE_MAX);
    if (s->top_k < 0)
        return gb_fail(err, GB_ERR_INPUT, "top-k: %d is out of range [0, vocabulary size] (0 = off)",
                       s->top_k);
    if (!(s->top_p > 0.0 && s->top_p <= 1.0))
        return gb_fail(err, GB_ERR_INPUT, "top-p: %g is out of range (0, 1] (1 = off)", s->top_p);
    return GB_OK;
}

void gb_sampler_settings_describe(const gb_sampler_settings *s, char *buf, int cap) {
    if (cap <= 0) return;
    if (s->temperature == 0.0) {
        snprintf(buf, (size_t)cap, "greedy");
        return;
    }
    int n = snprintf(buf, (size_t)cap, "T=%g", s->temperature);
    if (s->top_k > 0 && n < cap) n += snprintf(buf + n, (size_t)(cap - n), " top-k=%d", s->top_k);
    if (s->top_p < 1.0 && n < cap) snprintf(buf + n, (size_t)(cap - n), " top-p=%g", s->top_p);
}

static gb_status parse_number(const char *spec, const char *name, const char *v, double *out,
                              gb_error *err) {
    char *end = NULL;
    double x = strtod(v, &end);
    if (end == v || *end || !isfinite(x))
        return gb_fail(err, GB_ERR_INPUT, "strategy '%s': %s needs a number, not '%s'", spec, name, v);
    *out = x;
    return GB_OK;
}

/* One "name=value" or "greedy"/"random" item of a strategy spec. */
static gb_status parse_item(const char *spec, char *item, gb_sampler_settings *s, gb_error *err) {
    if (strcmp(item, "greedy") == 0) { s->temperature = 0.0; return GB_OK; }
    if (strcmp(item, "random") == 0) return GB_OK;
    char *eq = strchr(item, '=');
    if (!eq)
        return gb_fail(err, GB_ERR_INPUT,
                       "strategy '%s': unknown item '%s' (use greedy, random, temperature=X, "
                       "top-k=K, top-p=P, joined with ':')", spec, item);
    *eq = '\0';
    double x = 0.0;
    if (parse_number(spec, item, eq + 1, &x, err)) return GB_ERR_INPUT;
    if (strcmp(item, "temperature") == 0 || strcmp(item, "t") == 0) s->temperature = x;
    else if (strcmp(item, "top-p") == 0 || strcmp(item, "p") == 0) s->top_p = x;
    else if (strcmp(item, "top-k") == 0 || strcmp(item, "k") == 0) {
        if (x != floor(x) || x < -2147483647.0 || x > 2147483647.0)
            return gb_fail(err, GB_ERR_INPUT, "strategy '%s': top-k needs a whole number, not %g", spec, x);
        s->top_k = (int)x;
    } else
        return gb_fail(err, GB_ERR_INPUT,
                       "strategy '%s': unknown setting '%s' (use temperature, top-k, top-p)", spec, item);
    return GB_OK;
}

gb_status gb_sampler_settings_parse(const char *spec, gb_sampler_settings *out, gb_error *err) {
    gb_sampler_settings s = gb_sampler_defaults();
    char buf[256];
    if (!spec || !*spec) return gb_fail(err, GB_ERR_INPUT, "empty strategy (use e.g. greedy, top-k=40)");
    if (strlen(spec) >= sizeof buf) return gb_fail(err, GB_ERR_INPUT, "strategy too long: '%.40s...'", spec);
    strcpy(buf, spec);
    for (char *item = buf, *next; item; item = next) {
        next = strchr(item, ':');
        if (next) *next++ = '\0';
        if (parse_item(spec, item, &s, err)) return GB_ERR_INPUT;
    }
    if (gb_sampler_settings_validate(&s, err)) {
        gb_error_prefix(err, "strategy '%s'", spec);
        return GB_ERR_INPUT;
    }
    *out = s;
    return GB_OK;
}

/* ---------- record ---------- */

gb_status gb_sample_record_init(gb_sample_record *r, int vocab, gb_error *err) {
    memset(r, 0, sizeof *r);
    if (vocab <= 0) return gb_fail(err, GB_ERR_INPUT, "sampler: vocabulary size %d must be positive", vocab);
    size_t v = (size_t)vocab;
    r->vocab = vocab;
    r->settings = gb_sampler_defaults();
    r->logits = malloc(v * sizeof(float));
    r->probs_t1 = malloc(v * sizeof(float));
    r->probs_tempered = malloc(v * sizeof(float));
    r->probs_final = malloc(v * sizeof(float));
    r->kept_ids = malloc(v * sizeof(int));
    r->keys_ = malloc(v * sizeof(uint64_t));
    r->tmp_ = malloc(v * sizeof(uint64_t));
    r->bmass_ = malloc(GB_NBUCKETS * sizeof(double));
    r->bcount_ = malloc(GB_NBUCKETS * sizeof(int));
    r->bucket_ = malloc(v * sizeof(uint16_t));
    r->bids_ = malloc(v * sizeof(int));
    r->bstart_ = malloc((GB_NBUCKETS + 1) * sizeof(int));
    if (!r->bucket_ || !r->bids_ || !r->bstart_ || !r->bmass_ || !r->bcount_ || !r->logits || !r->probs_t1 || !r->probs_tempered || !r->probs_final || !r->kept_ids ||
        !r->keys_ || !r->tmp_) {
        gb_sample_record_free(r);
        return gb_fail(err, GB_ERR_INTERNAL, "sampler: out of memory for %d tokens", vocab);
    }
    return GB_OK;
}

void gb_sample_record_free(gb_sample_record *r) {
    if (!r) return;
    free(r->logits);
    free(r->probs_t1);
    free(r->probs_tempered);
    free(r->probs_final);
    free(r->kept_ids);
    free(r->keys_);
    free(r->tmp_);
    free(r->bmass_);
    free(r->bcount_);
    free(r->bucket_);
    free(r->bids_);
    free(r->bstart_);
    memset(r, 0, sizeof *r);
}

void gb_sample_record_copy(gb_sample_record *dst, const gb_sample_record *src) {
    size_t v = (size_t)src->vocab;
    gb_sample_record keep = *dst; /* keep dst's buffers */
    *dst = *src;
    dst->logits = keep.logits;
    dst->probs_t1 = keep.probs_t1;
    dst->probs_tempered = keep.probs_tempered;
    dst->probs_final = keep.probs_final;
    dst->kept_ids = keep.kept_ids;
    dst->keys_ = keep.keys_;
    dst->tmp_ = keep.tmp_;
    dst->bmass_ = keep.bmass_;
    dst->bcount_ = keep.bcount_;
    dst->bucket_ = keep.bucket_;
    dst->bids_ = keep.bids_;
    dst->bstart_ = keep.bstart_;
    memcpy(dst->bucket_, src->bucket_, v * sizeof(uint16_t));
    memcpy(dst->bids_, src->bids_, v * sizeof(int));
    memcpy(dst->bstart_, src->bstart_, (GB_NBUCKETS + 1) * sizeof(int));
    memcpy(dst->bcount_, src->bcount_, GB_NBUCKETS * sizeof(int));
    memcpy(dst->logits, src->logits, v * sizeof(float));
    memcpy(dst->probs_t1, src->probs_t1, v * sizeof(float));
    memcpy(dst->probs_tempered, src->probs_tempered, v * sizeof(float));
    memcpy(dst->probs_final, src->probs_final, v * sizeof(float));
    memcpy(dst->kept_ids, src->kept_ids, v * sizeof(int));
}

/* ---------- stage 0: logits -> probs at T=1 ---------- */

/* e^x for x <= 0, four at a time, from +, * and conversions only (Cody-Waite
 * reduction, degree-7 Taylor polynomial, exponent by bit arithmetic): relative
 * error about 2e-7; results below 2^-126 are flushed to 0 (they are < 1e-38 of
 * the largest probability). Unlike libm's expf it gives the same bits on every
 * platform; GCC/Clang vector extensions make it four-wide on SSE2 and NEON. */
typedef float gb_v4f __attribute__((vector_size(16)));
typedef int32_t gb_v4i __attribute__((vector_size(16)));

static inline gb_v4f exp_nonpos4(gb_v4f x) {
    const gb_v4f lo = {-87.0f, -87.0f, -87.0f, -87.0f};
    gb_v4i live = x > lo;             /* -1 where the result is a normal float */
    x = (gb_v4f)(((gb_v4i)x & live) | ((gb_v4i)lo & ~live)); /* keep the arithmetic finite */
    gb_v4i ki = __builtin_convertvector(x * 1.44269504f - 0.5f, gb_v4i); /* round, x <= 0 */
    gb_v4f k = __builtin_convertvector(ki, gb_v4f);
    gb_v4f r = (x - k * 0.693145752f) - k * 1.42860677e-06f; /* ln 2 split in two */
    gb_v4f p = r * (1.0f / 5040.0f) + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    gb_v4i bits = ((ki + 127) << 23) & live; /* 2^k, or +0 where flushed */
    return p * (gb_v4f)bits;
}

static inline float exp_nonpos(float x) {
    gb_v4f v = {x, x, x, x};
    return exp_nonpos4(v)[0];
}

/* Sum of floats in double with four interleaved accumulators (fixed order, so
 * the result is the same everywhere, without one long dependency chain). */
static double sum_floats(const float *a, int n) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += a[i];
        s1 += a[i + 1];
        s2 += a[i + 2];
        s3 += a[i + 3];
    }
    for (; i < n; i++) s0 += a[i];
    return (s0 + s1) + (s2 + s3);
}

/* softmax(x / T) of x [n] into out [n] with max subtracted; returns log Z,
 * E[(x - max) / T] (for the entropy log Z - E) and the sum of the stored floats. */
static double softmax_scaled(float *out, const float *x, int n, float xmax, double inv_t,
                             double *mean_scaled, double *stored_sum) {
    float it = (float)inv_t;
    const gb_v4f lo = {-87.0f, -87.0f, -87.0f, -87.0f};
    double ex = 0.0; /* E[s] only feeds the entropy: float partial sums of 64 are enough */
    int i = 0;
    while (i + 4 <= n) {
        gb_v4f acc = {0, 0, 0, 0};
        for (int j = 0; j < 16 && i + 4 <= n; j++, i += 4) {
            gb_v4f v;
            memcpy(&v, x + i, sizeof v);
            gb_v4f sv = (v - xmax) * it;
            gb_v4f e = exp_nonpos4(sv);
            memcpy(out + i, &e, sizeof e);
            gb_v4i live = sv > lo; /* where e > 0, s is finite */
            acc += (gb_v4f)((gb_v4i)(e * sv) & live);
        }
        ex += (double)acc[0] + (double)acc[1] + (double)acc[2] + (double)acc[3];
    }
    for (; i < n; i++) {
        float sv = (x[i] - xmax) * it;
        out[i] = exp_nonpos(sv);
        if (out[i] > 0.0f) ex += (double)out[i] * sv;
    }
    double z = sum_floats(out, n);
    float inv = (float)(1.0 / z);
    for (i = 0; i < n; i++) out[i] *= inv;
    *mean_scaled = ex / z;
    *stored_sum = sum_floats(out, n);
    return log(z);
}

gb_status gb_sample_prepare(gb_sample_record *r, const float *logits, gb_error *err) {
    int v = r->vocab, best = -1;
    float mx = -INFINITY, mn = INFINITY;
    for (int i = 0; i < v; i++) {
        float l = logits[i];
        if (isnan(l) || l == INFINITY)
            return gb_fail(err, GB_ERR_INPUT, "sampler: logit of token %d is %s", i, isnan(l) ? "NaN" : "+inf");
        if (l > mx) { mx = l; best = i; } /* strict: lowest id wins a tie */
        if (l < mn && l != -INFINITY) mn = l;
    }
    if (best < 0) return gb_fail(err, GB_ERR_INPUT, "sampler: every logit is -inf");
    memcpy(r->logits, logits, (size_t)v * sizeof(float));
    r->argmax = best;
    r->max_logit = mx;
    r->min_logit_ = mn;
    double mean;
    r->log_z1 = softmax_scaled(r->probs_t1, logits, v, mx, 1.0, &mean, &r->sum_t1_);
    r->entropy_t1 = r->log_z1 - mean;
    if (r->entropy_t1 < 0) r->entropy_t1 = 0; /* rounding on one-hot distributions */
    r->eff_vocab_t1 = exp(r->entropy_t1);
    bucket_index(r);
    return GB_OK;
}

/* ---------- rank keys and selection ---------- */

/* Smaller key = better rank: higher logit, then lower id. */
static inline uint64_t rank_key(float logit, int id) {
    if (logit == 0.0f) logit = 0.0f; /* -0 and +0 tie, broken by id */
    uint32_t b;
    memcpy(&b, &logit, sizeof b);
    uint32_t asc = (b & 0x80000000u) ? ~b : (b | 0x80000000u); /* ascending float order */
    return ((uint64_t)(~asc) << 32) | (uint32_t)id;
}
static inline int key_id(uint64_t k) { return (int)(uint32_t)k; }

static inline float r_logit(uint64_t k, const float *logits) { return logits[key_id(k)]; }

static void swap_keys(uint64_t *a, uint64_t *b) {
    uint64_t t = *a;
    *a = *b;
    *b = t;
}

/* Median of three as pivot (deterministic), partition of a[lo..hi) around it;
 * returns the pivot's final index. Keys are unique. */
static int partition(uint64_t *a, int lo, int hi) {
    int mid = lo + (hi - lo) / 2, last = hi - 1;
    if (a[mid] < a[lo]) swap_keys(&a[mid], &a[lo]);
    if (a[last] < a[lo]) swap_keys(&a[last], &a[lo]);
    if (a[last] < a[mid]) swap_keys(&a[last], &a[mid]);
    swap_keys(&a[mid], &a[last]); /* pivot = median, at the end */
    uint64_t pivot = a[last];
    int store = lo;
    for (int i = lo; i < last; i++)
        if (a[i] < pivot) swap_keys(&a[i], &a[store++]);
    swap_keys(&a[store], &a[last]);
    return store;
}

/* Rearrange a[0..n) so that a[0..k) hold the k smallest keys (unordered). */
static void select_k(uint64_t *a, int n, int k) {
    int lo = 0, hi = n;
    while (hi - lo > 1) {
        int m = partition(a, lo, hi);
        if (m == k || m == k - 1) return;
        if (m < k) lo = m + 1;
        else hi = m;
    }
}

/* heap[0..k) := the k best keys of every token (unordered): a max-heap whose
 * root is the worst kept key, so most tokens cost one comparison. */
static void heap_top_k(uint64_t *heap, const float *logits, int v, int k) {
    int n = 0;
    float worst = -INFINITY; /* logit of the root once the heap is full */
    for (int id = 0; id < v; id++) {
        if (n == k && logits[id] < worst) continue; /* the common case: one float compare */
        uint64_t key = rank_key(logits[id], id);
        int i;
        if (n < k) { /* sift up */
            i = n++;
            while (i > 0 && heap[(i - 1) / 2] < key) { heap[i] = heap[(i - 1) / 2]; i = (i - 1) / 2; }
            heap[i] = key;
            if (n == k) worst = r_logit(heap[0], logits);
            continue;
        }
        if (key >= heap[0]) continue;
        i = 0; /* replace the root, sift down */
        for (;;) {
            int c = 2 * i + 1;
            if (c >= k) break;
            if (c + 1 < k && heap[c + 1] > heap[c]) c++;
            if (heap[c] <= key) break;
            heap[i] = heap[c];
            i = c;
        }
        heap[i] = key;
        worst = r_logit(heap[0], logits);
    }
}

static void insertion_sort(uint64_t *a, int n) {
    for (int i = 1; i < n; i++) {
        uint64_t x = a[i];
        int j = i - 1;
        while (j >= 0 && a[j] > x) { a[j + 1] = a[j]; j--; }
        a[j + 1] = x;
    }
}

/* LSD radix sort, 8-bit digits, skipping digits that are equal in every key. */
static void radix_sort(uint64_t *a, uint64_t *tmp, int n) {
    if (n <= 48) { insertion_sort(a, n); return; }
    uint64_t *src = a, *dst = tmp;
    for (int shift = 0; shift < 64; shift += 8) {
        int count[257] = {0};
        for (int i = 0; i < n; i++) count[((src[i] >> shift) & 0xff) + 1]++;
        if (count[((src[0] >> shift) & 0xff) + 1] == n) continue;
        for (int d = 0; d < 256; d++) count[d + 1] += count[d];
        for (int i = 0; i < n; i++) dst[count[(src[i] >> shift) & 0xff]++] = src[i];
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a) memcpy(a, src, (size_t)n * sizeof *a);
}

/* Move the best key of a[from..n) to a[from]. */
static void bring_best(uint64_t *a, int from, int n) {
    int best = from;
    for (int i = from + 1; i < n; i++)
        if (a[i] < a[best]) best = i;
    swap_keys(&a[from], &a[best]);
}

static inline int reaches(double cum, double need, int strict) {
    return strict ? cum > need : cum >= need;
}

/* Where does the cumulative mass, in rank order, first reach `need` (>=, or >
 * when strict) among a[0..n)? Returns that rank m with *before = the mass of
 * ranks [0, m), or -1 if the whole set never does. Without sorting everything:
 * a mass-aware quickselect leaves a[0..lo) = the best lo keys (unordered) and
 * sorts only the small block holding the crossing, so afterwards a[m] is the
 * token of rank m. If a[0..n) is already sorted, pass sorted = 1 to just walk. */
static int find_crossing(uint64_t *a, int n, const float *p, double need, int strict, int sorted,
                         uint64_t *tmp, double *before) {
    int lo = 0, hi = n;
    double taken = 0.0;
    while (!sorted && hi - lo > 32) {
        int m = partition(a, lo, hi);
        double left = 0.0;
        for (int i = lo; i < m; i++) left += p[key_id(a[i])];
        double pm = p[key_id(a[m])];
        if (reaches(taken + left, need, strict)) {
            hi = m;
        } else if (reaches(taken + left + pm, need, strict)) {
            taken += left;
            lo = m;
            hi = m + 1;
            break;
        } else {
            taken += left + pm;
            lo = m + 1;
        }
    }
    if (!sorted) radix_sort(a + lo, tmp, hi - lo);
    else hi = n;
    double cum = taken;
    for (int i = lo; i < n; i++) {
        if (i >= hi) bring_best(a, i, n); /* rounding left the block short: next in rank */
        double pi = p[key_id(a[i])];
        if (reaches(cum + pi, need, strict)) {
            *before = cum;
            return i;
        }
        cum += pi;
    }
    *before = cum;
    return -1;
}

/* ---------- stages 1..5 ---------- */

#define GB_SORT_KEPT_MAX 1024 /* larger kept sets are sorted only on request */

static void fill_greedy(gb_sample_record *r) {
    size_t v = (size_t)r->vocab;
    memset(r->probs_tempered, 0, v * sizeof(float));
    memset(r->probs_final, 0, v * sizeof(float));
    r->probs_tempered[r->argmax] = 1.0f;
    r->probs_final[r->argmax] = 1.0f;
    r->kept_ids[0] = r->argmax;
    r->kept_sorted = 1;
    r->n_topk = r->n_kept = 1;
    r->mass_topk = r->mass_topp = 1.0;
    r->draw_index = 0;
    r->draw_cum_before = 0.0;
    r->chosen = r->argmax;
    r->prob_final_chosen = 1.0;
    r->logprob_final_chosen = 0.0;
    r->entropy_final = 0.0;
    r->eff_vocab_final = 1.0;
}

/* Temperature: probs_tempered = softmax(logits / T). Returns log Z_T. */
static double apply_temperature(gb_sample_record *r, double t) {
    double mean;
    if (t == 1.0) {
        memcpy(r->probs_tempered, r->probs_t1, (size_t)r->vocab * sizeof(float));
        r->sum_tempered_ = r->sum_t1_;
        r->mean_tempered_ = r->log_z1 - r->entropy_t1;
        return r->log_z1;
    }
    double log_z = softmax_scaled(r->probs_tempered, r->logits, r->vocab, r->max_logit, 1.0 / t,
                                  &mean, &r->sum_tempered_);
    r->mean_tempered_ = mean;
    return log_z;
}

/* Top-k: keys_[0..n_topk) := the top-k set, sorted. Returns 1 if it filtered. */
static int apply_top_k(gb_sample_record *r, int k) {
    int v = r->vocab;
    if (k <= 0 || k >= v) {
        r->n_topk = v;
        r->mass_topk = r->sum_tempered_; /* id order: the canonical sum of the whole set */
        return 0;
    }
    if (k <= 1024) {
        heap_top_k(r->keys_, r->logits, v, k);
    } else {
        for (int i = 0; i < v; i++) r->keys_[i] = rank_key(r->logits[i], i);
        select_k(r->keys_, v, k);
    }
    radix_sort(r->keys_, r->tmp_, k);
    double total = 0.0;
    for (int i = 0; i < k; i++) total += r->probs_tempered[key_id(r->keys_[i])];
    r->n_topk = k;
    r->mass_topk = total;
    return 1;
}

/* Top-p over a sorted top-k set keys_[0..n_topk): a walk in rank order. */
static void apply_top_p_sorted(gb_sample_record *r, double p) {
    int nk = r->n_topk;
    if (p >= 1.0) {
        r->n_kept = nk;
        r->mass_topp = 1.0;
        return;
    }
    double before = 0.0, total = r->mass_topk;
    int m = find_crossing(r->keys_, nk, r->probs_tempered, p * total, 0, 1, r->tmp_, &before);
    r->n_kept = m < 0 ? nk : m + 1;
    r->mass_topp = m < 0 ? before / total : (before + r->probs_tempered[key_id(r->keys_[m])]) / total;
}

/* ---- the whole-vocabulary path (no top-k): logit buckets ----
 * Tokens are put in GB_NBUCKETS buckets by logit (a monotone map, so a better
 * bucket means a better rank) with the mass and count of each. A crossing of
 * the cumulative mass is then found by walking buckets from the best, and only
 * the tokens of the one bucket holding it are collected and ranked. Every step
 * is a linear pass; nothing of size V is sorted. */

static inline int bucket_of(float l, float lo, float scale) {
    if (!(l >= lo)) return 0; /* -inf */
    float x = (l - lo) * scale;
    return x >= (float)(GB_NBUCKETS - 1) ? GB_NBUCKETS - 1 : (int)x;
}

/* Stage 0 part (depends on the logits only): each token's bucket, and the ids
 * grouped by bucket (a counting sort: bstart_[b]..bstart_[b+1] index bids_). */
static void bucket_index(gb_sample_record *r) {
    float range = r->max_logit - r->min_logit_;
    float scale = range > 0 ? (float)(GB_NBUCKETS - 1) / range : 0.0f;
    if (!isfinite(scale)) scale = 0.0f;
    r->bscale_ = scale;
    int *start = r->bstart_;
    memset(start, 0, (GB_NBUCKETS + 1) * sizeof(int));
    for (int i = 0; i < r->vocab; i++) {
        int b = bucket_of(r->logits[i], r->min_logit_, scale);
        r->bucket_[i] = (uint16_t)b;
        start[b + 1]++;
    }
    for (int b = 0; b < GB_NBUCKETS; b++) start[b + 1] += start[b];
    for (int b = 0; b < GB_NBUCKETS; b++) r->bcount_[b] = start[b + 1] - start[b];
    for (int i = 0; i < r->vocab; i++) r->bids_[start[r->bucket_[i]]++] = i;
    for (int b = GB_NBUCKETS; b > 0; b--) start[b] = start[b - 1]; /* undo the advance */
    start[0] = 0;
}

/* Tempered mass of each bucket. */
static void bucket_stats(gb_sample_record *r) {
    const float *pt = r->probs_tempered;
    for (int b = 0; b < GB_NBUCKETS; b++) {
        double m = 0.0;
        for (int j = r->bstart_[b]; j < r->bstart_[b + 1]; j++) m += pt[r->bids_[j]];
        r->bmass_[b] = m;
    }
}

/* A set of tokens in rank order: every token ranked at or before `cut_key`
 * (UINT64_MAX: all), whose bucket is cut_b; cut_mass is the mass of its part of
 * bucket cut_b. */
typedef struct rank_set {
    int cut_b;
    uint64_t cut_key;
    double cut_mass;
} rank_set;

/* Collect into keys_ the members of set s that fall in bucket b; returns count. */
static int collect_bucket(gb_sample_record *r, const rank_set *s, int b) {
    int n = 0;
    for (int j = r->bstart_[b]; j < r->bstart_[b + 1]; j++) {
        int i = r->bids_[j];
        uint64_t k = rank_key(r->logits[i], i);
        if (b != s->cut_b || k <= s->cut_key) r->keys_[n++] = k;
    }
    return n;
}

/* Rank where the cumulative mass of set s first reaches need (see reaches());
 * *key and *before are the token's key and the mass ranked before it. -1 if the
 * set never reaches it. */
static int bucket_crossing(gb_sample_record *r, const rank_set *s, double need, int strict,
                           uint64_t *key, double *before) {
    double above = 0.0;
    int n_above = 0;
    for (int b = GB_NBUCKETS - 1; b >= (s->cut_b > 0 ? s->cut_b : 0); b--) {
        double bm = b == s->cut_b ? s->cut_mass : r->bmass_[b];
        if (r->bcount_[b] == 0 || !reaches(above + bm, need, strict)) {
            above += bm;
            n_above += b == s->cut_b ? 0 : r->bcount_[b];
            continue;
        }
        int n = collect_bucket(r, s, b);
        double inside = 0.0;
        int m = find_crossing(r->keys_, n, r->probs_tempered, need - above, strict, 0, r->tmp_, &inside);
        if (m >= 0) {
            *key = r->keys_[m];
            *before = above + inside;
            return n_above + m;
        }
        above += inside; /* only by rounding: continue with the next bucket */
        n_above += n;
    }
    *before = above;
    return -1;
}

/* Fill kept_ids (id order), probs_final and the entropy sum for set s. */
static double fill_kept_set(gb_sample_record *r, const rank_set *s, double inv_mass, double inv_t) {
    int n = 0;
    double ex = 0.0;
    if (s->cut_b < 0) { /* everything kept: E[s] is the tempered one */
        float im = (float)inv_mass;
        for (int i = 0; i < r->vocab; i++) {
            r->probs_final[i] = r->probs_tempered[i] * im;
            r->kept_ids[i] = i;
        }
        r->n_kept = r->vocab;
        return r->mean_tempered_ / inv_mass;
    }
    for (int i = 0; i < r->vocab; i++) {
        float l = r->logits[i];
        int b = r->bucket_[i];
        int kept = b > s->cut_b || (b == s->cut_b && rank_key(l, i) <= s->cut_key);
        double p = kept ? r->probs_tempered[i] : 0.0;
        r->probs_final[i] = (float)(p * inv_mass);
        if (!kept) continue;
        r->kept_ids[n++] = i;
        if (p > 0.0) ex += p * (((double)l - (double)r->max_logit) * inv_t);
    }
    r->n_kept = n;
    return ex;
}

static void set_entropy(gb_sample_record *r, double mass, double ex, double inv_t, double log_zt) {
    /* log q_i = s_i - log Z_T - log mass, with s_i = (l_i - max) / T, so
     * H = log Z_T + log mass - E_q[s]. */
    double log_norm = log_zt + log(mass);
    r->prob_final_chosen = r->probs_tempered[r->chosen] / mass;
    r->logprob_final_chosen = ((double)r->logits[r->chosen] - (double)r->max_logit) * inv_t - log_norm;
    r->entropy_final = log_norm - ex / mass;
    if (r->entropy_final < 0) r->entropy_final = 0;
    r->eff_vocab_final = exp(r->entropy_final);
}

/* Top-p (or none) over the whole vocabulary, then the draw. */
static void resample_whole_vocab(gb_sample_record *r, double p, double u, double inv_t, double log_zt) {
    bucket_stats(r);
    rank_set all = {.cut_b = -1, .cut_key = UINT64_MAX, .cut_mass = 0.0};
    rank_set kept = all;
    double total = r->mass_topk, mass = total;
    r->n_kept = r->vocab;
    r->mass_topp = 1.0;
    if (p < 1.0) {
        uint64_t key = 0;
        double before = 0.0;
        int m = bucket_crossing(r, &all, p * total, 0, &key, &before);
        if (m >= 0) {
            double pk = r->probs_tempered[key_id(key)];
            kept.cut_b = r->bucket_[key_id(key)];
            kept.cut_key = key;
            /* mass of bucket cut_b's kept part = everything up to and with the cut, minus better buckets */
            double better = 0.0;
            for (int b = GB_NBUCKETS - 1; b > kept.cut_b; b--) better += r->bmass_[b];
            kept.cut_mass = before + pk - better;
            r->n_kept = m + 1;
            mass = before + pk;
            r->mass_topp = mass / total;
        }
    }
    uint64_t dkey = 0;
    double dbefore = 0.0;
    int at = bucket_crossing(r, &kept, u * mass, 1, &dkey, &dbefore);
    if (at < 0) { /* u within rounding of 1: the worst-ranked kept token with mass */
        at = 0;
        dkey = 0;
        for (int i = 0; i < r->vocab; i++) {
            uint64_t k = rank_key(r->logits[i], i);
            int in = kept.cut_b < 0 || k <= kept.cut_key;
            if (in && r->probs_tempered[i] > 0.0f) {
                at++;
                if (k > dkey) dkey = k;
            }
        }
        at--;
        dbefore = mass - r->probs_tempered[key_id(dkey)];
    }
    r->chosen = key_id(dkey);
    r->draw_index = at;
    r->draw_cum_before = dbefore / mass;
    double ex = fill_kept_set(r, &kept, 1.0 / mass, inv_t);
    r->kept_sorted = 0;
    if (r->n_kept <= GB_SORT_KEPT_MAX) gb_sample_record_sort_kept(r);
    set_entropy(r, mass, ex, inv_t, log_zt);
}

/* Renormalise over the kept set keys_[0..n_kept), draw, entropy. */
static void finish(gb_sample_record *r, double u, double inv_t, double log_zt, int sorted) {
    uint64_t *keys = r->keys_;
    const float *pt = r->probs_tempered;
    int n = r->n_kept;
    double mass = 0.0, ex = 0.0;
    if (!sorted && n <= GB_SORT_KEPT_MAX) { /* small sets: rank order before summing */
        radix_sort(keys, r->tmp_, n);
        sorted = 1;
    }
    if (n == r->vocab) mass = r->sum_tempered_;
    else
        for (int i = 0; i < n; i++) mass += pt[key_id(keys[i])];
    double before = 0.0;
    int at = find_crossing(keys, n, pt, u * mass, 1, sorted, r->tmp_, &before);
    if (at < 0) { /* u within rounding of 1: the worst-ranked token that can be drawn */
        at = 0;
        for (int i = 0; i < n; i++)
            if (pt[key_id(keys[i])] > 0.0f && keys[i] > keys[at]) at = i;
        before = mass - pt[key_id(keys[at])];
        int rank = 0; /* its rank: every token with nonzero mass ranks before it */
        for (int i = 0; i < n; i++) rank += pt[key_id(keys[i])] > 0.0f;
        swap_keys(&keys[at], &keys[rank - 1]);
        at = rank - 1;
    }
    r->chosen = key_id(keys[at]);
    r->draw_index = at;
    r->draw_cum_before = before / mass;
    memset(r->probs_final, 0, (size_t)r->vocab * sizeof(float));
    double inv_mass = 1.0 / mass;
    for (int i = 0; i < n; i++) {
        int id = key_id(keys[i]);
        double p = pt[id];
        r->probs_final[id] = (float)(p * inv_mass);
        if (p > 0.0) ex += p * (((double)r->logits[id] - (double)r->max_logit) * inv_t);
    }
    r->kept_sorted = sorted;
    /* a top-k set is sorted whole: keep all of it, the top-p survivors first */
    int n_ids = sorted && r->n_topk < r->vocab ? r->n_topk : n;
    for (int i = 0; i < n_ids; i++) r->kept_ids[i] = key_id(keys[i]);
    set_entropy(r, mass, ex, inv_t, log_zt);
}

void gb_sample_record_sort_kept(gb_sample_record *r) {
    if (r->kept_sorted) return;
    for (int i = 0; i < r->n_kept; i++) r->keys_[i] = rank_key(r->logits[r->kept_ids[i]], r->kept_ids[i]);
    radix_sort(r->keys_, r->tmp_, r->n_kept);
    for (int i = 0; i < r->n_kept; i++) r->kept_ids[i] = key_id(r->keys_[i]);
    r->kept_sorted = 1;
}

static gb_status check_draw(double u, gb_error *err) {
    if (!(u >= 0.0 && u < 1.0))
        return gb_fail(err, GB_ERR_INPUT, "sampler: random number %g is out of range [0, 1)", u);
    return GB_OK;
}

static void finish_common(gb_sample_record *r, const gb_sampler_settings *s, double u) {
    r->settings = *s;
    r->draw = u;
    r->logprob_t1_chosen = ((double)r->logits[r->chosen] - (double)r->max_logit) - r->log_z1;
}

gb_status gb_sample_resample(gb_sample_record *r, const gb_sampler_settings *s, double u,
                             gb_error *err) {
    if (gb_sampler_settings_validate(s, err) || check_draw(u, err)) return GB_ERR_INPUT;
    if (s->temperature == 0.0) {
        fill_greedy(r);
    } else {
        double log_zt = apply_temperature(r, s->temperature);
        if (apply_top_k(r, s->top_k)) {
            apply_top_p_sorted(r, s->top_p);
            finish(r, u, 1.0 / s->temperature, log_zt, 1);
        } else {
            resample_whole_vocab(r, s->top_p, u, 1.0 / s->temperature, log_zt);
        }
    }
    finish_common(r, s, u);
    return GB_OK;
}

gb_status gb_sample(gb_sample_record *r, const float *logits, const gb_sampler_settings *s,
                    double u, gb_error *err) {
    if (gb_sampler_settings_validate(s, err) || check_draw(u, err)) return GB_ERR_INPUT;
    if (gb_sample_prepare(r, logits, err)) return GB_ERR_INPUT;
    return gb_sample_resample(r, s, u, err);
}

/* ---------- the naive reference: full sort every call ---------- */

static int cmp_key(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

gb_status gb_sample_naive(gb_sample_record *r, const float *logits, const gb_sampler_settings *s,
                          double u, gb_error *err) {
    if (gb_sampler_settings_validate(s, err) || check_draw(u, err)) return GB_ERR_INPUT;
    if (gb_sample_prepare(r, logits, err)) return GB_ERR_INPUT;
    if (s->temperature == 0.0) {
        fill_greedy(r);
    } else {
        double log_zt = apply_temperature(r, s->temperature);
        int v = r->vocab, nk = (s->top_k > 0 && s->top_k < v) ? s->top_k : v;
        for (int i = 0; i < v; i++) r->keys_[i] = rank_key(r->logits[i], i);
        qsort(r->keys_, (size_t)v, sizeof(uint64_t), cmp_key);
        double total = 0.0;
        if (nk == v) total = r->sum_tempered_;
        else
            for (int i = 0; i < nk; i++) total += r->probs_tempered[key_id(r->keys_[i])];
        r->n_topk = nk;
        r->mass_topk = total;
        double cum = 0.0;
        int m = nk;
        if (s->top_p < 1.0) {
            for (m = 0; m < nk;) {
                cum += r->probs_tempered[key_id(r->keys_[m++])];
                if (cum >= s->top_p * total) break;
            }
        }
        r->n_kept = m;
        r->mass_topp = s->top_p < 1.0 ? cum / total : 1.0;
        finish(r, u, 1.0 / s->temperature, log_zt, 1);
    }
    finish_common(r, s, u);
    return GB_OK;
}
