/* view_attention_view.h - private to the attention view (view_attention.c:
 * state, jobs, events; view_attention_draw.c: drawing). */
#ifndef GB_VIEW_ATTENTION_VIEW_H
#define GB_VIEW_ATTENTION_VIEW_H

#include "view.h"
#include "view_attention.h"

#define ATT_LABEL 40


typedef struct att_view {
    /* what the user asked for */
    char *ids_arg, *src_arg;     /* --ids / --source-ids (owned copies) or NULL */
    char *tok_arg;               /* --tokenizer or NULL */
    gb_att_tokens tokens;        /* the tokenizer in use (opened on the UI thread, read by jobs) */
    char src_lang[32], tgt_lang[32];
    gb_att_kind kind;
    bool open;                   /* one head shown (else the grid of all heads) */
    int layer, head;
    int arg_layer, arg_head;     /* as given on the command line (checked, never clamped), -1 */
    int arg_kind;                /* --attn, or -1 */
    bool scores, average, lines;
    int q, k;                    /* chosen cell (-1: the default: last row, its strongest key) */
    int step;                    /* visible target tokens; 0 = follow the newest */
    gb_att_head off[GB_ATT_MAX_IV];
    int n_off;
    bool no_pos;
    /* the recording (from a job) */
    gb_att_rec rec;
    gb_att_input tried;          /* the input of the last job, failed or not */
    bool have, job_out, tried_any;
    gb_att_source source;
    char error[256];             /* why there is nothing to show */
    const void *c_model;         /* the model the recording (or error) is for */
    char (*lab)[ATT_LABEL];      /* [rec.in.n] token labels */
    char (*src_lab)[ATT_LABEL];  /* [rec.in.n_src] */
    const char **lab_p, **src_lab_p;
    /* thumbnails: one image per head of each kind, rendered once per recording */
    cairo_surface_t **thumbs[3];
    int thumb_n[3];
    /* widgets */
    gb_ui ui;
    gb_widget kind_dd, back_b, scores_t, avg_t, lines_t, nopos_t, off_b, step_s;
    const char *kind_items[3];
    int kind_map[3], n_kinds;
    /* layout and pointer */
    double w, h;
    int hover_l, hover_h;        /* thumbnail under the pointer */
    int hover_r, hover_c;        /* heatmap cell under the pointer */
    int hover_line;              /* lines view: query row under the pointer */
} att_view;

/* Geometry shared by drawing and hit-testing. */
typedef struct att_geom {
    gb_rect controls, grid, head, arith, pred;
} att_geom;

typedef struct att_grid_geom {
    gb_rect r;                   /* the thumbnails' area */
    double cell_w, cell_h, size; /* pitch and thumbnail side */
    double left, top;            /* room for the L / H labels */
    int layers, heads;
} att_grid_geom;

void att_geometry(const att_view *v, double w, double h, const gb_shared *sh, att_geom *g);
void att_grid_geometry(const att_view *v, gb_rect r, const gb_theme *t, att_grid_geom *g);
/* The content rectangle of a panel with a subtitle (what gb_draw_panel returns). */
gb_rect att_panel_content(gb_rect r, const gb_theme *t);
/* Rows and columns of the head shown at the current step. */
void att_shown_dims(const att_view *v, int *rows, int *cols);
/* The head's matrix [rows, cols] from a pass (malloc'd) and its mask. */
float *att_head_matrix(const att_view *v, const gb_att_pass *p, int rows, int cols);
/* The cell the arithmetic explains (resolving the default). */
void att_chosen_cell(const att_view *v, const float *pattern, int rows, int cols, int *q, int *k);
/* Heatmap description of the open head (values must stay alive). */
gb_heatmap att_heatmap(const att_view *v, const float *values, const uint8_t *mask, int rows, int cols);
/* Where the lines view puts the token columns. */
void att_lines_geometry(gb_rect r, int rows, int cols, const gb_theme *t, double *xl, double *xr,
                        double *y0, double *pitch_l, double *pitch_r);
/* One heatmap of the head panel (before: the clean one when an intervention
 * is active): adjusts hm for that slot and gives its rectangle. */
void att_head_slot(const att_view *v, gb_rect head, const gb_theme *t, bool before, gb_heatmap *hm, gb_rect *area);
gb_rect att_head_area(const att_view *v, gb_rect head, const gb_theme *t, bool before);
bool att_head_is_off(const att_view *v, gb_att_kind k, int layer, int head);
const char *att_axis_name(const att_view *v, bool rows);

void att_draw(cairo_t *cr, double w, double h, const void *self, const gb_shared *sh);
/* Build the thumbnails of a recording (any thread: only touches rec). */
void att_build_thumbs(const gb_att_rec *rec, cairo_surface_t **out[3], int n[3]);
void att_free_thumbs(cairo_surface_t **thumbs[3], int n[3]);

#endif
