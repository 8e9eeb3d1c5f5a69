/* ui.c - widget state and events (see ui.h); drawing is in ui_draw.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "ui_internal.h"

/* ---- construction ---- */

static void widget_init(gb_widget *w, gb_widget_kind kind, const char *label) {
    gb_textbuf keep = w->text; /* a re-init keeps its buffer */
    memset(w, 0, sizeof *w);
    w->text = keep;
    w->kind = kind;
    snprintf(w->label, sizeof w->label, "%s", label ? label : "");
}

void gb_widget_button(gb_widget *w, const char *label) { widget_init(w, GB_W_BUTTON, label); }

void gb_widget_toggle(gb_widget *w, const char *label, bool on) {
    widget_init(w, GB_W_TOGGLE, label);
    w->on = on;
}

void gb_widget_slider(gb_widget *w, const char *label, double value, double min, double max,
                      double step, int decimals) {
    widget_init(w, GB_W_SLIDER, label);
    w->min = min, w->max = max, w->step = step, w->decimals = decimals;
    w->value = min;
    gb_slider_set(w, value);
    w->changed = false;
}

void gb_widget_dropdown(gb_widget *w, const char *label, const char *const *items, int n, int sel) {
    widget_init(w, GB_W_DROPDOWN, label);
    w->items = items, w->n_items = n, w->selected = sel;
}

void gb_widget_textbox(gb_widget *w, const char *text, const char *placeholder) {
    widget_init(w, GB_W_TEXTBOX, "");
    gb_textbuf_set(&w->text, text);
    gb_textbuf_end(&w->text, false);
    snprintf(w->placeholder, sizeof w->placeholder, "%s", placeholder ? placeholder : "");
}

void gb_widget_list(gb_widget *w, const char *const *items, int n, int sel) {
    widget_init(w, GB_W_LIST, "");
    w->items = items, w->n_items = n, w->selected = sel;
}

void gb_widget_free(gb_widget *w) { gb_textbuf_free(&w->text); }

void gb_widget_set_tooltip(gb_widget *w, const char *tip) {
    snprintf(w->tooltip, sizeof w->tooltip, "%s", tip ? tip : "");
}

bool gb_slider_set(gb_widget *w, double v) {
    if (!isfinite(v)) return false;
    if (w->step > 0) v = w->min + round((v - w->min) / w->step) * w->step;
    v = fmax(w->min, fmin(w->max, v));
    if (v == w->value) return false;
    w->value = v;
    w->changed = true;
    return true;
}

double gb_widget_height(const gb_theme *t) { return round(t->font * 2.1); }

/* ---- geometry shared with drawing ---- */

void gb_ui_slider_parts(const gb_widget *w, const gb_theme *t, gb_rect *label, gb_rect *track,
                        gb_rect *value) {
    gb_font fb = gb_font_body(t);
    double lw = 0, vw;
    if (w->label[0]) gb_text_size(NULL, &fb, w->label, &lw, NULL);
    char b[64];
    snprintf(b, sizeof b, "%.*f", w->decimals, fabs(w->max) > fabs(w->min) ? w->max : w->min);
    gb_text_size(NULL, &fb, b, &vw, NULL);
    gb_rect r = w->r;
    *label = gb_rect_cut_left(&r, lw > 0 ? lw + 8 : 0, 0);
    *value = gb_rect_cut_right(&r, vw + 16, 6);
    *track = r;
}

double gb_ui_slider_x(const gb_widget *w, gb_rect track) {
    double f = w->max > w->min ? (w->value - w->min) / (w->max - w->min) : 0;
    return track.x + 8 + f * fmax(0, track.w - 16);
}

gb_rect gb_ui_dropdown_item(const gb_widget *w, const gb_theme *t, int i) {
    double h = gb_widget_height(t);
    return (gb_rect){w->r.x, w->r.y + w->r.h + 2 + i * h, w->r.w, h};
}

double gb_ui_list_row_h(const gb_theme *t) { return round(t->font * 1.7); }

/* ---- text editing (text box and slider entry) ---- */

