/* test_model_io.c - model files: native round trips for every family, the three
 * fixture checkpoints (Hugging Face GPT-2, llama2.c shared and separate
 * classifier), prefixed GPT-2 files, config JSON and bundled-model lookup. */
#include "gbtest.h"

#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "glassbox/model.h"
#include "glassbox/safetensors.h"

/* ---- helpers ---- */

static gb_model *load_ok(const char *spec) {
    gb_error err = {0};
    gb_model *m = NULL;
    gbt_assert_ok(gb_model_load(spec, &m, &err), &err);
    assert_non_null(m);
    return m;
}

/* Every parameter of a and b has the same name, shape and bits. */
static void assert_models_identical(const gb_model *a, const gb_model *b) {
    assert_int_equal(a->n_table, b->n_table);
    assert_int_equal(a->n_params, b->n_params);
    for (int i = 0; i < a->n_table; i++) {
        const gb_param *p = &a->table[i], *q = &b->table[i];
        assert_string_equal(p->name, q->name);
        assert_int_equal(p->ndim, q->ndim);
        assert_int_equal(p->shape[0], q->shape[0]);
        assert_int_equal(p->shape[1], q->shape[1]);
        if (memcmp(a->params + p->offset, b->params + q->offset, p->numel * sizeof(float)) != 0)
            fail_msg("tensor %s differs after the round trip", p->name);
    }
    assert_memory_equal(&a->cfg, &b->cfg, sizeof a->cfg);
}

static void round_trip(const gb_config *cfg, const char *file) {
    gb_error err = {0};
    gb_model *m = NULL;
    gbt_assert_ok(gb_model_create(cfg, &m, &err), &err);
    gb_model_init_random(m, 1234, 0.5f);
    /* Make norms and biases non-trivial too, so every tensor is tested. */
    for (size_t i = 0; i < m->n_params; i++) m->params[i] += 1e-3f * (float)(i % 97);
    const char *path = gbt_tmp(file);
    gbt_assert_ok(gb_model_save(m, path, NULL, &err), &err);
    gb_model *back = load_ok(path);
    assert_models_identical(m, back);
    assert_string_equal(back->source, path);
    assert_null(back->tokenizer_ref);
    gb_model_free(back);
    gb_model_free(m);
}

static gb_config small_config(gb_arch arch) {
    gb_config c;
    gb_config_defaults(&c, arch);
    c.vocab_size = 37;
    c.d_model = 16;
    c.n_layers = 2;
    c.n_heads = 4;
    c.n_kv_heads = 4;
    c.d_head = 4;
    c.d_ff = 24;
    c.max_seq = 12;
    return c;
}

/* ---- native round trips ---- */

/* A GPT-2-like decoder (learned positions, LayerNorm, biases) saves and loads bit-exactly. */
static void test_roundtrip_decoder_learned(void **state) {
    (void)state;
    gb_config c = small_config(GB_ARCH_DECODER);
    c.norm_eps = 1.2345678e-5f;
    round_trip(&c, "dec_learned.safetensors");
}

/* A paper-style decoder (sinusoidal, post-norm, ReLU, untied head, scaled embeddings). */
static void test_roundtrip_decoder_sinusoidal(void **state) {
    (void)state;
    gb_config c = small_config(GB_ARCH_DECODER);
    c.pos = GB_POS_SINUSOIDAL;
    c.pre_norm = 0;
    c.act = GB_ACT_RELU;
    c.tied_embeddings = 0;
    c.scale_embed = 1;
    round_trip(&c, "dec_sin.safetensors");
}

/* A Llama-style decoder (RoPE, RMSNorm, SwiGLU, GQA, no bias). */
static void test_roundtrip_decoder_rope(void **state) {
    (void)state;
    gb_config c = small_config(GB_ARCH_DECODER);
    c.pos = GB_POS_ROPE;
    c.norm = GB_NORM_RMSNORM;
    c.act = GB_ACT_SWIGLU;
    c.n_kv_heads = 2;
    c.bias = 0;
    c.rope_theta = 500000.0f;
    round_trip(&c, "dec_rope.safetensors");
}

