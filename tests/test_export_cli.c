/* test_export_cli.c - `glassbox export`, `neighbors`, `similarity`, `analogy`
 * end to end: files equal the model's own numbers, answers equal brute force,
 * and bad input gets one line, exit status 2 and no file. */
#include "gbtest.h"

#include <dirent.h>
#include <jansson.h>
#include <math.h>

#include "glassbox/analysis.h"
#include "glassbox/export.h"
#include "glassbox/forward.h"
#include "glassbox/model.h"
#include "glassbox/platform.h"
#include "glassbox/tokenizer.h"

#define GPT2 "gpt2_tiny_random"
#define L2C "llama2c_stories260K/stories260K.bin"
#define L2C_TOK "llama2c_stories260K/tok512.bin"

static char *fx(const char *rel) { return strdup(gbt_fixture(rel)); }

static gb_model *load(const char *rel) {
    gb_model *m = NULL;
    gb_error err = {0};
    char *p = fx(rel);
    gbt_assert_ok(gb_model_load(p, &m, &err), &err);
    free(p);
    return m;
}

/* Run glassbox; expect `want` as exit status; return stdout (caller frees). */
static char *run(int want, char **errout, const char *const *args) {
    char *out = NULL, *e = NULL;
    int rc = gbt_run(NULL, 0, &out, NULL, &e, args);
    if (rc != want) fail_msg("exit %d (want %d); stderr: %s", rc, want, e);
    if (errout) *errout = e;
    else free(e);
    return out;
}

/* A failure message is one line starting "glassbox: ". */
static void assert_one_line(const char *e) {
    assert_true(strncmp(e, "glassbox: ", 10) == 0);
    const char *nl = strchr(e, '\n');
    assert_non_null(nl);
    assert_int_equal(nl[1], '\0');
    printf("  %s", e);
}

static int entries_with_prefix(const char *prefix) {
    DIR *dp = opendir(gbt_tmpdir());
    int n = 0;
    struct dirent *de;
    while (dp && (de = readdir(dp)))
        if (strncmp(de->d_name, prefix, strlen(prefix)) == 0) n++;
    if (dp) closedir(dp);
    return n;
}

/* The token table export is the model's embed.weight, bit for bit (NPY and safetensors). */
static void test_token_table_equals_weights(void **state) {
    (void)state;
    char *model = fx(GPT2);
    const char *npy = gbt_tmp("table.npy"), *st = gbt_tmp("table.safetensors");
    free(run(0, NULL, (const char *const[]){"export", "embeddings", "--model", model, "--out", npy, NULL}));
    free(run(0, NULL, (const char *const[]){"export", "embeddings", "--model", model, "--out", st, NULL}));
    gb_model *m = load(GPT2);
    gb_error err = {0};
    float *x;
    int nd;
    int64_t sh[4];
    gbt_assert_ok(gb_npy_read(npy, &x, &nd, sh, &err), &err);
    assert_int_equal(nd, 2);
    assert_int_equal(sh[0], m->cfg.vocab_size);
    assert_int_equal(sh[1], m->cfg.d_model);
    assert_memory_equal(x, m->w.embed, sizeof(float) * (size_t)sh[0] * (size_t)sh[1]);
    free(x);
    gb_st_contents sc;
    gbt_assert_ok(gb_st_contents_read(st, &sc, &err), &err);
    const gb_tensor *t = gb_st_contents_find(&sc, "embeddings");
    assert_non_null(t);
    assert_memory_equal(t->data, m->w.embed, sizeof(float) * (size_t)m->cfg.vocab_size * m->cfg.d_model);
    gb_st_contents_free(&sc);
    gb_model_free(m);
    free(model);
}

/* The projector pair of a llama2.c table: as many metadata lines as vectors (+ header). */
static void test_token_table_projector(void **state) {
    (void)state;
    char *model = fx(L2C), *tok = fx(L2C_TOK);
    const char *out = gbt_tmp("l_vectors.tsv");
    free(run(0, NULL, (const char *const[]){"export", "embeddings", "--model", model, "--tokenizer", tok,
                                            "--out", out, NULL}));
    gb_model *m = load(L2C);
    char *v, *md;
    size_t n;
    gb_error err = {0};
    gbt_assert_ok(gb_read_file(out, 1 << 26, &v, &n, &err), &err);
    gbt_assert_ok(gb_read_file(gbt_tmp("l_metadata.tsv"), 1 << 26, &md, &n, &err), &err);
    int vl = 0, ml = 0;
    for (char *p = v; *p; p++) vl += *p == '\n';
    for (char *p = md; *p; p++) ml += *p == '\n';
    assert_int_equal(vl, m->cfg.vocab_size);
    assert_int_equal(ml, m->cfg.vocab_size + 1);
    assert_true(strncmp(md, "token\tid\tkind\n", 14) == 0);
    /* the first vector parses back to row 0 exactly */
    char *end = v;
    for (int j = 0; j < m->cfg.d_model; j++) assert_true(strtof(end, &end) == m->w.embed[j]);
    free(v), free(md);
    gb_model_free(m);
    free(model), free(tok);
}

