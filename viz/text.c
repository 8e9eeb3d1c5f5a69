/* text.c - fonts, pango layouts and safe token text (see text.h). */
#include "text.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "glassbox/platform.h"

static bool g_hermetic;
static PangoContext *g_ctx; /* shared by cached layouts */

/* Layout cache: the same labels are measured and drawn every frame, and a
 * pango layout costs tens of microseconds to shape, so unconstrained layouts
 * are kept, keyed by font and text (direct-mapped; a collision replaces). */
#define CACHE_N 4096
typedef struct cached {
    uint64_t hash;
    char *family, *text;
    double size;
    int bold;
    PangoLayout *lay;
    double w, h, baseline;
} cached;
static cached g_cache[CACHE_N];
static cairo_font_options_t *g_font_options;
static cairo_surface_t *g_measure_surface;
static cairo_t *g_measure_cr;

/* ---- hermetic fonts ---- */

static void xml_escape(FILE *fp, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", fp); break;
        case '<': fputs("&lt;", fp); break;
        case '>': fputs("&gt;", fp); break;
        default: fputc(*s, fp);
        }
    }
}

static gb_status mkdir_p(const char *dir, gb_error *err) {
    char path[1024];
    if (strlen(dir) >= sizeof path) return gb_fail(err, GB_ERR_INPUT, "%s: path too long", dir);
    strcpy(path, dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        mkdir(path, 0755);
        *p = '/';
    }
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return gb_fail(err, GB_ERR_INPUT, "%s: cannot create folder: %s", dir, strerror(errno));
    return GB_OK;
}

