/* test_tokenizer_build.c - character and word vocabularies built from a
 * corpus, byte-level BPE training, and saving/loading what was built. */
#include "gbtest.h"

#include "glassbox/platform.h"
#include "glassbox/tokenizer.h"

static char *read_fixture(const char *rel, size_t limit, size_t *len) {
    gb_error err = {0};
    char *buf;
    gbt_assert_ok(gb_read_file(gbt_fixture(rel), 8 << 20, &buf, len, &err), &err);
    if (*len > limit) *len = limit;
    return buf;
}

static int *encode_ok(const gb_tokenizer *t, const char *s, size_t n, bool special, int *m) {
    gb_error err = {0};
    int *ids;
    gbt_assert_ok(gb_tokenizer_encode(t, s, n, special, &ids, m, NULL, &err), &err);
    return ids;
}

static char *decode_ok(const gb_tokenizer *t, const int *ids, int n, size_t *len) {
    gb_error err = {0};
    char *s;
    gbt_assert_ok(gb_tokenizer_decode(t, ids, n, &s, len, &err), &err);
    return s;
}

/* Char vocabulary of tinyshakespeare: its 65 characters in code point order
 * (nanoGPT's shakespeare_char has the same 65), exact round trip. */
static void test_char_vocab_from_corpus(void **state) {
    (void)state;
    size_t n;
    char *text = read_fixture("tinyshakespeare/input.txt", SIZE_MAX, &n);
    gb_vocab_opts o;
    gb_vocab_opts_default(&o);
    o.specials[GB_SPECIAL_UNK] = NULL;
    gb_error err = {0};
    gb_tokenizer *t;
    gbt_assert_ok(gb_tokenizer_build(GB_TOK_CHAR, text, n, &o, &t, &err), &err);
    assert_int_equal(gb_tokenizer_vocab_size(t), 65);
    assert_int_equal(gb_tokenizer_lookup(t, "\n"), 0);
    assert_int_equal(gb_tokenizer_lookup(t, "a"), 39);
    int m;
    int *ids = encode_ok(t, text, 5000, true, &m);
    assert_int_equal(m, 5000);
    size_t bl;
    char *back = decode_ok(t, ids, m, &bl);
    assert_true(bl == 5000 && memcmp(back, text, bl) == 0);
    free(back);
    free(ids);
    /* no unknown token: a new character is refused, naming it and its offset */
    int *bad;
    assert_int_equal(gb_tokenizer_encode(t, "ok \xC3\xA9", 5, false, &bad, &m, NULL, &err), GB_ERR_INPUT);
    printf("  %s\n", err.msg);
    assert_non_null(strstr(err.msg, "U+00E9"));
    assert_non_null(strstr(err.msg, "byte 3"));
    gb_tokenizer_free(t);
    free(text);
}

/* Word vocabulary: lower-cased, most frequent first, an unknown token, BOS/EOS
 * added per the metadata, decode joins words with the spacing rule. */
static void test_word_vocab_and_unknown(void **state) {
    (void)state;
    const char *corpus = "The cat sat. The dog sat! A cat, a dog (and) it's fine.";
    gb_vocab_opts o;
    gb_vocab_opts_default(&o);
    o.lowercase = true;
    o.specials[GB_SPECIAL_BOS] = "<bos>";
    o.specials[GB_SPECIAL_EOS] = "<eos>";
    o.add_at_start = GB_SPECIAL_BOS;
    o.add_at_end = GB_SPECIAL_EOS;
    gb_error err = {0};
    gb_tokenizer *t;
    gbt_assert_ok(gb_tokenizer_build(GB_TOK_WORD, corpus, strlen(corpus), &o, &t, &err), &err);
    assert_int_equal(gb_tokenizer_special(t, GB_SPECIAL_BOS), 0);
    assert_int_equal(gb_tokenizer_special(t, GB_SPECIAL_EOS), 1);
    assert_int_equal(gb_tokenizer_special(t, GB_SPECIAL_UNK), 2);
    /* ".", "a", "cat", "dog", "sat", "the" occur twice: byte order breaks the tie */
    assert_int_equal(gb_tokenizer_lookup(t, "."), 3);
    assert_int_equal(gb_tokenizer_lookup(t, "a"), 4);
    assert_int_equal(gb_tokenizer_lookup(t, "the"), 8);
    assert_true(gb_tokenizer_lookup(t, "it's") > 0);
    const char *s = "The zebra sat (happily), it's fine.";
    gb_tok_record *rec = gb_tok_record_new();
    int *ids, m;
    gbt_assert_ok(gb_tokenizer_encode(t, s, strlen(s), true, &ids, &m, rec, &err), &err);
    assert_int_equal(ids[0], 0);
    assert_int_equal(ids[m - 1], 1);
    assert_int_equal(ids[2], 2); /* zebra -> <unk> */
    assert_int_equal(rec->symbols[1].id, -1); /* the record shows the word was unknown */
    assert_int_equal(rec->byte_symbol[3], -1); /* the space belongs to no symbol */
    size_t bl;
    char *back = decode_ok(t, ids, m, &bl);
    assert_string_equal(back, "the <unk> sat (<unk>), it's fine.");
    free(back);
    free(ids);
    gb_tok_record_free(rec);
    /* invalid UTF-8 is refused naming the offset */
    assert_int_equal(gb_tokenizer_encode(t, "ab\xFF", 3, false, &ids, &m, NULL, &err), GB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "byte 2 (0xFF) is not valid UTF-8"));
    /* saved and loaded again: same ids, same specials */
    gb_error e2 = {0};
    const char *p = gbt_tmp("words.json");
    gbt_assert_ok(gb_tokenizer_save(t, p, &e2), &e2);
    gb_tokenizer *t2;
    gbt_assert_ok(gb_tokenizer_load(p, &t2, &e2), &e2);
    assert_int_equal(gb_tokenizer_kind(t2), GB_TOK_WORD);
    int *a, *b, na, nb;
    a = encode_ok(t, s, strlen(s), true, &na);
    b = encode_ok(t2, s, strlen(s), true, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, (size_t)na * sizeof *a);
    free(a);
    free(b);
    gb_tokenizer_free(t2);
    gb_tokenizer_free(t);
}

