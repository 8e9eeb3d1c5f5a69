/* test_viz_draw.c - colour scales, text handling, layout rules and widgets
 * driven by abstract events (no window). */
#include "gbtest.h"
#include "gbviz.h"

#include "glassbox/analysis.h"

#include <math.h>

#include "color.h"
#include "draw.h"
#include "text.h"
#include "ui.h"

/* Viridis gets lighter all the way (perceptually ordered). */
static void test_viridis_lightness_increases(void **state) {
    (void)state;
    double prev = -1, lab[3];
    for (int i = 0; i <= 100; i++) {
        gb_rgb_to_lab(gb_scale_color(GB_SCALE_VIRIDIS, i / 100.0), lab);
        assert_true(lab[0] > prev);
        prev = lab[0];
    }
    gb_rgb c0 = gb_scale_color(GB_SCALE_VIRIDIS, 0), c1 = gb_scale_color(GB_SCALE_VIRIDIS, 1);
    assert_int_equal((int)lround(c0.r * 255), 0x44); /* the published end points */
    assert_int_equal((int)lround(c1.g * 255), 0xE7);
}

/* The diverging scale is symmetric in lightness, neutral in the middle and
 * blue at the bottom, red at the top. */
static void test_diverging_symmetric_and_neutral(void **state) {
    (void)state;
    double a[3], b[3], mid[3];
    double worst = 0;
    for (int i = 0; i <= 50; i++) {
        gb_rgb_to_lab(gb_scale_color(GB_SCALE_DIVERGING, 0.5 - i / 100.0), a);
        gb_rgb_to_lab(gb_scale_color(GB_SCALE_DIVERGING, 0.5 + i / 100.0), b);
        worst = fmax(worst, fabs(a[0] - b[0]));
    }
    printf("  largest lightness asymmetry %.2f L*\n", worst);
    assert_true(worst < 3.0);
    gb_rgb_to_lab(gb_scale_color(GB_SCALE_DIVERGING, 0.5), mid);
    assert_true(mid[0] > 85 && fabs(mid[1]) < 3 && fabs(mid[2]) < 3);
    gb_rgb lo = gb_scale_color(GB_SCALE_DIVERGING, 0), hi = gb_scale_color(GB_SCALE_DIVERGING, 1);
    assert_true(lo.b > lo.r && hi.r > hi.b);
}

/* Invalid and partial UTF-8 and control bytes become visible escapes. */
static void test_sanitize_escapes(void **state) {
    (void)state;
    char out[64];
    gb_text_sanitize("a\xE4\xBD", 3, out, sizeof out, 0);
    assert_string_equal(out, "a\\xE4\\xBD");
    gb_text_sanitize("\n\t\x01", 3, out, sizeof out, 0);
    assert_string_equal(out, "\\n\\t\\x01");
    gb_text_sanitize(" \xC3\xA9", 3, out, sizeof out, GB_TEXT_SHOW_SPACE);
    assert_string_equal(out, "\xE2\x90\xA3\xC3\xA9");
    gb_text_sanitize("\xC0\x80", 2, out, sizeof out, 0); /* overlong NUL */
    assert_string_equal(out, "\\xC0\\x80");
    size_t n = gb_text_sanitize("\xE4\xBD\xA0\xE4\xBD\xA0", 6, out, 5, 0); /* truncates on a boundary */
    assert_int_equal(n, 3);
    assert_true(gb_utf8_valid(out, n));
}

/* Only DejaVu is visible once the hermetic setup is on, through fontconfig. */
static void test_hermetic_fonts_only_dejavu(void **state) {
    (void)state;
    assert_true(gb_text_hermetic());
    assert_true(gb_text_uses_fontconfig());
    char *fams = gb_text_font_families();
    assert_non_null(fams);
    int n = 0;
    for (char *line = strtok(fams, "\n"); line; line = strtok(NULL, "\n"), n++) {
        /* pango adds generic aliases (Sans, Serif, Monospace, ...) that map onto what is there */
        static const char *const generic[] = {"Sans", "Serif", "Monospace", "System-ui", "Cursive", "Fantasy", "Emoji"};
        bool ok = strncmp(line, "DejaVu", 6) == 0;
        for (size_t g = 0; g < sizeof generic / sizeof generic[0]; g++) ok |= strcmp(line, generic[g]) == 0;
        if (!ok) fail_msg("a non-DejaVu family is visible: %s", line);
    }
    printf("  %d font families visible, all DejaVu or generic aliases\n", n);
    assert_true(n >= 2);
    free(fams);
    /* asking for a family that exists outside the hermetic set still gets DejaVu */
    PangoContext *ctx = pango_font_map_create_context(pango_cairo_font_map_get_default());
    PangoFontDescription *want = pango_font_description_from_string("Nimbus Sans 12");
    PangoFont *font = pango_context_load_font(ctx, want);
    assert_non_null(font);
    PangoFontDescription *got = pango_font_describe(font);
    printf("  'Nimbus Sans' resolves to '%s'\n", pango_font_description_get_family(got));
    assert_true(strncmp(pango_font_description_get_family(got), "DejaVu", 6) == 0);
    pango_font_description_free(got);
    pango_font_description_free(want);
    g_object_unref(font);
    g_object_unref(ctx);
    double w1, w2;
    gb_font f = {.size = 20};
    gb_text_size(NULL, &f, "mmmm", &w1, NULL);
    gb_text_size(NULL, &f, "iiii", &w2, NULL);
    assert_true(w1 > w2 && w2 > 0);
}

