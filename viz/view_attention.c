/* view_attention.c - the "attention" view: every head of the model as a grid
 * of thumbnails (layers by heads); one head as a labelled heatmap (scores or
 * pattern, one head or the layer's average) or as lines between two columns
 * of tokens; the arithmetic of a chosen cell; the next-token prediction; heads
 * switched off and positions removed, with before and after. State, jobs and
 * events live here; drawing in view_attention_draw.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glassbox/model.h"
#include "glassbox/tokenizer.h"
#include "view_attention_view.h"

static const char *const KIND_NAMES[3] = {"self", "encoder", "cross"};

/* ---- tokens in ---- */

static void make_labels(char (**lab)[ATT_LABEL], const char ***ptrs, const int *ids, int n,
                        const gb_att_tokens *t, gb_att_source src) {
    free(*lab);
    free(*ptrs);
    *lab = calloc((size_t)(n > 0 ? n : 1), sizeof **lab);
    *ptrs = calloc((size_t)(n > 0 ? n : 1), sizeof **ptrs);
    if (!*lab || !*ptrs) return;
    for (int i = 0; i < n; i++) {
        gb_att_label(t, src, ids[i], (*lab)[i], ATT_LABEL);
        (*ptrs)[i] = (*lab)[i];
    }
}

/* ---- the job ---- */

typedef struct att_job {
    gb_job base;
    const gb_model *model;
    gb_att_input in;
    gb_att_source source;
    gb_att_rec rec;
    cairo_surface_t **thumbs[3];
    int thumb_n[3];
    gb_error err;
    bool ok;
} att_job;

static void job_run(gb_job *base) {
    att_job *j = (att_job *)base;
    j->ok = gb_att_rec_compute(&j->rec, j->model, &j->in, &j->err) == GB_OK;
    if (j->ok) att_build_thumbs(&j->rec, j->thumbs, j->thumb_n);
}

static void clear_rec(att_view *v) {
    if (v->have) gb_att_rec_free(&v->rec);
    att_free_thumbs(v->thumbs, v->thumb_n);
    v->have = false;
}

static int clampi(int x, int lo, int hi) { return x < lo ? lo : x > hi ? hi : x; }

static void sync_widgets(att_view *v);

static void job_finish(gb_job *base, void *self) {
    att_job *j = (att_job *)base;
    att_view *v = self;
    v->job_out = false;
    v->c_model = j->model;
    clear_rec(v);
    v->source = j->source;
    if (!j->ok) {
        snprintf(v->error, sizeof v->error, "%s", j->err.msg);
        return;
    }
    v->error[0] = '\0';
    v->rec = j->rec;
    memset(&j->rec, 0, sizeof j->rec);
    for (int k = 0; k < 3; k++) v->thumbs[k] = j->thumbs[k], v->thumb_n[k] = j->thumb_n[k], j->thumbs[k] = NULL;
    v->have = true;
    make_labels(&v->lab, &v->lab_p, v->rec.in.ids, v->rec.in.n, &v->tokens, v->source);
    make_labels(&v->src_lab, &v->src_lab_p, v->rec.in.src, v->rec.in.n_src, &v->tokens, v->source);
    sync_widgets(v);
}

static void job_free(gb_job *base) {
    att_job *j = (att_job *)base;
    gb_att_rec_free(&j->rec);
    gb_att_input_free(&j->in);
    att_free_thumbs(j->thumbs, j->thumb_n);
    free(j);
}

static bool same_ids(const int *a, int na, const int *b, int nb) {
    return na == nb && (na == 0 || memcmp(a, b, (size_t)na * sizeof *a) == 0);
}

static bool same_iv(const att_view *v, const gb_att_input *in) {
    if (v->no_pos != in->no_pos || v->n_off != in->n_off) return false;
    for (int i = 0; i < v->n_off; i++)
        if (memcmp(&v->off[i], &in->off[i], sizeof v->off[i]) != 0) return false;
    return true;
}

