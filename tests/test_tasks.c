/* test_tasks.c - greedy translation and classification (core/tasks.c) with
 * the bundled classroom-translate and classroom-sentiment models: the outputs
 * their cards list, distributions and attention rows that sum to one, the
 * recorded attention equal to a pass over the whole sequence, and clear
 * errors for the wrong kind of model or input. */
#include "gbtest.h"

#include <math.h>

#include "glassbox/forward.h"
#include "glassbox/model.h"
#include "glassbox/tasks.h"
#include "glassbox/tokenizer.h"
#include "glassbox/trace.h"

typedef struct bundle {
    gb_model *m;
    gb_tokenizer *tok;
} bundle;

static bundle g_tr, g_cls, g_lm;

static void open_bundle(bundle *b, const char *spec) {
    gb_error err = {0};
    gbt_assert_ok(gb_model_load(spec, &b->m, &err), &err);
    assert_non_null(b->m->tokenizer_ref);
    gbt_assert_ok(gb_tokenizer_load(b->m->tokenizer_ref, &b->tok, &err), &err);
}

static int setup(void **state) {
    (void)state;
    open_bundle(&g_tr, "classroom-translate");
    open_bundle(&g_cls, "classroom-sentiment");
    open_bundle(&g_lm, "classroom");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    bundle *bs[] = {&g_tr, &g_cls, &g_lm};
    for (int i = 0; i < 3; i++) gb_tokenizer_free(bs[i]->tok), gb_model_free(bs[i]->m);
    return 0;
}

static int *encode(const bundle *b, const char *text, int *n) {
    int *ids = NULL;
    gb_error err = {0};
    gbt_assert_ok(gb_tokenizer_encode(b->tok, text, strlen(text), false, &ids, n, NULL, &err), &err);
    return ids;
}

static gb_status translate(const char *fr, int top_k, gb_translation *t, gb_error *err) {
    int n, *src = encode(&g_tr, fr, &n);
    int bos = gb_tokenizer_special(g_tr.tok, GB_SPECIAL_BOS), eos = gb_tokenizer_special(g_tr.tok, GB_SPECIAL_EOS);
    gb_status s = gb_translate_greedy(g_tr.m, src, n, bos, eos, g_tr.m->cfg.max_seq - 1, top_k, t, err);
    free(src);
    return s;
}

/* The written words joined by spaces, as the model card writes them. */
static char *words_text(const gb_translation *t) {
    int out[256], n = gb_translation_words(t, out, 256);
    char *text = calloc(4096, 1);
    for (int i = 0; i < n; i++) {
        size_t len;
        const char *w = gb_tokenizer_token(g_tr.tok, out[i], &len);
        if (i) strcat(text, " ");
        strncat(text, w, len);
    }
    return text;
}

/* The sentences the model card and lesson 9 list come out as they say, from <s> to </s>. */
static void test_translate_card_sentences(void **state) {
    (void)state;
    static const char *const PAIRS[][2] = {
        {"la grenouille avait faim .", "the frog was hungry ."},
        {"il y a un stylo sur la table .", "there is a pen on the table ."},
        {"les enseignantes se sont assises sur la rive de la rivière .", "the teachers sat on the bank of the river ."},
    };
    for (size_t i = 0; i < sizeof PAIRS / sizeof PAIRS[0]; i++) {
        gb_translation t;
        gb_error err = {0};
        gbt_assert_ok(translate(PAIRS[i][0], 5, &t, &err), &err);
        char *text = words_text(&t);
        printf("  %s -> %s\n", PAIRS[i][0], text);
        assert_string_equal(text, PAIRS[i][1]);
        assert_true(t.finished);
        assert_int_equal(t.ids[0], gb_tokenizer_special(g_tr.tok, GB_SPECIAL_BOS));
        assert_int_equal(t.ids[t.n_ids - 1], gb_tokenizer_special(g_tr.tok, GB_SPECIAL_EOS));
        assert_int_equal(t.n_steps, t.n_ids - 1);
        free(text);
        gb_translation_free(&t);
    }
}

