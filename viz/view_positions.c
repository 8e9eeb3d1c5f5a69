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
#include "highlight.h"
#include "view.h"
#include "view_tokenization.h"

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
    /* token embedding + position = input, for one token of the prompt */
    char *own_tok, *ids_arg;     /* --tokenizer, --ids */
    int token;                   /* chosen prompt token (--token), -1 = last */
    char *c_prompt;              /* prompt the sum was computed for */
    float *sum;                  /* [3, sum_d]: embedding, position, input */
    int sum_d, sum_pos, sum_n;   /* width, the token's position, tokens in the prompt */
    char sum_label[64];          /* the token's label */
    char sum_problem[320];       /* why there is no sum (shown instead) */
    bool sum_too_long;           /* the prompt is longer than the context: render refuses */
    gb_hl hl;                    /* --highlight: without --token, the first such word's token is chosen */
    bool sum_marked;             /* the chosen token is (part of) a highlighted word */
    /* widgets */
    gb_ui ui;
    gb_widget dim_s, len_s, pair_s, cos_t;
    /* layout and pointer */
    double w, h;
    int hover_p, hover_i, hover_a, hover_b;
} pos_view;

typedef struct pos_geom {
    gb_rect controls, pe, curves, sim, sum;
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
    /* the sum for one token (models only) */
    char *prompt, *own_tok, *ids_arg;
    int token;
    float *sum;
    int sum_d, sum_pos, sum_n;
    char sum_label[64], sum_problem[320];
    bool sum_too_long;
    gb_hl hl;
    bool sum_marked;
} pos_job;

/* The prompt tokens of the highlighted words: marked[n] (malloc'd; NULL when none or out of memory). */
static bool *marked_tokens(const gb_hl *hl, const gb_tokenizer *tok, const int *ids, int n) {
    if (hl->n == 0 || n <= 0) return NULL;
    char (*lab)[64] = malloc((size_t)n * sizeof *lab);
    const char **texts = malloc((size_t)n * sizeof *texts);
    bool *mk = malloc((size_t)n);
    if (lab && texts && mk) {
        for (int i = 0; i < n; i++) gb_view_token_label(tok, ids[i], lab[i], sizeof lab[i]), texts[i] = lab[i];
        gb_hl_mark(hl, texts, n, mk);
    }
    free(lab);
    free(texts);
    if (!lab || !texts) free(mk), mk = NULL;
    return mk;
}

/* The token the sum is for: --token, else the first token of a highlighted word, else the view's default. */
static int sum_token(const pos_job *j, const gb_tokenizer *tok, const int *ids, int n, const bool *mk) {
    if (j->token >= 0 && j->token < n) return j->token;
    for (int i = 0; mk && i < n; i++)
        if (mk[i]) return i;
    return gb_view_default_token(tok, ids, n);
}

/* The input of one token: its embedding row (times sqrt(d) for models that
 * scale it) plus the encoding of its position, as the forward pass adds them. */
static void sum_run(pos_job *j) {
    const gb_model *m = j->model;
    gb_error err = {0};
    gb_tokenizer *tok = j->ids_arg ? NULL : gb_view_tokenizer_for(m, j->own_tok, &err);
    gb_prompt_ids ids;
    if (!gb_prompt_ids_make(&ids, m, tok, j->prompt, j->ids_arg)) {
        snprintf(j->sum_problem, sizeof j->sum_problem, "%s", ids.problem);
        j->sum_too_long = ids.n > m->cfg.max_seq;
    } else {
        bool *mk = marked_tokens(&j->hl, tok, ids.ids, ids.n);
        int d = m->cfg.d_model, t = sum_token(j, tok, ids.ids, ids.n, mk);
        j->sum_marked = mk && mk[t];
        free(mk);
        j->sum = calloc(3 * (size_t)d, sizeof(float));
        if (j->sum) {
            float es = m->cfg.scale_embed ? sqrtf((float)d) : 1.0f;
            const float *e = m->w.embed + (size_t)ids.ids[t] * d;
            bool added = gb_position_encoding(m, t, j->sum + d);
            for (int i = 0; i < d; i++) {
                j->sum[i] = e[i] * es;
                if (!added) j->sum[d + i] = 0;
                j->sum[2 * d + i] = j->sum[i] + j->sum[d + i];
            }
            j->sum_d = d, j->sum_pos = t, j->sum_n = ids.n;
            gb_view_token_label(tok, ids.ids[t], j->sum_label, sizeof j->sum_label);
        }
    }
    gb_prompt_ids_free(&ids);
    if (tok) gb_tokenizer_free(tok);
}

