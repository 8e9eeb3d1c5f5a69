/* ui_textbuf.c - a UTF-8 text buffer with cursor and selection (see ui.h).
 * Offsets are bytes, always on character boundaries; moving and erasing go by
 * whole characters (code points), so no edit can split a character. */
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "ui.h"

void gb_textbuf_free(gb_textbuf *tb) {
    free(tb->s);
    memset(tb, 0, sizeof *tb);
}

static bool reserve(gb_textbuf *tb, size_t need) {
    if (need + 1 <= tb->cap) return true;
    size_t cap = tb->cap ? tb->cap : 32;
    while (cap < need + 1) cap *= 2;
    char *s = realloc(tb->s, cap);
    if (!s) return false;
    tb->s = s;
    tb->cap = cap;
    return true;
}

bool gb_textbuf_set(gb_textbuf *tb, const char *text) {
    tb->len = 0;
    tb->cursor = tb->anchor = 0;
    if (!reserve(tb, 0)) return false;
    tb->s[0] = '\0';
    return gb_textbuf_insert(tb, text ? text : "");
}

bool gb_textbuf_has_selection(const gb_textbuf *tb) { return tb->cursor != tb->anchor; }

static void sel_range(const gb_textbuf *tb, size_t *a, size_t *b) {
    *a = tb->cursor < tb->anchor ? tb->cursor : tb->anchor;
    *b = tb->cursor < tb->anchor ? tb->anchor : tb->cursor;
}

char *gb_textbuf_selected(const gb_textbuf *tb) {
    if (!gb_textbuf_has_selection(tb)) return NULL;
    size_t a, b;
    sel_range(tb, &a, &b);
    char *out = malloc(b - a + 1);
    if (!out) return NULL;
    memcpy(out, tb->s + a, b - a);
    out[b - a] = '\0';
    return out;
}

static void cut_range(gb_textbuf *tb, size_t a, size_t b) {
    memmove(tb->s + a, tb->s + b, tb->len - b + 1);
    tb->len -= b - a;
    tb->cursor = tb->anchor = a;
}

bool gb_textbuf_delete_selection(gb_textbuf *tb) {
    if (!gb_textbuf_has_selection(tb)) return false;
    size_t a, b;
    sel_range(tb, &a, &b);
    cut_range(tb, a, b);
    return true;
}

bool gb_textbuf_insert(gb_textbuf *tb, const char *text) {
    if (!tb->s && !reserve(tb, 0)) return false;
    if (!tb->s[0] && tb->len == 0) tb->s[0] = '\0';
    gb_textbuf_delete_selection(tb);
    size_t n = strlen(text);
    /* worst case every byte becomes U+FFFD (3 bytes) */
    if (!reserve(tb, tb->len + 3 * n)) return false;
    const unsigned char *u = (const unsigned char *)text;
    bool any = false;
    for (size_t i = 0; i < n;) {
        int k = gb_utf8_seq_len(u + i, n - i);
        const char *src = k ? text + i : "\xEF\xBF\xBD";
        size_t sl = k ? (size_t)k : 3;
        if (tb->max_len && tb->len + sl > tb->max_len) break;
        memmove(tb->s + tb->cursor + sl, tb->s + tb->cursor, tb->len - tb->cursor + 1);
        memcpy(tb->s + tb->cursor, src, sl);
        tb->len += sl;
        tb->cursor += sl;
        i += k ? (size_t)k : 1;
        any = true;
    }
    tb->anchor = tb->cursor;
    return any || n == 0;
}

static size_t next_char(const gb_textbuf *tb, size_t i) {
    if (i >= tb->len) return tb->len;
    i++;
    while (i < tb->len && ((unsigned char)tb->s[i] & 0xC0) == 0x80) i++;
    return i;
}

static size_t prev_char(const gb_textbuf *tb, size_t i) {
    if (i == 0) return 0;
    i--;
    while (i > 0 && ((unsigned char)tb->s[i] & 0xC0) == 0x80) i--;
    return i;
}

static bool is_space_at(const gb_textbuf *tb, size_t i) {
    char c = tb->s[i];
    return c == ' ' || c == '\t' || c == '\n';
}

/* Word motion: skip spaces, then a run of non-spaces. */
static size_t word_step(const gb_textbuf *tb, size_t i, int dir) {
    if (dir > 0) {
        while (i < tb->len && is_space_at(tb, i)) i = next_char(tb, i);
        while (i < tb->len && !is_space_at(tb, i)) i = next_char(tb, i);
    } else {
        while (i > 0 && is_space_at(tb, prev_char(tb, i))) i = prev_char(tb, i);
        while (i > 0 && !is_space_at(tb, prev_char(tb, i))) i = prev_char(tb, i);
    }
    return i;
}

bool gb_textbuf_erase(gb_textbuf *tb, int dir, bool word) {
    if (gb_textbuf_delete_selection(tb)) return true;
    size_t c = tb->cursor;
    size_t to = word ? word_step(tb, c, dir) : dir < 0 ? prev_char(tb, c) : next_char(tb, c);
    if (to == c) return false;
    if (to < c) cut_range(tb, to, c);
    else cut_range(tb, c, to);
    return true;
}

void gb_textbuf_move(gb_textbuf *tb, int dir, bool word, bool extend) {
    if (!extend && gb_textbuf_has_selection(tb) && !word) {
        size_t a, b; /* collapse the selection towards the motion */
        sel_range(tb, &a, &b);
        tb->cursor = tb->anchor = dir < 0 ? a : b;
        return;
    }
    tb->cursor = word ? word_step(tb, tb->cursor, dir)
                      : dir < 0 ? prev_char(tb, tb->cursor) : next_char(tb, tb->cursor);
    if (!extend) tb->anchor = tb->cursor;
}

void gb_textbuf_home(gb_textbuf *tb, bool extend) {
    tb->cursor = 0;
    if (!extend) tb->anchor = 0;
}

void gb_textbuf_end(gb_textbuf *tb, bool extend) {
    tb->cursor = tb->len;
    if (!extend) tb->anchor = tb->len;
}

void gb_textbuf_select_all(gb_textbuf *tb) {
    tb->anchor = 0;
    tb->cursor = tb->len;
}
