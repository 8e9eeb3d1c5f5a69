/* test_pca.c - exact PCA: orthonormal components, descending variance, exact
 * full-rank reconstruction, known principal axes, deterministic signs. */
#include "gbtest.h"

#include <math.h>

#include "glassbox/analysis.h"

static void fill(float *x, size_t n, unsigned seed) {
    uint32_t s = seed * 2654435761u + 7;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = (float)(s >> 8) / 16777216.0f - 0.5f;
    }
}

/* Correlated data: random rows times a fixed mixing matrix, plus an offset. */
static float *correlated(int n, int d, unsigned seed) {
    float *z = malloc(sizeof(float) * (size_t)n * d), *mix = malloc(sizeof(float) * (size_t)d * d);
    float *x = malloc(sizeof(float) * (size_t)n * d);
    fill(z, (size_t)n * d, seed);
    fill(mix, (size_t)d * d, seed + 1);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < d; j++) {
            double s = 5.0 + j; /* a mean far from zero tests the centring */
            for (int t = 0; t < d; t++) s += z[(size_t)i * d + t] * mix[(size_t)t * d + j] * (1 + t);
            x[(size_t)i * d + j] = (float)s;
        }
    free(z);
    free(mix);
    return x;
}

/* Components are orthonormal and variances descend; ratios sum to 1 at full rank. */
static void test_orthonormal_and_descending(void **state) {
    (void)state;
    int n = 500, d = 24;
    float *x = correlated(n, d, 1);
    gb_pca p;
    gb_error err = {0};
    gbt_assert_ok(gb_pca_fit(&p, x, n, d, d, &err), &err);
    double worst = 0;
    for (int a = 0; a < d; a++)
        for (int b = 0; b < d; b++) {
            double dot = 0;
            for (int j = 0; j < d; j++) dot += (double)p.components[a * d + j] * p.components[b * d + j];
            worst = fmax(worst, fabs(dot - (a == b)));
        }
    printf("  largest |C C^T - I| = %.3g\n", worst);
    assert_true(worst < 1e-5);
    for (int c = 1; c < d; c++) assert_true(p.variance[c] <= p.variance[c - 1]);
    printf("  ratio sum %.9f, first ratio %.4f\n", p.ratio_sum, p.ratio[0]);
    assert_true(fabs(p.ratio_sum - 1.0) < 1e-4);
    gb_pca_free(&p);
    free(x);
}

/* Projecting onto all d components and back gives the data again. */
static void test_full_rank_reconstruction(void **state) {
    (void)state;
    int n = 300, d = 16;
    float *x = correlated(n, d, 2), *y = malloc(sizeof(float) * (size_t)n * d);
    float *back = malloc(sizeof(float) * (size_t)n * d);
    gb_pca p;
    gb_error err = {0};
    gbt_assert_ok(gb_pca_fit(&p, x, n, d, d, &err), &err);
    gb_pca_project(&p, x, n, y);
    gb_pca_reconstruct(&p, y, n, back);
    gbt_assert_close(back, x, (size_t)n * d, 2e-3, "reconstruction (values ~10)");
    gb_pca_free(&p);
    free(x), free(y), free(back);
}

/* Six points at +-a*u1, +-b*u2, +-c*u3 around a centre: the covariance is known
 * exactly, so are its eigenvectors (u1,u2,u3) and eigenvalues 2a^2/5 etc. */
static void test_known_axes(void **state) {
    (void)state;
    const int d = 5;
    double u[3][5] = {{2, 1, 0, 0, 0}, {1, -2, 0, 3, 0}, {0, 0, 1, 0, -2}}; /* no ties in |entry| */
    for (int i = 0; i < 3; i++) { /* orthogonal by construction: normalise */
        double nrm = 0;
        for (int j = 0; j < d; j++) nrm += u[i][j] * u[i][j];
        for (int j = 0; j < d; j++) u[i][j] = -u[i][j] / sqrt(nrm); /* sign flipped on purpose */
    }
    const double len[3] = {6, 3, 1}, centre[5] = {10, -2, 3, 0.5, 7};
    float x[6 * 5];
    for (int i = 0; i < 3; i++)
        for (int s = 0; s < 2; s++)
            for (int j = 0; j < d; j++)
                x[(2 * i + s) * d + j] = (float)(centre[j] + (s ? -1 : 1) * len[i] * u[i][j]);
    gb_pca p;
    gb_error err = {0};
    gbt_assert_ok(gb_pca_fit(&p, x, 6, d, 3, &err), &err);
    for (int i = 0; i < 3; i++) {
        double want = 2 * len[i] * len[i] / 5;
        printf("  variance %d: %.6f (want %.6f)\n", i, p.variance[i], want);
        assert_true(fabs(p.variance[i] - want) < 1e-4 * want);
        /* the sign convention: largest-magnitude entry positive */
        int big = 0;
        for (int j = 1; j < d; j++)
            if (fabs(u[i][j]) > fabs(u[i][big]) + 1e-12) big = j;
        double sgn = u[i][big] < 0 ? -1 : 1;
        float want_v[5];
        for (int j = 0; j < d; j++) want_v[j] = (float)(sgn * u[i][j]);
        gbt_assert_close(p.components + i * d, want_v, 5, 1e-5, "principal axis");
    }
    assert_true(fabs(p.ratio_sum - 1.0) < 1e-5);
    gbt_assert_close(p.mean, ((float[]){10, -2, 3, 0.5f, 7}), 5, 1e-5, "mean");
    gb_pca_free(&p);
}

