/* view_lens.c - the "lens" view: the prediction read off the residual stream
 * after each layer (the final norm and the output head applied early: the
 * "logit lens"), so a student sees the answer forming layer by layer.
 *
 * Left: a heatmap of layers (rows, the embedding first) by the final top
 * tokens (columns), each cell the probability the lens gives that token at
 * that depth. Right: what each layer alone would predict, with its
 * probability. One position at a time (default: the last). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glassbox/model.h"
#include "glassbox/tokenizer.h"
#include "view.h"
#include "view_attention.h"

#define LENS_K 10
#define LENS_ROWS (GB_MAX_LAYERS + 1)

typedef struct lens_view {
    char *ids_arg, *tok_arg;
    gb_att_tokens tokens;
    int position;                /* -1: the last */
    gb_att_head off[GB_ATT_MAX_IV];
    int n_off;
    bool no_pos;
    bool c_no_pos;               /* no_pos of the computed table */
    /* computed */
    int *ids, n;
    bool bytes;
    int pos;                     /* the position computed */
    int rows, k;
    int col_id[LENS_K];
    float probs[LENS_ROWS * LENS_K];
    int top_id[LENS_ROWS];
    float top_prob[LENS_ROWS];
    char col_lab[LENS_K][40], row_lab[LENS_ROWS][32], top_lab[LENS_ROWS][64], tok_lab[48];
    const void *c_model;
    bool have, job_out;
    char error[256];
    gb_ui ui;
    gb_widget pos_s;
    double w, h;
    int hover_r, hover_c;
} lens_view;

/* ---- the job ---- */

typedef struct lens_job {
    gb_job base;
    const gb_model *model;
    gb_att_input in;
    int pos;
    int rows, col_id[LENS_K], top_id[LENS_ROWS];
    float probs[LENS_ROWS * LENS_K], top_prob[LENS_ROWS];
    gb_error err;
    bool ok;
} lens_job;

static void lens_run(gb_job *base) {
    lens_job *j = (lens_job *)base;
    gb_att_rec rec;
    if (gb_att_rec_compute(&rec, j->model, &j->in, &j->err)) return;
    int k = j->model->cfg.vocab_size < LENS_K ? j->model->cfg.vocab_size : LENS_K;
    j->rows = gb_att_lens(gb_att_rec_current(&rec), j->model, j->pos, k, j->col_id, true, j->probs, j->top_id,
                          j->top_prob, LENS_ROWS);
    if (j->rows == 0) gb_fail(&j->err, GB_ERR_INPUT, "the logit lens needs a model with an output head (a decoder)");
    else j->ok = true;
    gb_att_rec_free(&rec);
}

static void token_label(const lens_view *v, int id, char *b, size_t cap) {
    gb_att_label(&v->tokens, v->bytes ? GB_ATT_FROM_BYTES : GB_ATT_FROM_IDS, id, b, cap);
}

static void lens_finish(gb_job *base, void *self) {
    lens_job *j = (lens_job *)base;
    lens_view *v = self;
    v->job_out = false;
    v->c_model = j->model;
    free(v->ids);
    v->ids = j->in.ids, v->n = j->in.n;
    j->in.ids = NULL;
    v->pos = j->pos;
    if (!j->ok) {
        v->have = false;
        snprintf(v->error, sizeof v->error, "%s", j->err.msg);
        return;
    }
    v->error[0] = '\0';
    v->have = true;
    v->rows = j->rows;
    v->k = j->model->cfg.vocab_size < LENS_K ? j->model->cfg.vocab_size : LENS_K;
    memcpy(v->col_id, j->col_id, sizeof v->col_id);
    memcpy(v->probs, j->probs, sizeof v->probs);
    memcpy(v->top_id, j->top_id, sizeof v->top_id);
    memcpy(v->top_prob, j->top_prob, sizeof v->top_prob);
    for (int c = 0; c < v->k; c++) token_label(v, v->col_id[c], v->col_lab[c], sizeof v->col_lab[c]);
    for (int r = 0; r < v->rows; r++) {
        if (r == 0) snprintf(v->row_lab[r], sizeof v->row_lab[r], "embedding");
        else snprintf(v->row_lab[r], sizeof v->row_lab[r], "after layer %d", r - 1);
        char t[40];
        token_label(v, v->top_id[r], t, sizeof t);
        snprintf(v->top_lab[r], sizeof v->top_lab[r], "%s", t);
    }
    token_label(v, v->ids[v->pos], v->tok_lab, sizeof v->tok_lab);
    v->pos_s.max = v->n > 1 ? v->n - 1 : 1;
    gb_slider_set(&v->pos_s, v->pos);
}

