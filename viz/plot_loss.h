/* plot_loss.h - a loss curve as a PNG (training and validation loss by step). */
#ifndef GB_PLOT_LOSS_H
#define GB_PLOT_LOSS_H

#include "glassbox/error.h"

typedef struct gb_loss_point {
    int step;
    float loss; /* mean training loss since the previous point */
    float val;  /* validation loss, NaN if none */
} gb_loss_point;

/* Draw the curve (cairo) and write it atomically to path (PNG, 640x400). */
gb_status gb_plot_loss_png(const char *path, const gb_loss_point *p, int n, const char *title, gb_error *err);

#endif
