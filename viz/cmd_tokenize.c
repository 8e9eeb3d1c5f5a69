/* cmd_tokenize.c - `glassbox tokenize`: the ids a model would be fed for a
 * text, the whole encode record as JSON, or the merge replay step by step. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "glassbox/tokenizer.h"

enum { LABEL_MAX = 256, SHOW_SEQUENCE_MAX = 40 };

/* All of stdin, byte for byte. */
static gb_status read_stdin(char **out, size_t *len, gb_error *err) {
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, stdin);
        if (n < cap) break;
        if (cap >= ((size_t)1 << 30)) {
            free(buf);
            return gb_fail(err, GB_ERR_INPUT, "tokenize: standard input is larger than 1 GiB");
        }
        char *nb = realloc(buf, cap * 2);
        if (!nb) break;
        buf = nb;
        cap *= 2;
    }
    if (!buf) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    if (ferror(stdin)) {
        free(buf);
        return gb_fail(err, GB_ERR_INPUT, "tokenize: cannot read standard input");
    }
    *out = buf;
    *len = n;
    return GB_OK;
}

/* ---- --format ids ---- */

static void print_ids(const int *ids, int n) {
    for (int i = 0; i < n; i++) printf(i ? " %d" : "%d", ids[i]);
    printf("\n");
}

/* ---- --format json ---- */

/* A JSON string when the bytes are UTF-8, else null plus "<key>_hex". */
static void set_bytes(json_t *obj, const char *key, const char *s, size_t n) {
    json_t *str = json_stringn(s, n);
    if (str) {
        json_object_set_new(obj, key, str);
        return;
    }
    json_object_set_new(obj, key, json_null());
    char *hex = malloc(2 * n + 1);
    if (!hex) return;
    for (size_t i = 0; i < n; i++) snprintf(hex + 2 * i, 3, "%02x", (unsigned char)s[i]);
    char hk[64];
    snprintf(hk, sizeof hk, "%s_hex", key);
    json_object_set_new(obj, hk, json_stringn(hex, 2 * n));
    free(hex);
}

static json_t *sym_json(const gb_tokenizer *t, const gb_tok_record *r, int id, size_t start, size_t len) {
    json_t *o = json_object();
    char label[LABEL_MAX];
    if (id >= 0) gb_tokenizer_label(t, id, label, sizeof label);
    else gb_tok_escape(r->text + start, len, label, sizeof label);
    json_object_set_new(o, "id", id >= 0 ? json_integer(id) : json_null());
    json_object_set_new(o, "label", json_string(label));
    json_object_set_new(o, "start", json_integer((json_int_t)start));
    json_object_set_new(o, "end", json_integer((json_int_t)(start + len)));
    return o;
}

static json_t *merge_json(const gb_tokenizer *t, const gb_tok_record *r, const gb_tok_merge *m) {
    json_t *o = json_object();
    json_object_set_new(o, "step", json_integer(m->step));
    json_object_set_new(o, "pos", json_integer(m->pos));
    json_object_set_new(o, "left", sym_json(t, r, m->left, 0, 0));
    json_object_set_new(o, "right", sym_json(t, r, m->right, 0, 0));
    json_object_set_new(o, "result", json_integer(m->result));
    if (r->kind == GB_TOK_LLAMA) json_object_set_new(o, "score", json_real(m->score));
    else json_object_set_new(o, "rank", json_integer(m->rank));
    json_object_set_new(o, "start", json_integer((json_int_t)m->start));
    json_object_set_new(o, "end", json_integer((json_int_t)(m->start + m->len)));
    json_t *after = m->after >= 0 ? json_array() : json_null();
    for (int k = 0; m->after >= 0 && k < m->n_after; k++) {
        const gb_tok_symbol *s = &r->after[m->after + k];
        json_array_append_new(after, json_integer(s->id));
    }
    json_object_set_new(o, "n_after", json_integer(m->n_after));
    json_object_set_new(o, "after", after);
    return o;
}

/* left/right of a merge only carry ids and labels: drop their empty spans. */
static void trim_pair(json_t *m) {
    static const char *const keys[2] = {"left", "right"};
    for (int k = 0; k < 2; k++) {
        json_t *s = json_object_get(m, keys[k]);
        json_object_del(s, "start");
        json_object_del(s, "end");
    }
}