static void lens_free(gb_job *base) {
    lens_job *j = (lens_job *)base;
    gb_att_input_free(&j->in);
    free(j);
}

static gb_job *lens_update(void *self, const gb_shared *sh) {
    lens_view *v = self;
    if (v->job_out) return NULL;
    const gb_model *m = sh->model;
    if (!m) {
        v->have = false;
        snprintf(v->error, sizeof v->error, "%s", sh->model_error ? sh->model_error : "The logit lens needs a model: open one with --model");
        return NULL;
    }
    gb_att_tokens_open(&v->tokens, v->tok_arg, m);
    gb_att_input in = {0};
    char why[200];
    gb_att_source src;
    bool ok = gb_att_tokens_ids(&v->tokens, v->ids_arg, sh->prompt, &in.ids, &in.n, &src, why, sizeof why);
    bool bytes = src == GB_ATT_FROM_BYTES;
    if (ok && m->cfg.arch == GB_ARCH_ENCDEC) { /* the source is the prompt; the target a start token */
        in.src = in.ids, in.n_src = in.n;
        in.ids = malloc(sizeof *in.ids);
        in.n = in.ids ? 1 : 0;
        int bos = v->tokens.tok ? gb_tokenizer_special(v->tokens.tok, GB_SPECIAL_BOS) : -1;
        if (in.ids) in.ids[0] = bos >= 0 ? bos : 1 < m->cfg.vocab_size ? 1 : 0;
    }
    memcpy(in.off, v->off, sizeof in.off);
    in.n_off = v->n_off, in.no_pos = v->no_pos;
    int pos = v->position >= 0 && v->position < in.n ? v->position : in.n - 1;
    if (!ok) {
        gb_att_input_free(&in);
        v->have = false;
        snprintf(v->error, sizeof v->error, "%s", why);
        v->c_model = m;
        return NULL;
    }
    bool same = v->c_model == m && (v->have || v->error[0]) && v->n == in.n && v->pos == pos &&
                (in.n == 0 || memcmp(v->ids, in.ids, (size_t)in.n * sizeof *in.ids) == 0) && v->bytes == bytes &&
                v->c_no_pos == v->no_pos;
    if (same) {
        gb_att_input_free(&in);
        return NULL;
    }
    lens_job *j = calloc(1, sizeof *j);
    if (!j) return gb_att_input_free(&in), NULL;
    j->base = (gb_job){lens_run, lens_finish, lens_free, "reading the prediction layer by layer"};
    j->model = m, j->in = in, j->pos = pos;
    v->bytes = bytes;
    v->c_no_pos = v->no_pos;
    v->job_out = true;
    return &j->base;
}

/* ---- state ---- */

static void *lens_create(const gb_view_args *a, gb_error *err) {
    lens_view *v = calloc(1, sizeof *v);
    if (!v) return gb_fail(err, GB_ERR_INTERNAL, "lens: out of memory"), NULL;
    if (a->ids) {
        int *ids, n;
        char why[160];
        if (!gb_att_parse_ids(a->ids, &ids, &n, why, sizeof why)) {
            gb_fail(err, GB_ERR_INPUT, "lens --ids: %s", why);
            free(v);
            return NULL;
        }
        free(ids);
        v->ids_arg = malloc(strlen(a->ids) + 1);
        if (v->ids_arg) strcpy(v->ids_arg, a->ids);
    }
    for (const char *p = a->off; p && *p;) {
        int l, h, used = 0;
        if (sscanf(p, "%d.%d%n", &l, &h, &used) != 2 || l < 0 || h < 0 || (p[used] && p[used] != ',')) {
            gb_fail(err, GB_ERR_INPUT, "lens --off: '%s' is not a list of LAYER.HEAD (e.g. 0.1,2.3)", a->off);
            free(v->ids_arg);
            free(v);
            return NULL;
        }
        if (v->n_off < GB_ATT_MAX_IV) v->off[v->n_off++] = (gb_att_head){GB_ATT_SELF, l, h};
        p += used + (p[used] == ',');
    }
    v->no_pos = a->no_pos;
    v->position = a->position;
    if (a->tokenizer) {
        v->tok_arg = malloc(strlen(a->tokenizer) + 1);
        if (v->tok_arg) strcpy(v->tok_arg, a->tokenizer);
    }
    v->pos = -1;
    v->hover_r = v->hover_c = -1;
    gb_ui_init(&v->ui, gb_theme_normal());
    gb_widget_slider(&v->pos_s, "position", 0, 0, 1, 1, 0);
    gb_widget_set_tooltip(&v->pos_s, "Which position's prediction to read ([ and ]; End: the last)");
    gb_ui_add(&v->ui, &v->pos_s);
    return v;
}

