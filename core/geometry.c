/* geometry.c - distances, angles, nearest neighbours, analogies and spelling
 * suggestions over tables of vectors.
 *
 * A neighbour query does one sgemv of the table against the query (the only
 * pass over the table's memory), turns the dot products into scores with the
 * row norms computed once at build time, keeps the best few candidates in a
 * heap and re-scores those in double precision.
 */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "glassbox/analysis.h"


double gb_vec_dot(const float *a, const float *b, int d) {
    double s = 0;
    for (int i = 0; i < d; i++) s += (double)a[i] * b[i];
    return s;
}

double gb_vec_norm(const float *a, int d) { return sqrt(gb_vec_dot(a, a, d)); }

double gb_cosine(const float *a, const float *b, int d) {
    double na = gb_vec_norm(a, d), nb = gb_vec_norm(b, d);
    if (na == 0 || nb == 0) return 0.0;
    double c = gb_vec_dot(a, b, d) / (na * nb);
    return c > 1 ? 1 : c < -1 ? -1 : c;
}

double gb_angle_deg(const float *a, const float *b, int d) {
    return acos(gb_cosine(a, b, d)) * (180.0 / 3.14159265358979323846);
}

double gb_euclidean(const float *a, const float *b, int d) {
    double s = 0;
    for (int i = 0; i < d; i++) {
        double t = (double)a[i] - b[i];
        s += t * t;
    }
    return sqrt(s);
}

int gb_metric_parse(const char *s) {
    if (s && strcmp(s, "cosine") == 0) return GB_METRIC_COSINE;
    if (s && strcmp(s, "euclidean") == 0) return GB_METRIC_EUCLIDEAN;
    return -1;
}

const char *gb_metric_name(gb_metric m) { return m == GB_METRIC_EUCLIDEAN ? "euclidean" : "cosine"; }

/* ---- the candidate pass: dot products of every row with the query ----
 *
 * The pass is bound by memory (a 50k x 768 table is 154 MB of floats), so on
 * CPUs with F16C the index keeps a float16 copy of the table and reads half
 * the bytes. Either way the scores are approximate only up to a bound that is
 * known exactly, and every row that might be in the top k is re-scored in
 * double, so the answer is the exact one. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define GB_HALF_KERNEL 1

__attribute__((target("avx2,fma,f16c"))) static void half_from_float(uint16_t *out, const float *x, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(out + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; i++) out[i] = _cvtss_sh(x[i], _MM_FROUND_TO_NEAREST_INT);
}

/* out[n] = half[n, d] @ q[d], accumulated in float. */
__attribute__((target("avx2,fma,f16c"))) static void half_dots(float *out, const uint16_t *t, int n, int d,
                                                              const float *q) {
    for (int i = 0; i < n; i++) {
        const uint16_t *r = t + (size_t)i * d;
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
        int j = 0;
        for (; j + 16 <= d; j += 16) {
            a0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(r + j))),
                                 _mm256_loadu_ps(q + j), a0);
            a1 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(r + j + 8))),
                                 _mm256_loadu_ps(q + j + 8), a1);
        }
        for (; j + 8 <= d; j += 8)
            a0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(r + j))),
                                 _mm256_loadu_ps(q + j), a0);
        a0 = _mm256_add_ps(a0, a1);
        __m128 h = _mm_add_ps(_mm256_castps256_ps128(a0), _mm256_extractf128_ps(a0, 1));
        h = _mm_add_ps(h, _mm_movehl_ps(h, h));
        h = _mm_add_ss(h, _mm_shuffle_ps(h, h, 1));
        float s = _mm_cvtss_f32(h);
        for (; j < d; j++) s += _cvtsh_ss(r[j]) * q[j];
        out[i] = s;
    }
}

static int half_supported(void) {
    __builtin_cpu_init();
    /* F16C through CPUID: clang 14's __builtin_cpu_supports does not know "f16c". */
    unsigned a, b, c, d;
    int f16c = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C);
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && f16c;
}
#endif

gb_status gb_vindex_build(gb_vindex *ix, const float *rows, int n, int d, gb_error *err) {
    memset(ix, 0, sizeof *ix);
    if (n < 1 || d < 1 || !rows) return gb_fail(err, GB_ERR_INPUT, "neighbours: empty table");
    ix->norms = malloc(sizeof(float) * (size_t)n);
    if (!ix->norms) return gb_fail(err, GB_ERR_INTERNAL, "neighbours: out of memory");
    ix->rows = rows, ix->n = n, ix->d = d;
    float big = 0;
    for (int i = 0; i < n; i++) {
        const float *r = rows + (size_t)i * d;
        ix->norms[i] = (float)gb_vec_norm(r, d);
        for (int j = 0; j < d; j++) big = fmaxf(big, fabsf(r[j]));
    }
#ifdef GB_HALF_KERNEL
    /* float16 holds values up to 65504; larger (or non-finite) tables stay in float */
    if (half_supported() && big < 60000.0f && (ix->half = malloc(sizeof(uint16_t) * (size_t)n * d)))
        half_from_float(ix->half, rows, (size_t)n * d);
#else
    (void)big;
#endif
    return GB_OK;
}

