/* render_compare.c - compare a rendered image with a reference PNG, pixel by
 * pixel with a tolerance (decoded pixels, never file bytes). */
#include <stdlib.h>

#include "render.h"

static int channel_diff(uint32_t a, uint32_t b) {
    int m = 0;
    for (int s = 0; s < 32; s += 8) {
        int d = abs((int)((a >> s) & 255) - (int)((b >> s) & 255));
        if (d > m) m = d;
    }
    return m;
}

gb_status gb_image_compare(cairo_surface_t *got, const char *ref_png, int tol, gb_image_diff *d,
                           gb_error *err) {
    *d = (gb_image_diff){0};
    cairo_surface_t *ref = cairo_image_surface_create_from_png(ref_png);
    if (cairo_surface_status(ref) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(ref);
        return gb_fail(err, GB_ERR_INPUT, "%s: cannot read the reference PNG", ref_png);
    }
    d->width = cairo_image_surface_get_width(ref);
    d->height = cairo_image_surface_get_height(ref);
    if (cairo_image_surface_get_width(got) != d->width || cairo_image_surface_get_height(got) != d->height) {
        gb_status st = gb_fail(err, GB_ERR_INPUT, "%s: reference is %dx%d, the render %dx%d", ref_png,
                               d->width, d->height, cairo_image_surface_get_width(got),
                               cairo_image_surface_get_height(got));
        cairo_surface_destroy(ref);
        return st;
    }
    cairo_surface_flush(got);
    const unsigned char *pa = cairo_image_surface_get_data(got), *pb = cairo_image_surface_get_data(ref);
    int sa = cairo_image_surface_get_stride(got), sb = cairo_image_surface_get_stride(ref);
    bool alpha_a = cairo_image_surface_get_format(got) == CAIRO_FORMAT_ARGB32;
    bool alpha_b = cairo_image_surface_get_format(ref) == CAIRO_FORMAT_ARGB32;
    for (int y = 0; y < d->height; y++) {
        const uint32_t *ra = (const uint32_t *)(const void *)(pa + (size_t)y * sa);
        const uint32_t *rb = (const uint32_t *)(const void *)(pb + (size_t)y * sb);
        for (int x = 0; x < d->width; x++) {
            /* RGB24 has an undefined top byte: treat it as opaque */
            uint32_t a = alpha_a ? ra[x] : (ra[x] | 0xFF000000u), b = alpha_b ? rb[x] : (rb[x] | 0xFF000000u);
            int m = channel_diff(a, b);
            if (m > d->max_diff) d->max_diff = m;
            if (m > tol) d->n_diff++;
        }
    }
    cairo_surface_destroy(ref);
    return GB_OK;
}
