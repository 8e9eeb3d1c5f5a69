/* view_compare.c - the "compare" view: several sampling strategies (default
 * greedy, top-k 40, top-p 0.9, temperature 1.5) on the same prompt and seed,
 * side by side: each one's text, its log-probability and entropy, and its
 * distribution at a chosen step (--at; [ and ] in the window). Each column is
 * one sampler session, as gb_compare_run runs them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view_distribution.h"

#define CMP_MAX 6
#define CMP_PATH 512

typedef struct cmp_view {
    gb_samp p[CMP_MAX];
    gb_sampler_settings set[CMP_MAX];
    int n, at;
    double w, h;
    gb_ui ui;
} cmp_view;

static void *cmp_create(const gb_view_args *a, gb_error *err) {
    cmp_view *v = calloc(1, sizeof *v);
    if (!v) return gb_fail(err, GB_ERR_INTERNAL, "compare: out of memory"), NULL;
    if (a->strategies) {
        char buf[512];
        snprintf(buf, sizeof buf, "%s", a->strategies);
        for (char *item = buf, *next; item; item = next) {
            next = strchr(item, ',');
            if (next) *next++ = '\0';
            if (v->n == CMP_MAX) {
                gb_fail(err, GB_ERR_INPUT, "compare --strategies: at most %d side by side", CMP_MAX);
                break;
            }
            if (gb_sampler_settings_parse(item, &v->set[v->n++], err)) {
                gb_error_prefix(err, "compare --strategies");
                break;
            }
        }
        if (err->status) return free(v), NULL;
    } else {
        v->n = gb_compare_default_strategies(v->set);
    }
    v->at = a->at;
    for (int i = 0; i < v->n; i++) {
        gb_view_args b = *a;
        b.strategy = NULL;
        b.temperature = v->set[i].temperature, b.top_k = v->set[i].top_k, b.top_p = v->set[i].top_p;
        b.steps = a->max_new;
        if (!gb_samp_init(&v->p[i], &b, 0, err)) {
            for (int j = 0; j < i; j++) gb_samp_free(&v->p[j]);
            gb_error_prefix(err, "compare");
            return free(v), NULL;
        }
        /* exactly these settings, whatever the drop-down logic would pick */
        v->p[i].strategy = v->set[i].temperature == 0 ? GB_STRAT_GREEDY : GB_STRAT_COMBINED;
        v->p[i].temperature = v->set[i].temperature > 0 ? v->set[i].temperature : 1;
        v->p[i].top_k = v->set[i].top_k, v->p[i].top_p = v->set[i].top_p;
    }
    gb_ui_init(&v->ui, gb_theme_normal());
    return v;
}

static void cmp_destroy(void *self) {
    cmp_view *v = self;
    if (!v) return;
    for (int i = 0; i < v->n; i++) gb_samp_free(&v->p[i]);
    free(v);
}

/* Show step `at` (or each column's last) in every column. */
static void show_at(cmp_view *v) {
    for (int i = 0; i < v->n; i++) {
        gb_samp *p = &v->p[i];
        if (!p->s) continue;
        int path[CMP_PATH];
        int n = gb_session_path(p->s, gb_session_current_branch(p->s), path, CMP_PATH);
        if (n > CMP_PATH) n = CMP_PATH;
        int d = v->at >= 0 && v->at < n ? v->at : n - 1;
        gb_samp_show(p, d >= 0 ? path[d] : -1);
        gb_samp_refresh(p);
    }
}

/* The first step where some strategy chose differently from the first one
 * (where the comparison is interesting), else 0. */
static int first_difference(const cmp_view *v) {
    if (!v->p[0].s) return 0;
    int a[CMP_PATH], b[CMP_PATH];
    int na = gb_session_tokens(v->p[0].s, false, a, CMP_PATH);
    int best = na;
    for (int i = 1; i < v->n; i++) {
        if (!v->p[i].s) continue;
        int nb = gb_session_tokens(v->p[i].s, false, b, CMP_PATH), k = 0;
        while (k < na && k < nb && k < CMP_PATH && a[k] == b[k]) k++;
        if (k < best) best = k;
    }
    return best < na ? best : 0;
}

