/* test_forward.c - properties of the forward pass that must hold for every
 * family: cache equivalence, masks, shapes, positions, interventions, recording. */
#include "gbtest.h"

#include <math.h>

#include "glassbox/forward.h"
#include "glassbox/model.h"
#include "glassbox/trace.h"

static gb_model *make(gb_arch arch, gb_pos_kind pos, gb_norm_kind norm, int pre, gb_act act, int kv_heads,
                      uint64_t seed) {
    gb_config c;
    gb_config_defaults(&c, arch);
    c.vocab_size = 37;
    c.d_model = 16;
    c.n_layers = 2;
    c.n_enc_layers = 2;
    c.n_heads = 4;
    c.n_kv_heads = kv_heads;
    c.d_head = 4;
    c.d_ff = 24;
    c.max_seq = 32;
    c.pos = pos;
    c.norm = norm;
    c.pre_norm = pre;
    c.act = act;
    c.bias = norm == GB_NORM_LAYERNORM;
    c.n_classes = 3;
    gb_model *m = NULL;
    gb_error err = {0};
    gbt_assert_ok(gb_model_create(&c, &m, &err), &err);
    gb_model_init_random(m, seed, 0.3f);
    /* norms away from 1 so they matter */
    for (int i = 0; i < m->n_table; i++)
        if (strstr(m->table[i].name, "ln") && m->table[i].ndim == 1)
            for (size_t j = 0; j < m->table[i].numel; j++) m->params[m->table[i].offset + j] += 0.1f * (float)((int)(j % 5) - 2);
    return m;
}

static const int TOKS[10] = {3, 17, 5, 5, 30, 1, 0, 36, 12, 8};

/* Decoding one token at a time with the KV cache gives the same logits as one
 * pass over the whole sequence, for every decoder-only variant. */
static void test_kv_cache_matches_full_pass(void **state) {
    (void)state;
    struct { gb_pos_kind pos; gb_norm_kind norm; int pre; gb_act act; int kv; const char *label; } v[] = {
        {GB_POS_LEARNED, GB_NORM_LAYERNORM, 1, GB_ACT_GELU_TANH, 4, "gpt2-like"},
        {GB_POS_ROPE, GB_NORM_RMSNORM, 1, GB_ACT_SWIGLU, 2, "llama-like (GQA)"},
        {GB_POS_SINUSOIDAL, GB_NORM_LAYERNORM, 0, GB_ACT_RELU, 4, "paper (post-norm)"},
        {GB_POS_SINUSOIDAL, GB_NORM_LAYERNORM, 1, GB_ACT_GELU, 1, "gelu, one kv head"},
    };
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
        gb_model *m = make(GB_ARCH_DECODER, v[k].pos, v[k].norm, v[k].pre, v[k].act, v[k].kv, 7 + k);
        gb_error err = {0};
        int V = m->cfg.vocab_size;
        gb_state *full = gb_state_new(m, 32, &err);
        gb_run_opts all = {.all_logits = true};
        gbt_assert_ok(gb_forward_decoder(m, full, TOKS, 10, 0, &all, &err), &err);
        int rows;
        const float *ref = gb_state_all_logits(full, &rows);
        assert_int_equal(rows, 10);
        gb_state *inc = gb_state_new(m, 32, &err);
        gbt_assert_ok(gb_forward_decoder(m, inc, TOKS, 4, 0, NULL, &err), &err);
        double worst = gbt_max_abs_diff(gb_state_logits(inc), ref + 3 * V, (size_t)V);
        for (int p = 4; p < 10; p++) {
            gbt_assert_ok(gb_forward_decoder(m, inc, &TOKS[p], 1, p, NULL, &err), &err);
            double dd = gbt_max_abs_diff(gb_state_logits(inc), ref + (size_t)p * V, (size_t)V);
            if (dd > worst) worst = dd;
        }
        printf("  %-22s cached vs full: max |diff| = %.3g (tolerance 1e-5)\n", v[k].label, worst);
        assert_true(worst <= 1e-5);
        gb_state_free(full);
        gb_state_free(inc);
        gb_model_free(m);
    }
}

