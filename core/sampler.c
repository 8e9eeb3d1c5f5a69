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
    if (!r->logits || !r->probs_t1 || !r->probs_tempered || !r->probs_final || !r->kept_ids ||
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
    memcpy(dst->logits, src->logits, v * sizeof(float));
    memcpy(dst->probs_t1, src->probs_t1, v * sizeof(float));
    memcpy(dst->probs_tempered, src->probs_tempered, v * sizeof(float));
    memcpy(dst->probs_final, src->probs_final, v * sizeof(float));
    memcpy(dst->kept_ids, src->kept_ids, v * sizeof(int));
}

/* ---------- stage 0: logits -> probs at T=1 ---------- */

/* softmax(x / T) of x [n] into out [n] with max subtracted; returns log Z and
 * E[(x - max) / T] (for the entropy log Z - E). Sums in double. */
static double softmax_scaled(float *out, const float *x, int n, float xmax, double inv_t,
                             double *mean_scaled) {
    double z = 0.0, ex = 0.0;
    for (int i = 0; i < n; i++) {
        double s = ((double)x[i] - (double)xmax) * inv_t; /* <= 0; -inf for -inf logits */
        double e = exp(s);
        out[i] = (float)e;
        z += e;
        if (e > 0.0) ex += e * s;
    }
    float inv = (float)(1.0 / z);
    for (int i = 0; i < n; i++) out[i] *= inv;
    *mean_scaled = ex / z;
    return log(z);
}

