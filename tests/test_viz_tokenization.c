/* test_viz_tokenization.c - the tokenization view: its numbers agree with the
 * tokenizer, the merge replay steps forward and back (keys and buttons in the
 * real window under the dummy driver), switching tokenizer changes the count,
 * typing re-tokenizes, an image test against a reviewed reference, and bad
 * input through `glassbox render` (one line, exit 2, no file). */
#include "gbtest.h"
#include "gbviz.h"

#include <SDL.h>

#include "app.h"
#include "render.h"
#include "text.h"
#include "view.h"
#include "view_tokenization.h"

#define TOK512 "llama2c_stories260K/tok512.bin"

static const float *state_of(const gb_view *v, void *self, int *n) {
    int rows;
    const float *s = v->matrix(self, "state", &rows, n);
    assert_non_null(s);
    return s;
}

static void *settled(const char *prompt, const char *tok, int step, gb_shared *sh) {
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.tokenizer = tok;
    a.step = step;
    *sh = (gb_shared){.theme = gb_theme_normal(), .prompt = prompt};
    return gbv_view_open(gb_view_find("tokenization"), &a, sh);
}

/* The view's tokens are exactly what the tokenizer gives, and "all merges" is
 * the number of merges the record holds. */
static void test_tokens_match_tokenizer(void **state) {
    (void)state;
    const gb_view *v = gb_view_find("tokenization");
    gb_shared sh;
    const char *text = "The cat sat on the mat.";
    void *self = settled(text, gbt_fixture(TOK512), -1, &sh);
    gb_tokenizer *tok;
    gb_error err = {0};
    gbt_assert_ok(gb_tokenizer_load(gbt_fixture(TOK512), &tok, &err), &err);
    gb_tok_record *rec = gb_tok_record_new();
    int *ids, n;
    gbt_assert_ok(gb_tokenizer_encode(tok, text, strlen(text), true, &ids, &n, rec, &err), &err);
    int rows, cols;
    const float *got = v->matrix(self, "tokens", &rows, &cols);
    assert_int_equal(cols, n);
    for (int i = 0; i < n; i++) assert_int_equal((int)got[i], ids[i]);
    int ns;
    const float *st = state_of(v, self, &ns);
    printf("  %d tokens, %d merges, %d tokenizers listed\n", n, rec->n_merges, (int)st[4]);
    assert_int_equal((int)st[2], rec->n_merges);
    assert_int_equal((int)st[1], rec->n_merges); /* shows the end by default */
    assert_true(st[4] >= 3); /* its own, characters, words at least */
    free(ids);
    gb_tok_record_free(rec);
    gb_tokenizer_free(tok);
    v->destroy(self);
}

/* Every tokenizer listed got a count; characters of the text count characters. */
static void test_counts_per_tokenizer(void **state) {
    (void)state;
    const gb_view *v = gb_view_find("tokenization");
    gb_shared sh;
    void *self = settled("h\xC3\xA9llo wor", gbt_fixture(TOK512), -1, &sh);
    int rows, n;
    const float *c = v->matrix(self, "counts", &rows, &n);
    assert_non_null(c);
    gb_tok_catalog cat;
    gb_tok_catalog_find(&cat, gbt_fixture(TOK512));
    assert_int_equal(cat.n, n);
    bool saw_chars = false;
    for (int i = 0; i < n; i++) {
        printf("  %-28s %g tokens\n", cat.c[i].name, c[i]);
        assert_true(c[i] >= 1);
        if (cat.c[i].built == GB_TOK_CHAR + 1) saw_chars = true, assert_int_equal((int)c[i], 9);
        if (cat.c[i].built == GB_TOK_WORD + 1) assert_int_equal((int)c[i], 2);
    }
    assert_true(saw_chars);
    gb_tok_catalog_free(&cat);
    v->destroy(self);
}

/* --step N shows N merges; steps beyond the end show the end. */
static void test_step_argument(void **state) {
    (void)state;
    const gb_view *v = gb_view_find("tokenization");
    gb_shared sh;
    void *self = settled("The cat", gbt_fixture(TOK512), 2, &sh);
    int n;
    assert_int_equal((int)state_of(v, self, &n)[1], 2);
    v->destroy(self);
    self = settled("The cat", gbt_fixture(TOK512), 999, &sh);
    const float *st = state_of(v, self, &n);
    assert_int_equal((int)st[1], (int)st[2]);
    v->destroy(self);
}

