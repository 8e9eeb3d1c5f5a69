/* ui_draw.c - drawing the widgets of a gb_ui (read-only). */
#include <math.h>
#include <stdio.h>

#include "ui.h"
#include "ui_internal.h"

static void box(cairo_t *cr, gb_rect r, gb_rgb fill, gb_rgb edge, double lw, double rad) {
    gb_rounded_rect(cr, r, rad);
    gb_set_rgb(cr, fill);
    cairo_fill_preserve(cr);
    gb_set_rgb(cr, edge);
    cairo_set_line_width(cr, lw);
    cairo_stroke(cr);
}

static void focus_ring(cairo_t *cr, gb_rect r, const gb_theme *t) {
    gb_rounded_rect(cr, gb_rect_inset(r, -2), t->radius + 2);
    gb_set_rgb(cr, t->accent);
    cairo_set_line_width(cr, 2);
    cairo_stroke(cr);
}

static void draw_button(cairo_t *cr, const gb_widget *w, const gb_theme *t) {
    gb_rgb fill = w->pressed ? t->selection : w->hot ? t->widget_hot : t->widget;
    box(cr, w->r, fill, t->widget_edge, t->hairline, t->radius);
    gb_font fb = gb_font_body(t);
    gb_set_rgb(cr, w->disabled ? t->fg_dim : t->fg);
    gb_text_draw(cr, &fb, w->label, w->r.x + w->r.w / 2, w->r.y + w->r.h / 2, GB_CENTER, GB_MIDDLE,
                 w->r.w - 8);
}

static void draw_toggle(cairo_t *cr, const gb_widget *w, const gb_theme *t) {
    double h = fmin(w->r.h * 0.62, t->font * 1.3), sw = h * 1.8;
    gb_rect pill = {w->r.x + 2, w->r.y + (w->r.h - h) / 2, sw, h};
    box(cr, pill, w->on ? t->accent : t->widget, w->on ? t->accent : t->widget_edge, t->hairline, h / 2);
    double kx = w->on ? pill.x + sw - h / 2 : pill.x + h / 2;
    cairo_arc(cr, kx, pill.y + h / 2, h / 2 - 2.5, 0, 2 * GB_PI);
    gb_set_rgb(cr, w->on ? t->accent_fg : t->widget_edge);
    cairo_fill(cr);
    gb_font fb = gb_font_body(t);
    gb_set_rgb(cr, t->fg);
    gb_text_draw(cr, &fb, w->label, pill.x + sw + 8, w->r.y + w->r.h / 2, GB_LEFT, GB_MIDDLE,
                 w->r.w - sw - 12);
}

static void draw_slider(cairo_t *cr, const gb_widget *w, const gb_theme *t, bool focused) {
    gb_rect lr, tr, vr;
    gb_ui_slider_parts(w, t, &lr, &tr, &vr);
    gb_font fb = gb_font_body(t);
    /* a disabled slider (a setting the current choice does not use) is drawn
     * grey from end to end, so nobody reads its value as in force */
    gb_rgb ink = w->disabled ? t->fg_dim : t->fg, acc = w->disabled ? t->grid : t->accent;
    gb_set_rgb(cr, ink);
    if (w->label[0]) gb_text_draw(cr, &fb, w->label, lr.x, lr.y + lr.h / 2, GB_LEFT, GB_MIDDLE, lr.w);
    double cy = tr.y + tr.h / 2, kx = gb_ui_slider_x(w, tr);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_line_width(cr, 4);
    gb_set_rgb(cr, t->grid);
    cairo_move_to(cr, tr.x + 8, cy);
    cairo_line_to(cr, tr.x + tr.w - 8, cy);
    cairo_stroke(cr);
    gb_set_rgb(cr, w->disabled ? t->fg_dim : acc);
    cairo_move_to(cr, tr.x + 8, cy);
    cairo_line_to(cr, kx, cy);
    cairo_stroke(cr);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    cairo_arc(cr, kx, cy, fmin(8, tr.h / 2 - 1), 0, 2 * GB_PI);
    gb_set_rgb(cr, !w->disabled && (w->pressed || w->hot) ? acc : t->panel);
    cairo_fill_preserve(cr);
    gb_set_rgb(cr, w->disabled ? t->fg_dim : acc);
    cairo_set_line_width(cr, 2);
    cairo_stroke(cr);
    gb_rect vb = gb_rect_inset(vr, 2);
    box(cr, vb, w->editing ? t->panel : t->widget, w->editing ? t->accent : t->widget_edge,
        t->hairline, t->radius / 2);
    char b[64];
    const char *shown = b;
    if (w->editing) shown = w->text.s ? w->text.s : "";
    else snprintf(b, sizeof b, "%.*f", w->decimals, w->value);
    gb_set_rgb(cr, ink);
    gb_text_draw(cr, &fb, shown, vb.x + vb.w - 6, vb.y + vb.h / 2, GB_RIGHT, GB_MIDDLE, vb.w - 8);
    if (focused && !w->editing) focus_ring(cr, tr, t);
}

