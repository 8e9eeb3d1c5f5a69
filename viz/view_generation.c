/* view_generation.c - the "generation" view: the generated tokens in order
 * (the timeline), the branch tree with each path's total log-probability,
 * what the model attended to when it produced the shown step's token
 * (view_generation_attn.c), and the distribution of that step as it was when
 * it was drawn. Clicking a past token shows its step; b branches from it (a
 * new draw at that step with the current settings); clicking another bar of
 * the distribution (or n: the next-ranked token) branches with that token
 * forced. The old continuation stays. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view_distribution.h"
#include "view_distribution_view.h"

#define GEN_MAX_PATH 512
#define GEN_SAVE_FILE "glassbox-session.safetensors"

static void *gen_create(const gb_view_args *a, gb_error *err) {
    dist_view *v = calloc(1, sizeof *v);
    if (!v) return gb_fail(err, GB_ERR_INTERNAL, "generation: out of memory"), NULL;
    if (!gb_samp_init(&v->p, a, 8, err)) {
        gb_error_prefix(err, "generation");
        free(v);
        return NULL;
    }
    dist_controls_init(v);
    gb_widget_button(&v->branch, "Branch here");
    gb_widget_set_tooltip(&v->branch, "A new continuation from the shown step with the current settings (b)");
    gb_ui_add(&v->ui, &v->branch);
    gen_att_init(v, a);
    v->hover_node = -1;
    v->branch_at = a->at;
    return v;
}

static void gen_destroy(void *self) {
    dist_view *v = self;
    if (!v) return;
    gb_samp_free(&v->p);
    dist_controls_free(v);
    gb_widget_free(&v->branch);
    gen_att_free(v);
    free(v);
}

static gb_job *gen_update(void *self, const gb_shared *sh) {
    dist_view *v = self;
    if (gb_samp_sync(&v->p, sh) && v->p.s && v->branch_at >= 0 && v->branch_at < gb_samp_n_generated(&v->p)) {
        /* --at I: a second path from step I, as long as the first */
        int n = gb_samp_n_generated(&v->p);
        gb_samp_branch_at(&v->p, v->branch_at);
        while (gb_samp_n_generated(&v->p) < n && !gb_session_done(v->p.s)) gb_samp_step(&v->p);
        int path[GEN_MAX_PATH]; /* show the step where the paths part */
        if (gb_session_path(v->p.s, gb_session_current_branch(v->p.s), path, GEN_MAX_PATH) > v->branch_at)
            gb_samp_show(&v->p, path[v->branch_at]);
        v->branch_at = -1;
    }
    if (v->p.s && (uint64_t)v->seed.value != v->p.seed) { /* a replayed session: its controls */
        gb_slider_set(&v->seed, (double)v->p.seed);
        gb_slider_set(&v->maxnew, v->p.max_new);
        gb_slider_set(&v->temp, v->p.temperature);
        gb_slider_set(&v->topk, v->p.top_k);
        gb_slider_set(&v->topp, v->p.top_p);
        v->strategy.selected = (int)v->p.strategy;
    }
    gen_att_sync(v, sh);
    gb_samp_refresh(&v->p);
    return NULL;
}

typedef struct gen_geom {
    gb_rect text, tree, att, dist;
} gen_geom;

static void gen_geometry(const dist_view *v, double w, double h, const gb_shared *sh, gen_geom *g) {
    const gb_theme *t = sh->theme;
    gb_rect r = dist_body(v, w, h, sh);
    if (sh->interactive) gb_rect_cut_top(&r, 2 * gb_widget_height(t) + t->gap / 2, t->gap);
    g->text = gb_rect_cut_top(&r, t->font * 1.6, t->gap / 2);
    int rows = 0, depth = 0;
    for (int b = 0; v->p.s && b < gb_session_n_branches(v->p.s); b++) {
        rows += gb_session_branch_info(v->p.s, b)->alive;
        depth = fmax(depth, gb_session_path(v->p.s, b, NULL, 0));
    }
    double want = gb_panel_header_h("x", t) + 2 * t->pad + fmax(1, rows) * t->font * 2.6;
    /* the tree and the attention of the shown step side by side; a long tree gets more of the width */
    gb_rect row = gb_rect_cut_top(&r, fmax(fmin(r.h * 0.3, want), gen_att_height(t)), t->gap);
    double tree_w = 2 * t->pad + t->font * (2.2 + 7.5) + depth * t->font * 4.5;
    g->tree = gb_rect_cut_left(&row, fmin(fmax(tree_w, row.w * 0.45), row.w * 0.62), t->gap);
    g->att = row;
    g->dist = r;
}

