/* test_train_grad.c - the trainer's forward is the inference forward, and its
 * backward pass is the derivative of its forward, for every family.
 *
 * Gradient check: for each parameter tensor we compare the analytic gradient
 * with central finite differences (L(p+e) - L(p-e)) / 2e, e = 1e-2 and 1e-3
 * times max(1, |p|) (the closer of the two: a ReLU kink spoils one step),
 * through the training forward (float activations, double loss sums) on up to
 * 48 elements per tensor. Per tensor we print the worst element relative error
 * |g - fd| / max(|g|, |fd|, 1e-3) and assert the tensor relative error
 * ||g - fd|| / max(||g||, ||fd||, 1e-4) <= 2e-2 (float rounding of a loss of
 * order 1 divided by 2e bounds how well fd can do). A second check recomputes
 * a few finite differences through gb_forward_decoder / gb_forward_encoder.
 */
#include "gbtest.h"

#include <math.h>

#include "glassbox/forward.h"
#include "glassbox/model.h"
#include "glassbox/train.h"

typedef struct variant {
    const char *label;
    gb_arch arch;
    int pre_norm;
    gb_act act;
    gb_pos_kind pos;
    int scale_embed, tied;
} variant;

enum { B = 2, T = 5, TS = 4 };
static const int TOKENS[B * T] = {3, 7, 1, 9, 2, 10, 4, 4, 0, 6};
static const int TARGETS[B * T] = {7, 1, 9, 2, 5, 4, 4, GB_IGNORE, GB_IGNORE, GB_IGNORE};
static const int LENS[B] = {5, 3};
static const int LABELS[B] = {2, 0};
static const int SRC[B * TS] = {5, 8, 2, 1, 9, 3, 0, 0};
static const int SRC_LENS[B] = {4, 2};

static gb_model *make(const variant *v) {
    gb_config c;
    gb_config_defaults(&c, v->arch);
    c.vocab_size = 11;
    c.d_model = 8;
    c.n_layers = 2;
    c.n_enc_layers = 2;
    c.n_heads = 2;
    c.n_kv_heads = 2;
    c.d_head = 4;
    c.d_ff = 12;
    c.max_seq = 8;
    c.pre_norm = v->pre_norm;
    c.act = v->act;
    c.pos = v->pos;
    c.scale_embed = v->scale_embed;
    c.tied_embeddings = v->tied;
    c.n_classes = 3;
    gb_model *m = NULL;
    gb_error err = {0};
    gbt_assert_ok(gb_model_create(&c, &m, &err), &err);
    gb_model_init_random(m, 1234, 0.4f);
    /* norms and biases away from their init so their gradients are exercised */
    for (int i = 0; i < m->n_table; i++)
        if (m->table[i].ndim == 1)
            for (size_t j = 0; j < m->table[i].numel; j++)
                m->params[m->table[i].offset + j] += 0.1f * (float)((int)((j * 7 + (size_t)i) % 5) - 2);
    return m;
}

static gb_batch batch(void) {
    gb_batch b = {.B = B, .T = T, .tokens = TOKENS, .targets = TARGETS, .lens = LENS, .labels = LABELS,
                  .Ts = TS, .src = SRC, .src_lens = SRC_LENS};
    return b;
}

/* Loss of the batch computed with the INFERENCE forward, one sequence at a time. */
static double inference_loss(const gb_model *m) {
    gb_error err = {0};
    const gb_config *c = &m->cfg;
    gb_state *st = gb_state_new(m, 8, &err);
    assert_non_null(st);
    double total = 0;
    int count = 0;
    for (int b = 0; b < B; b++) {
        const float *lg;
        int rows = 1, V;
        if (c->arch == GB_ARCH_ENCODER) {
            gbt_assert_ok(gb_forward_encoder(m, st, TOKENS + b * T, LENS[b], NULL, &err), &err);
            lg = gb_state_class_logits(st);
            V = c->n_classes;
        } else {
            if (c->arch == GB_ARCH_ENCDEC)
                gbt_assert_ok(gb_forward_encoder(m, st, SRC + b * TS, SRC_LENS[b], NULL, &err), &err);
            gb_run_opts o = {.all_logits = true};
            gbt_assert_ok(gb_forward_decoder(m, st, TOKENS + b * T, T, 0, &o, &err), &err);
            lg = gb_state_all_logits(st, &rows);
            V = c->vocab_size;
        }
        for (int i = 0; i < rows; i++) {
            int y = c->arch == GB_ARCH_ENCODER ? LABELS[b] : TARGETS[b * T + i];
            if (y == GB_IGNORE) continue;
            const float *l = lg + (size_t)i * V;
            double mx = l[0], s = 0;
            for (int j = 1; j < V; j++) mx = l[j] > mx ? l[j] : mx;
            for (int j = 0; j < V; j++) s += exp(l[j] - mx);
            total += mx + log(s) - l[y];
            count++;
        }
    }
    gb_state_free(st);
    return total / count;
}

