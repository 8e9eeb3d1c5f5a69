/* gen_common.h - what generate, compare and export distribution share: opening
 * a model with its tokenizer, turning the prompt into ids, stop ids, and the
 * sampler flags with messages that name the flag and its allowed range. */
#ifndef GB_GEN_COMMON_H
#define GB_GEN_COMMON_H

#include <stdio.h>

#include "cli.h"
#include "glassbox/model.h"
#include "glassbox/sampler.h"
#include "glassbox/session.h"
#include "glassbox/tokenizer.h"

typedef struct gb_gen_inputs {
    gb_model *model;
    gb_tokenizer *tok;
    int *prompt;         /* [n_prompt] ids fed to the model */
    int n_prompt;
    int n_hidden;        /* leading prompt ids that are not part of the text (a start token) */
    int stop_ids[2];     /* BOS and EOS of the tokenizer, when it has them */
    int n_stop;
} gb_gen_inputs;

/* Load the model and its tokenizer (tok_spec, else the one the model file names)
 * and encode the prompt (NULL = empty: then the tokenizer's BOS or end-of-text
 * token starts generation). */
gb_status gb_gen_open(const char *cmd, const char *model_spec, const char *tok_spec,
                      const char *prompt_text, gb_gen_inputs *in, gb_error *err);
void gb_gen_close(gb_gen_inputs *in);

/* Sampler flags as parsed (the parser gives no range): validated here with the
 * flag's name, e.g. "generate --top-p: 0 is out of range (0, 1] (1 = off)". */
gb_status gb_gen_settings(const char *cmd, double temperature, int top_k, double top_p,
                          gb_sampler_settings *out, gb_error *err);

/* Session options: prompt, stop ids, seed, settings; max_new < 0 means "as many
 * as fit, at most 256"; an explicit value past the context is refused naming
 * --max-new-tokens and the allowed range. */
gb_status gb_gen_session_opts(const char *cmd, const gb_gen_inputs *in, int max_new, uint64_t seed,
                              const gb_sampler_settings *set, gb_session_opts *o, gb_error *err);

/* Write bytes as a JSON string (with quotes) to fp. */
void gb_json_write_string(FILE *fp, const char *s, size_t len);
/* Decoded text of ids (malloc'd, NUL-terminated; *len may be NULL). */
char *gb_gen_decode(const gb_gen_inputs *in, const int *ids, int n, size_t *len);

#endif
