/* text.h - text for the viewer: fonts, pango layouts, safe token text.
 *
 * Every string the viewer draws goes through pango (shaping, bidi, font
 * fallback). Tokens are byte strings that need not be valid UTF-8 (a BPE token
 * can be half of a character): gb_text_sanitize() turns any bytes into valid
 * UTF-8, showing invalid bytes and control characters as escapes (\xE2, \n).
 *
 * Hermetic fonts. A user's fontconfig changes glyph pixels, so image tests and
 * headless renders call gb_text_use_hermetic_fonts(dir) before any text is
 * drawn: it writes dir/fonts.conf listing ONLY the DejaVu fonts folder, with
 * the fontconfig cache in dir/fc-cache, and points FONTCONFIG_FILE at it.
 * Pango's cairo font map is fontconfig-backed on Linux, so it reads that file
 * when it first starts; gb_text_font_families() lists what pango sees, which
 * is how tests check that only DejaVu is visible. Every layout also gets
 * explicit cairo font options (antialias GRAY, hint style NONE, hint metrics
 * OFF) and a fixed resolution of 96 dpi, so metrics do not depend on the
 * surface or the machine.
 */
#ifndef GB_TEXT_H
#define GB_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include <cairo.h>
#include <pango/pangocairo.h>

#include "glassbox/error.h"

#define GB_FONT_SANS "DejaVu Sans"
#define GB_FONT_MONO "DejaVu Sans Mono"
#define GB_DEJAVU_DIR "/usr/share/fonts/truetype/dejavu"

/* Write dir/fonts.conf (only the DejaVu folder, cache under dir) and set
 * FONTCONFIG_FILE. Must run before the first layout is made. Fails (GB_ERR_INPUT)
 * if the DejaVu folder is missing or dir is not writable. */
gb_status gb_text_use_hermetic_fonts(const char *dir, gb_error *err);
/* The default place for the hermetic cache: $GLASSBOX_CACHE_DIR, else
 * $XDG_CACHE_HOME/glassbox, else $HOME/.cache/glassbox, else /tmp/glassbox-fonts.
 * Writes into buf; returns buf. */
const char *gb_text_default_cache_dir(char *buf, size_t cap);
/* True once gb_text_use_hermetic_fonts succeeded in this process. */
bool gb_text_hermetic(void);
/* The font family names pango's default font map offers, joined with '\n'
 * (malloc'd). Used by tests to prove the hermetic setup is in force. */
char *gb_text_font_families(void);
/* True if pango's default font map is the fontconfig-backed one. */
bool gb_text_uses_fontconfig(void);

/* Style of one piece of text. */
typedef struct gb_font {
    const char *family; /* GB_FONT_SANS by default (NULL) */
    double size;        /* in user-space units (logical pixels) */
    bool bold;
    bool mono;          /* use GB_FONT_MONO */
} gb_font;

/* A layout for text with the hermetic-friendly font options applied. text must
 * be valid UTF-8 (use gb_text_sanitize first for token bytes). Caller unrefs. */
PangoLayout *gb_text_layout(cairo_t *cr, const gb_font *f, const char *text);
/* Ink-independent logical size of text in user units. */
void gb_text_size(cairo_t *cr, const gb_font *f, const char *text, double *w, double *h);
/* A cairo context for measuring outside a draw call (UI thread only). */
cairo_t *gb_text_measure_cr(void);
/* Release the measuring context and cached fonts (end of program). */
void gb_text_shutdown(void);

/* Alignment of a text box relative to its anchor point. */
typedef enum gb_align { GB_LEFT = 0, GB_CENTER = 1, GB_RIGHT = 2 } gb_align;
typedef enum gb_valign { GB_TOP = 0, GB_MIDDLE = 1, GB_BOTTOM = 2, GB_BASELINE = 3 } gb_valign;

/* Draw text anchored at (x, y). max_w > 0 ellipsizes at the end to fit.
 * Returns the drawn width. Colour is the current cairo source. */
double gb_text_draw(cairo_t *cr, const gb_font *f, const char *text, double x, double y,
                    gb_align ha, gb_valign va, double max_w);
/* The same, rotated by angle (radians, counter-clockwise is negative like cairo)
 * around the anchor. */
void gb_text_draw_rotated(cairo_t *cr, const gb_font *f, const char *text, double x, double y,
                          double angle, gb_align ha, gb_valign va, double max_w);
/* Wrapped paragraph in a box of width w; returns its height. */
double gb_text_draw_wrapped(cairo_t *cr, const gb_font *f, const char *text, double x, double y,
                            double w);

/* Flags for gb_text_sanitize. */
enum {
    GB_TEXT_SHOW_SPACE = 1, /* draw ' ' as a visible open box U+2423 */
};
/* Make valid, printable UTF-8 from arbitrary bytes: invalid or truncated
 * sequences become \xNN, control characters \n \t \r \xNN, and U+FFFD stays
 * as is. Always NUL-terminates out (cap >= 1); returns the length written
 * (truncating on a character boundary when out is too small). */
size_t gb_text_sanitize(const char *bytes, size_t n, char *out, size_t cap, int flags);
/* Length in bytes of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
int gb_utf8_seq_len(const unsigned char *s, size_t avail);
/* True if the whole buffer is valid UTF-8. */
bool gb_utf8_valid(const char *s, size_t n);

#endif
