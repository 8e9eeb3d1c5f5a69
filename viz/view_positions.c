/* view_positions.c - the "positions" view: the sinusoidal positional encoding
 * of "Attention Is All You Need" (section 3.5),
 *     PE(p, 2i) = sin(p / 10000^(2i/d)),  PE(p, 2i+1) = cos(p / 10000^(2i/d)),
 * as a heatmap (positions x dimensions), a few dimensions as curves over the
 * positions, and the position-to-position similarity (dot product or cosine)
 * that shows why attention can tell near from far. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glassbox/forward.h"
#include "glassbox/model.h"
#include "view.h"

#define MAX_DIM 1024
#define MAX_LEN 1024

typedef struct pos_view {
    /* requested */
    int dim, length, pair;
    bool cosine;
    /* computed (by a job) */
    float *pe;          /* [n_pos, d] */
    float *sim;         /* [n_pos, n_pos] */
    int n_pos, d;
    float sim_min, sim_max;
    bool sim_cosine;
    bool from_model;    /* the data is the model's own encoding */
    bool no_table;      /* the model has no position vectors to show */
    bool rope;          /* the rows are RoPE rotations: cos and sin of each pair's angle */
    double base;        /* 10000 for the paper's formula, rope_theta for RoPE */
    const gb_model *c_model; /* model the data was computed for */
    bool computed, job_out;
    /* widgets */
    gb_ui ui;
    gb_widget dim_s, len_s, pair_s, cos_t;
    /* layout and pointer */
    double w, h;
    int hover_p, hover_i, hover_a, hover_b;
} pos_view;

typedef struct pos_geom {
    gb_rect controls, pe, curves, sim;
} pos_geom;

/* ---- the computation (worker thread) ---- */

typedef struct pos_job {
    gb_job base;
    int d, n_pos;
    bool cosine;
    const gb_model *model; /* NULL: the paper's formula computed here */
    bool no_table;         /* the model has no positional information */
    bool rope;             /* RoPE: rows are (cos, sin) of p * theta^(-2i/dh) per pair */
    double theta;
    float *pe, *sim;
    float sim_min, sim_max;
} pos_job;

static void pos_job_run(gb_job *base) {
    pos_job *j = (pos_job *)base;
    size_t n = (size_t)j->n_pos;
    j->pe = malloc(n * (size_t)j->d * sizeof(float));
    j->sim = malloc(n * n * sizeof(float));
    if (!j->pe || !j->sim) return;
    for (int p = 0; p < j->n_pos; p++) {
        float *row = j->pe + (size_t)p * j->d;
        if (j->rope) {
            for (int i = 0; i + 1 < j->d; i += 2) {
                double angle = p * pow(j->theta, -(double)i / j->d);
                row[i] = (float)cos(angle), row[i + 1] = (float)sin(angle);
            }
            continue;
        }
        if (!j->model) gb_sinusoidal(p, j->d, row); /* the paper's formula, as the core computes it */
        else if (!gb_position_encoding(j->model, p, row)) {
            j->no_table = true;
            return;
        }
    }
    j->sim_min = INFINITY, j->sim_max = -INFINITY;
    for (size_t a = 0; a < n; a++)
        for (size_t b = 0; b < n; b++) {
            const float *x = j->pe + a * j->d, *y = j->pe + b * j->d;
            double dot = 0, nx = 0, ny = 0;
            for (int i = 0; i < j->d; i++) dot += (double)x[i] * y[i], nx += (double)x[i] * x[i], ny += (double)y[i] * y[i];
            float v = (float)(j->cosine ? (nx > 0 && ny > 0 ? dot / sqrt(nx * ny) : 0) : dot);
            j->sim[a * n + b] = v;
            j->sim_min = fminf(j->sim_min, v), j->sim_max = fmaxf(j->sim_max, v);
        }
}

