/* fuzz_session: gb_session_load (a saved generation session: safetensors whose
 * metadata holds the JSON record, replayed on the model) on the tiny decoder
 * of tests/fixtures/malformed/valid_tiny.safetensors (vocab 8, context 4),
 * loaded once.
 *
 * Input: the first byte picks the form. Even: the rest is the JSON record,
 * wrapped here into a safetensors file under "glassbox.session" (so the
 * fuzzer works on the record, not on the container). Odd: the rest is the
 * whole file. A session that loads is read back (tokens, paths, the sampler
 * record of every step), saved again and reloaded: the replay must rebuild the
 * same tree.
 *
 * Seeds: GB_FUZZ_SESSION_SEEDS=DIR fuzz_session -runs=0 writes sessions made
 * on this model (plain, branched, forced, re-sampled, with settings changes)
 * to DIR. */
#include "fuzz_common.h"

#include "glassbox/model.h"
#include "glassbox/platform.h"
#include "glassbox/safetensors.h"
#include "glassbox/session.h"

static gb_model *M;

static void save_seed(const char *dir, const char *name, const gb_session *s, const char *extra) {
    gb_error err = {0};
    char path[700];
    snprintf(path, sizeof path, "%s/%s.safetensors", dir, name);
    if (gb_session_save(s, path, extra, &err)) abort();
    /* the odd form: the whole file */
    char *bytes = NULL;
    size_t n = 0;
    if (gb_read_file(path, 1 << 24, &bytes, &n, &err)) abort();
    char out[760];
    snprintf(out, sizeof out, "%s/raw-%s", dir, name);
    FILE *fp = fopen(out, "wb");
    if (!fp || fputc(1, fp) == EOF || fwrite(bytes, 1, n, fp) != n || fclose(fp)) abort();
    free(bytes);
    /* the even form: the JSON record */
    gb_st_file f;
    if (gb_st_open(path, &f, &err)) abort();
    const char *rec = gb_st_meta_get(&f, "glassbox.session");
    snprintf(out, sizeof out, "%s/json-%s", dir, name);
    fp = fopen(out, "wb");
    if (!rec || !fp || fputc(0, fp) == EOF || fputs(rec, fp) == EOF || fclose(fp)) abort();
    gb_st_close(&f);
    remove(path);
}

static void make_seeds(const char *dir) {
    gb_error err = {0};
    int prompt[2] = {1, 2};
    gb_session_opts o = gb_session_defaults();
    o.prompt = prompt, o.n_prompt = 1, o.max_new_tokens = 3, o.seed = 7;
    gb_session *s;
    if (gb_session_new(M, &o, &s, &err) || gb_session_run(s, &err)) abort();
    save_seed(dir, "plain", s, "{\"model\": \"tiny\", \"text\": \"a b\"}");
    if (gb_session_branch(s, 1, NULL, &err) || gb_session_run(s, &err)) abort();
    save_seed(dir, "branched", s, NULL);
    /* format 2: a branch whose first step is chosen by hand */
    if (gb_session_branch_with(s, 0, 5, NULL, &err) || gb_session_run(s, &err)) abort();
    save_seed(dir, "forced", s, NULL);
    gb_session_free(s);
    o.n_prompt = 2, o.max_new_tokens = 2, o.seed = 3, o.stop_ids[0] = 0, o.n_stop = 1;
    o.settings = (gb_sampler_settings){.temperature = 0.7, .top_k = 3, .top_p = 0.9};
    if (gb_session_new(M, &o, &s, &err) || gb_session_step(s, &err)) abort();
    gb_sampler_settings greedy = {.temperature = 0, .top_k = 0, .top_p = 1};
    if (gb_session_resample(s, &greedy, &err) || gb_session_run(s, &err)) abort();
    save_seed(dir, "resampled", s, NULL);
    gb_session_free(s);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    gb_error err = {0};
    if (gb_model_load(GB_FIXTURES "/malformed/valid_tiny.safetensors", &M, &err)) {
        fprintf(stderr, "fuzz_session: %s\n", err.msg);
        abort();
    }
    const char *seeds = getenv("GB_FUZZ_SESSION_SEEDS");
    if (seeds) make_seeds(seeds);
    return 0;
}

/* Write data as a safetensors file with data as the session record. */
static const char *wrap(const uint8_t *data, size_t size) {
    char *rec = malloc(size + 1);
    if (!rec) abort();
    memcpy(rec, data, size);
    rec[size] = '\0';
    gb_st_kv meta = {"glassbox.session", rec};
    float one = 0;
    gb_st_write_tensor t = {.name = "prompt", .ndim = 1, .shape = {1}, .data = &one};
    gb_error err = {0};
    const char *path = fz_path("session.safetensors");
    /* a record that is not UTF-8 cannot be stored as JSON: fall back to raw bytes */
    if (gb_st_write(path, &t, 1, &meta, 1, &err)) path = fz_write("session.safetensors", data, size);
    free(rec);
    return path;
}

static void read_back(gb_session *s) {
    int n = gb_session_n_nodes(s), ids[64];
    gb_session_tokens(s, false, ids, 64);
    for (int b = 0; b < gb_session_n_branches(s); b++) gb_session_path(s, b, NULL, 0);
    gb_sample_record rec;
    gb_error err = {0};
    if (gb_sample_record_init(&rec, gb_session_vocab(s), &err)) abort();
    for (int i = 0; i < n; i++)
        if (gb_session_node_at(s, i)->alive && gb_session_record(s, i, &rec, &err)) abort();
    gb_sample_record_free(&rec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    const char *path = data[0] & 1 ? fz_write("session.safetensors", data + 1, size - 1) : wrap(data + 1, size - 1);
    gb_error err = {0};
    gb_session *s = NULL;
    char *extra = NULL;
    if (gb_session_load(M, path, &s, &extra, &err) != GB_OK) {
        fz_check_error(&err);
        if (s || extra) abort();
        return 0;
    }
    read_back(s);
    /* save and reload: the same tree */
    const char *again = fz_path("again.safetensors");
    if (gb_session_save(s, again, extra, &err)) {
        fprintf(stderr, "a loaded session cannot be saved: %s\n", err.msg);
        abort();
    }
    gb_session *s2 = NULL;
    if (gb_session_load(M, again, &s2, NULL, &err)) {
        fprintf(stderr, "a saved session does not load: %s\n", err.msg);
        abort();
    }
    int a[64], b[64], na = gb_session_tokens(s, false, a, 64), nb = gb_session_tokens(s2, false, b, 64);
    if (na != nb || memcmp(a, b, (size_t)(na < 64 ? na : 64) * sizeof(int)) ||
        gb_session_n_branches(s) != gb_session_n_branches(s2)) {
        fprintf(stderr, "the reloaded session differs\n");
        abort();
    }
    gb_session_free(s2);
    gb_session_free(s);
    free(extra);
    return 0;
}