/* Rewinding the cache and decoding again reproduces the same numbers. */
static void test_rewind_reproduces(void **state) {
    (void)state;
    gb_model *m = make(GB_ARCH_DECODER, GB_POS_LEARNED, GB_NORM_LAYERNORM, 1, GB_ACT_GELU_TANH, 4, 3);
    gb_error err = {0};
    gb_state *st = gb_state_new(m, 32, &err);
    int V = m->cfg.vocab_size;
    gbt_assert_ok(gb_forward_decoder(m, st, TOKS, 6, 0, NULL, &err), &err);
    float *a = malloc((size_t)V * sizeof *a);
    memcpy(a, gb_state_logits(st), (size_t)V * sizeof *a);
    gbt_assert_ok(gb_forward_decoder(m, st, &TOKS[6], 3, 6, NULL, &err), &err);
    gb_state_truncate(st, 5);
    assert_int_equal(gb_state_len(st), 5);
    gbt_assert_ok(gb_forward_decoder(m, st, &TOKS[5], 1, 5, NULL, &err), &err);
    gbt_assert_close(gb_state_logits(st), a, (size_t)V, 1e-5, "logits after rewind");
    assert_int_equal(gb_state_forward_count(st), 3);
    free(a);
    gb_state_free(st);
    gb_model_free(m);
}

/* Causal rows never attend to later positions; rows sum to one; the pattern
 * recorded step by step equals the one recorded in a single pass. */
static void test_causal_pattern(void **state) {
    (void)state;
    gb_model *m = make(GB_ARCH_DECODER, GB_POS_ROPE, GB_NORM_RMSNORM, 1, GB_ACT_SWIGLU, 2, 11);
    gb_error err = {0};
    gb_trace *t1 = gb_trace_new("*", 32, &err), *t2 = gb_trace_new("*", 32, &err);
    gb_state *s1 = gb_state_new(m, 32, &err), *s2 = gb_state_new(m, 32, &err);
    gb_run_opts o1 = {.trace = t1}, o2 = {.trace = t2};
    gbt_assert_ok(gb_forward_decoder(m, s1, TOKS, 8, 0, &o1, &err), &err);
    gbt_assert_ok(gb_forward_decoder(m, s2, TOKS, 3, 0, &o2, &err), &err);
    for (int p = 3; p < 8; p++) gbt_assert_ok(gb_forward_decoder(m, s2, &TOKS[p], 1, p, &o2, &err), &err);
    for (int l = 0; l < 2; l++) {
        char name[64];
        snprintf(name, sizeof name, "blocks.%d.attn.hook_pattern", l);
        const gb_tensor *a = gb_trace_find(t1, name), *b = gb_trace_find(t2, name);
        assert_non_null(a);
        assert_non_null(b);
        assert_int_equal(a->shape[0], 4);
        assert_int_equal(a->shape[1], 8);
        assert_int_equal(a->shape[2], 8);
        assert_int_equal(b->shape[1], 8);
        double worst = 0;
        for (int h = 0; h < 4; h++)
            for (int i = 0; i < 8; i++) {
                double sum = 0;
                for (int j = 0; j < 8; j++) {
                    float x = gb_tensor_at3(a, h, i, j);
                    if (j > i) assert_true(x == 0.0f);
                    sum += x;
                    double dd = fabs(x - gb_tensor_at3(b, h, i, j));
                    if (dd > worst) worst = dd;
                }
                assert_true(fabs(sum - 1.0) < 1e-5);
            }
        printf("  layer %d: step-by-step vs one pass pattern max |diff| = %.3g (tolerance 1e-6)\n", l, worst);
        assert_true(worst <= 1e-6);
        snprintf(name, sizeof name, "blocks.%d.attn.hook_attn_scores", l);
        const gb_tensor *sc = gb_trace_find(t2, name);
        assert_non_null(sc);
        assert_true(isinf(gb_tensor_at3(sc, 0, 2, 5)) && gb_tensor_at3(sc, 0, 2, 5) < 0);
    }
    const gb_tensor *lg = gb_trace_find(t2, "logits");
    assert_non_null(lg);
    assert_int_equal(lg->shape[0], 8);
    assert_int_equal(lg->shape[1], m->cfg.vocab_size);
    gb_trace_free(t1);
    gb_trace_free(t2);
    gb_state_free(s1);
    gb_state_free(s2);
    gb_model_free(m);
}