static void pos_job_finish(gb_job *base, void *self) {
    pos_job *j = (pos_job *)base;
    pos_view *v = self;
    v->job_out = false;
    v->c_model = j->model;
    v->no_table = j->no_table;
    if (j->no_table) {
        v->computed = true;
        return;
    }
    if (!j->pe || !j->sim) return; /* out of memory: keep the old picture */
    free(v->pe);
    free(v->sim);
    v->pe = j->pe, v->sim = j->sim;
    j->pe = j->sim = NULL;
    v->d = j->d, v->n_pos = j->n_pos, v->sim_cosine = j->cosine;
    v->rope = j->rope;
    v->base = j->rope ? j->theta : 10000.0;
    v->from_model = j->model != NULL && !j->rope; /* learned values: no formula behind them */
    v->sim_min = j->sim_min, v->sim_max = j->sim_max;
    v->computed = true;
}

static void pos_job_free(gb_job *base) {
    pos_job *j = (pos_job *)base;
    free(j->pe);
    free(j->sim);
    free(j);
}

static gb_job *pos_update(void *self, const gb_shared *sh) {
    pos_view *v = self;
    if (v->job_out) return NULL;
    const gb_model *m = sh->model;
    bool rope = m && m->cfg.pos == GB_POS_ROPE;
    int d = rope ? m->cfg.d_head : m ? m->cfg.d_model : v->dim;
    int n = m && v->length > m->cfg.max_seq ? m->cfg.max_seq : v->length;
    if (v->computed && v->c_model == m &&
        (v->no_table || (v->d == d && v->n_pos == n && v->sim_cosine == v->cosine)))
        return NULL;
    pos_job *j = calloc(1, sizeof *j);
    if (!j) return NULL;
    j->base = (gb_job){pos_job_run, pos_job_finish, pos_job_free, "computing positional encodings"};
    j->d = d, j->n_pos = n, j->cosine = v->cosine, j->model = m;
    j->rope = rope, j->theta = rope ? m->cfg.rope_theta : 10000.0;
    v->job_out = true;
    return &j->base;
}

/* ---- state ---- */

static void sync_widgets(pos_view *v) {
    gb_slider_set(&v->dim_s, v->dim);
    gb_slider_set(&v->len_s, v->length);
    v->pair_s.max = v->dim / 2 - 1;
    gb_slider_set(&v->pair_s, v->pair);
    v->cos_t.on = v->cosine;
}

static void *pos_create(const gb_view_args *a, gb_error *err) {
    pos_view *v = calloc(1, sizeof *v);
    if (!v) {
        gb_fail(err, GB_ERR_INTERNAL, "positions: out of memory");
        return NULL;
    }
    v->dim = a->dim > 0 ? a->dim : 64;
    v->length = a->length > 0 ? a->length : 48;
    v->pair = a->pair >= 0 && a->pair < v->dim / 2 ? a->pair : 0;
    v->hover_p = v->hover_i = v->hover_a = v->hover_b = -1;
    gb_ui_init(&v->ui, gb_theme_normal());
    gb_widget_slider(&v->dim_s, "d", v->dim, 2, MAX_DIM, 2, 0);
    gb_widget_set_tooltip(&v->dim_s, "Model width d: the number of dimensions of each encoding");
    gb_widget_slider(&v->len_s, "positions", v->length, 2, MAX_LEN, 1, 0);
    gb_widget_set_tooltip(&v->len_s, "How many positions (p = 0 ... n-1) to show");
    gb_widget_slider(&v->pair_s, "curves from i =", 2 * v->pair, 0, v->dim - 2, 2, 0);
    gb_widget_set_tooltip(&v->pair_s, "Which dimensions to draw as curves ([ and ] step)");
    gb_widget_toggle(&v->cos_t, "cosine similarity", false);
    gb_widget_set_tooltip(&v->cos_t, "Compare positions by cosine instead of the raw dot product (c)");
    gb_ui_add(&v->ui, &v->dim_s);
    gb_ui_add(&v->ui, &v->len_s);
    gb_ui_add(&v->ui, &v->pair_s);
    gb_ui_add(&v->ui, &v->cos_t);
    return v;
}

