/* draw_scatter.c - a rotatable 3D scatter plot: rotation matrix, perspective,
 * depth sorting (far points first), labels that skip when they would overlap,
 * and the angle between two picked points drawn as an arc at the origin. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "glassbox/analysis.h"

void gb_camera_matrix(const gb_camera *c, double m[9]) {
    double cy = cos(c->yaw), sy = sin(c->yaw), cp = cos(c->pitch), sp = sin(c->pitch);
    /* Rx(pitch) * Ry(yaw) */
    m[0] = cy, m[1] = 0, m[2] = sy;
    m[3] = sp * sy, m[4] = cp, m[5] = -sp * cy;
    m[6] = -cp * sy, m[7] = sp, m[8] = cp * cy;
}

void gb_project(const gb_camera *cam, const double m[9], const double centre[3], double radius,
                gb_rect r, const double p[3], double *sx, double *sy, double *depth) {
    double q[3] = {(p[0] - centre[0]) / radius, (p[1] - centre[1]) / radius, (p[2] - centre[2]) / radius};
    double v[3];
    for (int i = 0; i < 3; i++) v[i] = m[3 * i] * q[0] + m[3 * i + 1] * q[1] + m[3 * i + 2] * q[2];
    double D = cam->distance > 1.2 ? cam->distance : 3.0;
    double s = D / (D - v[2]); /* nearer the eye (larger z) is bigger */
    double half = 0.36 * fmin(r.w, r.h) * (cam->zoom > 0 ? cam->zoom : 1);
    *sx = r.x + r.w / 2 + v[0] * s * half;
    *sy = r.y + r.h / 2 - v[1] * s * half;
    *depth = v[2];
}

/* Centre and radius of the data: the origin is kept as the centre because the
 * angle between two vectors is measured there. */
static void bounds(const gb_scatter3d *s, double c[3], double *radius) {
    c[0] = c[1] = c[2] = 0;
    double r2 = 0;
    for (int i = 0; i < s->n; i++) {
        const float *p = s->pts + 3 * (size_t)i;
        double d = (double)p[0] * p[0] + (double)p[1] * p[1] + (double)p[2] * p[2];
        if (isfinite(d) && d > r2) r2 = d;
    }
    *radius = r2 > 0 ? sqrt(r2) : 1;
}

typedef struct proj {
    double x, y, z;
    int i;
} proj;

static int by_depth(const void *a, const void *b) {
    double za = ((const proj *)a)->z, zb = ((const proj *)b)->z;
    return za < zb ? -1 : za > zb ? 1 : ((const proj *)a)->i - ((const proj *)b)->i;
}

static proj *project_all(const gb_scatter3d *s, gb_rect r, double c[3], double *radius) {
    proj *pr = malloc((size_t)(s->n > 0 ? s->n : 1) * sizeof *pr);
    if (!pr) return NULL;
    double m[9];
    gb_camera_matrix(&s->cam, m);
    bounds(s, c, radius);
    for (int i = 0; i < s->n; i++) {
        const float *p = s->pts + 3 * (size_t)i;
        double d[3] = {p[0], p[1], p[2]};
        gb_project(&s->cam, m, c, *radius, r, d, &pr[i].x, &pr[i].y, &pr[i].z);
        pr[i].i = i;
    }
    return pr;
}

int gb_scatter3d_hit(const gb_scatter3d *s, gb_rect r, double x, double y, double max_d) {
    double c[3], rad;
    proj *pr = project_all(s, r, c, &rad);
    if (!pr) return -1;
    int best = -1;
    double bd = max_d * max_d;
    for (int i = 0; i < s->n; i++) {
        double d = (pr[i].x - x) * (pr[i].x - x) + (pr[i].y - y) * (pr[i].y - y);
        /* the closest on screen; on a tie the one nearer the eye (drawn on top) */
        if (d < bd || (d == bd && best >= 0 && pr[i].z > pr[best].z)) best = i, bd = d;
    }
    free(pr);
    return best;
}

