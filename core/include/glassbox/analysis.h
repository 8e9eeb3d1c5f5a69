/* glassbox/analysis.h - the geometry of embeddings: exact PCA, projections,
 * cosine similarity, angles, distances, nearest neighbours and analogies.
 *
 *   gb_pca pca;
 *   gb_pca_fit(&pca, m->w.embed, V, d, 3, &err);          // 3 principal axes
 *   gb_pca_project(&pca, resid, T, xyz);                   // [T, d] -> [T, 3]
 *   printf("%.1f%% of the variance\n", 100 * pca.ratio_sum);
 *   gb_pca_free(&pca);
 *
 *   gb_vindex ix;
 *   gb_vindex_build(&ix, m->w.embed, V, d, &err);          // row norms, once
 *   gb_neighbor nb[10];
 *   int got = gb_vindex_nearest(&ix, ix.rows + id * d, GB_METRIC_COSINE, 10, &id, 1, nb, &err);
 *   gb_vindex_free(&ix);
 *
 * All scores are computed in double precision. A fast pass over the table
 * (float16 dot products where the CPU has F16C, else one sgemv) gives
 * approximate scores with a proven error bound; every row that could be among
 * the k nearest is then re-scored exactly, so results equal a brute-force
 * double computation.
 */
#ifndef GLASSBOX_ANALYSIS_H
#define GLASSBOX_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include "glassbox/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- PCA ---- */
typedef struct gb_pca {
    int n, d, k;        /* rows fitted, input dimension, components kept */
    float *mean;        /* [d] column means */
    float *components;  /* [k, d] orthonormal rows, by descending variance; the entry
                         * of largest magnitude in each row is positive (fixed sign) */
    double *variance;   /* [k] variance along each component (eigenvalues, n-1 divisor) */
    double *ratio;      /* [k] variance[i] / total_variance */
    double total_variance; /* trace of the covariance: sum over all d directions */
    double ratio_sum;   /* sum of ratio[0..k) */
} gb_pca;

/* Fit on x [n, d] (n >= 2, 1 <= k <= d): centre, build the d x d covariance
 * with ssyrk over blocks of rows (summed in double), and take its k largest
 * eigenpairs with LAPACKE_ssyevr. */
gb_status gb_pca_fit(gb_pca *p, const float *x, int n, int d, int k, gb_error *err);
void gb_pca_free(gb_pca *p);
/* out [n, k] = (x [n, d] - mean) @ components^T. */
void gb_pca_project(const gb_pca *p, const float *x, int n, float *out);
/* out [n, d] = mean + y [n, k] @ components (exact when k == d). */
void gb_pca_reconstruct(const gb_pca *p, const float *y, int n, float *out);

/* ---- pairs of vectors (double accumulation) ---- */
double gb_vec_dot(const float *a, const float *b, int d);
double gb_vec_norm(const float *a, int d);
/* Cosine similarity; 0 when either vector is zero (the angle is then 90 degrees). */
double gb_cosine(const float *a, const float *b, int d);
/* The angle between a and b in degrees, [0, 180]. */
double gb_angle_deg(const float *a, const float *b, int d);
double gb_euclidean(const float *a, const float *b, int d);

/* ---- nearest neighbours over a table ---- */
typedef enum gb_metric { GB_METRIC_COSINE = 0, GB_METRIC_EUCLIDEAN = 1 } gb_metric;
/* "cosine" / "euclidean"; returns -1 for anything else. */
int gb_metric_parse(const char *s);
const char *gb_metric_name(gb_metric m);

typedef struct gb_vindex {
    const float *rows;  /* [n, d], not owned: must outlive the index */
    int n, d;
    float *norms;       /* [n] |row|, computed once in double */
    uint16_t *half;     /* [n, d] float16 copy for the candidate pass (CPUs with F16C), or NULL */
} gb_vindex;

typedef struct gb_neighbor {
    int id;
    double score;       /* cosine similarity (higher is nearer) or Euclidean distance (lower) */
} gb_neighbor;

gb_status gb_vindex_build(gb_vindex *ix, const float *rows, int n, int d, gb_error *err);
void gb_vindex_free(gb_vindex *ix);
/* The k rows nearest to q [d], best first, skipping the ids in exclude (ties:
 * lower id first). Returns how many were written (<= k), or -1 on failure. */
int gb_vindex_nearest(const gb_vindex *ix, const float *q, gb_metric metric, int k,
                      const int *exclude, int n_exclude, gb_neighbor *out, gb_error *err);
/* Analogy "a is to b as c is to ?": the rows nearest to a - b + c, excluding
 * a, b and c. For cosine the three vectors are normalised first (3CosAdd), so
 * no word dominates by its length. Writes the query to q_out [d] if not NULL. */
int gb_analogy(const gb_vindex *ix, int a, int b, int c, gb_metric metric, int k,
               gb_neighbor *out, float *q_out, gb_error *err);

/* ---- spelling ---- */
/* Levenshtein distance over bytes, or max+1 if it exceeds max (early exit). */
int gb_edit_distance(const char *a, const char *b, int max);
/* The k strings of vocab [n] nearest to word in edit distance (ties: shorter
 * length difference, then lower index). Entries may be NULL. Returns the
 * number written to ids (and dists, if not NULL). */
int gb_suggest_spellings(const char *word, const char *const *vocab, int n, int k, int *ids,
                         int *dists);

#ifdef __cplusplus
}
#endif
#endif
