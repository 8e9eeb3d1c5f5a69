/* export_safetensors.c - writing (and, for tests and tools, reading) safetensors
 * files of named F32 tensors with string metadata.
 *
 * Layout: u64 little-endian N, then N bytes of JSON header, then the data.
 * The header maps each tensor name to {"dtype","shape","data_offsets":[begin,end]}
 * (offsets relative to the start of the data) and "__metadata__" to a
 * string->string object. We store tensors in name order, back to back, and
 * pad the header with spaces to a multiple of 8 so the data is aligned.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "export_internal.h"
#include "glassbox/platform.h"

static int cmp_tensor_name(const void *a, const void *b) {
    const gb_tensor *x = *(const gb_tensor *const *)a, *y = *(const gb_tensor *const *)b;
    return strcmp(x->name, y->name);
}

static gb_status check_inputs(const char *path, const gb_tensor **sorted, int n, const gb_kv *meta,
                              int n_meta, gb_error *err) {
    for (int i = 0; i < n; i++) {
        gb_status st = gbx_check_tensor(sorted[i], path, err);
        if (st) return st;
        if (!sorted[i]->name[0])
            return gb_fail(err, GB_ERR_INTERNAL, "%s: a tensor has no name", path);
        if (strcmp(sorted[i]->name, "__metadata__") == 0)
            return gb_fail(err, GB_ERR_INTERNAL, "%s: '__metadata__' is not a tensor name", path);
        if (i && strcmp(sorted[i - 1]->name, sorted[i]->name) == 0)
            return gb_fail(err, GB_ERR_INTERNAL, "%s: two tensors are named '%s'", path,
                           sorted[i]->name);
    }
    for (int i = 0; i < n_meta; i++) {
        if (!meta[i].key || !meta[i].value)
            return gb_fail(err, GB_ERR_INTERNAL, "%s: metadata entry %d is empty", path, i);
        for (int j = 0; j < i; j++)
            if (strcmp(meta[i].key, meta[j].key) == 0)
                return gb_fail(err, GB_ERR_INTERNAL, "%s: metadata key '%s' given twice", path,
                               meta[i].key);
    }
    return GB_OK;
}

/* The JSON header, unpadded, as a malloc'd buffer. */
static char *build_header(const gb_tensor **t, int n, const gb_kv *meta, int n_meta, size_t *len) {
    char *buf = NULL;
    FILE *fp = open_memstream(&buf, len);
    if (!fp) return NULL;
    fputc('{', fp);
    int first = 1;
    if (n_meta > 0) {
        fputs("\"__metadata__\":{", fp);
        for (int i = 0; i < n_meta; i++) {
            if (i) fputc(',', fp);
            gb_json_string(fp, meta[i].key);
            fputc(':', fp);
            gb_json_string(fp, meta[i].value);
        }
        fputc('}', fp);
        first = 0;
    }
    uint64_t off = 0;
    for (int i = 0; i < n; i++) {
        if (!first) fputc(',', fp);
        first = 0;
        gb_json_string(fp, t[i]->name);
        fputs(":{\"dtype\":\"F32\",\"shape\":[", fp);
        for (int k = 0; k < t[i]->ndim; k++)
            fprintf(fp, "%s%lld", k ? "," : "", (long long)t[i]->shape[k]);
        uint64_t bytes = (uint64_t)gb_shape_numel(t[i]->ndim, t[i]->shape) * sizeof(float);
        fprintf(fp, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)off,
                (unsigned long long)(off + bytes));
        off += bytes;
    }
    fputc('}', fp);
    if (fclose(fp) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

gb_status gb_safetensors_write(const char *path, const gb_tensor *const *tensors, int n,
                               const gb_kv *meta, int n_meta, gb_error *err) {
    const gb_tensor **sorted = malloc(sizeof *sorted * (size_t)(n > 0 ? n : 1));
    if (!sorted) return gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", path);
    if (n > 0) memcpy(sorted, tensors, sizeof *sorted * (size_t)n);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_tensor_name);
    gb_status st = check_inputs(path, sorted, n, meta, n_meta, err);
    size_t hlen = 0;
    char *header = st ? NULL : build_header(sorted, n, meta, n_meta, &hlen);
    if (!st && !header) st = gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", path);
    gb_afile af;
    if (!st) st = gb_afile_open(&af, path, err);
    if (!st) {
        size_t padded = (hlen + 7) / 8 * 8;
        unsigned char len8[8];
        for (int i = 0; i < 8; i++) len8[i] = (unsigned char)((uint64_t)padded >> (8 * i));
        int bad = fwrite(len8, 1, 8, af.fp) != 8 || fwrite(header, 1, hlen, af.fp) != hlen;
        for (size_t i = hlen; i < padded && !bad; i++) bad = fputc(' ', af.fp) == EOF;
        for (int i = 0; i < n && !bad; i++) bad = gbx_write_tensor_data(af.fp, sorted[i]) != 0;
        st = gbx_finish(&af, bad, err);
    }
    free(header);
    free(sorted);
    return st;
}

/* ---- reading ---- */

void gb_st_contents_free(gb_st_contents *c) {
    for (int i = 0; i < c->n; i++) free(c->tensors[i].data);
    for (int i = 0; i < c->n_meta; i++) {
        free(c->keys[i]);
        free(c->values[i]);
    }
    free(c->tensors);
    free(c->keys);
    free(c->values);
    memset(c, 0, sizeof *c);
}

const gb_tensor *gb_st_contents_find(const gb_st_contents *c, const char *name) {
    for (int i = 0; i < c->n; i++)
        if (strcmp(c->tensors[i].name, name) == 0) return &c->tensors[i];
    return NULL;
}

