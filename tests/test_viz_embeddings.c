/* test_viz_embeddings.c - the embeddings view: its projection is the PCA of
 * the embedding table, the path through the layers starts at the token's own
 * point and its input (embedding + position), the heatmap rows are the
 * embedding rows, the nearest neighbour really is nearest; in the real window
 * (dummy driver, pushed events) a drag rotates, a click picks, the wheel
 * zooms, typing updates the view; bad input (a prompt longer than the
 * context, invalid UTF-8, no model, tiny windows) gives messages, not
 * crashes; an image test; `glassbox render` refuses bad input in one line. */
#include "gbtest.h"
#include "gbviz.h"

#include <math.h>
#include <unistd.h>

#include <SDL.h>

#include "app.h"
#include "glassbox/analysis.h"
#include "render.h"
#include "text.h"
#include "view.h"
#include "view_embeddings.h"
#include "view_model.h"

#define STORIES "llama2c_stories260K/stories260K.bin"
#define TOK512 "llama2c_stories260K/tok512.bin"
#define TINY "gpt2_tiny_random"

typedef struct fixture {
    gb_view_model vm;
    gb_shared sh;
    emb_view *v;
} fixture;

static const gb_view *view(void) { return gb_view_find("embeddings"); }

static const char *g_pick; /* --pick for the next open_view */

static void open_view(fixture *f, const char *model, const char *tok, const char *prompt, const char *ids) {
    gb_error err = {0};
    char mpath[1024], tpath[1024];
    snprintf(mpath, sizeof mpath, "%s", gbt_fixture(model));
    snprintf(tpath, sizeof tpath, "%s", tok ? gbt_fixture(tok) : "");
    gbt_assert_ok(gb_view_model_open(&f->vm, mpath, &err), &err);
    f->sh = (gb_shared){.theme = gb_theme_normal(), .prompt = prompt};
    gb_view_model_share(&f->vm, &f->sh);
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.tokenizer = tok ? tpath : NULL;
    a.ids = ids;
    a.pick = g_pick;
    f->v = view()->create(&a, &err);
    assert_non_null(f->v);
    gbt_assert_ok(gb_view_settle(view(), f->v, &f->sh, &err), &err);
}

static void close_view(fixture *f) {
    view()->destroy(f->v);
    gb_view_model_close(&f->vm);
}

/* The vocabulary's points are the PCA projection of embed.weight. */
static void test_projection_is_pca(void **state) {
    (void)state;
    fixture f;
    open_view(&f, STORIES, TOK512, "The cat", NULL);
    const gb_model *m = f.vm.model;
    int V = m->cfg.vocab_size, d = m->cfg.d_model, rows, cols;
    const float *got = view()->matrix(f.v, "projection", &rows, &cols);
    assert_non_null(got);
    assert_int_equal(rows, V);
    assert_int_equal(cols, 3);
    gb_pca p;
    gb_error err = {0};
    gbt_assert_ok(gb_pca_fit(&p, m->w.embed, V, d, 3, &err), &err);
    float *want = malloc((size_t)V * 3 * sizeof(float));
    gb_pca_project(&p, m->w.embed, V, want);
    gbt_assert_close(got, want, (size_t)V * 3, 1e-5, "vocabulary projection vs gb_pca");
    free(want);
    gb_pca_free(&p);
    close_view(&f);
}

/* A RoPE model adds nothing to the input: the path's second point (the
 * input) is the token's own point; the heatmap rows are the embedding rows. */
