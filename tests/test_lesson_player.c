/* test_lesson_player.c - the lesson player in the real window (SDL dummy
 * driver): step 0's state is applied on open (view, prompt, model, layer),
 * PageDown / Alt+Left and the Next / Previous buttons move between steps,
 * the views stay explorable, a view missing from this build is named in the
 * panel, and a step's state maps onto view arguments. */
#include "gbtest.h"

#include <SDL.h>

#include "app.h"
#include "lesson_player.h"
#include "text.h"
#include "view.h"

#define LESSON_TEXT                                                                                  \
    "# Player test\n\nIntro.\n\n"                                                                    \
    "## One\n@model classroom\n@view attention\n@prompt the teacher taught the students with the book .\n" \
    "@layer 1\n@head 0\nFirst **step**.\n\n"                                                         \
    "## Two\n@view positions\n@prompt the dog chased the cat\nSecond step.\n\n"                      \
    "## Three\n@view %s\nThird step.\n"

static gb_window *WIN;
static gb_player *P;
static char MISSING[64];

static void push_key(SDL_Keycode k, Uint16 mod) {
    SDL_Event e;
    SDL_zero(e);
    e.type = SDL_KEYDOWN;
    e.key.windowID = gb_window_id(WIN);
    e.key.state = SDL_PRESSED;
    e.key.keysym.sym = k;
    e.key.keysym.mod = mod;
    SDL_PushEvent(&e);
}

static void click(gb_rect r) {
    for (int i = 0; i < 2; i++) {
        SDL_Event e;
        SDL_zero(e);
        e.type = i ? SDL_MOUSEBUTTONUP : SDL_MOUSEBUTTONDOWN;
        e.button.windowID = gb_window_id(WIN);
        e.button.button = SDL_BUTTON_LEFT;
        e.button.state = i ? SDL_RELEASED : SDL_PRESSED;
        e.button.clicks = 1;
        e.button.x = (int)(r.x + r.w / 2), e.button.y = (int)(r.y + r.h / 2);
        SDL_PushEvent(&e);
    }
}

static void settle(void) {
    for (int i = 0; i < 4; i++) gb_window_step(WIN, 0);
    assert_true(gb_window_idle(WIN, 60));
    for (int i = 0; i < 4; i++) gb_window_step(WIN, 0);
}

static const char *current_view(void) {
    gb_app *a = gb_window_app(WIN);
    return a->views[a->current]->name;
}

static int setup(void **state) {
    (void)state;
    /* a view the lessons may name that this build does not have, if any */
    for (int i = 0; gb_lesson_view_names[i] && !MISSING[0]; i++)
        if (!gb_view_find(gb_lesson_view_names[i])) snprintf(MISSING, sizeof MISSING, "%s", gb_lesson_view_names[i]);
    char text[2048];
    snprintf(text, sizeof text, LESSON_TEXT, MISSING[0] ? MISSING : "positions");
    const char *path = gbt_tmp("player.md");
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    gb_error err = {0};
    gbt_assert_ok(gb_player_open(&P, path, &err), &err);
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.prompt = "Hi";
    gb_shared base = {.theme = gb_theme_normal()};
    gbt_assert_ok(gb_window_open(&WIN, &a, &base, &(gb_window_opts){1280, 800, "positions"}, &err), &err);
    gb_player_attach(P, gb_window_app(WIN));
    settle();
    return 0;
}

static int teardown(void **state) {
    (void)state;
    gb_window_close(WIN);
    gb_player_free(P);
    return 0;
}

static void test_first_step_applied(void **state) {
    (void)state;
    gb_app *a = gb_window_app(WIN);
    assert_int_equal(gb_player_step(P), 0);
    assert_int_equal(gb_player_n_steps(P), 3);
    assert_string_equal(current_view(), "attention");
    assert_string_equal(a->prompt.text.s, "the teacher taught the students with the book .");
    assert_non_null(a->sh.model);
    assert_string_equal(a->sh.model_name, "classroom");
    assert_null(gb_player_missing_view(P));
    /* the panel sits right of the view */
    gb_rect next = gb_player_button(P, true);
    assert_true(next.x > a->view_area.x + a->view_area.w);
    assert_true(gb_window_screenshot(WIN, gbt_tmp("player.png"), &(gb_error){0}) == GB_OK);
}

static void test_keys_move_between_steps(void **state) {
    (void)state;
    push_key(SDLK_PAGEDOWN, 0);
    settle();
    assert_int_equal(gb_player_step(P), 1);
    assert_string_equal(current_view(), "positions");
    assert_string_equal(gb_window_app(WIN)->prompt.text.s, "the dog chased the cat");
    push_key(SDLK_LEFT, KMOD_LALT);
    settle();
    assert_int_equal(gb_player_step(P), 0);
    assert_string_equal(current_view(), "attention");
    push_key(SDLK_PAGEUP, 0); /* already at the first step: stays */
    settle();
    assert_int_equal(gb_player_step(P), 0);
}

