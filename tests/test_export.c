/* test_export.c - NPY and safetensors round trips, CSV/JSON/TSV parse-back,
 * and atomic writes (a failure leaves nothing behind and keeps the old file). */
#include "gbtest.h"

#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include "glassbox/export.h"
#include "glassbox/platform.h"

static void fill(float *x, size_t n, unsigned seed) {
    uint32_t s = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = ((float)(s >> 8) / 16777216.0f - 0.5f) * 3.0f;
    }
}

static unsigned char *slurp(const char *path, size_t *n) {
    char *buf = NULL;
    gb_error err = {0};
    gbt_assert_ok(gb_read_file(path, 1u << 30, &buf, n, &err), &err);
    return (unsigned char *)buf;
}

/* NPY: header exactly as the 1.0 spec says, data read back bit for bit. */
static void test_npy_header_and_roundtrip(void **state) {
    (void)state;
    gb_error err = {0};
    int64_t shapes[3][3] = {{7, 0, 0}, {5, 3, 0}, {2, 3, 4}};
    const char *want[3] = {"'shape': (7,), }", "'shape': (5, 3), }", "'shape': (2, 3, 4), }"};
    float x[24];
    fill(x, 24, 1);
    x[3] = NAN, x[4] = INFINITY, x[5] = -0.0f; /* raw bits must survive */
    for (int c = 0; c < 3; c++) {
        gb_tensor t = gb_tensor_view("x", x, c + 1, shapes[c]);
        const char *p = gbt_tmp("a.npy");
        gbt_assert_ok(gb_npy_write(p, &t, &err), &err);
        size_t n;
        unsigned char *f = slurp(p, &n);
        assert_memory_equal(f, "\x93NUMPY\x01\x00", 8);
        size_t hlen = f[8] | (size_t)f[9] << 8;
        assert_int_equal((10 + hlen) % 64, 0);
        assert_int_equal(f[10 + hlen - 1], '\n');
        assert_non_null(strstr((char *)f + 10, "{'descr': '<f4', 'fortran_order': False, "));
        assert_non_null(strstr((char *)f + 10, want[c]));
        size_t numel = (size_t)gb_shape_numel(c + 1, shapes[c]);
        assert_int_equal(n, 10 + hlen + numel * 4);
        free(f);
        float *back;
        int nd;
        int64_t shape[4];
        gbt_assert_ok(gb_npy_read(p, &back, &nd, shape, &err), &err);
        assert_int_equal(nd, c + 1);
        for (int i = 0; i < nd; i++) assert_int_equal(shape[i], shapes[c][i]);
        assert_memory_equal(back, x, numel * 4);
        free(back);
    }
}

/* A strided (recorded) tensor is written as its logical row-major contents. */
static void test_npy_strided_tensor(void **state) {
    (void)state;
    gb_error err = {0};
    float buf[4 * 6];
    fill(buf, 24, 2);
    gb_tensor t;
    memset(&t, 0, sizeof t);
    t.ndim = 2, t.shape[0] = 3, t.shape[1] = 2; /* the transpose of the top-left 2x3 block */
    t.stride[0] = 1, t.stride[1] = 6, t.data = buf;
    gbt_assert_ok(gb_npy_write(gbt_tmp("s.npy"), &t, &err), &err);
    float *back;
    int nd;
    int64_t shape[4];
    gbt_assert_ok(gb_npy_read(gbt_tmp("s.npy"), &back, &nd, shape, &err), &err);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 2; j++) assert_true(back[i * 2 + j] == buf[j * 6 + i]);
    free(back);
}

/* A truncated or foreign file is refused with a message, never read past its end. */
static void test_npy_rejects_bad_files(void **state) {
    (void)state;
    gb_error err = {0};
    float x[8] = {0};
    int64_t sh[1] = {8};
    gb_tensor t = gb_tensor_view("x", x, 1, sh);
    const char *p = gbt_tmp("t.npy");
    gbt_assert_ok(gb_npy_write(p, &t, &err), &err);
    size_t n;
    unsigned char *f = slurp(p, &n);
    gbt_assert_ok(gb_write_file_atomic(p, f, n - 4, &err), &err);
    free(f);
    float *back = NULL;
    int nd;
    int64_t shape[4];
    assert_int_equal(gb_npy_read(p, &back, &nd, shape, &err), GB_ERR_INPUT);
    printf("  %s\n", err.msg);
    assert_null(back);
    gb_error_clear(&err);
    gbt_assert_ok(gb_write_file_atomic(p, "hello world", 11, &err), &err);
    assert_int_equal(gb_npy_read(p, &back, &nd, shape, &err), GB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "magic"));
}

