/* session.c - generation as a tree of recorded steps over one KV cache.
 *
 * Nodes live in one growing array (a child always has a larger index than its
 * parent); each keeps its logits so that re-sampling, showing or branching
 * never needs the model again. The KV cache mirrors one path at a time
 * (cache_ids); moving to another path re-runs only the positions that differ.
 */
#include "glassbox/session.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "glassbox/forward.h"
#include "glassbox/rng.h"
#include "glassbox/safetensors.h"

struct gb_session {
    const gb_model *m;
    gb_state *st;
    int vocab, context, max_new;
    int *prompt, n_prompt;
    uint64_t seed;
    gb_sampler_settings settings;
    int stop_ids[GB_SESSION_MAX_STOP], n_stop;
    gb_session_node *nodes;
    int n_nodes, cap_nodes;
    gb_branch_info *branches;
    int n_branches, cap_branches;
    int cur;                 /* current branch */
    int *cache_ids, cache_len; /* [context] the ids whose keys/values are cached */
    int *seq, *path;         /* scratch: [context + max_new], [max_new] */
    gb_sample_record rec;    /* scratch for sampling */
    gb_trace *attn_tr;       /* the attention patterns of each pass, when recording attention */
    char reason[64];
};

gb_session_opts gb_session_defaults(void) {
    gb_session_opts o;
    memset(&o, 0, sizeof o);
    o.max_new_tokens = 64;
    o.settings = gb_sampler_defaults();
    return o;
}

/* ---------- creation ---------- */

static gb_status check_opts(const gb_model *m, const gb_session_opts *o, int context, gb_error *err) {
    const gb_config *c = &m->cfg;
    if (c->arch != GB_ARCH_DECODER)
        return gb_fail(err, GB_ERR_INPUT, "generation needs a decoder-only model (this one is %s)",
                       gb_arch_name(c->arch));
    if (o->n_prompt < 1 || !o->prompt)
        return gb_fail(err, GB_ERR_INPUT, "prompt: needs at least one token (e.g. BOS)");
    if (o->n_prompt > context)
        return gb_fail(err, GB_ERR_INPUT,
                       "prompt: %d tokens do not fit in the context window of %d tokens",
                       o->n_prompt, context);
    for (int i = 0; i < o->n_prompt; i++)
        if (o->prompt[i] < 0 || o->prompt[i] >= c->vocab_size)
            return gb_fail(err, GB_ERR_INPUT, "prompt: token %d at position %d is outside the "
                           "vocabulary [0, %d)", o->prompt[i], i, c->vocab_size);
    int room = context - o->n_prompt + 1; /* the last new token is never fed back */
    if (o->max_new_tokens < 1 || o->max_new_tokens > room)
        return gb_fail(err, GB_ERR_INPUT,
                       "max-new-tokens: %d is out of range [1, %d] (a prompt of %d tokens in a "
                       "context window of %d)", o->max_new_tokens, room, o->n_prompt, context);
    if (o->n_stop < 0 || o->n_stop > GB_SESSION_MAX_STOP)
        return gb_fail(err, GB_ERR_INPUT, "stop ids: %d given, at most %d", o->n_stop, GB_SESSION_MAX_STOP);
    return gb_sampler_settings_validate(&o->settings, err);
}

gb_status gb_session_new(const gb_model *m, const gb_session_opts *o, gb_session **out,
                         gb_error *err) {
    *out = NULL;
    int context = o->context > 0 && o->context < m->cfg.max_seq ? o->context : m->cfg.max_seq;
    if (check_opts(m, o, context, err)) return GB_ERR_INPUT;
    gb_session *s = calloc(1, sizeof *s);
    if (!s) return gb_fail(err, GB_ERR_INTERNAL, "out of memory for a session");
    s->m = m;
    s->vocab = m->cfg.vocab_size;
    s->context = context;
    s->max_new = o->max_new_tokens;
    s->n_prompt = o->n_prompt;
    s->seed = o->seed;
    s->settings = o->settings;
    s->n_stop = o->n_stop;
    memcpy(s->stop_ids, o->stop_ids, sizeof s->stop_ids);
    s->prompt = malloc((size_t)o->n_prompt * sizeof(int));
    s->cache_ids = malloc((size_t)context * sizeof(int));
    s->seq = malloc((size_t)(o->n_prompt + o->max_new_tokens) * sizeof(int));
    s->path = malloc((size_t)o->max_new_tokens * sizeof(int));
    s->branches = calloc(4, sizeof *s->branches);
    s->cap_branches = 4;
    if (!s->prompt || !s->cache_ids || !s->seq || !s->path || !s->branches) {
        gb_session_free(s);
        return gb_fail(err, GB_ERR_INTERNAL, "out of memory for a session");
    }
    memcpy(s->prompt, o->prompt, (size_t)o->n_prompt * sizeof(int));
    if (gb_sample_record_init(&s->rec, s->vocab, err) ||
        !(s->st = gb_state_new(m, context, err))) {
        gb_session_free(s);
        return err && err->status ? err->status : GB_ERR_INTERNAL;
    }
    s->branches[0] = (gb_branch_info){.id = 0, .parent_branch = -1, .fork_depth = 0,
                                         .fork_node = -1, .tip = -1, .alive = true};
    s->n_branches = 1;
    if (o->record_attention &&
        !(s->attn_tr = gb_trace_new("blocks.*.attn.hook_pattern", o->n_prompt + o->max_new_tokens, err))) {
        gb_session_free(s);
        return err && err->status ? err->status : GB_ERR_INTERNAL;
    }
    *out = s;
    return GB_OK;
}

