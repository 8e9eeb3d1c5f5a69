/* glassbox/trace.h - the recording of a forward pass.
 *
 * A gb_trace holds named float32 tensors (TransformerLens names, see
 * ../shared/DESIGN.md and docs in README) in one arena. Recording is selected
 * by a pattern list made of comma-separated globs ('*' matches any run of
 * characters, including dots): "*" records everything, "" nothing,
 * "blocks.*.attn.hook_pattern,logits" just those.
 *
 * Tensors whose first (or, for attention, second and third) axis is the token
 * axis are allocated with room for `capacity` tokens, so one trace can grow as
 * a generation proceeds without moving data. A tensor's logical shape is
 * `shape`; element (i,j,k) lives at data[i*stride[0] + j*stride[1] + k*stride[2]].
 * Use gb_tensor_copy_contiguous() before writing files.
 *
 *   gb_trace *tr = gb_trace_new("*", 64, &err);
 *   gb_forward_decoder(m, st, ids, n, 0, &(gb_run_opts){.trace = tr}, &err);
 *   const gb_tensor *p = gb_trace_find(tr, "blocks.0.attn.hook_pattern");
 *   float a = gb_tensor_at3(p, head, query, key);
 */
#ifndef GLASSBOX_TRACE_H
#define GLASSBOX_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "glassbox/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GB_TENSOR_MAX_DIMS 4

typedef struct gb_tensor {
    char name[96];
    int ndim;
    int64_t shape[GB_TENSOR_MAX_DIMS];  /* logical shape */
    int64_t stride[GB_TENSOR_MAX_DIMS]; /* in elements */
    float *data;
    size_t capacity_floats;             /* allocated floats */
} gb_tensor;

typedef struct gb_trace gb_trace;

/* patterns: comma-separated globs; capacity: max tokens any tensor will hold. */
gb_trace *gb_trace_new(const char *patterns, int capacity, gb_error *err);
void gb_trace_free(gb_trace *tr);
/* Forget all tensors (keeps the pattern and capacity). */
void gb_trace_clear(gb_trace *tr);
/* Does the pattern select this name? */
bool gb_trace_wants(const gb_trace *tr, const char *name);
bool gb_glob_match(const char *pattern, const char *name);
int gb_trace_capacity(const gb_trace *tr);
/* False for an empty pattern list: then a pass skips all recording work. */
bool gb_trace_records_anything(const gb_trace *tr);

/* Get (creating on first use) a tensor with logical shape `shape`. `tok_axes` is
 * a bit mask of axes that count tokens (bit i = axis i); they are allocated with
 * room for `capacity` tokens so the tensor can grow in place. A new tensor is
 * filled with `fill` (e.g. 0 for attention patterns, -INFINITY for masked
 * scores), so entries never written read as masked. If the tensor exists, its
 * logical shape is updated; a change in a non-token axis reallocates it.
 * Returns NULL (and sets err) if a token axis exceeds the capacity. */
gb_tensor *gb_trace_tensor(gb_trace *tr, const char *name, int ndim, const int64_t *shape,
                           unsigned tok_axes, float fill, gb_error *err);
/* gb_trace_tensor for a name the patterns select, with one lookup: NULL and err
 * untouched when the name is not wanted (check err->status to tell the two NULLs
 * apart). What a pass calls for every hook at every step. */
gb_tensor *gb_trace_record(gb_trace *tr, const char *name, int ndim, const int64_t *shape,
                           unsigned tok_axes, float fill, gb_error *err);
/* Set the logical length of every token axis of every tensor to n (rewind). */
void gb_trace_truncate(gb_trace *tr, int n_tokens);

const gb_tensor *gb_trace_find(const gb_trace *tr, const char *name);
int gb_trace_count(const gb_trace *tr);
const gb_tensor *gb_trace_at(const gb_trace *tr, int i);

/* Element access and contiguous copies. */
static inline float gb_tensor_at2(const gb_tensor *t, int64_t i, int64_t j) {
    return t->data[i * t->stride[0] + j * t->stride[1]];
}
static inline float gb_tensor_at3(const gb_tensor *t, int64_t i, int64_t j, int64_t k) {
    return t->data[i * t->stride[0] + j * t->stride[1] + k * t->stride[2]];
}
size_t gb_tensor_numel(const gb_tensor *t);
bool gb_tensor_is_contiguous(const gb_tensor *t);
/* Copy the logical contents, row-major, into dst (numel floats). */
void gb_tensor_copy_contiguous(const gb_tensor *t, float *dst);

#ifdef __cplusplus
}
#endif
#endif