static gb_job *att_update(void *self, const gb_shared *sh) {
    att_view *v = self;
    if (v->job_out) return NULL;
    const gb_model *m = sh->model;
    if (!m) {
        clear_rec(v);
        v->c_model = NULL;
        snprintf(v->error, sizeof v->error, "%s", sh->model_error ? sh->model_error
                 : "Attention needs a model: open one with --model (a fixture, a .safetensors file or a llama2.c .bin)");
        return NULL;
    }
    gb_att_tokens_open(&v->tokens, v->tok_arg, m);
    gb_att_input in = {0};
    gb_att_source src = GB_ATT_FROM_IDS;
    char why[200] = "";
    bool encdec = m->cfg.arch == GB_ARCH_ENCDEC;
    bool ok;
    if (encdec) { /* the prompt (or --source-ids) is the source; --ids the target so far */
        ok = gb_att_tokens_ids(&v->tokens, v->src_arg, sh->prompt, &in.src, &in.n_src, &src, why, sizeof why);
        if (ok && v->ids_arg) ok = gb_att_parse_ids(v->ids_arg, &in.ids, &in.n, why, sizeof why);
        else if (ok) { /* no target yet: the start token */
            int bos = v->tokens.tok ? gb_tokenizer_special(v->tokens.tok, GB_SPECIAL_BOS) : -1;
            in.ids = malloc(sizeof *in.ids);
            if (in.ids) in.ids[0] = bos >= 0 ? bos : 1 < m->cfg.vocab_size ? 1 : 0, in.n = 1;
        }
    } else {
        ok = gb_att_tokens_ids(&v->tokens, v->ids_arg, sh->prompt, &in.ids, &in.n, &src, why, sizeof why);
    }
    memcpy(in.off, v->off, sizeof in.off);
    in.n_off = v->n_off;
    in.no_pos = v->no_pos;
    bool same = v->c_model == m && v->tried_any && same_ids(in.ids, in.n, v->tried.ids, v->tried.n) &&
                same_ids(in.src, in.n_src, v->tried.src, v->tried.n_src) && same_iv(v, &v->tried);
    if (!ok) {
        gb_att_input_free(&in);
        if (!(v->c_model == m && !v->tried_any && strcmp(v->error, why) == 0))
            clear_rec(v), snprintf(v->error, sizeof v->error, "%s", why);
        v->c_model = m;
        v->tried_any = false;
        return NULL;
    }
    if (same) {
        gb_att_input_free(&in);
        return NULL;
    }
    gb_att_input_free(&v->tried);
    gb_error e2 = {0};
    v->tried_any = gb_att_input_copy(&v->tried, &in, &e2) == GB_OK;
    v->c_model = m;
    att_job *j = calloc(1, sizeof *j);
    if (!j) return gb_att_input_free(&in), NULL;
    j->base = (gb_job){job_run, job_finish, job_free, "recording attention"};
    j->model = m;
    j->in = in;
    j->source = src;
    v->job_out = true;
    return &j->base;
}

/* ---- state ---- */

bool att_head_is_off(const att_view *v, gb_att_kind k, int layer, int head) {
    for (int i = 0; i < v->n_off; i++)
        if (v->off[i].kind == k && v->off[i].layer == layer && v->off[i].head == head) return true;
    return false;
}

static void toggle_off(att_view *v, gb_att_kind k, int layer, int head) {
    for (int i = 0; i < v->n_off; i++)
        if (v->off[i].kind == k && v->off[i].layer == layer && v->off[i].head == head) {
            v->off[i] = v->off[--v->n_off];
            return;
        }
    if (v->n_off < GB_ATT_MAX_IV) v->off[v->n_off++] = (gb_att_head){k, layer, head};
}

static int n_tokens(const att_view *v) { return v->have ? v->rec.in.n : 0; }

/* The kinds this model has, for the drop-down. */
static void sync_kinds(att_view *v) {
    const gb_model *m = v->have ? v->rec.model : NULL;
    static const char *const ITEMS[3] = {"decoder self-attention", "encoder self-attention",
                                         "cross-attention (target \xE2\x86\x92 source)"};
    v->n_kinds = 0;
    for (int k = 0; k < 3; k++)
        if (!m ? k == 0 : gb_att_layers(m, (gb_att_kind)k) > 0) {
            v->kind_items[v->n_kinds] = m && m->cfg.arch != GB_ARCH_ENCDEC ? "self-attention" : ITEMS[k];
            v->kind_map[v->n_kinds++] = k;
        }
    int sel = 0;
    for (int i = 0; i < v->n_kinds; i++)
        if (v->kind_map[i] == (int)v->kind) sel = i;
    gb_widget_dropdown(&v->kind_dd, "attention", v->kind_items, v->n_kinds, sel);
}

