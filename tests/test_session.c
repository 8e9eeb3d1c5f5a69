/* test_session.c - generation sessions: cached re-sampling, rewind, branches,
 * replay, stop tokens, comparison and the refusal of impossible requests. */
#include "gbtest.h"

#include <math.h>

#include <jansson.h>

#include "glassbox/forward.h"
#include "glassbox/model.h"
#include "glassbox/safetensors.h"
#include "glassbox/session.h"

#define V 50

/* A small random decoder with peaky enough logits to make sampling interesting. */
static gb_model *make_model(gb_arch arch) {
    gb_config c;
    gb_config_defaults(&c, arch);
    c.vocab_size = V;
    c.d_model = 32;
    c.n_layers = 2;
    c.n_enc_layers = 1;
    c.n_heads = 4;
    c.n_kv_heads = 4;
    c.d_head = 8;
    c.d_ff = 48;
    c.max_seq = 48;
    c.pos = GB_POS_LEARNED;
    c.n_classes = 2;
    gb_model *m = NULL;
    gb_error err = {0};
    gbt_assert_ok(gb_model_create(&c, &m, &err), &err);
    gb_model_init_random(m, 1234, 0.4f);
    return m;
}

static int setup(void **state) {
    *state = make_model(GB_ARCH_DECODER);
    return 0;
}
static int teardown(void **state) {
    gb_model_free(*state);
    return 0;
}

static const int PROMPT[4] = {1, 7, 21, 3};

static gb_session_opts opts(int max_new, uint64_t seed, gb_sampler_settings set) {
    gb_session_opts o = gb_session_defaults();
    o.prompt = PROMPT;
    o.n_prompt = 4;
    o.max_new_tokens = max_new;
    o.seed = seed;
    o.settings = set;
    return o;
}

static gb_session *new_session(const gb_model *m, gb_session_opts o) {
    gb_session *s = NULL;
    gb_error err = {0};
    gbt_assert_ok(gb_session_new(m, &o, &s, &err), &err);
    return s;
}

static const gb_sampler_settings RANDOM = {1.0, 0, 1.0}, GREEDY = {0.0, 0, 1.0},
                                 TOPK = {0.8, 5, 1.0}, TOPP = {1.3, 0, 0.8};

/* Each step costs exactly one forward pass, and changing the settings re-samples
 * the current step from its cached logits with none. */
static void resample_needs_no_forward_pass(void **state) {
    gb_model *m = *state;
    gb_error err = {0};
    gb_session *s = new_session(m, opts(20, 5, RANDOM));
    for (int i = 0; i < 6; i++) gbt_assert_ok(gb_session_step(s, &err), &err);
    assert_int_equal(gb_session_forward_count(s), 6);
    const gb_sampler_settings tries[4] = {GREEDY, TOPK, TOPP, {0.5, 2, 0.5}};
    int tip = gb_session_branch_info(s, 0)->tip;
    gb_sample_record rec;
    gbt_assert_ok(gb_sample_record_init(&rec, V, &err), &err);
    for (int k = 0; k < 20; k++) {
        gbt_assert_ok(gb_session_resample(s, &tries[k % 4], &err), &err);
        const gb_session_node *nd = gb_session_node_at(s, tip);
        /* the same decision as the sampler on those logits with the same draw */
        gbt_assert_ok(gb_sample(&rec, nd->logits, &tries[k % 4], nd->draw, &err), &err);
        assert_int_equal(nd->token, rec.chosen);
        assert_int_equal(nd->n_resamples, k + 1);
    }
    assert_int_equal(gb_session_forward_count(s), 6); /* no forward pass for any re-sample */
    gbt_assert_ok(gb_session_step(s, &err), &err);
    assert_int_equal(gb_session_forward_count(s), 7);
    gb_sample_record_free(&rec);
    gb_session_free(s);
}

/* The log-probability of each chosen token equals log softmax of a fresh full
 * pass over the whole sequence (the cache is right, also after rewinds). */
