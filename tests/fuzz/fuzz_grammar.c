/* fuzz_grammar: gb_grammar_parse on arbitrary text; a grammar it accepts is
 * asked for a few records from each task's start rule. */
#include "fuzz_common.h"

#include "glassbox/corpus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    gb_error err = {0};
    gb_grammar *g = NULL;
    if (gb_grammar_parse((const char *)data, size, "fuzz.grammar", &g, &err) != GB_OK) {
        fz_check_error(&err);
        return 0;
    }
    static const char *tasks[] = {"lm", "translate", "sentiment"};
    for (int i = 0; i < 3; i++) {
        const char *start = gb_grammar_start(g, tasks[i]);
        if (!start) continue;
        gb_corpus c;
        memset(&c, 0, sizeof c);
        if (gb_corpus_generate(g, start, 5, 1, &c, &err) != GB_OK) fz_check_error(&err);
        gb_corpus_free(&c);
    }
    gb_grammar_free(g);
    return 0;
}