static void lens_destroy(void *self) {
    lens_view *v = self;
    if (!v) return;
    free(v->ids_arg);
    free(v->tok_arg);
    gb_att_tokens_close(&v->tokens);
    free(v->ids);
    gb_widget_free(&v->pos_s);
    free(v);
}

/* ---- layout and drawing ---- */

typedef struct lens_geom {
    gb_rect controls, heat, top;
} lens_geom;

static void geometry(double w, double h, const gb_shared *sh, lens_geom *g) {
    const gb_theme *t = sh->theme;
    gb_rect r = gb_view_body(w, h, t);
    if (r.w < 0) r.w = 0;
    if (r.h < 0) r.h = 0;
    g->controls = sh->interactive ? gb_rect_cut_top(&r, gb_widget_height(t), t->gap) : (gb_rect){0, 0, 0, 0};
    if (r.w > r.h * 1.2) {
        g->top = gb_rect_cut_right(&r, r.w * (r.w < 1000 ? 0.4 : 0.32), t->gap);
        g->heat = r;
    } else {
        g->top = gb_rect_cut_bottom(&r, r.h * 0.4, t->gap);
        g->heat = r;
    }
}

static void lens_layout(void *self, double w, double h, const gb_shared *sh) {
    lens_view *v = self;
    v->w = w, v->h = h;
    v->ui.theme = sh->theme;
    lens_geom g;
    geometry(w, h, sh, &g);
    v->pos_s.r = gb_rect_cut_left(&g.controls, fmin(g.controls.w, 420), 0);
    v->pos_s.hidden = !sh->interactive;
}

static gb_heatmap lens_heatmap(const lens_view *v) {
    static const char *rl[LENS_ROWS], *cl[LENS_K];
    for (int r = 0; r < v->rows; r++) rl[r] = v->row_lab[r];
    for (int c = 0; c < v->k; c++) cl[c] = v->col_lab[c];
    double vmax = 0;
    for (int i = 0; i < v->rows * v->k; i++) vmax = fmax(vmax, v->probs[i]);
    return (gb_heatmap){
        .values = v->probs, .rows = v->rows, .cols = v->k, .row_labels = rl, .col_labels = cl,
        .row_axis = "read after", .col_axis = "the model's final top tokens",
        .legend = {GB_SCALE_VIRIDIS, 0, vmax > 0 ? vmax : 1, "probability"}, .show_legend = true,
        .show_values = true, .hover_row = v->hover_r, .hover_col = v->hover_c,
    };
}

static gb_rect content(gb_rect r, const gb_theme *t) {
    gb_rect in = gb_rect_inset(r, t->pad);
    gb_rect_cut_top(&in, gb_panel_header_h("x", t) - t->pad, t->pad);
    return in;
}

static void lens_draw(cairo_t *cr, double w, double h, const void *self, const gb_shared *sh) {
    const lens_view *v = self;
    const gb_theme *t = sh->theme;
    gb_set_rgb(cr, t->bg);
    cairo_paint(cr);
    if (!v->have) {
        gb_view_header(cr, w, h, "Logit lens", "", t);
        gb_view_message(cr, (gb_rect){0, 0, w, h}, v->job_out || sh->busy ? "Reading the prediction\xE2\x80\xA6"
                                                    : v->error[0] ? v->error : "Nothing computed yet", t);
        return;
    }
    char sub[320];
    snprintf(sub, sizeof sub, "%s: the next token after \"%s\" (position %d of 0..%d), read off the residual stream "
             "with the final norm and output head%s",
             sh->model_name ? sh->model_name : "model", v->tok_lab, v->pos, v->n - 1,
             v->n_off || v->c_no_pos ? " (with the interventions)" : "");
    gb_view_header(cr, w, h, "Logit lens: the answer forming layer by layer", sub, t);
    lens_geom g;
    geometry(w, h, sh, &g);
    gb_rect in = gb_draw_panel(cr, g.heat, "The final top tokens at each depth",
                               "probability the lens gives each, after the embedding and after each layer", t);
    gb_heatmap hm = lens_heatmap(v);
    gb_draw_heatmap(cr, in, &hm, t);
    in = gb_draw_panel(cr, g.top, "Best guess at each depth", "if the model stopped there", t);
    static const char *labs[LENS_ROWS];
    static char lab_buf[LENS_ROWS][112];
    for (int r = 0; r < v->rows; r++) {
        if (r == 0) snprintf(lab_buf[r], sizeof lab_buf[r], "embed: %s", v->top_lab[r]);
        else snprintf(lab_buf[r], sizeof lab_buf[r], "L%d: %s", r - 1, v->top_lab[r]);
        labs[r] = lab_buf[r];
    }
    gb_bars b = {.values = v->top_prob, .n = v->rows, .labels = labs, .value_axis = "probability",
                 .highlight = v->rows - 1, .hover = v->hover_r, .decimals = 3, .vmax = 1.0 /* probabilities: one scale at every depth */};
    gb_draw_bars(cr, in, &b, t);
    if (sh->interactive) gb_ui_draw(cr, &v->ui);
}