static void sync_widgets(att_view *v) {
    if (v->have) {
        int layers = gb_att_layers(v->rec.model, v->kind);
        if (layers == 0) v->kind = GB_ATT_SELF, layers = v->rec.model->cfg.n_layers;
        v->layer = clampi(v->layer, 0, layers - 1);
        v->head = clampi(v->head, 0, v->rec.model->cfg.n_heads - 1);
    }
    sync_kinds(v);
    v->scores_t.on = v->scores;
    v->avg_t.on = v->average;
    v->lines_t.on = v->lines;
    v->nopos_t.on = v->no_pos;
    int n = n_tokens(v);
    v->step_s.min = 1;
    v->step_s.max = n > 1 ? n : 2;
    gb_slider_set(&v->step_s, v->step > 0 ? v->step : n);
    snprintf(v->off_b.label, sizeof v->off_b.label, "%s",
             att_head_is_off(v, v->kind, v->layer, v->head) ? "switch head on" : "switch head off");
    v->off_b.disabled = !v->open || v->average;
    v->back_b.disabled = !v->open;
    v->back_b.hidden = v->off_b.hidden = v->step_s.hidden || !v->open; /* only with a head open */
    v->step_s.disabled = v->kind == GB_ATT_ENCODER || (v->have && v->rec.model->cfg.arch == GB_ARCH_ENCODER);
}

static char *dup_str(const char *s) {
    if (!s) return NULL;
    char *d = malloc(strlen(s) + 1);
    if (d) strcpy(d, s);
    return d;
}

static bool parse_off(att_view *v, const char *s, gb_error *err) {
    const char *p = s;
    while (*p) {
        int l, h, used = 0;
        if (sscanf(p, "%d.%d%n", &l, &h, &used) != 2 || l < 0 || h < 0) {
            gb_fail(err, GB_ERR_INPUT, "attention --off: '%s' is not a list of LAYER.HEAD (e.g. 0.1,2.3)", s);
            return false;
        }
        if (v->n_off < GB_ATT_MAX_IV) v->off[v->n_off++] = (gb_att_head){v->kind, l, h};
        p += used;
        if (*p == ',') p++;
        else if (*p) {
            gb_fail(err, GB_ERR_INPUT, "attention --off: '%s' is not a list of LAYER.HEAD (e.g. 0.1,2.3)", s);
            return false;
        }
    }
    return true;
}

static void att_destroy(void *self);

