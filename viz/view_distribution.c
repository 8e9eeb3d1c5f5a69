/* view_distribution.c - the "distribution" view: the next-token distribution
 * with every sampler stage visible, and the controls that drive the sampler
 * step by step. Changing a control re-samples the current step from its
 * cached logits (no forward pass) and the summary says why the choice changed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view_distribution.h"
#include "view_distribution_view.h"

/* ---- state ---- */

static void add_slider(dist_view *v, gb_widget *w, const char *label, double val, double lo, double hi, double step,
                       int dec, const char *tip) {
    gb_widget_slider(w, label, val, lo, hi, step, dec);
    gb_widget_set_tooltip(w, tip);
    gb_ui_add(&v->ui, w);
}

static void add_button(dist_view *v, gb_widget *w, const char *label, const char *tip) {
    gb_widget_button(w, label);
    gb_widget_set_tooltip(w, tip);
    gb_ui_add(&v->ui, w);
}

void dist_controls_init(dist_view *v) {
    gb_ui_init(&v->ui, gb_theme_normal());
    gb_samp *p = &v->p;
    gb_widget_dropdown(&v->strategy, "strategy", GB_STRATEGY_NAMES, GB_STRAT_N, (int)p->strategy);
    gb_widget_set_tooltip(&v->strategy, "Which settings are in force: greedy, random (temperature only), top-k, top-p, or both");
    gb_ui_add(&v->ui, &v->strategy);
    add_slider(v, &v->temp, "temperature", p->temperature, 0.05, 3, 0.05, 2,
               "Divide the logits by T: below 1 sharpens, above 1 flattens");
    add_slider(v, &v->topk, "top-k", p->top_k, 1, 100, 1, 0, "Keep the k most likely tokens");
    add_slider(v, &v->topp, "top-p", p->top_p, 0.05, 1, 0.01, 2, "Keep the fewest tokens whose mass reaches p");
    add_slider(v, &v->maxnew, "max new", p->max_new, 1, 256, 1, 0, "How many tokens to generate at most (restarts)");
    add_slider(v, &v->seed, "seed", (double)p->seed, 0, 9999, 1, 0, "The seed of the draws (restarts)");
    add_button(v, &v->step, "Step", "Generate the next token (space)");
    add_button(v, &v->back, "Back", "Remove the last token (backspace)");
    gb_widget_toggle(&v->play, "Play", false);
    gb_widget_set_tooltip(&v->play, "Step on every tick until done (p)");
    gb_ui_add(&v->ui, &v->play);
    add_button(v, &v->reset, "Reset", "Start again from the prompt (r)");
}

static void *dist_create(const gb_view_args *a, gb_error *err) {
    dist_view *v = calloc(1, sizeof *v);
    if (!v) return gb_fail(err, GB_ERR_INTERNAL, "distribution: out of memory"), NULL;
    if (!gb_samp_init(&v->p, a, 1, err)) {
        gb_error_prefix(err, "distribution");
        free(v);
        return NULL;
    }
    dist_controls_init(v);
    return v;
}

void dist_controls_free(dist_view *v) {
    gb_widget *ws[] = {&v->strategy, &v->temp, &v->topk, &v->topp, &v->maxnew, &v->seed,
                       &v->step, &v->back, &v->play, &v->reset};
    for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++) gb_widget_free(ws[i]);
}

static void dist_destroy(void *self) {
    dist_view *v = self;
    if (!v) return;
    gb_samp_free(&v->p);
    dist_controls_free(v);
    free(v);
}

/* The session is small work (one forward pass per step on a teaching model),
 * so it runs here rather than on the worker thread. */
static gb_job *dist_update(void *self, const gb_shared *sh) {
    dist_view *v = self;
    gb_samp_sync(&v->p, sh);
    gb_samp_refresh(&v->p);
    return NULL;
}

/* ---- layout ---- */

