/* gbviz.h - helpers shared by the viewer's tests (tests/test_viz_*.c and the
 * lesson player's): the hermetic fonts, reference images, views rendered
 * without a window, the real window under the SDL dummy driver driven by
 * pushed events, and `glassbox render` on the command line.
 *
 * Include after "gbtest.h". Every helper asserts (cmocka) rather than
 * returning a status: a failure names what went wrong and stops the test.
 *
 *     gb_window *win = gbv_window_open(&a, &base, 1280, 800, "attention", 20);
 *     gbv_push_click(win, x, y);
 *     gbv_settle(win, 5, 20, 0);
 *     ...
 *     cairo_surface_t *img = gbv_render(v, self, &sh, 640, 400);
 *     gbv_check_image(img, "positions", GBV_TOLERANCE, GBV_MAX_BAD_FRAC);
 */
#ifndef GBVIZ_H
#define GBVIZ_H

#include <stdbool.h>

#include <SDL.h>
#include <cairo.h>

#include "app.h"
#include "glassbox/model.h"
#include "view.h"

/* ---- setup ---- */

/* Draw text with the hermetic DejaVu fonts. False (after printing SKIPPED and
 * why) when they cannot be used: main() then returns 0. */
bool gbv_use_fonts(void);

/* ---- reference images (tests/images/<name>.png) ---- */

#define GBV_TOLERANCE 24       /* per channel: antialiasing noise between cairo builds */
#define GBV_MAX_BAD_FRAC 0.002 /* share of the pixels that may be off by more */

/* Compare img with tests/images/<name>.png: a pixel differs when a channel is
 * off by more than tolerance, and at most max_bad_frac of them may. Prints the
 * count and the largest difference. GB_UPDATE_IMAGES=1 writes the reference
 * instead (then LOOK at it). What was drawn stays in gbt_tmp(name). */
void gbv_check_image(cairo_surface_t *img, const char *name, int tolerance, double max_bad_frac);

/* ---- views without a window ---- */

/* A tiny random encoder-decoder (vocabulary 40, 2 + 2 layers of 16, 2 heads,
 * sinusoidal positions, seed 7) for the cross-attention views. */
gb_model *gbv_tiny_encdec(void);

/* Create v from a and settle it with sh; fails the test with the view's error. */
void *gbv_view_open(const gb_view *v, const gb_view_args *a, const gb_shared *sh);
/* Lay self out at w x h and draw it on a new image (the caller destroys it). */
cairo_surface_t *gbv_render(const gb_view *v, void *self, const gb_shared *sh, int w, int h);

/* ---- the real window, pushed events (windowID set, as SDL does) ---- */

/* Open a w x h window showing view (NULL: the start view) from a and base; if
 * idle_s > 0, wait (asserted) up to idle_s seconds for its first jobs. */
gb_window *gbv_window_open(const gb_view_args *a, const gb_shared *base, int w, int h, const char *view,
                           double idle_s);
void gbv_push_key(gb_window *win, SDL_Keycode k, Uint16 mod);
void gbv_push_text(gb_window *win, const char *s);
/* Left button pressed (SDL_MOUSEBUTTONDOWN) or released (SDL_MOUSEBUTTONUP) at (x, y). */
void gbv_push_button(gb_window *win, Uint32 type, double x, double y);
/* The pointer moves to (x, y) with `held` buttons down (SDL_BUTTON_LMASK: a drag; 0: a hover). */
void gbv_push_motion(gb_window *win, double x, double y, Uint32 held);
/* The pointer leaves the window. */
void gbv_push_leave(gb_window *win);
/* A left click (press and release) at (x, y). */
void gbv_push_click(gb_window *win, double x, double y);
/* Handle events: `before` steps, then (if idle_s > 0) wait until no job runs
 * (asserted, up to idle_s seconds), then `after` steps. */
void gbv_settle(gb_window *win, int before, double idle_s, int after);

/* ---- the glassbox command line ---- */

/* args_out = head then tail (each NULL-terminated), NULL-terminated; cap slots. */
void gbv_join_args(const char **args_out, int cap, const char *const *head, const char *const *tail);
/* Run glassbox with args; fails the test (with its stderr) unless it exits 0. */
void gbv_run_ok(const char *const *args);
/* The file at path exists and starts with magic ("\x89PNG", "<?xml", "%PDF"). */
void gbv_assert_file_starts(const char *path, const char *magic);
/* Bad input: glassbox with args exits 2 with ONE line on stderr holding
 * needle, and leaves no file at out (removed first; NULL: not checked). */
void gbv_expect_bad(const char *const *args, const char *needle, const char *out);

#endif
