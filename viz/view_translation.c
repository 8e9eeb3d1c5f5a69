/* view_translation.c - the "translation" view: a French sentence read by the
 * encoder, the English one written by the decoder from <s> to </s> (stepped
 * with space / backspace), the cross-attention of a chosen layer and head as
 * an alignment heatmap and as lines between the two sentences, and the
 * candidates of the newest step. State, job and events live here; drawing in
 * view_translation_draw.c; the translation itself is gb_translate_greedy. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view_translation.h"

/* ---- the job: load what is missing, tokenize, translate ---- */

typedef struct tr_job {
    gb_job base;
    task_load L;
    char *prompt;
    gb_translation t;
    char (*src_lab)[TASK_LABEL], (*tgt_lab)[TASK_LABEL], (*cand_lab)[TASK_LABEL];
    int n_unk;
    gb_error err;
    bool ok;
} tr_job;

static void tr_run(gb_job *base) {
    tr_job *j = (tr_job *)base;
    if (task_job_prepare(&j->L, &j->err)) return;
    const gb_model *m = j->L.m;
    if (m->cfg.arch != GB_ARCH_ENCDEC) {
        gb_fail(&j->err, GB_ERR_INPUT, "%s is not an encoder-decoder model: translation needs one, such as classroom-translate",
                m->source ? m->source : "the model");
        return;
    }
    int *src = NULL, n = 0;
    if (task_job_encode(&j->L, j->prompt, false, &src, &n, &j->err)) return;
    int bos = gb_tokenizer_special(j->L.tok, GB_SPECIAL_BOS), eos = gb_tokenizer_special(j->L.tok, GB_SPECIAL_EOS);
    int unk = gb_tokenizer_special(j->L.tok, GB_SPECIAL_UNK);
    for (int i = 0; i < n; i++) j->n_unk += src[i] == unk;
    if (n == 0) gb_fail(&j->err, GB_ERR_INPUT, "Type a French sentence to translate (Ctrl+L), e.g. la grenouille avait faim .");
    else if (bos < 0 || eos < 0) gb_fail(&j->err, GB_ERR_INPUT, "the tokenizer has no <s> and </s> tokens to start and end a translation");
    else if (!gb_translate_greedy(m, src, n, bos, eos, m->cfg.max_seq, TR_TOP_K, &j->t, &j->err)) j->ok = true;
    free(src);
    if (!j->ok) return;
    j->src_lab = task_labels(j->L.tok, j->t.src, j->t.n_src);
    j->tgt_lab = task_labels(j->L.tok, j->t.ids, j->t.n_ids);
    j->cand_lab = task_labels(j->L.tok, j->t.top_ids, j->t.n_steps * j->t.top_k);
    j->ok = j->src_lab && j->tgt_lab && j->cand_lab;
}

static void tr_clear(tr_view *v) {
    gb_translation_free(&v->t);
    free(v->src_lab), free(v->tgt_lab), free(v->cand_lab), free(v->avg), free(v->row_p), free(v->col_p), free(v->mask);
    v->src_lab = v->tgt_lab = v->cand_lab = NULL, v->avg = NULL, v->row_p = v->col_p = NULL, v->mask = NULL;
    v->have = false;
}

static void tr_sync(tr_view *v);

