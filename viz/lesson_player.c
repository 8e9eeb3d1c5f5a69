/* lesson_player.c - the lesson player of the viewer (see lesson_player.h). */
#include "lesson_player.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "view_model.h"

#define MAX_MODELS 8

struct gb_player {
    gb_lesson *lesson;
    int step;                  /* shown */
    int pending;               /* to apply at the next idle tick, -1: none */
    gb_view_model models[MAX_MODELS];
    gb_error model_err[MAX_MODELS];
    char *specs[MAX_MODELS];
    int n_models;
    char *tok_path;            /* args of the view created for this step point here */
    const char *missing_view;
    gb_widget prev, next;
    gb_rect panel;
    gb_app *app;
};

gb_status gb_player_open(gb_player **out, const char *path, gb_error *err) {
    *out = NULL;
    gb_player *p = calloc(1, sizeof *p);
    if (!p) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    if (gb_lesson_load(path, &p->lesson, err)) {
        free(p);
        return err->status;
    }
    p->pending = -1;
    gb_widget_button(&p->prev, "\xE2\x97\x80  Previous");
    gb_widget_button(&p->next, "Next  \xE2\x96\xB6");
    gb_widget_set_tooltip(&p->prev, "The previous step (PageUp, Alt+Left)");
    gb_widget_set_tooltip(&p->next, "The next step (PageDown, Alt+Right)");
    *out = p;
    return GB_OK;
}

void gb_player_free(gb_player *p) {
    if (!p) return;
    for (int i = 0; i < p->n_models; i++) gb_view_model_close(&p->models[i]), free(p->specs[i]);
    gb_widget_free(&p->prev);
    gb_widget_free(&p->next);
    gb_lesson_free(p->lesson);
    free(p->tok_path);
    free(p);
}

void gb_player_attach(gb_player *p, gb_app *app) {
    p->app = app;
    app->player = p;
    gb_ui_add(&app->ui, &p->prev);
    gb_ui_add(&app->ui, &p->next);
    p->pending = 0;
    gb_app_layout(app, app->w, app->h);
}

int gb_player_step(const gb_player *p) { return p->step; }
int gb_player_n_steps(const gb_player *p) { return p->lesson->n_steps; }
const char *gb_player_missing_view(const gb_player *p) { return p->missing_view; }
gb_rect gb_player_button(const gb_player *p, bool next) { return next ? p->next.r : p->prev.r; }

void gb_player_go(gb_player *p, int step) {
    int n = p->lesson->n_steps;
    p->pending = step < 0 ? 0 : step >= n ? n - 1 : step;
}

/* The model of a spec, opened once (a failure is remembered and shown). */
static int model_index(gb_player *p, const char *spec) {
    for (int i = 0; i < p->n_models; i++)
        if (strcmp(p->specs[i], spec) == 0) return i;
    if (p->n_models == MAX_MODELS) return -1;
    int i = p->n_models++;
    p->specs[i] = strdup(spec);
    if (gb_view_model_open(&p->models[i], spec, &p->model_err[i])) memset(&p->models[i], 0, sizeof p->models[i]);
    return i;
}

static void apply_model(gb_player *p, gb_app *app, const gb_lesson_state *st) {
    if (!st->model) return;
    int i = model_index(p, st->model);
    if (i < 0) return;
    gb_shared base = app->sh;
    gb_view_model_share(&p->models[i], &base);
    app->sh.model = p->models[i].model;
    app->sh.model_name = base.model_name;
    app->sh.model_error = p->models[i].model ? NULL : p->model_err[i].msg;
}

/* Recreate the step's view with the step's arguments and show it. */
static void apply_view(gb_player *p, gb_app *app, const gb_lesson_state *st) {
    p->missing_view = NULL;
    if (!st->view) return;
    int vi = -1;
    for (int i = 0; i < app->n_views; i++)
        if (strcmp(app->views[i]->name, st->view) == 0) vi = i;
    if (vi < 0) {
        p->missing_view = st->view;
        return;
    }
    gb_view_args a;
    char *tok = NULL;
    gb_lesson_view_args(st, &a, &tok);
    gb_error err = {0};
    void *self = app->views[vi]->create(&a, &err);
    if (!self) {
        snprintf(app->status, sizeof app->status, "lesson: %.200s", err.msg);
        free(tok);
        return;
    }
    app->views[vi]->destroy(app->self[vi]);
    app->self[vi] = self;
    free(p->tok_path);
    p->tok_path = tok;
    if (app->current == vi) gb_app_layout(app, app->w, app->h);
    else gb_app_select(app, vi);
}

