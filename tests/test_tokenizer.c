/* test_tokenizer.c - GPT-2 BPE and llama2.c tokenizers against their reference
 * fixtures, the encode record, streaming decode, labels, bad input. */
#include "gbtest.h"

#include <jansson.h>
#include <sys/stat.h>

#include "glassbox/platform.h"
#include "glassbox/tokenizer.h"

static gb_tokenizer *load_ok(const char *path) {
    gb_error err = {0};
    gb_tokenizer *t = NULL;
    gbt_assert_ok(gb_tokenizer_load(path, &t, &err), &err);
    return t;
}

static json_t *load_cases(const char *rel) {
    json_error_t je;
    json_t *root = json_load_file(gbt_fixture(rel), 0, &je);
    if (!root) fail_msg("%s: %s", rel, je.text);
    return json_object_get(root, "cases") ? root : NULL;
}

static void assert_ids(const int *got, int n, json_t *want, const char *text) {
    bool same = (size_t)n == json_array_size(want);
    for (int i = 0; same && i < n; i++) same = got[i] == json_integer_value(json_array_get(want, (size_t)i));
    if (!same) {
        printf("  text %s: got", text);
        for (int i = 0; i < n; i++) printf(" %d", got[i]);
        printf("\n");
        fail_msg("ids differ for %s", text);
    }
}

/* Decoding what was encoded gives the exact bytes back. */
static void assert_roundtrip(const gb_tokenizer *t, const int *ids, int n, const char *text, size_t len) {
    gb_error err = {0};
    char *back;
    size_t blen;
    gbt_assert_ok(gb_tokenizer_decode(t, ids, n, &back, &blen, &err), &err);
    if (blen != len || memcmp(back, text, len) != 0) fail_msg("decode(encode(s)) != s for \"%s\"", text);
    free(back);
}

/* Each recorded chunk, replayed through all its merges, ends as its tokens;
 * stored "after" sequences agree with the replay; tokens tile the text. */
static void assert_record_consistent(const gb_tok_record *r, const int *ids, int n) {
    assert_int_equal(r->n_tokens, n);
    size_t covered = 0;
    for (int i = 0; i < n; i++) {
        assert_int_equal(r->tokens[i].id, ids[i]);
        if (r->tokens[i].len) {
            assert_true(r->tokens[i].start == covered);
            covered += r->tokens[i].len;
        }
    }
    assert_true(covered == r->text_len);
    gb_tok_symbol seq[512];
    for (int c = 0; c < r->n_chunks; c++) {
        const gb_tok_chunk *ch = &r->chunks[c];
        int m = gb_tok_record_replay(r, c, ch->n_merges, seq, 512);
        assert_int_equal(m, ch->n_tokens);
        for (int k = 0; k < m && k < 512; k++) assert_int_equal(seq[k].id, r->tokens[ch->first_token + k].id);
        for (int s = 0; s < ch->n_merges; s++) {
            const gb_tok_merge *mg = &r->merges[ch->first_merge + s];
            assert_int_equal(mg->step, s);
            if (mg->after < 0) continue;
            int k = gb_tok_record_replay(r, c, s + 1, seq, 512);
            assert_int_equal(k, mg->n_after);
            for (int j = 0; j < k; j++) assert_int_equal(seq[j].id, r->after[mg->after + j].id);
            assert_int_equal(seq[mg->pos].id, mg->result);
        }
    }
}