/* safetensors: name order, 8-byte aligned header, metadata escaped, bits intact. */
static void test_safetensors_roundtrip(void **state) {
    (void)state;
    gb_error err = {0};
    float a[12], b[5], c[1] = {42.0f};
    fill(a, 12, 3), fill(b, 5, 4);
    int64_t sa[2] = {3, 4}, sb[1] = {5};
    gb_tensor ta = gb_tensor_view("zeta.weight", a, 2, sa), tb = gb_tensor_view("alpha", b, 1, sb);
    gb_tensor tc = gb_tensor_view("scalar", c, 0, NULL);
    const gb_tensor *list[3] = {&ta, &tb, &tc};
    const char *tricky = "quote \" back \\ newline \n tab \t ctl \x01 caf\xc3\xa9 bad \xff end";
    gb_kv meta[2] = {{"prompt", tricky}, {"tokens", "[\"a\",\"b\"]"}};
    const char *p = gbt_tmp("r.safetensors");
    gbt_assert_ok(gb_safetensors_write(p, list, 3, meta, 2, &err), &err);

    size_t n;
    unsigned char *f = slurp(p, &n);
    uint64_t hlen = 0;
    for (int i = 0; i < 8; i++) hlen |= (uint64_t)f[i] << (8 * i);
    assert_int_equal(hlen % 8, 0);
    assert_int_equal(n, 8 + hlen + (12 + 5 + 1) * 4);
    json_error_t je;
    json_t *h = json_loadb((char *)f + 8, hlen, 0, &je);
    assert_non_null(h);
    /* offsets follow name order: alpha, scalar, zeta.weight */
    json_t *off = json_object_get(json_object_get(h, "alpha"), "data_offsets");
    assert_int_equal(json_integer_value(json_array_get(off, 0)), 0);
    off = json_object_get(json_object_get(h, "zeta.weight"), "data_offsets");
    assert_int_equal(json_integer_value(json_array_get(off, 0)), 24);
    assert_int_equal(json_integer_value(json_array_get(off, 1)), 72);
    json_decref(h);
    free(f);

    gb_st_contents sc;
    gbt_assert_ok(gb_st_contents_read(p, &sc, &err), &err);
    assert_int_equal(sc.n, 3);
    assert_string_equal(sc.tensors[0].name, "alpha");
    const gb_tensor *ra = gb_st_contents_find(&sc, "zeta.weight");
    assert_non_null(ra);
    assert_int_equal(ra->ndim, 2);
    assert_memory_equal(ra->data, a, sizeof a);
    assert_memory_equal(gb_st_contents_find(&sc, "alpha")->data, b, sizeof b);
    assert_int_equal(gb_st_contents_find(&sc, "scalar")->ndim, 0);
    const char *back = gb_st_contents_meta(&sc, "prompt");
    /* identical except the invalid byte, which became U+FFFD */
    assert_non_null(strstr(back, "quote \" back \\ newline \n tab \t ctl \x01 caf\xc3\xa9 bad "));
    assert_non_null(strstr(back, "\xef\xbf\xbd end"));
    gb_st_contents_free(&sc);
}

/* Duplicate tensor names are refused and no file appears. */
static void test_safetensors_duplicate_names(void **state) {
    (void)state;
    gb_error err = {0};
    float a[2] = {1, 2};
    int64_t s[1] = {2};
    gb_tensor t1 = gb_tensor_view("w", a, 1, s), t2 = gb_tensor_view("w", a, 1, s);
    const gb_tensor *list[2] = {&t1, &t2};
    const char *p = gbt_tmp("dup.safetensors");
    assert_int_not_equal(gb_safetensors_write(p, list, 2, NULL, 0, &err), GB_OK);
    assert_non_null(strstr(err.msg, "name w appears twice"));
    assert_int_equal(access(p, F_OK), -1);
}

/* ---- a small RFC 4180 reader for the tests ---- */
typedef struct csv_doc {
    int rows;
    int cols[64];
    char *cell[64][16];
} csv_doc;

