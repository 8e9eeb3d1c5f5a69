/* view_tokenization.c - the "tokenization" view: how a tokenizer turns the
 * prompt into ids, step by step. The text and its pre-token chunks, a replay
 * of the BPE merges one at a time (forward and back), the final tokens as
 * coloured chips with their ids (hover: bytes and id), and the same text cut
 * by every other tokenizer available, with the count of tokens of each.
 *
 * Keys: Left/Right (or Space) step back/forward, Home/End first/last step,
 * t / Shift+T next/previous tokenizer. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view_tokenization_int.h"

/* ---- the job: load tokenizers, encode the text with each ---- */

typedef struct tok_job {
    gb_job base;
    char *prompt;
    gb_tok_catalog cat;       /* paths; tokenizers loaded here are moved back */
    const gb_tok_catalog *shared; /* the view's loaded tokenizers (read-only) */
    tok_result res[GB_TOK_CHOICES];
} tok_job;

static void encode_one(tok_result *r, const gb_tokenizer *t, const char *text) {
    gb_error err = {0};
    r->rec = gb_tok_record_new();
    if (!r->rec) return;
    if (gb_tokenizer_encode(t, text, strlen(text), true, &r->ids, &r->n, r->rec, &err)) {
        snprintf(r->error, sizeof r->error, "%s", err.msg);
        gb_tok_record_free(r->rec);
        r->rec = NULL, r->ids = NULL, r->n = 0;
    }
}

static void tok_job_run(gb_job *base) {
    tok_job *j = (tok_job *)base;
    gb_tok_catalog_load(&j->cat);
    for (int i = 0; i < j->cat.n; i++) {
        gb_tok_choice *c = &j->cat.c[i];
        tok_result *r = &j->res[i];
        r->done = true;
        const gb_tokenizer *t = c->tok ? c->tok : j->shared->c[i].tok;
        if (c->built) {
            gb_vocab_opts o;
            gb_vocab_opts_default(&o);
            gb_error err = {0};
            if (gb_tokenizer_build((gb_tok_kind)(c->built - 1), j->prompt, strlen(j->prompt), &o, &r->built, &err)) {
                snprintf(r->error, sizeof r->error, "%s", err.msg);
                r->built = NULL;
                continue;
            }
            t = r->built;
        }
        if (!t) {
            const char *why = strcmp(c->error, "-") != 0 ? c->error : j->shared->c[i].error;
            snprintf(r->error, sizeof r->error, "%s", why[0] ? why : "not loaded");
            continue;
        }
        encode_one(r, t, j->prompt);
    }
}

static void result_free(tok_result *r) {
    if (r->built) gb_tokenizer_free(r->built);
    gb_tok_record_free(r->rec);
    free(r->ids);
    memset(r, 0, sizeof *r);
}


static void tok_job_finish(gb_job *base, void *self) {
    tok_job *j = (tok_job *)base;
    tok_view *v = self;
    v->job_out = false;
    gb_tok_catalog_move(&v->cat, &j->cat);
    for (int i = 0; i < GB_TOK_CHOICES; i++) {
        result_free(&v->res[i]);
        v->res[i] = j->res[i];
        memset(&j->res[i], 0, sizeof j->res[i]);
    }
    free(v->c_prompt);
    v->c_prompt = j->prompt;
    j->prompt = NULL;
    v->computed = true;
    v->results_gen++;
    tok_refresh_items(v);
}

static void tok_job_free(gb_job *base) {
    tok_job *j = (tok_job *)base;
    for (int i = 0; i < GB_TOK_CHOICES; i++) result_free(&j->res[i]);
    gb_tok_catalog_free(&j->cat);
    free(j->prompt);
    free(j);
}

