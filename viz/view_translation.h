/* view_translation.h - private to the translation view (view_translation.c:
 * state, job, events; view_translation_draw.c: drawing). */
#ifndef GB_VIEW_TRANSLATION_H
#define GB_VIEW_TRANSLATION_H

#include "glassbox/tasks.h"
#include "view.h"
#include "view_tasks.h"

#define TR_TOP_K 4
#define TR_DEFAULT_PROMPT "le cheval n' a pas travers\xC3\xA9 la rivi\xC3\xA8re parce qu' elle \xC3\xA9tait trop profonde ."

typedef struct tr_view {
    task_src src;
    task_heads heads;
    int arg_layer, arg_head, arg_upto;  /* as given (-1 / 0: not given), checked by render */
    int upto;                  /* target tokens shown, <s> included; 0 = all */
    /* the translation (from a job) */
    gb_translation t;
    bool have, job_out;
    char (*src_lab)[TASK_LABEL];   /* [t.n_src] */
    char (*tgt_lab)[TASK_LABEL];   /* [t.n_ids] */
    char (*cand_lab)[TASK_LABEL];  /* [t.n_steps * t.top_k] */
    int n_unk;                 /* source words the tokenizer did not know */
    char error[256];           /* why there is nothing to show */
    bool input_bad;            /* the error is the user's input (render refuses it) */
    char *c_prompt;            /* the prompt the result (or error) is for */
    const gb_model *c_model;
    bool c_default;            /* the prompt was the built-in example */
    char *first_prompt;        /* the window's prompt when the view first ran (meant for its model) */
    float *avg;                /* [t.n_steps, t.n_src] average of the layer's heads */
    const char **row_p, **col_p; /* heatmap labels [t.n_steps] ("" for rows not written yet), [t.n_src] */
    uint8_t *mask;             /* [t.n_steps, t.n_src] 1 = not written yet */
    /* widgets */
    gb_ui ui;
    gb_widget back_b, next_b, all_b, step_s;
    double w, h;
    int hover_r, hover_c;      /* heatmap cell under the pointer */
    int hover_line;            /* alignment: English word under the pointer */
    int sel_r, sel_c;          /* the chosen cell (--query, --key or a click), -1: none */
    gb_hl hl;                  /* --highlight: these words' tokens ringed, candidates marked */
} tr_view;

typedef struct tr_geom {
    gb_rect controls, sentence, heat, lines, cand;
} tr_geom;

/* Target tokens shown (1..n_ids) and heatmap rows (= shown - 1). */
int tr_shown(const tr_view *v);
/* The matrix of the chosen head (or average) [t.n_steps, t.n_src]; NULL if none. */
const float *tr_matrix(const tr_view *v);
void tr_geometry(const tr_view *v, double w, double h, const gb_shared *sh, tr_geom *g);
gb_heatmap tr_heatmap(const tr_view *v);
/* The cell and English word to point out: the hovered ones, else the chosen cell (-1: none). */
void tr_focus(const tr_view *v, int *row, int *col, int *line);
/* The heatmap's rectangle inside the heat panel. */
gb_rect tr_heat_area(gb_rect panel, const gb_theme *t);
/* Where the alignment drawing puts its two rows of words. */
typedef struct tr_lines_geom {
    gb_rect area;
    double y_src, y_tgt;       /* baselines of the French and English rows */
    double x_src0, dx_src, x_tgt0, dx_tgt;
} tr_lines_geom;
void tr_lines_geometry(const tr_view *v, gb_rect panel, const gb_theme *t, tr_lines_geom *g);
void tr_draw(cairo_t *cr, double w, double h, const void *self, const gb_shared *sh);

#endif