/* A char vocabulary with unusual characters (NUL, a tab, an emoji) saves
 * and loads back to the same ids, and decoding gives the exact bytes. */
static void test_char_save_roundtrip(void **state) {
    (void)state;
    const char corpus[] = "a\0b\tc \xF0\x9F\x98\x80!";
    size_t n = sizeof corpus - 1;
    gb_error err = {0};
    gb_tokenizer *t, *t2;
    gbt_assert_ok(gb_tokenizer_build(GB_TOK_CHAR, corpus, n, NULL, &t, &err), &err);
    const char *p = gbt_tmp("chars.json");
    gbt_assert_ok(gb_tokenizer_save(t, p, &err), &err);
    gbt_assert_ok(gb_tokenizer_load(p, &t2, &err), &err);
    assert_int_equal(gb_tokenizer_vocab_size(t2), gb_tokenizer_vocab_size(t));
    int na, nb;
    int *a = encode_ok(t, corpus, n, true, &na), *b = encode_ok(t2, corpus, n, true, &nb);
    assert_int_equal(na, 8);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, (size_t)na * sizeof *a);
    size_t bl;
    char *back = decode_ok(t2, b, nb, &bl);
    assert_true(bl == n && memcmp(back, corpus, n) == 0);
    free(back);
    free(a);
    free(b);
    gb_tokenizer_free(t);
    gb_tokenizer_free(t2);
}

/* max_size and min_count limit the vocabulary. */
static void test_vocab_limits(void **state) {
    (void)state;
    const char *corpus = "a a a a b b b c c d";
    gb_vocab_opts o;
    gb_vocab_opts_default(&o);
    o.max_size = 3; /* <unk> + the two most frequent */
    gb_error err = {0};
    gb_tokenizer *t;
    gbt_assert_ok(gb_tokenizer_build(GB_TOK_WORD, corpus, strlen(corpus), &o, &t, &err), &err);
    assert_int_equal(gb_tokenizer_vocab_size(t), 3);
    assert_int_equal(gb_tokenizer_lookup(t, "c"), -1);
    gb_tokenizer_free(t);
    o.max_size = 0;
    o.min_count = 2;
    gbt_assert_ok(gb_tokenizer_build(GB_TOK_WORD, corpus, strlen(corpus), &o, &t, &err), &err);
    assert_int_equal(gb_tokenizer_vocab_size(t), 4);
    assert_int_equal(gb_tokenizer_lookup(t, "d"), -1);
    gb_tokenizer_free(t);
    o.min_count = 0;
    assert_int_equal(gb_tokenizer_build(GB_TOK_WORD, corpus, strlen(corpus), &o, &t, &err), GB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "min count 0"));
}