/* Attention NPY [L, H, T, T] equals the recording of the same forward pass in-process. */
static void test_attention_equals_forward(void **state) {
    (void)state;
    char *model = fx(GPT2);
    const char *out = gbt_tmp("att.npy");
    free(run(0, NULL, (const char *const[]){"export", "attention", "--model", model, "--ids", "3,1,4,1,5",
                                            "--out", out, NULL}));
    gb_model *m = load(GPT2);
    gb_error err = {0};
    gb_trace *tr = gb_trace_new("*hook_pattern", 5, &err);
    gb_state *st = gb_state_new(m, 5, &err);
    int ids[5] = {3, 1, 4, 1, 5};
    gbt_assert_ok(gb_forward_decoder(m, st, ids, 5, 0, &(gb_run_opts){.trace = tr}, &err), &err);
    float *x;
    int nd;
    int64_t sh[4];
    gbt_assert_ok(gb_npy_read(out, &x, &nd, sh, &err), &err);
    assert_int_equal(nd, 4);
    assert_true(sh[0] == m->cfg.n_layers && sh[1] == m->cfg.n_heads && sh[2] == 5 && sh[3] == 5);
    double worst = 0;
    for (int l = 0; l < m->cfg.n_layers; l++) {
        char name[64];
        snprintf(name, sizeof name, "blocks.%d.attn.hook_pattern", l);
        const gb_tensor *t = gb_trace_find(tr, name);
        assert_non_null(t);
        for (int h = 0; h < m->cfg.n_heads; h++)
            for (int q = 0; q < 5; q++)
                for (int k = 0; k < 5; k++)
                    worst = fmax(worst, fabs(x[((l * sh[1] + h) * 5 + q) * 5 + k] - gb_tensor_at3(t, h, q, k)));
    }
    printf("  largest difference file vs in-process: %g\n", worst);
    assert_true(worst == 0);
    free(x);
    gb_state_free(st);
    gb_trace_free(tr);
    gb_model_free(m);
    free(model);
}

/* One map as CSV: labelled by the tokens, rows sum to one. */
static void test_attention_csv_single_map(void **state) {
    (void)state;
    char *model = fx(L2C), *tok = fx(L2C_TOK);
    const char *out = gbt_tmp("one.csv");
    free(run(0, NULL, (const char *const[]){"export", "attention", "--model", model, "--tokenizer", tok,
                                            "--prompt", "Once upon a time", "--layer", "1", "--head", "2",
                                            "--out", out, NULL}));
    char *s;
    size_t n;
    gb_error err = {0};
    gbt_assert_ok(gb_read_file(out, 1 << 20, &s, &n, &err), &err);
    assert_true(strncmp(s, "query\\key,<s>,\xe2\x90\xa3Once,", 20) == 0);
    int rows = 0;
    for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n"), rows++) {
        if (rows == 0) continue;
        char *p = strchr(line, ',');
        double sum = 0;
        while (p) sum += strtod(p + 1, &p), p = strchr(p, ',');
        assert_true(fabs(sum - 1.0) < 1e-5);
    }
    assert_int_equal(rows, 6); /* header + <s> + 4 words */
    free(s);
    free(model), free(tok);
}

/* Positions export equals gb_position_encoding row by row. */
static void test_positions_export(void **state) {
    (void)state;
    char *model = fx(GPT2);
    const char *out = gbt_tmp("pos.npy");
    free(run(0, NULL, (const char *const[]){"export", "positions", "--model", model, "--length", "7", "--out",
                                            out, NULL}));
    gb_model *m = load(GPT2);
    float *x, row[1024];
    int nd;
    int64_t sh[4];
    gb_error err = {0};
    gbt_assert_ok(gb_npy_read(out, &x, &nd, sh, &err), &err);
    assert_true(nd == 2 && sh[0] == 7 && sh[1] == m->cfg.d_model);
    for (int p = 0; p < 7; p++) {
        assert_true(gb_position_encoding(m, p, row));
        assert_memory_equal(x + p * m->cfg.d_model, row, sizeof(float) * (size_t)m->cfg.d_model);
    }
    free(x);
    gb_model_free(m);
    free(model);
}