static void test_path_starts_at_token_rope(void **state) {
    (void)state;
    fixture f;
    open_view(&f, STORIES, TOK512, "The cat sat", NULL);
    int rows, cols, d = f.vm.model->cfg.d_model;
    const float *path = view()->matrix(f.v, "path", &rows, &cols);
    assert_non_null(path);
    printf("  path of %d points (embedding, input, %d layers)\n", rows, f.vm.model->cfg.n_layers);
    assert_int_equal(rows, f.vm.model->cfg.n_layers + 2);
    gbt_assert_close(path, path + 3, 3, 1e-5, "RoPE: input == embedding point");
    int id = f.v->pr.ids[emb_chosen(f.v)];
    gbt_assert_close(path, f.v->mc.vocab_xyz + (size_t)id * 3, 3, 0, "path starts at the token's point");
    const float *E = view()->matrix(f.v, "embed", &rows, &cols);
    assert_int_equal(cols, d);
    for (int t = 0; t < rows; t++)
        gbt_assert_close(E + (size_t)t * d, f.vm.model->w.embed + (size_t)f.v->pr.ids[t] * d, (size_t)d, 0,
                         "heatmap row == embedding row");
    close_view(&f);
}

/* Learned positions: the input point is the projection of embedding + position. */
static void test_path_input_learned(void **state) {
    (void)state;
    fixture f;
    open_view(&f, TINY, NULL, NULL, "7,8,9,10");
    const gb_model *m = f.vm.model;
    int d = m->cfg.d_model, rows, cols, t = emb_chosen(f.v);
    assert_int_equal(t, 3);
    float *x = malloc((size_t)d * sizeof(float)), xyz[3];
    for (int i = 0; i < d; i++) x[i] = m->w.embed[10 * (size_t)d + i] + m->w.pos_embed[(size_t)t * d + i];
    gb_pca_project(&f.v->mc.pca, x, 1, xyz);
    const float *path = view()->matrix(f.v, "path", &rows, &cols);
    gbt_assert_close(path + 3, xyz, 3, 1e-4, "input point == PCA(embedding + position)");
    free(x);
    close_view(&f);
}

/* The first neighbour listed has the highest cosine over the whole vocabulary. */
static void test_neighbors_nearest(void **state) {
    (void)state;
    fixture f;
    open_view(&f, STORIES, TOK512, "The cat", NULL);
    const gb_model *m = f.vm.model;
    int id = emb_selected_id(f.v), d = m->cfg.d_model;
    assert_true(f.v->n_nb > 0);
    double best = -2;
    int best_id = -1;
    for (int i = 0; i < m->cfg.vocab_size; i++) {
        if (i == id) continue;
        double c = gb_cosine(m->w.embed + (size_t)i * d, m->w.embed + (size_t)id * d, d);
        if (c > best) best = c, best_id = i;
    }
    printf("  nearest to %d: view %d (%.4f), brute force %d (%.4f)\n", id, f.v->nb[0].id, f.v->nb[0].score, best_id, best);
    assert_int_equal(f.v->nb[0].id, best_id);
    close_view(&f);
}

/* The positions view's sum for token 2 of 5,6,7,8: embedding row 7, position
 * row 2 of pos_embed.weight, and their sum, exactly as the forward pass adds. */
static void test_positions_sum(void **state) {
    (void)state;
    const gb_view *v = gb_view_find("positions");
    gb_view_model vm;
    gb_error err = {0};
    gbt_assert_ok(gb_view_model_open(&vm, gbt_fixture(TINY), &err), &err);
    gb_shared sh = {.theme = gb_theme_normal()};
    gb_view_model_share(&vm, &sh);
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.ids = "5,6,7,8";
    a.token = 2;
    void *self = v->create(&a, &err);
    gbt_assert_ok(gb_view_settle(v, self, &sh, &err), &err);
    int rows, d;
    const float *sum = v->matrix(self, "sum", &rows, &d);
    assert_non_null(sum);
    assert_int_equal(rows, 3);
    assert_int_equal(d, vm.model->cfg.d_model);
    const float *e = vm.model->w.embed + 7 * (size_t)d, *p = vm.model->w.pos_embed + 2 * (size_t)d;
    float *want = malloc((size_t)d * sizeof(float));
    for (int i = 0; i < d; i++) want[i] = e[i] + p[i];
    gbt_assert_close(sum, e, (size_t)d, 0, "embedding strip == embed.weight[7]");
    gbt_assert_close(sum + d, p, (size_t)d, 0, "position strip == pos_embed.weight[2]");
    gbt_assert_close(sum + 2 * d, want, (size_t)d, 1e-6, "input strip == their sum");
    cairo_surface_destroy(gbv_render(v, self, &sh, 900, 700));
    free(want);
    v->destroy(self);
    gb_view_model_close(&vm);
}

