/* test_viz_highlight.c - `--highlight WORDS` (a lesson's @highlight) in every
 * view that shows tokens: the word matching (highlight.h); each view reports
 * the items it marks (distribution, generation and compare: the bars' token
 * ids; tokenization, positions, translation, classification: token
 * positions); a render with --highlight differs from one without only in the
 * expected region; `glassbox render --highlight`; and the lesson player hands a
 * step's @highlight to the views. */
#include "gbtest.h"
#include "gbviz.h"

#include <string.h>
#include <sys/stat.h>

#include "app.h"
#include "glassbox/model.h"
#include "highlight.h"
#include "lesson_player.h"
#include "render.h"
#include "text.h"
#include "view.h"
#include "view_distribution.h"
#include "view_distribution_view.h"

#define PROMPT "the teacher taught the"

static gb_model *g_model;

typedef struct shown {
    const gb_view *v;
    void *self;
    gb_shared sh;
} shown;

static shown open_args(const char *name, const gb_view_args *a, const gb_model *m) {
    shown s = {.v = gb_view_find(name)};
    assert_non_null(s.v);
    gb_error err = {0};
    s.self = s.v->create(a, &err);
    if (!s.self) fail_msg("create %s: %s", name, err.msg);
    s.sh = (gb_shared){.theme = gb_theme_normal(), .model = m, .model_name = m ? "classroom" : NULL, .prompt = a->prompt};
    gbt_assert_ok(gb_view_settle(s.v, s.self, &s.sh, &err), &err);
    return s;
}

static shown open_view(const char *name, const char *prompt, const char *highlight, const gb_model *m) {
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.prompt = prompt;
    a.highlight = highlight;
    return open_args(name, &a, m);
}

static void close_view(shown *s) { s->v->destroy(s->self); }

static int marks(const shown *s, int *out, int cap) {
    assert_non_null(s->v->highlighted);
    return s->v->highlighted(s->self, out, cap);
}

/* ---- matching ---- */

static void test_match(void **state) {
    (void)state;
    gb_hl h;
    gb_hl_parse(&h, " cat, Sat,,dog ");
    assert_int_equal(h.n, 3);
    assert_string_equal(h.word[1], "Sat");
    assert_int_equal(gb_hl_match(&h, "\xE2\x90\xA3" "Cat", 6), 0);  /* visible space, any case */
    assert_int_equal(gb_hl_match(&h, "\xC4\xA0sat", 5), 1);         /* GPT-2's space mark */
    assert_int_equal(gb_hl_match(&h, "\xE2\x96\x81" "dog ", 7), 2); /* SentencePiece's */
    assert_int_equal(gb_hl_match(&h, "cats", 4), -1);
    assert_int_equal(gb_hl_match(&h, "", 0), -1);
    gb_hl_parse(&h, NULL);
    assert_int_equal(h.n, 0);

    bool mk[8];
    gb_hl_parse(&h, "glassbox it");
    const char *bpe[] = {"Glass", "box", "\xE2\x90\xA3shows", "\xE2\x90\xA3it", "\xE2\x90\xA3it", "em"};
    assert_int_equal(gb_hl_mark(&h, bpe, 6, mk), 3);
    assert_true(mk[0] && mk[1] && mk[3]);
    assert_false(mk[2] || mk[4] || mk[5]); /* "it" of "item" is not the word "it" */
    const char *words[] = {"the", "cat", "sat"};   /* a word-level tokenizer shows no spaces */
    gb_hl_parse(&h, "cat");
    assert_int_equal(gb_hl_mark(&h, words, 3, mk), 1);
    assert_true(mk[1]);

    bool tm[32];
    const char *text = "the cat catches cat.";
    assert_int_equal(gb_hl_text_mask(&h, text, strlen(text), tm), 2);
    assert_true(gb_hl_in_mask(tm, strlen(text), 3, 4));   /* " cat" */
    assert_false(gb_hl_in_mask(tm, strlen(text), 8, 7));  /* "catches" */
    assert_true(gb_hl_in_mask(tm, strlen(text), 16, 3));  /* "cat" before "." */
}

/* ---- the sampling views: bars ---- */