/* Each step writes its best candidate; candidates are sorted and their probabilities sum to at most 1. */
static void test_translate_candidates(void **state) {
    (void)state;
    gb_translation t;
    gb_error err = {0};
    gbt_assert_ok(translate("la grenouille avait faim .", 5, &t, &err), &err);
    assert_int_equal(t.top_k, 5);
    for (int i = 0; i < t.n_steps; i++) {
        const int *ti = t.top_ids + (size_t)i * t.top_k;
        const float *tp = t.top_p + (size_t)i * t.top_k;
        assert_int_equal(ti[0], t.ids[i + 1]);
        double sum = 0;
        for (int k = 0; k < t.top_k; k++) {
            sum += tp[k];
            if (k) assert_true(tp[k] <= tp[k - 1]);
        }
        assert_true(sum <= 1.0 + 1e-5 && tp[0] > 0.2);
    }
    gb_translation_free(&t);
}

/* Every recorded cross-attention row is a distribution over the French tokens. */
static void test_cross_rows_sum_to_one(void **state) {
    (void)state;
    gb_translation t;
    gb_error err = {0};
    gbt_assert_ok(translate("le cheval n' a pas traversé la rivière parce qu' elle était trop profonde .", 3, &t, &err), &err);
    double worst = 0;
    for (int l = 0; l < t.n_layers; l++)
        for (int h = 0; h < t.n_heads; h++) {
            const float *a = gb_translation_cross(&t, l, h);
            assert_non_null(a);
            for (int i = 0; i < t.n_steps; i++) {
                double s = 0;
                for (int j = 0; j < t.n_src; j++) s += a[i * t.n_src + j], assert_true(a[i * t.n_src + j] >= 0);
                worst = fmax(worst, fabs(s - 1));
            }
        }
    printf("  largest |row sum - 1| = %.3g\n", worst);
    assert_true(worst < 1e-4);
    assert_null(gb_translation_cross(&t, t.n_layers, 0));
    gb_translation_free(&t);
}

/* The step-by-step recording equals one decoder pass over the whole target. */
static void test_cross_equals_whole_pass(void **state) {
    (void)state;
    gb_translation t;
    gb_error err = {0};
    gbt_assert_ok(translate("il y a un stylo sur la table .", 3, &t, &err), &err);
    gb_trace *tr = gb_trace_new("blocks.*.cross_attn.hook_pattern", t.n_steps, &err);
    gb_state *st = gb_state_new(g_tr.m, g_tr.m->cfg.max_seq, &err);
    assert_non_null(tr), assert_non_null(st);
    gbt_assert_ok(gb_forward_encoder(g_tr.m, st, t.src, t.n_src, NULL, &err), &err);
    gbt_assert_ok(gb_forward_decoder(g_tr.m, st, t.ids, t.n_steps, 0, &(gb_run_opts){.trace = tr}, &err), &err);
    size_t n = (size_t)t.n_steps * t.n_src;
    float *whole = malloc(n * sizeof *whole);
    for (int l = 0; l < t.n_layers; l++) {
        char name[96];
        snprintf(name, sizeof name, "blocks.%d.cross_attn.hook_pattern", l);
        const gb_tensor *p = gb_trace_find(tr, name);
        assert_non_null(p);
        for (int h = 0; h < t.n_heads; h++) {
            for (int i = 0; i < t.n_steps; i++)
                for (int j = 0; j < t.n_src; j++) whole[i * t.n_src + j] = gb_tensor_at3(p, h, i, j);
            snprintf(name, sizeof name, "layer %d head %d", l, h);
            gbt_assert_close(gb_translation_cross(&t, l, h), whole, n, 1e-5, name);
        }
    }
    free(whole);
    gb_state_free(st);
    gb_trace_free(tr);
    gb_translation_free(&t);
}

/* Row i writes ids[i + 1]: when the decoder writes "horse", layer 1 head 0 looks at "cheval" (lesson 9). */
static void test_cross_alignment_of_a_word(void **state) {
    (void)state;
    gb_translation t;
    gb_error err = {0};
    gbt_assert_ok(translate("le cheval n' a pas traversé la rivière parce qu' elle était trop profonde .", 3, &t, &err), &err);
    int horse = gb_tokenizer_lookup(g_tr.tok, "horse"), cheval = gb_tokenizer_lookup(g_tr.tok, "cheval");
    int row = -1, col = -1;
    for (int i = 0; i < t.n_steps; i++)
        if (t.ids[i + 1] == horse) row = i;
    for (int j = 0; j < t.n_src; j++)
        if (t.src[j] == cheval) col = j;
    assert_true(row >= 0 && col >= 0);
    float a = gb_translation_cross(&t, 1, 0)[row * t.n_src + col];
    printf("  horse -> cheval: %.3f\n", a);
    assert_true(a >= 0.95);
    gb_translation_free(&t);
}

