/* view_generation_attn.c - the generation view's attention panel: what the
 * model attended to when it produced the shown step's token.
 *
 * The session records, for every step, the attention pattern rows of the
 * position just before the step (the query whose logits the token was drawn
 * from) over every position up to it (gb_session_attention). The panel draws
 * one of those rows, for a chosen layer and head or averaged over the heads,
 * as the tokens in a strip: each token's background by its weight and the
 * weight written under it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view_distribution.h"
#include "view_distribution_view.h"

#define ATT_MAX_KEYS 4096

void gen_att_init(dist_view *v, const gb_view_args *a) {
    v->att_layer = a->layer;
    v->att_head = a->average ? -1 : a->head;
    gb_widget_dropdown(&v->att_layer_dd, "", NULL, 0, 0);
    gb_widget_set_tooltip(&v->att_layer_dd, "The layer whose attention is shown (Up, Down)");
    gb_ui_add(&v->ui, &v->att_layer_dd);
    gb_widget_dropdown(&v->att_head_dd, "", NULL, 0, 0);
    gb_widget_set_tooltip(&v->att_head_dd, "One head, or the average over the layer's heads (h: next head, a: average)");
    gb_ui_add(&v->ui, &v->att_head_dd);
}

void gen_att_free(dist_view *v) {
    gb_widget_free(&v->att_layer_dd);
    gb_widget_free(&v->att_head_dd);
    free(v->att_names);
    free(v->att_items);
    v->att_names = NULL, v->att_items = NULL;
}

/* Layer and head in force for a model of L layers and H heads. */
static void resolve(const dist_view *v, int L, int H, int *layer, int *head) {
    *layer = v->att_layer < 0 || v->att_layer >= L ? L - 1 : v->att_layer;
    *head = v->att_head >= H ? -1 : v->att_head;
}

static void sync_dropdowns(dist_view *v) {
    if (!v->att_items) return;
    int layer, head;
    resolve(v, v->att_L, v->att_H, &layer, &head);
    v->att_layer_dd.selected = layer;
    v->att_head_dd.selected = head + 1;
}

void gen_att_sync(dist_view *v, const gb_shared *sh) {
    int L = sh->model ? sh->model->cfg.n_layers : 0, H = sh->model ? sh->model->cfg.n_heads : 0;
    if (L == v->att_L && H == v->att_H && v->att_items) {
        sync_dropdowns(v);
        return;
    }
    free(v->att_names);
    free(v->att_items);
    v->att_names = malloc((size_t)(L + H + 1) * sizeof *v->att_names);
    v->att_items = malloc((size_t)(L + H + 1) * sizeof *v->att_items);
    if (!v->att_names || !v->att_items || L < 1 || H < 1) {
        free(v->att_names), free(v->att_items);
        v->att_names = NULL, v->att_items = NULL;
        v->att_L = v->att_H = 0;
        v->att_layer_dd.n_items = v->att_head_dd.n_items = 0;
        return;
    }
    for (int l = 0; l < L; l++) snprintf(v->att_names[l], sizeof v->att_names[l], "layer %d", l);
    snprintf(v->att_names[L], sizeof v->att_names[L], "all heads");
    for (int h = 0; h < H; h++) snprintf(v->att_names[L + 1 + h], sizeof v->att_names[0], "head %d", h);
    for (int i = 0; i < L + H + 1; i++) v->att_items[i] = v->att_names[i];
    v->att_L = L, v->att_H = H;
    v->att_layer_dd.items = v->att_items, v->att_layer_dd.n_items = L;
    v->att_head_dd.items = v->att_items + L, v->att_head_dd.n_items = H + 1;
    sync_dropdowns(v);
}

double gen_att_height(const gb_theme *t) {
    return gb_panel_header_h("x", t) + 2 * t->pad + t->font * 2.0 + t->font_small * 1.7;
}

/* Width of the two drop-downs at the top right of the panel. */
static double dropdowns_w(gb_rect r, const gb_theme *t) { return 2 * fmin(130, r.w / 5) + t->gap; }

void gen_att_layout(dist_view *v, gb_rect r, const gb_shared *sh) {
    const gb_theme *t = sh->theme;
    double wh = gb_widget_height(t), ww = fmin(130, r.w / 5);
    gb_rect row = {r.x + r.w - t->pad - dropdowns_w(r, t), r.y + t->pad, dropdowns_w(r, t), wh};
    v->att_layer_dd.r = gb_rect_cut_left(&row, ww, t->gap);
    v->att_head_dd.r = row;
    v->att_layer_dd.hidden = v->att_head_dd.hidden = !sh->interactive;
}

