/* test_viz_images.c - image tests: small renders with the hermetic fonts
 * compared pixel by pixel (with a tolerance) against reviewed references in
 * tests/images/. Regenerate references after a deliberate change with
 *     GB_UPDATE_IMAGES=1 ./build/tests/test_viz_images
 * then LOOK at every changed PNG before committing it. */
#include "gbtest.h"
#include "gbviz.h"

#include <math.h>

#include "draw.h"
#include "render.h"
#include "text.h"
#include "ui.h"
#include "view.h"

typedef void (*paint_fn)(cairo_t *cr, int w, int h);

static cairo_surface_t *paint(int w, int h, paint_fn fn) {
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    cairo_t *cr = cairo_create(s);
    gb_set_rgb(cr, gb_theme_normal()->bg);
    cairo_paint(cr);
    fn(cr, w, h);
    assert_int_equal(cairo_status(cr), CAIRO_STATUS_SUCCESS);
    cairo_destroy(cr);
    return s;
}

/* ---- one feature per test ---- */

static void paint_heatmap(cairo_t *cr, int w, int h) {
    static const char *toks[5] = {"The", " cat", " sat", "\xE2\x96\x81on", "\xE4\xBD"}; /* last: half a character */
    char clean[5][32];
    const char *labels[5];
    for (int i = 0; i < 5; i++) {
        gb_text_sanitize(toks[i], strlen(toks[i]), clean[i], sizeof clean[i], GB_TEXT_SHOW_SPACE);
        labels[i] = clean[i];
    }
    float v[25];
    uint8_t mask[25];
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++) v[i * 5 + j] = j <= i ? 1.0f / (i + 1) : 0, mask[i * 5 + j] = j > i;
    gb_heatmap hm = {.values = v, .rows = 5, .cols = 5, .mask = mask, .row_labels = labels,
                     .col_labels = labels, .row_axis = "query", .col_axis = "key",
                     .legend = {GB_SCALE_VIRIDIS, 0, 1, "attention"}, .show_legend = true,
                     .hover_row = 3, .hover_col = 1, .show_values = true, .square = true};
    const gb_theme *t = gb_theme_normal();
    gb_rect in = gb_draw_panel(cr, (gb_rect){8, 8, w - 16, h - 16}, "Causal attention", "masked cells hatched", t);
    gb_draw_heatmap(cr, in, &hm, t);
}

static void paint_plots(cairo_t *cr, int w, int h) {
    const gb_theme *t = gb_theme_normal();
    float y1[40], y2[40];
    for (int i = 0; i < 40; i++) y1[i] = (float)sin(i * 0.3), y2[i] = (float)cos(i * 0.3);
    gb_series s[2] = {{.y = y1, .n = 40, .label = "sin", .color = gb_palette(0)},
                      {.y = y2, .n = 40, .label = "cos", .color = gb_palette(5), .dashed = true}};
    gb_lineplot lp = {.series = s, .n_series = 2, .x_axis = "position", .y_axis = "value",
                      .cursor_x = 10, .legend = true};
    gb_rect r = {8, 8, w - 16, h - 16};
    gb_rect left = gb_rect_cut_left(&r, r.w / 2, 8);
    gb_draw_lineplot(cr, gb_draw_panel(cr, left, "Line plot", NULL, t), &lp, t);
    float p[4] = {0.52f, 0.21f, 0.15f, 0.12f}, ghost[4] = {0.40f, 0.25f, 0.20f, 0.15f};
    const char *labels[4] = {" mat", " floor", " chair", " bed"};
    gb_bars b = {.values = p, .ghost = ghost, .n = 4, .labels = labels, .value_axis = "probability",
                 .highlight = 0, .hover = -1};
    gb_draw_bars(cr, gb_draw_panel(cr, r, "Bars", NULL, t), &b, t);
}

static void paint_chips_scatter(cairo_t *cr, int w, int h) {
    const gb_theme *t = gb_theme_normal();
    gb_chip chips[5] = {{"Hello", 5, 15496, 0, false}, {" world", 6, 995, 1, true},
                        {"\n", 1, 198, 2, false}, {"\xF0\x9F", 2, 47249, 3, false}, {"!", 1, 0, 4, false}};
    gb_rect r = {8, 8, w - 16, h - 16};
    gb_rect top = gb_rect_cut_top(&r, 110, 8);
    gb_draw_chips(cr, gb_draw_panel(cr, top, "Token chips", NULL, t), chips, 5, t);
    float pts[18] = {1, 0, 0, 0, 1, 0, 0, 0, 1, 0.7f, 0.7f, 0, -0.5f, 0.2f, 0.8f, 0.3f, -0.8f, 0.4f};
    const char *labels[6] = {"king", "queen", "apple", "prince", "fruit", "car"};
    uint8_t lab[6] = {1, 1, 1, 1, 1, 1};
    gb_scatter3d sc = {.pts = pts, .n = 6, .labels = labels, .labelled = lab,
                       .cam = {.yaw = 0.6, .pitch = 0.35, .zoom = 1, .distance = 3},
                       .pick_a = 0, .pick_b = 1, .hover = -1};
    gb_draw_scatter3d(cr, gb_draw_panel(cr, r, "3D scatter", "angle between two picked points", t), &sc, t);
}