static json_t *chunk_json(const gb_tokenizer *t, const gb_tok_record *r, int c) {
    const gb_tok_chunk *ch = &r->chunks[c];
    json_t *o = json_object();
    json_object_set_new(o, "start", json_integer((json_int_t)ch->start));
    json_object_set_new(o, "end", json_integer((json_int_t)(ch->start + ch->len)));
    set_bytes(o, "text", r->text + ch->start, ch->len);
    json_t *syms = json_array(), *merges = json_array();
    for (int k = 0; k < ch->n_symbols; k++) {
        const gb_tok_symbol *s = &r->symbols[ch->first_symbol + k];
        json_array_append_new(syms, sym_json(t, r, s->id, s->start, s->len));
    }
    for (int k = 0; k < ch->n_merges; k++) {
        json_t *m = merge_json(t, r, &r->merges[ch->first_merge + k]);
        trim_pair(m);
        json_array_append_new(merges, m);
    }
    json_object_set_new(o, "symbols", syms);
    json_object_set_new(o, "merges", merges);
    json_object_set_new(o, "first_token", json_integer(ch->first_token));
    json_object_set_new(o, "n_tokens", json_integer(ch->n_tokens));
    return o;
}

static json_t *record_json(const gb_tokenizer *t, const gb_tok_record *r, size_t input_len) {
    json_t *root = json_object(), *tok = json_object();
    json_object_set_new(tok, "kind", json_string(gb_tok_kind_name(gb_tokenizer_kind(t))));
    json_object_set_new(tok, "source", json_string(gb_tokenizer_source(t)));
    json_object_set_new(tok, "vocab_size", json_integer(gb_tokenizer_vocab_size(t)));
    json_object_set_new(root, "tokenizer", tok);
    json_object_set_new(root, "input_bytes", json_integer((json_int_t)input_len));
    set_bytes(root, "text", r->text, r->text_len);
    json_object_set_new(root, "input_shift", json_integer((json_int_t)r->input_shift));
    json_t *ids = json_array(), *tokens = json_array(), *chunks = json_array(), *bs = json_array();
    for (int i = 0; i < r->n_tokens; i++) {
        const gb_tok_token *k = &r->tokens[i];
        json_array_append_new(ids, json_integer(k->id));
        json_t *o = sym_json(t, r, k->id, k->start, k->len);
        size_t tl;
        const char *ts = gb_tokenizer_token(t, k->id, &tl);
        set_bytes(o, "token", ts, tl);
        set_bytes(o, "text", r->text + k->start, k->len);
        json_object_set_new(o, "chunk", json_integer(k->chunk));
        json_array_append_new(tokens, o);
    }
    for (int c = 0; c < r->n_chunks; c++) json_array_append_new(chunks, chunk_json(t, r, c));
    for (size_t i = 0; i < r->text_len; i++) json_array_append_new(bs, json_integer(r->byte_symbol[i]));
    json_object_set_new(root, "ids", ids);
    json_object_set_new(root, "tokens", tokens);
    json_object_set_new(root, "chunks", chunks);
    json_object_set_new(root, "byte_symbol", bs);
    return root;
}

/* ---- --steps: the replay, in words ---- */

static void print_label(const gb_tokenizer *t, const gb_tok_record *r, const gb_tok_symbol *s) {
    char label[LABEL_MAX];
    if (s->id >= 0) gb_tokenizer_label(t, s->id, label, sizeof label);
    else gb_tok_escape(r->text + s->start, s->len, label, sizeof label);
    fputs(label, stdout);
}

static void print_sequence(const gb_tokenizer *t, const gb_tok_record *r, const gb_tok_symbol *s, int n) {
    for (int k = 0; k < n; k++) {
        if (k) fputs(" | ", stdout);
        print_label(t, r, &s[k]);
    }
}

static void print_intro(const gb_tokenizer *t, const gb_tok_record *r) {
    char text[LABEL_MAX * 4];
    gb_tok_escape(r->text + r->input_shift, r->text_len - r->input_shift, text, sizeof text);
    printf("Tokenizer: %s, %d tokens (%s)\n", gb_tok_kind_name(gb_tokenizer_kind(t)), gb_tokenizer_vocab_size(t),
           gb_tokenizer_source(t));
    printf("Text: %s  (%zu bytes; \xE2\x90\xA3 marks a space)\n\n", text, r->text_len - r->input_shift);
    switch (gb_tokenizer_kind(t)) {
    case GB_TOK_GPT2:
        printf("Step 1. Cut the text into pieces: words with the space in front of them,\n"
               "        numbers, runs of punctuation, runs of spaces.\n");
        break;
    case GB_TOK_LLAMA:
        printf("Step 1. Put a space in front of the text and the start token <s> before it\n"
               "        (that is how this model was trained). Every character that is in the\n"
               "        vocabulary is one symbol; any other character becomes its bytes (\\xE6 ...).\n");
        break;
    case GB_TOK_WORD:
        printf("Step 1. Cut the text into words and punctuation marks; spaces only separate.\n");
        if (gb_tokenizer_lowercase(t)) printf("        (Capital letters were made small first.)\n");
        break;
    case GB_TOK_CHAR: printf("Step 1. Every character is one token.\n"); break;
    }
}

