/* test_tokenizer_reference.c - the fast merge loops against the simple,
 * quadratic algorithms they replace, on seeded random texts built to provoke
 * ties and overlaps ("aaaa", "===="), plus the cached path against the
 * recorded (uncached) path on real text. */
#include "gbtest.h"

#include "glassbox/platform.h"
#include "glassbox/tokenizer.h"

static gb_tokenizer *load_ok(const char *path) {
    gb_error err = {0};
    gb_tokenizer *t = NULL;
    gbt_assert_ok(gb_tokenizer_load(path, &t, &err), &err);
    return t;
}

static uint64_t rng = 0x853c49e6748fea9bULL;
static unsigned next_rand(unsigned n) {
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)((rng >> 33) % n);
}

/* A random text of fragments; returns its length. */
static size_t random_text(char *buf, size_t cap, const char *const *frags, int n_frags, int max_parts) {
    size_t len = 0;
    int parts = 1 + (int)next_rand((unsigned)max_parts);
    for (int p = 0; p < parts; p++) {
        const char *f = frags[next_rand((unsigned)n_frags)];
        size_t fl = strlen(f);
        if (len + fl >= cap) break;
        memcpy(buf + len, f, fl);
        len += fl;
    }
    return len;
}

/* run.c's encode() as written there: rescan every pair after each merge. */
static int runc_encode(const gb_tokenizer *t, const char *text, size_t len, int *out) {
    int n = 0;
    out[n++] = 1;
    if (len) out[n++] = gb_tokenizer_lookup(t, " ");
    char buf[8];
    size_t sl = 0;
    for (size_t i = 0; i < len; i++) {
        buf[sl++] = text[i];
        if (i + 1 < len && (text[i + 1] & 0xC0) == 0x80 && sl < 4) continue;
        int id = gb_tokenizer_lookup_n(t, buf, sl);
        if (id >= 0) out[n++] = id;
        else
            for (size_t k = 0; k < sl; k++) out[n++] = (unsigned char)buf[k] + 3;
        sl = 0;
    }
    for (;;) {
        float best = -1e10f;
        int best_id = -1, best_i = -1;
        for (int i = 0; i + 1 < n; i++) {
            char cat[64];
            snprintf(cat, sizeof cat, "%s%s", gb_tokenizer_token(t, out[i], NULL), gb_tokenizer_token(t, out[i + 1], NULL));
            int id = gb_tokenizer_lookup(t, cat);
            if (id != -1 && gb_tokenizer_score(t, id) > best) {
                best = gb_tokenizer_score(t, id);
                best_id = id;
                best_i = i;
            }
        }
        if (best_i < 0) break;
        out[best_i] = best_id;
        memmove(out + best_i + 1, out + best_i + 2, (size_t)(n - best_i - 2) * sizeof *out);
        n--;
    }
    return n;
}

static void assert_same(const int *a, int na, const int *b, int nb, const char *text, size_t len) {
    if (na == nb && memcmp(a, b, (size_t)na * sizeof *a) == 0) return;
    printf("  text (%zu bytes):", len);
    for (size_t i = 0; i < len; i++) printf(" %02x", (unsigned char)text[i]);
    printf("\n  fast:");
    for (int i = 0; i < na; i++) printf(" %d", a[i]);
    printf("\n  reference:");
    for (int i = 0; i < nb; i++) printf(" %d", b[i]);
    printf("\n");
    fail_msg("the fast encoder and the reference disagree");
}

/* The heap-ordered llama2.c merges equal run.c's rescanning loop. */
static void test_llama_matches_runc_loop(void **state) {
    (void)state;
    gb_tokenizer *t = load_ok(gbt_fixture("llama2c_stories260K/tok512.bin"));
    static const char *const frags[] = {"a", "e", "t", "h", "the", " ", "  ", "Once", " upon", "Lily", "ZZ", "!", "??",
                                        "\n", "\xC3\xA9", "\xE6\x97\xA5", "\xFF", "\x80", "oo", "ll", "in", "ing", "\t"};
    char text[512];
    int fast_n, ref[1024];
    for (int c = 0; c < 400; c++) {
        size_t len = random_text(text, sizeof text, frags, sizeof frags / sizeof *frags, 40);
        gb_error err = {0};
        int *fast;
        gbt_assert_ok(gb_tokenizer_encode(t, text, len, true, &fast, &fast_n, NULL, &err), &err);
        int ref_n = runc_encode(t, text, len, ref);
        assert_same(fast, fast_n, ref, ref_n, text, len);
        free(fast);
    }
    gb_tokenizer_free(t);
}