static void logprobs_match_full_recompute(void **state) {
    gb_model *m = *state;
    gb_error err = {0};
    gb_session *s = new_session(m, opts(16, 9, TOPP));
    gbt_assert_ok(gb_session_run(s, &err), &err);
    gbt_assert_ok(gb_session_rewind(s, 7, &err), &err);
    gbt_assert_ok(gb_session_set_settings(s, &RANDOM, &err), &err);
    gbt_assert_ok(gb_session_run(s, &err), &err);
    int nodes[16], n = gb_session_path(s, 0, nodes, 16), seq[32];
    assert_int_equal(n, 16);
    memcpy(seq, PROMPT, sizeof PROMPT);
    double worst = 0, total = 0;
    for (int i = 0; i < n; i++) {
        const gb_session_node *nd = gb_session_node_at(s, nodes[i]);
        gb_state *fresh = gb_state_new(m, 32, &err);
        gbt_assert_ok(gb_forward_decoder(m, fresh, seq, 4 + i, 0, NULL, &err), &err);
        const float *lg = gb_state_logits(fresh);
        double mx = lg[0], z = 0;
        for (int j = 1; j < V; j++) mx = lg[j] > mx ? lg[j] : mx;
        for (int j = 0; j < V; j++) z += exp(lg[j] - mx);
        double lp = lg[nd->token] - mx - log(z);
        worst = fmax(worst, fabs(lp - nd->logprob_t1));
        total += lp;
        gb_state_free(fresh);
        seq[4 + i] = nd->token;
    }
    printf("  log-probabilities vs full recompute: max |diff| = %.3g (tolerance 1e-4)\n", worst);
    assert_true(worst < 1e-4);
    assert_true(fabs(total - gb_session_node_at(s, nodes[n - 1])->total_logprob_t1) < 1e-3);
    gb_session_free(s);
}

/* Replay: a fresh session given each step's recorded settings reproduces the
 * tokens, however many re-samples the first one did along the way. */
static void replay_from_seed_and_recorded_settings(void **state) {
    gb_model *m = *state;
    gb_error err = {0};
    gb_session *a = new_session(m, opts(24, 77, RANDOM));
    for (int i = 0; i < 24; i++) {
        if (i == 3) gbt_assert_ok(gb_session_set_settings(a, &TOPK, &err), &err);
        gbt_assert_ok(gb_session_step(a, &err), &err);
        if (i == 5 || i == 11) { /* fiddle, then settle on something */
            gbt_assert_ok(gb_session_resample(a, &GREEDY, &err), &err);
            gbt_assert_ok(gb_session_resample(a, &TOPK, &err), &err);
            gbt_assert_ok(gb_session_resample(a, i == 5 ? &TOPP : &RANDOM, &err), &err);
        }
    }
    int na[24], nb[24];
    assert_int_equal(gb_session_path(a, 0, na, 24), 24);
    gb_session *b = new_session(m, opts(24, 77, RANDOM));
    for (int i = 0; i < 24; i++) {
        gbt_assert_ok(gb_session_set_settings(b, &gb_session_node_at(a, na[i])->settings, &err), &err);
        gbt_assert_ok(gb_session_step(b, &err), &err);
    }
    gb_session_path(b, 0, nb, 24);
    for (int i = 0; i < 24; i++) {
        assert_int_equal(gb_session_node_at(a, na[i])->token, gb_session_node_at(b, nb[i])->token);
        assert_true(gb_session_node_at(a, na[i])->draw == gb_session_node_at(b, nb[i])->draw);
    }
    /* same seed and settings twice: same tokens; another seed: different ones */
    int t1[24], t2[24], t3[24];
    gb_session *c = new_session(m, opts(24, 77, RANDOM)), *d = new_session(m, opts(24, 77, RANDOM)),
               *e = new_session(m, opts(24, 78, RANDOM));
    gbt_assert_ok(gb_session_run(c, &err), &err);
    gbt_assert_ok(gb_session_run(d, &err), &err);
    gbt_assert_ok(gb_session_run(e, &err), &err);
    gb_session_tokens(c, false, t1, 24);
    gb_session_tokens(d, false, t2, 24);
    gb_session_tokens(e, false, t3, 24);
    assert_memory_equal(t1, t2, sizeof t1);
    assert_memory_not_equal(t1, t3, sizeof t1);
    gb_session_free(a);
    gb_session_free(b);
    gb_session_free(c);
    gb_session_free(d);
    gb_session_free(e);
}

