/* glassbox/sampler.h - turning logits into the next token, with every stage recorded.
 *
 * Stages (../shared/DESIGN.md, "Sampling semantics"):
 *
 *   logits --temperature--> probs_tempered --top-k--> --top-p--> renormalise --> draw
 *
 *   temperature T  divide the logits by T, softmax. T = 0 means greedy: the
 *                  argmax is chosen, the filters are not applied and every
 *                  distribution after temperature is one-hot on the argmax.
 *   top-k k        keep the k most probable tokens; 0 = off (k >= V is also off).
 *   top-p p        then keep the smallest set, most probable first, whose mass
 *                  (measured within the top-k set, i.e. after renormalising it)
 *                  reaches p (cumulative >= p); p = 1 = off; at least one token.
 *   renormalise    the kept tokens' probabilities divided by their sum.
 *   draw           u in [0, 1): walk the kept set in rank order accumulating the
 *                  final probabilities; the chosen token is the first whose
 *                  cumulative mass exceeds u. u comes from the caller (the
 *                  session derives it from seed, step and branch; see rng.h).
 *
 * Ties: tokens are ranked by logit, highest first; equal logits are ranked by
 * lower token id first. So top-k at a tie keeps the lower ids, greedy picks the
 * lowest id among the maxima, and the draw walks ties in id order. Ranking by
 * logit rather than by probability keeps the order the same at every temperature
 * (tiny temperatures underflow many probabilities to exactly 0).
 *
 * Numerics: the maximum logit is subtracted before exp, exponentials and sums
 * are in double, so temperatures from 1e-4 to 1000 over 50,257 tokens give
 * finite, normalised distributions. Masses are sums (in double, rank order) of
 * the recorded float probabilities, so a record reproduces its own decisions.
 *
 * Cost: no full sort. Top-k uses quickselect then sorts only the k kept; top-p
 * without top-k finds its set by a mass-aware quickselect then sorts only that
 * set's boundary block; the draw finds where u falls the same way. Kept sets
 * larger than 1,024 tokens are left unsorted unless gb_sample_record_sort_kept
 * is called (the viewer and the exports call it).
 *
 *   gb_sample_record rec;
 *   gb_sample_record_init(&rec, V, &err);
 *   gb_sampler_settings s = gb_sampler_defaults();  s.top_k = 40;
 *   gb_sample(&rec, logits, &s, u, &err);           // rec.chosen, rec.probs_final, ...
 *   s.temperature = 0.7;
 *   gb_sample_resample(&rec, &s, u, &err);          // from the cached logits
 *   gb_sample_record_free(&rec);
 */
#ifndef GLASSBOX_SAMPLER_H
#define GLASSBOX_SAMPLER_H

#include <stdint.h>

#include "glassbox/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GB_TEMPERATURE_MAX 1000.0

typedef struct gb_sampler_settings {
    double temperature; /* [0, GB_TEMPERATURE_MAX]; 0 = greedy */
    int top_k;          /* >= 0; 0 = off */
    double top_p;       /* (0, 1]; 1 = off */
} gb_sampler_settings;

/* Plain random sampling: temperature 1, no filters. */
gb_sampler_settings gb_sampler_defaults(void);
/* Refuse nonsense with a message naming the setting and its allowed range,
 * e.g. "top-p: 0 is out of range (0, 1] (1 = off)". */
gb_status gb_sampler_settings_validate(const gb_sampler_settings *s, gb_error *err);
/* "greedy", "T=0.7 top-k=40 top-p=0.9", ... into buf (always NUL-terminated). */
void gb_sampler_settings_describe(const gb_sampler_settings *s, char *buf, int cap);
/* Parse a strategy spec: "greedy", "random", "top-k=40", "top-p=0.9",
 * "temperature=1.5" (alias "t=1.5"), or several joined with ':' such as
 * "t=0.8:top-k=40:top-p=0.95". Unmentioned settings take the defaults. */
gb_status gb_sampler_settings_parse(const char *spec, gb_sampler_settings *out, gb_error *err);

