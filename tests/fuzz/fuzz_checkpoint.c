/* fuzz_checkpoint: gb_checkpoint_load (a training checkpoint: parameters and
 * AdamW moments in one safetensors file, step, generator and config in its
 * metadata) into a trainer for the tiny decoder of
 * tests/fixtures/malformed/valid_tiny.safetensors. A refused checkpoint must
 * leave the model's parameters untouched; an accepted one must hold only
 * finite numbers.
 *
 * Seeds: GB_FUZZ_CHECKPOINT_SEEDS=DIR fuzz_checkpoint -runs=0 writes a
 * checkpoint of this model (fresh, and after one training step) to DIR. */
#include <math.h>

#include "fuzz_common.h"

#include "glassbox/model.h"
#include "glassbox/train.h"

static gb_model *M;
static gb_trainer *T;
static float *SAVED;

static void make_seeds(const char *dir) {
    gb_error err = {0};
    char path[700];
    snprintf(path, sizeof path, "%s/fresh.ckpt", dir);
    if (gb_checkpoint_save(T, path, "{\"note\": \"seed\"}", &err)) abort();
    int tokens[2] = {1, 2}, targets[2] = {2, 3};
    gb_batch b = {.B = 1, .T = 2, .tokens = tokens, .targets = targets};
    gb_optim o;
    gb_optim_defaults(&o, 10);
    double loss = 0;
    if (gb_train_grad(T, &b, &loss, &err)) abort();
    gb_train_step(T, &o, NULL);
    snprintf(path, sizeof path, "%s/stepped.ckpt", dir);
    if (gb_checkpoint_save(T, path, NULL, &err)) abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    gb_error err = {0};
    if (gb_model_load(GB_FIXTURES "/malformed/valid_tiny.safetensors", &M, &err) ||
        gb_trainer_new(M, 2, 4, 0, &T, &err)) {
        fprintf(stderr, "fuzz_checkpoint: %s\n", err.msg);
        abort();
    }
    const char *seeds = getenv("GB_FUZZ_CHECKPOINT_SEEDS");
    if (seeds) make_seeds(seeds);
    SAVED = malloc(M->n_params * sizeof(float));
    if (!SAVED) abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fz_write("train.ckpt", data, size);
    memcpy(SAVED, M->params, M->n_params * sizeof(float));
    gb_error err = {0};
    char *meta = NULL;
    if (gb_checkpoint_load(T, path, &meta, &err) != GB_OK) {
        fz_check_error(&err);
        if (meta || memcmp(SAVED, M->params, M->n_params * sizeof(float))) abort();
        return 0;
    }
    if (!meta) abort();
    for (size_t i = 0; i < M->n_params; i++)
        if (!isfinite(M->params[i])) {
            fprintf(stderr, "a checkpoint with a non-finite parameter (index %zu) was accepted\n", i);
            abort();
        }
    free(meta);
    return 0;
}
