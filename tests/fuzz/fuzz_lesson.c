/* fuzz_lesson: gb_lesson_parse on arbitrary text, as a lesson inside a
 * private lessons folder that holds two includable parts, a symlink to a file
 * outside it and a symlink to the folder above. Checks:
 *   - a refusal names the lesson (or an included file) and a line;
 *   - nothing outside the lessons folder is ever read: the outside file holds
 *     a marker that must never appear in a narrative, and @image paths stay
 *     inside the folder;
 *   - an accepted lesson is whole (title, at least one step, texts, numbers in
 *     their documented ranges) and its narrative converts to pango markup
 *     that pango accepts (gb_lesson_markup, used by the player and handout);
 *   - small accepted lessons are also run through gb_lesson_check (one
 *     checker for the process, so each bundled model loads once). */
#define _GNU_SOURCE /* memmem */
#include "fuzz_common.h"

#include <stdbool.h>

#include <errno.h>

#include <pango/pango.h>

#include "glassbox/lesson.h"
#include "glassbox/sampler.h"
#include "lesson_player.h"

#define SECRET "OUTSIDE-THE-LESSONS-FOLDER"

static char LESSONS[600], LESSON[700];
static gb_lesson_checker *CK;

static void put(const char *path, const char *text) {
    FILE *fp = fopen(path, "w");
    if (!fp || fputs(text, fp) < 0 || fclose(fp)) abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    char p[800];
    snprintf(LESSONS, sizeof LESSONS, "%s/lessons", fz_dir());
    mkdir(LESSONS, 0700);
    snprintf(p, sizeof p, "%s/parts", LESSONS);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/part.md", LESSONS);
    put(p, "Included *text*.\n@layer 1\n");
    snprintf(p, sizeof p, "%s/parts/deep.md", LESSONS);
    put(p, "Deeper text.\n@include parts/deep.md\n");
    snprintf(p, sizeof p, "%s/secret.md", fz_dir());
    put(p, SECRET "\n");
    char target[800];
    snprintf(p, sizeof p, "%s/escape.md", LESSONS);
    snprintf(target, sizeof target, "%s/secret.md", fz_dir());
    if (symlink(target, p) && errno != EEXIST) abort();
    snprintf(p, sizeof p, "%s/up", LESSONS);
    if (symlink(fz_dir(), p) && errno != EEXIST) abort();
    snprintf(LESSON, sizeof LESSON, "%s/fuzz.md", LESSONS);
    CK = gb_lesson_checker_new();
    return 0;
}

static void check_markup(const char *md) {
    char *mk = gb_lesson_markup(md ? md : "");
    if (!mk) return;
    GError *ge = NULL;
    if (!pango_parse_markup(mk, -1, 0, NULL, NULL, NULL, &ge)) {
        fprintf(stderr, "gb_lesson_markup made markup pango refuses (%s):\n%s\n", ge ? ge->message : "?", mk);
        abort();
    }
    free(mk);
}

static bool HAS_SECRET; /* the input itself holds the marker (the fuzzer learns it from strstr) */

static void check_text(const char *s) {
    if (!s) abort();
    if (!HAS_SECRET && strstr(s, SECRET)) {
        fprintf(stderr, "a lesson read a file outside its folder\n");
        abort();
    }
}

static int count_claims(const gb_lesson *l) {
    int n = 0;
    for (int i = 0; i < l->n_steps; i++) n += l->steps[i].n_claims;
    return n;
}

static void report(void *user, gb_lesson_severity sev, const char *msg) {
    (void)sev;
    gb_error e = {.status = GB_ERR_INPUT};
    snprintf(e.msg, sizeof e.msg, "%s", msg);
    fz_check_error(&e);
    ++*(int *)user;
}

static void check_lesson(const gb_lesson *l) {
    if (!l->title || l->n_steps < 1 || l->n_steps > GB_LESSON_MAX_STEPS) abort();
    check_text(l->intro);
    check_markup(l->intro);
    size_t dl = strlen(LESSONS);
    for (int i = 0; i < l->n_steps; i++) {
        const gb_lesson_step *s = &l->steps[i];
        const gb_lesson_state *st = &s->state;
        if (!s->title || s->line < 1) abort();
        check_text(s->text);
        check_markup(s->text);
        if (s->image && (strncmp(s->image, LESSONS, dl) != 0 || s->image[dl] != '/' || strstr(s->image, ".."))) abort();
        if (st->layer < -1 || st->layer > 63 || st->head < -1 || st->head > 255) abort();
        if (!(st->temperature >= 0 && st->temperature <= GB_TEMPERATURE_MAX) || !(st->top_p > 0 && st->top_p <= 1))
            abort();
        if (st->n_select > GB_LESSON_MAX_WORDS || st->n_highlight > GB_LESSON_MAX_WORDS) abort();
        if (st->generate < 0 || st->generate > 256 || s->n_claims > GB_LESSON_MAX_CLAIMS) abort();
        for (int k = 0; k < s->n_claims; k++)
            if (s->claims[k].k < 0 || s->claims[k].line < 1) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    gb_error err = {0};
    gb_lesson *l = NULL;
    HAS_SECRET = memmem(data, size, SECRET, strlen(SECRET)) != NULL;
    if (gb_lesson_parse(LESSON, (const char *)data, size, &l, &err) != GB_OK) {
        fz_check_error(&err);
        /* "<lesson or included file>:<line>: ..." */
        if (strncmp(err.msg, LESSONS, strlen(LESSONS)) != 0 || !strstr(err.msg, ".md:")) {
            fprintf(stderr, "refusal names no file and line: '%s'\n", err.msg);
            abort();
        }
        if (l) abort();
        return 0;
    }
    check_lesson(l);
    /* the checker runs models: only on small lessons, to keep the fuzzer fast */
    int problems = 0;
    if (count_claims(l) <= 4 && l->n_steps <= 8) gb_lesson_check(CK, l, report, &problems);
    gb_lesson_free(l);
    return 0;
}
