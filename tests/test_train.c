/* test_train.c - training behaviour: loss falls, a seed gives the same weights
 * bit for bit, a checkpoint + resume ends where an uninterrupted run ends, the
 * schedule has the promised shape, and bad settings get clear messages. */
#include "gbtest.h"

#include <math.h>

#include "glassbox/model.h"
#include "glassbox/platform.h"
#include "glassbox/train.h"

/* A small decoder and an LM stream with structure: the sentences "a b c d e ."
 * style cycles of period 7 with a second, shifted pattern. */
static gb_model *small_decoder(uint64_t seed) {
    gb_config c;
    gb_config_defaults(&c, GB_ARCH_DECODER);
    c.vocab_size = 16;
    c.d_model = 32;
    c.n_layers = 2;
    c.n_heads = 4;
    c.n_kv_heads = 4;
    c.d_head = 8;
    c.d_ff = 64;
    c.max_seq = 32;
    c.pos = GB_POS_SINUSOIDAL;
    c.scale_embed = 1;
    gb_model *m = NULL;
    gb_error err = {0};
    gbt_assert_ok(gb_model_create(&c, &m, &err), &err);
    gb_model_init_random(m, seed, 0.02f);
    return m;
}

static void fill_stream(gb_train_data *d) {
    gb_error err = {0};
    gb_train_data_init(d, GB_TASK_LM);
    for (int s = 0; s < 400; s++) {
        int ids[8];
        int start = (s * 5) % 13; /* the first word varies; the rest follows from it */
        for (int i = 0; i < 7; i++) ids[i] = 1 + (start + i * 3) % 15;
        ids[7] = 0;
        gbt_assert_ok(gb_train_data_append(d, ids, 8, &err), &err);
    }
}

/* Train `steps` steps from the trainer's current state. */
static double train_steps(gb_trainer *tr, gb_batcher *bt, const gb_train_data *d, const gb_optim *o, int steps) {
    gb_error err = {0};
    double loss = 0;
    for (int s = 0; s < steps; s++) {
        const gb_batch *b = gb_batch_random(bt, d, 8, tr);
        assert_non_null(b);
        gbt_assert_ok(gb_train_grad(tr, b, &loss, &err), &err);
        gb_train_step(tr, o, NULL);
    }
    return loss;
}

static double eval_loss(gb_trainer *tr, gb_batcher *bt, const gb_train_data *d) {
    gb_error err = {0};
    double sum = 0;
    int n = 0;
    const gb_batch *b;
    for (int k = 0; (b = gb_batch_eval(bt, d, 8, k)) && k < 8; k++) {
        double l;
        gbt_assert_ok(gb_train_loss(tr, b, &l, &err), &err);
        sum += l, n++;
    }
    return sum / n;
}

/* 150 steps on a structured stream take the loss from ln(16) = 2.77 to below
 * 0.9 (a model that only learned unigram frequencies would sit near 2.6). */
static void test_loss_falls(void **state) {
    (void)state;
    gb_model *m = small_decoder(1);
    gb_trainer *tr;
    gb_batcher bt;
    gb_train_data d;
    gb_error err = {0};
    fill_stream(&d);
    gbt_assert_ok(gb_trainer_new(m, 8, 24, 0, &tr, &err), &err);
    gbt_assert_ok(gb_batcher_init(&bt, 8, 24, 0, &err), &err);
    gb_optim o;
    gb_optim_defaults(&o, 150);
    double before = eval_loss(tr, &bt, &d);
    train_steps(tr, &bt, &d, &o, 150);
    double after = eval_loss(tr, &bt, &d);
    printf("  loss before %.4f after 150 steps %.4f (bound 0.9)\n", before, after);
    assert_true(before > 2.5);
    assert_true(after < 0.9);
    gb_batcher_free(&bt);
    gb_trainer_free(tr);
    gb_train_data_free(&d);
    gb_model_free(m);
}