static void gen_layout(void *self, double w, double h, const gb_shared *sh) {
    dist_view *v = self;
    v->w = w, v->h = h;
    gb_rect r = dist_body(v, w, h, sh);
    dist_controls_layout(v, &r, sh);
    /* the branch button takes the place of part of the seed slider */
    v->branch.r = gb_rect_cut_right(&v->seed.r, fmin(150, v->seed.r.w / 2), sh->theme->gap);
    v->branch.hidden = !sh->interactive;
    gen_geom g;
    gen_geometry(v, w, h, sh, &g);
    gen_att_layout(v, g.att, sh);
}

/* ---- the tree: one row per branch, one column per step ---- */

typedef struct tree_geom {
    gb_rect area;
    double col_w, row_h, x0;
    int rows, max_depth;
} tree_geom;

static int alive_rank(const gb_session *s, int branch) {
    int k = 0;
    for (int b = 0; b < branch; b++) k += gb_session_branch_info(s, b)->alive;
    return k;
}

static void tree_geometry(const gb_samp *p, gb_rect in, const gb_theme *t, tree_geom *g) {
    memset(g, 0, sizeof *g);
    g->area = in;
    if (!p->s) return;
    int nb = gb_session_n_branches(p->s);
    for (int b = 0; b < nb; b++) {
        const gb_branch_info *bi = gb_session_branch_info(p->s, b);
        if (!bi->alive) continue;
        g->rows++;
        int d = gb_session_path(p->s, b, NULL, 0);
        if (d > g->max_depth) g->max_depth = d;
    }
    double lw = t->font * 7.5; /* the log-probability column */
    g->x0 = in.x + t->font * 2.2;
    g->col_w = fmin(t->font * 6, (in.w - lw - (g->x0 - in.x)) / fmax(1, g->max_depth));
    g->row_h = fmin(t->font * 3.2, in.h / fmax(1, g->rows));
}

static void node_xy(const tree_geom *g, int depth, int row, double *x, double *y) {
    *x = g->x0 + depth * g->col_w + g->col_w / 2;
    *y = g->area.y + row * g->row_h + g->row_h / 2;
}

static void draw_tree(cairo_t *cr, gb_rect area, const gb_samp *p, const gb_theme *t) {
    gb_rect in = gb_draw_panel(cr, area, "Branches",
                               "each path's log-probability (model, T = 1); outlined: forced", t);
    if (!p->s) return;
    tree_geom g;
    tree_geometry(p, in, t, &g);
    gb_font fs = gb_font_small(t), fb = gb_font_body(t);
    int path[GEN_MAX_PATH], cur = gb_session_current_branch(p->s), nb = gb_session_n_branches(p->s);
    for (int b = 0; b < nb; b++) {
        const gb_branch_info *bi = gb_session_branch_info(p->s, b);
        if (!bi->alive) continue;
        int row = alive_rank(p->s, b);
        int n = gb_session_path(p->s, b, path, GEN_MAX_PATH);
        if (n > GEN_MAX_PATH) n = GEN_MAX_PATH;
        double x, y, px = 0, py = 0;
        node_xy(&g, 0, row, &x, &y);
        gb_set_rgb(cr, b == cur ? t->fg : t->fg_dim);
        char lab[64];
        snprintf(lab, sizeof lab, "%d", b);
        fb.bold = b == cur;
        gb_text_draw(cr, &fb, lab, in.x, y, GB_LEFT, GB_MIDDLE, 0);
        if (bi->fork_node >= 0) { /* joined to where it forked */
            int prow = alive_rank(p->s, bi->parent_branch);
            node_xy(&g, bi->fork_depth - 1, prow, &px, &py);
        }
        for (int i = bi->fork_depth; i < n; i++) {
            const gb_session_node *nd = gb_session_node_at(p->s, path[i]);
            node_xy(&g, i, row, &x, &y);
            if (i > 0 || bi->fork_node >= 0) {
                if (i == bi->fork_depth && bi->fork_node < 0) continue;
                double ax = i == bi->fork_depth ? px : x - g.col_w, ay = i == bi->fork_depth ? py : y;
                gb_set_rgb(cr, t->grid);
                cairo_set_line_width(cr, t->line);
                cairo_move_to(cr, ax + g.col_w * 0.45, ay);
                cairo_line_to(cr, x - g.col_w * 0.45, y);
                cairo_stroke(cr);
            }
            gb_rect box = {x - g.col_w * 0.45, y - g.row_h * 0.32, g.col_w * 0.9, g.row_h * 0.64};
            bool sel = path[i] == p->shown;
            gb_set_rgb(cr, sel ? t->highlight : b == cur ? gb_palette_tint(0) : t->panel);
            gb_rounded_rect(cr, box, 4);
            cairo_fill_preserve(cr);
            gb_set_rgb(cr, nd->forced ? t->fg : t->panel_edge);
            cairo_set_line_width(cr, nd->forced ? 2.0 : t->hairline);
            cairo_stroke(cr);
            gb_samp_label(p, nd->token, lab, sizeof lab);
            gb_set_rgb(cr, sel ? gb_text_on(t->highlight) : t->fg);
            gb_text_draw(cr, &fs, lab, x, y, GB_CENTER, GB_MIDDLE, box.w - 2);
        }
        double total = n > 0 ? gb_session_node_at(p->s, path[n - 1])->total_logprob_t1 : 0;
        snprintf(lab, sizeof lab, "log p %.2f", total);
        gb_set_rgb(cr, b == cur ? t->fg : t->fg_dim);
        gb_text_draw(cr, &fs, lab, in.x + in.w, y, GB_RIGHT, GB_MIDDLE, 0);
    }
}

