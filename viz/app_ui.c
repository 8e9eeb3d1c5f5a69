/* app_ui.c - tabs, prompt, presenter mode, help overlay and status line of the
 * viewer (see app_ui.h). No SDL here. */
#include "app_ui.h"
#include "lesson_player.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const GLOBAL_KEYS[] = {
    "F1  or  ?", "show or hide this help",
    "F11", "full screen",
    "F5", "presenter mode: large type, high contrast",
    "Ctrl+Tab, Ctrl+Shift+Tab", "next / previous view",
    "Ctrl+1 \xE2\x80\xA6 Ctrl+9", "go to view 1 \xE2\x80\xA6 9",
    "Ctrl+L", "edit the prompt",
    "Ctrl+A, C, X, V", "select all, copy, cut, paste in a text box",
    "Esc", "leave the text box / close this help",
    "Ctrl+S", "save the current view as glassbox-VIEW.png",
    "Ctrl+Q", "quit",
    "Alt+L", "lessons: show or hide the lesson panel (PageDown / PageUp: next / previous step)",
    NULL,
};

gb_status gb_app_init(gb_app *app, const gb_view_args *args, const gb_shared *base, gb_error *err) {
    memset(app, 0, sizeof *app);
    app->sh = *base;
    app->sh.interactive = true;
    app->presenter = base->presenter;
    app->sh.theme = gb_theme_get(app->presenter);
    app->scale = 1;
    app->views = gb_views(&app->n_views);
    if (app->n_views > GB_APP_MAX_VIEWS) app->n_views = GB_APP_MAX_VIEWS;
    for (int i = 0; i < app->n_views; i++) {
        app->self[i] = app->views[i]->create(args, err);
        if (!app->self[i]) {
            gb_app_free(app);
            return err->status ? err->status : GB_ERR_INTERNAL;
        }
    }
    gb_ui_init(&app->ui, app->sh.theme);
    gb_widget_textbox(&app->prompt, args->prompt ? args->prompt : "", "Type a prompt\xE2\x80\xA6");
    gb_widget_set_tooltip(&app->prompt, "The text the model reads (Ctrl+L)");
    gb_widget_toggle(&app->presenter_t, "Presenter", app->presenter);
    gb_widget_set_tooltip(&app->presenter_t, "Large type and high contrast for projectors (F5)");
    gb_ui_add(&app->ui, &app->prompt);
    gb_ui_add(&app->ui, &app->presenter_t);
    app->sh.prompt = app->prompt.text.s;
    snprintf(app->status, sizeof app->status, "%s",
             base->model_error ? base->model_error
             : base->model_name ? base->model_name : "no model loaded: the views that need none still work");
    return GB_OK;
}

void gb_app_free(gb_app *app) {
    for (int i = 0; i < app->n_views; i++)
        if (app->self[i]) app->views[i]->destroy(app->self[i]);
    gb_widget_free(&app->prompt);
    gb_widget_free(&app->presenter_t);
    memset(app, 0, sizeof *app);
}

gb_shared gb_app_shared(const gb_app *app) {
    gb_shared sh = app->sh;
    sh.prompt = app->prompt.text.s ? app->prompt.text.s : "";
    sh.busy = app->busy_what != NULL;
    return sh;
}

static gb_ui *view_ui(const gb_app *app) {
    const gb_view *v = app->views[app->current];
    return v->ui ? v->ui(app->self[app->current]) : NULL;
}