void gb_session_free(gb_session *s) {
    if (!s) return;
    for (int i = 0; i < s->n_nodes; i++) {
        free(s->nodes[i].logits);
        free(s->nodes[i].attention);
    }
    free(s->nodes);
    free(s->branches);
    free(s->prompt);
    free(s->cache_ids);
    free(s->seq);
    free(s->path);
    gb_sample_record_free(&s->rec);
    gb_state_free(s->st);
    gb_trace_free(s->attn_tr);
    free(s);
}

/* ---------- paths and the cache ---------- */

static int tip_of(const gb_session *s) { return s->branches[s->cur].tip; }
static int count_of(const gb_session *s, int node) { return node < 0 ? 0 : s->nodes[node].depth + 1; }

/* Node indices from the first step to `node` into s->path; returns the count. */
static int fill_path(const gb_session *s, int node, int *path) {
    int n = count_of(s, node);
    for (int i = n - 1; i >= 0; i--, node = s->nodes[node].parent) path[i] = node;
    return n;
}

/* The logits that follow the path ending at `node`: from an existing child's
 * cache if there is one (*sibling = that child: branching needs no forward
 * pass), else by running the model on the positions the KV cache does not
 * already hold (*sibling = -1; the pass records into attn_tr if recording). */
static gb_status next_logits(gb_session *s, int node, const float **logits, int *sibling, gb_error *err) {
    *sibling = -1;
    for (int i = node + 1; i < s->n_nodes; i++)
        if (s->nodes[i].alive && s->nodes[i].parent == node) {
            *logits = s->nodes[i].logits;
            *sibling = i;
            return GB_OK;
        }
    int n = fill_path(s, node, s->path), len = s->n_prompt + n;
    memcpy(s->seq, s->prompt, (size_t)s->n_prompt * sizeof(int));
    for (int i = 0; i < n; i++) s->seq[s->n_prompt + i] = s->nodes[s->path[i]].token;
    int c = 0;
    while (c < s->cache_len && c < len && s->cache_ids[c] == s->seq[c]) c++;
    if (c == len) c = len - 1; /* all cached: recompute the last row for its logits */
    gb_run_opts ro = {.trace = s->attn_tr};
    gb_status st = gb_forward_decoder(s->m, s->st, s->seq + c, len - c, c, s->attn_tr ? &ro : NULL, err);
    if (st) {
        s->cache_len = gb_state_len(s->st) < c ? gb_state_len(s->st) : c;
        return st;
    }
    memcpy(s->cache_ids + c, s->seq + c, (size_t)(len - c) * sizeof(int));
    s->cache_len = len;
    *logits = gb_state_logits(s->st);
    return GB_OK;
}

static bool is_stop(const gb_session *s, int token) {
    for (int i = 0; i < s->n_stop; i++)
        if (s->stop_ids[i] == token) return true;
    return false;
}

/* Copy the decision in s->rec into node i (totals from its parent). */
static void take_decision(gb_session *s, int i) {
    gb_session_node *nd = &s->nodes[i];
    const gb_sample_record *r = &s->rec;
    nd->token = r->chosen;
    nd->stop = is_stop(s, r->chosen);
    nd->settings = r->settings;
    nd->logprob_t1 = r->logprob_t1_chosen;
    nd->logprob_final = r->logprob_final_chosen;
    nd->entropy_t1 = r->entropy_t1;
    nd->entropy_final = r->entropy_final;
    nd->n_kept = r->n_kept;
    const gb_session_node *p = nd->parent >= 0 ? &s->nodes[nd->parent] : NULL;
    nd->total_logprob_t1 = (p ? p->total_logprob_t1 : 0.0) + nd->logprob_t1;
    nd->total_logprob_final = (p ? p->total_logprob_final : 0.0) + nd->logprob_final;
}

/* ---------- stepping ---------- */

bool gb_session_done(const gb_session *s) {
    int tip = tip_of(s);
    return (tip >= 0 && s->nodes[tip].stop) || count_of(s, tip) >= s->max_new;
}

const char *gb_session_done_reason(const gb_session *s) {
    gb_session *w = (gb_session *)s; /* the reason buffer is scratch */
    int tip = tip_of(s);
    if (tip >= 0 && s->nodes[tip].stop)
        snprintf(w->reason, sizeof w->reason, "stop token %d", s->nodes[tip].token);
    else if (count_of(s, tip) >= s->max_new)
        snprintf(w->reason, sizeof w->reason, "max-new-tokens (%d) reached", s->max_new);
    else
        w->reason[0] = '\0';
    return w->reason;
}

static gb_status grow_nodes(gb_session *s, gb_error *err) {
    if (s->n_nodes < s->cap_nodes) return GB_OK;
    int cap = s->cap_nodes ? 2 * s->cap_nodes : 64;
    gb_session_node *n = realloc(s->nodes, (size_t)cap * sizeof *n);
    if (!n) return gb_fail(err, GB_ERR_INTERNAL, "out of memory for generation steps");
    s->nodes = n;
    s->cap_nodes = cap;
    return GB_OK;
}

/* The attention rows of a step at `depth` ([L, H, T], T = n_prompt + depth):
 * a sibling's (same position, same prefix) or, after a pass, the last query
 * row of each layer's pattern in the trace. NULL when not recording. */
