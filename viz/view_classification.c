/* view_classification.c - the "classification" view: a sentence typed into
 * the view's text box, read at once by an encoder with a classification head
 * (BERT-style, the bundled classroom-sentiment); the class probabilities;
 * the attention from the classification token <cls> to every token, for a
 * chosen layer and head (or their average) as bars and as the sentence
 * shaded by weight, and for every head at once; and, when the sentence holds
 * a negation, the same sentence without it, its probabilities side by side
 * (lesson 10: the role of "not"). gb_classify does the work. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glassbox/tasks.h"
#include "view.h"
#include "view_tasks.h"

#define CL_DEFAULT_PROMPT "the song is not very good ."

typedef struct cl_result {
    gb_classification c;
    char (*lab)[TASK_LABEL];   /* [c.n] */
    int n_unk;
} cl_result;

typedef struct cl_view {
    task_src src;
    task_heads heads;
    int arg_layer, arg_head;
    char *seen_prompt;         /* the window's prompt last copied into the text box */
    /* results (from a job) */
    cl_result main, plain;     /* plain: without the negation (have_plain) */
    char *plain_text;
    bool have, have_plain, job_out, input_bad;
    char error[256];
    char *c_text;              /* the text the result (or error) is for */
    const gb_model *c_model;
    float *avg;                /* [main.c.n] the average of the layer's heads */
    float *grid;               /* [layers * heads, main.c.n] every head's <cls> row */
    const char **grid_rows, **tok_p;
    char (*grid_lab)[16];
    /* widgets */
    gb_ui ui;
    gb_widget text_b;
    double w, h;
    int hover_tok, hover_grid_r, hover_grid_c;
    gb_hl hl;                  /* --highlight: these words' tokens ringed and their bars' labels marked */
} cl_view;

typedef struct cl_geom {
    gb_rect controls, sentence, bars, grid, probs, plain;
} cl_geom;

static void cl_result_free(cl_result *r) {
    gb_classification_free(&r->c);
    free(r->lab);
    memset(r, 0, sizeof *r);
}

static const char *box_text(const cl_view *v) { return v->text_b.text.s ? v->text_b.text.s : ""; }

/* ---- the job ---- */

typedef struct cl_job {
    gb_job base;
    task_load L;
    char *text, *plain_text;
    cl_result main, plain;
    bool have_plain, ok;
    gb_error err;
} cl_job;

static gb_status classify_text(cl_job *j, const char *text, cl_result *r) {
    int *ids = NULL, n = 0;
    if (task_job_encode(&j->L, text, true, &ids, &n, &j->err)) return j->err.status;
    int unk = gb_tokenizer_special(j->L.tok, GB_SPECIAL_UNK);
    for (int i = 0; i < n; i++) r->n_unk += ids[i] == unk;
    gb_status s = n < 2 ? gb_fail(&j->err, GB_ERR_INPUT, "Type a sentence to classify, e.g. the song is not very good .")
                        : gb_classify(j->L.m, ids, n, &r->c, &j->err);
    if (!s) r->lab = task_labels(j->L.tok, ids, n);
    free(ids);
    return s;
}

static void cl_run(gb_job *base) {
    cl_job *j = (cl_job *)base;
    if (task_job_prepare(&j->L, &j->err)) return;
    if (j->L.m->cfg.arch != GB_ARCH_ENCODER) {
        gb_fail(&j->err, GB_ERR_INPUT, "%s is not an encoder with a classification head (such as classroom-sentiment)",
                j->L.m->source ? j->L.m->source : "the model");
        return;
    }
    if (classify_text(j, j->text, &j->main)) return;
    if (gb_has_negation(j->text)) {
        j->plain_text = gb_strip_negation(j->text);
        j->have_plain = j->plain_text && classify_text(j, j->plain_text, &j->plain) == GB_OK;
        j->err = (gb_error){0}; /* a sentence that is only a negation has no comparison; that is fine */
    }
    j->ok = j->main.lab != NULL;
}

static void cl_sync(cl_view *v);

static void cl_clear(cl_view *v) {
    cl_result_free(&v->main), cl_result_free(&v->plain);
    free(v->plain_text), free(v->avg), free(v->grid), free(v->grid_rows), free(v->grid_lab), free(v->tok_p);
    v->plain_text = NULL, v->avg = v->grid = NULL, v->grid_rows = v->tok_p = NULL, v->grid_lab = NULL;
    v->have = v->have_plain = false;
}

