/* train_ckpt.c - training checkpoints: a safetensors file holding the
 * parameters and both AdamW moments (flat F32 tensors "params", "adam.m",
 * "adam.v", carved like gb_model_layout) plus __metadata__ with the step, the
 * trainer's random state, the model config and the caller's own metadata
 * (the trainer driver stores its settings there to refuse a mismatched resume).
 * Written atomically: a kill during the write leaves the previous checkpoint.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "glassbox/platform.h"
#include "train_internal.h"

static const char *TENSORS[3] = {"params", "adam.m", "adam.v"};

/* The config as a canonical JSON string (our own fields, fixed order). */
static char *config_string(const gb_config *c) {
    char buf[1024];
    snprintf(buf, sizeof buf,
             "{\"arch\":%d,\"vocab\":%d,\"d\":%d,\"layers\":%d,\"enc_layers\":%d,\"heads\":%d,\"kv_heads\":%d,"
             "\"d_head\":%d,\"d_ff\":%d,\"max_seq\":%d,\"pos\":%d,\"norm\":%d,\"pre\":%d,\"act\":%d,\"tied\":%d,"
             "\"bias\":%d,\"scale_embed\":%d,\"classes\":%d}",
             (int)c->arch, c->vocab_size, c->d_model, c->n_layers, c->n_enc_layers, c->n_heads, c->n_kv_heads,
             c->d_head, c->d_ff, c->max_seq, (int)c->pos, (int)c->norm, c->pre_norm, (int)c->act,
             c->tied_embeddings, c->bias, c->scale_embed, c->n_classes);
    char *s = malloc(strlen(buf) + 1);
    if (s) strcpy(s, buf);
    return s;
}

