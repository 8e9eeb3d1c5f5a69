/* draw.h - drawing primitives the views are built from (cairo only, no SDL).
 *
 * Every primitive draws into a rectangle of the current cairo user space, reads
 * a theme, and never keeps state. Where the user can point at something
 * (heatmap cells, bars, 3D points) a pure *_layout() function computes the same
 * geometry the draw function uses, so an event handler can hit-test without a
 * cairo surface (it measures text with gb_text_measure_cr()).
 *
 * Label rules shared by all primitives: text is measured, never guessed;
 * labels that would overlap are thinned (every k-th is shown), column labels
 * turn vertical when they do not fit side by side, and long labels are
 * ellipsized to the room they have.
 */
#ifndef GB_DRAW_H
#define GB_DRAW_H

#include <stdbool.h>
#include <stdint.h>

#include <cairo.h>

#include "color.h"
#include "text.h"

#define GB_PI 3.14159265358979323846

typedef struct gb_rect {
    double x, y, w, h;
} gb_rect;

static inline bool gb_rect_contains(gb_rect r, double x, double y) {
    return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}
gb_rect gb_rect_inset(gb_rect r, double d);
/* Split r: the top `h` (or left `w`) part and the rest, with a gap between. */
gb_rect gb_rect_cut_top(gb_rect *r, double h, double gap);
gb_rect gb_rect_cut_left(gb_rect *r, double w, double gap);
gb_rect gb_rect_cut_bottom(gb_rect *r, double h, double gap);
gb_rect gb_rect_cut_right(gb_rect *r, double w, double gap);

/* Fonts of a theme. */
gb_font gb_font_body(const gb_theme *t);
gb_font gb_font_small(const gb_theme *t);
gb_font gb_font_title(const gb_theme *t);
gb_font gb_font_big(const gb_theme *t);

void gb_rounded_rect(cairo_t *cr, gb_rect r, double radius);
/* A hatch pattern (masked cells): diagonal lines in colour c over its tint. */
void gb_fill_hatched(cairo_t *cr, gb_rect r, gb_rgb c, double spacing);

/* A panel: background, frame, a title (and optional subtitle, dimmer) at the
 * top. Returns the content rectangle. */
gb_rect gb_draw_panel(cairo_t *cr, gb_rect r, const char *title, const char *subtitle,
                      const gb_theme *t);
/* Height taken by a panel's title area. */
double gb_panel_header_h(const char *subtitle, const gb_theme *t);

/* "Nice" axis ticks covering [lo, hi]: about `target` ticks on multiples of
 * 1, 2 or 5 x 10^k. Writes at most cap values; returns the count. */
int gb_nice_ticks(double lo, double hi, int target, double *ticks, int cap);
/* Format a tick value compactly ("0.25", "1e+04"). */
void gb_format_tick(double v, double step, char *buf, int cap);

/* A vertical colour bar with ticks and a label, the legend of a scale. */
typedef struct gb_legend {
    gb_scale scale;
    double vmin, vmax;
    const char *label; /* what the colour means, e.g. "value of PE(p, i)" */
} gb_legend;
/* Width a vertical legend needs at height h. */
double gb_legend_width(const gb_legend *l, const gb_theme *t);
void gb_draw_legend(cairo_t *cr, gb_rect r, const gb_legend *l, const gb_theme *t);
/* Mark a value on the legend (hover). */
void gb_draw_legend_marker(cairo_t *cr, gb_rect r, const gb_legend *l, double v, const gb_theme *t);

/* ---- heatmap ---- */

typedef struct gb_heatmap {
    const float *values;        /* [rows, cols] row-major */
    int rows, cols;
    const uint8_t *mask;        /* [rows, cols], 1 = masked (hatched); may be NULL */
    const char *const *row_labels; /* rows strings (valid UTF-8) or NULL: indices */
    const char *const *col_labels; /* cols strings or NULL */
    const char *row_axis;       /* axis names, e.g. "position" */
    const char *col_axis;
    gb_legend legend;           /* scale, range and meaning of the colour */
    bool show_legend;
    int hover_row, hover_col;   /* -1: none */
    bool show_values;           /* print values in cells when they fit */
    bool square;                /* keep cells square */
} gb_heatmap;

typedef struct gb_heatmap_geom {
    gb_rect cells;      /* the grid of cells */
    double cw, ch;      /* cell size */
    int row_step;       /* show every row_step-th row label */
    int col_step;
    bool col_vertical;  /* column labels rotated */
    double row_label_w; /* width of the row label column */
    double col_label_h; /* height of the column label band */
    gb_rect legend;     /* legend rectangle (w = 0 if none) */
} gb_heatmap_geom;

