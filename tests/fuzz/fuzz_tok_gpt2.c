/* fuzz_tok_gpt2: gb_tokenizer_load on a GPT-2 vocab.json + merges.txt pair.
 * The input is the vocabulary, a NUL byte, then the merges (no NUL: all of it
 * is the vocabulary and the merges are empty). */
#include "fuzz_tok_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *nul = memchr(data, 0, size);
    size_t nv = nul ? (size_t)(nul - data) : size;
    mkdir(fz_path("gpt2"), 0700);
    fz_write("gpt2/vocab.json", data, nv);
    fz_write("gpt2/merges.txt", nul ? nul + 1 : data, nul ? size - nv - 1 : 0);
    gb_error err = {0};
    gb_tokenizer *t = NULL;
    if (gb_tokenizer_load(fz_path("gpt2"), &t, &err) != GB_OK) {
        fz_check_error(&err);
        return 0;
    }
    fz_exercise_tokenizer(t);
    gb_tokenizer_free(t);
    return 0;
}
