/* view_distribution_state.c - the sampler session behind the distribution,
 * generation and compare views (view_distribution.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glassbox/tokenizer.h"
#include "view_distribution.h"

const char *const GB_STRATEGY_NAMES[GB_STRAT_N] = {"greedy", "random", "top-k", "top-p", "combined"};

gb_sampler_settings gb_samp_settings_of(gb_strategy st, double t, int k, double p) {
    gb_sampler_settings s = {t, 0, 1.0};
    if (st == GB_STRAT_GREEDY) s.temperature = 0;
    if (st == GB_STRAT_TOPK || st == GB_STRAT_COMBINED) s.top_k = k;
    if (st == GB_STRAT_TOPP || st == GB_STRAT_COMBINED) s.top_p = p;
    return s;
}

gb_sampler_settings gb_samp_settings(const gb_samp *p) {
    return gb_samp_settings_of(p->strategy, p->temperature, p->top_k, p->top_p);
}

static char *dup_str(const char *s) {
    if (!s) return NULL;
    char *d = malloc(strlen(s) + 1);
    if (d) strcpy(d, s);
    return d;
}

bool gb_samp_init(gb_samp *p, const gb_view_args *a, int default_steps, gb_error *err) {
    memset(p, 0, sizeof *p);
    p->shown = p->rec_node = -1;
    p->temperature = a->temperature;
    p->top_k = a->top_k > 0 ? a->top_k : 40;
    p->top_p = a->top_p < 1 ? a->top_p : 0.9;
    p->seed = a->seed;
    p->max_new = a->max_new;
    p->init_steps = a->steps >= 0 ? a->steps : default_steps;
    if (!(a->temperature >= 0 && a->temperature <= GB_TEMPERATURE_MAX))
        return gb_fail(err, GB_ERR_INPUT, "--temperature: %g is out of range [0, %g] (0 = greedy)", a->temperature,
                       GB_TEMPERATURE_MAX), false;
    if (!(a->top_p > 0 && a->top_p <= 1))
        return gb_fail(err, GB_ERR_INPUT, "--top-p: %g is out of range (0, 1] (1 = off)", a->top_p), false;
    if (a->strategy) {
        int i = 0;
        while (i < GB_STRAT_N && strcmp(GB_STRATEGY_NAMES[i], a->strategy) != 0) i++;
        if (i == GB_STRAT_N)
            return gb_fail(err, GB_ERR_INPUT, "--strategy: unknown '%s' (greedy, random, top-k, top-p, combined)",
                           a->strategy), false;
        p->strategy = (gb_strategy)i;
    } else {
        bool k = a->top_k > 0, pp = a->top_p < 1;
        p->strategy = a->temperature == 0 ? GB_STRAT_GREEDY : k && pp ? GB_STRAT_COMBINED : k ? GB_STRAT_TOPK
                      : pp ? GB_STRAT_TOPP : GB_STRAT_RANDOM;
    }
    if (p->temperature == 0) p->temperature = 1; /* the slider's value when greedy */
    p->tok_arg = dup_str(a->tokenizer);
    p->session_path = dup_str(a->session);
    gb_hl_parse(&p->hl, a->highlight);
    return true;
}

static void drop_session(gb_samp *p) {
    gb_session_free(p->s);
    p->s = NULL;
    free(p->prompt);
    p->prompt = NULL;
    p->n_prompt = 0;
    p->shown = p->rec_node = -1;
    p->rec_ok = p->have_prev = false;
}

void gb_samp_free(gb_samp *p) {
    drop_session(p);
    if (p->rec.vocab) gb_sample_record_free(&p->rec);
    gb_att_tokens_close(&p->tokens);
    free(p->tok_arg);
    free(p->session_path);
    free(p->c_prompt);
    memset(p, 0, sizeof *p);
}

void gb_samp_reset(gb_samp *p) {
    drop_session(p);
    p->init_steps = 0;
    free(p->c_prompt);
    p->c_prompt = NULL;
    p->c_model = NULL;
}

int gb_samp_tip(const gb_samp *p) {
    if (!p->s) return -1;
    const gb_branch_info *b = gb_session_branch_info(p->s, gb_session_current_branch(p->s));
    return b ? b->tip : -1;
}

