/* export_attention.c - attention maps to CSV, JSON, NPY and safetensors.
 * Formats are documented in docs/exports.md. */
#include <stdlib.h>
#include <string.h>

#include "export_internal.h"
#include "glassbox/platform.h"

static float map_at(const gb_attn_map *m, int q, int k) {
    int64_t rs = m->row_stride ? m->row_stride : m->n_k, cs = m->col_stride ? m->col_stride : 1;
    return m->w[(int64_t)q * rs + (int64_t)k * cs];
}

static const char *label(const char *const *tokens, int i) {
    return tokens && tokens[i] ? tokens[i] : "";
}

static gb_status check_maps(const char *path, const gb_attn_export *a, gb_error *err) {
    if (a->n_maps <= 0) return gb_fail(err, GB_ERR_INTERNAL, "%s: no attention maps to write", path);
    for (int i = 0; i < a->n_maps; i++) {
        const gb_attn_map *m = &a->maps[i];
        if (!m->module || m->n_q <= 0 || m->n_k <= 0 || !m->w)
            return gb_fail(err, GB_ERR_INTERNAL, "%s: attention map %d is incomplete", path, i);
    }
    return GB_OK;
}

/* ---- CSV ---- */
static void csv_matrix(FILE *fp, const gb_attn_map *m) {
    gb_csv_field(fp, "query\\key");
    for (int k = 0; k < m->n_k; k++) {
        fputc(',', fp);
        gb_csv_field(fp, label(m->k_tokens, k));
    }
    fputs("\r\n", fp);
    for (int q = 0; q < m->n_q; q++) {
        gb_csv_field(fp, label(m->q_tokens, q));
        for (int k = 0; k < m->n_k; k++) {
            fputc(',', fp);
            gb_csv_float(fp, map_at(m, q, k));
        }
        fputs("\r\n", fp);
    }
}

static void csv_long(FILE *fp, const gb_attn_export *a) {
    fputs("module,layer,head,query_pos,query_token,key_pos,key_token,weight\r\n", fp);
    for (int i = 0; i < a->n_maps; i++) {
        const gb_attn_map *m = &a->maps[i];
        for (int q = 0; q < m->n_q; q++)
            for (int k = 0; k < m->n_k; k++) {
                gb_csv_field(fp, m->module);
                fprintf(fp, ",%d,%d,%d,", m->layer, m->head, q);
                gb_csv_field(fp, label(m->q_tokens, q));
                fprintf(fp, ",%d,", k);
                gb_csv_field(fp, label(m->k_tokens, k));
                fputc(',', fp);
                gb_csv_float(fp, map_at(m, q, k));
                fputs("\r\n", fp);
            }
    }
}

/* ---- JSON ---- */
static void json_tokens(FILE *fp, const char *const *tokens, int n) {
    fputc('[', fp);
    for (int i = 0; i < n; i++) {
        if (i) fputc(',', fp);
        gb_json_string(fp, label(tokens, i));
    }
    fputc(']', fp);
}

static void json_ids(FILE *fp, const int *ids, int n) {
    fputc('[', fp);
    for (int i = 0; i < n; i++) fprintf(fp, "%s%d", i ? "," : "", ids[i]);
    fputc(']', fp);
}

static void json_meta(FILE *fp, const gb_kv *meta, int n) {
    fputs("\"metadata\":{", fp);
    for (int i = 0; i < n; i++) {
        if (i) fputc(',', fp);
        gb_json_string(fp, meta[i].key);
        fputc(':', fp);
        gb_json_string(fp, meta[i].value);
    }
    fputc('}', fp);
}