static int tree_hit(const dist_view *v, const gen_geom *gg, const gb_theme *t, double x, double y, int *branch) {
    const gb_samp *p = &v->p;
    if (!p->s) return -1;
    gb_rect in = gb_rect_inset(gg->tree, t->pad);
    gb_rect_cut_top(&in, gb_panel_header_h("x", t) - t->pad, t->pad);
    tree_geom g;
    tree_geometry(p, in, t, &g);
    int path[GEN_MAX_PATH], nb = gb_session_n_branches(p->s);
    for (int b = 0; b < nb; b++) {
        const gb_branch_info *bi = gb_session_branch_info(p->s, b);
        if (!bi->alive) continue;
        int n = gb_session_path(p->s, b, path, GEN_MAX_PATH), row = alive_rank(p->s, b);
        for (int i = bi->fork_depth; i < n && i < GEN_MAX_PATH; i++) {
            double cx, cy;
            node_xy(&g, i, row, &cx, &cy);
            if (fabs(x - cx) < g.col_w * 0.45 && fabs(y - cy) < g.row_h * 0.32) return *branch = b, path[i];
        }
    }
    return -1;
}

gb_rect gen_dist_rect(const dist_view *v, const gb_shared *sh) {
    gen_geom g;
    gen_geometry(v, v->w, v->h, sh, &g);
    return g.dist;
}

bool gen_node_center(const dist_view *v, const gb_shared *sh, int node, double *x, double *y) {
    const gb_theme *t = sh->theme;
    gen_geom gg;
    gen_geometry(v, v->w, v->h, sh, &gg);
    gb_rect in = gb_rect_inset(gg.tree, t->pad);
    gb_rect_cut_top(&in, gb_panel_header_h("x", t) - t->pad, t->pad);
    tree_geom g;
    tree_geometry(&v->p, in, t, &g);
    const gb_session_node *nd = v->p.s ? gb_session_node_at(v->p.s, node) : NULL;
    if (!nd || !nd->alive) return false;
    int path[GEN_MAX_PATH];
    for (int b = 0; b < gb_session_n_branches(v->p.s); b++) {
        const gb_branch_info *bi = gb_session_branch_info(v->p.s, b);
        if (!bi->alive) continue;
        int n = gb_session_path(v->p.s, b, path, GEN_MAX_PATH);
        for (int i = bi->fork_depth; i < n && i < GEN_MAX_PATH; i++)
            if (path[i] == node) return node_xy(&g, i, alive_rank(v->p.s, b), x, y), true;
    }
    return false;
}