static void draw_dropdown(cairo_t *cr, const gb_widget *w, const gb_theme *t) {
    box(cr, w->r, w->hot || w->open ? t->widget_hot : t->widget, t->widget_edge, t->hairline, t->radius);
    gb_font fb = gb_font_body(t);
    char b[160];
    const char *item = w->selected >= 0 && w->selected < w->n_items ? w->items[w->selected] : "";
    if (w->label[0]) snprintf(b, sizeof b, "%s: %s", w->label, item);
    else snprintf(b, sizeof b, "%s", item);
    gb_set_rgb(cr, t->fg);
    gb_text_draw(cr, &fb, b, w->r.x + 8, w->r.y + w->r.h / 2, GB_LEFT, GB_MIDDLE, w->r.w - 30);
    double ax = w->r.x + w->r.w - 14, ay = w->r.y + w->r.h / 2;
    cairo_move_to(cr, ax - 5, ay - 2.5);
    cairo_line_to(cr, ax + 5, ay - 2.5);
    cairo_line_to(cr, ax, ay + 3.5);
    cairo_close_path(cr);
    cairo_fill(cr);
}

static void draw_textbox(cairo_t *cr, const gb_widget *w, const gb_theme *t, bool focused) {
    box(cr, w->r, t->panel, focused ? t->accent : t->widget_edge, focused ? 2 : t->hairline, t->radius);
    gb_font fb = gb_font_body(t);
    double x0 = w->r.x + t->pad * 0.6 - w->scroll_x, cy = w->r.y + w->r.h / 2;
    cairo_save(cr);
    cairo_rectangle(cr, w->r.x + 2, w->r.y + 2, w->r.w - 4, w->r.h - 4);
    cairo_clip(cr);
    const char *s = w->text.s ? w->text.s : "";
    if (!*s && !focused && w->placeholder[0]) {
        gb_set_rgb(cr, t->fg_dim);
        gb_text_draw(cr, &fb, w->placeholder, x0, cy, GB_LEFT, GB_MIDDLE, 0);
    }
    double th = t->font * 1.25;
    if (focused && gb_textbuf_has_selection(&w->text)) {
        size_t a = w->text.cursor < w->text.anchor ? w->text.cursor : w->text.anchor;
        size_t b = w->text.cursor < w->text.anchor ? w->text.anchor : w->text.cursor;
        double xa = gb_ui_text_x(w, t, a), xb = gb_ui_text_x(w, t, b);
        gb_set_rgb(cr, t->selection);
        cairo_rectangle(cr, x0 + xa, cy - th / 2, xb - xa, th);
        cairo_fill(cr);
    }
    gb_set_rgb(cr, t->fg);
    gb_text_draw(cr, &fb, s, x0, cy, GB_LEFT, GB_MIDDLE, 0);
    if (focused) {
        double cx = x0 + gb_ui_text_x(w, t, w->text.cursor);
        cairo_set_line_width(cr, 1.5);
        cairo_move_to(cr, round(cx) + 0.5, cy - th / 2);
        cairo_line_to(cr, round(cx) + 0.5, cy + th / 2);
        cairo_stroke(cr);
    }
    cairo_restore(cr);
}