static void test_buttons_and_exploring(void **state) {
    (void)state;
    click(gb_player_button(P, true));
    settle();
    assert_int_equal(gb_player_step(P), 1);
    /* the views stay explorable: switching tabs works and the step stays */
    push_key(SDLK_1, KMOD_LCTRL);
    settle();
    assert_int_equal(gb_window_app(WIN)->current, 0);
    assert_int_equal(gb_player_step(P), 1);
    click(gb_player_button(P, false));
    settle();
    assert_int_equal(gb_player_step(P), 0);
    assert_string_equal(current_view(), "attention");
}

static void test_missing_view_placeholder(void **state) {
    (void)state;
    if (!MISSING[0]) {
        printf("  SKIPPED: every view a lesson may name exists in this build\n");
        skip();
    }
    gb_player_go(P, 2);
    settle();
    assert_int_equal(gb_player_step(P), 2);
    assert_string_equal(gb_player_missing_view(P), MISSING);
    assert_string_equal(current_view(), "attention"); /* the previous view stays */
    gb_player_go(P, 99); /* clamped to the last step */
    settle();
    assert_int_equal(gb_player_step(P), 2);
}

/* A folder opens the picker; choosing a lesson plays it; "Lessons" comes back. */
static void test_picker(void **state) {
    (void)state;
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/lessons", GB_SOURCE_DIR);
    gb_error err = {0};
    gb_player *p = NULL;
    gbt_assert_ok(gb_player_open(&p, dir, &err), &err);
    assert_true(gb_player_n_lessons(p) >= 8);
    assert_int_equal(gb_player_n_steps(p), 0);
    assert_null(gb_player_title(p));
    gb_view_args a;
    gb_view_args_defaults(&a);
    gb_shared base = {.theme = gb_theme_normal()};
    gb_window *w = NULL;
    gbt_assert_ok(gb_window_open(&w, &a, &base, &(gb_window_opts){1280, 800, "positions"}, &err), &err);
    gb_player_attach(p, gb_window_app(w));
    for (int i = 0; i < 4; i++) gb_window_step(w, 0);
    gb_player_pick(p, 4); /* 05-attention.md */
    for (int i = 0; i < 4; i++) gb_window_step(w, 0);
    assert_true(gb_window_idle(w, 60));
    assert_non_null(gb_player_title(p));
    assert_non_null(strstr(gb_player_title(p), "attention"));
    assert_true(gb_player_n_steps(p) >= 5);
    gb_app *app = gb_window_app(w);
    assert_string_equal(app->views[app->current]->name, "attention");
    gbt_assert_ok(gb_window_screenshot(w, gbt_tmp("picker.png"), &err), &err);
    gb_window_close(w);
    gb_player_free(p);
    /* an empty folder, or a lesson that does not parse: one clear message */
    const char *empty = gbt_tmp("empty-lessons");
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", empty);
    assert_int_equal(system(cmd), 0);
    gb_error e2 = {0};
    assert_int_equal(gb_player_open(&p, empty, &e2), GB_ERR_INPUT);
    assert_non_null(strstr(e2.msg, "no lessons"));
}

static void test_view_args(void **state) {
    (void)state;
    gb_lesson_state st = {.model = "classroom", .prompt = "the kings", .view = "attention", .layer = 2, .head = -1};
    gb_view_args a;
    char *tok = NULL;
    gb_lesson_view_args(&st, &a, &tok);
    assert_string_equal(a.model, "classroom");
    assert_string_equal(a.prompt, "the kings");
    assert_int_equal(a.layer, 2);
    assert_int_equal(a.head, -1);
    assert_null(tok);
    st.view = "tokenization", st.tokenizer = "classroom-bpe";
    gb_lesson_view_args(&st, &a, &tok);
    assert_null(a.model); /* the tokenizer of the lesson, not the model's */
    assert_non_null(tok);
    assert_non_null(strstr(a.tokenizer, "classroom-bpe"));
    free(tok);
    /* @select in the embeddings view becomes two picked ids */
    gb_lesson_checker *ck = gb_lesson_checker_new();
    char *sel[2] = {"king", "queen"};
    gb_lesson_state es = {.model = "classroom", .view = "embeddings", .select = {sel[0], sel[1]}, .n_select = 2};
    char pick[64];
    gb_view_args_defaults(&a);
    gb_lesson_view_select(ck, &es, &a, pick, sizeof pick);
    assert_non_null(a.pick);
    assert_non_null(strchr(a.pick, ','));
    gb_lesson_checker_free(ck);
    char *mk = gb_lesson_markup("a **b** `c` <d> & e\nf\n\n- g");
    assert_string_equal(mk, "a <b>b</b> <span font_family=\"DejaVu Sans Mono\">c</span> &lt;d&gt; &amp; e f\n\n- g");
    free(mk);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    gb_error err = {0};
    if (gb_text_use_hermetic_fonts(gbt_tmp("fonts"), &err) != GB_OK) {
        printf("SKIPPED: needs the DejaVu fonts: %s\n", err.msg);
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_step_applied),
        cmocka_unit_test(test_keys_move_between_steps),
        cmocka_unit_test(test_buttons_and_exploring),
        cmocka_unit_test(test_missing_view_placeholder),
        cmocka_unit_test(test_picker),
        cmocka_unit_test(test_view_args),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    gb_text_shutdown();
    return rc;
}