/* One state records into several traces in turn, through clears, a trace that
 * only wants some hooks, and a trace freed and made again: every recording
 * equals the one a fresh state makes (the state's per-hook cache of trace
 * answers must never hand out a stale tensor). */
static void record_steps(gb_model *m, gb_state *st, gb_trace *tr, int n) {
    gb_error err = {0};
    gb_run_opts o = {.trace = tr};
    gbt_assert_ok(gb_forward_decoder(m, st, TOKS, 2, 0, &o, &err), &err);
    for (int p = 2; p < n; p++) gbt_assert_ok(gb_forward_decoder(m, st, &TOKS[p], 1, p, &o, &err), &err);
}

static void assert_same_trace(const gb_trace *a, const gb_trace *b, const char *what) {
    assert_int_equal(gb_trace_count(a), gb_trace_count(b));
    double worst = 0;
    for (int i = 0; i < gb_trace_count(a); i++) {
        const gb_tensor *x = gb_trace_at(a, i), *y = gb_trace_find(b, x->name);
        assert_non_null(y);
        assert_int_equal(x->ndim, y->ndim);
        for (int k = 0; k < x->ndim; k++) assert_int_equal(x->shape[k], y->shape[k]);
        size_t n = gb_tensor_numel(x);
        float *u = malloc(n * sizeof *u), *v = malloc(n * sizeof *v);
        gb_tensor_copy_contiguous(x, u);
        gb_tensor_copy_contiguous(y, v);
        for (size_t k = 0; k < n; k++) {
            double d = isinf(u[k]) && isinf(v[k]) && (u[k] < 0) == (v[k] < 0) ? 0 : fabs(u[k] - v[k]);
            if (!(d <= worst)) worst = d;
        }
        free(u), free(v);
    }
    printf("  %-40s %d tensors, max |diff| = %.3g (tolerance 0)\n", what, gb_trace_count(a), worst);
    assert_true(worst == 0);
}

static void test_trace_cache_across_traces(void **state) {
    (void)state;
    gb_model *m = make(GB_ARCH_DECODER, GB_POS_LEARNED, GB_NORM_LAYERNORM, 1, GB_ACT_GELU_TANH, 4, 5);
    gb_error err = {0};
    gb_state *st = gb_state_new(m, 32, &err), *fresh = gb_state_new(m, 32, &err);
    gb_trace *ref = gb_trace_new("*", 32, &err);
    record_steps(m, fresh, ref, 8);
    gb_trace *a = gb_trace_new("*", 32, &err);
    record_steps(m, st, a, 5); /* a shorter run first: rows and shapes must be redone */
    record_steps(m, st, a, 8);
    assert_same_trace(ref, a, "same trace, run again");
    gb_trace_clear(a);
    record_steps(m, st, a, 8);
    assert_same_trace(ref, a, "after gb_trace_clear");
    gb_trace *some = gb_trace_new("blocks.1.attn.hook_pattern,logits", 32, &err);
    record_steps(m, st, some, 8);
    assert_int_equal(gb_trace_count(some), 2);
    gb_trace *ref_some = gb_trace_new("blocks.1.attn.hook_pattern,logits", 32, &err);
    record_steps(m, fresh, ref_some, 8);
    assert_same_trace(ref_some, some, "a trace of two hooks");
    gb_trace_free(a);
    gb_trace *b = gb_trace_new("*", 32, &err); /* may well reuse a's address */
    record_steps(m, st, b, 8);
    assert_same_trace(ref, b, "a new trace after a free");
    gb_trace_free(b), gb_trace_free(some), gb_trace_free(ref_some), gb_trace_free(ref);
    gb_state_free(st), gb_state_free(fresh);
    gb_model_free(m);
}

