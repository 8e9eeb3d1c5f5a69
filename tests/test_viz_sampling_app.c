/* test_viz_sampling_app.c - the distribution and generation views in the real
 * window under the SDL dummy driver, driven by pushed events: space steps,
 * a click on the temperature slider re-samples the current step without a
 * forward pass, backspace rewinds, b branches from the shown step; a click on
 * a past token shows what the model attended to then (against a fresh pass),
 * the layer/head keys change it, a click on another bar branches with that
 * token forced. */
#include "gbtest.h"
#include "gbviz.h"

#include <math.h>

#include <SDL.h>

#include "app.h"
#include "glassbox/forward.h"
#include "glassbox/model.h"
#include "glassbox/tokenizer.h"
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
    return gbv_window_open(&a, &base, 1280, 800, view, 20);
}

static dist_view *view_of(gb_window *win) {
    gb_app *app = gb_window_app(win);
    return app->self[app->current];
}

static void settle(gb_window *win) { gbv_settle(win, 5, 20, 0); }

static void test_step_temperature_back(void **state) {
    (void)state;
    gb_window *win = open_window("distribution", 0);
    dist_view *v = view_of(win);
    assert_non_null(v->p.s);
    assert_int_equal(gb_samp_n_generated(&v->p), 0);
    for (int i = 0; i < 3; i++) gbv_push_key(win, SDLK_SPACE, 0);
    settle(win);
    assert_int_equal(gb_samp_n_generated(&v->p), 3);
    uint64_t fw = gb_session_forward_count(v->p.s);
    double u = v->p.rec.draw;
    /* a click near the right end of the temperature slider */
    gb_app *app = gb_window_app(win);
    gb_rect lab, track, val;
    gb_ui_slider_parts(&v->temp, gb_theme_normal(), &lab, &track, &val);
    gbv_push_click(win, app->view_area.x + track.x + 8 + 0.8 * (track.w - 16), app->view_area.y + track.y + track.h / 2);
    settle(win);
    printf("  temperature after the click: %.2f (forward passes %llu -> %llu)\n", v->p.temperature,
           (unsigned long long)fw, (unsigned long long)gb_session_forward_count(v->p.s));
    assert_true(v->p.temperature > 1.5);
    assert_true(v->p.rec_ok);
    assert_true(fabs(v->p.rec.settings.temperature - v->p.temperature) < 1e-9);
    assert_true(v->p.rec.draw == u);
    assert_int_equal(gb_session_forward_count(v->p.s), fw);
    assert_int_equal(gb_samp_n_generated(&v->p), 3);
    gbv_push_key(win, SDLK_BACKSPACE, 0);
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
    gbv_push_key(win, SDLK_LEFT, 0);
    gbv_push_key(win, SDLK_LEFT, 0);
    settle(win);
    assert_int_equal(gb_session_node_at(v->p.s, v->p.shown)->depth, 2);
    gbv_push_key(win, SDLK_b, 0);
    settle(win);
    assert_int_equal(gb_session_n_branches(v->p.s), 2);
    assert_int_equal(gb_session_branch_info(v->p.s, 1)->fork_depth, 2);
    assert_int_equal(gb_samp_n_generated(&v->p), 3);
    assert_int_equal(gb_session_path(v->p.s, 0, NULL, 0), 5);
    gb_window_close(win);
}

/* The attention panel's row against the last query row of a fresh pass over
 * the shown step's prefix (mean over heads when head < 0). */
