/* test_safetensors.c - the safetensors writer's layout and the reader's
 * conversions, edge cases and refusals of what it cannot write. */
#include "gbtest.h"

#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "glassbox/platform.h"
#include "glassbox/safetensors.h"

/* Write 8-byte length + header + data as a file; returns its path. */
static const char *write_raw(const char *name, const char *header, size_t hlen, const void *data, size_t dlen) {
    const char *path = gbt_tmp(name);
    size_t n = 8 + hlen + dlen;
    unsigned char *buf = malloc(n);
    for (int i = 0; i < 8; i++) buf[i] = (unsigned char)((uint64_t)hlen >> (8 * i));
    memcpy(buf + 8, header, hlen);
    if (dlen) memcpy(buf + 8 + hlen, data, dlen);
    gb_error err = {0};
    gbt_assert_ok(gb_write_file_atomic(path, buf, n, &err), &err);
    free(buf);
    return path;
}

static uint64_t le64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

/* The writer pads the header with spaces to a multiple of 8, puts __metadata__
 * first, sorts tensors by name and packs their data in that order. */
static void test_writer_layout(void **state) {
    (void)state;
    gb_error err = {0};
    float a[6] = {1, 2, 3, 4, 5, 6}, b[2] = {-1, -2}, c[1] = {42};
    gb_st_write_tensor ts[] = {
        {"zeta", 2, {2, 3}, a},
        {"alpha", 1, {2}, b},
        {"mid.scalar", 0, {0}, c},
    };
    gb_st_kv meta[] = {{"format", "pt"}, {"note", "hi"}};
    const char *path = gbt_tmp("layout.safetensors");
    gbt_assert_ok(gb_st_write(path, ts, 3, meta, 2, &err), &err);
    char *bytes;
    size_t len;
    gbt_assert_ok(gb_read_file(path, 1 << 20, &bytes, &len, &err), &err);
    uint64_t hl = le64((unsigned char *)bytes);
    assert_int_equal(hl % 8, 0);
    assert_int_equal(len, 8 + hl + 4 * (6 + 2 + 1));
    size_t end = 8 + hl, spaces = 0; /* the JSON ends in '}', then fewer than 8 spaces */
    while (bytes[end - 1 - spaces] == ' ') spaces++;
    assert_true(spaces < 8);
    assert_int_equal(bytes[end - 1 - spaces], '}');
    assert_memory_equal(bytes + 8, "{\"__metadata__\":", 16);
    char *pa = strstr(bytes + 8, "\"alpha\""), *pm = strstr(bytes + 8, "\"mid.scalar\""),
         *pz = strstr(bytes + 8, "\"zeta\"");
    assert_true(pa && pm && pz && pa < pm && pm < pz);
    float data[9];
    memcpy(data, bytes + 8 + hl, sizeof data);
    float want[9] = {-1, -2, 42, 1, 2, 3, 4, 5, 6};
    assert_memory_equal(data, want, sizeof want);
    free(bytes);

    gb_st_file f;
    gbt_assert_ok(gb_st_open(path, &f, &err), &err);
    assert_int_equal(f.n_tensors, 3);
    const gb_st_tensor *t = gb_st_find(&f, "mid.scalar");
    assert_non_null(t);
    assert_int_equal(t->ndim, 0);
    assert_int_equal(t->numel, 1);
    t = gb_st_find(&f, "zeta");
    assert_int_equal(t->ndim, 2);
    assert_int_equal(t->shape[1], 3);
    float z[6];
    gbt_assert_ok(gb_st_read_f32(&f, t, z, &err), &err);
    assert_memory_equal(z, a, sizeof a);
    assert_null(gb_st_find(&f, "nope"));
    assert_string_equal(gb_st_meta_get(&f, "note"), "hi");
    assert_null(gb_st_meta_get(&f, "absent"));
    gb_st_close(&f);
}

/* Names and metadata with quotes, backslashes, newlines and UTF-8 survive a round trip. */
static void test_escaping_round_trip(void **state) {
    (void)state;
    gb_error err = {0};
    float x[1] = {3.5f};
    const char *odd = "we\"ird\\name\nwith tab\t and é";
    gb_st_write_tensor ts[] = {{odd, 1, {1}, x}};
    gb_st_kv meta[] = {{"glassbox.note", "line1\nline2 \"q\" \\ \x01"}};
    const char *path = gbt_tmp("escape.safetensors");
    gbt_assert_ok(gb_st_write(path, ts, 1, meta, 1, &err), &err);
    gb_st_file f;
    gbt_assert_ok(gb_st_open(path, &f, &err), &err);
    assert_non_null(gb_st_find(&f, odd));
    assert_string_equal(gb_st_meta_get(&f, "glassbox.note"), "line1\nline2 \"q\" \\ \x01");
    gb_st_close(&f);
}

