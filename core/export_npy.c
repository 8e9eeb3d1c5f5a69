/* export_npy.c - NPY 1.0 files: one float32 array ('<f4', C order).
 *
 * Layout (numpy's format.py, version 1.0): the magic "\x93NUMPY", version
 * bytes 1 0, a little-endian uint16 header length, then an ASCII Python dict
 * literal padded with spaces and ended by '\n' so that the data starts at a
 * multiple of 64 bytes, then the raw little-endian floats.
 */
#include <stdlib.h>
#include <string.h>

#include "export_internal.h"
#include "glassbox/platform.h"

#define NPY_ALIGN 64

/* The header dict, padded; returns its length (without the 10-byte preamble). */
static size_t npy_header(const gb_tensor *t, char *out, size_t cap) {
    char shape[256];
    size_t k = 0;
    k += (size_t)snprintf(shape + k, sizeof shape - k, "(");
    for (int i = 0; i < t->ndim; i++)
        k += (size_t)snprintf(shape + k, sizeof shape - k, "%s%lld", i ? ", " : "",
                              (long long)t->shape[i]);
    snprintf(shape + k, sizeof shape - k, "%s)", t->ndim == 1 ? "," : "");
    int n = snprintf(out, cap, "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }", shape);
    size_t len = (size_t)n;
    size_t total = 10 + len + 1; /* preamble + dict + '\n' */
    size_t pad = (NPY_ALIGN - total % NPY_ALIGN) % NPY_ALIGN;
    memset(out + len, ' ', pad);
    len += pad;
    out[len++] = '\n';
    out[len] = '\0';
    return len;
}

gb_status gb_npy_write(const char *path, const gb_tensor *t, gb_error *err) {
    gb_status st = gbx_check_tensor(t, path, err);
    if (st) return st;
    char header[512];
    size_t hlen = npy_header(t, header, sizeof header);
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                             (unsigned char)(hlen & 0xFF), (unsigned char)(hlen >> 8)};
    gb_afile af;
    st = gb_afile_open(&af, path, err);
    if (st) return st;
    int bad = fwrite(pre, 1, 10, af.fp) != 10;
    bad = bad || fwrite(header, 1, hlen, af.fp) != hlen;
    bad = bad || gbx_write_tensor_data(af.fp, t) != 0;
    return gbx_finish(&af, bad, err);
}

/* ---- reading ---- */

/* Find the value of 'key' in a Python dict literal; NULL if absent. */
static const char *dict_value(const char *h, const char *key) {
    char q1[40], q2[40];
    snprintf(q1, sizeof q1, "'%s'", key);
    snprintf(q2, sizeof q2, "\"%s\"", key);
    const char *p = strstr(h, q1);
    if (!p) p = strstr(h, q2);
    if (!p) return NULL;
    p += strlen(q1);
    while (*p == ' ') p++;
    if (*p != ':') return NULL;
    p++;
    while (*p == ' ') p++;
    return p;
}

static gb_status parse_shape(const char *p, const char *path, int *ndim, int64_t *shape,
                             gb_error *err) {
    if (!p || *p != '(') return gb_fail(err, GB_ERR_INPUT, "%s: NPY header has no shape", path);
    p++;
    int n = 0;
    for (;;) {
        while (*p == ' ') p++;
        if (*p == ')') break;
        char *end;
        long long v = strtoll(p, &end, 10);
        if (end == p || v < 0) return gb_fail(err, GB_ERR_INPUT, "%s: NPY shape is malformed", path);
        if (n == GB_TENSOR_MAX_DIMS)
            return gb_fail(err, GB_ERR_INPUT, "%s: NPY array has more than %d dimensions", path,
                           GB_TENSOR_MAX_DIMS);
        shape[n++] = v;
        p = end;
        while (*p == ' ') p++;
        if (*p == ',') p++;
        else if (*p != ')') return gb_fail(err, GB_ERR_INPUT, "%s: NPY shape is malformed", path);
    }
    *ndim = n;
    return GB_OK;
}

static gb_status npy_parse(const gb_mmap *mm, const char *path, int *ndim, int64_t *shape,
                           size_t *data_off, gb_error *err) {
    const unsigned char *d = mm->data;
    if (mm->size < 10 || memcmp(d, "\x93NUMPY", 6) != 0)
        return gb_fail(err, GB_ERR_INPUT, "%s: not an NPY file (bad magic)", path);
    size_t hlen, pre;
    if (d[6] == 1) {
        hlen = (size_t)d[8] | (size_t)d[9] << 8;
        pre = 10;
    } else if ((d[6] == 2 || d[6] == 3) && mm->size >= 12) {
        hlen = (size_t)d[8] | (size_t)d[9] << 8 | (size_t)d[10] << 16 | (size_t)d[11] << 24;
        pre = 12;
    } else {
        return gb_fail(err, GB_ERR_INPUT, "%s: unsupported NPY version %d.%d", path, d[6], d[7]);
    }
    if (hlen > mm->size - pre)
        return gb_fail(err, GB_ERR_INPUT, "%s: NPY header is longer than the file", path);
    char *h = malloc(hlen + 1);
    if (!h) return gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", path);
    memcpy(h, d + pre, hlen);
    h[hlen] = '\0';
    const char *descr = dict_value(h, "descr"), *fo = dict_value(h, "fortran_order");
    gb_status st = GB_OK;
    if (!descr || (strncmp(descr, "'<f4'", 5) != 0 && strncmp(descr, "\"<f4\"", 5) != 0))
        st = gb_fail(err, GB_ERR_INPUT, "%s: NPY data type is not little-endian float32 ('<f4')", path);
    else if (!fo || strncmp(fo, "False", 5) != 0)
        st = gb_fail(err, GB_ERR_INPUT, "%s: NPY array is in Fortran order (only C order is read)", path);
    else
        st = parse_shape(dict_value(h, "shape"), path, ndim, shape, err);
    free(h);
    *data_off = pre + hlen;
    return st;
}

gb_status gb_npy_read(const char *path, float **data, int *ndim, int64_t *shape, gb_error *err) {
    *data = NULL;
    gb_mmap mm;
    gb_status st = gb_mmap_open(path, &mm, err);
    if (st) return st;
    size_t off = 0;
    st = npy_parse(&mm, path, ndim, shape, &off, err);
    int64_t n = st ? 0 : gb_shape_numel(*ndim, shape);
    if (!st && (n < 0 || (uint64_t)n > (mm.size - off) / sizeof(float)))
        st = gb_fail(err, GB_ERR_INPUT, "%s: NPY shape claims more data than the file holds", path);
    else if (!st && (uint64_t)n * sizeof(float) != mm.size - off)
        st = gb_fail(err, GB_ERR_INPUT, "%s: NPY file has %zu bytes of data, shape needs %lld", path,
                     mm.size - off, (long long)n * 4);
    if (!st) {
        *data = malloc(n ? (size_t)n * sizeof(float) : 1);
        if (!*data) st = gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", path);
        else if (n) memcpy(*data, mm.data + off, (size_t)n * sizeof(float));
    }
    gb_mmap_close(&mm);
    return st;
}
