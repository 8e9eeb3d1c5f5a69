/* tokenizer_simple.c - character-level and word-level tokenizers: building the
 * vocabulary from a corpus, encoding, and our JSON file:
 *
 *   {"glassbox_tokenizer": 1, "kind": "word", "lowercase": true,
 *    "specials": {"unk": "<unk>", "bos": "<bos>"},
 *    "add_at_start": "bos", "add_at_end": null,
 *    "vocab": ["<bos>", "<unk>", "the", ",", ...]}     (id = index)
 *
 * Words are runs of letters, marks and digits (an apostrophe between two such
 * runs stays inside: "don't"); every other visible character is a token of
 * its own; whitespace only separates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "glassbox/platform.h"
#include "tokenizer_internal.h"

const char TK_WORD_PATTERN[] = "[\\p{L}\\p{M}\\p{N}]+(?:['\xE2\x80\x99][\\p{L}\\p{M}\\p{N}]+)*|[^\\s\\p{L}\\p{M}\\p{N}]";

void gb_vocab_opts_default(gb_vocab_opts *o) {
    memset(o, 0, sizeof *o);
    o->min_count = 1;
    o->specials[GB_SPECIAL_UNK] = "<unk>";
    o->add_at_start = o->add_at_end = -1;
}

static void lower_ascii(char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 'A' && s[i] <= 'Z') s[i] = (char)(s[i] - 'A' + 'a');
}

static gb_status refuse_invalid_utf8(const char *what, const char *text, size_t len, gb_tok_kind kind,
                                     gb_error *err) {
    size_t bad = tk_utf8_check(text, len);
    if (bad == len) return GB_OK;
    return gb_fail(err, GB_ERR_INPUT,
                   "%s: byte %zu (0x%02X) is not valid UTF-8; a %s tokenizer reads UTF-8 text only "
                   "(GPT-2 and llama2.c tokenizers take any bytes)",
                   what, bad, (unsigned char)text[bad], gb_tok_kind_name(kind));
}

/* Calls fn(ctx, start, len) for each character (CHAR) or word match (WORD).
 * Returns 0, 1 if fn stopped it, -1 out of memory, -2 the pattern failed. */
static int for_each_item(const gb_tokenizer *t, const char *s, size_t n,
                         bool (*fn)(void *ctx, size_t start, size_t len), void *ctx) {
    if (t->kind == GB_TOK_CHAR) {
        for (size_t i = 0; i < n;) {
            size_t k = tk_utf8_len((const unsigned char *)s + i, n - i);
            if (!fn(ctx, i, k)) return 1;
            i += k;
        }
        return 0;
    }
    void *md = tk_match_data_new(t);
    if (!md) return -1;
    size_t off = 0, ms, me;
    int rc = 0, m;
    while (rc == 0 && off < n && (m = tk_regex_next(t, md, s, n, off, &ms, &me)) != 0) {
        if (m < 0 || me <= ms) rc = -2;
        else if (!fn(ctx, ms, me - ms)) rc = 1;
        off = me;
    }
    tk_match_data_free(md);
    return rc;
}

static gb_status item_failure(int rc, gb_error *err) {
    if (rc == -1) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    return gb_fail(err, GB_ERR_INTERNAL, "the word pattern failed to match");
}

/* ---- encoding ---- */

typedef struct simple_ctx {
    const gb_tokenizer *t;
    const char *text; /* normalized */
    tk_ints *ids;
    gb_tok_record *rec;
    gb_error *err;
    gb_status st;
} simple_ctx;

