/* test_viz_sampling.c - the distribution, generation and compare views
 * without a window: stepping, re-sampling after a change of temperature with
 * no forward pass, rewinding, branching; image tests against reviewed
 * references in tests/images/ (GB_UPDATE_IMAGES=1 rewrites them; look at
 * every changed PNG); the render and compare commands (PNG/SVG/PDF, bad input). */
#include "gbtest.h"
#include "gbviz.h"

#include <math.h>
#include <string.h>

#include "glassbox/forward.h"
#include "glassbox/model.h"
#include "render.h"
#include "text.h"
#include "view.h"
#include "view_distribution.h"
#include "view_distribution_view.h"

#define PROMPT "the teacher taught the"

static gb_model *g_model;

static gb_shared shared(void) {
    return (gb_shared){.theme = gb_theme_normal(), .model = g_model, .model_name = "classroom", .prompt = PROMPT};
}

static dist_view *open_view(const char *name, const gb_view_args *a) {
    const gb_view *v = gb_view_find(name);
    gb_shared sh = shared();
    dist_view *self = gbv_view_open(v, a, &sh);
    gb_error err = {0};
    gbt_assert_ok(v->check(self, &sh, &err), &err);
    return self;
}

/* The generation view after `steps` steps drawn from seed, laid out at 1000x760 with *sh. */
static dist_view *open_generation(int steps, uint64_t seed, gb_shared *sh) {
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.steps = steps, a.seed = seed;
    dist_view *v = open_view("generation", &a);
    *sh = shared();
    gb_view_generation.layout(v, 1000, 760, sh);
    return v;
}

static gb_event key(gb_key k, unsigned ch) { return (gb_event){.type = GB_EV_KEY, .key = k, .ch = ch}; }

static void test_step_and_back(void **state) {
    (void)state;
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.steps = 0;
    dist_view *v = open_view("distribution", &a);
    gb_shared sh = shared();
    assert_int_equal(gb_samp_n_generated(&v->p), 0);
    assert_false(v->p.rec_ok);
    gb_event sp = key(GB_KEY_SPACE, 0), bs = key(GB_KEY_BACKSPACE, 0);
    for (int i = 1; i <= 3; i++) {
        assert_true(gb_view_distribution.event(v, &sp, &sh));
        assert_int_equal(gb_samp_n_generated(&v->p), i);
        assert_true(v->p.rec_ok);
        assert_int_equal(v->p.rec.chosen, gb_session_node_at(v->p.s, v->p.shown)->token);
    }
    int third = v->p.rec.chosen;
    /* play: a step per half second of the clock until stopped */
    gb_event pk = key(GB_KEY_CHAR, 'p');
    assert_true(gb_view_distribution.event(v, &pk, &sh));
    assert_true(gb_view_distribution.tick(v, 100.0));
    assert_int_equal(gb_samp_n_generated(&v->p), 4);
    assert_true(gb_view_distribution.tick(v, 100.2));
    assert_int_equal(gb_samp_n_generated(&v->p), 4);
    assert_true(gb_view_distribution.tick(v, 100.6));
    assert_int_equal(gb_samp_n_generated(&v->p), 5);
    assert_true(gb_view_distribution.event(v, &pk, &sh));
    assert_false(gb_view_distribution.tick(v, 200.0));
    assert_int_equal(gb_samp_n_generated(&v->p), 5);
    assert_true(gb_view_distribution.event(v, &bs, &sh));
    assert_true(gb_view_distribution.event(v, &bs, &sh));
    assert_true(gb_view_distribution.event(v, &bs, &sh));
    assert_int_equal(gb_samp_n_generated(&v->p), 2);
    /* the same settings and seed draw the same token again */
    assert_true(gb_view_distribution.event(v, &sp, &sh));
    assert_int_equal(v->p.rec.chosen, third);
    gb_view_distribution.destroy(v);
}

/* A change of temperature re-samples the current step from the cached logits:
 * no forward pass, the same u, and (somewhere over the seeds) another token. */
