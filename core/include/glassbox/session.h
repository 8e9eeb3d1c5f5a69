/* glassbox/session.h - step-by-step generation: rewind, branches, replay, comparison.
 *
 * A session owns a model state (KV cache) and a tree of steps. Each step (a
 * node) is one decision: the logits it was sampled from (kept, so the step can
 * be re-sampled or shown without a forward pass), the settings in force, the
 * random number, the chosen token and its log-probabilities. The session works
 * on token ids only; text in and out is the tokenizer's business.
 *
 *   gb_session_opts o = gb_session_defaults();
 *   o.prompt = ids; o.n_prompt = n; o.max_new_tokens = 64; o.seed = 42;
 *   gb_session *s;
 *   gb_session_new(model, &o, &s, &err);
 *   while (!gb_session_done(s)) gb_session_step(s, &err);     // or gb_session_run
 *   gb_session_resample(s, &(gb_sampler_settings){0.7, 40, 1.0}, &err);  // last step, no forward
 *   gb_session_rewind(s, 10, &err);                          // keep 10 generated tokens
 *   int b; gb_session_branch(s, 5, &b, &err);                // a new continuation after 5
 *   gb_session_free(s);
 *
 * Randomness: the draw of a step is gb_rng_derive_double(seed, step index,
 * branch id), never a shared stream, so re-sampling or stepping other branches
 * never changes later draws, and a run replays from the seed and the settings
 * recorded at each step.
 *
 * Branches: branch 0 starts at the prompt. gb_session_branch(n) starts a new
 * branch sharing the first n generated tokens of the current path; its steps
 * draw with the new branch id, so they differ from the old continuation, which
 * stays in the tree. Every branch has a total log-probability (the sum over its
 * path of log p(token) under the model at temperature 1, and under the sampler).
 *
 * Rewind erases: gb_session_rewind(n) deletes the current branch's steps after
 * the n-th and every branch that grew from them; n may not go below the point
 * where the current branch forked (checkout its parent or branch instead).
 * Stepping again after a rewind with the same settings gives the same tokens.
 *
 * Stop: a step whose token is one of stop_ids (EOS/BOS) ends the path (the
 * token is recorded with stop = 1); so do max_new_tokens steps. The last
 * generated token is never fed back, so a prompt of P tokens and N new tokens
 * need P + N - 1 positions of context (as llama2.c's run.c counts).
 */
#ifndef GLASSBOX_SESSION_H
#define GLASSBOX_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "glassbox/error.h"
#include "glassbox/model.h"
#include "glassbox/sampler.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GB_SESSION_MAX_STOP 8

typedef struct gb_session_opts {
    const int *prompt;          /* [n_prompt] ids, at least one (e.g. BOS) */
    int n_prompt;
    int max_new_tokens;         /* >= 1 */
    uint64_t seed;
    gb_sampler_settings settings; /* for the first step */
    int stop_ids[GB_SESSION_MAX_STOP]; /* ids that end generation (EOS, BOS) */
    int n_stop;
    int context;                /* positions available; 0 = the model's max_seq */
    bool record_attention;      /* keep each step's attention rows (gb_session_attention) */
} gb_session_opts;

/* settings: random sampling at T = 1; max_new_tokens 64; no stop ids; no attention. */
gb_session_opts gb_session_defaults(void);

/* One step: the token chosen at step `depth` after the path of `parent`. */
typedef struct gb_session_node {
    int parent;                 /* node index of the previous step, -1 at the first */
    int depth;                  /* 0 = the first generated token */
    int branch;                 /* branch id whose draw this step used */
    int token;
    bool stop;                  /* token is a stop id */
    bool alive;                 /* false once erased by rewind or re-sampling */
    gb_sampler_settings settings;
    double draw;                /* u = gb_rng_derive_double(seed, depth, branch) */
    double logprob_t1;          /* log p(token) under the model (temperature 1) */
    double logprob_final;       /* log p(token) under the sampler's final distribution */
    double total_logprob_t1;    /* sums along the path up to and with this step */
    double total_logprob_final;
    double entropy_t1, entropy_final; /* nats */
    int n_kept;                 /* size of the kept set */
    int n_resamples;            /* times this step was re-sampled */
    bool forced;                /* the token was chosen by hand, not drawn (gb_session_step_forced) */
    float *logits;              /* [V] the distribution this step was drawn from */
    float *attention;           /* [L, H, n_prompt + depth] or NULL: see gb_session_attention */
} gb_session_node;

typedef struct gb_branch_info {
    int id;
    int parent_branch;          /* -1 for branch 0 */
    int fork_depth;             /* generated tokens shared with the parent path */
    int fork_node;              /* node of the last shared token, -1 if none */
    int tip;                    /* last node of this branch's path, or fork_node */
    bool alive;
} gb_branch_info;

typedef struct gb_session gb_session;

/* Checks: decoder-only model, 1 <= n_prompt <= context, ids in the vocabulary,
 * max_new_tokens >= 1 and n_prompt + max_new_tokens - 1 <= context, settings. */
gb_status gb_session_new(const gb_model *m, const gb_session_opts *o, gb_session **out,
                         gb_error *err);
void gb_session_free(gb_session *s);

/* The next step on the current branch (one forward pass at most). */
gb_status gb_session_step(gb_session *s, gb_error *err);
/* The next step on the current branch takes `token` instead of a draw (a
 * forced choice, node->forced): its log-probabilities are those of `token`
 * under the model (T = 1) and under the sampler with the settings in force
 * (-inf when those settings cut it), so path totals stay right. The draw u is
 * still derived and recorded (what the sampler would have drawn). Refused if
 * the token is outside the vocabulary or impossible (logit -inf). */
