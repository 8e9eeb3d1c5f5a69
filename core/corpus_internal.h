/* corpus_internal.h - the parsed form of a grammar, shared by the parser
 * (corpus_grammar.c) and the generator (corpus_gen.c). Not installed.
 *
 * A grammar is a list of rules; a rule a list of alternatives; an alternative
 * one template per output (en, fr, label) made of items: a literal word, a
 * form switch ("[sg it | pl they]", resolved from features after the whole
 * sentence is chosen) or a reference to a sub-derivation. A reference is
 * expanded once and shown in every output that mentions it, which is what
 * keeps English and French aligned.
 */
#ifndef GB_CORPUS_INTERNAL_H
#define GB_CORPUS_INTERNAL_H

#include <stdint.h>

#include "glassbox/corpus.h"

#define GB_G_MAX_OUT 3     /* en, fr, label */
#define GB_G_MAX_FEAT 8    /* features (g, n, k, ...) */
#define GB_G_MAX_VAL 16    /* values of one feature; also forms of a slash word */
#define GB_G_MAX_DEPTH 24  /* deeper derivations take their shortest way out */
#define GB_G_MAX_START 16
#define GB_G_HEIGHT_INF INT32_MAX

enum { OUT_EN = 0, OUT_FR = 1, OUT_LABEL = 2 };

/* A feature-value pattern: want[f] = value index, or -1 when f is not constrained. */
typedef struct gb_gfeat {
    int8_t want[GB_G_MAX_FEAT];
} gb_gfeat;

typedef enum { ITEM_WORD, ITEM_SWITCH, ITEM_REF } gb_gitem_kind;
typedef struct gb_gitem {
    gb_gitem_kind kind;
    int index; /* word: into g->words; switch: into g->switches; ref: into alt->refs */
} gb_gitem;

typedef struct gb_gswitch {
    int n_forms;
    gb_gfeat when[GB_G_MAX_VAL]; /* first match wins; an empty pattern matches anything */
    int word[GB_G_MAX_VAL];      /* into g->words: the form, may hold spaces ("do not"), may be "" */
    int line;
} gb_gswitch;

typedef struct gb_gref {
    int rule;      /* into g->rules, resolved after the whole file is read */
    char *rname;   /* the name as written */
    char *alias;   /* "{subj=np}" or NULL */
    int fresh;     /* 1: own features ("new"); 0: shares the alternative's features */
    gb_gfeat bind; /* values set on entry ("{np pl}") */
} gb_gref;

typedef struct gb_galt {
    double weight;
    gb_gfeat cond;                 /* "@f.sg": eligible if compatible, binds when chosen */
    gb_gitem *items[GB_G_MAX_OUT]; /* per output template */
    int n_items[GB_G_MAX_OUT];
    int given[GB_G_MAX_OUT];       /* 1 if written; else the refs of output 0 are used */
    gb_gref *refs;                 /* (n_refs,) expanded in this order */
    int n_refs;
    int height;                    /* shortest derivation through this alternative */
    int line;
} gb_galt;

typedef struct gb_grule {
    char *name;
    gb_galt *alts;
    int n_alts, cap_alts;
    int height; /* shortest derivation from this rule; GB_G_HEIGHT_INF if it never ends */
    uint64_t stats; /* bit i: %stat line i names this rule (or a prefix of it) */
    int line;
} gb_grule;

typedef struct gb_grewrite {
    int out;          /* output slot (OUT_EN, ...) */
    char *a, *b, *to; /* before-vowel: a -> to (b NULL); join: "a b" -> to */
} gb_grewrite;

struct gb_grammar {
    char *file;
    int n_out;
    int out_slot[GB_G_MAX_OUT]; /* position in an alternative -> OUT_EN/OUT_FR/OUT_LABEL */
    int has_slot[GB_G_MAX_OUT];
    int n_feat;
    char *feat_name[GB_G_MAX_FEAT];
    int n_val[GB_G_MAX_FEAT];
    char *val_name[GB_G_MAX_FEAT][GB_G_MAX_VAL];
    /* "%slash": a word "a/b/c" means the patterns of the line with as many parts */
    int n_slash;
    int slash_parts[4];
    gb_gfeat slash_pat[4][GB_G_MAX_VAL];
    char *vowels[GB_G_MAX_OUT]; /* first letters (UTF-8) that count as vowels, by slot */
    gb_grewrite *rewrites;
    int n_rewrites, cap_rewrites;
    gb_grule *rules;
    int n_rules, cap_rules;
    char **words; /* literal words and switch forms */
    int n_words, cap_words;
    gb_gswitch *switches;
    int n_switches, cap_switches;
    int n_start;
    char *start_task[GB_G_MAX_START], *start_rule[GB_G_MAX_START];
    int start_line[GB_G_MAX_START];
    int n_stats;
    char *stat_rule[GB_CORPUS_MAX_STATS];
    char *stat_help[GB_CORPUS_MAX_STATS];
    int stat_line[GB_CORPUS_MAX_STATS];
};

int gb_grammar_find_rule(const gb_grammar *g, const char *name); /* index or -1 */
/* Copy %stat names and descriptions into a corpus (split and generate use it). */
gb_status gb_corpus_copy_stats(gb_corpus *dst, int n, char *const *rule, char *const *help);

#endif