static void csv_parse(const char *s, csv_doc *d) {
    memset(d, 0, sizeof *d);
    char field[4096];
    size_t fl = 0;
    int in_q = 0, row = 0, col = 0;
    for (const char *p = s;; p++) {
        if (in_q) {
            if (*p == '"' && p[1] == '"') field[fl++] = '"', p++;
            else if (*p == '"') in_q = 0;
            else field[fl++] = *p;
            continue;
        }
        if (*p == '"') {
            in_q = 1;
        } else if (*p == ',' || *p == '\r' || *p == '\n' || !*p) {
            if (*p == '\r') p++; /* CRLF */
            if (*p == 0 && col == 0 && fl == 0) break;
            field[fl] = 0;
            if (row < 64 && col < 16) d->cell[row][col] = strdup(field);
            col++, fl = 0;
            if (*p != ',') {
                if (row < 64) d->cols[row] = col;
                row++, col = 0;
            }
            if (!*p) break;
        } else {
            field[fl++] = *p;
        }
    }
    d->rows = row;
}

static void csv_free(csv_doc *d) {
    for (int r = 0; r < 64; r++)
        for (int c = 0; c < 16; c++) free(d->cell[r][c]);
}

static const char *TOK[4] = {"The", " cat, \"sat\"", "on\nmat", "x\xff"};

/* One attention map: a labelled matrix whose labels and values parse back exactly. */
static void test_csv_attention_matrix(void **state) {
    (void)state;
    gb_error err = {0};
    float w[12];
    fill(w, 12, 5);
    /* stored with a row stride of 4: only the first 3 columns form the map */
    gb_attn_map m = {.module = "blocks.0.attn", .layer = 0, .head = 1, .n_q = 3, .n_k = 3, .w = w,
                     .row_stride = 4, .q_tokens = TOK, .k_tokens = TOK};
    gb_attn_export a = {.maps = &m, .n_maps = 1};
    const char *p = gbt_tmp("att.csv");
    gbt_assert_ok(gb_export_attention(p, &a, &err), &err);
    char *s;
    size_t n;
    gbt_assert_ok(gb_read_file(p, 1 << 20, &s, &n, &err), &err);
    csv_doc d;
    csv_parse(s, &d);
    assert_int_equal(d.rows, 4);
    for (int r = 0; r < 4; r++) assert_int_equal(d.cols[r], 4);
    for (int k = 0; k < 3; k++) assert_string_equal(d.cell[0][k + 1], TOK[k]);
    for (int q = 0; q < 3; q++) {
        assert_string_equal(d.cell[q + 1][0], TOK[q]);
        for (int k = 0; k < 3; k++) assert_true(strtof(d.cell[q + 1][k + 1], NULL) == w[q * 4 + k]);
    }
    csv_free(&d);
    free(s);
}

/* Several maps: long format, one weight a row, right row count. */
static void test_csv_attention_long(void **state) {
    (void)state;
    gb_error err = {0};
    float w[2][9];
    fill(w[0], 9, 6), fill(w[1], 9, 7);
    gb_attn_map m[2] = {
        {.module = "blocks.0.attn", .layer = 0, .head = 0, .n_q = 3, .n_k = 3, .w = w[0], .q_tokens = TOK, .k_tokens = TOK},
        {.module = "blocks.1.attn", .layer = 1, .head = 2, .n_q = 3, .n_k = 3, .w = w[1], .q_tokens = TOK, .k_tokens = TOK}};
    gb_attn_export a = {.maps = m, .n_maps = 2};
    const char *p = gbt_tmp("att2.csv");
    gbt_assert_ok(gb_export_attention(p, &a, &err), &err);
    char *s;
    size_t n;
    gbt_assert_ok(gb_read_file(p, 1 << 20, &s, &n, &err), &err);
    csv_doc d;
    csv_parse(s, &d);
    assert_int_equal(d.rows, 1 + 18);
    assert_string_equal(d.cell[0][7], "weight");
    /* row 1 + 9 + 3*1 + 2 = map 1, query 1, key 2 */
    int r = 1 + 9 + 3 + 2;
    assert_string_equal(d.cell[r][1], "1");
    assert_string_equal(d.cell[r][2], "2");
    assert_string_equal(d.cell[r][4], TOK[1]);
    assert_string_equal(d.cell[r][6], TOK[2]);
    assert_true(strtof(d.cell[r][7], NULL) == w[1][5]);
    csv_free(&d);
    free(s);
}

