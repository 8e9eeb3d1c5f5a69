/* glassbox/tokenizer.h - text to token ids and back, showing every step.
 *
 * Four kinds of tokenizer, one interface:
 *   GB_TOK_CHAR   one token per Unicode character (our JSON file)
 *   GB_TOK_WORD   one token per word or punctuation mark, with an unknown
 *                 token for words outside the vocabulary (our JSON file)
 *   GB_TOK_GPT2   GPT-2 byte-level BPE: encoder.json + vocab.bpe, or Hugging
 *                 Face vocab.json + merges.txt (also what gb_tokenizer_train_bpe
 *                 writes)
 *   GB_TOK_LLAMA  the llama2.c tokenizer.bin (score-ordered merges, byte
 *                 fallback, dummy leading space, BOS), exactly as run.c
 *
 * Worked example:
 *
 *     gb_error err = {0};
 *     gb_tokenizer *tok;
 *     if (gb_tokenizer_load("tests/fixtures/gpt2_bpe", &tok, &err)) return err.status;
 *     gb_tok_record *rec = gb_tok_record_new();       // optional: the replay
 *     int *ids, n;
 *     gb_tokenizer_encode(tok, "Hello world", 11, true, &ids, &n, rec, &err);
 *     // ids = {15496, 995}; rec->merges lists every BPE merge in order
 *     char *text; size_t len;
 *     gb_tokenizer_decode(tok, ids, n, &text, &len, &err);   // "Hello world"
 *     free(text); free(ids); gb_tok_record_free(rec); gb_tokenizer_free(tok);
 *
 * A tokenizer is immutable after loading (except gb_tokenizer_set_special) and
 * may be shared by threads. All strings are byte strings with explicit lengths:
 * token text may hold any byte, including NUL and half a UTF-8 character.
 */
#ifndef GLASSBOX_TOKENIZER_H
#define GLASSBOX_TOKENIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "glassbox/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { GB_TOK_CHAR, GB_TOK_WORD, GB_TOK_GPT2, GB_TOK_LLAMA } gb_tok_kind;
typedef enum {
    GB_SPECIAL_BOS, GB_SPECIAL_EOS, GB_SPECIAL_PAD, GB_SPECIAL_UNK,
    GB_SPECIAL_CLS, GB_SPECIAL_SEP, GB_SPECIAL_MASK,
} gb_special;
#define GB_SPECIAL_COUNT 7

typedef struct gb_tokenizer gb_tokenizer; /* opaque */

/* ---- the record of one encode: what the tokenization view replays ----
 *
 * Coordinates: every byte span (start, len) is into rec->text, the normalized
 * text the tokenizer actually worked on. Normalized byte i is input byte
 * i - rec->input_shift (llama2.c prepends one space, so its shift is 1; word
 * tokenizers may lower-case ASCII letters, which keeps offsets).
 *
 * Walk it like this:
 *   for each chunk c (a pre-token: GPT-2 regex piece, a word, or the whole text)
 *     symbols[c.first_symbol .. +c.n_symbols]  the starting symbols (bytes,
 *                                              characters, or the word)
 *     merges[c.first_merge .. +c.n_merges]     the merges, in the order applied
 *     tokens[c.first_token .. +c.n_tokens]     the final tokens of the chunk
 * Tokens added by add_special (BOS, EOS, ...) have chunk -1 and len 0; the
 * llama2.c BOS sits inside its chunk (run.c merges over it, though no real
 * vocabulary ever merges it). */
typedef struct gb_tok_symbol {
    int id;           /* vocabulary id, or -1 (a word tokenizer's unknown word before UNK) */
    size_t start, len; /* bytes in rec->text; len 0 for BOS */
} gb_tok_symbol;

