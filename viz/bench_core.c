/* bench_core.c - the transformer core: greedy decode on stories260K with
 * recording off and on, against a plain scalar implementation of the same
 * forward pass (the way llama2.c's run.c computes it: one token at a time,
 * loops for every product) measured in the same run; and prompt processing
 * on a GPT-2-small-sized model against the machine's own sgemm rate. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench.h"
#include "glassbox/forward.h"
#include "glassbox/model.h"
#include "glassbox/platform.h"

/* ---------- the scalar baseline (Llama architecture only) ---------- */

typedef struct scalar_run {
    const gb_model *m;
    float *x, *xb, *xb2, *hb, *hb2, *q, *att, *logits, *kc, *vc;
} scalar_run;

static void s_matmul(float *out, const float *x, const float *w, int n, int d) {
    /* W (d,n) @ x (n,) -> out (d,) */
    for (int i = 0; i < d; i++) {
        float v = 0.0f;
        for (int j = 0; j < n; j++) v += w[(size_t)i * n + j] * x[j];
        out[i] = v;
    }
}

static void s_rmsnorm(float *o, const float *x, const float *w, int d) {
    float ss = 0.0f;
    for (int j = 0; j < d; j++) ss += x[j] * x[j];
    ss = 1.0f / sqrtf(ss / d + 1e-5f);
    for (int j = 0; j < d; j++) o[j] = w[j] * (ss * x[j]);
}

static void s_softmax(float *x, int n) {
    float mx = x[0], s = 0;
    for (int i = 1; i < n; i++) mx = x[i] > mx ? x[i] : mx;
    for (int i = 0; i < n; i++) s += (x[i] = expf(x[i] - mx));
    for (int i = 0; i < n; i++) x[i] /= s;
}

static float *s_forward(scalar_run *s, int token, int pos, int cap) {
    const gb_config *c = &s->m->cfg;
    const gb_weights *w = &s->m->w;
    int d = c->d_model, dh = c->d_head, H = c->n_heads, kvd = c->n_kv_heads * dh, ff = c->d_ff;
    int group = H / c->n_kv_heads;
    memcpy(s->x, w->embed + (size_t)token * d, (size_t)d * sizeof(float));
    for (int l = 0; l < c->n_layers; l++) {
        const gb_block_w *b = &w->blocks[l];
        s_rmsnorm(s->xb, s->x, b->ln1_w, d);
        float *kr = s->kc + ((size_t)l * cap + pos) * kvd, *vr = s->vc + ((size_t)l * cap + pos) * kvd;
        s_matmul(s->q, s->xb, b->attn.wq, d, d);
        s_matmul(kr, s->xb, b->attn.wk, d, kvd);
        s_matmul(vr, s->xb, b->attn.wv, d, kvd);
        for (int i = 0; i < d; i += 2) {
            float f = 1.0f / powf(10000.0f, (float)(i % dh) / (float)dh), a = pos * f;
            float cs = cosf(a), sn = sinf(a);
            for (int k = 0; k < (i < kvd ? 2 : 1); k++) {
                float *v = k == 0 ? s->q : kr;
                float v0 = v[i], v1 = v[i + 1];
                v[i] = v0 * cs - v1 * sn;
                v[i + 1] = v0 * sn + v1 * cs;
            }
        }
        for (int h = 0; h < H; h++) {
            float *qh = s->q + h * dh, *att = s->att + (size_t)h * cap;
            for (int t = 0; t <= pos; t++) {
                const float *kh = s->kc + ((size_t)l * cap + t) * kvd + (h / group) * dh;
                float sc = 0;
                for (int i = 0; i < dh; i++) sc += qh[i] * kh[i];
                att[t] = sc / sqrtf((float)dh);
            }
            s_softmax(att, pos + 1);
            float *o = s->xb + h * dh;
            memset(o, 0, (size_t)dh * sizeof(float));
            for (int t = 0; t <= pos; t++) {
                const float *vh = s->vc + ((size_t)l * cap + t) * kvd + (h / group) * dh;
                for (int i = 0; i < dh; i++) o[i] += att[t] * vh[i];
            }
        }
        s_matmul(s->xb2, s->xb, b->attn.wo, d, d);
        for (int i = 0; i < d; i++) s->x[i] += s->xb2[i];
        s_rmsnorm(s->xb, s->x, b->ln2_w, d);
        s_matmul(s->hb, s->xb, b->fc1_w, d, ff);
        s_matmul(s->hb2, s->xb, b->fc3_w, d, ff);
        for (int i = 0; i < ff; i++) s->hb[i] = s->hb[i] / (1.0f + expf(-s->hb[i])) * s->hb2[i];
        s_matmul(s->xb, s->hb, b->fc2_w, ff, d);
        for (int i = 0; i < d; i++) s->x[i] += s->xb[i];
    }
    s_rmsnorm(s->x, s->x, w->lnf_w, d);
    s_matmul(s->logits, s->x, w->unembed, d, c->vocab_size);
    return s->logits;
}

