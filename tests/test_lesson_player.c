/* test_lesson_player.c - the lesson player in the real window (SDL dummy
 * driver): step 0's state is applied on open (view, prompt, model, layer),
 * PageDown / Alt+Left and the Next / Previous buttons move between steps,
 * the views stay explorable, a view missing from this build is named in the
 * panel, and a step's state maps onto view arguments: @sampling and
 * @generate reach the sampling views, @highlight marks words and selects
 * them, @image shows in the panel. The start screen's Lessons button opens
 * the bundled lessons; `glassbox --lesson FILE` opens the player. */
#include "gbtest.h"
#include "gbviz.h"

#include <math.h>

#include <SDL.h>

#include "app.h"
#include "lesson_player.h"
#include "glassbox/session.h"
#include "text.h"
#include "view.h"
#include "view_distribution_view.h"

#define LESSON_TEXT                                                                                  \
    "# Player test\n\nIntro.\n\n"                                                                    \
    "## One\n@model classroom\n@view attention\n@prompt the teacher taught the students with the book .\n" \
    "@layer 1\n@head 0\nFirst **step**.\n\n"                                                         \
    "## Two\n@view positions\n@prompt the dog chased the cat\nSecond step.\n\n"                      \
    "## Three\n@view %s\nThird step.\n"

static gb_window *WIN;
static gb_player *P;
static char MISSING[64];

/* A click in the middle of r. */
static void click(gb_rect r) { gbv_push_click(WIN, r.x + r.w / 2, r.y + r.h / 2); }

static void settle(void) { gbv_settle(WIN, 4, 60, 4); }

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
    WIN = gbv_window_open(&a, &base, 1280, 800, "positions", 0);
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
    gbv_push_key(WIN, SDLK_PAGEDOWN, 0);
    settle();
    assert_int_equal(gb_player_step(P), 1);
    assert_string_equal(current_view(), "positions");
    assert_string_equal(gb_window_app(WIN)->prompt.text.s, "the dog chased the cat");
    gbv_push_key(WIN, SDLK_LEFT, KMOD_LALT);
    settle();
    assert_int_equal(gb_player_step(P), 0);
    assert_string_equal(current_view(), "attention");
    gbv_push_key(WIN, SDLK_PAGEUP, 0); /* already at the first step: stays */
    settle();
    assert_int_equal(gb_player_step(P), 0);
}

static void test_buttons_and_exploring(void **state) {
    (void)state;
    click(gb_player_button(P, true));
    settle();
    assert_int_equal(gb_player_step(P), 1);
    /* the views stay explorable: switching tabs works and the step stays */
    gbv_push_key(WIN, SDLK_1, KMOD_LCTRL);
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
    gb_window *w = gbv_window_open(&a, &base, 1280, 800, "positions", 0);
    gb_player_attach(p, gb_window_app(w));
    gbv_settle(w, 4, 0, 0);
    gb_player_pick(p, 4); /* 05-attention.md */
    gbv_settle(w, 4, 60, 0);
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
    mk = gb_lesson_markup("in each of its\n3 layers\n1. one\n2) two"); /* a number in prose is not a list */
    assert_string_equal(mk, "in each of its 3 layers\n1. one\n2) two");
    free(mk);
    mk = gb_lesson_markup("- a\n  b"); /* a list item's continuation joins without its indent */
    assert_string_equal(mk, "- a b");
    free(mk);
    char plain[32];
    gb_lesson_plain("The `<cls>` **token**", plain, sizeof plain);
    assert_string_equal(plain, "The <cls> token");
}


/* A window of 1280x800 with player p attached, settled. */
static gb_window *open_with(gb_player *p) {
    gb_view_args a;
    gb_view_args_defaults(&a);
    gb_window *w = gbv_window_open(&a, &(gb_shared){.theme = gb_theme_normal()}, 1280, 800, "positions", 0);
    gb_player_attach(p, gb_window_app(w));
    gbv_settle(w, 4, 60, 4);
    return w;
}

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static dist_view *sampling_view(gb_window *w, const char *name) {
    gb_app *a = gb_window_app(w);
    assert_string_equal(a->views[a->current]->name, name);
    return a->self[a->current];
}

/* The node shown is the first generated step of the current branch. */
static void assert_shows_first_step(const dist_view *v) {
    int first[1];
    assert_true(gb_session_path(v->p.s, gb_session_current_branch(v->p.s), first, 1) >= 1);
    assert_int_equal(v->p.shown, first[0]);
}