static void *att_create(const gb_view_args *a, gb_error *err) {
    att_view *v = calloc(1, sizeof *v);
    if (!v) {
        gb_fail(err, GB_ERR_INTERNAL, "attention: out of memory");
        return NULL;
    }
    v->ids_arg = dup_str(a->ids);
    v->src_arg = dup_str(a->source_ids);
    v->tok_arg = dup_str(a->tokenizer);
    snprintf(v->src_lang, sizeof v->src_lang, "French");
    snprintf(v->tgt_lang, sizeof v->tgt_lang, "English");
    v->kind = GB_ATT_SELF;
    if (a->attn) {
        int k = -1;
        for (int i = 0; i < 3; i++)
            if (strcmp(a->attn, KIND_NAMES[i]) == 0) k = i;
        if (k < 0) {
            gb_fail(err, GB_ERR_INPUT, "attention --attn: '%s' is not one of self, encoder, cross", a->attn);
            att_destroy(v);
            return NULL;
        }
        v->kind = (gb_att_kind)k;
    }
    if (a->ids) { /* refuse bad ids now, with one line */
        int *ids, n;
        char why[160];
        if (!gb_att_parse_ids(a->ids, &ids, &n, why, sizeof why)) {
            gb_fail(err, GB_ERR_INPUT, "attention --ids: %s", why);
            att_destroy(v);
            return NULL;
        }
        free(ids);
    }
    if (a->off && !parse_off(v, a->off, err)) {
        att_destroy(v);
        return NULL;
    }
    v->open = a->layer >= 0 || a->head >= 0;
    v->arg_layer = a->layer, v->arg_head = a->head;
    v->arg_kind = a->attn ? (int)v->kind : -1;
    v->layer = a->layer > 0 ? a->layer : 0;
    v->head = a->head > 0 ? a->head : 0;
    v->q = a->query, v->k = a->key;
    v->step = a->upto > 0 ? a->upto : 0;
    v->scores = a->scores, v->average = a->average, v->lines = a->lines, v->no_pos = a->no_pos;
    if (v->average || v->lines || v->scores) v->open = true;
    v->hover_l = v->hover_h = v->hover_r = v->hover_c = v->hover_line = -1;
    gb_ui_init(&v->ui, gb_theme_normal());
    gb_widget_dropdown(&v->kind_dd, "attention", v->kind_items, 0, 0);
    gb_widget_set_tooltip(&v->kind_dd, "Which attention of the model to show (e)");
    gb_widget_button(&v->back_b, "\xE2\x97\x82 all heads");
    gb_widget_set_tooltip(&v->back_b, "Back to the grid of every layer and head (Esc)");
    gb_widget_toggle(&v->scores_t, "scores", v->scores);
    gb_widget_set_tooltip(&v->scores_t, "Show q\xC2\xB7k/\xE2\x88\x9A" "d\xE2\x82\x95 before the softmax instead of the pattern after it (s)");
    gb_widget_toggle(&v->avg_t, "average of heads", v->average);
    gb_widget_set_tooltip(&v->avg_t, "Average the layer's heads (a)");
    gb_widget_toggle(&v->lines_t, "lines", v->lines);
    gb_widget_set_tooltip(&v->lines_t, "Tokens in two columns, joined by lines as strong as the attention (l)");
    gb_widget_toggle(&v->nopos_t, "no positions", v->no_pos);
    gb_widget_set_tooltip(&v->nopos_t, "Run the model again without positional encodings (p)");
    gb_widget_button(&v->off_b, "switch head off");
    gb_widget_set_tooltip(&v->off_b, "Run the model again with this head's output set to zero (x, or Shift+click a thumbnail)");
    gb_widget_slider(&v->step_s, "step", 1, 1, 2, 1, 0);
    gb_widget_set_tooltip(&v->step_s, "Show the model as it was when it had read this many tokens ([ and ], End: the newest)");
    gb_widget *ws[] = {&v->kind_dd, &v->back_b, &v->scores_t, &v->avg_t, &v->lines_t, &v->nopos_t, &v->off_b, &v->step_s};
    for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++) gb_ui_add(&v->ui, ws[i]);
    sync_widgets(v);
    return v;
}

static void att_destroy(void *self) {
    att_view *v = self;
    if (!v) return;
    clear_rec(v);
    gb_att_input_free(&v->tried);
    free(v->ids_arg);
    free(v->src_arg);
    free(v->tok_arg);
    gb_att_tokens_close(&v->tokens);
    free(v->lab), free(v->lab_p), free(v->src_lab), free(v->src_lab_p);
    gb_widget *ws[] = {&v->kind_dd, &v->back_b, &v->scores_t, &v->avg_t, &v->lines_t, &v->nopos_t, &v->off_b, &v->step_s};
    for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++) gb_widget_free(ws[i]);
    free(v);
}

/* ---- layout ---- */

void att_geometry(const att_view *v, double w, double h, const gb_shared *sh, att_geom *g) {
    const gb_theme *t = sh->theme;
    memset(g, 0, sizeof *g);
    gb_rect r = gb_view_body(w, h, t);
    if (r.w < 0) r.w = 0;
    if (r.h < 0) r.h = 0;
    if (sh->interactive) g->controls = gb_rect_cut_top(&r, gb_widget_height(t), t->gap);
    bool wide = r.w > r.h * 1.2;
    if (!v->open) {
        g->pred = wide ? gb_rect_cut_right(&r, fmax(r.w * 0.26, fmin(r.w, 260)), t->gap)
                       : gb_rect_cut_bottom(&r, r.h * 0.3, t->gap);
        g->grid = r;
        return;
    }
    if (wide) {
        g->grid = gb_rect_cut_left(&r, fmax(r.w * 0.16, fmin(r.w * 0.25, 170)), t->gap);
        gb_rect right = gb_rect_cut_right(&r, r.w * (r.w < 1100 ? 0.44 : 0.38), t->gap);
        g->head = r;
        g->arith = gb_rect_cut_top(&right, right.h * 0.6, t->gap);
        g->pred = right;
    } else {
        gb_rect bottom = gb_rect_cut_bottom(&r, r.h * 0.4, t->gap);
        g->head = r;
        g->arith = gb_rect_cut_left(&bottom, bottom.w * 0.6, t->gap);
        g->pred = bottom;
    }
}

