/* test_viz_tasks_app.c - the translation and classification views in the real
 * window under the SDL dummy driver, driven by pushed events: Home, Space,
 * Backspace, End and the "next word" button step the translation; arrows and
 * `a` choose the layer, the head and the average; hovering a cell of the
 * alignment names it; typing into the classification view's text box changes
 * the probabilities; a decoder open in the window leaves both tabs working. */
#include "gbtest.h"
#include "gbviz.h"

#include <math.h>

#include <SDL.h>

#include "app.h"
#include "glassbox/model.h"
#include "view.h"
#include "view_translation.h"

static gb_model *g_tr, *g_cls, *g_lm;

static gb_window *open_window(const char *view, const gb_model *m, const char *name, const char *prompt) {
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.prompt = prompt;
    gb_shared base = {.theme = gb_theme_normal(), .model = m, .model_name = name};
    return gbv_window_open(&a, &base, 1280, 800, view, 20);
}

static void *self_of(gb_window *win) {
    gb_app *app = gb_window_app(win);
    return app->self[app->current];
}

static const float *mat(gb_window *win, const char *name, int *rows, int *cols) {
    gb_app *app = gb_window_app(win);
    const float *m = app->views[app->current]->matrix(self_of(win), name, rows, cols);
    if (!m) fail_msg("no matrix '%s'", name);
    return m;
}

static void click(gb_window *win, gb_rect r) {
    gb_app *app = gb_window_app(win);
    gbv_push_click(win, app->view_area.x + r.x + r.w - 6, app->view_area.y + r.y + r.h / 2);
}

static void settle(gb_window *win) { gbv_settle(win, 5, 20, 3); }

static int shown_tokens(gb_window *win) {
    int rows, cols;
    mat(win, "target", &rows, &cols);
    return cols;
}

/* Home shows only <s>; Space writes a word, Backspace removes it; the button and End go on. */
static void test_translation_stepping(void **state) {
    (void)state;
    gb_window *win = open_window("translation", g_tr, "classroom-translate", "la grenouille avait faim .");
    assert_int_equal(shown_tokens(win), 7);
    gbv_push_key(win, SDLK_HOME, 0);
    settle(win);
    assert_int_equal(shown_tokens(win), 1);
    gbv_push_key(win, SDLK_SPACE, 0);
    gbv_push_key(win, SDLK_SPACE, 0);
    settle(win);
    assert_int_equal(shown_tokens(win), 3);
    int rows, cols;
    mat(win, "cross", &rows, &cols);
    assert_int_equal(rows, 2);
    gbv_push_key(win, SDLK_BACKSPACE, 0);
    settle(win);
    assert_int_equal(shown_tokens(win), 2);
    tr_view *v = self_of(win);
    assert_int_equal((int)lround(v->step_s.value), 2);
    click(win, v->next_b.r);
    settle(win);
    assert_int_equal(shown_tokens(win), 3);
    gbv_push_key(win, SDLK_END, 0);
    settle(win);
    assert_int_equal(shown_tokens(win), 7);
    gbv_push_key(win, SDLK_SPACE, 0); /* past </s>: nothing more */
    settle(win);
    assert_int_equal(shown_tokens(win), 7);
    gb_error err = {0};
    gbt_assert_ok(gb_window_screenshot(win, gbt_tmp("translation_window.png"), &err), &err);
    gb_window_close(win);
}

/* Up/Down choose the layer, Left/Right the head, `a` the average; the alignment follows. */
static void test_translation_layer_head(void **state) {
    (void)state;
    gb_window *win = open_window("translation", g_tr, "classroom-translate", "la grenouille avait faim .");
    tr_view *v = self_of(win);
    assert_int_equal(v->heads.layer, 1); /* default: the last layer */
    int rows, cols;
    gbv_push_key(win, SDLK_UP, 0);
    gbv_push_key(win, SDLK_RIGHT, 0);
    gbv_push_key(win, SDLK_RIGHT, 0);
    settle(win);
    assert_int_equal(v->heads.layer, 0);
    assert_int_equal(v->heads.head, 2);
    assert_int_equal(v->heads.head_dd.selected, 2);
    assert_ptr_equal(mat(win, "cross", &rows, &cols), gb_translation_cross(&v->t, 0, 2));
    gbv_push_key(win, SDLK_a, 0);
    settle(win);
    assert_true(v->heads.average);
    const float *avg = mat(win, "cross", &rows, &cols);
    double want = 0;
    for (int h = 0; h < v->t.n_heads; h++) want += gb_translation_cross(&v->t, 0, h)[1] / v->t.n_heads;
    assert_true(fabs(avg[1] - want) < 1e-6);
    gb_window_close(win);
}

