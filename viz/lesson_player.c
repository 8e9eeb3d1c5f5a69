/* lesson_player.c - the lesson player of the viewer (see lesson_player.h). */
#include "lesson_player.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "text.h"
#include "ui_internal.h" /* gb_ui_list_row_h */
#include "view_model.h"

#define MAX_MODELS 8
#define MAX_FILES 64

struct gb_player {
    gb_lesson *lesson;         /* NULL while the picker shows */
    char *files[MAX_FILES];    /* picker: lessons of the folder, sorted */
    char *titles[MAX_FILES];
    int n_files;
    gb_widget list, back;
    int step;                  /* shown */
    int pending;               /* to apply at the next idle tick, -1: none */
    gb_view_model models[MAX_MODELS];
    gb_error model_err[MAX_MODELS];
    char *specs[MAX_MODELS];
    int n_models;
    char *tok_path;            /* args of the view created for this step point here */
    const char *missing_view;
    gb_widget prev, next;
    gb_widget toggle;          /* "Lessons" in the toolbar: shows or hides the panel */
    bool shown;                /* the panel is open */
    gb_rect panel;
    gb_app *app;
    gb_lesson_checker *words; /* finds @select words in the prompt (models cached) */
    cairo_surface_t *image;    /* the step's @image, shown above its text; NULL: none */
    double text_size;          /* body type that makes the step fit the panel (fit_text) */
    bool overflow;             /* even at 70% it does not: the end is clipped */
};

static void fit_text(gb_player *p, const gb_theme *t);

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The picker: every NN-name.md of the folder with its title (or why it fails). */
static gb_status scan_folder(gb_player *p, const char *dir, gb_error *err) {
    DIR *d = opendir(dir);
    if (!d) return gb_fail(err, GB_ERR_INPUT, "%s: cannot open the folder", dir);
    struct dirent *e;
    while ((e = readdir(d)) && p->n_files < MAX_FILES) {
        size_t n = strlen(e->d_name);
        if (n < 4 || e->d_name[0] < '0' || e->d_name[0] > '9' || strcmp(e->d_name + n - 3, ".md") != 0) continue;
        char *f = malloc(strlen(dir) + n + 2);
        if (!f) break;
        sprintf(f, "%s/%s", dir, e->d_name);
        p->files[p->n_files++] = f;
    }
    closedir(d);
    if (p->n_files == 0) return gb_fail(err, GB_ERR_INPUT, "%s: no lessons (NN-name.md) in this folder", dir);
    qsort(p->files, (size_t)p->n_files, sizeof p->files[0], cmp_str);
    for (int i = 0; i < p->n_files; i++) {
        gb_lesson *l = NULL;
        gb_error le = {0};
        char buf[300];
        if (gb_lesson_load(p->files[i], &l, &le)) snprintf(buf, sizeof buf, "(cannot be read) %s", strrchr(p->files[i], '/') + 1);
        else {
            char title[240];
            gb_lesson_plain(l->title, title, sizeof title);
            snprintf(buf, sizeof buf, "%.2s  %s", strrchr(p->files[i], '/') + 1, title);
        }
        gb_lesson_free(l);
        p->titles[i] = strdup(buf);
    }
    gb_widget_list(&p->list, (const char *const *)p->titles, p->n_files, -1);
    gb_widget_set_tooltip(&p->list, "Choose a lesson");
    return GB_OK;
}

static void show_picker(gb_player *p, bool on) {
    p->list.hidden = !on || !p->shown;
    p->prev.hidden = p->next.hidden = on || !p->shown;
    p->back.hidden = on || p->n_files == 0 || !p->shown;
}

/* Show or hide the panel (the toolbar's Lessons button, Alt+L). */
static void set_shown(gb_player *p, bool on) {
    p->shown = p->toggle.on = on;
    show_picker(p, p->lesson == NULL);
    if (p->app) gb_app_layout(p->app, p->app->w, p->app->h);
}