static void pos_destroy(void *self) {
    pos_view *v = self;
    if (!v) return;
    free(v->pe);
    free(v->sim);
    gb_widget_free(&v->dim_s);
    gb_widget_free(&v->len_s);
    gb_widget_free(&v->pair_s);
    gb_widget_free(&v->cos_t);
    free(v);
}

/* ---- layout ---- */

static void geometry(double w, double h, const gb_shared *sh, pos_geom *g) {
    const gb_theme *t = sh->theme;
    gb_rect r = {t->gap, t->gap + gb_view_header_h(t), w - 2 * t->gap, h - 2 * t->gap - gb_view_header_h(t)};
    if (r.w < 0) r.w = 0;
    if (r.h < 0) r.h = 0;
    g->controls = sh->interactive ? gb_rect_cut_top(&r, gb_widget_height(t), t->gap) : (gb_rect){0, 0, 0, 0};
    if (r.w >= r.h * 1.15 && r.h < 34 * t->font) { /* wide and short: three side by side */
        g->pe = gb_rect_cut_left(&r, r.w * 0.38, t->gap);
        g->curves = gb_rect_cut_left(&r, r.w * 0.5, t->gap);
        g->sim = r;
    } else if (r.w >= r.h * 1.15) { /* landscape: the matrix left, curves and similarity right */
        g->pe = gb_rect_cut_left(&r, r.w * 0.5, t->gap);
        g->curves = gb_rect_cut_top(&r, r.h * 0.42, t->gap);
        g->sim = r;
    } else {
        g->pe = gb_rect_cut_top(&r, r.h * 0.48, t->gap);
        g->curves = gb_rect_cut_left(&r, r.w * 0.5, t->gap);
        g->sim = r;
    }
}

static void pos_layout(void *self, double w, double h, const gb_shared *sh) {
    pos_view *v = self;
    v->w = w, v->h = h;
    v->ui.theme = sh->theme;
    pos_geom g;
    geometry(w, h, sh, &g);
    gb_rect c = g.controls;
    double cw = (c.w - 3 * sh->theme->gap) / 4;
    gb_widget *ws[4] = {&v->dim_s, &v->len_s, &v->pair_s, &v->cos_t};
    for (int i = 0; i < 4; i++) {
        ws[i]->r = gb_rect_cut_left(&c, fmax(0, cw), sh->theme->gap);
        ws[i]->hidden = !sh->interactive;
    }
    v->dim_s.disabled = sh->model != NULL;
}

/* ---- drawing ---- */

static gb_heatmap pe_heatmap(const pos_view *v) {
    double a = 1; /* sinusoidal values are in [-1, 1]; learned ones get a symmetric range */
    if (v->from_model) {
        a = 0;
        for (size_t k = 0; k < (size_t)v->n_pos * v->d; k++) a = fmax(a, fabs(v->pe[k]));
        if (a == 0) a = 1;
    }
    return (gb_heatmap){
        .values = v->pe, .rows = v->n_pos, .cols = v->d,
        .row_axis = "position p", .col_axis = "dimension i",
        .legend = {GB_SCALE_DIVERGING, -a, a, "PE(p, i)"}, .show_legend = true,
        .hover_row = v->hover_p, .hover_col = v->hover_i,
    };
}

static gb_heatmap sim_heatmap(const pos_view *v) {
    double lo = v->sim_min, hi = v->sim_max;
    if (!(hi > lo)) lo -= 1, hi += 1;
    return (gb_heatmap){
        .values = v->sim, .rows = v->n_pos, .cols = v->n_pos,
        .row_axis = "position p", .col_axis = "position q",
        .legend = {GB_SCALE_VIRIDIS, lo, hi, v->sim_cosine ? "cosine(PE(p), PE(q))" : "PE(p) \xC2\xB7 PE(q)"},
        .show_legend = true, .square = true,
        .hover_row = v->hover_a, .hover_col = v->hover_b,
    };
}

/* Four dimensions as curves: a pair (sin, cos) chosen by the user and a
 * slower pair d/8 dimensions further on. The model only ever sees the values
 * at whole positions (the dots); the sinusoidal case also gets the smooth
 * wave they are sampled from. */