gb_status gb_session_step_forced(gb_session *s, int token, gb_error *err);
/* Step until done. */
gb_status gb_session_run(gb_session *s, gb_error *err);
/* Is the current path finished (stop token or max_new_tokens)? */
bool gb_session_done(const gb_session *s);
/* "stop token 2", "max-new-tokens reached", or "" while running. */
const char *gb_session_done_reason(const gb_session *s);

/* Settings for the following steps. */
gb_status gb_session_set_settings(gb_session *s, const gb_sampler_settings *set, gb_error *err);
const gb_sampler_settings *gb_session_settings(const gb_session *s);
/* Re-sample the current (last) step from its cached logits with these settings,
 * which also apply from now on. Same draw u; no forward pass. Erases whatever
 * grew from that step. */
gb_status gb_session_resample(gb_session *s, const gb_sampler_settings *set, gb_error *err);
/* Keep the first n generated tokens of the current path (see above). */
gb_status gb_session_rewind(gb_session *s, int n, gb_error *err);
/* New branch sharing the first n generated tokens of the current path; it
 * becomes current. *branch_id may be NULL. */
gb_status gb_session_branch(gb_session *s, int n, int *branch_id, gb_error *err);
/* A new branch sharing the first n generated tokens of the current path whose
 * step n is `token`, forced (gb_session_branch + gb_session_step_forced; on
 * failure no branch is left). The caller steps on from it. */
gb_status gb_session_branch_with(gb_session *s, int n, int token, int *branch_id, gb_error *err);
/* Make a branch current (its tip is the current step). */
gb_status gb_session_checkout(gb_session *s, int branch_id, gb_error *err);

/* Reading the tree. */
int gb_session_current_branch(const gb_session *s);
int gb_session_n_branches(const gb_session *s);
const gb_branch_info *gb_session_branch_info(const gb_session *s, int branch_id);
int gb_session_n_nodes(const gb_session *s);
const gb_session_node *gb_session_node_at(const gb_session *s, int index);
/* Node indices of a branch's path, first step first: returns the length (the
 * number of generated tokens); writes at most cap entries (nodes may be NULL). */
int gb_session_path(const gb_session *s, int branch_id, int *nodes, int cap);
/* Generated token ids of the current path (without a final stop token when
 * skip_stop); returns the count, writes at most cap. */
int gb_session_tokens(const gb_session *s, bool skip_stop, int *ids, int cap);
const int *gb_session_prompt(const gb_session *s, int *n);
uint64_t gb_session_seed(const gb_session *s);
int gb_session_vocab(const gb_session *s);
int gb_session_max_new_tokens(const gb_session *s);
/* Forward passes run so far by this session's model state. */
uint64_t gb_session_forward_count(const gb_session *s);
/* What the model attended to when it produced a step's token (recorded when
 * opts.record_attention; gb_session_load always records): the attention
 * pattern rows of the query at the last position before the step (the one
 * whose logits the step was drawn from) over every position up to it, the
 * prompt and the step's path so far: [n_layers, n_heads, n_keys] with
 * n_keys = n_prompt + depth, each row summing to 1. NULL if not recorded. */
const float *gb_session_attention(const gb_session *s, int node, int *n_layers, int *n_heads, int *n_keys);
/* The full sampler record of a step (every stage over the vocabulary), recomputed
 * from its cached logits, settings and draw; rec must be initialised for V. */
gb_status gb_session_record(const gb_session *s, int node, gb_sample_record *rec, gb_error *err);

/* Write the whole session (every alive step of every branch) as safetensors:
 * per-step tensors ([N] scalars and [N, V] distributions) plus the JSON record
 * in __metadata__["glassbox.session"]; extra_json, if not NULL, is a JSON
 * object stored under "extra" (e.g. model, tokenizer, text). Schema:
 * docs/sampling.md. Atomic: no partial file on failure. */
gb_status gb_session_save(const gb_session *s, const char *path, const char *extra_json,
                          gb_error *err);

/* Open a file written by gb_session_save and replay it on model m (the same
 * model: its vocabulary is checked): every branch is stepped again with the
 * settings recorded at each step (forced steps forced again) and each token is
 * checked against the file, so the tree is rebuilt exactly (or refused with a
 * message). The replay records attention (gb_session_attention). *extra_json, if
 * not NULL, receives the saved "extra" object (malloc'd) or NULL. */
gb_status gb_session_load(const gb_model *m, const char *path, gb_session **out, char **extra_json,
                          gb_error *err);

/* Comparison: several strategies on the same prompt and seed. */
typedef struct gb_compare_result {
    gb_sampler_settings settings;
    int *tokens;                /* [n_tokens] generated ids, stop token included */
    int n_tokens;
    bool stopped;               /* ended on a stop id */
    double total_logprob_t1;    /* model log-probability of the continuation */
    double mean_entropy_final;  /* nats per step, of the sampler's distribution */
    double mean_entropy_t1;
    double mean_kept;           /* average kept-set size */
} gb_compare_result;

/* greedy, top-k 40, top-p 0.9, temperature 1.5; returns 4. */
int gb_compare_default_strategies(gb_sampler_settings out[4]);
/* Runs one session per strategy with base's prompt, seed, limits and stop ids. */
gb_status gb_compare_run(const gb_model *m, const gb_session_opts *base,
                         const gb_sampler_settings *strategies, int n, gb_compare_result *out,
                         gb_error *err);
void gb_compare_free(gb_compare_result *r, int n);

#ifdef __cplusplus
}
#endif
#endif