/* Rewind keeps a prefix; stepping on with the same settings regrows the same tokens. */
static void rewind_then_regrow(void **state) {
    gb_model *m = *state;
    gb_error err = {0};
    gb_session *s = new_session(m, opts(12, 3, RANDOM));
    gbt_assert_ok(gb_session_run(s, &err), &err);
    int before[12], after[12];
    assert_int_equal(gb_session_tokens(s, false, before, 12), 12);
    gbt_assert_ok(gb_session_rewind(s, 5, &err), &err);
    assert_int_equal(gb_session_tokens(s, false, after, 12), 5);
    assert_memory_equal(before, after, 5 * sizeof(int));
    assert_false(gb_session_done(s));
    gbt_assert_ok(gb_session_run(s, &err), &err);
    assert_int_equal(gb_session_tokens(s, false, after, 12), 12);
    assert_memory_equal(before, after, sizeof before);
    assert_int_equal(gb_session_rewind(s, 13, &err), GB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "rewind"));
    gb_session_free(s);
}

/* Branching forks a new continuation (first step without a forward pass), keeps
 * the old one, and each branch carries its total log-probability. */
static void branches_form_a_tree(void **state) {
    gb_model *m = *state;
    gb_error err = {0};
    gb_session *s = new_session(m, opts(10, 11, RANDOM));
    gbt_assert_ok(gb_session_run(s, &err), &err);
    int main_tokens[10], br_tokens[10], again[10];
    gb_session_tokens(s, false, main_tokens, 10);
    int b = -1;
    gbt_assert_ok(gb_session_branch(s, 4, &b, &err), &err);
    assert_int_equal(b, 1);
    uint64_t fc = gb_session_forward_count(s);
    gbt_assert_ok(gb_session_step(s, &err), &err);
    assert_int_equal(gb_session_forward_count(s), fc); /* logits reused from the old continuation */
    gbt_assert_ok(gb_session_run(s, &err), &err);
    assert_int_equal(gb_session_tokens(s, false, br_tokens, 10), 10);
    assert_memory_equal(main_tokens, br_tokens, 4 * sizeof(int));
    assert_memory_not_equal(main_tokens, br_tokens, sizeof main_tokens); /* new draws after the fork */
    const gb_branch_info *bi = gb_session_branch_info(s, 1);
    assert_int_equal(bi->parent_branch, 0);
    assert_int_equal(bi->fork_depth, 4);
    /* totals: the sum of the path's log-probabilities */
    for (int k = 0; k < 2; k++) {
        int nodes[10], n = gb_session_path(s, k, nodes, 10);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += gb_session_node_at(s, nodes[i])->logprob_t1;
        const gb_session_node *tip = gb_session_node_at(s, gb_session_branch_info(s, k)->tip);
        assert_true(fabs(sum - tip->total_logprob_t1) < 1e-9);
        printf("  branch %d: total log-probability %.4f over %d tokens\n", k, tip->total_logprob_t1, n);
    }
    gbt_assert_ok(gb_session_checkout(s, 0, &err), &err);
    gb_session_tokens(s, false, again, 10);
    assert_memory_equal(main_tokens, again, sizeof again); /* the old continuation is intact */
    /* rewinding branch 0 below the fork erases branch 1 */
    gbt_assert_ok(gb_session_rewind(s, 2, &err), &err);
    assert_false(gb_session_branch_info(s, 1)->alive);
    assert_int_equal(gb_session_checkout(s, 1, &err), GB_ERR_INPUT);
    printf("  refused: %s\n", err.msg);
    gb_error_clear(&err);
    /* a branch may not rewind below its fork */
    gbt_assert_ok(gb_session_branch(s, 1, &b, &err), &err);
    assert_int_equal(gb_session_rewind(s, 0, &err), GB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "forked"));
    gb_session_free(s);
}

