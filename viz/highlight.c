/* highlight.c - matching @highlight words to tokens and drawing the marks (highlight.h). */
#include "highlight.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const gb_rgb GB_HL_GROUND = {1.0, 0.878, 0.541}; /* #FFE08A */
const gb_rgb GB_HL_INK = {0.102, 0.102, 0.102};  /* #1A1A1A */
const gb_rgb GB_HL_EDGE = {0.60, 0.40, 0.0};     /* dark amber: the ring reads on white too */
const gb_rgb GB_HL_RING = {1.0, 0.80, 0.10};     /* marker yellow, stronger than the ground */

void gb_hl_parse(gb_hl *h, const char *list) {
    h->n = 0;
    for (const char *s = list ? list : ""; *s && h->n < GB_HL_MAX;) {
        size_t l = strcspn(s, " ,\t\n");
        if (l > 0 && l < GB_HL_WORD) {
            memcpy(h->word[h->n], s, l);
            h->word[h->n++][l] = '\0';
        }
        s += l;
        s += strspn(s, " ,\t\n");
    }
}

/* Length of a leading-space mark (or whitespace byte) at s, else 0. */
static size_t space_mark(const char *s, size_t len) {
    static const char *const MARKS[] = {"\xE2\x90\xA3", "\xC4\xA0", "\xE2\x96\x81"};
    if (len > 0 && isspace((unsigned char)s[0])) return 1;
    for (int i = 0; i < 3; i++)
        if (len >= strlen(MARKS[i]) && memcmp(s, MARKS[i], strlen(MARKS[i])) == 0) return strlen(MARKS[i]);
    return 0;
}

/* A token's text without its space marks: *lead tells whether one led. */
static void core_of(const char *text, size_t len, const char **s, size_t *l, bool *lead) {
    size_t k, a = 0;
    while ((k = space_mark(text + a, len - a)) > 0) a += k;
    *lead = a > 0;
    size_t b = len;
    while (b > a && isspace((unsigned char)text[b - 1])) b--;
    *s = text + a, *l = b - a;
}

int gb_hl_match(const gb_hl *h, const char *text, size_t len) {
    const char *s;
    size_t l;
    bool lead;
    core_of(text, len, &s, &l, &lead);
    for (int k = 0; k < h->n && l > 0; k++)
        if (strlen(h->word[k]) == l && strncasecmp(s, h->word[k], l) == 0) return k;
    return -1;
}

static bool alnum_at(const char *s, size_t l, bool last) { return l > 0 && isalnum((unsigned char)s[last ? l - 1 : 0]); }

/* Does word w start at token i and end at a token j (spelled by the tokens'
 * cores, no space mark inside)? *end receives j. */
static bool spells(const char *w, const char *const *texts, int n, int i, int *end) {
    size_t wl = strlen(w), got = 0;
    for (int j = i; j < n && got < wl; j++) {
        const char *s;
        size_t l;
        bool lead;
        core_of(texts[j], strlen(texts[j]), &s, &l, &lead);
        if ((j > i && lead) || l == 0 || got + l > wl || strncasecmp(s, w + got, l) != 0) return false;
        got += l;
        *end = j;
    }
    return got == wl;
}

/* Does the tokenizer show spaces (a leading mark or a space token)? Without
 * any (word-level labels) neighbours say nothing about word boundaries. */
static bool shows_spaces(const char *const *texts, int n) {
    for (int i = 0; i < n; i++)
        if (space_mark(texts[i], strlen(texts[i])) > 0) return true;
    return false;
}

int gb_hl_mark(const gb_hl *h, const char *const *texts, int n, bool *marked) {
    int count = 0;
    for (int i = 0; i < n; i++) marked[i] = false;
    bool spaced = shows_spaces(texts, n);
    for (int i = 0; i < n && h->n > 0; i++) {
        const char *s, *ps;
        size_t l, pl;
        bool lead, plead;
        core_of(texts[i], strlen(texts[i]), &s, &l, &lead);
        /* not the middle of a longer word: the previous token does not run into this one */
        if (spaced && i > 0 && !lead) {
            core_of(texts[i - 1], strlen(texts[i - 1]), &ps, &pl, &plead);
            if (alnum_at(ps, pl, true) && alnum_at(s, l, false)) continue;
        }
        for (int k = 0; k < h->n; k++) {
            int j = i;
            if (!spells(h->word[k], texts, n, i, &j)) continue;
            if (spaced && j + 1 < n) { /* nor its start: the next token does not continue it */
                core_of(texts[j + 1], strlen(texts[j + 1]), &ps, &pl, &plead);
                core_of(texts[j], strlen(texts[j]), &s, &l, &lead);
                if (!plead && alnum_at(s, l, true) && alnum_at(ps, pl, false)) continue;
            }
            for (int m = i; m <= j; m++) count += !marked[m], marked[m] = true;
            break;
        }
    }
    return count;
}

int gb_hl_mark_rows(const gb_hl *h, const char *lab, size_t w, int n, bool *marked) {
    const char **texts = n > 0 ? malloc((size_t)n * sizeof *texts) : NULL;
    if (!texts) {
        for (int i = 0; i < n; i++) marked[i] = false;
        return 0;
    }
    for (int i = 0; i < n; i++) texts[i] = lab + (size_t)i * w;
    int k = gb_hl_mark(h, texts, n, marked);
    free(texts);
    return k;
}

void gb_hl_ground(cairo_t *cr, gb_rect r, double grow) {
    gb_set_rgb(cr, GB_HL_GROUND);
    gb_rounded_rect(cr, (gb_rect){r.x - grow, r.y - grow, r.w + 2 * grow, r.h + 2 * grow}, 3);
    cairo_fill(cr);
}

void gb_hl_halo(cairo_t *cr, gb_rect r, double grow, double radius) {
    /* a marker-yellow ring outside the box (its fill stays the token's colour),
     * edged in amber so it reads on white and next to yellow chips */
    double w = fmax(3, grow * 1.2);
    gb_rect o = {r.x - grow, r.y - grow, r.w + 2 * grow, r.h + 2 * grow};
    gb_rounded_rect(cr, o, radius + grow);
    gb_set_rgb(cr, GB_HL_EDGE);
    cairo_set_line_width(cr, w + 2);
    cairo_stroke(cr);
    gb_rounded_rect(cr, o, radius + grow);
    gb_set_rgb(cr, GB_HL_RING);
    cairo_set_line_width(cr, w);
    cairo_stroke(cr);
}

int gb_hl_text_mask(const gb_hl *h, const char *text, size_t n, bool *mask) {
    int count = 0;
    memset(mask, 0, n);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && isalnum((unsigned char)text[i - 1])) continue; /* not at a word's start */
        for (int k = 0; k < h->n; k++) {
            size_t l = strlen(h->word[k]);
            if (l == 0 || l > n - i || strncasecmp(text + i, h->word[k], l) != 0) continue;
            if (i + l < n && isalnum((unsigned char)text[i + l])) continue; /* nor inside a longer one */
            memset(mask + i, 1, l);
            count++;
            break;
        }
    }
    return count;
}

bool gb_hl_in_mask(const bool *mask, size_t n, size_t start, size_t len) {
    for (size_t i = start; mask && i < start + len && i < n; i++)
        if (mask[i]) return true;
    return false;
}