/* Encoder-only and encoder-decoder models: the path follows the stack that
 * reads the prompt (the encoder), one point per layer of it. */
static void test_other_architectures(void **state) {
    (void)state;
    gb_arch archs[2] = {GB_ARCH_ENCODER, GB_ARCH_ENCDEC};
    for (int k = 0; k < 2; k++) {
        gb_config c;
        gb_config_defaults(&c, archs[k]);
        c.vocab_size = 40, c.d_model = 16, c.n_layers = 2, c.n_enc_layers = 3, c.n_heads = 2, c.n_kv_heads = 2;
        c.d_head = 8, c.d_ff = 32, c.max_seq = 16;
        if (archs[k] == GB_ARCH_ENCODER) c.n_classes = 2;
        gb_model *m;
        gb_error err = {0};
        gbt_assert_ok(gb_model_create(&c, &m, &err), &err);
        gb_model_init_random(m, 3, 0.1f);
        gb_view_args a;
        gb_view_args_defaults(&a);
        a.ids = "1,2,3,4";
        gb_shared sh = {.theme = gb_theme_normal(), .model = m, .model_name = "random"};
        emb_view *v = view()->create(&a, &err);
        gbt_assert_ok(gb_view_settle(view(), v, &sh, &err), &err);
        int layers = archs[k] == GB_ARCH_ENCDEC ? c.n_enc_layers : c.n_layers;
        printf("  %s: %d tokens, path of %d points, problem '%s'\n", gb_arch_name(archs[k]), v->pr.n, v->pr.n_path,
               v->pr.problem);
        assert_int_equal(v->pr.n, 4);
        assert_int_equal(v->pr.n_path, layers + 2);
        assert_null(view()->input_error(v));
        cairo_surface_destroy(gbv_render(view(), v, &sh, 500, 300));
        view()->destroy(v);
        gb_model_free(m);
    }
}

/* ---- bad input ---- */

static void draw_sizes(fixture *f) {
    int sizes[5][2] = {{1, 1}, {24, 18}, {160, 90}, {400, 120}, {640, 420}};
    for (int i = 0; i < 5; i++)
        for (int inter = 0; inter < 2; inter++) {
            f->sh.interactive = inter;
            cairo_surface_destroy(gbv_render(view(), f->v, &f->sh, sizes[i][0], sizes[i][1]));
        }
}

static void test_prompt_longer_than_context(void **state) {
    (void)state;
    char ids[400] = "";
    for (int i = 0; i < 70; i++) strcat(ids, i ? ",5" : "5"); /* the tiny model reads 64 */
    fixture f;
    open_view(&f, TINY, NULL, NULL, ids);
    const char *why = view()->input_error(f.v);
    printf("  %s\n", why);
    assert_non_null(strstr(why, "70 tokens"));
    assert_non_null(strstr(why, "64"));
    draw_sizes(&f);
    close_view(&f);
}

static void test_invalid_utf8_and_tiny(void **state) {
    (void)state;
    fixture f;
    open_view(&f, STORIES, TOK512, "caf\xC3 au lait", NULL);
    printf("  %s\n", f.v->pr.problem);
    assert_non_null(strstr(f.v->pr.problem, "UTF-8"));
    assert_non_null(strstr(f.v->pr.problem, "byte 3"));
    draw_sizes(&f);
    close_view(&f);
    open_view(&f, STORIES, TOK512, "Tiny windows", NULL);
    draw_sizes(&f);
    close_view(&f);
}