void dist_controls_layout(dist_view *v, gb_rect *r, const gb_shared *sh) {
    const gb_theme *t = sh->theme;
    v->ui.theme = t;
    double wh = gb_widget_height(t);
    gb_rect row1 = sh->interactive ? gb_rect_cut_top(r, wh, t->gap / 2) : (gb_rect){0, 0, 0, 0};
    gb_rect row2 = sh->interactive ? gb_rect_cut_top(r, wh, t->gap) : (gb_rect){0, 0, 0, 0};
    gb_widget *a[] = {&v->strategy, &v->temp, &v->topk, &v->topp};
    double wa[] = {0.22, 0.28, 0.25, 0.25};
    double W = row1.w;
    for (int i = 0; i < 4; i++) a[i]->r = gb_rect_cut_left(&row1, W * wa[i] - t->gap, t->gap);
    gb_widget *b[] = {&v->step, &v->back, &v->play, &v->reset};
    for (int i = 0; i < 4; i++) b[i]->r = gb_rect_cut_left(&row2, fmin(110, row2.w / 8), t->gap);
    v->maxnew.r = gb_rect_cut_left(&row2, row2.w / 2 - t->gap, t->gap);
    v->seed.r = row2;
    gb_widget *all[] = {&v->strategy, &v->temp, &v->topk, &v->topp, &v->maxnew, &v->seed,
                        &v->step, &v->back, &v->play, &v->reset};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) all[i]->hidden = !sh->interactive;
    gb_strategy st = (gb_strategy)v->strategy.selected;
    v->temp.disabled = st == GB_STRAT_GREEDY;
    v->topk.disabled = !(st == GB_STRAT_TOPK || st == GB_STRAT_COMBINED);
    v->topp.disabled = !(st == GB_STRAT_TOPP || st == GB_STRAT_COMBINED);
}

gb_rect dist_body(const dist_view *v, double w, double h, const gb_shared *sh) {
    const gb_theme *t = sh->theme;
    (void)v;
    gb_rect r = gb_view_body(w, h, t);
    if (r.w < 0) r.w = 0;
    if (r.h < 0) r.h = 0;
    return r;
}

static void dist_layout(void *self, double w, double h, const gb_shared *sh) {
    dist_view *v = self;
    v->w = w, v->h = h;
    gb_rect r = dist_body(v, w, h, sh);
    dist_controls_layout(v, &r, sh);
}

/* ---- drawing ---- */

/* The prompt and the generated tokens as one line: generated ones in colour,
 * the shown step highlighted. */
void dist_draw_text(cairo_t *cr, gb_rect r, const gb_samp *p, const gb_theme *t) {
    if (!p->s) return;
    int path[512];
    int n = gb_session_path(p->s, gb_session_current_branch(p->s), path, 512);
    if (n > 512) n = 512;
    gb_font fb = gb_font_body(t);
    double x = r.x, y = r.y, sp;
    gb_text_size(cr, &fb, "  ", &sp, NULL);
    char lab[64];
    gb_set_rgb(cr, t->fg_dim);
    for (int i = 0; i < p->n_prompt && x < r.x + r.w; i++) {
        gb_samp_label(p, p->prompt[i], lab, sizeof lab);
        double tw, th;
        gb_text_size(cr, &fb, lab, &tw, &th);
        bool mark = gb_hl_match(&p->hl, lab, strlen(lab)) >= 0;
        if (mark) gb_hl_ground(cr, (gb_rect){x - 3, y - 2, tw + 6, th + 4}, 0);
        gb_set_rgb(cr, mark ? GB_HL_INK : t->fg_dim);
        gb_text_draw(cr, &fb, lab, x, y, GB_LEFT, GB_TOP, 0);
        x += tw + sp;
    }
    for (int i = 0; i < n && x < r.x + r.w; i++) {
        const gb_session_node *nd = gb_session_node_at(p->s, path[i]);
        gb_samp_label(p, nd->token, lab, sizeof lab);
        double tw, th;
        fb.bold = true;
        gb_text_size(cr, &fb, lab, &tw, &th);
        if (path[i] == p->shown) {
            gb_set_rgb(cr, t->highlight);
            gb_rounded_rect(cr, (gb_rect){x - 3, y - 2, tw + 6, th + 4}, 4);
            cairo_fill(cr);
            gb_set_rgb(cr, gb_text_on(t->highlight));
        } else if (gb_hl_match(&p->hl, lab, strlen(lab)) >= 0) { /* a --highlight word */
            gb_hl_ground(cr, (gb_rect){x - 3, y - 2, tw + 6, th + 4}, 0);
            gb_set_rgb(cr, GB_HL_INK);
        } else {
            gb_set_rgb(cr, t->accent);
        }
        fb.bold = true;
        gb_text_draw(cr, &fb, lab, x, y, GB_LEFT, GB_TOP, 0);
        fb.bold = false;
        x += tw + sp;
    }
}