/* A word tokenizer from a file: an unknown word becomes <unk>, and there are
 * no merges to replay (the view says so and still draws). */
static void test_word_tokenizer_unknown(void **state) {
    (void)state;
    const char *corpus = "the cat sat on the mat";
    gb_vocab_opts o;
    gb_vocab_opts_default(&o);
    gb_tokenizer *t;
    gb_error err = {0};
    gbt_assert_ok(gb_tokenizer_build(GB_TOK_WORD, corpus, strlen(corpus), &o, &t, &err), &err);
    char path[1024];
    snprintf(path, sizeof path, "%s", gbt_tmp("words.json"));
    gbt_assert_ok(gb_tokenizer_save(t, path, &err), &err);
    const gb_view *v = gb_view_find("tokenization");
    gb_shared sh;
    void *self = settled("the dog sat", path, -1, &sh);
    int rows, n;
    const float *ids = v->matrix(self, "tokens", &rows, &n);
    assert_int_equal(n, 3);
    int unk = gb_tokenizer_special(t, GB_SPECIAL_UNK);
    printf("  ids %g %g %g (unk = %d)\n", ids[0], ids[1], ids[2], unk);
    assert_int_equal((int)ids[0], gb_tokenizer_lookup(t, "the"));
    assert_int_equal((int)ids[1], unk);
    assert_int_equal((int)ids[2], gb_tokenizer_lookup(t, "sat"));
    assert_int_equal((int)state_of(v, self, &n)[2], 0);
    assert_null(v->input_error(self));
    cairo_surface_t *img = gbv_render(v, self, &sh, 700, 500);
    cairo_surface_write_to_png(img, gbt_tmp("words.png"));
    cairo_surface_destroy(img);
    v->destroy(self);
    gb_tokenizer_free(t);
}

/* ---- the real window, pushed events ---- */

static gb_window *open_window(const char *prompt) {
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.prompt = prompt;
    a.tokenizer = gbt_fixture(TOK512);
    return gbv_window_open(&a, &(gb_shared){.theme = gb_theme_normal()}, 1100, 760, "tokenization", 20);
}

static const float *win_state(gb_window *win) {
    gb_app *app = gb_window_app(win);
    int n;
    return state_of(app->views[app->current], app->self[app->current], &n);
}

static void settle(gb_window *win) { gbv_settle(win, 5, 20, 0); }

/* Home, Right, Right, Left: steps 0, 1, 2, 1; End: all merges; the "next"
 * button applies one merge. */
static void test_window_steps_merges(void **state) {
    (void)state;
    gb_window *win = open_window("The cat sat");
    int total = (int)win_state(win)[2];
    assert_true(total >= 3);
    gbv_push_key(win, SDLK_HOME, 0);
    settle(win);
    assert_int_equal((int)win_state(win)[1], 0);
    gbv_push_key(win, SDLK_RIGHT, 0);
    gbv_push_key(win, SDLK_RIGHT, 0);
    settle(win);
    assert_int_equal((int)win_state(win)[1], 2);
    gbv_push_key(win, SDLK_LEFT, 0);
    settle(win);
    assert_int_equal((int)win_state(win)[1], 1);
    gb_app *app = gb_window_app(win);
    gb_ui *ui = app->views[app->current]->ui(app->self[app->current]);
    gb_widget *next = ui->w[3]; /* dropdown, back, slider, next, all */
    gbv_push_click(win, app->view_area.x + next->r.x + next->r.w / 2, app->view_area.y + next->r.y + next->r.h / 2);
    settle(win);
    printf("  steps: home 0, right right 2, left 1, next button -> %d of %d\n", (int)win_state(win)[1], total);
    assert_int_equal((int)win_state(win)[1], 2);
    gbv_push_key(win, SDLK_END, 0);
    settle(win);
    assert_int_equal((int)win_state(win)[1], total);
    gb_window_close(win);
}