static void gen_draw(cairo_t *cr, double w, double h, const void *self, const gb_shared *sh) {
    const dist_view *v = self;
    const gb_theme *t = sh->theme;
    const gb_samp *p = &v->p;
    gb_set_rgb(cr, t->bg);
    cairo_paint(cr);
    char sub[320];
    int depth = p->s && p->shown >= 0 ? gb_session_node_at(p->s, p->shown)->depth + 1 : 0;
    snprintf(sub, sizeof sub, "%s, seed %llu: %d tokens on branch %d of %d; showing step %d%s%s",
             sh->model_name ? sh->model_name : "model", (unsigned long long)p->seed, gb_samp_n_generated(p),
             p->s ? gb_session_current_branch(p->s) : 0, p->s ? gb_session_n_branches(p->s) : 0, depth,
             p->note[0] ? " \xE2\x80\x94 " : "", p->note);
    gb_view_header(cr, w, h, "Generation: the timeline and its branches", sub, t);
    gen_geom g;
    gen_geometry(v, w, h, sh, &g);
    if (!p->s) {
        gb_view_message(cr, (gb_rect){0, 0, w, h}, p->error[0] ? p->error : "Nothing generated yet", t);
        return;
    }
    dist_draw_text(cr, g.text, p, t);
    draw_tree(cr, g.tree, p, t);
    gen_att_draw(cr, g.att, v, t);
    gb_dist_draw(cr, g.dist, p, t, false);
    if (sh->interactive) gb_ui_draw(cr, &v->ui);
}

/* Make a branch whose path holds the shown step current (so a new branch
 * shares its path); returns the shown step's depth, or -1. */
static int checkout_shown(dist_view *v) {
    gb_samp *p = &v->p;
    if (!p->s || p->shown < 0) return -1;
    const gb_session_node *nd = gb_session_node_at(p->s, p->shown);
    gb_error e = {0};
    int path[GEN_MAX_PATH];
    for (int k = -1; k < gb_session_n_branches(p->s); k++) { /* its own branch first */
        int b = k < 0 ? nd->branch : k;
        if (!gb_session_branch_info(p->s, b)->alive) continue;
        int n = gb_session_path(p->s, b, path, GEN_MAX_PATH);
        for (int i = 0; i < n && i < GEN_MAX_PATH; i++)
            if (path[i] == p->shown) return gb_session_checkout(p->s, b, &e) ? -1 : nd->depth;
    }
    return -1;
}

static bool branch_here(dist_view *v) {
    int depth = checkout_shown(v);
    if (depth < 0) return false;
    bool ch = gb_samp_branch_at(&v->p, depth);
    gb_samp_refresh(&v->p);
    return ch;
}

/* A branch where the shown step takes `token` instead (forced). */
static bool branch_with(dist_view *v, int token) {
    gb_samp *p = &v->p;
    if (token < 0 || !p->s || p->shown < 0 || token == gb_session_node_at(p->s, p->shown)->token) return false;
    int depth = checkout_shown(v);
    if (depth < 0) return false;
    bool ch = gb_samp_branch_with(p, depth, token);
    gb_samp_refresh(p);
    return ch;
}

/* The token ranked just below the shown step's token (by logit). */
static int next_ranked(const gb_samp *p) {
    if (!p->rec_ok) return -1;
    int ids[256], n = gb_dist_top(&p->rec, ids, 256);
    for (int i = 0; i + 1 < n; i++)
        if (ids[i] == p->rec.chosen) return ids[i + 1];
    return -1;
}