typedef struct gb_tok_merge {
    int chunk;         /* chunk index */
    int step;          /* 0, 1, ... within the chunk */
    int pos;           /* index of the left symbol in the chunk's sequence before the merge */
    int left, right;   /* ids of the two symbols glued together */
    int result;        /* id of the new symbol */
    int rank;          /* GPT-2: merge rank = line of the merge file (0 first); -1 for llama */
    float score;       /* llama2.c: vocabulary score of the result (highest merges first); 0 for GPT-2 */
    size_t start, len; /* bytes of the new symbol in rec->text */
    int n_after;       /* symbols in the chunk after this merge */
    int after;         /* the whole sequence after this merge: rec->after[after .. +n_after],
                          stored for chunks of at most GB_TOK_RECORD_AFTER_MAX starting
                          symbols, else -1 (use gb_tok_record_replay) */
} gb_tok_merge;
#define GB_TOK_RECORD_AFTER_MAX 256

typedef struct gb_tok_chunk {
    size_t start, len;          /* bytes in rec->text */
    int first_symbol, n_symbols;
    int first_merge, n_merges;
    int first_token, n_tokens;
} gb_tok_chunk;

typedef struct gb_tok_token {
    int id;
    int chunk;         /* -1 for tokens added by add_special */
    size_t start, len; /* bytes of rec->text this token covers (its text) */
} gb_tok_token;

typedef struct gb_tok_record {
    gb_tok_kind kind;
    char *text;              /* normalized text (NUL-terminated for convenience) */
    size_t text_len;
    size_t input_shift;      /* normalized byte i = input byte i - input_shift */
    gb_tok_chunk *chunks;    int n_chunks;
    gb_tok_symbol *symbols;  int n_symbols;  /* starting symbols of all chunks */
    int *byte_symbol;        /* [text_len]: starting symbol holding each byte, -1 if
                                none (whitespace a word tokenizer drops) */
    gb_tok_merge *merges;    int n_merges;
    gb_tok_symbol *after;    int n_after;    /* pool for gb_tok_merge.after */
    gb_tok_token *tokens;    int n_tokens;   /* the final ids, in order */
    int caps[6];             /* private: capacities */
} gb_tok_record;

gb_tok_record *gb_tok_record_new(void);
void gb_tok_record_free(gb_tok_record *rec);
/* The symbols of chunk c after its first `steps` merges (0 = the starting
 * symbols). Writes at most cap symbols to out; returns how many there are, or
 * -1 if c or steps is out of range. Works for every chunk, however long. */
int gb_tok_record_replay(const gb_tok_record *rec, int c, int steps, gb_tok_symbol *out, int cap);

/* ---- loading, saving, asking ---- */

/* path: a file or a folder. Folders are searched for tokenizer.bin,
 * encoder.json + vocab.bpe, vocab.json + merges.txt, glassbox-tokenizer.json
 * (in that order). Files: *.bin (llama2.c), our JSON ({"glassbox_tokenizer":1,
 * ...}), or one of encoder.json/vocab.json/vocab.bpe/merges.txt with its partner
 * beside it. Malformed files are refused naming the line or byte offset. */
gb_status gb_tokenizer_load(const char *path, gb_tokenizer **out, gb_error *err);
void gb_tokenizer_free(gb_tokenizer *t);
/* GPT2 (and trained BPE): a folder, created if needed, receiving vocab.json +
 * merges.txt (Hugging Face format). CHAR/WORD: our JSON file. LLAMA: a
 * tokenizer.bin file. Files are written atomically. */
gb_status gb_tokenizer_save(const gb_tokenizer *t, const char *path, gb_error *err);

gb_tok_kind gb_tokenizer_kind(const gb_tokenizer *t);
const char *gb_tok_kind_name(gb_tok_kind k); /* "char", "word", "gpt2", "llama" */
int gb_tokenizer_vocab_size(const gb_tokenizer *t);
/* Char/word tokenizers that lower-case ASCII letters before looking up. */
bool gb_tokenizer_lowercase(const gb_tokenizer *t);
/* Where it was loaded from (file or folder), or "(built)". */
const char *gb_tokenizer_source(const gb_tokenizer *t);

