/* cmd_neighbors.c - `glassbox neighbors`, `similarity` and `analogy`: the
 * geometry of the token table (input embeddings, [V, d]).
 *
 *   glassbox neighbors  --model M [--tokenizer T] [--metric cosine|euclidean] [-k N] (WORD | --id N)
 *   glassbox similarity --model M [--tokenizer T] [--ids] A B
 *   glassbox analogy    --model M [--tokenizer T] [--metric M] [-k N] [--ids] A B C
 *
 * neighbors and analogy print one neighbour a line: id<TAB>token<TAB>score
 * (cosine similarity, or Euclidean distance). similarity prints
 * "cosine X", "angle_degrees X" and "euclidean X", one a line. Which token
 * each word became is said on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_words.h"
#include "glassbox/analysis.h"

typedef struct geo_args {
    const char *model, *tok, *metric, *pos[3];
    int k, id, n_pos;
    bool ids;
} geo_args;

/* Turn positional i into a token id: a word, or an id with --ids. */
static gb_status arg_id(const gb_words *w, const geo_args *a, int i, int *id, gb_error *err) {
    if (a->ids) return gb_words_parse_id(w, "token id", a->pos[i], id, err);
    return gb_words_lookup(w, a->pos[i], id, err);
}

static void say_token(const gb_words *w, const char *what, int id) {
    char label[128];
    gb_words_label(w, id, label, sizeof label);
    fprintf(stderr, "%s: \"%s\" (id %d)\n", what, label, id);
}

static void print_neighbors(const gb_words *w, const gb_neighbor *nb, int n) {
    char label[256];
    for (int i = 0; i < n; i++) {
        gb_words_label(w, nb[i].id, label, sizeof label);
        printf("%d\t%s\t%.6f\n", nb[i].id, label, nb[i].score);
    }
}

static int parse(const char *cmd, int argc, char **argv, geo_args *a, int n_pos_want, bool with_k,
                 gb_error *err) {
    memset(a, 0, sizeof *a);
    a->k = 10, a->id = -1, a->metric = "cosine";
    gb_opt opts[] = {
        {"--model", "-m", GB_OPT_STR, &a->model, 1, 0, "M  model", false},
        {"--tokenizer", NULL, GB_OPT_STR, &a->tok, 1, 0, "T  tokenizer (default: the model's)", false},
        {"--metric", NULL, GB_OPT_STR, &a->metric, 1, 0, "cosine|euclidean", false},
        {"-k", NULL, GB_OPT_INT, &a->k, 1, 1000, "N  how many neighbours (10)", false},
        {"--id", NULL, GB_OPT_INT, &a->id, 0, 2147483647.0, "N  a token id instead of a word", false},
        {"--ids", NULL, GB_OPT_FLAG, &a->ids, 1, 0, "the arguments are token ids", false},
    };
    int n_opts = (int)(sizeof opts / sizeof opts[0]);
    if (gb_parse_opts(cmd, argc, argv, opts, n_opts, a->pos, 3, &a->n_pos, err)) return -1;
    if (!with_k && (opts[2].seen || opts[3].seen))
        return gb_fail(err, GB_ERR_INPUT, "%s: --metric and -k do not apply", cmd), -1;
    if (gb_metric_parse(a->metric) < 0)
        return gb_fail(err, GB_ERR_INPUT, "%s --metric: '%s' is not cosine or euclidean", cmd, a->metric), -1;
    if (n_pos_want >= 0 && a->n_pos != n_pos_want)
        return gb_fail(err, GB_ERR_INPUT, "%s: expected %d word%s, got %d", cmd, n_pos_want,
                       n_pos_want == 1 ? "" : "s", a->n_pos), -1;
    return 0;
}