bool gen_att_read(dist_view *v) {
    bool ch = false;
    if (v->att_layer_dd.changed) v->att_layer = v->att_layer_dd.selected, v->att_layer_dd.changed = false, ch = true;
    if (v->att_head_dd.changed) v->att_head = v->att_head_dd.selected - 1, v->att_head_dd.changed = false, ch = true;
    return ch;
}

bool gen_att_key(dist_view *v, const gb_event *ev) {
    if (ev->type != GB_EV_KEY || ev->mods || !v->att_L) return false;
    int layer, head;
    resolve(v, v->att_L, v->att_H, &layer, &head);
    if (ev->key == GB_KEY_UP || ev->key == GB_KEY_DOWN) {
        int l = layer + (ev->key == GB_KEY_DOWN ? 1 : -1);
        if (l < 0 || l >= v->att_L) return false;
        v->att_layer = l;
    } else if (ev->key == GB_KEY_CHAR && ev->ch == 'h') {
        v->att_head = head + 1 >= v->att_H ? -1 : head + 1; /* average, 0, 1, ..., H-1, average */
    } else if (ev->key == GB_KEY_CHAR && ev->ch == 'a') {
        v->att_head = -1;
    } else {
        return false;
    }
    sync_dropdowns(v);
    return true;
}

int gen_att_row(const dist_view *v, float *out, int cap, int *layer, int *head) {
    const gb_samp *p = &v->p;
    int L, H, T;
    const float *a = p->s && p->shown >= 0 ? gb_session_attention(p->s, p->shown, &L, &H, &T) : NULL;
    if (!a || T > cap) return 0;
    resolve(v, L, H, layer, head);
    const float *rows = a + (size_t)*layer * H * T;
    for (int k = 0; k < T; k++) {
        double sum = 0; /* one head, or the mean over the heads */
        for (int h = *head < 0 ? 0 : *head; h < (*head < 0 ? H : *head + 1); h++) sum += rows[(size_t)h * T + k];
        out[k] = (float)(*head < 0 ? sum / H : sum);
    }
    return T;
}

gb_status gen_att_check(const dist_view *v, const gb_shared *sh, gb_error *err) {
    int L = sh->model->cfg.n_layers, H = sh->model->cfg.n_heads;
    if (v->att_layer >= L)
        return gb_fail(err, GB_ERR_INPUT, "generation --layer: %d is out of range [0, %d] (the model has %d layers)",
                       v->att_layer, L - 1, L);
    if (v->att_head >= H)
        return gb_fail(err, GB_ERR_INPUT, "generation --head: %d is out of range [0, %d] (the model has %d heads)",
                       v->att_head, H - 1, H);
    return GB_OK;
}

/* ---- drawing ---- */

/* Token ids of the keys: the prompt, then the shown step's path before it. */
static void key_ids(const gb_samp *p, int *ids, int T) {
    int n = T - p->n_prompt;
    for (int i = 0; i < p->n_prompt && i < T; i++) ids[i] = p->prompt[i];
    int node = gb_session_node_at(p->s, p->shown)->parent;
    for (int i = n - 1; i >= 0 && node >= 0; i--, node = gb_session_node_at(p->s, node)->parent)
        ids[p->n_prompt + i] = gb_session_node_at(p->s, node)->token;
}

static void draw_key(cairo_t *cr, gb_rect box, const gb_samp *p, int id, float w, bool strongest, bool query,
                     const gb_theme *t) {
    gb_font fs = gb_font_small(t), fb = gb_font_body(t);
    gb_rgb bg = gb_rgb_mix(t->panel, t->accent, fmin(1.0, fmax(0.0, w)));
    gb_rect b = {box.x + 1, box.y, box.w - 2, t->font * 2.0};
    gb_set_rgb(cr, bg);
    gb_rounded_rect(cr, b, 4);
    cairo_fill_preserve(cr);
    gb_set_rgb(cr, query ? t->fg : t->panel_edge);
    cairo_set_line_width(cr, query ? 2.0 : t->hairline);
    cairo_stroke(cr);
    char lab[48], val[16];
    gb_samp_label(p, id, lab, sizeof lab);
    double lw;
    gb_text_size(cr, &fb, lab, &lw, NULL);
    gb_set_rgb(cr, gb_text_on(bg));
    gb_text_draw(cr, lw > b.w - 4 ? &fs : &fb, lab, b.x + b.w / 2, b.y + b.h / 2, GB_CENTER, GB_MIDDLE, b.w - 4);
    snprintf(val, sizeof val, "%.2f", w);
    double tw;
    gb_text_size(cr, &fs, val, &tw, NULL);
    if (tw > box.w - 2 && !strongest) return; /* too narrow: the colour says it */
    fs.bold = strongest;
    gb_set_rgb(cr, strongest ? t->fg : t->fg_dim);
    gb_text_draw(cr, &fs, val, b.x + b.w / 2, b.y + b.h + 2, GB_CENTER, GB_TOP, 0);
}