gb_status gb_player_open(gb_player **out, const char *path, gb_error *err) {
    *out = NULL;
    gb_player *p = calloc(1, sizeof *p);
    if (!p) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    struct stat sb;
    gb_status st = stat(path, &sb) == 0 && S_ISDIR(sb.st_mode) ? scan_folder(p, path, err)
                                                                : gb_lesson_load(path, &p->lesson, err);
    p->pending = -1;
    p->shown = true;
    gb_widget_toggle(&p->toggle, "Lessons", true);
    gb_widget_set_tooltip(&p->toggle, "Show or hide the lessons (Alt+L)");
    gb_widget_button(&p->prev, "\xE2\x97\x80  Previous");
    gb_widget_button(&p->next, "Next  \xE2\x96\xB6");
    gb_widget_button(&p->back, "Lessons");
    gb_widget_set_tooltip(&p->prev, "The previous step (PageUp, Alt+Left)");
    gb_widget_set_tooltip(&p->next, "The next step (PageDown, Alt+Right)");
    gb_widget_set_tooltip(&p->back, "Back to the list of lessons");
    if (st) {
        gb_player_free(p);
        return st;
    }
    show_picker(p, p->lesson == NULL);
    *out = p;
    return GB_OK;
}

void gb_player_free(gb_player *p) {
    if (!p) return;
    for (int i = 0; i < p->n_models; i++) gb_view_model_close(&p->models[i]), free(p->specs[i]);
    gb_widget_free(&p->prev);
    gb_widget_free(&p->next);
    if (p->n_files) gb_widget_free(&p->list); /* only a picker made the list */
    gb_widget_free(&p->back);
    gb_widget_free(&p->toggle);
    for (int i = 0; i < p->n_files; i++) free(p->files[i]), free(p->titles[i]);
    gb_lesson_free(p->lesson);
    gb_lesson_checker_free(p->words);
    if (p->image) cairo_surface_destroy(p->image);
    free(p->tok_path);
    free(p);
}

void gb_player_attach(gb_player *p, gb_app *app) {
    p->app = app;
    app->player = p;
    gb_ui_add(&app->ui, &p->prev);
    gb_ui_add(&app->ui, &p->next);
    gb_ui_add(&app->ui, &p->back);
    gb_ui_add(&app->ui, &p->toggle);
    if (p->n_files) gb_ui_add(&app->ui, &p->list);
    p->pending = p->lesson ? 0 : -1;
    if (!p->shown) { /* the start screen: say where the lessons are */
        size_t k = strlen(app->status);
        snprintf(app->status + k, sizeof app->status - k, "%s", "    \xC2\xB7    lessons for a class: the Lessons button (Alt+L)");
    }
    gb_app_layout(app, app->w, app->h);
}

gb_player *gb_player_launcher(void) {
    char *dir = gb_lesson_bundled_dir();
    gb_player *p = NULL;
    gb_error err = {0};
    if (dir && !gb_player_open(&p, dir, &err)) {
        p->shown = p->toggle.on = false;
        show_picker(p, true);
    }
    free(dir);
    return p;
}

bool gb_player_shown(const gb_player *p) { return p->shown; }

gb_rect gb_player_lesson_row(const gb_player *p, int i) {
    double rh = p->app ? gb_ui_list_row_h(p->app->sh.theme) : 0;
    return (gb_rect){p->list.r.x, p->list.r.y + (i - p->list.scroll) * rh, p->list.r.w, rh};
}
gb_rect gb_player_toggle_button(const gb_player *p) { return p->toggle.r; }

int gb_player_step(const gb_player *p) { return p->step; }
int gb_player_n_steps(const gb_player *p) { return p->lesson ? p->lesson->n_steps : 0; }
int gb_player_n_lessons(const gb_player *p) { return p->n_files; }
const char *gb_player_title(const gb_player *p) { return p->lesson ? p->lesson->title : NULL; }

void gb_player_pick(gb_player *p, int i) {
    if (i < 0 || i >= p->n_files) return;
    p->list.selected = i;
    p->list.changed = true;
}
const char *gb_player_missing_view(const gb_player *p) { return p->missing_view; }
bool gb_player_has_image(const gb_player *p) { return p->image != NULL; }
gb_rect gb_player_button(const gb_player *p, bool next) { return next ? p->next.r : p->prev.r; }

void gb_player_go(gb_player *p, int step) {
    if (!p->lesson) return;
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
    if (!p->words) p->words = gb_lesson_checker_new();
    char pick[64];
    gb_lesson_view_select(p->words, st, &a, pick, sizeof pick);
    char hl[256];
    gb_lesson_view_highlight(st, &a, hl, sizeof hl);
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
    gb_shared sh = gb_app_shared(app);
    gb_lesson_view_shown_step(app->views[vi], self, &sh, st);
    if (app->current == vi) gb_app_layout(app, app->w, app->h);
    else gb_app_select(app, vi);
}

