/* view.h - the view interface: what every view of the viewer implements.
 *
 * A view is a table of functions registered in view.c. The same functions
 * serve the window (app.c) and headless rendering (render.c):
 *
 *   create(args)        private state from the command-line style arguments
 *   update(self, sh)    inputs changed? return a gb_job that computes the new
 *                       data off the UI thread (forward passes), or NULL if
 *                       the view is up to date. The window runs jobs on a
 *                       worker thread; headless rendering runs them inline.
 *   layout(self, w, h)  place widgets and panels for a w x h area (logical px)
 *   draw(cr, w, h, self, sh)  draw into (0, 0, w, h); read-only, no SDL
 *   event(self, ev, sh) an abstract event (ui.h) in view coordinates;
 *                       return true when the view must be redrawn
 *   destroy(self)
 *
 * Adding a view: write viz/view_<name>.c defining `const gb_view
 * gb_view_<name> = {...}`, declare it below and add one line to the table in
 * view.c. It then appears as a tab in the window and `glassbox render <name>`
 * works.
 */
#ifndef GB_VIEW_H
#define GB_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include <cairo.h>

#include "color.h"
#include "draw.h"
#include "glassbox/error.h"
#include "ui.h"

struct gb_model;

/* Arguments a view may read (from the command line or the window). */
typedef struct gb_view_args {
    const char *model;   /* --model spec or NULL */
    const char *prompt;  /* --prompt or NULL */
    int dim;             /* positions: d of the sinusoidal encoding (--dim) */
    int length;          /* positions: how many positions (--length) */
    int pair;            /* positions: first dimension pair drawn as curves (--pair) */
    const char *tokenizer; /* --tokenizer: file or folder (models without their own), or NULL */
    const char *ids;     /* --ids 1,2,3: token ids instead of a prompt (no tokenizer), or NULL */
    int step;            /* tokenization: merges replayed (--step; -1 = all) */
    int token;           /* embeddings, positions: the chosen prompt token (--token; -1 = last) */
    const char *pick;    /* embeddings: "ID[,ID]" vocabulary ids picked (--pick), or NULL */
    /* attention and lens (docs/views-attention.md) */
    const char *source_ids, *attn, *off;
    int layer, head, query, key, position;
    int upto;            /* attention: show the model after this many tokens (--upto; 0 = all) */
    bool scores, average, lines, no_pos;
    /* distribution, generation, compare (docs/views-sampling.md) */
    double temperature, top_p; int top_k, steps, max_new, at; uint64_t seed; const char *strategy, *strategies, *session;
    /* words marked in every view that shows tokens (--highlight "cat sat", a lesson's @highlight; viz/highlight.h) */
    const char *highlight;
} gb_view_args;

void gb_view_args_defaults(gb_view_args *a);

/* State shared by all views, owned by the window or the renderer. */
typedef struct gb_shared {
    const gb_theme *theme;
    bool presenter;
    bool interactive;           /* false for headless renders: no widgets, no hover */
    const struct gb_model *model; /* NULL when no model is loaded */
    const char *model_name;     /* what to call it in titles */
    const char *model_error;    /* why loading failed (shown in the view), or NULL */
    const char *prompt;         /* current prompt text (UTF-8) */
    bool busy;                  /* a job of this view is running */
} gb_shared;

/* Work to do off the UI thread. run() may only touch the job itself (it gets
 * copies of its inputs); finish() runs on the UI thread and moves the results
 * into the view. */
typedef struct gb_job {
    void (*run)(struct gb_job *job);
    void (*finish)(struct gb_job *job, void *view_self);
    void (*free)(struct gb_job *job);
    const char *what;           /* "computing positional encodings" for the busy indicator */
} gb_job;

typedef struct gb_view {
    const char *name;           /* command-line name: "positions" */
    const char *title;          /* tab title: "Positions" */
    const char *summary;        /* one line for `glassbox help render` */
    void *(*create)(const gb_view_args *args, gb_error *err);
    void (*destroy)(void *self);
    gb_job *(*update)(void *self, const gb_shared *sh);
    void (*layout)(void *self, double w, double h, const gb_shared *sh);
    void (*draw)(cairo_t *cr, double w, double h, const void *self, const gb_shared *sh);
    bool (*event)(void *self, const gb_event *ev, const gb_shared *sh);
    /* view-specific shortcuts for the help overlay: pairs {keys, what}, NULL-terminated */
    const char *const *shortcuts;
    /* the view's widgets (for the window to route keyboard focus), may return NULL */
    gb_ui *(*ui)(void *self);
    /* a named result matrix [rows, cols] for tests and exports, or NULL */
    const float *(*matrix)(const void *self, const char *name, int *rows, int *cols);
    /* after settling: why the input cannot be shown (e.g. a prompt longer than the
     * context), for `render` to refuse with one line; NULL when fine. May be NULL. */
    const char *(*input_error)(const void *self);
    /* after settling: is what was asked for possible with this model? (e.g. a
     * layer out of range; headless renders refuse it with this message), may be NULL */
    gb_status (*check)(const void *self, const gb_shared *sh, gb_error *err);
    /* the window's clock (seconds): true while the view animates (e.g. playing), may be NULL */
    bool (*tick)(void *self, double now);
    /* after settling: the items marked for --highlight (token positions, or vocabulary
     * ids for bars of a distribution) into out (cap), returning how many; may be NULL */
    int (*highlighted)(const void *self, int *out, int cap);
} gb_view;

/* The registry. */
const gb_view *const *gb_views(int *n);
const gb_view *gb_view_find(const char *name);
/* "positions, tokenization, ..." for error messages (static buffer). */
const char *gb_view_names(void);

/* Run update/job/finish inline until the view is up to date (headless use). */
gb_status gb_view_settle(const gb_view *v, void *self, const gb_shared *sh, gb_error *err);

/* Views. */
extern const gb_view gb_view_positions;
extern const gb_view gb_view_tokenization;
extern const gb_view gb_view_embeddings;
extern const gb_view gb_view_attention;
extern const gb_view gb_view_lens;
extern const gb_view gb_view_distribution, gb_view_generation, gb_view_compare;
extern const gb_view gb_view_translation, gb_view_classification;
/* A lesson's "@select horse cheval" on the translation view: the row that writes the English word and the French
 * word's column in the greedy translation of prompt by model (NULL: classroom-translate); -1, -1 if not found. */
void gb_view_translation_select(const char *model, const char *prompt, const char *english, const char *french, int *query, int *key);

/* Helpers shared by views: the title block at the top of a view, returning the
 * rest of the area; a centred message in a rectangle. */
gb_rect gb_view_header(cairo_t *cr, double w, double h, const char *title, const char *subtitle,
                       const gb_theme *t);
double gb_view_header_h(const gb_theme *t);
/* The room under the header of a w x h view, inside its margins. */
gb_rect gb_view_body(double w, double h, const gb_theme *t);
void gb_view_message(cairo_t *cr, gb_rect r, const char *msg, const gb_theme *t);

#endif
