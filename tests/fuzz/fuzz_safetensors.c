/* fuzz_safetensors: gb_st_open on arbitrary bytes, then read every tensor. */
#include "fuzz_common.h"

#include "glassbox/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fz_write("in.safetensors", data, size);
    gb_error err = {0};
    gb_st_file f;
    if (gb_st_open(path, &f, &err) != GB_OK) {
        fz_check_error(&err);
        return 0;
    }
    for (int i = 0; i < f.n_tensors; i++) {
        const gb_st_tensor *t = &f.tensors[i];
        if (gb_st_find(&f, t->name) == NULL) abort();
        float *x = malloc((t->numel ? t->numel : 1) * sizeof *x);
        if (!x) abort();
        if (gb_st_read_f32(&f, t, x, &err) != GB_OK) fz_check_error(&err);
        gb_st_read_f32_raw(&f, t, x);
        free(x);
    }
    for (int i = 0; i < f.n_meta; i++) (void)gb_st_meta_get(&f, f.meta[i].key);
    gb_st_close(&f);
    return 0;
}