void gen_att_draw(cairo_t *cr, gb_rect r, const dist_view *v, const gb_theme *t) {
    const gb_samp *p = &v->p;
    float row[ATT_MAX_KEYS];
    int ids[ATT_MAX_KEYS];
    int layer = 0, head = -1, T = gen_att_row(v, row, ATT_MAX_KEYS, &layer, &head);
    if (!T) {
        gb_rect in = gb_draw_panel(cr, r, "What the model attended to", NULL, t);
        gb_view_message(cr, in, "No attention recorded for this step", t);
        return;
    }
    key_ids(p, ids, T);
    char title[160], sub[240], chosen[48], query[48], who[48];
    gb_samp_label(p, gb_session_node_at(p->s, p->shown)->token, chosen, sizeof chosen);
    gb_samp_label(p, ids[T - 1], query, sizeof query);
    if (head < 0) snprintf(who, sizeof who, "average of %d heads", v->att_H ? v->att_H : 1);
    else snprintf(who, sizeof who, "head %d", head);
    snprintf(title, sizeof title, "Attention when it chose \"%s\"", chosen);
    snprintf(sub, sizeof sub, "layer %d, %s; query \"%s\" (outlined); colour = weight", layer, who, query);
    /* the header drawn here: its right end holds the drop-downs in the window */
    gb_rect in = gb_draw_panel(cr, r, NULL, NULL, t);
    double tw = in.w - (v->att_layer_dd.hidden ? 0 : dropdowns_w(r, t) + t->gap);
    gb_font ft = gb_font_title(t), fs = gb_font_small(t), fb = gb_font_body(t);
    gb_set_rgb(cr, t->fg);
    gb_text_draw(cr, &ft, title, in.x, in.y, GB_LEFT, GB_TOP, tw);
    gb_set_rgb(cr, t->fg_dim);
    gb_text_draw(cr, &fs, sub, in.x, in.y + t->font_title * 1.25 + 2, GB_LEFT, GB_TOP, tw);
    gb_rect_cut_top(&in, gb_panel_header_h(sub, t) - t->pad, t->pad);
    /* the tokens that fit, newest last; the earlier ones summed in a note */
    char out[80];
    snprintf(out, sizeof out, "\xE2\x86\x92 %s", chosen);
    fb.bold = true;
    double arrow_w, min_w = t->font_small * 3.0;
    gb_text_size(cr, &fb, out, &arrow_w, NULL);
    arrow_w = fmin(arrow_w + t->gap, in.w * 0.3);
    double avail = in.w - arrow_w;
    int first = 0;
    while ((T - first) * min_w > avail && first < T - 1) first++;
    double note_w = 0, earlier = 0;
    for (int k = 0; k < first; k++) earlier += row[k];
    if (first > 0) {
        note_w = t->font * 5.5;
        while ((T - first) * min_w > avail - note_w && first < T - 1) earlier += row[first++];
    }
    double box_w = fmin(t->font * 6.5, (avail - note_w) / (T - first));
    int strongest = 0;
    for (int k = 1; k < T; k++) strongest = row[k] > row[strongest] ? k : strongest;
    double x = in.x;
    if (first > 0) { /* "12 earlier" and their summed weight, where a token's value goes */
        char note[64], val[16];
        snprintf(note, sizeof note, "%d earlier", first);
        snprintf(val, sizeof val, "%.2f", earlier);
        gb_set_rgb(cr, t->fg_dim);
        gb_text_draw(cr, &fs, note, x + note_w / 2, in.y + t->font, GB_CENTER, GB_MIDDLE, note_w - 4);
        gb_text_draw(cr, &fs, val, x + note_w / 2, in.y + t->font * 2.0 + 2, GB_CENTER, GB_TOP, note_w - 4);
        x += note_w;
    }
    for (int k = first; k < T; k++, x += box_w)
        draw_key(cr, (gb_rect){x, in.y, box_w, in.h}, p, ids[k], row[k], k == strongest, k == T - 1, t);
    /* what came out */
    gb_set_rgb(cr, t->highlight);
    gb_text_draw(cr, &fb, out, x + t->gap, in.y + t->font, GB_LEFT, GB_MIDDLE, arrow_w - t->gap);
}