static bool gen_event(void *self, const gb_event *ev, const gb_shared *sh) {
    dist_view *v = self;
    if (gb_ui_event(&v->ui, ev)) {
        if (v->branch.clicked) v->branch.clicked = false, branch_here(v);
        gen_att_read(v);
        dist_controls_read(v);
        return true;
    }
    if (gb_ui_wants_keyboard(&v->ui)) return false;
    if (ev->type == GB_EV_MOUSE_DOWN && ev->button == 1) {
        gen_geom g;
        gen_geometry(v, v->w, v->h, sh, &g);
        int b = -1, node = tree_hit(v, &g, sh->theme, ev->x, ev->y, &b);
        if (node < 0) return branch_with(v, gb_dist_bar_hit(&v->p, g.dist, sh->theme, false, ev->x, ev->y));
        gb_error e = {0};
        gb_session_checkout(v->p.s, b, &e);
        gb_samp_show(&v->p, node);
        gb_samp_refresh(&v->p);
        return true;
    }
    if (ev->type == GB_EV_KEY && !ev->mods && ev->key == GB_KEY_CHAR && ev->ch == 'b') return branch_here(v);
    if (ev->type == GB_EV_KEY && !ev->mods && ev->key == GB_KEY_CHAR && ev->ch == 'n') return branch_with(v, next_ranked(&v->p));
    if (gen_att_key(v, ev)) return true;
    if (ev->type == GB_EV_KEY && !ev->mods && ev->key == GB_KEY_CHAR && ev->ch == 'w') {
        gb_error e = {0};
        if (gb_samp_save(&v->p, GEN_SAVE_FILE, &e)) snprintf(v->p.note, sizeof v->p.note, "%s", e.msg);
        else snprintf(v->p.note, sizeof v->p.note, "saved to %s (open it with glassbox view --session %s)", GEN_SAVE_FILE,
                      GEN_SAVE_FILE);
        return true;
    }
    if (ev->type == GB_EV_KEY && !ev->mods && (ev->key == GB_KEY_LEFT || ev->key == GB_KEY_RIGHT) && v->p.s) {
        const gb_session_node *nd = v->p.shown >= 0 ? gb_session_node_at(v->p.s, v->p.shown) : NULL;
        int path[GEN_MAX_PATH];
        int n = gb_session_path(v->p.s, gb_session_current_branch(v->p.s), path, GEN_MAX_PATH);
        int d = nd ? nd->depth + (ev->key == GB_KEY_RIGHT ? 1 : -1) : n - 1;
        if (d < 0 || d >= n || d >= GEN_MAX_PATH) return false;
        gb_samp_show(&v->p, path[d]);
        gb_samp_refresh(&v->p);
        return true;
    }
    return dist_keys(v, ev);
}

static gb_ui *gen_ui(void *self) { return &((dist_view *)self)->ui; }

/* "tree" [nodes, 5]: per alive node: branch, depth, token, parent, total log p (T = 1).
 * "attention" [1, keys]: the attention panel's row (its layer and head or average). */
static const float *gen_matrix(const void *self, const char *name, int *rows, int *cols) {
    const dist_view *v = self;
    static float *buf;
    static float att[4096];
    if (v->p.s && strcmp(name, "attention") == 0) {
        int layer, head, n = gen_att_row(v, att, 4096, &layer, &head);
        return n ? (*rows = 1, *cols = n, att) : NULL;
    }
    if (!v->p.s || strcmp(name, "tree") != 0) return NULL;
    int n = gb_session_n_nodes(v->p.s), k = 0;
    free(buf);
    buf = malloc((size_t)(n > 0 ? n : 1) * 5 * sizeof *buf);
    if (!buf) return NULL;
    for (int i = 0; i < n; i++) {
        const gb_session_node *nd = gb_session_node_at(v->p.s, i);
        if (!nd->alive) continue;
        float *r = buf + 5 * k++;
        r[0] = (float)nd->branch, r[1] = (float)nd->depth, r[2] = (float)nd->token, r[3] = (float)nd->parent;
        r[4] = (float)nd->total_logprob_t1;
    }
    return *rows = k, *cols = 5, buf;
}

static gb_status gen_check(const void *self, const gb_shared *sh, gb_error *err) {
    const dist_view *v = self;
    if (!sh->model) return gb_fail(err, GB_ERR_INPUT, "generation: needs a model (--model, e.g. classroom)");
    if (!v->p.s) return gb_fail(err, GB_ERR_INPUT, "generation: %s", v->p.error);
    return gen_att_check(v, sh, err);
}

static const char *const GEN_KEYS[] = {"space / backspace", "step / remove the last token", "Left  Right",
                                       "show the previous / next step", "click a token", "show that step as it was",
                                       "b", "branch from the shown step (current settings)",
                                       "click a bar  /  n", "branch with that token / the next-ranked token (forced)",
                                       "Up  Down", "attention: previous / next layer", "h  a", "attention: next head, average",
                                       "p  r", "play / pause, reset",
                                       "w", "save the session to " GEN_SAVE_FILE, NULL};

static int gen_highlighted(const void *self, int *out, int cap) {
    return gb_dist_highlighted(&((const dist_view *)self)->p, false, out, cap);
}

const gb_view gb_view_generation = {
    .name = "generation",
    .title = "Generation",
    .summary = "the generated tokens, branches with their log-probabilities, each step's distribution (--steps, --seed)",
    .create = gen_create,
    .destroy = gen_destroy,
    .update = gen_update,
    .layout = gen_layout,
    .draw = gen_draw,
    .event = gen_event,
    .shortcuts = GEN_KEYS,
    .ui = gen_ui,
    .matrix = gen_matrix,
    .check = gen_check,
    .tick = dist_tick,
    .highlighted = gen_highlighted,
};