static void draw_list(cairo_t *cr, const gb_widget *w, const gb_theme *t, bool focused) {
    box(cr, w->r, t->panel, focused ? t->accent : t->widget_edge, t->hairline, t->radius / 2);
    double rh = gb_ui_list_row_h(t);
    gb_font fb = gb_font_body(t);
    cairo_save(cr);
    cairo_rectangle(cr, w->r.x + 1, w->r.y + 1, w->r.w - 2, w->r.h - 2);
    cairo_clip(cr);
    int first = (int)floor(w->scroll);
    for (int i = first; i < w->n_items; i++) {
        double y = w->r.y + (i - w->scroll) * rh;
        if (y > w->r.y + w->r.h) break;
        if (i == w->selected) {
            gb_set_rgb(cr, t->selection);
            cairo_rectangle(cr, w->r.x, y, w->r.w, rh);
            cairo_fill(cr);
        }
        gb_set_rgb(cr, t->fg);
        gb_text_draw(cr, &fb, w->items[i], w->r.x + 8, y + rh / 2, GB_LEFT, GB_MIDDLE, w->r.w - 22);
    }
    double vis = w->r.h / rh;
    if (w->n_items > vis) { /* a scroll bar says there is more */
        double bh = w->r.h * vis / w->n_items, by = w->r.y + w->r.h * w->scroll / w->n_items;
        gb_rounded_rect(cr, (gb_rect){w->r.x + w->r.w - 7, by + 1, 5, bh - 2}, 2.5);
        gb_set_rgb(cr, t->widget_edge);
        cairo_fill(cr);
    }
    cairo_restore(cr);
}

void gb_ui_draw_overlays(cairo_t *cr, const gb_ui *ui) {
    const gb_theme *t = ui->theme;
    gb_font fb = gb_font_body(t);
    if (ui->open >= 0) {
        const gb_widget *d = ui->w[ui->open];
        for (int i = 0; i < d->n_items; i++) {
            gb_rect r = gb_ui_dropdown_item(d, t, i);
            bool hot = gb_rect_contains(r, ui->mouse_x, ui->mouse_y);
            gb_set_rgb(cr, i == d->selected ? t->selection : hot ? t->widget_hot : t->panel);
            cairo_rectangle(cr, r.x, r.y, r.w, r.h);
            cairo_fill(cr);
            gb_set_rgb(cr, t->fg);
            gb_text_draw(cr, &fb, d->items[i], r.x + 8, r.y + r.h / 2, GB_LEFT, GB_MIDDLE, r.w - 16);
        }
        if (d->n_items > 0) {
            gb_rect all = gb_ui_dropdown_item(d, t, 0);
            all.h *= d->n_items;
            cairo_rectangle(cr, all.x, all.y, all.w, all.h);
            gb_set_rgb(cr, t->widget_edge);
            cairo_set_line_width(cr, t->hairline);
            cairo_stroke(cr);
        }
    }
    if (ui->tooltip && ui->hot >= 0 && ui->w[ui->hot]->tooltip[0]) {
        gb_font fs = gb_font_small(t);
        const char *tip = ui->w[ui->hot]->tooltip;
        double w, h;
        gb_text_size(cr, &fs, tip, &w, &h);
        gb_rect r = {ui->mouse_x + 12, ui->mouse_y + 18, w + 14, h + 10};
        gb_rounded_rect(cr, r, 4);
        gb_set_rgba(cr, t->tooltip_bg, 0.94);
        cairo_fill(cr);
        gb_set_rgb(cr, t->tooltip_fg);
        gb_text_draw(cr, &fs, tip, r.x + 7, r.y + 5, GB_LEFT, GB_TOP, 0);
    }
}

void gb_ui_draw(cairo_t *cr, const gb_ui *ui) {
    const gb_theme *t = ui->theme;
    for (int i = 0; i < ui->n; i++) {
        const gb_widget *w = ui->w[i];
        if (w->hidden || w->r.w <= 0 || w->r.h <= 0) continue;
        bool focused = i == ui->focus;
        cairo_save(cr);
        switch (w->kind) {
        case GB_W_BUTTON: draw_button(cr, w, t); break;
        case GB_W_TOGGLE: draw_toggle(cr, w, t); break;
        case GB_W_SLIDER: draw_slider(cr, w, t, focused); break;
        case GB_W_DROPDOWN: draw_dropdown(cr, w, t); break;
        case GB_W_TEXTBOX: draw_textbox(cr, w, t, focused); break;
        case GB_W_LIST: draw_list(cr, w, t, focused); break;
        }
        if (focused && (w->kind == GB_W_BUTTON || w->kind == GB_W_TOGGLE || w->kind == GB_W_DROPDOWN))
            focus_ring(cr, w->r, t);
        cairo_restore(cr);
    }
    gb_ui_draw_overlays(cr, ui);
}
