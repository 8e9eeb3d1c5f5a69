/* view_embeddings.c - the "embeddings" view: the prompt's token vectors as a
 * heatmap, the whole vocabulary projected on its three principal axes (PCA)
 * in a rotatable 3D scatter with the prompt's tokens labelled, two picked
 * tokens compared (angle, cosine, distance), the nearest neighbours of the
 * selection, and one token's path through the layers (its residual vector
 * after each layer, projected into the same basis).
 *
 * The PCA (and the tokenizer, and the neighbour index) is computed once per
 * model in a job on the worker thread; a new prompt only re-runs the forward
 * pass. This file: the computation, the state and the events;
 * view_embeddings_draw.c: the drawing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "glassbox/forward.h"
#include "glassbox/trace.h"
#include "view_embeddings.h"
#include "view_tokenization.h"

/* ---- the job ---- */

typedef struct emb_job {
    gb_job base;
    const gb_model *m;
    bool need_model;
    emb_model_cache mc;             /* filled when need_model */
    const emb_model_cache *have;    /* the view's cache otherwise (read-only) */
    char *own_tok, *ids_arg, *prompt;
    emb_prompt pr;
} emb_job;

static void cache_free(emb_model_cache *c) {
    if (c->tok) gb_tokenizer_free(c->tok);
    gb_pca_free(&c->pca);
    free(c->vocab_xyz);
    gb_vindex_free(&c->ix);
    memset(c, 0, sizeof *c);
}

static void prompt_free(emb_prompt *p) {
    free(p->ids);
    free(p->embed);
    free(p->path);
    memset(p, 0, sizeof *p);
}

static void build_cache(emb_model_cache *c, const gb_model *m, const char *own_tok) {
    gb_error err = {0};
    c->model = m;
    c->tok = gb_view_tokenizer_for(m, own_tok, &err);
    if (!c->tok) snprintf(c->tok_error, sizeof c->tok_error, "%s", err.msg);
    int V = m->cfg.vocab_size, d = m->cfg.d_model;
    c->n_fit = V < EMB_FIT_MAX ? V : EMB_FIT_MAX;
    c->vocab_xyz = malloc((size_t)V * 3 * sizeof(float));
    gb_error e2 = {0};
    if (!c->vocab_xyz || d < 3 || gb_pca_fit(&c->pca, m->w.embed, c->n_fit, d, 3, &e2) ||
        gb_vindex_build(&c->ix, m->w.embed, V, d, &e2)) {
        snprintf(c->error, sizeof c->error, "%s", d < 3 ? "the model has fewer than 3 dimensions" :
                 e2.msg[0] ? e2.msg : "out of memory");
        return;
    }
    gb_pca_project(&c->pca, m->w.embed, V, c->vocab_xyz);
    c->ok = true;
}

/* Project row x [d] into the PCA basis. */
static void project(const emb_model_cache *c, const float *x, float *out) { gb_pca_project(&c->pca, x, 1, out); }

/* The forward pass records the embedding, the input of block 0 and the
 * residual stream after each block. */