static void expect_fresh_attention(const dist_view *v, int layer, int head) {
    int rows = 0, T = 0;
    const float *row = gb_view_generation.matrix(v, "attention", &rows, &T);
    assert_non_null(row);
    const gb_session_node *nd = gb_session_node_at(v->p.s, v->p.shown);
    assert_int_equal(T, v->p.n_prompt + nd->depth);
    int seq[128];
    memcpy(seq, v->p.prompt, (size_t)v->p.n_prompt * sizeof *seq);
    for (int i = nd->depth - 1, at = nd->parent; i >= 0; i--, at = gb_session_node_at(v->p.s, at)->parent)
        seq[v->p.n_prompt + i] = gb_session_node_at(v->p.s, at)->token;
    gb_error err = {0};
    gb_trace *tr = gb_trace_new("blocks.*.attn.hook_pattern", T, &err);
    gb_state *st = gb_state_new(g_model, T, &err);
    gbt_assert_ok(gb_forward_decoder(g_model, st, seq, T, 0, &(gb_run_opts){.trace = tr}, &err), &err);
    char name[64];
    snprintf(name, sizeof name, "blocks.%d.attn.hook_pattern", layer);
    const gb_tensor *t = gb_trace_find(tr, name);
    assert_non_null(t);
    int H = g_model->cfg.n_heads;
    double worst = 0;
    for (int k = 0; k < T; k++) {
        double want = 0;
        for (int h = head < 0 ? 0 : head; h < (head < 0 ? H : head + 1); h++) want += gb_tensor_at3(t, h, T - 1, k);
        worst = fmax(worst, fabs(row[k] - (head < 0 ? want / H : want)));
    }
    printf("  step %d, layer %d, head %d: max |diff| vs a fresh pass = %.3g (tolerance 1e-5)\n", nd->depth + 1, layer,
           head, worst);
    assert_true(worst < 1e-5);
    gb_trace_free(tr);
    gb_state_free(st);
}

static void test_attention_and_forced_branch(void **state) {
    (void)state;
    gb_window *win = open_window("generation", 6);
    dist_view *v = view_of(win);
    gb_app *app = gb_window_app(win);
    gb_shared sh = gb_app_shared(app);
    int path[8], L = g_model->cfg.n_layers;
    assert_int_equal(gb_session_path(v->p.s, 0, path, 8), 6);
    /* click the third token in the tree */
    double x, y;
    assert_true(gen_node_center(v, &sh, path[2], &x, &y));
    gbv_push_click(win, app->view_area.x + x, app->view_area.y + y);
    settle(win);
    assert_int_equal(v->p.shown, path[2]);
    expect_fresh_attention(v, L - 1, -1);
    gbv_push_key(win, SDLK_UP, 0);
    gbv_push_key(win, SDLK_h, 0);
    settle(win);
    expect_fresh_attention(v, L - 2, 0);
    assert_int_equal(v->att_layer_dd.selected, L - 2);
    gb_error err = {0};
    gbt_assert_ok(gb_window_screenshot(win, gbt_tmp("generation_attention.png"), &err), &err);
    printf("  screenshot: %s\n", gbt_tmp("generation_attention.png"));
    /* click the bar of another token of that step */
    gb_rect r = gen_dist_rect(v, &sh);
    int want = -1, eos = gb_tokenizer_special(v->p.tokens.tok, GB_SPECIAL_EOS),
        bos = gb_tokenizer_special(v->p.tokens.tok, GB_SPECIAL_BOS);
    double cx = r.x + r.w * 0.2, cy = r.y;
    for (; cy < r.y + r.h && want < 0; cy += 2) { /* a bar of another token, not one that stops */
        int t = gb_dist_bar_hit(&v->p, r, sh.theme, false, cx, cy);
        if (t >= 0 && t != v->p.rec.chosen && t != eos && t != bos) want = t;
    }
    assert_true(want >= 0);
    uint64_t fw = gb_session_forward_count(v->p.s);
    gbv_push_click(win, app->view_area.x + cx, app->view_area.y + cy + 4); /* inside the row, not on its edge */
    settle(win);
    assert_int_equal(gb_session_n_branches(v->p.s), 2);
    const gb_session_node *f = gb_session_node_at(v->p.s, v->p.shown);
    printf("  clicked the bar of token %d: shown step %d, token %d%s %s\n", want, f->depth + 1, f->token,
           f->forced ? " (forced)" : "", v->p.error);
    assert_true(f->forced && f->token == want && f->depth == 2);
    assert_int_equal(gb_samp_n_generated(&v->p), 6);
    printf("  forced branch: 3 new steps after the forced one, %llu forward passes\n",
           (unsigned long long)(gb_session_forward_count(v->p.s) - fw));
    assert_int_equal(gb_session_forward_count(v->p.s) - fw, 3); /* the forced step reuses the cached logits */
    expect_fresh_attention(v, L - 2, 0); /* the forced step's prefix is the old one */
    gbt_assert_ok(gb_window_screenshot(win, gbt_tmp("generation_forced.png"), &err), &err);
    printf("  screenshot: %s\n", gbt_tmp("generation_forced.png"));
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
        cmocka_unit_test(test_attention_and_forced_branch),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