/* JSON attention: valid JSON, the documented keys, floats that round-trip. */
static void test_json_attention(void **state) {
    (void)state;
    gb_error err = {0};
    float w[12]; /* [3 queries, 4 keys] */
    fill(w, 12, 8);
    w[5] = NAN; /* documented: written as null */
    int ids[4] = {10, 20, 30, 40};
    gb_attn_map m = {.module = "blocks.0.attn", .n_q = 3, .n_k = 4, .w = w, .q_tokens = TOK,
                     .k_tokens = TOK, .q_ids = ids, .k_ids = ids};
    gb_kv meta[1] = {{"model", "tiny"}};
    gb_attn_export a = {.maps = &m, .n_maps = 1, .meta = meta, .n_meta = 1};
    const char *p = gbt_tmp("att.json");
    gbt_assert_ok(gb_export_attention(p, &a, &err), &err);
    json_error_t je;
    json_t *root = json_load_file(p, 0, &je);
    if (!root) fail_msg("invalid JSON: %s line %d", je.text, je.line);
    assert_string_equal(json_string_value(json_object_get(root, "format")), "glassbox.attention");
    assert_string_equal(json_string_value(json_object_get(json_object_get(root, "metadata"), "model")), "tiny");
    json_t *m0 = json_array_get(json_object_get(root, "maps"), 0);
    assert_string_equal(json_string_value(json_array_get(json_object_get(m0, "key_tokens"), 2)), TOK[2]);
    /* not UTF-8 in, valid JSON out: the byte became U+FFFD */
    assert_string_equal(json_string_value(json_array_get(json_object_get(m0, "key_tokens"), 3)), "x\xef\xbf\xbd");
    assert_int_equal(json_integer_value(json_array_get(json_object_get(m0, "query_ids"), 1)), 20);
    json_t *W = json_object_get(m0, "weights");
    for (int q = 0; q < 3; q++)
        for (int k = 0; k < 4; k++) {
            json_t *v = json_array_get(json_array_get(W, (size_t)q), (size_t)k);
            if (q == 1 && k == 1) assert_true(json_is_null(v));
            else assert_true((float)json_number_value(v) == w[q * 4 + k]);
        }
    json_decref(root);
}

/* NPY attention with a [L, H] lead shape; maps of different shapes are refused. */
static void test_npy_attention_shapes(void **state) {
    (void)state;
    gb_error err = {0};
    float w[4][6];
    gb_attn_map m[4];
    for (int i = 0; i < 4; i++) {
        fill(w[i], 6, 20 + (unsigned)i);
        m[i] = (gb_attn_map){.module = i < 2 ? "blocks.0.attn" : "blocks.1.attn", .layer = i / 2,
                             .head = i % 2, .n_q = 2, .n_k = 3, .w = w[i]};
    }
    gb_attn_export a = {.maps = m, .n_maps = 4, .lead_ndim = 2, .lead_shape = {2, 2}};
    const char *p = gbt_tmp("att.npy");
    gbt_assert_ok(gb_export_attention(p, &a, &err), &err);
    float *back;
    int nd;
    int64_t sh[4];
    gbt_assert_ok(gb_npy_read(p, &back, &nd, sh, &err), &err);
    assert_int_equal(nd, 4);
    assert_true(sh[0] == 2 && sh[1] == 2 && sh[2] == 2 && sh[3] == 3);
    assert_memory_equal(back, w, sizeof w);
    free(back);
    m[3].n_k = 2;
    assert_int_equal(gb_export_attention(gbt_tmp("bad.npy"), &a, &err), GB_ERR_INPUT);
    printf("  %s\n", err.msg);
    assert_int_equal(access(gbt_tmp("bad.npy"), F_OK), -1);
}

/* safetensors attention: one [heads, Tq, Tk] tensor per module, heads and tokens in metadata. */
static void test_safetensors_attention(void **state) {
    (void)state;
    gb_error err = {0};
    float w[3][4];
    gb_attn_map m[3];
    for (int i = 0; i < 3; i++) {
        fill(w[i], 4, 30 + (unsigned)i);
        m[i] = (gb_attn_map){.module = i < 2 ? "blocks.0.attn" : "blocks.0.cross_attn", .head = i < 2 ? i : 3,
                             .n_q = 2, .n_k = 2, .w = w[i], .q_tokens = TOK, .k_tokens = TOK + 2};
    }
    gb_attn_export a = {.maps = m, .n_maps = 3};
    const char *p = gbt_tmp("att.safetensors");
    gbt_assert_ok(gb_export_attention(p, &a, &err), &err);
    gb_st_contents sc;
    gbt_assert_ok(gb_st_contents_read(p, &sc, &err), &err);
    const gb_tensor *t = gb_st_contents_find(&sc, "blocks.0.attn.hook_pattern");
    assert_non_null(t);
    assert_true(t->ndim == 3 && t->shape[0] == 2 && t->shape[1] == 2 && t->shape[2] == 2);
    assert_memory_equal(t->data, w, 8 * sizeof(float));
    assert_memory_equal(gb_st_contents_find(&sc, "blocks.0.cross_attn.hook_pattern")->data, w[2], 16);
    assert_string_equal(gb_st_contents_meta(&sc, "blocks.0.cross_attn.heads"), "3");
    json_t *kt = json_loads(gb_st_contents_meta(&sc, "blocks.0.cross_attn.key_tokens"), 0, NULL);
    assert_string_equal(json_string_value(json_array_get(kt, 0)), TOK[2]);
    json_decref(kt);
    gb_st_contents_free(&sc);
}