/* encoder.py's bpe(): merge every occurrence of the lowest-rank pair, left to right. */
static int encoderpy_bpe(const gb_tokenizer *t, int *w, int n) {
    for (;;) {
        int best = -1, result = -1, a = -1, b = -1;
        for (int i = 0; i + 1 < n; i++) {
            int res, r = gb_tokenizer_merge_rank(t, w[i], w[i + 1], &res);
            if (r >= 0 && (best < 0 || r < best)) best = r, result = res, a = w[i], b = w[i + 1];
        }
        if (best < 0) return n;
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (i + 1 < n && w[i] == a && w[i + 1] == b) w[k++] = result, i++;
            else w[k++] = w[i];
        }
        n = k;
    }
}

/* The heap-ordered GPT-2 merges equal encoder.py's loop on every chunk. */
static void test_gpt2_matches_encoderpy_loop(void **state) {
    (void)state;
    gb_tokenizer *t = load_ok(gbt_fixture("gpt2_bpe"));
    static const char *const frags[] = {"a", "aa", "aaaa", "=", "====", " ", "   ", "the", " the", "ll", "'s", "'S",
                                        "123", "0000", "\xE2\x80\x99", "\xF0\x9F\x98\x80", "\n", "\r\n", "..", "--",
                                        "\xC3\xA9", "\xFF", "ing", "Hello", "\t", "!"};
    gb_tok_record *rec = gb_tok_record_new();
    char text[512];
    int w[512];
    for (int c = 0; c < 400; c++) {
        size_t len = random_text(text, sizeof text, frags, sizeof frags / sizeof *frags, 40);
        gb_error err = {0};
        int *fast, n;
        gbt_assert_ok(gb_tokenizer_encode(t, text, len, false, &fast, &n, rec, &err), &err);
        int *cached, nc;
        gbt_assert_ok(gb_tokenizer_encode(t, text, len, false, &cached, &nc, NULL, &err), &err);
        assert_same(cached, nc, fast, n, text, len);
        for (int k = 0; k < rec->n_chunks; k++) {
            const gb_tok_chunk *ch = &rec->chunks[k];
            for (int i = 0; i < ch->n_symbols; i++) w[i] = rec->symbols[ch->first_symbol + i].id;
            int m = encoderpy_bpe(t, w, ch->n_symbols);
            int got[512];
            for (int i = 0; i < ch->n_tokens; i++) got[i] = rec->tokens[ch->first_token + i].id;
            assert_same(got, ch->n_tokens, w, m, text + ch->start, ch->len);
        }
        free(fast);
        free(cached);
    }
    gb_tok_record_free(rec);
    gb_tokenizer_free(t);
}

/* On real text, the chunk cache (no record) gives the recorded ids exactly. */
static void test_gpt2_cache_matches_record(void **state) {
    (void)state;
    gb_tokenizer *t = load_ok(gbt_fixture("gpt2_bpe"));
    gb_error err = {0};
    char *text;
    size_t len;
    gbt_assert_ok(gb_read_file(gbt_fixture("tinyshakespeare/input.txt"), 8 << 20, &text, &len, &err), &err);
    if (len > 200000) len = 200000;
    gb_tok_record *rec = gb_tok_record_new();
    int *a, *b, na, nb;
    gbt_assert_ok(gb_tokenizer_encode(t, text, len, false, &a, &na, NULL, &err), &err);
    gbt_assert_ok(gb_tokenizer_encode(t, text, len, false, &b, &nb, rec, &err), &err);
    printf("  %zu bytes -> %d tokens, %d chunks, %d merges recorded\n", len, na, rec->n_chunks, rec->n_merges);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, (size_t)na * sizeof *a);
    free(a);
    free(b);
    free(text);
    gb_tok_record_free(rec);
    gb_tokenizer_free(t);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_llama_matches_runc_loop),
        cmocka_unit_test(test_gpt2_matches_encoderpy_loop),
        cmocka_unit_test(test_gpt2_cache_matches_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