/* 't' switches to the next tokenizer: another count for the same text. */
static void test_window_switches_tokenizer(void **state) {
    (void)state;
    gb_window *win = open_window("The cat sat on the mat");
    const float *st = win_state(win);
    int sel0 = (int)st[0], n0 = (int)st[3], listed = (int)st[4];
    gbv_push_key(win, SDLK_t, 0);
    settle(win);
    st = win_state(win);
    printf("  tokenizer %d (%d tokens) -> %d (%d tokens) of %d\n", sel0, n0, (int)st[0], (int)st[3], listed);
    assert_int_equal((int)st[0], (sel0 + 1) % listed);
    assert_true((int)st[3] != n0);
    gb_window_close(win);
}

/* Typing into the prompt (SDL_TEXTINPUT) re-tokenizes the text. */
static void test_window_typing_retokenizes(void **state) {
    (void)state;
    gb_window *win = open_window("Hi");
    int n0 = (int)win_state(win)[3];
    gb_app *app = gb_window_app(win);
    gb_rect r = app->prompt.r;
    gbv_push_click(win, r.x + r.w - 5, r.y + r.h / 2);
    gbv_push_text(win, " there, my friend");
    settle(win);
    int n1 = (int)win_state(win)[3];
    printf("  '%s': %d tokens -> %d\n", app->prompt.text.s, n0, n1);
    assert_string_equal(app->prompt.text.s, "Hi there, my friend");
    assert_true(n1 > n0);
    gb_window_close(win);
}

/* Moving the pointer over the first final token's chip hovers it (the tip
 * with its bytes and id is drawn); leaving the window clears it. */
static void test_window_hover_token(void **state) {
    (void)state;
    gb_window *win = open_window("The cat sat");
    gb_app *app = gb_window_app(win);
    int found = -1;
    for (double y = app->view_area.y; y < app->view_area.y + app->view_area.h && found < 0; y += 6) {
        gbv_push_motion(win, app->view_area.x + 40, y, 0);
        settle(win);
        if (win_state(win)[5] >= 0) found = (int)win_state(win)[5];
    }
    printf("  token under the pointer: %d\n", found);
    assert_int_equal(found, 0); /* the first chip of panel 3: <s> */
    long frames = gb_window_frames(win);
    gbv_push_leave(win);
    settle(win);
    assert_int_equal((int)win_state(win)[5], -1);
    assert_true(gb_window_frames(win) > frames); /* the tip went away: redrawn */
    gb_window_close(win);
}

/* Dragging the step slider to its left end shows the starting symbols. */
static void test_window_slider_and_dropdown(void **state) {
    (void)state;
    gb_window *win = open_window("The cat sat");
    gb_app *app = gb_window_app(win);
    gb_ui *ui = app->views[app->current]->ui(app->self[app->current]);
    gb_widget *slider = ui->w[2], *dd = ui->w[0];
    double ox = app->view_area.x, oy = app->view_area.y;
    double y = oy + slider->r.y + slider->r.h / 2;
    double grab = ox + slider->r.x + slider->r.w - 40, left = ox + slider->r.x - 50;
    gbv_push_button(win, SDL_MOUSEBUTTONDOWN, grab, y);
    gbv_push_motion(win, left, y, SDL_BUTTON_LMASK);
    gbv_push_button(win, SDL_MOUSEBUTTONUP, left, y);
    settle(win);
    printf("  slider dragged left: step %d\n", (int)win_state(win)[1]);
    assert_int_equal((int)win_state(win)[1], 0);
    /* open the drop-down and choose its second entry */
    gbv_push_click(win, ox + dd->r.x + dd->r.w / 2, oy + dd->r.y + dd->r.h / 2);
    settle(win);
    assert_true(dd->open);
    gbv_push_click(win, ox + dd->r.x + dd->r.w / 2, oy + dd->r.y + dd->r.h * 2.5);
    settle(win);
    printf("  drop-down: tokenizer %d\n", (int)win_state(win)[0]);
    assert_int_equal((int)win_state(win)[0], 1);
    gb_window_close(win);
}

/* ---- images ---- */

/* The top of the view (text, replay at step 3, tokens): the comparison below
 * is left out, since it lists whatever tokenizers are bundled. */
