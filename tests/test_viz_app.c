/* test_viz_app.c - the real SDL window under the dummy video driver, driven by
 * pushed events (with windowID set): typing edits the prompt, a slider drag
 * changes its value, resize re-lays out, F11 / F1 / ? toggle, a tiny window
 * survives, and nothing is redrawn when nothing changed. */
#include "gbtest.h"
#include "gbviz.h"

#include <unistd.h>

#include <SDL.h>
#include <cairo.h>

#include "app.h"
#include "text.h"
#include "view.h"

static gb_window *open_window(int w, int h) {
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.dim = 16, a.length = 12;
    a.prompt = "Hi";
    return gbv_window_open(&a, &(gb_shared){.theme = gb_theme_normal()}, w, h, "positions", 20);
}

static void settle(gb_window *win) { gbv_settle(win, 5, 0, 0); }

/* Clicking the prompt box and typing (SDL_TEXTINPUT) edits the prompt. */
static void test_typing_edits_prompt(void **state) {
    (void)state;
    gb_window *win = open_window(900, 600);
    gb_app *app = gb_window_app(win);
    gb_rect r = app->prompt.r;
    gbv_push_button(win, SDL_MOUSEBUTTONDOWN, (int)(r.x + r.w - 5), (int)(r.y + r.h / 2));
    gbv_push_button(win, SDL_MOUSEBUTTONUP, (int)(r.x + r.w - 5), (int)(r.y + r.h / 2));
    gbv_push_text(win, " there");
    gbv_push_text(win, "\xC3\xA9");
    gbv_push_key(win, SDLK_BACKSPACE, 0);
    gbv_push_text(win, "!");
    gbv_push_text(win, "?"); /* typed into the box: must not open the help */
    settle(win);
    printf("  prompt is now '%s'\n", app->prompt.text.s);
    assert_string_equal(app->prompt.text.s, "Hi there!?");
    assert_string_equal(gb_app_shared(app).prompt, "Hi there!?");
    assert_false(app->help);
    gb_window_close(win);
}

/* Dragging the view's "positions" slider changes it and the view recomputes. */
static void test_slider_drag(void **state) {
    (void)state;
    gb_window *win = open_window(1000, 700);
    gb_app *app = gb_window_app(win);
    gb_ui *ui = app->views[app->current]->ui(app->self[app->current]);
    gb_widget *len = ui->w[1];
    double before = len->value;
    /* the slider's rect is in view coordinates: add the view area's origin */
    double x0 = app->view_area.x + len->r.x, y = app->view_area.y + len->r.y + len->r.h / 2;
    double knob = x0 + len->r.w * 0.3;
    gbv_push_button(win, SDL_MOUSEBUTTONDOWN, (int)knob, (int)y);
    gbv_push_motion(win, (int)(x0 + len->r.w * 0.6), (int)y, SDL_BUTTON_LMASK);
    gbv_push_button(win, SDL_MOUSEBUTTONUP, (int)(x0 + len->r.w * 0.6), (int)y);
    settle(win);
    assert_true(gb_window_idle(win, 20));
    printf("  positions slider: %g -> %g\n", before, len->value);
    assert_true(len->value != before);
    gb_window_close(win);
}

/* A resize re-lays out the chrome and the view. */
static void test_resize_relayouts(void **state) {
    (void)state;
    gb_window *win = open_window(900, 600);
    gb_app *app = gb_window_app(win);
    double w0 = app->prompt.r.w, vw0 = app->view_area.w;
    SDL_SetWindowSize(SDL_GetWindowFromID(gb_window_id(win)), 600, 450);
    settle(win);
    printf("  view area %.0f -> %.0f wide\n", vw0, app->view_area.w);
    assert_true(app->w == 600 && app->h == 450);
    assert_true(app->view_area.w < vw0 && app->prompt.r.w <= w0);
    gb_window_close(win);
}

/* F11 toggles full screen, F1 and '?' the help overlay; Esc closes it. */
static void test_shortcuts_toggle(void **state) {
    (void)state;
    gb_window *win = open_window(800, 600);
    gb_app *app = gb_window_app(win);
    gbv_push_key(win, SDLK_F11, 0);
    settle(win);
    assert_true(app->fullscreen);
    gbv_push_key(win, SDLK_F11, 0);
    settle(win);
    assert_false(app->fullscreen);
    gbv_push_key(win, SDLK_F1, 0);
    settle(win);
    assert_true(app->help);
    gbv_push_key(win, SDLK_ESCAPE, 0);
    settle(win);
    assert_false(app->help);
    gbv_push_text(win, "?");
    settle(win);
    assert_true(app->help);
    gbv_push_key(win, SDLK_F1, 0);
    gbv_push_key(win, SDLK_F5, 0); /* presenter mode: bigger type */
    settle(win);
    assert_false(app->help);
    assert_true(app->presenter && app->sh.theme == gb_theme_presenter());
    gb_window_close(win);
}