/* A model that failed to load: the view says so (and render refuses). */
static void test_no_model(void **state) {
    (void)state;
    gb_view_args a;
    gb_view_args_defaults(&a);
    gb_error err = {0};
    fixture f = {.sh = {.theme = gb_theme_normal(), .model_error = "broken.bin: not a model file"}};
    f.v = view()->create(&a, &err);
    gbt_assert_ok(gb_view_settle(view(), f.v, &f.sh, &err), &err);
    assert_non_null(view()->input_error(f.v));
    draw_sizes(&f);
    view()->destroy(f.v);
}

/* ---- the window ---- */

typedef struct win_fixture {
    gb_view_model vm;
    gb_window *win;
    emb_view *v;
    gb_app *app;
} win_fixture;

static void open_window(win_fixture *w) {
    gb_error err = {0};
    char tok[1024];
    snprintf(tok, sizeof tok, "%s", gbt_fixture(TOK512));
    gbt_assert_ok(gb_view_model_open(&w->vm, gbt_fixture(STORIES), &err), &err);
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.prompt = "The cat sat";
    a.tokenizer = tok;
    gb_shared base = {.theme = gb_theme_normal()};
    gb_view_model_share(&w->vm, &base);
    w->win = gbv_window_open(&a, &base, 1100, 760, "embeddings", 30);
    w->app = gb_window_app(w->win);
    w->v = w->app->self[w->app->current];
    assert_true(w->v->computed && w->v->n_pts > 0);
}

static void close_window(win_fixture *w) {
    gb_window_close(w->win);
    gb_view_model_close(&w->vm);
}

static void settle(gb_window *win) { gbv_settle(win, 5, 30, 0); }

/* Window coordinates of point i of the scatter, as the view projects it. */
static void screen_of(win_fixture *w, int i, double *x, double *y) {
    gb_shared sh = gb_app_shared(w->app);
    emb_geom g;
    emb_geometry(w->v, w->v->w, w->v->h, &sh, &g);
    gb_rect r = emb_scatter_rect(w->v, &g, &sh);
    double rad2 = 0, m[9], c[3] = {0, 0, 0}, z;
    for (int k = 0; k < w->v->n_pts; k++) {
        const float *p = w->v->pts + 3 * (size_t)k;
        rad2 = fmax(rad2, (double)p[0] * p[0] + (double)p[1] * p[1] + (double)p[2] * p[2]);
    }
    gb_camera_matrix(&w->v->cam, m);
    const float *p = w->v->pts + 3 * (size_t)i;
    double q[3] = {p[0], p[1], p[2]};
    gb_project(&w->v->cam, m, c, sqrt(rad2), r, q, x, y, &z);
    *x += w->app->view_area.x, *y += w->app->view_area.y;
}

/* Dragging turns the camera and picks nothing; the wheel zooms. */
static void test_window_drag_rotates(void **state) {
    (void)state;
    win_fixture w;
    open_window(&w);
    double yaw = w.v->cam.yaw, pitch = w.v->cam.pitch, x, y;
    screen_of(&w, w.v->pr.ids[0], &x, &y);
    gbv_push_button(w.win, SDL_MOUSEBUTTONDOWN, x, y);
    gbv_push_motion(w.win, x + 40, y + 10, SDL_BUTTON_LMASK);
    gbv_push_motion(w.win, x + 80, y + 20, SDL_BUTTON_LMASK);
    gbv_push_button(w.win, SDL_MOUSEBUTTONUP, x + 80, y + 20);
    settle(w.win);
    printf("  yaw %.2f -> %.2f, pitch %.2f -> %.2f, picks %d %d\n", yaw, w.v->cam.yaw, pitch, w.v->cam.pitch,
           w.v->pick[0], w.v->pick[1]);
    assert_true(fabs(w.v->cam.yaw - yaw - 0.8) < 0.02);
    assert_true(fabs(w.v->cam.pitch - pitch - 0.2) < 0.02);
    assert_int_equal(w.v->pick[0], -1);
    double zoom = w.v->cam.zoom;
    SDL_Event e;
    SDL_zero(e);
    e.type = SDL_MOUSEWHEEL;
    e.wheel.windowID = gb_window_id(w.win);
    e.wheel.y = 2;
    gbv_push_motion(w.win, x, y, SDL_BUTTON_LMASK);
    SDL_PushEvent(&e);
    settle(w.win);
    printf("  zoom %.2f -> %.2f\n", zoom, w.v->cam.zoom);
    assert_true(w.v->cam.zoom > zoom);
    close_window(&w);
}

