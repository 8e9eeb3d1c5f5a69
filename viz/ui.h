/* ui.h - abstract input events and a small retained widget set drawn with cairo.
 *
 * Events: the SDL shell (app.c) translates SDL events into gb_event; nothing
 * here or in any draw function sees an SDL type. Coordinates are logical
 * pixels (the same units draw functions use; HiDPI scaling happens in the shell).
 *
 * Widgets are retained: each is a gb_widget struct owned by whoever shows it
 * (usually a view's state), registered in a gb_ui. A layout step sets every
 * widget's rectangle (w->r); gb_ui_event() updates widget state from an event
 * and sets w->changed / w->clicked for the owner to read and clear;
 * gb_ui_draw() draws them all read-only, then the open drop-down list and the
 * tooltip on top. Clipboard access goes through gb_ui_host callbacks that the
 * shell provides (SDL's clipboard), so this code stays window-free.
 *
 * Widgets: button, toggle, slider (drag, wheel, arrow keys, or click the value
 * to type one), drop-down, single-line text box (UTF-8 editing, cursor,
 * selection, copy/cut/paste), scrolling list; any widget may have a tooltip.
 */
#ifndef GB_UI_H
#define GB_UI_H

#include <stdbool.h>
#include <stddef.h>

#include "draw.h"

typedef enum gb_ev_type {
    GB_EV_NONE = 0,
    GB_EV_MOUSE_DOWN,
    GB_EV_MOUSE_UP,
    GB_EV_MOUSE_MOVE,
    GB_EV_WHEEL,
    GB_EV_KEY,    /* a key went down (repeats included) */
    GB_EV_TEXT,   /* committed text input, UTF-8 in text */
    GB_EV_LEAVE,  /* the pointer left the window */
} gb_ev_type;

typedef enum gb_key {
    GB_KEY_NONE = 0, GB_KEY_CHAR, /* a printable key: see ch */
    GB_KEY_LEFT, GB_KEY_RIGHT, GB_KEY_UP, GB_KEY_DOWN, GB_KEY_HOME, GB_KEY_END,
    GB_KEY_PAGEUP, GB_KEY_PAGEDOWN, GB_KEY_BACKSPACE, GB_KEY_DELETE, GB_KEY_ENTER,
    GB_KEY_ESCAPE, GB_KEY_TAB, GB_KEY_SPACE, GB_KEY_F1, GB_KEY_F5, GB_KEY_F11,
} gb_key;

enum { GB_MOD_SHIFT = 1, GB_MOD_CTRL = 2, GB_MOD_ALT = 4 };

typedef struct gb_event {
    gb_ev_type type;
    double x, y;        /* pointer position (all mouse events) */
    int button;         /* 1 left, 2 middle, 3 right */
    int clicks;         /* 2 = double click */
    double wheel;       /* wheel steps, positive = up/away */
    gb_key key;
    unsigned ch;        /* GB_KEY_CHAR: the unshifted character, lower case ('a', '1', '/') */
    int mods;           /* GB_MOD_* */
    char text[32];      /* GB_EV_TEXT */
} gb_event;

/* ---- UTF-8 text buffer with a cursor and a selection (byte offsets on
 * character boundaries; the selection is [min(anchor,cursor), max)) ---- */
typedef struct gb_textbuf {
    char *s;
    size_t len, cap;
    size_t cursor, anchor;
    size_t max_len;     /* 0: no limit */
} gb_textbuf;

void gb_textbuf_free(gb_textbuf *tb);
bool gb_textbuf_set(gb_textbuf *tb, const char *text);
/* Insert (replacing the selection). Invalid UTF-8 bytes become U+FFFD. */
bool gb_textbuf_insert(gb_textbuf *tb, const char *text);
bool gb_textbuf_has_selection(const gb_textbuf *tb);
/* malloc'd copy of the selected text (NULL if none). */
char *gb_textbuf_selected(const gb_textbuf *tb);
bool gb_textbuf_delete_selection(gb_textbuf *tb);
/* dir -1 = backspace, +1 = delete; word: whole word. */
bool gb_textbuf_erase(gb_textbuf *tb, int dir, bool word);
/* Move the cursor by one character (or word); extend keeps the anchor. */
void gb_textbuf_move(gb_textbuf *tb, int dir, bool word, bool extend);
void gb_textbuf_home(gb_textbuf *tb, bool extend);
void gb_textbuf_end(gb_textbuf *tb, bool extend);
void gb_textbuf_select_all(gb_textbuf *tb);