static void test_temperature_resamples_without_forward(void **state) {
    (void)state;
    int changed = 0;
    for (uint64_t seed = 0; seed < 12; seed++) {
        gb_view_args a;
        gb_view_args_defaults(&a);
        a.steps = 2, a.seed = seed;
        dist_view *v = open_view("distribution", &a);
        gb_shared sh = shared();
        uint64_t fw = gb_session_forward_count(v->p.s);
        double u = v->p.rec.draw;
        int before = v->p.rec.chosen;
        gb_view_distribution.layout(v, 1280, 800, &sh);
        gb_slider_set(&v->temp, 2.5);
        v->temp.changed = true;
        assert_true(dist_controls_read(v));
        assert_int_equal(gb_session_forward_count(v->p.s), fw);
        assert_int_equal(gb_samp_n_generated(&v->p), 2);
        assert_true(v->p.rec_ok);
        assert_true(fabs(v->p.rec.settings.temperature - 2.5) < 1e-9);
        assert_true(v->p.rec.draw == u);
        assert_true(v->p.have_prev && v->p.prev_token == before);
        /* the picture's data agrees with a fresh sampler run on the same logits */
        gb_sample_record r;
        gb_error err = {0};
        gbt_assert_ok(gb_sample_record_init(&r, v->p.rec.vocab, &err), &err);
        gbt_assert_ok(gb_sample(&r, v->p.rec.logits, &v->p.rec.settings, u, &err), &err);
        assert_int_equal(r.chosen, v->p.rec.chosen);
        gb_sample_record_free(&r);
        changed += v->p.rec.chosen != before;
        /* greedy takes the argmax, still without a forward pass */
        v->strategy.selected = GB_STRAT_GREEDY, v->strategy.changed = true;
        dist_controls_read(v);
        assert_int_equal(v->p.rec.chosen, v->p.rec.argmax);
        assert_int_equal(gb_session_forward_count(v->p.s), fw);
        gb_view_distribution.destroy(v);
    }
    printf("  temperature 1 -> 2.5 changed the token for %d of 12 seeds\n", changed);
    assert_true(changed > 0);
}

static void test_branching(void **state) {
    (void)state;
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.steps = 5, a.seed = 3;
    dist_view *v = open_view("generation", &a);
    gb_shared sh = shared();
    int path[16];
    int n = gb_session_path(v->p.s, 0, path, 16);
    assert_true(n >= 3);
    gb_samp_show(&v->p, path[1]); /* a past step, as a click does */
    gb_samp_refresh(&v->p);
    assert_int_equal(v->p.rec.chosen, gb_session_node_at(v->p.s, path[1])->token);
    gb_event b = key(GB_KEY_CHAR, 'b');
    assert_true(gb_view_generation.event(v, &b, &sh));
    assert_int_equal(gb_session_n_branches(v->p.s), 2);
    assert_int_equal(gb_session_current_branch(v->p.s), 1);
    const gb_branch_info *bi = gb_session_branch_info(v->p.s, 1);
    assert_int_equal(bi->fork_depth, 1);
    assert_int_equal(gb_samp_n_generated(&v->p), 2);
    /* the old continuation stays in the tree */
    assert_int_equal(gb_session_path(v->p.s, 0, NULL, 0), n);
    int rows, cols;
    const float *tree = gb_view_generation.matrix(v, "tree", &rows, &cols);
    assert_non_null(tree);
    assert_int_equal(rows, n + 1);
    gb_view_generation.destroy(v);
}

/* The last query row of layer `layer` (head, or the mean over heads when head
 * < 0) of a fresh full pass over seq[0..T). */
static void fresh_row(const int *seq, int T, int layer, int head, float *out) {
    gb_error err = {0};
    gb_trace *tr = gb_trace_new("blocks.*.attn.hook_pattern", T, &err);
    gb_state *st = gb_state_new(g_model, T, &err);
    assert_non_null(tr);
    assert_non_null(st);
    gbt_assert_ok(gb_forward_decoder(g_model, st, seq, T, 0, &(gb_run_opts){.trace = tr}, &err), &err);
    char name[64];
    snprintf(name, sizeof name, "blocks.%d.attn.hook_pattern", layer);
    const gb_tensor *t = gb_trace_find(tr, name);
    assert_non_null(t);
    int H = g_model->cfg.n_heads;
    for (int k = 0; k < T; k++) {
        double sum = 0;
        for (int h = head < 0 ? 0 : head; h < (head < 0 ? H : head + 1); h++) sum += gb_tensor_at3(t, h, T - 1, k);
        out[k] = (float)(head < 0 ? sum / H : sum);
    }
    gb_trace_free(tr);
    gb_state_free(st);
}

