/* fuzz_model_llama2c: gb_model_load on a llama2.c .bin checkpoint. */
#include "fuzz_common.h"

#include "glassbox/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fz_write("model.bin", data, size);
    gb_error err = {0};
    gb_model *m = NULL;
    if (gb_model_load(path, &m, &err) != GB_OK) {
        fz_check_error(&err);
        return 0;
    }
    gb_model_free(m);
    return 0;
}