static void cl_finish(gb_job *base, void *self) {
    cl_job *j = (cl_job *)base;
    cl_view *v = self;
    v->job_out = false;
    if (!j->L.m && !j->ok) snprintf(v->src.load_error, sizeof v->src.load_error, "%s", j->err.msg);
    task_job_adopt(&v->src, &j->L);
    v->c_model = j->L.m;
    cl_clear(v);
    if (!j->ok) {
        snprintf(v->error, sizeof v->error, "%s", j->err.msg[0] ? j->err.msg : "the classification failed");
        v->input_bad = j->err.status == GB_ERR_INPUT;
    } else {
        v->error[0] = '\0', v->input_bad = false;
        v->main = j->main, memset(&j->main, 0, sizeof j->main);
        v->have_plain = j->have_plain;
        if (j->have_plain) v->plain = j->plain, memset(&j->plain, 0, sizeof j->plain);
        v->plain_text = j->plain_text, j->plain_text = NULL;
        const gb_classification *c = &v->main.c;
        int rows = c->n_layers * c->n_heads;
        v->avg = malloc((size_t)c->n * sizeof *v->avg);
        v->grid = malloc((size_t)rows * c->n * sizeof *v->grid);
        v->grid_rows = malloc((size_t)rows * sizeof *v->grid_rows);
        v->grid_lab = malloc((size_t)rows * sizeof *v->grid_lab);
        v->tok_p = malloc((size_t)c->n * sizeof *v->tok_p);
        v->have = v->avg && v->grid && v->grid_rows && v->grid_lab && v->tok_p;
        for (int r = 0; v->have && r < rows; r++) {
            snprintf(v->grid_lab[r], sizeof v->grid_lab[r], "L%d H%d", r / c->n_heads, r % c->n_heads);
            v->grid_rows[r] = v->grid_lab[r];
            memcpy(v->grid + (size_t)r * c->n, gb_classification_cls(c, r / c->n_heads, r % c->n_heads), (size_t)c->n * sizeof *v->grid);
        }
        for (int i = 0; v->have && i < c->n; i++) v->tok_p[i] = v->main.lab[i];
        v->hover_tok = v->hover_grid_r = v->hover_grid_c = -1;
    }
    cl_sync(v);
}

static void cl_job_free(gb_job *base) {
    cl_job *j = (cl_job *)base;
    task_load_free(&j->L);
    cl_result_free(&j->main), cl_result_free(&j->plain);
    free(j->text), free(j->plain_text);
    free(j);
}

static gb_job *cl_update(void *self, const gb_shared *sh) {
    cl_view *v = self;
    const char *shared = sh->prompt && *sh->prompt ? sh->prompt : CL_DEFAULT_PROMPT;
    if (!v->seen_prompt || strcmp(v->seen_prompt, shared) != 0) { /* the window's prompt changed: take it */
        free(v->seen_prompt);
        v->seen_prompt = strdup(shared);
        gb_textbuf_set(&v->text_b.text, shared);
    }
    if (v->job_out) return NULL;
    bool foreign;
    const gb_model *m = task_model(&v->src, sh, &foreign);
    if (!m && v->src.load_error[0]) return snprintf(v->error, sizeof v->error, "%s", v->src.load_error), NULL;
    const char *text = box_text(v);
    if (m && v->c_model == m && v->c_text && strcmp(v->c_text, text) == 0) return NULL;
    cl_job *j = calloc(1, sizeof *j);
    char *copy = strdup(text);
    if (!j || !copy) return free(j), free(copy), NULL;
    j->base = (gb_job){cl_run, cl_finish, cl_job_free, m ? "classifying" : "opening classroom-sentiment"};
    j->L = (task_load){.bundled = v->src.bundled, .m = m, .tok = m && v->src.tok_for == m ? v->src.tok : NULL};
    j->text = copy;
    free(v->c_text);
    v->c_text = strdup(text);
    v->c_model = m;
    v->job_out = true;
    return &j->base;
}

/* ---- state ---- */

static const float *cl_row(const cl_view *v) {
    if (!v->have) return NULL;
    return v->heads.average ? v->avg : gb_classification_cls(&v->main.c, v->heads.layer, v->heads.head);
}