/* A stop token ends the path; it is recorded but can be left out of the text. */
static void stop_token_ends_generation(void **state) {
    gb_model *m = *state;
    gb_error err = {0};
    gb_session *g = new_session(m, opts(10, 1, GREEDY));
    gbt_assert_ok(gb_session_run(g, &err), &err);
    int toks[10];
    gb_session_tokens(g, false, toks, 10);
    int k = 0; /* stop at the first greedy token that did not appear earlier */
    for (int i = 1; i < 10 && !k; i++) {
        int seen = 0;
        for (int j = 0; j < i; j++) seen |= toks[j] == toks[i];
        if (!seen) k = i;
    }
    assert_true(k > 0);
    gb_session_opts o = opts(10, 1, GREEDY);
    o.stop_ids[0] = toks[k];
    o.n_stop = 1;
    gb_session *s = new_session(m, o);
    gbt_assert_ok(gb_session_run(s, &err), &err);
    assert_true(gb_session_done(s));
    assert_int_equal(gb_session_tokens(s, false, NULL, 0), k + 1);
    assert_int_equal(gb_session_tokens(s, true, NULL, 0), k);
    assert_non_null(strstr(gb_session_done_reason(s), "stop token"));
    assert_int_equal(gb_session_step(s, &err), GB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "finished"));
    gb_session_free(g);
    gb_session_free(s);
}

/* A step's full record (every stage) is recomputed from the cache and agrees. */
static void step_record_reproduces_the_step(void **state) {
    gb_model *m = *state;
    gb_error err = {0};
    gb_session *s = new_session(m, opts(5, 21, TOPP));
    gbt_assert_ok(gb_session_run(s, &err), &err);
    gb_sample_record rec;
    gbt_assert_ok(gb_sample_record_init(&rec, V, &err), &err);
    int nodes[5];
    gb_session_path(s, 0, nodes, 5);
    for (int i = 0; i < 5; i++) {
        const gb_session_node *nd = gb_session_node_at(s, nodes[i]);
        gbt_assert_ok(gb_session_record(s, nodes[i], &rec, &err), &err);
        assert_int_equal(rec.chosen, nd->token);
        assert_true(rec.settings.top_p == 0.8 && rec.draw == nd->draw);
        assert_true(rec.mass_topp >= 0.8);
    }
    gb_sample_record_free(&rec);
    gb_session_free(s);
}

/* The comparison runs each strategy like a session would, reproducibly. */
static void compare_strategies(void **state) {
    gb_model *m = *state;
    gb_error err = {0};
    gb_sampler_settings st[4];
    int n = gb_compare_default_strategies(st);
    assert_int_equal(n, 4);
    gb_compare_result r1[4], r2[4];
    gb_session_opts o = opts(12, 5, RANDOM);
    gbt_assert_ok(gb_compare_run(m, &o, st, n, r1, &err), &err);
    gbt_assert_ok(gb_compare_run(m, &o, st, n, r2, &err), &err);
    for (int i = 0; i < n; i++) {
        assert_int_equal(r1[i].n_tokens, 12);
        assert_memory_equal(r1[i].tokens, r2[i].tokens, 12 * sizeof(int));
        o.settings = st[i];
        gb_session *s = new_session(m, o);
        gbt_assert_ok(gb_session_run(s, &err), &err);
        int t[12];
        gb_session_tokens(s, false, t, 12);
        assert_memory_equal(t, r1[i].tokens, sizeof t);
        gb_session_free(s);
    }
    assert_true(r1[0].mean_entropy_final == 0.0 && r1[0].mean_kept == 1.0); /* greedy */
    assert_true(r1[3].mean_entropy_final > r1[1].mean_entropy_final);       /* T 1.5 vs top-k 40 */
    gb_compare_free(r1, n);
    gb_compare_free(r2, n);
}

/* The saved record holds every stage of every step, and replaying it from the
 * seed and the recorded per-step settings gives the same tokens. */