static void test_distribution(void **state) {
    (void)state;
    shown s = open_view("distribution", PROMPT, "students zebra", g_model);
    const gb_samp *p = &((const dist_view *)s.self)->p;
    int ids[8];
    assert_int_equal(marks(&s, ids, 8), 1);
    char lab[96];
    gb_samp_label(p, ids[0], lab, sizeof lab);
    assert_string_equal(lab, "students");
    /* the rank and p the panel prints for a word without a bar are the record's */
    assert_int_equal(gb_dist_hl_best(p, 0), ids[0]);
    assert_int_equal(gb_dist_hl_best(p, 1), -1); /* no token spells "zebra" */
    int top[4];
    gb_dist_top(&p->rec, top, 4);
    for (int r = 0; r < 4; r++) assert_int_equal(gb_dist_rank(&p->rec, top[r]), r);
    close_view(&s);

    s = open_view("distribution", PROMPT, NULL, g_model);
    assert_int_equal(marks(&s, ids, 8), 0);
    close_view(&s);
}

static void test_generation_and_compare(void **state) {
    (void)state;
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.prompt = PROMPT, a.highlight = "students", a.steps = 1; /* the shown decision: the first */
    shown s = open_args("generation", &a, g_model);
    int ids[16];
    int n = marks(&s, ids, 16);
    assert_int_equal(n, 1);
    int students = ids[0];
    close_view(&s);
    s = open_view("compare", PROMPT, "students", g_model);
    n = marks(&s, ids, 16);
    assert_int_equal(n, 4); /* every column shows the same first decision's top ten */
    for (int i = 0; i < n; i++) assert_int_equal(ids[i], students);
    close_view(&s);
}

/* ---- token views ---- */

static void test_tokenization(void **state) {
    (void)state;
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.prompt = "Glassbox shows the tokenizer at work";
    a.tokenizer = gbt_fixture("gpt2_bpe");
    a.highlight = "glassbox,work";
    shown s = {.v = gb_view_find("tokenization")};
    gb_error err = {0};
    s.self = s.v->create(&a, &err);
    if (!s.self) fail_msg("%s", err.msg);
    s.sh = (gb_shared){.theme = gb_theme_normal(), .prompt = a.prompt};
    gbt_assert_ok(gb_view_settle(s.v, s.self, &s.sh, &err), &err);
    int pos[8];
    assert_int_equal(marks(&s, pos, 8), 3); /* "Glass" "box" ... "␣work" */
    assert_int_equal(pos[0], 0);
    assert_int_equal(pos[1], 1);
    assert_int_equal(pos[2], 7);
    close_view(&s);
}

static void test_positions(void **state) {
    (void)state;
    const char *prompt = "the teacher taught the students";
    shown s = open_view("positions", prompt, "teacher", g_model);
    int pos[4], rows, cols, rows1, cols1;
    assert_int_equal(marks(&s, pos, 4), 1);
    assert_int_equal(pos[0], 1);
    /* the sum shown is token 1's, as --token 1 shows it */
    const float *sum = s.v->matrix(s.self, "sum", &rows, &cols);
    assert_non_null(sum);
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.prompt = prompt, a.token = 1;
    gb_error err = {0};
    void *one = s.v->create(&a, &err);
    assert_non_null(one);
    gbt_assert_ok(gb_view_settle(s.v, one, &s.sh, &err), &err);
    const float *ref = s.v->matrix(one, "sum", &rows1, &cols1);
    assert_non_null(ref);
    assert_int_equal(rows * cols, rows1 * cols1);
    gbt_assert_close(sum, ref, (size_t)(rows * cols), 0, "sum of token 1");
    s.v->destroy(one);
    close_view(&s);
    s = open_view("positions", prompt, NULL, g_model); /* without: the last token, nothing marked */
    assert_int_equal(marks(&s, pos, 4), 0);
    close_view(&s);
}

static void test_translation_and_classification(void **state) {
    (void)state;
    shown s = open_view("translation", "la grenouille avait faim .", "grenouille frog", NULL);
    int pos[8], rows, cols;
    s.v->matrix(s.self, "target", &rows, &cols);
    int n = marks(&s, pos, 8);
    assert_int_equal(n, 2);
    assert_int_equal(pos[0], 1);      /* French "grenouille" */
    assert_true(pos[1] > 5);          /* English "frog", after the 5 French tokens */
    close_view(&s);
    s = open_view("classification", "the book is not interesting .", "not", NULL);
    assert_int_equal(marks(&s, pos, 8), 1);
    assert_int_equal(pos[0], 4); /* <cls> the book is not */
    close_view(&s);
}

