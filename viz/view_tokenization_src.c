/* view_tokenization_src.c - tokenizers to compare and prompt ids for the
 * views (see view_tokenization.h). */
#define _DEFAULT_SOURCE 1 /* realpath */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "text.h"
#include "view_tokenization.h"

static bool exists(const char *p) {
    struct stat st;
    return p && *p && stat(p, &st) == 0;
}

static void add(gb_tok_catalog *cat, const char *name, const char *path, int built) {
    char shown[96];
    snprintf(shown, sizeof shown, "%s", name);
    char *suffix = strstr(shown, ".tokenizer.json"); /* "classroom.tokenizer.json" is "classroom" */
    if (suffix && suffix[15] == '\0' && suffix > shown) *suffix = '\0';
    name = shown;
    if (cat->n >= GB_TOK_CHOICES) return;
    char real[PATH_MAX];
    if (path && realpath(path, real)) path = real; /* one entry per file, however it was named */
    for (int i = 0; i < cat->n; i++)
        if (!built && !cat->c[i].built && strcmp(cat->c[i].path, path) == 0) return;
    gb_tok_choice *c = &cat->c[cat->n++];
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    snprintf(c->path, sizeof c->path, "%s", path ? path : "");
    c->built = built;
}

/* The folder a bundled relative path lives in: gb_find_bundled finds files,
 * so ask for one we know and strip it. */
static char *bundled_dir(const char *known_file, const char *strip_to) {
    char *p = gb_find_bundled(known_file);
    if (!p) return NULL;
    size_t n = strlen(p), k = strlen(strip_to);
    if (n >= k) p[n - k] = '\0';
    return p;
}

static const char *last_part(const char *p) {
    const char *s = strrchr(p, '/');
    return s && s[1] ? s + 1 : p;
}

/* Entries under data/models and data/tokenizers that look like tokenizers. */
static void add_bundled(gb_tok_catalog *cat, const char *data_dir) {
    static const char *const sub[] = {"models", "tokenizers"};
    for (int s = 0; s < 2; s++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/%s", data_dir, sub[s]);
        DIR *d = opendir(dir);
        if (!d) continue;
        struct dirent *e;
        char names[32][256];
        int n = 0;
        while ((e = readdir(d)) && n < 32) {
            const char *nm = e->d_name;
            size_t L = strlen(nm);
            if (nm[0] == '.' || L >= 256) continue;
            bool json = L > 5 && strcmp(nm + L - 5, ".json") == 0 && strstr(nm, "token");
            bool bin = L > 4 && strcmp(nm + L - 4, ".bin") == 0 && strstr(nm, "tok");
            char full[1400];
            snprintf(full, sizeof full, "%s/%s", dir, nm);
            struct stat st;
            bool folder = stat(full, &st) == 0 && S_ISDIR(st.st_mode);
            if (json || bin || folder) snprintf(names[n++], 256, "%s", nm);
        }
        closedir(d);
        qsort(names, (size_t)n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
        for (int i = 0; i < n; i++) {
            char full[1400];
            snprintf(full, sizeof full, "%s/%s", dir, names[i]);
            add(cat, names[i], full, 0);
        }
    }
}

void gb_tok_catalog_find(gb_tok_catalog *cat, const char *own) {
    memset(cat, 0, sizeof *cat);
    if (own && *own) add(cat, last_part(own), own, 0);
    char *fx = bundled_dir("../tests/fixtures/gpt2_bpe/encoder.json", "/encoder.json");
    if (fx && exists(fx)) add(cat, "gpt2_bpe", fx, 0);
    free(fx);
    fx = gb_find_bundled("../tests/fixtures/llama2c_stories260K/tok512.bin");
    if (fx) add(cat, "tok512.bin", fx, 0);
    free(fx);
    add(cat, "characters of the text", NULL, GB_TOK_CHAR + 1);
    add(cat, "words of the text", NULL, GB_TOK_WORD + 1);
    char *data = bundled_dir("grammars/classroom.grammar", "/grammars/classroom.grammar");
    if (data) add_bundled(cat, data);
    free(data);
}

void gb_tok_catalog_load(gb_tok_catalog *cat) {
    for (int i = 0; i < cat->n; i++) {
        gb_tok_choice *c = &cat->c[i];
        if (c->built || c->tok || c->error[0]) continue;
        gb_error err = {0};
        if (gb_tokenizer_load(c->path, &c->tok, &err)) {
            snprintf(c->error, sizeof c->error, "%s", err.msg);
            c->tok = NULL;
        }
    }
}

void gb_tok_catalog_free(gb_tok_catalog *cat) {
    for (int i = 0; i < cat->n; i++)
        if (cat->c[i].tok) gb_tokenizer_free(cat->c[i].tok);
    memset(cat, 0, sizeof *cat);
}

void gb_tok_catalog_move(gb_tok_catalog *dst, gb_tok_catalog *src) {
    for (int i = 0; i < dst->n && i < src->n; i++) {
        if (strcmp(dst->c[i].path, src->c[i].path) != 0 || dst->c[i].built != src->c[i].built) continue;
        if (!dst->c[i].tok && src->c[i].tok) dst->c[i].tok = src->c[i].tok, src->c[i].tok = NULL;
        if (!dst->c[i].error[0] && strcmp(src->c[i].error, "-") != 0) memcpy(dst->c[i].error, src->c[i].error, sizeof dst->c[i].error);
    }
}

long gb_utf8_bad_offset(const char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        int k = gb_utf8_seq_len((const unsigned char *)s + i, n - i);
        if (k <= 0) return (long)i;
        i += (size_t)k;
    }
    return -1;
}

