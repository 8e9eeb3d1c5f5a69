/* cmd_words.h - what the export and neighbour commands share: opening a model
 * with its tokenizer, turning a word into one token id (or a clear refusal),
 * and labelling and classifying tokens. */
#ifndef GB_CMD_WORDS_H
#define GB_CMD_WORDS_H

#include "glassbox/error.h"
#include "glassbox/model.h"
#include "glassbox/tokenizer.h"

typedef struct gb_words {
    gb_model *m;
    gb_tokenizer *tok;   /* NULL when the model names none and --tokenizer is not given */
    int vocab;           /* rows of the token table: the model's vocab_size */
} gb_words;

/* Load the model and its tokenizer (tok_path, else the model's own reference).
 * need_tok: fail if there is no tokenizer. */
gb_status gb_words_open(gb_words *w, const char *model, const char *tok_path, int need_tok,
                        gb_error *err);
void gb_words_close(gb_words *w);
/* The one token id for word (see docs/exports.md "Words and tokens"); on a
 * word that is several tokens or unknown, an error showing the split and the
 * nearest single-token spellings. */
gb_status gb_words_lookup(const gb_words *w, const char *word, int *id, gb_error *err);
/* Parse an id in [0, vocab). what names the argument in the message. */
gb_status gb_words_parse_id(const gb_words *w, const char *what, const char *s, int *id, gb_error *err);
/* A printable label: the tokenizer's, or "#id" without a tokenizer. */
void gb_words_label(const gb_words *w, int id, char *buf, size_t cap);
/* word, subword, number, punctuation, space, byte, special (or "token" without a tokenizer). */
const char *gb_words_kind(const gb_words *w, int id);

#endif
