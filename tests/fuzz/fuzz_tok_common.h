/* fuzz_tok_common.h - exercise a tokenizer the fuzzer managed to load:
 * encode, decode, label and stream-decode a fixed text and every id. */
#ifndef GB_FUZZ_TOK_COMMON_H
#define GB_FUZZ_TOK_COMMON_H

#include "fuzz_common.h"

#include "glassbox/tokenizer.h"

__attribute__((unused)) static void fz_exercise_tokenizer(const gb_tokenizer *t) {
    static const char text[] = "Hello world, the cat sat.\n caf\xc3\xa9 \xff";
    gb_error err = {0};
    int *ids = NULL, n = 0;
    gb_tok_record *rec = gb_tok_record_new();
    if (gb_tokenizer_encode(t, text, sizeof text - 1, true, &ids, &n, rec, &err) != GB_OK) {
        fz_check_error(&err);
    } else {
        char *out = NULL;
        size_t len = 0;
        if (gb_tokenizer_decode(t, ids, n, &out, &len, &err) != GB_OK) fz_check_error(&err);
        free(out);
    }
    free(ids);
    gb_tok_record_free(rec);
    int v = gb_tokenizer_vocab_size(t);
    gb_detok *d = gb_detok_new(t);
    char buf[64];
    for (int id = -1; id <= v && id < 4096; id++) {
        size_t len;
        (void)gb_tokenizer_token(t, id, &len);
        (void)gb_tokenizer_piece(t, id, &len);
        gb_tokenizer_label(t, id, buf, sizeof buf);
        if (d) (void)gb_detok_push(d, id - 1, id, buf, sizeof buf);
    }
    if (d) {
        (void)gb_detok_flush(d, buf, sizeof buf);
        gb_detok_free(d);
    }
}

#endif