void gb_prompt_ids_free(gb_prompt_ids *p) {
    free(p->ids);
    p->ids = NULL;
    p->n = 0;
}

static bool check_ids(gb_prompt_ids *out, const gb_model *m, const char *what) {
    if (out->n == 0) {
        snprintf(out->problem, sizeof out->problem, "The prompt gives no tokens: type some text.");
        return false;
    }
    if (!m) return true;
    for (int i = 0; i < out->n; i++)
        if (out->ids[i] < 0 || out->ids[i] >= m->cfg.vocab_size) {
            snprintf(out->problem, sizeof out->problem,
                     "Token %d of the input is id %d, outside the model's vocabulary of %d.", i + 1,
                     out->ids[i], m->cfg.vocab_size);
            return false;
        }
    if (out->n > m->cfg.max_seq) {
        snprintf(out->problem, sizeof out->problem,
                 "The %s is %d tokens long, but this model reads at most %d (its context). "
                 "Shorten the %s.", what, out->n, m->cfg.max_seq, what);
        return false;
    }
    return true;
}

bool gb_prompt_ids_make(gb_prompt_ids *out, const gb_model *m, const gb_tokenizer *tok,
                        const char *prompt, const char *ids_arg) {
    memset(out, 0, sizeof *out);
    gb_error err = {0};
    if (ids_arg) {
        if (gb_cli_parse_ids("--ids", ids_arg, &out->ids, &out->n, &err)) {
            snprintf(out->problem, sizeof out->problem, "%s", err.msg);
            return false;
        }
        return check_ids(out, m, "input");
    }
    const char *p = prompt ? prompt : "";
    long bad = gb_utf8_bad_offset(p, strlen(p));
    if (bad >= 0) {
        snprintf(out->problem, sizeof out->problem, "The prompt is not valid UTF-8 (byte %ld).", bad);
        return false;
    }
    if (!tok) {
        snprintf(out->problem, sizeof out->problem,
                 "No tokenizer for this model: give one with --tokenizer, or token ids with --ids 1,2,3.");
        return false;
    }
    if (gb_tokenizer_encode(tok, p, strlen(p), true, &out->ids, &out->n, NULL, &err)) {
        snprintf(out->problem, sizeof out->problem, "%s", err.msg);
        out->ids = NULL, out->n = 0;
        return false;
    }
    return check_ids(out, m, "prompt");
}

gb_tokenizer *gb_view_tokenizer_for(const gb_model *m, const char *override, gb_error *err) {
    const char *path = override ? override : m ? m->tokenizer_ref : NULL;
    if (!path) {
        gb_fail(err, GB_ERR_INPUT, "the model names no tokenizer");
        return NULL;
    }
    gb_tokenizer *t = NULL;
    if (gb_tokenizer_load(path, &t, err)) return NULL;
    if (m && gb_tokenizer_vocab_size(t) > m->cfg.vocab_size) {
        gb_fail(err, GB_ERR_INPUT, "%s: %d tokens, more than the model's vocabulary of %d", path,
                gb_tokenizer_vocab_size(t), m->cfg.vocab_size);
        gb_tokenizer_free(t);
        return NULL;
    }
    return t;
}

void gb_view_token_label(const gb_tokenizer *tok, int id, char *buf, size_t cap) {
    if (tok && id >= 0 && id < gb_tokenizer_vocab_size(tok)) gb_tokenizer_label(tok, id, buf, cap);
    else snprintf(buf, cap, "#%d", id);
}

int gb_view_default_token(const gb_tokenizer *tok, const int *ids, int n) {
    for (int i = n - 1; i >= 0 && tok; i--) {
        size_t len = 0;
        const char *piece = gb_tokenizer_piece(tok, ids[i], &len);
        for (size_t k = 0; piece && k < len; k++) {
            unsigned char c = (unsigned char)piece[k];
            if ((c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z') || c >= 0x80) return i;
        }
    }
    return n - 1;
}
