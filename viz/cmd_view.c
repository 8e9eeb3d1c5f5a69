/* cmd_view.c - `glassbox view [--model M] [--prompt TEXT] [--lesson FILE]`:
 * the window. `glassbox --lesson FILE` and `glassbox` alone come here too
 * (main.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "glassbox/model.h"
#include "cli.h"
#include "lesson_player.h"
#include "render.h"
#include "text.h"
#include "view_model.h"

#define DEFAULT_PROMPT "The quick brown fox jumps over the lazy dog"
#define CLASSROOM_PROMPT "the teacher taught the students with the book ."

int gb_cmd_view(int argc, char **argv) {
    gb_error err = {0};
    gb_view_args args;
    gb_view_args_defaults(&args);
    const char *size = "1280x800", *view = NULL, *shot = NULL, *lesson = NULL;
    bool presenter = false;
    gb_opt opts[] = {
        {"--model", NULL, GB_OPT_STR, &args.model, 0, -1, "M   model (bundled name or file)", false},
        {"--prompt", NULL, GB_OPT_STR, &args.prompt, 0, -1, "TEXT   the prompt", false},
        {"--view", NULL, GB_OPT_STR, &view, 0, -1, "NAME   the view to open first", false},
        {"--size", NULL, GB_OPT_STR, &size, 0, -1, "WxH   initial window size", false},
        {"--presenter", NULL, GB_OPT_FLAG, &presenter, 0, -1, "start in presenter mode", false},
        {"--dim", NULL, GB_OPT_INT, &args.dim, 2, 1024, "D   positions: width d (even)", false},
        {"--length", NULL, GB_OPT_INT, &args.length, 2, 1024, "N   positions: how many", false},
        {"--tokenizer", NULL, GB_OPT_STR, &args.tokenizer, 0, -1, "T   tokenizer file or folder", false},
        {"--ids", NULL, GB_OPT_STR, &args.ids, 0, -1, "1,2,3   token ids instead of a prompt", false},
        {"--session", NULL, GB_OPT_STR, &args.session, 0, -1, "FILE   a saved sampling session to replay (generation view)", false},
        {"--lesson", NULL, GB_OPT_STR, &lesson, 0, -1, "FILE|DIR   play a lesson (lessons/*.md) beside the views, or choose one from a folder", false},
        {"--screenshot", NULL, GB_OPT_STR, &shot, 0, -1, "FILE.png   draw one frame, save it, quit", false},
    };
    const char *pos[1];
    int n_pos, w, h;
    if (gb_parse_opts("view", argc, argv, opts, (int)(sizeof opts / sizeof opts[0]), pos, 0, &n_pos, &err) ||
        gb_parse_size(size, &w, &h, &err))
        return gb_cli_error(&err);
    if (view && !gb_view_find(view)) {
        gb_fail(&err, GB_ERR_INPUT, "view --view: unknown view '%s' (one of: %s)", view, gb_view_names());
        return gb_cli_error(&err);
    }
    if (args.dim % 2) {
        gb_fail(&err, GB_ERR_INPUT, "view --dim: %d is odd; sin/cos pairs need an even width", args.dim);
        return gb_cli_error(&err);
    }
    /* Without a model (and nothing that says "no model"), the bundled
     * classroom model and its example sentence, as `glassbox` alone opens. */
    if (!args.model && !args.tokenizer && !args.ids && !args.session) {
        char *bundled = gb_find_bundled("models/classroom.safetensors");
        if (bundled) {
            args.model = "classroom";
            if (!args.prompt) args.prompt = CLASSROOM_PROMPT;
        }
        free(bundled);
    }
    if (!args.prompt) args.prompt = DEFAULT_PROMPT;
    if (args.session && !view) view = "generation";
    /* a model that fails to load is reported in the window, not by refusing to open */
    gb_view_model vm;
    gb_error model_err = {0};
    gb_view_model_open(&vm, args.model, &model_err);
    gb_shared base = {.theme = gb_theme_get(presenter), .presenter = presenter,
                      .model_error = model_err.msg[0] ? model_err.msg : NULL};
    gb_view_model_share(&vm, &base);
    if (shot && gb_render_fonts(&err)) return gb_cli_error(&err);
    gb_player *player = NULL;
    if (lesson && gb_player_open(&player, lesson, &err)) return gb_view_model_close(&vm), gb_cli_error(&err);
    if (!lesson) player = gb_player_launcher(); /* the Lessons button: the bundled lessons, if found */
    gb_window *win;
    gb_status st = gb_window_open(&win, &args, &base, &(gb_window_opts){w, h, view}, &err);
    if (!st && player) gb_player_attach(player, gb_window_app(win));
    if (!st) {
        if (shot) {
            gb_window_idle(win, 30);
            st = gb_window_screenshot(win, shot, &err);
        } else {
            gb_window_run(win);
        }
        gb_window_close(win);
    }
    gb_player_free(player);
    gb_view_model_close(&vm);
    gb_text_shutdown();
    return st ? gb_cli_error(&err) : 0;
}
