/* test_viz_attention.c - the attention and lens views compute what they show:
 * the cell arithmetic equals the recorded scores and patterns, scrubbing to a
 * step equals running the model on that many tokens, switching a head off or
 * removing positions changes the prediction, encoder-decoder models get
 * source/target axes, the logit lens ends at the model's own prediction, and
 * `glassbox render attention|lens` writes PNG/SVG/PDF and refuses bad input
 * with one line and exit status 2. */
#include "gbtest.h"
#include "gbviz.h"

#include <math.h>

#include "glassbox/forward.h"
#include "glassbox/model.h"
#include "glassbox/tokenizer.h"
#include "render.h"
#include "view.h"
#include "view_attention.h"
#include "view_attention_view.h"

static const char *IDS = "5,17,42,99,3,250,7,11,300,12";

static gb_model *load(const char *rel) {
    gb_model *m = NULL;
    gb_error err = {0};
    gbt_assert_ok(gb_model_load(gbt_fixture(rel), &m, &err), &err);
    return m;
}

static void *make(const gb_view *v, const gb_view_args *a, const gb_model *m) {
    return gbv_view_open(v, a, &(gb_shared){.theme = gb_theme_normal(), .model = m});
}

static gb_view_args args_ids(const char *ids) {
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.ids = ids;
    return a;
}

/* Every cell of every head: q.k/sqrt(dh) is the recorded score, the softmax
 * of the row is the recorded pattern. */
static void check_all_cells(const gb_model *m, const int *ids, int n) {
    gb_att_input in = {.ids = (int *)ids, .n = n};
    gb_att_rec rec;
    gb_error err = {0};
    gbt_assert_ok(gb_att_rec_compute(&rec, m, &in, &err), &err);
    gb_att_cell *c = malloc(sizeof *c);
    double worst_s = 0, worst_p = 0;
    long cells = 0, masked = 0;
    for (int l = 0; l < m->cfg.n_layers; l++)
        for (int h = 0; h < m->cfg.n_heads; h++)
            for (int q = 0; q < n; q++)
                for (int k = 0; k < n; k++) {
                    assert_true(gb_att_cell_math(&rec.clean, m, GB_ATT_SELF, l, h, q, k, c));
                    cells++;
                    if (k > q) { /* the causal mask: -inf before, 0 after the softmax */
                        assert_true(c->masked && isinf(c->rec_score) && c->rec_prob == 0.0f);
                        masked++;
                        continue;
                    }
                    assert_false(c->masked);
                    double ds = fabs(c->score - c->rec_score) / fmax(1, fabs(c->rec_score));
                    double dp = fabs(c->row_prob[k] - c->rec_prob);
                    worst_s = fmax(worst_s, ds), worst_p = fmax(worst_p, dp);
                    /* the steps are consistent with each other */
                    assert_true(fabs(c->score - c->dot * c->scale) < 1e-9);
                    assert_true(fabs(c->scale - 1 / sqrt(c->dh)) < 1e-12);
                }
    printf("  %ld cells (%ld masked): largest score difference %.3g (relative), pattern %.3g\n", cells, masked,
           worst_s, worst_p);
    assert_true(worst_s < 1e-5);
    assert_true(worst_p < 1e-5); /* the core's softmax uses a fast exp; 4 shown decimals agree */
    free(c);
    gb_att_rec_free(&rec);
}

static void test_cell_arithmetic_gpt2(void **state) {
    (void)state;
    gb_model *m = load("gpt2_tiny_random");
    int ids[10] = {5, 17, 42, 99, 3, 250, 7, 11, 300, 12};
    check_all_cells(m, ids, 10);
    gb_model_free(m);
}

/* RoPE and grouped-query attention (stories260K: 8 heads share 4 key/value heads). */
static void test_cell_arithmetic_llama(void **state) {
    (void)state;
    gb_model *m = load("llama2c_stories260K/stories260K.bin");
    printf("  heads %d, key/value heads %d, RoPE %d\n", m->cfg.n_heads, m->cfg.n_kv_heads, m->cfg.pos == GB_POS_ROPE);
    int ids[12] = {1, 403, 407, 261, 378, 442, 289, 5, 6, 7, 8, 9};
    check_all_cells(m, ids, 12);
    gb_model_free(m);
}

