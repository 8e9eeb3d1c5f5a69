/* export_safetensors.c - the export API's safetensors writer and reader
 * (gb_tensor in, gb_tensor out), thin layers over core/safetensors.c, the one
 * place that knows the format.
 *
 * Layout: u64 little-endian N, then N bytes of JSON header, then the data.
 * The header maps each tensor name to {"dtype","shape","data_offsets":[begin,end]}
 * (offsets relative to the start of the data) and "__metadata__" to a
 * string->string object. We store tensors in name order, back to back, and
 * pad the header with spaces to a multiple of 8 so the data is aligned.
 */
#include <stdlib.h>
#include <string.h>

#include "export_internal.h"
#include "glassbox/platform.h"
#include "glassbox/safetensors.h"

/* A copy of s with every byte that does not start valid UTF-8 replaced by
 * U+FFFD: token strings may hold partial characters, metadata must be text. */
static char *utf8_clean(const char *s) {
    size_t n = strlen(s);
    char *o = malloc(3 * n + 1), *w = o;
    if (!o) return NULL;
    for (size_t i = 0; i < n;) {
        int k = gbx_utf8_len((const unsigned char *)s + i);
        if (k > 0) {
            memcpy(w, s + i, (size_t)k);
            w += k;
            i += (size_t)k;
        } else {
            memcpy(w, "\xef\xbf\xbd", 3);
            w += 3;
            i++;
        }
    }
    *w = '\0';
    return o;
}

/* The export API over the one safetensors writer (core/safetensors.c):
 * recorded tensors may be strided, so those are copied contiguous first. */
gb_status gb_safetensors_write(const char *path, const gb_tensor *const *tensors, int n,
                               const gb_kv *meta, int n_meta, gb_error *err) {
    for (int i = 0; i < n; i++) {
        gb_status st = gbx_check_tensor(tensors[i], path, err);
        if (st) return st;
        if (!tensors[i]->name[0]) return gb_fail(err, GB_ERR_INTERNAL, "%s: a tensor has no name", path);
    }
    gb_st_write_tensor *wt = calloc((size_t)(n > 0 ? n : 1), sizeof *wt);
    float **copies = calloc((size_t)(n > 0 ? n : 1), sizeof *copies);
    gb_st_kv *kv = calloc((size_t)(n_meta > 0 ? n_meta : 1), sizeof *kv);
    gb_status st = wt && copies && kv ? GB_OK : gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", path);
    for (int i = 0; i < n && !st; i++) {
        const gb_tensor *t = tensors[i];
        wt[i].name = t->name;
        wt[i].ndim = t->ndim;
        for (int k = 0; k < t->ndim; k++) wt[i].shape[k] = t->shape[k];
        if (gb_tensor_is_contiguous(t) || gb_tensor_numel(t) == 0) {
            wt[i].data = t->data;
        } else {
            copies[i] = malloc(gb_tensor_numel(t) * sizeof(float));
            if (!copies[i]) st = gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", path);
            else gb_tensor_copy_contiguous(t, copies[i]);
            wt[i].data = copies[i];
        }
    }
    char **clean = calloc((size_t)(n_meta > 0 ? n_meta : 1), sizeof *clean);
    if (!clean && !st) st = gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", path);
    for (int i = 0; i < n_meta && !st; i++) {
        if (!meta[i].key || !meta[i].value) {
            st = gb_fail(err, GB_ERR_INTERNAL, "%s: metadata entry %d is empty", path, i);
            break;
        }
        clean[i] = utf8_clean(meta[i].value);
        if (!clean[i]) st = gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", path);
        kv[i] = (gb_st_kv){meta[i].key, clean[i]};
    }
    if (!st) st = gb_st_write(path, wt, n, kv, n_meta, err);
    for (int i = 0; clean && i < n_meta; i++) free(clean[i]);
    free(clean);
    for (int i = 0; copies && i < n; i++) free(copies[i]);
    free(copies);
    free(wt);
    free(kv);
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

/* The export API over the one validated reader (core/safetensors.c). */
gb_status gb_st_contents_read(const char *path, gb_st_contents *out, gb_error *err) {
    memset(out, 0, sizeof *out);
    gb_st_file f;
    gb_status st = gb_st_open(path, &f, err);
    if (st) return st;
    out->tensors = calloc((size_t)f.n_tensors + 1, sizeof *out->tensors);
    out->keys = calloc((size_t)f.n_meta + 1, sizeof *out->keys);
    out->values = calloc((size_t)f.n_meta + 1, sizeof *out->values);
    if (!out->tensors || !out->keys || !out->values) st = gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", path);
    for (int i = 0; i < f.n_tensors && !st; i++) { /* already sorted by name */
        const gb_st_tensor *t = &f.tensors[i];
        if (t->ndim > GB_TENSOR_MAX_DIMS || strlen(t->name) >= sizeof out->tensors[i].name) {
            st = gb_fail(err, GB_ERR_INPUT, "%s: tensor '%.40s' has more dimensions or a longer name than a recording holds",
                         path, t->name);
            break;
        }
        out->tensors[i] = gb_tensor_view(t->name, NULL, t->ndim, t->shape);
        out->tensors[i].data = malloc(t->numel ? t->numel * sizeof(float) : 1);
        if (!out->tensors[i].data) {
            st = gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", path);
            break;
        }
        out->n++;
        gb_st_read_f32_raw(&f, t, out->tensors[i].data);
    }
    for (int i = 0; i < f.n_meta && !st; i++) {
        out->keys[i] = strdup(f.meta[i].key);
        out->values[i] = strdup(f.meta[i].value);
        out->n_meta++;
        if (!out->keys[i] || !out->values[i]) st = gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", path);
    }
    gb_st_close(&f);
    if (st) gb_st_contents_free(out);
    return st;
}
