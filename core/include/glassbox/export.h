/* glassbox/export.h - writing tensors, attention maps and embeddings to files
 * other tools read: NPY, safetensors, CSV, JSON and the TensorFlow Embedding
 * Projector's TSV pair. The formats are documented in docs/exports.md.
 *
 * Every writer goes through gb_afile (glassbox/platform.h): the file is written
 * under a temporary name and renamed into place, so a failure never leaves a
 * half-written file and never damages an existing one.
 *
 * Arrays are passed as gb_tensor (glassbox/trace.h) so recorded tensors, which
 * may be strided, can be written directly; gb_tensor_view() wraps a plain
 * row-major float array:
 *
 *   int64_t shape[2] = {V, d};
 *   gb_tensor t = gb_tensor_view("embed", m->w.embed, 2, shape);
 *   gb_npy_write("embed.npy", &t, &err);
 *
 *   const gb_tensor *list[2] = {&a, &b};
 *   gb_kv meta[1] = {{"prompt", "The cat"}};
 *   gb_safetensors_write("run.safetensors", list, 2, meta, 1, &err);
 *
 * Higher-level exports pick the format from the file extension:
 * gb_export_attention() (.csv .json .npy .safetensors) and
 * gb_export_embeddings() (.csv .json .npy .safetensors .tsv).
 */
#ifndef GLASSBOX_EXPORT_H
#define GLASSBOX_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "glassbox/error.h"
#include "glassbox/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A string metadata entry (safetensors __metadata__, JSON "metadata"). */
typedef struct gb_kv {
    const char *key;
    const char *value;
} gb_kv;

/* A contiguous row-major view of data (not copied; name truncated to 95 bytes). */
gb_tensor gb_tensor_view(const char *name, const float *data, int ndim, const int64_t *shape);
/* Number of elements of a shape; -1 if a dimension is negative or the product overflows. */
int64_t gb_shape_numel(int ndim, const int64_t *shape);

/* ---- text building blocks (also for other writers, e.g. the sampler's) ---- */
/* One CSV field, RFC 4180: quoted when it holds a comma, quote, CR, LF or
 * leading/trailing space; quotes doubled. Records end with "\r\n". */
void gb_csv_field(FILE *fp, const char *s);
/* A float with 9 significant digits (round-trips float32); nan, inf, -inf. */
void gb_csv_float(FILE *fp, float x);
/* A JSON string literal: quotes, backslash and control characters escaped,
 * invalid UTF-8 bytes replaced by U+FFFD so the file is always valid JSON. */
void gb_json_string(FILE *fp, const char *s);
/* A JSON number with 9 significant digits; NaN and infinities become null. */
void gb_json_float(FILE *fp, float x);
/* A TSV field for the Embedding Projector, which has no quoting and shows
 * fields as they are: tab, LF and CR are written as the two characters \t \n
 * \r; other bytes (backslashes too, so labels that already use backslash
 * escapes stay readable) are written unchanged; an empty string as "". */
void gb_tsv_field(FILE *fp, const char *s);
/* The file extension of path in lower case without the dot ("" if none);
 * writes at most cap bytes. */
void gb_path_ext(const char *path, char *ext, size_t cap);

/* ---- NPY 1.0: one float32 array, '<f4', C order ---- */
gb_status gb_npy_write(const char *path, const gb_tensor *t, gb_error *err);
/* Read an NPY file written by numpy or by us ('<f4', C order, version 1.0-3.0).
 * *data is malloc'd (free()). shape has room for GB_TENSOR_MAX_DIMS dims. */
gb_status gb_npy_read(const char *path, float **data, int *ndim, int64_t *shape, gb_error *err);

/* ---- safetensors: named F32 tensors + string metadata ---- */
/* Tensors are stored in name order (names must be unique and non-empty);
 * data offsets follow that order; the JSON header is padded with spaces to a
 * multiple of 8 bytes. Metadata keys must be unique and not "__metadata__". */
gb_status gb_safetensors_write(const char *path, const gb_tensor *const *tensors, int n,
                               const gb_kv *meta, int n_meta, gb_error *err);

/* A whole safetensors file read back (for tests and tools; F32 only). */
typedef struct gb_st_contents {
    int n;              /* tensors, in file (name) order */
    gb_tensor *tensors; /* [n]; each data is its own malloc'd copy */
    int n_meta;
    char **keys;        /* [n_meta] */
    char **values;      /* [n_meta] */
} gb_st_contents;
gb_status gb_st_contents_read(const char *path, gb_st_contents *out, gb_error *err);
void gb_st_contents_free(gb_st_contents *c);
const gb_tensor *gb_st_contents_find(const gb_st_contents *c, const char *name);
const char *gb_st_contents_meta(const gb_st_contents *c, const char *key);