static void apply(gb_player *p, gb_app *app, int step) {
    const gb_lesson_state *st = &p->lesson->steps[step].state;
    p->step = step;
    apply_model(p, app, st);
    if (st->prompt && gb_textbuf_set(&app->prompt.text, st->prompt)) {
        app->sh.prompt = app->prompt.text.s;
        app->prompt_changed = true;
    }
    apply_view(p, app, st);
    snprintf(app->status, sizeof app->status, "lesson: step %d of %d", step + 1, p->lesson->n_steps);
}

int gb_player_tick(gb_player *p, gb_app *app) {
    if (p->prev.clicked) p->prev.clicked = false, gb_player_go(p, p->step - 1);
    if (p->next.clicked) p->next.clicked = false, gb_player_go(p, p->step + 1);
    if (p->pending < 0 || app->busy_what) return 0; /* never recreate a view under a running job */
    int s = p->pending;
    p->pending = -1;
    apply(p, app, s);
    return GB_APP_REDRAW;
}

int gb_player_event(gb_player *p, gb_app *app, const gb_event *ev) {
    (void)app;
    if (ev->type != GB_EV_KEY) return 0;
    bool alt = ev->mods & GB_MOD_ALT;
    if (ev->key == GB_KEY_PAGEDOWN || (alt && ev->key == GB_KEY_RIGHT)) return gb_player_go(p, p->step + 1), GB_APP_REDRAW;
    if (ev->key == GB_KEY_PAGEUP || (alt && ev->key == GB_KEY_LEFT)) return gb_player_go(p, p->step - 1), GB_APP_REDRAW;
    return 0;
}

void gb_player_layout(gb_player *p, gb_rect *r, const gb_theme *t) {
    double w = fmin(fmax(r->w * 0.3, t->font * 22), r->w * 0.5);
    p->panel = gb_rect_cut_right(r, w, t->gap);
    gb_rect in = gb_rect_inset(p->panel, t->pad);
    double wh = gb_widget_height(t);
    gb_rect bar = gb_rect_cut_bottom(&in, wh, 0);
    p->next.r = gb_rect_cut_right(&bar, bar.w / 2 - t->gap / 2, t->gap);
    p->prev.r = bar;
}

void gb_player_draw(cairo_t *cr, const gb_player *p, const gb_app *app) {
    const gb_theme *t = app->sh.theme;
    const gb_lesson_step *s = &p->lesson->steps[p->step];
    char sub[64];
    snprintf(sub, sizeof sub, "step %d of %d", p->step + 1, p->lesson->n_steps);
    gb_rect in = gb_draw_panel(cr, p->panel, p->lesson->title, sub, t);
    in.h -= gb_widget_height(t) + t->pad;
    cairo_save(cr);
    cairo_rectangle(cr, in.x, in.y, in.w, fmax(0, in.h));
    cairo_clip(cr);
    gb_font ft = gb_font_title(t), fb = gb_font_body(t);
    gb_set_rgb(cr, t->fg);
    double y = in.y + t->pad;
    y += gb_text_draw_wrapped(cr, &ft, s->title, in.x + t->pad, y, in.w - 2 * t->pad) + t->pad;
    if (p->missing_view) {
        char msg[200];
        snprintf(msg, sizeof msg, "This step uses the %s view, which this build of glassbox does not have yet.",
                 p->missing_view);
        gb_set_rgb(cr, t->accent);
        y += gb_text_draw_wrapped(cr, &fb, msg, in.x + t->pad, y, in.w - 2 * t->pad) + t->pad;
        gb_set_rgb(cr, t->fg);
    }
    gb_lesson_draw_text(cr, s->text, in.x + t->pad, y, in.w - 2 * t->pad, fb.size);
    cairo_restore(cr);
}