static void draw_axes3d(cairo_t *cr, const gb_scatter3d *s, gb_rect r, const double c[3], double rad,
                        const gb_theme *t) {
    double m[9], ox, oy, oz;
    gb_camera_matrix(&s->cam, m);
    double o[3] = {0, 0, 0};
    gb_project(&s->cam, m, c, rad, r, o, &ox, &oy, &oz);
    gb_font fs = gb_font_small(t);
    for (int a = 0; a < 3; a++) {
        double e[3] = {0, 0, 0}, ex, ey, ez;
        e[a] = rad;
        gb_project(&s->cam, m, c, rad, r, e, &ex, &ey, &ez);
        gb_set_rgb(cr, t->fg_dim);
        cairo_set_line_width(cr, t->hairline);
        cairo_set_dash(cr, (double[]){4, 3}, 2, 0);
        cairo_move_to(cr, ox, oy);
        cairo_line_to(cr, ex, ey);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        const char *name = s->axis_names[a] ? s->axis_names[a] : (const char *[]){"x", "y", "z"}[a];
        gb_text_draw(cr, &fs, name, ex, ey, GB_CENTER, GB_BOTTOM, 0);
    }
}

static bool overlaps(const gb_rect *placed, int n, gb_rect b) {
    for (int i = 0; i < n; i++) {
        gb_rect a = placed[i];
        if (b.x < a.x + a.w && a.x < b.x + b.w && b.y < a.y + a.h && a.y < b.y + b.h) return true;
    }
    return false;
}

/* x * y / 255, rounded, without a division */
static inline uint32_t mul255(uint32_t x, uint32_t y) {
    uint32_t t = x * y + 128;
    return (t + (t >> 8)) >> 8;
}

static bool is_special(const gb_scatter3d *s, int i) {
    return i == s->pick_a || i == s->pick_b || i == s->hover || (s->labelled && s->labelled[i]);
}

/* Many points: cairo's path machinery per point is far too slow (50,000
 * fills), so plot small squares straight into a pixel buffer at the device
 * resolution, far points first, blended at 75% opacity, and paint it once. */
static void draw_points_raster(cairo_t *cr, gb_rect r, const gb_scatter3d *s, const proj *pr,
                               const gb_theme *t) {
    double sx = 1, sy = 0;
    cairo_user_to_device_distance(cr, &sx, &sy);
    double scale = hypot(sx, sy);
    if (!(scale > 0)) scale = 1;
    int pw = (int)ceil(r.w * scale), ph = (int)ceil(r.h * scale);
    if (pw < 1 || ph < 1 || pw > 16384 || ph > 16384) return;
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, pw, ph);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(img);
        return;
    }
    unsigned char *data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    const double a = 0.75;
    for (int k = 0; k < s->n; k++) {
        int i = pr[k].i;
        if (is_special(s, i)) continue;
        gb_rgb c = s->colors ? s->colors[i] : t->accent;
        uint32_t sr = (uint32_t)lround(c.r * a * 255), sg = (uint32_t)lround(c.g * a * 255),
                 sb = (uint32_t)lround(c.b * a * 255), sa = (uint32_t)lround(a * 255);
        double rad = 1.6 * (1 + 0.35 * pr[k].z) * scale;
        int x0 = (int)floor((pr[k].x - r.x) * scale - rad), x1 = (int)ceil((pr[k].x - r.x) * scale + rad);
        int y0 = (int)floor((pr[k].y - r.y) * scale - rad), y1 = (int)ceil((pr[k].y - r.y) * scale + rad);
        if (x0 < 0) x0 = 0;
        if (y0 < 0) y0 = 0;
        if (x1 > pw) x1 = pw;
        if (y1 > ph) y1 = ph;
        for (int y = y0; y < y1; y++) {
            uint32_t *row = (uint32_t *)(void *)(data + (size_t)y * stride);
            for (int x = x0; x < x1; x++) { /* premultiplied "over" */
                uint32_t d = row[x], keep = 255 - sa;
                uint32_t oa = sa + mul255((d >> 24) & 255, keep);
                uint32_t orr = sr + mul255((d >> 16) & 255, keep);
                uint32_t og = sg + mul255((d >> 8) & 255, keep);
                uint32_t ob = sb + mul255(d & 255, keep);
                row[x] = oa << 24 | orr << 16 | og << 8 | ob;
            }
        }
    }
    cairo_surface_mark_dirty(img);
    cairo_save(cr);
    cairo_translate(cr, r.x, r.y);
    cairo_scale(cr, 1 / scale, 1 / scale);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_paint(cr);
    cairo_restore(cr);
    cairo_surface_destroy(img);
}

