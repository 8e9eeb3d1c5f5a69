/* bench_tokenizer.c - tokenizer throughput on tinyshakespeare (1.1 MB), one
 * thread: GPT-2 BPE encode, the same with the full record (what the viewer
 * and `tokenize --format json` pay), and llama2.c encode; and 1 MiB of text
 * without spaces (one giant pre-token) against 256 KiB of it: linear work
 * takes 4 times as long, a quadratic merge loop 16 (the unit test counts the
 * work instead, gb_tokenizer_work).
 *
 * The reference point, npm gpt-3-encoder under Node, cannot run inside
 * this program; it was measured by hand on the same text (docs/tokenizers.md
 * gives the figure and how to repeat it). */
#include <stdint.h>
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

/* Random lower-case letters, no spaces (malloc'd). */
static char *no_space_text(size_t n) {
    char *s = malloc(n);
    uint64_t x = 12345;
    for (size_t i = 0; s && i < n; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        s[i] = (char)('a' + (x >> 33) % 26);
    }
    return s;
}

/* 1 MiB without spaces against 256 KiB: the time ratio (target <= 8: linear work
 * is 4, plus caches that no longer hold the bigger arrays; quadratic is 16). */
static void long_chunk(gb_bench *b, const gb_tokenizer *t, const char *what, int reps) {
    size_t n = 1 << 20;
    char *s = no_space_text(n);
    int m;
    double small = s ? time_encode(t, s, n / 4, false, reps, &m) : -1;
    double big = s ? time_encode(t, s, n, false, reps, &m) : -1;
    char name[96], base[96];
    snprintf(name, sizeof name, "%s encode, 1 MiB without spaces", what);
    snprintf(base, sizeof base, "%s encode, 256 KiB without spaces", what);
    if (small > 0 && big > 0)
        gb_bench_report(b, "tokenizer", name, big, "s", false, base, small, 8.0,
                        "one pre-token: linear work gives a ratio of 4, a quadratic merge loop 16");
    free(s);
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
        long_chunk(b, gpt2, "gpt2 BPE", reps);
        long_chunk(b, llama, "llama2.c", reps);
    }
    gb_tokenizer_free(gpt2);
    gb_tokenizer_free(llama);
    free(text);
    return rc;
}