static gb_status step_attention(gb_session *s, int depth, int sibling, float **out, gb_error *err) {
    *out = NULL;
    if (!s->attn_tr) return GB_OK;
    int L = s->m->cfg.n_layers, H = s->m->cfg.n_heads, T = s->n_prompt + depth;
    size_t n = (size_t)L * H * T;
    if (sibling >= 0 && !s->nodes[sibling].attention) return GB_OK;
    float *a = malloc(n * sizeof(float));
    if (!a) return gb_fail(err, GB_ERR_INTERNAL, "out of memory for the attention of a step");
    if (sibling >= 0) {
        memcpy(a, s->nodes[sibling].attention, n * sizeof(float));
        *out = a;
        return GB_OK;
    }
    for (int l = 0; l < L; l++) {
        char name[64];
        snprintf(name, sizeof name, "blocks.%d.attn.hook_pattern", l);
        const gb_tensor *t = gb_trace_find(s->attn_tr, name);
        if (!t || t->shape[1] < T) {
            free(a);
            return gb_fail(err, GB_ERR_INTERNAL, "the pass recorded no %s row %d", name, T - 1);
        }
        for (int h = 0; h < H; h++)
            for (int k = 0; k < T; k++) a[((size_t)l * H + h) * T + k] = gb_tensor_at3(t, h, T - 1, k);
    }
    /* Free the patterns: each [H, cap, cap] tensor is allocated as zeros and only the rows a pass
     * writes take memory, so memory stays at one pass's rows instead of every position's. */
    gb_trace_clear(s->attn_tr);
    *out = a;
    return GB_OK;
}

/* A forced step's record: the sampler's record as drawn (u and where it fell
 * stay, to show what the draw would have given) with `token` chosen instead. */
static void force_choice(gb_sample_record *r, int token) {
    r->chosen = token;
    r->prob_final_chosen = r->probs_final[token];
    r->logprob_t1_chosen = ((double)r->logits[token] - (double)r->max_logit) - r->log_z1;
    r->logprob_final_chosen = r->probs_final[token] > 0 ? log((double)r->probs_final[token]) : -INFINITY;
}

/* One step on the current branch: drawn, or `forced` (>= 0) to that token. */
static gb_status make_step(gb_session *s, int forced, gb_error *err) {
    if (gb_session_done(s))
        return gb_fail(err, GB_ERR_INPUT, "generation is finished (%s): rewind, branch or start "
                       "again with a larger max-new-tokens", gb_session_done_reason(s));
    if (forced >= s->vocab)
        return gb_fail(err, GB_ERR_INPUT, "token %d is outside the vocabulary [0, %d)", forced, s->vocab);
    int parent = tip_of(s), depth = count_of(s, parent), sibling = -1;
    const float *logits = NULL;
    if (grow_nodes(s, err) || next_logits(s, parent, &logits, &sibling, err)) return err->status;
    if (forced >= 0 && !(logits[forced] > -INFINITY))
        return gb_fail(err, GB_ERR_INPUT, "token %d cannot follow here: the model gives it probability 0", forced);
    float *copy = malloc((size_t)s->vocab * sizeof(float)), *attn = NULL;
    if (!copy) return gb_fail(err, GB_ERR_INTERNAL, "out of memory for the logits of a step");
    memcpy(copy, logits, (size_t)s->vocab * sizeof(float));
    double u = gb_rng_derive_double(s->seed, (uint64_t)depth, (uint64_t)s->cur);
    gb_status st = gb_sample(&s->rec, copy, &s->settings, u, err);
    if (!st) st = step_attention(s, depth, sibling, &attn, err);
    if (st) {
        free(copy);
        return st;
    }
    if (forced >= 0) force_choice(&s->rec, forced);
    int i = s->n_nodes++;
    s->nodes[i] = (gb_session_node){.parent = parent, .depth = depth, .branch = s->cur, .alive = true,
                                    .draw = u, .forced = forced >= 0, .logits = copy, .attention = attn};
    take_decision(s, i);
    s->branches[s->cur].tip = i;
    return GB_OK;
}

gb_status gb_session_step(gb_session *s, gb_error *err) { return make_step(s, -1, err); }

gb_status gb_session_step_forced(gb_session *s, int token, gb_error *err) {
    if (token < 0) return gb_fail(err, GB_ERR_INPUT, "token %d is outside the vocabulary [0, %d)", token, s->vocab);
    return make_step(s, token, err);
}

gb_status gb_session_run(gb_session *s, gb_error *err) {
    while (!gb_session_done(s))
        if (gb_session_step(s, err)) return err->status;
    return GB_OK;
}

gb_status gb_session_set_settings(gb_session *s, const gb_sampler_settings *set, gb_error *err) {
    if (gb_sampler_settings_validate(set, err)) return GB_ERR_INPUT;
    s->settings = *set;
    return GB_OK;
}

const gb_sampler_settings *gb_session_settings(const gb_session *s) { return &s->settings; }

/* ---------- erasing: rewind and re-sampling ---------- */

/* Erase every alive node below `node` (its children and their subtrees; the
 * node itself too when with_self), then branches left without their path. */
