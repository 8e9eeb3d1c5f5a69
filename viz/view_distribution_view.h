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
} dist_view;

void dist_controls_init(dist_view *v);
void dist_controls_free(dist_view *v);
void dist_controls_layout(dist_view *v, gb_rect *r, const gb_shared *sh);
bool dist_controls_read(dist_view *v);
bool dist_keys(dist_view *v, const gb_event *ev);
bool dist_tick(void *self, double now);
gb_rect dist_body(const dist_view *v, double w, double h, const gb_shared *sh);
void dist_draw_text(cairo_t *cr, gb_rect r, const gb_samp *p, const gb_theme *t);

#endif