/* Far to near. Few points: an exact sort. Many: a counting sort into depth
 * buckets (linear time; order inside a bucket of 1/2048 of the depth range
 * cannot be seen). */
static void sort_by_depth(proj *pr, int n) {
    enum { NB = 2048 };
    if (n <= 2000) {
        qsort(pr, (size_t)n, sizeof *pr, by_depth);
        return;
    }
    int *count = calloc(NB + 1, sizeof *count);
    proj *out = malloc((size_t)n * sizeof *out);
    if (!count || !out) {
        free(count), free(out);
        qsort(pr, (size_t)n, sizeof *pr, by_depth);
        return;
    }
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < n; i++) lo = fmin(lo, pr[i].z), hi = fmax(hi, pr[i].z);
    double k = hi > lo ? (NB - 1) / (hi - lo) : 0;
    for (int i = 0; i < n; i++) count[1 + (int)((pr[i].z - lo) * k)]++;
    for (int b = 0; b < NB; b++) count[b + 1] += count[b];
    for (int i = 0; i < n; i++) out[count[(int)((pr[i].z - lo) * k)]++] = pr[i];
    memcpy(pr, out, (size_t)n * sizeof *pr);
    free(count), free(out);
}

static void draw_points(cairo_t *cr, gb_rect r, const gb_scatter3d *s, proj *pr, const gb_theme *t) {
    sort_by_depth(pr, s->n);
    bool many = s->n > 2000;
    if (many) draw_points_raster(cr, r, s, pr, t);
    for (int k = 0; k < s->n; k++) {
        int i = pr[k].i;
        bool special = is_special(s, i);
        if (many && !special) continue;
        gb_rgb col = s->colors ? s->colors[i] : t->accent;
        double rad = 4.0 * (1 + 0.35 * pr[k].z);
        if (special) rad = fmax(rad, 5.0);
        cairo_arc(cr, pr[k].x, pr[k].y, rad, 0, 2 * GB_PI);
        gb_set_rgb(cr, col);
        cairo_fill_preserve(cr);
        gb_set_rgb(cr, i == s->pick_a || i == s->pick_b ? t->fg : t->panel);
        cairo_set_line_width(cr, i == s->pick_a || i == s->pick_b ? 2.5 : 1);
        cairo_stroke(cr);
    }
}

static void draw_labels3d(cairo_t *cr, const gb_scatter3d *s, const proj *pr, gb_rect r,
                          const gb_theme *t) {
    if (!s->labels) return;
    gb_font fb = gb_font_body(t);
    int cap = 0;
    for (int i = 0; i < s->n; i++) cap += (s->labelled && s->labelled[i]) || i == s->pick_a || i == s->pick_b || i == s->hover;
    gb_rect *placed = malloc((size_t)(cap + 1) * sizeof *placed);
    if (!placed) return;
    int np = 0;
    /* nearest first, and picked points before all others, so they keep their labels */
    for (int pass = 0; pass < 2; pass++)
        for (int k = s->n - 1; k >= 0; k--) {
            int i = pr[k].i;
            bool picked = i == s->pick_a || i == s->pick_b || i == s->hover;
            bool want = pass == 0 ? picked : (!picked && s->labelled && s->labelled[i]);
            if (!want || !s->labels[i]) continue;
            double w, h;
            gb_text_size(cr, &fb, s->labels[i], &w, &h);
            gb_rect b = {pr[k].x + 7, pr[k].y - h - 2, w + 6, h + 2};
            if (!picked && (overlaps(placed, np, b) || !gb_rect_contains(r, b.x + b.w, b.y))) continue;
            placed[np++] = b;
            gb_rounded_rect(cr, b, 3);
            gb_set_rgba(cr, t->panel, 0.85);
            cairo_fill(cr);
            gb_set_rgb(cr, picked ? t->highlight : t->fg);
            fb.bold = picked;
            gb_text_draw(cr, &fb, s->labels[i], b.x + 3, b.y + 1, GB_LEFT, GB_TOP, 0);
            fb.bold = false;
        }
    free(placed);
}

