/* test_lesson.c - the lesson format (glassbox/lesson.h): every directive and
 * claim kind parsed, every claim kind checked against the bundled models both
 * when it holds and when it fails (with the line and what the model does), and
 * bad input refused with file and line. One checker for the whole program, so
 * each model is loaded once. */
#include "gbtest.h"

#include "glassbox/lesson.h"

static gb_lesson_checker *CK;

static gb_lesson *parse_ok(const char *text) {
    gb_error err = {0};
    gb_lesson *l = NULL;
    if (gb_lesson_parse("lessons/t.md", text, strlen(text), &l, &err)) fail_msg("parse failed: %s", err.msg);
    return l;
}

/* Parsing fails; the message must contain every fragment. */
static void parse_bad(const char *text, const char *frag1, const char *frag2) {
    gb_error err = {0};
    gb_lesson *l = NULL;
    gb_status s = gb_lesson_parse("lessons/t.md", text, strlen(text), &l, &err);
    printf("  %s\n", err.msg);
    assert_int_equal(s, GB_ERR_INPUT);
    assert_null(l);
    assert_non_null(strstr(err.msg, frag1));
    if (frag2) assert_non_null(strstr(err.msg, frag2));
}

/* The first claim of the last step: GB_OK or the failure message in msg. */
static gb_status check_first(const char *text, char *msg, size_t cap) {
    gb_lesson *l = parse_ok(text);
    const gb_lesson_step *s = &l->steps[l->n_steps - 1];
    assert_true(s->n_claims >= 1);
    gb_error err = {0};
    gb_status st = gb_lesson_check_claim(CK, l, s, &s->claims[0], &err);
    snprintf(msg, cap, "%s", err.msg);
    if (st) printf("  %s\n", err.msg);
    gb_lesson_free(l);
    return st;
}

static void claim_holds(const char *text) {
    char msg[1024];
    if (check_first(text, msg, sizeof msg)) fail_msg("claim should hold: %s", msg);
}

static void claim_fails(const char *text, const char *frag1, const char *frag2) {
    char msg[1024];
    assert_int_equal(check_first(text, msg, sizeof msg), GB_ERR_INPUT);
    assert_non_null(strstr(msg, frag1));
    if (frag2) assert_non_null(strstr(msg, frag2));
}

#define HEAD "# T\n\n## S\n@model classroom\n"

/* ---- format and directives ---- */

static void test_structure(void **state) {
    (void)state;
    gb_lesson *l = parse_ok("# The title\n\nIntro **text**.\n\n## First\nSome text.\n\nMore.\n## Second\nEnd.\n");
    assert_string_equal(l->title, "The title");
    assert_string_equal(l->intro, "Intro **text**.");
    assert_int_equal(l->n_steps, 2);
    assert_string_equal(l->steps[0].title, "First");
    assert_int_equal(l->steps[0].line, 5);
    assert_string_equal(l->steps[0].text, "Some text.\n\nMore.");
    assert_string_equal(l->steps[1].text, "End.");
    gb_lesson_free(l);
}

static void test_state_directives(void **state) {
    (void)state;
    gb_lesson *l = parse_ok("# T\n## A\n@model classroom\n@prompt the teacher taught the  \n@view attention\n"
                            "@layer 1\n@head 2\n@select teacher \"book\"\n@highlight it animal\n"
                            "@sampling temperature=0.7 top-k=40 top-p=0.9 seed=3\n@generate 5\n@tokenizer classroom-bpe\n"
                            "text\n## B\n@sampling greedy\n## C\n@layer 0\n");
    const gb_lesson_state *a = &l->steps[0].state, *b = &l->steps[1].state, *c = &l->steps[2].state;
    assert_string_equal(a->model, "classroom");
    assert_string_equal(a->prompt, "the teacher taught the");
    assert_string_equal(a->view, "attention");
    assert_int_equal(a->layer, 1);
    assert_int_equal(a->head, 2);
    assert_int_equal(a->n_select, 2);
    assert_string_equal(a->select[1], "book");
    assert_int_equal(a->n_highlight, 2);
    assert_true(a->temperature == 0.7 && a->top_k == 40 && a->top_p == 0.9 && a->seed == 3);
    assert_int_equal(a->generate, 5);
    assert_string_equal(a->tokenizer, "classroom-bpe");
    assert_string_equal(l->steps[0].text, "text");
    /* state carries over; @sampling replaces the whole setting; @generate and @highlight do not carry */
    assert_string_equal(b->prompt, "the teacher taught the");
    assert_true(b->temperature == 0 && b->top_k == 0 && b->top_p == 1);
    assert_int_equal(b->generate, 0);
    assert_int_equal(b->n_highlight, 0);
    assert_int_equal(b->n_select, 2);
    assert_int_equal(c->layer, 0);
    assert_int_equal(c->head, 2);
    assert_string_equal(c->view, "attention");
    gb_lesson_free(l);
}

