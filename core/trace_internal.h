/* trace_internal.h (internal) - what the forward pass needs to cache its
 * trace lookups: a pass records dozens of hooks at every decode step, and
 * hashing each name every time was half of what full recording added.
 *
 * A cache keeps the gb_tensor pointers gb_trace_record returned, together with
 * the trace's generation; when the generation changes (clear, rehash, a tensor
 * reallocated) the pointers may be stale and the cache starts again. */
#ifndef GB_TRACE_INTERNAL_H
#define GB_TRACE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "glassbox/trace.h"

uint64_t gb_trace_generation(const gb_trace *tr);

/* The fast path of gb_trace_record for a tensor it returned before: true (and
 * the logical shape set) when `shape` fits the tensor as allocated, false when
 * gb_trace_record must be asked again. */
bool gb_trace_reuse(gb_trace *tr, gb_tensor *t, int ndim, const int64_t *shape, unsigned tok_axes);

#endif
