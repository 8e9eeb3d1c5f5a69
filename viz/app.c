/* app.c - the SDL2 shell (see app.h). The only file that includes SDL. */
#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>

#include "app_worker.h"
#include "glassbox/platform.h"
#include "render.h"

struct gb_window {
    SDL_Window *win;
    SDL_Renderer *ren;
    SDL_Texture *tex;
    int tex_w, tex_h;
    cairo_surface_t *surface; /* the frame, at the drawable's pixel size */
    gb_app app;
    gb_worker *worker;
    uint32_t done_event;      /* SDL user event: a job finished */
    double mouse_x, mouse_y;  /* from events, not SDL_GetMouseState */
    bool dirty, quit;
    long frames;
};

static void notify_done(void *user) {
    gb_window *w = user;
    SDL_Event e;
    SDL_zero(e);
    e.type = w->done_event;
    SDL_PushEvent(&e); /* thread-safe */
}

static char *clip_get(void *user) {
    (void)user;
    if (!SDL_HasClipboardText()) return NULL;
    char *s = SDL_GetClipboardText();
    char *copy = s ? strdup(s) : NULL;
    SDL_free(s);
    return copy;
}

static void clip_set(void *user, const char *text) {
    (void)user;
    SDL_SetClipboardText(text);
}

/* Window size (logical) and drawable size (pixels) -> layout and scale. */
static void resize(gb_window *w) {
    int ww, wh, pw, ph;
    SDL_GetWindowSize(w->win, &ww, &wh);
    if (SDL_GetRendererOutputSize(w->ren, &pw, &ph) != 0 || pw < 1) pw = ww, ph = wh;
    w->app.scale = ww > 0 ? (double)pw / ww : 1;
    gb_app_layout(&w->app, ww, wh);
    w->dirty = true;
}

gb_status gb_window_open(gb_window **out, const gb_view_args *args, const gb_shared *base,
                         const gb_window_opts *o, gb_error *err) {
    *out = NULL;
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0)
        return gb_fail(err, GB_ERR_INTERNAL, "view: cannot start SDL: %s", SDL_GetError());
    gb_window *w = calloc(1, sizeof *w);
    if (!w) return gb_fail(err, GB_ERR_INTERNAL, "view: out of memory");
    if (gb_app_init(&w->app, args, base, err)) {
        free(w);
        SDL_Quit();
        return err->status;
    }
    w->app.ui.host = (gb_ui_host){clip_get, clip_set, w};
    if (o && o->view) {
        for (int i = 0; i < w->app.n_views; i++)
            if (strcmp(w->app.views[i]->name, o->view) == 0) w->app.current = i;
    }
    w->win = SDL_CreateWindow("glassbox", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
                              o && o->width > 0 ? o->width : 1280, o && o->height > 0 ? o->height : 800,
                              SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    if (w->win) w->ren = SDL_CreateRenderer(w->win, -1, 0);
    w->done_event = SDL_RegisterEvents(1);
    w->worker = gb_worker_new(notify_done, w);
    if (!w->win || !w->ren || w->done_event == (uint32_t)-1 || !w->worker) {
        gb_fail(err, GB_ERR_INTERNAL, "view: cannot open a window: %s", SDL_GetError());
        gb_window_close(w);
        return GB_ERR_INTERNAL;
    }
    SDL_StartTextInput();
    resize(w);
    *out = w;
    return GB_OK;
}

void gb_window_close(gb_window *w) {
    if (!w) return;
    gb_worker_free(w->worker); /* first: a running job may still read the model */
    if (w->surface) cairo_surface_destroy(w->surface);
    if (w->tex) SDL_DestroyTexture(w->tex);
    if (w->ren) SDL_DestroyRenderer(w->ren);
    if (w->win) SDL_DestroyWindow(w->win);
    gb_app_free(&w->app);
    free(w);
    SDL_Quit();
}

gb_app *gb_window_app(gb_window *w) { return &w->app; }
uint32_t gb_window_id(gb_window *w) { return SDL_GetWindowID(w->win); }
long gb_window_frames(gb_window *w) { return w->frames; }

/* ---- SDL events -> gb_event ---- */

