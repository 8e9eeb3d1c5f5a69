/* cmd_corpus.c - `glassbox corpus`: write training corpora from a grammar.
 *
 * For each task it generates --count distinct records from the task's start
 * rule (the grammar's "%start TASK RULE", or --start), splits them by sentence
 * and writes (into --out):
 *   lm         train.txt            valid.txt             one English sentence per line
 *   translate  train.fr-en.tsv      valid.fr-en.tsv       French<TAB>English
 *   sentiment  train.sentiment.tsv  valid.sentiment.tsv   label<TAB>English
 * Counts go to stderr; --stats adds how many sentences show each phenomenon
 * the grammar tracks (%stat) and what a one-word-context model makes of it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "glassbox/corpus.h"
#include "glassbox/ngram.h"

typedef struct task_def {
    const char *name;
    gb_corpus_format fmt;
    const char *train_file, *valid_file;
} task_def;

static const task_def TASKS[] = {
    {"lm", GB_CORPUS_TEXT, "train.txt", "valid.txt"},
    {"translate", GB_CORPUS_PAIRS, "train.fr-en.tsv", "valid.fr-en.tsv"},
    {"sentiment", GB_CORPUS_LABELLED, "train.sentiment.tsv", "valid.sentiment.tsv"},
};
#define N_TASKS 3

typedef struct corpus_opts {
    const char *grammar, *start, *task, *out, *next;
    int count, sample;
    uint64_t seed;
    double valid;
    bool stats;
} corpus_opts;

static gb_status ensure_dir(const char *dir, gb_error *err) {
    struct stat sb;
    if (stat(dir, &sb) == 0) {
        if (S_ISDIR(sb.st_mode)) return GB_OK;
        return gb_fail(err, GB_ERR_INPUT, "%s: exists and is not a folder", dir);
    }
    if (mkdir(dir, 0755) != 0) return gb_fail(err, GB_ERR_INPUT, "%s: cannot create folder: %s", dir, strerror(errno));
    return GB_OK;
}

static char *join_path(const char *dir, const char *file) {
    size_t n = strlen(dir) + strlen(file) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", dir, file);
    return p;
}

static void print_labels(const gb_corpus *c) {
    const char *seen[16];
    int count[16], n = 0;
    for (int i = 0; i < c->n; i++) {
        int k = 0;
        while (k < n && strcmp(seen[k], c->recs[i].label) != 0) k++;
        if (k == n && n < 16) {
            seen[n] = c->recs[i].label;
            count[n++] = 0;
        }
        if (k < n) count[k]++;
    }
    for (int k = 0; k < n; k++)
        if (seen[k][0]) fprintf(stderr, "  label %-12s %d (%.1f%%)\n", seen[k], count[k], 100.0 * count[k] / c->n);
}

/* Phenomena the grammar tracks and sentence lengths; bigram perplexity for lm. */
static void print_stats(const gb_corpus *all, const gb_corpus *train, const gb_corpus *valid) {
    int max_len = 0;
    long total = 0;
    for (int i = 0; i < all->n; i++) {
        int w = 1;
        for (const char *s = all->recs[i].en; *s; s++) w += *s == ' ';
        total += w;
        if (w > max_len) max_len = w;
    }
    fprintf(stderr, "  words per sentence: mean %.1f, max %d\n", (double)total / all->n, max_len);
    fprintf(stderr, "  phenomena (sentences whose derivation used the rule):\n");
    for (int s = 0; s < all->n_stats; s++) {
        int k = 0;
        for (int i = 0; i < all->n; i++) k += (int)((all->recs[i].tags >> s) & 1);
        fprintf(stderr, "    %-22s %6d  %s\n", all->stat_rule[s], k, all->stat_help[s]);
    }
    gb_bigram *bg = NULL;
    gb_error err = {0};
    const char **tr = malloc((size_t)train->n * sizeof *tr), **va = malloc((size_t)valid->n * sizeof *va);
    if (tr && va && valid->n > 0) {
        for (int i = 0; i < train->n; i++) tr[i] = train->recs[i].en;
        for (int i = 0; i < valid->n; i++) va[i] = valid->recs[i].en;
        double ppl;
        long n_tok;
        if (gb_bigram_build_lines(tr, train->n, 0.1, &bg, &err) == GB_OK &&
            gb_bigram_perplexity_lines(bg, va, valid->n, &ppl, &n_tok, &err) == GB_OK)
            fprintf(stderr, "  bigram (add-0.1) perplexity on validation: %.2f over %ld tokens\n", ppl, n_tok);
    }
    gb_bigram_free(bg);
    free(tr);
    free(va);
}