/* The training forward's logits equal the inference forward's, row by row. */
static void check_logits_match(gb_model *m, gb_trainer *tr) {
    gb_error err = {0};
    gb_batch bt = batch();
    double loss;
    gbt_assert_ok(gb_train_loss(tr, &bt, &loss, &err), &err);
    int rows, cols;
    const float *tl = gb_trainer_logits(tr, &rows, &cols);
    gb_state *st = gb_state_new(m, 8, &err);
    double worst = 0;
    for (int b = 0; b < B; b++) {
        if (m->cfg.arch == GB_ARCH_ENCODER) {
            gbt_assert_ok(gb_forward_encoder(m, st, TOKENS + b * T, LENS[b], NULL, &err), &err);
            double dd = gbt_max_abs_diff(tl + b * cols, gb_state_class_logits(st), (size_t)cols);
            worst = dd > worst ? dd : worst;
            continue;
        }
        if (m->cfg.arch == GB_ARCH_ENCDEC)
            gbt_assert_ok(gb_forward_encoder(m, st, SRC + b * TS, SRC_LENS[b], NULL, &err), &err);
        gb_run_opts o = {.all_logits = true};
        gbt_assert_ok(gb_forward_decoder(m, st, TOKENS + b * T, T, 0, &o, &err), &err);
        int n;
        const float *il = gb_state_all_logits(st, &n);
        double dd = gbt_max_abs_diff(tl + (size_t)b * T * cols, il, (size_t)T * cols);
        worst = dd > worst ? dd : worst;
    }
    gb_state_free(st);
    printf("  logits: training forward vs inference forward max |diff| = %.3g (tolerance 1e-5)\n", worst);
    assert_true(worst <= 1e-5);
    double il = inference_loss(m);
    printf("  loss: training %.9f inference %.9f\n", loss, il);
    assert_true(fabs(il - loss) <= 1e-5);
}

static double train_loss(gb_trainer *tr) {
    gb_error err = {0};
    gb_batch bt = batch();
    double loss;
    gbt_assert_ok(gb_train_loss(tr, &bt, &loss, &err), &err);
    return loss;
}

/* Central difference of the loss in one parameter, at two step sizes; returns
 * the one closer to the analytic gradient an (a ReLU kink inside one step
 * spoils that difference, rarely both). Through the trainer, or the inference
 * forward when tr is NULL. */
static double best_fd(float *w, double an, gb_trainer *tr, const gb_model *m) {
    float w0 = *w, scale = fabsf(w0) > 1 ? fabsf(w0) : 1.0f;
    const float steps[2] = {1e-2f, 1e-3f};
    double best = 0, best_err = INFINITY;
    for (int i = 0; i < 2; i++) {
        float e = steps[i] * scale;
        *w = w0 + e;
        double lp = tr ? train_loss(tr) : inference_loss(m);
        *w = w0 - e;
        double lm = tr ? train_loss(tr) : inference_loss(m);
        *w = w0;
        double fd = (lp - lm) / (2.0 * (double)e);
        if (fabs(fd - an) < best_err) best_err = fabs(fd - an), best = fd;
    }
    return best;
}

/* Every tensor: analytic gradient vs central differences through the training forward. */
static void check_grads(gb_model *m, gb_trainer *tr, const char *label) {
    gb_error err = {0};
    gb_batch bt = batch();
    double loss;
    gbt_assert_ok(gb_train_grad(tr, &bt, &loss, &err), &err);
    size_t np = gb_trainer_n_params(tr);
    float *g = malloc(np * sizeof(float));
    memcpy(g, gb_trainer_grads(tr), np * sizeof(float));
    double worst_tensor = 0;
    for (int ti = 0; ti < m->n_table; ti++) {
        const gb_param *p = &m->table[ti];
        size_t stride = p->numel > 48 ? p->numel / 48 + 1 : 1;
        double num = 0, ng = 0, nf = 0, worst_el = 0;
        for (size_t j = 0; j < p->numel; j += stride) {
            double an = g[p->offset + j];
            double fd = best_fd(m->params + p->offset + j, an, tr, NULL);
            num += (an - fd) * (an - fd), ng += an * an, nf += fd * fd;
            double den = fmax(fmax(fabs(an), fabs(fd)), 1e-3), rel = fabs(an - fd) / den;
            worst_el = rel > worst_el ? rel : worst_el;
        }
        double rel_t = sqrt(num) / fmax(fmax(sqrt(ng), sqrt(nf)), 1e-3);
        size_t nl = strlen(p->name);
        if (nl > 7 && strcmp(p->name + nl - 7, ".k.bias") == 0) {
            /* softmax ignores a shift shared by a query's scores: this gradient is exactly 0 */
            printf("  %-14s %-34s |g| %.3e  |fd| %.3e (both must be ~0)\n", label, p->name, sqrt(ng), sqrt(nf));
            assert_true(sqrt(ng) < 1e-6 && sqrt(nf) < 1e-3);
            continue;
        }
        printf("  %-14s %-34s |g| %.3e  tensor rel err %.2e  worst element rel err %.2e\n", label, p->name,
               sqrt(ng), rel_t, worst_el);
        worst_tensor = rel_t > worst_tensor ? rel_t : worst_tensor;
        if (rel_t > 2e-2) fail_msg("%s: gradient of %s disagrees with finite differences (%.3g)", label, p->name, rel_t);
    }
    printf("  %s: worst tensor relative error %.3g (tolerance 2e-2)\n", label, worst_tensor);
    /* spot check through the inference forward: 2 elements of every tensor */
    double worst_spot = 0;
    for (int ti = 0; ti < m->n_table; ti++) {
        const gb_param *p = &m->table[ti];
        for (size_t j = 0; j < p->numel && j < 2 * (p->numel / 2 + 1); j += p->numel / 2 + 1) {
            double an = g[p->offset + j];
            double fd = best_fd(m->params + p->offset + j, an, NULL, m);
            double d = fabs(an - fd) / fmax(fmax(fabs(an), fabs(fd)), 1e-2);
            worst_spot = d > worst_spot ? d : worst_spot;
        }
    }
    printf("  %s: spot check via gb_forward_*: worst relative error %.3g (tolerance 3e-2)\n", label, worst_spot);
    assert_true(worst_spot <= 3e-2);
    free(g);
}