static void cl_sync(cl_view *v) {
    if (!v->have) return;
    const gb_classification *c = &v->main.c;
    if (v->arg_layer < 0 && !v->heads.n_layers) v->heads.layer = c->n_layers - 1; /* the last layer feeds the head */
    task_heads_sync(&v->heads, c->n_layers, c->n_heads);
    for (int j = 0; j < c->n; j++) {
        double s = 0;
        for (int h = 0; h < c->n_heads; h++) s += gb_classification_cls(c, v->heads.layer, h)[j];
        v->avg[j] = (float)(s / c->n_heads);
    }
}

static void cl_destroy(void *self);

static void *cl_create(const gb_view_args *a, gb_error *err) {
    cl_view *v = calloc(1, sizeof *v);
    if (!v) return gb_fail(err, GB_ERR_INTERNAL, "classification: out of memory"), NULL;
    v->src = (task_src){.arch = GB_ARCH_ENCODER, .bundled = "classroom-sentiment",
                        .family = "an encoder-only model with a classification head"};
    v->arg_layer = a->layer, v->arg_head = a->head;
    v->hover_tok = v->hover_grid_r = v->hover_grid_c = -1;
    gb_hl_parse(&v->hl, a->highlight);
    gb_ui_init(&v->ui, gb_theme_normal());
    gb_widget_textbox(&v->text_b, "", "type a sentence, e.g. the song is not very good .");
    gb_widget_set_tooltip(&v->text_b, "The sentence to classify; the model reads it again as you type");
    gb_ui_add(&v->ui, &v->text_b);
    task_heads_init(&v->heads, &v->ui, a->layer, a->head, a->average);
    return v;
}

static void cl_destroy(void *self) {
    cl_view *v = self;
    if (!v) return;
    cl_clear(v);
    task_src_free(&v->src);
    free(v->c_text), free(v->seen_prompt);
    gb_widget_free(&v->text_b);
    task_heads_free(&v->heads);
    free(v);
}

/* ---- layout ---- */

static void cl_geometry(const cl_view *v, double w, double h, const gb_shared *sh, cl_geom *g) {
    const gb_theme *t = sh->theme;
    memset(g, 0, sizeof *g);
    gb_rect r = gb_view_body(w, h, t);
    if (r.w < 1 || r.h < 1) return;
    if (sh->interactive) g->controls = gb_rect_cut_top(&r, gb_widget_height(t), t->gap);
    double rows = 1;
    if (v->have) {
        gb_rect probe = {0, 0, r.w - t->font * 7, 1e6};
        rows = fmax(1, fmin(4, task_draw_strip(NULL, probe, v->main.lab, v->main.c.n, NULL, -1, NULL, t, NULL) / (t->font * 2.0)));
    }
    g->sentence = gb_rect_cut_top(&r, rows * t->font * 2.4 + t->font * 1.6, t->gap);
    if (r.w > r.h * 1.1) { /* three columns: <cls> bars, every head, the answers */
        double w0 = r.w;
        g->bars = gb_rect_cut_left(&r, w0 * 0.26, t->gap);
        gb_rect right = gb_rect_cut_right(&r, w0 * 0.33, t->gap);
        g->grid = r;
        g->probs = gb_rect_cut_top(&right, right.h * 0.5, t->gap);
        g->plain = right;
    } else {
        gb_rect bottom = gb_rect_cut_bottom(&r, r.h * 0.4, t->gap);
        g->bars = gb_rect_cut_left(&r, r.w * 0.4, t->gap);
        g->grid = r;
        g->probs = gb_rect_cut_left(&bottom, bottom.w * 0.5, t->gap);
        g->plain = bottom;
    }
}

static void cl_layout(void *self, double w, double h, const gb_shared *sh) {
    cl_view *v = self;
    const gb_theme *t = sh->theme;
    v->w = w, v->h = h;
    v->ui.theme = t;
    cl_geom g;
    cl_geometry(v, w, h, sh, &g);
    gb_rect c = g.controls;
    v->heads.head_dd.r = gb_rect_cut_right(&c, fmin(c.w / 4, t->font * 11), t->gap);
    v->heads.layer_dd.r = gb_rect_cut_right(&c, fmin(c.w / 4, t->font * 7), t->gap);
    v->text_b.r = c;
    v->text_b.hidden = v->heads.head_dd.hidden = v->heads.layer_dd.hidden = !sh->interactive;
}

/* ---- drawing ---- */