static void tr_finish(gb_job *base, void *self) {
    tr_job *j = (tr_job *)base;
    tr_view *v = self;
    v->job_out = false;
    if (!j->L.m && !j->ok) snprintf(v->src.load_error, sizeof v->src.load_error, "%s", j->err.msg);
    task_job_adopt(&v->src, &j->L);
    v->c_model = j->L.m; /* the bundled model, when this job loaded it */
    tr_clear(v);
    if (!j->ok) {
        snprintf(v->error, sizeof v->error, "%s", j->err.msg[0] ? j->err.msg : "the translation failed");
        v->input_bad = j->err.status == GB_ERR_INPUT;
    } else {
        v->error[0] = '\0', v->input_bad = false;
        v->t = j->t, memset(&j->t, 0, sizeof j->t);
        v->src_lab = j->src_lab, v->tgt_lab = j->tgt_lab, v->cand_lab = j->cand_lab;
        j->src_lab = j->tgt_lab = j->cand_lab = NULL;
        v->n_unk = j->n_unk;
        v->have = true;
        size_t cells = (size_t)(v->t.n_steps * v->t.n_src > 0 ? v->t.n_steps * v->t.n_src : 1);
        v->avg = malloc(cells * sizeof *v->avg);
        v->mask = malloc(cells);
        v->row_p = calloc((size_t)v->t.n_steps + 1, sizeof *v->row_p);
        v->col_p = calloc((size_t)v->t.n_src + 1, sizeof *v->col_p);
        if (!v->avg || !v->mask || !v->row_p || !v->col_p) tr_clear(v), snprintf(v->error, sizeof v->error, "out of memory");
        v->hover_r = v->hover_c = v->hover_line = -1;
    }
    tr_sync(v);
}

static void tr_job_free(gb_job *base) {
    tr_job *j = (tr_job *)base;
    task_load_free(&j->L);
    gb_translation_free(&j->t);
    free(j->prompt), free(j->src_lab), free(j->tgt_lab), free(j->cand_lab);
    free(j);
}

static bool blank(const char *s) {
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n') return false;
    return true;
}

static gb_job *tr_update(void *self, const gb_shared *sh) {
    tr_view *v = self;
    if (v->job_out) return NULL;
    bool foreign;
    const gb_model *m = task_model(&v->src, sh, &foreign);
    if (!m && v->src.load_error[0]) {
        snprintf(v->error, sizeof v->error, "%s", v->src.load_error);
        return NULL;
    }
    if (!v->first_prompt) v->first_prompt = strdup(sh->prompt ? sh->prompt : "");
    /* the window's own prompt goes with its model: with a model of another family, show the
     * French example until the user types something */
    bool dflt = blank(sh->prompt) || (foreign && v->first_prompt && strcmp(v->first_prompt, sh->prompt) == 0);
    const char *prompt = dflt ? TR_DEFAULT_PROMPT : sh->prompt;
    if (m && v->c_model == m && v->c_prompt && strcmp(v->c_prompt, prompt) == 0) return NULL;
    tr_job *j = calloc(1, sizeof *j);
    char *copy = strdup(prompt);
    if (!j || !copy) return free(j), free(copy), NULL;
    j->base = (gb_job){tr_run, tr_finish, tr_job_free, m ? "translating" : "opening classroom-translate"};
    j->L = (task_load){.bundled = v->src.bundled, .m = m, .tok = m && v->src.tok_for == m ? v->src.tok : NULL};
    j->prompt = copy;
    free(v->c_prompt);
    v->c_prompt = strdup(prompt);
    v->c_model = m;
    v->c_default = dflt;
    v->job_out = true;
    return &j->base;
}

/* ---- state ---- */

int tr_shown(const tr_view *v) {
    if (!v->have) return 0;
    int n = v->t.n_ids;
    return v->upto > 0 && v->upto < n ? v->upto : n;
}

const float *tr_matrix(const tr_view *v) {
    if (!v->have) return NULL;
    if (v->heads.average) return v->avg;
    return gb_translation_cross(&v->t, v->heads.layer, v->heads.head);
}

/* Recompute the average and bring the widgets up to date. */
static void tr_sync(tr_view *v) {
    if (v->have) {
        if (v->arg_layer < 0 && !v->heads.n_layers) v->heads.layer = v->t.n_layers - 1; /* the last layer aligns best */
        task_heads_sync(&v->heads, v->t.n_layers, v->t.n_heads);
        size_t n = (size_t)v->t.n_steps * v->t.n_src;
        for (size_t i = 0; v->avg && i < n; i++) {
            double s = 0;
            for (int h = 0; h < v->t.n_heads; h++) s += gb_translation_cross(&v->t, v->heads.layer, h)[i];
            v->avg[i] = (float)(s / v->t.n_heads);
        }
        int rows = tr_shown(v) - 1;
        for (int i = 0; i < v->t.n_steps; i++) v->row_p[i] = i < rows ? v->tgt_lab[i + 1] : "";
        for (int j = 0; j < v->t.n_src; j++) v->col_p[j] = v->src_lab[j];
        for (int i = 0; i < v->t.n_steps; i++) memset(v->mask + (size_t)i * v->t.n_src, i >= rows, (size_t)v->t.n_src);
    }
    int n = v->have ? v->t.n_ids : 2;
    v->step_s.min = 1, v->step_s.max = n > 1 ? n : 2;
    gb_slider_set(&v->step_s, tr_shown(v) > 0 ? tr_shown(v) : 1);
    v->back_b.disabled = tr_shown(v) <= 1;
    v->next_b.disabled = v->all_b.disabled = !v->have || tr_shown(v) >= v->t.n_ids;
}