static int argmax(const float *v, int n) {
    int best = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[best]) best = i;
    return best;
}

/* Greedy decode of `steps` positions from BOS; returns tokens/s. mode 0: scalar
 * baseline, 1: glassbox recording off, 2: glassbox full recording. The state
 * and the trace are made once and reused across repetitions, as the viewer
 * does, so the timing is the steady state rather than first-touch page faults. */
static double decode_rate(const gb_model *m, gb_state *st, gb_trace *tr, int steps, int mode, int *tokens_out) {
    const gb_config *c = &m->cfg;
    gb_error err = {0};
    int tok = 1;
    if (mode == 0) {
        scalar_run s = {.m = m};
        size_t d = (size_t)c->d_model, kvd = (size_t)c->n_kv_heads * c->d_head;
        s.x = calloc(d, 4), s.xb = calloc(d, 4), s.xb2 = calloc(d, 4), s.q = calloc(d, 4);
        s.hb = calloc((size_t)c->d_ff, 4), s.hb2 = calloc((size_t)c->d_ff, 4);
        s.att = calloc((size_t)c->n_heads * steps, 4), s.logits = calloc((size_t)c->vocab_size, 4);
        s.kc = calloc((size_t)c->n_layers * steps * kvd, 4), s.vc = calloc((size_t)c->n_layers * steps * kvd, 4);
        double t0 = gb_now();
        for (int p = 0; p < steps; p++) {
            if (tokens_out) tokens_out[p] = tok;
            tok = argmax(s_forward(&s, tok, p, steps), c->vocab_size);
        }
        double dt = gb_now() - t0;
        free(s.x), free(s.xb), free(s.xb2), free(s.q), free(s.hb), free(s.hb2), free(s.att);
        free(s.logits), free(s.kc), free(s.vc);
        return steps / dt;
    }
    gb_run_opts o = {.trace = mode == 2 ? tr : NULL};
    double t0 = gb_now();
    for (int p = 0; p < steps; p++) {
        if (tokens_out) tokens_out[p] = tok;
        if (gb_forward_decoder(m, st, &tok, 1, p, &o, &err) != GB_OK) {
            fprintf(stderr, "bench: %s\n", err.msg);
            break;
        }
        tok = argmax(gb_state_logits(st), c->vocab_size);
    }
    return steps / (gb_now() - t0);
}

