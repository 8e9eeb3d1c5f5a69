/* test_corpus_grammar.c - the grammar parser: every kind of mistake is refused
 * with ONE message naming the file and the line, and good grammars load. */
#include "gbtest.h"

#include "glassbox/corpus.h"
#include "glassbox/platform.h"

#define HEAD "%outputs en fr\n%feature g m f\n%feature n sg pl\n%slash sg pl\n%slash m.sg f.sg m.pl f.pl\n"
/* HEAD is 5 lines: a rule written right after it starts on line 6. */

/* Parse text, expect failure; the message must contain want (file:line and what). */
static void expect_error(const char *text, const char *want) {
    gb_error err = {0};
    gb_grammar *g = (gb_grammar *)0x1;
    gb_status st = gb_grammar_parse(text, strlen(text), "t.grammar", &g, &err);
    printf("  -> %s\n", err.msg);
    assert_int_equal(st, GB_ERR_INPUT);
    assert_null(g);
    if (!strstr(err.msg, want)) fail_msg("message '%s' lacks '%s'", err.msg, want);
}

static gb_grammar *parse_ok(const char *text) {
    gb_error err = {0};
    gb_grammar *g = NULL;
    gbt_assert_ok(gb_grammar_parse(text, strlen(text), "t.grammar", &g, &err), &err);
    return g;
}

/* A reference to a rule that does not exist names the rule and the line. */
static void test_unknown_rule(void **state) {
    (void)state;
    expect_error(HEAD "s:\n  the {nuon} . = le {nuon} .\nnoun:\n  cat = chat\n", "t.grammar:7: unknown rule 'nuon'");
}

/* Brackets: an unclosed '{', a stray ']' and a '[' closed by '}' are each refused. */
static void test_unbalanced_brackets(void **state) {
    (void)state;
    expect_error(HEAD "s:\n  the {noun . = le {noun} .\nnoun:\n  cat = chat\n", "t.grammar:7: unbalanced brackets");
    expect_error(HEAD "noun:\n  cat = chat\n  dog] = chien\n", "t.grammar:8: unbalanced brackets");
    expect_error(HEAD "noun:\n  [sg cat | pl cats} = chat\n", "t.grammar:7: unbalanced brackets");
    expect_error(HEAD "noun:\n  {a [b]} = chat\n", "t.grammar:7:");
}

/* A rule whose every alternative leads back to itself can never finish. */
static void test_recursion_without_end(void **state) {
    (void)state;
    expect_error(HEAD "s:\n  {np} . = {np} .\nnp:\n  the {np} = le {np}\n  big {np} = grand {np}\n",
                 "t.grammar:8: rule 'np' recurses without end");
    /* mutual recursion without an exit */
    expect_error(HEAD "a:\n  x {b} = x {b}\nb:\n  y {a} = y {a}\n", "recurses without end");
    /* with an exit it is fine */
    gb_grammar *g = parse_ok(HEAD "np:\n  the {np} = le {np}\n  cat = chat\n");
    gb_grammar_free(g);
}

/* Empty alternatives and empty outputs are refused; '_' is the explicit nothing. */
static void test_empty_alternatives(void **state) {
    (void)state;
    expect_error(HEAD "s:\n  = chat\n", "t.grammar:7: empty alternative");
    expect_error(HEAD "s:\n  cat =\n", "t.grammar:7: empty output");
    expect_error(HEAD "s:\n  @m\n", "t.grammar:7: empty alternative");
    expect_error(HEAD "s:\n\nt:\n  cat = chat\n", "t.grammar:6: rule 's' has no alternatives");
    gb_grammar *g = parse_ok(HEAD "s:\n  _ = _\n");
    gb_grammar_free(g);
}

/* An empty file, or one with only comments and directives, has no rules. */
static void test_empty_grammar(void **state) {
    (void)state;
    expect_error("", "t.grammar:1: the grammar has no rules");
    expect_error("# nothing\n%outputs en\n", "the grammar has no rules");
}

/* Bytes that are not UTF-8 are refused with the line they are on. */
static void test_invalid_utf8(void **state) {
    (void)state;
    expect_error(HEAD "s:\n  cat = ch\xe2t\n", "t.grammar:7: invalid UTF-8");
    expect_error(HEAD "s:\n  caf\xc3 = caf\n", "t.grammar:7: invalid UTF-8");
    const char nul[] = "s:\n  cat\0 = chat\n";
    gb_error err = {0};
    gb_grammar *g = NULL;
    assert_int_equal(gb_grammar_parse(nul, sizeof nul - 1, "nul.grammar", &g, &err), GB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "nul.grammar:2:"));
}