static gb_bars cls_bars(const cl_view *v) {
    return (gb_bars){.values = cl_row(v), .n = v->main.c.n, .labels = v->tok_p, .vmax = 1, .value_axis = "attention weight",
                     .highlight = -1, .hover = v->hover_tok, .decimals = 2};
}

static gb_heatmap grid_map(const cl_view *v) {
    const gb_classification *c = &v->main.c;
    return (gb_heatmap){.values = v->grid, .rows = c->n_layers * c->n_heads, .cols = c->n, .row_labels = v->grid_rows,
                        .col_labels = v->tok_p, .row_axis = "layer, head", .col_axis = "token attended to",
                        .legend = {GB_SCALE_VIRIDIS, 0, 1, "attention from <cls>"}, .show_legend = true,
                        .hover_row = v->hover_grid_r, .hover_col = v->hover_grid_c, .show_values = true};
}

static gb_rect content(gb_rect panel, const gb_theme *t) {
    gb_rect in = gb_rect_inset(panel, t->pad);
    gb_rect_cut_top(&in, gb_panel_header_h("x", t) - t->pad, t->pad);
    return in;
}

static void draw_probs(cairo_t *cr, gb_rect panel, const cl_result *r, const char *title, const char *sub,
                       const gb_model *m, const gb_theme *t) {
    gb_rect in = gb_draw_panel(cr, panel, title, sub, t);
    const char *labels[GB_MAX_CLASSES];
    gb_rgb colors[GB_MAX_CLASSES];
    int n = r->c.n_classes < GB_MAX_CLASSES ? r->c.n_classes : GB_MAX_CLASSES;
    for (int k = 0; k < n; k++) {
        labels[k] = m->cfg.class_labels[k][0] ? m->cfg.class_labels[k] : "?";
        colors[k] = k == r->c.best ? t->highlight : t->accent;
    }
    gb_bars b = {.values = r->c.probs, .n = n, .labels = labels, .colors = colors, .vmax = 1, .value_axis = "probability",
                 .highlight = -1, .hover = -1, .decimals = 3};
    gb_draw_bars(cr, in, &b, t);
}

static void draw_sentence(cairo_t *cr, gb_rect r, const cl_view *v, const gb_theme *t) {
    gb_font fb = gb_font_body(t), fs = gb_font_small(t);
    fb.bold = true;
    double lw = t->font * 6;
    gb_set_rgb(cr, t->fg);
    gb_text_draw(cr, &fb, "Sentence", r.x, r.y + t->font, GB_LEFT, GB_MIDDLE, lw);
    gb_rect s = {r.x + lw, r.y, r.w - lw, r.h};
    double used = task_draw_strip(cr, s, v->main.lab, v->main.c.n, cl_row(v), 0, &v->hl, t, NULL);
    char cap[200], heads[80];
    task_heads_describe(&v->heads, heads, sizeof heads);
    snprintf(cap, sizeof cap, "<cls> is put in front; the classifier reads only its final vector. Shaded by the attention from <cls> (%s).", heads);
    gb_set_rgb(cr, t->fg_dim);
    gb_text_draw(cr, &fs, cap, s.x, r.y + used + t->font * 0.3, GB_LEFT, GB_TOP, s.w);
}

#define LQ "\xE2\x80\x9C"
#define RQ "\xE2\x80\x9D"

/* The first negation word of the sentence, for the comparison's title. */
static const char *negation_word(const char *text) {
    static const char *const W[] = {"never", "n't", "not"};
    const char *best = "not", *at = NULL;
    for (size_t i = 0; text && i < sizeof W / sizeof W[0]; i++) {
        const char *p = strstr(text, W[i]);
        if (p && (!at || p < at)) at = p, best = W[i];
    }
    return best;
}

static void draw_plain(cairo_t *cr, gb_rect panel, const cl_view *v, const gb_model *m, const gb_theme *t) {
    if (v->have_plain) {
        char sub[300], title[120];
        snprintf(sub, sizeof sub, "\xE2\x80\x9C%s\xE2\x80\x9D", v->plain_text);
        snprintf(title, sizeof title, "Without " LQ "%s" RQ ": %s", negation_word(v->c_text), m->cfg.class_labels[v->plain.c.best]);
        draw_probs(cr, panel, &v->plain, title, sub, m, t);
        return;
    }
    gb_rect in = gb_draw_panel(cr, panel, "Without the negation", gb_has_negation(v->c_text ? v->c_text : "")
                               ? "nothing is left once it is removed" : "this sentence has no not, n't or never", t);
    gb_view_message(cr, in, "Add \xE2\x80\x9Cnot\xE2\x80\x9D to the sentence and compare the two answers here.", t);
}

