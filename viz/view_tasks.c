/* view_tasks.c - model, tokenizer and head picking shared by the translation
 * and classification views (see view_tasks.h). */
#include "view_tasks.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const gb_model *task_model(const task_src *s, const gb_shared *sh, bool *foreign) {
    *foreign = sh->model && sh->model->cfg.arch != s->arch;
    if (sh->model && !*foreign) return sh->model;
    return s->own;
}

const char *task_model_name(const task_src *s, const gb_shared *sh) {
    bool foreign;
    const gb_model *m = task_model(s, sh, &foreign);
    if (m && m == sh->model && sh->model_name) return sh->model_name;
    return s->bundled;
}

void task_src_free(task_src *s) {
    gb_tokenizer_free(s->tok);
    gb_model_free(s->own);
    s->tok = NULL, s->own = NULL, s->tok_for = NULL;
}

gb_status task_job_prepare(task_load *L, gb_error *err) {
    if (!L->m) {
        if (gb_model_load(L->bundled, &L->loaded, err)) return err->status;
        L->m = L->loaded;
    }
    if (!L->tok) {
        if (!L->m->tokenizer_ref)
            return gb_fail(err, GB_ERR_INPUT, "%s names no tokenizer, so a typed sentence cannot be read",
                           L->m->source ? L->m->source : "the model");
        if (gb_tokenizer_load(L->m->tokenizer_ref, &L->tok_loaded, err)) return err->status;
        L->tok = L->tok_loaded;
    }
    return GB_OK;
}

gb_status task_job_encode(const task_load *L, const char *prompt, bool cls, int **ids, int *n, gb_error *err) {
    int *w = NULL, nw = 0;
    *ids = NULL, *n = 0;
    if (gb_tokenizer_encode(L->tok, prompt, strlen(prompt), false, &w, &nw, NULL, err)) return err->status;
    int c = cls ? gb_tokenizer_special(L->tok, GB_SPECIAL_CLS) : -1;
    if (cls && c < 0) {
        free(w);
        return gb_fail(err, GB_ERR_INPUT, "the tokenizer has no <cls> token for classification");
    }
    *ids = malloc((size_t)(nw + 1) * sizeof **ids);
    if (!*ids) return free(w), gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    if (cls) (*ids)[(*n)++] = c;
    if (nw) memcpy(*ids + *n, w, (size_t)nw * sizeof *w);
    *n += nw;
    free(w);
    return GB_OK;
}

void task_job_adopt(task_src *s, task_load *L) {
    if (L->loaded) {
        if (s->tok_for == s->own) gb_tokenizer_free(s->tok), s->tok = NULL, s->tok_for = NULL;
        gb_model_free(s->own);
        s->own = L->loaded, L->loaded = NULL;
    }
    if (L->tok_loaded) {
        gb_tokenizer_free(s->tok);
        s->tok = L->tok_loaded, s->tok_for = L->m, L->tok_loaded = NULL;
    }
}

void task_load_free(task_load *L) {
    gb_tokenizer_free(L->tok_loaded);
    gb_model_free(L->loaded);
    L->tok_loaded = NULL, L->loaded = NULL;
}

char (*task_labels(const gb_tokenizer *tok, const int *ids, int n))[TASK_LABEL] {
    char (*lab)[TASK_LABEL] = calloc((size_t)(n > 0 ? n : 1), sizeof *lab);
    for (int i = 0; lab && i < n; i++) gb_tokenizer_label(tok, ids[i], lab[i], TASK_LABEL);
    return lab;
}

/* ---- layer and head ---- */

