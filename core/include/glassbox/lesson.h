/* glassbox/lesson.h - lessons: Markdown with directive lines, and claims
 * checked against the live model.
 *
 * A lesson file (lessons/NN-name.md, format in lessons/README.md) is a title
 * ("# ..."), an introduction, then steps ("## ..."). Inside a step, a line
 * starting with '@' is a directive; every other line is narrative. Directives
 * set the viewer's state (they carry over to the following steps until set
 * again) or make claims about the model:
 *
 *   @model classroom          @prompt the teacher taught the students
 *   @view attention           @layer 1   @head 2   @select teacher book
 *   @sampling temperature=0.7 top-k=40 top-p=0.9 seed=3
 *   @generate 5               @highlight it animal
 *   @tokenizer classroom-bpe  @image pictures/x.png   @include parts/x.md
 *   @claim ...                (kinds: see gb_claim_kind)
 *
 *   gb_lesson *l;
 *   gb_lesson_load("lessons/05-attention.md", &l, &err);   // format errors: file:line
 *   gb_lesson_checker *c = gb_lesson_checker_new();          // caches models
 *   int failures = gb_lesson_check(c, l, report, user);      // every claim
 *   gb_lesson_checker_free(c); gb_lesson_free(l);
 *
 * Parsing needs no model; checking loads each model once per checker.
 */
#ifndef GLASSBOX_LESSON_H
#define GLASSBOX_LESSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "glassbox/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GB_LESSON_MAX_WORDS 16

/* View names a lesson may use (the viewer may not have all of them yet). */
extern const char *const gb_lesson_view_names[];

typedef enum gb_claim_kind {
    GB_CLAIM_ATTENTION,   /* attention [stack=encoder|decoder|cross] layer=L head=H from="w" to="w" >= X */
    GB_CLAIM_NEIGHBORS,   /* neighbors "w" includes "v" k=K  |  neighbors "w" excludes "v" k=K */
    GB_CLAIM_SIMILARITY,  /* similarity "a" "b" >= X  (cosine of the embedding rows) */
    GB_CLAIM_NEXT,        /* next "prompt" top1 "w" | in-top K "w" | prob "w" >= X  [positions=off] */
    GB_CLAIM_GENERATE,    /* generate "prompt" == "text"  (the step's sampling, seed, @generate) */
    GB_CLAIM_TRANSLATE,   /* translate "source" == "target"  (greedy) */
    GB_CLAIM_CLASSIFY,    /* classify "text" == label */
    GB_CLAIM_TOKENS,      /* tokens "text" == "a b c"  (token labels joined by spaces) */
    GB_CLAIM_SETTING,     /* setting-changes-choice "prompt" "specA" "specB" [seed=S] */
    GB_CLAIM_BIGRAM,      /* bigram "w" top1 "v"  |  bigram "w" in-top K "v" */
    GB_CLAIM_ANALOGY,     /* analogy "a" "b" "c" top1 "d"  |  ... in-top K "d"  (a - b + c) */
} gb_claim_kind;

typedef enum gb_cmp { GB_CMP_GE, GB_CMP_LE, GB_CMP_GT, GB_CMP_LT } gb_cmp;
typedef enum gb_claim_stack { GB_CS_SELF, GB_CS_ENCODER, GB_CS_CROSS } gb_claim_stack;

typedef struct gb_lesson_claim {
    gb_claim_kind kind;
    int line;
    char *text;           /* the quoted text: prompt, word, source */
    char *want;           /* the expected word, text, label, or spec A */
    char *want2;          /* SETTING: spec B; ATTENTION: the "to" word; ANALOGY: b */
    char *word3;          /* ANALOGY: c */
    int k;                /* NEIGHBORS/NEXT/BIGRAM: how many; 1 for top1; NEXT: 0 = prob */
    bool negate;          /* NEIGHBORS excludes */
    gb_cmp cmp;           /* ATTENTION, SIMILARITY */
    double threshold;
    int layer, head;      /* ATTENTION */
    gb_claim_stack stack; /* ATTENTION */
    uint64_t seed;        /* SETTING */
    bool has_seed;
    bool no_positions;    /* NEXT: run with the positional encoding removed */
} gb_lesson_claim;

