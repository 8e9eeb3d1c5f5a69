/* cmd_lesson.c - `glassbox lesson FILE --check` and `--handout OUT.pdf`.
 *
 * --check parses the lesson and checks every claim against the bundled models,
 * printing one line per problem ("file:line: ..."); a view the viewer does not
 * have yet is a warning, not a failure. --handout prints a PDF: a title page,
 * then one page per step with the step's view rendered by the same code as
 * `glassbox render` (or a placeholder naming the missing view) beside its
 * narrative. Several FILEs may be given; each model is loaded once. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>

#include "cli.h"
#include "glassbox/lesson.h"
#include "glassbox/platform.h"
#include "lesson_player.h"
#include "render.h"
#include "text.h"
#include "view.h"
#include "view_model.h"

#define PAGE_W 842.0 /* A4 landscape, points */
#define PAGE_H 595.0
#define VIEW_W 1100
#define VIEW_H 860 /* taller than a window (the view fills the page beside the text), wide enough for side panels */

typedef struct check_out {
    int errors, warnings;
} check_out;

/* One line per problem: "glassbox: FILE:LINE: ..." (a lesson's text may hold
 * anything, but a message never spans lines). */
static void report(void *user, gb_lesson_severity sev, const char *msg) {
    check_out *o = user;
    fputs("glassbox: ", stderr);
    for (const char *p = msg; *p; p++) fputc(*p == '\n' || *p == '\r' ? ' ' : *p, stderr);
    fputc('\n', stderr);
    if (sev == GB_LESSON_WARNING) o->warnings++;
    else o->errors++;
}

/* Views named by steps that this build does not have: warnings. */
static void missing_views(const gb_lesson *l, check_out *o) {
    for (int i = 0; i < l->n_steps; i++) {
        const gb_lesson_state *s = &l->steps[i].state;
        if (!s->view || gb_view_find(s->view)) continue;
        if (i > 0 && l->steps[i - 1].state.view && strcmp(l->steps[i - 1].state.view, s->view) == 0) continue;
        char msg[512];
        snprintf(msg, sizeof msg, "%s:%d: warning: view '%s' is not in this build yet (the player shows a placeholder)",
                 l->path, s->view_line, s->view);
        report(o, GB_LESSON_WARNING, msg);
    }
}

/* ---- handout ---- */

/* A wrapped markup paragraph in (x, y, w, h): shrinks the type until it fits. */
static void text_box(cairo_t *cr, const char *md, const gb_lesson_state *st, double x, double y, double w, double h,
                     double size) {
    char *mk = st ? gb_lesson_markup_hl(md ? md : "", (const char *const *)st->highlight, st->n_highlight)
                  : gb_lesson_markup(md ? md : "");
    if (!mk) return;
    for (; size >= 7; size -= 0.5) {
        gb_font f = {.size = size};
        PangoLayout *pl = gb_text_layout(cr, &f, "");
        pango_layout_set_markup(pl, mk, -1);
        pango_layout_set_width(pl, (int)(w * PANGO_SCALE));
        pango_layout_set_wrap(pl, PANGO_WRAP_WORD_CHAR);
        int lw, lh;
        pango_layout_get_size(pl, &lw, &lh);
        if ((double)lh / PANGO_SCALE <= h || size <= 7.5) {
            cairo_move_to(cr, x, y);
            pango_cairo_show_layout(cr, pl);
            g_object_unref(pl);
            break;
        }
        g_object_unref(pl);
    }
    free(mk);
}

static void placeholder(cairo_t *cr, const char *view, double x, double y, double w, double h) {
    cairo_set_source_rgb(cr, 0.95, 0.95, 0.95);
    cairo_rectangle(cr, x, y, w, h);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
    char msg[200];
    if (view) snprintf(msg, sizeof msg, "This step uses the %s view, which this build of glassbox does not have yet.", view);
    else snprintf(msg, sizeof msg, "This step has no view: read the text, then try it in the viewer.");
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    gb_font f = {.size = 12};
    gb_text_draw_wrapped(cr, &f, msg, x + 20, y + h / 2 - 20, w - 40);
}

/* The step's view, laid out at VIEW_W x VIEW_H and scaled into the box. */
static gb_lesson_checker *WORDS; /* finds @select words in prompts, models cached */

/* A step's @image (PNG) scaled into the box; false if it cannot be read. */
static bool draw_image(cairo_t *cr, const char *path, double x, double y, double w, double h) {
    cairo_surface_t *img = cairo_image_surface_create_from_png(path);
    bool ok = cairo_surface_status(img) == CAIRO_STATUS_SUCCESS;
    if (ok) {
        double iw = cairo_image_surface_get_width(img), ih = cairo_image_surface_get_height(img);
        double sc = fmin(w / iw, h / ih);
        cairo_save(cr);
        cairo_translate(cr, x, y);
        cairo_scale(cr, sc, sc);
        cairo_set_source_surface(cr, img, 0, 0);
        cairo_paint(cr);
        cairo_restore(cr);
    }
    cairo_surface_destroy(img);
    return ok;
}