static void draw_curves(cairo_t *cr, gb_rect r, const pos_view *v, const gb_theme *t) {
    int i0 = 2 * (v->pair < v->d / 2 ? v->pair : 0);
    int i1 = i0 + 2 * (v->d >= 16 ? v->d / 8 : 1);
    if (i1 + 1 >= v->d) i1 = i0;
    int dims[4] = {i0, i0 + 1, i1, i1 + 1}, nd = i1 == i0 ? 2 : 4;
    /* enough samples for a smooth wave (about one per 3 pixels), never fewer than the positions */
    int per = (int)fmax(1, fmin(8, (r.w / 3) / fmax(1, v->n_pos - 1)));
    int fine = v->from_model ? 0 : (v->n_pos - 1) * per + 1;
    float *buf = malloc((size_t)(4 * v->n_pos + 4 * fine + fine + 1) * sizeof(float));
    if (!buf) return;
    float *samples = buf, *smooth = buf + 4 * v->n_pos, *xs = smooth + 4 * fine;
    for (int k = 0; k < fine; k++) xs[k] = (float)k / per;
    gb_series s[8];
    int ns = 0;
    char labels[4][48];
    for (int k = 0; k < nd; k++) {
        float *y = samples + k * v->n_pos;
        for (int p = 0; p < v->n_pos; p++) y[p] = v->pe[(size_t)p * v->d + dims[k]];
        if (v->from_model) snprintf(labels[k], sizeof labels[k], "i = %d", dims[k]);
        else snprintf(labels[k], sizeof labels[k], "i = %d (%s)", dims[k], (dims[k] % 2 == 1) != v->rope ? "cos" : "sin");
        gb_series base = {.label = labels[k], .color = gb_palette(k < 2 ? 0 : 5), .dashed = dims[k] % 2 == 1};
        if (fine) {
            double freq = pow(v->base, -(double)(dims[k] & ~1) / v->d);
            float *ys = smooth + k * fine;
            bool use_cos = (dims[k] % 2 == 1) != v->rope; /* the paper: sin, cos; RoPE rows: cos, sin */
            for (int j = 0; j < fine; j++) ys[j] = (float)(use_cos ? cos(xs[j] * freq) : sin(xs[j] * freq));
            s[ns] = base, s[ns].y = ys, s[ns].x = xs, s[ns].n = fine, ns++;
            base.label = NULL, base.no_line = true;
        }
        s[ns] = base, s[ns].y = y, s[ns].n = v->n_pos, s[ns].markers = v->n_pos <= 96, ns++;
    }
    char sub[200];
    snprintf(sub, sizeof sub, "dots: the values at whole positions; wavelength %.1f positions for i = %d, %.1f for i = %d",
             2 * GB_PI * pow(v->base, (double)i0 / v->d), i0, 2 * GB_PI * pow(v->base, (double)i1 / v->d), i1);
    gb_rect in = v->from_model
                     ? gb_draw_panel(cr, r, "Four dimensions over the positions", "the learned values at each position", t)
                     : gb_draw_panel(cr, r, "Dimensions as waves over the positions", sub, t);
    gb_lineplot lp = {.series = s, .n_series = ns, .x_axis = "position p", .y_axis = "PE(p, i)",
                      .ymin = v->from_model ? 0 : -1.1, .ymax = v->from_model ? 0 : 1.1, .xmin = 0,
                      .xmax = v->n_pos - 1, .cursor_x = v->hover_p >= 0 ? v->hover_p : NAN, .legend = true};
    gb_draw_lineplot(cr, in, &lp, t);
    free(buf);
}