static void dist_draw(cairo_t *cr, double w, double h, const void *self, const gb_shared *sh) {
    const dist_view *v = self;
    const gb_theme *t = sh->theme;
    gb_set_rgb(cr, t->bg);
    cairo_paint(cr);
    const gb_samp *p = &v->p;
    char sub[320];
    int n = gb_samp_n_generated(p);
    snprintf(sub, sizeof sub, "%s, seed %llu: step %d of at most %d%s", sh->model_name ? sh->model_name : "model",
             (unsigned long long)p->seed, n, p->s ? gb_session_max_new_tokens(p->s) : p->max_new,
             p->s && gb_session_done(p->s) ? " (done)" : "");
    gb_view_header(cr, w, h, "How the next token is chosen", sub, t);
    gb_rect r = dist_body(v, w, h, sh);
    if (sh->interactive) {
        double wh = gb_widget_height(t);
        gb_rect_cut_top(&r, 2 * wh + t->gap / 2, t->gap);
    }
    gb_rect text = gb_rect_cut_top(&r, t->font * 1.6, t->gap / 2);
    dist_draw_text(cr, text, p, t);
    gb_dist_draw(cr, r, p, t, false);
    if (sh->interactive) gb_ui_draw(cr, &v->ui);
}

/* ---- events ---- */

/* Read the controls into the sampler; true when something changed. */
bool dist_controls_read(dist_view *v) {
    gb_samp *p = &v->p;
    bool settings = false, restart = false, ch = false;
    if (v->strategy.changed) p->strategy = (gb_strategy)v->strategy.selected, settings = true, v->strategy.changed = false;
    if (v->temp.changed) p->temperature = v->temp.value, settings = true, v->temp.changed = false;
    if (v->topk.changed) p->top_k = (int)v->topk.value, settings = true, v->topk.changed = false;
    if (v->topp.changed) p->top_p = v->topp.value, settings = true, v->topp.changed = false;
    if (v->maxnew.changed) p->max_new = (int)v->maxnew.value, restart = true, v->maxnew.changed = false;
    if (v->seed.changed) p->seed = (uint64_t)v->seed.value, restart = true, v->seed.changed = false;
    if (settings) ch |= gb_samp_apply(p);
    if (restart) ch = true; /* the next update rebuilds the session and replays the steps */
    if (v->step.clicked) ch |= gb_samp_step(p), v->step.clicked = false;
    if (v->back.clicked) ch |= gb_samp_back(p), v->back.clicked = false;
    if (v->reset.clicked) gb_samp_reset(p), v->play.on = false, ch = true, v->reset.clicked = false;
    if (v->play.changed) v->play.changed = false, ch = true;
    gb_samp_refresh(p);
    return ch || settings;
}

