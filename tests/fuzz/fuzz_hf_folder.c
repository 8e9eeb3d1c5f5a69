/* fuzz_hf_folder: gb_model_load on a Hugging Face folder whose config.json is
 * the fuzz input and whose model.safetensors is the tiny random GPT-2 fixture. */
#include "fuzz_common.h"

#include "glassbox/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int ready;
    if (!ready) {
        mkdir(fz_path("hf"), 0700);
        unlink(fz_path("hf/model.safetensors"));
        if (symlink(GB_FIXTURES "/gpt2_tiny_random/model.safetensors", fz_path("hf/model.safetensors"))) {
            perror("symlink");
            abort();
        }
        ready = 1;
    }
    fz_write("hf/config.json", data, size);
    gb_error err = {0};
    gb_model *m = NULL;
    if (gb_model_load(fz_path("hf"), &m, &err) != GB_OK) {
        fz_check_error(&err);
        return 0;
    }
    gb_model_free(m);
    return 0;
}