static void run_prompt(emb_job *j, const emb_model_cache *c) {
    emb_prompt *p = &j->pr;
    gb_prompt_ids ids;
    if (!gb_prompt_ids_make(&ids, j->m, c->tok, j->prompt, j->ids_arg)) {
        snprintf(p->problem, sizeof p->problem, "%s", ids.problem);
        gb_prompt_ids_free(&ids);
        return;
    }
    p->ids = ids.ids, p->n = ids.n;
    const gb_model *m = j->m;
    /* an encoder-decoder model reads the prompt with its encoder: follow that stack */
    bool encdec = m->cfg.arch == GB_ARCH_ENCDEC;
    const char *pre = encdec ? "encoder." : "";
    int n = p->n, d = m->cfg.d_model, L = encdec ? m->cfg.n_enc_layers : m->cfg.n_layers;
    gb_error err = {0};
    char pattern[200], name[96];
    snprintf(pattern, sizeof pattern, "%shook_embed,%sblocks.0.hook_resid_pre,%sblocks.*.hook_resid_post", pre, pre, pre);
    gb_trace *tr = gb_trace_new(pattern, n, &err);
    gb_state *st = tr ? gb_state_new(m, n, &err) : NULL;
    gb_run_opts o = {.trace = tr};
    gb_status s = !st ? GB_ERR_INTERNAL
                  : m->cfg.arch == GB_ARCH_DECODER ? gb_forward_decoder(m, st, p->ids, n, 0, &o, &err)
                                                   : gb_forward_encoder(m, st, p->ids, n, &o, &err);
    snprintf(name, sizeof name, "%shook_embed", pre);
    const gb_tensor *te = tr ? gb_trace_find(tr, name) : NULL;
    p->embed = malloc((size_t)n * d * sizeof(float));
    p->n_path = L + 2;
    p->path = calloc((size_t)n * p->n_path * 3, sizeof(float));
    float *row = malloc((size_t)d * sizeof(float));
    if (s || !te || !p->embed || !p->path || !row) {
        snprintf(p->problem, sizeof p->problem, "The forward pass failed: %s", err.msg[0] ? err.msg : "out of memory");
        p->n = 0;
    } else {
        gb_tensor_copy_contiguous(te, p->embed);
        for (size_t k = 0; k < (size_t)n * d; k++) p->emax = fmaxf(p->emax, fabsf(p->embed[k]));
        for (int l = 0; l <= L; l++) {
            if (l == 0) snprintf(name, sizeof name, "%sblocks.0.hook_resid_pre", pre);
            else snprintf(name, sizeof name, "%sblocks.%d.hook_resid_post", pre, l - 1);
            const gb_tensor *r = gb_trace_find(tr, name);
            for (int t = 0; t < n && r; t++) {
                for (int i = 0; i < d; i++) row[i] = gb_tensor_at2(r, t, i);
                project(c, row, p->path + ((size_t)t * p->n_path + l + 1) * 3);
            }
        }
        for (int t = 0; t < n; t++) memcpy(p->path + (size_t)t * p->n_path * 3, c->vocab_xyz + (size_t)p->ids[t] * 3, 3 * sizeof(float));
    }
    free(row);
    gb_state_free(st);
    gb_trace_free(tr);
}

static void emb_job_run(gb_job *base) {
    emb_job *j = (emb_job *)base;
    if (j->need_model) build_cache(&j->mc, j->m, j->own_tok);
    const emb_model_cache *c = j->need_model ? &j->mc : j->have;
    if (!c->ok) return;
    run_prompt(j, c);
}

static void rebuild_points(emb_view *v);
static void build_rows(emb_view *v);

static void emb_job_finish(gb_job *base, void *self) {
    emb_job *j = (emb_job *)base;
    emb_view *v = self;
    v->job_out = false;
    if (j->need_model) {
        cache_free(&v->mc);
        v->mc = j->mc;
        memset(&j->mc, 0, sizeof j->mc);
        v->nb_of = -1;
    }
    prompt_free(&v->pr);
    v->pr = j->pr;
    memset(&j->pr, 0, sizeof j->pr);
    free(v->c_prompt);
    v->c_prompt = j->prompt;
    j->prompt = NULL;
    v->computed = true;
    build_rows(v);
    rebuild_points(v);
}

