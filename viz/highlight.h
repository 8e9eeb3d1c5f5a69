/* highlight.h - a lesson's @highlight words (`render --highlight`) in the views.
 *
 * The list is words separated by spaces or commas ("cat, sat"). A token
 * matches a word when its text, without surrounding whitespace and the marks
 * tokenizers use for a leading space (the visible space U+2423, GPT-2's
 * U+0120, SentencePiece's U+2581), equals the word in any (ASCII) case. In a
 * sentence a word may span several tokens ("Glass" "box"): every token of the
 * word is marked, never a piece of a longer word ("it" in "item").
 *
 * Marked things get the narrative's highlighter colours: a yellow ground with
 * dark ink behind labels, a yellow halo with an amber edge around chips. */
#ifndef GB_HIGHLIGHT_H
#define GB_HIGHLIGHT_H

#include <stdbool.h>
#include <stddef.h>

#include <cairo.h>

#include "draw.h"

#define GB_HL_MAX 8
#define GB_HL_WORD 64

typedef struct gb_hl {
    char word[GB_HL_MAX][GB_HL_WORD];
    int n;
} gb_hl;

/* Parse a list (NULL or "": no words; words beyond GB_HL_MAX or longer than
 * GB_HL_WORD - 1 bytes are dropped). */
void gb_hl_parse(gb_hl *h, const char *list);
/* The word a single token's text (len bytes) matches, or -1. */
int gb_hl_match(const gb_hl *h, const char *text, size_t len);
/* Mark the tokens of a sentence [n] (texts[i] NUL-terminated, as labels or raw
 * bytes) that spell a highlighted word; returns how many were marked. */
int gb_hl_mark(const gb_hl *h, const char *const *texts, int n, bool *marked);
/* The same for rows of fixed-width labels (char lab[n][w]). */
int gb_hl_mark_rows(const gb_hl *h, const char *lab, size_t w, int n, bool *marked);

/* Mark the bytes of text [n] inside whole-word occurrences of the words
 * (mask[n]); returns how many occurrences. A token covering any marked byte
 * is a token of a highlighted word. */
int gb_hl_text_mask(const gb_hl *h, const char *text, size_t n, bool *mask);
/* Does [start, start + len) cover a marked byte? (mask may be NULL: no.) */
bool gb_hl_in_mask(const bool *mask, size_t n, size_t start, size_t len);

/* The highlighter colours: the ground (#FFE08A, as the narrative), the ink on
 * it, and a ring's yellow and edge. */
extern const gb_rgb GB_HL_GROUND, GB_HL_INK, GB_HL_EDGE, GB_HL_RING;
/* A yellow ground behind r (a label's box), grown by `grow` on each side. */
void gb_hl_ground(cairo_t *cr, gb_rect r, double grow);
/* A ring around a chip's box r (drawn after the chip, `grow` outside it):
 * marker yellow edged in amber. */
void gb_hl_halo(cairo_t *cr, gb_rect r, double grow, double radius);

#endif
