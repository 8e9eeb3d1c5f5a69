/* tokenizer.c - the tokenizer interface: finding and loading the right files,
 * dispatching encode to each kind, and what every kind shares: pieces, labels,
 * decoding (whole and streaming), lookups and special tokens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "glassbox/platform.h"
#include "tokenizer_internal.h"

gb_tokenizer *tk_new(gb_tok_kind kind, const char *source) {
    gb_tokenizer *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->kind = kind;
    t->source = strdup(source ? source : "(built)");
    if (!t->source) {
        free(t);
        return NULL;
    }
    for (int i = 0; i < GB_SPECIAL_COUNT; i++) t->special[i] = -1;
    t->add_at_start = t->add_at_end = -1;
    return t;
}

void gb_tokenizer_free(gb_tokenizer *t) {
    if (!t) return;
    free(t->source);
    tk_smap_free(&t->vocab);
    tk_strs_free(&t->pieces);
    tk_pmap_free(&t->pairs);
    free(t->merge_left);
    free(t->merge_right);
    free(t->merge_result);
    if (t->re) tk_regex_free(t->re);
    free(t->score);
    free(t);
}

/* ---- finding the files ---- */

static bool is_dir(const char *p) {
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static bool is_file(const char *p) {
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* dir + "/" + name, or the sibling of a file path; malloc'd. */
static char *path_join(const char *dir, size_t dir_len, const char *name) {
    size_t n = dir_len + strlen(name) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%.*s/%s", (int)dir_len, dir, name);
    return p;
}

static bool ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static gb_status load_pair(const char *dir, size_t dl, const char *vocab, const char *merges,
                           gb_tokenizer **out, gb_error *err) {
    char *v = path_join(dir, dl, vocab), *m = path_join(dir, dl, merges);
    gb_status st;
    if (!v || !m) st = gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    else if (!is_file(v)) st = gb_fail(err, GB_ERR_INPUT, "%s: not found (%s needs it beside it)", v, merges);
    else if (!is_file(m)) st = gb_fail(err, GB_ERR_INPUT, "%s: not found (%s needs it beside it)", m, vocab);
    else st = tk_gpt2_load(v, m, out, err);
    free(v);
    free(m);
    return st;
}

static gb_status load_json_file(const char *path, gb_tokenizer **out, gb_error *err) {
    char *buf;
    size_t len;
    gb_status st = gb_read_file(path, (size_t)256 << 20, &buf, &len, err);
    if (st) return st;
    st = tk_simple_load(path, buf, len, out, err);
    free(buf);
    return st;
}

static gb_status load_dir(const char *dir, gb_tokenizer **out, gb_error *err) {
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/') dl--;
    static const char *const names[] = {"tokenizer.bin", "encoder.json", "vocab.json",
                                        "glassbox-tokenizer.json"};
    for (int k = 0; k < 4; k++) {
        char *p = path_join(dir, dl, names[k]);
        if (!p) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
        bool found = is_file(p);
        gb_status st = GB_OK;
        if (found && k == 0) st = tk_llama_load(p, out, err);
        if (found && k == 1) st = load_pair(dir, dl, "encoder.json", "vocab.bpe", out, err);
        if (found && k == 2) st = load_pair(dir, dl, "vocab.json", "merges.txt", out, err);
        if (found && k == 3) st = load_json_file(p, out, err);
        free(p);
        if (found) return st;
    }
    return gb_fail(err, GB_ERR_INPUT,
                   "%s: no tokenizer in this folder (looked for tokenizer.bin, encoder.json + "
                   "vocab.bpe, vocab.json + merges.txt, glassbox-tokenizer.json)",
                   dir);
}

gb_status gb_tokenizer_load(const char *path, gb_tokenizer **out, gb_error *err) {
    *out = NULL;
    if (!path || !*path) return gb_fail(err, GB_ERR_INPUT, "no tokenizer given");
    if (is_dir(path)) return load_dir(path, out, err);
    if (!is_file(path)) return gb_fail(err, GB_ERR_INPUT, "%s: no such file or folder", path);
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t dl = slash ? (size_t)(slash - path) : 1;
    const char *dir = slash ? path : ".";
    if (strcmp(base, "encoder.json") == 0) return load_pair(dir, dl, "encoder.json", "vocab.bpe", out, err);
    if (strcmp(base, "vocab.bpe") == 0) return load_pair(dir, dl, "encoder.json", "vocab.bpe", out, err);
    if (strcmp(base, "vocab.json") == 0) return load_pair(dir, dl, "vocab.json", "merges.txt", out, err);
    if (strcmp(base, "merges.txt") == 0) return load_pair(dir, dl, "vocab.json", "merges.txt", out, err);
    if (ends_with(base, ".json")) return load_json_file(path, out, err);
    return tk_llama_load(path, out, err);
}

gb_status gb_tokenizer_save(const gb_tokenizer *t, const char *path, gb_error *err) {
    switch (t->kind) {
    case GB_TOK_GPT2: return tk_gpt2_save(t, path, err);
    case GB_TOK_LLAMA: return tk_llama_save(t, path, err);
    default: return tk_simple_save(t, path, err);
    }
}

/* ---- asking ---- */

gb_tok_kind gb_tokenizer_kind(const gb_tokenizer *t) { return t->kind; }

const char *gb_tok_kind_name(gb_tok_kind k) {
    switch (k) {
    case GB_TOK_CHAR: return "char";
    case GB_TOK_WORD: return "word";
    case GB_TOK_GPT2: return "gpt2";
    case GB_TOK_LLAMA: return "llama";
    }
    return "?";
}

int gb_tokenizer_vocab_size(const gb_tokenizer *t) { return t->vocab.s.n; }
const char *gb_tokenizer_source(const gb_tokenizer *t) { return t->source; }
bool gb_tokenizer_lowercase(const gb_tokenizer *t) { return t->lowercase; }

const char *gb_tokenizer_token(const gb_tokenizer *t, int id, size_t *len) {
    size_t dummy;
    if (!len) len = &dummy;
    if (id < 0 || id >= t->vocab.s.n) {
        *len = 0;
        return NULL;
    }
    return tk_strs_get(&t->vocab.s, id, len);
}

const char *gb_tokenizer_piece(const gb_tokenizer *t, int id, size_t *len) {
    size_t dummy;
    if (!len) len = &dummy;
    if (id < 0 || id >= t->pieces.n) {
        *len = 0;
        return NULL;
    }
    return tk_strs_get(&t->pieces, id, len);
}

const char *gb_tokenizer_piece_after(const gb_tokenizer *t, int prev_id, int id, size_t *len) {
    size_t dummy;
    if (!len) len = &dummy;
    const char *p = gb_tokenizer_piece(t, id, len);
    /* SentencePiece drops the dummy prefix's space after BOS (run.c's decode) */
    if (p && t->kind == GB_TOK_LLAMA && prev_id >= 0 && prev_id == t->special[GB_SPECIAL_BOS] && *len > 0 &&
        p[0] == ' ') {
        p++;
        (*len)--;
    }
    return p;
}

int gb_tokenizer_merge_rank(const gb_tokenizer *t, int left, int right, int *result) {
    int r = t->kind == GB_TOK_GPT2 && left >= 0 && right >= 0
                ? tk_pmap_get(&t->pairs, (uint64_t)(uint32_t)left << 32 | (uint32_t)right)
                : -1;
    if (result) *result = r >= 0 ? t->merge_result[r] : -1;
    return r;
}

float gb_tokenizer_score(const gb_tokenizer *t, int id) {
    return t->score && id >= 0 && id < t->vocab.s.n ? t->score[id] : 0.0f;
}

int gb_tokenizer_lookup_n(const gb_tokenizer *t, const char *s, size_t len) {
    return tk_smap_find(&t->vocab, s, len);
}

int gb_tokenizer_lookup(const gb_tokenizer *t, const char *s) { return tk_smap_find(&t->vocab, s, strlen(s)); }

int gb_tokenizer_special(const gb_tokenizer *t, gb_special s) {
    return (unsigned)s < GB_SPECIAL_COUNT ? t->special[s] : -1;
}

gb_status gb_tokenizer_set_special(gb_tokenizer *t, gb_special s, int id, gb_error *err) {
    if ((unsigned)s >= GB_SPECIAL_COUNT) return gb_fail(err, GB_ERR_INPUT, "unknown special token kind %d", (int)s);
    if (id < -1 || id >= t->vocab.s.n)
        return gb_fail(err, GB_ERR_INPUT, "%s: special token %s = %d is outside the vocabulary (0..%d)", t->source,
                       gb_special_name(s), id, t->vocab.s.n - 1);
    t->special[s] = id;
    return GB_OK;
}

const char *gb_special_name(gb_special s) {
    static const char *const names[GB_SPECIAL_COUNT] = {"bos", "eos", "pad", "unk", "cls", "sep", "mask"};
    return (unsigned)s < GB_SPECIAL_COUNT ? names[s] : "?";
}

static bool is_special(const gb_tokenizer *t, int id) {
    for (int s = 0; s < GB_SPECIAL_COUNT; s++)
        if (t->special[s] == id) return true;
    return false;
}

/* Control tokens decode to nothing: every special but UNK, except for GPT-2,
 * whose encoder.py decodes <|endoftext|> as text. */
static bool is_control(const gb_tokenizer *t, int id) {
    if (t->kind == GB_TOK_GPT2 || id < 0) return false;
    for (int s = 0; s < GB_SPECIAL_COUNT; s++)
        if (s != GB_SPECIAL_UNK && t->special[s] == id) return true;
    return false;
}

/* ---- labels ---- */

typedef struct label_buf {
    char *p;
    size_t n, cap;
    bool full;
} label_buf;

static void label_put(label_buf *b, const char *s, size_t n) {
    if (b->full || b->n + n + 1 > b->cap) {
        b->full = true; /* never split a character: stop at the last whole one */
        return;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

/* Characters a reader cannot see: C1 controls, spaces other than U+0020,
 * zero-width marks, the byte order mark. */
static bool invisible(const unsigned char *p) {
    size_t len;
    uint32_t cp = tk_utf8_get(p, &len);
    return (cp >= 0x80 && cp <= 0xA0) || cp == 0xAD || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200F) ||
           (cp >= 0x2028 && cp <= 0x202F) || (cp >= 0x205F && cp <= 0x2064) || cp == 0x3000 || cp == 0xFEFF;
}

static void label_escape(label_buf *b, const unsigned char *s, size_t n) {
    char tmp[12];
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k = tk_utf8_len(s + i, n - i);
        if (c == ' ') label_put(b, "\xE2\x90\xA3", 3); /* U+2423 OPEN BOX */
        else if (c == '\n') label_put(b, "\\n", 2);
        else if (c == '\t') label_put(b, "\\t", 2);
        else if (c == '\r') label_put(b, "\\r", 2);
        else if (c == '\\') label_put(b, "\\\\", 2);
        else if (c < 0x20 || c == 0x7F || k == 0) {
            snprintf(tmp, sizeof tmp, "\\x%02X", c);
            label_put(b, tmp, 4);
            k = 1;
        } else if (k > 1 && invisible(s + i)) { /* C1 controls, odd spaces, zero-width marks */
            size_t l2;
            snprintf(tmp, sizeof tmp, "\\u%04X", (unsigned)tk_utf8_get(s + i, &l2));
            label_put(b, tmp, 6);
        } else label_put(b, (const char *)s + i, k);
        i += k ? k : 1;
    }
}

void gb_tok_escape(const char *bytes, size_t len, char *buf, size_t cap) {
    if (!buf || cap == 0) return;
    label_buf b = {buf, 0, cap, false};
    label_escape(&b, (const unsigned char *)bytes, len);
    buf[b.n] = '\0';
}

void gb_tokenizer_label(const gb_tokenizer *t, int id, char *buf, size_t cap) {
    if (!buf || cap == 0) return;
    label_buf b = {buf, 0, cap, false};
    size_t len;
    if (id < 0 || id >= t->vocab.s.n) {
        char tmp[32];
        int n = snprintf(tmp, sizeof tmp, "<bad id %d>", id);
        label_put(&b, tmp, (size_t)n);
    } else if (is_special(t, id)) { /* its name, e.g. "\n<s>\n" -> "<s>" */
        const char *s = tk_strs_get(&t->vocab.s, id, &len);
        while (len && (s[0] == '\n' || s[0] == ' ')) s++, len--;
        while (len && (s[len - 1] == '\n' || s[len - 1] == ' ')) len--;
        label_escape(&b, (const unsigned char *)s, len);
    } else {
        const char *p = gb_tokenizer_piece(t, id, &len);
        label_escape(&b, (const unsigned char *)p, len);
    }
    buf[b.n] = '\0';
}

/* ---- encode ---- */

gb_status gb_tokenizer_encode(const gb_tokenizer *t, const char *text, size_t len, bool add_special,
                              int **ids, int *n_ids, gb_tok_record *rec, gb_error *err) {
    *ids = NULL;
    *n_ids = 0;
    if (!text && len) return gb_fail(err, GB_ERR_INTERNAL, "encode: no text");
    if (len > ((size_t)1 << 30))
        return gb_fail(err, GB_ERR_INPUT, "text of %zu bytes is too long to tokenize (limit 1 GiB)", len);
    if (!text) text = "";
    tk_ints out = {0};
    gb_status st;
    switch (t->kind) {
    case GB_TOK_GPT2: st = tk_gpt2_encode(t, text, len, &out, rec, err); break;
    case GB_TOK_LLAMA: st = tk_llama_encode(t, text, len, add_special, &out, rec, err); break;
    default: st = tk_simple_encode(t, text, len, add_special, &out, rec, err); break;
    }
    if (!st && out.failed) st = gb_fail(err, GB_ERR_INTERNAL, "out of memory while tokenizing");
    if (!st && !out.v) {
        out.v = malloc(sizeof *out.v); /* an empty result is still a valid array */
        if (!out.v) st = gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    }
    if (st) {
        free(out.v);
        return st;
    }
    *ids = out.v;
    *n_ids = out.n;
    return GB_OK;
}

uint64_t gb_tokenizer_work(void) { return tk_work; }

/* ---- decode ---- */

/* The bytes id adds after prev when decoding: nothing for control tokens, the
 * llama2.c space rule, the word spacing rule. sep receives a separator. */
static const char *piece_in_context(const gb_tokenizer *t, int prev, int id, size_t *len, const char **sep) {
    *sep = "";
    *len = 0;
    if (is_control(t, id)) return "";
    if (t->kind == GB_TOK_LLAMA) return gb_tokenizer_piece_after(t, prev, id, len);
    const char *p = gb_tokenizer_piece(t, id, len);
    if (t->kind == GB_TOK_WORD && prev >= 0 && prev < t->vocab.s.n && !is_control(t, prev)) {
        size_t pl;
        const char *pp = gb_tokenizer_piece(t, prev, &pl);
        if (tk_word_space_between(pp, pl, p, *len)) *sep = " ";
    }
    return p;
}

typedef struct bytes_buf {
    char *p;
    size_t n, cap;
    bool failed;
} bytes_buf;

static void buf_put(bytes_buf *b, const char *s, size_t n) {
    if (b->failed || n == 0) return;
    if (b->n + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 64;
        while (nc < b->n + n + 1) nc *= 2;
        char *q = realloc(b->p, nc);
        if (!q) {
            b->failed = true;
            return;
        }
        b->p = q;
        b->cap = nc;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

gb_status gb_tokenizer_decode(const gb_tokenizer *t, const int *ids, int n, char **text, size_t *len,
                              gb_error *err) {
    *text = NULL;
    if (len) *len = 0;
    bytes_buf b = {0};
    buf_put(&b, "", 0);
    for (int i = 0; i < n; i++) {
        if (ids[i] < 0 || ids[i] >= t->vocab.s.n) {
            free(b.p);
            return gb_fail(err, GB_ERR_INPUT, "token id %d (at position %d) is outside the vocabulary (0..%d)",
                           ids[i], i, t->vocab.s.n - 1);
        }
        const char *sep;
        size_t pl;
        const char *p = piece_in_context(t, i ? ids[i - 1] : -1, ids[i], &pl, &sep);
        buf_put(&b, sep, strlen(sep));
        buf_put(&b, p, pl);
    }
    if (!b.p && !b.failed) b.p = malloc(1);
    if (b.failed || !b.p) {
        free(b.p);
        return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    }
    b.p[b.n] = '\0';
    *text = b.p;
    if (len) *len = b.n;
    return GB_OK;
}

/* ---- streaming decode ---- */

struct gb_detok {
    const gb_tokenizer *t;
    bytes_buf pend; /* bytes not yet handed out */
};

gb_detok *gb_detok_new(const gb_tokenizer *t) {
    gb_detok *d = calloc(1, sizeof *d);
    if (d) d->t = t;
    return d;
}

void gb_detok_free(gb_detok *d) {
    if (!d) return;
    free(d->pend.p);
    free(d);
}

/* Is p[0..n) the start of a valid character that needs more bytes? */
static bool utf8_incomplete(const unsigned char *p, size_t n) {
    unsigned c = p[0];
    size_t need = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (!need || n >= need) return false;
    if (n >= 2) {
        unsigned lo = 0x80, hi = 0xBF;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
        if (p[1] < lo || p[1] > hi) return false;
    }
    for (size_t i = 2; i < n; i++)
        if ((p[i] & 0xC0) != 0x80) return false;
    return true;
}

static size_t detok_emit(gb_detok *d, size_t ready, char *out, size_t cap) {
    size_t k = ready < cap ? ready : cap;
    if (k && out) memcpy(out, d->pend.p, k);
    if (!out) k = 0;
    if (k) memmove(d->pend.p, d->pend.p + k, d->pend.n - k);
    d->pend.n -= k;
    return k;
}

size_t gb_detok_push(gb_detok *d, int prev_id, int id, char *out, size_t cap) {
    if (!d || id < 0 || id >= d->t->vocab.s.n) return 0;
    const char *sep;
    size_t pl;
    const char *p = piece_in_context(d->t, prev_id, id, &pl, &sep);
    buf_put(&d->pend, sep, strlen(sep));
    buf_put(&d->pend, p, pl);
    const unsigned char *u = (const unsigned char *)d->pend.p;
    size_t n = d->pend.n, i = 0;
    while (i < n) {
        size_t k = tk_utf8_len(u + i, n - i);
        if (k) i += k;
        else if (utf8_incomplete(u + i, n - i)) break; /* wait for the rest */
        else i++; /* can never become a character: pass it on */
    }
    return detok_emit(d, i, out, cap);
}

size_t gb_detok_flush(gb_detok *d, char *out, size_t cap) { return d ? detok_emit(d, d->pend.n, out, cap) : 0; }
