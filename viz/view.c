/* view.c - the table of views and helpers shared by them. */
#include "view.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const gb_view *const VIEWS[] = {
    &gb_view_tokenization,
    &gb_view_embeddings,
    &gb_view_positions,
    &gb_view_attention,
    &gb_view_lens,
    &gb_view_distribution, &gb_view_generation, &gb_view_compare,
    &gb_view_translation, &gb_view_classification,
    NULL,
};

const gb_view *const *gb_views(int *n) {
    int k = 0;
    while (VIEWS[k]) k++;
    *n = k;
    return VIEWS;
}

const gb_view *gb_view_find(const char *name) {
    for (int i = 0; VIEWS[i]; i++)
        if (strcmp(VIEWS[i]->name, name) == 0) return VIEWS[i];
    return NULL;
}

const char *gb_view_names(void) {
    static char buf[512];
    buf[0] = '\0';
    for (int i = 0; VIEWS[i]; i++) {
        if (i) strncat(buf, ", ", sizeof buf - strlen(buf) - 1);
        strncat(buf, VIEWS[i]->name, sizeof buf - strlen(buf) - 1);
    }
    return buf;
}

void gb_view_args_defaults(gb_view_args *a) {
    memset(a, 0, sizeof *a);
    a->dim = 64;
    a->length = 48;
    a->pair = 0;
    a->step = -1;
    a->token = -1;
    a->layer = a->head = a->query = a->key = a->position = -1;
    a->temperature = 1, a->top_p = 1, a->steps = -1, a->max_new = 32, a->at = -1;
}

gb_status gb_view_settle(const gb_view *v, void *self, const gb_shared *sh, gb_error *err) {
    if (!v->update) return GB_OK;
    for (int round = 0; round < 16; round++) {
        gb_job *job = v->update(self, sh);
        if (!job) return GB_OK;
        job->run(job);
        job->finish(job, self);
        job->free(job);
    }
    return gb_fail(err, GB_ERR_INTERNAL, "%s: the view kept asking for more work", v->name);
}

double gb_view_header_h(const gb_theme *t) { return t->font_big * 1.3 + t->font * 1.4 + t->gap; }

gb_rect gb_view_body(double w, double h, const gb_theme *t) {
    double top = t->gap + gb_view_header_h(t);
    return (gb_rect){t->gap, top, w - 2 * t->gap, h - t->gap - top};
}

gb_rect gb_view_header(cairo_t *cr, double w, double h, const char *title, const char *subtitle,
                       const gb_theme *t) {
    gb_rect r = {t->gap, t->gap, w - 2 * t->gap, h - 2 * t->gap};
    if (r.w < 1 || r.h < 1) return (gb_rect){0, 0, 0, 0};
    gb_font fb = gb_font_big(t), fs = gb_font_body(t);
    gb_set_rgb(cr, t->fg);
    gb_text_draw(cr, &fb, title, r.x, r.y, GB_LEFT, GB_TOP, r.w);
    if (subtitle && *subtitle) {
        gb_set_rgb(cr, t->fg_dim);
        gb_text_draw(cr, &fs, subtitle, r.x, r.y + t->font_big * 1.3, GB_LEFT, GB_TOP, r.w);
    }
    gb_rect_cut_top(&r, gb_view_header_h(t) - t->gap, t->gap);
    return r;
}

void gb_view_message(cairo_t *cr, gb_rect r, const char *msg, const gb_theme *t) {
    if (r.w < 10 || r.h < 10) return;
    gb_font fb = gb_font_title(t);
    fb.bold = false;
    gb_set_rgb(cr, t->fg_dim);
    cairo_save(cr);
    cairo_rectangle(cr, r.x, r.y, r.w, r.h);
    cairo_clip(cr);
    double tw = fmin(r.w - 2 * t->pad, 700);
    PangoLayout *lay = gb_text_layout(cr, &fb, msg);
    pango_layout_set_width(lay, (int)(tw * PANGO_SCALE));
    pango_layout_set_wrap(lay, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(lay, PANGO_ALIGN_CENTER);
    int lw, lh;
    pango_layout_get_pixel_size(lay, &lw, &lh);
    cairo_move_to(cr, r.x + (r.w - tw) / 2, r.y + (r.h - lh) / 2);
    pango_cairo_show_layout(cr, lay);
    g_object_unref(lay);
    cairo_restore(cr);
}