static void att_layout(void *self, double w, double h, const gb_shared *sh) {
    att_view *v = self;
    v->w = w, v->h = h;
    v->ui.theme = sh->theme;
    att_geom g;
    att_geometry(v, w, h, sh, &g);
    gb_rect c = g.controls;
    const gb_theme *t = sh->theme;
    bool many = v->n_kinds > 1;
    /* each widget as wide as its label needs; the step slider takes the rest */
    gb_widget *ws[] = {&v->kind_dd, &v->back_b, &v->scores_t, &v->avg_t, &v->lines_t, &v->nopos_t, &v->off_b};
    double nat[7], total = 0;
    gb_font fb = gb_font_body(t);
    for (int i = 0; i < 7; i++) {
        double tw;
        gb_text_size(NULL, &fb, i == 6 ? "switch head off" : ws[i]->label, &tw, NULL);
        nat[i] = ws[i]->kind == GB_W_TOGGLE ? tw + t->font * 2.4 + 16 : tw + 2 * t->pad + 12;
        if (i == 0) nat[i] = many ? t->font * 17 : 0;
        total += nat[i] + (nat[i] > 0 ? t->gap : 0);
    }
    double slider_min = t->font * 10;
    double k = total + slider_min > c.w && total > 0 ? fmax(0, c.w - slider_min) / total : 1;
    for (int i = 0; i < 7; i++) {
        ws[i]->hidden = !sh->interactive || nat[i] == 0;
        if (nat[i] > 0) ws[i]->r = gb_rect_cut_left(&c, nat[i] * k, t->gap * k);
    }
    v->step_s.r = c;
    v->step_s.hidden = !sh->interactive;
    v->back_b.hidden = v->off_b.hidden = !sh->interactive || !v->open; /* only with a head open */
}

/* ---- events ---- */

static bool open_head(att_view *v, int layer, int head) {
    v->open = true;
    v->layer = layer, v->head = head;
    v->average = false;
    v->q = v->k = -1;
    v->hover_l = v->hover_h = -1;
    sync_widgets(v);
    return true;
}

static bool grid_hit(const att_view *v, gb_rect grid, const gb_theme *t, double x, double y, int *l, int *h) {
    if (!v->have) return false;
    att_grid_geom gg;
    att_grid_geometry(v, att_panel_content(grid, t), t, &gg);
    if (gg.layers < 1 || x < gg.r.x || y < gg.r.y) return false;
    int c = (int)((x - gg.r.x) / gg.cell_w), r = (int)((y - gg.r.y) / gg.cell_h);
    if (r < 0 || c < 0 || r >= gg.layers || c >= gg.heads) return false;
    double cx = x - gg.r.x - c * gg.cell_w, cy = y - gg.r.y - r * gg.cell_h;
    if (cx > gg.size || cy > gg.cell_h) return false;
    *l = r, *h = c;
    return true;
}

static bool head_hit(const att_view *v, const att_geom *g, const gb_shared *sh, double x, double y, int *row, int *col) {
    if (!v->open || !v->have || v->lines) return false;
    int rows, cols;
    att_shown_dims(v, &rows, &cols);
    gb_heatmap hm = att_heatmap(v, NULL, NULL, rows, cols);
    gb_heatmap_geom hg;
    const gb_att_pass *cur = gb_att_rec_current(&v->rec);
    for (int before = 0; before < (cur != &v->rec.clean ? 2 : 1); before++) {
        gb_rect a;
        gb_heatmap h2 = hm;
        att_head_slot(v, g->head, sh->theme, before, &h2, &a);
        gb_heatmap_layout(&h2, a, sh->theme, &hg);
        if (gb_heatmap_hit(&hg, &h2, x, y, row, col)) return true;
    }
    return false;
}

static int lines_hit(const att_view *v, const att_geom *g, const gb_shared *sh, double x, double y) {
    if (!v->open || !v->have || !v->lines) return -1;
    int rows, cols;
    att_shown_dims(v, &rows, &cols);
    gb_rect r = att_head_area(v, g->head, sh->theme, false);
    double xl, xr, y0, pl, pr;
    att_lines_geometry(r, rows, cols, sh->theme, &xl, &xr, &y0, &pl, &pr);
    if (x > xl + 4 || x < r.x) return -1;
    int i = (int)floor((y - y0) / pl + 0.5);
    return i >= 0 && i < rows ? i : -1;
}