static gb_key map_key(SDL_Keycode k, unsigned *ch) {
    *ch = 0;
    switch (k) {
    case SDLK_LEFT: return GB_KEY_LEFT;
    case SDLK_RIGHT: return GB_KEY_RIGHT;
    case SDLK_UP: return GB_KEY_UP;
    case SDLK_DOWN: return GB_KEY_DOWN;
    case SDLK_HOME: return GB_KEY_HOME;
    case SDLK_END: return GB_KEY_END;
    case SDLK_PAGEUP: return GB_KEY_PAGEUP;
    case SDLK_PAGEDOWN: return GB_KEY_PAGEDOWN;
    case SDLK_BACKSPACE: return GB_KEY_BACKSPACE;
    case SDLK_DELETE: return GB_KEY_DELETE;
    case SDLK_RETURN: case SDLK_KP_ENTER: return GB_KEY_ENTER;
    case SDLK_ESCAPE: return GB_KEY_ESCAPE;
    case SDLK_TAB: return GB_KEY_TAB;
    case SDLK_SPACE: return GB_KEY_SPACE;
    case SDLK_F1: return GB_KEY_F1;
    case SDLK_F5: return GB_KEY_F5;
    case SDLK_F11: return GB_KEY_F11;
    default:
        if (k >= 32 && k < 127) {
            *ch = (unsigned)k;
            return GB_KEY_CHAR;
        }
        return GB_KEY_NONE;
    }
}

static int map_mods(Uint16 m) {
    return (m & KMOD_SHIFT ? GB_MOD_SHIFT : 0) | (m & KMOD_CTRL ? GB_MOD_CTRL : 0) |
           (m & KMOD_ALT ? GB_MOD_ALT : 0);
}

/* Returns false for SDL events that are not input for the app. */
static bool translate(gb_window *w, const SDL_Event *e, gb_event *ev) {
    memset(ev, 0, sizeof *ev);
    switch (e->type) {
    case SDL_MOUSEMOTION:
        w->mouse_x = e->motion.x, w->mouse_y = e->motion.y;
        ev->type = GB_EV_MOUSE_MOVE;
        break;
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
        w->mouse_x = e->button.x, w->mouse_y = e->button.y;
        ev->type = e->type == SDL_MOUSEBUTTONDOWN ? GB_EV_MOUSE_DOWN : GB_EV_MOUSE_UP;
        ev->button = e->button.button;
        ev->clicks = e->button.clicks;
        ev->mods = map_mods((Uint16)SDL_GetModState()); /* Shift+click */
        break;
    case SDL_MOUSEWHEEL:
        ev->type = GB_EV_WHEEL;
        ev->wheel = e->wheel.direction == SDL_MOUSEWHEEL_FLIPPED ? -e->wheel.y : e->wheel.y;
        break;
    case SDL_KEYDOWN:
        ev->type = GB_EV_KEY;
        ev->key = map_key(e->key.keysym.sym, &ev->ch);
        ev->mods = map_mods(e->key.keysym.mod);
        if (ev->key == GB_KEY_NONE) return false;
        break;
    case SDL_TEXTINPUT:
        ev->type = GB_EV_TEXT;
        snprintf(ev->text, sizeof ev->text, "%s", e->text.text);
        break;
    default: return false;
    }
    ev->x = w->mouse_x, ev->y = w->mouse_y;
    return true;
}

static void apply_flags(gb_window *w, int f);

static void handle(gb_window *w, const SDL_Event *e) {
    if (e->type == SDL_QUIT) {
        w->quit = true;
        return;
    }
    if (e->type == w->done_event) {
        int tag;
        gb_job *job = gb_worker_take(w->worker, &tag);
        if (job) {
            job->finish(job, w->app.self[tag]);
            job->free(job);
        }
        w->app.busy_what = NULL;
        w->dirty = true;
        return;
    }
    if (e->type == SDL_WINDOWEVENT) {
        if (e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED) resize(w);
        else if (e->window.event == SDL_WINDOWEVENT_EXPOSED) w->dirty = true;
        else if (e->window.event == SDL_WINDOWEVENT_LEAVE) {
            gb_event ev = {.type = GB_EV_LEAVE, .x = -1, .y = -1};
            apply_flags(w, gb_app_event(&w->app, &ev));
        }
        return;
    }
    gb_event ev;
    if (translate(w, e, &ev)) apply_flags(w, gb_app_event(&w->app, &ev));
}

/* ---- jobs, export, drawing ---- */

static void start_jobs(gb_window *w) {
    if (gb_worker_busy(w->worker)) return;
    int cur = w->app.current;
    gb_shared sh = gb_app_shared(&w->app);
    const gb_view *v = w->app.views[cur];
    gb_job *job = v->update ? v->update(w->app.self[cur], &sh) : NULL;
    if (!job) return;
    if (!gb_worker_submit(w->worker, job, cur)) { /* cannot happen: we checked */
        job->finish(job, w->app.self[cur]);
        job->free(job);
        return;
    }
    w->app.busy_what = job->what;
    w->app.busy_since = gb_now();
    w->dirty = true;
}

static void export_view(gb_window *w) {
    gb_app *a = &w->app;
    const gb_view *v = a->views[a->current];
    char path[160];
    snprintf(path, sizeof path, "glassbox-%s.png", v->name);
    gb_shared sh = gb_app_shared(a);
    sh.interactive = false;
    gb_error err = {0};
    gb_status st = gb_render_write(v, a->self[a->current], &sh, (int)a->view_area.w, (int)a->view_area.h,
                                   a->scale, path, &err);
    if (st) snprintf(a->status, sizeof a->status, "could not save: %.200s", err.msg);
    else snprintf(a->status, sizeof a->status, "saved %s", path);
    gb_app_layout(a, a->w, a->h); /* back to the interactive layout */
}

