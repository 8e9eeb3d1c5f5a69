/* pca.c - exact principal component analysis of a table of vectors.
 *
 * The covariance C = Xc^T Xc / (n-1) (d x d) is built from blocks of centred
 * rows: ssyrk does the float work on each block, and the blocks are summed in
 * double, so a 50k-row table does not lose precision to one long float sum.
 * LAPACKE_ssyevr then gives the k largest eigenpairs directly.
 */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "glassbox/analysis.h"
#include "glassbox/platform.h"

#define PCA_BLOCK 4096 /* rows per ssyrk call: 12 MB of floats at d = 768 */

void gb_pca_free(gb_pca *p) {
    free(p->mean);
    free(p->components);
    free(p->variance);
    free(p->ratio);
    memset(p, 0, sizeof *p);
}

static void column_means(const float *x, int n, int d, double *mean) {
    memset(mean, 0, sizeof(double) * (size_t)d);
    for (int i = 0; i < n; i++) {
        const float *r = x + (size_t)i * (size_t)d;
        for (int j = 0; j < d; j++) mean[j] += r[j];
    }
    for (int j = 0; j < d; j++) mean[j] /= n;
}

/* cov (upper triangle, row-major [d, d], double) = sum over blocks of Xc^T Xc. */
static int covariance(const float *x, int n, int d, const float *mean, double *cov) {
    size_t dd = (size_t)d * (size_t)d;
    int bs = n < PCA_BLOCK ? n : PCA_BLOCK;
    float *blk = gb_alloc(sizeof(float) * (size_t)bs * (size_t)d);
    float *cb = gb_alloc(sizeof(float) * dd);
    if (!blk || !cb) {
        gb_free(blk);
        gb_free(cb);
        return -1;
    }
    memset(cov, 0, sizeof(double) * dd);
    for (int r0 = 0; r0 < n; r0 += bs) {
        int b = n - r0 < bs ? n - r0 : bs;
        for (int i = 0; i < b; i++) {
            const float *src = x + (size_t)(r0 + i) * (size_t)d;
            float *dst = blk + (size_t)i * (size_t)d;
            for (int j = 0; j < d; j++) dst[j] = src[j] - mean[j];
        }
        /* cb = blk^T blk: [d, b] x [b, d], upper triangle */
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, d, b, 1.0f, blk, d, 0.0f, cb, d);
        for (int i = 0; i < d; i++)
            for (int j = i; j < d; j++) cov[(size_t)i * d + j] += cb[(size_t)i * d + j];
    }
    gb_free(blk);
    gb_free(cb);
    return 0;
}

/* Make the entry of largest magnitude positive, so the result does not depend
 * on the eigen-solver's arbitrary sign. */
static void fix_sign(float *v, int d) {
    int best = 0;
    for (int j = 1; j < d; j++)
        if (fabsf(v[j]) > fabsf(v[best])) best = j;
    if (v[best] < 0)
        for (int j = 0; j < d; j++) v[j] = -v[j];
}

static gb_status eigen_top_k(gb_pca *p, const double *cov, gb_error *err) {
    int d = p->d, k = p->k, found = 0;
    size_t dd = (size_t)d * (size_t)d;
    float *a = malloc(sizeof(float) * dd), *w = malloc(sizeof(float) * (size_t)d);
    float *z = malloc(sizeof(float) * (size_t)d * (size_t)k);
    lapack_int *supp = malloc(sizeof(lapack_int) * 2 * (size_t)d);
    gb_status st = GB_OK;
    if (!a || !w || !z || !supp) st = gb_fail(err, GB_ERR_INTERNAL, "PCA: out of memory");
    if (!st) {
        double scale = 1.0 / (p->n - 1);
        for (int i = 0; i < d; i++)
            for (int j = i; j < d; j++)
                a[(size_t)i * d + j] = a[(size_t)j * d + i] = (float)(cov[(size_t)i * d + j] * scale);
        lapack_int m = 0;
        lapack_int info = LAPACKE_ssyevr(LAPACK_ROW_MAJOR, 'V', 'I', 'U', d, a, d, 0.0f, 0.0f,
                                         d - k + 1, d, 0.0f, &m, w, z, k, supp);
        if (info != 0 || m != k)
            st = gb_fail(err, GB_ERR_INTERNAL, "PCA: eigen-decomposition failed (info %d)", (int)info);
        found = (int)m;
    }
    for (int c = 0; !st && c < k; c++) { /* ssyevr returns ascending order */
        int src = found - 1 - c;
        for (int j = 0; j < d; j++) p->components[(size_t)c * d + j] = z[(size_t)j * k + src];
        fix_sign(p->components + (size_t)c * d, d);
        p->variance[c] = w[src] > 0 ? w[src] : 0.0;
    }
    free(a), free(w), free(z), free(supp);
    return st;
}