void gb_app_layout(gb_app *app, double w, double h) {
    const gb_theme *t = app->sh.theme;
    app->w = w, app->h = h;
    app->ui.theme = t;
    gb_rect r = {0, 0, fmax(0, w), fmax(0, h)};
    double wh = gb_widget_height(t);
    app->tabbar = gb_rect_cut_top(&r, wh + t->pad, 0);
    app->toolbar = gb_rect_cut_top(&r, wh + t->pad, 0);
    app->statusbar = gb_rect_cut_bottom(&r, t->font_small * 2, 0);
    if (app->player) gb_player_layout(app->player, &r, t);
    app->view_area = r;
    /* tabs after the name, sized to their titles */
    gb_font fb = gb_font_body(t), ft = gb_font_title(t);
    double x, tw;
    gb_text_size(NULL, &ft, "glassbox", &tw, NULL);
    x = t->gap + tw + 2 * t->gap;
    for (int i = 0; i < app->n_views; i++) {
        char title[96];
        snprintf(title, sizeof title, "%d  %s", i + 1, app->views[i]->title);
        gb_text_size(NULL, &fb, title, &tw, NULL);
        app->tabs[i] = (gb_rect){x, app->tabbar.y + t->pad * 0.6, tw + 2 * t->pad, app->tabbar.h - t->pad * 0.6};
        x += tw + 2 * t->pad + 4;
    }
    gb_rect tb = gb_rect_inset(app->toolbar, t->pad / 2);
    tb.x += t->gap, tb.w -= t->gap;
    double lw;
    gb_font fl = fb;
    fl.bold = true; /* the label is drawn bold */
    gb_text_size(NULL, &fl, "Prompt", &lw, NULL);
    gb_rect_cut_left(&tb, lw + t->pad, 0);
    app->presenter_t.r = gb_rect_cut_right(&tb, t->font * 9, t->gap);
    if (app->player) gb_player_layout_toolbar(app->player, &tb, t);
    app->prompt.r = gb_rect_cut_left(&tb, fmax(0, fmin(tb.w, 900)), 0);
    const gb_view *v = app->views[app->current];
    gb_shared sh = gb_app_shared(app);
    if (v->layout) v->layout(app->self[app->current], app->view_area.w, app->view_area.h, &sh);
}

void gb_app_select(gb_app *app, int i) {
    if (i < 0 || i >= app->n_views || i == app->current) return;
    gb_ui *vu = view_ui(app);
    if (vu) gb_ui_blur(vu);
    app->current = i;
    gb_app_layout(app, app->w, app->h);
}

void gb_app_set_presenter(gb_app *app, bool on) {
    app->presenter = on;
    app->presenter_t.on = on;
    app->sh.presenter = on;
    app->sh.theme = gb_theme_get(on);
    gb_app_layout(app, app->w, app->h);
}

/* ---- events ---- */

static int global_key(gb_app *app, const gb_event *ev) {
    bool ctrl = ev->mods & GB_MOD_CTRL, shift = ev->mods & GB_MOD_SHIFT;
    if (ev->key == GB_KEY_F1) return app->help = !app->help, GB_APP_REDRAW;
    if (app->help && ev->key == GB_KEY_ESCAPE) return app->help = false, GB_APP_REDRAW;
    if (ev->key == GB_KEY_F11) return app->fullscreen = !app->fullscreen, GB_APP_FULLSCREEN | GB_APP_REDRAW;
    if (ev->key == GB_KEY_F5) return gb_app_set_presenter(app, !app->presenter), GB_APP_REDRAW;
    if (ctrl && ev->key == GB_KEY_TAB) {
        gb_app_select(app, (app->current + (shift ? app->n_views - 1 : 1)) % app->n_views);
        return GB_APP_REDRAW;
    }
    if (ctrl && ev->key == GB_KEY_CHAR) {
        if (ev->ch == 'q') return GB_APP_QUIT;
        if (ev->ch == 's') return GB_APP_EXPORT;
        if (ev->ch == 'l') {
            gb_ui *vu = view_ui(app);
            if (vu) gb_ui_blur(vu);
            app->ui.focus = 0; /* the prompt */
            gb_textbuf_select_all(&app->prompt.text);
            return GB_APP_REDRAW;
        }
        if (ev->ch >= '1' && ev->ch <= '9') return gb_app_select(app, (int)(ev->ch - '1')), GB_APP_REDRAW;
    }
    return 0;
}