/* The viewer's state at a step (after applying this and earlier steps). */
typedef struct gb_lesson_state {
    char *model;          /* bundled name or path; NULL: none yet */
    char *tokenizer;      /* NULL: the model's own */
    char *prompt;
    char *view;
    int layer, head;      /* -1: not set */
    char *select[GB_LESSON_MAX_WORDS];
    int n_select;
    char *highlight[GB_LESSON_MAX_WORDS]; /* this step only (not carried over) */
    int n_highlight;
    double temperature, top_p;
    int top_k;
    uint64_t seed;
    int generate;         /* tokens to generate in this step (0: none) */
    int model_line, view_line, tokenizer_line, prompt_line, select_line; /* where they were set */
} gb_lesson_state;

typedef struct gb_lesson_step {
    char *title;
    int line;             /* of its "## " heading */
    char *text;           /* narrative (Markdown, directives removed) */
    char *image;          /* @image path resolved against the lesson folder, or NULL */
    int image_line;
    gb_lesson_state state;
    gb_lesson_claim *claims;
    int n_claims;
} gb_lesson_step;

typedef struct gb_lesson {
    char *path;
    char *title;
    char *intro;          /* text between the title and the first step */
    gb_lesson_step *steps;
    int n_steps;
} gb_lesson;

/* Parse a lesson from text; path names it in messages and anchors @image and
 * @include (relative paths inside the lesson's folder only). Errors read
 * "path:line: what is wrong". */
gb_status gb_lesson_parse(const char *path, const char *text, size_t len, gb_lesson **out,
                          gb_error *err);
gb_status gb_lesson_load(const char *path, gb_lesson **out, gb_error *err);
void gb_lesson_free(gb_lesson *l);

/* Where a tokenizer spec points: a bundled name (models/NAME.tokenizer.json
 * or the folder models/NAME), else the spec itself. malloc'd. */
char *gb_lesson_tokenizer_path(const char *spec);

/* The bundled lessons folder, found like bundled models (GLASSBOX_DATA, the
 * source tree, share/glassbox next to the executable, the install prefix):
 * malloc'd, or NULL when there is none. */
char *gb_lesson_bundled_dir(void);

/* Checking claims against models. A checker caches every model, tokenizer and
 * the bigram model it loads, so one run over many lessons loads each once. */
typedef struct gb_lesson_checker gb_lesson_checker;
gb_lesson_checker *gb_lesson_checker_new(void);
void gb_lesson_checker_free(gb_lesson_checker *c);

typedef enum gb_lesson_severity { GB_LESSON_ERROR = 0, GB_LESSON_WARNING = 1 } gb_lesson_severity;
/* Called once per problem with "path:line: message". */
typedef void (*gb_lesson_report_fn)(void *user, gb_lesson_severity sev, const char *msg);

/* For the attention view: the token positions of the step's first two @select
 * words in its prompt as a decoder model reads it (query: the last occurrence
 * of the first word; key: the last occurrence of the second at or before it),
 * -1 where unknown (no selection, another kind of model, a word not found). */
void gb_lesson_select_positions(gb_lesson_checker *c, const gb_lesson_state *st, int *query, int *key);

/* For the embeddings view: the vocabulary ids of the step's @select words
 * (those the model knows), at most cap; returns how many. */
int gb_lesson_select_ids(gb_lesson_checker *c, const gb_lesson_state *st, int *ids, int cap);

/* Check one claim: GB_OK when it holds; when it does not, GB_ERR_INPUT with
 * err saying what the model actually does ("... with 0.31, below 0.5"). */
gb_status gb_lesson_check_claim(gb_lesson_checker *c, const gb_lesson *l, const gb_lesson_step *s,
                                const gb_lesson_claim *cl, gb_error *err);
/* Check the models, tokenizers, words and claims of every step; returns the
 * number of errors reported. */
int gb_lesson_check(gb_lesson_checker *c, const gb_lesson *l, gb_lesson_report_fn report,
                    void *user);

#ifdef __cplusplus
}
#endif
#endif