static size_t index_at_x(const gb_widget *w, const gb_theme *t, double x) {
    gb_font fb = gb_font_body(t);
    PangoLayout *lay = gb_text_layout(gb_text_measure_cr(), &fb, w->text.s ? w->text.s : "");
    double lx = x - (w->r.x + t->pad * 0.6) + w->scroll_x;
    int index = 0, trailing = 0;
    pango_layout_xy_to_index(lay, (int)(lx * PANGO_SCALE), 0, &index, &trailing);
    g_object_unref(lay);
    size_t i = (size_t)index;
    const char *s = w->text.s ? w->text.s : "";
    for (; trailing > 0 && i < w->text.len; trailing--) {
        i++;
        while (i < w->text.len && ((unsigned char)s[i] & 0xC0) == 0x80) i++;
    }
    return i > w->text.len ? w->text.len : i;
}

double gb_ui_text_x(const gb_widget *w, const gb_theme *t, size_t index) {
    gb_font fb = gb_font_body(t);
    PangoLayout *lay = gb_text_layout(gb_text_measure_cr(), &fb, w->text.s ? w->text.s : "");
    PangoRectangle pos;
    pango_layout_index_to_pos(lay, (int)index, &pos);
    g_object_unref(lay);
    return (double)pos.x / PANGO_SCALE;
}

/* Keep the cursor inside the box by scrolling horizontally. */
static void fix_scroll(gb_widget *w, const gb_theme *t) {
    double room = w->r.w - 1.2 * t->pad;
    double cx = gb_ui_text_x(w, t, w->text.cursor);
    if (cx - w->scroll_x > room - 2) w->scroll_x = cx - room + 2;
    if (cx - w->scroll_x < 0) w->scroll_x = cx;
    if (w->scroll_x < 0) w->scroll_x = 0;
}

static void paste(gb_ui *ui, gb_textbuf *tb) {
    if (!ui->host.get_clipboard) return;
    char *clip = ui->host.get_clipboard(ui->host.user);
    if (!clip) return;
    for (char *p = clip; *p; p++) /* one line: newlines and tabs become spaces */
        if (*p == '\n' || *p == '\r' || *p == '\t') *p = ' ';
    gb_textbuf_insert(tb, clip);
    free(clip);
}

static void copy(gb_ui *ui, const gb_textbuf *tb) {
    char *sel = gb_textbuf_selected(tb);
    if (sel && ui->host.set_clipboard) ui->host.set_clipboard(ui->host.user, sel);
    free(sel);
}

/* Editing keys shared by the text box and the slider entry; *edited is set
 * when the text changed. Returns true if the key was used. */
static bool edit_key(gb_ui *ui, gb_textbuf *tb, const gb_event *ev, bool *edited) {
    bool shift = ev->mods & GB_MOD_SHIFT, ctrl = ev->mods & GB_MOD_CTRL;
    *edited = false;
    switch (ev->key) {
    case GB_KEY_LEFT: gb_textbuf_move(tb, -1, ctrl, shift); return true;
    case GB_KEY_RIGHT: gb_textbuf_move(tb, 1, ctrl, shift); return true;
    case GB_KEY_HOME: gb_textbuf_home(tb, shift); return true;
    case GB_KEY_END: gb_textbuf_end(tb, shift); return true;
    case GB_KEY_BACKSPACE: *edited = gb_textbuf_erase(tb, -1, ctrl); return true;
    case GB_KEY_DELETE: *edited = gb_textbuf_erase(tb, 1, ctrl); return true;
    case GB_KEY_SPACE: return true; /* the space arrives as GB_EV_TEXT */
    case GB_KEY_CHAR:
        if (!ctrl) return true; /* printable keys arrive as GB_EV_TEXT */
        if (ev->ch == 'a') gb_textbuf_select_all(tb);
        else if (ev->ch == 'c') copy(ui, tb);
        else if (ev->ch == 'x') copy(ui, tb), *edited = gb_textbuf_delete_selection(tb);
        else if (ev->ch == 'v') paste(ui, tb), *edited = true;
        else return false;
        return true;
    default: return false;
    }
}

