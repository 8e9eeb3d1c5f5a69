/* train_corpus.c - task files as text, the tokenizer built for them, and their
 * encoding into training data.
 *
 *   LM         plain text, one sentence (or line) per line
 *   TRANSLATE  source<TAB>target per line (fr<TAB>en for the bundled model);
 *              targets become <s> ... </s>
 *   CLASSIFY   label<TAB>sentence per line; inputs become <cls> ...
 * Files must be valid UTF-8; empty lines are skipped. Errors name the file and
 * line.
 */
#include <stdlib.h>
#include <string.h>

#include "glassbox/corpus.h"
#include "glassbox/platform.h"
#include "glassbox/tokenizer.h"
#include "train_internal.h"

#define MAX_CORPUS_BYTES ((size_t)1 << 30)

void gb_task_text_free(gb_task_text *t) {
    free(t->a), free(t->b), free(t->buf);
    memset(t, 0, sizeof *t);
}

static gb_status add_line(gb_task_text *t, char *a, char *b, int *cap, gb_error *err) {
    if (t->n == *cap) {
        int nc = *cap * 2 + 1024;
        char **na = realloc(t->a, (size_t)nc * sizeof *na);
        if (na) t->a = na;
        char **nb = realloc(t->b, (size_t)nc * sizeof *nb);
        if (nb) t->b = nb;
        if (!na || !nb) return gb_fail(err, GB_ERR_INTERNAL, "out of memory for %d lines", nc);
        *cap = nc;
    }
    t->a[t->n] = a, t->b[t->n] = b;
    t->n++;
    return GB_OK;
}

/* Split line into two fields at the first TAB; NULL if there is none. */
static char *split_tab(char *line) {
    char *tab = strchr(line, '\t');
    if (!tab) return NULL;
    *tab = '\0';
    return tab + 1;
}

static gb_status parse_lines(gb_task_text *t, const char *path, gb_error *err) {
    int cap = 0, lineno = 0;
    char *p = t->buf, *end = t->buf + t->len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p)), *line = p;
        char *stop = nl ? nl : end;
        p = nl ? nl + 1 : end;
        lineno++;
        if (stop > line && stop[-1] == '\r') stop--;
        *stop = '\0';
        if (line[0] == '\0') continue;
        if (t->task == GB_TASK_LM) {
            gb_status st = add_line(t, line, NULL, &cap, err);
            if (st) return st;
            continue;
        }
        char *second = split_tab(line);
        const char *what = t->task == GB_TASK_TRANSLATE ? "source<TAB>target" : "label<TAB>sentence";
        if (!second || !line[0] || !second[0] || strchr(second, '\t'))
            return gb_fail(err, GB_ERR_INPUT, "%s:%d: expected %s", path, lineno, what);
        if (t->task == GB_TASK_CLASSIFY && strlen(line) >= GB_MAX_LABEL)
            return gb_fail(err, GB_ERR_INPUT, "%s:%d: label longer than %d bytes", path, lineno, GB_MAX_LABEL - 1);
        gb_status st = t->task == GB_TASK_TRANSLATE ? add_line(t, line, second, &cap, err)
                                                     : add_line(t, second, line, &cap, err);
        if (st) return st;
    }
    if (t->n == 0) return gb_fail(err, GB_ERR_INPUT, "%s: the corpus is empty (no non-empty lines)", path);
    return GB_OK;
}

gb_status gb_task_text_read(const char *path, gb_task task, gb_task_text *out, gb_error *err) {
    memset(out, 0, sizeof *out);
    out->task = task;
    gb_status st = gb_read_file(path, MAX_CORPUS_BYTES, &out->buf, &out->len, err);
    if (st) return st;
    int bad_line = 0;
    if (!gb_corpus_check_utf8(out->buf, out->len, &bad_line)) {
        gb_task_text_free(out);
        return gb_fail(err, GB_ERR_INPUT, "%s:%d: invalid UTF-8 (or a NUL byte): a corpus must be UTF-8 text", path,
                       bad_line);
    }
    st = parse_lines(out, path, err);
    if (st) gb_task_text_free(out);
    return st;
}

char *gb_task_text_joined(const gb_task_text *t, size_t *len) {
    size_t n = 0;
    for (int i = 0; i < t->n; i++) {
        n += strlen(t->a[i]) + 1;
        if (t->task == GB_TASK_TRANSLATE) n += strlen(t->b[i]) + 1;
    }
    char *s = malloc(n + 1), *w = s;
    if (!s) return NULL;
    for (int i = 0; i < t->n; i++) {
        size_t k = strlen(t->a[i]);
        memcpy(w, t->a[i], k), w += k, *w++ = '\n';
        if (t->task == GB_TASK_TRANSLATE) {
            k = strlen(t->b[i]);
            memcpy(w, t->b[i], k), w += k, *w++ = '\n';
        }
    }
    *w = '\0';
    *len = n;
    return s;
}

/* Encode text; counts unknown-word tokens into *n_unk. */
static gb_status encode(const gb_tokenizer *tok, const char *s, size_t len, int **ids, int *n, long *n_unk,
                        gb_error *err) {
    gb_status st = gb_tokenizer_encode(tok, s, len, false, ids, n, NULL, err);
    int unk = gb_tokenizer_special(tok, GB_SPECIAL_UNK);
    for (int i = 0; !st && unk >= 0 && i < *n; i++) *n_unk += (*ids)[i] == unk;
    return st;
}