/* Clicking a bar of the neighbour list picks that neighbour. */
static void test_window_click_neighbor(void **state) {
    (void)state;
    win_fixture w;
    open_window(&w);
    gb_shared sh = gb_app_shared(w.app);
    emb_geom g;
    emb_geometry(w.v, w.v->w, w.v->h, &sh, &g);
    int want = w.v->nb[0].id;
    double sx = 0, sy = 0, hx, hy;
    int hits = 0;
    for (double y = g.sel.y; y < g.sel.y + g.sel.h; y += 3) /* the middle of the bar's row */
        for (double x = g.sel.x; x < g.sel.x + g.sel.w; x += 6)
            if (emb_neighbor_at(w.v, &g, &sh, x, y) == want) sx += x, sy += y, hits++;
    assert_true(hits > 0);
    hx = sx / hits, hy = sy / hits;
    gbv_push_button(w.win, SDL_MOUSEBUTTONDOWN, hx + w.app->view_area.x, hy + w.app->view_area.y);
    gbv_push_button(w.win, SDL_MOUSEBUTTONUP, hx + w.app->view_area.x, hy + w.app->view_area.y);
    settle(w.win);
    printf("  clicked the first neighbour (%d): picked %d\n", want, w.v->pick[0]);
    assert_int_equal(w.v->pick[0], want);
    assert_int_equal(w.v->nb_of, want); /* and now its own neighbours are listed */
    close_window(&w);
}

/* Hovering a heatmap cell names its row and column (the read-out shows the
 * value); leaving the window clears it. */
static void test_window_heatmap_hover(void **state) {
    (void)state;
    win_fixture w;
    open_window(&w);
    gb_shared sh = gb_app_shared(w.app);
    emb_geom g;
    emb_geometry(w.v, w.v->w, w.v->h, &sh, &g);
    gb_heatmap hm = emb_heatmap(w.v);
    gb_heatmap_geom hg;
    gb_heatmap_layout(&hm, emb_heat_rect(&g, &sh), sh.theme, &hg);
    double x = hg.cells.x + hg.cw * 10.5, y = hg.cells.y + hg.ch * 1.5; /* row 1, column 10 */
    gbv_push_motion(w.win, x + w.app->view_area.x, y + w.app->view_area.y, SDL_BUTTON_LMASK);
    settle(w.win);
    printf("  hovered row %d, column %d\n", w.v->heat_row, w.v->heat_col);
    assert_int_equal(w.v->heat_row, 1);
    assert_int_equal(w.v->heat_col, 10);
    SDL_Event e;
    SDL_zero(e);
    e.type = SDL_WINDOWEVENT;
    e.window.windowID = gb_window_id(w.win);
    e.window.event = SDL_WINDOWEVENT_LEAVE;
    SDL_PushEvent(&e);
    settle(w.win);
    assert_int_equal(w.v->heat_row, -1);
    close_window(&w);
}

/* Clicking two tokens' points picks them (the angle, cosine and distance
 * then appear); Esc clears the picks. */
