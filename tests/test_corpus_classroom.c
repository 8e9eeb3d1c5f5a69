/* test_corpus_classroom.c - the bundled classroom grammar really contains what
 * the lessons talk about, with correct French, counted by patterns on the text
 * (independently of the grammar's own %stat bookkeeping). */
#include "gbtest.h"

#include <regex.h>

#include "glassbox/corpus.h"
#include "glassbox/ngram.h"

#define GRAMMAR GB_SOURCE_DIR "/data/grammars/classroom.grammar"
#define N_LM 20000

typedef struct world {
    gb_grammar *g;
    gb_corpus lm;     /* start 'sentence', seed 1 */
    gb_corpus review; /* start 'review', seed 1, balanced */
} world;

static int setup(void **state) {
    world *w = calloc(1, sizeof *w);
    gb_error err = {0};
    if (gb_grammar_load(GRAMMAR, &w->g, &err) || gb_corpus_generate(w->g, "sentence", N_LM, 1, &w->lm, &err) ||
        gb_corpus_generate(w->g, "review", 6000, 1, &w->review, &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    gb_corpus_balance(&w->review);
    *state = w;
    return 0;
}

static int teardown(void **state) {
    world *w = *state;
    gb_corpus_free(&w->lm);
    gb_corpus_free(&w->review);
    gb_grammar_free(w->g);
    free(w);
    return 0;
}

static int has(const gb_corpus *c, const char *en) {
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->recs[i].en, en)) return 1;
    return 0;
}

static const char *fr_of(const gb_corpus *c, const char *en) {
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->recs[i].en, en)) return c->recs[i].fr;
    return NULL;
}

/* Word lookup in a "word:value" table. */
static const char *lookup(const char *const *table, const char *word) {
    size_t n = strlen(word);
    for (int i = 0; table[i]; i++)
        if (!strncmp(table[i], word, n) && table[i][n] == ':') return table[i] + n + 1;
    return NULL;
}

static void capture(const char *s, const regmatch_t *m, int k, char *out, size_t n) {
    size_t len = (size_t)(m[k].rm_eo - m[k].rm_so);
    if (len >= n) len = n - 1;
    memcpy(out, s + m[k].rm_so, len);
    out[len] = '\0';
}

/* Every sentence: lower case, ends with " .", at most 16 words, single spaces;
 * French likewise; a vocabulary of a few hundred words. */
static void test_sentence_shape(void **state) {
    world *w = *state;
    assert_int_equal(w->lm.n, N_LM);
    int max_words = 0;
    for (int i = 0; i < w->lm.n; i++) {
        const char *en = w->lm.recs[i].en, *fr = w->lm.recs[i].fr;
        size_t n = strlen(en);
        assert_true(n > 2 && !strcmp(en + n - 2, " ."));
        assert_true(strlen(fr) > 2 && !strcmp(fr + strlen(fr) - 2, " ."));
        int words = 1;
        for (const char *s = en; *s; s++) {
            assert_false(*s >= 'A' && *s <= 'Z');
            assert_false(s[0] == ' ' && s[1] == ' ');
            words += *s == ' ';
        }
        assert_null(strstr(fr, "  "));
        if (words > max_words) max_words = words;
    }
    int ve = gb_corpus_vocab_size(&w->lm, "en"), vf = gb_corpus_vocab_size(&w->lm, "fr");
    printf("  %d sentences, longest %d words, vocabulary en %d fr %d\n", w->lm.n, max_words, ve, vf);
    assert_true(max_words <= 16);
    assert_true(ve >= 200 && ve <= 800);
    assert_true(vf >= 200 && vf <= 1000);
}

