/* test_lesson_cli.c - `glassbox lesson`: every lesson in lessons/ passes
 * --check against the bundled models (one run over the whole folder, so each
 * model loads once), every handout renders as a PDF with one page per step
 * plus a title page, and bad lessons give one message per problem with file
 * and line, exit 2, and no handout file. */
#include "gbtest.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cairo.h>

#include "glassbox/lesson.h"

#define MAX_LESSONS 64

static char *LESSONS[MAX_LESSONS];
static int N_LESSONS;

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* lessons/NN-name.md, sorted. */
static void find_lessons(void) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/lessons", GB_SOURCE_DIR);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) && N_LESSONS < MAX_LESSONS) {
        size_t n = strlen(e->d_name);
        if (n > 6 && e->d_name[0] >= '0' && e->d_name[0] <= '9' && strcmp(e->d_name + n - 3, ".md") == 0) {
            char *p = malloc(strlen(dir) + n + 2);
            sprintf(p, "%s/%s", dir, e->d_name);
            LESSONS[N_LESSONS++] = p;
        }
    }
    closedir(d);
    qsort(LESSONS, (size_t)N_LESSONS, sizeof LESSONS[0], cmp_str);
}

static void test_every_lesson_checks(void **state) {
    (void)state;
    assert_true(N_LESSONS >= 8);
    const char *args[MAX_LESSONS + 4] = {"lesson", "--check"};
    for (int i = 0; i < N_LESSONS; i++) args[2 + i] = LESSONS[i];
    args[2 + N_LESSONS] = NULL;
    char *out = NULL, *err = NULL;
    int rc = gbt_run(NULL, 0, &out, NULL, &err, args);
    printf("  %d lessons: exit %d\n%s%s", N_LESSONS, rc, out ? out : "", err ? err : "");
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "every claim holds"));
    /* only warnings (views not in this build yet) may be printed */
    for (char *line = err; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        if (*line) assert_non_null(strstr(line, ": warning: view '"));
        line = nl ? nl + 1 : NULL;
    }
    free(out), free(err);
}

/* Is needle anywhere in the n bytes of b (which may hold NULs)? */
static int contains(const char *b, size_t n, const char *needle) {
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(b + i, needle, k) == 0) return 1;
    return 0;
}

/* Pages of a cairo PDF: "/Type /Page" objects, not "/Type /Pages". */
static int pdf_pages(const char *path, long *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    *size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)*size + 1);
    size_t got = fread(b, 1, (size_t)*size, f);
    fclose(f);
    b[got] = '\0';
    int pages = 0;
    if (got < 5 || memcmp(b, "%PDF-", 5) != 0 || !contains(b + got - 16, 16, "%%EOF")) pages = -2;
    for (size_t i = 0; pages >= 0 && i + 11 < got; i++)
        if (memcmp(b + i, "/Type /Page", 11) == 0 && b[i + 11] != 's') pages++;
    if (pages >= 0 && !contains(b, got, "/CreationDate (2024")) pages = -3; /* the fixed creation date */
    free(b);
    return pages;
}

static void test_every_handout_renders(void **state) {
    (void)state;
    for (int i = 0; i < N_LESSONS; i++) {
        gb_error e = {0};
        gb_lesson *l = NULL;
        gbt_assert_ok(gb_lesson_load(LESSONS[i], &l, &e), &e);
        const char *out = gbt_tmp("handout.pdf");
        const char *args[] = {"lesson", LESSONS[i], "--handout", out, NULL};
        char *err = NULL;
        int rc = gbt_run(NULL, 0, NULL, NULL, &err, args);
        long size = 0;
        int pages = pdf_pages(out, &size);
        printf("  %-28s %2d steps -> %2d pages, %ld bytes%s%s\n", strrchr(LESSONS[i], '/') + 1, l->n_steps, pages,
               size, rc ? "  " : "", rc ? err : "");
        assert_int_equal(rc, 0);
        assert_int_equal(pages, l->n_steps + 1);
        assert_true(l->n_steps >= 5 && l->n_steps <= 12);
        gb_lesson_free(l);
        free(err);
        remove(out);
    }
}