static void test_window_click_picks(void **state) {
    (void)state;
    win_fixture w;
    open_window(&w);
    int a = w.v->pr.ids[1], b = w.v->pr.ids[2];
    double x, y;
    screen_of(&w, a, &x, &y);
    gbv_push_motion(w.win, x, y, SDL_BUTTON_LMASK);
    gbv_push_button(w.win, SDL_MOUSEBUTTONDOWN, x, y);
    gbv_push_button(w.win, SDL_MOUSEBUTTONUP, x, y);
    settle(w.win);
    int got_a = w.v->pick[0];
    double gx, gy;
    assert_true(got_a >= 0);
    screen_of(&w, got_a, &gx, &gy);
    printf("  clicked token %d's point: picked %d, %.1f px away\n", a, got_a, hypot(gx - x, gy - y));
    assert_true(hypot(gx - x, gy - y) <= 1.5); /* the point under the pointer */
    screen_of(&w, b, &x, &y);
    gbv_push_button(w.win, SDL_MOUSEBUTTONDOWN, x, y);
    gbv_push_button(w.win, SDL_MOUSEBUTTONUP, x, y);
    settle(w.win);
    printf("  second pick %d (token %d)\n", w.v->pick[1], b);
    assert_true(w.v->pick[1] >= 0 && w.v->pick[1] != got_a);
    assert_int_equal(emb_selected_id(w.v), w.v->pick[1]);
    assert_int_equal(w.v->nb_of, w.v->pick[1]); /* neighbours follow the selection */
    SDL_Event e;
    SDL_zero(e);
    e.type = SDL_KEYDOWN;
    e.key.windowID = gb_window_id(w.win);
    e.key.keysym.sym = SDLK_ESCAPE;
    SDL_PushEvent(&e);
    settle(w.win);
    assert_int_equal(w.v->pick[0], -1);
    close_window(&w);
}

/* Typing into the prompt re-runs the model: more tokens, a new heatmap. */
static void test_window_typing_updates(void **state) {
    (void)state;
    win_fixture w;
    open_window(&w);
    int n0 = w.v->pr.n;
    gb_rect r = w.app->prompt.r;
    gbv_push_button(w.win, SDL_MOUSEBUTTONDOWN, r.x + r.w - 4, r.y + r.h / 2);
    gbv_push_button(w.win, SDL_MOUSEBUTTONUP, r.x + r.w - 4, r.y + r.h / 2);
    SDL_Event e;
    SDL_zero(e);
    e.type = SDL_TEXTINPUT;
    e.text.windowID = gb_window_id(w.win);
    snprintf(e.text.text, sizeof e.text.text, " on the mat");
    SDL_PushEvent(&e);
    settle(w.win);
    printf("  %d tokens -> %d\n", n0, w.v->pr.n);
    assert_true(w.v->pr.n > n0);
    assert_string_equal(w.v->c_prompt, "The cat sat on the mat");
    close_window(&w);
}

/* A model that failed to load: the window still opens on the embeddings view,
 * the status line names the error, and resizing down to 1x1 does not crash. */
static void test_window_failed_model_tiny(void **state) {
    (void)state;
    gb_view_args a;
    gb_view_args_defaults(&a);
    a.prompt = "Hello";
    gb_shared base = {.theme = gb_theme_normal(), .model_error = "broken.bin: not a model file"};
    gb_window *win = NULL;
    gb_error err = {0};
    gbt_assert_ok(gb_window_open(&win, &a, &base, &(gb_window_opts){640, 400, "embeddings"}, &err), &err);
    assert_true(gb_window_idle(win, 10));
    gb_app *app = gb_window_app(win);
    printf("  status: %s\n", app->status);
    assert_non_null(strstr(app->status, "broken.bin"));
    int sizes[3][2] = {{300, 200}, {40, 30}, {1, 1}};
    for (int i = 0; i < 3; i++) {
        SDL_SetWindowSize(SDL_GetWindowFromID(gb_window_id(win)), sizes[i][0], sizes[i][1]);
        settle(win);
        for (int v = 0; v < app->n_views; v++) { /* every tab at this size */
            gb_app_select(app, v);
            settle(win);
        }
    }
    gb_window_close(win);
}

/* ---- image and CLI ---- */