/* Every GPT-2 fixture case: the recorded ids and pieces, with and without a record. */
static void test_gpt2_fixture_cases(void **state) {
    (void)state;
    gb_tokenizer *t = load_ok(gbt_fixture("gpt2_bpe"));
    assert_int_equal(gb_tokenizer_kind(t), GB_TOK_GPT2);
    assert_int_equal(gb_tokenizer_vocab_size(t), 50257);
    json_t *root = load_cases("gpt2_bpe/tokenizer_cases.json");
    json_t *cases = json_object_get(root, "cases"), *c;
    size_t i;
    gb_tok_record *rec = gb_tok_record_new();
    json_array_foreach(cases, i, c) {
        const char *text = json_string_value(json_object_get(c, "text"));
        size_t len = json_string_length(json_object_get(c, "text"));
        gb_error err = {0};
        int *ids, n;
        gbt_assert_ok(gb_tokenizer_encode(t, text, len, true, &ids, &n, NULL, &err), &err);
        assert_ids(ids, n, json_object_get(c, "ids"), text);
        json_t *pieces = json_object_get(c, "pieces");
        for (int k = 0; k < n; k++) {
            size_t pl;
            const char *p = gb_tokenizer_token(t, ids[k], &pl);
            const char *want = json_string_value(json_array_get(pieces, (size_t)k));
            assert_true(pl == strlen(want) && memcmp(p, want, pl) == 0);
        }
        assert_roundtrip(t, ids, n, text, len);
        int *ids2, n2;
        gbt_assert_ok(gb_tokenizer_encode(t, text, len, true, &ids2, &n2, rec, &err), &err);
        assert_ids(ids2, n2, json_object_get(c, "ids"), text);
        assert_record_consistent(rec, ids2, n2);
        free(ids);
        free(ids2);
    }
    printf("  %zu GPT-2 cases match\n", json_array_size(cases));
    gb_tok_record_free(rec);
    json_decref(root);
    gb_tokenizer_free(t);
}

/* Characters on which definitions of \s differ: encoder.py (Python's regex
 * module, Unicode White_Space) counts U+0085 as a space but not U+FEFF or
 * U+180E. The ids were computed with encoder.py's algorithm and Debian's
 * python3-regex (JavaScript's gpt-3-encoder agrees on the U+180E case). */
static void test_gpt2_whitespace_like_encoder_py(void **state) {
    (void)state;
    gb_tokenizer *t = load_ok(gbt_fixture("gpt2_bpe"));
    static const struct { const char *text; int n, ids[5]; } cases[] = {
        {" \xC2\x85" "a", 4, {220, 126, 227, 64}},
        {" \xEF\xBB\xBF" "a", 4, {27332, 119, 123, 64}},
        {" \xE1\xA0\x8E" "a", 4, {28053, 254, 236, 64}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gb_error err = {0};
        int *ids, n;
        gbt_assert_ok(gb_tokenizer_encode(t, cases[k].text, strlen(cases[k].text), false, &ids, &n, NULL, &err), &err);
        assert_int_equal(n, cases[k].n);
        assert_memory_equal(ids, cases[k].ids, (size_t)n * sizeof *ids);
        free(ids);
    }
    gb_tokenizer_free(t);
}

static size_t unhex(const char *h, char *out) {
    size_t n = strlen(h) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(h + 2 * i, "%2x", &v);
        out[i] = (char)v;
    }
    return n;
}

/* Every run.c case: the ids (BOS and dummy space included), run.c's decoded
 * pieces, and the exact text back from decode. */
static void test_llama_fixture_cases(void **state) {
    (void)state;
    gb_tokenizer *t = load_ok(gbt_fixture("llama2c_stories260K/tok512.bin"));
    assert_int_equal(gb_tokenizer_kind(t), GB_TOK_LLAMA);
    assert_int_equal(gb_tokenizer_vocab_size(t), 512);
    json_t *root = load_cases("llama2c_stories260K/runc_tokenizer_cases.json");
    json_t *cases = json_object_get(root, "cases"), *c;
    size_t i;
    gb_tok_record *rec = gb_tok_record_new();
    json_array_foreach(cases, i, c) {
        const char *text = json_string_value(json_object_get(c, "text"));
        size_t len = json_string_length(json_object_get(c, "text"));
        gb_error err = {0};
        int *ids, n;
        gbt_assert_ok(gb_tokenizer_encode(t, text, len, true, &ids, &n, rec, &err), &err);
        assert_ids(ids, n, json_object_get(c, "ids_bos1_eos0"), text);
        assert_record_consistent(rec, ids, n);
        json_t *hex = json_object_get(c, "decoded_pieces_hex");
        for (int k = 0; k < n; k++) {
            char want[64];
            size_t wl = unhex(json_string_value(json_array_get(hex, (size_t)k)), want), pl;
            const char *p = gb_tokenizer_piece_after(t, k ? ids[k - 1] : 1, ids[k], &pl);
            if (pl != wl || memcmp(p, want, pl) != 0) fail_msg("piece %d of \"%s\" differs", k, text);
        }
        assert_roundtrip(t, ids, n, text, len);
        free(ids);
    }
    printf("  %zu llama2.c cases match\n", json_array_size(cases));
    gb_tok_record_free(rec);
    json_decref(root);
    gb_tokenizer_free(t);
}

