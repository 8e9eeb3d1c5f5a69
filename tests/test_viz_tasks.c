/* test_viz_tasks.c - the translation and classification views: what they show
 * equals gb_translate_greedy / gb_classify; stepping, layer, head and average;
 * their bundled model when none (or one of another family) is open; small
 * renders compared with reviewed references in tests/images/ (hermetic
 * fonts; after a deliberate change: GB_UPDATE_IMAGES=1
 * ./build/tests/test_viz_tasks, then LOOK at the images); `glassbox render`
 * to PNG, SVG and PDF, and bad input refused with one line, exit 2, no file. */
#include "gbtest.h"
#include "gbviz.h"

#include <math.h>

#include "glassbox/model.h"
#include "glassbox/tasks.h"
#include "glassbox/tokenizer.h"
#include "render.h"
#include "text.h"
#include "view.h"

static gb_model *g_tr, *g_cls, *g_lm;
static gb_tokenizer *g_tr_tok, *g_cls_tok;
static const char *FROG = "la grenouille avait faim .";

typedef struct shown {
    const gb_view *v;
    void *self;
    gb_shared sh;
} shown;

static shown open_view(const char *name, const gb_view_args *a, const gb_model *m, const char *model_name,
                       bool presenter, bool interactive) {
    shown s = {.v = gb_view_find(name)};
    s.sh = (gb_shared){.theme = gb_theme_get(presenter), .presenter = presenter, .interactive = interactive,
                       .model = m, .model_name = model_name, .prompt = a->prompt};
    s.self = gbv_view_open(s.v, a, &s.sh);
    return s;
}

static const float *mat(const shown *s, const char *name, int *rows, int *cols) {
    const float *m = s->v->matrix(s->self, name, rows, cols);
    if (!m) fail_msg("the view has no matrix '%s'", name);
    return m;
}

static gb_view_args args_prompt(const char *prompt) {
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.prompt = prompt;
    return a;
}

static void translate_ref(const char *fr, gb_translation *t) {
    int *src = NULL, n = 0;
    gb_error err = {0};
    gbt_assert_ok(gb_tokenizer_encode(g_tr_tok, fr, strlen(fr), false, &src, &n, NULL, &err), &err);
    gbt_assert_ok(gb_translate_greedy(g_tr, src, n, gb_tokenizer_special(g_tr_tok, GB_SPECIAL_BOS),
                                      gb_tokenizer_special(g_tr_tok, GB_SPECIAL_EOS), g_tr->cfg.max_seq, 4, t, &err), &err);
    free(src);
}

/* The view's English tokens and alignment are gb_translate_greedy's, at every step. */
static void test_translation_matches_core(void **state) {
    (void)state;
    gb_translation t;
    translate_ref(FROG, &t);
    gb_view_args a = args_prompt(FROG);
    a.layer = 1, a.head = 0;
    shown s = open_view("translation", &a, g_tr, "classroom-translate", false, false);
    gb_error err = {0};
    gbt_assert_ok(s.v->check(s.self, &s.sh, &err), &err);
    int rows, cols;
    const float *ids = mat(&s, "target", &rows, &cols);
    assert_int_equal(cols, t.n_ids);
    for (int i = 0; i < cols; i++) assert_int_equal((int)ids[i], t.ids[i]);
    const float *cross = mat(&s, "cross", &rows, &cols);
    assert_int_equal(rows, t.n_steps);
    assert_int_equal(cols, t.n_src);
    gbt_assert_close(cross, gb_translation_cross(&t, 1, 0), (size_t)rows * cols, 0, "view cross = core cross (layer 1, head 0)");
    s.v->destroy(s.self);
    /* --upto 3: <s> and two words, two rows; the candidates of the step that wrote the newest */
    a.upto = 3;
    s = open_view("translation", &a, g_tr, "classroom-translate", false, false);
    mat(&s, "target", &rows, &cols);
    assert_int_equal(cols, 3);
    mat(&s, "cross", &rows, &cols);
    assert_int_equal(rows, 2);
    const float *cand = mat(&s, "candidates", &rows, &cols);
    gbt_assert_close(cand, t.top_p + 1 * t.top_k, (size_t)cols, 0, "candidates of step 2");
    s.v->destroy(s.self);
    gb_translation_free(&t);
}