static int chrome_widgets(gb_app *app, const gb_event *ev) {
    bool used = gb_ui_event(&app->ui, ev);
    if (app->presenter_t.changed) {
        app->presenter_t.changed = false;
        gb_app_set_presenter(app, app->presenter_t.on);
    }
    if (app->prompt.changed) {
        app->prompt.changed = false;
        app->sh.prompt = app->prompt.text.s;
        app->prompt_changed = true;
    }
    return used ? GB_APP_REDRAW : 0;
}

static int tab_click(gb_app *app, const gb_event *ev) {
    for (int i = 0; i < app->n_views; i++)
        if (gb_rect_contains(app->tabs[i], ev->x, ev->y)) return gb_app_select(app, i), GB_APP_REDRAW;
    return 0;
}

static int to_view(gb_app *app, const gb_event *ev) {
    gb_event e = *ev;
    e.x -= app->view_area.x;
    e.y -= app->view_area.y;
    gb_shared sh = gb_app_shared(app);
    const gb_view *v = app->views[app->current];
    return v->event && v->event(app->self[app->current], &e, &sh) ? GB_APP_REDRAW : 0;
}

static bool is_pointer(const gb_event *ev) {
    return ev->type == GB_EV_MOUSE_DOWN || ev->type == GB_EV_MOUSE_UP || ev->type == GB_EV_MOUSE_MOVE ||
           ev->type == GB_EV_WHEEL;
}

int gb_app_event(gb_app *app, const gb_event *ev) {
    gb_ui *vu = view_ui(app);
    bool typing = gb_ui_wants_keyboard(&app->ui) || (vu && gb_ui_wants_keyboard(vu));
    if (ev->type == GB_EV_KEY) {
        int f = global_key(app, ev);
        if (!f && app->player && !typing) f = gb_player_event(app->player, app, ev);
        if (f) return f;
    }
    if (app->help) { /* the overlay is modal: a click or '?' closes it */
        if (ev->type == GB_EV_MOUSE_DOWN || (ev->type == GB_EV_TEXT && strcmp(ev->text, "?") == 0))
            return app->help = false, GB_APP_REDRAW;
        return 0;
    }
    if (ev->type == GB_EV_TEXT && !typing && strcmp(ev->text, "?") == 0) return app->help = true, GB_APP_REDRAW;
    if (is_pointer(ev)) {
        bool in_view = gb_rect_contains(app->view_area, ev->x, ev->y);
        bool chrome_drag = app->ui.active >= 0, view_drag = vu && vu->active >= 0;
        if (ev->type == GB_EV_MOUSE_DOWN && !in_view) {
            if (vu) gb_ui_blur(vu);
            int f = tab_click(app, ev);
            if (f) return f;
        }
        int f = view_drag ? 0 : chrome_widgets(app, ev);
        if (chrome_drag || (f && !in_view)) return f | GB_APP_REDRAW;
        if (in_view || view_drag) f |= to_view(app, ev);
        return f;
    }
    if (ev->type == GB_EV_KEY || ev->type == GB_EV_TEXT) {
        if (gb_ui_wants_keyboard(&app->ui)) return chrome_widgets(app, ev);
        return to_view(app, ev);
    }
    if (ev->type == GB_EV_LEAVE) return chrome_widgets(app, ev) | to_view(app, ev);
    return 0;
}

int gb_app_tick(gb_app *app, double now) {
    app->now = now;
    int f = gb_ui_tick(&app->ui, now) ? GB_APP_REDRAW : 0;
    gb_ui *vu = view_ui(app);
    if (vu && gb_ui_tick(vu, now)) f |= GB_APP_REDRAW;
    if (app->busy_what) f |= GB_APP_REDRAW; /* the spinner turns */
    const gb_view *cv = app->views[app->current];
    app->animating = cv->tick && cv->tick(app->self[app->current], now);
    if (app->animating) f |= GB_APP_REDRAW;
    if (app->player) f |= gb_player_tick(app->player, app);
    return f;
}

