/* test_viz_sampling_app.c - the distribution and generation views in the real
 * window under the SDL dummy driver, driven by pushed events: space steps,
 * a click on the temperature slider re-samples the current step without a
 * forward pass, backspace rewinds, b branches from the shown step. */
#include "gbtest.h"

#include <math.h>

#include <SDL.h>

#include "app.h"
#include "glassbox/model.h"
#include "view.h"
#include "ui_internal.h"
#include "view_distribution_view.h"

static gb_model *g_model;

static gb_window *open_window(const char *view, int steps) {
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.prompt = "the teacher taught the";
    a.steps = steps;
    a.seed = 2;
    gb_shared base = {.theme = gb_theme_normal(), .model = g_model, .model_name = "classroom"};
    gb_window *win = NULL;
    gb_error err = {0};
    gbt_assert_ok(gb_window_open(&win, &a, &base, &(gb_window_opts){1280, 800, view}, &err), &err);
    assert_true(gb_window_idle(win, 20));
    return win;
}

static dist_view *view_of(gb_window *win) {
    gb_app *app = gb_window_app(win);
    return app->self[app->current];
}

static void push_key(gb_window *win, SDL_Keycode k) {
    SDL_Event e;
    SDL_zero(e);
    e.type = SDL_KEYDOWN;
    e.key.windowID = gb_window_id(win);
    e.key.state = SDL_PRESSED;
    e.key.keysym.sym = k;
    SDL_PushEvent(&e);
}

static void push_click(gb_window *win, double x, double y) {
    SDL_Event e;
    for (int k = 0; k < 2; k++) {
        SDL_zero(e);
        e.type = k ? SDL_MOUSEBUTTONUP : SDL_MOUSEBUTTONDOWN;
        e.button.windowID = gb_window_id(win);
        e.button.button = SDL_BUTTON_LEFT;
        e.button.state = k ? SDL_RELEASED : SDL_PRESSED;
        e.button.clicks = 1;
        e.button.x = (int)x, e.button.y = (int)y;
        SDL_PushEvent(&e);
    }
}

static void settle(gb_window *win) {
    for (int i = 0; i < 5; i++) gb_window_step(win, 0);
    assert_true(gb_window_idle(win, 20));
}

static void test_step_temperature_back(void **state) {
    (void)state;
    gb_window *win = open_window("distribution", 0);
    dist_view *v = view_of(win);
    assert_non_null(v->p.s);
    assert_int_equal(gb_samp_n_generated(&v->p), 0);
    for (int i = 0; i < 3; i++) push_key(win, SDLK_SPACE);
    settle(win);
    assert_int_equal(gb_samp_n_generated(&v->p), 3);
    uint64_t fw = gb_session_forward_count(v->p.s);
    double u = v->p.rec.draw;
    /* a click near the right end of the temperature slider */
    gb_app *app = gb_window_app(win);
    gb_rect lab, track, val;
    gb_ui_slider_parts(&v->temp, gb_theme_normal(), &lab, &track, &val);
    push_click(win, app->view_area.x + track.x + 8 + 0.8 * (track.w - 16), app->view_area.y + track.y + track.h / 2);
    settle(win);
    printf("  temperature after the click: %.2f (forward passes %llu -> %llu)\n", v->p.temperature,
           (unsigned long long)fw, (unsigned long long)gb_session_forward_count(v->p.s));
    assert_true(v->p.temperature > 1.5);
    assert_true(v->p.rec_ok);
    assert_true(fabs(v->p.rec.settings.temperature - v->p.temperature) < 1e-9);
    assert_true(v->p.rec.draw == u);
    assert_int_equal(gb_session_forward_count(v->p.s), fw);
    assert_int_equal(gb_samp_n_generated(&v->p), 3);
    push_key(win, SDLK_BACKSPACE);
    settle(win);
    assert_int_equal(gb_samp_n_generated(&v->p), 2);
    gb_error err = {0};
    gbt_assert_ok(gb_window_screenshot(win, gbt_tmp("distribution_window.png"), &err), &err);
    gb_window_close(win);
}

static void test_branch(void **state) {
    (void)state;
    gb_window *win = open_window("generation", 5);
    dist_view *v = view_of(win);
    assert_int_equal(gb_samp_n_generated(&v->p), 5);
    push_key(win, SDLK_LEFT);
    push_key(win, SDLK_LEFT);
    settle(win);
    assert_int_equal(gb_session_node_at(v->p.s, v->p.shown)->depth, 2);
    push_key(win, SDLK_b);
    settle(win);
    assert_int_equal(gb_session_n_branches(v->p.s), 2);
    assert_int_equal(gb_session_branch_info(v->p.s, 1)->fork_depth, 2);
    assert_int_equal(gb_samp_n_generated(&v->p), 3);
    assert_int_equal(gb_session_path(v->p.s, 0, NULL, 0), 5);
    gb_window_close(win);
}

static int setup(void **state) {
    (void)state;
    gb_error err = {0};
    if (gb_model_load("classroom", &g_model, &err)) fail_msg("%s", err.msg);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    gb_model_free(g_model);
    return 0;
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_step_temperature_back),
        cmocka_unit_test(test_branch),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