static bool tr_step(tr_view *v, int shown) {
    if (!v->have) return false;
    int n = v->t.n_ids, s = shown < 1 ? 1 : shown > n ? n : shown;
    if (s == tr_shown(v)) return false;
    v->upto = s >= n ? 0 : s;
    v->hover_r = v->hover_c = v->hover_line = -1;
    tr_sync(v);
    return true;
}

static void tr_destroy(void *self);

static void *tr_create(const gb_view_args *a, gb_error *err) {
    tr_view *v = calloc(1, sizeof *v);
    if (!v) return gb_fail(err, GB_ERR_INTERNAL, "translation: out of memory"), NULL;
    v->src = (task_src){.arch = GB_ARCH_ENCDEC, .bundled = "classroom-translate", .family = "an encoder-decoder model"};
    v->arg_layer = a->layer, v->arg_head = a->head, v->arg_upto = a->upto;
    v->upto = a->upto > 0 ? a->upto : 0;
    v->hover_r = v->hover_c = v->hover_line = -1;
    v->sel_r = a->query, v->sel_c = a->key;
    gb_hl_parse(&v->hl, a->highlight);
    gb_ui_init(&v->ui, gb_theme_normal());
    gb_widget_button(&v->back_b, "\xE2\x97\x82 back");
    gb_widget_set_tooltip(&v->back_b, "Remove the newest English word (Backspace)");
    gb_widget_button(&v->next_b, "next word \xE2\x96\xB8");
    gb_widget_set_tooltip(&v->next_b, "Let the decoder write one more word (Space)");
    gb_widget_button(&v->all_b, "all");
    gb_widget_set_tooltip(&v->all_b, "The whole translation, up to </s> (End)");
    gb_widget_slider(&v->step_s, "English tokens", 1, 1, 2, 1, 0);
    gb_widget_set_tooltip(&v->step_s, "How many English tokens are shown, <s> included (Home, End)");
    gb_widget *ws[] = {&v->back_b, &v->next_b, &v->all_b, &v->step_s};
    for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++) gb_ui_add(&v->ui, ws[i]);
    task_heads_init(&v->heads, &v->ui, a->layer, a->head, a->average);
    tr_sync(v);
    return v;
}

static void tr_destroy(void *self) {
    tr_view *v = self;
    if (!v) return;
    tr_clear(v);
    task_src_free(&v->src);
    free(v->c_prompt), free(v->first_prompt);
    gb_widget *ws[] = {&v->back_b, &v->next_b, &v->all_b, &v->step_s};
    for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++) gb_widget_free(ws[i]);
    task_heads_free(&v->heads);
    free(v);
}

/* ---- layout ---- */