/* Encode len bytes of text (need not be NUL-terminated). add_special: llama2.c
 * adds BOS and the dummy leading space (for non-empty text); GPT-2 adds
 * nothing; char/word add what their file says (add_at_start / add_at_end).
 * *ids is malloc'd (free it); rec may be NULL (then recording costs nothing).
 * Invalid UTF-8: GPT-2 tokenizes it byte-wise, llama2.c uses byte fallback,
 * char and word refuse it naming the byte offset. */
gb_status gb_tokenizer_encode(const gb_tokenizer *t, const char *text, size_t len, bool add_special,
                              int **ids, int *n_ids, gb_tok_record *rec, gb_error *err);

/* How many elementary steps (pair look-ups with their hash probes, candidate
 * heap operations) the encodes on this thread have done so far. A merge loop
 * that rescans every pair after each merge does quadratic work; the heap does
 * about a constant amount per symbol: tests compare the work of n and 4n
 * bytes instead of timing them. */
uint64_t gb_tokenizer_work(void);

/* The token's string exactly as in the vocabulary file ("Ġthe", "<0x0A>", " the"). */
const char *gb_tokenizer_token(const gb_tokenizer *t, int id, size_t *len);
/* The bytes a token stands for (GPT-2: decoded from the byte-to-unicode
 * mapping; llama2.c: the piece, byte-fallback tokens give their byte, BOS gives
 * run.c's "\n<s>\n"). NULL for an id out of range. */
const char *gb_tokenizer_piece(const gb_tokenizer *t, int id, size_t *len);
/* run.c's decode(prev, id): the piece, minus its leading space right after BOS
 * (llama2.c only; other kinds return the piece). */
const char *gb_tokenizer_piece_after(const gb_tokenizer *t, int prev_id, int id, size_t *len);
/* A printable label for display, always NUL-terminated valid UTF-8: a space is
 * shown as "␣", newline/tab/CR as \n \t \r, a backslash as \\, other control
 * bytes and bytes that are not whole UTF-8 characters as \xNN; special tokens
 * by their name ("<s>", "<|endoftext|>", "<unk>"). */
void gb_tokenizer_label(const gb_tokenizer *t, int id, char *buf, size_t cap);
/* The same escaping for any bytes (e.g. a word outside the vocabulary). */
void gb_tok_escape(const char *bytes, size_t len, char *buf, size_t cap);
/* Bytes of a token id -> whole text (malloc'd, NUL-terminated, *len exact).
 * Control tokens (BOS/EOS/PAD/CLS/SEP/MASK of llama2.c, char and word) give
 * nothing; GPT-2 decodes every id, <|endoftext|> included, as encoder.py does.
 * llama2.c drops the leading space after BOS; word tokenizers put a space
 * between words but not before closing punctuation (lossy by nature). */
gb_status gb_tokenizer_decode(const gb_tokenizer *t, const int *ids, int n, char **text, size_t *len,
                              gb_error *err);

/* Streaming decode for generation: feed one id at a time, get the bytes that
 * are now complete UTF-8 characters (an incomplete character is held back
 * until it completes; bytes that can never form a character are passed on).
 * push returns the bytes written to out (at most cap; anything that does not
 * fit is kept for the next call); flush writes what is held back. */
typedef struct gb_detok gb_detok;
gb_detok *gb_detok_new(const gb_tokenizer *t);
void gb_detok_free(gb_detok *d);
size_t gb_detok_push(gb_detok *d, int prev_id, int id, char *out, size_t cap);
size_t gb_detok_flush(gb_detok *d, char *out, size_t cap);

/* GPT-2: the rank of the merge rule left + right (0 = learned first), or -1;
 * also the token it makes (*result, may be NULL). Other kinds: -1. */
