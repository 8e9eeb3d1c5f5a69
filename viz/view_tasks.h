/* view_tasks.h - what the translation and classification views share: which
 * model they run (the window's when it is of the right family, else their
 * bundled model, loaded once by a job), its tokenizer, token labels, and the
 * widgets that pick a layer and a head (or the heads' average).
 *
 * The window's model may be of another family (a decoder opened for the other
 * tabs): the view then runs its own bundled model and says so in its title;
 * `render` refuses a --model of the wrong family instead (task_check).
 */
#ifndef GB_VIEW_TASKS_H
#define GB_VIEW_TASKS_H

#include <stdbool.h>

#include "glassbox/model.h"
#include "glassbox/tokenizer.h"
#include "highlight.h"
#include "view.h"

#define TASK_LABEL 40

typedef struct task_src {
    gb_arch arch;              /* the family the view needs */
    const char *bundled;       /* its default: "classroom-translate" */
    const char *family;        /* "an encoder-decoder model" for messages */
    gb_model *own;             /* the bundled model, once a job loaded it */
    gb_tokenizer *tok;         /* the tokenizer of tok_for */
    const gb_model *tok_for;
    char load_error[256];      /* why the bundled model could not be opened */
} task_src;

/* The model to run: the window's when it fits, else the view's own (NULL
 * until loaded). *foreign: the window has a model of another family. */
const gb_model *task_model(const task_src *s, const gb_shared *sh, bool *foreign);
/* "classroom-translate" or the window's model name. */
const char *task_model_name(const task_src *s, const gb_shared *sh);
void task_src_free(task_src *s);

/* Work of a job (worker thread): the model (loading the bundled one when m is
 * NULL) and its tokenizer (loading it when tok is NULL), then the prompt's
 * ids. Whatever was loaded is kept in the job until task_job_adopt. */
typedef struct task_load {
    const char *bundled;
    const gb_model *m;         /* in: the model to use or NULL; out: the model used */
    const gb_tokenizer *tok;   /* in: its tokenizer or NULL; out: the tokenizer used */
    gb_model *loaded;
    gb_tokenizer *tok_loaded;
} task_load;

gb_status task_job_prepare(task_load *L, gb_error *err);
/* The prompt's ids (with <cls> first when cls is set). */
gb_status task_job_encode(const task_load *L, const char *prompt, bool cls, int **ids, int *n, gb_error *err);
/* UI thread: move what the job loaded into the view's task_src. */
void task_job_adopt(task_src *s, task_load *L);
void task_load_free(task_load *L);
/* Labels [n][TASK_LABEL] of ids (malloc'd). */
char (*task_labels(const gb_tokenizer *tok, const int *ids, int n))[TASK_LABEL];

/* The layer/head picker: a layer drop-down, a head drop-down whose last item
 * is "average of heads". */
typedef struct task_heads {
    gb_widget layer_dd, head_dd;
    char names[2][GB_MAX_LAYERS + 1][24];
    const char *items[2][GB_MAX_LAYERS + 1];
    int n_layers, n_heads;
    int layer, head;            /* the choice */
    bool average;
} task_heads;

void task_heads_init(task_heads *h, gb_ui *ui, int layer, int head, bool average);
/* Adapt the drop-downs to a model's layers and heads (keeps the choice when it fits). */
void task_heads_sync(task_heads *h, int n_layers, int n_heads);
/* After a ui event: read the drop-downs. */
bool task_heads_read(task_heads *h);
/* Keys: Up/Down layer, Left/Right head, a = average. */
bool task_heads_key(task_heads *h, const gb_event *ev);
void task_heads_free(task_heads *h);
/* "layer 1, head 0" / "layer 1, average of 4 heads" */
void task_heads_describe(const task_heads *h, char *buf, size_t cap);
/* A layer or head asked for on the command line that the model does not have. */
gb_status task_heads_check(const char *view, int arg_layer, int arg_head, int n_layers, int n_heads, gb_error *err);

/* render: refuse a --model of the wrong family. */
gb_status task_check(const task_src *s, const gb_shared *sh, const char *view, gb_error *err);

/* Draw a sentence as a row of token boxes whose background is shaded by
 * weight[i] in [0, 1] (NULL: plain); the tokens of hl's words (may be NULL)
 * in a yellow ring; returns the height used. rects (may be NULL) receive each box. */
double task_draw_strip(cairo_t *cr, gb_rect r, char (*lab)[TASK_LABEL], int n, const float *weight, int highlight,
                       const gb_hl *hl, const gb_theme *t, gb_rect *rects);
/* The positions of the tokens of hl's words in a sentence [n], plus base, into
 * out (cap); returns how many. */
int task_highlighted(const gb_hl *hl, char (*lab)[TASK_LABEL], int n, int base, int *out, int cap);

#endif