/* neighbors --id prints what a brute-force double computation over the table finds. */
static void test_neighbors_by_id(void **state) {
    (void)state;
    char *model = fx(GPT2);
    char *out = run(0, NULL, (const char *const[]){"neighbors", "--model", model, "--id", "17", "-k", "5", NULL});
    gb_model *m = load(GPT2);
    int V = m->cfg.vocab_size, d = m->cfg.d_model;
    double best[5] = {-2, -2, -2, -2, -2};
    int best_id[5] = {-1, -1, -1, -1, -1};
    for (int i = 0; i < V; i++) {
        if (i == 17) continue;
        double c = gb_cosine(m->w.embed + (size_t)i * d, m->w.embed + (size_t)17 * d, d);
        for (int j = 0; j < 5; j++)
            if (c > best[j]) {
                for (int t = 4; t > j; t--) best[t] = best[t - 1], best_id[t] = best_id[t - 1];
                best[j] = c, best_id[j] = i;
                break;
            }
    }
    char *line = out;
    for (int j = 0; j < 5; j++) {
        int id;
        char tok[64];
        double score;
        assert_int_equal(sscanf(line, "%d\t%63s\t%lf", &id, tok, &score), 3);
        assert_int_equal(id, best_id[j]);
        assert_true(fabs(score - best[j]) < 1e-6);
        line = strchr(line, '\n') + 1;
    }
    assert_int_equal(*line, '\0');
    free(out);
    gb_model_free(m);
    free(model);
}

/* similarity of two words prints cosine, angle and distance of their rows. */
static void test_similarity_words(void **state) {
    (void)state;
    char *model = fx(L2C), *tokp = fx(L2C_TOK);
    char *out = run(0, NULL, (const char *const[]){"similarity", "--model", model, "--tokenizer", tokp, "the",
                                                   "was", NULL});
    gb_model *m = load(L2C);
    gb_tokenizer *tok;
    gb_error err = {0};
    gbt_assert_ok(gb_tokenizer_load(tokp, &tok, &err), &err);
    int a = gb_tokenizer_lookup(tok, " the"), b = gb_tokenizer_lookup(tok, " was");
    assert_true(a >= 0 && b >= 0);
    int d = m->cfg.d_model;
    const float *x = m->w.embed + (size_t)a * d, *y = m->w.embed + (size_t)b * d;
    double cs, ang, dist;
    assert_int_equal(sscanf(out, "cosine\t%lf\nangle_degrees\t%lf\neuclidean\t%lf", &cs, &ang, &dist), 3);
    printf("  cosine %.6f angle %.4f distance %.6f\n", cs, ang, dist);
    assert_true(fabs(cs - gb_cosine(x, y, d)) < 1e-6);
    assert_true(fabs(ang - gb_angle_deg(x, y, d)) < 1e-4);
    assert_true(fabs(dist - gb_euclidean(x, y, d)) < 1e-6);
    free(out);
    gb_tokenizer_free(tok);
    gb_model_free(m);
    free(model), free(tokp);
}

/* analogy excludes its three inputs and ranks like gb_analogy. */
static void test_analogy_ids(void **state) {
    (void)state;
    char *model = fx(GPT2);
    char *out = run(0, NULL, (const char *const[]){"analogy", "--model", model, "--ids", "10", "20", "30", "-k",
                                                   "4", NULL});
    gb_model *m = load(GPT2);
    gb_vindex ix;
    gb_error err = {0};
    gbt_assert_ok(gb_vindex_build(&ix, m->w.embed, m->cfg.vocab_size, m->cfg.d_model, &err), &err);
    gb_neighbor nb[4];
    assert_int_equal(gb_analogy(&ix, 10, 20, 30, GB_METRIC_COSINE, 4, nb, NULL, &err), 4);
    char *line = out;
    for (int j = 0; j < 4; j++) {
        int id = atoi(line);
        assert_int_equal(id, nb[j].id);
        assert_true(id != 10 && id != 20 && id != 30);
        line = strchr(line, '\n') + 1;
    }
    gb_vindex_free(&ix);
    free(out);
    gb_model_free(m);
    free(model);
}