/* --average shows the mean of the layer's heads. */
static void test_translation_average(void **state) {
    (void)state;
    gb_translation t;
    translate_ref(FROG, &t);
    gb_view_args a = args_prompt(FROG);
    a.layer = 0, a.average = true;
    shown s = open_view("translation", &a, g_tr, "classroom-translate", false, false);
    int rows, cols;
    const float *cross = mat(&s, "cross", &rows, &cols);
    float *want = calloc((size_t)rows * cols, sizeof *want);
    for (int h = 0; h < t.n_heads; h++)
        for (int i = 0; i < rows * cols; i++) want[i] += gb_translation_cross(&t, 0, h)[i] / t.n_heads;
    gbt_assert_close(cross, want, (size_t)rows * cols, 1e-6, "average of layer 0's heads");
    free(want);
    s.v->destroy(s.self);
    gb_translation_free(&t);
}

/* With no model, or a decoder open in the window, the views run their bundled models (the
 * translation its French example until the window's prompt changes); `render` (check) refuses
 * the model of the wrong family. */
static void test_bundled_fallback(void **state) {
    (void)state;
    gb_view_args a = args_prompt(FROG);
    shown s = open_view("translation", &a, NULL, NULL, false, false);
    gb_error err = {0};
    gbt_assert_ok(s.v->check(s.self, &s.sh, &err), &err);
    int rows, cols;
    mat(&s, "target", &rows, &cols);
    assert_int_equal(cols, 7); /* <s> the frog was hungry . </s> */
    s.v->destroy(s.self);
    /* the window's decoder and its English prompt: the French example, until a new prompt is typed */
    gb_view_args en = args_prompt("the teacher taught the students .");
    s = open_view("translation", &en, g_lm, "classroom", false, true);
    mat(&s, "target", &rows, &cols);
    assert_int_equal(cols, 15); /* <s> the horse did not cross the river because it was too deep . </s> */
    s.sh.prompt = FROG;
    gbt_assert_ok(gb_view_settle(s.v, s.self, &s.sh, &err), &err);
    mat(&s, "target", &rows, &cols);
    assert_int_equal(cols, 7);
    assert_int_equal(s.v->check(s.self, &s.sh, &err), GB_ERR_INPUT);
    printf("  %s\n", err.msg);
    assert_non_null(strstr(err.msg, "encoder-decoder"));
    s.v->destroy(s.self);
    gb_view_args c = args_prompt("the food was bad .");
    s = open_view("classification", &c, g_tr, "classroom-translate", false, true);
    const float *p = mat(&s, "probs", &rows, &cols);
    assert_int_equal(cols, 2);
    assert_true(p[0] > 0.9); /* negative */
    err = (gb_error){0};
    assert_int_equal(s.v->check(s.self, &s.sh, &err), GB_ERR_INPUT);
    printf("  %s\n", err.msg);
    s.v->destroy(s.self);
}

static void classify_ref(const char *text, gb_classification *c) {
    int *w = NULL, n = 0;
    gb_error err = {0};
    gbt_assert_ok(gb_tokenizer_encode(g_cls_tok, text, strlen(text), false, &w, &n, NULL, &err), &err);
    int *ids = malloc((size_t)(n + 1) * sizeof *ids);
    ids[0] = gb_tokenizer_special(g_cls_tok, GB_SPECIAL_CLS);
    memcpy(ids + 1, w, (size_t)n * sizeof *w);
    gbt_assert_ok(gb_classify(g_cls, ids, n + 1, c, &err), &err);
    free(ids), free(w);
}

/* Probabilities, the <cls> row and every head's row are gb_classify's; a negated
 * sentence gets the comparison without "not", a plain one does not. */