/* Encoder rows attend to later positions (bidirectional) and the class head runs. */
static void test_encoder_is_bidirectional(void **state) {
    (void)state;
    gb_model *m = make(GB_ARCH_ENCODER, GB_POS_LEARNED, GB_NORM_LAYERNORM, 1, GB_ACT_GELU, 4, 5);
    gb_error err = {0};
    gb_trace *tr = gb_trace_new("blocks.*.attn.hook_pattern,class_logits", 32, &err);
    gb_state *st = gb_state_new(m, 32, &err);
    gb_run_opts o = {.trace = tr};
    gbt_assert_ok(gb_forward_encoder(m, st, TOKS, 6, &o, &err), &err);
    const gb_tensor *p = gb_trace_find(tr, "blocks.0.attn.hook_pattern");
    assert_non_null(p);
    double upper = 0;
    for (int h = 0; h < 4; h++) upper += gb_tensor_at3(p, h, 0, 5);
    printf("  mass from row 0 to the last column: %.3g\n", upper);
    assert_true(upper > 1e-3);
    assert_non_null(gb_trace_find(tr, "class_logits"));
    assert_null(gb_trace_find(tr, "blocks.0.hook_resid_post")); /* not selected */
    assert_true(isfinite(gb_state_class_logits(st)[0]));
    gb_trace_free(tr);
    gb_state_free(st);
    gb_model_free(m);
}

/* Without positional encoding an encoder is permutation-equivariant. */
static void test_encoder_without_positions_is_permutation_equivariant(void **state) {
    (void)state;
    gb_model *m = make(GB_ARCH_ENCODER, GB_POS_NONE, GB_NORM_LAYERNORM, 1, GB_ACT_GELU, 4, 9);
    gb_error err = {0};
    int toks[5] = {4, 9, 1, 22, 9}, perm[5] = {3, 0, 4, 1, 2}, ptoks[5];
    for (int i = 0; i < 5; i++) ptoks[i] = toks[perm[i]];
    gb_trace *ta = gb_trace_new("blocks.1.hook_resid_post", 32, &err), *tb = gb_trace_new("blocks.1.hook_resid_post", 32, &err);
    gb_state *st = gb_state_new(m, 32, &err);
    gb_run_opts oa = {.trace = ta}, ob = {.trace = tb};
    gbt_assert_ok(gb_forward_encoder(m, st, toks, 5, &oa, &err), &err);
    gbt_assert_ok(gb_forward_encoder(m, st, ptoks, 5, &ob, &err), &err);
    const gb_tensor *a = gb_trace_find(ta, "blocks.1.hook_resid_post"), *b = gb_trace_find(tb, "blocks.1.hook_resid_post");
    double worst = 0;
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 16; j++) {
            double dd = fabs(gb_tensor_at2(b, i, j) - gb_tensor_at2(a, perm[i], j));
            if (dd > worst) worst = dd;
        }
    printf("  permuted output vs output permuted: max |diff| = %.3g (tolerance 1e-5)\n", worst);
    assert_true(worst <= 1e-5);
    gb_trace_free(ta);
    gb_trace_free(tb);
    gb_state_free(st);
    gb_model_free(m);
}

/* Encoder-decoder: cross-attention has shape [heads, target, source]; the
 * cached decoder matches a full decoder pass. */