/* The attention panel's row (matrix "attention") against a fresh pass over
 * the shown step's prefix; returns the largest difference. */
static double check_attention(const dist_view *v, int layer, int head) {
    int rows = 0, cols = 0;
    const float *row = gb_view_generation.matrix(v, "attention", &rows, &cols);
    assert_non_null(row);
    const gb_session_node *nd = gb_session_node_at(v->p.s, v->p.shown);
    assert_int_equal(rows, 1);
    assert_int_equal(cols, v->p.n_prompt + nd->depth);
    int seq[256];
    memcpy(seq, v->p.prompt, (size_t)v->p.n_prompt * sizeof *seq);
    for (int i = nd->depth - 1, at = nd->parent; i >= 0; i--, at = gb_session_node_at(v->p.s, at)->parent)
        seq[v->p.n_prompt + i] = gb_session_node_at(v->p.s, at)->token;
    float want[256];
    fresh_row(seq, cols, layer, head, want);
    double worst = 0;
    for (int k = 0; k < cols; k++) worst = fmax(worst, fabs(row[k] - want[k]));
    printf("  step %d, layer %d, head %d: %d weights vs a fresh pass, max |diff| = %.3g (tolerance 1e-5)\n",
           nd->depth + 1, layer, head, cols, worst);
    assert_true(worst < 1e-5);
    return worst;
}

/* Clicking a past token shows what the model attended to when it produced it
 * (the last layer's average by default); Up, h and a change layer and head. */
static void test_attention_panel(void **state) {
    (void)state;
    gb_shared sh;
    dist_view *v = open_generation(5, 3, &sh);
    int path[16], L = g_model->cfg.n_layers;
    assert_int_equal(gb_session_path(v->p.s, 0, path, 16), 5);
    double x, y;
    assert_true(gen_node_center(v, &sh, path[2], &x, &y));
    gb_event click = {.type = GB_EV_MOUSE_DOWN, .button = 1, .x = x, .y = y};
    assert_true(gb_view_generation.event(v, &click, &sh));
    assert_int_equal(v->p.shown, path[2]);
    check_attention(v, L - 1, -1);
    gb_event up = key(GB_KEY_UP, 0), h = key(GB_KEY_CHAR, 'h'), av = key(GB_KEY_CHAR, 'a');
    assert_true(gb_view_generation.event(v, &up, &sh));
    check_attention(v, L - 2, -1);
    assert_true(gb_view_generation.event(v, &h, &sh));
    check_attention(v, L - 2, 0);
    assert_true(gb_view_generation.event(v, &h, &sh));
    check_attention(v, L - 2, 1);
    assert_int_equal(v->att_head_dd.selected, 2); /* the drop-downs follow the keys */
    assert_int_equal(v->att_layer_dd.selected, L - 2);
    assert_true(gb_view_generation.event(v, &av, &sh));
    check_attention(v, L - 2, -1);
    /* the first step attends over the prompt only */
    assert_true(gen_node_center(v, &sh, path[0], &x, &y));
    click.x = x, click.y = y;
    assert_true(gb_view_generation.event(v, &click, &sh));
    check_attention(v, L - 2, -1);
    gb_view_generation.destroy(v);
}

/* The generation view opened again from a saved session (--session file):
 * the same tree as v's. */
static dist_view *reopened(const dist_view *v, const char *file) {
    int r1, c1, r2, c2;
    const float *t1 = gb_view_generation.matrix(v, "tree", &r1, &c1);
    float copy[64 * 5];
    assert_true(r1 * c1 <= 64 * 5);
    memcpy(copy, t1, (size_t)(r1 * c1) * sizeof *copy);
    gb_view_args b;
    gb_view_args_defaults(&b);
    b.session = file;
    dist_view *w = open_view("generation", &b);
    const float *t2 = gb_view_generation.matrix(w, "tree", &r2, &c2);
    assert_int_equal(r1, r2);
    assert_memory_equal(copy, t2, (size_t)(r1 * c1) * sizeof *copy);
    return w;
}