/* Lines from the origin to both picked points and an arc between them, with
 * the angle written at its middle. */
static void draw_angle(cairo_t *cr, const gb_scatter3d *s, gb_rect r, const double c[3], double rad,
                       const gb_theme *t) {
    if (s->pick_a < 0 || s->pick_b < 0 || s->pick_a >= s->n || s->pick_b >= s->n) return;
    const float *a = s->pts + 3 * (size_t)s->pick_a, *b = s->pts + 3 * (size_t)s->pick_b;
    double m[9], ox, oy, oz, x, y, z;
    gb_camera_matrix(&s->cam, m);
    double o[3] = {0, 0, 0};
    gb_project(&s->cam, m, c, rad, r, o, &ox, &oy, &oz);
    gb_set_rgb(cr, t->highlight);
    cairo_set_line_width(cr, t->line);
    for (int k = 0; k < 2; k++) {
        const float *p = k ? b : a;
        double d[3] = {p[0], p[1], p[2]};
        gb_project(&s->cam, m, c, rad, r, d, &x, &y, &z);
        cairo_move_to(cr, ox, oy);
        cairo_line_to(cr, x, y);
        cairo_stroke(cr);
    }
    double na = sqrt((double)a[0] * a[0] + (double)a[1] * a[1] + (double)a[2] * a[2]);
    double nb = sqrt((double)b[0] * b[0] + (double)b[1] * b[1] + (double)b[2] * b[2]);
    double theta = gb_angle_deg(a, b, 3) * GB_PI / 180;
    if (!(na > 0 && nb > 0) || !isfinite(theta) || theta < 1e-6) return;
    double ra = 0.35 * fmin(na, nb), mx = 0, my = 0;
    /* slerp between the unit directions */
    for (int k = 0; k <= 32; k++) {
        double f = k / 32.0, wa = sin((1 - f) * theta) / sin(theta), wb = sin(f * theta) / sin(theta);
        double d[3];
        for (int i = 0; i < 3; i++) d[i] = ra * (wa * a[i] / na + wb * b[i] / nb);
        gb_project(&s->cam, m, c, rad, r, d, &x, &y, &z);
        if (k == 0) cairo_move_to(cr, x, y);
        else cairo_line_to(cr, x, y);
        if (k == 16) mx = x, my = y;
    }
    cairo_stroke(cr);
    char buf[32];
    snprintf(buf, sizeof buf, "%.1f\xC2\xB0", theta * 180 / GB_PI);
    gb_font fb = gb_font_body(t);
    fb.bold = true;
    gb_text_draw(cr, &fb, buf, mx + (mx - ox) * 0.3 + 4, my + (my - oy) * 0.3, GB_LEFT, GB_MIDDLE, 0);
}

void gb_draw_scatter3d(cairo_t *cr, gb_rect r, const gb_scatter3d *s, const gb_theme *t) {
    if (r.w < 20 || r.h < 20) return;
    double c[3], rad;
    proj *pr = project_all(s, r, c, &rad);
    if (!pr) return;
    cairo_save(cr);
    cairo_rectangle(cr, r.x, r.y, r.w, r.h);
    cairo_clip(cr);
    draw_axes3d(cr, s, r, c, rad, t);
    draw_points(cr, r, s, pr, t); /* sorts pr far to near */
    draw_angle(cr, s, r, c, rad, t);
    draw_labels3d(cr, s, pr, r, t);
    cairo_restore(cr);
    free(pr);
}