static int bench_decode_stories(gb_bench *b) {
    const gb_bench_opts *o = gb_bench_options(b);
    char path[1024];
    snprintf(path, sizeof path, "%s/llama2c_stories260K/stories260K.bin", o->data);
    gb_model *m = NULL;
    gb_error err = {0};
    if (gb_model_load(path, &m, &err) != GB_OK) {
        fprintf(stderr, "bench: skipped stories260K decode: %s\n", err.msg);
        return 0;
    }
    int steps = 256, reps = o->quick ? 5 : 15;
    /* the same tokens come out of both implementations */
    int *a = malloc(steps * sizeof *a), *c = malloc(steps * sizeof *c);
    gb_state *st = gb_state_new(m, steps, &err);
    decode_rate(m, st, NULL, steps, 0, a);
    decode_rate(m, st, NULL, steps, 1, c);
    gb_state_free(st);
    int same = memcmp(a, c, steps * sizeof *a) == 0;
    free(a);
    free(c);
    /* the three are measured in turn, round after round, and the best round of
     * each kept: a burst of load on a shared machine then hits all three alike
     * instead of one of them (the overhead ratio is what the target is about) */
    double base = 0, off = 0, on = 0;
    st = gb_state_new(m, steps, &err);
    gb_trace *tr = gb_trace_new("*", steps, &err);
    decode_rate(m, st, tr, steps, 2, NULL); /* the trace's pages are touched once, as in a viewer */
    for (int r = 0; r < reps; r++) {
        base = fmax(base, decode_rate(m, st, tr, steps, 0, NULL));
        off = fmax(off, decode_rate(m, st, tr, steps, 1, NULL));
        on = fmax(on, decode_rate(m, st, tr, steps, 2, NULL));
    }
    gb_trace_free(tr);
    gb_state_free(st);
    gb_bench_report(b, "core", "decode stories260K, 256 steps, recording off", off, "tok/s", true,
                    "scalar run.c-style forward", base, 1.5, same ? "same greedy tokens" : "TOKENS DIFFER");
    gb_bench_report(b, "core", "decode stories260K, 256 steps, full recording", on, "tok/s", true,
                    "scalar run.c-style forward", base, 1.0, NULL);
    gb_bench_report(b, "core", "recording overhead (time on / time off)", off / on, "x", false,
                    "no overhead", 1.0, 1.3, NULL);
    gb_bench_report(b, "core", "decode stories260K, recording off", off, "tok/s", true,
                    "run.c -O3 on the fixture machine (README)", 4400.0, 1.5,
                    "run.c figure from tests/fixtures/llama2c_stories260K/README.md");
    gb_model_free(m);
    return 0;
}

/* sgemm rate on the shapes a GPT-2-small prompt uses: [256,768] x [768,3072]. */
static double sgemm_gflops(int reps) {
    int M = 256, K = 768, N = 3072;
    float *A = gb_alloc((size_t)M * K * 4), *B = gb_alloc((size_t)N * K * 4), *C = gb_alloc((size_t)M * N * 4);
    for (size_t i = 0; i < (size_t)M * K; i++) A[i] = (float)((i * 7) % 13) * 0.01f;
    for (size_t i = 0; i < (size_t)N * K; i++) B[i] = (float)((i * 5) % 11) * 0.01f;
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = gb_now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, A, K, B, K, 0.0f, C, N);
        double dt = gb_now() - t0;
        if (dt < best) best = dt;
    }
    gb_free(A), gb_free(B), gb_free(C);
    return 2.0 * M * N * K / best / 1e9;
}