static char *no_space_text(size_t n) {
    char *s = malloc(n);
    uint64_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        s[i] = (char)('a' + (x >> 33) % 26);
    }
    return s;
}

/* A 1 MB input without spaces (one giant pre-token) is not quadratic: 4
 * times more text must take well under 6 times the work (counted steps:
 * linear work gives about 4, a rescan after every merge 16). Work is counted,
 * not timed, so a loaded or sanitized machine cannot make it flaky; `glassbox
 * bench --only tokenizer` times the same two sizes. */
static uint64_t encode_work(const gb_tokenizer *t, const char *s, size_t n, int *n_ids) {
    gb_error err = {0};
    int *ids, m;
    uint64_t w0 = gb_tokenizer_work();
    gbt_assert_ok(gb_tokenizer_encode(t, s, n, false, &ids, &m, NULL, &err), &err);
    uint64_t w = gb_tokenizer_work() - w0;
    if (n_ids) *n_ids = m;
    free(ids);
    return w;
}

static void test_long_input_is_not_quadratic(void **state) {
    (void)state;
    const size_t n = 1 << 20;
    char *s = no_space_text(n);
    const char *paths[2] = {gbt_fixture("gpt2_bpe"), gbt_fixture("llama2c_stories260K/tok512.bin")};
    for (int k = 0; k < 2; k++) {
        gb_tokenizer *t = load_ok(paths[k]);
        int m;
        uint64_t small = encode_work(t, s, n / 4, NULL), big = encode_work(t, s, n, &m);
        double ratio = (double)big / (double)small;
        printf("  %s: 1 MiB without spaces -> %d tokens in %llu steps; 256 KiB in %llu; ratio %.2f (linear 4, "
               "quadratic 16; guard < 6)\n",
               gb_tok_kind_name(gb_tokenizer_kind(t)), m, (unsigned long long)big, (unsigned long long)small, ratio);
        assert_true(small > n / 4); /* the counter counts: at least a step per byte */
        assert_true(ratio > 3.0 && ratio < 6.0);
        assert_true(m > 1000);
        gb_error err = {0};
        int *ids, m2;
        gbt_assert_ok(gb_tokenizer_encode(t, s, n, false, &ids, &m2, NULL, &err), &err);
        assert_roundtrip(t, ids, m2, s, n);
        free(ids);
        gb_tokenizer_free(t);
    }
    free(s);
}

/* The record of a long chunk is complete too (replay, merge positions). */
static void test_long_chunk_record(void **state) {
    (void)state;
    gb_tokenizer *t = load_ok(gbt_fixture("gpt2_bpe"));
    const size_t n = 3000;
    char *s = no_space_text(n);
    gb_tok_record *rec = gb_tok_record_new();
    gb_error err = {0};
    int *ids, m;
    gbt_assert_ok(gb_tokenizer_encode(t, s, n, false, &ids, &m, rec, &err), &err);
    assert_int_equal(rec->n_chunks, 1);
    assert_true(rec->n_merges > 1000);
    assert_int_equal(rec->merges[0].after, -1); /* too long to store every sequence */
    assert_record_consistent(rec, ids, m);
    free(ids);
    free(s);
    gb_tok_record_free(rec);
    gb_tokenizer_free(t);
}