gb_status gb_text_use_hermetic_fonts(const char *dir, gb_error *err) {
    struct stat sb;
    if (stat(GB_DEJAVU_DIR, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return gb_fail(err, GB_ERR_INPUT, "%s: DejaVu fonts not found (install fonts-dejavu-core)",
                       GB_DEJAVU_DIR);
    if (mkdir_p(dir, err) != GB_OK) return err ? err->status : GB_ERR_INPUT;
    char conf[1100];
    snprintf(conf, sizeof conf, "%s/fonts.conf", dir);
    gb_afile af;
    gb_status st = gb_afile_open(&af, conf, err);
    if (st) return st;
    fputs("<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n"
          "<!-- written by glassbox: only the DejaVu fonts, for reproducible images -->\n"
          "<fontconfig>\n  <dir>" GB_DEJAVU_DIR "</dir>\n  <cachedir>", af.fp);
    xml_escape(af.fp, dir);
    fputs("/fc-cache</cachedir>\n  <config><rescan><int>0</int></rescan></config>\n"
          "</fontconfig>\n", af.fp);
    st = gb_afile_commit(&af, err);
    if (st) return st;
    setenv("FONTCONFIG_FILE", conf, 1);
    g_hermetic = true;
    return GB_OK;
}

const char *gb_text_default_cache_dir(char *buf, size_t cap) {
    const char *e = getenv("GLASSBOX_CACHE_DIR");
    if (e && *e) snprintf(buf, cap, "%s/fonts", e);
    else if ((e = getenv("XDG_CACHE_HOME")) && *e) snprintf(buf, cap, "%s/glassbox/fonts", e);
    else if ((e = getenv("HOME")) && *e) snprintf(buf, cap, "%s/.cache/glassbox/fonts", e);
    else snprintf(buf, cap, "/tmp/glassbox-fonts");
    return buf;
}

bool gb_text_hermetic(void) { return g_hermetic; }

bool gb_text_uses_fontconfig(void) {
    /* On Linux the cairo font map of type FT is PangoCairoFcFontMap: fontconfig. */
    PangoFontMap *fm = pango_cairo_font_map_get_default();
    return pango_cairo_font_map_get_font_type(PANGO_CAIRO_FONT_MAP(fm)) == CAIRO_FONT_TYPE_FT;
}

char *gb_text_font_families(void) {
    PangoFontFamily **fams = NULL;
    int n = 0;
    pango_font_map_list_families(pango_cairo_font_map_get_default(), &fams, &n);
    size_t len = 1;
    for (int i = 0; i < n; i++) len += strlen(pango_font_family_get_name(fams[i])) + 1;
    char *out = malloc(len), *p = out;
    if (!out) {
        g_free(fams);
        return NULL;
    }
    *p = '\0';
    for (int i = 0; i < n; i++) p += sprintf(p, "%s\n", pango_font_family_get_name(fams[i]));
    g_free(fams);
    return out;
}

/* ---- layouts ---- */

static const cairo_font_options_t *font_options(void) {
    if (!g_font_options) {
        g_font_options = cairo_font_options_create();
        cairo_font_options_set_antialias(g_font_options, CAIRO_ANTIALIAS_GRAY);
        cairo_font_options_set_hint_style(g_font_options, CAIRO_HINT_STYLE_NONE);
        cairo_font_options_set_hint_metrics(g_font_options, CAIRO_HINT_METRICS_OFF);
    }
    return g_font_options;
}

PangoLayout *gb_text_layout(cairo_t *cr, const gb_font *f, const char *text) {
    PangoLayout *lay = pango_cairo_create_layout(cr);
    PangoContext *ctx = pango_layout_get_context(lay);
    pango_cairo_context_set_font_options(ctx, font_options());
    pango_cairo_context_set_resolution(ctx, 96.0);
    pango_layout_context_changed(lay);
    PangoFontDescription *fd = pango_font_description_new();
    pango_font_description_set_family(fd, f && f->family ? f->family
                                          : f && f->mono  ? GB_FONT_MONO
                                                          : GB_FONT_SANS);
    double size = f && f->size > 0 ? f->size : 12.0;
    pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
    if (f && f->bold) pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
    pango_layout_set_font_description(lay, fd);
    pango_font_description_free(fd);
    pango_layout_set_text(lay, text ? text : "", -1);
    return lay;
}

static void layout_size(PangoLayout *lay, double *w, double *h) {
    PangoRectangle logical;
    pango_layout_get_extents(lay, NULL, &logical);
    if (w) *w = (double)logical.width / PANGO_SCALE;
    if (h) *h = (double)logical.height / PANGO_SCALE;
}

static const char *family_of(const gb_font *f) {
    return f && f->family ? f->family : f && f->mono ? GB_FONT_MONO : GB_FONT_SANS;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
    const unsigned char *u = p;
    for (size_t i = 0; i < n; i++) h = (h ^ u[i]) * 1099511628211ULL;
    return h;
}

static PangoContext *shared_context(void) {
    if (!g_ctx) {
        g_ctx = pango_cairo_create_context(gb_text_measure_cr());
        pango_cairo_context_set_font_options(g_ctx, font_options());
        pango_cairo_context_set_resolution(g_ctx, 96.0);
    }
    return g_ctx;
}

static void cache_clear(void) {
    for (int i = 0; i < CACHE_N; i++) {
        if (g_cache[i].lay) g_object_unref(g_cache[i].lay);
        free(g_cache[i].family);
        free(g_cache[i].text);
    }
    memset(g_cache, 0, sizeof g_cache);
}

/* The cached, unconstrained layout of text in font f (UI thread only). */
static const cached *lookup(const gb_font *f, const char *text) {
    const char *fam = family_of(f);
    double size = f && f->size > 0 ? f->size : 12.0;
    int bold = f && f->bold;
    uint64_t h = fnv(1469598103934665603ULL, fam, strlen(fam) + 1);
    h = fnv(h, &size, sizeof size);
    h = fnv(h, &bold, sizeof bold);
    h = fnv(h, text, strlen(text));
    cached *c = &g_cache[h % CACHE_N];
    if (c->lay && c->hash == h && c->size == size && c->bold == bold && strcmp(c->family, fam) == 0 &&
        strcmp(c->text, text) == 0)
        return c;
    PangoLayout *lay = pango_layout_new(shared_context());
    PangoFontDescription *fd = pango_font_description_new();
    pango_font_description_set_family(fd, fam);
    pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
    if (bold) pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
    pango_layout_set_font_description(lay, fd);
    pango_font_description_free(fd);
    pango_layout_set_text(lay, text, -1);
    char *fcopy = strdup(fam), *tcopy = strdup(text);
    if (!fcopy || !tcopy) { /* out of memory: hand out an uncached layout next time */
        free(fcopy), free(tcopy);
        static cached tmp;
        if (tmp.lay) g_object_unref(tmp.lay);
        tmp = (cached){.lay = lay};
        layout_size(lay, &tmp.w, &tmp.h);
        tmp.baseline = (double)pango_layout_get_baseline(lay) / PANGO_SCALE;
        return &tmp;
    }
    if (c->lay) g_object_unref(c->lay);
    free(c->family), free(c->text);
    *c = (cached){.hash = h, .family = fcopy, .text = tcopy, .size = size, .bold = bold, .lay = lay};
    layout_size(lay, &c->w, &c->h);
    c->baseline = (double)pango_layout_get_baseline(lay) / PANGO_SCALE;
    return c;
}

void gb_text_size(cairo_t *cr, const gb_font *f, const char *text, double *w, double *h) {
    (void)cr; /* metrics do not depend on the surface: fixed options and resolution */
    const cached *c = lookup(f, text ? text : "");
    if (w) *w = c->w;
    if (h) *h = c->h;
}

cairo_t *gb_text_measure_cr(void) {
    if (!g_measure_cr) {
        g_measure_surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
        g_measure_cr = cairo_create(g_measure_surface);
    }
    return g_measure_cr;
}

void gb_text_shutdown(void) {
    cache_clear();
    if (g_ctx) g_object_unref(g_ctx);
    g_ctx = NULL;
    if (g_measure_cr) cairo_destroy(g_measure_cr);
    if (g_measure_surface) cairo_surface_destroy(g_measure_surface);
    if (g_font_options) cairo_font_options_destroy(g_font_options);
    g_measure_cr = NULL;
    g_measure_surface = NULL;
    g_font_options = NULL;
}

/* Offset of the layout's top-left corner from the anchor point. */
static void anchor_offset(PangoLayout *lay, gb_align ha, gb_valign va, double *dx, double *dy) {
    double w, h;
    layout_size(lay, &w, &h);
    *dx = ha == GB_CENTER ? -w / 2 : ha == GB_RIGHT ? -w : 0;
    *dy = 0;
    switch (va) {
    case GB_TOP: *dy = 0; break;
    case GB_MIDDLE: *dy = -h / 2; break;
    case GB_BOTTOM: *dy = -h; break;
    case GB_BASELINE: *dy = -(double)pango_layout_get_baseline(lay) / PANGO_SCALE; break;
    }
}

static PangoLayout *fitted_layout(cairo_t *cr, const gb_font *f, const char *text, double max_w) {
    PangoLayout *lay = gb_text_layout(cr, f, text);
    if (max_w > 0) {
        double w;
        layout_size(lay, &w, NULL);
        if (w > max_w) {
            pango_layout_set_width(lay, (int)(max_w * PANGO_SCALE));
            pango_layout_set_ellipsize(lay, PANGO_ELLIPSIZE_END);
        }
    }
    return lay;
}

double gb_text_draw(cairo_t *cr, const gb_font *f, const char *text, double x, double y,
                    gb_align ha, gb_valign va, double max_w) {
    const cached *c = lookup(f, text ? text : "");
    if (max_w > 0 && c->w > max_w) { /* needs ellipsizing: a one-off layout */
        PangoLayout *lay = fitted_layout(cr, f, text, max_w);
        double dx, dy;
        anchor_offset(lay, ha, va, &dx, &dy);
        cairo_move_to(cr, x + dx, y + dy);
        pango_cairo_show_layout(cr, lay);
        cairo_new_path(cr);
        g_object_unref(lay);
        return max_w;
    }
    double dx = ha == GB_CENTER ? -c->w / 2 : ha == GB_RIGHT ? -c->w : 0;
    double dy = va == GB_TOP ? 0 : va == GB_MIDDLE ? -c->h / 2 : va == GB_BOTTOM ? -c->h : -c->baseline;
    cairo_move_to(cr, x + dx, y + dy);
    pango_cairo_show_layout(cr, c->lay);
    cairo_new_path(cr);
    return c->w;
}

void gb_text_draw_rotated(cairo_t *cr, const gb_font *f, const char *text, double x, double y,
                          double angle, gb_align ha, gb_valign va, double max_w) {
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, angle);
    gb_text_draw(cr, f, text, 0, 0, ha, va, max_w);
    cairo_restore(cr);
}

double gb_text_draw_wrapped(cairo_t *cr, const gb_font *f, const char *text, double x, double y,
                            double w) {
    PangoLayout *lay = gb_text_layout(cr, f, text);
    pango_layout_set_width(lay, (int)(w * PANGO_SCALE));
    pango_layout_set_wrap(lay, PANGO_WRAP_WORD_CHAR);
    double h;
    layout_size(lay, NULL, &h);
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, lay);
    cairo_new_path(cr);
    g_object_unref(lay);
    return h;
}