static void cl_draw(cairo_t *cr, double w, double h, const void *self, const gb_shared *sh) {
    const cl_view *v = self;
    const gb_theme *t = sh->theme;
    gb_set_rgb(cr, t->bg);
    cairo_paint(cr);
    bool foreign;
    const gb_model *m = task_model(&v->src, sh, &foreign);
    char sub[400] = "";
    if (v->have && m) {
        int n = snprintf(sub, sizeof sub, "%s reads the whole sentence at once and answers %s (%.3f)",
                         task_model_name(&v->src, sh), m->cfg.class_labels[v->main.c.best], v->main.c.probs[v->main.c.best]);
        if (v->main.n_unk && n > 0 && (size_t)n < sizeof sub)
            n += snprintf(sub + n, sizeof sub - (size_t)n, " \xE2\x80\x94 %d word%s it does not know (<unk>)", v->main.n_unk,
                          v->main.n_unk > 1 ? "s" : "");
        if (foreign && n > 0 && (size_t)n < sizeof sub)
            snprintf(sub + n, sizeof sub - (size_t)n, " \xE2\x80\x94 %s has no classification head, so this tab runs %s",
                     sh->model_name ? sh->model_name : "the open model", v->src.bundled);
    }
    gb_view_header(cr, w, h, "Classification: an encoder reads the sentence and answers", sub, t);
    cl_geom g;
    cl_geometry(v, w, h, sh, &g);
    if (!v->have || !m) {
        gb_rect body = {0, g.controls.y + g.controls.h, w, h - g.controls.y - g.controls.h};
        gb_view_message(cr, body, v->error[0] ? v->error : sh->busy ? "classifying..." : "Nothing classified yet", t);
        if (sh->interactive) gb_ui_draw(cr, &v->ui);
        return;
    }
    if (g.sentence.w < 40 || g.bars.h < 20) return;
    draw_sentence(cr, g.sentence, v, t);
    char heads[80], title[120];
    task_heads_describe(&v->heads, heads, sizeof heads);
    snprintf(title, sizeof title, "Attention from <cls>");
    gb_rect in = gb_draw_panel(cr, g.bars, title, heads, t);
    gb_bars b = cls_bars(v);
    bool *mk = v->hl.n > 0 && b.n > 0 ? malloc((size_t)b.n) : NULL;
    if (mk) gb_hl_mark_rows(&v->hl, v->main.lab[0], TASK_LABEL, b.n, mk), b.marked = mk;
    gb_draw_bars(cr, in, &b, t);
    free(mk);
    in = gb_draw_panel(cr, g.grid, "Every head", "attention from <cls>, by layer and head; click to choose", t);
    gb_heatmap hm = grid_map(v);
    gb_draw_heatmap(cr, in, &hm, t);
    gb_heatmap_geom hg; /* frame the chosen head's row (all the layer's rows for the average) */
    gb_heatmap_layout(&hm, in, t, &hg);
    int r0 = v->heads.layer * v->main.c.n_heads + (v->heads.average ? 0 : v->heads.head);
    int nr = v->heads.average ? v->main.c.n_heads : 1;
    gb_set_rgb(cr, t->fg);
    cairo_set_line_width(cr, 2.5);
    cairo_rectangle(cr, hg.cells.x - 1, hg.cells.y + r0 * hg.ch, hg.cells.w + 2, nr * hg.ch);
    cairo_stroke(cr);
    char answer[120];
    snprintf(answer, sizeof answer, "The answer: %s", m->cfg.class_labels[v->main.c.best]);
    draw_probs(cr, g.probs, &v->main, answer, "softmax of the classifier's logits", m, t);
    draw_plain(cr, g.plain, v, m, t);
    if (sh->interactive) gb_ui_draw(cr, &v->ui);
}

/* ---- events ---- */