/* The view's own read-out of the chosen cell matches the recording. */
static void test_view_cell(void **state) {
    (void)state;
    gb_model *m = load("gpt2_tiny_random");
    const gb_view *v = gb_view_find("attention");
    gb_view_args a = args_ids(IDS);
    a.layer = 1, a.head = 2, a.query = 6, a.key = 2;
    void *self = make(v, &a, m);
    int r, c;
    const float *cell = v->matrix(self, "cell", &r, &c);
    assert_non_null(cell);
    assert_int_equal(c, 6);
    printf("  dot %.5f x %.4f = %.5f; recorded %.5f; weight %.5f recorded %.5f\n", cell[0], cell[1], cell[2], cell[3],
           cell[4], cell[5]);
    assert_true(fabsf(cell[2] - cell[3]) < 1e-4f);
    assert_true(fabsf(cell[4] - cell[5]) < 1e-6f);
    const float *pat = v->matrix(self, "pattern", &r, &c);
    assert_int_equal(r, 10), assert_int_equal(c, 10);
    assert_true(fabsf(pat[6 * 10 + 2] - cell[5]) == 0.0f);
    for (int i = 0; i < 10; i++) { /* rows of a pattern sum to 1 */
        double s = 0;
        for (int j = 0; j < 10; j++) s += pat[i * 10 + j];
        assert_true(fabs(s - 1) < 1e-5);
    }
    gb_error err = {0};
    gb_shared sh = {.theme = gb_theme_normal(), .model = m};
    gbt_assert_ok(v->check(self, &sh, &err), &err);
    v->destroy(self);
    gb_model_free(m);
}

/* Scrubbing back to step s shows exactly what the model computed when it had
 * read s tokens, and the prediction made then. */
static void test_scrub_equals_shorter_prompt(void **state) {
    (void)state;
    gb_model *m = load("gpt2_tiny_random");
    const gb_view *v = gb_view_find("attention");
    gb_view_args a = args_ids(IDS);
    a.layer = 1, a.head = 3, a.upto = 4;
    void *full = make(v, &a, m);
    gb_view_args b = args_ids("5,17,42,99");
    b.layer = 1, b.head = 3;
    void *shortv = make(v, &b, m);
    int r1, c1, r2, c2;
    const float *p1 = v->matrix(full, "pattern", &r1, &c1);
    float copy[16];
    assert_int_equal(r1, 4), assert_int_equal(c1, 4);
    memcpy(copy, p1, sizeof copy);
    const float *p2 = v->matrix(shortv, "pattern", &r2, &c2);
    assert_int_equal(r2, 4), assert_int_equal(c2, 4);
    gbt_assert_close(copy, p2, 16, 1e-6, "pattern at step 4 = 4-token prompt");
    int V = m->cfg.vocab_size;
    float *n1 = malloc((size_t)V * sizeof *n1);
    memcpy(n1, v->matrix(full, "next", &r1, &c1), (size_t)V * sizeof *n1);
    gbt_assert_close(n1, v->matrix(shortv, "next", &r2, &c2), (size_t)V, 1e-6, "prediction at step 4");
    free(n1);
    v->destroy(full), v->destroy(shortv);
    gb_model_free(m);
}

/* A generation feeding the view token by token: at the newest step it
 * follows; scrubbed back, it stays where the user put it. */
static void test_follows_generation(void **state) {
    (void)state;
    gb_model *m = load("gpt2_tiny_random");
    const gb_view *v = gb_view_find("attention");
    gb_view_args a = args_ids("5,17,42");
    a.layer = 0, a.head = 1;
    void *self = make(v, &a, m);
    att_view *av = self;
    gb_shared sh = {.theme = gb_theme_normal(), .model = m};
    gb_error err = {0};
    int ids[8] = {5, 17, 42, 99, 3, 250, 7, 11}, r, c;
    for (int n = 4; n <= 6; n++) {
        assert_true(gb_view_attention_set_ids(self, ids, n));
        gbt_assert_ok(gb_view_settle(v, self, &sh, &err), &err);
        v->matrix(self, "pattern", &r, &c);
        assert_int_equal(r, n); /* the newest token's row is shown */
    }
    gb_event back = {.type = GB_EV_KEY, .key = GB_KEY_CHAR, .ch = '['};
    assert_true(v->event(self, &back, &sh));
    assert_int_equal(av->step, 5);
    for (int n = 7; n <= 8; n++) {
        assert_true(gb_view_attention_set_ids(self, ids, n));
        gbt_assert_ok(gb_view_settle(v, self, &sh, &err), &err);
        v->matrix(self, "pattern", &r, &c);
        assert_int_equal(r, 5); /* scrubbed back: stays at step 5 */
    }
    gb_event end = {.type = GB_EV_KEY, .key = GB_KEY_END};
    assert_true(v->event(self, &end, &sh));
    v->matrix(self, "pattern", &r, &c);
    assert_int_equal(r, 8);
    printf("  followed 4..6 tokens, held step 5 while 7 and 8 arrived, End shows all 8\n");
    v->destroy(self);
    gb_model_free(m);
}