void tr_geometry(const tr_view *v, double w, double h, const gb_shared *sh, tr_geom *g) {
    const gb_theme *t = sh->theme;
    memset(g, 0, sizeof *g);
    gb_rect r = gb_view_body(w, h, t);
    if (r.w < 1 || r.h < 1) return;
    if (sh->interactive) g->controls = gb_rect_cut_top(&r, gb_widget_height(t), t->gap);
    /* two rows of words, or more when they wrap */
    double rows = 2;
    if (v->have && r.w > 0) {
        gb_rect probe = {0, 0, r.w - t->font * 6, 1e6}; /* as draw_sentences; the whole English, so nothing jumps */
        double one = t->font * 2.0;
        rows = task_draw_strip(NULL, probe, v->src_lab, v->t.n_src, NULL, -1, NULL, t, NULL) / one +
               task_draw_strip(NULL, probe, v->tgt_lab, v->t.n_ids, NULL, -1, NULL, t, NULL) / one;
        rows = fmax(2, fmin(6, rows));
    }
    g->sentence = gb_rect_cut_top(&r, rows * t->font * 2.4 + t->font * 1.6, t->gap);
    /* the candidates want four bars, the lines two rows of words and room between them */
    double cand_need = gb_panel_header_h("x", t) + t->font * 9, lines_need = gb_panel_header_h("x", t) + t->font * 12;
    if (r.w > r.h * 1.1 && r.h >= cand_need + lines_need) {
        g->heat = gb_rect_cut_left(&r, r.w * 0.47, t->gap);
        g->cand = gb_rect_cut_bottom(&r, r.h * 0.45, t->gap);
        g->lines = r;
    } else if (r.w > r.h * 1.1) { /* short: three columns */
        double w0 = r.w;
        g->heat = gb_rect_cut_left(&r, w0 * 0.4, t->gap);
        g->cand = gb_rect_cut_right(&r, w0 * 0.27, t->gap);
        g->lines = r;
    } else {
        g->heat = gb_rect_cut_top(&r, r.h * 0.5, t->gap);
        g->cand = gb_rect_cut_right(&r, r.w * 0.4, t->gap);
        g->lines = r;
    }
}

static void tr_layout(void *self, double w, double h, const gb_shared *sh) {
    tr_view *v = self;
    const gb_theme *t = sh->theme;
    v->w = w, v->h = h;
    v->ui.theme = t;
    tr_geom g;
    tr_geometry(v, w, h, sh, &g);
    gb_rect c = g.controls;
    gb_font fb = gb_font_body(t);
    gb_widget *ws[] = {&v->back_b, &v->next_b, &v->all_b};
    for (int i = 0; i < 3; i++) {
        double tw;
        gb_text_size(NULL, &fb, ws[i]->label, &tw, NULL);
        ws[i]->r = gb_rect_cut_left(&c, fmin(c.w / 6, tw + 2 * t->pad + 12), t->gap);
    }
    v->heads.head_dd.r = gb_rect_cut_right(&c, fmin(c.w / 4, t->font * 11), t->gap);
    v->heads.layer_dd.r = gb_rect_cut_right(&c, fmin(c.w / 4, t->font * 7), t->gap);
    v->step_s.r = c;
    gb_widget *all[] = {&v->back_b, &v->next_b, &v->all_b, &v->step_s, &v->heads.layer_dd, &v->heads.head_dd};
    for (int i = 0; i < 6; i++) all[i]->hidden = !sh->interactive;
}

/* ---- events ---- */

static bool tr_hover(tr_view *v, const gb_event *ev, const gb_shared *sh) {
    int r = -1, c = -1, line = -1;
    if (v->have && ev->type == GB_EV_MOUSE_MOVE) {
        tr_geom g;
        tr_geometry(v, v->w, v->h, sh, &g);
        const gb_theme *t = sh->theme;
        gb_heatmap hm = tr_heatmap(v);
        gb_heatmap_geom hg;
        gb_heatmap_layout(&hm, tr_heat_area(g.heat, t), t, &hg);
        if (!gb_heatmap_hit(&hg, &hm, ev->x, ev->y, &r, &c) || r >= tr_shown(v) - 1) r = c = -1;
        tr_lines_geom lg;
        tr_lines_geometry(v, g.lines, t, &lg);
        int rows = tr_shown(v) - 1;
        if (rows > 0 && fabs(ev->y - lg.y_tgt) < t->font * 1.5 && gb_rect_contains(lg.area, ev->x, ev->y)) {
            int i = (int)lround((ev->x - lg.x_tgt0) / (lg.dx_tgt > 0 ? lg.dx_tgt : 1));
            if (i >= 0 && i < rows) line = i;
        }
    }
    if (r == v->hover_r && c == v->hover_c && line == v->hover_line) return false;
    v->hover_r = r, v->hover_c = c, v->hover_line = line;
    return true;
}