static gb_job *tok_update(void *self, const gb_shared *sh) {
    tok_view *v = self;
    const char *p = sh->prompt ? sh->prompt : "";
    if (v->job_out) return NULL;
    if (v->computed && v->c_model == (const void *)sh->model && v->c_prompt && strcmp(v->c_prompt, p) == 0)
        return NULL;
    if (v->c_model != (const void *)sh->model || !v->cat.n) { /* the model's own tokenizer leads the list */
        gb_tok_catalog_free(&v->cat);
        const char *own = v->own ? v->own : sh->model ? sh->model->tokenizer_ref : NULL;
        gb_tok_catalog_find(&v->cat, own);
        v->c_model = sh->model;
        v->results_gen++;
        if (v->sel >= v->cat.n) v->sel = 0;
        tok_refresh_items(v);
    }
    tok_job *j = calloc(1, sizeof *j);
    if (!j) return NULL;
    j->base = (gb_job){tok_job_run, tok_job_finish, tok_job_free, "tokenizing"};
    j->prompt = strdup(p);
    j->shared = &v->cat;
    j->cat = v->cat; /* a copy of the entries; what the view has loaded is only borrowed */
    for (int i = 0; i < j->cat.n; i++) {
        j->cat.c[i].tok = NULL;
        if (v->cat.c[i].tok || v->cat.c[i].error[0]) /* loaded or failed already: skip */
            snprintf(j->cat.c[i].error, sizeof j->cat.c[i].error, "-");
    }
    if (!j->prompt) {
        free(j);
        return NULL;
    }
    v->job_out = true;
    return &j->base;
}

/* ---- state ---- */

const tok_result *tok_cur(const tok_view *v) {
    return v->computed && v->sel < v->cat.n ? &v->res[v->sel] : NULL;
}

const gb_tokenizer *tok_cur_tok(const tok_view *v) {
    const tok_result *r = tok_cur(v);
    if (!r) return NULL;
    return r->built ? r->built : v->cat.c[v->sel].tok;
}

int tok_n_merges(const tok_view *v) {
    const tok_result *r = tok_cur(v);
    return r && r->rec ? r->rec->n_merges : 0;
}

int tok_cur_step(const tok_view *v) {
    int m = tok_n_merges(v);
    return v->step < 0 || v->step > m ? m : v->step;
}

void tok_refresh_items(tok_view *v) {
    for (int i = 0; i < v->cat.n; i++) {
        const gb_tok_choice *c = &v->cat.c[i];
        const gb_tokenizer *t = c->tok ? c->tok : v->res[i].built;
        if (t && !c->built)
            snprintf(v->items_buf[i], sizeof v->items_buf[i], "%s (%s, %d)", c->name,
                     gb_tok_kind_name(gb_tokenizer_kind(t)), gb_tokenizer_vocab_size(t));
        else snprintf(v->items_buf[i], sizeof v->items_buf[i], "%s", c->name);
        v->items[i] = v->items_buf[i];
    }
    v->tok_dd.items = v->items;
    v->tok_dd.n_items = v->cat.n;
    v->tok_dd.selected = v->sel;
    v->step_s.max = tok_n_merges(v) > 0 ? tok_n_merges(v) : 1;
    v->step_s.disabled = tok_n_merges(v) == 0;
    gb_slider_set(&v->step_s, tok_cur_step(v));
    v->step_s.changed = false;
}

static void *tok_create(const gb_view_args *a, gb_error *err) {
    tok_view *v = calloc(1, sizeof *v);
    if (!v) {
        gb_fail(err, GB_ERR_INTERNAL, "tokenization: out of memory");
        return NULL;
    }
    v->own = a->tokenizer ? strdup(a->tokenizer) : NULL;
    v->ids_given = a->ids != NULL;
    v->step = a->step;
    v->hover = -1;
    gb_hl_parse(&v->hl, a->highlight);
    gb_ui_init(&v->ui, gb_theme_normal());
    gb_widget_dropdown(&v->tok_dd, "tokenizer", v->items, 0, 0);
    gb_widget_set_tooltip(&v->tok_dd, "Which tokenizer cuts the text (t / Shift+T)");
    gb_widget_button(&v->prev_b, "\xE2\x97\x80 back");
    gb_widget_set_tooltip(&v->prev_b, "Undo one merge (Left)");
    gb_widget_slider(&v->step_s, "merge step", 0, 0, 1, 1, 0);
    gb_widget_set_tooltip(&v->step_s, "How many merges have been applied (Home / End)");
    gb_widget_button(&v->next_b, "next \xE2\x96\xB6");
    gb_widget_set_tooltip(&v->next_b, "Apply the next merge (Right or Space)");
    gb_widget_button(&v->all_b, "all merges");
    gb_widget_set_tooltip(&v->all_b, "Jump to the final tokens (End)");
    gb_ui_add(&v->ui, &v->tok_dd);
    gb_ui_add(&v->ui, &v->prev_b);
    gb_ui_add(&v->ui, &v->step_s);
    gb_ui_add(&v->ui, &v->next_b);
    gb_ui_add(&v->ui, &v->all_b);
    return v;
}