/* ---- drawing ---- */

static void draw_tabs(cairo_t *cr, const gb_app *app, const gb_theme *t) {
    gb_set_rgb(cr, t->panel);
    cairo_rectangle(cr, app->tabbar.x, app->tabbar.y, app->tabbar.w, app->tabbar.h);
    cairo_fill(cr);
    gb_font ft = gb_font_title(t), fb = gb_font_body(t), fs = gb_font_small(t);
    gb_set_rgb(cr, t->accent);
    gb_text_draw(cr, &ft, "glassbox", t->gap, app->tabbar.y + app->tabbar.h / 2 + t->pad * 0.3,
                 GB_LEFT, GB_MIDDLE, 0);
    for (int i = 0; i < app->n_views; i++) {
        gb_rect r = app->tabs[i];
        bool cur = i == app->current;
        gb_rounded_rect(cr, (gb_rect){r.x, r.y, r.w, r.h + t->radius}, t->radius);
        gb_set_rgb(cr, cur ? t->bg : t->widget);
        cairo_fill(cr);
        char title[96];
        snprintf(title, sizeof title, "%d  %s", i + 1, app->views[i]->title);
        fb.bold = cur;
        gb_set_rgb(cr, cur ? t->fg : t->fg_dim);
        gb_text_draw(cr, &fb, title, r.x + r.w / 2, r.y + r.h / 2, GB_CENTER, GB_MIDDLE, r.w);
    }
    gb_set_rgb(cr, t->fg_dim);
    gb_text_draw(cr, &fs, "F1  help", app->tabbar.x + app->tabbar.w - t->gap,
                 app->tabbar.y + app->tabbar.h / 2 + t->pad * 0.3, GB_RIGHT, GB_MIDDLE, 0);
}

static void draw_toolbar(cairo_t *cr, const gb_app *app, const gb_theme *t) {
    gb_set_rgb(cr, t->bg);
    cairo_rectangle(cr, app->toolbar.x, app->toolbar.y, app->toolbar.w, app->toolbar.h);
    cairo_fill(cr);
    gb_font fb = gb_font_body(t);
    fb.bold = true;
    gb_set_rgb(cr, t->fg);
    gb_text_draw(cr, &fb, "Prompt", app->toolbar.x + t->gap + t->pad / 2, app->prompt.r.y + app->prompt.r.h / 2,
                 GB_LEFT, GB_MIDDLE, 0);
    gb_set_rgb(cr, t->panel_edge);
    cairo_set_line_width(cr, t->hairline);
    cairo_move_to(cr, 0, app->toolbar.y + app->toolbar.h - 0.5);
    cairo_line_to(cr, app->w, app->toolbar.y + app->toolbar.h - 0.5);
    cairo_stroke(cr);
}

static void draw_status(cairo_t *cr, const gb_app *app, const gb_theme *t) {
    gb_rect r = app->statusbar;
    gb_set_rgb(cr, t->panel);
    cairo_rectangle(cr, r.x, r.y, r.w, r.h);
    cairo_fill(cr);
    gb_font fs = gb_font_small(t);
    double right = r.x + r.w - t->gap;
    if (app->busy_what) { /* spinner: a ring with a rotating gap */
        char b[160];
        snprintf(b, sizeof b, "working\xE2\x80\xA6 %s", app->busy_what);
        gb_set_rgb(cr, t->highlight);
        double tw = gb_text_draw(cr, &fs, b, right, r.y + r.h / 2, GB_RIGHT, GB_MIDDLE, r.w / 2);
        double cx = right - tw - 12, cy = r.y + r.h / 2, a = fmod((app->now - app->busy_since) * 6, 2 * GB_PI);
        cairo_set_line_width(cr, 2);
        cairo_arc(cr, cx, cy, t->font_small * 0.45, a, a + 1.5 * GB_PI);
        cairo_stroke(cr);
        right = cx - 20;
    }
    gb_set_rgb(cr, app->sh.model_error ? t->highlight : t->fg_dim);
    gb_text_draw(cr, &fs, app->status, r.x + t->gap, r.y + r.h / 2, GB_LEFT, GB_MIDDLE,
                 fmax(0, right - r.x - 2 * t->gap));
}