int gb_samp_n_generated(const gb_samp *p) {
    return p->s ? gb_session_path(p->s, gb_session_current_branch(p->s), NULL, 0) : 0;
}

void gb_samp_label(const gb_samp *p, int id, char *buf, size_t cap) {
    gb_att_label(&p->tokens, GB_ATT_FROM_TOKENIZER, id, buf, cap);
}

/* The vocabulary ids whose labels spell each highlighted word (one pass over the vocabulary). */
static void find_highlight(gb_samp *p, int vocab) {
    memset(p->hl_n, 0, sizeof p->hl_n);
    for (int id = 0; id < vocab && p->hl.n > 0; id++) {
        char lab[96];
        gb_samp_label(p, id, lab, sizeof lab);
        int k = gb_hl_match(&p->hl, lab, strlen(lab));
        if (k >= 0 && p->hl_n[k] < GB_SAMP_HL_IDS) p->hl_ids[k][p->hl_n[k]++] = id;
    }
}

/* Prompt ids as the generate command makes them (an empty prompt starts from BOS/EOS). */
static bool encode(gb_samp *p, const gb_model *m, const char *text, int *stop, int *n_stop) {
    gb_error e = {0};
    const gb_tokenizer *tok = p->tokens.tok;
    *n_stop = 0;
    const gb_special sp[2] = {GB_SPECIAL_BOS, GB_SPECIAL_EOS};
    for (int i = 0; i < 2; i++) {
        int id = gb_tokenizer_special(tok, sp[i]);
        if (id >= 0 && id < m->cfg.vocab_size && (*n_stop == 0 || stop[0] != id)) stop[(*n_stop)++] = id;
    }
    if (gb_tokenizer_encode(tok, text, strlen(text), true, &p->prompt, &p->n_prompt, NULL, &e)) {
        snprintf(p->error, sizeof p->error, "%s", e.msg);
        return false;
    }
    if (p->n_prompt == 0 && *n_stop) {
        free(p->prompt);
        p->prompt = malloc(sizeof *p->prompt);
        if (!p->prompt) return false;
        p->prompt[0] = stop[*n_stop - 1], p->n_prompt = 1;
    }
    if (p->n_prompt == 0) return snprintf(p->error, sizeof p->error, "Type a prompt to start from"), false;
    return true;
}

static bool alloc_record(gb_samp *p, const gb_model *m) {
    if (p->rec.vocab == m->cfg.vocab_size) return true;
    if (p->rec.vocab) gb_sample_record_free(&p->rec);
    memset(&p->rec, 0, sizeof p->rec);
    gb_error e = {0};
    if (gb_sample_record_init(&p->rec, m->cfg.vocab_size, &e)) return snprintf(p->error, sizeof p->error, "%s", e.msg), false;
    return true;
}