static bool tr_keys(tr_view *v, const gb_event *ev) {
    if (ev->type != GB_EV_KEY || ev->mods) return false;
    int s = tr_shown(v);
    switch (ev->key) {
    case GB_KEY_SPACE: return tr_step(v, s + 1);
    case GB_KEY_BACKSPACE: return tr_step(v, s - 1);
    case GB_KEY_HOME: return tr_step(v, 1);
    case GB_KEY_END: return tr_step(v, 1 << 20);
    case GB_KEY_CHAR:
        if (ev->ch == ']') return tr_step(v, s + 1);
        if (ev->ch == '[') return tr_step(v, s - 1);
        break;
    default: break;
    }
    if (task_heads_key(&v->heads, ev)) return tr_sync(v), true;
    return false;
}

static bool tr_event(void *self, const gb_event *ev, const gb_shared *sh) {
    tr_view *v = self;
    if (gb_ui_event(&v->ui, ev)) {
        if (v->back_b.clicked) v->back_b.clicked = false, tr_step(v, tr_shown(v) - 1);
        if (v->next_b.clicked) v->next_b.clicked = false, tr_step(v, tr_shown(v) + 1);
        if (v->all_b.clicked) v->all_b.clicked = false, tr_step(v, 1 << 20);
        if (v->step_s.changed) v->step_s.changed = false, tr_step(v, (int)lround(v->step_s.value));
        if (task_heads_read(&v->heads)) tr_sync(v);
        return true;
    }
    if (gb_ui_wants_keyboard(&v->ui)) return false;
    if (ev->type == GB_EV_MOUSE_MOVE) return tr_hover(v, ev, sh);
    if (ev->type == GB_EV_MOUSE_DOWN && ev->button == 1) { /* choose the cell under the pointer (again: none) */
        tr_hover(v, &(gb_event){.type = GB_EV_MOUSE_MOVE, .x = ev->x, .y = ev->y}, sh);
        if (v->hover_r < 0) return false;
        bool same = v->sel_r == v->hover_r && v->sel_c == v->hover_c;
        v->sel_r = same ? -1 : v->hover_r, v->sel_c = same ? -1 : v->hover_c;
        return true;
    }
    if (ev->type == GB_EV_KEY && !ev->mods && ev->key == GB_KEY_ESCAPE && v->sel_r >= 0) return v->sel_r = v->sel_c = -1, true;
    if (ev->type == GB_EV_LEAVE) {
        bool had = v->hover_r >= 0 || v->hover_line >= 0;
        v->hover_r = v->hover_c = v->hover_line = -1;
        return had;
    }
    return tr_keys(v, ev);
}

static gb_ui *tr_ui(void *self) { return &((tr_view *)self)->ui; }

/* "cross" [rows shown, n_src]: the alignment drawn; "target" [1, shown]: the English ids shown;
 * "candidates" [1, top_k]: the probabilities of the newest step's candidates. */
static const float *tr_matrix_named(const void *self, const char *name, int *rows, int *cols) {
    const tr_view *v = self;
    static float buf[4096];
    if (!v->have) return NULL;
    int s = tr_shown(v);
    if (strcmp(name, "cross") == 0) return *rows = s - 1, *cols = v->t.n_src, tr_matrix(v);
    if (strcmp(name, "target") == 0 && s <= 4096) {
        for (int i = 0; i < s; i++) buf[i] = (float)v->t.ids[i];
        return *rows = 1, *cols = s, buf;
    }
    if (strcmp(name, "candidates") == 0) {
        int step = s >= 2 ? s - 2 : 0;
        return *rows = 1, *cols = v->t.top_k, v->t.top_p + (size_t)step * v->t.top_k;
    }
    return NULL;
}