/* Hovering a cell of the alignment heatmap names it; leaving the window clears it; a click chooses it. */
static void test_translation_hover(void **state) {
    (void)state;
    gb_window *win = open_window("translation", g_tr, "classroom-translate", "la grenouille avait faim .");
    tr_view *v = self_of(win);
    gb_app *app = gb_window_app(win);
    gb_shared sh = gb_app_shared(app);
    tr_geom g;
    tr_geometry(v, v->w, v->h, &sh, &g);
    gb_heatmap hm = tr_heatmap(v);
    gb_heatmap_geom hg;
    gb_heatmap_layout(&hm, tr_heat_area(g.heat, sh.theme), sh.theme, &hg);
    gbv_push_motion(win, app->view_area.x + hg.cells.x + 1.5 * hg.cw, app->view_area.y + hg.cells.y + 2.5 * hg.ch,
                    0);
    settle(win);
    assert_int_equal(v->hover_r, 2);
    assert_int_equal(v->hover_c, 1);
    gbv_push_leave(win);
    settle(win);
    assert_int_equal(v->hover_r, -1);
    /* a click chooses the cell, Esc forgets it */
    double x = app->view_area.x + hg.cells.x + 0.5 * hg.cw, y = app->view_area.y + hg.cells.y + 1.5 * hg.ch;
    gbv_push_click(win, x, y);
    settle(win);
    assert_int_equal(v->sel_r, 1);
    assert_int_equal(v->sel_c, 0);
    gbv_push_key(win, SDLK_ESCAPE, 0);
    settle(win);
    assert_int_equal(v->sel_r, -1);
    gb_window_close(win);
}

/* Typing a new sentence into the view's text box changes the class probabilities. */
static void test_classification_typing(void **state) {
    (void)state;
    gb_window *win = open_window("classification", g_cls, "classroom-sentiment", "the song is very good .");
    int rows, cols;
    const float *p = mat(win, "probs", &rows, &cols);
    assert_true(p[1] > 0.9); /* positive */
    gb_app *app = gb_window_app(win);
    gb_ui *ui = app->views[app->current]->ui(self_of(win));
    gb_widget *box = ui->w[0];
    assert_int_equal(box->kind, GB_W_TEXTBOX);
    assert_string_equal(box->text.s, "the song is very good .");
    click(win, box->r);
    gbv_push_key(win, SDLK_a, KMOD_LCTRL);
    gbv_push_text(win, "the food was bad .");
    settle(win);
    assert_string_equal(box->text.s, "the food was bad .");
    p = mat(win, "probs", &rows, &cols);
    printf("  after typing: negative %.3f, positive %.3f\n", p[0], p[1]);
    assert_true(p[0] > 0.9);
    assert_null(app->views[app->current]->matrix(self_of(win), "plain", &rows, &cols));
    /* typing "not" in: the comparison without it appears */
    gbv_push_key(win, SDLK_a, KMOD_LCTRL);
    gbv_push_text(win, "the food was not bad .");
    settle(win);
    p = mat(win, "plain", &rows, &cols);
    assert_true(p[0] > 0.9); /* "the food was bad ." */
    gb_window_close(win);
}

/* Arrows and `a` choose the head whose <cls> row is drawn (keyboard focus out of the box). */
static void test_classification_heads(void **state) {
    (void)state;
    gb_window *win = open_window("classification", g_cls, "classroom-sentiment", "the song is not very good .");
    int rows, cols;
    const float *grid = mat(win, "grid", &rows, &cols);
    int n = cols;
    gbv_push_key(win, SDLK_UP, 0);   /* layer 1 -> 0 */
    gbv_push_key(win, SDLK_RIGHT, 0); /* head 0 -> 1 */
    settle(win);
    const float *row = mat(win, "cls", &rows, &cols);
    gbt_assert_close(row, grid + 1 * n, (size_t)n, 0, "<cls> row of layer 0 head 1");
    gbv_push_key(win, SDLK_a, 0);
    settle(win);
    row = mat(win, "cls", &rows, &cols);
    double want = 0;
    for (int h = 0; h < 4; h++) want += grid[h * n + 4] / 4;
    assert_true(fabs(row[4] - want) < 1e-6);
    gb_window_close(win);
}

/* A decoder open in the window: both tabs run their bundled models; the translation shows its
 * French example until a sentence is typed into the prompt box. */
static void test_decoder_window(void **state) {
    (void)state;
    gb_window *win = open_window("translation", g_lm, "classroom", "the teacher taught the students .");
    assert_int_equal(shown_tokens(win), 15); /* the French example, not the decoder's English prompt */
    gb_app *app = gb_window_app(win);
    gb_rect r = app->prompt.r; /* typing a French sentence into the window's prompt box translates it */
    gbv_push_click(win, r.x + r.w - 5, r.y + r.h / 2);
    gbv_push_key(win, SDLK_a, KMOD_LCTRL);
    gbv_push_text(win, "la grenouille avait faim .");
    settle(win);
    assert_int_equal(shown_tokens(win), 7);
    gb_window_close(win);
    win = open_window("classification", g_lm, "classroom", "it was not a bad book .");
    int rows, cols;
    const float *p = mat(win, "probs", &rows, &cols);
    assert_true(p[1] > 0.9);
    gb_window_close(win);
}

static int setup(void **state) {
    (void)state;
    gb_error err = {0};
    if (gb_model_load("classroom-translate", &g_tr, &err) || gb_model_load("classroom-sentiment", &g_cls, &err) ||
        gb_model_load("classroom", &g_lm, &err))
        fail_msg("%s", err.msg);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    gb_model_free(g_tr), gb_model_free(g_cls), gb_model_free(g_lm);
    return 0;
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_translation_stepping),  cmocka_unit_test(test_translation_layer_head),
        cmocka_unit_test(test_translation_hover),     cmocka_unit_test(test_classification_typing),
        cmocka_unit_test(test_classification_heads),  cmocka_unit_test(test_decoder_window),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
