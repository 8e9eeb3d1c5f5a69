/* gbviz.c - helpers shared by the viewer's tests (see gbviz.h). */
#include "gbtest.h"

#include "gbviz.h"

#include <sys/stat.h>

#include "render.h"
#include "text.h"

bool gbv_use_fonts(void) {
    gb_error err = {0};
    if (gb_text_use_hermetic_fonts(gbt_tmp("fonts"), &err) == GB_OK) return true;
    printf("SKIPPED: these tests draw text and need the DejaVu fonts: %s\n", err.msg);
    return false;
}

/* ---- reference images ---- */

void gbv_check_image(cairo_surface_t *img, const char *name, int tolerance, double max_bad_frac) {
    char ref[1024];
    snprintf(ref, sizeof ref, "%s/tests/images/%s.png", GB_SOURCE_DIR, name);
    const char *upd = getenv("GB_UPDATE_IMAGES");
    if (upd && *upd == '1') {
        assert_int_equal(cairo_surface_write_to_png(img, ref), CAIRO_STATUS_SUCCESS);
        printf("  %-28s reference written: %s\n", name, ref);
        return;
    }
    /* keep what we drew beside the build for a look when a comparison fails */
    cairo_surface_write_to_png(img, gbt_tmp(name));
    gb_image_diff d;
    gb_error err = {0};
    gbt_assert_ok(gb_image_compare(img, ref, tolerance, &d, &err), &err);
    long total = (long)d.width * d.height;
    printf("  %-28s %ld of %ld pixels differ by more than %d (largest difference %d)\n", name, d.n_diff, total,
           tolerance, d.max_diff);
    assert_true(d.n_diff <= (long)(max_bad_frac * (double)total));
}

/* ---- views without a window ---- */

gb_model *gbv_tiny_encdec(void) {
    gb_config c;
    gb_config_defaults(&c, GB_ARCH_ENCDEC);
    c.vocab_size = 40, c.d_model = 16, c.n_layers = 2, c.n_enc_layers = 2, c.n_heads = 2, c.n_kv_heads = 2;
    c.d_head = 8, c.d_ff = 32, c.max_seq = 32, c.pos = GB_POS_SINUSOIDAL;
    gb_model *m = NULL;
    gb_error err = {0};
    gbt_assert_ok(gb_model_create(&c, &m, &err), &err);
    gb_model_init_random(m, 7, 0.3f);
    return m;
}

void *gbv_view_open(const gb_view *v, const gb_view_args *a, const gb_shared *sh) {
    assert_non_null(v);
    gb_error err = {0};
    void *self = v->create(a, &err);
    if (!self) fail_msg("create %s: %s", v->name, err.msg);
    gbt_assert_ok(gb_view_settle(v, self, sh, &err), &err);
    return self;
}

cairo_surface_t *gbv_render(const gb_view *v, void *self, const gb_shared *sh, int w, int h) {
    v->layout(self, w, h, sh);
    cairo_surface_t *img = gb_render_image(v, self, sh, w, h, 1.0);
    assert_non_null(img);
    return img;
}

/* ---- the real window ---- */

gb_window *gbv_window_open(const gb_view_args *a, const gb_shared *base, int w, int h, const char *view,
                           double idle_s) {
    gb_window *win = NULL;
    gb_error err = {0};
    gbt_assert_ok(gb_window_open(&win, a, base, &(gb_window_opts){w, h, view}, &err), &err);
    if (idle_s > 0) assert_true(gb_window_idle(win, idle_s)); /* the first jobs ran on the worker */
    return win;
}

void gbv_push_key(gb_window *win, SDL_Keycode k, Uint16 mod) {
    SDL_Event e;
    SDL_zero(e);
    e.type = SDL_KEYDOWN;
    e.key.windowID = gb_window_id(win);
    e.key.state = SDL_PRESSED;
    e.key.keysym.sym = k;
    e.key.keysym.mod = mod;
    SDL_PushEvent(&e);
}

