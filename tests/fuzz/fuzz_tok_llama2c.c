/* fuzz_tok_llama2c: gb_tokenizer_load on a llama2.c tokenizer.bin. */
#include "fuzz_tok_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fz_write("tokenizer.bin", data, size);
    gb_error err = {0};
    gb_tokenizer *t = NULL;
    if (gb_tokenizer_load(path, &t, &err) != GB_OK) {
        fz_check_error(&err);
        return 0;
    }
    fz_exercise_tokenizer(t);
    gb_tokenizer_free(t);
    return 0;
}