/* The log-probability of a branch's path summed from the recorded distributions. */
static double path_logprob(const gb_samp *p, int branch) {
    int nodes[64], n = gb_session_path(p->s, branch, nodes, 64);
    gb_sample_record r;
    gb_error err = {0};
    gbt_assert_ok(gb_sample_record_init(&r, p->rec.vocab, &err), &err);
    double sum = 0;
    for (int i = 0; i < n; i++) {
        gbt_assert_ok(gb_session_record(p->s, nodes[i], &r, &err), &err);
        sum += log(r.probs_t1[gb_session_node_at(p->s, nodes[i])->token]);
    }
    gb_sample_record_free(&r);
    return sum;
}

/* A click on another bar of the shown step (or n: the next-ranked token)
 * branches with that token forced; generation goes on to the old length. */
static void test_forced_branch(void **state) {
    (void)state;
    gb_shared sh;
    dist_view *v = open_generation(6, 5, &sh);
    int path[16];
    gb_session_path(v->p.s, 0, path, 16);
    gb_samp_show(&v->p, path[2]);
    gb_samp_refresh(&v->p);
    int ids[8], chosen = v->p.rec.chosen, rank = 0;
    gb_dist_top(&v->p.rec, ids, 8);
    while (ids[rank] != chosen) rank++;
    gb_event n = key(GB_KEY_CHAR, 'n');
    assert_true(gb_view_generation.event(v, &n, &sh));
    assert_int_equal(gb_session_n_branches(v->p.s), 2);
    const gb_session_node *f = gb_session_node_at(v->p.s, v->p.shown);
    assert_true(f->forced);
    assert_int_equal(f->depth, 2);
    assert_int_equal(f->token, ids[rank + 1]);
    assert_int_equal(v->p.rec.chosen, f->token);
    assert_int_equal(gb_samp_n_generated(&v->p), 6);
    const gb_session_node *tip = gb_session_node_at(v->p.s, gb_samp_tip(&v->p));
    double by_hand = path_logprob(&v->p, 1);
    printf("  forced branch: log p %.5f, by hand %.5f\n", tip->total_logprob_t1, by_hand);
    assert_true(fabs(tip->total_logprob_t1 - by_hand) < 1e-4);
    /* click the bar of another token of the shown (forced) step */
    gb_rect r = gen_dist_rect(v, &sh);
    int want = -1;
    double cx = r.x + r.w * 0.2, cy = r.y;
    for (; cy < r.y + r.h && want < 0; cy += 2) {
        int t = gb_dist_bar_hit(&v->p, r, sh.theme, false, cx, cy);
        if (t >= 0 && t != v->p.rec.chosen && t != chosen) want = t;
    }
    assert_true(want >= 0);
    gb_event click = {.type = GB_EV_MOUSE_DOWN, .button = 1, .x = cx, .y = cy - 2};
    assert_true(gb_view_generation.event(v, &click, &sh));
    assert_int_equal(gb_session_n_branches(v->p.s), 3);
    f = gb_session_node_at(v->p.s, v->p.shown);
    assert_true(f->forced && f->token == want && f->depth == 2);
    assert_int_equal(gb_session_branch_info(v->p.s, 2)->parent_branch, 1);
    /* saved and opened again (--session): the same tree, forced steps included */
    const char *file = gbt_tmp("forced_session.safetensors");
    gb_error err = {0};
    gbt_assert_ok(gb_samp_save(&v->p, file, &err), &err);
    dist_view *w = reopened(v, file);
    int forced = 0;
    for (int i = 0; i < gb_session_n_nodes(w->p.s); i++) forced += gb_session_node_at(w->p.s, i)->forced;
    assert_int_equal(forced, 2);
    gb_view_generation.destroy(w);
    gb_view_generation.destroy(v);
}

static void expect_bad_view(const char *good) {
    const char *out = gbt_tmp("sess.png");
    const char *args[] = {"render", "generation", "--model", "classroom", "--session", good, "--size", "640x400",
                          "--out", out, NULL};
    gbv_run_ok(args);
    remove(out);
    gbv_expect_bad((const char *[]){"render", "generation", "--model", "classroom", "--session", gbt_tmp("junk.safetensors"),
                                "--out", out, NULL}, "junk.safetensors", out);
}