static void test_claim_parsing(void **state) {
    (void)state;
    gb_lesson *l = parse_ok(HEAD "@claim attention stack=cross layer=2 head=0 from=\"it\" to=\"animal\" >= 0.5\n"
                            "@claim neighbors \"king\" excludes \"river\" k=5\n"
                            "@claim next \"the teacher\" in-top 3 \"with\" positions=off\n"
                            "@claim next \"a b\" prob \"c\" <= 0.25\n"
                            "@claim setting-changes-choice \"the\" greedy t=2:top-k=3 seed=7\n"
                            "@claim analogy \"king\" \"man\" \"woman\" top1 \"queen\"\n");
    const gb_lesson_claim *c = l->steps[0].claims;
    assert_int_equal(l->steps[0].n_claims, 6);
    assert_int_equal(c[0].kind, GB_CLAIM_ATTENTION);
    assert_int_equal(c[0].stack, GB_CS_CROSS);
    assert_int_equal(c[0].layer, 2);
    assert_string_equal(c[0].text, "it");
    assert_string_equal(c[0].want2, "animal");
    assert_int_equal(c[0].cmp, GB_CMP_GE);
    assert_true(c[0].threshold == 0.5);
    assert_int_equal(c[0].line, 5);
    assert_true(c[1].negate && c[1].k == 5);
    assert_true(c[2].k == 3 && c[2].no_positions);
    assert_true(c[3].k == 0 && c[3].cmp == GB_CMP_LE && c[3].threshold == 0.25);
    assert_true(c[4].has_seed && c[4].seed == 7);
    assert_string_equal(c[4].want2, "t=2:top-k=3");
    assert_string_equal(c[5].word3, "woman");
    gb_lesson_free(l);
}

static void test_bad_format(void **state) {
    (void)state;
    parse_bad("# T\n## S\n@zoom 3\n", "lessons/t.md:3:", "unknown directive '@zoom'");
    parse_bad("# T\n## S\ntext\n@claim attention layer=1 head=0 from=\"it\" >= 0.5\n", "lessons/t.md:4:", "malformed claim");
    parse_bad("# T\n## S\n@claim nearest \"a\"\n", ":3:", "unknown claim 'nearest'");
    parse_bad("# T\n## S\n@claim next \"the teacher top1 \"x\"\n", ":3:", "not closed");
    parse_bad("# T\n## S\n@claim similarity \"a\" \"b\" ~ 0.5\n", ":3:", ">=, <=");
    parse_bad("# T\n## S\n@layer -1\n", ":3:", "@layer");
    parse_bad("# T\n## S\n@sampling top-p=0\n", ":3:", "top-p");
    parse_bad("# T\n## S\n@sampling warmth=3\n", ":3:", "warmth");
    parse_bad("# T\n## S\n@view piechart\n", ":3:", "unknown view 'piechart'");
    parse_bad("# T\n@model classroom\n## S\n", ":2:", "belong to a step");
    parse_bad("just text\n", ":1:", "title");
    parse_bad("# T\nno steps\n", "lessons/t.md", "no steps");
    parse_bad("# T\n## S\n\xff\n", ":3:", "UTF-8");
    parse_bad("# T\n## S\n@claim setting-changes-choice \"a\" greedy t=-1\n", ":3:", "t=-1");
}

static void test_paths_outside_lessons(void **state) {
    (void)state;
    parse_bad("# T\n## S\n@include ../secret.md\n", ":3:", "inside the lessons folder");
    parse_bad("# T\n## S\n@image /etc/passwd\n", ":3:", "inside the lessons folder");
    parse_bad("# T\n## S\n@include parts/../../x.md\n", ":3:", "inside the lessons folder");
    parse_bad("# T\n## S\n@include missing-part.md\n", ":3:", "@include");
}

