/* color.c - colour scales, palette and themes (see color.h).
 *
 * Viridis: the sequential map of matplotlib by Stéfan van der Walt and
 * Nathaniel Smith (2015, "A better default colormap for Matplotlib", SciPy
 * 2015; https://bids.github.io/colormap/). Its control points here are the
 * nine equally spaced colours the authors' map passes through, as published by
 * the R package viridis (viridis(9)): #440154 #472D7B #3B528B #2C728E #21908C
 * #27AD81 #5DC863 #AADC32 #FDE725. We interpolate between them in CIELAB,
 * which keeps lightness monotonic (the property tests check).
 *
 * Diverging: Kenneth Moreland, "Diverging Color Maps for Scientific
 * Visualization" (ISVC 2009). Endpoints are his cool-warm pair, blue
 * RGB(59, 76, 192) and red RGB(180, 4, 38); the interpolation is his
 * Msh-space method: both ends fade to an unsaturated midpoint with
 * M = max(M1, M2, 88), the hue adjusted near the middle so the path stays
 * smooth. Lightness is symmetric about the middle, so equal |values| look
 * equally strong, and blue vs red stays distinct for red-green colour
 * blindness. The tables are computed here, once, from those published points.
 *
 * Categorical: Masataka Okabe and Kei Ito, "Color Universal Design" (2008).
 */
#include "color.h"

#include <math.h>
#include <pthread.h>

#define LUT_N 256
#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static gb_rgb g_lut[2][LUT_N];
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

gb_rgb gb_rgb_hex(unsigned hex) {
    return (gb_rgb){((hex >> 16) & 255) / 255.0, ((hex >> 8) & 255) / 255.0, (hex & 255) / 255.0};
}

gb_rgb gb_rgb_mix(gb_rgb a, gb_rgb b, double t) {
    return (gb_rgb){a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t};
}

void gb_set_rgb(cairo_t *cr, gb_rgb c) { cairo_set_source_rgb(cr, c.r, c.g, c.b); }
void gb_set_rgba(cairo_t *cr, gb_rgb c, double a) { cairo_set_source_rgba(cr, c.r, c.g, c.b, a); }

/* ---- CIELAB (D65) ---- */

static const double WX = 0.95047, WY = 1.0, WZ = 1.08883;

static double to_linear(double c) { return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4); }
static double to_srgb(double c) {
    double v = c <= 0.0031308 ? 12.92 * c : 1.055 * pow(c, 1 / 2.4) - 0.055;
    return v < 0 ? 0 : v > 1 ? 1 : v;
}
static double lab_f(double t) { return t > 216.0 / 24389 ? cbrt(t) : (24389.0 / 27 * t + 16) / 116; }
static double lab_finv(double t) {
    return t * t * t > 216.0 / 24389 ? t * t * t : (116 * t - 16) / (24389.0 / 27);
}

void gb_rgb_to_lab(gb_rgb c, double lab[3]) {
    double r = to_linear(c.r), g = to_linear(c.g), b = to_linear(c.b);
    double x = 0.4124564 * r + 0.3575761 * g + 0.1804375 * b;
    double y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b;
    double z = 0.0193339 * r + 0.1191920 * g + 0.9503041 * b;
    double fx = lab_f(x / WX), fy = lab_f(y / WY), fz = lab_f(z / WZ);
    lab[0] = 116 * fy - 16;
    lab[1] = 500 * (fx - fy);
    lab[2] = 200 * (fy - fz);
}

static gb_rgb lab_to_rgb(const double lab[3]) {
    double fy = (lab[0] + 16) / 116, fx = fy + lab[1] / 500, fz = fy - lab[2] / 200;
    double x = WX * lab_finv(fx), y = WY * lab_finv(fy), z = WZ * lab_finv(fz);
    double r = 3.2404542 * x - 1.5371385 * y - 0.4985314 * z;
    double g = -0.9692660 * x + 1.8760108 * y + 0.0415560 * z;
    double b = 0.0556434 * x - 0.2040259 * y + 1.0572252 * z;
    return (gb_rgb){to_srgb(r), to_srgb(g), to_srgb(b)};
}

