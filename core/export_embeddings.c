/* export_embeddings.c - tables of vectors (token embeddings, residual vectors,
 * positional encodings, PCA coordinates) to NPY, CSV, JSON, safetensors and
 * the Embedding Projector TSV pair. Formats: docs/exports.md. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export_internal.h"
#include "glassbox/platform.h"

static int row_id(const gb_embed_export *e, int i) { return e->ids ? e->ids[i] : i; }
static const char *id_name(const gb_embed_export *e) { return e->id_name ? e->id_name : "id"; }
static const float *row(const gb_embed_export *e, int i) { return e->x + (size_t)i * (size_t)e->d; }

static void col_name(FILE *fp, const gb_embed_export *e, int j, int csv) {
    char buf[32];
    const char *s = e->col_names ? e->col_names[j] : buf;
    if (!e->col_names) snprintf(buf, sizeof buf, "d%d", j);
    if (csv) gb_csv_field(fp, s);
    else gb_json_string(fp, s);
}

/* ---- CSV ---- */
static void write_csv(FILE *fp, const gb_embed_export *e) {
    gb_csv_field(fp, id_name(e));
    if (e->tokens) fputs(",token", fp);
    for (int x = 0; x < e->n_extra; x++) fputc(',', fp), gb_csv_field(fp, e->extra_names[x]);
    for (int j = 0; j < e->d; j++) fputc(',', fp), col_name(fp, e, j, 1);
    fputs("\r\n", fp);
    for (int i = 0; i < e->n; i++) {
        fprintf(fp, "%d", row_id(e, i));
        if (e->tokens) fputc(',', fp), gb_csv_field(fp, e->tokens[i]);
        for (int x = 0; x < e->n_extra; x++) fputc(',', fp), gb_csv_field(fp, e->extra[x][i]);
        const float *r = row(e, i);
        for (int j = 0; j < e->d; j++) fputc(',', fp), gb_csv_float(fp, r[j]);
        fputs("\r\n", fp);
    }
}

/* ---- JSON ---- */
static void write_json(FILE *fp, const gb_embed_export *e) {
    fputs("{\"format\":\"glassbox.embeddings\",\"version\":1,\n\"metadata\":{", fp);
    for (int i = 0; i < e->n_meta; i++) {
        if (i) fputc(',', fp);
        gb_json_string(fp, e->meta[i].key);
        fputc(':', fp);
        gb_json_string(fp, e->meta[i].value);
    }
    fprintf(fp, "},\n\"id_name\":");
    gb_json_string(fp, id_name(e));
    fprintf(fp, ",\"rows_count\":%d,\"dim\":%d,\n\"columns\":[", e->n, e->d);
    for (int j = 0; j < e->d; j++) {
        if (j) fputc(',', fp);
        col_name(fp, e, j, 0);
    }
    fputs("],\n\"rows\":[", fp);
    for (int i = 0; i < e->n; i++) {
        fprintf(fp, "%s{\"id\":%d", i ? ",\n" : "\n", row_id(e, i));
        if (e->tokens) fputs(",\"token\":", fp), gb_json_string(fp, e->tokens[i]);
        for (int x = 0; x < e->n_extra; x++) {
            fputc(',', fp);
            gb_json_string(fp, e->extra_names[x]);
            fputc(':', fp);
            gb_json_string(fp, e->extra[x][i]);
        }
        fputs(",\"vector\":[", fp);
        const float *r = row(e, i);
        for (int j = 0; j < e->d; j++) {
            if (j) fputc(',', fp);
            gb_json_float(fp, r[j]);
        }
        fputs("]}", fp);
    }
    fputs("\n]}\n", fp);
}

/* ---- safetensors ---- */
static char *json_list(const gb_embed_export *e, const char *const *strings) {
    char *s = NULL;
    size_t len;
    FILE *fp = open_memstream(&s, &len);
    if (!fp) return NULL;
    fputc('[', fp);
    for (int i = 0; i < e->n; i++) {
        if (i) fputc(',', fp);
        if (strings) gb_json_string(fp, strings[i]);
        else fprintf(fp, "%d", row_id(e, i));
    }
    fputc(']', fp);
    if (fclose(fp) != 0) {
        free(s);
        return NULL;
    }
    return s;
}

static gb_status write_safetensors(const char *path, const gb_embed_export *e, gb_error *err) {
    int64_t shape[2] = {e->n, e->d};
    gb_tensor t = gb_tensor_view("embeddings", e->x, 2, shape);
    const gb_tensor *tp = &t;
    gb_kv meta[64 + 2 + GB_EMBED_MAX_EXTRA];
    char *owned[2 + GB_EMBED_MAX_EXTRA] = {0};
    int nm = 0, no = 0;
    gb_status st = GB_OK;
    if (e->n_meta > 64) return gb_fail(err, GB_ERR_INTERNAL, "%s: too many metadata entries", path);
    for (int i = 0; i < e->n_meta; i++) meta[nm++] = e->meta[i];
    owned[no] = json_list(e, NULL);
    meta[nm++] = (gb_kv){id_name(e), owned[no++]};
    if (e->tokens) {
        owned[no] = json_list(e, e->tokens);
        meta[nm++] = (gb_kv){"tokens", owned[no++]};
    }
    for (int x = 0; x < e->n_extra; x++) {
        owned[no] = json_list(e, e->extra[x]);
        meta[nm++] = (gb_kv){e->extra_names[x], owned[no++]};
    }
    for (int i = 0; i < no; i++)
        if (!owned[i]) st = gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", path);
    if (!st) st = gb_safetensors_write(path, &tp, 1, meta, nm, err);
    for (int i = 0; i < no; i++) free(owned[i]);
    return st;
}

