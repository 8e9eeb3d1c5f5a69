/* test_viz_positions.c - the positions view computes what it shows: the
 * paper's formula, a model's learned table, RoPE rotations, and the
 * similarity matrix from them. */
#include "gbtest.h"

#include <math.h>

#include "glassbox/model.h"
#include "view.h"

static void *make(const gb_view *v, int dim, int length, const gb_model *m) {
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.dim = dim, a.length = length;
    gb_error err = {0};
    void *self = v->create(&a, &err);
    assert_non_null(self);
    gb_shared sh = {.theme = gb_theme_normal(), .model = m};
    gbt_assert_ok(gb_view_settle(v, self, &sh, &err), &err);
    return self;
}

static gb_model *tiny_model(gb_pos_kind pos) {
    gb_config c;
    gb_config_defaults(&c, GB_ARCH_DECODER);
    c.vocab_size = 16, c.d_model = 8, c.n_layers = 1, c.n_heads = 2, c.n_kv_heads = 2, c.d_head = 4;
    c.d_ff = 16, c.max_seq = 10, c.pos = pos;
    gb_model *m = NULL;
    gb_error err = {0};
    gbt_assert_ok(gb_model_create(&c, &m, &err), &err);
    return m;
}

/* Without a model: PE(p,2i) = sin(p/10000^(2i/d)), PE(p,2i+1) = cos(...). */
static void test_formula(void **state) {
    (void)state;
    const gb_view *v = gb_view_find("positions");
    void *self = make(v, 64, 20, NULL);
    int r, c;
    const float *pe = v->matrix(self, "encoding", &r, &c);
    assert_non_null(pe);
    assert_int_equal(r, 20), assert_int_equal(c, 64);
    float want[4] = {(float)sin(1.0), (float)cos(1.0), (float)sin(7 / pow(10000, 10.0 / 64)),
                     (float)cos(7 / pow(10000, 10.0 / 64))};
    float got[4] = {pe[64 + 0], pe[64 + 1], pe[7 * 64 + 10], pe[7 * 64 + 11]};
    gbt_assert_close(got, want, 4, 1e-6, "PE values against the formula");
    /* the dot product depends only on p - q */
    const float *sim = v->matrix(self, "similarity", &r, &c);
    float d1[18], d2[18];
    for (int p = 0; p < 18; p++) d1[p] = sim[p * 20 + p + 2], d2[p] = sim[(p + 2) * 20 + p];
    float ref[18];
    for (int p = 0; p < 18; p++) ref[p] = d1[0];
    gbt_assert_close(d1, ref, 18, 1e-4, "similarity constant along a diagonal");
    gbt_assert_close(d1, d2, 18, 1e-5, "similarity symmetric");
    assert_true(fabsf(sim[0] - 32.0f) < 1e-4); /* |PE(p)|^2 = d/2 */
    v->destroy(self);
}

/* With a learned model: the rows of pos_embed.weight, capped at the context. */
static void test_learned_model(void **state) {
    (void)state;
    gb_model *m = tiny_model(GB_POS_LEARNED);
    for (int i = 0; i < 10 * 8; i++) m->w.pos_embed[i] = 0.01f * i - 0.3f;
    const gb_view *v = gb_view_find("positions");
    void *self = make(v, 64, 48, m);
    int r, c;
    const float *pe = v->matrix(self, "encoding", &r, &c);
    assert_non_null(pe);
    assert_int_equal(r, 10); /* max_seq */
    assert_int_equal(c, 8);  /* the model's d, not --dim */
    gbt_assert_close(pe, m->w.pos_embed, 80, 0, "encoding = pos_embed.weight");
    v->destroy(self);
    gb_model_free(m);
}

/* With a sinusoidal model: the model's encoding is the paper's formula. */
static void test_sinusoidal_model(void **state) {
    (void)state;
    gb_model *m = tiny_model(GB_POS_SINUSOIDAL);
    const gb_view *v = gb_view_find("positions");
    void *a = make(v, 8, 10, m), *b = make(v, 8, 10, NULL);
    int r, c, r2, c2;
    const float *pa = v->matrix(a, "encoding", &r, &c), *pb = v->matrix(b, "encoding", &r2, &c2);
    assert_int_equal(r, r2), assert_int_equal(c, c2);
    gbt_assert_close(pa, pb, (size_t)r * c, 1e-6, "model sinusoidal = formula");
    v->destroy(a), v->destroy(b);
    gb_model_free(m);
}

/* With RoPE: (cos, sin) of p * theta^(-2i/dh) per pair, unit length per pair. */
static void test_rope_model(void **state) {
    (void)state;
    gb_model *m = tiny_model(GB_POS_ROPE);
    const gb_view *v = gb_view_find("positions");
    void *self = make(v, 64, 48, m);
    int r, c;
    const float *pe = v->matrix(self, "encoding", &r, &c);
    assert_non_null(pe);
    assert_int_equal(c, 4); /* d_head */
    float got[2] = {pe[3 * 4 + 2], pe[3 * 4 + 3]};
    float want[2] = {(float)cos(3 / 100.0), (float)sin(3 / 100.0)}; /* 10000^(-2/4) = 1/100 */
    gbt_assert_close(got, want, 2, 1e-6, "RoPE pair 1 at position 3");
    v->destroy(self);
    gb_model_free(m);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formula),
        cmocka_unit_test(test_learned_model),
        cmocka_unit_test(test_sinusoidal_model),
        cmocka_unit_test(test_rope_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