static double help_rows(cairo_t *cr, const char *const *keys, gb_rect r, double y, const gb_theme *t,
                        bool draw) {
    gb_font fk = gb_font_body(t), fd = gb_font_body(t);
    fk.bold = true;
    for (int i = 0; keys && keys[i]; i += 2) {
        if (draw) {
            gb_set_rgb(cr, t->accent);
            gb_text_draw(cr, &fk, keys[i], r.x, y, GB_LEFT, GB_TOP, r.w * 0.38);
            gb_set_rgb(cr, t->fg);
            gb_text_draw(cr, &fd, keys[i + 1], r.x + r.w * 0.4, y, GB_LEFT, GB_TOP, r.w * 0.6);
        }
        y += t->font * 1.6;
    }
    return y;
}

static void draw_help(cairo_t *cr, const gb_app *app, const gb_theme *t) {
    gb_set_rgba(cr, t->overlay, 0.55);
    cairo_paint(cr);
    const char *const *vk = app->views[app->current]->shortcuts;
    int n = 0;
    for (int i = 0; GLOBAL_KEYS[i]; i += 2) n++;
    for (int i = 0; vk && vk[i]; i += 2) n++;
    double w = fmin(app->w - 2 * t->gap, t->font * 52);
    char sub[128];
    snprintf(sub, sizeof sub, "%s view, and everywhere", app->views[app->current]->title);
    double h = fmin(app->h - 2 * t->gap,
                    gb_panel_header_h(sub, t) + 2 * t->pad + (n + 2) * t->font * 1.6 + t->font * 0.8);
    if (w < 40 || h < 40) return;
    gb_rect r = {(app->w - w) / 2, (app->h - h) / 2, w, h};
    gb_rect in = gb_draw_panel(cr, r, "Keyboard shortcuts", sub, t);
    cairo_save(cr);
    cairo_rectangle(cr, r.x, r.y, r.w, r.h);
    cairo_clip(cr);
    double y = help_rows(cr, vk, in, in.y, t, true);
    if (vk && vk[0]) y += t->font * 0.8;
    y = help_rows(cr, GLOBAL_KEYS, in, y, t, true);
    gb_font fs = gb_font_small(t);
    gb_set_rgb(cr, t->fg_dim);
    gb_text_draw(cr, &fs, "Esc, F1, ? or a click closes this help", in.x, y + t->font * 0.6, GB_LEFT, GB_TOP, in.w);
    cairo_restore(cr);
}

void gb_app_draw(cairo_t *cr, const gb_app *app) {
    const gb_theme *t = app->sh.theme;
    gb_set_rgb(cr, t->bg);
    cairo_paint(cr);
    gb_shared sh = gb_app_shared(app);
    gb_rect va = app->view_area;
    if (va.w >= 1 && va.h >= 1) {
        cairo_save(cr);
        cairo_translate(cr, va.x, va.y);
        cairo_rectangle(cr, 0, 0, va.w, va.h);
        cairo_clip(cr);
        app->views[app->current]->draw(cr, va.w, va.h, app->self[app->current], &sh);
        cairo_restore(cr);
    }
    draw_tabs(cr, app, t);
    draw_toolbar(cr, app, t);
    draw_status(cr, app, t);
    if (app->player) gb_player_draw(cr, app->player, app);
    gb_ui_draw(cr, &app->ui);
    if (app->help) draw_help(cr, app, t);
}
