/* view_model.h - the model a window or a render shows: opened from a --model
 * spec, shared read-only with the views through gb_shared. */
#ifndef GB_VIEW_MODEL_H
#define GB_VIEW_MODEL_H

#include "glassbox/error.h"
#include "glassbox/model.h"
#include "view.h"

typedef struct gb_view_model {
    gb_model *model;   /* NULL when no --model was given */
    char name[256];    /* shown in titles: the spec's last path component */
} gb_view_model;

/* Open spec (NULL: no model, GB_OK). */
gb_status gb_view_model_open(gb_view_model *vm, const char *spec, gb_error *err);
/* Point sh at the model (model, model_name). */
void gb_view_model_share(const gb_view_model *vm, gb_shared *sh);
void gb_view_model_close(gb_view_model *vm);

#endif