static void saved_record_replays(void **state) {
    gb_model *m = *state;
    gb_error err = {0};
    gb_session *s = new_session(m, opts(8, 31, TOPK));
    for (int i = 0; i < 8; i++) {
        gbt_assert_ok(gb_session_set_settings(s, i < 4 ? &TOPK : &TOPP, &err), &err);
        gbt_assert_ok(gb_session_step(s, &err), &err);
    }
    gbt_assert_ok(gb_session_resample(s, &RANDOM, &err), &err);
    const char *path = gbt_tmp("session.safetensors");
    gbt_assert_ok(gb_session_save(s, path, "{\"prompt_text\": \"hi\"}", &err), &err);
    gb_st_file f;
    gbt_assert_ok(gb_st_open(path, &f, &err), &err);
    const gb_st_tensor *tok = gb_st_find(&f, "steps.token"), *fin = gb_st_find(&f, "steps.probs_final");
    assert_non_null(tok);
    assert_non_null(fin);
    assert_int_equal(fin->shape[0], 8);
    assert_int_equal(fin->shape[1], V);
    float toks[8], probs[8 * V];
    gbt_assert_ok(gb_st_read_f32(&f, tok, toks, &err), &err);
    gbt_assert_ok(gb_st_read_f32(&f, fin, probs, &err), &err);
    int ids[8];
    gb_session_tokens(s, false, ids, 8);
    double worst = 0;
    for (int k = 0; k < 8; k++) {
        assert_int_equal((int)toks[k], ids[k]);
        double sum = 0;
        for (int j = 0; j < V; j++) sum += probs[k * V + j];
        worst = fmax(worst, fabs(sum - 1));
        assert_true(probs[k * V + ids[k]] > 0);
    }
    printf("  saved final distributions: max |sum - 1| = %.3g (tolerance 1e-5)\n", worst);
    assert_true(worst < 1e-5);
    json_t *meta = json_loads(gb_st_meta_get(&f, "glassbox.session"), 0, NULL);
    assert_non_null(meta);
    assert_string_equal(json_string_value(json_object_get(json_object_get(meta, "extra"), "prompt_text")), "hi");
    json_t *steps = json_object_get(meta, "steps");
    assert_int_equal(json_array_size(steps), 8);
    gb_session_opts o = opts(8, (uint64_t)json_integer_value(json_object_get(meta, "seed")), RANDOM);
    gb_session *r = new_session(m, o);
    for (size_t k = 0; k < 8; k++) {
        json_t *st = json_object_get(json_array_get(steps, k), "settings");
        gb_sampler_settings set = {json_real_value(json_object_get(st, "temperature")),
                                   (int)json_integer_value(json_object_get(st, "top_k")),
                                   json_real_value(json_object_get(st, "top_p"))};
        gbt_assert_ok(gb_session_set_settings(r, &set, &err), &err);
        gbt_assert_ok(gb_session_step(r, &err), &err);
        assert_true(json_real_value(json_object_get(json_array_get(steps, k), "draw")) ==
                    gb_session_node_at(r, (int)k)->draw);
    }
    int replay[8];
    gb_session_tokens(r, false, replay, 8);
    assert_memory_equal(ids, replay, sizeof ids);
    json_decref(meta);
    gb_st_close(&f);
    gb_session_free(r);
    gb_session_free(s);
}

/* The largest difference between a step's recorded attention rows and the
 * last query row of a fresh full pass over the step's prefix. */
