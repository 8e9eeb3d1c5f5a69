/* model_import.h - private to core: helpers shared by the model file readers
 * (model_io.c: native files and dispatch; model_import.c: Hugging Face GPT-2
 * and llama2.c). Not installed; every name has the gb_io_ prefix. */
#ifndef GLASSBOX_MODEL_IMPORT_H
#define GLASSBOX_MODEL_IMPORT_H

#include <stdint.h>

#include "glassbox/error.h"
#include "glassbox/model.h"
#include "glassbox/safetensors.h"

/* malloc'd strings; NULL when out of memory. */
char *gb_io_strdup(const char *s);
char *gb_io_path_join(const char *dir, const char *name); /* "dir/name" */
char *gb_io_path_dir(const char *path);                   /* folder of path, "." if none */
char *gb_io_beside(const char *dir, const char *name);    /* dir/name if it is a file, else NULL */
int gb_io_is_file(const char *path);
int gb_io_is_dir(const char *path);

/* Check a file tensor's shape: ndim 1 uses d0, ndim 2 uses d0 x d1. The
 * message names the file, the tensor, the shape found and the one expected. */
gb_status gb_io_check_shape(const char *path, const gb_st_tensor *t, int ndim, int64_t d0, int64_t d1,
                            gb_error *err);

/* A Hugging Face GPT-2 checkpoint (f has no glassbox metadata) with its config.json. */
gb_status gb_io_load_hf_gpt2(const gb_st_file *f, const char *config_path, gb_model **out, gb_error *err);
/* A llama2.c checkpoint (legacy "version 0" .bin). */
gb_status gb_io_load_llama2c(const char *path, gb_model **out, gb_error *err);

#endif