/* Two runs with the same seed give bit-identical weights; another seed does not. */
static void test_same_seed_same_weights(void **state) {
    (void)state;
    gb_train_data d;
    fill_stream(&d);
    float *w[3];
    size_t np = 0;
    uint64_t seeds[3] = {7, 7, 8};
    for (int r = 0; r < 3; r++) {
        gb_model *m = small_decoder(seeds[r]);
        gb_trainer *tr;
        gb_batcher bt;
        gb_error err = {0};
        gbt_assert_ok(gb_trainer_new(m, 8, 24, 0, &tr, &err), &err);
        gbt_assert_ok(gb_batcher_init(&bt, 8, 24, 0, &err), &err);
        gb_trainer_seed(tr, seeds[r]);
        gb_optim o;
        gb_optim_defaults(&o, 30);
        train_steps(tr, &bt, &d, &o, 30);
        np = m->n_params;
        w[r] = malloc(np * sizeof(float));
        memcpy(w[r], m->params, np * sizeof(float));
        gb_batcher_free(&bt);
        gb_trainer_free(tr);
        gb_model_free(m);
    }
    printf("  same seed: max |diff| = %g; other seed: max |diff| = %g\n", gbt_max_abs_diff(w[0], w[1], np),
           gbt_max_abs_diff(w[0], w[2], np));
    assert_memory_equal(w[0], w[1], np * sizeof(float));
    assert_true(gbt_max_abs_diff(w[0], w[2], np) > 1e-3);
    for (int r = 0; r < 3; r++) free(w[r]);
    gb_train_data_free(&d);
}

/* N steps straight == N/2 steps, checkpoint, a fresh process state (new model,
 * new trainer), load, N/2 more steps: bit-identical parameters and moments. */
static void test_resume_is_bit_exact(void **state) {
    (void)state;
    gb_train_data d;
    fill_stream(&d);
    gb_error err = {0};
    gb_optim o;
    gb_optim_defaults(&o, 40);
    /* straight */
    gb_model *a = small_decoder(3);
    gb_trainer *ta;
    gb_batcher bt;
    gbt_assert_ok(gb_trainer_new(a, 8, 24, 0, &ta, &err), &err);
    gbt_assert_ok(gb_batcher_init(&bt, 8, 24, 0, &err), &err);
    gb_trainer_seed(ta, 3);
    train_steps(ta, &bt, &d, &o, 40);
    /* interrupted */
    gb_model *b = small_decoder(3);
    gb_trainer *tb;
    gbt_assert_ok(gb_trainer_new(b, 8, 24, 0, &tb, &err), &err);
    gb_trainer_seed(tb, 3);
    train_steps(tb, &bt, &d, &o, 20);
    const char *ck = gbt_tmp("resume.ckpt.safetensors");
    gbt_assert_ok(gb_checkpoint_save(tb, ck, "{\"lr\":0.003}", &err), &err);
    gb_trainer_free(tb);
    gb_model_free(b);
    gb_model *c = small_decoder(99); /* different init: the checkpoint must overwrite it */
    gb_trainer *tc;
    gbt_assert_ok(gb_trainer_new(c, 8, 24, 0, &tc, &err), &err);
    char *meta = NULL;
    gbt_assert_ok(gb_checkpoint_load(tc, ck, &meta, &err), &err);
    assert_string_equal(meta, "{\"lr\":0.003}");
    assert_int_equal(gb_trainer_step_count(tc), 20);
    train_steps(tc, &bt, &d, &o, 20);
    printf("  straight vs resumed: max |diff| = %g over %zu parameters\n",
           gbt_max_abs_diff(a->params, c->params, a->n_params), a->n_params);
    assert_memory_equal(a->params, c->params, a->n_params * sizeof(float));
    free(meta);
    gb_batcher_free(&bt);
    gb_trainer_free(ta);
    gb_trainer_free(tc);
    gb_model_free(a);
    gb_model_free(c);
    gb_train_data_free(&d);
}

