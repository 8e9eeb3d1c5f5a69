/* test_viz_attention_images.c - image tests of the attention and lens views:
 * small renders with the hermetic fonts compared (with a tolerance) against
 * reviewed references in tests/images/. After a deliberate change:
 *     GB_UPDATE_IMAGES=1 ./build/tests/test_viz_attention_images
 * then LOOK at every changed PNG before committing it. */
#include "gbtest.h"
#include "gbviz.h"

#include "glassbox/model.h"
#include "render.h"
#include "text.h"
#include "view.h"

static gb_model *g_gpt2;
static const char *IDS = "5,17,42,99,3,250,7,11,300,12";

static void render(const char *view, const gb_view_args *a, const gb_model *m, const char *model_name, bool presenter,
                   const char *name, int w, int h) {
    const gb_view *v = gb_view_find(view);
    gb_shared sh = {.theme = gb_theme_get(presenter), .presenter = presenter, .model = m, .model_name = model_name};
    void *self = gbv_view_open(v, a, &sh);
    gb_error err = {0};
    gbt_assert_ok(v->check(self, &sh, &err), &err);
    cairo_surface_t *img = gbv_render(v, self, &sh, w, h);
    gbv_check_image(img, name, GBV_TOLERANCE, GBV_MAX_BAD_FRAC);
    cairo_surface_destroy(img);
    v->destroy(self);
}

static gb_view_args base(void) {
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.ids = IDS;
    return a;
}

static void test_grid(void **state) {
    (void)state;
    gb_view_args a = base();
    render("attention", &a, g_gpt2, "gpt2_tiny_random", false, "attention_grid", 720, 450);
}

static void test_head(void **state) {
    (void)state;
    gb_view_args a = base();
    a.layer = 1, a.head = 2, a.query = 6, a.key = 2;
    render("attention", &a, g_gpt2, "gpt2_tiny_random", false, "attention_head", 960, 600);
}

static void test_scores(void **state) {
    (void)state;
    gb_view_args a = base();
    a.layer = 0, a.head = 0, a.scores = true, a.upto = 7;
    render("attention", &a, g_gpt2, "gpt2_tiny_random", false, "attention_scores_step", 960, 600);
}

static void test_lines(void **state) {
    (void)state;
    gb_view_args a = base();
    a.layer = 1, a.head = 1, a.lines = true, a.query = 8;
    render("attention", &a, g_gpt2, "gpt2_tiny_random", false, "attention_lines", 960, 600);
}

static void test_intervention(void **state) {
    (void)state;
    gb_view_args a = base();
    a.layer = 1, a.head = 1, a.off = "0.1,0.3";
    render("attention", &a, g_gpt2, "gpt2_tiny_random", true, "attention_off_presenter", 1280, 800);
}

static void test_cross(void **state) {
    (void)state;
    gb_model *m = gbv_tiny_encdec();
    gb_view_args a = base();
    a.ids = "1,7,9,12,20";
    a.source_ids = "3,4,5,6,30,2,8";
    a.attn = "cross";
    a.layer = 1, a.head = 0;
    render("attention", &a, m, "random encoder-decoder", false, "attention_cross", 960, 600);
    gb_model_free(m);
}

static void test_lens(void **state) {
    (void)state;
    gb_view_args a = base();
    render("lens", &a, g_gpt2, "gpt2_tiny_random", false, "lens", 720, 450);
}

static int setup(void **state) {
    (void)state;
    gb_error err = {0};
    if (gb_model_load(gbt_fixture("gpt2_tiny_random"), &g_gpt2, &err)) fail_msg("%s", err.msg);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    gb_model_free(g_gpt2);
    return 0;
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    if (!gbv_use_fonts()) return 0;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid),
        cmocka_unit_test(test_head),
        cmocka_unit_test(test_scores),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_intervention),
        cmocka_unit_test(test_cross),
        cmocka_unit_test(test_lens),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    gb_text_shutdown();
    return rc;
}