gb_status gb_sample_prepare(gb_sample_record *r, const float *logits, gb_error *err) {
    int v = r->vocab, best = -1;
    float mx = -INFINITY;
    for (int i = 0; i < v; i++) {
        float l = logits[i];
        if (isnan(l) || l == INFINITY)
            return gb_fail(err, GB_ERR_INPUT, "sampler: logit of token %d is %s", i, isnan(l) ? "NaN" : "+inf");
        if (l > mx) { mx = l; best = i; } /* strict: lowest id wins a tie */
    }
    if (best < 0) return gb_fail(err, GB_ERR_INPUT, "sampler: every logit is -inf");
    memcpy(r->logits, logits, (size_t)v * sizeof(float));
    r->argmax = best;
    r->max_logit = mx;
    double mean;
    r->log_z1 = softmax_scaled(r->probs_t1, logits, v, mx, 1.0, &mean);
    r->entropy_t1 = r->log_z1 - mean;
    if (r->entropy_t1 < 0) r->entropy_t1 = 0; /* rounding on one-hot distributions */
    r->eff_vocab_t1 = exp(r->entropy_t1);
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

static void build_keys(uint64_t *keys, const float *logits, int n) {
    for (int i = 0; i < n; i++) keys[i] = rank_key(logits[i], i);
}

static void swap_keys(uint64_t *a, uint64_t *b) {
    uint64_t t = *a;
    *a = *b;
    *b = t;
}

/* Median of three as pivot (deterministic), Lomuto-style partition of a[lo..hi)
 * around it; returns the pivot's final index. Keys are unique. */
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

/* Rearrange a[0..n) so that a[0..c) (returned c) hold the best-ranked keys whose
 * mass (probs summed in double) reaches need, c as small as the partition steps
 * allow; c = n if the total never reaches it. */
static int select_mass(uint64_t *a, int n, const float *probs, double need) {
    int lo = 0, hi = n;
    while (hi - lo > 16) {
        int m = partition(a, lo, hi);
        double left = 0.0;
        for (int i = lo; i < m; i++) left += probs[key_id(a[i])];
        if (left >= need) {
            hi = m;
        } else if (left + probs[key_id(a[m])] >= need) {
            return m + 1;
        } else {
            need -= left + probs[key_id(a[m])];
            lo = m + 1;
        }
    }
    return hi;
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

/* ---------- stages 1..5 ---------- */

static void fill_greedy(gb_sample_record *r) {
    size_t v = (size_t)r->vocab;
    memset(r->probs_tempered, 0, v * sizeof(float));
    memset(r->probs_final, 0, v * sizeof(float));
    r->probs_tempered[r->argmax] = 1.0f;
    r->probs_final[r->argmax] = 1.0f;
    r->kept_ids[0] = r->argmax;
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
        return r->log_z1;
    }
    return softmax_scaled(r->probs_tempered, r->logits, r->vocab, r->max_logit, 1.0 / t, &mean);
}

/* Mass of the top-k set: summed in id order for the whole vocabulary, in rank
 * order for a top-k set (keys_[0..nk) sorted), so every code path agrees bit for bit. */
static double set_mass(const gb_sample_record *r, int nk) {
    double total = 0.0;
    if (nk == r->vocab)
        for (int i = 0; i < nk; i++) total += r->probs_tempered[i];
    else
        for (int i = 0; i < nk; i++) total += r->probs_tempered[key_id(r->keys_[i])];
    return total;
}

/* Top-k then top-p over r->keys_ (already built): leaves the kept keys sorted in
 * keys_[0..n_kept) and fills n_topk, mass_topk, n_kept, mass_topp. */
static void apply_filters(gb_sample_record *r, int top_k, double top_p) {
    uint64_t *keys = r->keys_;
    const float *pt = r->probs_tempered;
    int v = r->vocab, nk = (top_k > 0 && top_k < v) ? top_k : v;
    int sorted = 0; /* keys[0..sorted) are in rank order */
    if (nk < v) {
        select_k(keys, v, nk);
        radix_sort(keys, r->tmp_, nk);
        sorted = nk;
    }
    double total = set_mass(r, nk);
    r->n_topk = nk;
    r->mass_topk = total;
    if (top_p >= 1.0) {
        if (!sorted) radix_sort(keys, r->tmp_, nk);
        r->n_kept = nk;
        r->mass_topp = 1.0;
        return;
    }
    double need = top_p * total;
    if (!sorted) {
        sorted = select_mass(keys, nk, pt, need);
        radix_sort(keys, r->tmp_, sorted);
    }
    /* The exact cut: sequential sum in rank order (the canonical definition). */
    double cum = 0.0;
    int m = 0;
    while (m < nk) {
        if (m == sorted) bring_best(keys, sorted++, nk); /* rounding left the set short */
        cum += pt[key_id(keys[m++])];
        if (cum >= need) break;
    }
    r->n_kept = m;
    r->mass_topp = total > 0 ? cum / total : 1.0;
}

/* Renormalise over the kept set, draw, entropy. log_zt: log Z of the tempered softmax. */
static void finish(gb_sample_record *r, double u, double inv_t, double log_zt) {
    const uint64_t *keys = r->keys_;
    const float *pt = r->probs_tempered;
    int n = r->n_kept;
    double mass = 0.0;
    for (int i = 0; i < n; i++) mass += pt[key_id(keys[i])];
    memset(r->probs_final, 0, (size_t)r->vocab * sizeof(float));
    double target = u * mass, cum = 0.0, ex = 0.0;
    int at = -1, last_nonzero = 0;
    for (int i = 0; i < n; i++) {
        int id = key_id(keys[i]);
        double p = pt[id];
        r->kept_ids[i] = id;
        r->probs_final[id] = (float)(p / mass);
        if (p > 0.0) {
            last_nonzero = i;
            ex += p * (((double)r->logits[id] - (double)r->max_logit) * inv_t);
            if (at < 0 && cum + p > target) { at = i; r->draw_cum_before = cum / mass; }
        }
        cum += p;
    }
    if (at < 0) { /* u within rounding of 1: the last token that can be drawn */
        at = last_nonzero;
        r->draw_cum_before = (cum - pt[key_id(keys[at])]) / mass;
    }
    r->draw_index = at;
    r->chosen = r->kept_ids[at];
    double pc = pt[r->chosen] / mass;
    r->prob_final_chosen = pc;
    /* log q_i = s_i - log Z_T - log mass, with s_i = (l_i - max) / T, so
     * H = log Z_T + log mass - E_q[s]. */
    double log_norm = log_zt + log(mass);
    r->logprob_final_chosen = ((double)r->logits[r->chosen] - (double)r->max_logit) * inv_t - log_norm;
    r->entropy_final = log_norm - ex / mass;
    if (r->entropy_final < 0) r->entropy_final = 0;
    r->eff_vocab_final = exp(r->entropy_final);
}

static gb_status check_draw(double u, gb_error *err) {
    if (!(u >= 0.0 && u < 1.0))
        return gb_fail(err, GB_ERR_INPUT, "sampler: random number %g is out of range [0, 1)", u);
    return GB_OK;
}

static void set_common(gb_sample_record *r, const gb_sampler_settings *s, double u) {
    r->settings = *s;
    r->draw = u;
}

gb_status gb_sample_resample(gb_sample_record *r, const gb_sampler_settings *s, double u,
                             gb_error *err) {
    if (gb_sampler_settings_validate(s, err) || check_draw(u, err)) return GB_ERR_INPUT;
    set_common(r, s, u);
    if (s->temperature == 0.0) {
        fill_greedy(r);
    } else {
        double log_zt = apply_temperature(r, s->temperature);
        build_keys(r->keys_, r->logits, r->vocab);
        apply_filters(r, s->top_k, s->top_p);
        finish(r, u, 1.0 / s->temperature, log_zt);
    }
    r->logprob_t1_chosen = ((double)r->logits[r->chosen] - (double)r->max_logit) - r->log_z1;
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
    set_common(r, s, u);
    if (s->temperature == 0.0) {
        fill_greedy(r);
    } else {
        double log_zt = apply_temperature(r, s->temperature);
        int v = r->vocab, nk = (s->top_k > 0 && s->top_k < v) ? s->top_k : v;
        build_keys(r->keys_, r->logits, v);
        qsort(r->keys_, (size_t)v, sizeof(uint64_t), cmp_key);
        double total = set_mass(r, nk);
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
        finish(r, u, 1.0 / s->temperature, log_zt);
    }
    r->logprob_t1_chosen = ((double)r->logits[r->chosen] - (double)r->max_logit) - r->log_z1;
    return GB_OK;
}