/* ---- viridis: piecewise-linear in CIELAB through the nine control points ---- */

static void build_viridis(gb_rgb *lut) {
    static const unsigned pts[9] = {0x440154, 0x472D7B, 0x3B528B, 0x2C728E, 0x21908C,
                                    0x27AD81, 0x5DC863, 0xAADC32, 0xFDE725};
    double lab[9][3];
    for (int i = 0; i < 9; i++) gb_rgb_to_lab(gb_rgb_hex(pts[i]), lab[i]);
    for (int k = 0; k < LUT_N; k++) {
        double u = (double)k / (LUT_N - 1) * 8;
        int i = (int)u;
        if (i > 7) i = 7;
        double f = u - i, m[3];
        for (int c = 0; c < 3; c++) m[c] = lab[i][c] + (lab[i + 1][c] - lab[i][c]) * f;
        lut[k] = lab_to_rgb(m);
    }
}

/* ---- Moreland's diverging map in Msh space ---- */

static void lab_to_msh(const double lab[3], double msh[3]) {
    msh[0] = sqrt(lab[0] * lab[0] + lab[1] * lab[1] + lab[2] * lab[2]);
    msh[1] = msh[0] > 0 ? acos(lab[0] / msh[0]) : 0;
    msh[2] = atan2(lab[2], lab[1]);
}

static void msh_to_lab(const double msh[3], double lab[3]) {
    lab[0] = msh[0] * cos(msh[1]);
    lab[1] = msh[0] * sin(msh[1]) * cos(msh[2]);
    lab[2] = msh[0] * sin(msh[1]) * sin(msh[2]);
}

/* Moreland's hue adjustment: spin the unsaturated end's hue so the path does
 * not swing through unrelated hues near white. */
static double adjust_hue(const double sat[3], double m_unsat) {
    if (sat[0] >= m_unsat) return sat[2];
    double spin = sat[1] * sqrt(m_unsat * m_unsat - sat[0] * sat[0]) / (sat[0] * sin(sat[1]));
    return sat[2] > -M_PI / 3 ? sat[2] + spin : sat[2] - spin;
}

static gb_rgb moreland(const double m1[3], const double m2[3], double t) {
    double a[3] = {m1[0], m1[1], m1[2]}, b[3] = {m2[0], m2[1], m2[2]};
    double mid = fmax(fmax(a[0], b[0]), 88.0);
    if (t < 0.5) {
        b[0] = mid, b[1] = 0, b[2] = 0;
        t = 2 * t;
    } else {
        a[0] = mid, a[1] = 0, a[2] = 0;
        t = 2 * t - 1;
    }
    if (a[1] < 0.05 && b[1] > 0.05) a[2] = adjust_hue(b, a[0]);
    else if (b[1] < 0.05 && a[1] > 0.05) b[2] = adjust_hue(a, b[0]);
    double m[3], lab[3];
    for (int c = 0; c < 3; c++) m[c] = (1 - t) * a[c] + t * b[c];
    msh_to_lab(m, lab);
    return lab_to_rgb(lab);
}

static void build_diverging(gb_rgb *lut) {
    double lab1[3], lab2[3], m1[3], m2[3];
    gb_rgb_to_lab((gb_rgb){59 / 255.0, 76 / 255.0, 192 / 255.0}, lab1);
    gb_rgb_to_lab((gb_rgb){180 / 255.0, 4 / 255.0, 38 / 255.0}, lab2);
    lab_to_msh(lab1, m1);
    lab_to_msh(lab2, m2);
    for (int k = 0; k < LUT_N; k++) lut[k] = moreland(m1, m2, (double)k / (LUT_N - 1));
}

static void build_tables(void) {
    build_viridis(g_lut[GB_SCALE_VIRIDIS]);
    build_diverging(g_lut[GB_SCALE_DIVERGING]);
}

