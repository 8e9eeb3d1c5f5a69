/* test_geometry.c - cosine, angle, distance, neighbours and analogies equal a
 * brute-force double computation; spelling suggestions. */
#include "gbtest.h"

#include <math.h>

#include "glassbox/analysis.h"

static void fill(float *x, size_t n, unsigned seed) {
    uint32_t s = seed * 2654435761u + 3;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = (float)(s >> 8) / 16777216.0f - 0.5f;
    }
}

/* Known pairs: 45 degrees, orthogonal, opposite, a zero vector. */
static void test_pairs(void **state) {
    (void)state;
    float a[2] = {1, 0}, b[2] = {1, 1}, c[2] = {0, 3}, z[2] = {0, 0}, m[2] = {-2, 0};
    assert_true(fabs(gb_angle_deg(a, b, 2) - 45.0) < 1e-9);
    assert_true(fabs(gb_cosine(a, b, 2) - sqrt(0.5)) < 1e-12);
    assert_true(fabs(gb_angle_deg(a, c, 2) - 90.0) < 1e-9);
    assert_true(fabs(gb_angle_deg(a, m, 2) - 180.0) < 1e-9);
    assert_true(fabs(gb_euclidean(a, c, 2) - sqrt(10.0)) < 1e-12);
    assert_true(gb_cosine(a, z, 2) == 0.0);
    assert_true(fabs(gb_angle_deg(a, z, 2) - 90.0) < 1e-9);
}

typedef struct ref_nb {
    int id;
    double key;
} ref_nb;

static int cmp_ref(const void *x, const void *y) {
    const ref_nb *a = x, *b = y;
    if (a->key != b->key) return a->key > b->key ? -1 : 1;
    return a->id - b->id;
}

/* Brute force in double over the whole table, then compare ids and scores. */
static void check_against_brute_force(const gb_vindex *ix, const float *q, gb_metric metric, int k,
                                      const int *ex, int n_ex, const gb_neighbor *got, int n_got) {
    int n = ix->n, d = ix->d;
    ref_nb *r = malloc(sizeof *r * (size_t)n);
    int m = 0;
    for (int i = 0; i < n; i++) {
        int skip = 0;
        for (int j = 0; j < n_ex; j++) skip |= ex[j] == i;
        if (skip) continue;
        const float *row = ix->rows + (size_t)i * d;
        double dot = 0, nr = 0, nq = 0, e = 0;
        for (int j = 0; j < d; j++) {
            dot += (double)row[j] * q[j], nr += (double)row[j] * row[j], nq += (double)q[j] * q[j];
            e += ((double)row[j] - q[j]) * ((double)row[j] - q[j]);
        }
        r[m++] = (ref_nb){i, metric == GB_METRIC_COSINE ? dot / sqrt(nr * nq) : -sqrt(e)};
    }
    qsort(r, (size_t)m, sizeof *r, cmp_ref);
    assert_int_equal(n_got, k < m ? k : m);
    double worst = 0;
    for (int j = 0; j < n_got; j++) {
        double want = metric == GB_METRIC_COSINE ? r[j].key : -r[j].key;
        worst = fmax(worst, fabs(got[j].score - want));
        if (got[j].id != r[j].id) /* only acceptable for an exact tie */
            assert_true(fabs(r[j].key - r[j + (j + 1 < m)].key) < 1e-12);
    }
    printf("  %s k=%d: largest score difference vs brute force %.3g\n", gb_metric_name(metric), k, worst);
    assert_true(worst < 1e-12);
    free(r);
}

/* Neighbours of rows and of free queries, both metrics, with exclusions. */
static void test_neighbors_equal_brute_force(void **state) {
    (void)state;
    int n = 3000, d = 48;
    float *t = malloc(sizeof(float) * (size_t)n * d), q[48];
    fill(t, (size_t)n * d, 1);
    for (int i = 0; i < d; i++) t[17 * d + i] = 0; /* a zero row must not break cosine */
    fill(q, 48, 2);
    gb_vindex ix;
    gb_error err = {0};
    gbt_assert_ok(gb_vindex_build(&ix, t, n, d, &err), &err);
    gb_neighbor nb[50];
    for (int metric = 0; metric < 2; metric++) {
        int k = metric ? 50 : 10;
        int got = gb_vindex_nearest(&ix, q, (gb_metric)metric, k, NULL, 0, nb, &err);
        check_against_brute_force(&ix, q, (gb_metric)metric, k, NULL, 0, nb, got);
        int self = 123;
        got = gb_vindex_nearest(&ix, t + self * d, (gb_metric)metric, 7, &self, 1, nb, &err);
        check_against_brute_force(&ix, t + self * d, (gb_metric)metric, 7, &self, 1, nb, got);
        for (int j = 0; j < got; j++) assert_int_not_equal(nb[j].id, self);
    }
    /* without exclusion a row is its own nearest neighbour */
    int got = gb_vindex_nearest(&ix, t + 5 * d, GB_METRIC_EUCLIDEAN, 1, NULL, 0, nb, &err);
    assert_int_equal(got, 1);
    assert_int_equal(nb[0].id, 5);
    assert_true(nb[0].score == 0.0);
    gb_vindex_free(&ix);
    free(t);
}

/* Rows that differ by less than float16 can see: every row becomes a
 * candidate and the answer is still the exact one; a table too large for
 * float16 takes the float path and is exact too. */