/* Code points in a UTF-8 string: close enough to its width on a terminal. */
static int text_width(const char *s) {
    int w = 0;
    for (; *s; s++) w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static void print_merges(const gb_tokenizer *t, const gb_tok_record *r, int c) {
    const gb_tok_chunk *ch = &r->chunks[c];
    gb_tok_symbol *seq = malloc((size_t)(ch->n_symbols ? ch->n_symbols : 1) * sizeof *seq);
    if (!seq) return;
    bool show = ch->n_symbols <= SHOW_SEQUENCE_MAX;
    for (int k = 0; k < ch->n_merges; k++) {
        const gb_tok_merge *m = &r->merges[ch->first_merge + k];
        char a[LABEL_MAX], b[LABEL_MAX], res[LABEL_MAX], line[3 * LABEL_MAX + 16];
        gb_tokenizer_label(t, m->left, a, sizeof a);
        gb_tokenizer_label(t, m->right, b, sizeof b);
        gb_tokenizer_label(t, m->result, res, sizeof res);
        snprintf(line, sizeof line, "%s + %s -> %s", a, b, res);
        if (r->kind == GB_TOK_LLAMA) printf("      score %8.2f   ", m->score == 0 ? 0.0 : (double)m->score);
        else printf("      rule %6d   ", m->rank + 1);
        fputs(line, stdout);
        if (show) {
            for (int pad = text_width(line); pad < 26; pad++) fputc(' ', stdout);
            int n = gb_tok_record_replay(r, c, k + 1, seq, ch->n_symbols);
            fputs("   now: ", stdout);
            print_sequence(t, r, seq, n);
        }
        fputs("\n", stdout);
    }
    free(seq);
}

static void print_steps(const gb_tokenizer *t, const gb_tok_record *r, size_t input_len) {
    (void)input_len;
    print_intro(t, r);
    gb_tok_kind kind = gb_tokenizer_kind(t);
    bool bpe = kind == GB_TOK_GPT2 || kind == GB_TOK_LLAMA;
    if (kind == GB_TOK_GPT2 || kind == GB_TOK_WORD) {
        printf("  ");
        for (int c = 0; c < r->n_chunks; c++) {
            char label[LABEL_MAX];
            gb_tok_escape(r->text + r->chunks[c].start, r->chunks[c].len, label, sizeof label);
            printf(c ? "  [%s]" : "[%s]", label);
        }
        printf("\n");
    } else
        for (int c = 0; c < r->n_chunks; c++) {
            const gb_tok_chunk *ch = &r->chunks[c];
            printf("  piece %d: ", c + 1);
            print_sequence(t, r, r->symbols + ch->first_symbol, ch->n_symbols);
            printf("\n");
        }
    if (bpe) {
        if (kind == GB_TOK_GPT2)
            printf("\nStep 2. Each piece starts as single bytes. Glue two neighbours into one\n"
                   "        symbol, always with the rule learned first in training (rule 1 was\n"
                   "        learned first), until no rule fits.\n");
        else
            printf("\nStep 2. Glue two neighbours whose joined text is in the vocabulary, always the\n"
                   "        pair with the highest score first (leftmost on a tie), until none fits.\n");
        for (int c = 0; c < r->n_chunks; c++) {
            const gb_tok_chunk *ch = &r->chunks[c];
            printf("  piece %d: ", c + 1);
            print_sequence(t, r, r->symbols + ch->first_symbol, ch->n_symbols);
            printf(ch->n_merges ? "\n" : "   (nothing to glue)\n");
            print_merges(t, r, c);
        }
    }
    printf("\nStep %d. Look up the number of each token%s:\n", bpe ? 3 : 2,
           kind == GB_TOK_WORD || kind == GB_TOK_CHAR ? "\n        (anything not in the vocabulary becomes the unknown token)" : "");
    int unk = gb_tokenizer_special(t, GB_SPECIAL_UNK);
    for (int i = 0; i < r->n_tokens; i++) {
        const gb_tok_token *k = &r->tokens[i];
        printf("  ");
        if (k->id == unk && unk >= 0 && k->len > 0 && !bpe) { /* show what was unknown */
            print_label(t, r, &(gb_tok_symbol){-1, k->start, k->len});
            printf("  ->  ");
        }
        print_label(t, r, &(gb_tok_symbol){k->id, k->start, k->len});
        printf("  ->  %d\n", k->id);
    }
    printf("\nIds: ");
    for (int i = 0; i < r->n_tokens; i++) printf(i ? " %d" : "%d", r->tokens[i].id);
    printf("\n");
}

/* ---- the command ---- */

#define GB_TOKENIZE_RECORD_MAX (256 << 10)

int gb_cmd_tokenize(int argc, char **argv) {
    const char *tok_path = NULL, *format = "ids";
    bool steps = false;
    gb_opt opts[] = {
        {"--tokenizer", NULL, GB_OPT_STR, &tok_path, 1, 0, "T  folder or file: tokenizer.bin, encoder.json + vocab.bpe, vocab.json + merges.txt, our .json", false},
        {"--format", NULL, GB_OPT_STR, &format, 1, 0, "ids|json  ids on one line (default) or the whole record", false},
        {"--steps", NULL, GB_OPT_FLAG, &steps, 1, 0, "   print the merge replay step by step", false},
    };
    const char *pos[1];
    int n_pos;
    gb_error err = {0};
    if (gb_parse_opts("tokenize", argc, argv, opts, 3, pos, 1, &n_pos, &err)) return gb_cli_error(&err);
    if (!tok_path) gb_fail(&err, GB_ERR_INPUT, "tokenize: --tokenizer is required (see 'glassbox help tokenize')");
    else if (strcmp(format, "ids") && strcmp(format, "json"))
        gb_fail(&err, GB_ERR_INPUT, "tokenize --format: '%s' is not one of ids, json", format);
    else if (steps && opts[1].seen && strcmp(format, "json") == 0)
        gb_fail(&err, GB_ERR_INPUT, "tokenize: --steps and --format json do not mix (the JSON holds every step)");
    else if (n_pos != 1)
        gb_fail(&err, GB_ERR_INPUT, "tokenize: give the text to tokenize, or - to read it from standard input");
    if (err.status) return gb_cli_error(&err);

    char *text = NULL;
    size_t len = 0;
    if (strcmp(pos[0], "-") == 0) {
        if (read_stdin(&text, &len, &err)) return gb_cli_error(&err);
    } else {
        len = strlen(pos[0]);
    }
    gb_tokenizer *t = NULL;
    gb_tok_record *rec = NULL;
    int *ids = NULL, n = 0;
    bool want_rec = steps || strcmp(format, "json") == 0;
    /* A record keeps every symbol and merge: ~3.5 KB of memory per input byte
     * (1 MB of text took 3.7 GB), so refuse before it runs out of memory. */
    if (want_rec && len > GB_TOKENIZE_RECORD_MAX) {
        gb_fail(&err, GB_ERR_INPUT, "tokenize: text of %zu bytes is too long for %s (limit %d KiB; --format ids has no such limit)",
                len, steps ? "--steps" : "--format json", GB_TOKENIZE_RECORD_MAX >> 10);
        free(text);
        return gb_cli_error(&err);
    }
    if (!gb_tokenizer_load(tok_path, &t, &err)) {
        rec = want_rec ? gb_tok_record_new() : NULL;
        if (want_rec && !rec) gb_fail(&err, GB_ERR_INTERNAL, "out of memory");
        else gb_tokenizer_encode(t, text ? text : pos[0], len, true, &ids, &n, rec, &err);
    }
    int rc = 0;
    if (err.status) rc = gb_cli_error(&err);
    else if (steps) print_steps(t, rec, len);
    else if (rec) {
        json_t *root = record_json(t, rec, len);
        if (!root || json_dumpf(root, stdout, JSON_INDENT(1)) != 0) {
            gb_fail(&err, GB_ERR_INTERNAL, "tokenize: cannot write the JSON record");
            rc = gb_cli_error(&err);
        } else printf("\n");
        json_decref(root);
    } else print_ids(ids, n);
    if (fflush(stdout) != 0 && !rc) {
        gb_fail(&err, GB_ERR_INTERNAL, "tokenize: cannot write to standard output");
        rc = gb_cli_error(&err);
    }
    free(ids);
    gb_tok_record_free(rec);
    gb_tokenizer_free(t);
    free(text);
    return rc;
}