static double max_change(const float *a, const float *b, int n) {
    double d = 0;
    for (int i = 0; i < n; i++) d = fmax(d, fabs(a[i] - b[i]));
    return d;
}

/* Switching heads off or removing positions re-runs the model: the next-token
 * distribution changes, later layers' attention changes, the clean pass stays. */
static void test_interventions_change_prediction(void **state) {
    (void)state;
    gb_model *m = load("gpt2_tiny_random");
    const gb_view *v = gb_view_find("attention");
    int V = m->cfg.vocab_size, r, c;
    const char *offs[2] = {"0.0,0.1,0.2,0.3", NULL};
    for (int t = 0; t < 2; t++) {
        gb_view_args a = args_ids(IDS);
        a.layer = 1, a.head = 0;
        a.off = offs[t];
        a.no_pos = t == 1;
        void *self = make(v, &a, m);
        float *after = malloc((size_t)V * sizeof *after), pa[100], pb[100];
        memcpy(after, v->matrix(self, "next", &r, &c), (size_t)V * sizeof *after);
        const float *before = v->matrix(self, "next_before", &r, &c);
        double d = max_change(after, before, V);
        memcpy(pa, v->matrix(self, "pattern", &r, &c), sizeof pa);
        memcpy(pb, v->matrix(self, "before", &r, &c), sizeof pb);
        double dp = max_change(pa, pb, 100);
        printf("  %s: largest change of a next-token probability %.4f, of a layer-1 attention weight %.4f\n",
               t ? "positions removed" : "layer 0 switched off", d, dp);
        assert_true(d > 1e-3);
        assert_true(dp > 1e-3);
        free(after);
        v->destroy(self);
    }
    gb_model_free(m);
}

/* A random encoder-decoder model, saved and loaded like a real one. */
static gb_model *encdec_model(void) {
    gb_model *m = gbv_tiny_encdec();
    gb_error err = {0};
    const char *path = gbt_tmp("encdec.safetensors");
    gbt_assert_ok(gb_model_save(m, path, NULL, &err), &err);
    gb_model_free(m);
    m = NULL;
    gbt_assert_ok(gb_model_load(path, &m, &err), &err);
    return m;
}

static void test_encoder_decoder(void **state) {
    (void)state;
    gb_model *m = encdec_model();
    const gb_view *v = gb_view_find("attention");
    const char *kinds[3] = {"self", "encoder", "cross"};
    int want_r[3] = {4, 6, 4}, want_c[3] = {4, 6, 6};
    for (int k = 0; k < 3; k++) {
        gb_view_args a = args_ids("1,7,9,12");
        a.source_ids = "3,4,5,6,30,2";
        a.attn = kinds[k];
        a.layer = 1, a.head = 1;
        void *self = make(v, &a, m);
        att_view *av = self;
        int r, c;
        const float *p = v->matrix(self, "pattern", &r, &c);
        assert_non_null(p);
        printf("  %-8s %d x %d; rows \"%s\", columns \"%s\"\n", kinds[k], r, c, att_axis_name(av, true), att_axis_name(av, false));
        assert_int_equal(r, want_r[k]), assert_int_equal(c, want_c[k]);
        const char *rows = att_axis_name(av, true), *cols = att_axis_name(av, false);
        assert_non_null(strstr(rows, k == 1 ? "source (French)" : "target (English)"));
        assert_non_null(strstr(cols, k == 0 ? "target (English)" : "source (French)"));
        /* only the decoder's self-attention is causal */
        bool any_zero_above = false;
        for (int i = 0; i < r; i++)
            for (int j = i + 1; j < c; j++) any_zero_above |= p[i * c + j] == 0.0f;
        assert_true(any_zero_above == (k == 0));
        const float *cell = v->matrix(self, "cell", &r, &c);
        assert_non_null(cell);
        assert_true(fabsf(cell[2] - cell[3]) < 1e-4f && fabsf(cell[4] - cell[5]) < 1e-6f);
        gb_error err = {0};
        gb_shared sh = {.theme = gb_theme_normal(), .model = m};
        gbt_assert_ok(v->check(self, &sh, &err), &err);
        v->destroy(self);
    }
    gb_model_free(m);
}