void task_heads_init(task_heads *h, gb_ui *ui, int layer, int head, bool average) {
    memset(h, 0, sizeof *h);
    h->layer = layer > 0 ? layer : 0, h->head = head > 0 ? head : 0, h->average = average;
    gb_widget_dropdown(&h->layer_dd, "layer", NULL, 0, 0);
    gb_widget_set_tooltip(&h->layer_dd, "Which layer's attention (Up, Down)");
    gb_widget_dropdown(&h->head_dd, "head", NULL, 0, 0);
    gb_widget_set_tooltip(&h->head_dd, "Which head, or the average of the layer's heads (Left, Right; a)");
    gb_ui_add(ui, &h->layer_dd);
    gb_ui_add(ui, &h->head_dd);
}

void task_heads_sync(task_heads *h, int n_layers, int n_heads) {
    n_layers = n_layers < 1 ? 1 : n_layers > GB_MAX_LAYERS ? GB_MAX_LAYERS : n_layers;
    n_heads = n_heads < 1 ? 1 : n_heads > GB_MAX_LAYERS ? GB_MAX_LAYERS : n_heads;
    h->n_layers = n_layers, h->n_heads = n_heads;
    if (h->layer >= n_layers) h->layer = n_layers - 1;
    if (h->head >= n_heads) h->head = n_heads - 1;
    for (int i = 0; i < n_layers; i++) {
        snprintf(h->names[0][i], sizeof h->names[0][i], "%d", i);
        h->items[0][i] = h->names[0][i];
    }
    for (int i = 0; i < n_heads; i++) {
        snprintf(h->names[1][i], sizeof h->names[1][i], "%d", i);
        h->items[1][i] = h->names[1][i];
    }
    snprintf(h->names[1][n_heads], sizeof h->names[1][n_heads], "average");
    h->items[1][n_heads] = h->names[1][n_heads];
    /* keep the widgets' places and state: only the entries change */
    h->layer_dd.items = h->items[0], h->layer_dd.n_items = n_layers, h->layer_dd.selected = h->layer;
    h->head_dd.items = h->items[1], h->head_dd.n_items = n_heads + 1, h->head_dd.selected = h->average ? n_heads : h->head;
}

bool task_heads_read(task_heads *h) {
    bool ch = false;
    if (h->layer_dd.changed) h->layer_dd.changed = false, h->layer = h->layer_dd.selected, ch = true;
    if (h->head_dd.changed) {
        h->head_dd.changed = false, ch = true;
        h->average = h->head_dd.selected >= h->n_heads;
        if (!h->average) h->head = h->head_dd.selected;
    }
    return ch;
}

bool task_heads_key(task_heads *h, const gb_event *ev) {
    if (ev->type != GB_EV_KEY || ev->mods) return false;
    int L = h->layer, H = h->head;
    bool avg = h->average;
    if (ev->key == GB_KEY_UP) L = L > 0 ? L - 1 : 0;
    else if (ev->key == GB_KEY_DOWN) L = L + 1 < h->n_layers ? L + 1 : L;
    else if (ev->key == GB_KEY_LEFT) avg ? (void)(avg = false) : (void)(H = H > 0 ? H - 1 : 0);
    else if (ev->key == GB_KEY_RIGHT) avg ? (void)(avg = false) : (void)(H = H + 1 < h->n_heads ? H + 1 : H);
    else if (ev->key == GB_KEY_CHAR && ev->ch == 'a') avg = !avg;
    else return false;
    if (L == h->layer && H == h->head && avg == h->average) return false;
    h->layer = L, h->head = H, h->average = avg;
    h->layer_dd.selected = L;
    h->head_dd.selected = avg ? h->n_heads : H;
    return true;
}

void task_heads_free(task_heads *h) {
    gb_widget_free(&h->layer_dd);
    gb_widget_free(&h->head_dd);
}

void task_heads_describe(const task_heads *h, char *buf, size_t cap) {
    if (h->average) snprintf(buf, cap, "layer %d, average of its %d heads", h->layer, h->n_heads);
    else snprintf(buf, cap, "layer %d, head %d", h->layer, h->head);
}

