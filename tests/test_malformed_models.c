/* test_malformed_models.c - a corpus of broken model files, built here from the
 * fixtures and by hand: each must be refused by gb_model_load with GB_ERR_INPUT,
 * no model, and ONE line that names the file and the problem. */
#include "gbtest.h"

#include <math.h>
#include <sys/stat.h>

#include "glassbox/model.h"
#include "glassbox/platform.h"
#include "glassbox/safetensors.h"

/* The load must fail as bad input, naming `file` and saying `want`, on one line. */
static void expect_refused(const char *spec, const char *file, const char *want) {
    gb_error err = {0};
    gb_model *m = NULL;
    gb_status st = gb_model_load(spec, &m, &err);
    if (st != GB_ERR_INPUT) fail_msg("%s: status %d (want refusal saying \"%s\"); message: %s", spec, st, want, err.msg);
    assert_null(m);
    printf("  refused: %s\n", err.msg);
    if (!strstr(err.msg, file)) fail_msg("message \"%s\" does not name %s", err.msg, file);
    if (!strstr(err.msg, want)) fail_msg("message \"%s\" lacks \"%s\"", err.msg, want);
    if (strchr(err.msg, '\n') || strchr(err.msg, '\r')) fail_msg("message is not one line: %s", err.msg);
}

static void write_bytes(const char *path, const void *data, size_t n) {
    gb_error err = {0};
    gbt_assert_ok(gb_write_file_atomic(path, data, n, &err), &err);
}

/* 8-byte length (hlen_claim) + header text + data. */
static const char *write_st_raw(const char *name, uint64_t hlen_claim, const char *header, const void *data,
                                size_t dlen) {
    const char *path = gbt_tmp(name);
    size_t hl = strlen(header), n = 8 + hl + dlen;
    unsigned char *buf = malloc(n);
    for (int i = 0; i < 8; i++) buf[i] = (unsigned char)(hlen_claim >> (8 * i));
    memcpy(buf + 8, header, hl);
    if (dlen) memcpy(buf + 8 + hl, data, dlen);
    write_bytes(path, buf, n);
    free(buf);
    return path;
}

static const char *write_st(const char *name, const char *header, size_t dlen) {
    static unsigned char zeros[64];
    return write_st_raw(name, strlen(header), header, zeros, dlen);
}

static char *read_all(const char *path, size_t *len) {
    gb_error err = {0};
    char *buf;
    gbt_assert_ok(gb_read_file(path, 1 << 24, &buf, len, &err), &err);
    return buf;
}

/* ---- the safetensors container ---- */