/* Everything about one sampling decision over a vocabulary of V tokens. */
typedef struct gb_sample_record {
    int vocab;                   /* V */
    gb_sampler_settings settings;/* in force for this decision */
    /* stage 0: settings-independent (gb_sample_prepare) */
    float *logits;               /* [V] a copy of the input */
    float *probs_t1;             /* [V] softmax(logits) */
    double entropy_t1;           /* nats, of probs_t1 */
    double eff_vocab_t1;         /* exp(entropy_t1) */
    int argmax;                  /* best-ranked token (lowest id among equal maxima) */
    float max_logit;
    double log_z1;               /* log sum exp(logits - max_logit) */
    /* stages 1..5 (gb_sample_resample) */
    float *probs_tempered;       /* [V] softmax(logits / T); greedy: one-hot */
    int n_topk;                  /* tokens kept by top-k (V when off; 1 when greedy) */
    double mass_topk;            /* tempered mass of that set */
    int n_kept;                  /* tokens kept by top-p as well */
    double mass_topp;            /* cumulative mass at the top-p cut, as a fraction
                                    of the top-k set's mass (>= p unless all kept) */
    int *kept_ids;               /* [V] capacity; the first n_kept are the kept set. When
                                    top-k is on, the first n_topk are the top-k set in
                                    rank order (the top-p survivors are its prefix). */
    int kept_sorted;             /* 1: kept_ids in rank order (always when n_kept <= 1024;
                                    else call gb_sample_record_sort_kept) */
    float *probs_final;          /* [V] renormalised over the kept set, 0 elsewhere */
    double draw;                 /* u in [0, 1) */
    int draw_index;              /* rank in the kept set where u fell (kept_ids[draw_index]
                                    once sorted) */
    double draw_cum_before;      /* final mass of kept_ids[0..draw_index) (<= u) */
    int chosen;                  /* kept_ids[draw_index] */
    double prob_final_chosen;    /* probs_final[chosen] */
    double logprob_t1_chosen;    /* log probs_t1[chosen], exact from the logits */
    double logprob_final_chosen; /* log probs_final[chosen] (0 when greedy) */
    double entropy_final;        /* nats, of probs_final (0 when greedy) */
    double eff_vocab_final;      /* exp(entropy_final) */
    /* private scratch */
    uint64_t *keys_, *tmp_;      /* [V] rank keys and radix-sort buffer */
    double sum_t1_, sum_tempered_;/* sums of the stored floats, id order */
    float min_logit_, bscale_;   /* logit buckets of the whole-vocabulary path */
    double *bmass_;              /* [4096] */
    int *bcount_;                /* [4096] */
    uint16_t *bucket_;           /* [V] bucket of each token (from the logits) */
    int *bids_, *bstart_;        /* [V] ids grouped by bucket, [4097] offsets */
    double mean_tempered_;       /* E[(l - max) / T] under probs_tempered */
} gb_sample_record;

gb_status gb_sample_record_init(gb_sample_record *r, int vocab, gb_error *err);
void gb_sample_record_free(gb_sample_record *r);
/* Deep copy into dst (initialised for the same V). */
void gb_sample_record_copy(gb_sample_record *dst, const gb_sample_record *src);

/* Put kept_ids in rank order (a radix sort of the kept set). */
void gb_sample_record_sort_kept(gb_sample_record *r);

/* Stage 0: copy logits [V], softmax at temperature 1, entropy. Refuses NaN or +inf
 * logits (-inf means "impossible" and is allowed, but not for every token). */
gb_status gb_sample_prepare(gb_sample_record *r, const float *logits, gb_error *err);
/* Stages 1..5 from the cached logits with these settings and draw u in [0, 1). */
gb_status gb_sample_resample(gb_sample_record *r, const gb_sampler_settings *s, double u,
                             gb_error *err);
/* prepare + resample. */
gb_status gb_sample(gb_sample_record *r, const float *logits, const gb_sampler_settings *s,
                    double u, gb_error *err);

/* Reference implementation for tests and the benchmark baseline: the same
 * semantics with a full qsort of the vocabulary at every call. */
gb_status gb_sample_naive(gb_sample_record *r, const float *logits, const gb_sampler_settings *s,
                          double u, gb_error *err);

#ifdef __cplusplus
}
#endif
#endif