/* GPT-2 takes any bytes: invalid UTF-8 is tokenized byte-wise and comes back exactly. */
static void test_gpt2_invalid_utf8_bytewise(void **state) {
    (void)state;
    gb_tokenizer *t = load_ok(gbt_fixture("gpt2_bpe"));
    const char text[] = "caf\xC3\xA9 \xFF\xFEok \xE6\x97 end\xC3";
    size_t len = sizeof text - 1;
    gb_error err = {0};
    int *ids, n;
    gbt_assert_ok(gb_tokenizer_encode(t, text, len, false, &ids, &n, NULL, &err), &err);
    assert_roundtrip(t, ids, n, text, len);
    int ff = gb_tokenizer_lookup(t, "\xC3\xBF"); /* byte 0xFF is the character U+00FF */
    bool seen = false;
    for (int i = 0; i < n; i++) seen |= ids[i] == ff;
    assert_true(seen);
    free(ids);
    gb_tokenizer_free(t);
}

/* llama2.c takes any bytes too, through byte fallback (id = byte + 3). */
static void test_llama_invalid_utf8_byte_fallback(void **state) {
    (void)state;
    gb_tokenizer *t = load_ok(gbt_fixture("llama2c_stories260K/tok512.bin"));
    const char text[] = "Lily \xFF\x80 sat\xE6\x97";
    size_t len = sizeof text - 1;
    gb_error err = {0};
    int *ids, n;
    gbt_assert_ok(gb_tokenizer_encode(t, text, len, true, &ids, &n, NULL, &err), &err);
    bool ff = false, e6 = false;
    for (int i = 0; i < n; i++) ff |= ids[i] == 0xFF + 3, e6 |= ids[i] == 0xE6 + 3;
    assert_true(ff && e6);
    assert_roundtrip(t, ids, n, text, len);
    free(ids);
    gb_tokenizer_free(t);
}

/* Found by fuzz_bpe_encode: empty text without BOS left an empty merge heap
 * that heap building still read (v[0] of nothing), and replaying its chunk
 * offset a NULL symbol array. Both kinds, with a record. */
static void test_empty_text_no_special(void **state) {
    (void)state;
    const char *paths[2] = {gbt_fixture("gpt2_bpe"), gbt_fixture("llama2c_stories260K/tok512.bin")};
    for (int k = 0; k < 2; k++) {
        gb_tokenizer *t = load_ok(paths[k]);
        gb_error err = {0};
        gb_tok_record *rec = gb_tok_record_new();
        int *ids = NULL, n = -1;
        gbt_assert_ok(gb_tokenizer_encode(t, "", 0, false, &ids, &n, rec, &err), &err);
        assert_int_equal(n, 0);
        assert_int_equal(rec->n_tokens, 0);
        gb_tok_symbol sym[4]; /* and replaying its (empty) chunks, which once read through NULL */
        for (int c = 0; c < rec->n_chunks; c++) assert_int_equal(gb_tok_record_replay(rec, c, 0, sym, 4), 0);
        free(ids);
        gb_tok_record_free(rec);
        gb_tokenizer_free(t);
    }
}

/* Streaming decode holds back half a character until it completes. */
static void test_detok_holds_incomplete_characters(void **state) {
    (void)state;
    gb_tokenizer *t = load_ok(gbt_fixture("llama2c_stories260K/tok512.bin"));
    gb_error err = {0};
    int *ids, n;
    const char *text = "\xE6\x97\xA5\xE6\x9C\xAC!"; /* 日本! as byte-fallback tokens */
    gbt_assert_ok(gb_tokenizer_encode(t, text, strlen(text), true, &ids, &n, NULL, &err), &err);
    gb_detok *d = gb_detok_new(t);
    char out[256], buf[16];
    size_t total = 0;
    int emits = 0;
    for (int i = 0; i < n; i++) {
        size_t k = gb_detok_push(d, i ? ids[i - 1] : -1, ids[i], buf, sizeof buf);
        if (k) {
            emits++;
            assert_true(k == 3 || (k == 1 && buf[0] == '!'));
        }
        memcpy(out + total, buf, k);
        total += k;
    }
    total += gb_detok_flush(d, out + total, sizeof out - total);
    assert_int_equal(emits, 3);
    assert_true(total == strlen(text) && memcmp(out, text, total) == 0);
    /* a lone lead byte is only given out by flush */
    gb_detok *d2 = gb_detok_new(t);
    assert_int_equal(gb_detok_push(d2, -1, 0xE6 + 3, buf, sizeof buf), 0);
    assert_int_equal(gb_detok_flush(d2, buf, sizeof buf), 1);
    assert_int_equal((unsigned char)buf[0], 0xE6);
    gb_detok_free(d2);
    gb_detok_free(d);
    free(ids);
    gb_tokenizer_free(t);
}