static double attention_vs_fresh(const gb_model *m, const gb_session *s, int node) {
    int L, H, T;
    const float *a = gb_session_attention(s, node, &L, &H, &T);
    assert_non_null(a);
    assert_int_equal(L, m->cfg.n_layers);
    assert_int_equal(H, m->cfg.n_heads);
    int path[48], seq[64];
    const gb_session_node *nd = gb_session_node_at(s, node);
    assert_int_equal(T, 4 + nd->depth);
    int k = nd->depth;
    for (int i = k - 1, at = nd->parent; i >= 0; i--, at = gb_session_node_at(s, at)->parent) path[i] = at;
    memcpy(seq, PROMPT, sizeof PROMPT);
    for (int i = 0; i < k; i++) seq[4 + i] = gb_session_node_at(s, path[i])->token;
    gb_error err = {0};
    gb_trace *tr = gb_trace_new("blocks.*.attn.hook_pattern", T, &err);
    gb_state *st = gb_state_new(m, T, &err);
    assert_non_null(tr);
    assert_non_null(st);
    gbt_assert_ok(gb_forward_decoder(m, st, seq, T, 0, &(gb_run_opts){.trace = tr}, &err), &err);
    double worst = 0;
    for (int l = 0; l < L; l++) {
        char name[64];
        snprintf(name, sizeof name, "blocks.%d.attn.hook_pattern", l);
        const gb_tensor *t = gb_trace_find(tr, name);
        assert_non_null(t);
        for (int h = 0; h < H; h++) {
            double sum = 0;
            for (int j = 0; j < T; j++) {
                float x = a[((size_t)l * H + h) * T + j];
                worst = fmax(worst, fabs(x - gb_tensor_at3(t, h, T - 1, j)));
                sum += x;
            }
            assert_true(fabs(sum - 1) < 1e-5);
        }
    }
    gb_trace_free(tr);
    gb_state_free(st);
    return worst;
}

/* With record_attention, every step keeps what its predicting position
 * attended to: equal to a fresh pass over its prefix (after rewinds, branches
 * that reuse cached logits, re-samples), at no extra forward pass. */
static void attention_rows_match_fresh_pass(void **state) {
    gb_model *m = *state;
    gb_error err = {0};
    gb_session_opts o = opts(10, 13, RANDOM);
    o.record_attention = true;
    gb_session *s = new_session(m, o), *plain = new_session(m, opts(10, 13, RANDOM));
    gbt_assert_ok(gb_session_run(s, &err), &err);
    gbt_assert_ok(gb_session_run(plain, &err), &err);
    assert_int_equal(gb_session_forward_count(s), gb_session_forward_count(plain));
    assert_null(gb_session_attention(plain, 0, NULL, NULL, NULL));
    gbt_assert_ok(gb_session_rewind(s, 6, &err), &err);
    gbt_assert_ok(gb_session_run(s, &err), &err);
    gbt_assert_ok(gb_session_branch(s, 3, NULL, &err), &err);
    gbt_assert_ok(gb_session_run(s, &err), &err);
    gbt_assert_ok(gb_session_resample(s, &TOPK, &err), &err);
    double worst = 0;
    int checked = 0;
    for (int i = 0; i < gb_session_n_nodes(s); i++)
        if (gb_session_node_at(s, i)->alive) worst = fmax(worst, attention_vs_fresh(m, s, i)), checked++;
    printf("  attention of %d steps vs a fresh pass: max |diff| = %.3g (tolerance 1e-5)\n", checked, worst);
    assert_true(checked >= 17);
    assert_true(worst < 1e-5);
    gb_session_free(s);
    gb_session_free(plain);
}

/* The log-probability of a path, summed by hand from the recorded distributions. */
static double path_logprob_by_hand(const gb_session *s, int branch, double *final_sum) {
    int nodes[48], n = gb_session_path(s, branch, nodes, 48);
    gb_sample_record rec;
    gb_error err = {0};
    gbt_assert_ok(gb_sample_record_init(&rec, V, &err), &err);
    double sum = 0;
    *final_sum = 0;
    for (int i = 0; i < n; i++) {
        const gb_session_node *nd = gb_session_node_at(s, nodes[i]);
        gbt_assert_ok(gb_session_record(s, nodes[i], &rec, &err), &err);
        assert_int_equal(rec.chosen, nd->token);
        sum += log(rec.probs_t1[nd->token]);
        *final_sum += log(rec.probs_final[nd->token]); /* -inf if the settings cut it */
    }
    gb_sample_record_free(&rec);
    return sum;
}

/* A branch with another token: the step takes the token by hand (forced, no
 * forward pass: the logits are cached), generation goes on from it, the path's
 * log-probability is the sum of the recorded distributions' values, and
 * save/load replays the forced branch exactly. */