/* A cap stops the decoder before </s>, and says so. */
static void test_translate_cap(void **state) {
    (void)state;
    int n, *src = encode(&g_tr, "la grenouille avait faim .", &n);
    int bos = gb_tokenizer_special(g_tr.tok, GB_SPECIAL_BOS), eos = gb_tokenizer_special(g_tr.tok, GB_SPECIAL_EOS);
    gb_translation t;
    gb_error err = {0};
    gbt_assert_ok(gb_translate_greedy(g_tr.m, src, n, bos, eos, 2, 4, &t, &err), &err);
    assert_int_equal(t.n_steps, 2);
    assert_int_equal(t.n_ids, 3);
    assert_false(t.finished);
    int w[8];
    assert_int_equal(gb_translation_words(&t, w, 8), 2);
    gb_translation_free(&t);
    /* top_k 0: the words only, no attention kept */
    gbt_assert_ok(gb_translate_greedy(g_tr.m, src, n, bos, eos, 60, 0, &t, &err), &err);
    assert_true(t.finished);
    assert_null(t.cross);
    gb_translation_free(&t);
    free(src);
}

/* Wrong models and bad input give one clear error, and no crash. */
static void test_translate_bad_input(void **state) {
    (void)state;
    gb_translation t;
    gb_error err = {0};
    int src[3] = {5, 6, 7};
    assert_int_equal(gb_translate_greedy(g_lm.m, src, 3, 2, 3, 10, 3, &t, &err), GB_ERR_INPUT);
    printf("  decoder-only: %s\n", err.msg);
    assert_non_null(strstr(err.msg, "encoder-decoder"));
    assert_null(t.ids);
    err = (gb_error){0};
    assert_int_equal(gb_translate_greedy(g_tr.m, src, 0, 2, 3, 10, 3, &t, &err), GB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "empty"));
    err = (gb_error){0};
    int bad[2] = {5, 1 << 20};
    assert_int_equal(gb_translate_greedy(g_tr.m, bad, 2, 2, 3, 10, 3, &t, &err), GB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "outside the vocabulary"));
    err = (gb_error){0};
    int T = g_tr.m->cfg.max_seq + 1, *longer = calloc((size_t)T, sizeof *longer);
    assert_int_equal(gb_translate_greedy(g_tr.m, longer, T, 2, 3, 10, 3, &t, &err), GB_ERR_INPUT);
    printf("  too long: %s\n", err.msg);
    assert_non_null(strstr(err.msg, "context"));
    free(longer);
    err = (gb_error){0};
    assert_int_equal(gb_translate_greedy(g_tr.m, src, 3, -1, 3, 10, 3, &t, &err), GB_ERR_INPUT);
}

static gb_status classify(const char *text, gb_classification *c, gb_error *err) {
    int n, *w = encode(&g_cls, text, &n);
    int *ids = malloc((size_t)(n + 1) * sizeof *ids);
    ids[0] = gb_tokenizer_special(g_cls.tok, GB_SPECIAL_CLS);
    memcpy(ids + 1, w, (size_t)n * sizeof *w);
    gb_status s = gb_classify(g_cls.m, ids, n + 1, c, err);
    free(ids), free(w);
    return s;
}

/* The lesson's sentences get the lesson's classes; probabilities sum to 1 and follow the logits. */
static void test_classify_sentences(void **state) {
    (void)state;
    static const char *const CASES[][2] = {
        {"the song is very good .", "positive"},     {"the song is not very good .", "negative"},
        {"it was not a bad book .", "positive"},     {"i did not like the pizzas .", "negative"},
        {"the food was bad .", "negative"},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        gb_classification c;
        gb_error err = {0};
        gbt_assert_ok(classify(CASES[i][0], &c, &err), &err);
        printf("  %-32s %s (%.3f)\n", CASES[i][0], g_cls.m->cfg.class_labels[c.best], c.probs[c.best]);
        assert_string_equal(g_cls.m->cfg.class_labels[c.best], CASES[i][1]);
        double sum = 0;
        for (int k = 0; k < c.n_classes; k++) sum += c.probs[k];
        assert_true(fabs(sum - 1) < 1e-5);
        /* p1 / p0 = exp(logit1 - logit0) */
        double ratio = log((double)c.probs[1] / c.probs[0]), want = (double)c.logits[1] - c.logits[0];
        assert_true(fabs(ratio - want) < 1e-3 * fmax(1, fabs(want)));
        gb_classification_free(&c);
    }
}

