/* test_viz_attention_app.c - the attention view in the real window under the
 * SDL dummy driver, driven by pushed events: clicking a thumbnail opens that
 * head, keys toggle scores/pattern and lines and scrub the steps, clicking a
 * cell chooses it for the arithmetic, Shift+click (and the button) switch a
 * head off and the prediction changes. */
#include "gbtest.h"
#include "gbviz.h"

#include <math.h>

#include <SDL.h>

#include "app.h"
#include "glassbox/model.h"
#include "view.h"
#include "view_attention_view.h"

static gb_model *g_model;

static gb_window *open_window(int w, int h) {
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.ids = "5,17,42,99,3,250,7,11,300,12";
    gb_shared base = {.theme = gb_theme_normal(), .model = g_model, .model_name = "gpt2_tiny_random"};
    return gbv_window_open(&a, &base, w, h, "attention", 20);
}

static att_view *view_of(gb_window *win) {
    gb_app *app = gb_window_app(win);
    assert_string_equal(app->views[app->current]->name, "attention");
    return app->self[app->current];
}

static void settle(gb_window *win) { gbv_settle(win, 5, 20, 0); }

/* Window coordinates of the centre of thumbnail (layer, head). */
static void thumb_xy(gb_window *win, int layer, int head, double *x, double *y) {
    gb_app *app = gb_window_app(win);
    att_view *v = view_of(win);
    gb_shared sh = gb_app_shared(app);
    att_geom g;
    att_geometry(v, v->w, v->h, &sh, &g);
    att_grid_geom gg;
    att_grid_geometry(v, att_panel_content(g.grid, sh.theme), sh.theme, &gg);
    *x = app->view_area.x + gg.r.x + head * gg.cell_w + gg.size / 2;
    *y = app->view_area.y + gg.r.y + layer * gg.cell_h + gg.size / 2;
}

static void test_click_thumbnail_opens_head(void **state) {
    (void)state;
    gb_window *win = open_window(1200, 800);
    att_view *v = view_of(win);
    assert_true(v->have);
    assert_false(v->open);
    double x, y;
    thumb_xy(win, 1, 2, &x, &y);
    gbv_push_click(win, x, y);
    settle(win);
    printf("  clicked (%.0f, %.0f): open %d, layer %d, head %d\n", x, y, v->open, v->layer, v->head);
    assert_true(v->open);
    assert_int_equal(v->layer, 1), assert_int_equal(v->head, 2);
    /* in the head view the grid moves to the left column; another click switches head */
    thumb_xy(win, 0, 3, &x, &y);
    gbv_push_click(win, x, y);
    settle(win);
    assert_int_equal(v->layer, 0), assert_int_equal(v->head, 3);
    gbv_push_key(win, SDLK_RIGHT, 0);
    gbv_push_key(win, SDLK_DOWN, 0);
    settle(win);
    assert_int_equal(v->layer, 1), assert_int_equal(v->head, 0);
    gbv_push_key(win, SDLK_ESCAPE, 0);
    settle(win);
    assert_false(v->open);
    gb_window_close(win);
}

static void test_keys_toggle_scores_lines_and_scrub(void **state) {
    (void)state;
    gb_window *win = open_window(1200, 800);
    att_view *v = view_of(win);
    gb_app *app = gb_window_app(win);
    const gb_view *view = app->views[app->current];
    gbv_push_key(win, SDLK_s, 0);
    settle(win);
    assert_true(v->open && v->scores);
    int r, c;
    const float *m = view->matrix(v, "scores", &r, &c);
    assert_true(isinf(m[0 * c + 1]) && m[0 * c + 1] < 0); /* masked scores are -inf */
    gbv_push_key(win, SDLK_s, 0);
    settle(win);
    assert_false(v->scores);
    gbv_push_key(win, SDLK_l, 0);
    settle(win);
    assert_true(v->lines);
    gbv_push_key(win, SDLK_l, 0);
    gbv_push_key(win, SDLK_a, 0);
    settle(win);
    assert_true(v->average && !v->lines);
    gbv_push_key(win, SDLK_a, 0);
    /* scrub: two steps back, then the newest again */
    gbv_push_key(win, SDLK_LEFTBRACKET, 0);
    gbv_push_key(win, SDLK_LEFTBRACKET, 0);
    settle(win);
    view->matrix(v, "pattern", &r, &c);
    printf("  after two steps back: step %d, pattern %d x %d, slider %g\n", v->step, r, c, v->step_s.value);
    assert_int_equal(v->step, 8);
    assert_int_equal(r, 8), assert_int_equal(c, 8);
    assert_true(v->step_s.value == 8);
    gbv_push_key(win, SDLK_END, 0);
    settle(win);
    assert_int_equal(v->step, 0); /* following the newest token */
    gb_window_close(win);
}