static void forced_branch(void **state) {
    gb_model *m = *state;
    gb_error err = {0};
    gb_session_opts o = opts(9, 17, TOPK);
    o.record_attention = true;
    gb_session *s = new_session(m, o);
    gbt_assert_ok(gb_session_run(s, &err), &err);
    int path[9];
    gb_session_path(s, 0, path, 9);
    gb_sample_record rec;
    gbt_assert_ok(gb_sample_record_init(&rec, V, &err), &err);
    gbt_assert_ok(gb_session_record(s, path[3], &rec, &err), &err);
    int inside = rec.kept_ids[rec.n_kept - 1] == rec.chosen ? rec.kept_ids[0] : rec.kept_ids[rec.n_kept - 1], outside = -1;
    for (int t = 0; t < V && outside < 0; t++) outside = rec.probs_final[t] == 0 ? t : -1;
    assert_true(inside != rec.chosen && outside >= 0);
    /* refused: a token outside the vocabulary; no branch is left behind */
    assert_int_equal(gb_session_branch_with(s, 3, V, NULL, &err), GB_ERR_INPUT);
    printf("  refused: %s\n", err.msg);
    gb_error_clear(&err);
    assert_int_equal(gb_session_n_branches(s), 1);
    assert_int_equal(gb_session_current_branch(s), 0);
    uint64_t fc = gb_session_forward_count(s);
    int b1 = -1, b2 = -1;
    gbt_assert_ok(gb_session_branch_with(s, 3, inside, &b1, &err), &err);
    assert_int_equal(gb_session_forward_count(s), fc); /* the cached logits of step 3 */
    const gb_session_node *f = gb_session_node_at(s, gb_session_branch_info(s, b1)->tip);
    assert_true(f->forced);
    assert_int_equal(f->token, inside);
    assert_int_equal(f->depth, 3);
    assert_true(fabs(f->logprob_t1 - log(rec.probs_t1[inside])) < 1e-5);
    gbt_assert_ok(gb_session_run(s, &err), &err);
    assert_int_equal(gb_session_forward_count(s), fc + 5); /* steps 4..8 of the new path */
    gbt_assert_ok(gb_session_checkout(s, 0, &err), &err);
    gbt_assert_ok(gb_session_branch_with(s, 3, outside, &b2, &err), &err); /* cut by top-k: the sampler says -inf */
    gbt_assert_ok(gb_session_run(s, &err), &err);
    for (int b = 0; b < 3; b++) {
        double fin, by_hand = path_logprob_by_hand(s, b, &fin);
        const gb_session_node *tip = gb_session_node_at(s, gb_session_branch_info(s, b)->tip);
        printf("  branch %d: log p %.5f (by hand %.5f), sampler %.4f\n", b, tip->total_logprob_t1, by_hand,
               tip->total_logprob_final);
        assert_true(fabs(by_hand - tip->total_logprob_t1) < 1e-4);
        assert_true(b == 2 ? isinf(tip->total_logprob_final) : fabs(fin - tip->total_logprob_final) < 1e-4);
    }
    /* save and load: format 2, the forced steps forced again, the same tree */
    const char *file = gbt_tmp("forced.safetensors");
    gbt_assert_ok(gb_session_save(s, file, NULL, &err), &err);
    gb_st_file sf;
    gbt_assert_ok(gb_st_open(file, &sf, &err), &err);
    json_t *meta = json_loads(gb_st_meta_get(&sf, "glassbox.session"), 0, NULL);
    assert_int_equal(json_integer_value(json_object_get(meta, "format")), 2);
    assert_non_null(gb_st_find(&sf, "steps.forced"));
    json_decref(meta);
    gb_st_close(&sf);
    gb_session *r = NULL;
    gbt_assert_ok(gb_session_load(m, file, &r, NULL, &err), &err);
    assert_int_equal(gb_session_n_branches(r), 3);
    for (int b = 0; b < 3; b++) {
        int p1[9], p2[9], n1 = gb_session_path(s, b, p1, 9), n2 = gb_session_path(r, b, p2, 9);
        assert_int_equal(n1, n2);
        for (int i = 0; i < n1; i++) {
            const gb_session_node *x = gb_session_node_at(s, p1[i]), *y = gb_session_node_at(r, p2[i]);
            assert_int_equal(x->token, y->token);
            assert_int_equal(x->forced, y->forced);
            assert_true(x->total_logprob_t1 == y->total_logprob_t1);
        }
        assert_true(attention_vs_fresh(m, r, p2[n2 - 1]) < 1e-5); /* the replay recorded attention */
    }
    /* re-sampling a forced tip keeps its token and takes the new settings */
    gbt_assert_ok(gb_session_rewind(r, 4, &err), &err);
    gbt_assert_ok(gb_session_resample(r, &GREEDY, &err), &err);
    const gb_session_node *ft = gb_session_node_at(r, gb_session_branch_info(r, gb_session_current_branch(r))->tip);
    assert_true(ft->forced && ft->token == outside && ft->settings.temperature == 0);
    gb_sample_record_free(&rec);
    gb_session_free(r);
    gb_session_free(s);
}