static gb_job *cmp_update(void *self, const gb_shared *sh) {
    cmp_view *v = self;
    bool ch = false;
    for (int i = 0; i < v->n; i++) ch |= gb_samp_sync(&v->p[i], sh);
    if (ch && v->at < 0) v->at = first_difference(v);
    if (ch) show_at(v);
    return NULL;
}

static void cmp_layout(void *self, double w, double h, const gb_shared *sh) {
    cmp_view *v = self;
    v->w = w, v->h = h;
    v->ui.theme = sh->theme;
}

/* The column's text: prompt dim, generated tokens, the shown step highlighted. */
static double draw_text(cairo_t *cr, gb_rect r, const gb_samp *p, const gb_theme *t) {
    int path[CMP_PATH];
    int n = gb_session_path(p->s, gb_session_current_branch(p->s), path, CMP_PATH);
    if (n > CMP_PATH) n = CMP_PATH;
    gb_font fb = gb_font_body(t);
    double x = r.x, y = r.y, lh = t->font * 1.5, sp;
    gb_text_size(cr, &fb, " ", &sp, NULL);
    char lab[64];
    for (int i = -p->n_prompt; i < n; i++) {
        int id = i < 0 ? p->prompt[p->n_prompt + i] : gb_session_node_at(p->s, path[i])->token;
        gb_samp_label(p, id, lab, sizeof lab);
        double tw, th;
        fb.bold = i >= 0;
        gb_text_size(cr, &fb, lab, &tw, &th);
        if (x + tw > r.x + r.w && x > r.x) x = r.x, y += lh;
        if (y + lh > r.y + r.h) break;
        bool sel = i >= 0 && path[i] == p->shown, mark = !sel && gb_hl_match(&p->hl, lab, strlen(lab)) >= 0;
        if (sel) {
            gb_set_rgb(cr, t->highlight);
            gb_rounded_rect(cr, (gb_rect){x - 2, y - 1, tw + 4, th + 2}, 3);
            cairo_fill(cr);
        }
        if (mark) gb_hl_ground(cr, (gb_rect){x - 2, y - 1, tw + 4, th + 2}, 0); /* a --highlight word */
        gb_set_rgb(cr, sel ? gb_text_on(t->highlight) : mark ? GB_HL_INK : i < 0 ? t->fg_dim : t->fg);
        gb_text_draw(cr, &fb, lab, x, y, GB_LEFT, GB_TOP, 0);
        x += tw + sp;
    }
    return y + lh - r.y;
}

static void cmp_draw(cairo_t *cr, double w, double h, const void *self, const gb_shared *sh) {
    const cmp_view *v = self;
    const gb_theme *t = sh->theme;
    gb_set_rgb(cr, t->bg);
    cairo_paint(cr);
    const gb_samp *p0 = &v->p[0];
    char sub[320];
    int shown_step = p0->s && p0->shown >= 0 ? gb_session_node_at(p0->s, p0->shown)->depth : -1;
    snprintf(sub, sizeof sub, "%s, the same prompt and seed %llu for each; distributions at step %d (highlighted)",
             sh->model_name ? sh->model_name : "model", (unsigned long long)p0->seed, shown_step + 1);
    gb_view_header(cr, w, h, "Decoding strategies side by side", sub, t);
    gb_rect r = gb_view_body(w, h, t);
    if (!p0->s) {
        gb_view_message(cr, r, p0->error[0] ? p0->error : "Nothing generated yet", t);
        return;
    }
    double cw = (r.w - (v->n - 1) * t->gap) / v->n;
    for (int i = 0; i < v->n; i++) {
        const gb_samp *p = &v->p[i];
        gb_rect col = {r.x + i * (cw + t->gap), r.y, cw, r.h};
        char title[96], st[160];
        gb_sampler_settings_describe(&v->set[i], title, sizeof title);
        if (!p->s) {
            gb_rect in = gb_draw_panel(cr, col, title, NULL, t);
            gb_view_message(cr, in, p->error, t);
            continue;
        }
        int path[CMP_PATH];
        int n = gb_session_path(p->s, gb_session_current_branch(p->s), path, CMP_PATH);
        const gb_session_node *last = n > 0 ? gb_session_node_at(p->s, path[n > CMP_PATH ? CMP_PATH - 1 : n - 1]) : NULL;
        double ent = 0;
        for (int k = 0; k < n && k < CMP_PATH; k++) ent += gb_session_node_at(p->s, path[k])->entropy_final;
        snprintf(st, sizeof st, "%d tokens, log p %.2f, entropy %.2f", n, last ? last->total_logprob_t1 : 0,
                 n ? ent / n : 0);
        gb_rect in = gb_draw_panel(cr, col, title, st, t);
        gb_rect text = gb_rect_cut_top(&in, fmin(in.h * 0.3, t->font * 1.5 * 4), t->gap);
        draw_text(cr, text, p, t);
        gb_set_rgb(cr, t->grid);
        cairo_set_line_width(cr, t->hairline);
        cairo_move_to(cr, in.x, in.y - t->gap / 2);
        cairo_line_to(cr, in.x + in.w, in.y - t->gap / 2);
        cairo_stroke(cr);
        gb_dist_draw(cr, in, p, t, true);
    }
}