static void test_nice_ticks(void **state) {
    (void)state;
    double t[16];
    int n = gb_nice_ticks(-1, 1, 5, t, 16);
    assert_int_equal(n, 5);
    assert_true(fabs(t[0] + 1) < 1e-12 && fabs(t[2]) < 1e-12 && fabs(t[4] - 1) < 1e-12);
    char b[32];
    gb_format_tick(0.25, 0.25, b, sizeof b);
    assert_string_equal(b, "0.25");
    gb_format_tick(-0.0, 0.5, b, sizeof b);
    assert_string_equal(b, "0.0");
}

/* Crowded axes thin their labels so that no two overlap. */
static void test_heatmap_labels_never_overlap(void **state) {
    (void)state;
    const gb_theme *t = gb_theme_normal();
    float v[200 * 200] = {0};
    gb_heatmap hm = {.values = v, .rows = 200, .cols = 200, .legend = {GB_SCALE_VIRIDIS, 0, 1, "x"}};
    gb_heatmap_geom g;
    gb_heatmap_layout(&hm, (gb_rect){0, 0, 400, 400}, t, &g);
    double wlab, hlab;
    gb_font fs = gb_font_small(t);
    gb_text_size(NULL, &fs, "199", &wlab, &hlab);
    printf("  200x200 cells of %.2f px: every %d-th row label, every %d-th column label\n", g.cw,
           g.row_step, g.col_step);
    assert_true(g.row_step * g.ch >= hlab);
    assert_true(g.col_step * g.cw >= wlab);
    int r, c;
    assert_true(gb_heatmap_hit(&g, &hm, g.cells.x + 1, g.cells.y + 1, &r, &c));
    assert_int_equal(r, 0);
    assert_false(gb_heatmap_hit(&g, &hm, g.cells.x - 2, g.cells.y + 1, &r, &c));
    /* word labels turn vertical when they do not fit side by side */
    const char *words[200];
    for (int i = 0; i < 200; i++) words[i] = "transformer";
    hm.col_labels = words;
    gb_heatmap_layout(&hm, (gb_rect){0, 0, 400, 400}, t, &g);
    assert_true(g.col_vertical);
    assert_true(g.col_step * g.cw >= hlab);
}

/* Editing goes by whole characters, never splitting UTF-8. */
static void test_textbuf_utf8_editing(void **state) {
    (void)state;
    gb_textbuf tb = {0};
    gb_textbuf_set(&tb, "h\xC3\xA9llo");
    gb_textbuf_home(&tb, false);
    gb_textbuf_move(&tb, 1, false, false);
    gb_textbuf_move(&tb, 1, false, true); /* select é */
    char *sel = gb_textbuf_selected(&tb);
    assert_string_equal(sel, "\xC3\xA9");
    free(sel);
    gb_textbuf_insert(&tb, "e");
    assert_string_equal(tb.s, "hello");
    gb_textbuf_end(&tb, false);
    gb_textbuf_insert(&tb, " w\xF0\x9F\x98\x80");
    gb_textbuf_erase(&tb, -1, false); /* the emoji goes as one */
    assert_string_equal(tb.s, "hello w");
    gb_textbuf_erase(&tb, -1, true);
    assert_string_equal(tb.s, "hello ");
    gb_textbuf_insert(&tb, "\xFF");
    assert_string_equal(tb.s, "hello \xEF\xBF\xBD");
    gb_textbuf_free(&tb);
}

static char g_clip[128];
static char *clip_get(void *u) { (void)u; return strdup(g_clip); }
static void clip_set(void *u, const char *s) { (void)u; snprintf(g_clip, sizeof g_clip, "%s", s); }