const char *gb_st_contents_meta(const gb_st_contents *c, const char *key) {
    for (int i = 0; i < c->n_meta; i++)
        if (strcmp(c->keys[i], key) == 0) return c->values[i];
    return NULL;
}

static gb_status read_meta(json_t *md, const char *path, gb_st_contents *c, gb_error *err) {
    if (!json_is_object(md))
        return gb_fail(err, GB_ERR_INPUT, "%s: __metadata__ is not an object", path);
    size_t n = json_object_size(md);
    c->keys = calloc(n + 1, sizeof *c->keys);
    c->values = calloc(n + 1, sizeof *c->values);
    if (!c->keys || !c->values) return gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", path);
    const char *k;
    json_t *v;
    json_object_foreach(md, k, v) {
        if (!json_is_string(v))
            return gb_fail(err, GB_ERR_INPUT, "%s: metadata '%s' is not a string", path, k);
        c->keys[c->n_meta] = strdup(k);
        c->values[c->n_meta] = strdup(json_string_value(v));
        if (!c->keys[c->n_meta] || !c->values[c->n_meta]) {
            c->n_meta++;
            return gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", path);
        }
        c->n_meta++;
    }
    return GB_OK;
}

static gb_status read_tensor(const char *name, json_t *info, const unsigned char *data,
                             size_t data_len, const char *path, gb_tensor *t, gb_error *err) {
    json_t *dt = json_object_get(info, "dtype"), *sh = json_object_get(info, "shape");
    json_t *of = json_object_get(info, "data_offsets");
    if (!json_is_string(dt) || strcmp(json_string_value(dt), "F32") != 0)
        return gb_fail(err, GB_ERR_INPUT, "%s: tensor '%s' is not F32", path, name);
    if (!json_is_array(sh) || json_array_size(sh) > GB_TENSOR_MAX_DIMS || !json_is_array(of) ||
        json_array_size(of) != 2)
        return gb_fail(err, GB_ERR_INPUT, "%s: tensor '%s' has a malformed entry", path, name);
    if (strlen(name) >= sizeof t->name)
        return gb_fail(err, GB_ERR_INPUT, "%s: tensor name '%.40s...' is too long", path, name);
    int64_t shape[GB_TENSOR_MAX_DIMS];
    for (size_t i = 0; i < json_array_size(sh); i++) {
        json_t *d = json_array_get(sh, i);
        if (!json_is_integer(d) || json_integer_value(d) < 0)
            return gb_fail(err, GB_ERR_INPUT, "%s: tensor '%s' has a bad shape", path, name);
        shape[i] = json_integer_value(d);
    }
    json_t *b = json_array_get(of, 0), *e = json_array_get(of, 1);
    int64_t n = gb_shape_numel((int)json_array_size(sh), shape);
    if (!json_is_integer(b) || !json_is_integer(e) || n < 0 || json_integer_value(b) < 0 ||
        json_integer_value(e) < json_integer_value(b) ||
        (uint64_t)json_integer_value(e) > data_len ||
        (uint64_t)(json_integer_value(e) - json_integer_value(b)) != (uint64_t)n * 4)
        return gb_fail(err, GB_ERR_INPUT, "%s: tensor '%s' data offsets do not match its shape or the file",
                       path, name);
    *t = gb_tensor_view(name, NULL, (int)json_array_size(sh), shape);
    t->data = malloc(n ? (size_t)n * 4 : 1);
    if (!t->data) return gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", path);
    memcpy(t->data, data + json_integer_value(b), (size_t)n * 4);
    return GB_OK;
}

static int cmp_by_name(const void *a, const void *b) {
    return strcmp(((const gb_tensor *)a)->name, ((const gb_tensor *)b)->name);
}

static gb_status parse_file(const gb_mmap *mm, const char *path, gb_st_contents *c, gb_error *err) {
    if (mm->size < 8) return gb_fail(err, GB_ERR_INPUT, "%s: too short for safetensors", path);
    uint64_t hlen = 0;
    for (int i = 0; i < 8; i++) hlen |= (uint64_t)mm->data[i] << (8 * i);
    if (hlen > mm->size - 8)
        return gb_fail(err, GB_ERR_INPUT, "%s: header length %llu exceeds the file", path,
                       (unsigned long long)hlen);
    json_error_t je;
    json_t *root = json_loadb((const char *)mm->data + 8, (size_t)hlen, 0, &je);
    if (!json_is_object(root)) {
        json_decref(root);
        return gb_fail(err, GB_ERR_INPUT, "%s: header is not a JSON object: %s", path, je.text);
    }
    c->tensors = calloc(json_object_size(root) + 1, sizeof *c->tensors);
    gb_status st = c->tensors ? GB_OK : gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", path);
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val) {
        if (st) break;
        if (strcmp(key, "__metadata__") == 0) {
            st = read_meta(val, path, c, err);
        } else {
            st = read_tensor(key, val, mm->data + 8 + hlen, mm->size - 8 - (size_t)hlen, path,
                             &c->tensors[c->n], err);
            if (!st) c->n++;
        }
    }
    json_decref(root);
    if (!st) qsort(c->tensors, (size_t)c->n, sizeof *c->tensors, cmp_by_name);
    return st;
}

gb_status gb_st_contents_read(const char *path, gb_st_contents *out, gb_error *err) {
    memset(out, 0, sizeof *out);
    gb_mmap mm;
    gb_status st = gb_mmap_open(path, &mm, err);
    if (st) return st;
    st = parse_file(&mm, path, out, err);
    gb_mmap_close(&mm);
    if (st) gb_st_contents_free(out);
    return st;
}