void gb_heatmap_layout(const gb_heatmap *hm, gb_rect r, const gb_theme *t, gb_heatmap_geom *g);
void gb_draw_heatmap(cairo_t *cr, gb_rect r, const gb_heatmap *hm, const gb_theme *t);
/* Cell under (x, y): returns true and sets row/col. */
bool gb_heatmap_hit(const gb_heatmap_geom *g, const gb_heatmap *hm, double x, double y, int *row,
                    int *col);

/* ---- bar chart (horizontal bars, one labelled row per item) ---- */

typedef struct gb_bars {
    const float *values;          /* [n] */
    const float *ghost;           /* [n] optional second series drawn behind (e.g. before temperature) */
    int n;
    const char *const *labels;    /* [n] valid UTF-8 */
    const gb_rgb *colors;         /* [n] or NULL: accent */
    double vmax;                  /* axis end (<= 0: max of values) */
    const char *value_axis;       /* e.g. "probability" */
    int highlight;                /* index drawn emphasised, -1 none */
    int hover;                    /* -1 none */
    int decimals;                 /* digits of the value printed after each bar (0: 3) */
    const bool *marked;           /* [n] or NULL: labels on the highlighter's ground (--highlight) */
} gb_bars;

typedef struct gb_bars_geom {
    gb_rect plot;     /* where bars go */
    double label_w;   /* label column width */
    double row_h;     /* one bar's row height */
    int shown;        /* bars that fit */
} gb_bars_geom;

void gb_bars_layout(const gb_bars *b, gb_rect r, const gb_theme *t, gb_bars_geom *g);
void gb_draw_bars(cairo_t *cr, gb_rect r, const gb_bars *b, const gb_theme *t);
int gb_bars_hit(const gb_bars_geom *g, const gb_bars *b, double x, double y);

/* ---- line plot ---- */

typedef struct gb_series {
    const float *y;     /* [n] */
    const float *x;     /* [n] or NULL: 0, 1, 2, ... */
    int n;
    const char *label;  /* legend entry */
    gb_rgb color;
    bool dashed;
    bool markers;       /* dots at the samples */
    bool no_line;       /* markers only */
} gb_series;

typedef struct gb_lineplot {
    const gb_series *series;
    int n_series;
    const char *x_axis, *y_axis;
    double xmin, xmax, ymin, ymax; /* xmin >= xmax: from the data (same for y) */
    double cursor_x;               /* vertical marker, NAN for none */
    bool legend;                   /* draw a legend of the series */
} gb_lineplot;

void gb_draw_lineplot(cairo_t *cr, gb_rect r, const gb_lineplot *p, const gb_theme *t);

/* ---- token chips ---- */

typedef struct gb_chip {
    const char *text;   /* raw token bytes (any bytes; sanitized when drawn) */
    size_t len;
    int id;             /* token id, drawn under the text; < 0: none */
    int color;          /* palette index */
    bool selected;
} gb_chip;

/* Lay chips out left to right, wrapping inside r. rects[i] receives chip i's
 * box (may be NULL); returns the height used. */
double gb_chips_layout(const gb_chip *chips, int n, gb_rect r, const gb_theme *t, gb_rect *rects);
double gb_draw_chips(cairo_t *cr, gb_rect r, const gb_chip *chips, int n, const gb_theme *t);
/* The same with marked[i] (may be NULL) chips in a yellow halo (--highlight words). */
double gb_draw_chips_hl(cairo_t *cr, gb_rect r, const gb_chip *chips, int n, const bool *marked, const gb_theme *t);

/* ---- 3D scatter ---- */

typedef struct gb_camera {
    double yaw, pitch;   /* radians */
    double zoom;         /* 1 = the data's bounding sphere fills the view */
    double distance;     /* eye distance in units of the data radius (perspective), e.g. 3 */
} gb_camera;

typedef struct gb_scatter3d {
    const float *pts;       /* [n, 3] */
    int n;
    const gb_rgb *colors;   /* [n] or NULL */
    const char *const *labels; /* [n] or NULL; drawn for labelled[] points */
    const uint8_t *labelled;   /* [n] 1 = draw label, or NULL */
    const char *axis_names[3];
    gb_camera cam;
    int pick_a, pick_b;     /* picked points (-1 none): the angle between them is drawn as an arc */
    int hover;
    const char *title;
} gb_scatter3d;

/* Rotation from yaw/pitch: R = Rx(pitch) Ry(yaw), row-major 3x3. */
void gb_camera_matrix(const gb_camera *c, double m[9]);
/* Project point p (data units, centre c, radius rad) into r: screen x, y and depth. */
void gb_project(const gb_camera *cam, const double m[9], const double centre[3], double radius,
                gb_rect r, const double p[3], double *sx, double *sy, double *depth);
void gb_draw_scatter3d(cairo_t *cr, gb_rect r, const gb_scatter3d *s, const gb_theme *t);
/* Nearest point to (x, y) within max_d pixels, or -1. */
int gb_scatter3d_hit(const gb_scatter3d *s, gb_rect r, double x, double y, double max_d);

#endif