/* Ctrl+S saves the current view as a PNG in the current folder. */
static void test_ctrl_s_exports(void **state) {
    (void)state;
    gb_window *win = open_window(700, 500);
    char cwd[1024];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(gbt_tmpdir()), 0);
    gbv_push_key(win, SDLK_s, KMOD_LCTRL);
    settle(win);
    cairo_surface_t *img = cairo_image_surface_create_from_png("glassbox-positions.png");
    assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    gb_app *app = gb_window_app(win);
    assert_int_equal(cairo_image_surface_get_width(img), (int)app->view_area.w);
    assert_non_null(strstr(app->status, "saved"));
    cairo_surface_destroy(img);
    assert_int_equal(chdir(cwd), 0);
    /* the window's own layout is back: the widgets are shown again */
    gb_ui *ui = app->views[app->current]->ui(app->self[app->current]);
    assert_false(ui->w[0]->hidden);
    gb_window_close(win);
}

/* Moving over a heatmap redraws (hover read-out); moving over empty margin does not. */
static void test_hover_redraws_only_on_change(void **state) {
    (void)state;
    gb_window *win = open_window(1000, 700);
    gb_app *app = gb_window_app(win);
    /* a point in the left half of the view, inside the encoding matrix */
    int hx = (int)(app->view_area.x + app->view_area.w * 0.25), hy = (int)(app->view_area.y + app->view_area.h * 0.6);
    gbv_push_motion(win, 3, (int)(app->h - 3), SDL_BUTTON_LMASK); /* status line: nothing to hover */
    settle(win);
    long f0 = gb_window_frames(win);
    gbv_push_motion(win, 4, (int)(app->h - 3), SDL_BUTTON_LMASK);
    settle(win);
    assert_int_equal(gb_window_frames(win), f0);
    gbv_push_motion(win, hx, hy, SDL_BUTTON_LMASK);
    settle(win);
    assert_true(gb_window_frames(win) > f0);
    gb_error err = {0};
    gbt_assert_ok(gb_window_screenshot(win, gbt_tmp("hover.png"), &err), &err);
    gb_window_close(win);
}

/* Help overlay drawn over the window, as a picture to look at. */
static void test_help_overlay_screenshot(void **state) {
    (void)state;
    gb_window *win = open_window(1000, 700);
    gbv_push_key(win, SDLK_F1, 0);
    settle(win);
    gb_error err = {0};
    gbt_assert_ok(gb_window_screenshot(win, gbt_tmp("help.png"), &err), &err);
    gb_window_close(win);
}

/* Nothing changed, nothing drawn: idle steps do not redraw. */
static void test_no_redraw_when_idle(void **state) {
    (void)state;
    gb_window *win = open_window(800, 600);
    long f0 = gb_window_frames(win);
    for (int i = 0; i < 5; i++) gb_window_step(win, 0);
    assert_int_equal(gb_window_frames(win), f0);
    gbv_push_key(win, SDLK_F1, 0);
    settle(win);
    assert_true(gb_window_frames(win) > f0);
    gb_window_close(win);
}

/* A tiny window (and a 1x1 one) draws without crashing; a screenshot reads back. */
static void test_tiny_window(void **state) {
    (void)state;
    gb_window *win = open_window(40, 30);
    gbv_push_key(win, SDLK_F1, 0);
    gbv_push_motion(win, 10, 10, SDL_BUTTON_LMASK);
    settle(win);
    SDL_SetWindowSize(SDL_GetWindowFromID(gb_window_id(win)), 1, 1);
    settle(win);
    gb_error err = {0};
    gbt_assert_ok(gb_window_screenshot(win, gbt_tmp("tiny.png"), &err), &err);
    gb_window_close(win);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    if (!gbv_use_fonts()) return 0;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_typing_edits_prompt),
        cmocka_unit_test(test_slider_drag),
        cmocka_unit_test(test_resize_relayouts),
        cmocka_unit_test(test_shortcuts_toggle),
        cmocka_unit_test(test_no_redraw_when_idle),
        cmocka_unit_test(test_ctrl_s_exports),
        cmocka_unit_test(test_hover_redraws_only_on_change),
        cmocka_unit_test(test_help_overlay_screenshot),
        cmocka_unit_test(test_tiny_window),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    gb_text_shutdown();
    return rc;
}