/* Labels students read: visible spaces, escaped newlines and bytes, names of specials. */
static void test_labels(void **state) {
    (void)state;
    gb_tokenizer *g = load_ok(gbt_fixture("gpt2_bpe"));
    gb_tokenizer *l = load_ok(gbt_fixture("llama2c_stories260K/tok512.bin"));
    char buf[64];
    gb_tokenizer_label(g, gb_tokenizer_lookup(g, "\xC4\xA0the"), buf, sizeof buf);
    assert_string_equal(buf, "\xE2\x90\xA3the");
    gb_tokenizer_label(g, gb_tokenizer_lookup(g, "\xC4\x8A"), buf, sizeof buf);
    assert_string_equal(buf, "\\n");
    gb_tokenizer_label(g, 50256, buf, sizeof buf);
    assert_string_equal(buf, "<|endoftext|>");
    gb_tokenizer_label(l, 0x0A + 3, buf, sizeof buf);
    assert_string_equal(buf, "\\n");
    gb_tokenizer_label(l, 0xE6 + 3, buf, sizeof buf);
    assert_string_equal(buf, "\\xE6");
    gb_tokenizer_label(l, 1, buf, sizeof buf);
    assert_string_equal(buf, "<s>");
    gb_tok_escape("a\xC2\xA0" "b\xE2\x80\x8D\\", 8, buf, sizeof buf); /* no-break space, zero-width joiner */
    assert_string_equal(buf, "a\\u00A0b\\u200D\\\\");
    gb_tokenizer_label(g, gb_tokenizer_lookup(g, "\xC4\xA0the"), buf, 4); /* too small: whole characters only */
    assert_string_equal(buf, "\xE2\x90\xA3");
    gb_tokenizer_free(g);
    gb_tokenizer_free(l);
}

/* Special tokens and lookups. */
static void test_specials_and_lookup(void **state) {
    (void)state;
    gb_tokenizer *g = load_ok(gbt_fixture("gpt2_bpe"));
    gb_tokenizer *l = load_ok(gbt_fixture("llama2c_stories260K/tok512.bin"));
    assert_int_equal(gb_tokenizer_special(g, GB_SPECIAL_EOS), 50256);
    assert_int_equal(gb_tokenizer_special(g, GB_SPECIAL_BOS), 50256);
    assert_int_equal(gb_tokenizer_special(g, GB_SPECIAL_UNK), -1);
    assert_int_equal(gb_tokenizer_lookup(g, "\xC4\xA0the"), 262);
    assert_int_equal(gb_tokenizer_lookup(g, "no such token"), -1);
    assert_int_equal(gb_tokenizer_special(l, GB_SPECIAL_BOS), 1);
    assert_int_equal(gb_tokenizer_special(l, GB_SPECIAL_EOS), 2);
    assert_int_equal(gb_tokenizer_special(l, GB_SPECIAL_UNK), 0);
    assert_int_equal(gb_tokenizer_lookup(l, "<0x0A>"), 13);
    gb_error err = {0};
    assert_int_equal(gb_tokenizer_set_special(l, GB_SPECIAL_PAD, 600, &err), GB_ERR_INPUT);
    gbt_assert_ok(gb_tokenizer_set_special(l, GB_SPECIAL_PAD, 0, &err), &err);
    assert_int_equal(gb_tokenizer_special(l, GB_SPECIAL_PAD), 0);
    /* decode refuses ids outside the vocabulary */
    int bad[2] = {5, 512};
    char *txt;
    assert_int_equal(gb_tokenizer_decode(l, bad, 2, &txt, NULL, &err), GB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "512"));
    gb_tokenizer_free(g);
    gb_tokenizer_free(l);
}