static void test_classification_matches_core(void **state) {
    (void)state;
    gb_classification c, plain;
    classify_ref("the song is not very good .", &c);
    classify_ref("the song is very good .", &plain);
    gb_view_args a = args_prompt("the song is not very good .");
    a.layer = 1, a.head = 3;
    shown s = open_view("classification", &a, g_cls, "classroom-sentiment", false, false);
    gb_error err = {0};
    gbt_assert_ok(s.v->check(s.self, &s.sh, &err), &err);
    int rows, cols;
    gbt_assert_close(mat(&s, "probs", &rows, &cols), c.probs, 2, 0, "class probabilities");
    gbt_assert_close(mat(&s, "plain", &rows, &cols), plain.probs, 2, 0, "without the negation");
    assert_true(c.best == 0 && plain.best == 1); /* negative, then positive */
    const float *row = mat(&s, "cls", &rows, &cols);
    assert_int_equal(cols, c.n);
    gbt_assert_close(row, gb_classification_cls(&c, 1, 3), (size_t)c.n, 0, "<cls> row, layer 1 head 3");
    const float *grid = mat(&s, "grid", &rows, &cols);
    assert_int_equal(rows, c.n_layers * c.n_heads);
    gbt_assert_close(grid, c.cls_attn, (size_t)rows * cols, 0, "every head's <cls> row");
    s.v->destroy(s.self);
    gb_view_args b = args_prompt("the song is very good .");
    s = open_view("classification", &b, g_cls, "classroom-sentiment", false, false);
    assert_null(s.v->matrix(s.self, "plain", &rows, &cols));
    s.v->destroy(s.self);
    gb_classification_free(&c), gb_classification_free(&plain);
}

/* A lesson's "@select horse cheval" becomes the cell of the row writing "horse" and the column of "cheval". */
static void test_lesson_select(void **state) {
    (void)state;
    const char *p = "le cheval n' a pas traversé la rivière parce qu' elle était trop profonde .";
    int q, k;
    gb_view_translation_select("classroom-translate", p, "horse", "cheval", &q, &k);
    assert_int_equal(q, 1), assert_int_equal(k, 1);
    gb_view_translation_select(NULL, p, "deep", "profonde", &q, &k);
    assert_int_equal(q, 11), assert_int_equal(k, 15);
    gb_view_translation_select(NULL, p, "dragon", "cheval", &q, &k); /* not in the translation */
    assert_int_equal(q, -1), assert_int_equal(k, -1);
    gb_view_translation_select("classroom", p, "horse", "cheval", &q, &k); /* not a translation model */
    assert_int_equal(q, -1);
}

/* Every size down to 1x1 draws without trouble, in both themes. */
static void test_tiny_sizes(void **state) {
    (void)state;
    const char *names[] = {"translation", "classification"};
    const gb_model *models[] = {g_tr, g_cls};
    static const int SIZES[][2] = {{1, 1}, {40, 30}, {200, 120}, {320, 900}};
    for (int k = 0; k < 2; k++)
        for (int p = 0; p < 2; p++) {
            gb_view_args a = args_prompt(k ? "the book is not interesting ." : FROG);
            shown s = open_view(names[k], &a, models[k], "m", p, p);
            for (size_t i = 0; i < sizeof SIZES / sizeof SIZES[0]; i++)
                cairo_surface_destroy(gbv_render(s.v, s.self, &s.sh, SIZES[i][0], SIZES[i][1]));
            s.v->destroy(s.self);
        }
}

/* ---- images ---- */

static void image(const char *view, const gb_view_args *a, const gb_model *m, const char *model_name, bool presenter,
                  const char *name, int w, int h) {
    shown s = open_view(view, a, m, model_name, presenter, false);
    gb_error err = {0};
    gbt_assert_ok(s.v->check(s.self, &s.sh, &err), &err);
    cairo_surface_t *img = gbv_render(s.v, s.self, &s.sh, w, h);
    gbv_check_image(img, name, GBV_TOLERANCE, GBV_MAX_BAD_FRAC);
    cairo_surface_destroy(img);
    s.v->destroy(s.self);
}

/* Step 4 of a translation: three words written, the rest of the matrix hatched; a chosen cell. */
static void test_image_translation_step(void **state) {
    (void)state;
    gb_view_args a = args_prompt("le cheval n' a pas traversé la rivière parce qu' elle était trop profonde .");
    a.upto = 4;
    a.query = 1, a.key = 1; /* writing "horse": "cheval", framed, and its lines alone */
    image("translation", &a, g_tr, "classroom-translate", false, "translation_step", 800, 500);
}

/* The whole translation, presenter theme, the average of layer 1's heads. */
static void test_image_translation_presenter(void **state) {
    (void)state;
    gb_view_args a = args_prompt(FROG);
    a.layer = 1, a.average = true;
    image("translation", &a, g_tr, "classroom-translate", true, "translation_presenter", 960, 600);
}