/* The attention of <cls> is a distribution in every layer and head, and "not" draws it (lesson 10). */
static void test_classify_cls_attention(void **state) {
    (void)state;
    gb_classification c;
    gb_error err = {0};
    gbt_assert_ok(classify("the song is not very good .", &c, &err), &err);
    double worst = 0;
    for (int l = 0; l < c.n_layers; l++)
        for (int h = 0; h < c.n_heads; h++) {
            const float *a = gb_classification_cls(&c, l, h);
            double s = 0;
            for (int j = 0; j < c.n; j++) s += a[j];
            worst = fmax(worst, fabs(s - 1));
        }
    printf("  largest |row sum - 1| = %.3g\n", worst);
    assert_true(worst < 1e-4);
    int not_pos = -1, not_id = gb_tokenizer_lookup(g_cls.tok, "not");
    for (int j = 0; j < c.n; j++)
        if (c.ids[j] == not_id) not_pos = j;
    assert_true(not_pos > 0);
    printf("  <cls> -> not, layer 1 head 0: %.3f\n", gb_classification_cls(&c, 1, 0)[not_pos]);
    assert_true(gb_classification_cls(&c, 1, 0)[not_pos] >= 0.95);
    assert_null(gb_classification_cls(&c, 0, c.n_heads));
    gb_classification_free(&c);
}

/* A translation model or a decoder cannot classify; empty and too long inputs are refused. */
static void test_classify_bad_input(void **state) {
    (void)state;
    gb_classification c;
    gb_error err = {0};
    int ids[3] = {4, 5, 6};
    assert_int_equal(gb_classify(g_tr.m, ids, 3, &c, &err), GB_ERR_INPUT);
    printf("  encoder-decoder: %s\n", err.msg);
    assert_non_null(strstr(err.msg, "classification head"));
    err = (gb_error){0};
    assert_int_equal(gb_classify(g_lm.m, ids, 3, &c, &err), GB_ERR_INPUT);
    err = (gb_error){0};
    assert_int_equal(gb_classify(g_cls.m, ids, 0, &c, &err), GB_ERR_INPUT);
    err = (gb_error){0};
    int T = g_cls.m->cfg.max_seq + 1, *longer = calloc((size_t)T, sizeof *longer);
    assert_int_equal(gb_classify(g_cls.m, longer, T, &c, &err), GB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "context"));
    assert_null(c.probs);
    free(longer);
}

/* The negation words of `glassbox eval`, and the sentence without them. */
static void test_negation(void **state) {
    (void)state;
    assert_true(gb_has_negation("the song is not very good ."));
    assert_true(gb_has_negation("i didn't like it"));
    assert_true(gb_has_negation("nobody came"));
    assert_true(gb_has_negation("no"));
    assert_false(gb_has_negation("the note is nothingness ."));
    assert_false(gb_has_negation(""));
    char *s = gb_strip_negation("the song is not very good .");
    assert_string_equal(s, "the song is very good .");
    free(s);
    s = gb_strip_negation("  i didn't  like it , never ");
    assert_string_equal(s, "i did like it ,");
    free(s);
    s = gb_strip_negation("not");
    assert_string_equal(s, "");
    free(s);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_translate_card_sentences), cmocka_unit_test(test_translate_candidates),
        cmocka_unit_test(test_cross_rows_sum_to_one),    cmocka_unit_test(test_cross_equals_whole_pass),
        cmocka_unit_test(test_cross_alignment_of_a_word), cmocka_unit_test(test_translate_cap),
        cmocka_unit_test(test_translate_bad_input),      cmocka_unit_test(test_classify_sentences),
        cmocka_unit_test(test_classify_cls_attention),   cmocka_unit_test(test_classify_bad_input),
        cmocka_unit_test(test_negation),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