static void test_near_ties_and_float_path(void **state) {
    (void)state;
    int n = 2000, d = 64;
    float *t = malloc(sizeof(float) * (size_t)n * d), base[64], noise[64], q[64];
    fill(base, 64, 5);
    for (int i = 0; i < n; i++) {
        fill(noise, 64, 100 + (unsigned)i);
        for (int j = 0; j < d; j++) t[(size_t)i * d + j] = base[j] + 1e-4f * noise[j];
    }
    fill(noise, 64, 7);
    for (int j = 0; j < d; j++) q[j] = base[j] + 1e-4f * noise[j];
    gb_vindex ix;
    gb_error err = {0};
    gb_neighbor nb[8];
    gbt_assert_ok(gb_vindex_build(&ix, t, n, d, &err), &err);
    printf("  float16 candidate pass: %s\n", ix.half ? "yes" : "no (float)");
    for (int metric = 0; metric < 2; metric++) {
        int got = gb_vindex_nearest(&ix, q, (gb_metric)metric, 8, NULL, 0, nb, &err);
        check_against_brute_force(&ix, q, (gb_metric)metric, 8, NULL, 0, nb, got);
    }
    gb_vindex_free(&ix);
    for (size_t i = 0; i < (size_t)n * d; i++) t[i] *= 1e6f; /* beyond float16's range */
    for (int j = 0; j < d; j++) q[j] *= 1e6f;
    gbt_assert_ok(gb_vindex_build(&ix, t, n, d, &err), &err);
    assert_null(ix.half);
    for (int metric = 0; metric < 2; metric++) {
        int got = gb_vindex_nearest(&ix, q, (gb_metric)metric, 8, NULL, 0, nb, &err);
        check_against_brute_force(&ix, q, (gb_metric)metric, 8, NULL, 0, nb, got);
    }
    gb_vindex_free(&ix);
    free(t);
}

/* k larger than the table returns every row once. */
static void test_k_larger_than_table(void **state) {
    (void)state;
    float t[4 * 3];
    fill(t, 12, 3);
    gb_vindex ix;
    gb_error err = {0};
    gbt_assert_ok(gb_vindex_build(&ix, t, 4, 3, &err), &err);
    gb_neighbor nb[10];
    int ex = 2;
    int got = gb_vindex_nearest(&ix, t, GB_METRIC_COSINE, 10, &ex, 1, nb, &err);
    assert_int_equal(got, 3);
    check_against_brute_force(&ix, t, GB_METRIC_COSINE, 10, &ex, 1, nb, got);
    gb_vindex_free(&ix);
}

/* king - man + woman: a table built so the answer is exactly another row. */
static void test_analogy(void **state) {
    (void)state;
    int n = 200, d = 16;
    float *t = malloc(sizeof(float) * (size_t)n * d);
    fill(t, (size_t)n * d, 4);
    /* rows 0..3: king, man, woman, queen with queen = king - man + woman */
    for (int j = 0; j < d; j++) t[3 * d + j] = t[0 * d + j] - t[1 * d + j] + t[2 * d + j];
    gb_vindex ix;
    gb_error err = {0};
    gbt_assert_ok(gb_vindex_build(&ix, t, n, d, &err), &err);
    gb_neighbor nb[5];
    float q[16];
    int got = gb_analogy(&ix, 0, 1, 2, GB_METRIC_EUCLIDEAN, 5, nb, q, &err);
    assert_int_equal(got, 5);
    assert_int_equal(nb[0].id, 3);
    printf("  euclidean: queen at distance %.3g\n", nb[0].score);
    assert_true(nb[0].score < 1e-6);
    int ex[3] = {0, 1, 2};
    check_against_brute_force(&ix, q, GB_METRIC_EUCLIDEAN, 5, ex, 3, nb, got);
    got = gb_analogy(&ix, 0, 1, 2, GB_METRIC_COSINE, 5, nb, q, &err);
    check_against_brute_force(&ix, q, GB_METRIC_COSINE, 5, ex, 3, nb, got);
    for (int j = 0; j < got; j++) assert_true(nb[j].id > 2);
    assert_int_equal(gb_analogy(&ix, 0, 1, 999, GB_METRIC_COSINE, 5, nb, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "999"));
    gb_vindex_free(&ix);
    free(t);
}

/* Edit distance and the nearest spellings of an unknown word. */
static void test_spelling(void **state) {
    (void)state;
    assert_int_equal(gb_edit_distance("kitten", "sitting", 10), 3);
    assert_int_equal(gb_edit_distance("", "abc", 10), 3);
    assert_int_equal(gb_edit_distance("abcdef", "uvwxyz", 2), 3); /* capped at max+1 */
    const char *vocab[7] = {"hello", "help", NULL, "world", "yellow", "helot", "h"};
    int ids[3], dist[3];
    int got = gb_suggest_spellings("helo", vocab, 7, 3, ids, dist);
    assert_int_equal(got, 3);
    assert_int_equal(dist[0], 1);
    assert_int_equal(dist[2], 1);
    /* all three at distance 1; ties by length difference: help(0), hello(1), helot(1) */
    assert_int_equal(ids[0], 1);
    assert_int_equal(ids[1], 0);
    assert_int_equal(ids[2], 5);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pairs),
        cmocka_unit_test(test_neighbors_equal_brute_force),
        cmocka_unit_test(test_near_ties_and_float_path),
        cmocka_unit_test(test_k_larger_than_table),
        cmocka_unit_test(test_analogy),
        cmocka_unit_test(test_spelling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