static void apply_flags(gb_window *w, int f) {
    if (f & GB_APP_REDRAW) w->dirty = true;
    if (f & GB_APP_QUIT) w->quit = true;
    if (f & GB_APP_FULLSCREEN) {
        SDL_SetWindowFullscreen(w->win, w->app.fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
        resize(w);
    }
    if (f & GB_APP_EXPORT) export_view(w), w->dirty = true;
}

static bool ensure_frame(gb_window *w, int pw, int ph) {
    if (w->tex && w->tex_w == pw && w->tex_h == ph) return true;
    if (w->tex) SDL_DestroyTexture(w->tex);
    if (w->surface) cairo_surface_destroy(w->surface);
    w->tex = SDL_CreateTexture(w->ren, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STREAMING, pw, ph);
    w->surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, pw, ph);
    w->tex_w = pw, w->tex_h = ph;
    return w->tex && cairo_surface_status(w->surface) == CAIRO_STATUS_SUCCESS;
}

static void redraw(gb_window *w) {
    int pw = (int)(w->app.w * w->app.scale + 0.5), ph = (int)(w->app.h * w->app.scale + 0.5);
    if (pw < 1 || ph < 1 || !ensure_frame(w, pw, ph)) return;
    cairo_t *cr = cairo_create(w->surface);
    cairo_scale(cr, w->app.scale, w->app.scale);
    gb_app_draw(cr, &w->app);
    cairo_destroy(cr);
    cairo_surface_flush(w->surface);
    SDL_UpdateTexture(w->tex, NULL, cairo_image_surface_get_data(w->surface),
                      cairo_image_surface_get_stride(w->surface));
    SDL_RenderClear(w->ren);
    SDL_RenderCopy(w->ren, w->tex, NULL, NULL);
    SDL_RenderPresent(w->ren);
    w->frames++;
    w->dirty = false;
}

bool gb_window_step(gb_window *w, int timeout_ms) {
    SDL_Event e;
    /* animate the spinner and tooltips with a short timeout; otherwise sleep */
    if (timeout_ms < 0 && (w->app.busy_what || w->app.ui.hot >= 0 || w->app.animating)) timeout_ms = 100;
    int got = timeout_ms < 0 ? SDL_WaitEvent(&e) : SDL_WaitEventTimeout(&e, timeout_ms);
    if (got) {
        handle(w, &e);
        while (!w->quit && SDL_PollEvent(&e)) handle(w, &e);
    }
    if (w->app.prompt_changed) w->app.prompt_changed = false; /* views read sh.prompt in update() */
    if (gb_app_tick(&w->app, gb_now()) & GB_APP_REDRAW) w->dirty = true;
    start_jobs(w);
    if (w->dirty && !w->quit) redraw(w);
    return !w->quit;
}

void gb_window_run(gb_window *w) {
    while (gb_window_step(w, -1)) {
    }
}

bool gb_window_idle(gb_window *w, double seconds) {
    double end = gb_now() + seconds;
    for (;;) {
        gb_window_step(w, 10);
        if (!gb_worker_busy(w->worker) && !w->app.busy_what) {
            /* one more step: the view may want another job after the last one */
            gb_window_step(w, 0);
            if (!gb_worker_busy(w->worker) && !w->app.busy_what) return true;
        }
        if (gb_now() > end) return false;
    }
}

gb_status gb_window_screenshot(gb_window *w, const char *path, gb_error *err) {
    int pw, ph;
    if (SDL_GetRendererOutputSize(w->ren, &pw, &ph) != 0) pw = w->tex_w, ph = w->tex_h;
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, pw, ph);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS ||
        SDL_RenderReadPixels(w->ren, NULL, SDL_PIXELFORMAT_ARGB8888, cairo_image_surface_get_data(img),
                             cairo_image_surface_get_stride(img)) != 0) {
        cairo_surface_destroy(img);
        return gb_fail(err, GB_ERR_INTERNAL, "%s: cannot read the window: %s", path, SDL_GetError());
    }
    cairo_surface_mark_dirty(img);
    gb_afile af;
    gb_status st = gb_afile_open(&af, path, err);
    if (!st) {
        if (cairo_surface_write_to_png(img, af.tmp) != CAIRO_STATUS_SUCCESS) {
            gb_afile_abort(&af);
            st = gb_fail(err, GB_ERR_INPUT, "%s: cannot write", path);
        } else {
            st = gb_afile_commit(&af, err);
        }
    }
    cairo_surface_destroy(img);
    return st;
}