/* A llama2.c tokenizer saved and loaded again is the same file and tokenizer. */
static void test_llama_save_roundtrip(void **state) {
    (void)state;
    gb_tokenizer *l = load_ok(gbt_fixture("llama2c_stories260K/tok512.bin"));
    gb_error err = {0};
    const char *p = gbt_tmp("tok512_copy.bin");
    gbt_assert_ok(gb_tokenizer_save(l, p, &err), &err);
    char *a, *b;
    size_t na, nb;
    gbt_assert_ok(gb_read_file(gbt_fixture("llama2c_stories260K/tok512.bin"), 1 << 20, &a, &na, &err), &err);
    gbt_assert_ok(gb_read_file(p, 1 << 20, &b, &nb, &err), &err);
    assert_true(na == nb && memcmp(a, b, na) == 0);
    free(a);
    free(b);
    gb_tokenizer_free(l);
}

static void write_file(const char *path, const char *data, size_t n) {
    gb_error err = {0};
    gbt_assert_ok(gb_write_file_atomic(path, data, n, &err), &err);
}

/* Loading `path` fails with GB_ERR_INPUT and a message containing `want`. */
static void assert_load_fails(const char *path, const char *want) {
    gb_error err = {0};
    gb_tokenizer *t = NULL;
    assert_int_equal(gb_tokenizer_load(path, &t, &err), GB_ERR_INPUT);
    assert_null(t);
    printf("  %s\n", err.msg);
    if (!strstr(err.msg, want)) fail_msg("message \"%s\" lacks \"%s\"", err.msg, want);
}

/* Malformed GPT-2 files are refused naming the line. */
static void test_bad_gpt2_files(void **state) {
    (void)state;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", gbt_tmp("bad_gpt2"));
    mkdir(dir, 0755);
    char vocab[1100], merges[1100];
    snprintf(vocab, sizeof vocab, "%s/vocab.json", dir);
    snprintf(merges, sizeof merges, "%s/merges.txt", dir);
    /* a small valid byte-level vocabulary: 256 bytes + "ab" */
    json_t *v = json_object();
    for (int b = 0; b < 256; b++) {
        unsigned cp = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE) ? (unsigned)b : 0;
        if (!cp) {
            unsigned k = 0;
            for (int x = 0; x < b; x++) k += !((x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE));
            cp = 256 + k;
        }
        char u[4] = {0};
        if (cp < 0x80) u[0] = (char)cp;
        else u[0] = (char)(0xC0 | (cp >> 6)), u[1] = (char)(0x80 | (cp & 0x3F));
        json_object_set_new(v, u, json_integer(b));
    }
    json_object_set_new(v, "ab", json_integer(256));
    json_dump_file(v, vocab, 0);
    json_decref(v);
    write_file(merges, "#version: 0.2\na b\n", 18);
    gb_tokenizer *t = load_ok(dir);
    gb_error err = {0};
    int *ids, n;
    gbt_assert_ok(gb_tokenizer_encode(t, "abc", 3, false, &ids, &n, NULL, &err), &err);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], 256);
    free(ids);
    gb_tokenizer_free(t);
    write_file(merges, "#version: 0.2\na b\na b c\n", 24);
    assert_load_fails(dir, "line 3");
    write_file(merges, "#version: 0.2\nq \xE2\x82\xAC\n", 19);
    assert_load_fails(dir, "line 2");
    write_file(merges, "a b\nb c\n", 8); /* "bc" is not in the vocabulary */
    assert_load_fails(dir, "line 2: the merged symbol \"bc\"");
    write_file(merges, "a b\na b\n", 8);
    assert_load_fails(dir, "line 2");
    write_file(merges, "a b\n\nb a\n", 9);
    assert_load_fails(dir, "line 2: empty line");
    write_file(merges, "a b\n", 4);
    write_file(vocab, "{\"a\": 0,\n \"b\": }", 16);
    assert_load_fails(merges, "line 2");
    write_file(vocab, "{\"a\": 0, \"b\": 5}", 16);
    assert_load_fails(vocab, "\"b\" has id out of range");
    write_file(vocab, "{\"a\": 0, \"b\": 1}", 16);
    write_file(merges, "", 0);
    assert_load_fails(dir, "no token for the byte 0x00");
}