int gb_tokenizer_merge_rank(const gb_tokenizer *t, int left, int right, int *result);
/* llama2.c: the vocabulary score of a token (merges with higher scores go
 * first); 0 for other kinds or an id out of range. */
float gb_tokenizer_score(const gb_tokenizer *t, int id);

/* Exact vocabulary string (NUL-terminated) -> id, or -1. */
int gb_tokenizer_lookup(const gb_tokenizer *t, const char *token_text);
int gb_tokenizer_lookup_n(const gb_tokenizer *t, const char *token_text, size_t len);
/* Special token id or -1. Model metadata may declare or override them. */
int gb_tokenizer_special(const gb_tokenizer *t, gb_special s);
gb_status gb_tokenizer_set_special(gb_tokenizer *t, gb_special s, int id, gb_error *err);
const char *gb_special_name(gb_special s); /* "bos", "eos", "pad", "unk", "cls", "sep", "mask" */

/* ---- building from a corpus ---- */

typedef struct gb_vocab_opts {
    int min_count;         /* keep characters/words seen at least this often (>= 1) */
    int max_size;          /* at most this many ids, specials included (0 = no limit) */
    bool lowercase;        /* lower-case ASCII letters before counting and encoding */
    const char *specials[GB_SPECIAL_COUNT]; /* token strings by gb_special, NULL = none;
                                               they get the first ids, in gb_special order */
    int add_at_start;      /* gb_special added by encode(add_special), or -1 */
    int add_at_end;        /* gb_special added at the end, or -1 */
} gb_vocab_opts;
/* Defaults: min_count 1, no limit, no lowercase, "<unk>" as UNK, nothing added. */
void gb_vocab_opts_default(gb_vocab_opts *o);
/* kind: GB_TOK_CHAR or GB_TOK_WORD. The corpus must be valid UTF-8. Ids: the
 * specials, then (char) characters in code point order or (word) words by
 * count, most frequent first, ties in byte order. */
gb_status gb_tokenizer_build(gb_tok_kind kind, const char *corpus, size_t len, const gb_vocab_opts *o,
                             gb_tokenizer **out, gb_error *err);

typedef struct gb_bpe_train_opts {
    int vocab_size;        /* target size: 256 bytes + merges + <|endoftext|> */
    int min_frequency;     /* stop when the best pair occurs fewer times (>= 1, default 2) */
    bool add_endoftext;    /* add "<|endoftext|>" as the last id (default true) */
} gb_bpe_train_opts;
void gb_bpe_train_opts_default(gb_bpe_train_opts *o);

/* What training did to each distinct pre-token of the corpus. */
typedef struct gb_bpe_word {
    char *bytes;   size_t len;  /* the pre-token (GPT-2 regex chunk) */
    long count;                 /* how often it occurs in the corpus */
    int *ids;      int n_ids;   /* its segmentation when training stopped */
} gb_bpe_word;
typedef struct gb_bpe_train_report {
    gb_bpe_word *words; int n_words;
    int n_merges;
} gb_bpe_train_report;
void gb_bpe_train_report_free(gb_bpe_train_report *r);

/* Byte-level BPE training, GPT-2 style: the corpus is split with GPT-2's
 * pattern, every distinct chunk starts as bytes, and the most frequent adjacent
 * pair (ties: the smaller left id, then the smaller right id, i.e. the older
 * tokens) is merged everywhere, until vocab_size or no pair reaches
 * min_frequency. Ids 0..255 are the bytes in encoder.json's order. The
 * result is a GB_TOK_GPT2 tokenizer; save it with gb_tokenizer_save. report may
 * be NULL. */
gb_status gb_tokenizer_train_bpe(const char *corpus, size_t len, const gb_bpe_train_opts *o,
                                 gb_tokenizer **out, gb_bpe_train_report *report, gb_error *err);

#ifdef __cplusplus
}
#endif
#endif
