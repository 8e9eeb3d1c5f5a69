/* glassbox/corpus.h - grammars that write aligned teaching corpora.
 *
 * This module owns the grammar format (docs/corpus.md, data/grammars/),
 * its parser, a deterministic generator, the train/validation split and the
 * writers for the files the trainer reads. One derivation of a grammar yields
 * one aligned record: an English sentence, its French translation and a label
 * (e.g. "positive"), so the three bundled models learn from the same world.
 *
 *     gb_error err = {0};
 *     gb_grammar *g = NULL;
 *     gb_corpus all = {0}, train = {0}, valid = {0};
 *     if (gb_grammar_load("data/grammars/classroom.grammar", &g, &err)) goto fail;
 *     if (gb_corpus_generate(g, "sentence", 20000, 42, &all, &err)) goto fail;
 *     if (gb_corpus_split(&all, 0.1, 42, &train, &valid, &err)) goto fail;
 *     gb_corpus_write(&train, GB_CORPUS_PAIRS, "train.fr-en.tsv", &err);
 *     ...
 *     gb_corpus_free(&valid); gb_corpus_free(&train); gb_corpus_free(&all);
 *     gb_grammar_free(g);
 *
 * Generation is a pure function of (grammar, start, n, seed): the corpus module
 * has its own private generator (xoshiro256**), independent of the sampler's.
 * Text is lower case, words separated by single spaces, punctuation and elided
 * French articles as their own words ("l' école", "n' a", " .").
 */
#ifndef GLASSBOX_CORPUS_H
#define GLASSBOX_CORPUS_H

#include <stddef.h>
#include <stdint.h>

#include "glassbox/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- grammar ---- */
typedef struct gb_grammar gb_grammar; /* opaque: rules, features, rewrites */

/* Read and check a grammar file (errors name the file and line). */
gb_status gb_grammar_load(const char *path, gb_grammar **out, gb_error *err);
/* Same from memory; name is used in messages in place of a file name. */
gb_status gb_grammar_parse(const char *text, size_t len, const char *name, gb_grammar **out,
                           gb_error *err);
void gb_grammar_free(gb_grammar *g);

/* Start rule the grammar names for a task ("lm", "translate", "sentiment") with
 * "%start TASK RULE", or NULL if it names none. */
const char *gb_grammar_start(const gb_grammar *g, const char *task);
int gb_grammar_has_rule(const gb_grammar *g, const char *name); /* 1 or 0 */
int gb_grammar_n_rules(const gb_grammar *g);
/* Which outputs the grammar declares (its %outputs line): 1 if present. */
int gb_grammar_has_output(const gb_grammar *g, const char *output); /* "en" "fr" "label" */

/* ---- corpus ---- */
#define GB_CORPUS_MAX_STATS 64

typedef struct gb_corpus_record {
    char *en;      /* English sentence ("the cat sits on the mat .") */
    char *fr;      /* its French translation, "" if the grammar has no fr output */
    char *label;   /* class label ("positive"), "" if none */
    uint64_t tags; /* bit i: the derivation used the rule of %stat number i */
} gb_corpus_record;

typedef struct gb_corpus {
    gb_corpus_record *recs;  /* (n,) in generation order, all distinct */
    int n, cap;
    int n_stats;             /* the grammar's %stat lines, in file order */
    char *stat_rule[GB_CORPUS_MAX_STATS];
    char *stat_help[GB_CORPUS_MAX_STATS];
    uint64_t attempts;       /* derivations tried, duplicates included */
} gb_corpus;

/* Derive from rule start until n DISTINCT records exist, or until 40 n + 1000
 * derivations were tried (the grammar gives no more: out->n < n, not an error).
 * Same inputs, same corpus. Fails only if no derivation succeeds (the message
 * names the rule and line that dead-ends) or start is not a rule. */
gb_status gb_corpus_generate(const gb_grammar *g, const char *start, int n, uint64_t seed,
                             gb_corpus *out, gb_error *err);

/* Split by distinct English sentence: round(valid_fraction * distinct) sentences
 * go to valid, chosen by a seeded hash of the sentence, so a sentence's side
 * depends only on (sentence, seed, fraction rank) and no sentence is in both. */
gb_status gb_corpus_split(const gb_corpus *c, double valid_fraction, uint64_t seed,
                          gb_corpus *train, gb_corpus *valid, gb_error *err);
void gb_corpus_free(gb_corpus *c);

/* Keep the first m records of each label, m = the smallest label count, in
 * generation order, so classes are exactly balanced. Records without a label
 * form a class of their own. Returns how many records were dropped. */
int gb_corpus_balance(gb_corpus *c);

/* Keep only the first record of each English sentence (a language model or a
 * classifier wants each sentence once; translation keeps both French versions
 * of "the teacher ..."). Returns how many records were dropped. */
int gb_corpus_unique_en(gb_corpus *c);

typedef enum gb_corpus_format {
    GB_CORPUS_TEXT,     /* en, one sentence per line */
    GB_CORPUS_PAIRS,    /* fr<TAB>en (source then target) */
    GB_CORPUS_LABELLED, /* label<TAB>en */
} gb_corpus_format;

/* Write atomically (temp file + rename). Pairs need fr, labelled needs labels. */
gb_status gb_corpus_write(const gb_corpus *c, gb_corpus_format fmt, const char *path,
                          gb_error *err);

/* Number of distinct space-separated words over one output ("en" or "fr"). */
int gb_corpus_vocab_size(const gb_corpus *c, const char *output);

/* Check that text is valid UTF-8 without NUL bytes; on failure *bad_line is the
 * 1-based line of the first bad byte. Returns 1 if valid. Shared with ngram.c. */
int gb_corpus_check_utf8(const char *text, size_t len, int *bad_line);

#ifdef __cplusplus
}
#endif
#endif