/* A negated sentence: the attention from <cls>, every head, the answer and the answer without "not". */
static void test_image_classification(void **state) {
    (void)state;
    gb_view_args a = args_prompt("the song is not very good .");
    image("classification", &a, g_cls, "classroom-sentiment", false, "classification", 800, 500);
}

/* ---- the command line ---- */

static void render_ok(const char *view, const char *model, const char *prompt, const char *ext, const char *magic) {
    char out[512];
    snprintf(out, sizeof out, "%s%s", gbt_tmp(view), ext);
    const char *args[] = {"render", view, "--model", model, "--prompt", prompt, "--size", "480x320", "--out", out, NULL};
    gbv_run_ok(args);
    gbv_assert_file_starts(out, magic);
}

static void test_render_formats(void **state) {
    (void)state;
    render_ok("translation", "classroom-translate", FROG, ".png", "\x89PNG");
    render_ok("translation", "classroom-translate", FROG, ".svg", "<?xml");
    render_ok("translation", "classroom-translate", FROG, ".pdf", "%PDF");
    render_ok("classification", "classroom-sentiment", "it was not a bad book .", ".png", "\x89PNG");
    render_ok("classification", "classroom-sentiment", "it was not a bad book .", ".svg", "<?xml");
    render_ok("classification", "classroom-sentiment", "it was not a bad book .", ".pdf", "%PDF");
}

static void render_bad(const char *const *extra, const char *want) {
    const char *out = gbt_tmp("bad.png"), *args[32];
    gbv_join_args(args, 32, (const char *[]){"render", "--out", out, NULL}, extra);
    gbv_expect_bad(args, want, out);
}

static void test_render_bad_input(void **state) {
    (void)state;
    static char longer[2048];
    for (int i = 0; i < 30; i++) strcat(longer, "la grenouille . ");
    render_bad((const char *[]){"translation", "--model", "classroom", NULL}, "needs an encoder-decoder model");
    render_bad((const char *[]){"translation", "--model", "classroom-sentiment", NULL}, "needs an encoder-decoder model");
    render_bad((const char *[]){"classification", "--model", "classroom-translate", NULL}, "classification head");
    render_bad((const char *[]){"translation", "--prompt", longer, NULL}, "reads at most 64 (its context)");
    render_bad((const char *[]){"classification", "--prompt", longer, NULL}, "reads at most 64 (its context)");
    render_bad((const char *[]){"translation", "--layer", "2", NULL}, "--layer: 2 is out of range");
    render_bad((const char *[]){"classification", "--head", "4", NULL}, "--head: 4 is out of range");
    render_bad((const char *[]){"translation", "--prompt", FROG, "--upto", "8", NULL}, "--upto: 8 is beyond the 7 English tokens");
    render_bad((const char *[]){"translation", "--prompt", FROG, "--query", "6", NULL}, "--query: 6 is beyond the 6 English words");
    render_bad((const char *[]){"translation", "--prompt", FROG, "--query", "1", "--key", "5", NULL}, "--key: 5 is beyond the 5 French");
}

static int setup(void **state) {
    (void)state;
    gb_error err = {0};
    if (gb_model_load("classroom-translate", &g_tr, &err) || gb_model_load("classroom-sentiment", &g_cls, &err) ||
        gb_model_load("classroom", &g_lm, &err) || gb_tokenizer_load(g_tr->tokenizer_ref, &g_tr_tok, &err) ||
        gb_tokenizer_load(g_cls->tokenizer_ref, &g_cls_tok, &err))
        fail_msg("%s", err.msg);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    gb_tokenizer_free(g_tr_tok), gb_tokenizer_free(g_cls_tok);
    gb_model_free(g_tr), gb_model_free(g_cls), gb_model_free(g_lm);
    return 0;
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    if (!gbv_use_fonts()) return 0;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_translation_matches_core),    cmocka_unit_test(test_translation_average),
        cmocka_unit_test(test_bundled_fallback),            cmocka_unit_test(test_classification_matches_core),
        cmocka_unit_test(test_lesson_select),
        cmocka_unit_test(test_tiny_sizes),                  cmocka_unit_test(test_image_translation_step),
        cmocka_unit_test(test_image_translation_presenter), cmocka_unit_test(test_image_classification),
        cmocka_unit_test(test_render_formats),              cmocka_unit_test(test_render_bad_input),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    gb_text_shutdown();
    return rc;
}