static void run_variant(const variant *v) {
    gb_model *m = make(v);
    gb_trainer *tr = NULL;
    gb_error err = {0};
    gbt_assert_ok(gb_trainer_new(m, B, T, TS, &tr, &err), &err);
    printf("%s (%zu parameters)\n", v->label, m->n_params);
    check_logits_match(m, tr);
    check_grads(m, tr, v->label);
    gb_trainer_free(tr);
    gb_model_free(m);
}

/* Decoder-only: pre- and post-norm, every activation and position kind. */
static void test_decoder_grads(void **state) {
    (void)state;
    variant vs[] = {
        {"dec-pre-gelu", GB_ARCH_DECODER, 1, GB_ACT_GELU, GB_POS_SINUSOIDAL, 1, 1},
        {"dec-post-relu", GB_ARCH_DECODER, 0, GB_ACT_RELU, GB_POS_LEARNED, 0, 1},
        {"dec-pre-tanh", GB_ARCH_DECODER, 1, GB_ACT_GELU_TANH, GB_POS_LEARNED, 0, 0},
    };
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++) run_variant(&vs[i]);
}

/* Encoder-only with the classification head (padding masked by lengths). */
static void test_encoder_grads(void **state) {
    (void)state;
    variant vs[] = {
        {"enc-pre-gelu", GB_ARCH_ENCODER, 1, GB_ACT_GELU, GB_POS_SINUSOIDAL, 1, 1},
        {"enc-post-relu", GB_ARCH_ENCODER, 0, GB_ACT_RELU, GB_POS_LEARNED, 0, 1},
    };
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++) run_variant(&vs[i]);
}

/* Encoder-decoder with cross-attention over padded sources. */
static void test_encdec_grads(void **state) {
    (void)state;
    variant vs[] = {
        {"encdec-post-relu", GB_ARCH_ENCDEC, 0, GB_ACT_RELU, GB_POS_SINUSOIDAL, 1, 1},
        {"encdec-pre-gelu", GB_ARCH_ENCDEC, 1, GB_ACT_GELU, GB_POS_LEARNED, 0, 0},
    };
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++) run_variant(&vs[i]);
}

/* Configurations the trainer cannot train are refused with a message. */
static void test_refuses_untrainable(void **state) {
    (void)state;
    variant v = {"rms", GB_ARCH_DECODER, 1, GB_ACT_GELU, GB_POS_LEARNED, 0, 1};
    gb_model *m = make(&v);
    m->cfg.norm = GB_NORM_RMSNORM;
    gb_trainer *tr = NULL;
    gb_error err = {0};
    assert_int_equal(gb_trainer_new(m, 2, 4, 0, &tr, &err), GB_ERR_INPUT);
    printf("  message: %s\n", err.msg);
    assert_non_null(strstr(err.msg, "LayerNorm"));
    m->cfg.norm = GB_NORM_LAYERNORM;
    gb_error_clear(&err);
    assert_int_equal(gb_trainer_new(m, 2, 99, 0, &tr, &err), GB_ERR_INPUT);
    printf("  message: %s\n", err.msg);
    gb_model_free(m);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decoder_grads),
        cmocka_unit_test(test_encoder_grads),
        cmocka_unit_test(test_encdec_grads),
        cmocka_unit_test(test_refuses_untrainable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