static void json_attention(FILE *fp, const gb_attn_export *a) {
    fputs("{\"format\":\"glassbox.attention\",\"version\":1,\n", fp);
    json_meta(fp, a->meta, a->n_meta);
    fputs(",\n\"maps\":[", fp);
    for (int i = 0; i < a->n_maps; i++) {
        const gb_attn_map *m = &a->maps[i];
        fputs(i ? ",\n{" : "\n{", fp);
        fputs("\"module\":", fp);
        gb_json_string(fp, m->module);
        fprintf(fp, ",\"layer\":%d,\"head\":%d,\"query_tokens\":", m->layer, m->head);
        json_tokens(fp, m->q_tokens, m->n_q);
        if (m->q_ids) fputs(",\"query_ids\":", fp), json_ids(fp, m->q_ids, m->n_q);
        fputs(",\"key_tokens\":", fp);
        json_tokens(fp, m->k_tokens, m->n_k);
        if (m->k_ids) fputs(",\"key_ids\":", fp), json_ids(fp, m->k_ids, m->n_k);
        fputs(",\"weights\":[", fp);
        for (int q = 0; q < m->n_q; q++) {
            fputs(q ? ",\n [" : "\n [", fp);
            for (int k = 0; k < m->n_k; k++) {
                if (k) fputc(',', fp);
                gb_json_float(fp, map_at(m, q, k));
            }
            fputc(']', fp);
        }
        fputs("]}", fp);
    }
    fputs("\n]}\n", fp);
}

static gb_status write_text(const char *path, const gb_attn_export *a, int csv, gb_error *err) {
    gb_afile af;
    gb_status st = gb_afile_open(&af, path, err);
    if (st) return st;
    if (!csv) json_attention(af.fp, a);
    else if (a->n_maps == 1) csv_matrix(af.fp, &a->maps[0]);
    else csv_long(af.fp, a);
    return gbx_finish(&af, 0, err);
}

/* ---- NPY: all maps stacked ---- */
static float *gather(const gb_attn_map *maps, int n, size_t *numel) {
    size_t per = (size_t)maps[0].n_q * (size_t)maps[0].n_k;
    float *buf = malloc(per * (size_t)n * sizeof(float));
    if (!buf) return NULL;
    for (int i = 0; i < n; i++)
        for (int q = 0; q < maps[i].n_q; q++)
            for (int k = 0; k < maps[i].n_k; k++)
                buf[i * per + (size_t)q * (size_t)maps[i].n_k + (size_t)k] = map_at(&maps[i], q, k);
    *numel = per * (size_t)n;
    return buf;
}

static gb_status write_npy(const char *path, const gb_attn_export *a, gb_error *err) {
    const gb_attn_map *m0 = &a->maps[0];
    for (int i = 1; i < a->n_maps; i++)
        if (a->maps[i].n_q != m0->n_q || a->maps[i].n_k != m0->n_k)
            return gb_fail(err, GB_ERR_INPUT,
                           "%s: NPY holds one array but the maps differ in shape (%s and %s); "
                           "use .safetensors, .json or .csv",
                           path, m0->module, a->maps[i].module);
    int64_t shape[GB_TENSOR_MAX_DIMS];
    int nd = 0;
    if (a->lead_ndim > 0) {
        int64_t prod = 1;
        for (int i = 0; i < a->lead_ndim && i < 2; i++) prod *= (shape[nd++] = a->lead_shape[i]);
        if (prod != a->n_maps)
            return gb_fail(err, GB_ERR_INTERNAL, "%s: lead shape does not match %d maps", path,
                           a->n_maps);
    } else if (a->n_maps > 1) {
        shape[nd++] = a->n_maps;
    }
    shape[nd++] = m0->n_q;
    shape[nd++] = m0->n_k;
    size_t numel;
    float *buf = gather(a->maps, a->n_maps, &numel);
    if (!buf) return gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", path);
    gb_tensor t = gb_tensor_view("attention", buf, nd, shape);
    gb_status st = gb_npy_write(path, &t, err);
    free(buf);
    return st;
}

/* ---- safetensors: one [heads, n_q, n_k] tensor per module ---- */
typedef struct st_group {
    const char *module;
    int first, count; /* maps of this module are consecutive */
} st_group;

static char *json_list_string(const char *const *tokens, const int *ids, int n) {
    char *s = NULL;
    size_t len;
    FILE *fp = open_memstream(&s, &len);
    if (!fp) return NULL;
    if (tokens) json_tokens(fp, tokens, n);
    else json_ids(fp, ids, n);
    if (fclose(fp) != 0) {
        free(s);
        return NULL;
    }
    return s;
}

static char *key_for(const char *module, const char *suffix) {
    size_t n = strlen(module) + strlen(suffix) + 1;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s%s", module, suffix);
    return s;
}