/* ---- renders: the difference lies in the expected region ---- */

typedef struct box {
    int x0, y0, x1, y1; /* pixels that differ; x1 < x0 when none */
} box;

static box diff_box(cairo_surface_t *a, cairo_surface_t *b) {
    box d = {1 << 30, 1 << 30, -1, -1};
    int w = cairo_image_surface_get_width(a), h = cairo_image_surface_get_height(a);
    int sa = cairo_image_surface_get_stride(a), sb = cairo_image_surface_get_stride(b);
    const unsigned char *pa = cairo_image_surface_get_data(a), *pb = cairo_image_surface_get_data(b);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (memcmp(pa + y * sa + 4 * x, pb + y * sb + 4 * x, 4) != 0) {
                if (x < d.x0) d.x0 = x;
                if (y < d.y0) d.y0 = y;
                if (x > d.x1) d.x1 = x;
                if (y > d.y1) d.y1 = y;
            }
    return d;
}

static cairo_surface_t *render(const char *view, const char *prompt, const char *hl, const gb_model *m, bool presenter) {
    shown s = open_view(view, prompt, hl, m);
    s.sh.theme = gb_theme_get(presenter), s.sh.presenter = presenter;
    if (s.v->layout) s.v->layout(s.self, 1280, 800, &s.sh);
    cairo_surface_t *img = gb_render_image(s.v, s.self, &s.sh, 1280, 800, 1);
    assert_non_null(img);
    close_view(&s);
    return img;
}

static box render_diff(const char *view, const char *prompt, const char *hl, const gb_model *m, bool presenter) {
    cairo_surface_t *a = render(view, prompt, NULL, m, presenter), *b = render(view, prompt, hl, m, presenter);
    box d = diff_box(a, b);
    cairo_surface_destroy(a);
    cairo_surface_destroy(b);
    print_message("%s %s%s: differs in x %d..%d, y %d..%d\n", view, hl, presenter ? " (presenter)" : "", d.x0, d.x1,
                  d.y0, d.y1);
    assert_true(d.x1 >= d.x0); /* something was marked */
    return d;
}

static void test_renders(void **state) {
    (void)state;
    for (int p = 0; p < 2; p++) {
        /* distribution: only the bars panel (the left 56%, above the stages) */
        box d = render_diff("distribution", PROMPT, "students", g_model, p);
        assert_true(d.x1 < 1280 * 0.56);
        assert_true(d.y1 < 800 * 0.8);
        /* a word without a bar: a line at the bottom of the bars panel */
        d = render_diff("distribution", PROMPT, "book", g_model, p);
        assert_true(d.x1 < 1280 * 0.56);
        /* positions: the chosen token changes, so the sum panel at the bottom (not the encoding) */
        d = render_diff("positions", "the teacher taught the students", "teacher", g_model, p);
        assert_true(d.y0 > 800 / 2);
        /* classification: the sentence strip and the attention bars, not the answer panels at the right */
        d = render_diff("classification", "the book is not interesting .", "not", NULL, p);
        assert_true(d.x1 < 1280 * 0.6);
    }
}

/* Reviewed references in tests/images/ (GB_UPDATE_IMAGES=1 rewrites them; look at every changed PNG). */
static void check_image(const gb_view_args *a, const char *view, const gb_model *m, bool presenter, const char *name) {
    shown s = open_args(view, a, m);
    s.sh.theme = gb_theme_get(presenter), s.sh.presenter = presenter;
    int w = presenter ? 1280 : 960, h = presenter ? 800 : 600; /* presenter type needs the room of a projector */
    if (s.v->layout) s.v->layout(s.self, w, h, &s.sh);
    cairo_surface_t *img = gb_render_image(s.v, s.self, &s.sh, w, h, 1);
    assert_non_null(img);
    close_view(&s);
    gbv_check_image(img, name, GBV_TOLERANCE, GBV_MAX_BAD_FRAC);
    cairo_surface_destroy(img);
}

static void test_images(void **state) {
    (void)state;
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.prompt = PROMPT, a.highlight = "students book";
    check_image(&a, "distribution", g_model, true, "highlight_distribution_presenter");
    gb_view_args_defaults(&a);
    a.prompt = "Glassbox shows the tokenizer at work", a.tokenizer = gbt_fixture("gpt2_bpe"), a.highlight = "glassbox work";
    check_image(&a, "tokenization", NULL, false, "highlight_tokenization");
    gb_view_args_defaults(&a);
    a.prompt = "la grenouille avait faim .", a.highlight = "grenouille frog";
    check_image(&a, "translation", NULL, true, "highlight_translation_presenter");
}