static void expect_refused(const gb_model *m, gb_session_opts o, const char *a, const char *b) {
    gb_session *s = NULL;
    gb_error err = {0};
    assert_int_equal(gb_session_new(m, &o, &s, &err), GB_ERR_INPUT);
    assert_null(s);
    printf("  refused: %s\n", err.msg);
    if (!strstr(err.msg, a) || !strstr(err.msg, b)) fail_msg("'%s' should mention '%s' and '%s'", err.msg, a, b);
}

/* Impossible requests are refused, naming the setting and the allowed range. */
static void impossible_requests_refused(void **state) {
    gb_model *m = *state; /* context 48, prompt 4: at most 45 new tokens */
    expect_refused(m, opts(46, 1, RANDOM), "max-new-tokens", "[1, 45]");
    expect_refused(m, opts(0, 1, RANDOM), "max-new-tokens", "[1, 45]");
    int long_prompt[60] = {0};
    gb_session_opts o = opts(1, 1, RANDOM);
    o.prompt = long_prompt;
    o.n_prompt = 60;
    expect_refused(m, o, "prompt", "context window of 48");
    int bad_id[2] = {1, V};
    o.prompt = bad_id;
    o.n_prompt = 2;
    expect_refused(m, o, "prompt", "vocabulary");
    expect_refused(m, opts(5, 1, (gb_sampler_settings){-1, 0, 1}), "temperature", "[0,");
    expect_refused(m, opts(5, 1, (gb_sampler_settings){1, 0, 0}), "top-p", "(0, 1]");
    gb_model *enc = make_model(GB_ARCH_ENCODER);
    expect_refused(enc, opts(5, 1, RANDOM), "decoder-only", "encoder");
    gb_model_free(enc);
    /* exactly at the limit works: 4 + 45 - 1 = 48 positions */
    gb_session *s = new_session(m, opts(45, 1, RANDOM));
    gb_error err = {0};
    gbt_assert_ok(gb_session_run(s, &err), &err);
    assert_int_equal(gb_session_tokens(s, false, NULL, 0), 45);
    gb_session_free(s);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(resample_needs_no_forward_pass, setup, teardown),
        cmocka_unit_test_setup_teardown(logprobs_match_full_recompute, setup, teardown),
        cmocka_unit_test_setup_teardown(replay_from_seed_and_recorded_settings, setup, teardown),
        cmocka_unit_test_setup_teardown(rewind_then_regrow, setup, teardown),
        cmocka_unit_test_setup_teardown(branches_form_a_tree, setup, teardown),
        cmocka_unit_test_setup_teardown(stop_token_ends_generation, setup, teardown),
        cmocka_unit_test_setup_teardown(step_record_reproduces_the_step, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_strategies, setup, teardown),
        cmocka_unit_test_setup_teardown(saved_record_replays, setup, teardown),
        cmocka_unit_test_setup_teardown(impossible_requests_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(attention_rows_match_fresh_pass, setup, teardown),
        cmocka_unit_test_setup_teardown(forced_branch, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