/* Our JSON files are checked: the message names what is wrong. */
static void test_bad_vocab_files(void **state) {
    (void)state;
    static const struct { const char *json, *want; } cases[] = {
        {"{\"glassbox_tokenizer\": 1, \"kind\": \"char\", \"vocab\": [\"a\", \"bc\"]}", "vocab[1] \"bc\" is not a single character"},
        {"{\"glassbox_tokenizer\": 1, \"kind\": \"word\", \"vocab\": [\"a\", \"b\", \"a\"]}", "vocab[2] \"a\" repeats vocab[0]"},
        {"{\"glassbox_tokenizer\": 1, \"kind\": \"word\", \"vocab\": [\"a\"], \"specials\": {\"unk\": \"<unk>\"}}", "specials.unk"},
        {"{\"glassbox_tokenizer\": 1, \"kind\": \"bpe\", \"vocab\": [\"a\"]}", "\"kind\" must be"},
        {"{\"glassbox_tokenizer\": 1,\n \"kind\": \"word\",\n \"vocab\": [\"a\" \"b\"]}", "line 3"},
        {"{\"kind\": \"word\"}", "not a glassbox tokenizer file"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gb_error err = {0};
        const char *p = gbt_tmp("bad.json");
        gbt_assert_ok(gb_write_file_atomic(p, cases[i].json, strlen(cases[i].json), &err), &err);
        gb_tokenizer *t = NULL;
        assert_int_equal(gb_tokenizer_load(p, &t, &err), GB_ERR_INPUT);
        printf("  %s\n", err.msg);
        if (!strstr(err.msg, cases[i].want)) fail_msg("\"%s\" lacks \"%s\"", err.msg, cases[i].want);
    }
}

/* BPE training: applying the learned merges to every training word gives the
 * segmentation training ended with; the saved vocab.json + merges.txt load in
 * the GPT-2 reader and tokenize the corpus identically. */
static void test_bpe_training(void **state) {
    (void)state;
    size_t n;
    char *text = read_fixture("tinyshakespeare/input.txt", 60000, &n);
    gb_bpe_train_opts o;
    gb_bpe_train_opts_default(&o);
    o.vocab_size = 600;
    gb_error err = {0};
    gb_tokenizer *t;
    gb_bpe_train_report rep;
    double t0 = gb_now();
    gbt_assert_ok(gb_tokenizer_train_bpe(text, n, &o, &t, &rep, &err), &err);
    printf("  trained %d merges on %zu bytes (%d distinct pre-tokens) in %.2f s\n", rep.n_merges, n, rep.n_words,
           gb_now() - t0);
    assert_int_equal(gb_tokenizer_vocab_size(t), 600);
    assert_int_equal(rep.n_merges, 600 - 257);
    assert_int_equal(gb_tokenizer_lookup(t, "<|endoftext|>"), 599);
    assert_int_equal(gb_tokenizer_special(t, GB_SPECIAL_EOS), 599);
    assert_true(gb_tokenizer_lookup(t, "\xC4\xA0the") >= 256); /* " the" was learned */
    int mismatches = 0;
    for (int w = 0; w < rep.n_words; w++) {
        int m;
        int *ids = encode_ok(t, rep.words[w].bytes, rep.words[w].len, false, &m);
        if (m != rep.words[w].n_ids || memcmp(ids, rep.words[w].ids, (size_t)m * sizeof *ids) != 0) mismatches++;
        free(ids);
    }
    printf("  %d distinct pre-tokens, %d segmentations differ\n", rep.n_words, mismatches);
    assert_int_equal(mismatches, 0);
    const char *dir = gbt_tmp("bpe600");
    gbt_assert_ok(gb_tokenizer_save(t, dir, &err), &err);
    gb_tokenizer *t2;
    gbt_assert_ok(gb_tokenizer_load(dir, &t2, &err), &err);
    assert_int_equal(gb_tokenizer_kind(t2), GB_TOK_GPT2);
    assert_int_equal(gb_tokenizer_vocab_size(t2), 600);
    int na, nb;
    int *a = encode_ok(t, text, n, false, &na), *b = encode_ok(t2, text, n, false, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, (size_t)na * sizeof *a);
    printf("  corpus: %zu bytes -> %d tokens\n", n, na);
    size_t bl;
    char *back = decode_ok(t2, b, nb, &bl);
    assert_true(bl == n && memcmp(back, text, n) == 0);
    free(back);
    free(a);
    free(b);
    gb_tokenizer_free(t2);
    gb_tokenizer_free(t);
    gb_bpe_train_report_free(&rep);
    free(text);
}

/* Training settings out of range are refused with a message. */
static void test_bpe_training_bad_settings(void **state) {
    (void)state;
    gb_bpe_train_opts o;
    gb_bpe_train_opts_default(&o);
    o.vocab_size = 100;
    gb_error err = {0};
    gb_tokenizer *t;
    assert_int_equal(gb_tokenizer_train_bpe("abc", 3, &o, &t, NULL, &err), GB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "vocab size 100"));
    /* a tiny corpus stops early: nothing occurs twice */
    o.vocab_size = 1000;
    gb_error_clear(&err);
    gbt_assert_ok(gb_tokenizer_train_bpe("abcd", 4, &o, &t, NULL, &err), &err);
    assert_int_equal(gb_tokenizer_vocab_size(t), 257);
    gb_tokenizer_free(t);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_char_vocab_from_corpus),
        cmocka_unit_test(test_word_vocab_and_unknown),
        cmocka_unit_test(test_char_save_roundtrip),
        cmocka_unit_test(test_vocab_limits),
        cmocka_unit_test(test_bad_vocab_files),
        cmocka_unit_test(test_bpe_training),
        cmocka_unit_test(test_bpe_training_bad_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