/* An encoder-only classifier: bidirectional attention (nothing masked), the
 * whole sentence at every step, class probabilities instead of a next token. */
static void test_encoder_only(void **state) {
    (void)state;
    gb_config c;
    gb_config_defaults(&c, GB_ARCH_ENCODER);
    c.vocab_size = 30, c.d_model = 16, c.n_layers = 2, c.n_heads = 2, c.n_kv_heads = 2, c.d_head = 8, c.d_ff = 32;
    c.max_seq = 16, c.pos = GB_POS_LEARNED, c.n_classes = 2;
    snprintf(c.class_labels[0], GB_MAX_LABEL, "negative");
    snprintf(c.class_labels[1], GB_MAX_LABEL, "positive");
    gb_model *m = NULL;
    gb_error err = {0};
    gbt_assert_ok(gb_model_create(&c, &m, &err), &err);
    gb_model_init_random(m, 3, 0.3f);
    const gb_view *v = gb_view_find("attention");
    gb_view_args a = args_ids("2,5,9,11,4");
    a.layer = 1, a.head = 0, a.upto = 2;
    void *self = make(v, &a, m);
    att_view *av = self;
    int r, cc;
    const float *p = v->matrix(self, "pattern", &r, &cc);
    assert_int_equal(r, 5), assert_int_equal(cc, 5); /* an encoder sees every token: no steps */
    for (int i = 0; i < 25; i++) assert_true(p[i] > 0);
    assert_non_null(av->rec.clean.class_probs);
    printf("  class probabilities %.4f %.4f\n", av->rec.clean.class_probs[0], av->rec.clean.class_probs[1]);
    assert_true(fabsf(av->rec.clean.class_probs[0] + av->rec.clean.class_probs[1] - 1) < 1e-6f);
    const char *out = gbt_tmp("encoder_only.png");
    gb_shared sh = {.theme = gb_theme_normal(), .model = m, .model_name = "random encoder"};
    gbt_assert_ok(gb_render_write(v, self, &sh, 900, 560, 1, out, &err), &err);
    v->destroy(self);
    gb_model_free(m);
}

/* The lens after the last layer is the model's own prediction (pre-norm
 * models: the final norm and head are exactly what the lens applies). */
static void test_lens_ends_at_prediction(void **state) {
    (void)state;
    gb_model *m = load("gpt2_tiny_random");
    const gb_view *lv = gb_view_find("lens"), *av = gb_view_find("attention");
    gb_view_args a = args_ids(IDS);
    void *lens = make(lv, &a, m), *att = make(av, &a, m);
    int r, c, r2, c2;
    const float *tab = lv->matrix(lens, "lens", &r, &c);
    const float *top = lv->matrix(lens, "top", &r2, &c2);
    assert_int_equal(r, m->cfg.n_layers + 1);
    const float *next = av->matrix(att, "next", &r2, &c2);
    int best = 0;
    for (int i = 1; i < c2; i++)
        if (next[i] > next[best]) best = i;
    printf("  model's top token %d (p %.4f); lens after the last layer: %d (p %.4f); first column %.4f\n", best,
           next[best], (int)top[2 * (r - 1)], top[2 * (r - 1) + 1], tab[(r - 1) * c]);
    assert_int_equal((int)top[2 * (r - 1)], best);
    assert_true(fabsf(tab[(r - 1) * c] - next[best]) < 1e-5f);
    for (int j = 1; j < c; j++) assert_true(tab[(r - 1) * c + j] <= tab[(r - 1) * c + j - 1]); /* columns by final rank */
    lv->destroy(lens), av->destroy(att);
    gb_model_free(m);
}

/* '[' moves the lens to an earlier position: its last row is then the
 * prediction the model made at that position. */