/* Each step's @sampling reaches the distribution and generation views: the
 * controls, the seed, the decision drawn (its record's settings), and the
 * number of tokens generated (@generate, else to the end token). */
static void test_player_applies_sampling(void **state) {
    (void)state;
    const char *path = gbt_tmp("sampling.md");
    write_text(path, "# Sampling test\n\n"
                     "## Hot and cut\n@model classroom\n@view distribution\n@prompt there is a\n"
                     "@sampling temperature=2 top-k=3 seed=5\n@generate 3\nText.\n\n"
                     "## Greedy to the end\n@view generation\n@sampling greedy\nText.\n\n"
                     "## Two tokens\n@generate 2\n@sampling temperature=0.5 top-p=0.9 seed=7\nText.\n\n"
                     "## The odd word\n@prompt the teacher\n@sampling temperature=2 seed=1\n@highlight to\n"
                     "\"the teacher hit the mothers with to the ball .\"\n");
    gb_error err = {0};
    gb_player *p = NULL;
    gbt_assert_ok(gb_player_open(&p, path, &err), &err);
    gb_window *w = open_with(p);
    dist_view *v = sampling_view(w, "distribution");
    assert_non_null(v->p.s);
    assert_int_equal(v->p.strategy, GB_STRAT_TOPK);
    assert_true(fabs(v->p.temperature - 2) < 1e-12);
    assert_int_equal(v->p.top_k, 3);
    assert_int_equal((int)v->p.seed, 5);
    assert_int_equal(gb_samp_n_generated(&v->p), 3);
    assert_true(v->p.rec_ok); /* the decision drawn was made with the step's settings */
    assert_true(fabs(v->p.rec.settings.temperature - 2) < 1e-12);
    assert_int_equal(v->p.rec.settings.top_k, 3);
    assert_true(v->p.rec.settings.top_p >= 1);

    gb_player_go(p, 1);
    for (int i = 0; i < 6; i++) gb_window_step(w, 0);
    v = sampling_view(w, "generation");
    assert_int_equal(v->p.strategy, GB_STRAT_GREEDY);
    /* greedy "there is a" -> "ball on the table ." and the end token, as the lesson 11 claim says */
    assert_int_equal(gb_samp_n_generated(&v->p), 6);
    assert_true(gb_session_done(v->p.s));
    assert_shows_first_step(v);
    assert_true(v->p.rec_ok);
    assert_true(v->p.rec.settings.temperature == 0);

    gb_player_go(p, 2);
    for (int i = 0; i < 6; i++) gb_window_step(w, 0);
    v = sampling_view(w, "generation");
    assert_int_equal(gb_samp_n_generated(&v->p), 2); /* @generate belongs to its step only */
    assert_int_equal(v->p.strategy, GB_STRAT_TOPP);
    assert_true(fabs(v->p.top_p - 0.9) < 1e-12);
    assert_int_equal((int)v->p.seed, 7);
    assert_true(fabs(v->p.rec.settings.temperature - 0.5) < 1e-12);
    assert_shows_first_step(v);
    gbt_assert_ok(gb_window_screenshot(w, gbt_tmp("player-sampling.png"), &err), &err);

    /* @highlight in the generation view: the step that drew the word (lesson 12) */
    gb_player_go(p, 3);
    for (int i = 0; i < 6; i++) gb_window_step(w, 0);
    v = sampling_view(w, "generation");
    int nodes[16];
    assert_int_equal(gb_session_path(v->p.s, gb_session_current_branch(v->p.s), nodes, 16), 9);
    assert_int_equal(v->p.shown, nodes[4]); /* hit the mothers with [to] */
    char lab[32];
    gb_samp_label(&v->p, gb_session_node_at(v->p.s, v->p.shown)->token, lab, sizeof lab);
    assert_string_equal(lab, "to");
    gb_window_close(w);
    gb_player_free(p);
}

/* @highlight: marked in the text (quoted occurrences only when the text
 * quotes the word), selected in the attention view without @select, listed
 * when the text lacks it; not carried to the next step; @image in the panel. */