/* ---- Embedding Projector pair ---- */
char *gb_tsv_metadata_path(const char *vectors_path) {
    size_t n = strlen(vectors_path);
    char *out = malloc(n + 16);
    if (!out) return NULL;
    const char *v = "vectors.tsv";
    size_t vl = strlen(v);
    if (n >= vl && strcmp(vectors_path + n - vl, v) == 0) {
        snprintf(out, n + 16, "%.*smetadata.tsv", (int)(n - vl), vectors_path);
        return out;
    }
    char ext[16];
    gb_path_ext(vectors_path, ext, sizeof ext);
    size_t stem = strcmp(ext, "tsv") == 0 ? n - 4 : n;
    snprintf(out, n + 16, "%.*s.metadata.tsv", (int)stem, vectors_path);
    return out;
}

static void write_vectors_tsv(FILE *fp, const gb_embed_export *e) {
    for (int i = 0; i < e->n; i++) {
        const float *r = row(e, i);
        for (int j = 0; j < e->d; j++) {
            if (j) fputc('\t', fp);
            gb_csv_float(fp, r[j]);
        }
        fputc('\n', fp);
    }
}

/* Columns: token (if any), the id, the extras. The projector wants a header
 * row only when there is more than one column. */
static void write_metadata_tsv(FILE *fp, const gb_embed_export *e) {
    int cols = (e->tokens ? 1 : 0) + 1 + e->n_extra;
    if (cols > 1) {
        if (e->tokens) fputs("token\t", fp);
        gb_tsv_field(fp, id_name(e));
        for (int x = 0; x < e->n_extra; x++) fputc('\t', fp), gb_tsv_field(fp, e->extra_names[x]);
        fputc('\n', fp);
    }
    for (int i = 0; i < e->n; i++) {
        if (e->tokens) gb_tsv_field(fp, e->tokens[i]), fputc('\t', fp);
        fprintf(fp, "%d", row_id(e, i));
        for (int x = 0; x < e->n_extra; x++) fputc('\t', fp), gb_tsv_field(fp, e->extra[x][i]);
        fputc('\n', fp);
    }
}

gb_status gb_projector_write(const char *vectors_path, const gb_embed_export *e, gb_error *err) {
    char *meta_path = gb_tsv_metadata_path(vectors_path);
    if (!meta_path) return gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", vectors_path);
    gb_afile vf, mf;
    gb_status st = gb_afile_open(&vf, vectors_path, err);
    if (st) {
        free(meta_path);
        return st;
    }
    st = gb_afile_open(&mf, meta_path, err);
    if (st) {
        gb_afile_abort(&vf);
        free(meta_path);
        return st;
    }
    write_vectors_tsv(vf.fp, e);
    write_metadata_tsv(mf.fp, e);
    if (ferror(vf.fp) || ferror(mf.fp)) { /* name the file that failed */
        gb_afile *bad = ferror(vf.fp) ? &vf : &mf, *other = bad == &vf ? &mf : &vf;
        gb_afile_abort(other);
        st = gbx_finish(bad, 1, err);
        free(meta_path);
        return st;
    }
    st = gbx_finish(&mf, 0, err);
    if (!st) {
        st = gbx_finish(&vf, 0, err);
        if (st) unlink(meta_path); /* never leave a metadata file without its vectors */
    }
    free(meta_path);
    return st;
}

static gb_status write_text(const char *path, const gb_embed_export *e, int csv, gb_error *err) {
    gb_afile af;
    gb_status st = gb_afile_open(&af, path, err);
    if (st) return st;
    if (csv) write_csv(af.fp, e);
    else write_json(af.fp, e);
    return gbx_finish(&af, 0, err);
}

gb_status gb_export_embeddings(const char *path, const gb_embed_export *e, gb_error *err) {
    if (e->n < 0 || e->d <= 0 || (e->n > 0 && !e->x) || e->n_extra < 0 ||
        e->n_extra > GB_EMBED_MAX_EXTRA)
        return gb_fail(err, GB_ERR_INTERNAL, "%s: invalid table to export", path);
    char ext[16];
    gb_path_ext(path, ext, sizeof ext);
    if (strcmp(ext, "npy") == 0) {
        int64_t shape[2] = {e->n, e->d};
        gb_tensor t = gb_tensor_view("embeddings", e->x, 2, shape);
        return gb_npy_write(path, &t, err);
    }
    if (strcmp(ext, "csv") == 0) return write_text(path, e, 1, err);
    if (strcmp(ext, "json") == 0) return write_text(path, e, 0, err);
    if (strcmp(ext, "safetensors") == 0) return write_safetensors(path, e, err);
    if (strcmp(ext, "tsv") == 0) return gb_projector_write(path, e, err);
    return gb_fail(err, GB_ERR_INPUT,
                   "%s: unknown output format '.%s' (use .npy, .csv, .tsv, .json or .safetensors)",
                   path, ext);
}