/* ---- attention maps ---- */
/* One attention map of one head: row = query, column = key. */
typedef struct gb_attn_map {
    const char *module;     /* "blocks.0.attn", "blocks.1.cross_attn", "encoder.blocks.0.attn" */
    int layer, head;
    int n_q, n_k;
    const float *w;         /* element (q,k) at w[q*row_stride + k*col_stride] */
    int64_t row_stride;     /* 0: n_k */
    int64_t col_stride;     /* 0: 1 */
    const char *const *q_tokens; /* [n_q] labels of the query tokens */
    const char *const *k_tokens; /* [n_k] */
    const int *q_ids, *k_ids;    /* [n_q], [n_k] token ids, or NULL */
} gb_attn_map;

typedef struct gb_attn_export {
    const gb_attn_map *maps;
    int n_maps;
    /* NPY only: how the maps are stacked in front of [n_q, n_k], e.g. {L, H}
     * when all heads of all layers are given layer by layer. lead_ndim 0 means
     * [n_maps] (or nothing when there is one map). Product must equal n_maps. */
    int lead_ndim;
    int64_t lead_shape[2];
    const gb_kv *meta;      /* JSON "metadata", safetensors __metadata__ */
    int n_meta;
} gb_attn_export;

/* Write maps in the format of the extension:
 *   .csv          one map: labelled matrix; several: long format, one weight a row
 *   .json         schema "glassbox.attention" (docs/exports.md)
 *   .npy          all maps must have the same shape: lead_shape + [n_q, n_k]
 *   .safetensors  "<module>.hook_pattern" [heads, n_q, n_k] per module, tokens
 *                 and head lists in metadata */
gb_status gb_export_attention(const char *path, const gb_attn_export *a, gb_error *err);

/* ---- embeddings and other row tables ---- */
#define GB_EMBED_MAX_EXTRA 4
typedef struct gb_embed_export {
    const float *x;              /* [n, d] row-major */
    int n, d;
    const char *const *tokens;   /* [n] row labels, or NULL */
    const int *ids;              /* [n] ids, or NULL (then the row index is the id) */
    const char *id_name;         /* heading of the id column: NULL = "id" */
    const char *const *col_names;/* [d] CSV/JSON column names, or NULL: "d0", "d1", ... */
    int n_extra;                 /* more metadata columns (e.g. "position", "category") */
    const char *extra_names[GB_EMBED_MAX_EXTRA];
    const char *const *extra[GB_EMBED_MAX_EXTRA]; /* each [n] */
    const gb_kv *meta;
    int n_meta;
} gb_embed_export;

/* Write rows in the format of the extension:
 *   .npy          [n, d]
 *   .csv          header id,token,<extras>,<columns>; one row per vector
 *   .json         schema "glassbox.embeddings" (docs/exports.md)
 *   .safetensors  "embeddings" [n, d], ids and tokens as JSON in metadata
 *   .tsv          Embedding Projector pair: vectors at path, metadata at
 *                 gb_tsv_metadata_path(path) */
gb_status gb_export_embeddings(const char *path, const gb_embed_export *e, gb_error *err);

/* The companion metadata file of a projector vectors file (malloc'd):
 * ".../NAMEvectors.tsv" -> ".../NAMEmetadata.tsv" (so vectors.tsv -> metadata.tsv),
 * any other ".../NAME.tsv" -> ".../NAME.metadata.tsv". */
char *gb_tsv_metadata_path(const char *vectors_path);
/* The projector pair alone (used by gb_export_embeddings for .tsv). Both files
 * are written to temporary names first; if the second rename fails the first
 * new file is removed again. */
gb_status gb_projector_write(const char *vectors_path, const gb_embed_export *e, gb_error *err);

/* ---- whole recordings ---- */
/* Every tensor of a trace, by the extension: .safetensors (TransformerLens
 * names, metadata as given) or .json (schema "glassbox.trace", nested lists,
 * -inf as null). docs/exports.md describes both. */
gb_status gb_trace_save(const char *path, const gb_trace *tr, const gb_kv *meta, int n_meta, gb_error *err);

#ifdef __cplusplus
}
#endif
#endif