static const char *VTOK[3] = {"tab\there", "new\nline", "back\\slash"};

/* Projector pair: vectors parse back, metadata has a header and escaped tokens. */
static void test_projector_pair(void **state) {
    (void)state;
    gb_error err = {0};
    float x[3 * 4];
    fill(x, 12, 9);
    int ids[3] = {5, 6, 7};
    const char *cat[3] = {"word", "word", "punct"};
    gb_embed_export e = {.x = x, .n = 3, .d = 4, .tokens = VTOK, .ids = ids, .n_extra = 1,
                         .extra_names = {"category"}, .extra = {cat}};
    const char *p = gbt_tmp("gpt_vectors.tsv");
    gbt_assert_ok(gb_export_embeddings(p, &e, &err), &err);
    char *mp = gb_tsv_metadata_path(p);
    assert_non_null(strstr(mp, "gpt_metadata.tsv"));
    char *v, *md;
    size_t n;
    gbt_assert_ok(gb_read_file(p, 1 << 20, &v, &n, &err), &err);
    gbt_assert_ok(gb_read_file(mp, 1 << 20, &md, &n, &err), &err);
    char *save = NULL;
    int rows = 0;
    for (char *line = strtok_r(v, "\n", &save); line; line = strtok_r(NULL, "\n", &save), rows++) {
        char *s2 = NULL;
        int c = 0;
        for (char *f = strtok_r(line, "\t", &s2); f; f = strtok_r(NULL, "\t", &s2), c++)
            assert_true(strtof(f, NULL) == x[rows * 4 + c]);
        assert_int_equal(c, 4);
    }
    assert_int_equal(rows, 3);
    assert_string_equal(md, "token\tid\tcategory\ntab\\there\t5\tword\nnew\\nline\t6\tword\n"
                            "back\\slash\t7\tpunct\n");
    free(v), free(md), free(mp);
    char *other = gb_tsv_metadata_path("out/emb.tsv");
    assert_string_equal(other, "out/emb.metadata.tsv");
    free(other);
}

/* With one metadata column the projector wants no header row. */
static void test_projector_single_column(void **state) {
    (void)state;
    gb_error err = {0};
    float x[4] = {1, 2, 3, 4};
    gb_embed_export e = {.x = x, .n = 2, .d = 2, .id_name = "position"};
    const char *p = gbt_tmp("pos.tsv");
    gbt_assert_ok(gb_export_embeddings(p, &e, &err), &err);
    char *md;
    size_t n;
    gbt_assert_ok(gb_read_file(gbt_tmp("pos.metadata.tsv"), 1 << 20, &md, &n, &err), &err);
    assert_string_equal(md, "0\n1\n");
    free(md);
}

/* Embeddings CSV has a token column; JSON rows carry id, token and vector. */
static void test_embeddings_csv_json(void **state) {
    (void)state;
    gb_error err = {0};
    float x[3 * 2];
    fill(x, 6, 10);
    gb_embed_export e = {.x = x, .n = 3, .d = 2, .tokens = TOK};
    const char *p = gbt_tmp("emb.csv");
    gbt_assert_ok(gb_export_embeddings(p, &e, &err), &err);
    char *s;
    size_t n;
    gbt_assert_ok(gb_read_file(p, 1 << 20, &s, &n, &err), &err);
    csv_doc d;
    csv_parse(s, &d);
    assert_int_equal(d.rows, 4);
    assert_string_equal(d.cell[0][1], "token");
    assert_string_equal(d.cell[0][3], "d1");
    assert_string_equal(d.cell[2][1], TOK[1]);
    assert_true(strtof(d.cell[3][3], NULL) == x[5]);
    csv_free(&d);
    free(s);
    p = gbt_tmp("emb.json");
    gbt_assert_ok(gb_export_embeddings(p, &e, &err), &err);
    json_t *root = json_load_file(p, 0, NULL);
    assert_non_null(root);
    json_t *r2 = json_array_get(json_object_get(root, "rows"), 2);
    assert_string_equal(json_string_value(json_object_get(r2, "token")), TOK[2]);
    assert_true((float)json_number_value(json_array_get(json_object_get(r2, "vector"), 1)) == x[5]);
    json_decref(root);
}