static gb_status write_safetensors(const char *path, const gb_attn_export *a, gb_error *err) {
    int n = a->n_maps, ng = 0, nm = 0;
    st_group *g = calloc((size_t)n, sizeof *g);
    gb_tensor *t = calloc((size_t)n, sizeof *t);
    const gb_tensor **tp = calloc((size_t)n, sizeof *tp);
    float **bufs = calloc((size_t)n, sizeof *bufs);
    gb_kv *meta = calloc((size_t)(a->n_meta + 4 * n + 2), sizeof *meta);
    char **owned = calloc((size_t)(8 * n + 2), sizeof *owned);
    int n_owned = 0;
    gb_status st = (g && t && tp && bufs && meta && owned) ? GB_OK
                   : gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", path);
    for (int i = 0; i < n && !st; i++) {
        if (ng && strcmp(g[ng - 1].module, a->maps[i].module) == 0) g[ng - 1].count++;
        else g[ng++] = (st_group){a->maps[i].module, i, 1};
    }
    for (int i = 0; i < a->n_meta && !st; i++) meta[nm++] = a->meta[i];
    for (int gi = 0; gi < ng && !st; gi++) {
        const gb_attn_map *m = &a->maps[g[gi].first];
        for (int j = 1; j < g[gi].count; j++)
            if (m[j].n_q != m->n_q || m[j].n_k != m->n_k)
                st = gb_fail(err, GB_ERR_INTERNAL, "%s: heads of %s differ in shape", path, m->module);
        size_t numel;
        if (!st && !(bufs[gi] = gather(m, g[gi].count, &numel)))
            st = gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", path);
        if (st) break;
        char name[96];
        snprintf(name, sizeof name, "%s.hook_pattern", m->module);
        int64_t shape[3] = {g[gi].count, m->n_q, m->n_k};
        t[gi] = gb_tensor_view(name, bufs[gi], 3, shape);
        tp[gi] = &t[gi];
        /* metadata: which heads, and the token strings along both axes */
        char *heads = NULL, *k1 = NULL, *k2 = NULL, *k3 = NULL;
        size_t hl;
        FILE *fp = open_memstream(&heads, &hl);
        if (fp) {
            for (int j = 0; j < g[gi].count; j++) fprintf(fp, "%s%d", j ? "," : "", m[j].head);
            fclose(fp);
        }
        k1 = key_for(m->module, ".heads");
        k2 = key_for(m->module, ".query_tokens");
        k3 = key_for(m->module, ".key_tokens");
        char *qv = json_list_string(m->q_tokens, NULL, m->n_q);
        char *kv = json_list_string(m->k_tokens, NULL, m->n_k);
        owned[n_owned++] = heads, owned[n_owned++] = k1, owned[n_owned++] = k2;
        owned[n_owned++] = k3, owned[n_owned++] = qv, owned[n_owned++] = kv;
        if (!heads || !k1 || !k2 || !k3 || !qv || !kv) {
            st = gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", path);
            break;
        }
        meta[nm++] = (gb_kv){k1, heads};
        meta[nm++] = (gb_kv){k2, qv};
        meta[nm++] = (gb_kv){k3, kv};
    }
    if (!st) st = gb_safetensors_write(path, tp, ng, meta, nm, err);
    for (int i = 0; i < n_owned; i++) free(owned[i]);
    for (int i = 0; bufs && i < n; i++) free(bufs[i]);
    free(owned), free(meta), free(bufs), free(tp), free(t), free(g);
    return st;
}

gb_status gb_export_attention(const char *path, const gb_attn_export *a, gb_error *err) {
    gb_status st = check_maps(path, a, err);
    if (st) return st;
    char ext[16];
    gb_path_ext(path, ext, sizeof ext);
    if (strcmp(ext, "csv") == 0) return write_text(path, a, 1, err);
    if (strcmp(ext, "json") == 0) return write_text(path, a, 0, err);
    if (strcmp(ext, "npy") == 0) return write_npy(path, a, err);
    if (strcmp(ext, "safetensors") == 0) return write_safetensors(path, a, err);
    return gb_fail(err, GB_ERR_INPUT,
                   "%s: unknown output format '.%s' (use .csv, .json, .npy or .safetensors)", path, ext);
}
