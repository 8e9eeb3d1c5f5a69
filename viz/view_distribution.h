/* view_distribution.h - what the distribution, generation and compare views
 * share: a sampler session on the shown model with the settings of the
 * controls (gb_samp), and the drawing of one sampling decision.
 *
 * Stepping runs one forward pass; changing a setting re-samples the current
 * step from its cached logits (gb_session_resample: no forward pass), so the
 * picture can show why the choice changed. */
#ifndef GB_VIEW_DISTRIBUTION_H
#define GB_VIEW_DISTRIBUTION_H

#include "glassbox/sampler.h"
#include "glassbox/session.h"
#include "highlight.h"
#include "view.h"
#include "view_attention.h"

/* The strategy drop-down: which of the settings are in force. */
typedef enum gb_strategy {
    GB_STRAT_GREEDY = 0, GB_STRAT_RANDOM, GB_STRAT_TOPK, GB_STRAT_TOPP, GB_STRAT_COMBINED, GB_STRAT_N
} gb_strategy;
extern const char *const GB_STRATEGY_NAMES[GB_STRAT_N];

#define GB_SAMP_HL_IDS 8 /* ids kept per highlighted word ("cat", " cat", "Cat", ...) */

typedef struct gb_samp {
    char *tok_arg;
    char *session_path;          /* --session: replay this saved session first */
    gb_att_tokens tokens;        /* the tokenizer (the model's, or --tokenizer) */
    const void *c_model;         /* the model and prompt the session was built for */
    char *c_prompt;
    gb_session *s;               /* NULL until built */
    int *prompt, n_prompt;
    /* the controls */
    gb_strategy strategy;
    double temperature, top_p;   /* slider values (the strategy decides which apply) */
    int top_k, max_new, init_steps;
    uint64_t seed;
    uint64_t c_seed;             /* seed and length the session was built with */
    int c_max_new;
    /* the shown decision */
    int shown;                   /* node index shown, -1: none */
    gb_sample_record rec;        /* every stage of that decision */
    bool rec_ok;
    int rec_node;
    /* why the choice changed: the decision before the last re-sample */
    bool have_prev;
    int prev_token;
    gb_sampler_settings prev_set;
    char error[256];
    char note[300];              /* e.g. where the session was saved */
    /* --highlight: the words, and the vocabulary ids spelling each (found when the session is built) */
    gb_hl hl;
    int hl_ids[GB_HL_MAX][GB_SAMP_HL_IDS], hl_n[GB_HL_MAX];
} gb_samp;

gb_sampler_settings gb_samp_settings_of(gb_strategy st, double t, int k, double p);
/* The controls from the view arguments (--temperature, --top-k, --top-p, --seed,
 * --steps, --strategy); false with a message in err for nonsense. */
bool gb_samp_init(gb_samp *p, const gb_view_args *a, int default_steps, gb_error *err);
void gb_samp_free(gb_samp *p);
gb_sampler_settings gb_samp_settings(const gb_samp *p);
/* (Re)build the session when the model, prompt, seed or length changed; true if rebuilt. */
bool gb_samp_sync(gb_samp *p, const gb_shared *sh);
/* Throw the session away (Reset): the next sync rebuilds it with no steps. */
void gb_samp_reset(gb_samp *p);
bool gb_samp_step(gb_samp *p);
bool gb_samp_back(gb_samp *p);
/* The controls changed: re-sample the current step (no forward pass). */
bool gb_samp_apply(gb_samp *p);
/* Show node (a past step); -1: the current tip. */
void gb_samp_show(gb_samp *p, int node);
/* A branch re-draws from the shown step's position with the current settings
 * (a new branch id, so a new draw). */
bool gb_samp_branch_at(gb_samp *p, int depth);
/* A branch whose step `depth` takes `token` (forced, gb_session_branch_with),
 * then steps on with the current settings to the length of the path it left;
 * the forced step is shown. */
bool gb_samp_branch_with(gb_samp *p, int depth, int token);
/* Is the shown step a forced one? */
bool gb_samp_shown_forced(const gb_samp *p);
int gb_samp_tip(const gb_samp *p);
int gb_samp_n_generated(const gb_samp *p);
void gb_samp_label(const gb_samp *p, int id, char *buf, size_t cap);
/* Make rec the shown decision's record (sorted kept set); false if none. */
bool gb_samp_refresh(gb_samp *p);
/* Save the session (gb_session_save) with the prompt text as extra metadata. */
gb_status gb_samp_save(const gb_samp *p, const char *path, gb_error *err);

/* The shown decision as bars, cuts, the cumulative curve and the draw strip. */
typedef struct gb_dist_geom {
    gb_rect bars, cum, strip, summary;
} gb_dist_geom;
void gb_dist_geometry(gb_rect r, const gb_theme *t, bool compact, gb_dist_geom *g);
void gb_dist_draw(cairo_t *cr, gb_rect r, const gb_samp *p, const gb_theme *t, bool compact);
/* The token of the bar under (x, y) in the picture gb_dist_draw(r) draws, or -1. */
int gb_dist_bar_hit(const gb_samp *p, gb_rect r, const gb_theme *t, bool compact, double x, double y);
/* Top n token ids of rec in rank order (by logit, ties by lower id). */
int gb_dist_top(const gb_sample_record *rec, int *ids, int n);
/* The rank (0 = best) of id in rec: how many tokens come before it. */
int gb_dist_rank(const gb_sample_record *rec, int id);
/* A highlighted word's best-ranked vocabulary id in rec, or -1 if no token spells it. */
int gb_dist_hl_best(const gb_samp *p, int word);
/* The vocabulary ids marked for --highlight among the shown decision's bars
 * (compact: the compare view's 10), into out; returns how many. */
int gb_dist_highlighted(const gb_samp *p, bool compact, int *out, int cap);

#endif
