/* glassbox/safetensors.h - read and write safetensors files.
 *
 * The format (https://github.com/huggingface/safetensors):
 *   8 bytes   little-endian uint64 N, the length of the header
 *   N bytes   a JSON object: "__metadata__" (a map of strings to strings) and,
 *             for each tensor, "name": {"dtype": "F32", "shape": [2, 3],
 *             "data_offsets": [begin, end]} with offsets relative to the data
 *   the data  raw little-endian tensor bytes
 *
 * Reading maps the file read-only and checks every claim of the header against
 * the file before anything is touched: the header length, the JSON, each
 * dtype, shape (no overflow) and offset range (inside the data, matching
 * shape x dtype size, no two tensors overlapping), and no duplicate names.
 * F32 is read as is; F16 and BF16 are converted to F32 on reading.
 *
 *     gb_st_file f;
 *     if (gb_st_open("model.safetensors", &f, &err)) return err.status;
 *     const gb_st_tensor *t = gb_st_find(&f, "wte.weight");   // or NULL
 *     float *x = malloc(t->numel * sizeof *x);
 *     gb_st_read_f32(&f, t, x, &err);     // fails only on non-finite values
 *     gb_st_close(&f);
 *
 * Writing takes F32 tensors and string metadata; the header is compact JSON,
 * __metadata__ first, tensors sorted by name, padded with spaces to a multiple
 * of 8 bytes so the data is aligned, and the file is written atomically.
 */
#ifndef GLASSBOX_SAFETENSORS_H
#define GLASSBOX_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "glassbox/error.h"
#include "glassbox/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GB_ST_MAX_DIMS 8
/* Headers larger than this are refused (real GPT-2 headers are ~15 KB). */
#define GB_ST_MAX_HEADER (100u * 1024u * 1024u)

typedef enum gb_st_dtype { GB_ST_F32 = 0, GB_ST_F16 = 1, GB_ST_BF16 = 2 } gb_st_dtype;

/* One tensor described by the header. */
typedef struct gb_st_tensor {
    char *name;
    gb_st_dtype dtype;
    int ndim;
    int64_t shape[GB_ST_MAX_DIMS];
    size_t numel;       /* product of shape (1 for a scalar) */
    size_t begin, end;  /* byte range inside the data section, end - begin = numel * dtype size */
} gb_st_tensor;

/* One metadata entry of __metadata__. */
typedef struct gb_st_meta {
    char *key;
    char *value;
} gb_st_meta;

/* An open, validated file. */
typedef struct gb_st_file {
    char *path;
    gb_mmap map;
    const unsigned char *data; /* start of the data section inside the map */
    size_t data_size;          /* bytes from data to the end of the file */
    gb_st_tensor *tensors;     /* sorted by name */
    int n_tensors;
    gb_st_meta *meta;          /* in file order */
    int n_meta;
} gb_st_file;

/* Open and validate. On failure f is left closed and err names path and problem. */
gb_status gb_st_open(const char *path, gb_st_file *f, gb_error *err);
void gb_st_close(gb_st_file *f);
/* Tensor by name, or NULL. */
const gb_st_tensor *gb_st_find(const gb_st_file *f, const char *name);
/* Metadata value by key, or NULL. */
const char *gb_st_meta_get(const gb_st_file *f, const char *key);
/* Bytes per element of a dtype, and its safetensors name ("F32"). */
size_t gb_st_dtype_size(gb_st_dtype d);
const char *gb_st_dtype_name(gb_st_dtype d);
/* Copy a tensor into out (numel floats), converting F16/BF16 to F32.
 * Refuses non-finite values, naming the file, the tensor and the index. */
gb_status gb_st_read_f32(const gb_st_file *f, const gb_st_tensor *t, float *out, gb_error *err);
/* The same without the finiteness check (for recordings that may hold -inf). */
void gb_st_read_f32_raw(const gb_st_file *f, const gb_st_tensor *t, float *out);

/* Replace control characters in err->msg (names read from a file may hold
 * newlines) so the message stays one line. */
void gb_st_sanitize_message(gb_error *err);

/* One tensor to write: F32, row-major. ndim 0 is a scalar (one value). */
typedef struct gb_st_write_tensor {
    const char *name;
    int ndim;
    int64_t shape[GB_ST_MAX_DIMS];
    const float *data;
} gb_st_write_tensor;

/* One metadata entry to write. */
typedef struct gb_st_kv {
    const char *key;
    const char *value;
} gb_st_kv;

/* Write tensors (any order; stored sorted by name; names must be distinct,
 * valid UTF-8) and n_meta key/value string pairs of metadata, atomically. */
gb_status gb_st_write(const char *path, const gb_st_write_tensor *tensors, int n_tensors,
                      const gb_st_kv *meta, int n_meta, gb_error *err);

#ifdef __cplusplus
}
#endif
#endif
