/* corpus_io.c - splitting a corpus into train/validation, writing it, counting words.
 *
 * The split is by distinct English sentence: every record with the same
 * sentence (e.g. two French translations of "the teacher ...") lands on the
 * same side, so validation measures sentences the model never saw.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "corpus_internal.h"
#include "glassbox/platform.h"

static uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t str_hash(const char *s, uint64_t seed) {
    uint64_t h = 0xCBF29CE484222325ull ^ mix64(seed + 0x9E3779B97F4A7C15ull);
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001B3ull;
    return mix64(h);
}

typedef struct split_key {
    uint64_t h;
    const char *en;
    int rec;
} split_key;

static int by_en(const void *a, const void *b) {
    return strcmp(((const split_key *)a)->en, ((const split_key *)b)->en);
}

static int by_hash(const void *a, const void *b) {
    const split_key *x = a, *y = b;
    if (x->h != y->h) return x->h < y->h ? -1 : 1;
    return strcmp(x->en, y->en);
}

static gb_status copy_record(gb_corpus *dst, const gb_corpus_record *r) {
    if (dst->n == dst->cap) {
        int nc = dst->cap ? dst->cap * 2 : 64;
        gb_corpus_record *nr = realloc(dst->recs, (size_t)nc * sizeof *nr);
        if (!nr) return GB_ERR_INTERNAL;
        dst->recs = nr;
        dst->cap = nc;
    }
    gb_corpus_record *d = &dst->recs[dst->n];
    d->en = strdup(r->en);
    d->fr = strdup(r->fr);
    d->label = strdup(r->label);
    d->tags = r->tags;
    dst->n++;
    return d->en && d->fr && d->label ? GB_OK : GB_ERR_INTERNAL;
}

/* side[i] = 1 if record i goes to validation. */
static gb_status choose_sides(const gb_corpus *c, double frac, uint64_t seed, char *side) {
    split_key *k = malloc((size_t)c->n * sizeof *k);
    if (!k) return GB_ERR_INTERNAL;
    for (int i = 0; i < c->n; i++) k[i] = (split_key){0, c->recs[i].en, i};
    qsort(k, (size_t)c->n, sizeof *k, by_en);
    int distinct = 0; /* compact to one key per sentence */
    for (int i = 0; i < c->n; i++)
        if (i == 0 || strcmp(k[i].en, k[distinct - 1].en) != 0) k[distinct++] = k[i];
    for (int i = 0; i < distinct; i++) k[i].h = str_hash(k[i].en, seed);
    qsort(k, (size_t)distinct, sizeof *k, by_hash);
    int n_valid = (int)llround(frac * distinct);
    if (frac > 0 && n_valid == 0 && distinct > 1) n_valid = 1;
    if (n_valid >= distinct && distinct > 1) n_valid = distinct - 1;
    /* mark validation sentences, then each record by binary search on its sentence */
    qsort(k, (size_t)n_valid, sizeof *k, by_en);
    for (int i = 0; i < c->n; i++) {
        split_key key = {0, c->recs[i].en, i};
        side[i] = bsearch(&key, k, (size_t)n_valid, sizeof *k, by_en) != NULL;
    }
    free(k);
    return GB_OK;
}

gb_status gb_corpus_split(const gb_corpus *c, double valid_fraction, uint64_t seed, gb_corpus *train,
                          gb_corpus *valid, gb_error *err) {
    memset(train, 0, sizeof *train);
    memset(valid, 0, sizeof *valid);
    if (!(valid_fraction >= 0 && valid_fraction < 1))
        return gb_fail(err, GB_ERR_INPUT, "validation fraction %g must be in [0, 1)", valid_fraction);
    if (c->n == 0) return gb_fail(err, GB_ERR_INPUT, "cannot split an empty corpus");
    char *side = malloc((size_t)c->n);
    gb_status st = side ? choose_sides(c, valid_fraction, seed, side) : GB_ERR_INTERNAL;
    if (!st) st = gb_corpus_copy_stats(train, c->n_stats, c->stat_rule, c->stat_help);
    if (!st) st = gb_corpus_copy_stats(valid, c->n_stats, c->stat_rule, c->stat_help);
    for (int i = 0; i < c->n && !st; i++) st = copy_record(side[i] ? valid : train, &c->recs[i]);
    free(side);
    if (st) {
        gb_corpus_free(train);
        gb_corpus_free(valid);
        return gb_fail(err, GB_ERR_INTERNAL, "splitting the corpus: out of memory");
    }
    train->attempts = valid->attempts = c->attempts;
    return GB_OK;
}

static int by_en_then_index(const void *a, const void *b) {
    const split_key *x = a, *y = b;
    int c = strcmp(x->en, y->en);
    return c ? c : (x->rec > y->rec) - (x->rec < y->rec);
}