static void test_include(void **state) {
    (void)state;
    char dir[1024], part[1200], main_md[1200];
    snprintf(dir, sizeof dir, "%s", gbt_tmp("inc"));
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
    assert_int_equal(system(cmd), 0);
    snprintf(part, sizeof part, "%s/part.md", dir);
    snprintf(main_md, sizeof main_md, "%s/main.md", dir);
    FILE *f = fopen(part, "w");
    fputs("Included text.\n@layer 2\n", f);
    fclose(f);
    const char *text = "# T\n## S\nBefore.\n@include part.md\nAfter.\n";
    gb_error err = {0};
    gb_lesson *l = NULL;
    gbt_assert_ok(gb_lesson_parse(main_md, text, strlen(text), &l, &err), &err);
    assert_string_equal(l->steps[0].text, "Before.\nIncluded text.\nAfter.");
    assert_int_equal(l->steps[0].state.layer, 2);
    gb_lesson_free(l);
}

/* ---- claims against the models ---- */

static void test_claim_attention(void **state) {
    (void)state;
    const char *p = HEAD "@prompt the animal did not cross the street because it was too tired .\n";
    char t[1024];
    snprintf(t, sizeof t, "%s@claim attention layer=2 head=0 from=\"tired\" to=\"animal\" >= 0.6\n", p);
    claim_holds(t);
    snprintf(t, sizeof t, "%s\n\n@claim attention layer=2 head=0 from=\"tired\" to=\"animal\" >= 0.9\n", p);
    claim_fails(t, "lessons/t.md:8: claim failed: layer 2 head 0 attends from 'tired' to 'animal' with 0.68",
                "below 0.9");
    snprintf(t, sizeof t, "%s@claim attention layer=7 head=0 from=\"tired\" to=\"animal\" >= 0.6\n", p);
    claim_fails(t, "layer 7", "0..2");
    snprintf(t, sizeof t, "%s@claim attention layer=0 head=0 from=\"king\" to=\"animal\" >= 0.6\n", p);
    claim_fails(t, "'king' is not in the prompt", NULL);
    claim_holds("# T\n## S\n@model classroom-translate\n@prompt les enseignantes se sont assises sur la rive de la rivière .\n"
                "@claim attention stack=cross layer=1 head=0 from=\"bank\" to=\"rive\" >= 0.9\n");
    claim_holds("# T\n## S\n@model classroom-sentiment\n@prompt the song is not very good .\n"
                "@claim attention layer=1 head=0 from=\"<cls>\" to=\"not\" >= 0.95\n");
}

static void test_claim_neighbors_similarity_analogy(void **state) {
    (void)state;
    claim_holds(HEAD "@claim neighbors \"king\" includes \"queen\" k=1\n");
    claim_holds(HEAD "@claim neighbors \"king\" excludes \"river\" k=10\n");
    claim_fails(HEAD "@claim neighbors \"king\" includes \"river\" k=3\n", "lessons/t.md:5: claim failed: the 3 nearest",
                "queen 0.88");
    claim_holds(HEAD "@claim similarity \"king\" \"queen\" >= 0.85\n");
    claim_fails(HEAD "@claim similarity \"king\" \"river\" >= 0.5\n", "0.19", "79 degrees");
    claim_holds(HEAD "@claim analogy \"king\" \"man\" \"woman\" top1 \"queen\"\n");
    claim_fails(HEAD "@claim analogy \"king\" \"man\" \"woman\" top1 \"river\"\n", "nearest to 'queen'", NULL);
}