gb_status task_heads_check(const char *view, int arg_layer, int arg_head, int n_layers, int n_heads, gb_error *err) {
    if (arg_layer >= n_layers)
        return gb_fail(err, GB_ERR_INPUT, "%s --layer: %d is out of range (the model has layers 0..%d)", view, arg_layer,
                       n_layers - 1);
    if (arg_head >= n_heads)
        return gb_fail(err, GB_ERR_INPUT, "%s --head: %d is out of range (the model has heads 0..%d)", view, arg_head,
                       n_heads - 1);
    return GB_OK;
}

gb_status task_check(const task_src *s, const gb_shared *sh, const char *view, gb_error *err) {
    if (sh->model && sh->model->cfg.arch != s->arch)
        return gb_fail(err, GB_ERR_INPUT, "%s: %s is %s model; the %s view needs %s (e.g. --model %s)", view,
                       sh->model_name ? sh->model_name : "the model",
                       sh->model->cfg.arch == GB_ARCH_ENCODER ? "an encoder-only" : sh->model->cfg.arch == GB_ARCH_ENCDEC ? "an encoder-decoder" : "a decoder-only",
                       view, s->family, s->bundled);
    if (!sh->model && !s->own) return gb_fail(err, GB_ERR_INPUT, "%s: %s", view, s->load_error[0] ? s->load_error : "no model");
    return GB_OK;
}

/* ---- a sentence as shaded boxes ---- */

int task_highlighted(const gb_hl *hl, char (*lab)[TASK_LABEL], int n, int base, int *out, int cap) {
    bool *mk = hl && hl->n > 0 && n > 0 ? malloc((size_t)n) : NULL;
    int k = 0;
    if (mk && gb_hl_mark_rows(hl, lab[0], TASK_LABEL, n, mk) > 0)
        for (int i = 0; i < n && k < cap; i++)
            if (mk[i]) out[k++] = base + i;
    free(mk);
    return k;
}

double task_draw_strip(cairo_t *cr, gb_rect r, char (*lab)[TASK_LABEL], int n, const float *weight, int highlight,
                       const gb_hl *hl, const gb_theme *t, gb_rect *rects) {
    bool *mk = cr && hl && hl->n > 0 && n > 0 ? malloc((size_t)n) : NULL;
    if (mk) gb_hl_mark_rows(hl, lab[0], TASK_LABEL, n, mk);
    gb_font fb = gb_font_body(t);
    double hbox = t->font * 2.0, x = r.x, y = r.y, gap = t->font * 0.35;
    for (int i = 0; i < n; i++) {
        double tw;
        gb_text_size(cr, &fb, lab[i], &tw, NULL);
        double bw = tw + t->font * 1.0;
        if (x > r.x && x + bw > r.x + r.w) x = r.x, y += hbox + gap;
        gb_rect b = {x, y, fmin(bw, r.w), hbox};
        if (rects) rects[i] = b;
        if (cr) {
            double wv = weight ? fmin(1, fmax(0, weight[i])) : 0;
            gb_rgb fill = weight ? gb_rgb_mix(t->panel, gb_scale_color(GB_SCALE_VIRIDIS, 0.25 + 0.75 * wv), wv)
                                 : gb_palette_tint(0);
            gb_set_rgb(cr, fill);
            gb_rounded_rect(cr, b, 4);
            cairo_fill_preserve(cr);
            gb_set_rgb(cr, i == highlight ? t->fg : t->panel_edge);
            cairo_set_line_width(cr, i == highlight ? 2.5 : t->hairline);
            cairo_stroke(cr);
            gb_set_rgb(cr, gb_text_on(fill));
            gb_text_draw(cr, &fb, lab[i], b.x + b.w / 2, b.y + b.h / 2, GB_CENTER, GB_MIDDLE, b.w - 4);
            if (mk && mk[i]) gb_hl_halo(cr, b, 3, 4);
        }
        x += bw + gap;
    }
    free(mk);
    return n ? y + hbox - r.y : 0;
}