static void test_highlight_and_image(void **state) {
    (void)state;
    const char *const w1[] = {"it", "<cls>"};
    char *mk = gb_lesson_markup_hl("\"it\" is it; <cls> **it**", w1, 2);
    printf("  %s\n", mk);
    assert_non_null(strstr(mk, ">it</span>\" is it;")); /* the quoted "it" only */
    assert_non_null(strstr(mk, ">&lt;cls&gt;</span>"));
    assert_non_null(strstr(mk, "<b>it</b>"));            /* not quoted: plain */
    free(mk);
    const char *const w2[] = {"ball"};
    mk = gb_lesson_markup_hl("a ball, balls and BALL", w2, 1); /* no quotes: every whole word, any case */
    assert_non_null(strstr(mk, ">ball</span>, balls and <span"));
    assert_non_null(strstr(mk, ">BALL</span>"));
    free(mk);

    const char *dir = gbt_tmp("hl-lesson");
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "mkdir -p %s/images && cp %s/lessons/images/classroom-loss.png %s/images/", dir,
             GB_SOURCE_DIR, dir);
    assert_int_equal(system(cmd), 0);
    char path[1200];
    snprintf(path, sizeof path, "%s/01-hl.md", dir);
    write_text(path, "# Highlight test\n\n"
                     "## It\n@model classroom\n@view attention\n@layer 2\n@head 0\n"
                     "@prompt the animal did not cross the street because it was too tired .\n"
                     "@highlight it animal\nWhat does \"it\" mean?\n\n"
                     "## Loss\n@image images/classroom-loss.png\nA curve.\n");
    gb_error err = {0};
    gb_lesson *l = NULL;
    gbt_assert_ok(gb_lesson_load(path, &l, &err), &err);
    assert_int_equal(l->steps[0].state.n_highlight, 2);
    assert_int_equal(l->steps[1].state.n_highlight, 0);
    gb_view_args a;
    gb_view_args_defaults(&a);
    gb_lesson_checker *ck = gb_lesson_checker_new();
    char pick[64];
    gb_lesson_view_select(ck, &l->steps[0].state, &a, pick, sizeof pick);
    assert_int_equal(a.query, 8); /* the animal did not cross the street because [it] */
    assert_int_equal(a.key, 1);   /* animal */
    gb_lesson_checker_free(ck);
    gb_lesson_free(l);

    gb_player *p = NULL;
    gbt_assert_ok(gb_player_open(&p, path, &err), &err);
    gb_window *w = open_with(p);
    assert_false(gb_player_has_image(p));
    gbt_assert_ok(gb_window_screenshot(w, gbt_tmp("player-highlight.png"), &err), &err);
    gb_player_go(p, 1);
    for (int i = 0; i < 4; i++) gb_window_step(w, 0);
    assert_true(gb_player_has_image(p));
    gbt_assert_ok(gb_window_screenshot(w, gbt_tmp("player-image.png"), &err), &err);
    gb_window_close(w);
    gb_player_free(p);
}

/* A click in the middle of r, then a few frames. */
static void push_click(gb_window *w, gb_rect r) {
    gbv_push_click(w, r.x + r.w / 2, r.y + r.h / 2);
    gbv_settle(w, 6, 0, 0);
}

/* The start screen: the Lessons button (pushed clicks) opens the picker of the
 * bundled lessons, a click on a row plays that lesson, Alt+L hides the panel. */
static void test_start_screen_picker(void **state) {
    (void)state;
    gb_player *p = gb_player_launcher();
    assert_non_null(p); /* the tests run with GLASSBOX_DATA=<source>/data: lessons/ is beside it */
    assert_true(gb_player_n_lessons(p) >= 15);
    assert_false(gb_player_shown(p));
    gb_window *w = open_with(p);
    gb_app *app = gb_window_app(w);
    double full = app->view_area.w;
    gb_rect t = gb_player_toggle_button(p);
    assert_true(t.w > 0 && t.y < app->view_area.y); /* in the toolbar */
    assert_non_null(strstr(app->status, "Lessons"));
    push_click(w, t);
    assert_true(gb_player_shown(p));
    assert_true(app->view_area.w < full); /* the panel took its place */
    assert_null(gb_player_title(p));
    gb_rect row = gb_player_lesson_row(p, 10); /* 11-greedy.md */
    assert_true(row.h > 0 && row.y + row.h <= app->h);
    push_click(w, row);
    assert_true(gb_window_idle(w, 60));
    for (int i = 0; i < 4; i++) gb_window_step(w, 0);
    assert_non_null(gb_player_title(p));
    assert_non_null(strstr(gb_player_title(p), "Greedy"));
    dist_view *v = sampling_view(w, "distribution");
    assert_int_equal(v->p.strategy, GB_STRAT_GREEDY); /* the lesson's first step: @sampling greedy */
    gbt_assert_ok(gb_window_screenshot(w, gbt_tmp("start-picker.png"), &(gb_error){0}), &(gb_error){0});
    gbv_push_key(w, SDLK_l, KMOD_LALT);
    for (int i = 0; i < 4; i++) gb_window_step(w, 0);
    assert_false(gb_player_shown(p));
    assert_true(fabs(app->view_area.w - full) < 1e-9);
    gb_window_close(w);
    gb_player_free(p);
}