static char *header_json(const gb_trainer *t, const char *user_meta) {
    json_t *h = json_object(), *meta = json_object();
    size_t n = t->m->n_params, bytes = n * sizeof(float);
    for (int i = 0; i < 3; i++)
        json_object_set_new(h, TENSORS[i],
                            json_pack("{s:s, s:[I], s:[I,I]}", "dtype", "F32", "shape", (json_int_t)n,
                                      "data_offsets", (json_int_t)(i * bytes), (json_int_t)((i + 1) * bytes)));
    char num[32];
    char *cfg = config_string(&t->m->cfg);
    json_object_set_new(meta, "glassbox.checkpoint", json_string("1"));
    snprintf(num, sizeof num, "%ld", t->step);
    json_object_set_new(meta, "step", json_string(num));
    snprintf(num, sizeof num, "%" PRIu64, t->rng);
    json_object_set_new(meta, "rng", json_string(num));
    json_object_set_new(meta, "config", json_string(cfg ? cfg : ""));
    json_object_set_new(meta, "user", json_string(user_meta ? user_meta : ""));
    json_object_set_new(h, "__metadata__", meta);
    char *s = json_dumps(h, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(h);
    free(cfg);
    return s;
}

gb_status gb_checkpoint_save(const gb_trainer *t, const char *path, const char *user_meta, gb_error *err) {
    char *hdr = header_json(t, user_meta);
    if (!hdr) return gb_fail(err, GB_ERR_INTERNAL, "out of memory for a checkpoint header");
    size_t hl = strlen(hdr), pad = (8 - hl % 8) % 8; /* data starts 8-byte aligned */
    uint64_t len = hl + pad;
    unsigned char le[8];
    for (int i = 0; i < 8; i++) le[i] = (unsigned char)(len >> (8 * i));
    gb_afile af;
    gb_status st = gb_afile_open(&af, path, err);
    if (st) {
        free(hdr);
        return st;
    }
    size_t n = t->m->n_params;
    int ok = fwrite(le, 1, 8, af.fp) == 8 && fwrite(hdr, 1, hl, af.fp) == hl &&
             fwrite("        ", 1, pad, af.fp) == pad && fwrite(t->m->params, sizeof(float), n, af.fp) == n &&
             fwrite(t->adam_m, sizeof(float), n, af.fp) == n && fwrite(t->adam_v, sizeof(float), n, af.fp) == n;
    free(hdr);
    if (!ok) {
        gb_afile_abort(&af);
        return gb_fail(err, GB_ERR_INTERNAL, "%s: cannot write the checkpoint", path);
    }
    return gb_afile_commit(&af, err);
}

static const char *meta_str(json_t *meta, const char *key) {
    json_t *v = json_object_get(meta, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Check one tensor entry: F32, [n], offsets i*bytes..(i+1)*bytes. */
static int tensor_ok(json_t *h, int i, size_t n) {
    json_t *e = json_object_get(h, TENSORS[i]);
    json_t *dt = json_object_get(e, "dtype"), *sh = json_object_get(e, "shape"), *off = json_object_get(e, "data_offsets");
    size_t bytes = n * sizeof(float);
    return json_is_string(dt) && strcmp(json_string_value(dt), "F32") == 0 && json_array_size(sh) == 1 &&
           (size_t)json_integer_value(json_array_get(sh, 0)) == n && json_array_size(off) == 2 &&
           (size_t)json_integer_value(json_array_get(off, 0)) == i * bytes &&
           (size_t)json_integer_value(json_array_get(off, 1)) == (i + 1) * bytes;
}

/* Parameters and first moments finite, second moments finite and >= 0 (AdamW
 * divides by their square root): a damaged checkpoint is refused before it
 * overwrites anything. The data may be unaligned, hence memcpy. */
static gb_status check_values(const char *path, const unsigned char *data, size_t n, gb_error *err) {
    for (size_t i = 0; i < 3 * n; i++) {
        float v;
        memcpy(&v, data + i * sizeof v, sizeof v);
        if (!isfinite(v) || (i >= 2 * n && v < 0))
            return gb_fail(err, GB_ERR_INPUT, "%s: tensor %s has %s value (%g) at index %zu", path, TENSORS[i / n],
                           isfinite(v) ? "a negative" : "a non-finite", (double)v, i % n);
    }
    return GB_OK;
}

static gb_status parse_and_restore(gb_trainer *t, const char *path, const unsigned char *data, size_t size,
                                   char **user_meta, gb_error *err) {
    if (size < 8) return gb_fail(err, GB_ERR_INPUT, "%s: too short for a checkpoint", path);
    uint64_t hl = 0;
    for (int i = 0; i < 8; i++) hl |= (uint64_t)data[i] << (8 * i);
    size_t n = t->m->n_params, want = 3 * n * sizeof(float);
    if (hl > size - 8 || size - 8 - hl != want)
        return gb_fail(err, GB_ERR_INPUT, "%s: checkpoint size does not match this model (%zu bytes of tensors expected)",
                       path, want);
    json_error_t je;
    json_t *h = json_loadb((const char *)data + 8, (size_t)hl, 0, &je);
    if (!h) return gb_fail(err, GB_ERR_INPUT, "%s: bad checkpoint header: %s", path, je.text);
    json_t *meta = json_object_get(h, "__metadata__");
    const char *step = meta_str(meta, "step"), *rng = meta_str(meta, "rng"), *cfg = meta_str(meta, "config");
    char *mine = config_string(&t->m->cfg);
    gb_status st = GB_OK;
    if (!meta_str(meta, "glassbox.checkpoint") || !step || !rng || !cfg)
        st = gb_fail(err, GB_ERR_INPUT, "%s: not a glassbox training checkpoint", path);
    else if (!mine || strcmp(mine, cfg) != 0)
        st = gb_fail(err, GB_ERR_INPUT, "%s: checkpoint is for another model configuration", path);
    for (int i = 0; i < 3 && !st; i++)
        if (!tensor_ok(h, i, n)) st = gb_fail(err, GB_ERR_INPUT, "%s: tensor %s has the wrong shape", path, TENSORS[i]);
    if (!st) st = check_values(path, data + 8 + hl, n, err);
    if (!st) {
        const float *base = (const float *)(const void *)(data + 8 + hl);
        memcpy(t->m->params, base, n * sizeof(float));
        memcpy(t->adam_m, base + n, n * sizeof(float));
        memcpy(t->adam_v, base + 2 * n, n * sizeof(float));
        t->step = strtol(step, NULL, 10);
        t->rng = strtoull(rng, NULL, 10);
        if (user_meta) {
            const char *u = meta_str(meta, "user");
            *user_meta = malloc(strlen(u ? u : "") + 1);
            if (*user_meta) strcpy(*user_meta, u ? u : "");
        }
    }
    free(mine);
    json_decref(h);
    return st;
}

gb_status gb_checkpoint_load(gb_trainer *t, const char *path, char **user_meta, gb_error *err) {
    if (user_meta) *user_meta = NULL;
    char *buf = NULL;
    size_t len = 0;
    size_t limit = 3 * t->m->n_params * sizeof(float) + ((size_t)1 << 20);
    gb_status st = gb_read_file(path, limit, &buf, &len, err);
    if (st) return st;
    st = parse_and_restore(t, path, (const unsigned char *)buf, len, user_meta, err);
    free(buf);
    return st;
}