static void erase_below(gb_session *s, int node, bool with_self) {
    for (int i = node >= 0 ? node : 0; i < s->n_nodes; i++) {
        gb_session_node *nd = &s->nodes[i];
        if (!nd->alive) continue;
        bool doomed = (with_self && i == node) || (i != node && nd->parent == node) ||
                      (nd->parent > node && nd->parent >= 0 && !s->nodes[nd->parent].alive);
        if (!doomed) continue;
        nd->alive = false;
        free(nd->logits);
        free(nd->attention);
        nd->logits = NULL;
        nd->attention = NULL;
    }
    for (int b = 0; b < s->n_branches; b++) {
        gb_branch_info *br = &s->branches[b];
        if (br->fork_node >= 0 && !s->nodes[br->fork_node].alive) br->alive = false;
        if (br->tip >= 0 && !s->nodes[br->tip].alive) br->alive = false;
    }
}

gb_status gb_session_resample(gb_session *s, const gb_sampler_settings *set, gb_error *err) {
    if (gb_sampler_settings_validate(set, err)) return GB_ERR_INPUT;
    int tip = tip_of(s);
    const gb_branch_info *br = &s->branches[s->cur];
    if (tip < 0 || tip == br->fork_node) {
        s->settings = *set; /* nothing to re-sample yet: the settings still apply */
        return GB_OK;
    }
    gb_session_node *nd = &s->nodes[tip];
    if (gb_sample(&s->rec, nd->logits, set, nd->draw, err)) return GB_ERR_INPUT;
    if (nd->forced) force_choice(&s->rec, nd->token); /* new settings, the same forced token */
    take_decision(s, tip);
    nd->n_resamples++;
    s->settings = *set;
    erase_below(s, tip, false); /* what grew from the old token is gone */
    return GB_OK;
}

gb_status gb_session_rewind(gb_session *s, int n, gb_error *err) {
    gb_branch_info *br = &s->branches[s->cur];
    int len = fill_path(s, br->tip, s->path);
    if (n < br->fork_depth || n > len)
        return gb_fail(err, GB_ERR_INPUT, "rewind: %d is out of range [%d, %d] (branch %d has %d "
                       "generated tokens and forked after %d)", n, br->fork_depth, len, br->id,
                       len, br->fork_depth);
    if (n == len) return GB_OK;
    int first_erased = s->path[n];
    br->tip = n > 0 ? s->path[n - 1] : -1;
    erase_below(s, first_erased, true);
    s->branches[s->cur].alive = true; /* its tip is now the kept step */
    return GB_OK;
}

gb_status gb_session_branch(gb_session *s, int n, int *branch_id, gb_error *err) {
    int len = fill_path(s, tip_of(s), s->path);
    if (n < 0 || n > len)
        return gb_fail(err, GB_ERR_INPUT, "branch: %d is out of range [0, %d] (generated tokens on "
                       "the current path)", n, len);
    if (s->n_branches == s->cap_branches) {
        gb_branch_info *b = realloc(s->branches, (size_t)s->cap_branches * 2 * sizeof *b);
        if (!b) return gb_fail(err, GB_ERR_INTERNAL, "out of memory for branches");
        s->branches = b;
        s->cap_branches *= 2;
    }
    int id = s->n_branches++, fork = n > 0 ? s->path[n - 1] : -1;
    s->branches[id] = (gb_branch_info){.id = id, .parent_branch = s->cur, .fork_depth = n,
                                          .fork_node = fork, .tip = fork, .alive = true};
    s->cur = id;
    if (branch_id) *branch_id = id;
    return GB_OK;
}

gb_status gb_session_branch_with(gb_session *s, int n, int token, int *branch_id, gb_error *err) {
    if (token < 0 || token >= s->vocab)
        return gb_fail(err, GB_ERR_INPUT, "branch: token %d is outside the vocabulary [0, %d)", token, s->vocab);
    int prev = s->cur, id = -1;
    if (gb_session_branch(s, n, &id, err)) return err->status;
    if (gb_session_step_forced(s, token, err)) { /* the new branch holds no step yet: drop it */
        s->n_branches--;
        s->cur = prev;
        return err->status;
    }
    if (branch_id) *branch_id = id;
    return GB_OK;
}

gb_status gb_session_checkout(gb_session *s, int branch_id, gb_error *err) {
    if (branch_id < 0 || branch_id >= s->n_branches)
        return gb_fail(err, GB_ERR_INPUT, "checkout: branch %d is out of range [0, %d]", branch_id,
                       s->n_branches - 1);
    if (!s->branches[branch_id].alive)
        return gb_fail(err, GB_ERR_INPUT, "checkout: branch %d was erased by a rewind or a re-sample",
                       branch_id);
    s->cur = branch_id;
    return GB_OK;
}

/* ---------- reading ---------- */

int gb_session_current_branch(const gb_session *s) { return s->cur; }
int gb_session_n_branches(const gb_session *s) { return s->n_branches; }
const gb_branch_info *gb_session_branch_info(const gb_session *s, int b) {
    return b >= 0 && b < s->n_branches ? &s->branches[b] : NULL;
}
int gb_session_n_nodes(const gb_session *s) { return s->n_nodes; }
const gb_session_node *gb_session_node_at(const gb_session *s, int i) {
    return i >= 0 && i < s->n_nodes ? &s->nodes[i] : NULL;
}

int gb_session_path(const gb_session *s, int branch_id, int *nodes, int cap) {
    if (branch_id < 0 || branch_id >= s->n_branches) return 0;
    int node = s->branches[branch_id].tip, n = count_of(s, node);
    for (int i = n - 1; i >= 0; i--, node = s->nodes[node].parent)
        if (nodes && i < cap) nodes[i] = node;
    return n;
}

