/* app.h - the SDL2 window around gb_app (app_ui.h).
 *
 * The loop is input -> update state -> draw -> present, and it draws only
 * when something changed. Events are translated to gb_event (the pointer
 * position comes from the events themselves, never SDL_GetMouseState, so
 * pushed events behave like real ones). Drawing goes to a cairo ARGB32 image
 * at the drawable's pixel size (HiDPI: scaled by drawable/window size) and is
 * blitted through a streaming SDL_PIXELFORMAT_ARGB8888 texture. View jobs run
 * on a gb_worker thread; the status line shows "working..." meanwhile.
 */
#ifndef GB_APP_H
#define GB_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "app_ui.h"

typedef struct gb_window gb_window;

typedef struct gb_window_opts {
    int width, height;     /* initial size in logical pixels */
    const char *view;      /* initial view name or NULL */
} gb_window_opts;

gb_status gb_window_open(gb_window **out, const gb_view_args *args, const gb_shared *base,
                         const gb_window_opts *o, gb_error *err);
/* Handle events: wait up to timeout_ms for the first (-1: forever, 0: poll),
 * then drain the queue, run finished jobs, start new ones and redraw if
 * needed. Returns false once the user asked to quit. */
bool gb_window_step(gb_window *win, int timeout_ms);
/* Run until the user quits. */
void gb_window_run(gb_window *win);
/* Wait (handling events) until no job is running; false on timeout. */
bool gb_window_idle(gb_window *win, double seconds);
gb_app *gb_window_app(gb_window *win);
uint32_t gb_window_id(gb_window *win);
/* Frames drawn so far (tests check that nothing is redrawn needlessly). */
long gb_window_frames(gb_window *win);
/* Save what the window shows now (read back from the renderer) as a PNG. */
gb_status gb_window_screenshot(gb_window *win, const char *path, gb_error *err);
void gb_window_close(gb_window *win);

#endif