void gb_vindex_free(gb_vindex *ix) {
    free(ix->norms);
    free(ix->half);
    memset(ix, 0, sizeof *ix);
}

/* dots[n] = rows @ q, and how far each may be from the exact dot product:
 * |err_i| <= rel * |row_i| |q| + abs. Float16 rounds each entry by at most
 * 2^-11 of itself (2^-25 absolute below its normal range); a float sum of d
 * products is off by at most d * 2^-24 of the sum of their magnitudes. */
static void candidate_dots(const gb_vindex *ix, const float *q, float *dots, double *rel, double *abs_err) {
    int n = ix->n, d = ix->d;
    double acc = (d + 2) * 0x1p-24;
#ifdef GB_HALF_KERNEL
    if (ix->half) {
        half_dots(dots, ix->half, n, d, q);
        double q1 = 0;
        for (int j = 0; j < d; j++) q1 += fabs(q[j]);
        *rel = (0x1p-11 + acc) * 1.01;
        *abs_err = 0x1p-25 * q1 * 1.01;
        return;
    }
#endif
    /* dots[n] = rows[n, d] @ q[d] */
    cblas_sgemv(CblasRowMajor, CblasNoTrans, n, d, 1.0f, ix->rows, d, q, 1, 0.0f, dots, 1);
    *rel = acc * 1.01;
    *abs_err = 0;
}

static int excluded(int i, const int *ex, int n_ex) {
    for (int j = 0; j < n_ex; j++)
        if (ex[j] == i) return 1;
    return 0;
}

/* Exact key of row i, "higher is nearer": cosine, or minus the Euclidean distance. */
static double exact_key(const gb_vindex *ix, const float *q, double qn, int i, gb_metric metric) {
    const float *r = ix->rows + (size_t)i * ix->d;
    if (metric == GB_METRIC_EUCLIDEAN) return -gb_euclidean(r, q, ix->d);
    double rn = gb_vec_norm(r, ix->d);
    return (rn == 0 || qn == 0) ? 0.0 : gb_vec_dot(r, q, ix->d) / (rn * qn);
}

/* Approximate key of row i from its dot product, and its error bound. Keys are
 * cosine or minus the squared distance: both rank like the exact keys. */
static double approx_key(const gb_vindex *ix, double dot, double qn, int i, gb_metric metric, double rel,
                         double abs_err, double *bound) {
    double rn = ix->norms[i], e = rel * rn * qn + abs_err;
    if (metric == GB_METRIC_EUCLIDEAN) {
        *bound = 2 * e + 1e-6 * (rn * rn + qn * qn); /* + the float rounding of the norm */
        return -(rn * rn - 2 * dot + qn * qn);
    }
    if (rn == 0 || qn == 0) {
        *bound = 0;
        return 0;
    }
    *bound = e / (rn * qn) + 1e-6;
    return dot / (rn * qn);
}

/* Min-heap of the k largest values seen: the root is the k-th largest. */
static void heap_offer(double *h, int *m, int k, double v) {
    int i;
    if (*m < k) {
        i = (*m)++;
        while (i > 0 && h[(i - 1) / 2] > v) h[i] = h[(i - 1) / 2], i = (i - 1) / 2;
        h[i] = v;
        return;
    }
    if (v <= h[0]) return;
    i = 0;
    for (;;) { /* sift v down from the root */
        int l = 2 * i + 1, r = l + 1, s = l;
        if (l >= *m) break;
        if (r < *m && h[r] < h[l]) s = r;
        if (h[s] >= v) break;
        h[i] = h[s], i = s;
    }
    h[i] = v;
}

static int cmp_neighbor_desc(const void *a, const void *b) {
    const gb_neighbor *x = a, *y = b; /* score here is the "higher is nearer" key */
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return x->id - y->id;
}

int gb_vindex_nearest(const gb_vindex *ix, const float *q, gb_metric metric, int k,
                      const int *exclude, int n_exclude, gb_neighbor *out, gb_error *err) {
    if (k <= 0) return 0;
    int n = ix->n;
    float *dots = malloc(sizeof(float) * (size_t)n);
    double *key = malloc(sizeof(double) * (size_t)n), *bnd = malloc(sizeof(double) * (size_t)n);
    double *heap = malloc(sizeof(double) * (size_t)k);
    gb_neighbor *cand = malloc(sizeof(gb_neighbor) * (size_t)n);
    int got = -1;
    if (!dots || !key || !bnd || !heap || !cand) {
        gb_fail(err, GB_ERR_INTERNAL, "neighbours: out of memory");
        goto done;
    }
    double rel, abs_err, qn = gb_vec_norm(q, ix->d);
    candidate_dots(ix, q, dots, &rel, &abs_err);
    /* L = the k-th largest lower bound: a row whose upper bound is below L
     * has k rows surely nearer, so only rows reaching L need exact scores */
    int m = 0;
    for (int i = 0; i < n; i++) {
        key[i] = approx_key(ix, dots[i], qn, i, metric, rel, abs_err, &bnd[i]);
        if (!(n_exclude && excluded(i, exclude, n_exclude))) heap_offer(heap, &m, k, key[i] - bnd[i]);
    }
    double L = m < k ? -INFINITY : heap[0];
    int nc = 0;
    for (int i = 0; i < n; i++)
        if (key[i] + bnd[i] >= L && !(n_exclude && excluded(i, exclude, n_exclude)))
            cand[nc++] = (gb_neighbor){i, exact_key(ix, q, qn, i, metric)};
    qsort(cand, (size_t)nc, sizeof *cand, cmp_neighbor_desc);
    got = nc < k ? nc : k;
    for (int j = 0; j < got; j++) {
        out[j] = cand[j];
        if (metric == GB_METRIC_EUCLIDEAN) out[j].score = -out[j].score;
    }
done:
    free(cand), free(heap), free(bnd), free(key), free(dots);
    return got;
}

