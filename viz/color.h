/* color.h - colour scales, categorical palette and themes for the viewer.
 *
 * Scales map a value in [0, 1] to a colour. Both are perceptually uniform
 * (equal steps in value look like equal steps in colour) and readable by
 * people with the common colour-vision deficiencies:
 *   GB_SCALE_VIRIDIS   sequential, dark blue -> green -> yellow (magnitudes,
 *                      probabilities, similarities)
 *   GB_SCALE_DIVERGING blue -> near-white -> red, symmetric in lightness
 *                      (signed values: encodings, activations, differences)
 * Each is a 256-entry table computed once from published control points (see
 * color.c for the sources and the interpolation).
 *
 * A theme holds the colours, type sizes and spacing every draw function reads.
 * The presenter theme is for projectors: larger type, pure white background,
 * black text, thicker lines.
 */
#ifndef GB_COLOR_H
#define GB_COLOR_H

#include <stdbool.h>

#include <cairo.h>

typedef struct gb_rgb {
    double r, g, b; /* sRGB components in [0, 1] */
} gb_rgb;

typedef enum gb_scale { GB_SCALE_VIRIDIS = 0, GB_SCALE_DIVERGING = 1 } gb_scale;

/* Colour of t in [0, 1] (clamped; NaN gives mid grey). */
gb_rgb gb_scale_color(gb_scale s, double t);
const char *gb_scale_name(gb_scale s);
/* Map v from [vmin, vmax] to [0, 1] (a diverging scale should get a range
 * symmetric around 0 so that white means zero). */
double gb_scale_t(double v, double vmin, double vmax);
/* sRGB -> CIELAB (D65), for tests and contrast decisions. */
void gb_rgb_to_lab(gb_rgb c, double lab[3]);
/* Black or white, whichever reads better on background c. */
gb_rgb gb_text_on(gb_rgb c);

/* Okabe & Ito's colour-blind-safe categorical palette (8 colours, cycling). */
gb_rgb gb_palette(int i);
/* A light tint of gb_palette(i) for backgrounds (token chips). */
gb_rgb gb_palette_tint(int i);

gb_rgb gb_rgb_hex(unsigned hex);
gb_rgb gb_rgb_mix(gb_rgb a, gb_rgb b, double t);
void gb_set_rgb(cairo_t *cr, gb_rgb c);
void gb_set_rgba(cairo_t *cr, gb_rgb c, double alpha);

typedef struct gb_theme {
    const char *name;
    /* type, in logical pixels */
    double font;        /* body text */
    double font_small;  /* tick labels, chip ids */
    double font_title;  /* panel titles */
    double font_big;    /* view titles */
    /* spacing */
    double pad;         /* inside panels */
    double gap;         /* between panels */
    double radius;      /* rounded corners */
    double line;        /* plot line width */
    double hairline;    /* grid and frame lines */
    /* colours */
    gb_rgb bg, panel, panel_edge, fg, fg_dim, grid, accent, accent_fg, highlight, masked,
        widget, widget_hot, widget_edge, selection, tooltip_bg, tooltip_fg, overlay;
} gb_theme;

const gb_theme *gb_theme_normal(void);
const gb_theme *gb_theme_presenter(void);
const gb_theme *gb_theme_get(bool presenter);

#endif