static void draw_view(cairo_t *cr, const gb_lesson_step *s, double x, double y, double w, double h) {
    const gb_view *v = s->state.view ? gb_view_find(s->state.view) : NULL;
    if (s->image && draw_image(cr, s->image, x, y, w, h)) return; /* a picture replaces the view */
    if (!v) {
        placeholder(cr, s->state.view, x, y, w, h);
        return;
    }
    gb_error err = {0};
    gb_view_args a;
    gb_view_args_defaults(&a);
    char *tok = NULL;
    gb_lesson_view_args(&s->state, &a, &tok);
    if (!WORDS) WORDS = gb_lesson_checker_new();
    char pick[64];
    gb_lesson_view_select(WORDS, &s->state, &a, pick, sizeof pick);
    char hl[256];
    gb_lesson_view_highlight(&s->state, &a, hl, sizeof hl);
    gb_view_model vm;
    if (gb_view_model_open(&vm, a.model, &err)) memset(&vm, 0, sizeof vm);
    gb_shared sh = {.theme = gb_theme_get(false), .interactive = false, .prompt = a.prompt};
    gb_view_model_share(&vm, &sh);
    if (err.status) sh.model_error = err.msg;
    void *self = v->create(&a, &err);
    if (self) gb_lesson_view_shown_step(v, self, &sh, &s->state);
    if (self && !gb_view_settle(v, self, &sh, &err)) {
        if (v->layout) v->layout(self, VIEW_W, VIEW_H, &sh);
        double sc = w / VIEW_W < h / VIEW_H ? w / VIEW_W : h / VIEW_H;
        cairo_save(cr);
        cairo_translate(cr, x, y);
        cairo_scale(cr, sc, sc);
        cairo_rectangle(cr, 0, 0, VIEW_W, VIEW_H);
        cairo_clip(cr);
        v->draw(cr, VIEW_W, VIEW_H, self, &sh);
        cairo_restore(cr);
    } else {
        placeholder(cr, s->state.view, x, y, w, h);
    }
    if (self) v->destroy(self);
    gb_view_model_close(&vm);
    free(tok);
}

static void state_line(const gb_lesson_step *s, char *buf, size_t cap) {
    const gb_lesson_state *st = &s->state;
    char samp[160] = "";
    bool sampling = gb_lesson_sampling_text(st, samp, sizeof samp);
    /* a picture replaces the view on the page: name it instead */
    const char *pic = s->image ? strrchr(s->image, '/') : NULL;
    const char *shown = s->image ? (pic ? pic + 1 : s->image) : st->view;
    snprintf(buf, cap, "%s%s%s%s%s%s%s%s%s%s", st->model ? "model: " : "", st->model ? st->model : "",
             st->tokenizer ? "    tokenizer: " : "", st->tokenizer ? st->tokenizer : "",
             st->prompt ? "    prompt: " : "", st->prompt ? st->prompt : "", shown ? (s->image ? "    picture: " : "    view: ") : "",
             shown ? shown : "", sampling && !s->image ? "    sampling: " : "", s->image ? "" : samp);
}

static void page_step(cairo_t *cr, const gb_lesson *l, int i) {
    const gb_lesson_step *s = &l->steps[i];
    char head[600], info[800];
    char title[500];
    gb_lesson_plain(s->title, title, sizeof title);
    snprintf(head, sizeof head, "%d. %s", i + 1, title);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    gb_text_draw(cr, &(gb_font){.size = 18, .bold = true}, head, 30, 28, GB_LEFT, GB_TOP, PAGE_W - 60);
    state_line(s, info, sizeof info);
    cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
    gb_text_draw(cr, &(gb_font){.size = 9}, info, 30, 56, GB_LEFT, GB_TOP, PAGE_W - 60);
    draw_view(cr, s, 30, 76, 528, 528.0 * VIEW_H / VIEW_W);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    double hy = gb_lesson_draw_highlights(cr, &s->state, s->text, 578, 76, PAGE_W - 608, 10.5);
    if (hy > 0) hy += 6;
    text_box(cr, s->text, &s->state, 578, 76 + hy, PAGE_W - 608, PAGE_H - 110 - hy, 10.5);
    char foot[400];
    snprintf(foot, sizeof foot, "%s  -  step %d of %d", l->title, i + 1, l->n_steps);
    cairo_set_source_rgb(cr, 0.5, 0.5, 0.5);
    gb_text_draw(cr, &(gb_font){.size = 8}, foot, PAGE_W / 2, PAGE_H - 18, GB_CENTER, GB_TOP, 0);
}

