/* cmd_words.c - words to token ids for the export and neighbour commands. */
#include "cmd_words.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glassbox/analysis.h"

gb_status gb_words_open(gb_words *w, const char *model, const char *tok_path, int need_tok,
                        gb_error *err) {
    memset(w, 0, sizeof *w);
    if (!model) return gb_fail(err, GB_ERR_INPUT, "--model is required");
    gb_status st = gb_model_load(model, &w->m, err);
    if (st) return st;
    w->vocab = w->m->cfg.vocab_size;
    const char *tp = tok_path ? tok_path : w->m->tokenizer_ref;
    if (tp) {
        st = gb_tokenizer_load(tp, &w->tok, err);
        if (st) {
            gb_words_close(w);
            return st;
        }
        if (gb_tokenizer_vocab_size(w->tok) > w->vocab) {
            gb_fail(err, GB_ERR_INPUT, "%s: tokenizer has %d tokens but the model only %d", tp,
                    gb_tokenizer_vocab_size(w->tok), w->vocab);
            gb_words_close(w);
            return GB_ERR_INPUT;
        }
    } else if (need_tok) {
        gb_fail(err, GB_ERR_INPUT, "%s: the model names no tokenizer; give --tokenizer T, or token ids",
                model);
        gb_words_close(w);
        return GB_ERR_INPUT;
    }
    return GB_OK;
}

void gb_words_close(gb_words *w) {
    gb_tokenizer_free(w->tok);
    gb_model_free(w->m);
    memset(w, 0, sizeof *w);
}

void gb_words_label(const gb_words *w, int id, char *buf, size_t cap) {
    if (w->tok && id < gb_tokenizer_vocab_size(w->tok)) gb_tokenizer_label(w->tok, id, buf, cap);
    else snprintf(buf, cap, "#%d", id);
}

gb_status gb_words_parse_id(const gb_words *w, const char *what, const char *s, int *id, gb_error *err) {
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < 0 || v >= w->vocab)
        return gb_fail(err, GB_ERR_INPUT, "%s '%s': not a token id in [0, %d)", what, s, w->vocab);
    *id = (int)v;
    return GB_OK;
}

/* The id if text encodes to exactly one known token, else -1. */
static int single_token(const gb_words *w, const char *text, int **split, int *n_split) {
    int *ids = NULL, n = 0;
    gb_error e = {0};
    if (gb_tokenizer_encode(w->tok, text, strlen(text), false, &ids, &n, NULL, &e) != GB_OK) return -1;
    int unk = gb_tokenizer_special(w->tok, GB_SPECIAL_UNK);
    int id = (n == 1 && ids[0] != unk && ids[0] < w->vocab) ? ids[0] : -1;
    if (split && !*split && n > 0) {
        *split = ids, *n_split = n;
        return id;
    }
    free(ids);
    return id;
}