static bool cl_pointer(cl_view *v, const gb_event *ev, const gb_shared *sh) {
    if (!v->have) return false;
    const gb_theme *t = sh->theme;
    cl_geom g;
    cl_geometry(v, v->w, v->h, sh, &g);
    gb_heatmap hm = grid_map(v);
    gb_heatmap_geom hg;
    gb_heatmap_layout(&hm, content(g.grid, t), t, &hg);
    int r = -1, c = -1;
    if (!gb_heatmap_hit(&hg, &hm, ev->x, ev->y, &r, &c)) r = c = -1;
    gb_bars b = cls_bars(v);
    gb_bars_geom bg;
    gb_bars_layout(&b, content(g.bars, t), t, &bg);
    int tok = gb_bars_hit(&bg, &b, ev->x, ev->y);
    if (ev->type == GB_EV_MOUSE_DOWN && ev->button == 1 && r >= 0) { /* choose that head */
        v->heads.layer = r / v->main.c.n_heads, v->heads.head = r % v->main.c.n_heads, v->heads.average = false;
        cl_sync(v);
        return true;
    }
    if (ev->type != GB_EV_MOUSE_MOVE || (r == v->hover_grid_r && c == v->hover_grid_c && tok == v->hover_tok)) return false;
    v->hover_grid_r = r, v->hover_grid_c = c, v->hover_tok = tok;
    return true;
}

static bool cl_event(void *self, const gb_event *ev, const gb_shared *sh) {
    cl_view *v = self;
    if (gb_ui_event(&v->ui, ev)) {
        v->text_b.changed = v->text_b.submitted = false; /* the next update reads the box */
        if (task_heads_read(&v->heads)) cl_sync(v);
        return true;
    }
    if (gb_ui_wants_keyboard(&v->ui)) return false;
    if (ev->type == GB_EV_MOUSE_MOVE || ev->type == GB_EV_MOUSE_DOWN) return cl_pointer(v, ev, sh);
    if (ev->type == GB_EV_LEAVE) {
        bool had = v->hover_tok >= 0 || v->hover_grid_r >= 0;
        v->hover_tok = v->hover_grid_r = v->hover_grid_c = -1;
        return had;
    }
    if (task_heads_key(&v->heads, ev)) return cl_sync(v), true;
    return false;
}

static gb_ui *cl_ui(void *self) { return &((cl_view *)self)->ui; }

/* "probs" [1, C]; "plain" [1, C] without the negation; "cls" [1, n] the chosen head's row;
 * "grid" [layers * heads, n] every head's row. */
static const float *cl_matrix(const void *self, const char *name, int *rows, int *cols) {
    const cl_view *v = self;
    if (!v->have) return NULL;
    const gb_classification *c = &v->main.c;
    if (strcmp(name, "probs") == 0) return *rows = 1, *cols = c->n_classes, c->probs;
    if (strcmp(name, "plain") == 0 && v->have_plain) return *rows = 1, *cols = v->plain.c.n_classes, v->plain.c.probs;
    if (strcmp(name, "cls") == 0) return *rows = 1, *cols = c->n, cl_row(v);
    if (strcmp(name, "grid") == 0) return *rows = c->n_layers * c->n_heads, *cols = c->n, v->grid;
    return NULL;
}

static gb_status cl_check(const void *self, const gb_shared *sh, gb_error *err) {
    const cl_view *v = self;
    if (task_check(&v->src, sh, "classification", err)) return err->status;
    if (!v->have) return gb_fail(err, GB_ERR_INPUT, "classification: %s", v->error[0] ? v->error : "nothing classified");
    return task_heads_check("classification", v->arg_layer, v->arg_head, v->main.c.n_layers, v->main.c.n_heads, err);
}

static const char *const CL_KEYS[] = {"click the text box", "type a sentence: the model reads it again at once",
                                      "Up  Down", "previous / next layer", "Left  Right", "previous / next head",
                                      "a", "average of the layer's heads", "click a row of every head", "choose that head",
                                      NULL};

/* The sentence's tokens (<cls> is token 0) of the --highlight words. */
static int cl_highlighted(const void *self, int *out, int cap) {
    const cl_view *v = self;
    return v->have ? task_highlighted(&v->hl, v->main.lab, v->main.c.n, 0, out, cap) : 0;
}

const gb_view gb_view_classification = {
    .name = "classification",
    .title = "Classification",
    .summary = "a sentence's class probabilities and the attention from <cls>; the same sentence without \"not\" (--layer, --head, --average)",
    .create = cl_create,
    .destroy = cl_destroy,
    .update = cl_update,
    .layout = cl_layout,
    .draw = cl_draw,
    .event = cl_event,
    .shortcuts = CL_KEYS,
    .ui = cl_ui,
    .matrix = cl_matrix,
    .check = cl_check,
    .highlighted = cl_highlighted,
};