gb_rgb gb_scale_color(gb_scale s, double t) {
    pthread_once(&g_once, build_tables);
    if (isnan(t)) return (gb_rgb){0.5, 0.5, 0.5};
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double u = t * (LUT_N - 1);
    int i = (int)u;
    if (i >= LUT_N - 1) return g_lut[s][LUT_N - 1];
    return gb_rgb_mix(g_lut[s][i], g_lut[s][i + 1], u - i);
}

const char *gb_scale_name(gb_scale s) { return s == GB_SCALE_VIRIDIS ? "viridis" : "diverging"; }

double gb_scale_t(double v, double vmin, double vmax) {
    if (!(vmax > vmin)) return 0.5;
    return (v - vmin) / (vmax - vmin);
}

gb_rgb gb_text_on(gb_rgb c) {
    double lab[3];
    gb_rgb_to_lab(c, lab);
    return lab[0] > 58 ? (gb_rgb){0, 0, 0} : (gb_rgb){1, 1, 1};
}

/* ---- categorical ---- */

static const unsigned OKABE_ITO[8] = {0x0072B2, 0xE69F00, 0x009E73, 0xCC79A7,
                                      0x56B4E9, 0xD55E00, 0xF0E442, 0x000000};

gb_rgb gb_palette(int i) { return gb_rgb_hex(OKABE_ITO[((i % 8) + 8) % 8]); }
gb_rgb gb_palette_tint(int i) {
    /* skip black (7) for tints: its tint is a grey that reads as "disabled" */
    int k = ((i % 7) + 7) % 7;
    return gb_rgb_mix(gb_rgb_hex(OKABE_ITO[k]), (gb_rgb){1, 1, 1}, 0.72);
}

/* ---- themes ---- */

static const gb_theme NORMAL = {
    .name = "normal",
    .font = 13, .font_small = 11, .font_title = 15, .font_big = 20,
    .pad = 10, .gap = 12, .radius = 6, .line = 2, .hairline = 1,
    .bg = {0.953, 0.957, 0.961}, .panel = {1, 1, 1}, .panel_edge = {0.82, 0.84, 0.86},
    .fg = {0.11, 0.13, 0.16}, .fg_dim = {0.36, 0.40, 0.45}, .grid = {0.88, 0.89, 0.90},
    .accent = {0.043, 0.388, 0.808}, .accent_fg = {1, 1, 1}, .highlight = {0.835, 0.369, 0.0},
    .masked = {0.80, 0.80, 0.80}, .widget = {0.93, 0.94, 0.95}, .widget_hot = {0.87, 0.90, 0.94},
    .widget_edge = {0.70, 0.73, 0.77}, .selection = {0.70, 0.82, 0.98},
    .tooltip_bg = {0.13, 0.15, 0.18}, .tooltip_fg = {1, 1, 1}, .overlay = {0.05, 0.06, 0.08},
};

static const gb_theme PRESENTER = {
    .name = "presenter",
    .font = 19, .font_small = 15, .font_title = 22, .font_big = 28,
    .pad = 14, .gap = 16, .radius = 8, .line = 3.5, .hairline = 1.5,
    .bg = {1, 1, 1}, .panel = {1, 1, 1}, .panel_edge = {0.25, 0.25, 0.25},
    .fg = {0, 0, 0}, .fg_dim = {0.15, 0.15, 0.15}, .grid = {0.75, 0.75, 0.75},
    .accent = {0.0, 0.29, 0.70}, .accent_fg = {1, 1, 1}, .highlight = {0.80, 0.25, 0.0},
    .masked = {0.62, 0.62, 0.62}, .widget = {0.92, 0.92, 0.92}, .widget_hot = {0.80, 0.86, 0.95},
    .widget_edge = {0.20, 0.20, 0.20}, .selection = {0.60, 0.76, 1.0},
    .tooltip_bg = {0, 0, 0}, .tooltip_fg = {1, 1, 1}, .overlay = {0, 0, 0},
};

const gb_theme *gb_theme_normal(void) { return &NORMAL; }
const gb_theme *gb_theme_presenter(void) { return &PRESENTER; }
const gb_theme *gb_theme_get(bool presenter) { return presenter ? &PRESENTER : &NORMAL; }
