/* render.c - one view to a PNG, SVG or PDF file (see render.h). */
#include "render.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>

#include "glassbox/platform.h"
#include "text.h"

gb_status gb_render_format_of(const char *path, gb_render_format *fmt, gb_error *err) {
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (dot && (!slash || dot > slash)) {
        if (strcasecmp(dot, ".png") == 0) return *fmt = GB_FMT_PNG, GB_OK;
        if (strcasecmp(dot, ".svg") == 0) return *fmt = GB_FMT_SVG, GB_OK;
        if (strcasecmp(dot, ".pdf") == 0) return *fmt = GB_FMT_PDF, GB_OK;
    }
    return gb_fail(err, GB_ERR_INPUT, "%s: the output must end in .png, .svg or .pdf", path);
}

gb_status gb_parse_size(const char *s, int *w, int *h, gb_error *err) {
    char *end;
    errno = 0;
    long a = isdigit((unsigned char)s[0]) ? strtol(s, &end, 10) : -1;
    if (a > 0 && (*end == 'x' || *end == 'X') && isdigit((unsigned char)end[1])) {
        const char *p = end + 1;
        long b = strtol(p, &end, 10);
        if (!errno && *end == '\0' && a <= GB_RENDER_MAX_SIDE && b >= 1 && b <= GB_RENDER_MAX_SIDE) {
            *w = (int)a, *h = (int)b;
            return GB_OK;
        }
    }
    return gb_fail(err, GB_ERR_INPUT, "--size %s: expected WxH with sides from 1 to %d, e.g. 1600x1000",
                   s, GB_RENDER_MAX_SIDE);
}

gb_status gb_render_fonts(gb_error *err) {
    const char *mode = getenv("GLASSBOX_FONTS");
    if (gb_text_hermetic() || (mode && strcmp(mode, "system") == 0)) return GB_OK;
    char dir[1024];
    return gb_text_use_hermetic_fonts(gb_text_default_cache_dir(dir, sizeof dir), err);
}

static void draw_on(cairo_t *cr, const gb_view *v, const void *self, const gb_shared *sh, int w, int h,
                    double scale) {
    cairo_scale(cr, scale, scale);
    cairo_rectangle(cr, 0, 0, w, h);
    cairo_clip(cr);
    v->draw(cr, w, h, self, sh);
}

cairo_surface_t *gb_render_image(const gb_view *v, const void *self, const gb_shared *sh, int w,
                                 int h, double scale) {
    int pw = (int)(w * scale + 0.5), ph = (int)(h * scale + 0.5);
    if (pw < 1 || ph < 1) return NULL;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, pw, ph);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return NULL;
    }
    cairo_t *cr = cairo_create(s);
    draw_on(cr, v, self, sh, w, h, scale);
    cairo_status_t st = cairo_status(cr); /* errors are sticky: one check at the end */
    cairo_destroy(cr);
    if (st != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return NULL;
    }
    return s;
}

static cairo_status_t write_fp(void *closure, const unsigned char *data, unsigned int len) {
    return fwrite(data, 1, len, (FILE *)closure) == len ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

static cairo_surface_t *vector_surface(gb_render_format fmt, FILE *fp, int w, int h,
                                       const gb_view *v) {
    if (fmt == GB_FMT_SVG) return cairo_svg_surface_create_for_stream(write_fp, fp, w, h);
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(write_fp, fp, w, h);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, GB_PDF_DATE);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_MOD_DATE, GB_PDF_DATE);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, v->title);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "glassbox");
    return s;
}

/* Draw into the open temporary file; returns a cairo status. */
static cairo_status_t write_surface(gb_render_format fmt, FILE *fp, const gb_view *v, const void *self,
                                    const gb_shared *sh, int w, int h, double scale) {
    if (fmt == GB_FMT_PNG) {
        cairo_surface_t *img = gb_render_image(v, self, sh, w, h, scale);
        if (!img) return CAIRO_STATUS_NO_MEMORY;
        cairo_status_t st = cairo_surface_write_to_png_stream(img, write_fp, fp);
        cairo_surface_destroy(img);
        return st;
    }
    /* vector output is resolution-free: scale does not apply */
    cairo_surface_t *s = vector_surface(fmt, fp, w, h, v);
    cairo_t *cr = cairo_create(s);
    draw_on(cr, v, self, sh, w, h, 1.0);
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(s);
    if (st == CAIRO_STATUS_SUCCESS) st = cairo_surface_status(s);
    cairo_surface_destroy(s);
    return st;
}

gb_status gb_render_write(const gb_view *v, void *self, const gb_shared *sh, int w, int h,
                          double scale, const char *path, gb_error *err) {
    gb_render_format fmt;
    if (gb_render_format_of(path, &fmt, err)) return err->status;
    if (w < 1 || h < 1 || w > GB_RENDER_MAX_SIDE || h > GB_RENDER_MAX_SIDE || !(scale > 0) ||
        w * scale > GB_RENDER_MAX_SIDE || h * scale > GB_RENDER_MAX_SIDE)
        return gb_fail(err, GB_ERR_INPUT, "%s: image size %dx%d at scale %g is out of range", path, w,
                       h, scale);
    gb_status st = gb_view_settle(v, self, sh, err);
    if (st) return st;
    const char *bad = v->input_error ? v->input_error(self) : NULL;
    if (bad) return gb_fail(err, GB_ERR_INPUT, "%s", bad);
    if (v->layout) v->layout(self, w, h, sh);
    gb_afile af;
    st = gb_afile_open(&af, path, err);
    if (st) return st;
    cairo_status_t cs = write_surface(fmt, af.fp, v, self, sh, w, h, scale);
    if (cs != CAIRO_STATUS_SUCCESS) {
        gb_afile_abort(&af);
        return gb_fail(err, cs == CAIRO_STATUS_WRITE_ERROR ? GB_ERR_INPUT : GB_ERR_INTERNAL,
                       "%s: cannot render: %s", path, cairo_status_to_string(cs));
    }
    return gb_afile_commit(&af, err);
}