/* ---- widgets ---- */

typedef enum gb_widget_kind {
    GB_W_BUTTON = 0, GB_W_TOGGLE, GB_W_SLIDER, GB_W_DROPDOWN, GB_W_TEXTBOX, GB_W_LIST,
} gb_widget_kind;

typedef struct gb_widget {
    gb_widget_kind kind;
    char label[64];
    char tooltip[200];
    gb_rect r;            /* set by the owner's layout */
    bool hidden, disabled;
    /* results of the last events, for the owner to read and clear */
    bool changed, clicked, submitted;
    /* state */
    bool hot, pressed;
    bool on;                          /* toggle */
    double value, min, max, step;     /* slider (step 0: continuous) */
    int decimals;                     /* slider display */
    bool editing;                     /* slider: typing a value */
    gb_textbuf text;                  /* text box contents; slider entry */
    double scroll_x;                  /* text box: horizontal scroll */
    const char *const *items;         /* drop-down and list entries (owner's strings) */
    int n_items, selected;
    bool open;                        /* drop-down list showing */
    double scroll;                    /* list: first visible row (fractional) */
    char placeholder[64];             /* text box hint when empty */
} gb_widget;

void gb_widget_button(gb_widget *w, const char *label);
void gb_widget_toggle(gb_widget *w, const char *label, bool on);
void gb_widget_slider(gb_widget *w, const char *label, double value, double min, double max,
                      double step, int decimals);
void gb_widget_dropdown(gb_widget *w, const char *label, const char *const *items, int n, int sel);
void gb_widget_textbox(gb_widget *w, const char *text, const char *placeholder);
void gb_widget_list(gb_widget *w, const char *const *items, int n, int sel);
void gb_widget_free(gb_widget *w);
void gb_widget_set_tooltip(gb_widget *w, const char *tip);
/* Set a slider's value (clamped and snapped to step); true if it changed. */
bool gb_slider_set(gb_widget *w, double v);
/* Preferred height of a widget row for a theme. */
double gb_widget_height(const gb_theme *t);

typedef struct gb_ui_host {
    char *(*get_clipboard)(void *user);             /* malloc'd UTF-8 or NULL */
    void (*set_clipboard)(void *user, const char *text);
    void *user;
} gb_ui_host;

#define GB_UI_MAX 32

typedef struct gb_ui {
    gb_widget *w[GB_UI_MAX];
    int n;
    int hot, active, focus;   /* indices into w, -1 = none */
    int open;                 /* drop-down whose list is open, -1 */
    double mouse_x, mouse_y;
    double now, hover_since;  /* seconds (gb_ui_tick) */
    bool tooltip;             /* tooltip of `hot` showing */
    const gb_theme *theme;
    gb_ui_host host;
} gb_ui;

void gb_ui_init(gb_ui *ui, const gb_theme *t);
void gb_ui_add(gb_ui *ui, gb_widget *w);
/* Handle one event; returns true if the UI used it (and needs a redraw). */
bool gb_ui_event(gb_ui *ui, const gb_event *ev);
/* Advance the clock (seconds); returns true if a tooltip appeared or went. */
bool gb_ui_tick(gb_ui *ui, double now);
/* True while a widget captures input (drag, typing): views then leave keys alone. */
bool gb_ui_wants_keyboard(const gb_ui *ui);
void gb_ui_draw(cairo_t *cr, const gb_ui *ui);
/* Draw just the overlays (open drop-down list, tooltip); gb_ui_draw calls it. */
void gb_ui_draw_overlays(cairo_t *cr, const gb_ui *ui);
/* Release keyboard focus and close lists. */
void gb_ui_blur(gb_ui *ui);

#endif