static void test_lens_position(void **state) {
    (void)state;
    gb_model *m = load("gpt2_tiny_random");
    const gb_view *lv = gb_view_find("lens"), *av = gb_view_find("attention");
    gb_view_args a = args_ids(IDS);
    void *lens = make(lv, &a, m);
    gb_shared sh = {.theme = gb_theme_normal(), .model = m};
    gb_error err = {0};
    gb_event back = {.type = GB_EV_KEY, .key = GB_KEY_CHAR, .ch = '['};
    for (int i = 0; i < 3; i++) assert_true(lv->event(lens, &back, &sh));
    gbt_assert_ok(gb_view_settle(lv, lens, &sh, &err), &err);
    int r, c, r2, c2;
    const float *top = lv->matrix(lens, "top", &r, &c);
    gb_view_args b = args_ids(IDS);
    b.upto = 7; /* position 6 = the 7th token */
    void *att = make(av, &b, m);
    const float *next = av->matrix(att, "next", &r2, &c2);
    int best = 0;
    for (int i = 1; i < c2; i++)
        if (next[i] > next[best]) best = i;
    printf("  lens at position 6: top %d (p %.4f); the model at step 7: %d (p %.4f)\n", (int)top[2 * (r - 1)],
           top[2 * (r - 1) + 1], best, next[best]);
    assert_int_equal((int)top[2 * (r - 1)], best);
    assert_true(fabsf(top[2 * (r - 1) + 1] - next[best]) < 1e-5f);
    float before[32];
    const float *tab = lv->matrix(lens, "lens", &r, &c);
    memcpy(before, tab, (size_t)r * c * sizeof *tab);
    gb_event p = {.type = GB_EV_KEY, .key = GB_KEY_CHAR, .ch = 'p'}; /* remove the positions */
    assert_true(lv->event(lens, &p, &sh));
    gbt_assert_ok(gb_view_settle(lv, lens, &sh, &err), &err);
    tab = lv->matrix(lens, "lens", &r, &c);
    double d = 0;
    for (int i = 0; i < r * c; i++) d = fmax(d, fabs(tab[i] - before[i]));
    printf("  without positions the lens changes by up to %.4f\n", d);
    assert_true(d > 1e-3);
    lv->destroy(lens), av->destroy(att);
    gb_model_free(m);
}