/* Bad input: one line, exit 2, no output file. */
static void test_bad_input(void **state) {
    (void)state;
    char *g = fx(GPT2), *l = fx(L2C), *t = fx(L2C_TOK);
    const char *out = gbt_tmp("bad_out.csv");
    char *e;
    free(run(2, &e, (const char *const[]){"export", "attention", "--model", g, "--ids", "1,2", "--layer", "9",
                                          "--out", out, NULL}));
    assert_non_null(strstr(e, "--layer 9"));
    assert_one_line(e), free(e);
    free(run(2, &e, (const char *const[]){"export", "attention", "--model", g, "--ids", "1,2", "--head", "4",
                                          "--out", out, NULL}));
    assert_non_null(strstr(e, "--head 4"));
    assert_one_line(e), free(e);
    free(run(2, &e, (const char *const[]){"export", "attention", "--model", g, "--ids", "1,99999", "--out", out,
                                          NULL}));
    assert_one_line(e), free(e);
    free(run(2, &e, (const char *const[]){"export", "embeddings", "--model", l, "--tokenizer", t, "--prompt",
                                          "hi", "--layer", "5", "--out", out, NULL}));
    assert_one_line(e), free(e);
    free(run(2, &e, (const char *const[]){"export", "positions", "--model", l, "--out", out, NULL}));
    assert_non_null(strstr(e, "rope"));
    assert_one_line(e), free(e);
    free(run(2, &e, (const char *const[]){"export", "embeddings", "--model", g, "--out", "/nonexistent-dir/x.tsv",
                                          NULL}));
    assert_non_null(strstr(e, "/nonexistent-dir/x"));
    assert_one_line(e), free(e);
    free(run(2, &e, (const char *const[]){"export", "embeddings", "--model", g, "--out", gbt_tmp("bad_out.xlsx"),
                                          NULL}));
    assert_one_line(e), free(e);
    free(run(2, &e, (const char *const[]){"neighbors", "--model", g, "--id", "512", NULL}));
    assert_one_line(e), free(e);
    free(run(2, &e, (const char *const[]){"neighbors", "--model", g, "king", NULL}));
    assert_non_null(strstr(e, "tokenizer"));
    assert_one_line(e), free(e);
    assert_int_equal(entries_with_prefix("bad_out"), 0);
    free(g), free(l), free(t);
}

/* A word that is several tokens: the split and the nearest single tokens are shown. */
static void test_word_split_and_suggestions(void **state) {
    (void)state;
    char *l = fx(L2C), *t = fx(L2C_TOK), *e;
    free(run(2, &e, (const char *const[]){"neighbors", "--model", l, "--tokenizer", t, "elephant", NULL}));
    assert_non_null(strstr(e, "'elephant' is "));
    assert_non_null(strstr(e, "tokens here ("));
    assert_non_null(strstr(e, "nearest single tokens: \""));
    assert_one_line(e), free(e);
    /* a word that is one token works, and is excluded from its own neighbours */
    char *out = run(0, &e, (const char *const[]){"neighbors", "--model", l, "--tokenizer", t, "the", "-k", "3",
                                                 NULL});
    assert_non_null(strstr(e, "(id "));
    int id = atoi(strstr(e, "(id ") + 4);
    for (char *line = out; *line; line = strchr(line, '\n') + 1) assert_int_not_equal(atoi(line), id);
    free(out), free(e);
    free(l), free(t);
}

/* An unwritable output leaves an existing file untouched. */
static void test_existing_file_survives_failure(void **state) {
    (void)state;
    char *g = fx(GPT2);
    const char *out = gbt_tmp("keep.json");
    gb_error err = {0};
    gbt_assert_ok(gb_write_file_atomic(out, "old", 3, &err), &err);
    free(run(2, NULL, (const char *const[]){"export", "attention", "--model", g, "--ids", "1,2", "--layer", "7",
                                            "--out", out, NULL}));
    char *s;
    size_t n;
    gbt_assert_ok(gb_read_file(out, 100, &s, &n, &err), &err);
    assert_string_equal(s, "old");
    free(s);
    free(g);
}


/* Encoder-decoder: all three kinds of map in safetensors, with the right shapes
 * and token axes; NPY refuses maps of different shapes; sinusoidal positions
 * export as the paper's formula. */
