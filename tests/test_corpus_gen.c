/* test_corpus_gen.c - generating from a grammar: agreement, rewrites, determinism,
 * the train/validation split, balancing and the file writers. */
#include "gbtest.h"

#include "glassbox/corpus.h"
#include "glassbox/platform.h"

#define HEAD                                                                                       \
    "%outputs en fr label\n%feature g m f\n%feature n sg pl\n%slash sg pl\n"                        \
    "%slash m.sg f.sg m.pl f.pl\n%vowels fr aeiouhé\n%before-vowel en a -> an\n"                     \
    "%before-vowel fr le -> l'\n%before-vowel fr la -> l'\n%join fr de le -> du\n"                   \
    "%join fr à les -> aux\n"

static gb_grammar *parse(const char *text) {
    gb_error err = {0};
    gb_grammar *g = NULL;
    gbt_assert_ok(gb_grammar_parse(text, strlen(text), "toy.grammar", &g, &err), &err);
    return g;
}

static gb_corpus gen(const gb_grammar *g, const char *start, int n, uint64_t seed) {
    gb_error err = {0};
    gb_corpus c;
    gbt_assert_ok(gb_corpus_generate(g, start, n, seed, &c, &err), &err);
    return c;
}

static void expect_one(const char *grammar, const char *en, const char *fr) {
    gb_grammar *g = parse(grammar);
    gb_corpus c = gen(g, "s", 5, 1);
    assert_int_equal(c.n, 1); /* the grammar has one sentence */
    printf("  %s | %s\n", c.recs[0].en, c.recs[0].fr);
    assert_string_equal(c.recs[0].en, en);
    assert_string_equal(c.recs[0].fr, fr);
    gb_corpus_free(&c);
    gb_grammar_free(g);
}

/* A feminine noun makes the French article "la"/"une" and the adjective take -e,
 * after the noun; plural gives "les" and -es; the verb agrees in both languages. */
static void test_french_agreement(void **state) {
    (void)state;
    const char *rules = "s:\n  {np} {be} small . = {np} {be} petit/petite/petits/petites .\n"
                        "np:\n  the {noun} = {the} {noun}\n"
                        "the:\n  the = [m.sg le | f.sg la | pl les]\n"
                        "a:\n  a = [m un | f une]\n"
                        "be:\n  is/are = est/sont\n";
    char buf[2048];
    snprintf(buf, sizeof buf, "%s%s%s", HEAD, rules, "noun:\n  house/houses = maison/maisons @f.sg\n");
    expect_one(buf, "the house is small .", "la maison est petite .");
    snprintf(buf, sizeof buf, "%s%s%s", HEAD, rules, "noun:\n  house/houses = maison/maisons @f.pl\n");
    expect_one(buf, "the houses are small .", "les maisons sont petites .");
    snprintf(buf, sizeof buf, "%s%s%s", HEAD, rules, "noun:\n  cat/cats = chat/chats @m.sg\n");
    expect_one(buf, "the cat is small .", "le chat est petit .");
    /* indefinite article and an adjective after the noun */
    expect_one(HEAD "s:\n  {a} green {noun} . = {a} {noun} vert/verte/verts/vertes .\n"
                    "a:\n  a = [m un | f une]\nnoun:\n  house = maison @f.sg\n",
               "a green house .", "une maison verte .");
}

