/* fuzz_bpe_encode: encode arbitrary bytes with the GPT-2 tokenizer
 * (tests/fixtures/gpt2_bpe) or the llama2.c tok512.bin, with a record, and
 * check the record, the replay and the round trip. The first byte chooses the
 * tokenizer (bit 0) and add_special (bit 1). */
#include "fuzz_common.h"

#include "glassbox/tokenizer.h"

static gb_tokenizer *load(const char *path) {
    gb_error err = {0};
    gb_tokenizer *t = NULL;
    if (gb_tokenizer_load(path, &t, &err) != GB_OK) {
        fprintf(stderr, "%s\n", err.msg);
        abort();
    }
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static gb_tokenizer *toks[2];
    if (!toks[0]) {
        toks[0] = load(GB_FIXTURES "/gpt2_bpe");
        toks[1] = load(GB_FIXTURES "/llama2c_stories260K/tok512.bin");
    }
    if (size == 0) return 0;
    const gb_tokenizer *t = toks[data[0] & 1];
    bool special = data[0] & 2;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;

    gb_error err = {0};
    int *ids = NULL, n = 0;
    gb_tok_record *rec = gb_tok_record_new();
    if (gb_tokenizer_encode(t, text, len, special, &ids, &n, rec, &err) != GB_OK) {
        fz_check_error(&err);
        gb_tok_record_free(rec);
        return 0;
    }
    if (rec->n_tokens != n) abort();
    for (int i = 0; i < n; i++)
        if (rec->tokens[i].id != ids[i] || ids[i] < 0 || ids[i] >= gb_tokenizer_vocab_size(t)) abort();
    gb_tok_symbol sym[64];
    for (int c = 0; c < rec->n_chunks; c++) {
        int steps = rec->chunks[c].n_merges;
        if (gb_tok_record_replay(rec, c, steps, sym, 64) < 0) abort();
        if (gb_tok_record_replay(rec, c, 0, sym, 64) < 0) abort();
    }
    /* Both tokenizers are lossless on any bytes (GPT-2 byte-wise, llama2.c
     * with byte fallback) apart from llama2.c's dummy prefix space. */
    char *out = NULL;
    size_t olen = 0;
    if (gb_tokenizer_decode(t, ids, n, &out, &olen, &err) != GB_OK) abort();
    if (t == toks[0] && (olen != len || memcmp(out, text, len))) {
        fprintf(stderr, "GPT-2 round trip lost bytes (%zu -> %zu)\n", len, olen);
        abort();
    }
    free(out);
    free(ids);
    gb_tok_record_free(rec);
    return 0;
}