/* The text box: typing, selection, copy and paste through the host. */
static void test_textbox_events(void **state) {
    (void)state;
    gb_ui ui;
    gb_ui_init(&ui, gb_theme_normal());
    ui.host = (gb_ui_host){clip_get, clip_set, NULL};
    gb_widget tb = {0};
    gb_widget_textbox(&tb, "", "");
    tb.r = (gb_rect){10, 10, 300, 30};
    gb_ui_add(&ui, &tb);
    assert_true(gb_ui_event(&ui, &(gb_event){.type = GB_EV_MOUSE_DOWN, .x = 20, .y = 20, .button = 1}));
    gb_ui_event(&ui, &(gb_event){.type = GB_EV_MOUSE_UP, .x = 20, .y = 20, .button = 1});
    assert_true(gb_ui_wants_keyboard(&ui));
    gb_ui_event(&ui, &(gb_event){.type = GB_EV_TEXT, .text = "caf\xC3\xA9"});
    assert_true(tb.changed);
    assert_string_equal(tb.text.s, "caf\xC3\xA9");
    gb_ui_event(&ui, &(gb_event){.type = GB_EV_KEY, .key = GB_KEY_CHAR, .ch = 'a', .mods = GB_MOD_CTRL});
    gb_ui_event(&ui, &(gb_event){.type = GB_EV_KEY, .key = GB_KEY_CHAR, .ch = 'c', .mods = GB_MOD_CTRL});
    assert_string_equal(g_clip, "caf\xC3\xA9");
    gb_ui_event(&ui, &(gb_event){.type = GB_EV_KEY, .key = GB_KEY_END});
    snprintf(g_clip, sizeof g_clip, " au\nlait");
    gb_ui_event(&ui, &(gb_event){.type = GB_EV_KEY, .key = GB_KEY_CHAR, .ch = 'v', .mods = GB_MOD_CTRL});
    assert_string_equal(tb.text.s, "caf\xC3\xA9 au lait");
    /* a click elsewhere gives the keyboard back */
    assert_false(gb_ui_event(&ui, &(gb_event){.type = GB_EV_MOUSE_DOWN, .x = 500, .y = 500, .button = 1}));
    assert_false(gb_ui_wants_keyboard(&ui));
    gb_widget_free(&tb);
}

/* Slider: drag, keys, typed values (checked), snapping to the step. */
static void test_slider_events(void **state) {
    (void)state;
    gb_ui ui;
    gb_ui_init(&ui, gb_theme_normal());
    gb_widget s = {0};
    gb_widget_slider(&s, "k", 10, 0, 100, 1, 0);
    s.r = (gb_rect){0, 0, 400, 30};
    gb_ui_add(&ui, &s);
    gb_event down = {.type = GB_EV_MOUSE_DOWN, .x = 60, .y = 15, .button = 1};
    gb_ui_event(&ui, &down);
    double v0 = s.value;
    gb_ui_event(&ui, &(gb_event){.type = GB_EV_MOUSE_MOVE, .x = 250, .y = 15});
    gb_ui_event(&ui, &(gb_event){.type = GB_EV_MOUSE_UP, .x = 250, .y = 15});
    printf("  drag moved the value from %g to %g\n", v0, s.value);
    assert_true(s.value > v0 && s.changed);
    assert_true(s.value == floor(s.value));
    s.changed = false;
    gb_ui_event(&ui, &(gb_event){.type = GB_EV_KEY, .key = GB_KEY_HOME});
    assert_true(s.value == 0);
    gb_ui_event(&ui, &(gb_event){.type = GB_EV_KEY, .key = GB_KEY_ENTER}); /* type a value */
    assert_true(s.editing);
    gb_ui_event(&ui, &(gb_event){.type = GB_EV_TEXT, .text = "42.4"});
    gb_ui_event(&ui, &(gb_event){.type = GB_EV_KEY, .key = GB_KEY_ENTER});
    assert_true(s.value == 42);
    gb_ui_event(&ui, &(gb_event){.type = GB_EV_KEY, .key = GB_KEY_ENTER});
    gb_ui_event(&ui, &(gb_event){.type = GB_EV_TEXT, .text = "abc"});
    gb_ui_event(&ui, &(gb_event){.type = GB_EV_KEY, .key = GB_KEY_ENTER});
    assert_true(s.value == 42); /* nonsense is refused */
    gb_ui_event(&ui, &(gb_event){.type = GB_EV_KEY, .key = GB_KEY_ENTER});
    gb_ui_event(&ui, &(gb_event){.type = GB_EV_TEXT, .text = "1e9"});
    gb_ui_event(&ui, &(gb_event){.type = GB_EV_KEY, .key = GB_KEY_ENTER});
    assert_true(s.value == 100); /* clamped */
    gb_widget_free(&s);
}