static bool pointer(att_view *v, const gb_event *ev, const gb_shared *sh) {
    att_geom g;
    att_geometry(v, v->w, v->h, sh, &g);
    int l = -1, h = -1, r = -1, c = -1, line = -1;
    if (!grid_hit(v, g.grid, sh->theme, ev->x, ev->y, &l, &h)) l = h = -1;
    if (!head_hit(v, &g, sh, ev->x, ev->y, &r, &c)) r = c = -1;
    line = lines_hit(v, &g, sh, ev->x, ev->y);
    if (ev->type == GB_EV_MOUSE_DOWN && ev->button == 1) {
        if (l >= 0 && (ev->mods & GB_MOD_SHIFT)) {
            toggle_off(v, v->kind, l, h);
            sync_widgets(v);
            return true;
        }
        if (l >= 0) return open_head(v, l, h);
        if (r >= 0) return v->q = r, v->k = c, true;
        if (line >= 0) {
            v->q = line, v->k = -1;
            return true;
        }
        return false;
    }
    bool changed = l != v->hover_l || h != v->hover_h || r != v->hover_r || c != v->hover_c || line != v->hover_line;
    v->hover_l = l, v->hover_h = h, v->hover_r = r, v->hover_c = c, v->hover_line = line;
    return changed;
}

static bool set_step(att_view *v, int s) {
    int n = n_tokens(v);
    if (n < 1) return false;
    s = clampi(s, 1, n);
    int old = v->step;
    v->step = s == n ? 0 : s; /* the newest: follow new tokens */
    if (v->q >= s) v->q = v->k = -1;
    gb_slider_set(&v->step_s, s);
    v->step_s.changed = false;
    return old != v->step;
}

static void next_kind(att_view *v) {
    for (int i = 0; i < v->n_kinds; i++)
        if (v->kind_map[i] == (int)v->kind) {
            v->kind = (gb_att_kind)v->kind_map[(i + 1) % v->n_kinds];
            break;
        }
    v->q = v->k = -1;
    sync_widgets(v);
}

static bool key(att_view *v, const gb_event *ev) {
    int layers = v->have ? gb_att_layers(v->rec.model, v->kind) : 0;
    int heads = v->have ? v->rec.model->cfg.n_heads : 0;
    int cur = v->step > 0 ? v->step : n_tokens(v);
    if (ev->key == GB_KEY_ESCAPE || ev->key == GB_KEY_BACKSPACE) {
        if (!v->open) return false;
        v->open = false, v->average = false;
        sync_widgets(v);
        return true;
    }
    if (ev->key == GB_KEY_END) return set_step(v, n_tokens(v)), true;
    if (ev->key == GB_KEY_HOME) return set_step(v, 1), true;
    if (v->open && layers > 0 && (ev->key == GB_KEY_LEFT || ev->key == GB_KEY_RIGHT)) {
        int d = ev->key == GB_KEY_LEFT ? -1 : 1;
        return open_head(v, v->layer, (v->head + d + heads) % heads);
    }
    if (v->open && layers > 0 && (ev->key == GB_KEY_UP || ev->key == GB_KEY_DOWN)) {
        int d = ev->key == GB_KEY_UP ? -1 : 1;
        bool avg = v->average;
        open_head(v, (v->layer + d + layers) % layers, v->head);
        v->average = avg;
        return sync_widgets(v), true;
    }
    if (ev->key != GB_KEY_CHAR || (ev->mods & (GB_MOD_CTRL | GB_MOD_ALT))) return false;
    switch (ev->ch) {
    case 's': v->scores = !v->scores, v->open = true; break;
    case 'a': v->average = !v->average, v->open = true; break;
    case 'l': v->lines = !v->lines, v->open = true; break;
    case 'p': v->no_pos = !v->no_pos; break;
    case 'x':
        if (!v->open || v->average) return false;
        toggle_off(v, v->kind, v->layer, v->head);
        break;
    case 'r': v->n_off = 0, v->no_pos = false; break;
    case 'e': next_kind(v); break;
    case '[': return set_step(v, cur - 1);
    case ']': return set_step(v, cur + 1);
    default: return false;
    }
    sync_widgets(v);
    return true;
}

