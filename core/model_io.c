/* model_io.c - the model config as JSON, native save/load, and finding models by spec.
 *
 * The native format is safetensors (F32) with the parameter names of
 * glassbox/model.h and, in __metadata__:
 *   "format": "pt"                 (what other safetensors readers expect)
 *   "glassbox.config": "{...}"     the gb_config as JSON (gb_config_to_json)
 *   "glassbox.tokenizer": "ref"    optional: the tokenizer, relative to the file's folder
 * Foreign formats (Hugging Face GPT-2, llama2.c) are mapped in model_import.c. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "glassbox/model.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "glassbox/platform.h"
#include "glassbox/safetensors.h"
#include "model_import.h"

/* ---- the config as JSON ---- */

/* The shortest decimal that reads back as exactly f (1e-05, not 9.99999975e-06). */
static json_t *float_json(float f) {
    char buf[32];
    for (int digits = 1; digits <= 9; digits++) {
        snprintf(buf, sizeof buf, "%.*g", digits, (double)f);
        double d = strtod(buf, NULL);
        if ((float)d == f) return json_real(d);
    }
    return json_real((double)f); /* unreachable: 9 digits always round-trip a float */
}

char *gb_config_to_json(const gb_config *c) {
    json_t *o = json_object();
    json_object_set_new(o, "arch", json_string(gb_arch_name(c->arch)));
    json_object_set_new(o, "vocab_size", json_integer(c->vocab_size));
    json_object_set_new(o, "d_model", json_integer(c->d_model));
    json_object_set_new(o, "n_layers", json_integer(c->n_layers));
    json_object_set_new(o, "n_enc_layers", json_integer(c->n_enc_layers));
    json_object_set_new(o, "n_heads", json_integer(c->n_heads));
    json_object_set_new(o, "n_kv_heads", json_integer(c->n_kv_heads));
    json_object_set_new(o, "d_head", json_integer(c->d_head));
    json_object_set_new(o, "d_ff", json_integer(c->d_ff));
    json_object_set_new(o, "max_seq", json_integer(c->max_seq));
    json_object_set_new(o, "pos", json_string(gb_pos_name(c->pos)));
    json_object_set_new(o, "norm", json_string(gb_norm_name(c->norm)));
    json_object_set_new(o, "pre_norm", json_boolean(c->pre_norm));
    json_object_set_new(o, "act", json_string(gb_act_name(c->act)));
    json_object_set_new(o, "tied_embeddings", json_boolean(c->tied_embeddings));
    json_object_set_new(o, "bias", json_boolean(c->bias));
    json_object_set_new(o, "scale_embed", json_boolean(c->scale_embed));
    json_object_set_new(o, "norm_eps", float_json(c->norm_eps));
    json_object_set_new(o, "rope_theta", float_json(c->rope_theta));
    json_object_set_new(o, "n_classes", json_integer(c->n_classes));
    json_t *labels = json_array();
    for (int i = 0; i < c->n_classes && i < GB_MAX_CLASSES; i++)
        json_array_append_new(labels, json_string(c->class_labels[i]));
    json_object_set_new(o, "class_labels", labels);
    /* 9 significant digits print each of those doubles as its short decimal. */
    char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(9));
    json_decref(o);
    return s;
}

/* An enum-valued key: one of names[0..n). Absent keys keep *out. */
static gb_status get_enum(json_t *o, const char *key, const char *(*name)(int), int n, int *out,
                          gb_error *err) {
    json_t *v = json_object_get(o, key);
    if (!v) return GB_OK;
    if (json_is_string(v))
        for (int i = 0; i < n; i++)
            if (strcmp(json_string_value(v), name(i)) == 0) {
                *out = i;
                return GB_OK;
            }
    char options[200] = "";
    for (int i = 0; i < n; i++) {
        size_t k = strlen(options);
        snprintf(options + k, sizeof options - k, "%s%s", i ? ", " : "", name(i));
    }
    return gb_fail(err, GB_ERR_INPUT, "config key \"%s\" must be one of %s", key, options);
}

static gb_status get_int(json_t *o, const char *key, int *out, gb_error *err) {
    json_t *v = json_object_get(o, key);
    if (!v) return GB_OK;
    if (!json_is_integer(v)) return gb_fail(err, GB_ERR_INPUT, "config key \"%s\" must be an integer", key);
    json_int_t x = json_integer_value(v);
    if (x < 0 || x > INT_MAX)
        return gb_fail(err, GB_ERR_INPUT, "config key \"%s\" is %lld, out of range [0, %d]", key, (long long)x,
                       INT_MAX);
    *out = (int)x;
    return GB_OK;
}