/* An encoder with a classifier keeps its class labels. */
static void test_roundtrip_encoder_labels(void **state) {
    (void)state;
    gb_config c = small_config(GB_ARCH_ENCODER);
    c.act = GB_ACT_GELU;
    c.n_classes = 3;
    snprintf(c.class_labels[0], GB_MAX_LABEL, "negative");
    snprintf(c.class_labels[1], GB_MAX_LABEL, "neutral \"quoted\"");
    snprintf(c.class_labels[2], GB_MAX_LABEL, "positif é");
    round_trip(&c, "enc.safetensors");
}

/* An encoder-decoder (cross-attention, separate encoder stack). */
static void test_roundtrip_encdec(void **state) {
    (void)state;
    gb_config c = small_config(GB_ARCH_ENCDEC);
    c.pos = GB_POS_SINUSOIDAL;
    c.n_enc_layers = 3;
    round_trip(&c, "encdec.safetensors");
}

/* The native file is plain safetensors with the documented metadata keys. */
static void test_native_metadata(void **state) {
    (void)state;
    gb_error err = {0};
    gb_config c = small_config(GB_ARCH_DECODER);
    gb_model *m = NULL;
    gbt_assert_ok(gb_model_create(&c, &m, &err), &err);
    gb_model_init_random(m, 7, 0.02f);
    const char *path = gbt_tmp("meta.safetensors");
    gbt_assert_ok(gb_model_save(m, path, "some-bundled-tokenizer", &err), &err);
    gb_st_file f;
    gbt_assert_ok(gb_st_open(path, &f, &err), &err);
    assert_string_equal(gb_st_meta_get(&f, "format"), "pt");
    assert_string_equal(gb_st_meta_get(&f, "glassbox.tokenizer"), "some-bundled-tokenizer");
    const char *cj = gb_st_meta_get(&f, "glassbox.config");
    assert_non_null(cj);
    gb_config back;
    gbt_assert_ok(gb_config_from_json(cj, strlen(cj), &back, &err), &err);
    assert_memory_equal(&back, &c, sizeof c);
    assert_int_equal(f.n_tensors, m->n_table);
    const gb_st_tensor *t = gb_st_find(&f, "blocks.1.attn.q.weight");
    assert_non_null(t);
    assert_int_equal(t->ndim, 2);
    assert_int_equal(t->shape[0], 16);
    assert_int_equal(t->shape[1], 16);
    gb_st_close(&f);
    /* A tokenizer name that is no file stays verbatim on load. */
    gb_model *back_m = load_ok(path);
    assert_string_equal(back_m->tokenizer_ref, "some-bundled-tokenizer");
    gb_model_free(back_m);
    gb_model_free(m);
}

/* A tokenizer path is stored relative to the model's folder and resolved on load. */
static void test_tokenizer_reference_is_relative(void **state) {
    (void)state;
    gb_error err = {0};
    gb_config c = small_config(GB_ARCH_DECODER);
    gb_model *m = NULL;
    gbt_assert_ok(gb_model_create(&c, &m, &err), &err);
    mkdir(gbt_tmp("models"), 0755);
    mkdir(gbt_tmp("toks"), 0755);
    const char *tok = gbt_tmp("toks/tok.json");
    gbt_assert_ok(gb_write_file_atomic(tok, "{}", 2, &err), &err);
    const char *path = gbt_tmp("models/m.safetensors");
    gbt_assert_ok(gb_model_save(m, path, tok, &err), &err);
    gb_st_file f;
    gbt_assert_ok(gb_st_open(path, &f, &err), &err);
    assert_string_equal(gb_st_meta_get(&f, "glassbox.tokenizer"), "../toks/tok.json");
    gb_st_close(&f);
    gb_model *back = load_ok(path);
    assert_non_null(back->tokenizer_ref);
    struct stat a, b;
    assert_int_equal(stat(back->tokenizer_ref, &a), 0);
    assert_int_equal(stat(tok, &b), 0);
    assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
    gb_model_free(back);
    gb_model_free(m);
}

/* ---- config JSON ---- */