/* ---- the command line ---- */

static void test_cli(void **state) {
    (void)state;
    const char *out = gbt_tmp("hl.png");
    remove(out);
    const char *args[] = {"render", "distribution", "--model", "classroom", "--prompt", PROMPT, "--highlight", "students",
                          "--size", "640x400", "--out", out, NULL};
    char *err = NULL;
    assert_int_equal(gbt_run(NULL, 0, NULL, NULL, &err, args), 0);
    free(err);
    struct stat sb;
    assert_int_equal(stat(out, &sb), 0);
    char *help = NULL;
    const char *hargs[] = {"render", "--help", NULL};
    assert_int_equal(gbt_run(NULL, 0, &help, NULL, NULL, hargs), 0);
    assert_non_null(strstr(help, "--highlight"));
    free(help);
}

/* ---- the lesson player hands @highlight to the views ---- */

#define LESSON                                                                                     \
    "# Highlight\n\nIntro.\n\n"                                                                    \
    "## Bars\n@model classroom\n@view distribution\n@prompt the teacher taught the\n@highlight students\nLook.\n\n" \
    "## Chips\n@view tokenization\n@prompt the teacher taught the students\n@highlight teacher\nLook.\n\n"        \
    "## Plain\n@view tokenization\n@prompt the teacher taught the students\nNothing marked.\n"

static int current_marks(gb_window *w, int *out, int cap) {
    gb_app *a = gb_window_app(w);
    const gb_view *v = a->views[a->current];
    return v->highlighted ? v->highlighted(a->self[a->current], out, cap) : -1;
}

static void settle(gb_window *w) {
    for (int i = 0; i < 4; i++) gb_window_step(w, 0);
    assert_true(gb_window_idle(w, 60));
    for (int i = 0; i < 4; i++) gb_window_step(w, 0);
}

static void test_player(void **state) {
    (void)state;
    const char *path = gbt_tmp("highlight.md");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(LESSON, f);
    fclose(f);
    gb_error err = {0};
    gb_player *p = NULL;
    gbt_assert_ok(gb_player_open(&p, path, &err), &err);
    gb_view_args a;
    gb_view_args_defaults(&a);
    gb_shared base = {.theme = gb_theme_normal()};
    gb_window *w = NULL;
    gbt_assert_ok(gb_window_open(&w, &a, &base, &(gb_window_opts){1280, 800, "positions"}, &err), &err);
    gb_player_attach(p, gb_window_app(w));
    settle(w);
    int got[8];
    assert_int_equal(current_marks(w, got, 8), 1); /* the bar of "students" */
    gb_player_go(p, 1);
    settle(w);
    assert_int_equal(current_marks(w, got, 8), 1); /* the chip of "teacher" */
    assert_int_equal(got[0], 1);
    gb_player_go(p, 2); /* @highlight is the step's own: the next step marks nothing */
    settle(w);
    assert_int_equal(current_marks(w, got, 8), 0);
    gb_window_close(w);
    gb_player_free(p);

    /* the handout's helper: the words joined, and none when the step has none */
    gb_lesson_state st = {0};
    char w1[] = "cat", w2[] = "sat", buf[64];
    st.highlight[0] = w1, st.highlight[1] = w2, st.n_highlight = 2;
    gb_lesson_view_highlight(&st, &a, buf, sizeof buf);
    assert_string_equal(a.highlight, "cat sat");
    st.n_highlight = 0;
    gb_lesson_view_highlight(&st, &a, buf, sizeof buf);
    assert_null(a.highlight);
}

static int setup(void **state) {
    (void)state;
    gb_error err = {0};
    gbt_assert_ok(gb_model_load("classroom", &g_model, &err), &err);
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
    if (!gbv_use_fonts()) return 0;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_distribution),
        cmocka_unit_test(test_generation_and_compare),
        cmocka_unit_test(test_tokenization),
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_translation_and_classification),
        cmocka_unit_test(test_renders),
        cmocka_unit_test(test_images),
        cmocka_unit_test(test_cli),
        cmocka_unit_test(test_player),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    gb_text_shutdown();
    return rc;
}