/* Malformed llama2.c files are refused naming the byte offset. */
static void test_bad_llama_files(void **state) {
    (void)state;
    gb_error err = {0};
    char *buf;
    size_t n;
    gbt_assert_ok(gb_read_file(gbt_fixture("llama2c_stories260K/tok512.bin"), 1 << 20, &buf, &n, &err), &err);
    const char *p = gbt_tmp("cut.bin");
    write_file(p, buf, n - 3);
    assert_load_fails(p, "offset");
    int32_t big = 1000;
    memcpy(buf + 4 + 4, &big, 4); /* token 0's length */
    write_file(p, buf, n);
    assert_load_fails(p, "offset 8: token 0 has length 1000");
    write_file(p, buf, 2);
    assert_load_fails(p, "too short");
    free(buf);
    assert_load_fails(gbt_fixture("llama2c_stories260K"), "no tokenizer in this folder");
    assert_load_fails(gbt_tmp("does-not-exist.bin"), "no such file");
}

/* Truncated or corrupted tokenizer.bin files load or are refused with a
 * message, never crash; what loads still encodes and decodes. */
static void test_corrupt_llama_files_never_crash(void **state) {
    (void)state;
    gb_error err = {0};
    char *orig;
    size_t n;
    gbt_assert_ok(gb_read_file(gbt_fixture("llama2c_stories260K/tok512.bin"), 1 << 20, &orig, &n, &err), &err);
    char *buf = malloc(n);
    const char *p = gbt_tmp("corrupt.bin");
    uint64_t x = 99;
    int loaded = 0, refused = 0;
    for (int trial = 0; trial < 300; trial++) {
        memcpy(buf, orig, n);
        size_t len = n;
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        if (trial % 3 == 0) len = (size_t)(x >> 33) % n; /* cut short */
        else
            for (int k = 0; k < 1 + trial % 4; k++) { /* flip a few bytes */
                x = x * 6364136223846793005ULL + 1442695040888963407ULL;
                buf[(x >> 33) % n] ^= (char)(1 + (x >> 20) % 255);
            }
        write_file(p, buf, len);
        gb_error e = {0};
        gb_tokenizer *t = NULL;
        gb_status st = gb_tokenizer_load(p, &t, &e);
        if (st) {
            assert_int_equal(st, GB_ERR_INPUT);
            assert_non_null(strstr(e.msg, "corrupt.bin"));
            refused++;
            continue;
        }
        loaded++;
        int *ids, m;
        gbt_assert_ok(gb_tokenizer_encode(t, "Once upon a time", 16, true, &ids, &m, NULL, &e), &e);
        char *back;
        gbt_assert_ok(gb_tokenizer_decode(t, ids, m, &back, NULL, &e), &e);
        free(back);
        free(ids);
        gb_tokenizer_free(t);
    }
    printf("  300 damaged files: %d loaded, %d refused with a message\n", loaded, refused);
    assert_true(refused > 0);
    free(buf);
    free(orig);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gpt2_fixture_cases),
        cmocka_unit_test(test_gpt2_whitespace_like_encoder_py),
        cmocka_unit_test(test_llama_fixture_cases),
        cmocka_unit_test(test_long_input_is_not_quadratic),
        cmocka_unit_test(test_long_chunk_record),
        cmocka_unit_test(test_gpt2_invalid_utf8_bytewise),
        cmocka_unit_test(test_llama_invalid_utf8_byte_fallback),
        cmocka_unit_test(test_empty_text_no_special),
        cmocka_unit_test(test_detok_holds_incomplete_characters),
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_specials_and_lookup),
        cmocka_unit_test(test_llama_save_roundtrip),
        cmocka_unit_test(test_bad_gpt2_files),
        cmocka_unit_test(test_bad_llama_files),
        cmocka_unit_test(test_corrupt_llama_files_never_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
