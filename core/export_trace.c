/* export_trace.c - a whole recording to .safetensors or .json.
 *
 * safetensors: every recorded tensor under its TransformerLens name, in its
 * logical (contiguous) shape, plus string metadata (token ids and strings, the
 * model config, the hook pattern) in __metadata__.
 * json: {"schema": "glassbox.trace", "metadata": {...}, "tensors": {name:
 * {"shape": [...], "data": nested lists}}}; -inf (masked attention scores)
 * is written as null. */
#include <stdlib.h>
#include <string.h>

#include "export_internal.h"
#include "glassbox/export.h"

static void write_nested(FILE *fp, const gb_tensor *t, const float *flat, int axis, size_t *pos) {
    if (axis < 0 || axis >= t->ndim || axis >= GB_TENSOR_MAX_DIMS) return;
    fputc('[', fp);
    for (int64_t i = 0; i < t->shape[axis]; i++) {
        if (i) fputc(',', fp);
        if (axis == t->ndim - 1) gb_json_float(fp, flat[(*pos)++]);
        else write_nested(fp, t, flat, axis + 1, pos);
    }
    fputc(']', fp);
}

static gb_status save_json(const char *path, const gb_trace *tr, const gb_kv *meta, int n_meta, gb_error *err) {
    gb_afile af;
    gb_status st = gb_afile_open(&af, path, err);
    if (st) return st;
    FILE *fp = af.fp;
    fputs("{\"schema\":\"glassbox.trace\",\"metadata\":{", fp);
    for (int i = 0; i < n_meta; i++) {
        if (i) fputc(',', fp);
        gb_json_string(fp, meta[i].key);
        fputc(':', fp);
        gb_json_string(fp, meta[i].value);
    }
    fputs("},\n\"tensors\":{", fp);
    int bad = 0;
    for (int i = 0; i < gb_trace_count(tr) && !bad; i++) {
        const gb_tensor *t = gb_trace_at(tr, i);
        size_t n = gb_tensor_numel(t);
        float *flat = malloc((n ? n : 1) * sizeof *flat);
        if (!flat) {
            gb_afile_abort(&af);
            return gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", path);
        }
        gb_tensor_copy_contiguous(t, flat);
        fputs(i ? ",\n" : "\n", fp);
        gb_json_string(fp, t->name);
        fputs(":{\"shape\":[", fp);
        for (int a = 0; a < t->ndim; a++) fprintf(fp, "%s%lld", a ? "," : "", (long long)t->shape[a]);
        fputs("],\"data\":", fp);
        size_t pos = 0;
        write_nested(fp, t, flat, 0, &pos);
        fputc('}', fp);
        free(flat);
        bad = ferror(fp);
    }
    fputs("\n}}\n", fp);
    return gbx_finish(&af, bad || ferror(fp), err);
}

gb_status gb_trace_save(const char *path, const gb_trace *tr, const gb_kv *meta, int n_meta, gb_error *err) {
    char ext[16];
    gb_path_ext(path, ext, sizeof ext);
    if (strcmp(ext, "json") == 0) return save_json(path, tr, meta, n_meta, err);
    if (strcmp(ext, "safetensors") != 0)
        return gb_fail(err, GB_ERR_INPUT, "%s: a recording is written as .safetensors or .json (not '.%s')",
                       path, ext);
    int n = gb_trace_count(tr);
    const gb_tensor **list = malloc((size_t)(n ? n : 1) * sizeof *list);
    if (!list) return gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", path);
    for (int i = 0; i < n; i++) list[i] = gb_trace_at(tr, i);
    gb_status st = gb_safetensors_write(path, list, n, meta, n_meta, err);
    free(list);
    return st;
}