/* Drop-down opens, picks with a click; list scrolls with the wheel; toggle and button. */
static void test_dropdown_list_toggle_button(void **state) {
    (void)state;
    static const char *const items[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"};
    gb_ui ui;
    gb_ui_init(&ui, gb_theme_normal());
    gb_widget dd = {0}, li = {0}, tg = {0}, bt = {0};
    gb_widget_dropdown(&dd, "x", items, 3, 0);
    gb_widget_list(&li, items, 10, 0);
    gb_widget_toggle(&tg, "t", false);
    gb_widget_button(&bt, "b");
    dd.r = (gb_rect){0, 0, 100, 28};
    li.r = (gb_rect){200, 0, 100, 60};
    tg.r = (gb_rect){0, 200, 100, 28};
    bt.r = (gb_rect){0, 240, 100, 28};
    gb_ui_add(&ui, &dd), gb_ui_add(&ui, &li), gb_ui_add(&ui, &tg), gb_ui_add(&ui, &bt);
    gb_ui_event(&ui, &(gb_event){.type = GB_EV_MOUSE_DOWN, .x = 50, .y = 10, .button = 1});
    assert_true(dd.open);
    double ih = gb_widget_height(gb_theme_normal());
    gb_ui_event(&ui, &(gb_event){.type = GB_EV_MOUSE_DOWN, .x = 50, .y = 28 + 2 + ih * 2.5, .button = 1});
    assert_false(dd.open);
    assert_int_equal(dd.selected, 2);
    gb_ui_event(&ui, &(gb_event){.type = GB_EV_WHEEL, .x = 250, .y = 30, .wheel = -1});
    assert_true(li.scroll > 0);
    gb_ui_event(&ui, &(gb_event){.type = GB_EV_MOUSE_DOWN, .x = 50, .y = 210, .button = 1});
    gb_ui_event(&ui, &(gb_event){.type = GB_EV_MOUSE_UP, .x = 50, .y = 210, .button = 1});
    assert_true(tg.on);
    gb_ui_event(&ui, &(gb_event){.type = GB_EV_MOUSE_DOWN, .x = 50, .y = 250, .button = 1});
    gb_ui_event(&ui, &(gb_event){.type = GB_EV_MOUSE_UP, .x = 50, .y = 250, .button = 1});
    assert_true(bt.clicked);
    /* tooltips appear after a pause over a widget */
    gb_widget_set_tooltip(&bt, "tip");
    gb_ui_event(&ui, &(gb_event){.type = GB_EV_MOUSE_MOVE, .x = 300, .y = 300});
    gb_ui_tick(&ui, 10.0);
    gb_ui_event(&ui, &(gb_event){.type = GB_EV_MOUSE_MOVE, .x = 50, .y = 250});
    assert_false(gb_ui_tick(&ui, 10.1));
    assert_true(gb_ui_tick(&ui, 11.0));
    assert_true(ui.tooltip);
    gb_widget_free(&dd), gb_widget_free(&li), gb_widget_free(&tg), gb_widget_free(&bt);
}

/* 3D: the camera matrix is a rotation, angles are right, picking finds the point. */
static void test_scatter_geometry(void **state) {
    (void)state;
    gb_camera cam = {.yaw = 0.7, .pitch = -0.4, .zoom = 1, .distance = 3};
    double m[9];
    gb_camera_matrix(&cam, m);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double dot = 0;
            for (int k = 0; k < 3; k++) dot += m[3 * i + k] * m[3 * j + k];
            assert_true(fabs(dot - (i == j)) < 1e-12);
        }
    float a[3] = {1, 0, 0}, b[3] = {1, 1, 0};
    assert_true(fabs(gb_angle_deg(a, b, 3) - 45) < 1e-9);
    float pts[6] = {1, 0, 0, 0, 1, 0};
    gb_scatter3d s = {.pts = pts, .n = 2, .cam = {.zoom = 1, .distance = 3}, .pick_a = -1, .pick_b = -1, .hover = -1};
    gb_rect r = {0, 0, 200, 200};
    double sx, sy, z, c[3] = {0, 0, 0};
    double p1[3] = {0, 1, 0};
    gb_camera_matrix(&s.cam, m);
    gb_project(&s.cam, m, c, 1, r, p1, &sx, &sy, &z);
    assert_true(sy < 100); /* up is up */
    assert_int_equal(gb_scatter3d_hit(&s, r, sx + 1, sy, 6), 1);
    assert_int_equal(gb_scatter3d_hit(&s, r, 5, 5, 6), -1);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    if (!gbv_use_fonts()) return 0;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_viridis_lightness_increases),
        cmocka_unit_test(test_diverging_symmetric_and_neutral),
        cmocka_unit_test(test_sanitize_escapes),
        cmocka_unit_test(test_hermetic_fonts_only_dejavu),
        cmocka_unit_test(test_nice_ticks),
        cmocka_unit_test(test_heatmap_labels_never_overlap),
        cmocka_unit_test(test_textbuf_utf8_editing),
        cmocka_unit_test(test_textbox_events),
        cmocka_unit_test(test_slider_events),
        cmocka_unit_test(test_dropdown_list_toggle_button),
        cmocka_unit_test(test_scatter_geometry),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    gb_text_shutdown();
    return rc;
}
