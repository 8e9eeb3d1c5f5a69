/* safetensors.c - a validating safetensors reader over a read-only map, and a writer.
 *
 * Nothing in the data section is touched until the whole header has been
 * checked against the file: a malformed file gets one message naming the file
 * and the first problem, never a crash or an out-of-range read. */
#include "glassbox/safetensors.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors data is little-endian; this reader assumes a little-endian host"
#endif

static const char *DTYPE_NAMES[] = {"F32", "F16", "BF16"};

size_t gb_st_dtype_size(gb_st_dtype d) { return d == GB_ST_F32 ? 4 : 2; }
const char *gb_st_dtype_name(gb_st_dtype d) { return (unsigned)d < 3 ? DTYPE_NAMES[d] : "?"; }

static char *dupstr(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* "[2, 3]" into buf. */
static const char *fmt_shape(char *buf, size_t cap, int ndim, const int64_t *shape) {
    size_t k = 0;
    k += (size_t)snprintf(buf + k, cap - k, "[");
    for (int i = 0; i < ndim && k < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%lld", i ? ", " : "", (long long)shape[i]);
    if (k < cap) snprintf(buf + k, cap - k, "]");
    return buf;
}

void gb_st_close(gb_st_file *f) {
    for (int i = 0; i < f->n_tensors; i++) free(f->tensors[i].name);
    for (int i = 0; i < f->n_meta; i++) {
        free(f->meta[i].key);
        free(f->meta[i].value);
    }
    free(f->tensors);
    free(f->meta);
    gb_mmap_close(&f->map);
    free(f->path);
    memset(f, 0, sizeof *f);
}

/* ---- parsing one header entry ---- */

static gb_status parse_dtype(const gb_st_file *f, const char *name, json_t *v, gb_st_dtype *out,
                             gb_error *err) {
    if (!json_is_string(v))
        return gb_fail(err, GB_ERR_INPUT, "%s: tensor %s: \"dtype\" is missing or not a string", f->path,
                       name);
    const char *s = json_string_value(v);
    for (int d = 0; d < 3; d++)
        if (strcmp(s, DTYPE_NAMES[d]) == 0) {
            *out = (gb_st_dtype)d;
            return GB_OK;
        }
    return gb_fail(err, GB_ERR_INPUT, "%s: tensor %s: dtype %.32s is not supported (only F32, F16, BF16)",
                   f->path, name, s);
}

static gb_status parse_shape(const gb_st_file *f, const char *name, json_t *v, gb_st_tensor *t,
                             gb_error *err) {
    if (!json_is_array(v))
        return gb_fail(err, GB_ERR_INPUT, "%s: tensor %s: \"shape\" is missing or not an array", f->path,
                       name);
    size_t nd = json_array_size(v);
    if (nd > GB_ST_MAX_DIMS)
        return gb_fail(err, GB_ERR_INPUT, "%s: tensor %s: shape has %zu dimensions, more than %d", f->path,
                       name, nd, GB_ST_MAX_DIMS);
    t->ndim = (int)nd;
    for (size_t i = 0; i < nd; i++) {
        json_t *d = json_array_get(v, i);
        if (!json_is_integer(d) || json_integer_value(d) < 0)
            return gb_fail(err, GB_ERR_INPUT, "%s: tensor %s: shape entry %zu is not a non-negative integer",
                           f->path, name, i);
        t->shape[i] = (int64_t)json_integer_value(d);
    }
    t->numel = 1;
    for (size_t i = 0; i < nd; i++)
        if (t->shape[i] == 0) t->numel = 0; /* empty, whatever the other dimensions */
    for (size_t i = 0; i < nd && t->numel; i++) {
        size_t next = 0;
        /* A tensor can never hold more elements than the data has bytes. */
        if (__builtin_mul_overflow(t->numel, (size_t)t->shape[i], &next) || next > f->data_size) {
            char sb[200];
            return gb_fail(err, GB_ERR_INPUT, "%s: tensor %s: shape %s has more elements than the data (%zu bytes) can hold",
                           f->path, name, fmt_shape(sb, sizeof sb, (int)nd, t->shape), f->data_size);
        }
        t->numel = next;
    }
    return GB_OK;
}

static gb_status parse_offsets(const gb_st_file *f, const char *name, json_t *v, gb_st_tensor *t,
                               gb_error *err) {
    json_t *b = json_array_get(v, 0), *e = json_array_get(v, 1);
    if (!json_is_array(v) || json_array_size(v) != 2 || !json_is_integer(b) || !json_is_integer(e))
        return gb_fail(err, GB_ERR_INPUT, "%s: tensor %s: \"data_offsets\" is not a pair of integers", f->path,
                       name);
    long long lb = json_integer_value(b), le = json_integer_value(e);
    if (lb < 0 || le < lb)
        return gb_fail(err, GB_ERR_INPUT, "%s: tensor %s: data_offsets [%lld, %lld] are not an increasing pair",
                       f->path, name, lb, le);
    if ((unsigned long long)le > f->data_size)
        return gb_fail(err, GB_ERR_INPUT, "%s: tensor %s: data_offsets [%lld, %lld] run past the end of the data (%zu bytes)",
                       f->path, name, lb, le, f->data_size);
    t->begin = (size_t)lb;
    t->end = (size_t)le;
    size_t need = t->numel * gb_st_dtype_size(t->dtype); /* numel <= data_size: no overflow */
    if (t->end - t->begin != need) {
        char sb[200];
        return gb_fail(err, GB_ERR_INPUT, "%s: tensor %s: data_offsets [%lld, %lld] hold %zu bytes but shape %s of %s needs %zu",
                       f->path, name, lb, le, t->end - t->begin, fmt_shape(sb, sizeof sb, t->ndim, t->shape),
                       gb_st_dtype_name(t->dtype), need);
    }
    return GB_OK;
}

static gb_status parse_tensor(gb_st_file *f, const char *name, json_t *v, gb_st_tensor *t, gb_error *err) {
    if (!json_is_object(v))
        return gb_fail(err, GB_ERR_INPUT, "%s: tensor %s: entry is not a JSON object", f->path, name);
    gb_status st = parse_dtype(f, name, json_object_get(v, "dtype"), &t->dtype, err);
    if (!st) st = parse_shape(f, name, json_object_get(v, "shape"), t, err);
    if (!st) st = parse_offsets(f, name, json_object_get(v, "data_offsets"), t, err);
    if (st) return st;
    t->name = dupstr(name);
    return t->name ? GB_OK : gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", f->path);
}

static gb_status parse_metadata(gb_st_file *f, json_t *v, gb_error *err) {
    if (!json_is_object(v))
        return gb_fail(err, GB_ERR_INPUT, "%s: __metadata__ is not a JSON object", f->path);
    f->meta = calloc(json_object_size(v) + 1, sizeof *f->meta);
    if (!f->meta) return gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", f->path);
    const char *key;
    json_t *val;
    json_object_foreach(v, key, val) {
        if (!json_is_string(val))
            return gb_fail(err, GB_ERR_INPUT, "%s: __metadata__ value of \"%.64s\" is not a string", f->path, key);
        gb_st_meta *m = &f->meta[f->n_meta++];
        m->key = dupstr(key);
        m->value = dupstr(json_string_value(val));
        if (!m->key || !m->value) return gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", f->path);
    }
    return GB_OK;
}

static int cmp_name(const void *a, const void *b) {
    return strcmp(((const gb_st_tensor *)a)->name, ((const gb_st_tensor *)b)->name);
}

static int cmp_begin(const void *a, const void *b) {
    const gb_st_tensor *x = *(const gb_st_tensor *const *)a, *y = *(const gb_st_tensor *const *)b;
    return x->begin < y->begin ? -1 : x->begin > y->begin ? 1 : strcmp(x->name, y->name);
}

/* No two non-empty tensors may share a byte of the data. */
static gb_status check_overlaps(const gb_st_file *f, gb_error *err) {
    const gb_st_tensor **by = malloc(((size_t)f->n_tensors + 1) * sizeof *by);
    if (!by) return gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", f->path);
    int n = 0;
    for (int i = 0; i < f->n_tensors; i++)
        if (f->tensors[i].end > f->tensors[i].begin) by[n++] = &f->tensors[i];
    qsort(by, (size_t)n, sizeof *by, cmp_begin);
    gb_status st = GB_OK;
    for (int i = 1; i < n && !st; i++)
        if (by[i]->begin < by[i - 1]->end)
            st = gb_fail(err, GB_ERR_INPUT, "%s: tensors %s [%zu, %zu] and %s [%zu, %zu] overlap in the data",
                         f->path, by[i - 1]->name, by[i - 1]->begin, by[i - 1]->end, by[i]->name,
                         by[i]->begin, by[i]->end);
    free(by);
    return st;
}

static gb_status parse_header(gb_st_file *f, const char *text, size_t len, gb_error *err) {
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root && strstr(jerr.text, "duplicate object key"))
        return gb_fail(err, GB_ERR_INPUT, "%s: header has a duplicate name (%s)", f->path, jerr.text);
    if (!root)
        return gb_fail(err, GB_ERR_INPUT, "%s: header is not valid JSON: %s (at byte %d of the header)", f->path,
                       jerr.text, jerr.position);
    gb_status st = GB_OK;
    if (!json_is_object(root)) {
        st = gb_fail(err, GB_ERR_INPUT, "%s: header is JSON but not an object", f->path);
    } else {
        f->tensors = calloc(json_object_size(root) + 1, sizeof *f->tensors);
        if (!f->tensors) st = gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", f->path);
        const char *key;
        json_t *val;
        json_object_foreach(root, key, val) {
            if (st) break;
            if (strcmp(key, "__metadata__") == 0) st = parse_metadata(f, val, err);
            else st = parse_tensor(f, key, val, &f->tensors[f->n_tensors++], err);
        }
    }
    json_decref(root);
    if (st) return st;
    qsort(f->tensors, (size_t)f->n_tensors, sizeof *f->tensors, cmp_name);
    return check_overlaps(f, err);
}

/* Names come from the file and may hold control characters: keep messages one line. */
void gb_st_sanitize_message(gb_error *err) {
    if (!err) return;
    for (char *c = err->msg; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = '?';
}

gb_status gb_st_open(const char *path, gb_st_file *f, gb_error *err) {
    memset(f, 0, sizeof *f);
    f->path = dupstr(path);
    if (!f->path) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    gb_status st = gb_mmap_open(path, &f->map, err);
    if (st) {
        gb_st_close(f);
        return st;
    }
    const unsigned char *p = f->map.data;
    size_t size = f->map.size;
    uint64_t hlen = 0;
    if (size < 8) {
        st = gb_fail(err, GB_ERR_INPUT, "%s: file is %zu bytes, too short for a safetensors header", path, size);
    } else {
        for (int i = 7; i >= 0; i--) hlen = (hlen << 8) | p[i];
        if (hlen > GB_ST_MAX_HEADER)
            st = gb_fail(err, GB_ERR_INPUT, "%s: header length %llu is larger than the %u-byte limit", path,
                         (unsigned long long)hlen, GB_ST_MAX_HEADER);
        else if (hlen > size - 8)
            st = gb_fail(err, GB_ERR_INPUT, "%s: header length %llu runs past the end of the file (%zu bytes)",
                         path, (unsigned long long)hlen, size);
    }
    if (!st) {
        f->data = p + 8 + hlen;
        f->data_size = size - 8 - (size_t)hlen;
        st = parse_header(f, (const char *)p + 8, (size_t)hlen, err);
    }
    if (st) {
        gb_st_close(f);
        gb_st_sanitize_message(err);
    }
    return st;
}

const gb_st_tensor *gb_st_find(const gb_st_file *f, const char *name) {
    gb_st_tensor key = {0};
    key.name = (char *)name;
    return bsearch(&key, f->tensors, (size_t)f->n_tensors, sizeof *f->tensors, cmp_name);
}

const char *gb_st_meta_get(const gb_st_file *f, const char *key) {
    for (int i = 0; i < f->n_meta; i++)
        if (strcmp(f->meta[i].key, key) == 0) return f->meta[i].value;
    return NULL;
}

/* ---- reading data ---- */

static float bits_to_float(uint32_t b) {
    float x;
    memcpy(&x, &b, sizeof x);
    return x;
}

/* IEEE half -> float, exactly (every half is a float). */
static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu, man = h & 0x3ffu;
    if (exp == 0x1f) return bits_to_float(sign | 0x7f800000u | (man << 13));
    if (exp != 0) return bits_to_float(sign | ((exp + 112u) << 23) | (man << 13));
    float mag = ldexpf((float)man, -24); /* zero or subnormal */
    return sign ? -mag : mag;
}

void gb_st_read_f32_raw(const gb_st_file *f, const gb_st_tensor *t, float *out) {
    const unsigned char *src = f->data + t->begin;
    if (t->dtype == GB_ST_F32) {
        memcpy(out, src, t->numel * sizeof(float)); /* the data may be unaligned: copy bytes */
        return;
    }
    for (size_t i = 0; i < t->numel; i++) {
        uint16_t h = (uint16_t)(src[2 * i] | (src[2 * i + 1] << 8));
        out[i] = t->dtype == GB_ST_F16 ? half_to_float(h) : bits_to_float((uint32_t)h << 16);
    }
}

gb_status gb_st_read_f32(const gb_st_file *f, const gb_st_tensor *t, float *out, gb_error *err) {
    gb_st_read_f32_raw(f, t, out);
    for (size_t i = 0; i < t->numel; i++)
        if (!isfinite(out[i]))
            return gb_fail(err, GB_ERR_INPUT, "%s: tensor %s has a non-finite value (%g) at index %zu", f->path,
                           t->name, (double)out[i], i);
    return GB_OK;
}

/* ---- writing ---- */

static int cmp_wt_name(const void *a, const void *b) {
    const gb_st_write_tensor *x = *(const gb_st_write_tensor *const *)a;
    const gb_st_write_tensor *y = *(const gb_st_write_tensor *const *)b;
    return strcmp(x->name, y->name);
}

/* Check one tensor to write and return its byte size in *bytes. */
static gb_status check_write_tensor(const char *path, const gb_st_write_tensor *t, size_t *bytes,
                                    gb_error *err) {
    if (!t->name || !t->name[0] || strcmp(t->name, "__metadata__") == 0)
        return gb_fail(err, GB_ERR_INPUT, "%s: a tensor to write has an empty or reserved name", path);
    if (t->ndim < 0 || t->ndim > GB_ST_MAX_DIMS)
        return gb_fail(err, GB_ERR_INPUT, "%s: tensor %s has %d dimensions (0 to %d allowed)", path, t->name,
                       t->ndim, GB_ST_MAX_DIMS);
    size_t n = 1;
    for (int i = 0; i < t->ndim; i++)
        if (t->shape[i] < 0 || __builtin_mul_overflow(n, (size_t)t->shape[i], &n))
            return gb_fail(err, GB_ERR_INPUT, "%s: tensor %s has an invalid shape", path, t->name);
    if (__builtin_mul_overflow(n, sizeof(float), bytes) || (n && !t->data))
        return gb_fail(err, GB_ERR_INPUT, "%s: tensor %s is too large or has no data", path, t->name);
    return GB_OK;
}

static json_t *tensor_entry(const gb_st_write_tensor *t, size_t begin, size_t end) {
    json_t *e = json_object(), *shape = json_array(), *offs = json_array();
    for (int i = 0; i < t->ndim; i++) json_array_append_new(shape, json_integer((json_int_t)t->shape[i]));
    json_array_append_new(offs, json_integer((json_int_t)begin));
    json_array_append_new(offs, json_integer((json_int_t)end));
    json_object_set_new(e, "dtype", json_string("F32"));
    json_object_set_new(e, "shape", shape);
    json_object_set_new(e, "data_offsets", offs);
    return e;
}

/* The header text (compact JSON padded with spaces to a multiple of 8). */
static gb_status build_header(const char *path, const gb_st_write_tensor *const *sorted, int n,
                              const gb_st_kv *meta, int n_meta, char **out, size_t *len, gb_error *err) {
    json_t *root = json_object();
    gb_status st = GB_OK;
    if (n_meta > 0) {
        json_t *m = json_object();
        json_object_set_new(root, "__metadata__", m);
        for (int i = 0; i < n_meta && !st; i++) {
            json_t *v = meta[i].value ? json_string(meta[i].value) : NULL;
            if (!meta[i].key || !v || json_object_set_new(m, meta[i].key, v) != 0)
                st = gb_fail(err, GB_ERR_INPUT, "%s: metadata key %.64s: key or value missing or not valid UTF-8",
                             path, meta[i].key ? meta[i].key : "(null)");
        }
    }
    size_t off = 0;
    for (int i = 0; i < n && !st; i++) {
        size_t bytes = 0;
        st = check_write_tensor(path, sorted[i], &bytes, err);
        if (!st && (i > 0 && strcmp(sorted[i - 1]->name, sorted[i]->name) == 0))
            st = gb_fail(err, GB_ERR_INPUT, "%s: tensor name %s appears twice", path, sorted[i]->name);
        if (!st && json_object_set_new(root, sorted[i]->name, tensor_entry(sorted[i], off, off + bytes)) != 0)
            st = gb_fail(err, GB_ERR_INPUT, "%s: tensor name %.64s is not valid UTF-8", path, sorted[i]->name);
        off += bytes;
    }
    char *text = st ? NULL : json_dumps(root, JSON_COMPACT);
    json_decref(root);
    if (st) return st;
    if (!text) return gb_fail(err, GB_ERR_INTERNAL, "%s: cannot encode the header", path);
    size_t tl = strlen(text), padded = (tl + 7) & ~(size_t)7;
    char *buf = malloc(padded + 1);
    if (!buf) {
        free(text);
        return gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", path);
    }
    memcpy(buf, text, tl);
    memset(buf + tl, ' ', padded - tl);
    buf[padded] = '\0';
    free(text);
    *out = buf;
    *len = padded;
    return GB_OK;
}

gb_status gb_st_write(const char *path, const gb_st_write_tensor *tensors, int n_tensors,
                      const gb_st_kv *meta, int n_meta, gb_error *err) {
    if (n_tensors < 0 || n_meta < 0) return gb_fail(err, GB_ERR_INTERNAL, "%s: negative tensor count", path);
    const gb_st_write_tensor **sorted = malloc(((size_t)n_tensors + 1) * sizeof *sorted);
    if (!sorted) return gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", path);
    for (int i = 0; i < n_tensors; i++) sorted[i] = &tensors[i];
    for (int i = 0; i < n_tensors; i++)
        if (!tensors[i].name) {
            free(sorted);
            return gb_fail(err, GB_ERR_INPUT, "%s: a tensor to write has no name", path);
        }
    qsort(sorted, (size_t)n_tensors, sizeof *sorted, cmp_wt_name);
    char *hdr = NULL;
    size_t hl = 0;
    gb_status st = build_header(path, sorted, n_tensors, meta, n_meta, &hdr, &hl, err);
    gb_afile af;
    if (!st) st = gb_afile_open(&af, path, err);
    if (st) {
        free(sorted);
        free(hdr);
        return st;
    }
    unsigned char len8[8];
    for (int i = 0; i < 8; i++) len8[i] = (unsigned char)((uint64_t)hl >> (8 * i));
    int ok = fwrite(len8, 1, 8, af.fp) == 8 && fwrite(hdr, 1, hl, af.fp) == hl;
    for (int i = 0; i < n_tensors && ok; i++) {
        size_t n = 1;
        for (int d = 0; d < sorted[i]->ndim; d++) n *= (size_t)sorted[i]->shape[d];
        ok = n == 0 || fwrite(sorted[i]->data, sizeof(float), n, af.fp) == n;
    }
    free(sorted);
    free(hdr);
    if (!ok) {
        gb_afile_abort(&af);
        return gb_fail(err, GB_ERR_INPUT, "%s: write failed", path);
    }
    return gb_afile_commit(&af, err);
}