/* ---- slider ---- */

static void slider_from_x(gb_widget *w, const gb_theme *t, double x) {
    gb_rect lr, tr, vr;
    gb_ui_slider_parts(w, t, &lr, &tr, &vr);
    double f = (x - tr.x - 8) / fmax(1, tr.w - 16);
    gb_slider_set(w, w->min + fmax(0, fmin(1, f)) * (w->max - w->min));
}

static void slider_begin_edit(gb_widget *w) {
    char b[64];
    snprintf(b, sizeof b, "%.*f", w->decimals, w->value);
    gb_textbuf_set(&w->text, b);
    gb_textbuf_select_all(&w->text);
    w->editing = true;
}

/* Typed values are checked: a number in range is taken (snapped to the step),
 * anything else leaves the value as it was. */
static void slider_end_edit(gb_widget *w, bool commit) {
    if (!w->editing) return;
    w->editing = false;
    if (!commit || !w->text.s) return;
    char *end = NULL;
    double v = strtod(w->text.s, &end);
    while (end && (*end == ' ')) end++;
    if (end && end != w->text.s && *end == '\0') gb_slider_set(w, v);
}

static double slider_step(const gb_widget *w) {
    return w->step > 0 ? w->step : (w->max - w->min) / 100;
}

static bool slider_key(gb_ui *ui, gb_widget *w, const gb_event *ev) {
    if (w->editing) {
        if (ev->key == GB_KEY_ENTER) return slider_end_edit(w, true), true;
        if (ev->key == GB_KEY_ESCAPE) return slider_end_edit(w, false), true;
        bool edited;
        return edit_key(ui, &w->text, ev, &edited);
    }
    double s = slider_step(w) * (ev->mods & GB_MOD_SHIFT ? 10 : 1);
    switch (ev->key) {
    case GB_KEY_LEFT: case GB_KEY_DOWN: gb_slider_set(w, w->value - s); return true;
    case GB_KEY_RIGHT: case GB_KEY_UP: gb_slider_set(w, w->value + s); return true;
    case GB_KEY_HOME: gb_slider_set(w, w->min); return true;
    case GB_KEY_END: gb_slider_set(w, w->max); return true;
    case GB_KEY_ENTER: slider_begin_edit(w); return true;
    default: return false;
    }
}

/* ---- the ui ---- */

void gb_ui_init(gb_ui *ui, const gb_theme *t) {
    memset(ui, 0, sizeof *ui);
    ui->hot = ui->active = ui->focus = ui->open = -1;
    ui->theme = t;
}

void gb_ui_add(gb_ui *ui, gb_widget *w) {
    if (ui->n < GB_UI_MAX) ui->w[ui->n++] = w;
}

static int hit(const gb_ui *ui, double x, double y) {
    for (int i = ui->n - 1; i >= 0; i--)
        if (!ui->w[i]->hidden && gb_rect_contains(ui->w[i]->r, x, y)) return i;
    return -1;
}

void gb_ui_blur(gb_ui *ui) {
    if (ui->focus >= 0 && ui->w[ui->focus]->kind == GB_W_SLIDER) slider_end_edit(ui->w[ui->focus], true);
    ui->focus = -1;
    if (ui->open >= 0) ui->w[ui->open]->open = false;
    ui->open = -1;
}

bool gb_ui_wants_keyboard(const gb_ui *ui) {
    if (ui->focus < 0) return false;
    const gb_widget *w = ui->w[ui->focus];
    return w->kind == GB_W_TEXTBOX || (w->kind == GB_W_SLIDER && w->editing) || ui->open >= 0;
}

static bool set_hot(gb_ui *ui, int h) {
    if (h == ui->hot) return false;
    if (ui->hot >= 0) ui->w[ui->hot]->hot = false;
    ui->hot = h;
    if (h >= 0) ui->w[h]->hot = true;
    ui->hover_since = ui->now;
    ui->tooltip = false;
    return true;
}