static int count_entries(const char *dir, const char *prefix) {
    DIR *dp = opendir(dir);
    int n = 0;
    struct dirent *de;
    while (dp && (de = readdir(dp)))
        if (strncmp(de->d_name, prefix, strlen(prefix)) == 0) n++;
    if (dp) closedir(dp);
    return n;
}

/* An unwritable folder: an error naming the path, for every format. */
static void test_unwritable_path(void **state) {
    (void)state;
    float x[4] = {1, 2, 3, 4};
    gb_embed_export e = {.x = x, .n = 2, .d = 2, .tokens = TOK};
    const char *ext[5] = {"npy", "csv", "json", "tsv", "safetensors"};
    for (int i = 0; i < 5; i++) {
        gb_error err = {0};
        char p[128];
        snprintf(p, sizeof p, "/nonexistent-dir/e.%s", ext[i]);
        assert_int_equal(gb_export_embeddings(p, &e, &err), GB_ERR_INPUT);
        assert_non_null(strstr(err.msg, "/nonexistent-dir/e."));
    }
}

/* A write that fails half-way (file size limit) keeps the old file and leaves no temporary. */
static void test_failed_write_keeps_old_file(void **state) {
    (void)state;
    gb_error err = {0};
    const char *p = gbt_tmp("keep.npy");
    gbt_assert_ok(gb_write_file_atomic(p, "old", 3, &err), &err);
    size_t n = 1 << 18;
    float *x = calloc(n, sizeof(float));
    int64_t sh[1] = {(int64_t)n};
    gb_tensor t = gb_tensor_view("x", x, 1, sh);
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = 64 * 1024;
    signal(SIGXFSZ, SIG_IGN);
    setrlimit(RLIMIT_FSIZE, &lim);
    gb_status st = gb_npy_write(p, &t, &err);
    gb_embed_export e = {.x = x, .n = 1 << 12, .d = 64};
    gb_error err2 = {0};
    gb_status st2 = gb_export_embeddings(gbt_tmp("big_vectors.tsv"), &e, &err2);
    setrlimit(RLIMIT_FSIZE, &old);
    free(x);
    assert_int_equal(st, GB_ERR_INPUT);
    printf("  %s\n  %s\n", err.msg, err2.msg);
    assert_non_null(strstr(err.msg, p));
    assert_int_equal(st2, GB_ERR_INPUT);
    char *s;
    gbt_assert_ok(gb_read_file(p, 100, &s, &n, &err), &err);
    assert_string_equal(s, "old");
    free(s);
    assert_int_equal(count_entries(gbt_tmpdir(), "keep.npy.tmp"), 0);
    assert_int_equal(count_entries(gbt_tmpdir(), "big_"), 0);
}

/* An unknown extension is a user error naming the choices. */
static void test_unknown_extension(void **state) {
    (void)state;
    gb_error err = {0};
    float x[2] = {1, 2};
    gb_embed_export e = {.x = x, .n = 1, .d = 2};
    assert_int_equal(gb_export_embeddings(gbt_tmp("e.xlsx"), &e, &err), GB_ERR_INPUT);
    assert_non_null(strstr(err.msg, ".npy"));
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_npy_header_and_roundtrip),
        cmocka_unit_test(test_npy_strided_tensor),
        cmocka_unit_test(test_npy_rejects_bad_files),
        cmocka_unit_test(test_safetensors_roundtrip),
        cmocka_unit_test(test_safetensors_duplicate_names),
        cmocka_unit_test(test_csv_attention_matrix),
        cmocka_unit_test(test_csv_attention_long),
        cmocka_unit_test(test_json_attention),
        cmocka_unit_test(test_npy_attention_shapes),
        cmocka_unit_test(test_safetensors_attention),
        cmocka_unit_test(test_projector_pair),
        cmocka_unit_test(test_projector_single_column),
        cmocka_unit_test(test_embeddings_csv_json),
        cmocka_unit_test(test_unwritable_path),
        cmocka_unit_test(test_failed_write_keeps_old_file),
        cmocka_unit_test(test_unknown_extension),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