static void embeddings_image(bool presenter, const char *name, int w, int h) {
    fixture f;
    g_pick = "291,280"; /* " The", " c" */
    open_view(&f, STORIES, TOK512, "The cat sat", NULL);
    g_pick = NULL;
    f.sh.theme = gb_theme_get(presenter), f.sh.presenter = presenter;
    cairo_surface_t *img = gbv_render(view(), f.v, &f.sh, w, h);
    gbv_check_image(img, name, GBV_TOLERANCE, GBV_MAX_BAD_FRAC);
    cairo_surface_destroy(img);
    close_view(&f);
}

static void test_embeddings_image(void **state) {
    (void)state;
    embeddings_image(false, "embeddings", 720, 440);
}

static void test_embeddings_presenter_image(void **state) {
    (void)state;
    embeddings_image(true, "embeddings_presenter", 1024, 640);
}

static void test_render_cli(void **state) {
    (void)state;
    char model[1024], tok[1024];
    snprintf(model, sizeof model, "%s", gbt_fixture(STORIES));
    snprintf(tok, sizeof tok, "%s", gbt_fixture(TOK512));
    const char *fmts[3] = {"emb.png", "emb.svg", "emb.pdf"};
    for (int i = 0; i < 3; i++) {
        const char *out = gbt_tmp(fmts[i]);
        const char *ok[] = {"render", "embeddings", "--model", model, "--tokenizer", tok, "--prompt", "Once upon a time",
                            "--pick", "291,280", "--token", "2", "--size", "800x500", "--out", out, NULL};
        gbv_run_ok(ok);
        assert_true(access(out, F_OK) == 0);
    }
    const char *bad = gbt_tmp("bad.png");
    char ids[1200] = "1";
    for (int i = 0; i < 520; i++) strcat(ids, ",5"); /* stories260K reads 512 */
    const char *longp[] = {"render", "embeddings", "--model", model, "--ids", ids, "--out", bad, NULL};
    gbv_expect_bad(longp, "at most 512", bad);
    const char *pick[] = {"render", "embeddings", "--model", model, "--tokenizer", tok, "--prompt", "x", "--pick",
                          "9999", "--out", bad, NULL};
    gbv_expect_bad(pick, "--pick", bad);
    const char *nomodel[] = {"render", "embeddings", "--out", bad, NULL};
    gbv_expect_bad(nomodel, "needs a model", bad);
    const char *notok[] = {"render", "embeddings", "--model", model, "--prompt", "x", "--out", bad, NULL};
    gbv_expect_bad(notok, "tokenizer", bad);
    const char *pos[] = {"render", "positions", "--model", model, "--ids", ids, "--out", bad, NULL};
    gbv_expect_bad(pos, "at most 512", bad);
    const char *pos_ok[] = {"render", "positions", "--model", model, "--out", bad, NULL};
    char *err = NULL;
    assert_int_equal(gbt_run(NULL, 0, NULL, NULL, &err, pos_ok), 0); /* no tokenizer: the encoding alone */
    free(err);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    if (!gbv_use_fonts()) return 0;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_projection_is_pca),
        cmocka_unit_test(test_path_starts_at_token_rope),
        cmocka_unit_test(test_path_input_learned),
        cmocka_unit_test(test_neighbors_nearest),
        cmocka_unit_test(test_positions_sum),
        cmocka_unit_test(test_other_architectures),
        cmocka_unit_test(test_prompt_longer_than_context),
        cmocka_unit_test(test_invalid_utf8_and_tiny),
        cmocka_unit_test(test_no_model),
        cmocka_unit_test(test_window_drag_rotates),
        cmocka_unit_test(test_window_click_picks),
        cmocka_unit_test(test_window_heatmap_hover),
        cmocka_unit_test(test_window_click_neighbor),
        cmocka_unit_test(test_window_typing_updates),
        cmocka_unit_test(test_window_failed_model_tiny),
        cmocka_unit_test(test_embeddings_image),
        cmocka_unit_test(test_embeddings_presenter_image),
        cmocka_unit_test(test_render_cli),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    gb_text_shutdown();
    return rc;
}
