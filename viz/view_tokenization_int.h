/* view_tokenization_int.h - private to the tokenization view
 * (view_tokenization.c: state, job and table; view_tokenization_draw.c:
 * chips, layout, drawing and events). */
#ifndef GB_VIEW_TOKENIZATION_INT_H
#define GB_VIEW_TOKENIZATION_INT_H

#include "highlight.h"
#include "view.h"
#include "view_tokenization.h"

typedef struct tok_result {
    gb_tokenizer *built;   /* built from the text (characters, words), owned */
    gb_tok_record *rec;
    int *ids, n;
    char error[256];
    bool done;
} tok_result;

typedef struct tok_view {
    char *own;                          /* --tokenizer, or NULL */
    bool ids_given;                     /* --ids: the model's input has no text */
    int sel;                            /* chosen catalogue entry */
    int step;                           /* merges replayed; -1 = all */
    gb_tok_catalog cat;                 /* entries and loaded tokenizers */
    tok_result res[GB_TOK_CHOICES];
    char *c_prompt;                     /* prompt the results are for */
    const void *c_model;
    bool computed, job_out;
    char items_buf[GB_TOK_CHOICES][128];
    const char *items[GB_TOK_CHOICES];
    gb_ui ui;
    gb_widget tok_dd, prev_b, next_b, step_s, all_b;
    double w, h;
    int hover;                          /* final token under the pointer, -1 */
    float state_f[6], counts_f[GB_TOK_CHOICES], *ids_f; /* tok_matrix() */
    int results_gen;                    /* bumped whenever new results arrive */
    bool geom_valid;                    /* geometry() cache */
    unsigned char geom_key[64];
    gb_rect geom_rects[5];
    double hover_x, hover_y;
    gb_hl hl;                           /* --highlight: their chips get a halo */
} tok_view;

/* The chosen tokenizer's result, tokenizer, merges and the step shown. */
const tok_result *tok_cur(const tok_view *v);
const gb_tokenizer *tok_cur_tok(const tok_view *v);
int tok_n_merges(const tok_view *v);
int tok_cur_step(const tok_view *v);
/* Drop-down entries and the step slider from the state. */
void tok_refresh_items(tok_view *v);

/* The final tokens (of the chosen tokenizer) of the --highlight words: their indices. */
int tok_highlighted(const void *self, int *out, int cap);

void tok_layout(void *self, double w, double h, const gb_shared *sh);
void tok_draw(cairo_t *cr, double w, double h, const void *self, const gb_shared *sh);
bool tok_event(void *self, const gb_event *ev, const gb_shared *sh);

#endif