/* Save a session with a branch and a re-sampled step, load it back: the same
 * tree, token for token; the generation view opens it (--session). */
static void test_session_save_load(void **state) {
    (void)state;
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.steps = 5, a.seed = 4, a.at = 1;
    dist_view *v = open_view("generation", &a);
    gb_shared sh = shared();
    gb_view_generation.layout(v, 1280, 800, &sh);
    gb_slider_set(&v->temp, 2.0); /* re-sample the tip of branch 1 */
    v->temp.changed = true;
    dist_controls_read(v);
    assert_int_equal(gb_session_n_branches(v->p.s), 2);
    const char *path = gbt_tmp("session.safetensors");
    gb_error err = {0};
    gbt_assert_ok(gb_samp_save(&v->p, path, &err), &err);
    gb_session *s2 = NULL;
    char *extra = NULL;
    gbt_assert_ok(gb_session_load(g_model, path, &s2, &extra, &err), &err);
    assert_non_null(extra);
    assert_non_null(strstr(extra, PROMPT));
    free(extra);
    assert_int_equal(gb_session_n_branches(s2), 2);
    assert_int_equal(gb_session_current_branch(s2), gb_session_current_branch(v->p.s));
    for (int b = 0; b < 2; b++) {
        int p1[64], p2[64];
        int n1 = gb_session_path(v->p.s, b, p1, 64), n2 = gb_session_path(s2, b, p2, 64);
        assert_int_equal(n1, n2);
        for (int i = 0; i < n1; i++) {
            const gb_session_node *x = gb_session_node_at(v->p.s, p1[i]), *y = gb_session_node_at(s2, p2[i]);
            assert_int_equal(x->token, y->token);
            assert_true(x->draw == y->draw);
            assert_true(fabs(x->total_logprob_t1 - y->total_logprob_t1) < 1e-9);
            assert_true(x->settings.temperature == y->settings.temperature);
        }
    }
    gb_session_free(s2);
    /* the view replays it */
    dist_view *w = reopened(v, path);
    assert_int_equal(w->p.seed, 4);
    gb_view_generation.destroy(w);
    gb_view_generation.destroy(v);
    /* not a session; another model's */
    FILE *fp = fopen(gbt_tmp("junk.safetensors"), "wb");
    fputs("not a safetensors file", fp);
    fclose(fp);
    gb_error e2 = {0};
    assert_int_not_equal(gb_session_load(g_model, gbt_tmp("junk.safetensors"), &s2, NULL, &e2), GB_OK);
    assert_null(s2);
    printf("  junk: %s\n", e2.msg);
    gb_model *other = NULL;
    gbt_assert_ok(gb_model_load(gbt_fixture("llama2c_stories260K/stories260K.bin"), &other, &err), &err);
    gb_error e3 = {0};
    assert_int_equal(gb_session_load(other, path, &s2, NULL, &e3), GB_ERR_INPUT);
    printf("  other model: %s\n", e3.msg);
    assert_non_null(strstr(e3.msg, "vocabulary"));
    gb_model_free(other);
    expect_bad_view(path);
}

/* ---- images ---- */

static void render(const char *view, const gb_view_args *a, const char *name, int w, int h) {
    const gb_view *v = gb_view_find(view);
    gb_shared sh = shared();
    void *self = open_view(view, a);
    cairo_surface_t *img = gbv_render(v, self, &sh, w, h);
    gbv_check_image(img, name, GBV_TOLERANCE, GBV_MAX_BAD_FRAC);
    cairo_surface_destroy(img);
    v->destroy(self);
}

static void test_images(void **state) {
    (void)state;
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.steps = 4, a.temperature = 0.8, a.top_k = 5, a.top_p = 0.9;
    render("distribution", &a, "distribution", 1000, 640);
    gb_view_args_defaults(&a);
    a.steps = 5, a.seed = 1, a.at = 3;
    render("generation", &a, "generation", 1000, 760);
    gb_view_args_defaults(&a);
    render("compare", &a, "compare", 1000, 600);
}

/* ---- the commands ---- */

