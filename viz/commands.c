/* commands.c - the table of `glassbox` commands (one line per command). */
#include <string.h>

#include "cli.h"

static const gb_command COMMANDS[] = {
    /* {name, function, summary, usage}: keep sorted by how often people use them. */
    {"trace", gb_cmd_trace, "run a model once and write the whole recording (.safetensors or .json)",
     "glassbox trace --model M (--ids 1,2,3 | --prompt TEXT) [--target-ids 1,2,3]\n"
     "               --out FILE.safetensors|FILE.json [--hooks PATTERN]\n\n"
     "Records every tensor named in docs/recording.md (or those PATTERN selects, e.g.\n"
     "'blocks.*.attn.hook_pattern,logits'). Attention patterns are [heads, query, key]."},
    {"view", gb_cmd_view, "open the viewer window", "glassbox view [--model M] [--prompt TEXT] [--presenter] [--size WxH]"},
    {"render", gb_cmd_render, "render a view to PNG, SVG or PDF", "glassbox render VIEW [--model M] [--prompt TEXT] [--size WxH] [--scale S] [--presenter] [view options] --out FILE.png|.svg|.pdf\n\nViews: positions (--dim D, --length N, --pair K)"},
    {"bench", gb_cmd_bench, "measure speed against baselines in the same run (table, --json)",
     "glassbox bench [--only AREA] [--quick] [--threads N] [--json FILE] [--data FIXTURES_DIR]"},
    {"tokenize", gb_cmd_tokenize, "show how text becomes token ids, step by step",
     "usage: glassbox tokenize --tokenizer T [--steps] [--format ids|json] (TEXT | -)\n\n"
     "  --tokenizer T   a folder or file: tokenizer.bin (llama2.c), encoder.json + vocab.bpe or\n"
     "                  vocab.json + merges.txt (GPT-2 BPE), or a glassbox char/word .json\n"
     "  --format ids    the ids the model is fed, space separated on one line (default)\n"
     "  --format json   the whole record: pieces, starting symbols, every merge, final tokens\n"
     "  --steps         the merge replay, explained step by step\n"
     "  TEXT            the text; - reads it from standard input, byte for byte\n\n"
     "llama2.c adds BOS and a leading space as run.c does; GPT-2 adds nothing."},
    {"corpus", gb_cmd_corpus, "write train/validation corpora from a grammar (data/grammars)", "glassbox corpus --grammar FILE [--task lm|translate|sentiment|all] [--start RULE]\n                [--count N] [--seed S] [--valid X] [--out DIR] [--stats] [--sample N] [--next TEXT]\nFiles: lm train.txt valid.txt; translate train.fr-en.tsv valid.fr-en.tsv (fr<TAB>en);\nsentiment train.sentiment.tsv valid.sentiment.tsv (label<TAB>en). See docs/corpus.md."},
    {"train", gb_cmd_train, "train a model on your own text (lm, translate, classify), resumable", "glassbox train --corpus FILE [--task lm|translate|classify] [--tokenizer char|word|bpe|PATH] [--out M.safetensors]\n  [--valid FILE] [--steps N] [--batch N] [--lr X] [--d-model N] [--heads N] [--layers N] [--context N] [--seed S] ...\nCtrl-C writes a checkpoint; run the same command again to continue. See 'glassbox train --help' and docs/training.md."},
    {"eval", gb_cmd_eval, "metrics of a trained model on held-out data (name: value lines)", "glassbox eval --model M [--data FILE]\n  decoder: valid_loss, perplexity, next_token_accuracy; encoder-decoder: exact_match (greedy);\n  encoder: accuracy and accuracy_negation. The data defaults to the file the model names."},
    {NULL, NULL, NULL, NULL},
};

const gb_command *gb_commands(int *n) {
    int k = 0;
    while (COMMANDS[k].name) k++;
    *n = k;
    return COMMANDS;
}

const gb_command *gb_command_find(const char *name) {
    int n;
    const gb_command *c = gb_commands(&n);
    for (int i = 0; i < n; i++)
        if (strcmp(c[i].name, name) == 0) return &c[i];
    return NULL;
}