static void test_encdec_attention(void **state) {
    (void)state;
    gb_config c;
    gb_config_defaults(&c, GB_ARCH_ENCDEC);
    c.vocab_size = 40, c.d_model = 16, c.n_layers = 2, c.n_enc_layers = 1, c.n_heads = 2, c.n_kv_heads = 2;
    c.d_head = 8, c.d_ff = 32, c.max_seq = 16, c.pos = GB_POS_SINUSOIDAL;
    gb_model *m;
    gb_error err = {0};
    gbt_assert_ok(gb_model_create(&c, &m, &err), &err);
    gb_model_init_random(m, 7, 0.5f);
    const char *path = gbt_tmp("encdec.safetensors");
    gbt_assert_ok(gb_model_save(m, path, NULL, &err), &err);
    gb_model_free(m);
    const char *out = gbt_tmp("ed.safetensors");
    free(run(0, NULL, (const char *const[]){"export", "attention", "--model", path, "--ids", "5,6,7",
                                            "--target-ids", "1,2", "--out", out, NULL}));
    gb_st_contents sc;
    gbt_assert_ok(gb_st_contents_read(out, &sc, &err), &err);
    const gb_tensor *e = gb_st_contents_find(&sc, "encoder.blocks.0.attn.hook_pattern");
    const gb_tensor *d = gb_st_contents_find(&sc, "blocks.1.attn.hook_pattern");
    const gb_tensor *x = gb_st_contents_find(&sc, "blocks.1.cross_attn.hook_pattern");
    assert_true(e && d && x);
    assert_true(e->shape[0] == 2 && e->shape[1] == 3 && e->shape[2] == 3);
    assert_true(d->shape[1] == 2 && d->shape[2] == 2);
    assert_true(x->shape[1] == 2 && x->shape[2] == 3);
    assert_string_equal(gb_st_contents_meta(&sc, "blocks.1.cross_attn.key_tokens"), "[\"#5\",\"#6\",\"#7\"]");
    /* the encoder sees every position: its first query attends beyond itself */
    assert_true(e->data[1] > 0);
    gb_st_contents_free(&sc);
    char *er;
    free(run(2, &er, (const char *const[]){"export", "attention", "--model", path, "--ids", "5,6,7",
                                           "--target-ids", "1,2", "--out", gbt_tmp("ed_bad.npy"), NULL}));
    assert_non_null(strstr(er, "differ in shape"));
    assert_one_line(er), free(er);
    assert_int_equal(entries_with_prefix("ed_bad"), 0);
    free(run(0, NULL, (const char *const[]){"export", "positions", "--model", path, "--length", "3", "--out",
                                            gbt_tmp("sin.npy"), NULL}));
    float *p;
    int nd;
    int64_t sh[4];
    gbt_assert_ok(gb_npy_read(gbt_tmp("sin.npy"), &p, &nd, sh, &err), &err);
    assert_true(nd == 2 && sh[0] == 3 && sh[1] == 16);
    /* PE(2, 2i) = sin(2 / 10000^(2i/d)), PE(2, 2i+1) = cos(...) */
    double worst = 0;
    for (int i = 0; i < 8; i++) {
        double a = 2.0 / pow(10000.0, 2.0 * i / 16);
        worst = fmax(worst, fabs(p[32 + 2 * i] - sin(a)));
        worst = fmax(worst, fabs(p[32 + 2 * i + 1] - cos(a)));
    }
    printf("  sinusoidal row 2 vs formula: %.3g\n", worst);
    assert_true(worst < 1e-6);
    free(p);
    /* encoder vectors of the prompt */
    free(run(0, NULL, (const char *const[]){"export", "embeddings", "--model", path, "--ids", "5,6,7", "--layer",
                                            "0", "--out", gbt_tmp("enc.npy"), NULL}));
    gbt_assert_ok(gb_npy_read(gbt_tmp("enc.npy"), &p, &nd, sh, &err), &err);
    assert_true(nd == 2 && sh[0] == 3 && sh[1] == 16);
    free(p);
}

/* Save a random decoder whose vocabulary matches tok, naming tok_ref as its tokenizer. */
static void save_model_for(const char *path, int vocab, const char *tok_ref) {
    gb_config c;
    gb_config_defaults(&c, GB_ARCH_DECODER);
    c.vocab_size = vocab, c.d_model = 8, c.n_layers = 1, c.n_heads = 2, c.n_kv_heads = 2, c.d_head = 4;
    c.d_ff = 16, c.max_seq = 16;
    gb_model *m;
    gb_error err = {0};
    gbt_assert_ok(gb_model_create(&c, &m, &err), &err);
    gb_model_init_random(m, 11, 1.0f);
    gbt_assert_ok(gb_model_save(m, path, tok_ref, &err), &err);
    gb_model_free(m);
}