static bool encode_item(void *ctx, size_t start, size_t len) {
    simple_ctx *c = ctx;
    const gb_tokenizer *t = c->t;
    const char *s = c->text + start;
    int id = tk_smap_find(&t->vocab, s, len), tok = id >= 0 ? id : t->special[GB_SPECIAL_UNK];
    if (tok < 0) {
        size_t l2;
        if (t->kind == GB_TOK_CHAR)
            c->st = gb_fail(c->err, GB_ERR_INPUT, "the character \"%.*s\" (U+%04X) at byte %zu is not in the "
                            "vocabulary, which has no unknown token", (int)len, s,
                            (unsigned)tk_utf8_get((const unsigned char *)s, &l2), start);
        else
            c->st = gb_fail(c->err, GB_ERR_INPUT, "the word \"%.*s\" at byte %zu is not in the vocabulary, "
                            "which has no unknown token", (int)(len < 60 ? len : 60), s, start);
        return false;
    }
    tk_ints_push(c->ids, tok);
    if (c->rec) {
        int chunk = t->kind == GB_TOK_WORD ? tk_rec_chunk(c->rec, start, len) : 0;
        tk_rec_symbol(c->rec, id, start, len);
        tk_rec_token(c->rec, tok, chunk, start, len);
        if (t->kind == GB_TOK_WORD) tk_rec_chunk_end(c->rec);
    }
    return true;
}

static void add_special_token(const gb_tokenizer *t, int which, tk_ints *ids, gb_tok_record *rec, size_t at) {
    if (which < 0 || t->special[which] < 0) return;
    tk_ints_push(ids, t->special[which]);
    if (rec) tk_rec_token(rec, t->special[which], -1, at, 0);
}

gb_status tk_simple_encode(const gb_tokenizer *t, const char *text, size_t len, bool add_special,
                           tk_ints *ids, gb_tok_record *rec, gb_error *err) {
    gb_status st = refuse_invalid_utf8("text", text, len, t->kind, err);
    if (st) return st;
    char *norm = malloc(len + 1);
    if (!norm) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    memcpy(norm, text, len);
    if (t->lowercase) lower_ascii(norm, len);
    if (rec) {
        tk_rec_reset(rec, t->kind, norm, len, 0, NULL, 0);
        if (t->kind == GB_TOK_CHAR) tk_rec_chunk(rec, 0, len);
    }
    if (add_special) add_special_token(t, t->add_at_start, ids, rec, 0);
    simple_ctx c = {t, norm, ids, rec, err, GB_OK};
    int rc = for_each_item(t, norm, len, encode_item, &c);
    if (rec && t->kind == GB_TOK_CHAR) tk_rec_chunk_end(rec);
    if (add_special) add_special_token(t, t->add_at_end, ids, rec, len);
    free(norm);
    if (c.st) return c.st;
    if (rc < 0) return item_failure(rc, err);
    if (ids->failed || (rec && tk_rec_failed(rec))) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    return GB_OK;
}

bool tk_word_space_between(const char *prev, size_t plen, const char *next, size_t nlen) {
    static const char *const closing[] = {".", ",", "!", "?", ";", ":", "%", ")", "]", "}", "'",
                                          "\xE2\x80\x99", "\xE2\x80\x9D", "\xC2\xBB", "\xE2\x80\xA6"};
    static const char *const opening[] = {"(", "[", "{", "\xE2\x80\x9C", "\xE2\x80\x98", "\xC2\xAB"};
    for (size_t i = 0; i < sizeof closing / sizeof *closing; i++)
        if (nlen == strlen(closing[i]) && memcmp(next, closing[i], nlen) == 0) return false;
    for (size_t i = 0; i < sizeof opening / sizeof *opening; i++)
        if (plen == strlen(opening[i]) && memcmp(prev, opening[i], plen) == 0) return false;
    return true;
}

/* ---- building from a corpus ---- */

typedef struct count_ctx {
    const char *text;
    tk_smap items;
    tk_ints count;
} count_ctx;

static bool count_item(void *ctx, size_t start, size_t len) {
    count_ctx *c = ctx;
    bool added;
    int e = tk_smap_intern(&c->items, c->text + start, len, &added);
    if (e < 0) return false;
    if (added) tk_ints_push(&c->count, 0);
    if (c->count.failed) return false;
    c->count.v[e]++;
    return true;
}

/* One counted item, self-contained so qsort needs no context. */
typedef struct counted {
    const char *s;
    size_t len;
    int count;
} counted;