/* The step's @image (PNG), or none; a file that cannot be read shows nothing. */
static void load_image(gb_player *p, const gb_lesson_step *s) {
    if (p->image) cairo_surface_destroy(p->image);
    p->image = s->image ? cairo_image_surface_create_from_png(s->image) : NULL;
    if (p->image && cairo_surface_status(p->image) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(p->image);
        p->image = NULL;
    }
}

static void apply(gb_player *p, gb_app *app, int step) {
    const gb_lesson_state *st = &p->lesson->steps[step].state;
    p->step = step;
    load_image(p, &p->lesson->steps[step]);
    apply_model(p, app, st);
    if (st->prompt && gb_textbuf_set(&app->prompt.text, st->prompt)) {
        app->sh.prompt = app->prompt.text.s;
        app->prompt_changed = true;
    }
    apply_view(p, app, st);
    fit_text(p, app->sh.theme);
    snprintf(app->status, sizeof app->status, "lesson: step %d of %d", step + 1, p->lesson->n_steps);
}

/* Picker: open the chosen lesson, or go back to the list. */
static int pick(gb_player *p, gb_app *app) {
    int f = 0;
    if (p->list.changed) {
        p->list.changed = false;
        int i = p->list.selected;
        gb_error err = {0};
        gb_lesson *l = NULL;
        if (i >= 0 && i < p->n_files && !gb_lesson_load(p->files[i], &l, &err)) {
            gb_lesson_free(p->lesson);
            p->lesson = l, p->step = 0, p->pending = 0, p->missing_view = NULL;
            show_picker(p, false);
        } else if (i >= 0) {
            snprintf(app->status, sizeof app->status, "lesson: %.200s", err.msg);
        }
        f = GB_APP_REDRAW;
    }
    if (p->back.clicked) {
        p->back.clicked = false;
        gb_lesson_free(p->lesson);
        p->lesson = NULL, p->pending = -1, p->missing_view = NULL;
        p->list.selected = -1;
        show_picker(p, true);
        f = GB_APP_REDRAW;
    }
    return f;
}

int gb_player_tick(gb_player *p, gb_app *app) {
    int f = 0;
    if (p->toggle.changed) p->toggle.changed = false, set_shown(p, p->toggle.on), f = GB_APP_REDRAW;
    f |= pick(p, app);
    if (!p->lesson) return f;
    if (p->prev.clicked) p->prev.clicked = false, gb_player_go(p, p->step - 1);
    if (p->next.clicked) p->next.clicked = false, gb_player_go(p, p->step + 1);
    if (p->pending < 0 || app->busy_what) return f; /* never recreate a view under a running job */
    int s = p->pending;
    p->pending = -1;
    apply(p, app, s);
    return GB_APP_REDRAW;
}

int gb_player_event(gb_player *p, gb_app *app, const gb_event *ev) {
    (void)app;
    if (ev->type != GB_EV_KEY) return 0;
    bool alt = ev->mods & GB_MOD_ALT;
    if (alt && ev->key == GB_KEY_CHAR && ev->ch == 'l') return set_shown(p, !p->shown), GB_APP_REDRAW;
    if (!p->lesson || !p->shown) return 0;
    if (ev->key == GB_KEY_PAGEDOWN || (alt && ev->key == GB_KEY_RIGHT)) return gb_player_go(p, p->step + 1), GB_APP_REDRAW;
    if (ev->key == GB_KEY_PAGEUP || (alt && ev->key == GB_KEY_LEFT)) return gb_player_go(p, p->step - 1), GB_APP_REDRAW;
    return 0;
}

void gb_player_layout_toolbar(gb_player *p, gb_rect *bar, const gb_theme *t) {
    p->toggle.r = gb_rect_cut_right(bar, t->font * 8, t->gap);
}

void gb_player_layout(gb_player *p, gb_rect *r, const gb_theme *t) {
    show_picker(p, p->lesson == NULL);
    if (!p->shown) return;
    double w = fmin(fmax(r->w * 0.3, t->font * 22), r->w * 0.5);
    p->panel = gb_rect_cut_right(r, w, t->gap);
    gb_rect in = gb_rect_inset(p->panel, t->pad);
    double wh = gb_widget_height(t);
    gb_rect bar = gb_rect_cut_bottom(&in, wh, 0);
    if (!p->back.hidden) p->back.r = gb_rect_cut_left(&bar, bar.w / 4, t->gap);
    p->next.r = gb_rect_cut_right(&bar, bar.w / 2 - t->gap / 2, t->gap);
    p->prev.r = bar;
    gb_rect_cut_top(&in, gb_panel_header_h("step", t), 0);
    p->list.r = in;
    fit_text(p, t);
}