int gb_corpus_unique_en(gb_corpus *c) {
    if (c->n < 2) return 0;
    split_key *k = malloc((size_t)c->n * sizeof *k);
    char *drop = calloc((size_t)c->n, 1);
    if (!k || !drop) {
        free(k);
        free(drop);
        return 0; /* out of memory: leave the corpus as it is */
    }
    for (int i = 0; i < c->n; i++) k[i] = (split_key){0, c->recs[i].en, i};
    qsort(k, (size_t)c->n, sizeof *k, by_en_then_index);
    for (int i = 1; i < c->n; i++)
        if (!strcmp(k[i].en, k[i - 1].en)) drop[k[i].rec] = 1;
    free(k);
    int out = 0;
    for (int i = 0; i < c->n; i++) {
        if (!drop[i]) {
            c->recs[out++] = c->recs[i];
            continue;
        }
        free(c->recs[i].en);
        free(c->recs[i].fr);
        free(c->recs[i].label);
    }
    free(drop);
    int dropped = c->n - out;
    c->n = out;
    return dropped;
}

int gb_corpus_balance(gb_corpus *c) {
    enum { MAX_LABELS = 64 };
    const char *label[MAX_LABELS];
    int count[MAX_LABELS], kept[MAX_LABELS], n_labels = 0;
    for (int i = 0; i < c->n; i++) {
        int k = 0;
        while (k < n_labels && strcmp(label[k], c->recs[i].label) != 0) k++;
        if (k == n_labels) {
            if (n_labels == MAX_LABELS) return 0; /* not a classification corpus */
            label[n_labels] = c->recs[i].label;
            count[n_labels] = kept[n_labels] = 0;
            n_labels++;
        }
        count[k]++;
    }
    int m = c->n;
    for (int k = 0; k < n_labels; k++)
        if (count[k] < m) m = count[k];
    int out = 0;
    for (int i = 0; i < c->n; i++) {
        int k = 0;
        while (strcmp(label[k], c->recs[i].label) != 0) k++;
        if (kept[k] < m) {
            kept[k]++;
            c->recs[out++] = c->recs[i];
            continue;
        }
        free(c->recs[i].en);
        free(c->recs[i].fr);
        free(c->recs[i].label); /* never a label[] entry: the first of each label is kept */
    }
    int dropped = c->n - out;
    c->n = out;
    return dropped;
}

gb_status gb_corpus_write(const gb_corpus *c, gb_corpus_format fmt, const char *path, gb_error *err) {
    for (int i = 0; i < c->n; i++) {
        if (fmt == GB_CORPUS_PAIRS && !c->recs[i].fr[0])
            return gb_fail(err, GB_ERR_INPUT, "%s: sentence %d has no French translation (the grammar needs a fr output)", path, i + 1);
        if (fmt == GB_CORPUS_LABELLED && !c->recs[i].label[0])
            return gb_fail(err, GB_ERR_INPUT, "%s: sentence %d has no label (the grammar needs a label output)", path, i + 1);
    }
    gb_afile af;
    gb_status st = gb_afile_open(&af, path, err);
    if (st) return st;
    for (int i = 0; i < c->n; i++) {
        const gb_corpus_record *r = &c->recs[i];
        if (fmt == GB_CORPUS_TEXT) fprintf(af.fp, "%s\n", r->en);
        else if (fmt == GB_CORPUS_PAIRS) fprintf(af.fp, "%s\t%s\n", r->fr, r->en);
        else fprintf(af.fp, "%s\t%s\n", r->label, r->en);
    }
    return gb_afile_commit(&af, err);
}

/* ---- vocabulary ---- */

static uint64_t word_hash(const char *s, size_t n) {
    uint64_t h = 0xCBF29CE484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001B3ull;
    return h;
}

typedef struct word_slot {
    const char *s;
    size_t n;
} word_slot;

int gb_corpus_vocab_size(const gb_corpus *c, const char *output) {
    int fr = strcmp(output, "fr") == 0;
    size_t cap = 1024;
    int count = 0;
    word_slot *tab = calloc(cap, sizeof *tab);
    if (!tab) return -1;
    for (int i = 0; i < c->n; i++) {
        const char *s = fr ? c->recs[i].fr : c->recs[i].en;
        while (*s) {
            while (*s == ' ') s++;
            const char *e = s;
            while (*e && *e != ' ') e++;
            if (e == s) break;
            if ((size_t)count * 2 >= cap) { /* rehash */
                word_slot *nt = calloc(cap * 2, sizeof *nt);
                if (!nt) {
                    free(tab);
                    return -1;
                }
                for (size_t k = 0; k < cap; k++)
                    if (tab[k].s) {
                        size_t j = word_hash(tab[k].s, tab[k].n) & (cap * 2 - 1);
                        while (nt[j].s) j = (j + 1) & (cap * 2 - 1);
                        nt[j] = tab[k];
                    }
                free(tab);
                tab = nt;
                cap *= 2;
            }
            size_t j = word_hash(s, (size_t)(e - s)) & (cap - 1);
            while (tab[j].s && !(tab[j].n == (size_t)(e - s) && memcmp(tab[j].s, s, tab[j].n) == 0))
                j = (j + 1) & (cap - 1);
            if (!tab[j].s) {
                tab[j] = (word_slot){s, (size_t)(e - s)};
                count++;
            }
            s = e;
        }
    }
    free(tab);
    return count;
}