/* ---- UTF-8 ---- */

int gb_utf8_seq_len(const unsigned char *s, size_t avail) {
    if (avail == 0) return 0;
    unsigned c = s[0];
    if (c < 0x80) return 1;
    int n;
    unsigned min;
    if (c >= 0xC2 && c <= 0xDF) n = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) n = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) n = 4, min = 0x10000;
    else return 0;
    if ((size_t)n > avail) return 0;
    unsigned cp = c & (0x7Fu >> n);
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

bool gb_utf8_valid(const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        int k = gb_utf8_seq_len(u + i, n - i);
        if (k == 0) return false;
        i += (size_t)k;
    }
    return true;
}

/* The printable form of one character or byte at u (consumes *used bytes). */
static int piece(const unsigned char *u, size_t avail, int flags, char tmp[16], size_t *used) {
    int k = gb_utf8_seq_len(u, avail);
    if (k == 0) {
        *used = 1;
        return snprintf(tmp, 16, "\\x%02X", u[0]);
    }
    *used = (size_t)k;
    unsigned c = u[0];
    if (k == 1) {
        if (c == '\n') return snprintf(tmp, 16, "\\n");
        if (c == '\t') return snprintf(tmp, 16, "\\t");
        if (c == '\r') return snprintf(tmp, 16, "\\r");
        if (c < 0x20 || c == 0x7F) return snprintf(tmp, 16, "\\x%02X", c);
        if (c == ' ' && (flags & GB_TEXT_SHOW_SPACE)) return snprintf(tmp, 16, "\xE2\x90\xA3");
    } else if (k == 2 && c == 0xC2 && u[1] < 0xA0) { /* C1 control characters */
        return snprintf(tmp, 16, "\\u%04X", (unsigned)u[1]);
    }
    memcpy(tmp, u, (size_t)k);
    tmp[k] = '\0';
    return k;
}

size_t gb_text_sanitize(const char *bytes, size_t n, char *out, size_t cap, int flags) {
    const unsigned char *u = (const unsigned char *)bytes;
    size_t o = 0;
    if (cap == 0) return 0;
    for (size_t i = 0; i < n;) {
        char tmp[16];
        size_t used;
        int len = piece(u + i, n - i, flags, tmp, &used);
        if (o + (size_t)len + 1 > cap) break;
        memcpy(out + o, tmp, (size_t)len);
        o += (size_t)len;
        i += used;
    }
    out[o] = '\0';
    return o;
}

/* LeakSanitizer hook (used only in sanitizer builds): fontconfig keeps its
 * configuration and pattern caches for the life of the process and frees them
 * only in FcFini(), which pango never calls. Those are not our leaks; every
 * other allocation is still checked. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\n"; }
const char *__lsan_default_options(void);
const char *__lsan_default_options(void) { return "print_suppressions=0"; }