static void pos_draw(cairo_t *cr, double w, double h, const void *self, const gb_shared *sh) {
    const pos_view *v = self;
    const gb_theme *t = sh->theme;
    gb_set_rgb(cr, t->bg);
    cairo_paint(cr);
    char sub[320];
    const gb_model *m = sh->model;
    if (v->rope && m)
        snprintf(sub, sizeof sub, "%s: RoPE. Each pair (2i, 2i+1) of a head's query and key turns by the angle "
                 "p\xC2\xB7\xCE\xB8^(\xE2\x88\x92" "2i/d\xE2\x82\x95), \xCE\xB8 = %g, d\xE2\x82\x95 = %d; shown: cos and sin of it",
                 sh->model_name ? sh->model_name : "model", v->base, v->d);
    else if (v->from_model && m)
        snprintf(sub, sizeof sub, "%s: %s positions, d = %d, positions 0\xE2\x80\x93%d (the model's own encoding)",
                 sh->model_name ? sh->model_name : "model", gb_pos_name(m->cfg.pos), v->d, v->n_pos - 1);
    else
        snprintf(sub, sizeof sub, "Sinusoidal, d = %d, positions 0\xE2\x80\x93%d:  PE(p, 2i) = sin(p / 10000^(2i/d)),  "
                 "PE(p, 2i+1) = cos(p / 10000^(2i/d))", v->d, v->n_pos - 1);
    gb_view_header(cr, w, h, "Positional encoding", v->computed && !v->no_table ? sub : "", t);
    pos_geom g;
    geometry(w, h, sh, &g);
    if (v->computed && v->no_table) {
        snprintf(sub, sizeof sub, "%s adds no position vectors to its inputs (%s): %s",
                 sh->model_name ? sh->model_name : "This model", m ? gb_pos_name(m->cfg.pos) : "?",
                 m && m->cfg.pos == GB_POS_ROPE ? "it rotates queries and keys instead (RoPE)." : "it has no positional information.");
        gb_view_message(cr, (gb_rect){0, 0, w, h}, sub, t);
        return;
    }
    if (!v->computed) {
        gb_view_message(cr, (gb_rect){0, 0, w, h}, sh->busy ? "Computing\xE2\x80\xA6" : "Nothing computed yet", t);
        return;
    }
    gb_heatmap hm = pe_heatmap(v);
    char pe_sub[160];
    snprintf(pe_sub, sizeof pe_sub, "one row per position, one column per %s; blue %.2g, white 0, red +%.2g",
             v->rope ? "cos or sin of a pair's angle" : "dimension", hm.legend.vmin, hm.legend.vmax);
    gb_rect in = gb_draw_panel(cr, g.pe, v->rope ? "The rotation at each position" : "The encoding matrix", pe_sub, t);
    gb_draw_heatmap(cr, in, &hm, t);
    draw_curves(cr, g.curves, v, t);
    const char *sim_sub = v->rope ? "dot product of the rotations, \xCE\xA3 cos((p \xE2\x88\x92 q)\xC2\xB7\xCE\xB8\xE1\xB5\xA2): "
                                    "it depends only on p \xE2\x88\x92 q, so attention sees relative positions"
                          : v->from_model
                              ? (v->sim_cosine ? "cosine of the learned vectors PE(p) and PE(q)"
                                               : "dot product PE(p) \xC2\xB7 PE(q) of the learned vectors")
                          : v->sim_cosine ? "cosine of PE(p) and PE(q): highest on the diagonal, falling with |p \xE2\x88\x92 q|"
                                          : "dot product PE(p) \xC2\xB7 PE(q): it depends only on the distance |p \xE2\x88\x92 q|";
    in = gb_draw_panel(cr, g.sim, "Similarity between positions", sim_sub, t);
    gb_heatmap sm = sim_heatmap(v);
    gb_draw_heatmap(cr, in, &sm, t);
    if (sh->interactive) gb_ui_draw(cr, &v->ui);
}

/* ---- events ---- */

/* The content rectangle of a panel (the same arithmetic gb_draw_panel does). */
static gb_rect panel_content(gb_rect r, const char *subtitle, const gb_theme *t) {
    gb_rect in = gb_rect_inset(r, t->pad);
    gb_rect_cut_top(&in, gb_panel_header_h(subtitle, t) - t->pad, t->pad);
    return in;
}