/* GPT-2 BPE: a word is looked up in its in-sentence form (" king" = Ġking);
 * a misspelling is refused with its split and the nearest whole tokens. */
static void test_gpt2_words(void **state) {
    (void)state;
    char *tokp = fx("gpt2_bpe");
    gb_tokenizer *tok;
    gb_error err = {0};
    gbt_assert_ok(gb_tokenizer_load(tokp, &tok, &err), &err);
    const char *model = gbt_tmp("gpt2_random.safetensors");
    save_model_for(model, gb_tokenizer_vocab_size(tok), tokp);
    char *e, *out = run(0, &e, (const char *const[]){"neighbors", "--model", model, "king", "-k", "3", NULL});
    char want[64];
    snprintf(want, sizeof want, "(id %d)", gb_tokenizer_lookup(tok, "\xc4\xa0king"));
    printf("  %s", e);
    assert_non_null(strstr(e, want));
    free(out), free(e);
    free(run(2, &e, (const char *const[]){"similarity", "--model", model, "kingg", "queen", NULL}));
    assert_non_null(strstr(e, "'kingg' is 2 tokens here"));
    assert_non_null(strstr(e, "\"\xe2\x90\xa3king\"")); /* suggested: ␣king */
    assert_one_line(e), free(e);
    gb_tokenizer_free(tok);
    free(tokp);
}

/* A word tokenizer: a word outside the vocabulary is unknown, with suggestions. */
static void test_unknown_word(void **state) {
    (void)state;
    const char *corpus = "the cat sat on the mat . the dog sat on the log .";
    gb_vocab_opts o;
    gb_vocab_opts_default(&o);
    gb_tokenizer *tok;
    gb_error err = {0};
    gbt_assert_ok(gb_tokenizer_build(GB_TOK_WORD, corpus, strlen(corpus), &o, &tok, &err), &err);
    const char *tp = gbt_tmp("words.json"), *model = gbt_tmp("words.safetensors");
    gbt_assert_ok(gb_tokenizer_save(tok, tp, &err), &err);
    save_model_for(model, gb_tokenizer_vocab_size(tok), tp);
    char *e;
    free(run(2, &e, (const char *const[]){"neighbors", "--model", model, "--tokenizer", tp, "cot", NULL}));
    assert_non_null(strstr(e, "'cot' is not in the vocabulary"));
    assert_non_null(strstr(e, "\"cat\""));
    assert_one_line(e), free(e);
    char *out = run(0, NULL, (const char *const[]){"neighbors", "--model", model, "--tokenizer", tp, "dog", "-k",
                                                   "2", NULL});
    int lines = 0;
    for (char *p = out; *p; p++) lines += *p == '\n';
    assert_int_equal(lines, 2);
    free(out);
    gb_tokenizer_free(tok);
}

/* `export distribution` is dispatched to the sampler's exporter. */
static void test_distribution_dispatch(void **state) {
    (void)state;
    char *l = fx(L2C), *t = fx(L2C_TOK);
    const char *out = gbt_tmp("dist.json");
    free(run(0, NULL, (const char *const[]){"export", "distribution", "--model", l, "--tokenizer", t, "--prompt",
                                            "Once upon", "--out", out, NULL}));
    json_t *root = json_load_file(out, JSON_ALLOW_NUL, NULL); /* token texts may hold "\u0000" */
    assert_non_null(root);
    assert_true(json_is_integer(json_object_get(root, "chosen")));
    json_decref(root);
    free(l), free(t);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_table_equals_weights),
        cmocka_unit_test(test_token_table_projector),
        cmocka_unit_test(test_attention_equals_forward),
        cmocka_unit_test(test_attention_csv_single_map),
        cmocka_unit_test(test_positions_export),
        cmocka_unit_test(test_neighbors_by_id),
        cmocka_unit_test(test_similarity_words),
        cmocka_unit_test(test_analogy_ids),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_word_split_and_suggestions),
        cmocka_unit_test(test_existing_file_survives_failure),
        cmocka_unit_test(test_encdec_attention),
        cmocka_unit_test(test_gpt2_words),
        cmocka_unit_test(test_unknown_word),
        cmocka_unit_test(test_distribution_dispatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