/* Unknown keys are ignored; missing ones take defaults; wrong types name the key. */
static void test_config_json_keys(void **state) {
    (void)state;
    gb_error err = {0};
    gb_config c;
    const char *ok = "{\"arch\":\"decoder\",\"vocab_size\":10,\"d_model\":8,\"n_layers\":1,\"n_heads\":2,"
                     "\"max_seq\":4,\"future_key\":[1,2]}";
    gbt_assert_ok(gb_config_from_json(ok, strlen(ok), &c, &err), &err);
    assert_int_equal(c.d_head, 4);
    assert_int_equal(c.n_kv_heads, 2);
    assert_int_equal(c.d_ff, 32);
    struct {
        const char *json, *want;
    } bad[] = {
        {"{\"vocab_size\":\"10\"}", "\"vocab_size\" must be an integer"},
        {"{\"vocab_size\":-3}", "\"vocab_size\" is -3, out of range"},
        {"{\"pos\":\"alibi\"}", "\"pos\" must be one of none, sinusoidal, learned, rope"},
        {"{\"bias\":\"yes\"}", "\"bias\" must be true or false"},
        {"{\"norm_eps\":\"small\"}", "\"norm_eps\" must be a finite number"},
        {"{\"vocab_size\":10,\"d_model\":8,\"n_layers\":1,\"n_heads\":3,\"n_kv_heads\":2,\"max_seq\":4}", "n_kv_heads 2 must divide n_heads 3"},
        {"{\"vocab_size\":10,\"d_model\":8,\"n_layers\":100,\"n_heads\":2,\"max_seq\":4}", "n_layers 100"},
        {"{\"arch\":\"encoder\",\"n_classes\":2,\"class_labels\":[\"a\"]}", "has 1 labels but n_classes is 2"},
        {"[1,2]", "not a JSON object"},
        {"{\"a\":", "not valid JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        gb_error_clear(&err);
        if (gb_config_from_json(bad[i].json, strlen(bad[i].json), &c, &err) != GB_ERR_INPUT)
            fail_msg("config %s was accepted", bad[i].json);
        if (!strstr(err.msg, bad[i].want)) fail_msg("config %s: message \"%s\" lacks \"%s\"", bad[i].json, err.msg, bad[i].want);
    }
}

/* Float settings come back bit-exactly from their short decimal form. */
static void test_config_json_floats_exact(void **state) {
    (void)state;
    gb_config c = small_config(GB_ARCH_DECODER);
    c.pos = GB_POS_ROPE;
    uint64_t s = 99;
    for (int i = 0; i < 5000; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        uint32_t bits = (uint32_t)(s >> 32);
        float u = (float)(bits >> 8) * 0x1p-24f; /* [0, 1) */
        c.norm_eps = u > 0 ? u * u * u : 1e-7f;
        c.rope_theta = 1.0f + 1e6f * u + (float)(bits & 255) * 1e-3f;
        char *j = gb_config_to_json(&c);
        gb_config back;
        gb_error err = {0};
        gbt_assert_ok(gb_config_from_json(j, strlen(j), &back, &err), &err);
        if (back.norm_eps != c.norm_eps || back.rope_theta != c.rope_theta)
            fail_msg("floats changed: %s (%.9g %.9g)", j, (double)c.norm_eps, (double)c.rope_theta);
        free(j);
    }
}

/* ---- Hugging Face GPT-2 ---- */

static void check_gpt2_tiny_config(const gb_model *m) {
    const gb_config *c = &m->cfg;
    assert_int_equal(c->arch, GB_ARCH_DECODER);
    assert_int_equal(c->vocab_size, 512);
    assert_int_equal(c->d_model, 64);
    assert_int_equal(c->n_layers, 2);
    assert_int_equal(c->n_heads, 4);
    assert_int_equal(c->n_kv_heads, 4);
    assert_int_equal(c->d_head, 16);
    assert_int_equal(c->d_ff, 256);
    assert_int_equal(c->max_seq, 64);
    assert_int_equal(c->pos, GB_POS_LEARNED);
    assert_int_equal(c->norm, GB_NORM_LAYERNORM);
    assert_int_equal(c->act, GB_ACT_GELU_TANH);
    assert_true(c->pre_norm && c->bias && c->tied_embeddings);
    assert_float_equal(c->norm_eps, 1e-5f, 0);
}

static float *read_raw(const gb_st_file *f, const char *name) {
    const gb_st_tensor *t = gb_st_find(f, name);
    if (!t) fail_msg("fixture has no %s", name);
    float *x = malloc(t->numel * sizeof *x);
    gb_st_read_f32_raw(f, t, x);
    return x;
}

/* The loaded weights equal the file's, with Conv1D weights split and transposed. */
static void check_gpt2_weights(gb_model *m, const char *st_path, const char *prefix) {
    gb_error err = {0};
    gb_st_file f;
    gbt_assert_ok(gb_st_open(st_path, &f, &err), &err);
    char nm[128];
    int d = 64, ff = 256;
    for (int l = 0; l < 2; l++) {
        snprintf(nm, sizeof nm, "%sh.%d.attn.c_attn.weight", prefix, l);
        float *qkv = read_raw(&f, nm); /* [d, 3d] */
        gb_attn_w *a = &m->w.blocks[l].attn;
        for (int o = 0; o < d; o++)
            for (int i = 0; i < d; i++) {
                assert_true(a->wq[o * d + i] == qkv[i * 3 * d + o]);
                assert_true(a->wk[o * d + i] == qkv[i * 3 * d + d + o]);
                assert_true(a->wv[o * d + i] == qkv[i * 3 * d + 2 * d + o]);
            }
        free(qkv);
        snprintf(nm, sizeof nm, "%sh.%d.attn.c_attn.bias", prefix, l);
        float *b = read_raw(&f, nm);
        assert_true(a->bq[3] == b[3] && a->bk[5] == b[d + 5] && a->bv[63] == b[2 * d + 63]);
        free(b);
        snprintf(nm, sizeof nm, "%sh.%d.mlp.c_fc.weight", prefix, l);
        float *fc = read_raw(&f, nm); /* [d, ff] */
        assert_true(m->w.blocks[l].fc1_w[200 * d + 7] == fc[7 * ff + 200]);
        free(fc);
        snprintf(nm, sizeof nm, "%sh.%d.mlp.c_proj.weight", prefix, l);
        float *pr = read_raw(&f, nm); /* [ff, d] */
        assert_true(m->w.blocks[l].fc2_w[9 * ff + 250] == pr[250 * d + 9]);
        free(pr);
        snprintf(nm, sizeof nm, "%sh.%d.attn.c_proj.weight", prefix, l);
        float *op = read_raw(&f, nm);
        assert_true(m->w.blocks[l].attn.wo[2 * d + 61] == op[61 * d + 2]);
        free(op);
        snprintf(nm, sizeof nm, "%sh.%d.ln_2.bias", prefix, l);
        float *ln = read_raw(&f, nm);
        assert_memory_equal(m->w.blocks[l].ln2_b, ln, (size_t)d * sizeof(float));
        free(ln);
    }
    snprintf(nm, sizeof nm, "%swte.weight", prefix);
    float *wte = read_raw(&f, nm);
    assert_memory_equal(m->w.embed, wte, 512 * 64 * sizeof(float));
    if (m->cfg.tied_embeddings) assert_true(m->w.unembed == m->w.embed);
    free(wte);
    snprintf(nm, sizeof nm, "%swpe.weight", prefix);
    float *wpe = read_raw(&f, nm);
    assert_memory_equal(m->w.pos_embed, wpe, 64 * 64 * sizeof(float));
    free(wpe);
    gb_st_close(&f);
}

/* The GPT-2 fixture loads as a folder (source is the folder). */
/* Found by fuzz_config_json: the JSON parser's message quotes the text near
 * the error, newlines included; every message stays one line. */
static void test_config_json_error_is_one_line(void **state) {
    (void)state;
    const char js[] = "{\"scale_\\ud80\n\n\n0embed\":1}";
    gb_config cfg;
    gb_error err = {0};
    assert_int_equal(gb_config_from_json(js, sizeof js - 1, &cfg, &err), GB_ERR_INPUT);
    printf("  %s\n", err.msg);
    assert_non_null(strstr(err.msg, "not valid JSON"));
    assert_null(strchr(err.msg, '\n'));
}

static void test_gpt2_folder(void **state) {
    (void)state;
    const char *dir = gbt_fixture("gpt2_tiny_random");
    gb_model *m = load_ok(dir);
    check_gpt2_tiny_config(m);
    check_gpt2_weights(m, gbt_fixture("gpt2_tiny_random/model.safetensors"), "");
    assert_string_equal(m->source, dir);
    assert_null(m->tokenizer_ref); /* no vocab.json/merges.txt there */
    gb_model_free(m);
}

/* The same checkpoint loads from the .safetensors file (config.json beside it). */
static void test_gpt2_file(void **state) {
    (void)state;
    const char *path = gbt_fixture("gpt2_tiny_random/model.safetensors");
    gb_model *m = load_ok(path);
    check_gpt2_tiny_config(m);
    check_gpt2_weights(m, path, "");
    assert_string_equal(m->source, path);
    gb_model_free(m);
}

/* Copy the fixture with a `transformer.` prefix, causal-mask buffers, an
 * untied lm_head (tie_word_embeddings false) and a tokenizer in the folder. */
static const char *write_prefixed_gpt2(void) {
    gb_error err = {0};
    gb_st_file f;
    gbt_assert_ok(gb_st_open(gbt_fixture("gpt2_tiny_random/model.safetensors"), &f, &err), &err);
    int n = f.n_tensors;
    gb_st_write_tensor *ts = calloc((size_t)n + 8, sizeof *ts);
    float **bufs = calloc((size_t)n + 8, sizeof *bufs);
    char (*names)[128] = calloc((size_t)n + 8, sizeof *names);
    for (int i = 0; i < n; i++) {
        const gb_st_tensor *t = &f.tensors[i];
        bufs[i] = malloc(t->numel * sizeof(float) + 4);
        gb_st_read_f32_raw(&f, t, bufs[i]);
        snprintf(names[i], sizeof names[i], "transformer.%s", t->name);
        ts[i] = (gb_st_write_tensor){names[i], t->ndim, {t->shape[0], t->shape[1]}, bufs[i]};
    }
    static float mask[64 * 64], one = -1e4f;
    for (int i = 0; i < 64 * 64; i++) mask[i] = (i % 64) <= (i / 64);
    for (int l = 0; l < 2; l++) {
        snprintf(names[n], sizeof names[n], "transformer.h.%d.attn.bias", l);
        ts[n] = (gb_st_write_tensor){names[n], 4, {1, 1, 64, 64}, mask};
        n++;
        snprintf(names[n], sizeof names[n], "transformer.h.%d.attn.masked_bias", l);
        ts[n] = (gb_st_write_tensor){names[n], 0, {0}, &one};
        n++;
    }
    bufs[n] = malloc(512 * 64 * sizeof(float));
    for (int i = 0; i < 512 * 64; i++) bufs[n][i] = 0.001f * (float)(i % 1000);
    ts[n] = (gb_st_write_tensor){"lm_head.weight", 2, {512, 64}, bufs[n]};
    n++;
    mkdir(gbt_tmp("prefixed"), 0755);
    const char *path = gbt_tmp("prefixed/model.safetensors");
    gb_st_kv meta[] = {{"format", "pt"}};
    gbt_assert_ok(gb_st_write(path, ts, n, meta, 1, &err), &err);
    char *cfg;
    size_t len;
    gbt_assert_ok(gb_read_file(gbt_fixture("gpt2_tiny_random/config.json"), 1 << 20, &cfg, &len, &err), &err);
    char *tie = strstr(cfg, "\"tie_word_embeddings\": true");
    assert_non_null(tie);
    memcpy(tie, "\"tie_word_embeddings\":false", 27);
    gbt_assert_ok(gb_write_file_atomic(gbt_tmp("prefixed/config.json"), cfg, len, &err), &err);
    gbt_assert_ok(gb_write_file_atomic(gbt_tmp("prefixed/vocab.json"), "{}", 2, &err), &err);
    gbt_assert_ok(gb_write_file_atomic(gbt_tmp("prefixed/merges.txt"), "", 0, &err), &err);
    free(cfg);
    for (int i = 0; i < n; i++) free(bufs[i]);
    free(bufs);
    free(ts);
    free(names);
    gb_st_close(&f);
    return gbt_tmp("prefixed");
}

/* `transformer.` prefixes and attn.bias/masked_bias buffers are tolerated; an
 * untied lm_head becomes unembed.weight; the folder's tokenizer is found. */
static void test_gpt2_prefixed_with_buffers(void **state) {
    (void)state;
    const char *dir = write_prefixed_gpt2();
    gb_model *m = load_ok(dir);
    assert_int_equal(m->cfg.tied_embeddings, 0);
    check_gpt2_weights(m, gbt_tmp("prefixed/model.safetensors"), "transformer.");
    assert_true(m->w.unembed != m->w.embed);
    assert_float_equal(m->w.unembed[1234], 0.001f * 234, 0);
    assert_non_null(m->tokenizer_ref);
    assert_string_equal(m->tokenizer_ref, dir);
    gb_model_free(m);
}

/* ---- llama2.c ---- */

/* Read float k of a llama2.c file directly (28-byte header, then floats). */
static float l2c_float(const char *path, size_t k) {
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    float x = NAN;
    assert_int_equal(fseek(fp, (long)(28 + 4 * k), SEEK_SET), 0);
    assert_int_equal(fread(&x, 4, 1, fp), 1);
    fclose(fp);
    return x;
}

/* stories260K: shared classifier, GQA 8/4, max_seq 512; weights where run.c reads them. */
static void test_llama2c_stories260k(void **state) {
    (void)state;
    const char *path = gbt_fixture("llama2c_stories260K/stories260K.bin");
    gb_model *m = load_ok(path);
    const gb_config *c = &m->cfg;
    assert_int_equal(c->d_model, 64);
    assert_int_equal(c->d_ff, 172);
    assert_int_equal(c->n_layers, 5);
    assert_int_equal(c->n_heads, 8);
    assert_int_equal(c->n_kv_heads, 4);
    assert_int_equal(c->d_head, 8);
    assert_int_equal(c->vocab_size, 512);
    assert_int_equal(c->max_seq, 512);
    assert_int_equal(c->pos, GB_POS_ROPE);
    assert_int_equal(c->norm, GB_NORM_RMSNORM);
    assert_int_equal(c->act, GB_ACT_SWIGLU);
    assert_true(c->tied_embeddings && !c->bias && c->pre_norm);
    assert_float_equal(c->norm_eps, 1e-5f, 0);
    assert_float_equal(c->rope_theta, 10000.0f, 0);
    assert_true(m->w.unembed == m->w.embed);
    /* offsets in floats: emb 512*64, rms_att 5*64, wq 5*64*64, wk 5*32*64 ... */
    size_t d = 64, L = 5, kv = 32, ff = 172, V = 512;
    size_t o_wq = V * d + L * d, o_wk = o_wq + L * d * d, o_w3 = o_wk + 2 * L * kv * d + L * d * d + L * d + 2 * L * ff * d;
    assert_true(m->w.embed[777] == l2c_float(path, 777));
    assert_true(m->w.blocks[3].attn.wq[100] == l2c_float(path, o_wq + 3 * d * d + 100));
    assert_true(m->w.blocks[4].attn.wk[kv * d - 1] == l2c_float(path, o_wk + 5 * kv * d - 1));
    assert_true(m->w.blocks[2].fc3_w[5] == l2c_float(path, o_w3 + 2 * ff * d + 5));
    assert_true(m->w.lnf_w[0] == l2c_float(path, o_w3 + L * ff * d));
    assert_string_equal(m->source, path);
    assert_null(m->tokenizer_ref); /* the tokenizer is tok512.bin, not tokenizer.bin */
    gb_model_free(m);
}

/* tiny_llama2c: negative vocab_size means a separate classifier after the RoPE tables. */
static void test_llama2c_tiny_unshared(void **state) {
    (void)state;
    const char *path = gbt_fixture("llama2c_tiny_random/tiny_llama2c.bin");
    gb_model *m = load_ok(path);
    const gb_config *c = &m->cfg;
    assert_int_equal(c->vocab_size, 512);
    assert_int_equal(c->d_model, 64);
    assert_int_equal(c->d_ff, 176);
    assert_int_equal(c->n_layers, 2);
    assert_int_equal(c->n_heads, 4);
    assert_int_equal(c->n_kv_heads, 2);
    assert_int_equal(c->max_seq, 64);
    assert_int_equal(c->tied_embeddings, 0);
    assert_true(m->w.unembed != m->w.embed);
    /* wcls is the last 512*64 floats of the file. */
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    size_t total = ((size_t)sb.st_size - 28) / 4;
    assert_true(m->w.unembed[0] == l2c_float(path, total - 512 * 64));
    assert_true(m->w.unembed[512 * 64 - 1] == l2c_float(path, total - 1));
    gb_model_free(m);
}

/* A tokenizer.bin beside a llama2.c checkpoint becomes the tokenizer reference. */
static void test_llama2c_tokenizer_beside(void **state) {
    (void)state;
    gb_error err = {0};
    mkdir(gbt_tmp("l2c"), 0755);
    char *bytes;
    size_t len;
    gbt_assert_ok(gb_read_file(gbt_fixture("llama2c_tiny_random/tiny_llama2c.bin"), 1 << 22, &bytes, &len, &err), &err);
    gbt_assert_ok(gb_write_file_atomic(gbt_tmp("l2c/model.bin"), bytes, len, &err), &err);
    gbt_assert_ok(gb_write_file_atomic(gbt_tmp("l2c/tokenizer.bin"), "x", 1, &err), &err);
    free(bytes);
    gb_model *m = load_ok(gbt_tmp("l2c/model.bin"));
    assert_string_equal(m->tokenizer_ref, gbt_tmp("l2c/tokenizer.bin"));
    gb_model_free(m);
}

/* Loaded foreign models save natively and come back identical. */
static void test_foreign_to_native(void **state) {
    (void)state;
    gb_error err = {0};
    const char *specs[] = {gbt_fixture("gpt2_tiny_random"), gbt_fixture("llama2c_tiny_random/tiny_llama2c.bin")};
    for (int i = 0; i < 2; i++) {
        gb_model *m = load_ok(specs[i]);
        const char *path = gbt_tmp(i ? "l2c_native.safetensors" : "gpt2_native.safetensors");
        gbt_assert_ok(gb_model_save(m, path, NULL, &err), &err);
        gb_model *back = load_ok(path);
        assert_models_identical(m, back);
        gb_model_free(back);
        gb_model_free(m);
    }
}

/* ---- bundled models ---- */

/* A bare name is looked up as models/NAME.safetensors under $GLASSBOX_DATA first. */
static void test_bundled_lookup(void **state) {
    (void)state;
    gb_error err = {0};
    mkdir(gbt_tmp("data"), 0755);
    mkdir(gbt_tmp("data/models"), 0755);
    gb_config c = small_config(GB_ARCH_DECODER);
    gb_model *m = NULL;
    gbt_assert_ok(gb_model_create(&c, &m, &err), &err);
    gb_model_init_random(m, 3, 0.1f);
    gbt_assert_ok(gb_model_save(m, gbt_tmp("data/models/gbtest-only-model.safetensors"), NULL, &err), &err);
    char *old = getenv("GLASSBOX_DATA") ? strdup(getenv("GLASSBOX_DATA")) : NULL;
    setenv("GLASSBOX_DATA", gbt_tmp("data"), 1);
    gb_model *b = load_ok("gbtest-only-model");
    assert_models_identical(m, b);
    assert_string_equal(b->source, gbt_tmp("data/models/gbtest-only-model.safetensors"));
    char *p = gb_find_bundled("models/gbtest-only-model.safetensors");
    assert_non_null(p);
    free(p);
    assert_null(gb_find_bundled("models/no-such-model.safetensors"));
    gb_error_clear(&err);
    gb_model *none = NULL;
    assert_int_equal(gb_model_load("no-such-model", &none, &err), GB_ERR_INPUT);
    assert_null(none);
    assert_non_null(strstr(err.msg, "no-such-model: no such file or folder, and no bundled model"));
    if (old) setenv("GLASSBOX_DATA", old, 1);
    else unsetenv("GLASSBOX_DATA");
    free(old);
    gb_model_free(b);
    gb_model_free(m);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_decoder_learned),
        cmocka_unit_test(test_roundtrip_decoder_sinusoidal),
        cmocka_unit_test(test_roundtrip_decoder_rope),
        cmocka_unit_test(test_roundtrip_encoder_labels),
        cmocka_unit_test(test_roundtrip_encdec),
        cmocka_unit_test(test_native_metadata),
        cmocka_unit_test(test_tokenizer_reference_is_relative),
        cmocka_unit_test(test_config_json_keys),
        cmocka_unit_test(test_config_json_floats_exact),
        cmocka_unit_test(test_config_json_error_is_one_line),
        cmocka_unit_test(test_gpt2_folder),
        cmocka_unit_test(test_gpt2_file),
        cmocka_unit_test(test_gpt2_prefixed_with_buffers),
        cmocka_unit_test(test_llama2c_stories260k),
        cmocka_unit_test(test_llama2c_tiny_unshared),
        cmocka_unit_test(test_llama2c_tokenizer_beside),
        cmocka_unit_test(test_foreign_to_native),
        cmocka_unit_test(test_bundled_lookup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