static int by_bytes(const void *x, const void *y) {
    const counted *a = x, *b = y;
    int c = memcmp(a->s, b->s, a->len < b->len ? a->len : b->len);
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

static int by_count(const void *x, const void *y) {
    const counted *a = x, *b = y;
    return a->count != b->count ? (b->count > a->count) - (b->count < a->count) : by_bytes(x, y);
}

static gb_status check_vocab_opts(gb_tok_kind kind, const gb_vocab_opts *o, gb_error *err) {
    if (kind != GB_TOK_CHAR && kind != GB_TOK_WORD)
        return gb_fail(err, GB_ERR_INPUT, "only char and word vocabularies are built from counts (BPE is trained)");
    if (o->min_count < 1) return gb_fail(err, GB_ERR_INPUT, "min count %d must be at least 1", o->min_count);
    if (o->max_size < 0) return gb_fail(err, GB_ERR_INPUT, "max size %d must be 0 (no limit) or more", o->max_size);
    for (int s = 0; s < GB_SPECIAL_COUNT; s++) {
        if (!o->specials[s]) continue;
        if (!o->specials[s][0]) return gb_fail(err, GB_ERR_INPUT, "special token %s is empty", gb_special_name(s));
        for (int k = 0; k < s; k++)
            if (o->specials[k] && strcmp(o->specials[k], o->specials[s]) == 0)
                return gb_fail(err, GB_ERR_INPUT, "special tokens %s and %s are both \"%s\"", gb_special_name(k),
                               gb_special_name(s), o->specials[s]);
    }
    if ((o->add_at_start >= 0 && (o->add_at_start >= GB_SPECIAL_COUNT || !o->specials[o->add_at_start])) ||
        (o->add_at_end >= 0 && (o->add_at_end >= GB_SPECIAL_COUNT || !o->specials[o->add_at_end])))
        return gb_fail(err, GB_ERR_INPUT, "a special token added at the start or end must be declared");
    return GB_OK;
}

static gb_status fill_vocab(gb_tokenizer *t, const gb_vocab_opts *o, count_ctx *c, gb_error *err) {
    int n_special = 0;
    for (int s = 0; s < GB_SPECIAL_COUNT; s++)
        if (o->specials[s]) {
            t->special[s] = tk_smap_push(&t->vocab, o->specials[s], strlen(o->specials[s]));
            n_special++;
        }
    int n = c->items.s.n, keep = 0;
    counted *order = malloc((size_t)(n ? n : 1) * sizeof *order);
    if (!order) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    for (int e = 0; e < n; e++) {
        size_t len;
        const char *s = tk_strs_get(&c->items.s, e, &len);
        if (c->count.v[e] >= o->min_count && tk_smap_find(&t->vocab, s, len) < 0)
            order[keep++] = (counted){s, len, c->count.v[e]};
    }
    qsort(order, (size_t)keep, sizeof *order, by_count);
    if (o->max_size > 0 && keep > o->max_size - n_special) keep = o->max_size - n_special > 0 ? o->max_size - n_special : 0;
    if (t->kind == GB_TOK_CHAR) qsort(order, (size_t)keep, sizeof *order, by_bytes); /* code point order */
    for (int i = 0; i < keep; i++)
        if (tk_smap_push(&t->vocab, order[i].s, order[i].len) < 0) {
            free(order);
            return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
        }
    free(order);
    return GB_OK;
}

static gb_status finish_simple(gb_tokenizer *t, gb_error *err) {
    for (int i = t->pieces.n; i < t->vocab.s.n; i++) {
        size_t len;
        const char *s = tk_strs_get(&t->vocab.s, i, &len);
        if (tk_strs_push(&t->pieces, s, len) < 0) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    }
    if (t->vocab.s.n == 0) return gb_fail(err, GB_ERR_INPUT, "%s: the vocabulary is empty", t->source);
    return t->kind == GB_TOK_WORD && !t->re ? tk_compile_regex(t, TK_WORD_PATTERN, err) : GB_OK;
}

gb_status gb_tokenizer_build(gb_tok_kind kind, const char *corpus, size_t len, const gb_vocab_opts *o,
                             gb_tokenizer **out, gb_error *err) {
    *out = NULL;
    gb_vocab_opts def;
    if (!o) gb_vocab_opts_default(&def), o = &def;
    gb_status st = check_vocab_opts(kind, o, err);
    if (!st) st = refuse_invalid_utf8("corpus", corpus, len, kind, err);
    if (st) return st;
    gb_tokenizer *t = tk_new(kind, NULL);
    char *norm = malloc(len + 1);
    if (!t || !norm) {
        free(norm);
        gb_tokenizer_free(t);
        return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    }
    memcpy(norm, corpus, len);
    t->lowercase = o->lowercase;
    if (t->lowercase) lower_ascii(norm, len);
    t->add_at_start = o->add_at_start;
    t->add_at_end = o->add_at_end;
    if (kind == GB_TOK_WORD) st = tk_compile_regex(t, TK_WORD_PATTERN, err);
    count_ctx c = {.text = norm};
    int rc = st ? 0 : for_each_item(t, norm, len, count_item, &c);
    if (!st && rc) st = item_failure(rc > 0 ? -1 : rc, err);
    if (!st) st = fill_vocab(t, o, &c, err);
    if (!st) st = finish_simple(t, err);
    tk_smap_free(&c.items);
    free(c.count.v);
    free(norm);
    if (st) {
        gb_tokenizer_free(t);
        return st;
    }
    *out = t;
    return GB_OK;
}

/* ---- our JSON file ---- */

static int special_by_name(const char *name) {
    for (int s = 0; s < GB_SPECIAL_COUNT; s++)
        if (strcmp(name, gb_special_name(s)) == 0) return s;
    return -1;
}

static gb_status read_vocab(gb_tokenizer *t, const char *path, json_t *vocab, gb_error *err) {
    if (!json_is_array(vocab) || json_array_size(vocab) == 0)
        return gb_fail(err, GB_ERR_INPUT, "%s: \"vocab\" must be a non-empty array of strings", path);
    size_t i;
    json_t *v;
    json_array_foreach(vocab, i, v) {
        if (!json_is_string(v)) return gb_fail(err, GB_ERR_INPUT, "%s: vocab[%zu] is not a string", path, i);
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        int prev = tk_smap_find(&t->vocab, s, n);
        if (prev >= 0)
            return gb_fail(err, GB_ERR_INPUT, "%s: vocab[%zu] \"%.60s\" repeats vocab[%d]", path, i, s, prev);
        if (tk_smap_push(&t->vocab, s, n) < 0) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    }
    return GB_OK;
}

static gb_status read_specials(gb_tokenizer *t, const char *path, json_t *root, gb_error *err) {
    json_t *sp = json_object_get(root, "specials");
    if (sp && !json_is_object(sp))
        return gb_fail(err, GB_ERR_INPUT, "%s: \"specials\" must be an object like {\"unk\": \"<unk>\"}", path);
    const char *name;
    json_t *v;
    if (sp) json_object_foreach(sp, name, v) {
        int s = special_by_name(name);
        if (s < 0) return gb_fail(err, GB_ERR_INPUT, "%s: specials.%s: unknown (bos eos pad unk cls sep mask)", path, name);
        int id = json_is_string(v) ? tk_smap_find(&t->vocab, json_string_value(v), json_string_length(v)) : -1;
        if (id < 0) return gb_fail(err, GB_ERR_INPUT, "%s: specials.%s is not a string of the vocabulary", path, name);
        t->special[s] = id;
    }
    static const char *const keys[2] = {"add_at_start", "add_at_end"};
    for (int k = 0; k < 2; k++) {
        json_t *a = json_object_get(root, keys[k]);
        int s = a && json_is_string(a) ? special_by_name(json_string_value(a)) : -1;
        if (a && !json_is_null(a) && (s < 0 || t->special[s] < 0))
            return gb_fail(err, GB_ERR_INPUT, "%s: \"%s\" must name a declared special token (e.g. \"bos\") or be null",
                           path, keys[k]);
        if (k == 0) t->add_at_start = s;
        else t->add_at_end = s;
    }
    return GB_OK;
}

/* CHAR: every entry that is not a special must be one character. */
static gb_status check_chars(const gb_tokenizer *t, const char *path, gb_error *err) {
    for (int i = 0; t->kind == GB_TOK_CHAR && i < t->vocab.s.n; i++) {
        size_t len;
        const char *s = tk_strs_get(&t->vocab.s, i, &len);
        bool special = false;
        for (int k = 0; k < GB_SPECIAL_COUNT; k++) special |= t->special[k] == i;
        if (!special && (len == 0 || tk_utf8_len((const unsigned char *)s, len) != len))
            return gb_fail(err, GB_ERR_INPUT, "%s: vocab[%d] \"%.60s\" is not a single character", path, i, s);
    }
    return GB_OK;
}

gb_status tk_simple_load(const char *path, const char *text, size_t len, gb_tokenizer **out, gb_error *err) {
    *out = NULL;
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    if (!root) return gb_fail(err, GB_ERR_INPUT, "%s: line %d column %d: %s", path, je.line, je.column, je.text);
    gb_status st = GB_OK;
    json_t *ver = json_object_get(root, "glassbox_tokenizer");
    const char *kind = json_string_value(json_object_get(root, "kind"));
    if (!json_is_object(root) || !json_is_integer(ver) || json_integer_value(ver) != 1)
        st = gb_fail(err, GB_ERR_INPUT, "%s: not a glassbox tokenizer file (it needs \"glassbox_tokenizer\": 1)", path);
    else if (!kind || (strcmp(kind, "char") && strcmp(kind, "word")))
        st = gb_fail(err, GB_ERR_INPUT, "%s: \"kind\" must be \"char\" or \"word\"", path);
    gb_tokenizer *t = st ? NULL : tk_new(strcmp(kind, "char") == 0 ? GB_TOK_CHAR : GB_TOK_WORD, path);
    if (!st && !t) st = gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    if (!st) {
        json_t *lc = json_object_get(root, "lowercase");
        if (lc && !json_is_boolean(lc)) st = gb_fail(err, GB_ERR_INPUT, "%s: \"lowercase\" must be true or false", path);
        t->lowercase = json_is_true(lc);
    }
    if (!st) st = read_vocab(t, path, json_object_get(root, "vocab"), err);
    if (!st) st = read_specials(t, path, root, err);
    if (!st) st = check_chars(t, path, err);
    if (!st) st = finish_simple(t, err);
    json_decref(root);
    if (st) {
        gb_tokenizer_free(t);
        return st;
    }
    *out = t;
    return GB_OK;
}

gb_status tk_simple_save(const gb_tokenizer *t, const char *path, gb_error *err) {
    json_t *root = json_object(), *sp = json_object(), *vocab = json_array();
    if (!root || !sp || !vocab) {
        json_decref(root);
        json_decref(sp);
        json_decref(vocab);
        return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    }
    json_object_set_new(root, "glassbox_tokenizer", json_integer(1));
    json_object_set_new(root, "kind", json_string(gb_tok_kind_name(t->kind)));
    json_object_set_new(root, "lowercase", json_boolean(t->lowercase));
    for (int s = 0; s < GB_SPECIAL_COUNT; s++) {
        size_t len;
        const char *str = gb_tokenizer_token(t, t->special[s], &len);
        if (str) json_object_set_new(sp, gb_special_name(s), json_stringn(str, len));
    }
    json_object_set_new(root, "specials", sp);
    json_object_set_new(root, "add_at_start", t->add_at_start >= 0 ? json_string(gb_special_name(t->add_at_start)) : json_null());
    json_object_set_new(root, "add_at_end", t->add_at_end >= 0 ? json_string(gb_special_name(t->add_at_end)) : json_null());
    json_object_set_new(root, "vocab", vocab);
    for (int i = 0; i < t->vocab.s.n; i++) {
        size_t len;
        const char *s = tk_strs_get(&t->vocab.s, i, &len);
        if (json_array_append_new(vocab, json_stringn(s, len)) != 0) {
            json_decref(root);
            return gb_fail(err, GB_ERR_INPUT, "%s: token %d is not valid UTF-8 and cannot be saved as JSON", path, i);
        }
    }
    char *text = json_dumps(root, JSON_INDENT(1) | JSON_ENSURE_ASCII);
    json_decref(root);
    if (!text) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    size_t n = strlen(text);
    text[n] = '\n'; /* json_dumps leaves room for the NUL we overwrite; write n+1 bytes */
    gb_status st = gb_write_file_atomic(path, text, n + 1, err);
    free(text);
    return st;
}