static void test_cli(void **state) {
    (void)state;
    const char *exts[] = {"png", "svg", "pdf"}, *magic[] = {"\x89PNG", "<?xml", "%PDF"};
    const char *views[] = {"distribution", "generation", "compare"};
    for (int i = 0; i < 3; i++) {
        char out[64];
        snprintf(out, sizeof out, "cli_%s.%s", views[i], exts[i]);
        const char *path = gbt_tmp(out);
        const char *args[] = {"render", views[i], "--model", "classroom", "--prompt", PROMPT, "--size", "640x400",
                              "--steps", "3", "--temperature", "0.7", "--top-k", "10", "--seed", "5", "--out", path, NULL};
        gbv_run_ok(args);
        gbv_assert_file_starts(path, magic[i]);
    }
    for (int i = 0; i < 3; i++) {
        char out[64];
        snprintf(out, sizeof out, "compare_cmd.%s", exts[i]);
        const char *path = gbt_tmp(out);
        const char *args[] = {"compare", "--model", "classroom", "--prompt", PROMPT, "--out", path, NULL};
        gbv_run_ok(args);
        gbv_assert_file_starts(path, magic[i]);
    }
    /* the attention panel's layer and head */
    const char *lh = gbt_tmp("cli_gen_lh.png");
    const char *lh_args[] = {"render", "generation", "--model", "classroom", "--prompt", PROMPT, "--size", "640x400",
                             "--steps", "3", "--layer", "1", "--head", "2", "--out", lh, NULL};
    gbv_run_ok(lh_args);
    gbv_assert_file_starts(lh, "\x89PNG");
    const char *bad = gbt_tmp("bad.png");
    gbv_expect_bad((const char *[]){"render", "generation", "--model", "classroom", "--prompt", PROMPT, "--layer", "9",
                                "--out", bad, NULL}, "--layer", bad);
    gbv_expect_bad((const char *[]){"render", "generation", "--model", "classroom", "--prompt", PROMPT, "--head", "40",
                                "--out", bad, NULL}, "--head", bad);
    gbv_expect_bad((const char *[]){"render", "distribution", "--model", "classroom", "--temperature", "-1", "--out", bad, NULL},
               "--temperature", bad);
    gbv_expect_bad((const char *[]){"render", "distribution", "--model", "classroom", "--top-p", "1.5", "--out", bad, NULL},
               "--top-p", bad);
    gbv_expect_bad((const char *[]){"render", "distribution", "--model", "classroom", "--strategy", "beam", "--out", bad, NULL},
               "--strategy", bad);
    gbv_expect_bad((const char *[]){"render", "distribution", "--out", bad, NULL}, "needs a model", bad);
    gbv_expect_bad((const char *[]){"render", "compare", "--model", "classroom", "--prompt", PROMPT, "--strategies", "t=-3",
                                "--out", bad, NULL}, "--strategies", bad);
    gbv_expect_bad((const char *[]){"render", "compare", "--model", "classroom", "--prompt", PROMPT, "--at", "4000",
                                "--out", bad, NULL}, "--at", bad);
    gbv_expect_bad((const char *[]){"compare", "--model", "classroom", "--prompt", PROMPT, "--strategies", "nope",
                                "--out", bad, NULL}, "--strategies", bad);
    gbv_expect_bad((const char *[]){"compare", "--model", "classroom", "--prompt", PROMPT, "--out", gbt_tmp("x.gif"), NULL},
               "--out", gbt_tmp("x.gif"));
}

static int setup(void **state) {
    (void)state;
    gb_error err = {0};
    if (gb_model_load("classroom", &g_model, &err)) fail_msg("%s", err.msg);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    gb_model_free(g_model);
    return 0;
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    char cache[1100];
    snprintf(cache, sizeof cache, "%s/cache", gbt_tmpdir());
    setenv("GLASSBOX_CACHE_DIR", cache, 1);
    if (!gbv_use_fonts()) return 0;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_step_and_back),
        cmocka_unit_test(test_temperature_resamples_without_forward),
        cmocka_unit_test(test_branching),
        cmocka_unit_test(test_attention_panel),
        cmocka_unit_test(test_forced_branch),
        cmocka_unit_test(test_session_save_load),
        cmocka_unit_test(test_images),
        cmocka_unit_test(test_cli),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    gb_text_shutdown();
    return rc;
}
