/* lesson_player.h - lessons in the viewer.
 *
 * The player is a narrative panel at the right of the window: the lesson's
 * title, the step's title and text, "Previous" and "Next" buttons (keys:
 * PageDown / Alt+Right and PageUp / Alt+Left). Going to a step applies its
 * state to the live views (model, prompt, view, layer, head); everything stays
 * explorable afterwards. @sampling and @generate set the sampling views'
 * controls and how many tokens they generate; @highlight words are marked in
 * the text (and selected in attention and embeddings without @select); an
 * @image is shown above the text. A step whose view this build does not have shows a
 * placeholder in the panel naming the view, and keeps the current view.
 *
 * A "Lessons" toggle in the toolbar (or Alt+L) shows and hides the panel; the
 * start screen has it too, on the bundled lessons (gb_player_launcher).
 *
 * The window calls five hooks (app_ui.c): layout_toolbar (the toggle), layout
 * (cut the panel), event (keys), tick (apply a pending step once no job is running, so a view is
 * never recreated under a running job) and draw.
 */
#ifndef GB_LESSON_PLAYER_H
#define GB_LESSON_PLAYER_H

#include "app_ui.h"
#include "glassbox/lesson.h"
#include "view.h"

/* Fill view arguments from a step's state (model, prompt, layer, head,
 * tokenizer). A step with @tokenizer shows that tokenizer in the tokenization
 * view, without the model. *tok_path receives a malloc'd path the args point
 * into (free it after the view is destroyed); may stay NULL. */
void gb_lesson_view_args(const gb_lesson_state *st, gb_view_args *a, char **tok_path);

/* The step's @highlight words as a->highlight ("w1 w2", written into buf). */
void gb_lesson_view_highlight(const gb_lesson_state *st, gb_view_args *a, char *buf, size_t cap);

/* The step's @sampling and @generate as view arguments: temperature, top-k,
 * top-p and seed; steps = @generate N (the generation view without @generate
 * generates to the end token, as `generate` claims do; the distribution view
 * then shows its first choice). Part of gb_lesson_view_args. */
void gb_lesson_view_sampling(const gb_lesson_state *st, gb_view_args *a);

/* The generation view of a step shows the step that generated its first
 * @highlight word, else its first step (the choice right after the prompt),
 * not the end token: builds the view's session for sh (model, prompt) now.
 * Other views: nothing. */
void gb_lesson_view_shown_step(const gb_view *v, void *self, const gb_shared *sh, const gb_lesson_state *st);

/* The step's sampling settings in words ("temperature 2, top-k 3, seed 1; 8
 * tokens generated", or "greedy") for the views that sample; false (and
 * nothing written) for the other views. */
bool gb_lesson_sampling_text(const gb_lesson_state *st, char *buf, size_t cap);

/* The step's @select words (without @select: its @highlight words) in the view: the attention view's query and key
 * positions, the embeddings view's picked tokens (written as "ID,ID" into
 * pick, which a->pick then points to). c caches the models it needs. */
void gb_lesson_view_select(gb_lesson_checker *c, const gb_lesson_state *st, gb_view_args *a, char *pick,
                           size_t cap);

/* A step's narrative (Markdown: **bold**, *italic*, `code`, paragraphs, list
 * lines) as pango markup, malloc'd; and drawn wrapped at (x, y) in width w,
 * returning the height used. */
char *gb_lesson_markup(const char *md);
/* A title without its Markdown marks (` and *), into buf. */
void gb_lesson_plain(const char *md, char *buf, size_t cap);
double gb_lesson_draw_text(cairo_t *cr, const char *md, double x, double y, double w, double size);
/* The same with the step's @highlight words marked (yellow ground): whole
 * words, any case; when a word occurs quoted ("it") or as `code`, only those
 * occurrences. */
char *gb_lesson_markup_hl(const char *md, const char *const *words, int n_words);
double gb_lesson_draw_text_hl(cairo_t *cr, const char *md, const char *const *words, int n_words, double x, double y,
                              double w, double size);
/* "Look at: w1 w2": the @highlight words that the step's text does not
 * contain, marked; the height used (0: none). */
double gb_lesson_draw_highlights(cairo_t *cr, const gb_lesson_state *st, const char *text, double x, double y,
                                 double w, double size);

typedef struct gb_player gb_player;

/* Load and parse the lesson (errors with file and line). A folder (e.g.
 * lessons/) opens the picker: a list of its NN-name.md lessons by title, and a
 * "Lessons" button to come back to it. */
gb_status gb_player_open(gb_player **out, const char *path, gb_error *err);
/* The picker of the bundled lessons folder (lessons/ of share/glassbox or of
 * the source tree) with the panel closed: the start screen's "Lessons" button
 * (or Alt+L) opens it. NULL when no lessons are found. */
gb_player *gb_player_launcher(void);
/* Join an app: add the buttons to its chrome and go to step 0. */
void gb_player_attach(gb_player *p, gb_app *app);
/* Free after the app (its widgets live here). */
void gb_player_free(gb_player *p);

int gb_player_step(const gb_player *p);      /* the step shown (0-based) */
int gb_player_n_steps(const gb_player *p);   /* 0 while the picker shows */
int gb_player_n_lessons(const gb_player *p); /* in the picker; 0 for a single lesson */
const char *gb_player_title(const gb_player *p); /* the open lesson's title or NULL */
/* Open the i-th lesson of the picker (as a click on it does); next tick. */
void gb_player_pick(gb_player *p, int i);
/* Ask for a step (clamped); applied by the next tick. */
void gb_player_go(gb_player *p, int step);
/* Where the Previous (next = false) or Next button is, in window coordinates. */
gb_rect gb_player_button(const gb_player *p, bool next);
/* The view named by the current step is missing from this build (or NULL). */
const char *gb_player_missing_view(const gb_player *p);

bool gb_player_has_image(const gb_player *p);     /* the step's @image is shown in the panel */
/* The step's text does not fit the panel even in smaller type (70%). */
bool gb_player_text_overflows(const gb_player *p);
bool gb_player_shown(const gb_player *p);          /* the panel is open */
gb_rect gb_player_toggle_button(const gb_player *p); /* the toolbar's Lessons button */
gb_rect gb_player_lesson_row(const gb_player *p, int i); /* the picker's row of lesson i */

/* Hooks called by app_ui.c: the toolbar (the Lessons button, cut from the
 * right of bar), the area beside the views (the panel, when open), ... */
void gb_player_layout_toolbar(gb_player *p, gb_rect *bar, const gb_theme *t);
void gb_player_layout(gb_player *p, gb_rect *r, const gb_theme *t);
int gb_player_event(gb_player *p, gb_app *app, const gb_event *ev);
int gb_player_tick(gb_player *p, gb_app *app);
void gb_player_draw(cairo_t *cr, const gb_player *p, const gb_app *app);

#endif