static void test_handout_is_deterministic(void **state) {
    (void)state;
    const char *a = gbt_tmp("a.pdf"), *b = gbt_tmp("b.pdf");
    const char *args1[] = {"lesson", LESSONS[0], "--handout", a, NULL};
    const char *args2[] = {"lesson", LESSONS[0], "--handout", b, NULL};
    assert_int_equal(gbt_run(NULL, 0, NULL, NULL, NULL, args1), 0);
    assert_int_equal(gbt_run(NULL, 0, NULL, NULL, NULL, args2), 0);
    char cmd[2200];
    snprintf(cmd, sizeof cmd, "cmp -s %s %s", a, b);
    assert_int_equal(system(cmd), 0);
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_failures_name_file_and_line(void **state) {
    (void)state;
    const char *bad = gbt_tmp("bad.md");
    write_file(bad, "# Bad\n\n## One\n@model classroom\n@prompt the students read the\n"
                    "@claim next \"the students read the\" top1 \"map\"\n"
                    "@claim attention layer=2 head=0 from=\"tired\" to=\"animal\" >= 0.5\n"
                    "Text.\n## Two\n@view attention\n@claim neighbors \"dragon\" includes \"king\"\nText.\n");
    const char *args[] = {"lesson", bad, "--check", NULL};
    char *out = NULL, *err = NULL;
    int rc = gbt_run(NULL, 0, &out, NULL, &err, args);
    printf("%s", err);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(err, "bad.md:6: claim failed: after 'the students read the' the most likely next word is 'book'"));
    assert_non_null(strstr(err, "bad.md:7: 'tired' is not in the prompt"));
    assert_non_null(strstr(err, "bad.md:11: 'dragon': a word the model 'classroom' does not know"));
    assert_non_null(strstr(err, "glassbox: lesson: 3 problems"));
    free(out), free(err);
    /* a handout of a lesson that does not parse: message, exit 2, no file */
    const char *broken = gbt_tmp("broken.md"), *pdf = gbt_tmp("broken.pdf");
    write_file(broken, "# Broken\n## S\n@frobnicate\n");
    const char *args2[] = {"lesson", broken, "--handout", pdf, NULL};
    rc = gbt_run(NULL, 0, NULL, NULL, &err, args2);
    printf("%s", err);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(err, "broken.md:3: unknown directive '@frobnicate'"));
    struct stat sb;
    assert_int_not_equal(stat(pdf, &sb), 0);
    free(err);
}

/* @image: the handout shows the picture in place of the view; a missing picture fails --check. */
static void test_image_on_handout(void **state) {
    (void)state;
    const char *png = gbt_tmp("pic.png"), *md = gbt_tmp("img.md"), *pdf = gbt_tmp("img.pdf");
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 40, 30);
    cairo_t *cr = cairo_create(img);
    cairo_set_source_rgb(cr, 0.2, 0.6, 0.3);
    cairo_paint(cr);
    cairo_destroy(cr);
    assert_int_equal(cairo_surface_write_to_png(img, png), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(img);
    write_file(md, "# Pictures\n## With a picture\n@image pic.png\nLook.\n## Missing\n@image nothing.png\n");
    const char *check[] = {"lesson", md, "--check", NULL};
    char *err = NULL;
    assert_int_equal(gbt_run(NULL, 0, NULL, NULL, &err, check), 2);
    printf("%s", err);
    assert_non_null(strstr(err, "img.md:6: @image"));
    assert_non_null(strstr(err, "nothing.png: no such file"));
    free(err);
    const char *args[] = {"lesson", md, "--handout", pdf, NULL};
    assert_int_equal(gbt_run(NULL, 0, NULL, NULL, NULL, args), 0);
    long size = 0;
    assert_int_equal(pdf_pages(pdf, &size), 3);
    FILE *f = fopen(pdf, "rb");
    char *b = malloc((size_t)size);
    assert_int_equal(fread(b, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    assert_true(contains(b, (size_t)size, "/Subtype /Image"));
    free(b);
}

static void test_usage_errors(void **state) {
    (void)state;
    const char *cases[][5] = {
        {"lesson", NULL},
        {"lesson", "x.md", NULL},
        {"lesson", "no-such-lesson.md", "--check", NULL},
        {"lesson", "a.md", "b.md", "--handout", NULL},
    };
    const char *want[] = {"which lesson?", "--check, --handout", "no-such-lesson.md", "--handout"};
    for (int i = 0; i < 4; i++) {
        char *err = NULL;
        int rc = gbt_run(NULL, 0, NULL, NULL, &err, cases[i]);
        printf("  exit %d: %s", rc, err);
        assert_int_equal(rc, 2);
        assert_non_null(strstr(err, want[i]));
        free(err);
    }
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    find_lessons();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_lesson_checks),
        cmocka_unit_test(test_every_handout_renders),
        cmocka_unit_test(test_handout_is_deterministic),
        cmocka_unit_test(test_failures_name_file_and_line),
        cmocka_unit_test(test_image_on_handout),
        cmocka_unit_test(test_usage_errors),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    for (int i = 0; i < N_LESSONS; i++) free(LESSONS[i]);
    return r;
}