static bool hover(pos_view *v, const gb_event *ev, const gb_shared *sh) {
    if (!v->computed || v->no_table) return false;
    pos_geom g;
    geometry(v->w, v->h, sh, &g);
    int p = -1, i = -1, a = -1, b = -1;
    gb_heatmap hm = pe_heatmap(v), sm = sim_heatmap(v);
    gb_heatmap_geom hg;
    gb_heatmap_layout(&hm, panel_content(g.pe, "x", sh->theme), sh->theme, &hg);
    gb_heatmap_hit(&hg, &hm, ev->x, ev->y, &p, &i);
    gb_heatmap_layout(&sm, panel_content(g.sim, "x", sh->theme), sh->theme, &hg);
    gb_heatmap_hit(&hg, &sm, ev->x, ev->y, &a, &b);
    if (a >= 0 && p < 0) p = a; /* hovering a pair of positions marks p on the curves */
    bool changed = p != v->hover_p || i != v->hover_i || a != v->hover_a || b != v->hover_b;
    v->hover_p = p, v->hover_i = i, v->hover_a = a, v->hover_b = b;
    return changed;
}

static bool apply_widgets(pos_view *v) {
    bool any = false;
    if (v->dim_s.changed) {
        v->dim = (int)v->dim_s.value;
        v->pair_s.max = v->dim - 2;
        if (2 * v->pair > v->dim - 2) v->pair = v->dim / 2 - 1;
        any = true;
    }
    if (v->len_s.changed) v->length = (int)v->len_s.value, any = true;
    if (v->pair_s.changed) v->pair = (int)v->pair_s.value / 2, any = true;
    if (v->cos_t.changed) v->cosine = v->cos_t.on, any = true;
    v->dim_s.changed = v->len_s.changed = v->pair_s.changed = v->cos_t.changed = false;
    v->hover_p = v->hover_i = v->hover_a = v->hover_b = -1;
    return any;
}

static bool pos_event(void *self, const gb_event *ev, const gb_shared *sh) {
    pos_view *v = self;
    bool redraw = gb_ui_event(&v->ui, ev);
    if (redraw) {
        apply_widgets(v);
        return true;
    }
    if (ev->type == GB_EV_MOUSE_MOVE) return hover(v, ev, sh);
    if (ev->type == GB_EV_LEAVE) {
        bool had = v->hover_p >= 0 || v->hover_a >= 0;
        v->hover_p = v->hover_i = v->hover_a = v->hover_b = -1;
        return had;
    }
    if (ev->type == GB_EV_KEY && ev->key == GB_KEY_CHAR && !ev->mods) {
        int step = ev->ch == ']' ? 1 : ev->ch == '[' ? -1 : 0;
        if (step) {
            int np = v->pair + step;
            if (np < 0 || np > v->dim / 2 - 1) return false;
            v->pair = np;
            gb_slider_set(&v->pair_s, 2 * np);
            v->pair_s.changed = false;
            return true;
        }
        if (ev->ch == 'c') {
            v->cosine = !v->cosine;
            sync_widgets(v);
            return true;
        }
    }
    return false;
}

static gb_ui *pos_ui(void *self) { return &((pos_view *)self)->ui; }

/* "encoding" [positions, d] and "similarity" [positions, positions]. */
static const float *pos_matrix(const void *self, const char *name, int *rows, int *cols) {
    const pos_view *v = self;
    if (!v->computed || v->no_table) return NULL;
    if (strcmp(name, "encoding") == 0) return *rows = v->n_pos, *cols = v->d, v->pe;
    if (strcmp(name, "similarity") == 0) return *rows = *cols = v->n_pos, v->sim;
    return NULL;
}

static const char *const POS_KEYS[] = {"[  ]", "previous / next pair of dimensions as curves",
                                       "c", "dot product or cosine similarity", NULL};

const gb_view gb_view_positions = {
    .name = "positions",
    .title = "Positions",
    .summary = "the sinusoidal positional encoding: matrix, waves, similarity (--dim, --length, --pair)",
    .create = pos_create,
    .destroy = pos_destroy,
    .update = pos_update,
    .layout = pos_layout,
    .draw = pos_draw,
    .event = pos_event,
    .shortcuts = POS_KEYS,
    .ui = pos_ui,
    .matrix = pos_matrix,
};