/* Lengths, JSON, dtypes, shapes and offsets that disagree with the file. */
static void test_broken_safetensors(void **state) {
    (void)state;
    write_bytes(gbt_tmp("short.safetensors"), "\x05\0\0", 3);
    expect_refused(gbt_tmp("short.safetensors"), "short.safetensors", "too short for a safetensors header");
    write_bytes(gbt_tmp("empty.safetensors"), "", 0);
    expect_refused(gbt_tmp("empty.safetensors"), "empty.safetensors", "file is empty");
    const char *p = write_st_raw("hdr_past_end.safetensors", 1000, "{}", NULL, 0);
    expect_refused(p, p, "header length 1000 runs past the end of the file (10 bytes)");
    p = write_st_raw("hdr_huge.safetensors", (uint64_t)1 << 40, "{}", NULL, 0);
    expect_refused(p, p, "header length 1099511627776 is larger than the");
    p = write_st("bad_json.safetensors", "{\"a\": [1, 2", 0);
    expect_refused(p, p, "header is not valid JSON");
    p = write_st("not_object.safetensors", "[1, 2, 3]", 0);
    expect_refused(p, p, "header is JSON but not an object");
    p = write_st("dup.safetensors",
                 "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                 "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8);
    expect_refused(p, p, "duplicate name");
    p = write_st("outside.safetensors",
                 "{\"h.0.attn.c_attn.weight\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,99999999]}}", 16);
    expect_refused(p, p, "tensor h.0.attn.c_attn.weight: data_offsets [0, 99999999] run past the end of the data (16 bytes)");
    p = write_st("overlap.safetensors",
                 "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                 "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12);
    expect_refused(p, p, "tensors a [0, 8] and b [4, 12] overlap");
    p = write_st("mismatch.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8);
    expect_refused(p, p, "tensor a: data_offsets [0, 8] hold 8 bytes but shape [3] of F32 needs 12");
    p = write_st("reversed.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 8);
    expect_refused(p, p, "are not an increasing pair");
    p = write_st("dtype.safetensors", "{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8);
    expect_refused(p, p, "tensor a: dtype I64 is not supported");
    p = write_st("nodtype.safetensors", "{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
    expect_refused(p, p, "tensor a: \"dtype\" is missing");
    p = write_st("negshape.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4);
    expect_refused(p, p, "shape entry 0 is not a non-negative integer");
    p = write_st("overflow.safetensors",
                 "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],\"data_offsets\":[0,0]}}", 0);
    expect_refused(p, p, "shape [4294967296, 4294967296, 16] has more elements than the data (0 bytes) can hold");
    p = write_st("meta.safetensors", "{\"__metadata__\":{\"x\":1}}", 0);
    expect_refused(p, p, "__metadata__ value of \"x\" is not a string");
    /* A name holding a newline must not break the message into two lines. */
    p = write_st("newline.safetensors", "{\"bad\\nname\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
    expect_refused(p, p, "dtype Q4 is not supported");
}

/* ---- native files ---- */

typedef struct native_set {
    gb_model *m;
    gb_st_write_tensor *ts;
    int n;
    char *cfg_json;
} native_set;

static native_set native_build(void) {
    gb_error err = {0};
    gb_config c;
    gb_config_defaults(&c, GB_ARCH_DECODER);
    c.vocab_size = 11, c.d_model = 8, c.n_layers = 2, c.n_heads = 2, c.n_kv_heads = 2;
    c.d_head = 4, c.d_ff = 12, c.max_seq = 6;
    native_set s = {0};
    gbt_assert_ok(gb_model_create(&c, &s.m, &err), &err);
    gb_model_init_random(s.m, 5, 0.1f);
    s.n = s.m->n_table;
    s.ts = calloc((size_t)s.n + 1, sizeof *s.ts);
    for (int i = 0; i < s.n; i++) {
        const gb_param *p = &s.m->table[i];
        s.ts[i] = (gb_st_write_tensor){p->name, p->ndim, {p->shape[0], p->shape[1]}, s.m->params + p->offset};
    }
    s.cfg_json = gb_config_to_json(&c);
    return s;
}

static void native_free(native_set *s) {
    gb_model_free(s->m);
    free(s->ts);
    free(s->cfg_json);
}

static const char *native_write(const char *name, const gb_st_write_tensor *ts, int n, const char *cfg) {
    gb_error err = {0};
    gb_st_kv meta[] = {{"format", "pt"}, {"glassbox.config", cfg}};
    const char *path = gbt_tmp(name);
    gbt_assert_ok(gb_st_write(path, ts, n, meta, 2, &err), &err);
    return path;
}

static int find_tensor(const native_set *s, const char *name) {
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->ts[i].name, name) == 0) return i;
    fail_msg("no tensor %s", name);
    return -1;
}

/* Shapes against the config, missing and unexpected tensors, non-finite values, bad config. */
static void test_broken_native(void **state) {
    (void)state;
    native_set s = native_build();
    const char *p = native_write("good.safetensors", s.ts, s.n, s.cfg_json);
    gb_error err = {0};
    gb_model *ok = NULL;
    gbt_assert_ok(gb_model_load(p, &ok, &err), &err); /* the base of the corpus is valid */
    gb_model_free(ok);

    size_t len;
    char *bytes = read_all(p, &len);
    write_bytes(gbt_tmp("truncated.safetensors"), bytes, len - 100);
    expect_refused(gbt_tmp("truncated.safetensors"), "truncated.safetensors", "run past the end of the data");
    write_bytes(gbt_tmp("cut_header.safetensors"), bytes, 200);
    expect_refused(gbt_tmp("cut_header.safetensors"), "cut_header.safetensors", "runs past the end of the file (200 bytes)");
    free(bytes);

    int q = find_tensor(&s, "blocks.0.attn.q.weight");
    s.ts[q].shape[1] = 7;
    p = native_write("shape.safetensors", s.ts, s.n, s.cfg_json);
    expect_refused(p, p, "tensor blocks.0.attn.q.weight has shape [8, 7], expected [8, 8]");
    s.ts[q].shape[1] = 8;
    s.ts[q].ndim = 1;
    s.ts[q].shape[0] = 64;
    p = native_write("rank.safetensors", s.ts, s.n, s.cfg_json);
    expect_refused(p, p, "tensor blocks.0.attn.q.weight has shape [64], expected [8, 8]");
    s.ts[q] = (gb_st_write_tensor){s.ts[q].name, 2, {8, 8}, s.ts[q].data};

    int last = find_tensor(&s, "ln_final.bias");
    gb_st_write_tensor saved = s.ts[last];
    s.ts[last] = s.ts[s.n - 1];
    p = native_write("missing.safetensors", s.ts, s.n - 1, s.cfg_json);
    expect_refused(p, p, "tensor ln_final.bias is missing");
    s.ts[last] = saved;

    float extra[4] = {0};
    s.ts[s.n] = (gb_st_write_tensor){"blocks.9.attn.q.weight", 1, {4}, extra};
    p = native_write("extra.safetensors", s.ts, s.n + 1, s.cfg_json);
    expect_refused(p, p, "tensor blocks.9.attn.q.weight is not a parameter");

    int fc2 = find_tensor(&s, "blocks.1.mlp.fc2.weight");
    float *bad = malloc(8 * 12 * sizeof *bad);
    memcpy(bad, s.ts[fc2].data, 8 * 12 * sizeof *bad);
    const float *orig = s.ts[fc2].data;
    s.ts[fc2].data = bad;
    bad[17] = NAN;
    p = native_write("nan.safetensors", s.ts, s.n, s.cfg_json);
    expect_refused(p, p, "tensor blocks.1.mlp.fc2.weight has a non-finite value (nan) at index 17");
    bad[17] = -INFINITY;
    p = native_write("inf.safetensors", s.ts, s.n, s.cfg_json);
    expect_refused(p, p, "tensor blocks.1.mlp.fc2.weight has a non-finite value (-inf) at index 17");
    s.ts[fc2].data = orig;
    free(bad);

    p = native_write("cfg_type.safetensors", s.ts, s.n, "{\"d_model\": \"big\"}");
    expect_refused(p, p, "metadata glassbox.config: config key \"d_model\" must be an integer");
    char *cfg0 = strdup(s.cfg_json);
    char *nl = strstr(cfg0, "\"n_layers\":2");
    assert_non_null(nl);
    nl[11] = '0';
    p = native_write("cfg_range.safetensors", s.ts, s.n, cfg0);
    expect_refused(p, p, "metadata glassbox.config: n_layers 0 out of range");
    free(cfg0);
    p = native_write("cfg_json.safetensors", s.ts, s.n, "{not json");
    expect_refused(p, p, "metadata glassbox.config: config is not valid JSON");
    native_free(&s);
}

/* ---- Hugging Face GPT-2 ---- */

/* Replace the first `from` in s by `to` (malloc'd result). */
static char *replace(const char *s, const char *from, const char *to) {
    const char *at = strstr(s, from);
    if (!at) fail_msg("\"%s\" not found", from);
    size_t a = (size_t)(at - s), fl = strlen(from), tl = strlen(to), rest = strlen(at + fl);
    char *r = malloc(a + tl + rest + 1);
    memcpy(r, s, a);
    memcpy(r + a, to, tl);
    memcpy(r + a + tl, at + fl, rest + 1);
    return r;
}

/* A copy of the GPT-2 fixture in folder `name`, its config.json edited
 * (from -> to, if from), one tensor's element 0 set to `poison` (if named)
 * and an extra tensor (if named). Returns the folder. */
static const char *hf_copy(const char *name, const char *from, const char *to, const char *poison_tensor,
                           float poison, const char *extra) {
    gb_error err = {0};
    char dir[512];
    snprintf(dir, sizeof dir, "%s", gbt_tmp(name));
    mkdir(dir, 0755);
    gb_st_file f;
    gbt_assert_ok(gb_st_open(gbt_fixture("gpt2_tiny_random/model.safetensors"), &f, &err), &err);
    gb_st_write_tensor *ts = calloc((size_t)f.n_tensors + 1, sizeof *ts);
    float **bufs = calloc((size_t)f.n_tensors + 1, sizeof *bufs);
    for (int i = 0; i < f.n_tensors; i++) {
        const gb_st_tensor *t = &f.tensors[i];
        bufs[i] = malloc(t->numel * sizeof(float));
        gb_st_read_f32_raw(&f, t, bufs[i]);
        if (poison_tensor && strcmp(t->name, poison_tensor) == 0) bufs[i][0] = poison;
        ts[i] = (gb_st_write_tensor){t->name, t->ndim, {t->shape[0], t->shape[1]}, bufs[i]};
    }
    int n = f.n_tensors;
    static float one = 1;
    if (extra) ts[n++] = (gb_st_write_tensor){extra, 1, {1}, &one};
    char path[600];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    gb_st_kv meta[] = {{"format", "pt"}};
    gbt_assert_ok(gb_st_write(path, ts, n, meta, 1, &err), &err);
    for (int i = 0; i < f.n_tensors; i++) free(bufs[i]);
    free(bufs);
    free(ts);
    gb_st_close(&f);
    size_t len;
    char *cfg = read_all(gbt_fixture("gpt2_tiny_random/config.json"), &len);
    char *edited = from ? replace(cfg, from, to) : strdup(cfg);
    snprintf(path, sizeof path, "%s/config.json", dir);
    write_bytes(path, edited, strlen(edited));
    free(cfg);
    free(edited);
    return gbt_tmp(name);
}

static const char *in_dir(const char *dir, const char *file) {
    static char buf[4][600];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, file);
    return buf[k];
}

/* config.json that is broken or disagrees with the tensors, and bad tensors. */
static void test_broken_hf_gpt2(void **state) {
    (void)state;
    const char *d = hf_copy("hf_vocab", "\"vocab_size\": 512", "\"vocab_size\": 500", NULL, 0, NULL);
    expect_refused(d, in_dir(d, "model.safetensors"), "tensor wte.weight has shape [512, 64], expected [500, 64]");
    d = hf_copy("hf_layers", "\"n_layer\": 2", "\"n_layer\": 3", NULL, 0, NULL);
    expect_refused(d, in_dir(d, "model.safetensors"), "tensor h.2.ln_1.weight is missing");
    d = hf_copy("hf_inner", "\"n_inner\": null", "\"n_inner\": 128", NULL, 0, NULL);
    expect_refused(d, in_dir(d, "model.safetensors"), "tensor h.0.mlp.c_fc.bias has shape [256], expected [128]");
    d = hf_copy("hf_noembd", "\"n_embd\": 64,", "", NULL, 0, NULL);
    expect_refused(d, in_dir(d, "config.json"), "key \"n_embd\" is missing");
    d = hf_copy("hf_act", "\"gelu_new\"", "\"swish\"", NULL, 0, NULL);
    expect_refused(d, in_dir(d, "config.json"), "activation_function swish is not supported");
    d = hf_copy("hf_type", "\"model_type\": \"gpt2\"", "\"model_type\": \"llama\"", NULL, 0, NULL);
    expect_refused(d, in_dir(d, "config.json"), "model_type llama is not supported");
    d = hf_copy("hf_heads", "\"n_head\": 4", "\"n_head\": 5", NULL, 0, NULL);
    expect_refused(d, in_dir(d, "config.json"), "n_embd 64 is not divisible by n_head 5");
    d = hf_copy("hf_badjson", "{", "{{", NULL, 0, NULL);
    expect_refused(d, in_dir(d, "config.json"), "not valid JSON");
    d = hf_copy("hf_neg", "\"n_positions\": 64", "\"n_positions\": -64", NULL, 0, NULL);
    expect_refused(d, in_dir(d, "config.json"), "key \"n_positions\" must be a positive integer");
    d = hf_copy("hf_inf", NULL, NULL, "h.1.attn.c_attn.weight", INFINITY, NULL);
    expect_refused(d, in_dir(d, "model.safetensors"), "tensor h.1.attn.c_attn.weight has a non-finite value (inf) at index 0");
    d = hf_copy("hf_nan", NULL, NULL, "wpe.weight", NAN, NULL);
    expect_refused(d, in_dir(d, "model.safetensors"), "tensor wpe.weight has a non-finite value (nan)");
    d = hf_copy("hf_extra", NULL, NULL, NULL, 0, "h.0.attn.rotary.inv_freq");
    expect_refused(d, in_dir(d, "model.safetensors"), "tensor h.0.attn.rotary.inv_freq is not part of a GPT-2 model");
    d = hf_copy("hf_untied", "\"tie_word_embeddings\": true", "\"tie_word_embeddings\": false", NULL, 0, NULL);
    expect_refused(d, in_dir(d, "model.safetensors"), "tensor lm_head.weight is missing");
    /* The safetensors file alone, away from its config.json. */
    mkdir(gbt_tmp("hf_alone"), 0755);
    size_t len;
    char *bytes = read_all(gbt_fixture("gpt2_tiny_random/model.safetensors"), &len);
    write_bytes(gbt_tmp("hf_alone/model.safetensors"), bytes, len);
    free(bytes);
    expect_refused(gbt_tmp("hf_alone/model.safetensors"), "hf_alone/model.safetensors",
                   "no glassbox.config metadata and no config.json beside it");
    expect_refused(gbt_tmp("hf_alone"), "hf_alone/model.safetensors", "no glassbox.config metadata");
    mkdir(gbt_tmp("no_model_dir"), 0755);
    expect_refused(gbt_tmp("no_model_dir"), "no_model_dir", "folder has no model.safetensors");
}

/* ---- llama2.c ---- */

static const char *l2c_variant(const char *name, const char *src, size_t keep, const void *append, size_t alen,
                               int field, int32_t value, size_t poison_float) {
    size_t len;
    char *bytes = read_all(src, &len);
    if (keep > len) keep = len;
    char *out = malloc(keep + alen + 1);
    memcpy(out, bytes, keep);
    if (alen) memcpy(out + keep, append, alen);
    if (field >= 0) memcpy(out + 4 * field, &value, 4);
    if (poison_float) {
        float nan = NAN;
        memcpy(out + 28 + 4 * poison_float, &nan, 4);
    }
    const char *path = gbt_tmp(name);
    write_bytes(path, out, keep + alen);
    free(bytes);
    free(out);
    return path;
}

/* Headers that make no sense, sizes that disagree with the header, NaN weights. */
static void test_broken_llama2c(void **state) {
    (void)state;
    const char *shared = gbt_fixture("llama2c_stories260K/stories260K.bin");
    const char *tiny = gbt_fixture("llama2c_tiny_random/tiny_llama2c.bin");
    const size_t all = (size_t)-1;
    const char *p = l2c_variant("short.bin", shared, 10, NULL, 0, -1, 0, 0);
    expect_refused(p, p, "file is 10 bytes, too short for a llama2.c header (28 bytes)");
    p = l2c_variant("heads0.bin", shared, all, NULL, 0, 3, 0, 0);
    expect_refused(p, p, "llama2.c header: n_heads is 0, it must be positive");
    p = l2c_variant("dimneg.bin", shared, all, NULL, 0, 0, -64, 0);
    expect_refused(p, p, "llama2.c header: dim is -64, it must be positive");
    p = l2c_variant("indivisible.bin", shared, all, NULL, 0, 3, 7, 0);
    expect_refused(p, p, "n_heads 7 must divide dim 64");
    p = l2c_variant("huge.bin", shared, all, NULL, 0, 0, 1 << 30, 0);
    expect_refused(p, p, "llama2.c header: d_model 1073741824 out of range");
    p = l2c_variant("layers.bin", shared, all, NULL, 0, 2, 1000, 0);
    expect_refused(p, p, "llama2.c header: n_layers 1000 out of range");
    p = l2c_variant("minvocab.bin", shared, all, NULL, 0, 5, INT32_MIN, 0);
    expect_refused(p, p, "vocab_size is -2147483648");
    p = l2c_variant("magic.bin", shared, all, NULL, 0, 0, 0x616b3432, 0);
    expect_refused(p, p, "versioned llama2.c export (magic ak42) is not supported");
    p = l2c_variant("cut.bin", shared, 1056540 - 4, NULL, 0, -1, 0, 0);
    expect_refused(p, p, "file is 1056536 bytes but its llama2.c header (dim 64, hidden_dim 172, n_layers 5, n_heads 8, n_kv_heads 4, vocab_size 512, seq_len 512) implies 1056540 bytes");
    p = l2c_variant("longer.bin", shared, all, "\0\0\0\0", 4, -1, 0, 0);
    expect_refused(p, p, "file is 1056544 bytes but");
    /* A negative vocab_size needs the classifier after the RoPE tables. */
    p = l2c_variant("unshared_no_wcls.bin", shared, all, NULL, 0, 5, -512, 0);
    expect_refused(p, p, "implies 1187612 bytes");
    /* The unshared file claimed as shared has a classifier too many. */
    p = l2c_variant("shared_with_wcls.bin", tiny, all, NULL, 0, 5, 512, 0);
    expect_refused(p, p, "file is 636188 bytes but");
    p = l2c_variant("seq.bin", shared, all, NULL, 0, 6, 256, 0);
    expect_refused(p, p, "implies");
    /* wq of layer 1 starts after emb (512*64), rms_att (5*64) and layer 0's wq. */
    p = l2c_variant("nan.bin", shared, all, NULL, 0, -1, 0, 512 * 64 + 5 * 64 + 64 * 64 + 3);
    expect_refused(p, p, "wq of layer 1 has a non-finite value (nan) at index 3");
}

/* ---- specs that name nothing loadable ---- */

static void test_bad_specs(void **state) {
    (void)state;
    expect_refused(gbt_tmp("nothing/here.safetensors"), "nothing/here.safetensors", "no such file or folder");
    expect_refused("no-such-bundled-model-xyz", "no-such-bundled-model-xyz", "no such file or folder, and no bundled model");
    write_bytes(gbt_tmp("model.gguf"), "GGUF\3\0\0\0xxxxxxxxxxxxxxxx", 24);
    expect_refused(gbt_tmp("model.gguf"), "model.gguf", "not a model file this program reads");
    expect_refused("line\nbreak", "line?break", "no such file or folder");
    gb_error err = {0};
    gb_model *m = NULL;
    assert_int_equal(gb_model_load("", &m, &err), GB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "no model given"));
}

/* The stored corpus in tests/fixtures/malformed (see its README). */
static void test_stored_corpus(void **state) {
    (void)state;
    static const struct {
        const char *file, *want;
    } cases[] = {
        {"truncated.safetensors", "tensor pos_embed.weight: data_offsets [848, 912] run past the end of the data (872 bytes)"},
        {"header_too_long.safetensors", "header length 1048576 runs past the end of the file (2848 bytes)"},
        {"offsets_outside.safetensors", "tensor embed.weight: data_offsets [0, 99999999] run past the end of the data (912 bytes)"},
        {"unknown_dtype.safetensors", "tensor ln_final.bias: dtype I8 is not supported"},
        {"shape_mismatch.safetensors", "tensor blocks.0.attn.q.weight has shape [4, 3], expected [4, 4]"},
        {"nan_weight.safetensors", "tensor blocks.0.mlp.fc1.weight has a non-finite value (nan) at index 5"},
        {"bad_json_header.safetensors", "header is not valid JSON"},
        {"llama2c_bad_header.bin", "llama2.c header: n_heads is 0, it must be positive"},
        {"llama2c_wrong_size.bin", "file is 2744 bytes but its llama2.c header"},
    };
    char rel[128];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(rel, sizeof rel, "malformed/%s", cases[i].file);
        expect_refused(gbt_fixture(rel), cases[i].file, cases[i].want);
    }
    const char *valid[] = {"malformed/valid_tiny.safetensors", "malformed/valid_tiny_llama2c.bin"};
    for (int i = 0; i < 2; i++) {
        gb_error err = {0};
        gb_model *m = NULL;
        gbt_assert_ok(gb_model_load(gbt_fixture(valid[i]), &m, &err), &err);
        gb_model_free(m);
    }
}

/* Random damage to valid files (bytes overwritten, files cut) never crashes or
 * reads out of bounds (the asan build checks), and every refusal is bad input
 * with one line naming the file. */
static void test_random_corruption(void **state) {
    (void)state;
    const char *bases[] = {"malformed/valid_tiny.safetensors", "malformed/valid_tiny_llama2c.bin"};
    uint64_t seed = 2024;
    int refused = 0, loaded = 0;
    for (int b = 0; b < 2; b++) {
        size_t len;
        char *orig = read_all(gbt_fixture(bases[b]), &len);
        char *buf = malloc(len);
        const char *path = gbt_tmp(b ? "corrupt.bin" : "corrupt.safetensors");
        for (int trial = 0; trial < 300; trial++) {
            memcpy(buf, orig, len);
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            size_t n = len;
            int hits = 1 + (int)((seed >> 33) % 4);
            for (int k = 0; k < hits; k++) {
                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                /* mostly the header region, where the structure lives */
                size_t at = (seed >> 40) % (trial % 3 ? (len < 600 ? len : 600) : len);
                buf[at] = (char)(seed >> 16);
            }
            if (trial % 7 == 0) n = (size_t)(seed >> 20) % len;
            write_bytes(path, buf, n);
            gb_error err = {0};
            gb_model *m = NULL;
            gb_status st = gb_model_load(path, &m, &err);
            if (st == GB_OK) {
                loaded++;
                gb_model_free(m);
                continue;
            }
            refused++;
            if (st != GB_ERR_INPUT) fail_msg("trial %d: status %d: %s", trial, st, err.msg);
            if (!strstr(err.msg, path) || strchr(err.msg, '\n')) fail_msg("trial %d: bad message: %s", trial, err.msg);
        }
        free(buf);
        free(orig);
    }
    printf("  600 damaged files: %d refused, %d still loadable\n", refused, loaded);
    assert_true(refused > 300);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_broken_safetensors),
        cmocka_unit_test(test_broken_native),
        cmocka_unit_test(test_broken_hf_gpt2),
        cmocka_unit_test(test_broken_llama2c),
        cmocka_unit_test(test_bad_specs),
        cmocka_unit_test(test_stored_corpus),
        cmocka_unit_test(test_random_corruption),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