int gb_session_tokens(const gb_session *s, bool skip_stop, int *ids, int cap) {
    int node = tip_of(s), n = count_of(s, node);
    if (skip_stop && node >= 0 && s->nodes[node].stop) {
        node = s->nodes[node].parent;
        n--;
    }
    for (int i = n - 1; i >= 0; i--, node = s->nodes[node].parent)
        if (ids && i < cap) ids[i] = s->nodes[node].token;
    return n;
}

const int *gb_session_prompt(const gb_session *s, int *n) {
    *n = s->n_prompt;
    return s->prompt;
}
uint64_t gb_session_seed(const gb_session *s) { return s->seed; }
int gb_session_vocab(const gb_session *s) { return s->vocab; }
int gb_session_max_new_tokens(const gb_session *s) { return s->max_new; }
uint64_t gb_session_forward_count(const gb_session *s) { return gb_state_forward_count(s->st); }

gb_status gb_session_record(const gb_session *s, int node, gb_sample_record *rec, gb_error *err) {
    if (node < 0 || node >= s->n_nodes || !s->nodes[node].alive)
        return gb_fail(err, GB_ERR_INPUT, "step %d does not exist (or was erased)", node);
    if (rec->vocab != s->vocab)
        return gb_fail(err, GB_ERR_INTERNAL, "record for %d tokens, session has %d", rec->vocab, s->vocab);
    const gb_session_node *nd = &s->nodes[node];
    if (gb_sample(rec, nd->logits, &nd->settings, nd->draw, err)) return err->status;
    if (nd->forced) force_choice(rec, nd->token);
    return GB_OK;
}

const float *gb_session_attention(const gb_session *s, int node, int *n_layers, int *n_heads, int *n_keys) {
    if (node < 0 || node >= s->n_nodes || !s->nodes[node].alive || !s->nodes[node].attention) return NULL;
    if (n_layers) *n_layers = s->m->cfg.n_layers;
    if (n_heads) *n_heads = s->m->cfg.n_heads;
    if (n_keys) *n_keys = s->n_prompt + s->nodes[node].depth;
    return s->nodes[node].attention;
}

/* ---------- comparison ---------- */

int gb_compare_default_strategies(gb_sampler_settings out[4]) {
    out[0] = (gb_sampler_settings){.temperature = 0.0, .top_k = 0, .top_p = 1.0};
    out[1] = (gb_sampler_settings){.temperature = 1.0, .top_k = 40, .top_p = 1.0};
    out[2] = (gb_sampler_settings){.temperature = 1.0, .top_k = 0, .top_p = 0.9};
    out[3] = (gb_sampler_settings){.temperature = 1.5, .top_k = 0, .top_p = 1.0};
    return 4;
}

static gb_status compare_one(const gb_model *m, const gb_session_opts *o, gb_compare_result *r,
                             gb_error *err) {
    gb_session *s = NULL;
    if (gb_session_new(m, o, &s, err) || gb_session_run(s, err)) {
        gb_session_free(s);
        return err->status;
    }
    int nodes_n = gb_session_path(s, 0, NULL, 0);
    int *nodes = malloc((size_t)(nodes_n > 0 ? nodes_n : 1) * sizeof(int));
    r->tokens = malloc((size_t)(nodes_n > 0 ? nodes_n : 1) * sizeof(int));
    if (!nodes || !r->tokens) {
        free(nodes);
        gb_session_free(s);
        return gb_fail(err, GB_ERR_INTERNAL, "out of memory comparing strategies");
    }
    gb_session_path(s, 0, nodes, nodes_n);
    r->settings = o->settings;
    r->n_tokens = nodes_n;
    double h1 = 0, hf = 0, kept = 0;
    for (int i = 0; i < nodes_n; i++) {
        const gb_session_node *nd = gb_session_node_at(s, nodes[i]);
        r->tokens[i] = nd->token;
        h1 += nd->entropy_t1;
        hf += nd->entropy_final;
        kept += nd->n_kept;
        r->total_logprob_t1 = nd->total_logprob_t1;
        r->stopped = nd->stop;
    }
    r->mean_entropy_t1 = nodes_n ? h1 / nodes_n : 0;
    r->mean_entropy_final = nodes_n ? hf / nodes_n : 0;
    r->mean_kept = nodes_n ? kept / nodes_n : 0;
    free(nodes);
    gb_session_free(s);
    return GB_OK;
}

gb_status gb_compare_run(const gb_model *m, const gb_session_opts *base,
                         const gb_sampler_settings *strategies, int n, gb_compare_result *out,
                         gb_error *err) {
    memset(out, 0, (size_t)n * sizeof *out);
    for (int i = 0; i < n; i++) {
        gb_session_opts o = *base;
        o.settings = strategies[i];
        if (compare_one(m, &o, &out[i], err)) {
            gb_compare_free(out, n);
            return err->status;
        }
    }
    return GB_OK;
}

void gb_compare_free(gb_compare_result *r, int n) {
    for (int i = 0; i < n; i++) {
        free(r[i].tokens);
        r[i].tokens = NULL;
    }
}

/* ---------- saving ---------- */

static json_t *settings_json(const gb_sampler_settings *st) {
    return json_pack("{s:f, s:i, s:f}", "temperature", st->temperature, "top_k", st->top_k, "top_p",
                     st->top_p);
}