static bool build(gb_samp *p, const gb_model *m, const char *text) {
    if (m->cfg.arch == GB_ARCH_ENCDEC)
        return snprintf(p->error, sizeof p->error, "Sampling is shown for decoder models; this one is an encoder-decoder"), false;
    gb_att_tokens_open(&p->tokens, p->tok_arg, m);
    if (!p->tokens.tok)
        return snprintf(p->error, sizeof p->error, "%s", p->tokens.error[0] ? p->tokens.error
                        : "The model names no tokenizer: give --tokenizer"), false;
    find_highlight(p, m->cfg.vocab_size);
    gb_error e = {0};
    if (p->session_path) { /* replay the saved session, once */
        if (gb_session_load(m, p->session_path, &p->s, NULL, &e))
            return snprintf(p->error, sizeof p->error, "%s", e.msg), false;
        int n;
        const int *ids = gb_session_prompt(p->s, &n);
        p->prompt = malloc((size_t)n * sizeof *p->prompt);
        if (!p->prompt) return false;
        memcpy(p->prompt, ids, (size_t)n * sizeof *ids);
        p->n_prompt = n;
        p->seed = p->c_seed = gb_session_seed(p->s);
        p->max_new = p->c_max_new = gb_session_max_new_tokens(p->s);
        const gb_sampler_settings *set = gb_session_settings(p->s); /* the controls as they were */
        bool k = set->top_k > 0, pp = set->top_p < 1;
        p->strategy = set->temperature == 0 ? GB_STRAT_GREEDY : k && pp ? GB_STRAT_COMBINED : k ? GB_STRAT_TOPK
                      : pp ? GB_STRAT_TOPP : GB_STRAT_RANDOM;
        if (set->temperature > 0) p->temperature = set->temperature;
        if (k) p->top_k = set->top_k;
        if (pp) p->top_p = set->top_p;
        free(p->session_path);
        p->session_path = NULL;
        return alloc_record(p, m) && (p->shown = gb_samp_tip(p), true);
    }
    int stop[2], n_stop;
    if (!encode(p, m, text, stop, &n_stop)) return false;
    int room = m->cfg.max_seq - p->n_prompt + 1;
    if (room < 1)
        return snprintf(p->error, sizeof p->error, "The prompt's %d tokens do not fit in the context of %d", p->n_prompt,
                        m->cfg.max_seq), false;
    gb_session_opts o = gb_session_defaults();
    o.prompt = p->prompt, o.n_prompt = p->n_prompt, o.seed = p->seed;
    o.max_new_tokens = p->max_new < room ? p->max_new : room;
    o.settings = gb_samp_settings(p);
    memcpy(o.stop_ids, stop, sizeof stop);
    o.n_stop = n_stop;
    o.record_attention = true; /* the generation view shows what each step attended to */
    if (gb_session_new(m, &o, &p->s, &e)) return snprintf(p->error, sizeof p->error, "%s", e.msg), false;
    if (!alloc_record(p, m)) return false;
    for (int i = 0; i < p->init_steps && !gb_session_done(p->s); i++)
        if (gb_session_step(p->s, &e)) return snprintf(p->error, sizeof p->error, "%s", e.msg), false;
    p->shown = gb_samp_tip(p);
    return true;
}

bool gb_samp_sync(gb_samp *p, const gb_shared *sh) {
    const gb_model *m = sh->model;
    const char *text = sh->prompt ? sh->prompt : "";
    bool same = p->c_model == (const void *)m && p->c_prompt && strcmp(p->c_prompt, text) == 0 &&
                p->c_seed == p->seed && p->c_max_new == p->max_new;
    if (same) return false;
    int keep = p->s ? gb_samp_n_generated(p) : p->init_steps;
    drop_session(p);
    p->error[0] = '\0';
    p->c_model = m, p->c_seed = p->seed, p->c_max_new = p->max_new;
    free(p->c_prompt);
    p->c_prompt = dup_str(text);
    if (!m) {
        snprintf(p->error, sizeof p->error, "%s", sh->model_error ? sh->model_error
                 : "Sampling needs a model: open one with --model (e.g. --model classroom)");
        return true;
    }
    p->init_steps = keep;
    if (!build(p, m, text)) drop_session(p);
    return true;
}

bool gb_samp_step(gb_samp *p) {
    if (!p->s || gb_session_done(p->s)) return false;
    gb_error e = {0};
    if (gb_session_step(p->s, &e)) return snprintf(p->error, sizeof p->error, "%s", e.msg), true;
    p->shown = gb_samp_tip(p);
    p->have_prev = false;
    return true;
}

bool gb_samp_back(gb_samp *p) {
    int n = gb_samp_n_generated(p);
    if (!p->s || n == 0) return false;
    gb_error e = {0};
    if (gb_session_rewind(p->s, n - 1, &e)) return snprintf(p->error, sizeof p->error, "%s", e.msg), true;
    p->shown = gb_samp_tip(p);
    p->have_prev = false;
    return true;
}

bool gb_samp_apply(gb_samp *p) {
    if (!p->s) return false;
    gb_sampler_settings set = gb_samp_settings(p);
    gb_error e = {0};
    int tip = gb_samp_tip(p);
    if (tip < 0 || p->shown != tip) { /* nothing drawn here yet: settings for what follows */
        gb_session_set_settings(p->s, &set, &e);
        return true;
    }
    const gb_session_node *nd = gb_session_node_at(p->s, tip);
    int before = nd->token;
    gb_sampler_settings old = nd->settings;
    if (gb_session_resample(p->s, &set, &e)) return snprintf(p->error, sizeof p->error, "%s", e.msg), true;
    if (!p->have_prev) p->prev_token = before, p->prev_set = old;
    p->have_prev = true;
    p->shown = gb_samp_tip(p);
    p->rec_node = -1;
    return true;
}