/* What a one-word-context model trained on the training half predicts after
 * the last word of text (lesson 14: it cannot see the words before). */
static gb_status print_next(const gb_corpus *train, const char *text, gb_error *err) {
    const char **lines = malloc((size_t)train->n * sizeof *lines);
    if (!lines) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    for (int i = 0; i < train->n; i++) lines[i] = train->recs[i].en;
    gb_bigram *bg = NULL;
    gb_status st = gb_bigram_build_lines(lines, train->n, 0.1, &bg, err);
    free(lines);
    if (st) return st;
    const char *end = text + strlen(text), *last;
    while (end > text && end[-1] == ' ') end--;
    for (last = end; last > text && last[-1] != ' '; last--) {}
    char word[256];
    snprintf(word, sizeof word, "%.*s", (int)(end - last), last);
    int prev = word[0] ? gb_bigram_id(bg, word) : GB_BIGRAM_BOS, ids[5];
    double p[5];
    int n = gb_bigram_top(bg, prev, 5, ids, p);
    printf("after '%s' (bigram, add-0.1):", word[0] ? gb_bigram_word(bg, prev) : "<s>");
    for (int i = 0; i < n; i++) printf(" %s %.3f", gb_bigram_word(bg, ids[i]), p[i]);
    printf("\n");
    gb_bigram_free(bg);
    return GB_OK;
}

static void print_sample(const gb_corpus *c, int n) {
    for (int i = 0; i < n && i < c->n; i++) {
        const gb_corpus_record *r = &c->recs[i];
        printf("%s", r->en);
        if (r->fr[0]) printf("\t%s", r->fr);
        if (r->label[0]) printf("\t%s", r->label);
        printf("\n");
    }
}

static gb_status write_task(const corpus_opts *o, const task_def *t, const gb_corpus *train,
                            const gb_corpus *valid, gb_error *err) {
    char *tp = join_path(o->out, t->train_file), *vp = join_path(o->out, t->valid_file);
    gb_status st = tp && vp ? GB_OK : gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    if (!st) st = ensure_dir(o->out, err);
    if (!st) st = gb_corpus_write(train, t->fmt, tp, err);
    if (!st) st = gb_corpus_write(valid, t->fmt, vp, err);
    if (!st) fprintf(stderr, "  wrote %s (%d) and %s (%d)\n", tp, train->n, vp, valid->n);
    free(tp);
    free(vp);
    return st;
}

static gb_status run_task(const corpus_opts *o, const gb_grammar *g, const task_def *t, gb_error *err) {
    const char *start = o->start ? o->start : gb_grammar_start(g, t->name);
    if (!start)
        return gb_fail(err, GB_ERR_INPUT, "%s: no '%%start %s RULE' line; pass --start RULE", o->grammar, t->name);
    if (t->fmt == GB_CORPUS_PAIRS && !gb_grammar_has_output(g, "fr"))
        return gb_fail(err, GB_ERR_INPUT, "%s: task translate needs a fr output (%%outputs en fr)", o->grammar);
    if (t->fmt == GB_CORPUS_LABELLED && !gb_grammar_has_output(g, "label"))
        return gb_fail(err, GB_ERR_INPUT, "%s: task sentiment needs a label output (%%outputs en fr label)", o->grammar);
    gb_corpus all = {0}, train = {0}, valid = {0};
    gb_status st = gb_corpus_generate(g, start, o->count, o->seed, &all, err);
    int repeats = 0, dropped = 0;
    if (!st && t->fmt != GB_CORPUS_PAIRS) repeats = gb_corpus_unique_en(&all); /* same English, other French */
    if (!st && t->fmt == GB_CORPUS_LABELLED) dropped = gb_corpus_balance(&all);
    if (!st) st = gb_corpus_split(&all, o->valid, o->seed, &train, &valid, err);
    if (!st) {
        fprintf(stderr, "%s (start '%s', seed %llu): %d distinct records from %llu derivations", t->name, start,
                (unsigned long long)o->seed, all.n + repeats + dropped, (unsigned long long)all.attempts);
        if (repeats) fprintf(stderr, ", %d repeated English sentences dropped", repeats);
        if (dropped) fprintf(stderr, ", %d dropped to balance the labels", dropped);
        else if (all.n + repeats < o->count) fprintf(stderr, " (asked %d: the grammar gives no more)", o->count);
        fprintf(stderr, "\n  train %d, validation %d; vocabulary: en %d", train.n, valid.n, gb_corpus_vocab_size(&all, "en"));
        if (t->fmt == GB_CORPUS_PAIRS) fprintf(stderr, ", fr %d", gb_corpus_vocab_size(&all, "fr"));
        fprintf(stderr, "\n");
        if (t->fmt == GB_CORPUS_LABELLED) print_labels(&all);
        if (o->stats) print_stats(&all, &train, &valid);
        if (o->sample) print_sample(&all, o->sample);
        if (o->next && t->fmt == GB_CORPUS_TEXT) st = print_next(&train, o->next, err);
        if (!st && o->out) st = write_task(o, t, &train, &valid, err);
    }
    gb_corpus_free(&valid);
    gb_corpus_free(&train);
    gb_corpus_free(&all);
    return st;
}