/* `glassbox --lesson FILE` is the player in the window (not an unknown command). */
static void test_lesson_option_opens_player(void **state) {
    (void)state;
    char lesson[1100];
    snprintf(lesson, sizeof lesson, "%s/lessons/13-temperature.md", GB_SOURCE_DIR);
    const char *png = gbt_tmp("lesson-option.png");
    remove(png);
    const char *args[] = {"--lesson", lesson, "--screenshot", png, NULL};
    char *err = NULL;
    int rc = gbt_run(NULL, 0, NULL, NULL, &err, args);
    printf("  exit %d %s\n", rc, err ? err : "");
    assert_int_equal(rc, 0);
    FILE *f = fopen(png, "rb");
    assert_non_null(f);
    unsigned char sig[8] = {0};
    assert_int_equal(fread(sig, 1, 8, f), 8);
    fclose(f);
    assert_memory_equal(sig, "\x89PNG\r\n\x1a\n", 8);
    free(err);
    err = NULL;
    const char *bad[] = {"--lesson", gbt_tmp("no-such-lesson.md"), NULL};
    rc = gbt_run(NULL, 0, NULL, NULL, &err, bad);
    printf("  missing: exit %d %s", rc, err ? err : "");
    assert_int_equal(rc, 2);
    assert_non_null(strstr(err, "no-such-lesson.md"));
    assert_true(strchr(err, '\n') == err + strlen(err) - 1); /* one line */
    free(err);
}

/* Every step of every bundled lesson fits the panel of a 1280x800 window
 * (in type down to 70% of the theme's), in the normal and the presenter theme. */
static void test_every_step_fits_the_panel(void **state) {
    (void)state;
    gb_player *p = gb_player_launcher();
    assert_non_null(p);
    gb_window *w = open_with(p);
    gb_app *app = gb_window_app(w);
    push_click(w, gb_player_toggle_button(p));
    assert_true(gb_player_shown(p));
    int steps = 0, over = 0, over_presenter = 0;
    for (int i = 0; i < gb_player_n_lessons(p); i++) {
        gb_player_pick(p, i);
        for (int k = 0; k < 3; k++) gb_window_step(w, 0);
        assert_non_null(gb_player_title(p));
        for (int s = 0; s < gb_player_n_steps(p); s++) {
            gb_player_go(p, s);
            for (int k = 0; k < 200 && gb_player_step(p) != s; k++) gb_window_step(w, 0);
            assert_int_equal(gb_player_step(p), s);
            steps++;
            if (gb_player_text_overflows(p)) printf("  lesson %d step %d: the text does not fit\n", i + 1, s + 1), over++;
            gb_app_set_presenter(app, true);
            if (gb_player_text_overflows(p)) printf("  presenter: lesson %d step %d: the text does not fit\n", i + 1, s + 1), over_presenter++;
            gb_app_set_presenter(app, false);
        }
    }
    printf("  %d steps: %d overflow at 1280x800, %d in presenter mode\n", steps, over, over_presenter);
    assert_true(steps >= 100);
    assert_int_equal(over, 0);
    assert_int_equal(over_presenter, 0);
    gb_window_close(w);
    gb_player_free(p);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    if (!gbv_use_fonts()) return 0;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_step_applied),
        cmocka_unit_test(test_keys_move_between_steps),
        cmocka_unit_test(test_buttons_and_exploring),
        cmocka_unit_test(test_missing_view_placeholder),
        cmocka_unit_test(test_picker),
        cmocka_unit_test(test_view_args),
        cmocka_unit_test(test_player_applies_sampling),
        cmocka_unit_test(test_highlight_and_image),
        cmocka_unit_test(test_start_screen_picker),
        cmocka_unit_test(test_lesson_option_opens_player),
        cmocka_unit_test(test_every_step_fits_the_panel),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    gb_text_shutdown();
    return rc;
}