static void pos_job_run(gb_job *base) {
    pos_job *j = (pos_job *)base;
    if (j->model && j->prompt) sum_run(j);
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
    free(v->sum);
    free(v->c_prompt);
    v->sum = j->sum, v->c_prompt = j->prompt;
    j->sum = NULL, j->prompt = NULL;
    v->sum_d = j->sum_d, v->sum_pos = j->sum_pos, v->sum_n = j->sum_n;
    memcpy(v->sum_label, j->sum_label, sizeof v->sum_label);
    memcpy(v->sum_problem, j->sum_problem, sizeof v->sum_problem);
    v->sum_too_long = j->sum_too_long;
    v->sum_marked = j->sum_marked;
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
    v->from_model = j->model != NULL && j->model->cfg.pos == GB_POS_LEARNED; /* no formula behind them */
    v->sim_min = j->sim_min, v->sim_max = j->sim_max;
    v->computed = true;
}

static void pos_job_free(gb_job *base) {
    pos_job *j = (pos_job *)base;
    free(j->pe);
    free(j->sim);
    free(j->sum);
    free(j->prompt), free(j->own_tok), free(j->ids_arg);
    free(j);
}

static gb_job *pos_update(void *self, const gb_shared *sh) {
    pos_view *v = self;
    if (v->job_out) return NULL;
    const gb_model *m = sh->model;
    bool rope = m && m->cfg.pos == GB_POS_ROPE;
    int d = rope ? m->cfg.d_head : m ? m->cfg.d_model : v->dim;
    int n = m && v->length > m->cfg.max_seq ? m->cfg.max_seq : v->length;
    const char *prompt = sh->prompt ? sh->prompt : "";
    bool same_prompt = !m || (v->c_prompt && strcmp(v->c_prompt, prompt) == 0);
    if (v->computed && v->c_model == m && same_prompt &&
        (v->no_table || (v->d == d && v->n_pos == n && v->sim_cosine == v->cosine)))
        return NULL;
    pos_job *j = calloc(1, sizeof *j);
    if (!j) return NULL;
    j->base = (gb_job){pos_job_run, pos_job_finish, pos_job_free, "computing positional encodings"};
    j->d = d, j->n_pos = n, j->cosine = v->cosine, j->model = m;
    j->rope = rope, j->theta = rope ? m->cfg.rope_theta : 10000.0;
    if (m) {
        j->prompt = strdup(prompt);
        j->own_tok = v->own_tok ? strdup(v->own_tok) : NULL;
        j->ids_arg = v->ids_arg ? strdup(v->ids_arg) : NULL;
        j->token = v->token;
        j->hl = v->hl;
    }
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
    v->own_tok = a->tokenizer ? strdup(a->tokenizer) : NULL;
    v->ids_arg = a->ids ? strdup(a->ids) : NULL;
    v->token = a->token;
    gb_hl_parse(&v->hl, a->highlight);
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
    free(v->sum), free(v->c_prompt), free(v->own_tok), free(v->ids_arg);
    gb_widget_free(&v->dim_s);
    gb_widget_free(&v->len_s);
    gb_widget_free(&v->pair_s);
    gb_widget_free(&v->cos_t);
    free(v);
}

/* ---- layout ---- */

static double sum_row_h(const gb_theme *t) { return t->font * 2.2; }