/* Projection equals a double-precision (x - mean) . component. */
static void test_projection_matches_double(void **state) {
    (void)state;
    int n = 200, d = 32, k = 3;
    float *x = correlated(n, d, 3), y[200 * 3], ref[200 * 3];
    gb_pca p;
    gb_error err = {0};
    gbt_assert_ok(gb_pca_fit(&p, x, n, d, k, &err), &err);
    gb_pca_project(&p, x, n, y);
    for (int i = 0; i < n; i++)
        for (int c = 0; c < k; c++) {
            double s = 0;
            for (int j = 0; j < d; j++)
                s += ((double)x[i * d + j] - p.mean[j]) * p.components[c * d + j];
            ref[i * k + c] = (float)s;
        }
    gbt_assert_close(y, ref, (size_t)n * k, 1e-3, "projection vs double");
    /* variance of each projected coordinate equals the eigenvalue */
    for (int c = 0; c < k; c++) {
        double s2 = 0;
        for (int i = 0; i < n; i++) s2 += (double)ref[i * k + c] * ref[i * k + c];
        printf("  var(pc%d) = %.5f, eigenvalue %.5f\n", c, s2 / (n - 1), p.variance[c]);
        assert_true(fabs(s2 / (n - 1) - p.variance[c]) < 1e-3 * p.variance[c]);
    }
    gb_pca_free(&p);
    free(x);
}

/* Far from the origin (mean 1000, spread 1) centring keeps the small axes right. */
static void test_large_offset(void **state) {
    (void)state;
    int n = 4000, d = 3;
    float *x = malloc(sizeof(float) * (size_t)n * d);
    uint32_t s = 99;
    for (int i = 0; i < n; i++) {
        double v[3];
        for (int j = 0; j < 3; j++) {
            s = s * 1664525u + 1013904223u;
            v[j] = ((double)(s >> 8) / 16777216.0 - 0.5) * 3.4641016; /* uniform, variance 1 */
        }
        x[i * 3 + 0] = (float)(1000 + 3 * v[0]);
        x[i * 3 + 1] = (float)(1000 + 2 * v[1]);
        x[i * 3 + 2] = (float)(1000 + 1 * v[2]);
    }
    gb_pca p;
    gb_error err = {0};
    gbt_assert_ok(gb_pca_fit(&p, x, n, d, 3, &err), &err);
    /* reference: the covariance diagonal in double (the axes are independent);
     * the eigenvalues must sum to its trace exactly, whatever the cross terms */
    double trace = 0, eig_sum = p.variance[0] + p.variance[1] + p.variance[2];
    for (int c = 0; c < 3; c++) {
        double m = 0, v = 0;
        for (int i = 0; i < n; i++) m += x[i * 3 + c];
        m /= n;
        for (int i = 0; i < n; i++) v += (x[i * 3 + c] - m) * (x[i * 3 + c] - m);
        v /= n - 1;
        printf("  axis %d: variance %.5f, double reference %.5f, component entry %.4f\n", c, p.variance[c], v,
               p.components[c * 3 + c]);
        assert_true(fabs(p.variance[c] - v) < 0.05 * v); /* sample cross-terms allow a few percent */
        assert_true(p.components[c * 3 + c] > 0.99f);
        trace += v;
    }
    printf("  sum of eigenvalues %.7f, trace in double %.7f\n", eig_sum, trace);
    assert_true(fabs(eig_sum - trace) < 1e-5 * trace);
    assert_true(fabs(p.total_variance - trace) < 1e-6 * trace);
    gb_pca_free(&p);
    free(x);
}

/* Nonsense sizes are refused with a message. */
static void test_bad_sizes(void **state) {
    (void)state;
    float x[4] = {1, 2, 3, 4};
    gb_pca p;
    gb_error err = {0};
    assert_int_equal(gb_pca_fit(&p, x, 1, 4, 1, &err), GB_ERR_INPUT);
    gb_error_clear(&err);
    assert_int_equal(gb_pca_fit(&p, x, 2, 2, 3, &err), GB_ERR_INPUT);
    printf("  %s\n", err.msg);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_orthonormal_and_descending),
        cmocka_unit_test(test_full_rank_reconstruction),
        cmocka_unit_test(test_known_axes),
        cmocka_unit_test(test_projection_matches_double),
        cmocka_unit_test(test_large_offset),
        cmocka_unit_test(test_bad_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
