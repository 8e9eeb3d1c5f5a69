/* view_tokenization.h - what the tokenization, embeddings and positions views
 * share: the catalogue of tokenizers to compare, and turning the prompt (or
 * --ids) into the ids a model reads, with a problem message a view can show
 * instead of crashing (invalid UTF-8, a prompt longer than the context, no
 * tokenizer, an id out of range).
 */
#ifndef GB_VIEW_TOKENIZATION_H
#define GB_VIEW_TOKENIZATION_H

#include <stdbool.h>

#include "glassbox/error.h"
#include "glassbox/model.h"
#include "glassbox/tokenizer.h"

#define GB_TOK_CHOICES 12

/* One tokenizer the view can switch to. */
typedef struct gb_tok_choice {
    char name[96];       /* shown in the drop-down: "GPT-2 BPE (50,257)" once loaded */
    char path[1024];     /* file or folder; "" for the ones built from the text */
    int built;           /* 0: a file; GB_TOK_CHAR + 1 or GB_TOK_WORD + 1: built from the prompt */
    gb_tokenizer *tok;   /* loaded (owned), or NULL */
    char error[256];     /* why loading failed */
} gb_tok_choice;

typedef struct gb_tok_catalog {
    gb_tok_choice c[GB_TOK_CHOICES];
    int n;
} gb_tok_catalog;

/* Fill the catalogue with paths (nothing is loaded): first `own` (--tokenizer or
 * the model's tokenizer_ref, may be NULL), then the fixtures' GPT-2 and
 * llama2.c tokenizers when present, "characters" and "words" built from the
 * prompt itself, and the bundled ones under data/models and data/tokenizers.
 * Duplicated paths are listed once. */
void gb_tok_catalog_find(gb_tok_catalog *cat, const char *own);
/* Load every file entry that is not loaded yet (worker thread: touches only cat). */
void gb_tok_catalog_load(gb_tok_catalog *cat);
void gb_tok_catalog_free(gb_tok_catalog *cat);
/* Move loaded tokenizers from src to dst (same paths), leaving src empty. */
void gb_tok_catalog_move(gb_tok_catalog *dst, gb_tok_catalog *src);

/* Byte offset of the first invalid UTF-8 byte of s, or -1 if it is all valid. */
long gb_utf8_bad_offset(const char *s, size_t n);

/* The ids a model reads for a prompt. */
typedef struct gb_prompt_ids {
    int *ids;            /* malloc'd [n] */
    int n;
    char problem[320];   /* a sentence for the window / render when ids cannot be had */
} gb_prompt_ids;

/* ids_arg ("1,2,3") wins over the prompt; otherwise tok (may be NULL) encodes
 * the prompt with its special tokens. Checks UTF-8, the vocabulary of m and
 * its context (m->cfg.max_seq). Returns true when out->ids is usable. */
bool gb_prompt_ids_make(gb_prompt_ids *out, const gb_model *m, const gb_tokenizer *tok,
                        const char *prompt, const char *ids_arg);
void gb_prompt_ids_free(gb_prompt_ids *p);

/* The tokenizer a model is shown with: `override` (--tokenizer), else the
 * model's tokenizer_ref; NULL (with err set) when there is none. */
gb_tokenizer *gb_view_tokenizer_for(const gb_model *m, const char *override, gb_error *err);

/* The token a view follows by default: the last one with a letter or digit
 * (not the final full stop), else the last. */
int gb_view_default_token(const gb_tokenizer *tok, const int *ids, int n);

/* A printable label for token id (tokenizer label, or "#id" without one). */
void gb_view_token_label(const gb_tokenizer *tok, int id, char *buf, size_t cap);

#endif
