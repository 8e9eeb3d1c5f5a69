/* view_distribution_view.h - the distribution view's state, shared with the
 * generation view (the same controls) and the tests. */
#ifndef GB_VIEW_DISTRIBUTION_VIEW_H
#define GB_VIEW_DISTRIBUTION_VIEW_H

#include "view_distribution.h"

typedef struct dist_view {
    gb_samp p;
    gb_ui ui;
    gb_widget strategy, temp, topk, topp, maxnew, seed, step, back, play, reset, branch;
    double w, h;
    double last_play;            /* clock time of the last step while playing */
    /* generation view only */
    int hover_node;
    int branch_at;               /* --at: branch there after the first steps, -1 none */
    /* the attention panel: layer (-1: the last), head (-1: the average over heads) */
    int att_layer, att_head;
    gb_widget att_layer_dd, att_head_dd;
    char (*att_names)[16];       /* dropdown items: "layer 0".., then "average", "head 0".. */
    const char **att_items;
    int att_L, att_H;            /* the model the items were made for */
} dist_view;

void dist_controls_init(dist_view *v);
void dist_controls_free(dist_view *v);
void dist_controls_layout(dist_view *v, gb_rect *r, const gb_shared *sh);
bool dist_controls_read(dist_view *v);
bool dist_keys(dist_view *v, const gb_event *ev);
bool dist_tick(void *self, double now);
gb_rect dist_body(const dist_view *v, double w, double h, const gb_shared *sh);
void dist_draw_text(cairo_t *cr, gb_rect r, const gb_samp *p, const gb_theme *t);

/* The generation view's attention panel (view_generation_attn.c): what the
 * model attended to when it produced the shown step's token. */
void gen_att_init(dist_view *v, const gb_view_args *a);
void gen_att_free(dist_view *v);
/* Make the drop-down items for the model's layers and heads. */
void gen_att_sync(dist_view *v, const gb_shared *sh);
double gen_att_height(const gb_theme *t);
void gen_att_layout(dist_view *v, gb_rect r, const gb_shared *sh);
void gen_att_draw(cairo_t *cr, gb_rect r, const dist_view *v, const gb_theme *t);
/* The drop-downs changed, or a key (Up/Down layer, h head, a average): true if handled. */
bool gen_att_read(dist_view *v);
bool gen_att_key(dist_view *v, const gb_event *ev);
/* The shown row [n_keys] (layer/head or average) into out (cap floats); returns n_keys or 0. */
int gen_att_row(const dist_view *v, float *out, int cap, int *layer, int *head);
gb_status gen_att_check(const dist_view *v, const gb_shared *sh, gb_error *err);
/* Where the generation view draws (view coordinates, after layout), for tests
 * that click: the distribution picture, and the centre of a node's box in the
 * tree (false if not drawn). */
gb_rect gen_dist_rect(const dist_view *v, const gb_shared *sh);
bool gen_node_center(const dist_view *v, const gb_shared *sh, int node, double *x, double *y);

#endif