static void emb_job_free(gb_job *base) {
    emb_job *j = (emb_job *)base;
    cache_free(&j->mc);
    prompt_free(&j->pr);
    free(j->prompt);
    free(j->own_tok);
    free(j->ids_arg);
    free(j);
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static gb_job *emb_update(void *self, const gb_shared *sh) {
    emb_view *v = self;
    if (v->job_out || !sh->model) return NULL;
    const char *p = sh->prompt ? sh->prompt : "";
    bool need_model = v->mc.model != sh->model;
    if (!need_model && v->computed && v->c_prompt && strcmp(v->c_prompt, p) == 0) return NULL;
    emb_job *j = calloc(1, sizeof *j);
    if (!j) return NULL;
    j->base = (gb_job){emb_job_run, emb_job_finish, emb_job_free,
                       need_model ? "projecting the vocabulary (PCA)" : "running the model"};
    j->m = sh->model;
    j->need_model = need_model;
    j->have = &v->mc;
    j->own_tok = dup_or_null(v->own_tok);
    j->ids_arg = dup_or_null(v->ids_arg);
    j->prompt = strdup(p);
    v->job_out = true;
    return &j->base;
}

/* ---- state ---- */

int emb_chosen(const emb_view *v) {
    if (v->pr.n <= 0) return -1;
    return v->token >= 0 && v->token < v->pr.n ? v->token : gb_view_default_token(v->mc.tok, v->pr.ids, v->pr.n);
}

int emb_selected_id(const emb_view *v) {
    if (v->pick[1] >= 0) return v->pick[1];
    if (v->pick[0] >= 0) return v->pick[0];
    int c = emb_chosen(v);
    return c >= 0 ? v->pr.ids[c] : -1;
}

static void update_neighbors(emb_view *v) {
    int id = emb_selected_id(v);
    if (id == v->nb_of) return;
    v->nb_of = id, v->n_nb = 0;
    if (id < 0 || !v->mc.ok || id >= v->mc.model->cfg.vocab_size) return;
    gb_error err = {0};
    int got = gb_vindex_nearest(&v->mc.ix, v->mc.ix.rows + (size_t)id * v->mc.ix.d, GB_METRIC_COSINE,
                                EMB_NEIGHBORS, &id, 1, v->nb, &err);
    v->n_nb = got > 0 ? got : 0;
}

/* Row labels of the heatmap, one per prompt token. */
static void build_rows(emb_view *v) {
    free(v->row_lab), free(v->rows);
    v->row_lab = NULL, v->rows = NULL;
    v->heat_row = v->heat_col = -1;
    if (v->pr.n <= 0) return;
    v->row_lab = calloc((size_t)v->pr.n, sizeof v->row_lab[0]);
    v->rows = calloc((size_t)v->pr.n, sizeof v->rows[0]);
    if (!v->row_lab || !v->rows) {
        free(v->row_lab), free(v->rows);
        v->row_lab = NULL, v->rows = NULL;
        return;
    }
    for (int i = 0; i < v->pr.n; i++) {
        gb_view_token_label(v->mc.tok, v->pr.ids[i], v->row_lab[i], sizeof v->row_lab[0]);
        v->rows[i] = v->row_lab[i];
    }
}

gb_heatmap emb_heatmap(const emb_view *v) {
    double a = v->pr.emax > 0 ? v->pr.emax : 1;
    bool hover = v->heat_row >= 0 && v->heat_col >= 0;
    return (gb_heatmap){.values = v->pr.embed, .rows = v->pr.n, .cols = v->mc.model ? v->mc.model->cfg.d_model : 0,
                        .row_labels = v->rows, .row_axis = "token", .col_axis = "dimension",
                        .legend = {GB_SCALE_DIVERGING, -a, a, "value"}, .show_legend = true,
                        .hover_row = hover ? v->heat_row : emb_chosen(v), .hover_col = hover ? v->heat_col : -1};
}

gb_rect emb_heat_rect(const emb_geom *g, const gb_shared *sh) {
    gb_rect in = gb_rect_inset(g->heat, sh->theme->pad);
    gb_rect_cut_top(&in, gb_panel_header_h("x", sh->theme) - sh->theme->pad, sh->theme->pad);
    return in;
}

static void free_points(emb_view *v) {
    free(v->pts), free(v->colors), free(v->labels), free(v->label_buf), free(v->labelled);
    v->pts = NULL, v->colors = NULL, v->labels = NULL, v->label_buf = NULL, v->labelled = NULL;
    v->n_pts = 0;
}

static void set_label(emb_view *v, int i, int *slot, const char *text) {
    snprintf(v->label_buf[*slot], sizeof v->label_buf[0], "%s", text);
    v->labels[i] = v->label_buf[(*slot)++];
    v->labelled[i] = 1;
}

static double norm3(const float *p) { return sqrt((double)p[0] * p[0] + (double)p[1] * p[1] + (double)p[2] * p[2]); }

/* The residual stream grows far longer than any embedding: drawn to scale it
 * would shrink the vocabulary to a dot, so the path is shrunk to fit (and the
 * key says by how much). */
static double path_scale(const emb_view *v, int c) {
    if (c < 0) return 1;
    double rv = 0, rp = 0;
    for (int i = 0; i < v->mc.model->cfg.vocab_size; i++) rv = fmax(rv, norm3(v->mc.vocab_xyz + 3 * (size_t)i));
    for (int k = 0; k < v->pr.n_path; k++) rp = fmax(rp, norm3(v->pr.path + ((size_t)c * v->pr.n_path + k) * 3));
    return rp > rv && rp > 0 ? rv / rp : 1;
}

/* The vocabulary, coloured grey; the prompt's tokens in the chip colours of
 * the tokenization view and labelled; then the chosen token's path. */
static void rebuild_points(emb_view *v) {
    free_points(v);
    if (!v->mc.ok) return;
    int V = v->mc.model->cfg.vocab_size, np = v->pr.n > 0 ? v->pr.n_path - 1 : 0;
    int n = V + np, n_lab = v->pr.n + np + 2 + EMB_NEIGHBORS;
    v->pts = malloc((size_t)n * 3 * sizeof(float));
    v->colors = malloc((size_t)n * sizeof(gb_rgb));
    v->labels = calloc((size_t)n, sizeof(char *));
    v->label_buf = calloc((size_t)n_lab, sizeof v->label_buf[0]);
    v->labelled = calloc((size_t)n, 1);
    if (!v->pts || !v->colors || !v->labels || !v->label_buf || !v->labelled) return free_points(v);
    memcpy(v->pts, v->mc.vocab_xyz, (size_t)V * 3 * sizeof(float));
    for (int i = 0; i < V; i++) v->colors[i] = gb_rgb_hex(0xC2C9D1);
    int slot = 0;
    char lab[64];
    for (int t = 0; t < v->pr.n && slot < n_lab; t++) {
        int id = v->pr.ids[t];
        v->colors[id] = gb_palette(t % 8);
        if (v->labelled[id]) continue;
        gb_view_token_label(v->mc.tok, id, lab, sizeof lab);
        set_label(v, id, &slot, lab);
    }
    for (int k = 0; k < 2; k++)
        if (v->pick[k] >= 0 && v->pick[k] < V && !v->labelled[v->pick[k]] && slot < n_lab) {
            gb_view_token_label(v->mc.tok, v->pick[k], lab, sizeof lab);
            set_label(v, v->pick[k], &slot, lab);
        }
    int c = emb_chosen(v);
    v->path_scale = path_scale(v, c);
    for (int k = 0; k < np && c >= 0; k++) {
        const float *q = v->pr.path + ((size_t)c * v->pr.n_path + k + 1) * 3;
        for (int i = 0; i < 3; i++) v->pts[(size_t)(V + k) * 3 + i] = (float)(q[i] * v->path_scale);
        v->colors[V + k] = gb_rgb_mix(gb_palette(c % 8), gb_rgb_hex(0x000000), 0.35);
        if (slot >= n_lab) continue;
        if (k == 0) snprintf(lab, sizeof lab, "+ position");
        else snprintf(lab, sizeof lab, "layer %d", k);
        set_label(v, V + k, &slot, lab);
    }
    v->n_pts = v->show_path ? n : V;
    update_neighbors(v);
    for (int k = 0; k < v->n_nb && slot < n_lab; k++) /* the neighbours get names too (where they fit) */
        if (!v->labelled[v->nb[k].id]) {
            gb_view_token_label(v->mc.tok, v->nb[k].id, lab, sizeof lab);
            set_label(v, v->nb[k].id, &slot, lab);
        }
}

static void *emb_create(const gb_view_args *a, gb_error *err) {
    emb_view *v = calloc(1, sizeof *v);
    if (!v) {
        gb_fail(err, GB_ERR_INTERNAL, "embeddings: out of memory");
        return NULL;
    }
    v->own_tok = dup_or_null(a->tokenizer);
    v->ids_arg = dup_or_null(a->ids);
    v->token = a->token;
    v->pick[0] = v->pick[1] = -1;
    if (a->pick) {
        int *ids = NULL, n = 0;
        gb_error e = {0};
        if (gb_cli_parse_ids("--pick", a->pick, &ids, &n, &e) || n > 2) {
            if (!e.msg[0]) gb_fail(&e, GB_ERR_INPUT, "--pick: at most two token ids");
            *err = e;
            free(ids);
            free(v->own_tok), free(v->ids_arg), free(v);
            return NULL;
        }
        for (int i = 0; i < n; i++) v->pick[i] = ids[i];
        free(ids);
    }
    v->cam = (gb_camera){.yaw = 0.6, .pitch = 0.35, .zoom = 1.15, .distance = 3};
    v->show_path = true;
    v->hover = -1;
    v->nb_of = -1;
    v->heat_row = v->heat_col = -1;
    gb_ui_init(&v->ui, gb_theme_normal());
    gb_widget_toggle(&v->path_t, "path through the layers", true);
    gb_widget_set_tooltip(&v->path_t, "Show the chosen token's residual vector after each layer (p)");
    gb_widget_button(&v->reset_b, "reset view");
    gb_widget_set_tooltip(&v->reset_b, "Back to the first angle and zoom, picks cleared (r)");
    gb_ui_add(&v->ui, &v->path_t);
    gb_ui_add(&v->ui, &v->reset_b);
    return v;
}

static void emb_destroy(void *self) {
    emb_view *v = self;
    if (!v) return;
    cache_free(&v->mc);
    prompt_free(&v->pr);
    free_points(v);
    free(v->row_lab), free(v->rows);
    free(v->c_prompt), free(v->own_tok), free(v->ids_arg);
    gb_widget_free(&v->path_t);
    gb_widget_free(&v->reset_b);
    free(v);
}

/* ---- layout ---- */

void emb_geometry(const emb_view *v, double w, double h, const gb_shared *sh, emb_geom *g) {
    (void)v;
    const gb_theme *t = sh->theme;
    memset(g, 0, sizeof *g);
    gb_rect r = gb_view_body(w, h, t);
    if (r.w < 1 || r.h < 1) return;
    if (sh->interactive) g->controls = gb_rect_cut_top(&r, gb_widget_height(t), t->gap);
    if (r.w >= r.h * 1.1) { /* landscape: heatmap and selection left, the scatter right */
        gb_rect left = gb_rect_cut_left(&r, r.w * 0.4, t->gap);
        g->heat = gb_rect_cut_top(&left, left.h * 0.5, t->gap);
        g->sel = left;
        g->scatter = r;
    } else {
        g->scatter = gb_rect_cut_top(&r, r.h * 0.55, t->gap);
        g->heat = gb_rect_cut_left(&r, r.w * 0.5, t->gap);
        g->sel = r;
    }
}

gb_rect emb_scatter_rect(const emb_view *v, const emb_geom *g, const gb_shared *sh) {
    (void)v;
    gb_rect in = gb_rect_inset(g->scatter, sh->theme->pad);
    gb_rect_cut_top(&in, gb_panel_header_h("x", sh->theme) - sh->theme->pad, sh->theme->pad);
    gb_rect_cut_bottom(&in, sh->theme->font_small * 2, 0); /* the key under the plot */
    return in;
}

gb_scatter3d emb_scatter(const emb_view *v) {
    return (gb_scatter3d){.pts = v->pts, .n = v->n_pts, .colors = v->colors, .labels = v->labels,
                          .labelled = v->labelled, .axis_names = {"PC1", "PC2", "PC3"}, .cam = v->cam,
                          .pick_a = v->pick[0], .pick_b = v->pick[1], .hover = v->hover};
}

static void emb_layout(void *self, double w, double h, const gb_shared *sh) {
    emb_view *v = self;
    v->w = w, v->h = h;
    v->ui.theme = sh->theme;
    emb_geom g;
    emb_geometry(v, w, h, sh, &g);
    gb_rect c = g.controls;
    v->reset_b.r = gb_rect_cut_right(&c, sh->theme->font * 8, sh->theme->gap);
    v->path_t.r = gb_rect_cut_right(&c, sh->theme->font * 15, sh->theme->gap);
    v->path_t.hidden = v->reset_b.hidden = !sh->interactive;
}

/* ---- events ---- */

static bool pick(emb_view *v, int id) {
    if (id < 0) {
        bool had = v->pick[0] >= 0;
        v->pick[0] = v->pick[1] = -1;
        rebuild_points(v);
        return had;
    }
    if (v->pick[0] < 0 || v->pick[1] >= 0) v->pick[0] = id, v->pick[1] = -1;
    else if (id != v->pick[0]) v->pick[1] = id;
    rebuild_points(v);
    return true;
}

static bool choose_token(emb_view *v, int step) {
    int c = emb_chosen(v);
    if (c < 0) return false;
    int nc = c + step;
    if (nc < 0 || nc >= v->pr.n) return false;
    v->token = nc;
    rebuild_points(v);
    return true;
}

static void reset(emb_view *v) {
    v->cam = (gb_camera){.yaw = 0.6, .pitch = 0.35, .zoom = 1.15, .distance = 3};
    v->pick[0] = v->pick[1] = -1;
    rebuild_points(v);
}

static bool pointer(emb_view *v, const gb_event *ev, const gb_shared *sh) {
    emb_geom g;
    emb_geometry(v, v->w, v->h, sh, &g);
    gb_rect sr = emb_scatter_rect(v, &g, sh);
    bool inside = gb_rect_contains(sr, ev->x, ev->y) && v->n_pts > 0;
    gb_scatter3d s = emb_scatter(v);
    switch (ev->type) {
    case GB_EV_MOUSE_DOWN: {
        int nb = ev->button == 1 ? emb_neighbor_at(v, &g, sh, ev->x, ev->y) : -1;
        if (nb >= 0) return pick(v, nb); /* a neighbour in the list */
        if (!inside || ev->button != 1) return false;
        v->dragging = true, v->moved = false;
        v->drag_x = ev->x, v->drag_y = ev->y, v->yaw0 = v->cam.yaw, v->pitch0 = v->cam.pitch;
        return false;
    }
    case GB_EV_MOUSE_MOVE:
        if (v->dragging) {
            double dx = ev->x - v->drag_x, dy = ev->y - v->drag_y;
            if (fabs(dx) + fabs(dy) > 3) v->moved = true;
            if (!v->moved) return false;
            v->cam.yaw = v->yaw0 + dx * 0.01;
            v->cam.pitch = fmax(-1.5, fmin(1.5, v->pitch0 + dy * 0.01));
            return true;
        } else {
            int hv = inside ? gb_scatter3d_hit(&s, sr, ev->x, ev->y, 6) : -1;
            int row = -1, col = -1;
            if (v->rows) { /* the value under the pointer in the heatmap */
                gb_heatmap hm = emb_heatmap(v);
                gb_heatmap_geom hg;
                gb_heatmap_layout(&hm, emb_heat_rect(&g, sh), sh->theme, &hg);
                gb_heatmap_hit(&hg, &hm, ev->x, ev->y, &row, &col);
            }
            if (hv == v->hover && row == v->heat_row && col == v->heat_col) return false;
            v->hover = hv, v->heat_row = row, v->heat_col = col;
            return true;
        }
    case GB_EV_MOUSE_UP:
        if (!v->dragging) return false;
        v->dragging = false;
        if (v->moved) return true;
        {
            int hit = gb_scatter3d_hit(&s, sr, ev->x, ev->y, 8);
            int V = v->mc.model ? v->mc.model->cfg.vocab_size : 0;
            return pick(v, hit >= 0 && hit < V ? hit : -1);
        }
    case GB_EV_WHEEL:
        if (!inside) return false;
        v->cam.zoom = fmax(0.3, fmin(30, v->cam.zoom * pow(1.15, ev->wheel)));
        return true;
    default: return false;
    }
}

static bool emb_event(void *self, const gb_event *ev, const gb_shared *sh) {
    emb_view *v = self;
    if (!v->dragging && gb_ui_event(&v->ui, ev)) {
        if (v->path_t.changed) v->show_path = v->path_t.on, rebuild_points(v);
        if (v->reset_b.clicked) reset(v);
        v->path_t.changed = v->reset_b.clicked = false;
        return true;
    }
    if (ev->type == GB_EV_LEAVE) {
        bool had = v->hover >= 0 || v->heat_row >= 0;
        v->hover = v->heat_row = v->heat_col = -1, v->dragging = false;
        return had;
    }
    if (ev->type != GB_EV_KEY) return pointer(v, ev, sh);
    if (ev->key == GB_KEY_ESCAPE) return pick(v, -1);
    if (ev->key == GB_KEY_LEFT) return v->cam.yaw -= 0.1, true;
    if (ev->key == GB_KEY_RIGHT) return v->cam.yaw += 0.1, true;
    if (ev->key == GB_KEY_UP) return v->cam.pitch = fmax(-1.5, v->cam.pitch - 0.1), true;
    if (ev->key == GB_KEY_DOWN) return v->cam.pitch = fmin(1.5, v->cam.pitch + 0.1), true;
    if (ev->key != GB_KEY_CHAR || (ev->mods & GB_MOD_CTRL)) return false;
    switch (ev->ch) {
    case '[': return choose_token(v, -1);
    case ']': return choose_token(v, 1);
    case 'p': v->show_path = !v->show_path, v->path_t.on = v->show_path, rebuild_points(v); return true;
    case 'r': reset(v); return true;
    case '=': v->cam.zoom = fmin(30, v->cam.zoom * 1.15); return true;
    case '-': v->cam.zoom = fmax(0.3, v->cam.zoom / 1.15); return true;
    default: return false;
    }
}

static gb_ui *emb_ui(void *self) { return &((emb_view *)self)->ui; }

static const char *emb_input_error(const void *self) {
    const emb_view *v = self;
    static char msg[400];
    if (!v->computed) return "embeddings: this view needs a model (--model M)";
    int V = v->mc.model ? v->mc.model->cfg.vocab_size : 0;
    for (int k = 0; k < 2; k++)
        if (v->computed && v->mc.ok && v->pick[k] >= V)
            return snprintf(msg, sizeof msg, "embeddings --pick: %d is outside the vocabulary of %d tokens", v->pick[k], V), msg;
    if (v->computed && v->mc.error[0]) return snprintf(msg, sizeof msg, "embeddings: %s", v->mc.error), msg;
    if (v->computed && v->pr.n == 0 && v->pr.problem[0])
        return snprintf(msg, sizeof msg, "embeddings: %s", v->pr.problem), msg;
    return NULL;
}

/* "projection" [V, 3]: the vocabulary in the PCA basis; "embed" [n, d]. */
static const float *emb_matrix(const void *self, const char *name, int *rows, int *cols) {
    const emb_view *v = self;
    if (strcmp(name, "projection") == 0 && v->mc.ok)
        return *rows = v->mc.model->cfg.vocab_size, *cols = 3, v->mc.vocab_xyz;
    if (strcmp(name, "embed") == 0 && v->pr.n > 0) return *rows = v->pr.n, *cols = v->mc.model->cfg.d_model, v->pr.embed;
    if (strcmp(name, "path") == 0 && v->pr.n > 0 && emb_chosen(v) >= 0)
        return *rows = v->pr.n_path, *cols = 3, v->pr.path + (size_t)emb_chosen(v) * v->pr.n_path * 3;
    return NULL;
}

static const char *const EMB_KEYS[] = {
    "drag, arrows", "rotate the 3D view",
    "wheel, =  -", "zoom",
    "click", "pick a token (two picks: angle, cosine, distance), or a neighbour in the list",
    "Esc", "clear the picks",
    "[  ]", "previous / next prompt token (its path through the layers)",
    "p", "show or hide the path",
    "r", "reset the view",
    NULL,
};

const gb_view gb_view_embeddings = {
    .name = "embeddings",
    .title = "Embeddings",
    .summary = "token vectors: heatmap, 3D PCA of the vocabulary, angles, neighbours, path through layers (--token, --pick)",
    .create = emb_create,
    .destroy = emb_destroy,
    .update = emb_update,
    .layout = emb_layout,
    .draw = emb_draw,
    .event = emb_event,
    .shortcuts = EMB_KEYS,
    .ui = emb_ui,
    .matrix = emb_matrix,
    .input_error = emb_input_error,
};
