/* test_reference.c - the forward pass against reference activations computed
 * by independent programs (PyTorch in float64, llama2.c's run.c): every case of
 * each fixture's reference_forward.json, through a full pass AND token by token
 * with the KV cache. Tolerances: attention probabilities 1e-5, logits, hidden
 * states and final norm 1e-4, softmax probabilities 1e-5. */
#include "gbtest.h"

#include <jansson.h>
#include <math.h>

#include "glassbox/forward.h"
#include "glassbox/model.h"
#include "glassbox/trace.h"

/* Flatten a {"shape": [...], "data": nested lists} object into floats. */
static void flatten(const json_t *j, float *out, size_t *n) {
    if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) flatten(v, out, n);
    } else {
        out[(*n)++] = (float)json_number_value(j);
    }
}

static float *ref_array(const json_t *c, const char *key, size_t *count, int64_t shape[4], int *ndim) {
    json_t *a = json_object_get(c, key);
    assert_non_null(a);
    json_t *sh = json_object_get(a, "shape");
    size_t total = 1;
    *ndim = (int)json_array_size(sh);
    for (int i = 0; i < *ndim; i++) {
        shape[i] = json_integer_value(json_array_get(sh, (size_t)i));
        total *= (size_t)shape[i];
    }
    float *buf = malloc(total * sizeof *buf);
    size_t n = 0;
    flatten(json_object_get(a, "data"), buf, &n);
    assert_int_equal(n, total);
    *count = total;
    return buf;
}

typedef struct worst {
    double attn, logits, hidden, probs;
} worst;

static void upd(double *w, double d) {
    if (!(d <= *w)) *w = d;
}

/* Compare one trace against the reference case. */
static void compare(const gb_model *m, const gb_trace *tr, const json_t *c, worst *w) {
    const gb_config *cfg = &m->cfg;
    size_t cnt;
    int64_t sh[4];
    int nd;
    float *attn = ref_array(c, "attn_probs", &cnt, sh, &nd); /* [L][H][T][T] */
    int T = (int)sh[2];
    for (int l = 0; l < cfg->n_layers; l++) {
        char name[64];
        snprintf(name, sizeof name, "blocks.%d.attn.hook_pattern", l);
        const gb_tensor *p = gb_trace_find(tr, name);
        assert_non_null(p);
        assert_int_equal(p->shape[1], T);
        for (int h = 0; h < cfg->n_heads; h++)
            for (int i = 0; i < T; i++)
                for (int j = 0; j < T; j++)
                    upd(&w->attn, fabs(gb_tensor_at3(p, h, i, j) -
                                       attn[(((size_t)l * cfg->n_heads + h) * T + i) * T + j]));
    }
    free(attn);
    float *lg = ref_array(c, "logits", &cnt, sh, &nd);
    const gb_tensor *t = gb_trace_find(tr, "logits");
    assert_non_null(t);
    int V = cfg->vocab_size;
    float *mine = malloc((size_t)T * V * sizeof *mine);
    gb_tensor_copy_contiguous(t, mine);
    upd(&w->logits, gbt_max_abs_diff(mine, lg, (size_t)T * V));
    float *pr = ref_array(c, "probs_temperature_1", &cnt, sh, &nd);
    for (int i = 0; i < T; i++) { /* softmax of our logits, in double */
        float *row = mine + (size_t)i * V;
        double mx = row[0], s = 0;
        for (int v = 1; v < V; v++) mx = row[v] > mx ? row[v] : mx;
        for (int v = 0; v < V; v++) s += exp(row[v] - mx);
        for (int v = 0; v < V; v++) upd(&w->probs, fabs(exp(row[v] - mx) / s - pr[(size_t)i * V + v]));
    }
    free(pr);
    free(lg);
    free(mine);
    float *hs = ref_array(c, "hidden_states", &cnt, sh, &nd); /* [L+1][T][d] */
    int d = cfg->d_model;
    for (int l = 0; l <= cfg->n_layers; l++) {
        char name[64];
        if (l == 0) snprintf(name, sizeof name, "blocks.0.hook_resid_pre");
        else snprintf(name, sizeof name, "blocks.%d.hook_resid_post", l - 1);
        const gb_tensor *r = gb_trace_find(tr, name);
        assert_non_null(r);
        for (int i = 0; i < T; i++)
            for (int j = 0; j < d; j++)
                upd(&w->hidden, fabs(gb_tensor_at2(r, i, j) - hs[((size_t)l * T + i) * d + j]));
    }
    free(hs);
    float *fn = ref_array(c, "final_norm_out", &cnt, sh, &nd);
    const gb_tensor *f = gb_trace_find(tr, "ln_final.hook_normalized");
    assert_non_null(f);
    for (int i = 0; i < T; i++)
        for (int j = 0; j < d; j++) upd(&w->hidden, fabs(gb_tensor_at2(f, i, j) - fn[(size_t)i * d + j]));
    free(fn);
}