void gbv_push_text(gb_window *win, const char *s) {
    SDL_Event e;
    SDL_zero(e);
    e.type = SDL_TEXTINPUT;
    e.text.windowID = gb_window_id(win);
    snprintf(e.text.text, sizeof e.text.text, "%s", s);
    SDL_PushEvent(&e);
}

void gbv_push_button(gb_window *win, Uint32 type, double x, double y) {
    SDL_Event e;
    SDL_zero(e);
    e.type = type;
    e.button.windowID = gb_window_id(win);
    e.button.button = SDL_BUTTON_LEFT;
    e.button.state = type == SDL_MOUSEBUTTONDOWN ? SDL_PRESSED : SDL_RELEASED;
    e.button.clicks = 1;
    e.button.x = (int)x, e.button.y = (int)y;
    SDL_PushEvent(&e);
}

void gbv_push_motion(gb_window *win, double x, double y, Uint32 held) {
    SDL_Event e;
    SDL_zero(e);
    e.type = SDL_MOUSEMOTION;
    e.motion.windowID = gb_window_id(win);
    e.motion.x = (int)x, e.motion.y = (int)y;
    e.motion.state = held;
    SDL_PushEvent(&e);
}

void gbv_push_leave(gb_window *win) {
    SDL_Event e;
    SDL_zero(e);
    e.type = SDL_WINDOWEVENT;
    e.window.windowID = gb_window_id(win);
    e.window.event = SDL_WINDOWEVENT_LEAVE;
    SDL_PushEvent(&e);
}

void gbv_push_click(gb_window *win, double x, double y) {
    gbv_push_button(win, SDL_MOUSEBUTTONDOWN, x, y);
    gbv_push_button(win, SDL_MOUSEBUTTONUP, x, y);
}

void gbv_settle(gb_window *win, int before, double idle_s, int after) {
    for (int i = 0; i < before; i++) gb_window_step(win, 0);
    if (idle_s > 0) assert_true(gb_window_idle(win, idle_s));
    for (int i = 0; i < after; i++) gb_window_step(win, 0);
}

/* ---- the command line ---- */

void gbv_join_args(const char **args_out, int cap, const char *const *head, const char *const *tail) {
    int k = 0;
    for (int i = 0; head && head[i]; i++) {
        assert_true(k < cap - 1);
        args_out[k++] = head[i];
    }
    for (int i = 0; tail && tail[i]; i++) {
        assert_true(k < cap - 1);
        args_out[k++] = tail[i];
    }
    args_out[k] = NULL;
}

void gbv_run_ok(const char *const *args) {
    char *err = NULL;
    int rc = gbt_run(NULL, 0, NULL, NULL, &err, args);
    if (rc != 0) fail_msg("glassbox %s: exit %d: %s", args[0], rc, err);
    free(err);
}

void gbv_assert_file_starts(const char *path, const char *magic) {
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("%s: no file", path);
    char head[16] = {0};
    size_t n = strlen(magic);
    assert_true(n <= sizeof head);
    size_t got = fread(head, 1, n, f);
    fclose(f);
    assert_int_equal(got, n);
    assert_memory_equal(head, magic, n);
}

void gbv_expect_bad(const char *const *args, const char *needle, const char *out) {
    if (out) remove(out);
    char *err = NULL;
    int rc = gbt_run(NULL, 0, NULL, NULL, &err, args);
    printf("  exit %d: %s", rc, err ? err : "(nothing)\n");
    assert_int_equal(rc, 2);
    assert_non_null(err);
    assert_non_null(strstr(err, needle));
    assert_non_null(strchr(err, '\n'));
    assert_true(strchr(err, '\n') == err + strlen(err) - 1); /* one line */
    free(err);
    struct stat st;
    if (out) assert_true(stat(out, &st) != 0); /* no file left behind */
}