static void test_encdec_cross_attention(void **state) {
    (void)state;
    gb_model *m = make(GB_ARCH_ENCDEC, GB_POS_SINUSOIDAL, GB_NORM_LAYERNORM, 0, GB_ACT_RELU, 4, 13);
    gb_error err = {0};
    gb_trace *tr = gb_trace_new("*", 32, &err);
    gb_state *st = gb_state_new(m, 32, &err);
    gb_run_opts o = {.trace = tr};
    int src[7] = {5, 6, 7, 8, 9, 10, 11}, tgt[4] = {1, 20, 21, 22};
    gbt_assert_ok(gb_forward_encoder(m, st, src, 7, &o, &err), &err);
    gbt_assert_ok(gb_forward_decoder(m, st, tgt, 2, 0, &o, &err), &err);
    gbt_assert_ok(gb_forward_decoder(m, st, &tgt[2], 1, 2, &o, &err), &err);
    gbt_assert_ok(gb_forward_decoder(m, st, &tgt[3], 1, 3, &o, &err), &err);
    const gb_tensor *x = gb_trace_find(tr, "blocks.1.cross_attn.hook_pattern");
    assert_non_null(x);
    assert_int_equal(x->ndim, 3);
    assert_int_equal(x->shape[0], 4);
    assert_int_equal(x->shape[1], 4);
    assert_int_equal(x->shape[2], 7);
    assert_non_null(gb_trace_find(tr, "encoder.blocks.0.attn.hook_pattern"));
    const gb_tensor *e = gb_trace_find(tr, "encoder.blocks.0.attn.hook_pattern");
    assert_int_equal(e->shape[1], 7);
    int V = m->cfg.vocab_size;
    float *last = malloc((size_t)V * sizeof *last);
    memcpy(last, gb_state_logits(st), (size_t)V * sizeof *last);
    gb_state *s2 = gb_state_new(m, 32, &err);
    gbt_assert_ok(gb_forward_encoder(m, s2, src, 7, NULL, &err), &err);
    gbt_assert_ok(gb_forward_decoder(m, s2, tgt, 4, 0, NULL, &err), &err);
    gbt_assert_close(gb_state_logits(s2), last, (size_t)V, 1e-5, "encdec cached vs full");
    free(last);
    gb_state_free(s2);
    gb_trace_free(tr);
    gb_state_free(st);
    gb_model_free(m);
}

/* The sinusoidal encoding is exactly the paper's formula. */
static void test_sinusoidal_known_values(void **state) {
    (void)state;
    float pe[4];
    gb_sinusoidal(0, 4, pe);
    assert_float_equal(pe[0], 0.0f, 0);
    assert_float_equal(pe[1], 1.0f, 0);
    assert_float_equal(pe[3], 1.0f, 0);
    gb_sinusoidal(3, 4, pe);
    assert_float_equal(pe[0], (float)sin(3.0), 1e-7);
    assert_float_equal(pe[1], (float)cos(3.0), 1e-7);
    assert_float_equal(pe[2], (float)sin(3.0 / 100.0), 1e-7);
    assert_float_equal(pe[3], (float)cos(3.0 / 100.0), 1e-7);
    float big[512];
    gb_sinusoidal(17, 512, big);
    assert_float_equal(big[200], (float)sin(17.0 / pow(10000.0, 200.0 / 512.0)), 1e-6);
    assert_float_equal(big[201], (float)cos(17.0 / pow(10000.0, 200.0 / 512.0)), 1e-6);
}

/* Switching a head off zeroes its output and changes the prediction; removing
 * positions makes a learned-position model ignore them. */
