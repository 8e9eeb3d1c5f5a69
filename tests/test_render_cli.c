/* test_render_cli.c - `glassbox render` end to end: PNG, SVG and PDF files
 * that are what they claim to be, the requested size, reproducible PDFs, and
 * one-line errors with exit status 2 and no file left behind. */
#include "gbtest.h"

#include <dirent.h>
#include <stdbool.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cairo.h>

static int render(const char *out, const char *size, char **err, const char *extra) {
    const char *args[12] = {"render", "positions", "--dim", "16", "--length", "12", "--out", out};
    int n = 8;
    if (size) args[n++] = "--size", args[n++] = size;
    if (extra) args[n++] = extra;
    args[n] = NULL;
    return gbt_run(NULL, 0, NULL, NULL, err, args);
}

static char *slurp(const char *path, size_t *len) {
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    char *buf = malloc(1 << 22);
    *len = fread(buf, 1, 1 << 22, fp);
    fclose(fp);
    return buf;
}

static bool exists(const char *p) {
    struct stat sb;
    return stat(p, &sb) == 0;
}

/* No temporary files left in the folder. */
static int stray_files(const char *dir) {
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) n += strstr(e->d_name, ".tmp-") != NULL;
    if (d) closedir(d);
    return n;
}

static void test_png_decodes_to_requested_size(void **state) {
    (void)state;
    const char *out = gbt_tmp("p.png");
    char *err = NULL;
    assert_int_equal(render(out, "320x200", &err, NULL), 0);
    assert_string_equal(err, "");
    free(err);
    cairo_surface_t *img = cairo_image_surface_create_from_png(out);
    assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    assert_int_equal(cairo_image_surface_get_width(img), 320);
    assert_int_equal(cairo_image_surface_get_height(img), 200);
    cairo_surface_destroy(img);
}

static void test_svg_and_pdf_signatures(void **state) {
    (void)state;
    const char *svg = gbt_tmp("p.svg"), *pdf = gbt_tmp("p.pdf"), *pdf2 = gbt_tmp("p2.pdf");
    assert_int_equal(render(svg, "400x300", NULL, NULL), 0);
    assert_int_equal(render(pdf, "400x300", NULL, NULL), 0);
    assert_int_equal(render(pdf2, "400x300", NULL, NULL), 0);
    size_t n1, n2, ns;
    char *a = slurp(pdf, &n1), *b = slurp(pdf2, &n2), *s = slurp(svg, &ns);
    assert_non_null(a), assert_non_null(b), assert_non_null(s);
    assert_memory_equal(a, "%PDF-", 5);
    assert_non_null(strstr(s, "<svg"));
    assert_non_null(strstr(s, "width=\"400"));
    /* a fixed creation date makes the PDF reproducible */
    assert_int_equal(n1, n2);
    assert_memory_equal(a, b, n1);
    free(a), free(b), free(s);
}

static void test_presenter_and_scale(void **state) {
    (void)state;
    const char *out = gbt_tmp("hidpi.png");
    const char *args[] = {"render", "positions", "--presenter", "--scale", "2", "--size", "300x200",
                          "--out", out, NULL};
    assert_int_equal(gbt_run(NULL, 0, NULL, NULL, NULL, args), 0);
    cairo_surface_t *img = cairo_image_surface_create_from_png(out);
    assert_int_equal(cairo_image_surface_get_width(img), 600);
    cairo_surface_destroy(img);
}

static void expect_bad(const char *const *args, const char *needle, const char *out) {
    char *err = NULL;
    int rc = gbt_run(NULL, 0, NULL, NULL, &err, args);
    printf("  -> %d: %s", rc, err);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(err, needle));
    assert_non_null(strstr(err, "glassbox: "));
    assert_int_equal(strchr(err, '\n') - err, (long)strlen(err) - 1); /* exactly one line */
    free(err);
    if (out) assert_false(exists(out));
}

static void test_bad_input(void **state) {
    (void)state;
    const char *out = gbt_tmp("bad.png");
    expect_bad((const char *[]){"render", "nosuchview", "--out", out, NULL}, "unknown view 'nosuchview'", out);
    expect_bad((const char *[]){"render", "positions", "--size", "0x10", "--out", out, NULL}, "--size", out);
    expect_bad((const char *[]){"render", "positions", "--size", "big", "--out", out, NULL}, "--size", out);
    expect_bad((const char *[]){"render", "positions", "--size", "99999x10", "--out", out, NULL}, "--size", out);
    expect_bad((const char *[]){"render", "positions", "--out", gbt_tmp("x.gif"), NULL}, ".png, .svg or .pdf",
               gbt_tmp("x.gif"));
    expect_bad((const char *[]){"render", "positions", "--dim", "7", "--out", out, NULL}, "odd", out);
    expect_bad((const char *[]){"render", "positions", NULL}, "--out", NULL);
    expect_bad((const char *[]){"render", NULL}, "which view", NULL);
    expect_bad((const char *[]){"render", "positions", "--out", "/nonexistent-dir/x.png", NULL}, "cannot write",
               "/nonexistent-dir/x.png");
    /* a read-only folder: refused, nothing left there */
    const char *ro = gbt_tmp("ro");
    mkdir(ro, 0555);
    chmod(ro, 0555);
    char path[1100];
    snprintf(path, sizeof path, "%s/x.pdf", ro);
    if (access(ro, W_OK) == 0) {
        printf("  (running as root: the read-only folder check is skipped)\n");
    } else {
        expect_bad((const char *[]){"render", "positions", "--out", path, NULL}, "cannot write", path);
        assert_int_equal(stray_files(ro), 0);
    }
    assert_int_equal(stray_files(gbt_tmpdir()), 0);
}

/* `glassbox view --screenshot` opens the real window (dummy driver) and reads it back. */
static void test_view_screenshot(void **state) {
    (void)state;
    const char *out = gbt_tmp("window.png");
    const char *args[] = {"view", "--size", "640x400", "--dim", "16", "--length", "12", "--screenshot", out, NULL};
    char *err = NULL;
    assert_int_equal(gbt_run(NULL, 0, NULL, NULL, &err, args), 0);
    free(err);
    cairo_surface_t *img = cairo_image_surface_create_from_png(out);
    assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    assert_int_equal(cairo_image_surface_get_width(img), 640);
    cairo_surface_destroy(img);
    expect_bad((const char *[]){"view", "--view", "nope", NULL}, "unknown view", NULL);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    char cache[1100];
    snprintf(cache, sizeof cache, "%s/cache", gbt_tmpdir());
    setenv("GLASSBOX_CACHE_DIR", cache, 1); /* hermetic fonts, cache inside the build tree */
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_decodes_to_requested_size),
        cmocka_unit_test(test_svg_and_pdf_signatures),
        cmocka_unit_test(test_presenter_and_scale),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_view_screenshot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