static gb_status get_bool(json_t *o, const char *key, int *out, gb_error *err) {
    json_t *v = json_object_get(o, key);
    if (!v) return GB_OK;
    if (json_is_boolean(v)) *out = json_is_true(v);
    else if (json_is_integer(v) && (json_integer_value(v) == 0 || json_integer_value(v) == 1))
        *out = (int)json_integer_value(v);
    else return gb_fail(err, GB_ERR_INPUT, "config key \"%s\" must be true or false", key);
    return GB_OK;
}

static gb_status get_float(json_t *o, const char *key, float *out, gb_error *err) {
    json_t *v = json_object_get(o, key);
    if (!v) return GB_OK;
    if (!json_is_number(v) || !isfinite(json_number_value(v)) || fabs(json_number_value(v)) > 1e30)
        return gb_fail(err, GB_ERR_INPUT, "config key \"%s\" must be a finite number", key);
    *out = (float)json_number_value(v);
    return GB_OK;
}

static gb_status get_labels(json_t *o, gb_config *c, gb_error *err) {
    json_t *v = json_object_get(o, "class_labels");
    if (!v) return GB_OK;
    if (!json_is_array(v)) return gb_fail(err, GB_ERR_INPUT, "config key \"class_labels\" must be an array");
    size_t n = json_array_size(v);
    if (n == 0) return GB_OK;
    if (n != (size_t)c->n_classes)
        return gb_fail(err, GB_ERR_INPUT, "config key \"class_labels\" has %zu labels but n_classes is %d", n,
                       c->n_classes);
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(v, i);
        if (!json_is_string(s) || strlen(json_string_value(s)) >= GB_MAX_LABEL)
            return gb_fail(err, GB_ERR_INPUT, "config key \"class_labels\": label %zu is not a string of at most %d bytes",
                           i, GB_MAX_LABEL - 1);
        snprintf(c->class_labels[i], GB_MAX_LABEL, "%s", json_string_value(s));
    }
    return GB_OK;
}

static const char *arch_name_i(int i) { return gb_arch_name((gb_arch)i); }
static const char *pos_name_i(int i) { return gb_pos_name((gb_pos_kind)i); }
static const char *norm_name_i(int i) { return gb_norm_name((gb_norm_kind)i); }
static const char *act_name_i(int i) { return gb_act_name((gb_act)i); }

static gb_status config_from_object(json_t *o, gb_config *c, gb_error *err) {
    int arch = GB_ARCH_DECODER, pos, norm, act;
    gb_status st = get_enum(o, "arch", arch_name_i, 3, &arch, err);
    if (st) return st;
    gb_config_defaults(c, (gb_arch)arch);
    pos = (int)c->pos, norm = (int)c->norm, act = (int)c->act;
    if (!st) st = get_int(o, "vocab_size", &c->vocab_size, err);
    if (!st) st = get_int(o, "d_model", &c->d_model, err);
    if (!st) st = get_int(o, "n_layers", &c->n_layers, err);
    if (!st) st = get_int(o, "n_enc_layers", &c->n_enc_layers, err);
    if (!st) st = get_int(o, "n_heads", &c->n_heads, err);
    c->n_kv_heads = c->n_heads;
    if (!st) st = get_int(o, "n_kv_heads", &c->n_kv_heads, err);
    if (!st && c->n_heads > 0) c->d_head = c->d_model / c->n_heads;
    if (!st) st = get_int(o, "d_head", &c->d_head, err);
    c->d_ff = 4 * (c->d_model < INT_MAX / 4 ? c->d_model : 0);
    if (!st) st = get_int(o, "d_ff", &c->d_ff, err);
    if (!st) st = get_int(o, "max_seq", &c->max_seq, err);
    if (!st) st = get_enum(o, "pos", pos_name_i, 4, &pos, err);
    if (!st) st = get_enum(o, "norm", norm_name_i, 2, &norm, err);
    if (!st) st = get_enum(o, "act", act_name_i, 4, &act, err);
    c->pos = (gb_pos_kind)pos, c->norm = (gb_norm_kind)norm, c->act = (gb_act)act;
    if (!st) st = get_bool(o, "pre_norm", &c->pre_norm, err);
    if (!st) st = get_bool(o, "tied_embeddings", &c->tied_embeddings, err);
    if (!st) st = get_bool(o, "bias", &c->bias, err);
    if (!st) st = get_bool(o, "scale_embed", &c->scale_embed, err);
    if (!st) st = get_float(o, "norm_eps", &c->norm_eps, err);
    if (!st) st = get_float(o, "rope_theta", &c->rope_theta, err);
    if (!st) st = get_int(o, "n_classes", &c->n_classes, err);
    if (!st && c->n_classes > GB_MAX_CLASSES)
        st = gb_fail(err, GB_ERR_INPUT, "config key \"n_classes\" is %d, more than %d", c->n_classes, GB_MAX_CLASSES);
    if (!st) st = get_labels(o, c, err);
    if (!st) st = gb_config_validate(c, err);
    return st;
}