static json_t *ints_json(const int *v, int n) {
    json_t *a = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(a, json_integer(v[i]));
    return a;
}

/* JSON has no infinities: a forced step the sampler could not have drawn has
 * a sampler log-probability of -inf, written as null. */
static json_t *real_or_null(double x) { return isfinite(x) ? json_real(x) : json_null(); }

/* The JSON record: settings, the tree, every step's scalars at full precision.
 * Format 2 is format 1 plus forced steps; a session without any is format 1. */
static json_t *session_json(const gb_session *s, const int *alive, int n) {
    int format = 1;
    for (int k = 0; k < n; k++) format = s->nodes[alive[k]].forced ? 2 : format;
    json_t *o = json_pack("{s:i, s:I, s:i, s:i, s:i}", "format", format, "seed", (json_int_t)s->seed,
                          "vocab_size", s->vocab, "context", s->context, "max_new_tokens", s->max_new);
    json_object_set_new(o, "prompt", ints_json(s->prompt, s->n_prompt));
    json_object_set_new(o, "stop_ids", ints_json(s->stop_ids, s->n_stop));
    json_object_set_new(o, "settings", settings_json(&s->settings));
    json_object_set_new(o, "current_branch", json_integer(s->cur));
    json_t *brs = json_array();
    for (int b = 0; b < s->n_branches; b++) {
        const gb_branch_info *br = &s->branches[b];
        json_t *tokens = json_array(), *nodes = json_array();
        for (int node = br->tip; node >= 0; node = s->nodes[node].parent) {
            json_array_insert_new(tokens, 0, json_integer(s->nodes[node].token));
            json_array_insert_new(nodes, 0, json_integer(node));
        }
        double total = br->tip >= 0 ? s->nodes[br->tip].total_logprob_t1 : 0.0;
        json_array_append_new(brs, json_pack("{s:i, s:i, s:i, s:b, s:f, s:o, s:o}", "id", br->id,
                                             "parent_branch", br->parent_branch, "fork_depth",
                                             br->fork_depth, "alive", br->alive, "total_logprob_t1",
                                             total, "tokens", tokens, "steps", nodes));
    }
    json_object_set_new(o, "branches", brs);
    json_t *steps = json_array();
    for (int k = 0; k < n; k++) {
        const gb_session_node *nd = &s->nodes[alive[k]];
        json_t *j = json_pack("{s:i, s:i, s:i, s:i, s:i, s:b, s:b, s:f, s:f, s:f, s:f, s:i, s:i}",
                              "row", k, "node", alive[k], "parent", nd->parent, "depth", nd->depth,
                              "branch", nd->branch, "stop", nd->stop, "forced", nd->forced, "draw", nd->draw,
                              "logprob_t1", nd->logprob_t1, "entropy_t1", nd->entropy_t1,
                              "entropy_final", nd->entropy_final, "n_kept", nd->n_kept, "n_resamples",
                              nd->n_resamples);
        json_object_set_new(j, "logprob_final", real_or_null(nd->logprob_final));
        json_object_set_new(j, "token", json_integer(nd->token));
        json_object_set_new(j, "settings", settings_json(&nd->settings));
        json_array_append_new(steps, j);
    }
    json_object_set_new(o, "steps", steps);
    return o;
}

enum { T_TOKEN, T_PARENT, T_DEPTH, T_BRANCH, T_DRAW, T_DRAW_INDEX, T_TEMP, T_TOPK, T_TOPP, T_NTOPK,
       T_MASS_TOPK, T_NKEPT, T_MASS_TOPP, T_LP_T1, T_LP_FINAL, T_H_T1, T_H_FINAL, T_FORCED, T_N_SCALARS };
static const char *const SCALAR_NAMES[T_N_SCALARS] = {
    "steps.token", "steps.parent", "steps.depth", "steps.branch", "steps.draw", "steps.draw_index",
    "steps.temperature", "steps.top_k", "steps.top_p", "steps.n_topk", "steps.mass_topk",
    "steps.n_kept", "steps.mass_topp", "steps.logprob_t1", "steps.logprob_final",
    "steps.entropy_t1", "steps.entropy_final", "steps.forced"};
static const char *const DIST_NAMES[4] = {"steps.logits", "steps.probs_t1", "steps.probs_tempered",
                                          "steps.probs_final"};

static void fill_row(float *sc, int n, int k, const gb_session_node *nd, const gb_sample_record *r) {
    const double v[T_N_SCALARS] = {
        nd->token, nd->parent, nd->depth, nd->branch, r->draw, r->draw_index,
        r->settings.temperature, r->settings.top_k, r->settings.top_p, r->n_topk, r->mass_topk,
        r->n_kept, r->mass_topp, r->logprob_t1_chosen, r->logprob_final_chosen, r->entropy_t1,
        r->entropy_final, nd->forced};
    for (int j = 0; j < T_N_SCALARS; j++) sc[(size_t)j * n + k] = (float)v[j];
}