/* Feature mistakes: unknown values, contradictions, a slash word without a %slash shape. */
static void test_feature_mistakes(void **state) {
    (void)state;
    expect_error(HEAD "s:\n  cat = chat @neuter\n", "t.grammar:7: 'neuter' is not a feature value");
    expect_error(HEAD "s:\n  cat = chat @m.f\n", "sets the same feature twice");
    expect_error(HEAD "s:\n  cat = chat @m @f\n", "contradict");
    expect_error(HEAD "s:\n  a/b/c = x\n", "t.grammar:7: 'a/b/c' has 3 forms but no %slash line declares 3");
    expect_error("%feature g m f\n%feature x m\n", "t.grammar:2: value 'm' already belongs to feature 'g'");
    expect_error("%feature g m f\n%feature g x y\n", "t.grammar:2: feature 'g' is already declared");
    expect_error(HEAD "s:\n  a = [m.f le | la]\n", "t.grammar:7: 'm.f' sets the same feature twice");
    expect_error(HEAD "s:\n  {t pl} cat\n  ok = ok\nt:\n  _ = _\n", "t.grammar:7: the English has words of its own");
}

/* Structure mistakes: outputs, duplicates, stray lines, unknown directives, weights. */
static void test_structure_mistakes(void **state) {
    (void)state;
    expect_error(HEAD "s:\n  a = b = c\n", "t.grammar:7: too many '='");
    expect_error(HEAD "s:\n  a = b\ns:\n  c = d\n", "t.grammar:8: rule 's' is already defined at line 6");
    expect_error("  cat = chat\n", "t.grammar:1: indented alternative before any rule");
    expect_error(HEAD "%colour red\n", "t.grammar:6: unknown directive '%colour'");
    expect_error(HEAD "s:\n  a = b *0\n", "t.grammar:7: weight '*0'");
    expect_error(HEAD "s:\n  a = b @m cat\n", "t.grammar:7: 'cat' after '@'");
    expect_error(HEAD "s:\n  a = b\n%start lm nothing\n", "t.grammar:8: %start names unknown rule 'nothing'");
    expect_error(HEAD "s:\n  a = b\n%feature k x y\n", "t.grammar:8: %feature must come before the first rule");
    expect_error(HEAD "hello there\n", "t.grammar:6: 'hello there' is neither a rule");
    expect_error(HEAD "s:\n  the {t} . = le {t new} .\nt:\n  a = b\n", "options go on the first mention");
}

/* A file that cannot be read: the message names it. */
static void test_missing_file(void **state) {
    (void)state;
    gb_error err = {0};
    gb_grammar *g = NULL;
    assert_int_equal(gb_grammar_load(gbt_tmp("nope.grammar"), &g, &err), GB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "nope.grammar"));
}

/* A good grammar loads, answers questions about itself, and comments are ignored. */
static void test_good_grammar_loads(void **state) {
    (void)state;
    const char *text = "# a comment\n%outputs en fr label\n%feature g m f\n%start lm s   # trailing comment\n"
                       "s:\n  the {noun} . = {the} {noun} . = positive\nthe:\n  the = [m le | f la] # hello\n"
                       "noun:\n  cat = chat @m\n  house = maison @f *2\n";
    gb_error err = {0};
    const char *p = gbt_tmp("good.grammar");
    gbt_assert_ok(gb_write_file_atomic(p, text, strlen(text), &err), &err);
    gb_grammar *g = NULL;
    gbt_assert_ok(gb_grammar_load(p, &g, &err), &err);
    assert_int_equal(gb_grammar_n_rules(g), 3);
    assert_true(gb_grammar_has_rule(g, "noun"));
    assert_false(gb_grammar_has_rule(g, "verb"));
    assert_string_equal(gb_grammar_start(g, "lm"), "s");
    assert_null(gb_grammar_start(g, "translate"));
    assert_true(gb_grammar_has_output(g, "fr"));
    assert_true(gb_grammar_has_output(g, "label"));
    gb_grammar_free(g);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_rule),
        cmocka_unit_test(test_unbalanced_brackets),
        cmocka_unit_test(test_recursion_without_end),
        cmocka_unit_test(test_empty_alternatives),
        cmocka_unit_test(test_empty_grammar),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_feature_mistakes),
        cmocka_unit_test(test_structure_mistakes),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_good_grammar_loads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