void gb_samp_show(gb_samp *p, int node) {
    p->shown = node < 0 ? gb_samp_tip(p) : node;
    p->have_prev = false;
}

bool gb_samp_branch_at(gb_samp *p, int depth) {
    if (!p->s) return false;
    gb_error e = {0};
    gb_sampler_settings set = gb_samp_settings(p);
    if (gb_session_branch(p->s, depth, NULL, &e) || gb_session_set_settings(p->s, &set, &e) ||
        gb_session_step(p->s, &e))
        return snprintf(p->error, sizeof p->error, "%s", e.msg), true;
    p->shown = gb_samp_tip(p);
    p->have_prev = false;
    return true;
}

bool gb_samp_branch_with(gb_samp *p, int depth, int token) {
    if (!p->s) return false;
    gb_error e = {0};
    gb_sampler_settings set = gb_samp_settings(p);
    int n = gb_samp_n_generated(p), id = -1;
    if (gb_session_set_settings(p->s, &set, &e) || gb_session_branch_with(p->s, depth, token, &id, &e))
        return snprintf(p->error, sizeof p->error, "%s", e.msg), true;
    int forced = gb_samp_tip(p);
    while (gb_samp_n_generated(p) < n && !gb_session_done(p->s))
        if (gb_session_step(p->s, &e)) return snprintf(p->error, sizeof p->error, "%s", e.msg), true;
    p->shown = forced;
    p->have_prev = false;
    return true;
}

bool gb_samp_shown_forced(const gb_samp *p) {
    const gb_session_node *nd = p->s && p->shown >= 0 ? gb_session_node_at(p->s, p->shown) : NULL;
    return nd && nd->forced;
}

bool gb_samp_refresh(gb_samp *p) {
    if (!p->s || p->shown < 0) return p->rec_ok = false;
    if (p->rec_ok && p->rec_node == p->shown) return true;
    gb_error e = {0};
    p->rec_ok = gb_session_record(p->s, p->shown, &p->rec, &e) == GB_OK;
    if (p->rec_ok) gb_sample_record_sort_kept(&p->rec);
    p->rec_node = p->shown;
    return p->rec_ok;
}

int gb_dist_top(const gb_sample_record *rec, int *ids, int n) {
    if (n > rec->vocab) n = rec->vocab;
    int have = 0; /* ids[0..have) sorted by logit, highest first; equal logits keep id order */
    for (int v = 0; v < rec->vocab; v++) {
        float l = rec->logits[v];
        if (have == n && !(l > rec->logits[ids[n - 1]])) continue;
        int j = have < n ? have++ : n - 1;
        while (j > 0 && l > rec->logits[ids[j - 1]]) ids[j] = ids[j - 1], j--;
        ids[j] = v;
    }
    return have;
}

gb_status gb_samp_save(const gb_samp *p, const char *path, gb_error *err) {
    if (!p->s) return gb_fail(err, GB_ERR_INPUT, "%s: nothing to save yet", path);
    /* {"prompt": "..."} with the text escaped for JSON */
    const char *t = p->c_prompt ? p->c_prompt : "";
    size_t n = strlen(t);
    char *extra = malloc(6 * n + 16), *q = extra;
    if (!extra) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    q += sprintf(q, "{\"prompt\":\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c == '"' || c == '\\') *q++ = '\\', *q++ = (char)c;
        else if (c < 0x20) q += sprintf(q, "\\u%04x", c);
        else *q++ = (char)c;
    }
    strcpy(q, "\"}");
    gb_status st = gb_session_save(p->s, path, extra, err);
    free(extra);
    return st;
}

int gb_dist_rank(const gb_sample_record *rec, int id) {
    int r = 0;
    float l = rec->logits[id];
    for (int v = 0; v < rec->vocab; v++) r += rec->logits[v] > l || (rec->logits[v] == l && v < id);
    return r;
}

int gb_dist_hl_best(const gb_samp *p, int word) {
    int best = -1;
    for (int i = 0; i < p->hl_n[word]; i++) {
        int id = p->hl_ids[word][i];
        if (id < p->rec.vocab && (best < 0 || p->rec.logits[id] > p->rec.logits[best])) best = id;
    }
    return best;
}