static bool apply_widgets(att_view *v) {
    bool any = false;
    if (v->kind_dd.changed && v->kind_dd.selected < v->n_kinds)
        v->kind = (gb_att_kind)v->kind_map[v->kind_dd.selected], v->q = v->k = -1, any = true;
    if (v->back_b.clicked) v->open = false, v->average = false, any = true;
    if (v->scores_t.changed) v->scores = v->scores_t.on, v->open = true, any = true;
    if (v->avg_t.changed) v->average = v->avg_t.on, v->open = true, any = true;
    if (v->lines_t.changed) v->lines = v->lines_t.on, v->open = true, any = true;
    if (v->nopos_t.changed) v->no_pos = v->nopos_t.on, any = true;
    if (v->off_b.clicked && v->open && !v->average) toggle_off(v, v->kind, v->layer, v->head), any = true;
    if (v->step_s.changed) set_step(v, (int)v->step_s.value), any = true;
    gb_widget *ws[] = {&v->kind_dd, &v->back_b, &v->scores_t, &v->avg_t, &v->lines_t, &v->nopos_t, &v->off_b, &v->step_s};
    for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++) ws[i]->changed = ws[i]->clicked = false;
    if (any) sync_widgets(v);
    return any;
}

static bool att_event(void *self, const gb_event *ev, const gb_shared *sh) {
    att_view *v = self;
    if (gb_ui_event(&v->ui, ev)) {
        apply_widgets(v);
        return true;
    }
    switch (ev->type) {
    case GB_EV_MOUSE_MOVE:
    case GB_EV_MOUSE_DOWN: return pointer(v, ev, sh);
    case GB_EV_LEAVE: {
        bool had = v->hover_l >= 0 || v->hover_r >= 0 || v->hover_line >= 0;
        v->hover_l = v->hover_h = v->hover_r = v->hover_c = v->hover_line = -1;
        return had;
    }
    case GB_EV_KEY: return key(v, ev);
    default: return false;
    }
}

bool gb_view_attention_set_ids(void *self, const int *ids, int n) {
    att_view *v = self;
    if (n < 1 || n > GB_ATT_MAX_TOKENS) return false;
    char *s = malloc((size_t)n * 12 + 1);
    if (!s) return false;
    size_t len = 0;
    for (int i = 0; i < n; i++) len += (size_t)sprintf(s + len, "%s%d", i ? "," : "", ids[i]);
    free(v->ids_arg);
    v->ids_arg = s;
    return true;
}

static gb_ui *att_ui(void *self) { return &((att_view *)self)->ui; }

/* Matrices for tests: "pattern"/"scores" of the open head at the current step
 * (after interventions), "before" (the clean pattern), "cell" = {dot, scale,
 * score, recorded score, prob, recorded prob} of the chosen cell. */
static const float *att_matrix(const void *self, const char *name, int *rows, int *cols) {
    const att_view *v = self;
    static float *buf;
    static float cell[6];
    if (!v->have) return NULL;
    int r, c;
    att_shown_dims(v, &r, &c);
    free(buf);
    buf = NULL;
    if (strcmp(name, "pattern") == 0 || strcmp(name, "scores") == 0 || strcmp(name, "before") == 0) {
        att_view tmp = *v;
        tmp.scores = strcmp(name, "scores") == 0;
        buf = att_head_matrix(&tmp, strcmp(name, "before") == 0 ? &v->rec.clean : gb_att_rec_current(&v->rec), r, c);
        if (!buf) return NULL;
        return *rows = r, *cols = c, buf;
    }
    if (strcmp(name, "cell") == 0) {
        float *pat = att_head_matrix(v, gb_att_rec_current(&v->rec), r, c);
        int q, k;
        att_chosen_cell(v, pat, r, c, &q, &k);
        free(pat);
        gb_att_cell *ce = malloc(sizeof *ce);
        if (!ce) return NULL;
        bool ok = gb_att_cell_math(gb_att_rec_current(&v->rec), v->rec.model, v->kind, v->layer, v->head, q, k, ce);
        if (ok) {
            cell[0] = (float)ce->dot, cell[1] = (float)ce->scale, cell[2] = (float)ce->score;
            cell[3] = ce->rec_score, cell[4] = ce->row_prob[k], cell[5] = ce->rec_prob;
        }
        free(ce);
        return ok ? (*rows = 1, *cols = 6, cell) : NULL;
    }
    if (strcmp(name, "next") == 0 || strcmp(name, "next_before") == 0) {
        const gb_att_pass *p = strcmp(name, "next") == 0 ? gb_att_rec_current(&v->rec) : &v->rec.clean;
        int n = v->step > 0 ? v->step : v->rec.in.n;
        if (!p->probs) return NULL;
        return *rows = 1, *cols = v->rec.model->cfg.vocab_size, p->probs + (size_t)(n - 1) * v->rec.model->cfg.vocab_size;
    }
    return NULL;
}