static int bench_prompt_gpt2_small(gb_bench *b) {
    const gb_bench_opts *o = gb_bench_options(b);
    gb_config c;
    gb_bench_gpt2_small_config(&c);
    gb_model *m = NULL;
    gb_error err = {0};
    if (gb_model_create(&c, &m, &err) != GB_OK) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return 1;
    }
    gb_model_init_random(m, 1234, 0.02f);
    int T = 256, reps = o->quick ? 2 : 5;
    int *ids = malloc(T * sizeof *ids);
    for (int i = 0; i < T; i++) ids[i] = (i * 7919) % c.vocab_size;
    gb_state *st = gb_state_new(m, T, &err);
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = gb_now();
        gb_forward_decoder(m, st, ids, T, 0, NULL, &err);
        double dt = gb_now() - t0;
        if (dt < best) best = dt;
    }
    /* FLOPs: 2 per multiply-add in the projections and MLP, attention QK^T and PV
     * (causal half), and the output head for the last row. */
    double d = c.d_model, per_tok_layer = 2.0 * (4 * d * d + 2 * d * c.d_ff);
    double attn = 2.0 * 2.0 * c.n_layers * d * (T * (T + 1) / 2.0);
    double flops = T * c.n_layers * per_tok_layer + attn + 2.0 * d * c.vocab_size;
    double gf = flops / best / 1e9, sg = sgemm_gflops(reps * 2);
    char note[160];
    snprintf(note, sizeof note, "%.1f ms for 256 tokens", best * 1e3);
    gb_bench_report(b, "core", "prompt 256 tokens, GPT-2-small size", gf, "GFLOP/s", true,
                    "sgemm 256x768x3072 on this machine", sg, 0.5, note);
    /* decode on the same model: recording off and on */
    int steps = o->quick ? 16 : 64;
    gb_state *s2 = gb_state_new(m, steps + 1, &err);
    gb_trace *tr = gb_trace_new("*", steps + 1, &err);
    double rate[2];
    for (int mode = 0; mode < 2; mode++) {
        gb_run_opts ro = {.trace = mode ? tr : NULL};
        int tok = 50256;
        double t0 = gb_now();
        for (int p = 0; p < steps; p++) {
            gb_forward_decoder(m, s2, &tok, 1, p, &ro, &err);
            tok = argmax(gb_state_logits(s2), c.vocab_size);
        }
        rate[mode] = steps / (gb_now() - t0);
    }
    gb_bench_report(b, "core", "decode GPT-2-small size, recording off", rate[0], "tok/s", true, NULL, 0, 0, NULL);
    gb_bench_report(b, "core", "decode GPT-2-small size, full recording", rate[1], "tok/s", true,
                    "recording off", rate[0], 1 / 1.3, NULL);
    gb_trace_free(tr);
    gb_state_free(s2);
    gb_state_free(st);
    free(ids);
    gb_model_free(m);
    return 0;
}

/* GPT-2 small in the viewer: a full recording of a 64-token prompt (time, with
 * as many BLAS threads as asked), and the peak memory of model + a full
 * recording of 256 tokens (every hook, logits included). */
static int bench_gpt2_recording(gb_bench *b) {
    gb_config c;
    gb_bench_gpt2_small_config(&c);
    gb_model *m = NULL;
    gb_error err = {0};
    if (gb_model_create(&c, &m, &err) != GB_OK) return 1;
    gb_model_init_random(m, 99, 0.02f);
    int ids[256];
    for (int i = 0; i < 256; i++) ids[i] = (i * 104729) % c.vocab_size;
    double best = 1e30;
    int reps = gb_bench_options(b)->quick ? 1 : 3;
    for (int r = 0; r < reps; r++) {
        gb_state *st = gb_state_new(m, 64, &err);
        gb_trace *tr = gb_trace_new("*", 64, &err);
        gb_run_opts o = {.trace = tr};
        double t0 = gb_now();
        gb_forward_decoder(m, st, ids, 64, 0, &o, &err);
        double dt = gb_now() - t0;
        if (dt < best) best = dt;
        gb_trace_free(tr);
        gb_state_free(st);
    }
    gb_bench_report(b, "core", "GPT-2 small: first full recording, 64 tokens", best * 1e3, "ms", false,
                    "the 1 s budget", 1000.0, 1.0, "fresh state and trace, every hook and all logits");
    gb_state *st = gb_state_new(m, 256, &err);
    gb_trace *tr = gb_trace_new("*", 256, &err);
    gb_run_opts o = {.trace = tr};
    gb_forward_decoder(m, st, ids, 256, 0, &o, &err);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double peak_mb = (double)ru.ru_maxrss / 1024.0;
    gb_bench_report(b, "core", "GPT-2 small + full recording of 256 tokens: peak memory", peak_mb, "MB", false,
                    "the 1.5 GB budget", 1536.0, 1.0, "peak resident set of the whole bench process so far");
    gb_trace_free(tr);
    gb_state_free(st);
    gb_model_free(m);
    return 0;
}

int gb_bench_core(gb_bench *b) {
    int rc = bench_decode_stories(b);
    rc |= bench_prompt_gpt2_small(b);
    rc |= bench_gpt2_recording(b);
    return rc;
}