static void test_claim_next_generate(void **state) {
    (void)state;
    claim_holds(HEAD "@claim next \"the students read the\" top1 \"book\"\n");
    claim_fails(HEAD "@claim next \"the students read the\" top1 \"map\"\n",
                "most likely next word is 'book' (0.23)", "'map' is number");
    claim_holds(HEAD "@claim next \"the students read the\" top1 \"books\" positions=off\n");
    claim_holds(HEAD "@claim next \"the man put the money in the\" prob \"bank\" >= 0.95\n");
    claim_fails(HEAD "@claim next \"there is a\" prob \"ball\" >= 0.5\n", "probability of 'ball' is 0.04", NULL);
    claim_holds(HEAD "@sampling greedy\n@claim generate \"there is a\" == \"ball on the table .\"\n");
    claim_fails(HEAD "@sampling greedy\n@claim generate \"the teacher\" == \"slept .\"\n", "writes 'with the telescope.'",
                "greedy");
    claim_holds(HEAD "@sampling temperature=1 seed=1\n@claim generate \"the teacher\" == \"said that she was late .\"\n");
}

static void test_claim_translate_classify_tokens(void **state) {
    (void)state;
    claim_holds("# T\n## S\n@model classroom-translate\n@claim translate \"la grenouille avait faim .\" == \"the frog was hungry .\"\n");
    claim_fails("# T\n## S\n@model classroom-translate\n@claim translate \"le chat dort .\" == \"the cat sleeps .\"\n",
                ":4: claim failed: the model translates 'le chat dort .' as 'the cat sleeps in the cat.'", NULL);
    claim_holds("# T\n## S\n@model classroom-sentiment\n@claim classify \"it was not a bad book .\" == positive\n");
    claim_fails("# T\n## S\n@model classroom-sentiment\n@claim classify \"the song is not very good .\" == positive\n",
                "classifies 'the song is not very good .' as negative", NULL);
    claim_fails("# T\n## S\n@model classroom-sentiment\n@claim classify \"the song is good .\" == neutral\n",
                "'neutral' is not a class", "negative, positive");
    claim_holds("# T\n## S\n@tokenizer classroom-bpe\n@claim tokens \"the kings\" == \"the ␣kin gs\"\n");
    claim_fails("# T\n## S\n@tokenizer classroom-bpe\n@claim tokens \"the kings\" == \"the ␣king s\"\n",
                "becomes the 3 tokens 'the ␣kin gs'", NULL);
    claim_holds(HEAD "@claim tokens \"the zebra ran\" == \"the <unk> ran\"\n");
}

static void test_claim_setting_bigram(void **state) {
    (void)state;
    claim_holds(HEAD "@claim setting-changes-choice \"the teacher\" greedy random seed=1\n");
    claim_fails(HEAD "@claim setting-changes-choice \"the teacher\" greedy top-k=1 seed=1\n", "both 'greedy' and 'top-k=1' choose 'with'",
                NULL);
    claim_holds(HEAD "@claim bigram \"too\" top1 \"tired\"\n");
    claim_fails(HEAD "@claim bigram \"too\" top1 \"wide\"\n", "bigram model's most likely word is 'tired'", NULL);
    claim_fails(HEAD "@claim bigram \"zebra\" top1 \"wide\"\n", "never saw", NULL);
}

static void test_claim_bad_inputs(void **state) {
    (void)state;
    claim_fails(HEAD "@claim next \"the zebra\" top1 \"ran\"\n", "lessons/t.md:5: 'the zebra': a word the model 'classroom' does not know", NULL);
    claim_fails(HEAD "@claim neighbors \"kingg\" includes \"queen\"\n", ":5:", "does not know");
    claim_fails("# T\n## S\n@model no-such-model\n@claim next \"a\" top1 \"b\"\n", ":4: model 'no-such-model' cannot be opened",
                "no bundled model");
    claim_fails("# T\n## S\n@claim next \"a\" top1 \"b\"\n", ":3: claim needs a model", NULL);
    claim_fails(HEAD "@claim translate \"le chat\" == \"the cat\"\n", "needs an encoder-decoder model", "'classroom' is decoder");
}

/* The whole-lesson check: state errors (model, prompt, selection) with their lines. */
typedef struct collected {
    char msgs[8][512];
    int n;
} collected;
static void collect(void *user, gb_lesson_severity sev, const char *msg) {
    collected *c = user;
    (void)sev;
    if (c->n < 8) snprintf(c->msgs[c->n++], 512, "%s", msg);
    printf("  %s\n", msg);
}

