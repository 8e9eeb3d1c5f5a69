/* view_embeddings_draw.c - drawing the embeddings view (see view_embeddings.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view_embeddings.h"
#include "view_tokenization.h"

static void label_of(const emb_view *v, int id, char *buf, size_t cap) {
    char lab[64];
    gb_view_token_label(v->mc.tok, id, lab, sizeof lab);
    snprintf(buf, cap, "%s", lab);
}

static void draw_heat(cairo_t *cr, gb_rect r, const emb_view *v, const gb_theme *t) {
    int d = v->mc.model->cfg.d_model;
    char sub[200];
    snprintf(sub, sizeof sub, "a row per token, a column per dimension (%d); blue < 0 < red", d);
    gb_rect in = gb_draw_panel(cr, r, "The prompt's token vectors", sub, t);
    if (!v->rows) return;
    gb_heatmap hm = emb_heatmap(v);
    gb_draw_heatmap(cr, in, &hm, t);
}

/* Where the neighbour bars go in the selection panel r, and the bars
 * themselves (the drawing and the click on a bar both use this). */
typedef struct nb_bars {
    float vals[EMB_NEIGHBORS];
    char lab[EMB_NEIGHBORS][64];
    const char *labs[EMB_NEIGHBORS];
    gb_rgb cols[EMB_NEIGHBORS];
    gb_bars bars;
    gb_rect title, plot;   /* the list's title line and the bars */
    bool shown;
} nb_bars;

static bool two_picks(const emb_view *v) {
    int V = v->mc.model->cfg.vocab_size;
    return v->pick[0] >= 0 && v->pick[1] >= 0 && v->pick[0] < V && v->pick[1] < V;
}

/* Height of the block comparing two picks. */
static double picks_h(const gb_theme *t) {
    return t->font * 1.5 + t->font_small * 1.3 + t->font_title * 1.35 + t->font_small * 1.4;
}

static void neighbor_bars(const emb_view *v, gb_rect r, const gb_theme *t, nb_bars *nb) {
    memset(nb, 0, sizeof *nb);
    gb_rect in = gb_rect_inset(r, t->pad);
    gb_rect_cut_top(&in, gb_panel_header_h("x", t) - t->pad, t->pad);
    if (two_picks(v)) gb_rect_cut_top(&in, picks_h(t), t->pad);
    if (emb_selected_id(v) < 0 || v->n_nb == 0 || in.h < t->font * 7) return; /* room for a few bars at least */
    nb->title = gb_rect_cut_top(&in, t->font * 1.6, t->pad * 0.5);
    nb->plot = in;
    for (int i = 0; i < v->n_nb; i++) {
        label_of(v, v->nb[i].id, nb->lab[i], sizeof nb->lab[i]);
        nb->labs[i] = nb->lab[i], nb->vals[i] = (float)v->nb[i].score, nb->cols[i] = t->accent;
    }
    nb->bars = (gb_bars){.values = nb->vals, .n = v->n_nb, .labels = nb->labs, .colors = nb->cols, .vmax = 1,
                         .value_axis = "cosine similarity", .highlight = -1, .hover = -1};
    nb->shown = true;
}

int emb_neighbor_at(const emb_view *v, const emb_geom *g, const gb_shared *sh, double x, double y) {
    if (!v->mc.ok || !gb_rect_contains(g->sel, x, y)) return -1;
    nb_bars nb;
    neighbor_bars(v, g->sel, sh->theme, &nb);
    if (!nb.shown) return -1;
    gb_bars_geom bg;
    gb_bars_layout(&nb.bars, nb.plot, sh->theme, &bg);
    int i = gb_bars_hit(&bg, &nb.bars, x, y);
    return i >= 0 && i < v->n_nb ? v->nb[i].id : -1;
}