gb_status gb_config_from_json(const char *json, size_t len, gb_config *cfg, gb_error *err) {
    json_error_t jerr;
    json_t *o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!o) return gb_fail(err, GB_ERR_INPUT, "config is not valid JSON: %s", jerr.text);
    gb_status st = json_is_object(o) ? config_from_object(o, cfg, err)
                                     : gb_fail(err, GB_ERR_INPUT, "config is not a JSON object");
    json_decref(o);
    return st;
}

/* ---- paths ---- */

char *gb_io_path_join(const char *dir, const char *name) {
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (!p) return NULL;
    memcpy(p, dir, a);
    size_t k = a;
    if (a && dir[a - 1] != '/') p[k++] = '/';
    memcpy(p + k, name, b + 1);
    return p;
}

char *gb_io_path_dir(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) return gb_io_strdup(".");
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, path, n);
    d[n] = '\0';
    return d;
}

int gb_io_is_file(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

int gb_io_is_dir(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* dir/name if that is an existing file, else NULL. */
char *gb_io_beside(const char *dir, const char *name) {
    char *p = gb_io_path_join(dir, name);
    if (p && !gb_io_is_file(p)) {
        free(p);
        p = NULL;
    }
    return p;
}

char *gb_io_strdup(const char *s) {
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

char *gb_find_bundled(const char *relpath) {
    const char *dirs[3] = {getenv("GLASSBOX_DATA"), GB_BUILD_DATA_DIR, GB_INSTALL_DATA_DIR};
    for (int i = 0; i < 3; i++) {
        if (!dirs[i] || !dirs[i][0]) continue;
        char *p = gb_io_path_join(dirs[i], relpath);
        if (p && gb_io_is_file(p)) return p;
        free(p);
    }
    return NULL;
}

/* ---- native files ---- */

/* Copy every parameter of the layout from the file; refuse missing, misshapen
 * and unexpected tensors, naming them. */
static gb_status fill_from_native(gb_model *m, const gb_st_file *f, gb_error *err) {
    for (int i = 0; i < m->n_table; i++) {
        const gb_param *p = &m->table[i];
        const gb_st_tensor *t = gb_st_find(f, p->name);
        if (!t) return gb_fail(err, GB_ERR_INPUT, "%s: tensor %s is missing (the config needs it)", f->path, p->name);
        gb_status st = gb_io_check_shape(f->path, t, p->ndim, p->shape[0], p->shape[1], err);
        if (!st) st = gb_st_read_f32(f, t, m->params + p->offset, err);
        if (st) return st;
    }
    for (int i = 0; i < f->n_tensors; i++)
        if (!gb_model_param(m, f->tensors[i].name))
            return gb_fail(err, GB_ERR_INPUT, "%s: tensor %s is not a parameter of the model its config describes",
                           f->path, f->tensors[i].name);
    return GB_OK;
}

static char *metadata_to_json(const gb_st_file *f) {
    json_t *o = json_object();
    for (int i = 0; i < f->n_meta; i++) json_object_set_new(o, f->meta[i].key, json_string(f->meta[i].value));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

/* The tokenizer reference of a native file: relative to the file's folder
 * when that names an existing file or folder, else verbatim (a bundled name). */
static char *resolve_tokenizer(const char *model_path, const char *ref) {
    if (!ref || !ref[0]) return NULL;
    if (ref[0] == '/') return gb_io_strdup(ref);
    char *dir = gb_io_path_dir(model_path);
    char *p = dir ? gb_io_path_join(dir, ref) : NULL;
    free(dir);
    struct stat sb;
    if (p && stat(p, &sb) == 0) return p;
    free(p);
    return gb_io_strdup(ref);
}

static gb_status load_native(gb_st_file *f, const char *cfg_json, gb_model **out, gb_error *err) {
    gb_config cfg;
    gb_status st = gb_config_from_json(cfg_json, strlen(cfg_json), &cfg, err);
    if (st) {
        gb_error_prefix(err, "%s: metadata glassbox.config", f->path);
        return st;
    }
    gb_model *m = NULL;
    st = gb_model_create(&cfg, &m, err);
    if (st) {
        gb_error_prefix(err, "%s", f->path);
        return st;
    }
    st = fill_from_native(m, f, err);
    if (!st) {
        m->tokenizer_ref = resolve_tokenizer(f->path, gb_st_meta_get(f, "glassbox.tokenizer"));
        m->metadata_json = metadata_to_json(f);
    }
    if (st) gb_model_free(m);
    else *out = m;
    return st;
}

/* A safetensors file: native when it carries glassbox.config, else Hugging
 * Face GPT-2 with config.json in hf_dir. */
static gb_status load_safetensors(const char *path, const char *hf_dir, gb_model **out, gb_error *err) {
    gb_st_file f;
    gb_status st = gb_st_open(path, &f, err);
    if (st) return st;
    const char *cfg_json = gb_st_meta_get(&f, "glassbox.config");
    if (cfg_json) {
        st = load_native(&f, cfg_json, out, err);
    } else {
        char *cfg_path = gb_io_beside(hf_dir, "config.json");
        if (!cfg_path)
            st = gb_fail(err, GB_ERR_INPUT, "%s: no glassbox.config metadata and no config.json beside it, so the model's configuration is unknown",
                         path);
        else st = gb_io_load_hf_gpt2(&f, cfg_path, out, err);
        free(cfg_path);
    }
    gb_st_close(&f);
    return st;
}

static int ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Does the file start like safetensors (a plausible length, then '{')? */
static int looks_like_safetensors(const char *path) {
    unsigned char head[9];
    FILE *fp = fopen(path, "rb");
    if (!fp) return 0;
    size_t n = fread(head, 1, sizeof head, fp);
    fclose(fp);
    uint64_t len = 0;
    for (int i = 7; n == 9 && i >= 0; i--) len = (len << 8) | head[i];
    return n == 9 && len <= GB_ST_MAX_HEADER && head[8] == '{';
}

static gb_status load_file(const char *path, gb_model **out, gb_error *err) {
    if (ends_with(path, ".bin")) return gb_io_load_llama2c(path, out, err);
    if (!ends_with(path, ".safetensors") && !looks_like_safetensors(path))
        return gb_fail(err, GB_ERR_INPUT, "%s: not a model file this program reads (a .safetensors file, a Hugging Face folder or a llama2.c .bin)",
                       path);
    char *dir = gb_io_path_dir(path);
    if (!dir) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    gb_status st = load_safetensors(path, dir, out, err);
    free(dir);
    return st;
}

static gb_status load_folder(const char *dir, gb_model **out, gb_error *err) {
    char *st_path = gb_io_beside(dir, "model.safetensors");
    if (!st_path) {
        char *pt = gb_io_beside(dir, "pytorch_model.bin");
        free(pt);
        if (pt)
            return gb_fail(err, GB_ERR_INPUT, "%s: only pytorch_model.bin (a PyTorch pickle) is here; convert it to model.safetensors",
                           dir);
        return gb_fail(err, GB_ERR_INPUT, "%s: folder has no model.safetensors", dir);
    }
    gb_status st = load_safetensors(st_path, dir, out, err);
    free(st_path);
    if (!st) (*out)->source = gb_io_strdup(dir);
    return st;
}

/* A bare name (no folder, no extension) may name a bundled model. */
static int is_bare_name(const char *s) { return s[0] && !strchr(s, '/') && !strchr(s, '.'); }

/* Resolve spec and load it; *bundled gets the path of a bundled model used. */
static gb_status load_spec(const char *spec, gb_model **out, char **bundled, gb_error *err) {
    if (!spec || !spec[0]) return gb_fail(err, GB_ERR_INPUT, "no model given");
    if (gb_io_is_dir(spec)) return load_folder(spec, out, err);
    if (gb_io_is_file(spec)) return load_file(spec, out, err);
    if (!is_bare_name(spec) || strlen(spec) > GB_MAX_NAME)
        return gb_fail(err, GB_ERR_INPUT, "%s: no such file or folder", spec);
    char rel[GB_MAX_NAME + 32];
    snprintf(rel, sizeof rel, "models/%s.safetensors", spec);
    *bundled = gb_find_bundled(rel);
    if (!*bundled)
        return gb_fail(err, GB_ERR_INPUT, "%s: no such file or folder, and no bundled model of that name", spec);
    return load_file(*bundled, out, err);
}

gb_status gb_model_load(const char *spec, gb_model **out, gb_error *err) {
    *out = NULL;
    gb_error local = {0};
    if (!err) err = &local; /* callers may pass NULL; the readers prefix messages */
    char *bundled = NULL;
    gb_status st = load_spec(spec, out, &bundled, err);
    const char *path = bundled ? bundled : spec;
    if (!st) {
        st = gb_model_check_finite(*out, err);
        if (st) gb_error_prefix(err, "%s", path);
    }
    if (!st && !(*out)->source) (*out)->source = gb_io_strdup(path);
    if (st) {
        gb_model_free(*out);
        *out = NULL;
        gb_st_sanitize_message(err);
    }
    free(bundled);
    return st;
}

/* ---- saving ---- */

/* Split an absolute path into components (in place). Returns the count. */
static int split_path(char *p, char **parts, int cap) {
    int n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(p, "/", &save); tok && n < cap; tok = strtok_r(NULL, "/", &save)) parts[n++] = tok;
    return n;
}

/* The path of `target` relative to folder `from` (both existing), or NULL. */
static char *relative_path(const char *from, const char *target) {
    char *a = realpath(from, NULL), *b = realpath(target, NULL);
    char *res = NULL;
    if (a && b) {
        char *pa[256], *pb[256];
        int na = split_path(a, pa, 256), nb = split_path(b, pb, 256), k = 0;
        while (k < na && k < nb && strcmp(pa[k], pb[k]) == 0) k++;
        size_t len = 2;
        for (int i = k; i < na; i++) len += 3;
        for (int i = k; i < nb; i++) len += strlen(pb[i]) + 1;
        res = malloc(len);
        if (res) {
            res[0] = '\0';
            for (int i = k; i < na; i++) strcat(res, "../");
            for (int i = k; i < nb; i++) {
                strcat(res, pb[i]);
                if (i + 1 < nb) strcat(res, "/");
            }
            if (!res[0]) strcpy(res, ".");
        }
    }
    free(a);
    free(b);
    return res;
}

/* What to store as glassbox.tokenizer: an existing path becomes relative to the
 * model file's folder (so the pair can move together); anything else verbatim. */
static char *tokenizer_reference(const char *model_path, const char *ref) {
    struct stat sb;
    if (stat(ref, &sb) == 0) {
        char *dir = gb_io_path_dir(model_path);
        char *rel = dir ? relative_path(dir, ref) : NULL;
        free(dir);
        if (rel) return rel;
    }
    return gb_io_strdup(ref);
}

/* Extra metadata members carried from m->metadata_json (not the reserved keys). */
static int extra_metadata(const gb_model *m, json_t **holder, gb_st_kv *kv, int cap) {
    *holder = m->metadata_json ? json_loads(m->metadata_json, 0, NULL) : NULL;
    if (!json_is_object(*holder)) return 0;
    int n = 0;
    const char *key;
    json_t *v;
    json_object_foreach(*holder, key, v) {
        if (n >= cap || strcmp(key, "format") == 0 || strcmp(key, "glassbox.config") == 0 ||
            strcmp(key, "glassbox.tokenizer") == 0 || !json_is_string(v))
            continue;
        kv[n].key = key;
        kv[n].value = json_string_value(v);
        n++;
    }
    return n;
}

gb_status gb_model_save(const gb_model *m, const char *path, const char *tokenizer_ref, gb_error *err) {
    gb_st_write_tensor *ts = calloc((size_t)m->n_table + 1, sizeof *ts);
    char *cfg = gb_config_to_json(&m->cfg);
    char *tok = tokenizer_ref ? tokenizer_reference(path, tokenizer_ref) : NULL;
    gb_st_kv kv[64];
    json_t *holder = NULL;
    int nk = 0;
    kv[nk++] = (gb_st_kv){"format", "pt"};
    kv[nk++] = (gb_st_kv){"glassbox.config", cfg};
    if (tok) kv[nk++] = (gb_st_kv){"glassbox.tokenizer", tok};
    nk += extra_metadata(m, &holder, kv + nk, 64 - nk);
    gb_status st;
    if (!ts || !cfg || (tokenizer_ref && !tok)) {
        st = gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", path);
    } else {
        for (int i = 0; i < m->n_table; i++) {
            const gb_param *p = &m->table[i];
            ts[i].name = p->name;
            ts[i].ndim = p->ndim;
            ts[i].shape[0] = p->shape[0];
            ts[i].shape[1] = p->shape[1];
            ts[i].data = m->params + p->offset;
        }
        st = gb_st_write(path, ts, m->n_table, kv, nk, err);
    }
    json_decref(holder);
    free(ts);
    free(cfg);
    free(tok);
    return st;
}
