/* view_model.c - opening the model the viewer shows (see view_model.h). */
#include "view_model.h"

#include <stdio.h>
#include <string.h>

gb_status gb_view_model_open(gb_view_model *vm, const char *spec, gb_error *err) {
    memset(vm, 0, sizeof *vm);
    if (!spec) return GB_OK;
    const char *slash = strrchr(spec, '/');
    snprintf(vm->name, sizeof vm->name, "%s", slash && slash[1] ? slash + 1 : spec);
    return gb_model_load(spec, &vm->model, err);
}

void gb_view_model_share(const gb_view_model *vm, gb_shared *sh) {
    sh->model = vm->model;
    sh->model_name = vm->model ? vm->name : NULL;
}

void gb_view_model_close(gb_view_model *vm) {
    if (vm->model) gb_model_free(vm->model);
    vm->model = NULL;
}