static void run_fixture(const char *model_rel, const char *ref_rel) {
    gb_error err = {0};
    gb_model *m = NULL;
    gbt_assert_ok(gb_model_load(gbt_fixture(model_rel), &m, &err), &err);
    json_error_t je;
    json_t *root = json_load_file(gbt_fixture(ref_rel), 0, &je);
    if (!root) fail_msg("%s: %s", ref_rel, je.text);
    json_t *cases = json_object_get(root, "cases");
    size_t ci;
    json_t *c;
    json_array_foreach(cases, ci, c) {
        json_t *ids_j = json_object_get(c, "input_ids");
        int T = (int)json_array_size(ids_j);
        int *ids = malloc((size_t)T * sizeof *ids);
        for (int i = 0; i < T; i++) ids[i] = (int)json_integer_value(json_array_get(ids_j, (size_t)i));
        for (int mode = 0; mode < 2; mode++) { /* 0: one pass, 1: token by token */
            gb_trace *tr = gb_trace_new("*", T, &err);
            gb_state *st = gb_state_new(m, T, &err);
            gb_run_opts o = {.trace = tr};
            if (mode == 0) gbt_assert_ok(gb_forward_decoder(m, st, ids, T, 0, &o, &err), &err);
            else
                for (int p = 0; p < T; p++) gbt_assert_ok(gb_forward_decoder(m, st, &ids[p], 1, p, &o, &err), &err);
            worst w = {0};
            compare(m, tr, c, &w);
            printf("  %-28s %-13s attn %.2g (1e-5)  logits %.2g (1e-4)  hidden %.2g (1e-4)  probs %.2g (1e-5)\n",
                   json_string_value(json_object_get(c, "name")), mode ? "token-by-token" : "one pass", w.attn,
                   w.logits, w.hidden, w.probs);
            assert_true(w.attn <= 1e-5);
            assert_true(w.logits <= 1e-4);
            assert_true(w.hidden <= 1e-4);
            assert_true(w.probs <= 1e-5);
            gb_state_free(st);
            gb_trace_free(tr);
        }
        free(ids);
    }
    json_decref(root);
    gb_model_free(m);
}

/* Hugging Face GPT-2 layout (Conv1D weights, learned positions, GELU-tanh). */
static void test_gpt2_tiny_random(void **state) {
    (void)state;
    run_fixture("gpt2_tiny_random", "gpt2_tiny_random/reference_forward.json");
}

/* llama2.c checkpoint with an unshared classifier and grouped-query attention. */
static void test_llama2c_tiny_random(void **state) {
    (void)state;
    run_fixture("llama2c_tiny_random/tiny_llama2c.bin", "llama2c_tiny_random/reference_forward.json");
}

/* The real stories260K checkpoint (shared classifier, 5 layers, GQA). */
static void test_llama2c_stories260k(void **state) {
    (void)state;
    run_fixture("llama2c_stories260K/stories260K.bin", "llama2c_stories260K/reference_forward.json");
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gpt2_tiny_random),
        cmocka_unit_test(test_llama2c_tiny_random),
        cmocka_unit_test(test_llama2c_stories260k),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