static void geometry(const pos_view *v, double w, double h, const gb_shared *sh, pos_geom *g) {
    const gb_theme *t = sh->theme;
    gb_rect r = gb_view_body(w, h, t);
    if (r.w < 0) r.w = 0;
    if (r.h < 0) r.h = 0;
    g->controls = sh->interactive ? gb_rect_cut_top(&r, gb_widget_height(t), t->gap) : (gb_rect){0, 0, 0, 0};
    g->sum = (gb_rect){0, 0, 0, 0};
    if (v->sum || v->sum_problem[0]) { /* a model: the sum for one token along the bottom */
        double sh_h = gb_panel_header_h("x", t) + 2 * t->pad + (v->sum ? 3 * sum_row_h(t) : t->font * 2);
        if (r.h > 3 * sh_h) g->sum = gb_rect_cut_bottom(&r, sh_h, t->gap);
    }
    if (r.w >= r.h * 1.15 && r.h < 34 * t->font) { /* wide and short: three side by side */
        bool sum = g->sum.h > 0; /* then shorter still: the waves get more width for their legend */
        g->pe = gb_rect_cut_left(&r, r.w * (sum ? 0.31 : 0.38), t->gap);
        g->curves = gb_rect_cut_left(&r, r.w * (sum ? 0.56 : 0.5), t->gap);
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
    geometry(v, w, h, sh, &g);
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

/* One strip: a label, then the first k values as coloured cells with the
 * numbers printed in them. */
static void draw_strip(cairo_t *cr, gb_rect r, const char *label, bool marked, const float *x, int k, double a,
                       double lw, const gb_theme *t) {
    gb_font fb = gb_font_body(t), fs = gb_font_small(t);
    if (marked) { /* a --highlight word's token: its label on the highlighter's ground */
        double tw;
        fb.bold = true;
        gb_text_size(cr, &fb, label, &tw, NULL);
        gb_hl_ground(cr, (gb_rect){r.x - 4, r.y + 2, fmin(tw, lw - t->pad) + 8, r.h - 4}, 0);
    }
    gb_set_rgb(cr, marked ? GB_HL_INK : t->fg);
    gb_text_draw(cr, &fb, label, r.x, r.y + r.h / 2, GB_LEFT, GB_MIDDLE, lw - t->pad);
    double cw = (r.w - lw) / k;
    for (int i = 0; i < k; i++) {
        gb_rect c = {r.x + lw + i * cw, r.y + 2, cw - 2, r.h - 4};
        gb_rgb col = gb_scale_color(GB_SCALE_DIVERGING, gb_scale_t(x[i], -a, a));
        gb_set_rgb(cr, col);
        cairo_rectangle(cr, c.x, c.y, c.w, c.h);
        cairo_fill(cr);
        char num[24];
        snprintf(num, sizeof num, "%.2f", x[i]);
        gb_set_rgb(cr, gb_text_on(col));
        gb_text_draw(cr, &fs, num, c.x + c.w / 2, c.y + c.h / 2, GB_CENTER, GB_MIDDLE, c.w);
    }
}

static void draw_sum(cairo_t *cr, gb_rect r, const pos_view *v, const gb_theme *t) {
    char title[200], sub[240];
    if (!v->sum) {
        gb_rect in = gb_draw_panel(cr, r, "Token embedding + position = input", "", t);
        gb_set_rgb(cr, t->fg_dim);
        gb_font fb = gb_font_body(t);
        gb_text_draw(cr, &fb, v->sum_problem, in.x, in.y, GB_LEFT, GB_TOP, in.w);
        return;
    }
    int d = v->sum_d;
    snprintf(title, sizeof title, "What the first layer reads for \xE2\x80\x9C%s\xE2\x80\x9D (token %d of %d, position %d)", v->sum_label,
             v->sum_pos + 1, v->sum_n, v->sum_pos);
    if (v->rope)
        snprintf(sub, sizeof sub, "RoPE adds no vector: the input is the embedding alone, and the position turns queries and keys");
    else snprintf(sub, sizeof sub, "token embedding + positional encoding = input, dimension by dimension%s",
                  d > 0 ? "; the first dimensions shown" : "");
    gb_rect in = gb_draw_panel(cr, r, title, sub, t);
    gb_font fs = gb_font_small(t);
    double numw, nh, lw = fmin(in.w * 0.3, t->font * 15);
    gb_text_size(cr, &fs, "-0.00", &numw, &nh);
    int k = (int)fmin(d, floor((in.w - lw - t->font * 6) / (numw + 8)));
    if (k < 1) return;
    double a = 0;
    for (int i = 0; i < 3 * d; i++) a = fmax(a, fabs(v->sum[i]));
    if (a == 0) a = 1;
    char lab[3][96];
    snprintf(lab[0], sizeof lab[0], "embedding of \xE2\x80\x9C%s\xE2\x80\x9D", v->sum_label);
    if (v->rope) snprintf(lab[1], sizeof lab[1], "+ nothing (RoPE)");
    else snprintf(lab[1], sizeof lab[1], "+ position %d", v->sum_pos);
    snprintf(lab[2], sizeof lab[2], "= input");
    double rh = sum_row_h(t);
    gb_rect strip = {in.x, in.y, in.w - t->font * 6, rh};
    for (int s = 0; s < 3; s++, strip.y += rh)
        draw_strip(cr, strip, lab[s], s == 0 && v->sum_marked, v->sum + (size_t)s * d, k, a, lw, t);
    if (k < d) {
        char more[64];
        snprintf(more, sizeof more, "+ %d more", d - k);
        gb_set_rgb(cr, t->fg_dim);
        gb_text_draw(cr, &fs, more, strip.x + strip.w + t->pad, in.y + rh * 1.5, GB_LEFT, GB_MIDDLE, t->font * 6 - t->pad);
    }
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
        snprintf(sub, sizeof sub, "%s%sSinusoidal, d = %d, positions 0\xE2\x80\x93%d:  PE(p, 2i) = sin(p / 10000^(2i/d)),  "
                 "PE(p, 2i+1) = cos(p / 10000^(2i/d))", m && sh->model_name ? sh->model_name : "",
                 m && sh->model_name ? ": " : "", v->d, v->n_pos - 1);
    gb_view_header(cr, w, h, "Positional encoding", v->computed && !v->no_table ? sub : "", t);
    pos_geom g;
    geometry(v, w, h, sh, &g);
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
    if (g.sum.h > 0) draw_sum(cr, g.sum, v, t);
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
    geometry(v, v->w, v->h, sh, &g);
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
        if ((ev->ch == ',' || ev->ch == '.') && v->sum) { /* another token of the prompt: recompute the sum */
            int t = (v->token >= 0 ? v->token : v->sum_pos) + (ev->ch == '.' ? 1 : -1);
            if (t < 0 || t >= v->sum_n) return false;
            v->token = t;
            free(v->c_prompt);
            v->c_prompt = NULL;
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

/* "encoding" [positions, d], "similarity" [positions, positions] and, with a
 * model, "sum" [3, d]: embedding, position and input of the chosen token. */
static const float *pos_matrix(const void *self, const char *name, int *rows, int *cols) {
    const pos_view *v = self;
    if (!v->computed || v->no_table) return NULL;
    if (strcmp(name, "encoding") == 0) return *rows = v->n_pos, *cols = v->d, v->pe;
    if (strcmp(name, "similarity") == 0) return *rows = *cols = v->n_pos, v->sim;
    if (strcmp(name, "sum") == 0 && v->sum) return *rows = 3, *cols = v->sum_d, v->sum;
    return NULL;
}

/* A prompt longer than the context cannot be shown: render says so. */
static const char *pos_input_error(const void *self) {
    const pos_view *v = self;
    static char msg[360];
    if (!v->sum_too_long) return NULL;
    snprintf(msg, sizeof msg, "positions: %s", v->sum_problem);
    return msg;
}

/* The chosen prompt token when it is one of a --highlight word's. */
static int pos_highlighted(const void *self, int *out, int cap) {
    const pos_view *v = self;
    if (!v->sum || !v->sum_marked || cap < 1) return 0;
    out[0] = v->sum_pos;
    return 1;
}

static const char *const POS_KEYS[] = {"[  ]", "previous / next pair of dimensions as curves",
                                       "c", "dot product or cosine similarity",
                                       ",  .", "previous / next prompt token for embedding + position = input", NULL};

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
    .input_error = pos_input_error,
    .highlighted = pos_highlighted,
};