static gb_widget g_w[6];
static const char *const ITEMS[] = {"greedy", "top-k", "top-p"};

static void paint_widgets(cairo_t *cr, int w, int h) {
    const gb_theme *t = gb_theme_normal();
    gb_ui ui;
    gb_ui_init(&ui, t);
    gb_widget_button(&g_w[0], "Step");
    gb_widget_toggle(&g_w[1], "Average heads", true);
    gb_widget_slider(&g_w[2], "temperature", 0.8, 0, 2, 0.05, 2);
    gb_widget_dropdown(&g_w[3], "strategy", ITEMS, 3, 1);
    gb_widget_textbox(&g_w[4], "The cat sat", "prompt");
    gb_widget_list(&g_w[5], ITEMS, 3, 2);
    double y = 10, rh = gb_widget_height(t);
    for (int i = 0; i < 5; i++, y += rh + 6) {
        g_w[i].r = (gb_rect){10, y, w * 0.6, rh};
        gb_ui_add(&ui, &g_w[i]);
    }
    g_w[5].r = (gb_rect){w * 0.6 + 20, 10, w * 0.4 - 30, h - 20};
    gb_ui_add(&ui, &g_w[5]);
    ui.focus = 4;
    gb_textbuf_move(&g_w[4].text, -1, true, true); /* select "sat" */
    gb_ui_draw(cr, &ui);
    for (int i = 0; i < 6; i++) gb_widget_free(&g_w[i]);
}

static void test_heatmap_image(void **state) {
    (void)state;
    cairo_surface_t *s = paint(360, 260, paint_heatmap);
    gbv_check_image(s, "heatmap", GBV_TOLERANCE, GBV_MAX_BAD_FRAC);
    cairo_surface_destroy(s);
}

static void test_plots_image(void **state) {
    (void)state;
    cairo_surface_t *s = paint(560, 220, paint_plots);
    gbv_check_image(s, "plots", GBV_TOLERANCE, GBV_MAX_BAD_FRAC);
    cairo_surface_destroy(s);
}

static void test_chips_scatter_image(void **state) {
    (void)state;
    cairo_surface_t *s = paint(420, 380, paint_chips_scatter);
    gbv_check_image(s, "chips_scatter", GBV_TOLERANCE, GBV_MAX_BAD_FRAC);
    cairo_surface_destroy(s);
}

static void test_widgets_image(void **state) {
    (void)state;
    cairo_surface_t *s = paint(420, 200, paint_widgets);
    gbv_check_image(s, "widgets", GBV_TOLERANCE, GBV_MAX_BAD_FRAC);
    cairo_surface_destroy(s);
}

/* The positions view through the renderer, both themes. */
static void render_positions(bool presenter, const char *name, int w, int h) {
    const gb_view *v = gb_view_find("positions");
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.dim = 16, a.length = 12;
    gb_shared sh = {.theme = gb_theme_get(presenter), .presenter = presenter};
    void *self = gbv_view_open(v, &a, &sh);
    cairo_surface_t *img = gbv_render(v, self, &sh, w, h);
    gbv_check_image(img, name, GBV_TOLERANCE, GBV_MAX_BAD_FRAC);
    cairo_surface_destroy(img);
    v->destroy(self);
}

static void test_positions_view_image(void **state) {
    (void)state;
    render_positions(false, "positions", 640, 400);
}

static void test_positions_presenter_image(void **state) {
    (void)state;
    render_positions(true, "positions_presenter", 960, 600);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    if (!gbv_use_fonts()) return 0;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heatmap_image),
        cmocka_unit_test(test_plots_image),
        cmocka_unit_test(test_chips_scatter_image),
        cmocka_unit_test(test_widgets_image),
        cmocka_unit_test(test_positions_view_image),
        cmocka_unit_test(test_positions_presenter_image),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    gb_text_shutdown();
    return rc;
}
