/* bench_train.c - training throughput of the `classroom` configuration
 * (decoder-only, vocabulary 430, d 128, 3 layers, 4 heads, d_ff 512, context
 * 32, batch 32, post-norm ReLU as in the paper): tokens per second of a full
 * step (forward, backward, clipping, AdamW), against the forward-only rate of
 * the same batch measured in the same run (a step costs about three forwards),
 * and against PyTorch's figure for the same model measured once by hand
 * (docs/training.md says how). */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "glassbox/model.h"
#include "glassbox/platform.h"
#include "glassbox/train.h"

/* PyTorch 1.13 (Debian python3-torch), CPU, 1 thread, same model and batch:
 * measured on the development machine, see docs/training.md. */
#define PYTORCH_CLASSROOM_TOK_S 2474.0

static gb_model *classroom_model(gb_error *err) {
    gb_config c;
    gb_config_defaults(&c, GB_ARCH_DECODER);
    c.vocab_size = 430, c.d_model = 128, c.n_layers = 3, c.n_heads = c.n_kv_heads = 4, c.d_head = 32;
    c.d_ff = 512, c.max_seq = 32, c.pos = GB_POS_SINUSOIDAL, c.pre_norm = 0, c.act = GB_ACT_RELU;
    c.scale_embed = 1;
    gb_model *m = NULL;
    if (gb_model_create(&c, &m, err)) return NULL;
    gb_model_init_random(m, 1, 0.02f);
    return m;
}

/* Seconds per call of a full training step (grad = 1) or a forward (grad = 0). */
static double time_steps(gb_trainer *tr, const gb_batch *bt, int n, int grad, gb_error *err) {
    gb_optim o;
    gb_optim_defaults(&o, 1000);
    double loss, t0 = gb_now();
    for (int i = 0; i < n; i++) {
        if (grad) {
            if (gb_train_grad(tr, bt, &loss, err)) return -1;
            gb_train_step(tr, &o, NULL);
        } else if (gb_train_loss(tr, bt, &loss, err)) {
            return -1;
        }
    }
    return (gb_now() - t0) / n;
}

int gb_bench_train(gb_bench *b) {
    const gb_bench_opts *opt = gb_bench_options(b);
    enum { B = 32, T = 32 };
    gb_error err = {0};
    gb_model *m = classroom_model(&err);
    gb_trainer *tr = NULL;
    if (!m || gb_trainer_new(m, B, T, 0, &tr, &err)) {
        fprintf(stderr, "bench train: %s\n", err.msg);
        gb_model_free(m);
        return 1;
    }
    int *tok = malloc(sizeof(int) * B * T * 2);
    for (int i = 0; i < B * T * 2; i++) tok[i] = (int)(gb_trainer_rand(tr) % 430);
    gb_batch bt = {.B = B, .T = T, .tokens = tok, .targets = tok + B * T};
    int reps = opt->quick ? 3 : 20;
    time_steps(tr, &bt, 2, 1, &err); /* warm caches and BLAS buffers */
    double step = time_steps(tr, &bt, reps, 1, &err), fwd = time_steps(tr, &bt, reps, 0, &err);
    if (step > 0 && fwd > 0) {
        double rate = B * T / step, frate = B * T / fwd;
        char note[160];
        snprintf(note, sizeof note, "%zu parameters, batch %dx%d, %d BLAS thread(s)", m->n_params, B, T,
                 gb_blas_threads());
        gb_bench_report(b, "train", "classroom training step", rate, "tok/s", true, "forward-only, same batch", frate,
                        0.25, note);
        gb_bench_report(b, "train", "classroom training step time", step * 1e3, "ms", false, NULL, 0, 0, NULL);
        if (PYTORCH_CLASSROOM_TOK_S > 0)
            gb_bench_report(b, "train", "classroom training step vs PyTorch", rate, "tok/s", true,
                            "PyTorch CPU, same model, 1 thread (measured once, docs/training.md)",
                            PYTORCH_CLASSROOM_TOK_S, 1.0, NULL);
    } else {
        fprintf(stderr, "bench train: %s\n", err.msg);
    }
    free(tok);
    gb_trainer_free(tr);
    gb_model_free(m);
    return 0;
}