/* Out-of-range layers, heads and cells are refused with a message naming them. */
static void test_check_refuses(void **state) {
    (void)state;
    gb_model *m = load("gpt2_tiny_random");
    const gb_view *v = gb_view_find("attention");
    struct { int layer, head, q, step; const char *attn, *want; } cases[] = {
        {5, 0, -1, 0, NULL, "--layer: 5 is out of range"},
        {0, 9, -1, 0, NULL, "--head: 9 is out of range"},
        {0, 0, 12, 0, NULL, "outside the 10 x 10"},
        {0, 0, -1, 0, "cross", "no cross attention"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gb_view_args a = args_ids(IDS);
        a.layer = cases[i].layer, a.head = cases[i].head, a.query = cases[i].q, a.attn = cases[i].attn;
        void *self = make(v, &a, m);
        gb_error err = {0};
        gb_shared sh = {.theme = gb_theme_normal(), .model = m};
        assert_int_equal(v->check(self, &sh, &err), GB_ERR_INPUT);
        printf("  refused: %s\n", err.msg);
        assert_non_null(strstr(err.msg, cases[i].want));
        v->destroy(self);
    }
    int *ids, n;
    char why[160];
    assert_false(gb_att_parse_ids("1,2,x", &ids, &n, why, sizeof why));
    assert_false(gb_att_parse_ids("", &ids, &n, why, sizeof why));
    assert_false(gb_att_parse_ids("-3", &ids, &n, why, sizeof why));
    assert_true(gb_att_parse_ids(" 1, 2 3,", &ids, &n, why, sizeof why));
    assert_int_equal(n, 3);
    assert_int_equal(ids[2], 3);
    free(ids);
    gb_model_free(m);
}

/* With a tokenizer, the prompt is tokenized and every label is the token's. */
static void test_tokenizer_prompt(void **state) {
    (void)state;
    gb_model *m = load("llama2c_stories260K/stories260K.bin");
    char tokpath[1024];
    snprintf(tokpath, sizeof tokpath, "%s", gbt_fixture("llama2c_stories260K/tok512.bin"));
    const char *prompt = "Once upon a time, there was a cat.";
    gb_tokenizer *tok = NULL;
    gb_error err = {0};
    gbt_assert_ok(gb_tokenizer_load(tokpath, &tok, &err), &err);
    int *ids, n;
    gbt_assert_ok(gb_tokenizer_encode(tok, prompt, strlen(prompt), true, &ids, &n, NULL, &err), &err);
    const gb_view *v = gb_view_find("attention");
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.tokenizer = tokpath;
    void *self = v->create(&a, &err);
    assert_non_null(self);
    gb_shared sh = {.theme = gb_theme_normal(), .model = m, .prompt = prompt};
    gbt_assert_ok(gb_view_settle(v, self, &sh, &err), &err);
    att_view *av = self;
    assert_true(av->have);
    assert_int_equal(av->source, GB_ATT_FROM_TOKENIZER);
    assert_int_equal(av->rec.in.n, n);
    printf("  %d tokens:", n);
    for (int i = 0; i < n; i++) {
        char want[64];
        gb_tokenizer_label(tok, ids[i], want, sizeof want);
        assert_int_equal(av->rec.in.ids[i], ids[i]);
        assert_string_equal(av->lab_p[i], want);
        printf(" [%s]", av->lab_p[i]);
    }
    printf("\n");
    v->destroy(self);
    free(ids);
    gb_tokenizer_free(tok);
    gb_model_free(m);
}

/* ---- the command line ---- */

static void render_ok(const char *view, const char *ext, const char *const *extra, const char *magic) {
    char out[512];
    snprintf(out, sizeof out, "%s%s", gbt_tmp(view), ext);
    const char *args[32];
    gbv_join_args(args, 32,
                  (const char *[]){"render", view, "--model", gbt_fixture("gpt2_tiny_random"), "--ids", IDS, "--size",
                                   "480x320", "--out", out, NULL},
                  extra);
    gbv_run_ok(args);
    gbv_assert_file_starts(out, magic);
}

static void test_render_formats(void **state) {
    (void)state;
    const char *head[] = {"--layer", "1", "--head", "2", NULL};
    render_ok("attention", ".png", NULL, "\x89PNG");
    render_ok("attention", ".svg", head, "<?xml");
    render_ok("attention", ".pdf", head, "%PDF");
    const char *lines[] = {"--lines", "--layer", "0", "--head", "1", "--off", "1.1", "--no-pos", NULL};
    render_ok("attention", ".png", lines, "\x89PNG");
    render_ok("lens", ".png", NULL, "\x89PNG");
    render_ok("lens", ".pdf", NULL, "%PDF");
}

static void render_bad(const char *const *extra, const char *want) {
    const char *out = gbt_tmp("bad.png"), *args[32];
    gbv_join_args(args, 32, (const char *[]){"render", "--model", gbt_fixture("gpt2_tiny_random"), "--out", out, NULL},
                  extra);
    gbv_expect_bad(args, want, out);
}

static void test_render_bad_input(void **state) {
    (void)state;
    render_bad((const char *[]){"attention", "--ids", IDS, "--layer", "2", "--head", "0", NULL}, "--layer: 2 is out of range");
    render_bad((const char *[]){"attention", "--ids", IDS, "--layer", "0", "--head", "4", NULL}, "--head: 4 is out of range");
    render_bad((const char *[]){"attention", "--ids", "1,2,banana", NULL}, "--ids");
    render_bad((const char *[]){"attention", "--ids", "1,2,99999", NULL}, "outside the vocabulary");
    render_bad((const char *[]){"attention", "--ids", IDS, "--attn", "sideways", NULL}, "--attn");
    render_bad((const char *[]){"attention", "--ids", IDS, "--off", "3.0", NULL}, "--off");
    render_bad((const char *[]){"attention", "--ids", IDS, "--upto", "11", NULL}, "--upto");
    render_bad((const char *[]){"lens", "--ids", IDS, "--position", "10", NULL}, "--position");
    render_bad((const char *[]){"attention", "--ids", IDS, "--query", "-1", NULL}, "--query");
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cell_arithmetic_gpt2),
        cmocka_unit_test(test_cell_arithmetic_llama),
        cmocka_unit_test(test_view_cell),
        cmocka_unit_test(test_scrub_equals_shorter_prompt),
        cmocka_unit_test(test_follows_generation),
        cmocka_unit_test(test_interventions_change_prediction),
        cmocka_unit_test(test_encoder_decoder),
        cmocka_unit_test(test_encoder_only),
        cmocka_unit_test(test_lens_ends_at_prediction),
        cmocka_unit_test(test_lens_position),
        cmocka_unit_test(test_check_refuses),
        cmocka_unit_test(test_tokenizer_prompt),
        cmocka_unit_test(test_render_formats),
        cmocka_unit_test(test_render_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