/* Many derivations: every feminine noun gets a feminine article and adjective. */
static void test_agreement_holds_everywhere(void **state) {
    (void)state;
    gb_grammar *g = parse(HEAD "s:\n  {np} {be} {adj} . = {np} {be} {adj} .\n"
                               "np:\n  the {noun} = {the} {noun}\n  the {adj} {noun} = {the} {noun} {adj}\n"
                               "the:\n  the = [m.sg le | f.sg la | pl les]\n"
                               "be:\n  is/are = est/sont\n"
                               "adj:\n  green = vert/verte/verts/vertes\n  small = petit/petite/petits/petites\n"
                               "noun:\n  house/houses = maison/maisons @f\n  cat/cats = chat/chats @m\n");
    gb_corpus c = gen(g, "s", 100, 3);
    printf("  %d distinct sentences\n", c.n);
    assert_true(c.n >= 20);
    int fem = 0;
    for (int i = 0; i < c.n; i++) {
        const char *en = c.recs[i].en, *fr = c.recs[i].fr;
        int house = strstr(en, "house") != NULL, plural = strstr(en, " are ") != NULL;
        if (house && !plural) {
            fem++;
            assert_non_null(strstr(fr, "la maison"));
            assert_non_null(strstr(fr, "est"));
            assert_true(strstr(fr, "verte") || strstr(fr, "petite"));
        }
        if (house && plural) assert_true(strstr(fr, "vertes") || strstr(fr, "petites"));
        if (!house && !plural) assert_true(strstr(fr, "vert .") || strstr(fr, "petit .") || strstr(fr, "vert est") || strstr(fr, "petit est"));
        if (strstr(en, "green house ")) assert_non_null(strstr(fr, "maison verte"));
        assert_null(strstr(fr, "le maison"));
        assert_null(strstr(fr, "la chat"));
    }
    assert_true(fem > 0);
    gb_corpus_free(&c);
    gb_grammar_free(g);
}

/* "a" becomes "an" before a vowel, "la école" becomes "l' école", "de le" becomes "du". */
static void test_rewrites(void **state) {
    (void)state;
    expect_one(HEAD "s:\n  {a} apple near the park . = {a} pomme près de le parc .\na:\n  a = [m un | f une]  @f\n",
               "an apple near the park .", "une pomme près du parc .");
    expect_one(HEAD "s:\n  the school of the students . = la école de les élèves .\n",
               "the school of the students .", "l' école de les élèves .");
    expect_one(HEAD "s:\n  to the students . = à les élèves .\n", "to the students .", "aux élèves .");
}

/* A reference marked "new" has its own features; without it features are shared. */
static void test_new_scope_is_independent(void **state) {
    (void)state;
    expect_one(HEAD "s:\n  {n1} and {n2 new} = {n1} et {n2}\n"
                    "n1:\n  the cat = [m le | f la] chat @m\n"
                    "n2:\n  the house = [m le | f la] maison @f\n",
               "the cat and the house", "le chat et la maison");
}

/* Named references let the French put the parts in another order. */
static void test_named_references_reorder(void **state) {
    (void)state;
    expect_one(HEAD "s:\n  {x=w} {y=w new} = {y} {x}\nw:\n  one = un\n", "one one", "un un");
    gb_grammar *g = parse(HEAD "s:\n  {x=a} then {y=b new} . = {y} puis {x} .\na:\n  red = rouge\nb:\n  blue = bleu\n");
    gb_corpus c = gen(g, "s", 3, 1);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.recs[0].en, "red then blue .");
    assert_string_equal(c.recs[0].fr, "bleu puis rouge .");
    gb_corpus_free(&c);
    gb_grammar_free(g);
}

/* Same seed, same corpus; another seed, another corpus. */
static void test_determinism(void **state) {
    (void)state;
    gb_grammar *g = parse(HEAD "s:\n  {d} {d new} {d new} = {d} {d} {d}\n"
                               "d:\n  0 = zéro\n  1 = un\n  2 = deux\n  3 = trois\n  4 = quatre\n"
                               "  5 = cinq\n  6 = six\n  7 = sept\n  8 = huit\n  9 = neuf\n");
    gb_corpus a = gen(g, "s", 200, 42), b = gen(g, "s", 200, 42), c = gen(g, "s", 200, 43);
    assert_int_equal(a.n, 200);
    assert_int_equal(b.n, a.n);
    int same_as_other_seed = 1;
    for (int i = 0; i < a.n; i++) {
        assert_string_equal(a.recs[i].en, b.recs[i].en);
        assert_string_equal(a.recs[i].fr, b.recs[i].fr);
        if (i < c.n && strcmp(a.recs[i].en, c.recs[i].en) != 0) same_as_other_seed = 0;
    }
    assert_false(same_as_other_seed);
    /* the k-th occurrence of a rule in the French means the k-th in the English */
    for (int i = 0; i < a.n; i++) {
        static const char *digit_fr[] = {"zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"};
        char want[128];
        const char *e = a.recs[i].en;
        snprintf(want, sizeof want, "%s %s %s", digit_fr[e[0] - '0'], digit_fr[e[2] - '0'], digit_fr[e[4] - '0']);
        assert_string_equal(a.recs[i].fr, want);
    }
    gb_corpus_free(&a);
    gb_corpus_free(&b);
    gb_corpus_free(&c);
    gb_grammar_free(g);
}

