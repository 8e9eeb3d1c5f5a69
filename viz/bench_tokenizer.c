/* bench_tokenizer.c - tokenizer throughput on tinyshakespeare (1.1 MB), one
 * thread: GPT-2 BPE encode, the same with the full record (what the viewer
 * and `tokenize --format json` pay), and llama2.c encode.
 *
 * The reference point, npm gpt-3-encoder under Node, cannot run inside
 * this program; it was measured by hand on the same text (docs/tokenizers.md
 * gives the figure and how to repeat it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "glassbox/platform.h"
#include "glassbox/tokenizer.h"

/* Median seconds of `reps` encodes of text; -1 on failure. */
static double time_encode(const gb_tokenizer *t, const char *text, size_t len, bool record, int reps, int *n_ids) {
    double v[16];
    if (reps > 16) reps = 16;
    for (int r = 0; r < reps; r++) {
        gb_error err = {0};
        gb_tok_record *rec = record ? gb_tok_record_new() : NULL;
        int *ids;
        double t0 = gb_now();
        gb_status st = gb_tokenizer_encode(t, text, len, false, &ids, n_ids, rec, &err);
        v[r] = gb_now() - t0;
        gb_tok_record_free(rec);
        if (st) {
            fprintf(stderr, "glassbox: bench tokenizer: %s\n", err.msg);
            return -1;
        }
        free(ids);
    }
    return gb_bench_median(v, reps);
}

static gb_tokenizer *load(const char *data, const char *rel) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", data, rel);
    gb_error err = {0};
    gb_tokenizer *t = NULL;
    if (gb_tokenizer_load(path, &t, &err)) fprintf(stderr, "glassbox: bench tokenizer: %s\n", err.msg);
    return t;
}

int gb_bench_tokenizer(gb_bench *b) {
    const gb_bench_opts *o = gb_bench_options(b);
    const char *data = o->data ? o->data : "tests/fixtures";
    char path[4096];
    snprintf(path, sizeof path, "%s/tinyshakespeare/input.txt", data);
    gb_error err = {0};
    char *text;
    size_t len;
    if (gb_read_file(path, 64 << 20, &text, &len, &err)) {
        fprintf(stderr, "glassbox: bench tokenizer: %s\n", err.msg);
        return 1;
    }
    gb_tokenizer *gpt2 = load(data, "gpt2_bpe"), *llama = load(data, "llama2c_stories260K/tok512.bin");
    int reps = o->quick ? 1 : 5, rc = 1, n;
    double mb = (double)len / 1e6;
    if (gpt2 && llama) {
        time_encode(gpt2, text, len, false, 1, &n); /* warm the caches once */
        double plain = time_encode(gpt2, text, len, false, reps, &n);
        double rec = time_encode(gpt2, text, len, true, o->quick ? 1 : 3, &n);
        double lt = time_encode(llama, text, len, false, reps, &n);
        if (plain > 0 && rec > 0 && lt > 0) {
            gb_bench_report(b, "tokenizer", "gpt2 BPE encode, tinyshakespeare", mb / plain, "MB/s", true, NULL, 0, 0,
                            "one thread; npm gpt-3-encoder on Node is measured by hand (docs/tokenizers.md)");
            gb_bench_report(b, "tokenizer", "gpt2 BPE encode with full record", mb / rec, "MB/s", true,
                            "gpt2 BPE encode", mb / plain, 0, "the record keeps every merge (no chunk cache)");
            gb_bench_report(b, "tokenizer", "llama2.c encode (tok512), tinyshakespeare", mb / lt, "MB/s", true, NULL, 0,
                            0, "one chunk for the whole text: heap-ordered merges");
            rc = 0;
        }
    }
    gb_tokenizer_free(gpt2);
    gb_tokenizer_free(llama);
    free(text);
    return rc;
}
