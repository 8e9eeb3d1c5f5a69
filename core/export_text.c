/* export_text.c - building blocks of the text formats (CSV, JSON, TSV) and the
 * strided tensor walk shared by the binary writers. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "export_internal.h"
#include "glassbox/platform.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the NPY and safetensors writers assume a little-endian machine"
#endif

gb_tensor gb_tensor_view(const char *name, const float *data, int ndim, const int64_t *shape) {
    gb_tensor t;
    memset(&t, 0, sizeof t);
    snprintf(t.name, sizeof t.name, "%s", name ? name : "");
    t.ndim = ndim;
    int64_t stride = 1;
    for (int i = ndim - 1; i >= 0; i--) {
        t.shape[i] = shape[i];
        t.stride[i] = stride;
        stride *= shape[i] > 0 ? shape[i] : 1;
    }
    t.data = (float *)data; /* gb_tensor has no const flavour; writers never modify it */
    t.capacity_floats = (size_t)stride;
    return t;
}

int64_t gb_shape_numel(int ndim, const int64_t *shape) {
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0) return -1;
        if (shape[i] && n > INT64_MAX / shape[i]) return -1;
        n *= shape[i];
    }
    return n;
}

gb_status gbx_check_tensor(const gb_tensor *t, const char *path, gb_error *err) {
    if (t->ndim < 0 || t->ndim > GB_TENSOR_MAX_DIMS)
        return gb_fail(err, GB_ERR_INTERNAL, "%s: tensor '%s' has %d dimensions (at most %d)", path,
                       t->name, t->ndim, GB_TENSOR_MAX_DIMS);
    int64_t n = gb_shape_numel(t->ndim, t->shape);
    if (n < 0)
        return gb_fail(err, GB_ERR_INTERNAL, "%s: tensor '%s' has an invalid shape", path, t->name);
    if (n > 0 && !t->data)
        return gb_fail(err, GB_ERR_INTERNAL, "%s: tensor '%s' has no data", path, t->name);
    return GB_OK;
}

/* Rows of the last axis are written with one fwrite when they are contiguous,
 * else gathered through a small buffer; outer axes are walked like an odometer. */
int gbx_write_tensor_data(FILE *fp, const gb_tensor *t) {
    int64_t n = gb_shape_numel(t->ndim, t->shape);
    if (n <= 0) return 0;
    if (t->ndim == 0) return fwrite(t->data, sizeof(float), 1, fp) == 1 ? 0 : -1;
    int last = t->ndim - 1;
    int64_t len = t->shape[last], cs = t->stride[last];
    float buf[1024];
    int64_t idx[GB_TENSOR_MAX_DIMS] = {0};
    for (;;) {
        const float *row = t->data;
        for (int i = 0; i < last; i++) row += idx[i] * t->stride[i];
        if (cs == 1) {
            if (fwrite(row, sizeof(float), (size_t)len, fp) != (size_t)len) return -1;
        } else {
            for (int64_t j = 0; j < len;) {
                int64_t m = len - j < 1024 ? len - j : 1024;
                for (int64_t q = 0; q < m; q++) buf[q] = row[(j + q) * cs];
                if (fwrite(buf, sizeof(float), (size_t)m, fp) != (size_t)m) return -1;
                j += m;
            }
        }
        int ax = last - 1;
        while (ax >= 0 && ++idx[ax] == t->shape[ax]) idx[ax--] = 0;
        if (ax < 0) return 0;
    }
}

gb_status gbx_finish(gb_afile *af, int write_failed, gb_error *err) {
    if (write_failed || ferror(af->fp)) {
        int e = errno;
        gb_fail(err, GB_ERR_INPUT, "%s: write failed: %s", af->path, strerror(e ? e : EIO));
        gb_afile_abort(af);
        return GB_ERR_INPUT;
    }
    return gb_afile_commit(af, err);
}

void gb_path_ext(const char *path, char *ext, size_t cap) {
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(path, '.');
    if (cap == 0) return;
    ext[0] = '\0';
    if (!dot || (slash && dot < slash) || dot == path || dot[-1] == '/') return;
    size_t i = 0;
    for (const char *p = dot + 1; *p && i + 1 < cap; p++, i++)
        ext[i] = (char)((*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p);
    ext[i] = '\0';
}

/* ---- CSV ---- */
void gb_csv_field(FILE *fp, const char *s) {
    if (!s) s = "";
    size_t n = strlen(s);
    bool quote = n > 0 && (s[0] == ' ' || s[n - 1] == ' ');
    if (!quote) quote = strpbrk(s, ",\"\r\n") != NULL;
    if (!quote) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (const char *p = s; *p; p++) {
        if (*p == '"') fputc('"', fp);
        fputc(*p, fp);
    }
    fputc('"', fp);
}

void gb_csv_float(FILE *fp, float x) {
    if (isnan(x)) fputs("nan", fp);
    else if (isinf(x)) fputs(x > 0 ? "inf" : "-inf", fp);
    else fprintf(fp, "%.9g", (double)x);
}

/* ---- JSON ---- */
int gbx_utf8_len(const unsigned char *s) {
    unsigned c = s[0];
    if (c < 0x80) return 1;
    int n;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF) n = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) n = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) n = 4, cp = c & 0x07;
    else return 0;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
    if (cp >= 0xD800 && cp <= 0xDFFF) return 0; /* surrogates are not characters */
    return n;
}

void gb_json_string(FILE *fp, const char *s) {
    fputc('"', fp);
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        unsigned c = *p;
        if (c == '"' || c == '\\') {
            fputc('\\', fp);
            fputc((int)c, fp);
            p++;
        } else if (c < 0x20) {
            switch (c) {
            case '\n': fputs("\\n", fp); break;
            case '\r': fputs("\\r", fp); break;
            case '\t': fputs("\\t", fp); break;
            case '\b': fputs("\\b", fp); break;
            case '\f': fputs("\\f", fp); break;
            default: fprintf(fp, "\\u%04x", c);
            }
            p++;
        } else {
            int n = gbx_utf8_len(p);
            if (n == 0) {
                fputs("\xEF\xBF\xBD", fp); /* U+FFFD for a byte that is not UTF-8 */
                p++;
            } else {
                fwrite(p, 1, (size_t)n, fp);
                p += n;
            }
        }
    }
    fputc('"', fp);
}

void gb_json_float(FILE *fp, float x) {
    if (!isfinite(x)) fputs("null", fp);
    else fprintf(fp, "%.9g", (double)x);
}

/* ---- TSV ---- */
void gb_tsv_field(FILE *fp, const char *s) {
    if (!s || !*s) {
        fputs("\"\"", fp);
        return;
    }
    for (const char *p = s; *p; p++) {
        switch (*p) {
        case '\t': fputs("\\t", fp); break;
        case '\n': fputs("\\n", fp); break;
        case '\r': fputs("\\r", fp); break;
        default: fputc(*p, fp);
        }
    }
}