gb_status gb_session_save(const gb_session *s, const char *path, const char *extra_json,
                          gb_error *err) {
    json_t *extra = NULL;
    if (extra_json && !(extra = json_loads(extra_json, 0, NULL)))
        return gb_fail(err, GB_ERR_INTERNAL, "%s: the extra session metadata is not JSON", path);
    int *alive = malloc((size_t)(s->n_nodes + 1) * sizeof(int)), n = 0;
    for (int i = 0; i < s->n_nodes; i++)
        if (s->nodes[i].alive) alive[n++] = i;
    size_t rows = (size_t)(n ? n : 1), v = (size_t)s->vocab;
    float *sc = calloc(rows * T_N_SCALARS, sizeof(float)), *dist = malloc(4 * rows * v * sizeof(float));
    float *prompt = malloc((size_t)s->n_prompt * sizeof(float));
    gb_sample_record rec;
    gb_status st = GB_OK;
    if (!alive || !sc || !dist || !prompt || gb_sample_record_init(&rec, s->vocab, err)) {
        st = gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory for the session record", path);
        goto done;
    }
    for (int k = 0; k < n && !st; k++) {
        st = gb_session_record(s, alive[k], &rec, err);
        fill_row(sc, n, k, &s->nodes[alive[k]], &rec);
        const float *src[4] = {rec.logits, rec.probs_t1, rec.probs_tempered, rec.probs_final};
        for (int d = 0; d < 4; d++) memcpy(dist + ((size_t)d * rows + (size_t)k) * v, src[d], v * sizeof(float));
    }
    gb_sample_record_free(&rec);
    if (st) goto done;
    for (int i = 0; i < s->n_prompt; i++) prompt[i] = (float)s->prompt[i];
    gb_st_write_tensor t[T_N_SCALARS + 5];
    int nt = 0;
    t[nt++] = (gb_st_write_tensor){.name = "prompt", .ndim = 1, .shape = {s->n_prompt}, .data = prompt};
    for (int j = 0; j < T_N_SCALARS; j++)
        t[nt++] = (gb_st_write_tensor){.name = SCALAR_NAMES[j], .ndim = 1, .shape = {n},
                                       .data = sc + (size_t)j * n};
    for (int d = 0; d < 4; d++)
        t[nt++] = (gb_st_write_tensor){.name = DIST_NAMES[d], .ndim = 2, .shape = {n, s->vocab},
                                       .data = dist + (size_t)d * rows * v};
    json_t *o = session_json(s, alive, n);
    if (extra) json_object_set(o, "extra", extra);
    char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(o);
    gb_st_kv meta[1] = {{"glassbox.session", text}};
    st = text ? gb_st_write(path, t, nt, meta, 1, err)
              : gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory for the session record", path);
    free(text);
done:
    json_decref(extra);
    free(alive);
    free(sc);
    free(dist);
    free(prompt);
    return st;
}

/* ---------- loading: replay a saved session on the same model ---------- */

static bool json_ints(json_t *a, int *out, int cap, int *n) {
    if (!json_is_array(a) || (int)json_array_size(a) > cap) return false;
    *n = (int)json_array_size(a);
    for (int i = 0; i < *n; i++) {
        json_t *v = json_array_get(a, (size_t)i);
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 0x7fffffff) return false;
        out[i] = (int)json_integer_value(v);
    }
    return true;
}

static bool json_settings(json_t *o, gb_sampler_settings *st) {
    json_t *t = json_object_get(o, "temperature"), *k = json_object_get(o, "top_k"), *p = json_object_get(o, "top_p");
    if (!json_is_number(t) || !json_is_integer(k) || !json_is_number(p)) return false;
    *st = (gb_sampler_settings){json_number_value(t), (int)json_integer_value(k), json_number_value(p)};
    gb_error e = {0};
    return gb_sampler_settings_validate(st, &e) == GB_OK;
}

/* Step branch b's own steps (depth order) with their recorded settings and
 * check each token: the draws come from (seed, depth, branch), so a faithful
 * replay gives the same tokens. */
static gb_status replay_branch(gb_session *s, json_t *steps, int b, const char *path, gb_error *err) {
    for (int depth = 0;; depth++) {
        json_t *found = NULL;
        size_t i;
        json_t *st;
        json_array_foreach(steps, i, st) {
            json_t *jb = json_object_get(st, "branch"), *jd = json_object_get(st, "depth");
            if (json_is_integer(jb) && json_is_integer(jd) && json_integer_value(jb) == b &&
                json_integer_value(jd) == depth)
                found = st;
        }
        if (!found) {
            if (depth < s->branches[b].fork_depth) continue;
            return GB_OK;
        }
        gb_sampler_settings set;
        json_t *tok = json_object_get(found, "token");
        if (!json_settings(json_object_get(found, "settings"), &set) || !json_is_integer(tok))
            return gb_fail(err, GB_ERR_INPUT, "%s: step %d of branch %d has no valid settings or token", path, depth, b);
        bool forced = json_is_true(json_object_get(found, "forced"));
        json_int_t id = json_integer_value(tok);
        if (forced && (id < 0 || id >= s->vocab))
            return gb_fail(err, GB_ERR_INPUT, "%s: step %d of branch %d forces token %lld, outside the vocabulary",
                           path, depth, b, (long long)id);
        if (gb_session_set_settings(s, &set, err) ||
            (forced ? gb_session_step_forced(s, (int)id, err) : gb_session_step(s, err)))
            return err->status;
        const gb_branch_info *bi = &s->branches[b];
        if (bi->tip < 0 || s->nodes[bi->tip].token != (int)json_integer_value(tok))
            return gb_fail(err, GB_ERR_INPUT, "%s: replaying step %d of branch %d gave token %d, the file says %lld "
                           "(another model, or a tree this version cannot rebuild)", path, depth, b,
                           bi->tip >= 0 ? s->nodes[bi->tip].token : -1, (long long)json_integer_value(tok));
    }
}