static gb_status tr_check(const void *self, const gb_shared *sh, gb_error *err) {
    const tr_view *v = self;
    if (task_check(&v->src, sh, "translation", err)) return err->status;
    if (!v->have) return gb_fail(err, GB_ERR_INPUT, "translation: %s", v->error[0] ? v->error : "nothing translated");
    if (task_heads_check("translation", v->arg_layer, v->arg_head, v->t.n_layers, v->t.n_heads, err)) return err->status;
    if (v->sel_r >= v->t.n_steps)
        return gb_fail(err, GB_ERR_INPUT, "translation --query: %d is beyond the %d English words written (0..%d)", v->sel_r,
                       v->t.n_steps, v->t.n_steps - 1);
    if (v->sel_c >= v->t.n_src)
        return gb_fail(err, GB_ERR_INPUT, "translation --key: %d is beyond the %d French tokens (0..%d)", v->sel_c, v->t.n_src,
                       v->t.n_src - 1);
    if (v->arg_upto > v->t.n_ids)
        return gb_fail(err, GB_ERR_INPUT, "translation --upto: %d is beyond the %d English tokens (<s> to %s)", v->arg_upto,
                       v->t.n_ids, v->t.finished ? "</s>" : "the cap");
    return GB_OK;
}

static const char *const TR_KEYS[] = {"Space  Backspace", "one more English word / one less",
                                      "Home  End", "only <s> / the whole translation",
                                      "Up  Down", "previous / next layer",
                                      "Left  Right", "previous / next head",
                                      "a", "average of the layer's heads",
                                      "hover", "the attention of a cell; an English word's lines",
                                      "click a cell, Esc", "point it out (its lines too) / no more",
                                      NULL};

/* The tokens of the --highlight words: French positions i, then English ones as n_src + i. */
static int tr_highlighted(const void *self, int *out, int cap) {
    const tr_view *v = self;
    if (!v->have) return 0;
    int k = task_highlighted(&v->hl, v->src_lab, v->t.n_src, 0, out, cap);
    return k + task_highlighted(&v->hl, v->tgt_lab, tr_shown(v), v->t.n_src, out + k, cap - k);
}

const gb_view gb_view_translation = {
    .name = "translation",
    .title = "Translation",
    .summary = "a French sentence, its English translation word by word, the cross-attention alignment (--upto, --layer, --head, --average, --query, --key)",
    .create = tr_create,
    .destroy = tr_destroy,
    .update = tr_update,
    .layout = tr_layout,
    .draw = tr_draw,
    .event = tr_event,
    .shortcuts = TR_KEYS,
    .ui = tr_ui,
    .matrix = tr_matrix_named,
    .check = tr_check,
    .highlighted = tr_highlighted,
};

/* ---- lessons: @select ENGLISH FRENCH as a cell ---- */

static int last_of(const int *ids, int n, int id) {
    for (int i = n - 1; i >= 0; i--)
        if (ids[i] == id) return i;
    return -1;
}

void gb_view_translation_select(const char *model, const char *prompt, const char *english, const char *french,
                                int *query, int *key) {
    *query = *key = -1;
    if (!prompt || !english || !french) return;
    gb_error err = {0};
    task_load L = {.bundled = model ? model : "classroom-translate"};
    int *src = NULL, n = 0;
    gb_translation t = {0};
    if (!task_job_prepare(&L, &err) && L.m->cfg.arch == GB_ARCH_ENCDEC && !task_job_encode(&L, prompt, false, &src, &n, &err) &&
        n > 0 && !gb_translate_greedy(L.m, src, n, gb_tokenizer_special(L.tok, GB_SPECIAL_BOS),
                                      gb_tokenizer_special(L.tok, GB_SPECIAL_EOS), L.m->cfg.max_seq, 0, &t, &err)) {
        int e = gb_tokenizer_lookup(L.tok, english), f = gb_tokenizer_lookup(L.tok, french);
        int row = e < 0 ? -1 : last_of(t.ids + 1, t.n_steps, e); /* step i writes ids[i + 1] */
        int col = f < 0 ? -1 : last_of(src, n, f);
        if (row >= 0 && col >= 0) *query = row, *key = col;
    }
    gb_translation_free(&t);
    free(src);
    task_load_free(&L);
}