/* Weights: an alternative with *3 is chosen about three times as often. */
static void test_weights(void **state) {
    (void)state;
    gb_grammar *g = parse(HEAD "s:\n  {x} {d} {d new} {d new} = {x} {d} {d} {d}\nx:\n  a = a *3\n  b = b\n"
                               "d:\n  0 = 0\n  1 = 1\n  2 = 2\n  3 = 3\n  4 = 4\n  5 = 5\n  6 = 6\n  7 = 7\n  8 = 8\n  9 = 9\n");
    gb_corpus c = gen(g, "s", 400, 5);
    int a = 0;
    for (int i = 0; i < c.n; i++) a += c.recs[i].en[0] == 'a';
    double share = (double)a / c.n;
    printf("  share of 'a': %.3f (expected 0.75, tolerance 0.07)\n", share);
    assert_true(share > 0.68 && share < 0.82);
    gb_corpus_free(&c);
    gb_grammar_free(g);
}

/* Deep recursion is cut short: every derivation ends, none is longer than the depth limit allows. */
static void test_recursion_terminates(void **state) {
    (void)state;
    gb_grammar *g = parse(HEAD "s:\n  {np} . = {np} .\nnp:\n  very {np} = très {np}  *20\n  big = grand\n");
    gb_corpus c = gen(g, "s", 30, 9);
    assert_true(c.n > 5);
    for (int i = 0; i < c.n; i++) {
        int words = 1;
        for (const char *s = c.recs[i].en; *s; s++) words += *s == ' ';
        assert_true(words <= 40);
    }
    gb_corpus_free(&c);
    gb_grammar_free(g);
}

/* A feature request no alternative can meet is reported with the rule's file and line. */
static void test_dead_end_is_reported(void **state) {
    (void)state;
    gb_grammar *g = parse(HEAD "s:\n  {noun f} . = {noun} .\nnoun:\n  cat = chat @m\n");
    gb_error err = {0};
    gb_corpus c;
    assert_int_equal(gb_corpus_generate(g, "s", 3, 1, &c, &err), GB_ERR_INPUT);
    printf("  %s\n", err.msg);
    assert_non_null(strstr(err.msg, "toy.grammar:14: no alternative of 'noun' fits"));
    gb_error_clear(&err);
    assert_int_equal(gb_corpus_generate(g, "nothing", 3, 1, &c, &err), GB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "no rule 'nothing'"));
    gb_error_clear(&err);
    assert_int_equal(gb_corpus_generate(g, "s", 0, 1, &c, &err), GB_ERR_INPUT);
    gb_grammar_free(g);
}

/* A corpus built by hand: the same English twice (two French translations). */
static gb_corpus hand_corpus(int n, int dup_every) {
    gb_corpus c = {0};
    c.recs = calloc((size_t)n, sizeof *c.recs);
    for (int i = 0; i < n; i++) {
        char en[64], fr[64];
        int id = dup_every ? i / dup_every : i;
        snprintf(en, sizeof en, "sentence %d .", id);
        snprintf(fr, sizeof fr, "phrase %d %d .", id, i);
        c.recs[i].en = strdup(en);
        c.recs[i].fr = strdup(fr);
        c.recs[i].label = strdup(i % 3 ? "positive" : "negative");
    }
    c.n = c.cap = n;
    return c;
}

static int side_of(const gb_corpus *c, const char *en) {
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->recs[i].en, en)) return 1;
    return 0;
}

/* No sentence is in both halves, records with the same sentence stay together,
 * the validation size is the fraction of distinct sentences, and the split is stable. */