/* Clicking a heatmap cell chooses it: the arithmetic then explains that cell. */
static void test_click_cell_chooses_it(void **state) {
    (void)state;
    gb_window *win = open_window(1200, 800);
    att_view *v = view_of(win);
    gb_app *app = gb_window_app(win);
    double x, y;
    thumb_xy(win, 1, 1, &x, &y);
    gbv_push_click(win, x, y);
    settle(win);
    gb_shared sh = gb_app_shared(app);
    att_geom g;
    att_geometry(v, v->w, v->h, &sh, &g);
    int rows, cols;
    att_shown_dims(v, &rows, &cols);
    gb_heatmap hm = att_heatmap(v, NULL, NULL, rows, cols);
    gb_heatmap_geom hg;
    gb_rect area;
    att_head_slot(v, g.head, sh.theme, false, &hm, &area);
    gb_heatmap_layout(&hm, area, sh.theme, &hg);
    gbv_push_click(win, app->view_area.x + hg.cells.x + 2.5 * hg.cw, app->view_area.y + hg.cells.y + 6.5 * hg.ch);
    settle(win);
    printf("  chosen cell (%d, %d)\n", v->q, v->k);
    assert_int_equal(v->q, 6), assert_int_equal(v->k, 2);
    int r, c;
    const float *cell = app->views[app->current]->matrix(v, "cell", &r, &c);
    assert_true(fabsf(cell[4] - cell[5]) < 1e-5f);
    gb_window_close(win);
}

/* Shift+click a thumbnail switches that head off; the view re-runs the model
 * and the next-token distribution changes. The button turns it on again. */
static void test_switch_head_off_changes_prediction(void **state) {
    (void)state;
    gb_window *win = open_window(1200, 800);
    att_view *v = view_of(win);
    gb_app *app = gb_window_app(win);
    const gb_view *view = app->views[app->current];
    int r, c, V = g_model->cfg.vocab_size;
    float *before = malloc((size_t)V * sizeof *before);
    memcpy(before, view->matrix(v, "next", &r, &c), (size_t)V * sizeof *before);
    double x, y;
    thumb_xy(win, 0, 2, &x, &y);
    SDL_SetModState(KMOD_LSHIFT);
    gbv_push_click(win, x, y);
    settle(win);
    SDL_SetModState(KMOD_NONE);
    assert_false(v->open); /* Shift+click does not open it */
    assert_int_equal(v->n_off, 1);
    assert_non_null(v->rec.edited.tr);
    const float *after = view->matrix(v, "next", &r, &c);
    double d = 0;
    for (int i = 0; i < V; i++) d = fmax(d, fabs(after[i] - before[i]));
    printf("  L0H2 off: largest change of a next-token probability %.4f\n", d);
    assert_true(d > 1e-3);
    /* open it and use the button: on again, the prediction is back */
    gbv_push_click(win, x, y);
    settle(win);
    assert_true(v->open && v->layer == 0 && v->head == 2);
    gb_rect b = v->off_b.r;
    gbv_push_click(win, app->view_area.x + b.x + b.w / 2, app->view_area.y + b.y + b.h / 2);
    settle(win);
    assert_int_equal(v->n_off, 0);
    assert_null(v->rec.edited.tr);
    gbt_assert_close(view->matrix(v, "next", &r, &c), before, (size_t)V, 0, "prediction restored");
    /* 'p' removes the positional encodings */
    gbv_push_key(win, SDLK_p, 0);
    settle(win);
    assert_true(v->no_pos && v->rec.edited.tr);
    gb_error err = {0};
    gbt_assert_ok(gb_window_screenshot(win, gbt_tmp("attention_window.png"), &err), &err);
    free(before);
    gb_window_close(win);
}

static int setup(void **state) {
    (void)state;
    gb_error err = {0};
    if (gb_model_load(gbt_fixture("gpt2_tiny_random"), &g_model, &err)) fail_msg("%s", err.msg);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    gb_model_free(g_model);
    return 0;
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_click_thumbnail_opens_head),
        cmocka_unit_test(test_keys_toggle_scores_lines_and_scrub),
        cmocka_unit_test(test_click_cell_chooses_it),
        cmocka_unit_test(test_switch_head_off_changes_prediction),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