static void test_interventions(void **state) {
    (void)state;
    gb_model *m = make(GB_ARCH_DECODER, GB_POS_LEARNED, GB_NORM_LAYERNORM, 1, GB_ACT_GELU_TANH, 4, 21);
    gb_error err = {0};
    int V = m->cfg.vocab_size;
    gb_state *st = gb_state_new(m, 32, &err);
    gbt_assert_ok(gb_forward_decoder(m, st, TOKS, 6, 0, NULL, &err), &err);
    float *base = malloc((size_t)V * sizeof *base);
    memcpy(base, gb_state_logits(st), (size_t)V * sizeof *base);
    gb_intervention iv = {.kind = GB_IV_HEAD_SCALE, .layer = 1, .head = 2, .value = 0.0f};
    gb_trace *tr = gb_trace_new("blocks.1.attn.hook_z", 32, &err);
    gb_run_opts o = {.trace = tr, .iv = &iv, .n_iv = 1};
    gbt_assert_ok(gb_forward_decoder(m, st, TOKS, 6, 0, &o, &err), &err);
    const gb_tensor *z = gb_trace_find(tr, "blocks.1.attn.hook_z");
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 4; j++) assert_true(z->data[i * z->stride[0] + 2 * z->stride[1] + j] == 0.0f);
    double changed = gbt_max_abs_diff(gb_state_logits(st), base, (size_t)V);
    printf("  head 1.2 off changes logits by up to %.3g\n", changed);
    assert_true(changed > 1e-4);
    /* positions off == a model whose pos_embed is zero */
    gb_intervention nopos = {.kind = GB_IV_POS_SCALE, .value = 0.0f};
    gb_run_opts o2 = {.iv = &nopos, .n_iv = 1};
    gbt_assert_ok(gb_forward_decoder(m, st, TOKS, 6, 0, &o2, &err), &err);
    memcpy(base, gb_state_logits(st), (size_t)V * sizeof *base);
    memset(m->w.pos_embed, 0, (size_t)m->cfg.max_seq * m->cfg.d_model * sizeof(float));
    gbt_assert_ok(gb_forward_decoder(m, st, TOKS, 6, 0, NULL, &err), &err);
    gbt_assert_close(gb_state_logits(st), base, (size_t)V, 1e-6, "no-positions vs zeroed positions");
    /* overwrite a row of the residual stream */
    float row[16] = {0};
    gb_intervention set = {.kind = GB_IV_SET_ROW, .row = 5, .data = row};
    snprintf(set.name, sizeof set.name, "blocks.1.hook_resid_pre");
    gb_run_opts o3 = {.iv = &set, .n_iv = 1};
    gbt_assert_ok(gb_forward_decoder(m, st, TOKS, 6, 0, &o3, &err), &err);
    assert_true(gbt_max_abs_diff(gb_state_logits(st), base, (size_t)V) > 1e-4);
    free(base);
    gb_trace_free(tr);
    gb_state_free(st);
    gb_model_free(m);
}

/* Out-of-range ids and too many tokens are refused with a clear message. */
static void test_bad_input(void **state) {
    (void)state;
    gb_model *m = make(GB_ARCH_DECODER, GB_POS_LEARNED, GB_NORM_LAYERNORM, 1, GB_ACT_GELU_TANH, 4, 1);
    gb_error err = {0};
    gb_state *st = gb_state_new(m, 8, &err);
    int bad[2] = {1, 37};
    assert_int_equal(gb_forward_decoder(m, st, bad, 2, 0, NULL, &err), GB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "token id 37"));
    gb_error_clear(&err);
    assert_int_equal(gb_forward_decoder(m, st, TOKS, 10, 0, NULL, &err), GB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "context window"));
    gb_error_clear(&err);
    assert_null(gb_state_new(m, 33, &err));
    assert_non_null(strstr(err.msg, "context window"));
    gb_error_clear(&err);
    assert_int_equal(gb_forward_encoder(m, st, TOKS, 2, NULL, &err), GB_ERR_INPUT);
    gb_state_free(st);
    gb_model_free(m);
}

/* Glob patterns select hook names as documented. */
static void test_glob(void **state) {
    (void)state;
    assert_true(gb_glob_match("*", "blocks.0.attn.hook_q"));
    assert_true(gb_glob_match("blocks.*.attn.hook_pattern", "blocks.11.attn.hook_pattern"));
    assert_false(gb_glob_match("blocks.*.attn.hook_pattern", "blocks.1.cross_attn.hook_patterns"));
    assert_true(gb_glob_match("*hook_*", "encoder.blocks.0.hook_resid_pre"));
    assert_false(gb_glob_match("logits", "logits2"));
    assert_true(gb_glob_match("a*b*c", "aXXbYYc"));
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kv_cache_matches_full_pass),
        cmocka_unit_test(test_rewind_reproduces),
        cmocka_unit_test(test_causal_pattern),
        cmocka_unit_test(test_trace_cache_across_traces),
        cmocka_unit_test(test_encoder_is_bidirectional),
        cmocka_unit_test(test_encoder_without_positions_is_permutation_equivariant),
        cmocka_unit_test(test_encdec_cross_attention),
        cmocka_unit_test(test_sinusoidal_known_values),
        cmocka_unit_test(test_interventions),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_glob),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