/* The step's title, notes, picture and text in `in` with body type of `size`:
 * the height used. */
static double step_content(cairo_t *cr, const gb_player *p, const gb_theme *t, gb_rect in, double size) {
    const gb_lesson_step *s = &p->lesson->steps[p->step];
    gb_font ft = gb_font_title(t), fb = gb_font_body(t), fs = gb_font_small(t);
    double k = size / fb.size;
    ft.size *= k, fs.size *= k, fb.size = size;
    gb_set_rgb(cr, t->fg);
    double y = in.y + t->pad, x = in.x + t->pad, w = in.w - 2 * t->pad;
    char title[300];
    gb_lesson_plain(s->title, title, sizeof title);
    y += gb_text_draw_wrapped(cr, &ft, title, x, y, w) + t->pad;
    if (p->missing_view) {
        char msg[200];
        snprintf(msg, sizeof msg, "This step uses the %s view, which this build of glassbox does not have yet.",
                 p->missing_view);
        gb_set_rgb(cr, t->accent);
        y += gb_text_draw_wrapped(cr, &fb, msg, x, y, w) + t->pad;
        gb_set_rgb(cr, t->fg);
    }
    char samp[160];
    if (gb_lesson_sampling_text(&s->state, samp, sizeof samp)) {
        gb_set_rgb(cr, t->fg_dim);
        y += gb_text_draw_wrapped(cr, &fs, samp, x, y, w) + t->pad / 2;
        gb_set_rgb(cr, t->fg);
    }
    if (p->image) { /* the step's picture, at most the panel's width and a third of its height */
        double iw = cairo_image_surface_get_width(p->image), ih = cairo_image_surface_get_height(p->image);
        double sc = fmin(w / iw, in.h / 3 / ih) * k; /* smaller with the type when space is short */
        cairo_save(cr);
        cairo_translate(cr, x, y);
        cairo_scale(cr, sc, sc);
        cairo_set_source_surface(cr, p->image, 0, 0);
        cairo_paint(cr);
        cairo_restore(cr);
        y += ih * sc + t->pad;
    }
    double hh = gb_lesson_draw_highlights(cr, &s->state, s->text, x, y, w, size);
    if (hh > 0) y += hh + t->pad / 2;
    y += gb_lesson_draw_text_hl(cr, s->text, (const char *const *)s->state.highlight, s->state.n_highlight, x, y, w,
                                size);
    return y - in.y;
}

/* The panel's area for the step (below its header, above the buttons). */
static gb_rect step_area(cairo_t *cr, const gb_player *p, const gb_theme *t) {
    char sub[64];
    snprintf(sub, sizeof sub, "step %d of %d", p->step + 1, p->lesson->n_steps);
    gb_rect in = gb_draw_panel(cr, p->panel, p->lesson->title, sub, t);
    in.h -= gb_widget_height(t) + t->pad;
    return in;
}

/* The body type size at which the step fits the panel (down to 70% of the
 * theme's; below that the text is clipped and `overflow` says so). */
static void fit_text(gb_player *p, const gb_theme *t) {
    if (!p->lesson || !p->shown || p->panel.w <= 0) return;
    cairo_surface_t *scratch = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
    cairo_t *cr = cairo_create(scratch);
    gb_rect in = step_area(cr, p, t);
    double full = gb_font_body(t).size, size = full, h = 0;
    for (; size >= full * 0.7; size -= 0.5)
        if ((h = step_content(cr, p, t, in, size)) <= in.h) break;
    p->overflow = h > in.h;
    p->text_size = size < full * 0.7 ? full * 0.7 : size;
    cairo_destroy(cr);
    cairo_surface_destroy(scratch);
}

bool gb_player_text_overflows(const gb_player *p) { return p->overflow; }

void gb_player_draw(cairo_t *cr, const gb_player *p, const gb_app *app) {
    const gb_theme *t = app->sh.theme;
    if (!p->shown) return;
    if (!p->lesson) {
        gb_draw_panel(cr, p->panel, "Lessons", "choose one to start", t);
        return;
    }
    gb_rect in = step_area(cr, p, t);
    cairo_save(cr);
    cairo_rectangle(cr, in.x, in.y, in.w, fmax(0, in.h));
    cairo_clip(cr);
    step_content(cr, p, t, in, p->text_size > 0 ? p->text_size : gb_font_body(t).size);
    cairo_restore(cr);
}