static void test_split(void **state) {
    (void)state;
    gb_corpus all = hand_corpus(1000, 2), tr, va, tr2, va2;
    gb_error err = {0};
    gbt_assert_ok(gb_corpus_split(&all, 0.1, 7, &tr, &va, &err), &err);
    printf("  train %d, validation %d\n", tr.n, va.n);
    assert_int_equal(tr.n + va.n, 1000);
    assert_int_equal(va.n, 2 * 50); /* 500 distinct sentences, 10% of them, two records each */
    for (int i = 0; i < va.n; i++) assert_false(side_of(&tr, va.recs[i].en));
    gbt_assert_ok(gb_corpus_split(&all, 0.1, 7, &tr2, &va2, &err), &err);
    assert_int_equal(va2.n, va.n);
    for (int i = 0; i < va.n; i++) assert_string_equal(va.recs[i].en, va2.recs[i].en);
    gb_corpus_free(&tr2);
    gb_corpus_free(&va2);
    gbt_assert_ok(gb_corpus_split(&all, 0.1, 8, &tr2, &va2, &err), &err);
    int differ = 0;
    for (int i = 0; i < va.n; i++) differ += !side_of(&va2, va.recs[i].en);
    assert_true(differ > 0); /* another seed, another choice */
    gb_corpus_free(&tr2);
    gb_corpus_free(&va2);
    assert_int_equal(gb_corpus_split(&all, 1.0, 7, &tr2, &va2, &err), GB_ERR_INPUT);
    gb_corpus_free(&tr);
    gb_corpus_free(&va);
    gb_corpus_free(&all);
}

/* Balancing keeps the first m of each label. */
static void test_balance(void **state) {
    (void)state;
    gb_corpus c = hand_corpus(9, 0); /* labels: neg pos pos neg pos pos neg pos pos */
    int dropped = gb_corpus_balance(&c);
    assert_int_equal(dropped, 3);
    assert_int_equal(c.n, 6);
    int pos = 0;
    for (int i = 0; i < c.n; i++) pos += !strcmp(c.recs[i].label, "positive");
    assert_int_equal(pos, 3);
    assert_string_equal(c.recs[0].en, "sentence 0 .");
    assert_string_equal(c.recs[c.n - 1].en, "sentence 6 .");
    gb_corpus_free(&c);
}

static char *slurp(const char *path) {
    gb_error err = {0};
    char *buf = NULL;
    gbt_assert_ok(gb_read_file(path, 1 << 20, &buf, NULL, &err), &err);
    return buf;
}

/* The three file formats, exactly; a format that needs a missing output is refused
 * and leaves no file. */
static void test_writers(void **state) {
    (void)state;
    gb_corpus c = hand_corpus(2, 0);
    gb_error err = {0};
    gbt_assert_ok(gb_corpus_write(&c, GB_CORPUS_TEXT, gbt_tmp("a.txt"), &err), &err);
    gbt_assert_ok(gb_corpus_write(&c, GB_CORPUS_PAIRS, gbt_tmp("a.tsv"), &err), &err);
    gbt_assert_ok(gb_corpus_write(&c, GB_CORPUS_LABELLED, gbt_tmp("b.tsv"), &err), &err);
    char *t = slurp(gbt_tmp("a.txt")), *p = slurp(gbt_tmp("a.tsv")), *l = slurp(gbt_tmp("b.tsv"));
    assert_string_equal(t, "sentence 0 .\nsentence 1 .\n");
    assert_string_equal(p, "phrase 0 0 .\tsentence 0 .\nphrase 1 1 .\tsentence 1 .\n");
    assert_string_equal(l, "negative\tsentence 0 .\npositive\tsentence 1 .\n");
    free(t);
    free(p);
    free(l);
    c.recs[1].fr[0] = '\0';
    assert_int_equal(gb_corpus_write(&c, GB_CORPUS_PAIRS, gbt_tmp("c.tsv"), &err), GB_ERR_INPUT);
    printf("  %s\n", err.msg);
    assert_non_null(strstr(err.msg, "no French"));
    FILE *fp = fopen(gbt_tmp("c.tsv"), "r");
    assert_null(fp);
    assert_int_equal(gb_corpus_vocab_size(&c, "en"), 4); /* sentence 0 1 . */
    gb_corpus_free(&c);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_french_agreement),
        cmocka_unit_test(test_agreement_holds_everywhere),
        cmocka_unit_test(test_rewrites),
        cmocka_unit_test(test_new_scope_is_independent),
        cmocka_unit_test(test_named_references_reorder),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_weights),
        cmocka_unit_test(test_recursion_terminates),
        cmocka_unit_test(test_dead_end_is_reported),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_balance),
        cmocka_unit_test(test_writers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