/* "'kingg' is 2 tokens here ("␣king" "g"), not one; nearest single tokens: ..." */
static gb_status refuse(const gb_words *w, const char *word, const int *split, int n_split,
                        gb_error *err) {
    char msg[GB_ERROR_MSG_MAX], label[64];
    size_t k = 0;
    int unk = gb_tokenizer_special(w->tok, GB_SPECIAL_UNK);
    int unknown = n_split == 0 || (unk >= 0 && n_split == 1 && split[0] == unk);
    if (unknown) k += (size_t)snprintf(msg + k, sizeof msg - k, "'%s' is not in the vocabulary", word);
    else {
        k += (size_t)snprintf(msg + k, sizeof msg - k, "'%s' is %d tokens here (", word, n_split);
        for (int i = 0; i < n_split && i < 8 && k < sizeof msg - 64; i++) {
            gb_words_label(w, split[i], label, sizeof label);
            k += (size_t)snprintf(msg + k, sizeof msg - k, "%s\"%s\"", i ? " " : "", label);
        }
        k += (size_t)snprintf(msg + k, sizeof msg - k, "%s), not one", n_split > 8 ? " ..." : "");
    }
    /* nearest spellings among whole tokens, ignoring one leading space */
    int V = gb_tokenizer_vocab_size(w->tok);
    char **pieces = calloc((size_t)V, sizeof *pieces);
    int ids[5], dist[5], got = 0;
    if (pieces) {
        for (int i = 0; i < V; i++) {
            size_t len;
            const char *p = gb_tokenizer_piece(w->tok, i, &len);
            if (!p || len == 0) continue;
            if (p[0] == ' ') p++, len--;
            pieces[i] = strndup(p, len);
        }
        got = gb_suggest_spellings(word, (const char *const *)pieces, V, 5, ids, dist);
        for (int i = 0; i < V; i++) free(pieces[i]);
        free(pieces);
    }
    if (got > 0 && k < sizeof msg - 64) {
        k += (size_t)snprintf(msg + k, sizeof msg - k, "; nearest single tokens:");
        for (int i = 0; i < got && k < sizeof msg - 64; i++) {
            gb_words_label(w, ids[i], label, sizeof label);
            k += (size_t)snprintf(msg + k, sizeof msg - k, " \"%s\"", label);
        }
    }
    if (k < sizeof msg) snprintf(msg + k, sizeof msg - k, "; use one of them or --id N");
    return gb_fail(err, GB_ERR_INPUT, "%s", msg);
}

gb_status gb_words_lookup(const gb_words *w, const char *word, int *id, gb_error *err) {
    if (!w->tok)
        return gb_fail(err, GB_ERR_INPUT, "'%s': the model names no tokenizer; give --tokenizer T or use ids",
                       word);
    if (!*word) return gb_fail(err, GB_ERR_INPUT, "an empty word has no token");
    size_t n = strlen(word);
    char *spaced = malloc(n + 2);
    if (!spaced) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    spaced[0] = ' ';
    memcpy(spaced + 1, word, n + 1);
    int *split = NULL, n_split = 0;
    int t = word[0] == ' ' ? -1 : single_token(w, spaced, &split, &n_split);
    if (t < 0) t = single_token(w, word, &split, &n_split);
    if (t < 0) {
        int exact = gb_tokenizer_lookup(w->tok, word);
        if (exact >= 0 && exact < w->vocab) t = exact;
    }
    free(spaced);
    gb_status st = GB_OK;
    if (t >= 0) *id = t;
    else st = refuse(w, word, split, n_split, err);
    free(split);
    return st;
}

const char *gb_words_kind(const gb_words *w, int id) {
    if (!w->tok) return "token";
    for (int s = 0; s < GB_SPECIAL_COUNT; s++)
        if (gb_tokenizer_special(w->tok, (gb_special)s) == id) return "special";
    size_t len;
    const char *p = gb_tokenizer_piece(w->tok, id, &len);
    if (!p || len == 0) return "special";
    size_t i = 0;
    int lead_space = p[0] == ' ';
    int all_space = 1, digits = 1, letters = 1, high = 0;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (!isspace(c)) all_space = 0;
        if (i == 0 && lead_space) continue;
        if (!isdigit(c)) digits = 0;
        if (c >= 0x80) high = 1;
        else if (!isalpha(c) && c != '\'') letters = 0;
    }
    if (all_space) return "space";
    for (i = 0; i < len; i++)
        if ((unsigned char)p[i] < 0x20 || p[i] == 0x7F) return "control";
    if (len == 1 && (unsigned char)p[0] >= 0x80) return "byte";
    if (high && len <= 3 && !lead_space) {
        /* a piece of a character: bytes that are not a whole UTF-8 sequence */
        for (i = 0; i < len;) {
            unsigned char c = (unsigned char)p[i];
            size_t cl = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
            if (i + cl > len) return "byte";
            i += cl;
        }
    }
    if (len - (size_t)lead_space == 0) return "space";
    if (digits) return "number";
    if (letters) return lead_space ? "word" : "subword";
    return "punctuation";
}