static gb_status att_check(const void *self, const gb_shared *sh, gb_error *err) {
    const att_view *v = self;
    const gb_model *m = sh->model;
    if (!m) return gb_fail(err, GB_ERR_INPUT, "attention: needs a model (--model)");
    if (!v->have) return gb_fail(err, GB_ERR_INPUT, "attention: %s", v->error[0] ? v->error : "nothing recorded");
    if (v->arg_kind >= 0 && gb_att_layers(m, (gb_att_kind)v->arg_kind) == 0)
        return gb_fail(err, GB_ERR_INPUT, "attention --attn: this %s model has no %s attention", gb_arch_name(m->cfg.arch),
                       KIND_NAMES[v->arg_kind]);
    int layers = gb_att_layers(m, v->kind);
    if (v->arg_layer >= layers)
        return gb_fail(err, GB_ERR_INPUT, "attention --layer: %d is out of range (the model has layers 0..%d)", v->arg_layer,
                       layers - 1);
    if (v->arg_head >= m->cfg.n_heads)
        return gb_fail(err, GB_ERR_INPUT, "attention --head: %d is out of range (the model has heads 0..%d)", v->arg_head,
                       m->cfg.n_heads - 1);
    for (int i = 0; i < v->n_off; i++)
        if (v->off[i].layer >= layers || v->off[i].head >= m->cfg.n_heads)
            return gb_fail(err, GB_ERR_INPUT, "attention --off: head %d.%d does not exist (layers 0..%d, heads 0..%d)",
                           v->off[i].layer, v->off[i].head, layers - 1, m->cfg.n_heads - 1);
    int rows, cols;
    att_shown_dims(v, &rows, &cols);
    if (v->step > v->rec.in.n)
        return gb_fail(err, GB_ERR_INPUT, "attention --upto: %d is beyond the %d tokens", v->step, v->rec.in.n);
    if (v->q >= rows || v->k >= cols)
        return gb_fail(err, GB_ERR_INPUT, "attention --query/--key: cell (%d, %d) is outside the %d x %d matrix",
                       v->q, v->k, rows, cols);
    return GB_OK;
}

static const char *const ATT_KEYS[] = {
    "click a thumbnail", "open that head",
    "Shift+click a thumbnail", "switch that head off (again: on)",
    "click a cell", "show its arithmetic: q\xC2\xB7k, \xC3\xB7\xE2\x88\x9A" "d\xE2\x82\x95, softmax",
    "\xE2\x86\x90 \xE2\x86\x92  \xE2\x86\x91 \xE2\x86\x93", "previous / next head, layer",
    "Esc or Backspace", "back to the grid of all heads",
    "s", "scores before the softmax / pattern after it",
    "a", "average over the layer's heads",
    "l", "lines between two columns of tokens",
    "x", "switch the open head off / on",
    "p", "remove / restore the positional encodings",
    "r", "undo every intervention",
    "e", "next attention (encoder, decoder, cross)",
    "[  ]  Home  End", "scrub: one token back / on, the first, the newest",
    NULL,
};

const gb_view gb_view_attention = {
    .name = "attention",
    .title = "Attention",
    .summary = "every head as a thumbnail; one head as a heatmap or lines, its arithmetic, interventions "
               "(--ids, --layer, --head, --scores, --average, --lines, --query, --key, --upto, --attn, --off, --no-pos)",
    .create = att_create,
    .destroy = att_destroy,
    .update = att_update,
    .layout = att_layout,
    .draw = att_draw,
    .event = att_event,
    .shortcuts = ATT_KEYS,
    .ui = att_ui,
    .matrix = att_matrix,
    .check = att_check,
};