/* ---- events ---- */

static bool set_pos(lens_view *v, int p) {
    if (v->n < 1) return false;
    p = p < 0 ? 0 : p >= v->n ? v->n - 1 : p;
    if (p == v->position) return false;
    v->position = p;
    return true;
}

static bool lens_event(void *self, const gb_event *ev, const gb_shared *sh) {
    lens_view *v = self;
    if (gb_ui_event(&v->ui, ev)) {
        if (v->pos_s.changed) set_pos(v, (int)v->pos_s.value), v->pos_s.changed = false;
        return true;
    }
    if (ev->type == GB_EV_MOUSE_MOVE && v->have) {
        lens_geom g;
        geometry(v->w, v->h, sh, &g);
        gb_heatmap hm = lens_heatmap(v);
        gb_heatmap_geom hg;
        gb_heatmap_layout(&hm, content(g.heat, sh->theme), sh->theme, &hg);
        int r = -1, c = -1;
        if (!gb_heatmap_hit(&hg, &hm, ev->x, ev->y, &r, &c)) r = c = -1;
        bool ch = r != v->hover_r || c != v->hover_c;
        v->hover_r = r, v->hover_c = c;
        return ch;
    }
    if (ev->type == GB_EV_KEY && ev->key == GB_KEY_CHAR && !ev->mods) {
        int cur = v->position >= 0 ? v->position : v->n - 1;
        if (ev->ch == '[') return set_pos(v, cur - 1);
        if (ev->ch == ']') return set_pos(v, cur + 1);
        if (ev->ch == 'p') return v->no_pos = !v->no_pos, true;
    }
    if (ev->type == GB_EV_KEY && ev->key == GB_KEY_END) return set_pos(v, v->n - 1);
    if (ev->type == GB_EV_KEY && ev->key == GB_KEY_HOME) return set_pos(v, 0);
    return false;
}

static gb_ui *lens_ui(void *self) { return &((lens_view *)self)->ui; }

/* "lens" [rows, k]: probabilities of the final top tokens after each layer;
 * "top" [rows, 2]: each row's best token id and its probability. */
static const float *lens_matrix(const void *self, const char *name, int *rows, int *cols) {
    const lens_view *v = self;
    static float top[LENS_ROWS * 2];
    if (!v->have) return NULL;
    if (strcmp(name, "lens") == 0) return *rows = v->rows, *cols = v->k, v->probs;
    if (strcmp(name, "top") == 0) {
        for (int r = 0; r < v->rows; r++) top[2 * r] = (float)v->top_id[r], top[2 * r + 1] = v->top_prob[r];
        return *rows = v->rows, *cols = 2, top;
    }
    return NULL;
}

static gb_status lens_check(const void *self, const gb_shared *sh, gb_error *err) {
    const lens_view *v = self;
    if (!sh->model) return gb_fail(err, GB_ERR_INPUT, "lens: needs a model (--model)");
    if (!v->have) return gb_fail(err, GB_ERR_INPUT, "lens: %s", v->error);
    if (v->position >= v->n)
        return gb_fail(err, GB_ERR_INPUT, "lens --position: %d is beyond the %d tokens (0..%d)", v->position, v->n, v->n - 1);
    for (int i = 0; i < v->n_off; i++)
        if (v->off[i].layer >= sh->model->cfg.n_layers || v->off[i].head >= sh->model->cfg.n_heads)
            return gb_fail(err, GB_ERR_INPUT, "lens --off: head %d.%d does not exist", v->off[i].layer, v->off[i].head);
    return GB_OK;
}

static const char *const LENS_KEYS[] = {"[  ]", "previous / next position", "Home  End", "the first / the last position",
                                        "p", "remove / restore the positional encodings", NULL};

const gb_view gb_view_lens = {
    .name = "lens",
    .title = "Logit lens",
    .summary = "the prediction read off the residual stream after each layer (--ids, --position, --off, --no-pos)",
    .create = lens_create,
    .destroy = lens_destroy,
    .update = lens_update,
    .layout = lens_layout,
    .draw = lens_draw,
    .event = lens_event,
    .shortcuts = LENS_KEYS,
    .ui = lens_ui,
    .matrix = lens_matrix,
    .check = lens_check,
};