/* Angle, cosine and distance of the two picks, then the neighbours. */
static void draw_selection(cairo_t *cr, gb_rect r, const emb_view *v, const gb_theme *t) {
    int id = emb_selected_id(v), d = v->mc.model->cfg.d_model;
    char a[64], b[64], title[160], line[320];
    label_of(v, id, a, sizeof a);
    snprintf(title, sizeof title, "Nearest to \xE2\x80\x9C%s\xE2\x80\x9D (cosine, %d dimensions)", a, d);
    const float *E = v->mc.model->w.embed;
    bool two = two_picks(v);
    const char *sub = two ? "two picked tokens compared"
                          : v->pick[0] >= 0 ? "click a second token to measure the angle between them"
                                            : "click a point to pick it; a second click measures the angle";
    gb_rect in = gb_draw_panel(cr, r, two ? "Two picked tokens" : "Selection", sub, t);
    gb_font fb = gb_font_body(t);
    if (two) {
        const float *x = E + (size_t)v->pick[0] * d, *y = E + (size_t)v->pick[1] * d;
        label_of(v, v->pick[0], a, sizeof a);
        label_of(v, v->pick[1], b, sizeof b);
        const float *p = v->mc.vocab_xyz + (size_t)v->pick[0] * 3, *q = v->mc.vocab_xyz + (size_t)v->pick[1] * 3;
        snprintf(line, sizeof line, "\xE2\x80\x9C%s\xE2\x80\x9D and \xE2\x80\x9C%s\xE2\x80\x9D", a, b);
        gb_set_rgb(cr, t->fg);
        gb_text_draw(cr, &fb, line, in.x, in.y, GB_LEFT, GB_TOP, in.w);
        /* three figures side by side: a small name over a large number */
        char val[3][32];
        snprintf(val[0], sizeof val[0], "%.1f\xC2\xB0", gb_angle_deg(x, y, d));
        snprintf(val[1], sizeof val[1], "%.3f", gb_cosine(x, y, d));
        snprintf(val[2], sizeof val[2], "%.3f", gb_euclidean(x, y, d));
        static const char *const names[3] = {"angle", "cosine", "distance"};
        gb_font fs = gb_font_small(t), fv = gb_font_title(t);
        double y0 = in.y + t->font * 1.5, cw = in.w / 3;
        for (int k = 0; k < 3; k++) {
            gb_set_rgb(cr, t->fg_dim);
            gb_text_draw(cr, &fs, names[k], in.x + k * cw, y0, GB_LEFT, GB_TOP, cw - t->pad);
            gb_set_rgb(cr, t->fg);
            gb_text_draw(cr, &fv, val[k], in.x + k * cw, y0 + t->font_small * 1.3, GB_LEFT, GB_TOP, cw - t->pad);
        }
        double y1 = y0 + t->font_small * 1.3 + t->font_title * 1.35;
        snprintf(line, sizeof line, "in all %d dimensions; the arc in 3D shows the projections: %.1f\xC2\xB0",
                 d, gb_angle_deg(p, q, 3));
        gb_set_rgb(cr, t->fg_dim);
        gb_text_draw(cr, &fs, line, in.x, y1, GB_LEFT, GB_TOP, in.w);
    }
    nb_bars nb;
    neighbor_bars(v, r, t, &nb);
    if (!nb.shown) return;
    gb_font ft = gb_font_body(t);
    ft.bold = true;
    gb_set_rgb(cr, t->fg);
    gb_text_draw(cr, &ft, title, nb.title.x, nb.title.y, GB_LEFT, GB_TOP, nb.title.w);
    gb_draw_bars(cr, nb.plot, &nb.bars, t);
}

/* The chosen token's path: a polyline from its vocabulary point through its
 * input (+ position) and the residual stream after each layer, in the same
 * projection the scatter uses (the scatter keeps the origin as its centre and
 * the largest norm as its radius). */
static void draw_path(cairo_t *cr, gb_rect r, const emb_view *v, const gb_scatter3d *s, const gb_theme *t) {
    int c = emb_chosen(v), V = v->mc.model->cfg.vocab_size;
    if (!v->show_path || c < 0 || s->n <= V) return;
    double rad2 = 0;
    for (int i = 0; i < s->n; i++) {
        const float *p = s->pts + 3 * (size_t)i;
        double q = (double)p[0] * p[0] + (double)p[1] * p[1] + (double)p[2] * p[2];
        if (isfinite(q) && q > rad2) rad2 = q;
    }
    double m[9], centre[3] = {0, 0, 0}, rad = rad2 > 0 ? sqrt(rad2) : 1;
    gb_camera_matrix(&s->cam, m);
    cairo_save(cr);
    cairo_rectangle(cr, r.x, r.y, r.w, r.h);
    cairo_clip(cr);
    gb_set_rgba(cr, gb_rgb_mix(gb_palette(c % 8), gb_rgb_hex(0), 0.35), 0.9);
    cairo_set_line_width(cr, t->line * 1.2);
    for (int k = 0; k < v->pr.n_path; k++) {
        const float *p = v->pr.path + ((size_t)c * v->pr.n_path + k) * 3;
        double f = k == 0 ? 1 : v->path_scale; /* the first point is the token's own vocabulary point */
        double q[3] = {p[0] * f, p[1] * f, p[2] * f}, x, y, z;
        gb_project(&s->cam, m, centre, rad, r, q, &x, &y, &z);
        if (k == 0) cairo_move_to(cr, x, y);
        else cairo_line_to(cr, x, y);
    }
    cairo_stroke(cr);
    cairo_restore(cr);
}