int gb_cmd_neighbors(int argc, char **argv) {
    gb_error err = {0};
    geo_args a;
    if (parse("neighbors", argc, argv, &a, -1, true, &err) != 0) return gb_cli_error(&err);
    if (a.n_pos > 1 || (a.id >= 0) == (a.n_pos == 1)) {
        gb_fail(&err, GB_ERR_INPUT, "neighbors: give one WORD or --id N");
        return gb_cli_error(&err);
    }
    gb_words w;
    if (gb_words_open(&w, a.model, a.tok, a.id < 0, &err)) return gb_cli_error(&err);
    int id = a.id;
    gb_status st = GB_OK;
    if (id >= w.vocab) st = gb_fail(&err, GB_ERR_INPUT, "neighbors --id: %d is not a token id in [0, %d)", id, w.vocab);
    if (!st && id < 0) st = gb_words_lookup(&w, a.pos[0], &id, &err);
    gb_vindex ix;
    if (!st) st = gb_vindex_build(&ix, w.m->w.embed, w.vocab, w.m->cfg.d_model, &err);
    if (st) {
        gb_words_close(&w);
        return gb_cli_error(&err);
    }
    say_token(&w, "neighbors of", id);
    gb_neighbor *nb = malloc(sizeof *nb * (size_t)a.k);
    int got = nb ? gb_vindex_nearest(&ix, ix.rows + (size_t)id * ix.d, (gb_metric)gb_metric_parse(a.metric),
                                     a.k, &id, 1, nb, &err) : -1;
    if (got >= 0) print_neighbors(&w, nb, got);
    free(nb);
    gb_vindex_free(&ix);
    gb_words_close(&w);
    if (got < 0) return gb_cli_error(&err);
    return 0;
}

int gb_cmd_similarity(int argc, char **argv) {
    gb_error err = {0};
    geo_args a;
    if (parse("similarity", argc, argv, &a, 2, false, &err) != 0) return gb_cli_error(&err);
    gb_words w;
    if (gb_words_open(&w, a.model, a.tok, !a.ids, &err)) return gb_cli_error(&err);
    int id[2];
    gb_status st = arg_id(&w, &a, 0, &id[0], &err);
    if (!st) st = arg_id(&w, &a, 1, &id[1], &err);
    if (st) {
        gb_words_close(&w);
        return gb_cli_error(&err);
    }
    say_token(&w, "A", id[0]);
    say_token(&w, "B", id[1]);
    int d = w.m->cfg.d_model;
    const float *x = w.m->w.embed + (size_t)id[0] * d, *y = w.m->w.embed + (size_t)id[1] * d;
    printf("cosine\t%.6f\nangle_degrees\t%.4f\neuclidean\t%.6f\n", gb_cosine(x, y, d),
           gb_angle_deg(x, y, d), gb_euclidean(x, y, d));
    gb_words_close(&w);
    return 0;
}

int gb_cmd_analogy(int argc, char **argv) {
    gb_error err = {0};
    geo_args a;
    if (parse("analogy", argc, argv, &a, 3, true, &err) != 0) return gb_cli_error(&err);
    gb_words w;
    if (gb_words_open(&w, a.model, a.tok, !a.ids, &err)) return gb_cli_error(&err);
    int id[3];
    gb_status st = GB_OK;
    for (int i = 0; i < 3 && !st; i++) st = arg_id(&w, &a, i, &id[i], &err);
    gb_vindex ix;
    if (!st) st = gb_vindex_build(&ix, w.m->w.embed, w.vocab, w.m->cfg.d_model, &err);
    if (st) {
        gb_words_close(&w);
        return gb_cli_error(&err);
    }
    say_token(&w, "A", id[0]);
    say_token(&w, "minus B", id[1]);
    say_token(&w, "plus C", id[2]);
    gb_neighbor *nb = malloc(sizeof *nb * (size_t)a.k);
    int got = nb ? gb_analogy(&ix, id[0], id[1], id[2], (gb_metric)gb_metric_parse(a.metric), a.k, nb,
                              NULL, &err) : -1;
    if (got >= 0) print_neighbors(&w, nb, got);
    free(nb);
    gb_vindex_free(&ix);
    gb_words_close(&w);
    if (got < 0) return gb_cli_error(&err);
    return 0;
}
