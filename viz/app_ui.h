/* app_ui.h - the viewer application without the window: tabs of views, the
 * prompt box, presenter mode, the help overlay and the status line. Pure
 * state + cairo drawing + abstract events; app.c wraps it in an SDL window.
 */
#ifndef GB_APP_UI_H
#define GB_APP_UI_H

#include <stdbool.h>

#include "ui.h"
#include "view.h"

#define GB_APP_MAX_VIEWS 16

/* What the window must do after an event. */
enum {
    GB_APP_REDRAW = 1,
    GB_APP_FULLSCREEN = 2, /* toggle */
    GB_APP_QUIT = 4,
    GB_APP_EXPORT = 8,     /* save the current view as an image */
};

typedef struct gb_app {
    gb_shared sh;                       /* theme, model, prompt shared with views */
    int n_views;
    const gb_view *const *views;
    void *self[GB_APP_MAX_VIEWS];       /* each view's state */
    int current;                        /* the shown view */
    double w, h;                        /* window size in logical pixels */
    double scale;                       /* drawable pixels per logical pixel (HiDPI) */
    bool help, fullscreen, presenter;
    gb_ui ui;                           /* the chrome's widgets */
    gb_widget prompt, presenter_t;
    gb_rect tabbar, toolbar, statusbar, view_area, tabs[GB_APP_MAX_VIEWS];
    const char *busy_what;              /* the running job's description, or NULL */
    bool animating;                     /* the current view's tick asks for more ticks (playing) */
    double busy_since, now;
    char status[256];
    bool prompt_changed;                /* views must update (read by the shell) */
    struct gb_player *player;           /* a lesson beside the views (lesson_player.h), or NULL */
} gb_app;

gb_status gb_app_init(gb_app *app, const gb_view_args *args, const gb_shared *base, gb_error *err);
void gb_app_free(gb_app *app);
/* New window size (logical pixels). Lays out the chrome and the current view. */
void gb_app_layout(gb_app *app, double w, double h);
/* Handle one event (window coordinates); returns GB_APP_* flags. */
int gb_app_event(gb_app *app, const gb_event *ev);
/* Advance the clock; returns GB_APP_REDRAW when something animated. */
int gb_app_tick(gb_app *app, double now);
void gb_app_draw(cairo_t *cr, const gb_app *app);
/* Switch view / presenter mode (as the shortcuts do). */
void gb_app_select(gb_app *app, int view);
void gb_app_set_presenter(gb_app *app, bool on);
/* The shared state as the current view sees it. */
gb_shared gb_app_shared(const gb_app *app);

#endif
