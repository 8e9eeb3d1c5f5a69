/* commands.c - the table of `glassbox` commands (one line per command). */
#include <string.h>

#include "cli.h"

static const gb_command COMMANDS[] = {
    /* {name, function, summary, usage}: in the order --help lists them. */
    {"view", gb_cmd_view, "open the viewer window", "glassbox view [--model M] [--prompt TEXT] [--lesson FILE] [--presenter] [--size WxH]"},
    {"render", gb_cmd_render, "render a view to PNG, SVG or PDF", "glassbox render VIEW [--model M] [--prompt TEXT] [--size WxH] [--scale S] [--presenter] [view options] --out FILE.png|.svg|.pdf\n\nViews: tokenization (--tokenizer T, --step N), embeddings (--tokenizer T, --ids 1,2,3, --token I, --pick ID[,ID]), positions (--dim D, --length N, --pair K, --token I); see docs/views.md"},
    {"tokenize", gb_cmd_tokenize, "show how text becomes token ids, step by step",
     "usage: glassbox tokenize --tokenizer T [--steps] [--format ids|json] (TEXT | -)\n\n"
     "  --tokenizer T   a folder or file: tokenizer.bin (llama2.c), encoder.json + vocab.bpe or\n"
     "                  vocab.json + merges.txt (GPT-2 BPE), or a glassbox char/word .json\n"
     "  --format ids    the ids the model is fed, space separated on one line (default)\n"
     "  --format json   the whole record: pieces, starting symbols, every merge, final tokens\n"
     "  --steps         the merge replay, explained step by step\n"
     "  TEXT            the text; - reads it from standard input, byte for byte\n\n"
     "llama2.c adds BOS and a leading space as run.c does; GPT-2 adds nothing."},
    {"generate", gb_cmd_generate, "generate text: prompt and completion on stdout, statistics on stderr",
     "usage: glassbox generate --model M [--tokenizer T] [--prompt TEXT] [--max-new-tokens N]\n"
     "                         [--temperature X] [--top-k K] [--top-p P] [--seed S] [--trace OUT.safetensors]\n\n"
     "  --temperature X  [0, 1000], 0 = greedy (default 1)   --top-k K  0 = off (default)\n"
     "  --top-p P        (0, 1], 1 = off (default)           --seed S   default 0\n"
     "  --max-new-tokens N  default: as many as fit in the context, at most 256\n"
     "  --trace OUT      every step's logits and distributions + the JSON record (docs/sampling.md)\n\n"
     "Stops at the tokenizer's BOS/EOS. With --temperature 0 on a llama2.c model the text equals run.c's."},
    {"compare", gb_cmd_compare, "run several sampling strategies on one prompt and seed, side by side",
     "usage: glassbox compare --model M [--tokenizer T] --prompt TEXT [--seed S] [--strategies LIST]\n"
     "                        [--max-new-tokens N] [--out FILE.json]\n\n"
     "  --strategies LIST  comma-separated; each is greedy, random, top-k=K, top-p=P, t=X (temperature),\n"
     "                     or several joined with ':' (default greedy,top-k=40,top-p=0.9,t=1.5)\n"
     "  --max-new-tokens N default 32\n\n"
     "Also: glassbox export distribution ... --out FILE.json|.csv for one decision in full."},
    {"trace", gb_cmd_trace, "run a model once and write the whole recording (.safetensors or .json)",
     "glassbox trace --model M (--ids 1,2,3 | --prompt TEXT) [--target-ids 1,2,3]\n"
     "               --out FILE.safetensors|FILE.json [--hooks PATTERN]\n\n"
     "Records every tensor named in docs/recording.md (or those PATTERN selects, e.g.\n"
     "'blocks.*.attn.hook_pattern,logits'). Attention patterns are [heads, query, key]."},
    {"export", gb_cmd_export, "write attention, embeddings or positions to .npy/.safetensors/.csv/.json/.tsv", "glassbox export attention --model M (--prompt TEXT | --ids 1,2,3) [--target TEXT | --target-ids 1,2] [--layer L] [--head H] --out FILE\nglassbox export embeddings --model M [--tokenizer T] [--prompt TEXT | --ids ...] [--layer L] [--project pca3] --out FILE\nglassbox export positions --model M [--length N] --out FILE\nglassbox export distribution --model M [--tokenizer T] --prompt TEXT [--temperature X] [--top-k K] [--top-p P] [--seed S] --out FILE.json|.csv\nThe format follows the extension of --out (docs/exports.md)."},
    {"neighbors", gb_cmd_neighbors, "the nearest tokens to a word in the embedding table", "glassbox neighbors --model M [--tokenizer T] [--metric cosine|euclidean] [-k N] (WORD | --id N)\nPrints id<TAB>token<TAB>score, nearest first."},
    {"similarity", gb_cmd_similarity, "cosine, angle in degrees and distance between two words", "glassbox similarity --model M [--tokenizer T] [--ids] A B"},
    {"analogy", gb_cmd_analogy, "A - B + C: the tokens nearest to the analogy vector", "glassbox analogy --model M [--tokenizer T] [--metric cosine|euclidean] [-k N] [--ids] A B C\nking man woman -> queen: A is to B as ? is to C."},
    {"corpus", gb_cmd_corpus, "write train/validation corpora from a grammar (data/grammars)", "glassbox corpus --grammar FILE [--task lm|translate|sentiment|all] [--start RULE]\n                [--count N] [--seed S] [--valid X] [--out DIR] [--stats] [--sample N] [--next TEXT]\nFiles: lm train.txt valid.txt; translate train.fr-en.tsv valid.fr-en.tsv (fr<TAB>en);\nsentiment train.sentiment.tsv valid.sentiment.tsv (label<TAB>en). See docs/corpus.md."},
    {"bench", gb_cmd_bench, "measure speed against baselines in the same run (table, --json)",
     "glassbox bench [--only AREA] [--quick] [--threads N] [--json FILE] [--data FIXTURES_DIR]"},
    {"train", gb_cmd_train, "train a model on your own text (lm, translate, classify), resumable", "glassbox train --corpus FILE [--task lm|translate|classify] [--tokenizer char|word|bpe|PATH] [--out M.safetensors]\n  [--valid FILE] [--steps N] [--batch N] [--lr X] [--d-model N] [--heads N] [--layers N] [--context N] [--seed S] ...\nCtrl-C writes a checkpoint; run the same command again to continue. See 'glassbox train --help' and docs/training.md."},
    {"eval", gb_cmd_eval, "metrics of a trained model on held-out data (name: value lines)", "glassbox eval --model M [--data FILE]\n  decoder: valid_loss, perplexity, next_token_accuracy; encoder-decoder: exact_match (greedy);\n  encoder: accuracy and accuracy_negation. The data defaults to the file the model names."},
    {"lesson", gb_cmd_lesson, "check a lesson's claims against the models, or print its handout", "glassbox lesson FILE... --check\nglassbox lesson FILE --handout OUT.pdf\nFormat: lessons/README.md. Open a lesson in the viewer with glassbox view --lesson FILE."},
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