static void tokenization_image(bool presenter, const char *name, int w, int h, int crop) {
    const gb_view *v = gb_view_find("tokenization");
    gb_shared sh;
    void *self = settled("The cat sat on the mat.", gbt_fixture(TOK512), 3, &sh);
    sh.theme = gb_theme_get(presenter), sh.presenter = presenter;
    cairo_surface_t *img = gbv_render(v, self, &sh, w, h);
    cairo_surface_t *top = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, crop);
    cairo_t *cr = cairo_create(top);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_paint(cr);
    cairo_destroy(cr);
    gbv_check_image(top, name, GBV_TOLERANCE, GBV_MAX_BAD_FRAC);
    cairo_surface_destroy(top);
    cairo_surface_destroy(img);
    v->destroy(self);
}

static void test_tokenization_image(void **state) {
    (void)state;
    tokenization_image(false, "tokenization", 640, 560, 460);
}

static void test_tokenization_presenter_image(void **state) {
    (void)state;
    tokenization_image(true, "tokenization_presenter", 960, 720, 560);
}

/* ---- render CLI and bad input ---- */

static void test_render_cli(void **state) {
    (void)state;
    const char *out = gbt_tmp("tok.png");
    const char *ok[] = {"render", "tokenization", "--tokenizer", gbt_fixture(TOK512), "--prompt", "The cat sat",
                        "--step", "2", "--size", "700x500", "--out", out, NULL};
    gbv_run_ok(ok);
    cairo_surface_t *img = cairo_image_surface_create_from_png(out);
    assert_int_equal(cairo_image_surface_get_width(img), 700);
    cairo_surface_destroy(img);
    const char *bad = gbt_tmp("bad.png");
    const char *utf[] = {"render", "tokenization", "--prompt", "bad \xFF byte", "--out", bad, NULL};
    gbv_expect_bad(utf, "UTF-8 (byte 4)", bad);
    const char *empty[] = {"render", "tokenization", "--out", bad, NULL};
    gbv_expect_bad(empty, "no text", bad);
    const char *notok[] = {"render", "tokenization", "--tokenizer", gbt_tmp("nothing-here.bin"), "--prompt", "x",
                           "--out", bad, NULL};
    gbv_expect_bad(notok, "nothing-here.bin", bad);
    const char *step[] = {"render", "tokenization", "--prompt", "x", "--step", "-1", "--out", bad, NULL};
    gbv_expect_bad(step, "--step", bad);
}

/* A tiny area and an empty prompt draw without crashing. */
static void test_tiny_and_empty(void **state) {
    (void)state;
    const gb_view *v = gb_view_find("tokenization");
    gb_shared sh;
    void *self = settled("", gbt_fixture(TOK512), -1, &sh);
    int sizes[4][2] = {{1, 1}, {30, 20}, {120, 80}, {300, 60}};
    for (int i = 0; i < 4; i++) {
        cairo_surface_destroy(gbv_render(v, self, &sh, sizes[i][0], sizes[i][1]));
    }
    assert_non_null(v->input_error(self));
    v->destroy(self);
    self = settled("Hello there", gbt_fixture(TOK512), -1, &sh);
    for (int i = 0; i < 4; i++) {
        sh.interactive = true;
        cairo_surface_destroy(gbv_render(v, self, &sh, sizes[i][0], sizes[i][1]));
    }
    v->destroy(self);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    if (!gbv_use_fonts()) return 0;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens_match_tokenizer),
        cmocka_unit_test(test_counts_per_tokenizer),
        cmocka_unit_test(test_step_argument),
        cmocka_unit_test(test_word_tokenizer_unknown),
        cmocka_unit_test(test_window_steps_merges),
        cmocka_unit_test(test_window_switches_tokenizer),
        cmocka_unit_test(test_window_typing_retokenizes),
        cmocka_unit_test(test_window_hover_token),
        cmocka_unit_test(test_window_slider_and_dropdown),
        cmocka_unit_test(test_tokenization_image),
        cmocka_unit_test(test_tokenization_presenter_image),
        cmocka_unit_test(test_render_cli),
        cmocka_unit_test(test_tiny_and_empty),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    gb_text_shutdown();
    return rc;
}