/* The sentences the seed text quotes are in the corpus, with their French. */
static void test_quoted_sentences(void **state) {
    world *w = *state;
    const char *want[][2] = {
        {"the teacher taught the students with the book .", "a enseigné aux élèves avec le livre ."},
        {"the animal did not cross the street because it was too tired .",
         "l' animal n' a pas traversé la rue parce qu' il était trop fatigué ."},
        {"the animal did not cross the street because it was too wide .",
         "l' animal n' a pas traversé la rue parce qu' elle était trop large ."},
        {"she sat on the bank of the river .", "elle s' est assise sur la rive de la rivière ."},
        {"he put the money in the bank .", "il a mis l' argent à la banque ."},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const char *fr = fr_of(&w->lm, want[i][0]);
        printf("  %s -> %s\n", want[i][0], fr ? fr : "(missing)");
        assert_non_null(fr);
        assert_non_null(strstr(fr, want[i][1]));
    }
}

/* Count English sentences matching a regex; each must have French containing
 * fr_yes and not fr_no (when given). */
static int count_sense(const gb_corpus *c, const char *re, const char *fr_yes, const char *fr_no) {
    regex_t rx;
    assert_int_equal(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
    int k = 0;
    for (int i = 0; i < c->n; i++) {
        if (regexec(&rx, c->recs[i].en, 0, NULL, 0)) continue;
        k++;
        if (fr_yes && !strstr(c->recs[i].fr, fr_yes)) fail_msg("'%s' -> '%s' lacks '%s'", c->recs[i].en, c->recs[i].fr, fr_yes);
        if (fr_no && strstr(c->recs[i].fr, fr_no)) fail_msg("'%s' -> '%s' has '%s'", c->recs[i].en, c->recs[i].fr, fr_no);
    }
    regfree(&rx);
    return k;
}

/* Homonyms: the context decides the sense, and the French shows which. */
static void test_homonyms(void **state) {
    world *w = *state;
    struct { const char *what, *re, *yes, *no; int min; } cases[] = {
        {"bank (river)", "bank of the (river|lake)", "rive", "banque", 100},
        {"bank (money)", "(money.*bank|bank.*money|at the bank)", "banque", "rive", 100},
        {"bat (stick)", "(with|new) the bat|bat is made", "batte", "chauve-souris", 10},
        {"bat (animal)", "bats? .*(cave|night|insect|flies|fly)", "chauve", "batte", 10},
        {"mouse (animal)", "(chased|caught) the mouse|mouse (ate|ran|is afraid)", "souris", NULL, 10},
        {"mouse (computer)", "clicked on the mouse|mouse (is next to|of) the computer", "souris", NULL, 10},
        {"bark (tree)", "bark of the (old )?tree", "écorce", "aboiement", 3},
        {"bark (dog)", "bark of the dog", "aboiement", "écorce", 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int k = count_sense(&w->lm, cases[i].re, cases[i].yes, cases[i].no);
        printf("  %-18s %5d sentences (at least %d)\n", cases[i].what, k, cases[i].min);
        assert_true(k >= cases[i].min);
    }
}

/* The ambiguous "with": many sentences of the shape "X verb Y with Z". */
static void test_with_ambiguity(void **state) {
    world *w = *state;
    int k = count_sense(&w->lm, "^the [a-z]+ (taught|saw|hit|watched) the [a-z]+ with the [a-z]+ \\.$", "avec", NULL);
    printf("  %d 'X verb Y with Z' sentences\n", k);
    assert_true(k >= 300);
}

static const char *const GENDER[] = {
    /* animals */
    "cat:m", "cats:m", "dog:m", "dogs:m", "horse:m", "horses:m", "bird:m", "birds:m", "animal:m", "animals:m",
    "mouse:f", "mice:f", "cow:f", "cows:f", "duck:m", "ducks:m", "rabbit:m", "rabbits:m", "sheep:m",
    "fox:m", "foxes:m", "frog:f", "frogs:f", "goat:f", "goats:f", "hen:f", "hens:f", "turtle:f", "turtles:f",
    "owl:f", "owls:f", "elephant:m", "elephants:m",
    /* what they cross, jump over, fit in */
    "street:f", "road:f", "bridge:m", "river:f", "stream:m", "field:m", "fence:f", "wall:m", "gate:m",
    "book:m", "ball:f", "cake:m", "hat:m", "bottle:f", "computer:m", "umbrella:m", "apple:f",
    "books:m", "balls:f", "cakes:m", "hats:m", "bottles:f", "computers:m", "umbrellas:m", "apples:f",
    "bag:m", "box:f", "basket:m", "drawer:m", "bags:m", "boxes:f", "baskets:m", "drawers:m", NULL};

static const char *const SUBJECT_ADJ[] = {"tired:s", "weak:s", "slow:s", "scared:s", "old:s", "sleepy:s", "big:s",
                                          "wide:o", "long:o", "busy:o", "dangerous:o", "deep:o", "cold:o",
                                          "fast:o", "high:o", "small:o", NULL};

/* "... because it was too ADJ": the adjective decides which noun "it" is, and the
 * French pronoun has that noun's gender. Minimal pairs (same two nouns, both
 * readings) exist. */
static void test_pronoun_reference(void **state) {
    world *w = *state;
    regex_t rx;
    const char *re = "^the ([a-z]+) did not (cross|jump over|fit in) the ([a-z]+) because (it|they) (was|were) too ([a-z]+) \\.$";
    assert_int_equal(regcomp(&rx, re, REG_EXTENDED), 0);
    int subj = 0, obj = 0, pairs = 0;
    char seen_s[512][64], seen_o[512][64];
    int ns = 0, no = 0;
    for (int i = 0; i < w->lm.n; i++) {
        regmatch_t m[8];
        const char *en = w->lm.recs[i].en, *fr = w->lm.recs[i].fr;
        if (regexec(&rx, en, 8, m, 0)) continue;
        char a[32], b[32], pron[8], adj[32], key[64];
        capture(en, m, 1, a, sizeof a);
        capture(en, m, 3, b, sizeof b);
        capture(en, m, 4, pron, sizeof pron);
        capture(en, m, 6, adj, sizeof adj);
        const char *role = lookup(SUBJECT_ADJ, adj);
        const char *ga = lookup(GENDER, a), *gb = lookup(GENDER, b);
        if (!role || !ga || !gb) continue; /* a person subject ("he") */
        const char *g = *role == 's' ? ga : gb;
        int plural = !strcmp(pron, "they");
        char want[32];
        snprintf(want, sizeof want, "qu' %s%s ", *g == 'm' ? "il" : "elle", plural ? "s" : "");
        if (!strstr(fr, want)) fail_msg("'%s' -> '%s': expected '%s'", en, fr, want);
        snprintf(key, sizeof key, "%s %s", a, b);
        if (*role == 's') {
            subj++;
            if (ns < 512) snprintf(seen_s[ns++], 64, "%s", key);
        } else {
            obj++;
            if (no < 512) snprintf(seen_o[no++], 64, "%s", key);
        }
    }
    regfree(&rx);
    for (int i = 0; i < ns; i++)
        for (int j = 0; j < no; j++)
            if (!strcmp(seen_s[i], seen_o[j])) {
                pairs++;
                break;
            }
    printf("  'it' = subject: %d, 'it' = object: %d, noun pairs seen both ways: %d\n", subj, obj, pairs);
    assert_true(subj >= 300 && obj >= 300 && pairs >= 30);
}

static const char *const NUMBER[] = {
    "cat:s", "cats:p", "dog:s", "dogs:p", "horse:s", "horses:p", "bird:s", "birds:p", "animal:s", "animals:p",
    "mouse:s", "mice:p", "cow:s", "cows:p", "duck:s", "ducks:p", "rabbit:s", "rabbits:p", "fox:s", "foxes:p",
    "frog:s", "frogs:p", "goat:s", "goats:p", "hen:s", "hens:p", "turtle:s", "turtles:p", "owl:s", "owls:p",
    "elephant:s", "elephants:p", "man:s", "men:p", "woman:s", "women:p", "boy:s", "boys:p", "girl:s", "girls:p",
    "king:s", "kings:p", "queen:s", "queens:p", "teacher:s", "teachers:p", "student:s", "students:p",
    "child:s", "children:p", "doctor:s", "doctors:p", "farmer:s", "farmers:p",
    "prince:s", "princes:p", "princess:s", "princesses:p", "father:s", "fathers:p", "mother:s", "mothers:p",
    "brother:s", "brothers:p", "sister:s", "sisters:p", NULL};

static const char *const VERB_NUMBER[] = {
    "sleeps:s", "sleep:p", "plays:s", "play:p", "waits:s", "wait:p", "sits:s", "sit:p", "is:s", "are:p",
    "was:s", "were:p", "eats:s", "eat:p", "chases:s", "chase:p", "sees:s", "see:p", "follows:s", "follow:p",
    "likes:s", "like:p", "bites:s", "bite:p", "watches:s", "watch:p", "feeds:s", "feed:p", "calls:s", "call:p",
    "helps:s", "help:p", "knows:s", "know:p", "listens:s", "listen:p", "has:s", "have:p", "finds:s", "find:p",
    "carries:s", "carry:p", "wants:s", "want:p", "looks:s", "look:p", NULL};

/* Agreement across a phrase or a relative clause: the verb agrees with the
 * head noun, not with the nearer one, and there are cases where the nearer
 * noun has the other number. */
static void test_agreement_across_phrases(void **state) {
    world *w = *state;
    regex_t rx;
    const char *re = "^the ([a-z]+) (near|with|next to|that [a-z]+|who [a-z]+( to| for)?) the ([a-z]+) ([a-z]+) ";
    assert_int_equal(regcomp(&rx, re, REG_EXTENDED), 0);
    int checked = 0, attractor = 0, rel_checked = 0;
    for (int i = 0; i < w->lm.n; i++) {
        regmatch_t m[8];
        const char *en = w->lm.recs[i].en;
        if (regexec(&rx, en, 8, m, 0)) continue;
        char head[32], link[32], near[32], verb[32];
        capture(en, m, 1, head, sizeof head);
        capture(en, m, 2, link, sizeof link);
        capture(en, m, 4, near, sizeof near);
        capture(en, m, 5, verb, sizeof verb);
        const char *nh = lookup(NUMBER, head), *nn = lookup(NUMBER, near), *nv = lookup(VERB_NUMBER, verb);
        if (!nh || !nv) continue; /* past tense verbs show no number */
        if (*nh != *nv) fail_msg("'%s': head '%s' and verb '%s' disagree", en, head, verb);
        checked++;
        if (nn && *nn != *nh) attractor++;
        /* the verb inside the relative clause agrees with the head too */
        char *sp = strchr(link, ' ');
        if (sp && (!strncmp(link, "that", 4) || !strncmp(link, "who", 3))) {
            char rv[32];
            snprintf(rv, sizeof rv, "%s", sp + 1);
            char *e = strchr(rv, ' ');
            if (e) *e = '\0';
            const char *nr = lookup(VERB_NUMBER, rv);
            if (nr) {
                if (*nr != *nh) fail_msg("'%s': head '%s' and relative verb '%s' disagree", en, head, rv);
                rel_checked++;
            }
        }
    }
    regfree(&rx);
    printf("  %d main verbs checked (%d with a nearer noun of the other number), %d relative verbs\n", checked,
           attractor, rel_checked);
    assert_true(checked >= 300 && attractor >= 100 && rel_checked >= 100);
}

/* French articles and adjectives agree with the noun's gender and number. */
static void test_french_gender(void **state) {
    world *w = *state;
    struct { const char *en, *fr; } starts[] = {
        {"the queen ", "la reine "}, {"the queens ", "les reines "}, {"the king ", "le roi "},
        {"the girl ", "la fille "},  {"the boy ", "le garçon "},    {"the woman ", "la femme "},
        {"the man ", "l' homme "},   {"the cow ", "la vache "},     {"the school ", "l' école "},
    };
    for (size_t k = 0; k < sizeof starts / sizeof starts[0]; k++) {
        int n = 0;
        for (int i = 0; i < w->lm.n; i++) {
            if (strncmp(w->lm.recs[i].en, starts[k].en, strlen(starts[k].en))) continue;
            n++;
            if (strncmp(w->lm.recs[i].fr, starts[k].fr, strlen(starts[k].fr)))
                fail_msg("'%s' -> '%s' should start '%s'", w->lm.recs[i].en, w->lm.recs[i].fr, starts[k].fr);
        }
        printf("  %-12s %4d sentences start with '%s'\n", starts[k].en, n, starts[k].fr);
        if (k < 7) assert_true(n >= 20);
    }
    /* predicative adjectives: feminine and masculine forms */
    int fem = count_sense(&w->lm, "^the (cow|frog|goat|hen|turtle|owl) (is|was) (tired|happy) \\.$", "e .", "é .");
    int fem2 = count_sense(&w->lm, "^the (queen|girl|woman|princess|mother|sister) (is|was) (happy|tired|kind) \\.$", NULL, "eux .");
    int masc = count_sense(&w->lm, "^the (dog|cat|horse|duck) (is|was) tired \\.$", "fatigué .", "fatiguée");
    int pl = count_sense(&w->lm, "^the (queens|girls|women) (are|were) tired \\.$", "fatiguées .", NULL);
    printf("  adjective agreement: feminine %d + %d, masculine %d, feminine plural %d\n", fem, fem2, masc, pl);
    assert_true(fem >= 3 && fem2 >= 3 && masc >= 2 && pl >= 1);
}

/* Pairs that should line up in the embedding space are used in the same
 * contexts: replacing one word by the other gives a sentence that also occurs. */
static int shared_contexts(const gb_corpus *c, const char *a, const char *b) {
    int shared = 0;
    char buf[512], wa[40], wb[40];
    snprintf(wa, sizeof wa, " %s ", a);
    snprintf(wb, sizeof wb, " %s ", b);
    for (int i = 0; i < c->n; i++) {
        snprintf(buf, sizeof buf, " %s", c->recs[i].en);
        char *p = strstr(buf, wa);
        if (!p || strstr(p + 1, wa)) continue;
        char out[600];
        snprintf(out, sizeof out, "%.*s%s%s", (int)(p - buf), buf, wb, p + strlen(wa));
        if (has(c, out + 1)) shared++;
    }
    return shared;
}

static void test_parallel_pairs(void **state) {
    world *w = *state;
    const char *pairs[][2] = {{"king", "queen"}, {"man", "woman"}, {"boy", "girl"}, {"he", "she"},
                              {"father", "mother"}, {"cat", "dog"}, {"prince", "princess"}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        int k = shared_contexts(&w->lm, pairs[i][0], pairs[i][1]);
        printf("  %-8s / %-9s %4d shared contexts\n", pairs[i][0], pairs[i][1], k);
        assert_true(k >= 20);
    }
    /* he/she follow the person they stand for */
    assert_true(count_sense(&w->lm, "^the (king|man|boy|father|prince) said that he ", "qu' il ", NULL) >= 5);
    assert_true(count_sense(&w->lm, "^the (queen|woman|girl|mother|princess) said that she ", "qu' elle ", NULL) >= 5);
    assert_int_equal(count_sense(&w->lm, "^the (king|man|boy|father|prince) said that (she|it) ", NULL, NULL), 0);
    assert_int_equal(count_sense(&w->lm, "^the (queen|woman|girl|mother|princess) said that (he|it) ", NULL, NULL), 0);
}

/* Reviews: balanced classes, plenty of negation, and negation labelled right:
 * "not bad" is positive, "not good" is negative. */
static void test_sentiment_labels(void **state) {
    world *w = *state;
    int pos = 0, neg = 0, negated = 0;
    static const char *flip[] = {"not bad", "not a bad", "not boring", "not terrible", "not hate", "not too salty", "not bland", NULL};
    for (int i = 0; i < w->review.n; i++) {
        const char *en = w->review.recs[i].en, *label = w->review.recs[i].label;
        pos += !strcmp(label, "positive");
        neg += !strcmp(label, "negative");
        assert_true(!strcmp(label, "positive") || !strcmp(label, "negative"));
        if (!strstr(en, " not ")) continue;
        negated++;
        int positive = 0;
        for (int k = 0; flip[k]; k++) positive |= strstr(en, flip[k]) != NULL;
        if (strcmp(label, positive ? "positive" : "negative"))
            fail_msg("'%s' is labelled %s", en, label);
    }
    printf("  %d reviews: %d positive, %d negative, %d with 'not'\n", w->review.n, pos, neg, negated);
    assert_int_equal(pos, neg);
    assert_true(negated * 4 >= w->review.n);
    assert_true(has(&w->review, "the movie was not good ."));
    assert_true(has(&w->review, "the food was not bad ."));
    assert_true(has(&w->review, "i do not like the book ."));
}

/* The one-word-context model built from the same corpus cannot tell "tired"
 * from "wide" after "too": both keep real probability (lesson 14). */
static void test_bigram_cannot_resolve_it(void **state) {
    world *w = *state;
    const char **lines = malloc((size_t)w->lm.n * sizeof *lines);
    for (int i = 0; i < w->lm.n; i++) lines[i] = w->lm.recs[i].en;
    gb_error err = {0};
    gb_bigram *bg = NULL;
    gbt_assert_ok(gb_bigram_build_lines(lines, w->lm.n, 0.1, &bg, &err), &err);
    int too = gb_bigram_id(bg, "too");
    double pt = gb_bigram_prob(bg, too, gb_bigram_id(bg, "tired"));
    double pw = gb_bigram_prob(bg, too, gb_bigram_id(bg, "wide"));
    printf("  P(tired | too) = %.3f, P(wide | too) = %.3f\n", pt, pw);
    assert_true(pt > 0.05 && pw > 0.05);
    gb_bigram_free(bg);
    free(lines);
}

/* The features keep the world sensible: big animals are never on the furniture,
 * cars never in a bag. */
static void test_world_makes_sense(void **state) {
    world *w = *state;
    int n = count_sense(&w->lm, "^(the|a|there is an?|there are) ([a-z]+ )?(horse|cow|sheep|goat|elephant|fox)(e?s)? ([a-z]+ )?(on|under) the (sofa|chair|table|bed|desk)", NULL, NULL);
    int m = count_sense(&w->lm, "(car|bike)s? [a-z ]*in the (bag|box|basket|drawer)", NULL, NULL);
    int ok = count_sense(&w->lm, "^the (cat|dog)s? [a-z]+ (on|under) the (sofa|chair|table|bed|desk)", NULL, NULL);
    printf("  big animals on furniture: %d, cars in bags: %d, cats and dogs on furniture: %d\n", n, m, ok);
    assert_int_equal(n, 0);
    assert_int_equal(m, 0);
    assert_true(ok > 10);
}

/* The grammar's own %stat bookkeeping agrees that every phenomenon is present. */
static void test_stats_present(void **state) {
    world *w = *state;
    assert_true(w->lm.n_stats >= 16);
    for (int s = 0; s < w->lm.n_stats; s++) {
        int k = 0;
        for (int i = 0; i < w->lm.n; i++) k += (int)((w->lm.recs[i].tags >> s) & 1);
        printf("  %-20s %5d\n", w->lm.stat_rule[s], k);
        assert_true(k > 0);
    }
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sentence_shape),
        cmocka_unit_test(test_quoted_sentences),
        cmocka_unit_test(test_homonyms),
        cmocka_unit_test(test_with_ambiguity),
        cmocka_unit_test(test_pronoun_reference),
        cmocka_unit_test(test_agreement_across_phrases),
        cmocka_unit_test(test_french_gender),
        cmocka_unit_test(test_parallel_pairs),
        cmocka_unit_test(test_sentiment_labels),
        cmocka_unit_test(test_bigram_cannot_resolve_it),
        cmocka_unit_test(test_world_makes_sense),
        cmocka_unit_test(test_stats_present),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