/* The writer refuses duplicate names, invalid UTF-8 and bad shapes, leaving no file. */
static void test_writer_refusals(void **state) {
    (void)state;
    float x[4] = {0};
    struct {
        gb_st_write_tensor t[2];
        int n;
        const char *want;
    } cases[] = {
        {{{"a", 1, {2}, x}, {"a", 1, {2}, x}}, 2, "tensor name a appears twice"},
        {{{"bad\xff", 1, {2}, x}}, 1, "not valid UTF-8"},
        {{{"neg", 1, {-2}, x}}, 1, "tensor neg has an invalid shape"},
        {{{"deep", 9, {1}, x}}, 1, "tensor deep has 9 dimensions"},
        {{{"__metadata__", 1, {1}, x}}, 1, "reserved name"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gb_error err = {0};
        const char *path = gbt_tmp("refused.safetensors");
        assert_int_equal(gb_st_write(path, cases[i].t, cases[i].n, NULL, 0, &err), GB_ERR_INPUT);
        if (!strstr(err.msg, cases[i].want)) fail_msg("message \"%s\" lacks \"%s\"", err.msg, cases[i].want);
        assert_non_null(strstr(err.msg, path));
        assert_int_equal(access(path, F_OK), -1);
    }
    gb_error err = {0};
    gb_st_kv meta[] = {{"k", "\xc3("}};
    assert_int_equal(gb_st_write(gbt_tmp("refused.safetensors"), NULL, 0, meta, 1, &err), GB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "metadata key k"));
}

/* F16 and BF16 tensors are converted exactly (normal, subnormal, max, negative);
 * infinities are refused by the checked read but kept by the raw one. */
static void test_half_precision(void **state) {
    (void)state;
    /* F16: 1, -2, 2^-24 (smallest subnormal), 65504 (max), 1/3 rounded, +inf */
    uint16_t h[6] = {0x3C00, 0xC000, 0x0001, 0x7BFF, 0x3555, 0x7C00};
    /* BF16: 1, -5, 2^-126 (smallest normal) */
    uint16_t bf[3] = {0x3F80, 0xC0A0, 0x0080};
    unsigned char data[18];
    memcpy(data, h, 12);
    memcpy(data + 12, bf, 6);
    const char *hdr = "{\"h\":{\"dtype\":\"F16\",\"shape\":[6],\"data_offsets\":[0,12]},"
                      "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[12,18]}}";
    const char *path = write_raw("half.safetensors", hdr, strlen(hdr), data, sizeof data);
    gb_error err = {0};
    gb_st_file f;
    gbt_assert_ok(gb_st_open(path, &f, &err), &err);
    float x[6];
    const gb_st_tensor *t = gb_st_find(&f, "h");
    assert_int_equal(t->dtype, GB_ST_F16);
    gb_st_read_f32_raw(&f, t, x);
    assert_true(x[0] == 1.0f && x[1] == -2.0f && x[2] == ldexpf(1, -24) && x[3] == 65504.0f);
    assert_true(x[4] == 0x1.554p-2f);
    assert_true(isinf(x[5]) && x[5] > 0);
    assert_int_equal(gb_st_read_f32(&f, t, x, &err), GB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "tensor h has a non-finite value (inf) at index 5"));
    t = gb_st_find(&f, "b");
    gb_error_clear(&err);
    gbt_assert_ok(gb_st_read_f32(&f, t, x, &err), &err);
    assert_true(x[0] == 1.0f && x[1] == -5.0f && x[2] == ldexpf(1, -126));
    gb_st_close(&f);
}

/* An unpadded header leaves the data unaligned; it still reads correctly, and
 * gaps between tensors and zero-size tensors are fine. */
static void test_unaligned_and_gaps(void **state) {
    (void)state;
    float v[3] = {1.5f, -2.25f, 1e-30f};
    unsigned char data[4 + 12];
    memset(data, 0xEE, 4); /* a 4-byte gap before the tensor */
    memcpy(data + 4, v, 12);
    const char *hdr = "{\"v\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[4,16]},"
                      "\"e\":{\"dtype\":\"F32\",\"shape\":[5000000,0,5],\"data_offsets\":[16,16]}} ";
    assert_true(strlen(hdr) % 4 != 0);
    const char *path = write_raw("unaligned.safetensors", hdr, strlen(hdr), data, sizeof data);
    gb_error err = {0};
    gb_st_file f;
    gbt_assert_ok(gb_st_open(path, &f, &err), &err);
    float x[3];
    gbt_assert_ok(gb_st_read_f32(&f, gb_st_find(&f, "v"), x, &err), &err);
    assert_memory_equal(x, v, sizeof v);
    assert_int_equal(gb_st_find(&f, "e")->numel, 0);
    gb_st_close(&f);
}

/* An empty set of tensors is a valid file. */
static void test_empty_file_round_trip(void **state) {
    (void)state;
    gb_error err = {0};
    const char *path = gbt_tmp("empty.safetensors");
    gbt_assert_ok(gb_st_write(path, NULL, 0, NULL, 0, &err), &err);
    gb_st_file f;
    gbt_assert_ok(gb_st_open(path, &f, &err), &err);
    assert_int_equal(f.n_tensors, 0);
    assert_int_equal(f.n_meta, 0);
    gb_st_close(&f);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_layout),
        cmocka_unit_test(test_escaping_round_trip),
        cmocka_unit_test(test_writer_refusals),
        cmocka_unit_test(test_half_precision),
        cmocka_unit_test(test_unaligned_and_gaps),
        cmocka_unit_test(test_empty_file_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