static void page_title(cairo_t *cr, const gb_lesson *l) {
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    gb_text_draw_wrapped(cr, &(gb_font){.size = 28, .bold = true}, l->title, 60, 120, PAGE_W - 120);
    text_box(cr, l->intro, NULL, 60, 200, PAGE_W - 120, 240, 13);
    char steps[4096] = "";
    size_t k = 0;
    for (int i = 0; i < l->n_steps && k + 200 < sizeof steps; i++) {
        char title[160];
        gb_lesson_plain(l->steps[i].title, title, sizeof title);
        k += (size_t)snprintf(steps + k, sizeof steps - k, "%d. %s\n", i + 1, title);
    }
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    gb_text_draw_wrapped(cr, &(gb_font){.size = 10}, steps, 60, 440, PAGE_W - 120);
}

static cairo_status_t write_fp(void *closure, const unsigned char *data, unsigned int len) {
    return fwrite(data, 1, len, (FILE *)closure) == len ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

static gb_status handout(const gb_lesson *l, const char *out, gb_error *err) {
    if (gb_render_fonts(err)) return err->status;
    gb_afile af;
    if (gb_afile_open(&af, out, err)) return err->status;
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(write_fp, af.fp, PAGE_W, PAGE_H);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, GB_PDF_DATE);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_MOD_DATE, GB_PDF_DATE);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, l->title);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "glassbox");
    cairo_t *cr = cairo_create(s);
    page_title(cr, l);
    cairo_show_page(cr);
    for (int i = 0; i < l->n_steps; i++) {
        page_step(cr, l, i);
        cairo_show_page(cr);
    }
    cairo_status_t cs = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(s);
    if (cs == CAIRO_STATUS_SUCCESS) cs = cairo_surface_status(s);
    cairo_surface_destroy(s);
    gb_lesson_checker_free(WORDS);
    WORDS = NULL;
    if (cs != CAIRO_STATUS_SUCCESS) {
        gb_afile_abort(&af);
        return gb_fail(err, GB_ERR_INTERNAL, "%s: %s", out, cairo_status_to_string(cs));
    }
    return gb_afile_commit(&af, err);
}

/* ---- the command ---- */

int gb_cmd_lesson(int argc, char **argv) {
    gb_error err = {0};
    bool check = false;
    const char *out = NULL;
    gb_opt opts[] = {
        {"--check", NULL, GB_OPT_FLAG, &check, 0, -1, "check the format and every claim against the models", false},
        {"--handout", NULL, GB_OPT_STR, &out, 0, -1, "OUT.pdf   print a handout (one FILE)", false},
    };
    const char *pos[64];
    int n_pos = 0;
    if (gb_parse_opts("lesson", argc, argv, opts, 2, pos, 64, &n_pos, &err)) return gb_cli_error(&err);
    if (n_pos < 1) {
        gb_fail(&err, GB_ERR_INPUT, "lesson: which lesson? (glassbox lesson FILE --check | --handout OUT.pdf)");
        return gb_cli_error(&err);
    }
    if (!check && !out) {
        gb_fail(&err, GB_ERR_INPUT, "lesson: say what to do: --check, --handout OUT.pdf (or open it with glassbox --lesson FILE)");
        return gb_cli_error(&err);
    }
    if (out && n_pos != 1) {
        gb_fail(&err, GB_ERR_INPUT, "lesson --handout: one lesson at a time");
        return gb_cli_error(&err);
    }
    gb_lesson_checker *ck = check ? gb_lesson_checker_new() : NULL;
    check_out co = {0};
    int status = 0;
    for (int i = 0; i < n_pos; i++) {
        gb_lesson *l;
        if (gb_lesson_load(pos[i], &l, &err)) {
            report(&co, GB_LESSON_ERROR, err.msg);
            status = 2;
            continue;
        }
        if (check) {
            int before = co.errors;
            gb_lesson_check(ck, l, report, &co);
            missing_views(l, &co);
            if (co.errors > before) status = 2;
        }
        if (out && !status && handout(l, out, &err)) status = gb_cli_error(&err);
        gb_lesson_free(l);
    }
    gb_lesson_checker_free(ck);
    if (check) {
        /* one problem is its own summary: a refusal stays one line */
        if (co.errors > 1) fprintf(stderr, "glassbox: lesson: %d problems\n", co.errors);
        else if (!co.errors) printf("ok: %d lesson%s, every claim holds (%d warning%s)\n", n_pos, n_pos == 1 ? "" : "s", co.warnings,
                    co.warnings == 1 ? "" : "s");
    }
    gb_text_shutdown();
    return status;
}
