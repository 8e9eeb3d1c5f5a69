/* tokenizer_record.c - the record of one encode (gb_tok_record): building it
 * while a tokenizer works, freeing it, and replaying a chunk's merges. */
#include <stdlib.h>
#include <string.h>

#include "tokenizer_internal.h"

enum { CAP_CHUNKS, CAP_SYMBOLS, CAP_MERGES, CAP_AFTER, CAP_TOKENS, FAILED };

gb_tok_record *gb_tok_record_new(void) { return calloc(1, sizeof(gb_tok_record)); }

static void rec_release(gb_tok_record *r) {
    free(r->text);
    free(r->chunks);
    free(r->symbols);
    free(r->byte_symbol);
    free(r->merges);
    free(r->after);
    free(r->tokens);
}

void gb_tok_record_free(gb_tok_record *rec) {
    if (!rec) return;
    rec_release(rec);
    free(rec);
}

/* Make room for one more element of an array whose capacity is caps[which]. */
static bool room(gb_tok_record *r, void **p, int n, int which, size_t elt) {
    if (r->caps[FAILED]) return false;
    if (n < r->caps[which]) return true;
    int nc = r->caps[which] ? r->caps[which] * 2 : 16;
    void *q = nc > (1 << 29) ? NULL : realloc(*p, (size_t)nc * elt);
    if (!q) {
        r->caps[FAILED] = 1;
        return false;
    }
    *p = q;
    r->caps[which] = nc;
    return true;
}

void tk_rec_reset(gb_tok_record *r, gb_tok_kind kind, const char *text, size_t len, size_t shift,
                  const char *prefix, size_t prefix_len) {
    rec_release(r);
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->input_shift = shift;
    r->text_len = prefix_len + len;
    r->text = malloc(r->text_len + 1);
    r->byte_symbol = malloc((r->text_len ? r->text_len : 1) * sizeof *r->byte_symbol);
    if (!r->text || !r->byte_symbol) {
        r->caps[FAILED] = 1;
        r->text_len = 0;
        return;
    }
    if (prefix_len) memcpy(r->text, prefix, prefix_len);
    if (len) memcpy(r->text + prefix_len, text, len);
    r->text[r->text_len] = '\0';
    for (size_t i = 0; i < r->text_len; i++) r->byte_symbol[i] = -1;
}

int tk_rec_chunk(gb_tok_record *r, size_t start, size_t len) {
    if (!room(r, (void **)&r->chunks, r->n_chunks, CAP_CHUNKS, sizeof *r->chunks)) return -1;
    gb_tok_chunk *c = &r->chunks[r->n_chunks];
    *c = (gb_tok_chunk){start, len, r->n_symbols, 0, r->n_merges, 0, r->n_tokens, 0};
    return r->n_chunks++;
}

void tk_rec_chunk_end(gb_tok_record *r) {
    if (r->caps[FAILED] || r->n_chunks == 0) return;
    gb_tok_chunk *c = &r->chunks[r->n_chunks - 1];
    c->n_symbols = r->n_symbols - c->first_symbol;
    c->n_merges = r->n_merges - c->first_merge;
    c->n_tokens = r->n_tokens - c->first_token;
}

void tk_rec_symbol(gb_tok_record *r, int id, size_t start, size_t len) {
    if (!room(r, (void **)&r->symbols, r->n_symbols, CAP_SYMBOLS, sizeof *r->symbols)) return;
    for (size_t i = start; i < start + len && i < r->text_len; i++) r->byte_symbol[i] = r->n_symbols;
    r->symbols[r->n_symbols++] = (gb_tok_symbol){id, start, len};
}

int tk_rec_merge(gb_tok_record *r, int pos, int left, int right, int result, int rank, float score,
                 size_t start, size_t len, int n_after) {
    if (!room(r, (void **)&r->merges, r->n_merges, CAP_MERGES, sizeof *r->merges)) return -1;
    int chunk = r->n_chunks - 1;
    int step = chunk >= 0 ? r->n_merges - r->chunks[chunk].first_merge : r->n_merges;
    r->merges[r->n_merges] = (gb_tok_merge){chunk, step,   pos, left,    right, result,
                                            rank,  score,  start, len, n_after, -1};
    return r->n_merges++;
}

void tk_rec_after(gb_tok_record *r, int merge, int id, size_t start, size_t len) {
    if (merge < 0 || !room(r, (void **)&r->after, r->n_after, CAP_AFTER, sizeof *r->after)) return;
    if (r->merges[merge].after < 0) r->merges[merge].after = r->n_after;
    r->after[r->n_after++] = (gb_tok_symbol){id, start, len};
}

void tk_rec_token(gb_tok_record *r, int id, int chunk, size_t start, size_t len) {
    if (!room(r, (void **)&r->tokens, r->n_tokens, CAP_TOKENS, sizeof *r->tokens)) return;
    r->tokens[r->n_tokens++] = (gb_tok_token){id, chunk, start, len};
}

bool tk_rec_failed(const gb_tok_record *r) { return r->caps[FAILED] != 0; }

int gb_tok_record_replay(const gb_tok_record *rec, int c, int steps, gb_tok_symbol *out, int cap) {
    if (!rec || c < 0 || c >= rec->n_chunks) return -1;
    const gb_tok_chunk *ch = &rec->chunks[c];
    if (steps < 0 || steps > ch->n_merges) return -1;
    int n = ch->n_symbols;
    gb_tok_symbol *seq = malloc((size_t)(n ? n : 1) * sizeof *seq);
    if (!seq) return -1;
    if (n > 0) memcpy(seq, rec->symbols + ch->first_symbol, (size_t)n * sizeof *seq); /* symbols may be NULL */
    for (int k = 0; k < steps; k++) {
        const gb_tok_merge *m = &rec->merges[ch->first_merge + k];
        if (m->pos < 0 || m->pos + 1 >= n) { /* cannot happen for a record we built */
            free(seq);
            return -1;
        }
        seq[m->pos] = (gb_tok_symbol){m->result, m->start, m->len};
        memmove(seq + m->pos + 1, seq + m->pos + 2, (size_t)(n - m->pos - 2) * sizeof *seq);
        n--;
    }
    if (out && cap > 0 && n > 0) memcpy(out, seq, (size_t)(n < cap ? n : cap) * sizeof *seq);
    free(seq);
    return n;
}