static int find_label(char labels[][GB_MAX_LABEL], int n, const char *s) {
    for (int i = 0; i < n; i++)
        if (strcmp(labels[i], s) == 0) return i;
    return -1;
}

/* LM: word tokenizers end each line with EOS; others encode the text as is,
 * newline included, so generation reproduces the line structure. */
static gb_status encode_lm_line(const gb_tokenizer *tok, const char *line, gb_train_data *out, long *n_unk,
                                long *n_tok, gb_error *err) {
    int *ids = NULL, n = 0;
    int eos = gb_tokenizer_special(tok, GB_SPECIAL_EOS);
    int word = gb_tokenizer_kind(tok) == GB_TOK_WORD && eos >= 0;
    size_t len = strlen(line);
    char *with_nl = NULL;
    if (!word) {
        with_nl = malloc(len + 2);
        if (!with_nl) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
        memcpy(with_nl, line, len), with_nl[len] = '\n', with_nl[len + 1] = '\0';
    }
    gb_status st = encode(tok, word ? line : with_nl, word ? len : len + 1, &ids, &n, n_unk, err);
    if (!st) st = gb_train_data_append(out, ids, (size_t)n, err);
    if (!st && word) st = gb_train_data_append(out, &eos, 1, err);
    *n_tok += n + word;
    free(ids), free(with_nl);
    return st;
}

static gb_status encode_example(const gb_task_text *t, int i, const gb_tokenizer *tok, char labels[][GB_MAX_LABEL],
                                int n_classes, gb_train_data *out, long *n_unk, long *n_tok, gb_error *err) {
    int *a = NULL, na = 0, *b = NULL, nb = 0;
    gb_status st = encode(tok, t->a[i], strlen(t->a[i]), &a, &na, n_unk, err);
    int label = 0;
    if (!st && t->task == GB_TASK_TRANSLATE) {
        st = encode(tok, t->b[i], strlen(t->b[i]), &b, &nb, n_unk, err);
        int bos = gb_tokenizer_special(tok, GB_SPECIAL_BOS), eos = gb_tokenizer_special(tok, GB_SPECIAL_EOS);
        int *full = st ? NULL : malloc((size_t)(nb + 2) * sizeof(int));
        if (!st && (!full || bos < 0 || eos < 0)) st = gb_fail(err, GB_ERR_INPUT, "the tokenizer needs <s> and </s> tokens for translation");
        if (!st) {
            full[0] = bos;
            memcpy(full + 1, b, (size_t)nb * sizeof(int));
            full[nb + 1] = eos;
            st = gb_train_data_add(out, a, na, full, nb + 2, 0, err);
            *n_tok += na + nb + 2;
        }
        free(full);
    } else if (!st) {
        int cls = gb_tokenizer_special(tok, GB_SPECIAL_CLS);
        label = find_label(labels, n_classes, t->b[i]);
        int *full = malloc((size_t)(na + 1) * sizeof(int));
        if (!full || cls < 0) st = gb_fail(err, GB_ERR_INPUT, "the tokenizer needs a <cls> token for classification");
        else if (label < 0) st = gb_fail(err, GB_ERR_INPUT, "line %d: label '%s' is not one of the model's classes", i + 1, t->b[i]);
        if (!st) {
            full[0] = cls;
            memcpy(full + 1, a, (size_t)na * sizeof(int));
            st = gb_train_data_add(out, full, na + 1, NULL, 0, label, err);
            *n_tok += na + 1;
        }
        free(full);
    }
    free(a), free(b);
    return st;
}

gb_status gb_task_text_encode(const gb_task_text *t, const gb_tokenizer *tok, char labels[][GB_MAX_LABEL],
                              int n_classes, double max_unknown, gb_train_data *out, gb_error *err) {
    gb_train_data_init(out, t->task);
    long n_unk = 0, n_tok = 0;
    gb_status st = GB_OK;
    for (int i = 0; i < t->n && !st; i++)
        st = t->task == GB_TASK_LM ? encode_lm_line(tok, t->a[i], out, &n_unk, &n_tok, err)
                                    : encode_example(t, i, tok, labels, n_classes, out, &n_unk, &n_tok, err);
    if (!st && max_unknown >= 0 && n_tok > 0 && (double)n_unk > max_unknown * (double)n_tok)
        st = gb_fail(err, GB_ERR_INPUT,
                     "the vocabulary (%d tokens) is too small for the data: %.1f%% of the tokens are unknown",
                     gb_tokenizer_vocab_size(tok), 100.0 * (double)n_unk / (double)n_tok);
    if (st) gb_train_data_free(out);
    return st;
}

int gb_task_text_labels(const gb_task_text *t, char labels[][GB_MAX_LABEL], int cap) {
    int n = 0;
    for (int i = 0; i < t->n && t->task == GB_TASK_CLASSIFY; i++)
        if (find_label(labels, n, t->b[i]) < 0) {
            if (n == cap) return -1;
            snprintf(labels[n++], GB_MAX_LABEL, "%s", t->b[i]);
        }
    /* sorted, so the class order does not depend on which label comes first */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && strcmp(labels[j - 1], labels[j]) > 0; j--) {
            char tmp[GB_MAX_LABEL];
            memcpy(tmp, labels[j], GB_MAX_LABEL);
            memcpy(labels[j], labels[j - 1], GB_MAX_LABEL);
            memcpy(labels[j - 1], tmp, GB_MAX_LABEL);
        }
    return n;
}