static bool open_list_click(gb_ui *ui, const gb_event *ev) {
    gb_widget *d = ui->w[ui->open];
    for (int i = 0; i < d->n_items; i++)
        if (gb_rect_contains(gb_ui_dropdown_item(d, ui->theme, i), ev->x, ev->y)) {
            if (d->selected != i) d->selected = i, d->changed = true;
            break;
        }
    d->open = false;
    ui->open = -1;
    return true;
}

static void list_click(gb_ui *ui, gb_widget *w, double y) {
    double rh = gb_ui_list_row_h(ui->theme);
    int i = (int)floor((y - w->r.y) / rh + w->scroll);
    if (i >= 0 && i < w->n_items && i != w->selected) w->selected = i, w->changed = true;
}

static void list_scroll(gb_ui *ui, gb_widget *w, double rows) {
    double vis = w->r.h / gb_ui_list_row_h(ui->theme);
    w->scroll = fmax(0, fmin(fmax(0, w->n_items - vis), w->scroll + rows));
}

static void list_key(gb_ui *ui, gb_widget *w, int d) {
    int s = w->selected + d;
    if (s < 0) s = 0;
    if (s >= w->n_items) s = w->n_items - 1;
    if (s != w->selected) w->selected = s, w->changed = true;
    double vis = w->r.h / gb_ui_list_row_h(ui->theme);
    if (s < w->scroll) w->scroll = s;
    if (s + 1 > w->scroll + vis) w->scroll = s + 1 - vis;
}

static bool mouse_down(gb_ui *ui, const gb_event *ev) {
    if (ui->open >= 0) return open_list_click(ui, ev);
    int h = hit(ui, ev->x, ev->y);
    if (h < 0 || ui->w[h]->disabled) {
        bool had = ui->focus >= 0;
        gb_ui_blur(ui);
        return had && h >= 0;
    }
    if (ui->focus != h) gb_ui_blur(ui);
    gb_widget *w = ui->w[h];
    ui->focus = ui->active = h;
    w->pressed = true;
    ui->tooltip = false;
    switch (w->kind) {
    case GB_W_BUTTON: break;
    case GB_W_TOGGLE: w->on = !w->on, w->changed = true; break;
    case GB_W_SLIDER: {
        gb_rect lr, tr, vr;
        gb_ui_slider_parts(w, ui->theme, &lr, &tr, &vr);
        if (gb_rect_contains(vr, ev->x, ev->y) || ev->clicks >= 2) {
            slider_begin_edit(w);
            ui->active = -1;
        } else {
            slider_end_edit(w, true);
            slider_from_x(w, ui->theme, ev->x);
        }
        break;
    }
    case GB_W_DROPDOWN: w->open = true, ui->open = h, ui->active = -1; break;
    case GB_W_TEXTBOX:
        if (ev->clicks >= 2) gb_textbuf_select_all(&w->text);
        else {
            w->text.cursor = index_at_x(w, ui->theme, ev->x);
            if (!(ev->mods & GB_MOD_SHIFT)) w->text.anchor = w->text.cursor;
        }
        break;
    case GB_W_LIST: list_click(ui, w, ev->y); break;
    }
    return true;
}

static bool mouse_move(gb_ui *ui, const gb_event *ev) {
    ui->mouse_x = ev->x, ui->mouse_y = ev->y;
    if (ui->active >= 0) {
        gb_widget *w = ui->w[ui->active];
        if (w->kind == GB_W_SLIDER) slider_from_x(w, ui->theme, ev->x);
        else if (w->kind == GB_W_TEXTBOX) {
            w->text.cursor = index_at_x(w, ui->theme, ev->x);
            fix_scroll(w, ui->theme);
        } else if (w->kind == GB_W_LIST) list_click(ui, w, ev->y);
        return true;
    }
    if (ui->open >= 0) return true; /* item highlight follows the pointer */
    return set_hot(ui, hit(ui, ev->x, ev->y));
}