bool dist_keys(dist_view *v, const gb_event *ev) {
    if (ev->type != GB_EV_KEY || ev->mods) return false;
    gb_samp *p = &v->p;
    bool ch = false;
    if (ev->key == GB_KEY_SPACE) ch = gb_samp_step(p);
    else if (ev->key == GB_KEY_BACKSPACE) ch = gb_samp_back(p);
    else if (ev->key == GB_KEY_CHAR && ev->ch == 'r') gb_samp_reset(p), v->play.on = false, ch = true;
    else if (ev->key == GB_KEY_CHAR && ev->ch == 'p') v->play.on = !v->play.on, ch = true;
    else return false;
    gb_samp_refresh(p);
    return ch || true;
}

/* Play: a step every half second of the window's clock, until done. */
#define PLAY_PERIOD 0.5
bool dist_tick(void *self, double now) {
    dist_view *v = self;
    if (!v->play.on) return false;
    if (!v->p.s || gb_session_done(v->p.s)) return v->play.on = false;
    if (now - v->last_play >= PLAY_PERIOD) {
        v->last_play = now;
        gb_samp_step(&v->p);
        gb_samp_refresh(&v->p);
    }
    return true;
}

static bool dist_event(void *self, const gb_event *ev, const gb_shared *sh) {
    dist_view *v = self;
    (void)sh;
    if (gb_ui_event(&v->ui, ev)) {
        dist_controls_read(v);
        return true;
    }
    if (gb_ui_wants_keyboard(&v->ui)) return false;
    return dist_keys(v, ev);
}

static gb_ui *dist_ui(void *self) { return &((dist_view *)self)->ui; }

/* "final" [1, V]: the shown decision's final distribution; "tempered", "t1" likewise;
 * "choice" [1, 4]: chosen id, draw u, kept count, forward passes so far. */
static const float *dist_matrix(const void *self, const char *name, int *rows, int *cols) {
    const dist_view *v = self;
    static float choice[4];
    const gb_sample_record *rec = &v->p.rec;
    if (!v->p.rec_ok) return NULL;
    *rows = 1, *cols = rec->vocab;
    if (strcmp(name, "final") == 0) return rec->probs_final;
    if (strcmp(name, "tempered") == 0) return rec->probs_tempered;
    if (strcmp(name, "t1") == 0) return rec->probs_t1;
    if (strcmp(name, "choice") == 0) {
        choice[0] = (float)rec->chosen, choice[1] = (float)rec->draw, choice[2] = (float)rec->n_kept;
        choice[3] = (float)gb_session_forward_count(v->p.s);
        return *cols = 4, choice;
    }
    return NULL;
}

static gb_status dist_check(const void *self, const gb_shared *sh, gb_error *err) {
    const dist_view *v = self;
    if (!sh->model) return gb_fail(err, GB_ERR_INPUT, "distribution: needs a model (--model, e.g. classroom)");
    if (!v->p.s) return gb_fail(err, GB_ERR_INPUT, "distribution: %s", v->p.error);
    if (v->p.top_k > gb_session_vocab(v->p.s))
        return gb_fail(err, GB_ERR_INPUT, "distribution --top-k: %d is beyond the vocabulary of %d", v->p.top_k,
                       gb_session_vocab(v->p.s));
    return GB_OK;
}

static const char *const DIST_KEYS[] = {"space", "step: generate the next token", "backspace", "back: remove the last token",
                                        "p", "play / pause", "r", "reset to the prompt", NULL};

static int dist_highlighted(const void *self, int *out, int cap) {
    return gb_dist_highlighted(&((const dist_view *)self)->p, false, out, cap);
}

const gb_view gb_view_distribution = {
    .name = "distribution",
    .title = "Distribution",
    .summary = "the next-token distribution through every sampler stage (--temperature, --top-k, --top-p, --seed, --steps)",
    .create = dist_create,
    .destroy = dist_destroy,
    .update = dist_update,
    .layout = dist_layout,
    .draw = dist_draw,
    .event = dist_event,
    .shortcuts = DIST_KEYS,
    .ui = dist_ui,
    .matrix = dist_matrix,
    .check = dist_check,
    .tick = dist_tick,
    .highlighted = dist_highlighted,
};