gb_status gb_pca_fit(gb_pca *p, const float *x, int n, int d, int k, gb_error *err) {
    memset(p, 0, sizeof *p);
    if (n < 2 || d < 1 || k < 1 || k > d)
        return gb_fail(err, GB_ERR_INPUT, "PCA: need at least 2 rows and 1 <= k <= d (n=%d d=%d k=%d)",
                       n, d, k);
    p->n = n, p->d = d, p->k = k;
    p->mean = malloc(sizeof(float) * (size_t)d);
    p->components = malloc(sizeof(float) * (size_t)k * (size_t)d);
    p->variance = calloc((size_t)k, sizeof(double));
    p->ratio = calloc((size_t)k, sizeof(double));
    double *mean = malloc(sizeof(double) * (size_t)d);
    double *cov = malloc(sizeof(double) * (size_t)d * (size_t)d);
    gb_status st = GB_OK;
    if (!p->mean || !p->components || !p->variance || !p->ratio || !mean || !cov)
        st = gb_fail(err, GB_ERR_INTERNAL, "PCA: out of memory");
    if (!st) {
        column_means(x, n, d, mean);
        for (int j = 0; j < d; j++) p->mean[j] = (float)mean[j];
        if (covariance(x, n, d, p->mean, cov) != 0) st = gb_fail(err, GB_ERR_INTERNAL, "PCA: out of memory");
    }
    if (!st) {
        for (int j = 0; j < d; j++) p->total_variance += cov[(size_t)j * d + j] / (n - 1);
        st = eigen_top_k(p, cov, err);
    }
    for (int c = 0; !st && c < k; c++) {
        p->ratio[c] = p->total_variance > 0 ? p->variance[c] / p->total_variance : 0.0;
        p->ratio_sum += p->ratio[c];
    }
    free(mean);
    free(cov);
    if (st) gb_pca_free(p);
    return st;
}

void gb_pca_project(const gb_pca *p, const float *x, int n, float *out) {
    int d = p->d, k = p->k, bs = n < 1024 ? n : 1024;
    if (n <= 0) return;
    float *blk = malloc(sizeof(float) * (size_t)bs * (size_t)d);
    for (int r0 = 0; r0 < n; r0 += bs) {
        int b = n - r0 < bs ? n - r0 : bs;
        if (!blk) { /* no memory for a block: one row at a time, same result */
            for (int i = 0; i < b; i++)
                for (int c = 0; c < k; c++) {
                    double s = 0;
                    for (int j = 0; j < d; j++)
                        s += ((double)x[(size_t)(r0 + i) * d + j] - p->mean[j]) *
                             p->components[(size_t)c * d + j];
                    out[(size_t)(r0 + i) * k + c] = (float)s;
                }
            continue;
        }
        for (int i = 0; i < b; i++)
            for (int j = 0; j < d; j++)
                blk[(size_t)i * d + j] = x[(size_t)(r0 + i) * d + j] - p->mean[j];
        /* out[b, k] = blk[b, d] @ components[k, d]^T */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b, k, d, 1.0f, blk, d, p->components,
                    d, 0.0f, out + (size_t)r0 * k, k);
    }
    free(blk);
}

void gb_pca_reconstruct(const gb_pca *p, const float *y, int n, float *out) {
    int d = p->d, k = p->k;
    if (n <= 0) return;
    for (int i = 0; i < n; i++) memcpy(out + (size_t)i * d, p->mean, sizeof(float) * (size_t)d);
    /* out[n, d] += y[n, k] @ components[k, d] */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, d, k, 1.0f, y, k, p->components, d,
                1.0f, out, d);
}