int gb_analogy(const gb_vindex *ix, int a, int b, int c, gb_metric metric, int k,
               gb_neighbor *out, float *q_out, gb_error *err) {
    int d = ix->d, abc[3] = {a, b, c};
    for (int i = 0; i < 3; i++)
        if (abc[i] < 0 || abc[i] >= ix->n) {
            gb_fail(err, GB_ERR_INPUT, "analogy: id %d is outside the table [0, %d)", abc[i], ix->n);
            return -1;
        }
    float *q = malloc(sizeof(float) * (size_t)d);
    if (!q) {
        gb_fail(err, GB_ERR_INTERNAL, "analogy: out of memory");
        return -1;
    }
    const double sign[3] = {1, -1, 1};
    for (int j = 0; j < d; j++) q[j] = 0;
    for (int i = 0; i < 3; i++) {
        const float *r = ix->rows + (size_t)abc[i] * d;
        double s = sign[i];
        if (metric == GB_METRIC_COSINE && ix->norms[abc[i]] > 0) s /= ix->norms[abc[i]];
        for (int j = 0; j < d; j++) q[j] += (float)(s * r[j]);
    }
    int got = gb_vindex_nearest(ix, q, metric, k, abc, 3, out, err);
    if (q_out) memcpy(q_out, q, sizeof(float) * (size_t)d);
    free(q);
    return got;
}

/* ---- spelling suggestions ---- */
int gb_edit_distance(const char *a, const char *b, int max) {
    int la = (int)strlen(a), lb = (int)strlen(b);
    if (abs(la - lb) > max) return max + 1;
    int stack_row[2][128];
    int *prev = stack_row[0], *cur = stack_row[1];
    int *heap = NULL;
    if (lb + 1 > 128) {
        heap = malloc(sizeof(int) * 2 * (size_t)(lb + 1));
        if (!heap) return max + 1;
        prev = heap, cur = heap + lb + 1;
    }
    for (int j = 0; j <= lb; j++) prev[j] = j;
    for (int i = 1; i <= la; i++) {
        cur[0] = i;
        int row_min = i;
        for (int j = 1; j <= lb; j++) {
            int v = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < v) v = prev[j] + 1;
            if (cur[j - 1] + 1 < v) v = cur[j - 1] + 1;
            cur[j] = v;
            if (v < row_min) row_min = v;
        }
        int *t = prev;
        prev = cur, cur = t;
        if (row_min > max) { /* every path already costs more than max */
            free(heap);
            return max + 1;
        }
    }
    int r = prev[lb];
    free(heap);
    return r > max ? max + 1 : r;
}

int gb_suggest_spellings(const char *word, const char *const *vocab, int n, int k, int *ids,
                         int *dists) {
    if (k <= 0) return 0;
    int *dd = dists ? dists : malloc(sizeof(int) * (size_t)k);
    if (!dd) return 0;
    int got = 0, wl = (int)strlen(word);
    int limit = wl > 2 ? wl : 2; /* beyond this a "suggestion" shares nothing */
    for (int i = 0; i < n; i++) {
        if (!vocab[i] || !vocab[i][0]) continue;
        int bound = got == k ? dd[k - 1] : limit;
        int dist = gb_edit_distance(word, vocab[i], bound);
        if (dist > bound) continue;
        int dl = abs((int)strlen(vocab[i]) - wl);
        int pos = got;
        while (pos > 0) { /* insertion into a small sorted list */
            int pd = dd[pos - 1], pl = abs((int)strlen(vocab[ids[pos - 1]]) - wl);
            if (pd < dist || (pd == dist && pl <= dl)) break;
            pos--;
        }
        if (pos >= k) continue;
        int last = got < k ? got : k - 1;
        for (int j = last; j > pos; j--) ids[j] = ids[j - 1], dd[j] = dd[j - 1];
        ids[pos] = i, dd[pos] = dist;
        if (got < k) got++;
    }
    if (!dists) free(dd);
    return got;
}
