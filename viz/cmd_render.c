/* cmd_render.c - `glassbox render VIEW [options] --out FILE.png|.svg|.pdf`:
 * any view, headless, with the same draw code as the window. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "render.h"
#include "text.h"
#include "view.h"
#include "view_model.h"
#include "view_tokenization.h"

typedef struct render_args {
    gb_view_args view;
    const char *out, *size;
    double scale;
    bool presenter;
} render_args;

static gb_status parse(int argc, char **argv, render_args *a, const char **name, gb_error *err) {
    gb_view_args_defaults(&a->view);
    a->size = "1280x800";
    a->scale = 1;
    gb_opt opts[] = {
        {"--out", "-o", GB_OPT_STR, &a->out, 0, -1, "FILE   .png, .svg or .pdf", false},
        {"--size", NULL, GB_OPT_STR, &a->size, 0, -1, "WxH   size in pixels (default 1280x800)", false},
        {"--scale", NULL, GB_OPT_FLOAT, &a->scale, 0.25, 4, "S   pixel density for PNG (2 = HiDPI)", false},
        {"--presenter", NULL, GB_OPT_FLAG, &a->presenter, 0, -1, "large type, high contrast", false},
        {"--model", NULL, GB_OPT_STR, &a->view.model, 0, -1, "M   model (bundled name or file)", false},
        {"--prompt", NULL, GB_OPT_STR, &a->view.prompt, 0, -1, "TEXT   the prompt", false},
        {"--dim", NULL, GB_OPT_INT, &a->view.dim, 2, 1024, "D   positions: width d (even)", false},
        {"--length", NULL, GB_OPT_INT, &a->view.length, 2, 1024, "N   positions: how many", false},
        {"--pair", NULL, GB_OPT_INT, &a->view.pair, 0, 511, "K   positions: first pair drawn as waves", false},
        {"--tokenizer", NULL, GB_OPT_STR, &a->view.tokenizer, 0, -1, "T   tokenizer file or folder", false},
        {"--ids", NULL, GB_OPT_STR, &a->view.ids, 0, -1, "1,2,3   token ids instead of a prompt", false},
        {"--step", NULL, GB_OPT_INT, &a->view.step, 0, 1000000, "N   tokenization: merges replayed", false},
        {"--token", NULL, GB_OPT_INT, &a->view.token, 0, 1000000, "I   embeddings, positions: prompt token", false},
        {"--pick", NULL, GB_OPT_STR, &a->view.pick, 0, -1, "ID[,ID]   embeddings: vocabulary ids picked", false},
        {"--source-ids", NULL, GB_OPT_STR, &a->view.source_ids, 0, -1, "1,2,3   attention: source tokens (encoder-decoder)", false},
        {"--attn", NULL, GB_OPT_STR, &a->view.attn, 0, -1, "self|encoder|cross   attention: which attention", false},
        {"--layer", NULL, GB_OPT_INT, &a->view.layer, 0, 63, "L   attention: open this layer's head (with --head); generation: the attention panel's layer; translation, classification: the layer", false},
        {"--head", NULL, GB_OPT_INT, &a->view.head, 0, 1023, "H   attention: the head to open; generation: the panel's head; translation, classification: the head", false},
        {"--query", NULL, GB_OPT_INT, &a->view.query, 0, 1023, "Q   attention: the query row whose arithmetic is shown", false},
        {"--key", NULL, GB_OPT_INT, &a->view.key, 0, 1023, "K   attention: the key column whose arithmetic is shown", false},
        {"--upto", NULL, GB_OPT_INT, &a->view.upto, 1, 1024, "S   attention: the model after the first S tokens (scrub); translation: English tokens shown", false},
        {"--position", NULL, GB_OPT_INT, &a->view.position, 0, 1023, "P   lens: the position read (default: the last)", false},
        {"--scores", NULL, GB_OPT_FLAG, &a->view.scores, 0, -1, "attention: scores before the softmax", false},
        {"--average", NULL, GB_OPT_FLAG, &a->view.average, 0, -1, "attention, generation, translation, classification: average over the layer's heads", false},
        {"--lines", NULL, GB_OPT_FLAG, &a->view.lines, 0, -1, "attention: tokens in two columns joined by lines", false},
        {"--off", NULL, GB_OPT_STR, &a->view.off, 0, -1, "L.H,...   attention, lens: switch these heads off", false},
        {"--no-pos", NULL, GB_OPT_FLAG, &a->view.no_pos, 0, -1, "attention, lens: remove the positional encodings", false},
        {"--temperature", "-t", GB_OPT_FLOAT, &a->view.temperature, 0, 1000, "X   distribution, generation: temperature (0 = greedy)", false},
        {"--top-k", NULL, GB_OPT_INT, &a->view.top_k, 0, 1000000, "K   distribution, generation: top-k (0 = off)", false},
        {"--top-p", NULL, GB_OPT_FLOAT, &a->view.top_p, 0.001, 1, "P   distribution, generation: top-p (1 = off)", false},
        {"--strategy", NULL, GB_OPT_STR, &a->view.strategy, 0, -1, "S   greedy|random|top-k|top-p|combined", false},
        {"--seed", NULL, GB_OPT_U64, &a->view.seed, 0, -1, "S   distribution, generation, compare: seed", false},
        {"--steps", NULL, GB_OPT_INT, &a->view.steps, 0, 4096, "N   distribution, generation: generate N tokens first", false},
        {"--max-new-tokens", NULL, GB_OPT_INT, &a->view.max_new, 1, 4096, "N   sampling views: tokens at most", false},
        {"--strategies", NULL, GB_OPT_STR, &a->view.strategies, 0, -1, "LIST   compare: e.g. greedy,top-k=40,top-p=0.9,t=1.5", false},
        {"--at", NULL, GB_OPT_INT, &a->view.at, 0, 4096, "I   compare: the step whose distributions are shown", false},
        {"--session", NULL, GB_OPT_STR, &a->view.session, 0, -1, "FILE   generation: a saved session to replay", false},
        {"--highlight", NULL, GB_OPT_STR, &a->view.highlight, 0, -1, "WORDS   mark these words (space or comma separated) in the views' tokens", false},
    };
    const char *pos[1];
    int n_pos;
    gb_status st = gb_parse_opts("render", argc, argv, opts, (int)(sizeof opts / sizeof opts[0]), pos, 1,
                                 &n_pos, err);
    if (st) return st;
    if (n_pos < 1)
        return gb_fail(err, GB_ERR_INPUT, "render: which view? (one of: %s)", gb_view_names());
    *name = pos[0];
    if (!gb_view_find(*name))
        return gb_fail(err, GB_ERR_INPUT, "render: unknown view '%s' (one of: %s)", *name, gb_view_names());
    if (!a->out) return gb_fail(err, GB_ERR_INPUT, "render: --out FILE.png|.svg|.pdf is required");
    if (a->view.dim % 2)
        return gb_fail(err, GB_ERR_INPUT, "render --dim: %d is odd; sin/cos pairs need an even width", a->view.dim);
    long bad = a->view.prompt ? gb_utf8_bad_offset(a->view.prompt, strlen(a->view.prompt)) : -1;
    if (bad >= 0) return gb_fail(err, GB_ERR_INPUT, "render --prompt: not valid UTF-8 (byte %ld)", bad);
    if (2 * a->view.pair >= a->view.dim)
        return gb_fail(err, GB_ERR_INPUT, "render --pair: %d is beyond the %d pairs of d = %d",
                       a->view.pair, a->view.dim / 2, a->view.dim);
    return GB_OK;
}

static gb_status run(render_args *a, const char *name, gb_error *err) {
    int w, h;
    gb_render_format fmt;
    if (gb_parse_size(a->size, &w, &h, err) || gb_render_format_of(a->out, &fmt, err)) return err->status;
    if (gb_render_fonts(err)) return err->status;
    const gb_view *v = gb_view_find(name);
    gb_view_model vm;
    gb_status st = gb_view_model_open(&vm, a->view.model, err);
    if (st) return st;
    gb_shared sh = {.theme = gb_theme_get(a->presenter), .presenter = a->presenter,
                    .interactive = false, .prompt = a->view.prompt};
    gb_view_model_share(&vm, &sh);
    void *self = v->create(&a->view, err);
    if (!self) {
        gb_view_model_close(&vm);
        return err->status ? err->status : GB_ERR_INTERNAL;
    }
    st = gb_view_settle(v, self, &sh, err);
    if (!st && v->check) st = v->check(self, &sh, err);
    if (!st) st = gb_render_write(v, self, &sh, w, h, a->scale, a->out, err);
    v->destroy(self);
    gb_view_model_close(&vm);
    return st;
}

int gb_cmd_render(int argc, char **argv) {
    gb_error err = {0};
    render_args a = {0};
    const char *name = NULL;
    gb_status st = parse(argc, argv, &a, &name, &err);
    if (!st) st = run(&a, name, &err);
    gb_text_shutdown();
    return st ? gb_cli_error(&err) : 0;
}
