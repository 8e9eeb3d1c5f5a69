/* render.h - headless rendering of any view to PNG, SVG or PDF.
 *
 * The renderer calls exactly the functions the window calls (update until
 * settled, layout, draw) on a cairo image, SVG or PDF surface chosen by the
 * output file's extension, and writes the file atomically (temporary file +
 * rename): a failure never leaves a partial file. PDFs carry a fixed creation
 * date so the same input gives the same bytes.
 */
#ifndef GB_RENDER_H
#define GB_RENDER_H

#include <cairo.h>

#include "glassbox/error.h"
#include "view.h"

typedef enum gb_render_format { GB_FMT_PNG = 0, GB_FMT_SVG = 1, GB_FMT_PDF = 2 } gb_render_format;

#define GB_RENDER_MAX_SIDE 16384
#define GB_PDF_DATE "2024-01-01T00:00:00Z"

/* Format from the file name's extension (.png .svg .pdf, any case). */
gb_status gb_render_format_of(const char *path, gb_render_format *fmt, gb_error *err);
/* Parse "WxH" (each side 1..GB_RENDER_MAX_SIDE). */
gb_status gb_parse_size(const char *s, int *w, int *h, gb_error *err);

/* Use the hermetic fonts (text.h) for headless output, with the cache in
 * gb_text_default_cache_dir(); GLASSBOX_FONTS=system keeps the user's fonts. */
gb_status gb_render_fonts(gb_error *err);

/* Draw a laid-out view on a new ARGB32 image of (w*scale) x (h*scale) pixels.
 * Returns NULL on failure. */
cairo_surface_t *gb_render_image(const gb_view *v, const void *self, const gb_shared *sh, int w,
                                 int h, double scale);
/* Settle, lay out and write one view to path (format from the extension). */
gb_status gb_render_write(const gb_view *v, void *self, const gb_shared *sh, int w, int h,
                          double scale, const char *path, gb_error *err);

/* Pixel comparison with a tolerance, for image tests: a pixel differs when
 * any channel differs by more than tol (0..255). */
typedef struct gb_image_diff {
    int width, height;  /* of the reference */
    long n_diff;        /* pixels over the tolerance */
    int max_diff;       /* largest channel difference seen */
} gb_image_diff;
gb_status gb_image_compare(cairo_surface_t *got, const char *ref_png, int tol, gb_image_diff *d,
                           gb_error *err);

#endif