static void tok_destroy(void *self) {
    tok_view *v = self;
    if (!v) return;
    for (int i = 0; i < GB_TOK_CHOICES; i++) result_free(&v->res[i]);
    gb_tok_catalog_free(&v->cat);
    free(v->c_prompt);
    free(v->own);
    free(v->ids_f);
    gb_widget *ws[5] = {&v->tok_dd, &v->prev_b, &v->step_s, &v->next_b, &v->all_b};
    for (int i = 0; i < 5; i++) {
        ws[i]->items = NULL;
        gb_widget_free(ws[i]);
    }
    free(v);
}

static gb_ui *tok_ui(void *self) { return &((tok_view *)self)->ui; }

static const char *tok_input_error(const void *self) {
    const tok_view *v = self;
    const tok_result *r = tok_cur(v);
    static char msg[320];
    if (!v->computed) return NULL;
    if (!v->c_prompt || !v->c_prompt[0]) return "tokenization: no text to tokenize (give --prompt TEXT)";
    if (!r || (!r->rec && r->error[0])) {
        snprintf(msg, sizeof msg, "tokenization: %s", r ? r->error : "no tokenizer");
        return msg;
    }
    return NULL;
}

/* "state" [1, 6]: the chosen tokenizer, the step shown, the merges, the
 * tokens, the tokenizers listed, the token under the pointer (-1); "counts" [1, n]: tokens per tokenizer (-1:
 * not available); "tokens" [1, n]: the ids. For tests and exports. */
static const float *tok_matrix(const void *self, const char *name, int *rows, int *cols) {
    tok_view *v = (tok_view *)self; /* the buffers are a cache of the state */
    const tok_result *r = tok_cur(v);
    if (!r) return NULL;
    *rows = 1;
    if (strcmp(name, "state") == 0) {
        v->state_f[0] = (float)v->sel, v->state_f[1] = (float)tok_cur_step(v), v->state_f[2] = (float)tok_n_merges(v);
        v->state_f[3] = (float)r->n, v->state_f[4] = (float)v->cat.n, v->state_f[5] = (float)v->hover;
        return *cols = 6, v->state_f;
    }
    if (strcmp(name, "counts") == 0) {
        for (int i = 0; i < v->cat.n; i++) v->counts_f[i] = v->res[i].rec ? (float)v->res[i].n : -1.0f;
        return *cols = v->cat.n, v->counts_f;
    }
    if (strcmp(name, "tokens") == 0 && r->n > 0) {
        float *f = realloc(v->ids_f, (size_t)r->n * sizeof *f);
        if (!f) return NULL;
        v->ids_f = f;
        for (int i = 0; i < r->n; i++) f[i] = (float)r->ids[i];
        return *cols = r->n, f;
    }
    return NULL;
}

static const char *const TOK_KEYS[] = {
    "Left  Right  (Space)", "undo / apply one merge",
    "Home  End", "no merges / all merges",
    "t  Shift+T", "next / previous tokenizer",
    NULL,
};

const gb_view gb_view_tokenization = {
    .name = "tokenization",
    .title = "Tokenization",
    .summary = "text to tokens: chunks, BPE merges step by step, ids, other tokenizers (--tokenizer, --step)",
    .create = tok_create,
    .destroy = tok_destroy,
    .update = tok_update,
    .layout = tok_layout,
    .draw = tok_draw,
    .event = tok_event,
    .shortcuts = TOK_KEYS,
    .ui = tok_ui,
    .input_error = tok_input_error,
    .matrix = tok_matrix,
    .highlighted = tok_highlighted,
};