static void draw_key(cairo_t *cr, gb_rect r, const emb_view *v, const gb_theme *t) {
    gb_font fs = gb_font_small(t);
    double x = r.x + 4, y = r.y + r.h - t->font_small * 1.2;
    gb_rgb cols[3] = {gb_rgb_hex(0xC2C9D1), gb_palette(0), gb_rgb_mix(gb_palette(emb_chosen(v) % 8), gb_rgb_hex(0), 0.35)};
    char path_lab[96], tok[64];
    int c = emb_chosen(v);
    label_of(v, c >= 0 ? v->pr.ids[c] : 0, tok, sizeof tok);
    if (v->path_scale < 0.999)
        snprintf(path_lab, sizeof path_lab, "\xE2\x80\x9C%s\xE2\x80\x9D through the layers (shrunk \xC3\x97%.2g)", tok, v->path_scale);
    else snprintf(path_lab, sizeof path_lab, "\xE2\x80\x9C%s\xE2\x80\x9D through the layers", tok);
    const char *labs[3] = {"vocabulary", "prompt", path_lab};
    int n = v->show_path && c >= 0 ? 3 : 2;
    for (int i = 0; i < n; i++) {
        gb_set_rgb(cr, cols[i]);
        if (i == 2) {
            cairo_set_line_width(cr, t->line * 1.2);
            cairo_move_to(cr, x, y), cairo_line_to(cr, x + 14, y), cairo_stroke(cr);
        } else {
            cairo_arc(cr, x + 7, y, 4, 0, 2 * GB_PI);
            cairo_fill(cr);
        }
        gb_set_rgb(cr, t->fg_dim);
        x += 18 + gb_text_draw(cr, &fs, labs[i], x + 18, y, GB_LEFT, GB_MIDDLE, 0) + t->gap;
    }
}

static void draw_scatter_panel(cairo_t *cr, gb_rect r, const emb_view *v, const gb_shared *sh) {
    const gb_theme *t = sh->theme;
    int V = v->mc.model->cfg.vocab_size;
    char sub[300];
    snprintf(sub, sizeof sub, "all %d tokens on the 3 directions of largest variance%s%s", V,
             v->mc.n_fit < V ? " (fitted on the first 10,000 ids)" : "",
             sh->interactive ? ". Drag: rotate, wheel: zoom, click: pick" : "");
    gb_rect in = gb_draw_panel(cr, r, "The vocabulary in 3D (PCA)", sub, t);
    gb_rect plot = in; /* as emb_scatter_rect() computes it for the events */
    gb_rect_cut_bottom(&plot, t->font_small * 2, 0);
    gb_scatter3d s = emb_scatter(v);
    draw_path(cr, plot, v, &s, t); /* under the points and labels, which stay readable */
    gb_draw_scatter3d(cr, plot, &s, t);
    draw_key(cr, in, v, t);
}

static void header(cairo_t *cr, double w, double h, const emb_view *v, const gb_shared *sh) {
    char sub[400] = "";
    const gb_model *m = sh->model;
    if (m && v->mc.ok) {
        const double *ra = v->mc.pca.ratio;
        snprintf(sub, sizeof sub, "%s: %d tokens \xC3\x97 %d numbers; the 3D axes hold %.0f%% + %.0f%% + %.0f%% of the variance",
                 sh->model_name ? sh->model_name : "model", m->cfg.vocab_size, m->cfg.d_model, 100 * ra[0],
                 100 * ra[1], 100 * ra[2]);
    }
    gb_view_header(cr, w, h, "Embeddings: tokens as vectors", sub, sh->theme);
}

void emb_draw(cairo_t *cr, double w, double h, const void *self, const gb_shared *sh) {
    const emb_view *v = self;
    const gb_theme *t = sh->theme;
    gb_set_rgb(cr, t->bg);
    cairo_paint(cr);
    header(cr, w, h, v, sh);
    gb_rect all = {0, 0, w, h};
    char msg[600];
    if (!sh->model) {
        if (sh->model_error) snprintf(msg, sizeof msg, "The model could not be loaded: %s", sh->model_error);
        else snprintf(msg, sizeof msg, "The embeddings view needs a model: open one with --model M.");
        return gb_view_message(cr, all, msg, t);
    }
    if (!v->computed || v->mc.model != sh->model)
        return gb_view_message(cr, all, sh->busy ? "Projecting the vocabulary\xE2\x80\xA6" : "Nothing computed yet", t);
    if (!v->mc.ok) {
        snprintf(msg, sizeof msg, "Cannot project this model's embeddings: %s", v->mc.error);
        return gb_view_message(cr, all, msg, t);
    }
    if (v->pr.n == 0) {
        snprintf(msg, sizeof msg, "%s", v->pr.problem[0] ? v->pr.problem : "No tokens.");
        return gb_view_message(cr, all, msg, t);
    }
    emb_geom g;
    emb_geometry(v, w, h, sh, &g);
    if (g.scatter.w < 40 || g.scatter.h < 40) return gb_view_message(cr, all, "The window is too small for this view.", t);
    draw_heat(cr, g.heat, v, t);
    draw_selection(cr, g.sel, v, t);
    draw_scatter_panel(cr, g.scatter, v, sh);
    if (sh->interactive) {
        int c = emb_chosen(v);
        char tok[64];
        label_of(v, v->pr.ids[c], tok, sizeof tok);
        snprintf(msg, sizeof msg, "token \xE2\x80\x9C%s\xE2\x80\x9D (%d of %d) is followed through the layers: [ and ] choose another",
                 tok, c + 1, v->pr.n);
        gb_font fb = gb_font_body(t);
        gb_set_rgb(cr, t->fg_dim);
        gb_text_draw(cr, &fb, msg, g.controls.x, g.controls.y + g.controls.h / 2, GB_LEFT, GB_MIDDLE,
                     fmax(0, v->path_t.r.x - g.controls.x - t->gap));
        gb_ui_draw(cr, &v->ui);
    }
}
