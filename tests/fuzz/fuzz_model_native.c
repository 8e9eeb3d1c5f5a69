/* fuzz_model_native: gb_model_load on a .safetensors file (native glassbox or
 * Hugging Face GPT-2 tensors). */
#include "fuzz_common.h"

#include "glassbox/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fz_write("model.safetensors", data, size);
    gb_error err = {0};
    gb_model *m = NULL;
    if (gb_model_load(path, &m, &err) != GB_OK) {
        fz_check_error(&err);
        return 0;
    }
    if (gb_model_check_finite(m, &err) != GB_OK) fz_check_error(&err);
    gb_model_free(m);
    return 0;
}