static gb_status opts_from_json(const gb_model *m, json_t *o, gb_session_opts *so, int *prompt, int cap,
                                const char *path, gb_error *err) {
    *so = gb_session_defaults();
    json_t *jv = json_object_get(o, "vocab_size"), *js = json_object_get(o, "seed"),
           *jm = json_object_get(o, "max_new_tokens"), *jc = json_object_get(o, "context");
    json_t *jfmt = json_object_get(o, "format");
    if (!json_is_integer(jfmt) || json_integer_value(jfmt) < 1 || json_integer_value(jfmt) > 2)
        return gb_fail(err, GB_ERR_INPUT, "%s: not a session record of format 1 or 2", path);
    if (!json_is_integer(jv) || !json_is_integer(js) || !json_is_integer(jm) || !json_is_integer(jc))
        return gb_fail(err, GB_ERR_INPUT, "%s: the session record lacks vocab_size, seed, max_new_tokens or context", path);
    if (json_integer_value(jv) != m->cfg.vocab_size)
        return gb_fail(err, GB_ERR_INPUT, "%s: saved with a vocabulary of %lld tokens, this model has %d", path,
                       (long long)json_integer_value(jv), m->cfg.vocab_size);
    if (!json_ints(json_object_get(o, "prompt"), prompt, cap, &so->n_prompt) ||
        !json_ints(json_object_get(o, "stop_ids"), so->stop_ids, GB_SESSION_MAX_STOP, &so->n_stop) ||
        !json_settings(json_object_get(o, "settings"), &so->settings))
        return gb_fail(err, GB_ERR_INPUT, "%s: the session's prompt, stop ids or settings are malformed", path);
    so->prompt = prompt;
    so->seed = (uint64_t)json_integer_value(js);
    so->max_new_tokens = (int)json_integer_value(jm);
    so->context = (int)json_integer_value(jc);
    so->record_attention = true; /* the replay runs the passes anyway: keep what they attended to */
    return GB_OK;
}

static gb_status replay_tree(gb_session *s, json_t *o, const char *path, gb_error *err) {
    json_t *brs = json_object_get(o, "branches"), *steps = json_object_get(o, "steps");
    if (!json_is_array(brs) || !json_is_array(steps) || json_array_size(brs) < 1)
        return gb_fail(err, GB_ERR_INPUT, "%s: the session has no branches or steps", path);
    for (size_t b = 0; b < json_array_size(brs); b++) {
        json_t *br = json_array_get(brs, b);
        json_t *jp = json_object_get(br, "parent_branch"), *jf = json_object_get(br, "fork_depth");
        if (!json_is_integer(jp) || !json_is_integer(jf) || json_integer_value(json_object_get(br, "id")) != (json_int_t)b)
            return gb_fail(err, GB_ERR_INPUT, "%s: branch %zu is malformed", path, b);
        if (!json_is_true(json_object_get(br, "alive")))
            return gb_fail(err, GB_ERR_INPUT, "%s: branch %zu was erased; this version replays only trees without "
                           "erased branches", path, b);
        if (b > 0) {
            int parent = (int)json_integer_value(jp), fork = (int)json_integer_value(jf), id = -1;
            if (parent < 0 || parent >= (int)b)
                return gb_fail(err, GB_ERR_INPUT, "%s: branch %zu grows from branch %d", path, b, parent);
            if (gb_session_checkout(s, parent, err) || gb_session_branch(s, fork, &id, err)) return err->status;
            if (id != (int)b) return gb_fail(err, GB_ERR_INPUT, "%s: branch %zu came back as %d", path, b, id);
        }
        if (replay_branch(s, steps, (int)b, path, err)) return err->status;
    }
    json_t *cur = json_object_get(o, "current_branch");
    gb_sampler_settings set;
    if (json_settings(json_object_get(o, "settings"), &set)) gb_session_set_settings(s, &set, err);
    return gb_session_checkout(s, json_is_integer(cur) ? (int)json_integer_value(cur) : 0, err);
}

gb_status gb_session_load(const gb_model *m, const char *path, gb_session **out, char **extra_json,
                          gb_error *err) {
    *out = NULL;
    if (extra_json) *extra_json = NULL;
    gb_st_file f;
    if (gb_st_open(path, &f, err)) return err->status;
    const char *text = gb_st_meta_get(&f, "glassbox.session");
    json_t *o = text ? json_loads(text, 0, NULL) : NULL;
    gb_st_close(&f);
    if (!json_is_object(o)) {
        json_decref(o);
        return gb_fail(err, GB_ERR_INPUT, "%s: no glassbox.session record in the metadata", path);
    }
    int cap = m->cfg.max_seq > 0 ? m->cfg.max_seq : 1;
    int *prompt = malloc((size_t)cap * sizeof *prompt);
    gb_session_opts so;
    gb_status st = prompt ? opts_from_json(m, o, &so, prompt, cap, path, err)
                          : gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    if (!st) st = gb_session_new(m, &so, out, err);
    if (!st) st = replay_tree(*out, o, path, err);
    if (!st && extra_json && json_object_get(o, "extra"))
        *extra_json = json_dumps(json_object_get(o, "extra"), JSON_COMPACT);
    if (st) {
        gb_session_free(*out);
        *out = NULL;
    }
    free(prompt);
    json_decref(o);
    return st;
}