static void test_check_state(void **state) {
    (void)state;
    gb_lesson *l = parse_ok("# T\n## A\n@model missing-model\n## B\n@model classroom\n@prompt the zebra ran\n"
                            "@select king kingg\n## C\n@claim next \"the teacher\" top1 \"with\"\n");
    collected c = {0};
    int bad = gb_lesson_check(CK, l, collect, &c);
    assert_int_equal(bad, 3);
    assert_non_null(strstr(c.msgs[0], "lessons/t.md:3: model 'missing-model' cannot be opened"));
    assert_non_null(strstr(c.msgs[1], "lessons/t.md:6: 'the zebra ran': a word the model"));
    assert_non_null(strstr(c.msgs[2], "lessons/t.md:7: 'kingg'"));
    gb_lesson_free(l);
}

/* @select words become the attention view's query and key positions. */
static void test_select_positions(void **state) {
    (void)state;
    gb_lesson *l = parse_ok(HEAD "@prompt the teacher taught the students with the book .\n@select book taught\n"
                            "## S2\n@select the\n## S3\n@select dragon\n## S4\n@model classroom-sentiment\n@select not\n");
    int q, k;
    gb_lesson_select_positions(CK, &l->steps[0].state, &q, &k);
    assert_int_equal(q, 7);
    assert_int_equal(k, 2);
    gb_lesson_select_positions(CK, &l->steps[1].state, &q, &k);
    assert_int_equal(q, 6); /* the last "the" */
    assert_int_equal(k, -1);
    gb_lesson_select_positions(CK, &l->steps[2].state, &q, &k);
    assert_int_equal(q, -1);
    gb_lesson_select_positions(CK, &l->steps[3].state, &q, &k);
    assert_int_equal(q, -1); /* only decoder models */
    /* the embeddings view picks vocabulary ids; unknown words are left out */
    int ids[2];
    assert_int_equal(gb_lesson_select_ids(CK, &l->steps[0].state, ids, 2), 2);
    assert_int_equal(gb_lesson_select_ids(CK, &l->steps[2].state, ids, 2), 0);
    assert_int_equal(gb_lesson_select_ids(CK, &l->steps[3].state, ids, 2), 1);
    gb_lesson_free(l);
}

/* The bundled lessons folder: found from GLASSBOX_DATA (ctest sets it to the
 * source tree's data/, whose ../lessons holds them), or from DATA/lessons. */
static void test_bundled_dir(void **state) {
    (void)state;
    char *dir = gb_lesson_bundled_dir();
    assert_non_null(dir);
    char readme[1200];
    snprintf(readme, sizeof readme, "%s/05-attention.md", dir);
    gb_lesson *l = NULL;
    gb_error err = {0};
    gbt_assert_ok(gb_lesson_load(readme, &l, &err), &err);
    gb_lesson_free(l);
    free(dir);
    /* an installed layout: DATA/lessons */
    const char *data = gbt_tmp("share-glassbox");
    char cmd[1300];
    snprintf(cmd, sizeof cmd, "mkdir -p %s/lessons && echo '# x' > %s/lessons/README.md", data, data);
    assert_int_equal(system(cmd), 0);
    char *old = getenv("GLASSBOX_DATA") ? strdup(getenv("GLASSBOX_DATA")) : NULL;
    setenv("GLASSBOX_DATA", data, 1);
    dir = gb_lesson_bundled_dir();
    assert_non_null(dir);
    snprintf(readme, sizeof readme, "%s/lessons", data);
    assert_string_equal(dir, readme);
    free(dir);
    if (old) setenv("GLASSBOX_DATA", old, 1), free(old);
    else unsetenv("GLASSBOX_DATA");
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    CK = gb_lesson_checker_new();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_state_directives),
        cmocka_unit_test(test_claim_parsing),
        cmocka_unit_test(test_bad_format),
        cmocka_unit_test(test_paths_outside_lessons),
        cmocka_unit_test(test_include),
        cmocka_unit_test(test_claim_attention),
        cmocka_unit_test(test_claim_neighbors_similarity_analogy),
        cmocka_unit_test(test_claim_next_generate),
        cmocka_unit_test(test_claim_translate_classify_tokens),
        cmocka_unit_test(test_claim_setting_bigram),
        cmocka_unit_test(test_claim_bad_inputs),
        cmocka_unit_test(test_check_state),
        cmocka_unit_test(test_select_positions),
        cmocka_unit_test(test_bundled_dir),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    gb_lesson_checker_free(CK);
    return r;
}