static bool mouse_up(gb_ui *ui, const gb_event *ev) {
    if (ui->active < 0) return false;
    gb_widget *w = ui->w[ui->active];
    w->pressed = false;
    if (w->kind == GB_W_BUTTON && gb_rect_contains(w->r, ev->x, ev->y)) w->clicked = true;
    ui->active = -1;
    return true;
}

static bool wheel(gb_ui *ui, const gb_event *ev) {
    int h = hit(ui, ev->x, ev->y);
    if (h < 0) return false;
    gb_widget *w = ui->w[h];
    if (w->kind == GB_W_SLIDER) gb_slider_set(w, w->value + ev->wheel * slider_step(w));
    else if (w->kind == GB_W_LIST) list_scroll(ui, w, -3 * ev->wheel);
    else return false;
    return true;
}

static bool key(gb_ui *ui, const gb_event *ev) {
    if (ui->open >= 0) {
        gb_widget *d = ui->w[ui->open];
        if (ev->key == GB_KEY_ESCAPE || ev->key == GB_KEY_ENTER) d->open = false, ui->open = -1;
        else if (ev->key == GB_KEY_UP || ev->key == GB_KEY_DOWN) list_key(ui, d, ev->key == GB_KEY_UP ? -1 : 1);
        return true;
    }
    if (ui->focus < 0) return false;
    gb_widget *w = ui->w[ui->focus];
    switch (w->kind) {
    case GB_W_SLIDER: return slider_key(ui, w, ev);
    case GB_W_TEXTBOX: {
        if (ev->key == GB_KEY_ENTER) return w->submitted = true, true;
        if (ev->key == GB_KEY_ESCAPE) return gb_ui_blur(ui), true;
        bool edited;
        bool used = edit_key(ui, &w->text, ev, &edited);
        if (edited) w->changed = true;
        fix_scroll(w, ui->theme);
        return used;
    }
    case GB_W_LIST:
    case GB_W_DROPDOWN:
        if (ev->key == GB_KEY_UP || ev->key == GB_KEY_DOWN) return list_key(ui, w, ev->key == GB_KEY_UP ? -1 : 1), true;
        if (w->kind == GB_W_DROPDOWN && (ev->key == GB_KEY_ENTER || ev->key == GB_KEY_SPACE))
            return w->open = true, ui->open = ui->focus, true;
        return false;
    case GB_W_BUTTON:
    case GB_W_TOGGLE:
        if (ev->key != GB_KEY_ENTER && ev->key != GB_KEY_SPACE) return false;
        if (w->kind == GB_W_TOGGLE) w->on = !w->on, w->changed = true;
        else w->clicked = true;
        return true;
    }
    return false;
}

static bool text(gb_ui *ui, const gb_event *ev) {
    if (ui->focus < 0) return false;
    gb_widget *w = ui->w[ui->focus];
    if (w->kind == GB_W_TEXTBOX) {
        gb_textbuf_insert(&w->text, ev->text);
        w->changed = true;
        fix_scroll(w, ui->theme);
        return true;
    }
    if (w->kind == GB_W_SLIDER && w->editing) return gb_textbuf_insert(&w->text, ev->text), true;
    return false;
}

bool gb_ui_event(gb_ui *ui, const gb_event *ev) {
    switch (ev->type) {
    case GB_EV_MOUSE_DOWN: return mouse_down(ui, ev);
    case GB_EV_MOUSE_MOVE: return mouse_move(ui, ev);
    case GB_EV_MOUSE_UP: return mouse_up(ui, ev);
    case GB_EV_WHEEL: return wheel(ui, ev);
    case GB_EV_KEY: return key(ui, ev);
    case GB_EV_TEXT: return text(ui, ev);
    case GB_EV_LEAVE: return set_hot(ui, -1);
    default: return false;
    }
}

bool gb_ui_tick(gb_ui *ui, double now) {
    ui->now = now;
    bool want = ui->hot >= 0 && ui->active < 0 && ui->open < 0 && ui->w[ui->hot]->tooltip[0] &&
                now - ui->hover_since >= 0.6;
    if (want == ui->tooltip) return false;
    ui->tooltip = want;
    return true;
}
