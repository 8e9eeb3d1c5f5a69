/* fuzz_task_text: the training corpus files (`glassbox train --data FILE`):
 * gb_task_text_read for the task picked by the first byte (0 LM lines,
 * 1 source<TAB>target, 2 label<TAB>sentence), then what training does with an
 * accepted file: its labels, the joined text, a word (or, bit 2, character)
 * tokenizer built from it, the encoding into training data, and (bit 3, small
 * inputs) byte-level BPE training on it. */
#include "fuzz_common.h"

#include "glassbox/tokenizer.h"
#include "glassbox/train.h"

#define MAX_LABELS 8

static void build_and_encode(const gb_task_text *t, gb_tok_kind kind, char labels[][GB_MAX_LABEL], int n_labels) {
    size_t len = 0;
    char *joined = gb_task_text_joined(t, &len);
    if (!joined) abort();
    gb_vocab_opts o;
    gb_vocab_opts_default(&o);
    o.specials[GB_SPECIAL_BOS] = "<s>", o.specials[GB_SPECIAL_EOS] = "</s>", o.specials[GB_SPECIAL_CLS] = "<cls>";
    o.max_size = 64;
    gb_tokenizer *tok = NULL;
    gb_error err = {0};
    if (gb_tokenizer_build(kind, joined, len, &o, &tok, &err)) {
        fz_check_error(&err);
    } else {
        gb_train_data d;
        if (gb_task_text_encode(t, tok, labels, n_labels, 0.5, &d, &err)) fz_check_error(&err);
        else gb_train_data_free(&d);
        gb_tokenizer_free(tok);
    }
    free(joined);
}

static void train_bpe(const gb_task_text *t) {
    size_t len = 0;
    char *joined = gb_task_text_joined(t, &len);
    if (!joined) abort();
    gb_bpe_train_opts o;
    gb_bpe_train_opts_default(&o);
    o.vocab_size = 256 + 1 + 16;
    gb_tokenizer *tok = NULL;
    gb_bpe_train_report rep = {0};
    gb_error err = {0};
    if (gb_tokenizer_train_bpe(joined, len, &o, &tok, &rep, &err)) fz_check_error(&err);
    gb_tokenizer_free(tok);
    gb_bpe_train_report_free(&rep);
    free(joined);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    gb_task task = (gb_task)(data[0] % 3);
    const char *path = fz_write("corpus.txt", data + 1, size - 1);
    gb_task_text t;
    gb_error err = {0};
    if (gb_task_text_read(path, task, &t, &err)) {
        fz_check_error(&err);
        return 0;
    }
    if (t.n < 1) abort();
    char labels[MAX_LABELS][GB_MAX_LABEL];
    int n_labels = gb_task_text_labels(&t, labels, MAX_LABELS);
    if (task == GB_TASK_CLASSIFY && n_labels == 0) abort();
    if (n_labels >= 0) build_and_encode(&t, data[0] & 4 ? GB_TOK_CHAR : GB_TOK_WORD, labels, n_labels);
    if ((data[0] & 8) && size < 4096) train_bpe(&t);
    gb_task_text_free(&t);
    return 0;
}