/* A checkpoint for another configuration, and a truncated one, are refused. */
static void test_checkpoint_mismatch(void **state) {
    (void)state;
    gb_error err = {0};
    gb_model *a = small_decoder(1);
    gb_trainer *ta;
    gbt_assert_ok(gb_trainer_new(a, 2, 8, 0, &ta, &err), &err);
    const char *ck = gbt_tmp("a.ckpt");
    gbt_assert_ok(gb_checkpoint_save(ta, ck, NULL, &err), &err);
    gb_config c = a->cfg;
    c.d_ff = 32;
    gb_model *b;
    gbt_assert_ok(gb_model_create(&c, &b, &err), &err);
    gb_trainer *tb;
    gbt_assert_ok(gb_trainer_new(b, 2, 8, 0, &tb, &err), &err);
    assert_int_equal(gb_checkpoint_load(tb, ck, NULL, &err), GB_ERR_INPUT);
    printf("  other config: %s\n", err.msg);
    /* truncate */
    char *buf;
    size_t len;
    gbt_assert_ok(gb_read_file(ck, 1 << 26, &buf, &len, &err), &err);
    FILE *f = fopen(gbt_tmp("cut.ckpt"), "wb");
    fwrite(buf, 1, len / 2, f);
    fclose(f);
    gb_error_clear(&err);
    assert_int_equal(gb_checkpoint_load(ta, gbt_tmp("cut.ckpt"), NULL, &err), GB_ERR_INPUT);
    printf("  truncated: %s\n", err.msg);
    /* a NaN parameter, or a negative second moment (the last float of the file):
     * refused before anything is overwritten */
    const size_t n = a->n_params;
    float *before = malloc(n * sizeof(float)), v = -1.0f;
    memcpy(before, a->params, n * sizeof(float));
    const char *cases[2] = {"nan.ckpt", "negv.ckpt"};
    for (int k = 0; k < 2; k++) {
        char *copy = malloc(len);
        memcpy(copy, buf, len);
        if (k == 0) memcpy(copy + len - 3 * n * sizeof(float) + 4, &(float){NAN}, 4);
        else memcpy(copy + len - 4, &v, 4);
        f = fopen(gbt_tmp(cases[k]), "wb");
        fwrite(copy, 1, len, f);
        fclose(f);
        free(copy);
        gb_error_clear(&err);
        assert_int_equal(gb_checkpoint_load(ta, gbt_tmp(cases[k]), NULL, &err), GB_ERR_INPUT);
        printf("  %s: %s\n", cases[k], err.msg);
        assert_non_null(strstr(err.msg, k == 0 ? "tensor params has a non-finite value (nan) at index 1"
                                               : "tensor adam.v has a negative value (-1) at index"));
        assert_memory_equal(before, a->params, n * sizeof(float));
    }
    free(before);
    free(buf);
    gb_trainer_free(ta);
    gb_trainer_free(tb);
    gb_model_free(a);
    gb_model_free(b);
}

/* Warm-up rises linearly to the peak, cosine falls to min_lr_frac * lr. */
static void test_schedule_shape(void **state) {
    (void)state;
    gb_optim o;
    gb_optim_defaults(&o, 100);
    o.warmup = 10;
    o.lr = 1.0f;
    o.min_lr_frac = 0.1f;
    assert_float_equal(gb_optim_lr(&o, 0), 0.1f, 1e-6);
    assert_float_equal(gb_optim_lr(&o, 9), 1.0f, 1e-6);
    assert_float_equal(gb_optim_lr(&o, 10), 1.0f, 1e-6);
    assert_float_equal(gb_optim_lr(&o, 55), 0.55f, 1e-5);
    assert_float_equal(gb_optim_lr(&o, 100), 0.1f, 1e-6);
    for (long s = 11; s < 100; s++) assert_true(gb_optim_lr(&o, s) <= gb_optim_lr(&o, s - 1));
}

/* Nonsense optimiser settings and out-of-range batches are refused by name. */
static void test_bad_settings(void **state) {
    (void)state;
    gb_error err = {0};
    gb_optim o;
    gb_optim_defaults(&o, 10);
    o.lr = -1;
    assert_int_equal(gb_optim_validate(&o, &err), GB_ERR_INPUT);
    printf("  %s\n", err.msg);
    assert_non_null(strstr(err.msg, "learning rate"));
    gb_optim_defaults(&o, 10);
    o.warmup = 20;
    gb_error_clear(&err);
    assert_int_equal(gb_optim_validate(&o, &err), GB_ERR_INPUT);
    printf("  %s\n", err.msg);
    gb_model *m = small_decoder(1);
    gb_trainer *tr;
    gbt_assert_ok(gb_trainer_new(m, 2, 4, 0, &tr, &err), &err);
    int toks[8] = {1, 2, 3, 99, 1, 2, 3, 4}, tg[8] = {0};
    gb_batch b = {.B = 2, .T = 4, .tokens = toks, .targets = tg};
    double l;
    gb_error_clear(&err);
    assert_int_equal(gb_train_grad(tr, &b, &l, &err), GB_ERR_INPUT);
    printf("  %s\n", err.msg);
    assert_non_null(strstr(err.msg, "99"));
    b.B = 3;
    gb_error_clear(&err);
    assert_int_equal(gb_train_grad(tr, &b, &l, &err), GB_ERR_INPUT);
    printf("  %s\n", err.msg);
    gb_trainer_free(tr);
    gb_model_free(m);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loss_falls),
        cmocka_unit_test(test_same_seed_same_weights),
        cmocka_unit_test(test_resume_is_bit_exact),
        cmocka_unit_test(test_checkpoint_mismatch),
        cmocka_unit_test(test_schedule_shape),
        cmocka_unit_test(test_bad_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