static bool cmp_event(void *self, const gb_event *ev, const gb_shared *sh) {
    cmp_view *v = self;
    (void)sh;
    if (ev->type != GB_EV_KEY || ev->mods || ev->key != GB_KEY_CHAR) return false;
    int n = v->p[0].s ? gb_samp_n_generated(&v->p[0]) : 0;
    int cur = v->at >= 0 && v->at < n ? v->at : n - 1;
    if (ev->ch == '[' && cur > 0) v->at = cur - 1;
    else if (ev->ch == ']' && cur + 1 < n) v->at = cur + 1;
    else return false;
    show_at(v);
    return true;
}

static gb_ui *cmp_ui(void *self) { return &((cmp_view *)self)->ui; }

/* "tokens" [n_strategies, max_new]: each strategy's generated ids (-1 past its end). */
static const float *cmp_matrix(const void *self, const char *name, int *rows, int *cols) {
    const cmp_view *v = self;
    static float buf[CMP_MAX * CMP_PATH];
    if (strcmp(name, "tokens") != 0) return NULL;
    int m = 1;
    for (int i = 0; i < v->n; i++)
        if (v->p[i].s && gb_samp_n_generated(&v->p[i]) > m) m = gb_samp_n_generated(&v->p[i]);
    if (m > CMP_PATH) m = CMP_PATH;
    for (int i = 0; i < v->n; i++) {
        int path[CMP_PATH], n = v->p[i].s ? gb_session_path(v->p[i].s, 0, path, CMP_PATH) : 0;
        for (int k = 0; k < m; k++) buf[i * m + k] = k < n ? (float)gb_session_node_at(v->p[i].s, path[k])->token : -1.f;
    }
    return *rows = v->n, *cols = m, buf;
}

static gb_status cmp_check(const void *self, const gb_shared *sh, gb_error *err) {
    const cmp_view *v = self;
    if (!sh->model) return gb_fail(err, GB_ERR_INPUT, "compare: needs a model (--model, e.g. classroom)");
    for (int i = 0; i < v->n; i++)
        if (!v->p[i].s) return gb_fail(err, GB_ERR_INPUT, "compare: %s", v->p[i].error);
    int n = gb_samp_n_generated(&v->p[0]);
    if (v->at >= 0 && v->at >= n)
        return gb_fail(err, GB_ERR_INPUT, "compare --at: step %d is beyond the %d generated (0..%d)", v->at, n, n - 1);
    return GB_OK;
}

static const char *const CMP_KEYS[] = {"[  ]", "distributions at the previous / next step", NULL};

/* The marked bars' ids, column after column (an id marked in two columns twice). */
static int cmp_highlighted(const void *self, int *out, int cap) {
    const cmp_view *v = self;
    int k = 0;
    for (int i = 0; i < v->n; i++) k += gb_dist_highlighted(&v->p[i], true, out + k, cap - k);
    return k;
}

const gb_view gb_view_compare = {
    .name = "compare",
    .title = "Compare",
    .summary = "decoding strategies side by side on one prompt and seed (--strategies, --seed, --at, --max-new-tokens)",
    .create = cmp_create,
    .destroy = cmp_destroy,
    .update = cmp_update,
    .layout = cmp_layout,
    .draw = cmp_draw,
    .event = cmp_event,
    .shortcuts = CMP_KEYS,
    .ui = cmp_ui,
    .matrix = cmp_matrix,
    .check = cmp_check,
    .highlighted = cmp_highlighted,
};
