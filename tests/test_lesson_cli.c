/* test_lesson_cli.c - `glassbox lesson`: every lesson in lessons/ passes
 * --check against the bundled models (one run over the whole folder, so each
 * model loads once), every handout renders as a PDF with one page per step
 * plus a title page, and bad lessons give one message per problem with file
 * and line, exit 2, and no handout file. The handouts of the sampling
 * lessons (11-13) draw each step's distribution with that step's settings
 * (read back with pdftotext when poppler-utils is installed). */
#include "gbtest.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cairo.h>

#include "glassbox/lesson.h"
#include "glassbox/sampler.h"
#include "lesson_player.h"

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
                    "## Two\n@view attention\n@claim neighbors \"dragon\" includes \"king\"\n");
    const char *args[] = {"lesson", bad, "--check", NULL};
    char *out = NULL, *err = NULL;
    int rc = gbt_run(NULL, 0, &out, NULL, &err, args);
    printf("%s", err);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(err, "bad.md:6: claim failed: after 'the students read the' the most likely next word is 'book'"));
    assert_non_null(strstr(err, "bad.md:7: 'tired' is not in the prompt"));
    assert_non_null(strstr(err, "bad.md:10: 'dragon': a word the model 'classroom' does not know"));
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


/* The text of each page of a PDF (pdftotext; pages end with a form feed),
 * or NULL when pdftotext is not installed. */
static char *pdf_text(const char *pdf, int *n_pages, char **pages, int cap) {
    if (system("command -v pdftotext >/dev/null 2>&1") != 0) return NULL;
    const char *txt = gbt_tmp("handout.txt");
    char cmd[2400];
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 %s %s", pdf, txt);
    assert_int_equal(system(cmd), 0);
    FILE *f = fopen(txt, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = calloc(1, (size_t)n + 1);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *n_pages = 0;
    for (char *q = b; *q && *n_pages < cap;) {
        pages[(*n_pages)++] = q;
        char *ff = strchr(q, '\f');
        if (!ff) break;
        *ff = '\0';
        q = ff + 1;
    }
    return b;
}

/* Render a handout and split its text into pages; false (after saying so)
 * when pdftotext is missing. */
static bool handout_pages(const char *md, char **buf, char **pages, int *n) {
    const char *pdf = gbt_tmp("sampling.pdf");
    const char *args[] = {"lesson", md, "--handout", pdf, NULL};
    char *err = NULL;
    int rc = gbt_run(NULL, 0, NULL, NULL, &err, args);
    if (rc) printf("%s", err);
    free(err);
    assert_int_equal(rc, 0);
    *buf = pdf_text(pdf, n, pages, 64);
    if (!*buf) printf("  SKIPPED: pdftotext (poppler-utils) is not installed; the pages were not read back\n");
    return *buf != NULL;
}

static void assert_page_has(const char *page, const char *what, int step) {
    if (!strstr(page, what)) printf("  step %d: '%s' not on its page:\n%s\n", step + 1, what, page);
    assert_non_null(strstr(page, what));
}

/* Lessons 11-13: every step's page draws the distribution (or the generation
 * view) with the step's temperature, top-k, top-p and seed. */
static void test_sampling_handouts(void **state) {
    (void)state;
    int done = 0;
    for (int i = 0; i < N_LESSONS; i++) {
        const char *name = strrchr(LESSONS[i], '/') + 1;
        if (strncmp(name, "11-", 3) && strncmp(name, "12-", 3) && strncmp(name, "13-", 3)) continue;
        gb_error e = {0};
        gb_lesson *l = NULL;
        gbt_assert_ok(gb_lesson_load(LESSONS[i], &l, &e), &e);
        char *buf, *pages[64];
        int n = 0;
        if (!handout_pages(LESSONS[i], &buf, pages, &n)) {
            gb_lesson_free(l);
            skip();
        }
        assert_true(n >= l->n_steps + 1);
        for (int k = 0; k < l->n_steps; k++) {
            const gb_lesson_state *st = &l->steps[k].state;
            const char *page = pages[k + 1];
            bool gen = strcmp(st->view, "generation") == 0;
            assert_true(gen || strcmp(st->view, "distribution") == 0);
            assert_page_has(page, gen ? "Generation: the timeline" : "How the next token is chosen", k);
            char want[200], set[96], samp[160];
            assert_true(gb_lesson_sampling_text(st, samp, sizeof samp));
            snprintf(want, sizeof want, "sampling: %s", samp);
            assert_page_has(page, want, k); /* the header line */
            gb_sampler_settings ss = {st->temperature, st->top_k, st->top_p};
            gb_sampler_settings_describe(&ss, set, sizeof set);
            snprintf(want, sizeof want, "The stages (%s)", set);
            assert_page_has(page, want, k); /* what the view actually drew */
            snprintf(want, sizeof want, "seed %llu:", (unsigned long long)st->seed);
            assert_page_has(page, want, k);
            if (st->n_highlight == 0 || !gen) assert_page_has(page, gen ? "showing step 1" : "step 1 of at most", k);
        }
        printf("  %s: %d steps, each page with its settings\n", name, l->n_steps);
        done++;
        free(buf);
        gb_lesson_free(l);
    }
    assert_int_equal(done, 3);
    /* the page of lesson 12's top-k step, spelled out */
    char *buf, *pages[64];
    int n = 0;
    char path[1100];
    snprintf(path, sizeof path, "%s/lessons/12-sampling.md", GB_SOURCE_DIR);
    assert_true(handout_pages(path, &buf, pages, &n));
    assert_page_has(pages[4], "sampling: temperature 2, top-k 3, seed 1", 3);
    assert_page_has(pages[4], "The stages (T=2 top-k=3)", 3);
    /* "Without top-k" highlights "to": the generation view shows the step that drew it */
    assert_page_has(pages[5], "showing step 5", 4);
    assert_page_has(pages[5], "chosen: to", 4);
    free(buf);
}

/* @generate N: the distribution view draws the N-th choice, the generation
 * view generates N tokens; without it, generation runs to the end token. */
static void test_generate_on_handout(void **state) {
    (void)state;
    const char *md = gbt_tmp("gen.md");
    write_file(md, "# Generate\n"
                   "## Three\n@model classroom\n@view distribution\n@prompt there is a\n@sampling greedy\n@generate 3\nA.\n"
                   "## Two\n@view generation\n@generate 2\nB.\n"
                   "## To the end\nC.\n"
                   "## First choice\n@view distribution\nD.\n");
    char *buf, *pages[64];
    int n = 0;
    if (!handout_pages(md, &buf, pages, &n)) skip();
    assert_true(n >= 5);
    assert_page_has(pages[1], "step 3 of at most", 0);
    assert_page_has(pages[1], "there is a ball on the", 0); /* greedy: ball on the */
    assert_page_has(pages[1], "3 tokens generated", 0);
    assert_page_has(pages[2], "2 tokens on branch", 1);
    assert_page_has(pages[3], "6 tokens on branch", 2); /* ball on the table . </s> */
    assert_page_has(pages[4], "step 1 of at most", 3);
    free(buf);
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
        cmocka_unit_test(test_sampling_handouts),
        cmocka_unit_test(test_generate_on_handout),
        cmocka_unit_test(test_usage_errors),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    for (int i = 0; i < N_LESSONS; i++) free(LESSONS[i]);
    return r;
}
