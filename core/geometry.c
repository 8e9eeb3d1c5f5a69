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

#define REFINE_EXTRA 32 /* candidates beyond k that are re-scored exactly */

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

gb_status gb_vindex_build(gb_vindex *ix, const float *rows, int n, int d, gb_error *err) {
    memset(ix, 0, sizeof *ix);
    if (n < 1 || d < 1 || !rows) return gb_fail(err, GB_ERR_INPUT, "neighbours: empty table");
    ix->norms = malloc(sizeof(float) * (size_t)n);
    if (!ix->norms) return gb_fail(err, GB_ERR_INTERNAL, "neighbours: out of memory");
    ix->rows = rows, ix->n = n, ix->d = d;
    for (int i = 0; i < n; i++) ix->norms[i] = (float)gb_vec_norm(rows + (size_t)i * d, d);
    return GB_OK;
}

void gb_vindex_free(gb_vindex *ix) {
    free(ix->norms);
    memset(ix, 0, sizeof *ix);
}

/* "Better" in a uniform sense: larger key is better (euclidean keys are negated). */
static int worse(double ka, int ia, double kb, int ib) { return ka < kb || (ka == kb && ia > ib); }

/* Min-heap on (key, id) of the best m seen so far: the root is the worst kept. */
static void heap_sift_down(double *key, int *id, int m, int i) {
    for (;;) {
        int l = 2 * i + 1, r = l + 1, s = i;
        if (l < m && worse(key[l], id[l], key[s], id[s])) s = l;
        if (r < m && worse(key[r], id[r], key[s], id[s])) s = r;
        if (s == i) return;
        double tk = key[i];
        key[i] = key[s], key[s] = tk;
        int ti = id[i];
        id[i] = id[s], id[s] = ti;
        i = s;
    }
}

static void heap_push(double *key, int *id, int *m, int cap, double k, int i) {
    if (*m < cap) {
        int c = (*m)++;
        key[c] = k, id[c] = i;
        while (c > 0) { /* sift up */
            int p = (c - 1) / 2;
            if (!worse(key[c], id[c], key[p], id[p])) break;
            double tk = key[c];
            key[c] = key[p], key[p] = tk;
            int ti = id[c];
            id[c] = id[p], id[p] = ti;
            c = p;
        }
    } else if (worse(key[0], id[0], k, i)) {
        key[0] = k, id[0] = i;
        heap_sift_down(key, id, *m, 0);
    }
}

static int excluded(int i, const int *ex, int n_ex) {
    for (int j = 0; j < n_ex; j++)
        if (ex[j] == i) return 1;
    return 0;
}

static int cmp_neighbor_desc(const void *a, const void *b) {
    const gb_neighbor *x = a, *y = b; /* score here is the uniform key */
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return x->id - y->id;
}

/* Exact key of row i: cosine, or minus the Euclidean distance. */
static double exact_key(const gb_vindex *ix, const float *q, double qn, int i, gb_metric metric) {
    const float *r = ix->rows + (size_t)i * ix->d;
    if (metric == GB_METRIC_EUCLIDEAN) return -gb_euclidean(r, q, ix->d);
    double rn = gb_vec_norm(r, ix->d);
    return (rn == 0 || qn == 0) ? 0.0 : gb_vec_dot(r, q, ix->d) / (rn * qn);
}

int gb_vindex_nearest(const gb_vindex *ix, const float *q, gb_metric metric, int k,
                      const int *exclude, int n_exclude, gb_neighbor *out, gb_error *err) {
    if (k <= 0) return 0;
    int n = ix->n, d = ix->d, cap = k + REFINE_EXTRA;
    float *dots = malloc(sizeof(float) * (size_t)n);
    double *key = malloc(sizeof(double) * (size_t)cap);
    int *id = malloc(sizeof(int) * (size_t)cap);
    if (!dots || !key || !id) {
        free(dots), free(key), free(id);
        gb_fail(err, GB_ERR_INTERNAL, "neighbours: out of memory");
        return -1;
    }
    /* dots[n] = rows[n, d] @ q[d] */
    cblas_sgemv(CblasRowMajor, CblasNoTrans, n, d, 1.0f, ix->rows, d, q, 1, 0.0f, dots, 1);
    double qn = gb_vec_norm(q, d);
    int m = 0;
    for (int i = 0; i < n; i++) {
        double kf;
        if (metric == GB_METRIC_EUCLIDEAN)
            kf = -((double)ix->norms[i] * ix->norms[i] - 2.0 * dots[i] + qn * qn);
        else
            kf = (ix->norms[i] == 0 || qn == 0) ? 0.0 : dots[i] / (ix->norms[i] * qn);
        if (n_exclude && excluded(i, exclude, n_exclude)) continue;
        heap_push(key, id, &m, cap, kf, i);
    }
    /* re-score the candidates exactly and sort best first */
    gb_neighbor *cand = (gb_neighbor *)malloc(sizeof(gb_neighbor) * (size_t)(m ? m : 1));
    int got = 0;
    if (cand) {
        for (int j = 0; j < m; j++) cand[j] = (gb_neighbor){id[j], exact_key(ix, q, qn, id[j], metric)};
        qsort(cand, (size_t)m, sizeof *cand, cmp_neighbor_desc);
        got = m < k ? m : k;
        for (int j = 0; j < got; j++) {
            out[j] = cand[j];
            if (metric == GB_METRIC_EUCLIDEAN) out[j].score = -out[j].score;
        }
    } else {
        gb_fail(err, GB_ERR_INTERNAL, "neighbours: out of memory");
        got = -1;
    }
    free(cand), free(dots), free(key), free(id);
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