int gb_cmd_corpus(int argc, char **argv) {
    corpus_opts o = {.task = "all", .count = 20000, .seed = 1, .valid = 0.1};
    gb_opt opts[] = {
        {"--grammar", NULL, GB_OPT_STR, &o.grammar, 1, 0, "FILE  grammar (e.g. data/grammars/classroom.grammar)", false},
        {"--task", NULL, GB_OPT_STR, &o.task, 1, 0, "T  lm | translate | sentiment | all (default all)", false},
        {"--start", NULL, GB_OPT_STR, &o.start, 1, 0, "RULE  start rule instead of the grammar's %start", false},
        {"--count", "-n", GB_OPT_INT, &o.count, 1, 5000000, "N  distinct records per task (default 20000)", false},
        {"--seed", NULL, GB_OPT_U64, &o.seed, 1, 0, "S  seed for generation and split (default 1)", false},
        {"--valid", NULL, GB_OPT_FLOAT, &o.valid, 0, 0.9, "X  fraction of sentences for validation (default 0.1)", false},
        {"--out", "-o", GB_OPT_STR, &o.out, 1, 0, "DIR  folder for the files (created if missing)", false},
        {"--stats", NULL, GB_OPT_FLAG, &o.stats, 1, 0, "show phenomena coverage and sentence lengths", false},
        {"--sample", NULL, GB_OPT_INT, &o.sample, 0, 1000000, "N  print the first N records to stdout", false},
        {"--next", NULL, GB_OPT_STR, &o.next, 1, 0, "TEXT  lm: the bigram's top 5 words after TEXT's last word", false},
    };
    int n_opts = (int)(sizeof opts / sizeof opts[0]), n_pos;
    gb_error err = {0};
    if (gb_parse_opts("corpus", argc, argv, opts, n_opts, NULL, 0, &n_pos, &err)) return gb_cli_error(&err);
    if (!o.grammar) {
        gb_fail(&err, GB_ERR_INPUT, "corpus: --grammar FILE is required");
        return gb_cli_error(&err);
    }
    int which = -1;
    for (int t = 0; t < N_TASKS; t++)
        if (strcmp(o.task, TASKS[t].name) == 0) which = t;
    if (which < 0 && strcmp(o.task, "all") != 0) {
        gb_fail(&err, GB_ERR_INPUT, "corpus --task: '%s' is not lm, translate, sentiment or all", o.task);
        return gb_cli_error(&err);
    }
    if (!o.out && !o.stats && !o.sample && !o.next) {
        gb_fail(&err, GB_ERR_INPUT, "corpus: nothing to do: give --out DIR, --stats, --sample N or --next TEXT");
        return gb_cli_error(&err);
    }
    gb_grammar *g = NULL;
    gb_status st = gb_grammar_load(o.grammar, &g, &err);
    int ran = 0;
    for (int t = 0; t < N_TASKS && !st; t++) {
        if (which >= 0 && t != which) continue;
        if (which < 0 && !gb_grammar_start(g, TASKS[t].name)) continue; /* all: the tasks it names */
        st = run_task(&o, g, &TASKS[t], &err);
        ran++;
    }
    if (!st && !ran)
        st = gb_fail(&err, GB_ERR_INPUT, "%s: no %%start lines name a task; pass --task lm and --start RULE", o.grammar);
    gb_grammar_free(g);
    return st ? gb_cli_error(&err) : 0;
}
