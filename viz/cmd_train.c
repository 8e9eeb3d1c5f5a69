/* cmd_train.c - `glassbox train`: train a model on a text file with our own
 * trainer, with a progress bar, periodic validation, atomic checkpoints and
 * resume.
 *
 * Resume: the checkpoint (default OUT.ckpt) stores parameters, AdamW moments,
 * the step, the trainer's random state and the loss history. Ctrl-C (SIGINT)
 * or a kill (SIGTERM) lets the current step finish, writes a checkpoint and
 * exits 130 / 143; running the same command again continues from it and ends
 * with the same weights as a run that was never interrupted (any kill, even
 * -9, loses at most the steps since the last periodic checkpoint). A
 * checkpoint written by different settings is refused. After the final model
 * is written the checkpoint is removed.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "glassbox/model.h"
#include "glassbox/platform.h"
#include "glassbox/tokenizer.h"
#include "glassbox/train.h"
#include "plot_loss.h"

typedef struct train_opts {
    const char *corpus, *valid, *task, *tokenizer, *out, *checkpoint, *plot, *pos, *norm, *act;
    int vocab_size, d_model, heads, layers, enc_layers, d_ff, context, steps, batch, warmup, eval_every;
    int ckpt_every, threads, eval_batches;
    double lr, weight_decay, clip, min_lr;
    uint64_t seed;
    bool quiet, restart, tokenizer_only;
} train_opts;

/* Everything a run needs, built from the options. */
typedef struct train_run {
    train_opts o;
    gb_task task;
    gb_tokenizer *tok;
    gb_task_text train_text, valid_text;
    gb_train_data train, valid;
    char labels[GB_MAX_CLASSES][GB_MAX_LABEL];
    int n_classes;
    gb_model *m;
    gb_trainer *tr;
    gb_batcher bt;
    gb_optim optim;
    int T, Ts;
    char *settings;       /* canonical settings: a checkpoint must match them */
    char *ckpt_path, *tok_path;
    gb_loss_point *hist;  /* loss history for the curve */
    int n_hist, cap_hist;
    double elapsed_before; /* seconds trained before a resume */
} train_run;

static volatile sig_atomic_t g_stop_signal = 0;
static void on_signal(int sig) { g_stop_signal = sig; }

/* ---- setup ---- */

static gb_status parse_task(const char *s, gb_task *t, gb_error *err) {
    if (strcmp(s, "lm") == 0) *t = GB_TASK_LM;
    else if (strcmp(s, "translate") == 0) *t = GB_TASK_TRANSLATE;
    else if (strcmp(s, "classify") == 0 || strcmp(s, "sentiment") == 0) *t = GB_TASK_CLASSIFY;
    else return gb_fail(err, GB_ERR_INPUT, "train --task: '%s' is not lm, translate or classify", s);
    return GB_OK;
}

static char *concat(const char *a, const char *b) {
    size_t n = strlen(a) + strlen(b) + 1;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s%s", a, b);
    return s;
}

/* "dir/name.safetensors" -> "dir/name" */
static char *path_stem(const char *path) {
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    size_t n = dot && (!slash || dot > slash) ? (size_t)(dot - path) : strlen(path);
    char *s = malloc(n + 1);
    if (s) memcpy(s, path, n), s[n] = '\0';
    return s;
}

static gb_status build_tokenizer(train_run *r, gb_error *err) {
    const char *kind = r->o.tokenizer;
    int is_char = strcmp(kind, "char") == 0, is_word = strcmp(kind, "word") == 0, is_bpe = strcmp(kind, "bpe") == 0;
    if (!is_char && !is_word && !is_bpe) return gb_tokenizer_load(kind, &r->tok, err); /* an existing tokenizer */
    size_t len;
    char *text = gb_task_text_joined(&r->train_text, &len);
    if (!text) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    gb_status st;
    if (is_bpe) {
        gb_bpe_train_opts bo;
        gb_bpe_train_opts_default(&bo);
        if (r->o.vocab_size) bo.vocab_size = r->o.vocab_size;
        st = gb_tokenizer_train_bpe(text, len, &bo, &r->tok, NULL, err);
        /* BPE has <|endoftext|> only: use it as every special the tasks need */
        int eot = st ? -1 : gb_tokenizer_lookup(r->tok, "<|endoftext|>");
        if (!st && eot >= 0 && r->task != GB_TASK_LM)
            for (int s = 0; s < GB_SPECIAL_COUNT && !st; s++)
                if (s != GB_SPECIAL_UNK) st = gb_tokenizer_set_special(r->tok, (gb_special)s, eot, err);
    } else {
        gb_vocab_opts vo;
        gb_vocab_opts_default(&vo);
        vo.max_size = r->o.vocab_size;
        vo.specials[GB_SPECIAL_PAD] = "<pad>";
        vo.specials[GB_SPECIAL_BOS] = "<s>";
        vo.specials[GB_SPECIAL_EOS] = "</s>";
        if (r->task == GB_TASK_CLASSIFY) vo.specials[GB_SPECIAL_CLS] = "<cls>";
        st = gb_tokenizer_build(is_char ? GB_TOK_CHAR : GB_TOK_WORD, text, len, &vo, &r->tok, err);
    }
    free(text);
    if (st) gb_error_prefix(err, "%s", r->o.corpus);
    return st;
}

static void hold_out(gb_task_text *all, gb_task_text *valid) {
    /* no --valid file: every 10th line is held out (lines differ by position only
       if the corpus repeats; the corpus command writes separate files instead) */
    memset(valid, 0, sizeof *valid);
    valid->task = all->task;
    valid->a = malloc((size_t)(all->n / 10 + 1) * sizeof(char *));
    valid->b = malloc((size_t)(all->n / 10 + 1) * sizeof(char *));
    if (!valid->a || !valid->b) return;
    int k = 0;
    for (int i = 0; i < all->n; i++) {
        if (i % 10 == 9) valid->a[valid->n] = all->a[i], valid->b[valid->n++] = all->b[i];
        else all->a[k] = all->a[i], all->b[k++] = all->b[i];
    }
    all->n = k;
}

static gb_status read_data(train_run *r, gb_error *err) {
    gb_status st = gb_task_text_read(r->o.corpus, r->task, &r->train_text, err);
    if (!st && r->o.valid) st = gb_task_text_read(r->o.valid, r->task, &r->valid_text, err);
    else if (!st) hold_out(&r->train_text, &r->valid_text);
    if (!st && r->train_text.n == 0) st = gb_fail(err, GB_ERR_INPUT, "%s: the corpus is empty", r->o.corpus);
    if (!st && r->task == GB_TASK_CLASSIFY) {
        r->n_classes = gb_task_text_labels(&r->train_text, r->labels, GB_MAX_CLASSES);
        if (r->n_classes < 2)
            st = gb_fail(err, GB_ERR_INPUT, "%s: classification needs 2 to %d distinct labels", r->o.corpus, GB_MAX_CLASSES);
    }
    if (!st) st = build_tokenizer(r, err);
    if (!st) st = gb_task_text_encode(&r->train_text, r->tok, r->labels, r->n_classes, 0.05, &r->train, err);
    if (st && !strstr(err->msg, r->o.corpus)) gb_error_prefix(err, "%s", r->o.corpus);
    if (!st && r->valid_text.n > 0)
        st = gb_task_text_encode(&r->valid_text, r->tok, r->labels, r->n_classes, -1, &r->valid, err);
    else if (!st) gb_train_data_init(&r->valid, r->task);
    return st;
}

static gb_status enum_opt(const char *v, const char *const *names, int n, int *out, const char *flag, gb_error *err) {
    for (int i = 0; i < n; i++)
        if (strcmp(v, names[i]) == 0) return *out = i, GB_OK;
    return gb_fail(err, GB_ERR_INPUT, "train %s: '%s' is not one of the choices (see glassbox help train)", flag, v);
}

static gb_status make_model(train_run *r, gb_error *err) {
    const train_opts *o = &r->o;
    gb_config c;
    gb_arch arch = r->task == GB_TASK_LM ? GB_ARCH_DECODER : r->task == GB_TASK_TRANSLATE ? GB_ARCH_ENCDEC : GB_ARCH_ENCODER;
    gb_config_defaults(&c, arch);
    static const char *const POS[] = {"none", "sinusoidal", "learned"}, *const NORM[] = {"post", "pre"},
                             *const ACT[] = {"relu", "gelu", "gelu_tanh"};
    int pos = 0, pre = 0, act = 0;
    gb_status st = enum_opt(o->pos, POS, 3, &pos, "--pos", err);
    if (!st) st = enum_opt(o->norm, NORM, 2, &pre, "--norm", err);
    if (!st) st = enum_opt(o->act, ACT, 3, &act, "--act", err);
    if (st) return st;
    if (o->d_model % o->heads) return gb_fail(err, GB_ERR_INPUT, "train: --d-model %d is not a multiple of --heads %d", o->d_model, o->heads);
    c.vocab_size = gb_tokenizer_vocab_size(r->tok);
    c.d_model = o->d_model, c.n_heads = c.n_kv_heads = o->heads, c.d_head = o->d_model / o->heads;
    c.n_layers = o->layers, c.n_enc_layers = arch == GB_ARCH_ENCDEC ? o->enc_layers : 0;
    c.d_ff = o->d_ff ? o->d_ff : 4 * o->d_model;
    c.pos = (gb_pos_kind)pos, c.pre_norm = pre, c.act = (gb_act)act, c.scale_embed = 1;
    if (r->task == GB_TASK_LM) {
        r->T = o->context;
        if (r->train.n_stream < (size_t)r->T + 1)
            return gb_fail(err, GB_ERR_INPUT, "%s: the corpus has %zu tokens, fewer than the context of %d + 1",
                           o->corpus, r->train.n_stream, r->T);
    } else { /* examples: the longest one decides, up to --context */
        int ms = r->train.max_src, mt = r->train.max_tgt - 1;
        for (int i = 0; i < r->valid.n_ex; i++) {
            ms = r->valid.src_len[i] > ms ? r->valid.src_len[i] : ms;
            mt = r->valid.tgt_len[i] - 1 > mt ? r->valid.tgt_len[i] - 1 : mt;
        }
        r->Ts = ms < o->context ? ms : o->context;
        r->T = r->task == GB_TASK_TRANSLATE ? (mt < o->context ? mt : o->context) : r->Ts;
    }
    c.max_seq = r->T > r->Ts ? r->T : r->Ts;
    /* sinusoidal positions cost nothing: give the model the whole --context as its
       window, so people can type longer sentences than the training examples */
    if (c.pos != GB_POS_LEARNED && o->context > c.max_seq) c.max_seq = o->context;
    if (r->task == GB_TASK_CLASSIFY) {
        c.n_classes = r->n_classes;
        for (int i = 0; i < r->n_classes; i++) memcpy(c.class_labels[i], r->labels[i], GB_MAX_LABEL);
    }
    st = gb_model_create(&c, &r->m, err);
    if (st) return st;
    gb_model_init_random(r->m, r->o.seed, 0.02f);
    st = gb_trainer_new(r->m, o->batch, r->T, r->Ts, &r->tr, err);
    if (!st) st = gb_batcher_init(&r->bt, o->batch, r->T, r->Ts, err);
    if (!st) gb_trainer_seed(r->tr, r->o.seed);
    return st;
}

/* ---- settings, history and checkpoints ---- */

static char *settings_string(const train_run *r) {
    const train_opts *o = &r->o;
    char buf[2048];
    snprintf(buf, sizeof buf,
             "corpus=%s valid=%s task=%s tokenizer=%s vocab=%d d=%d heads=%d layers=%d enc_layers=%d d_ff=%d "
             "context=%d pos=%s norm=%s act=%s steps=%d batch=%d lr=%g min_lr=%g warmup=%d wd=%g clip=%g seed=%llu",
             o->corpus, o->valid ? o->valid : "-", o->task, o->tokenizer, o->vocab_size, o->d_model, o->heads, o->layers,
             o->enc_layers, o->d_ff, o->context, o->pos, o->norm, o->act, o->steps, o->batch, o->lr, o->min_lr,
             o->warmup, o->weight_decay, o->clip, (unsigned long long)o->seed);
    char *s = malloc(strlen(buf) + 1);
    if (s) strcpy(s, buf);
    return s;
}

static void hist_add(train_run *r, int step, double loss, double val) {
    if (r->n_hist == r->cap_hist) {
        int cap = r->cap_hist * 2 + 64;
        gb_loss_point *h = realloc(r->hist, (size_t)cap * sizeof *h);
        if (!h) return;
        r->hist = h, r->cap_hist = cap;
    }
    r->hist[r->n_hist++] = (gb_loss_point){step, (float)loss, (float)val};
}

/* {"settings": "...", "elapsed": s, "history": [[step, loss, val], ...]} */
static char *user_meta(const train_run *r, double elapsed) {
    json_t *o = json_object(), *h = json_array();
    json_object_set_new(o, "settings", json_string(r->settings));
    json_object_set_new(o, "elapsed", json_real(elapsed));
    for (int i = 0; i < r->n_hist; i++)
        json_array_append_new(h, json_pack("[i,f,f]", r->hist[i].step, (double)r->hist[i].loss,
                                           isnan(r->hist[i].val) ? -1.0 : (double)r->hist[i].val));
    json_object_set_new(o, "history", h);
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

static gb_status restore_meta(train_run *r, const char *meta, gb_error *err) {
    json_t *o = json_loads(meta, 0, NULL);
    json_t *set = json_object_get(o, "settings");
    gb_status st = GB_OK;
    if (!json_is_string(set) || strcmp(json_string_value(set), r->settings) != 0)
        st = gb_fail(err, GB_ERR_INPUT,
                     "%s: this checkpoint was written by a run with other settings; delete it or pass --restart",
                     r->ckpt_path);
    if (!st) {
        r->elapsed_before = json_real_value(json_object_get(o, "elapsed"));
        size_t i;
        json_t *p;
        json_array_foreach(json_object_get(o, "history"), i, p) {
            double v = json_real_value(json_array_get(p, 2));
            hist_add(r, (int)json_integer_value(json_array_get(p, 0)), json_real_value(json_array_get(p, 1)),
                     v < 0 ? NAN : v);
        }
    }
    json_decref(o);
    return st;
}

static gb_status save_checkpoint(train_run *r, double elapsed, gb_error *err) {
    char *meta = user_meta(r, elapsed);
    gb_status st = meta ? gb_checkpoint_save(r->tr, r->ckpt_path, meta, err) : gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    free(meta);
    return st;
}

static gb_status maybe_resume(train_run *r, gb_error *err) {
    if (r->o.restart || access(r->ckpt_path, F_OK) != 0) return GB_OK;
    char *meta = NULL;
    gb_status st = gb_checkpoint_load(r->tr, r->ckpt_path, &meta, err);
    if (!st) st = restore_meta(r, meta ? meta : "", err);
    if (!st && !r->o.quiet)
        fprintf(stderr, "resuming from %s at step %ld\n", r->ckpt_path, gb_trainer_step_count(r->tr));
    free(meta);
    return st;
}

/* ---- the loop ---- */

/* Mean loss over up to max_batches validation batches (all if <= 0), weighted
 * by target count; *acc gets the classification accuracy (ENCODER) or -1. */
static gb_status evaluate(train_run *r, int max_batches, double *loss, double *acc, gb_error *err) {
    double sum = 0, correct = 0;
    long count = 0, rows = 0;
    const gb_batch *b;
    for (int k = 0; (max_batches <= 0 || k < max_batches) && (b = gb_batch_eval(&r->bt, &r->valid, r->o.batch, k)); k++) {
        double l;
        gb_status st = gb_train_loss(r->tr, b, &l, err);
        if (st) return st;
        int n = gb_trainer_n_targets(r->tr);
        sum += l * n, count += n;
        if (r->task == GB_TASK_CLASSIFY) {
            int nr, nc;
            const float *lg = gb_trainer_logits(r->tr, &nr, &nc);
            for (int i = 0; i < nr; i++) {
                int best = 0;
                for (int c = 1; c < nc; c++) best = lg[i * nc + c] > lg[i * nc + best] ? c : best;
                correct += best == b->labels[i], rows++;
            }
        }
    }
    *loss = count ? sum / count : NAN;
    *acc = rows ? correct / rows : -1;
    return GB_OK;
}

static void progress(const train_run *r, long step, double loss, double val, double tok_s, double left, int final) {
    if (r->o.quiet) return;
    int width = 24, fill = (int)(width * (double)step / r->o.steps);
    char bar[32];
    for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    char vbuf[32] = "   -  ";
    if (!isnan(val)) snprintf(vbuf, sizeof vbuf, "%.4f", val);
    int tty = isatty(2);
    fprintf(stderr, "%sstep %ld/%d [%s] loss %.4f val %s %6.0f tok/s left %dm%02ds%s", tty ? "\r" : "", step,
            r->o.steps, bar, loss, vbuf, tok_s, (int)left / 60, (int)left % 60, tty && !final ? "  " : "\n");
    fflush(stderr);
}

/* Train from the current step to o.steps. Returns GB_OK, or on a signal a
 * status with *interrupted set after writing a checkpoint. */
static gb_status train_loop(train_run *r, int *interrupted, gb_error *err) {
    const train_opts *o = &r->o;
    double t0 = gb_now(), last_draw = 0, run_loss = 0, last_val = NAN;
    long tokens = 0, start = gb_trainer_step_count(r->tr);
    int n_loss = 0, log_every = o->steps >= 200 ? o->steps / 100 : 1;
    for (long step = start; step < o->steps; step++) {
        const gb_batch *b = gb_batch_random(&r->bt, &r->train, o->batch, r->tr);
        double loss;
        gb_status st = b ? gb_train_grad(r->tr, b, &loss, err) : gb_fail(err, GB_ERR_INPUT, "no training data");
        if (st) return st;
        if (!isfinite(loss))
            return gb_fail(err, GB_ERR_INPUT, "the loss became %g at step %ld: lower --lr", loss, step + 1);
        gb_train_step(r->tr, &r->optim, NULL);
        tokens += gb_trainer_n_targets(r->tr);
        run_loss += loss, n_loss++;
        long done = step + 1;
        double now = gb_now(), tok_s = tokens / (now - t0 + 1e-9);
        double left = (now - t0) / (double)(done - start) * (double)(o->steps - done);
        int eval_now = done % o->eval_every == 0 || done == o->steps;
        if (eval_now) {
            double acc;
            st = evaluate(r, o->eval_batches, &last_val, &acc, err);
            if (st) return st;
        }
        if (eval_now || done % log_every == 0) { /* about 100 points on the loss curve */
            hist_add(r, (int)done, run_loss / n_loss, eval_now ? last_val : NAN);
            run_loss = 0, n_loss = 0;
        }
        if (eval_now || (isatty(2) && now - last_draw > 0.2)) {
            progress(r, done, loss, last_val, tok_s, left, eval_now && !isatty(2));
            last_draw = now;
        }
        int stop = g_stop_signal != 0;
        if ((o->ckpt_every > 0 && done % o->ckpt_every == 0 && done < o->steps) || stop) {
            st = save_checkpoint(r, r->elapsed_before + now - t0, err);
            if (st) return st;
        }
        if (stop) {
            if (!o->quiet)
                fprintf(stderr, "\ninterrupted at step %ld: checkpoint %s written; run the same command to continue\n",
                        done, r->ckpt_path);
            *interrupted = g_stop_signal;
            return GB_OK;
        }
    }
    if (!o->quiet && isatty(2)) fprintf(stderr, "\n");
    r->elapsed_before += gb_now() - t0;
    return GB_OK;
}

/* ---- the result ---- */

/* How the model refers to its validation file: the bare name when both sit in
 * one folder (bundled models), else the absolute path. */
static char *eval_data_ref(const char *valid, const char *out) {
    char *rv = realpath(valid, NULL), *ro = NULL;
    char *dir = concat(out, ""), *slash = dir ? strrchr(dir, '/') : NULL;
    if (dir) {
        if (slash) *slash = '\0';
        ro = realpath(slash ? (dir[0] ? dir : "/") : ".", NULL);
    }
    char *res = NULL;
    if (rv && ro) {
        char *base = strrchr(rv, '/');
        size_t dl = (size_t)(base - rv);
        res = strlen(ro) == dl && strncmp(ro, rv, dl) == 0 ? concat(base + 1, "") : concat(rv, "");
    }
    free(rv), free(ro), free(dir);
    return res;
}

static gb_status save_outputs(train_run *r, double val, double acc, gb_error *err) {
    const train_opts *o = &r->o;
    gb_status st = gb_tokenizer_save(r->tok, r->tok_path, err);
    if (st) return st;
    json_t *meta = json_object();
    char num[64];
    json_object_set_new(meta, "glassbox.task", json_string(o->task));
    json_object_set_new(meta, "glassbox.train", json_string(r->settings));
    snprintf(num, sizeof num, "%.6f", val);
    json_object_set_new(meta, "glassbox.valid_loss", json_string(num));
    if (acc >= 0) {
        snprintf(num, sizeof num, "%.4f", acc);
        json_object_set_new(meta, "glassbox.valid_accuracy", json_string(num));
    }
    char *ev = o->valid ? eval_data_ref(o->valid, o->out) : NULL;
    if (ev) json_object_set_new(meta, "glassbox.eval_data", json_string(ev));
    free(ev);
    snprintf(num, sizeof num, "%.1f", r->elapsed_before);
    json_object_set_new(meta, "glassbox.train_seconds", json_string(num));
    free(r->m->metadata_json);
    r->m->metadata_json = json_dumps(meta, JSON_COMPACT);
    json_decref(meta);
    st = gb_model_save(r->m, o->out, r->tok_path, err);
    if (!st && o->plot) {
        char title[256];
        const char *base = strrchr(o->out, '/');
        snprintf(title, sizeof title, "%s: %s, %d steps", base ? base + 1 : o->out, o->task, o->steps);
        st = gb_plot_loss_png(o->plot, r->hist, r->n_hist, title, err);
    }
    return st;
}

static void print_summary(const train_run *r, double val, double acc) {
    if (r->o.quiet) return;
    fprintf(stderr, "trained %d steps in %.1f s; %zu parameters\n", r->o.steps, r->elapsed_before, r->m->n_params);
    if (!isnan(val)) fprintf(stderr, "validation loss %.4f (perplexity %.3f)\n", val, exp(val));
    if (acc >= 0) fprintf(stderr, "validation accuracy %.4f\n", acc);
    fprintf(stderr, "wrote %s and %s\n", r->o.out, r->tok_path);
}

static void run_free(train_run *r) {
    gb_batcher_free(&r->bt);
    gb_trainer_free(r->tr);
    gb_model_free(r->m);
    gb_train_data_free(&r->train);
    gb_train_data_free(&r->valid);
    if (r->o.valid) gb_task_text_free(&r->valid_text);
    else free(r->valid_text.a), free(r->valid_text.b);
    gb_task_text_free(&r->train_text);
    gb_tokenizer_free(r->tok);
    free(r->settings), free(r->ckpt_path), free(r->tok_path), free(r->hist);
}

static gb_status prepare(train_run *r, gb_error *err) {
    const train_opts *o = &r->o;
    gb_status st = parse_task(o->task, &r->task, err);
    if (st) return st;
    if (!o->corpus) return gb_fail(err, GB_ERR_INPUT, "train: --corpus FILE is required");
    gb_optim_defaults(&r->optim, o->steps);
    r->optim.lr = (float)o->lr, r->optim.min_lr_frac = (float)o->min_lr, r->optim.weight_decay = (float)o->weight_decay;
    r->optim.clip = (float)o->clip, r->optim.warmup = o->warmup >= 0 ? o->warmup : o->steps / 20;
    st = gb_optim_validate(&r->optim, err);
    if (st) return gb_error_prefix(err, "train"), st;
    char *stem = path_stem(o->out);
    int dir_tok = strcmp(o->tokenizer, "bpe") == 0;
    r->ckpt_path = o->checkpoint ? concat(o->checkpoint, "") : concat(o->out, ".ckpt");
    r->tok_path = stem ? concat(stem, dir_tok ? ".tokenizer" : ".tokenizer.json") : NULL;
    free(stem);
    if (!r->ckpt_path || !r->tok_path) return gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    st = read_data(r, err);
    if (!st) st = make_model(r, err);
    if (!st) r->settings = settings_string(r);
    if (!st && !r->settings) st = gb_fail(err, GB_ERR_INTERNAL, "out of memory");
    if (!st) st = maybe_resume(r, err);
    return st;
}

static int train_main(train_run *r) {
    gb_error err = {0};
    gb_status st = prepare(r, &err);
    if (st) return gb_cli_error(&err);
    struct sigaction sa = {0}, old_int, old_term;
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    if (!r->o.quiet) /* after the handlers: a test waits for this line before it interrupts */
        fprintf(stderr, "%s: %d %s, vocabulary %d, %zu parameters, batch %d x %d, %d steps\n", r->o.corpus,
                r->task == GB_TASK_LM ? (int)r->train.n_stream : r->train.n_ex,
                r->task == GB_TASK_LM ? "tokens" : "examples", r->m->cfg.vocab_size, r->m->n_params, r->o.batch, r->T,
                r->o.steps);
    int interrupted = 0;
    st = train_loop(r, &interrupted, &err);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (st) return gb_cli_error(&err);
    if (interrupted) return 128 + interrupted;
    double val = NAN, acc = -1;
    st = evaluate(r, 0, &val, &acc, &err);
    if (!st) st = save_outputs(r, val, acc, &err);
    if (st) return gb_cli_error(&err);
    remove(r->ckpt_path);
    print_summary(r, val, acc);
    return 0;
}

/* --tokenizer-only: build the tokenizer from the corpus and write it to --out. */
static int tokenizer_only(train_run *r) {
    gb_error err = {0};
    gb_status st = parse_task(r->o.task, &r->task, &err);
    if (!st && !r->o.corpus) st = gb_fail(&err, GB_ERR_INPUT, "train: --corpus FILE is required");
    if (!st) st = gb_task_text_read(r->o.corpus, r->task, &r->train_text, &err);
    if (!st) st = build_tokenizer(r, &err);
    if (!st) st = gb_tokenizer_save(r->tok, r->o.out, &err);
    if (st) return gb_cli_error(&err);
    if (!r->o.quiet)
        fprintf(stderr, "wrote %s: %s tokenizer, %d tokens, built from %s\n", r->o.out, gb_tok_kind_name(gb_tokenizer_kind(r->tok)),
                gb_tokenizer_vocab_size(r->tok), r->o.corpus);
    return 0;
}

int gb_cmd_train(int argc, char **argv) {
    train_run r;
    memset(&r, 0, sizeof r);
    train_opts *o = &r.o;
    *o = (train_opts){.task = "lm", .tokenizer = "char", .out = "model.safetensors", .pos = "sinusoidal", .norm = "pre",
                      .act = "gelu", .d_model = 64, .heads = 4, .layers = 2, .enc_layers = 2, .context = 64,
                      .steps = 1000, .batch = 32, .warmup = -1, .eval_every = 100, .ckpt_every = 100, .threads = 1,
                      .eval_batches = 20, .lr = 3e-3, .weight_decay = 0.01, .clip = 1.0, .min_lr = 0.1, .seed = 1};
    gb_opt opts[] = {
        {"--corpus", NULL, GB_OPT_STR, &o->corpus, 1, 0, "FILE  training text (lm: lines; translate: src<TAB>tgt; classify: label<TAB>text)", false},
        {"--valid", NULL, GB_OPT_STR, &o->valid, 1, 0, "FILE  validation file of the same kind (default: every 10th line held out)", false},
        {"--task", NULL, GB_OPT_STR, &o->task, 1, 0, "T  lm (decoder) | translate (encoder-decoder) | classify (encoder) (default lm)", false},
        {"--tokenizer", NULL, GB_OPT_STR, &o->tokenizer, 1, 0, "T  char | word | bpe (built from the corpus) or an existing tokenizer path (default char)", false},
        {"--vocab-size", NULL, GB_OPT_INT, &o->vocab_size, 0, 1000000, "N  most ids in the built vocabulary (bpe default 1000; 0 = all)", false},
        {"--out", "-o", GB_OPT_STR, &o->out, 1, 0, "FILE  model to write (default model.safetensors); tokenizer beside it", false},
        {"--checkpoint", NULL, GB_OPT_STR, &o->checkpoint, 1, 0, "FILE  checkpoint (default OUT.ckpt)", false},
        {"--plot", NULL, GB_OPT_STR, &o->plot, 1, 0, "FILE.png  draw the loss curve", false},
        {"--d-model", NULL, GB_OPT_INT, &o->d_model, 2, 4096, "N  width (default 64)", false},
        {"--heads", NULL, GB_OPT_INT, &o->heads, 1, 64, "N  attention heads (default 4)", false},
        {"--layers", NULL, GB_OPT_INT, &o->layers, 1, GB_MAX_LAYERS, "N  layers (decoder, or the encoder of classify) (default 2)", false},
        {"--enc-layers", NULL, GB_OPT_INT, &o->enc_layers, 1, GB_MAX_LAYERS, "N  encoder layers for translate (default 2)", false},
        {"--d-ff", NULL, GB_OPT_INT, &o->d_ff, 0, 65536, "N  MLP width (default 4 x d-model)", false},
        {"--context", NULL, GB_OPT_INT, &o->context, 2, 4096, "N  tokens per training row, the context window (default 64)", false},
        {"--pos", NULL, GB_OPT_STR, &o->pos, 1, 0, "P  sinusoidal | learned | none (default sinusoidal)", false},
        {"--norm", NULL, GB_OPT_STR, &o->norm, 1, 0, "N  pre | post (the paper) (default pre)", false},
        {"--act", NULL, GB_OPT_STR, &o->act, 1, 0, "A  relu | gelu | gelu_tanh (default gelu)", false},
        {"--steps", NULL, GB_OPT_INT, &o->steps, 1, 10000000, "N  optimiser steps (default 1000)", false},
        {"--batch", NULL, GB_OPT_INT, &o->batch, 1, 4096, "N  rows per batch (default 32)", false},
        {"--lr", NULL, GB_OPT_FLOAT, &o->lr, 1e-7, 1, "X  peak learning rate (default 3e-3)", false},
        {"--min-lr", NULL, GB_OPT_FLOAT, &o->min_lr, 0, 1, "X  final learning rate as a fraction of --lr (default 0.1)", false},
        {"--warmup", NULL, GB_OPT_INT, &o->warmup, 0, 10000000, "N  warm-up steps (default steps/20)", false},
        {"--weight-decay", NULL, GB_OPT_FLOAT, &o->weight_decay, 0, 0.99, "X  AdamW weight decay (default 0.01)", false},
        {"--clip", NULL, GB_OPT_FLOAT, &o->clip, 0, 1e6, "X  gradient norm clip, 0 = off (default 1)", false},
        {"--seed", NULL, GB_OPT_U64, &o->seed, 1, 0, "S  seed for initialisation and batches (default 1)", false},
        {"--eval-every", NULL, GB_OPT_INT, &o->eval_every, 1, 10000000, "N  validate every N steps (default 100)", false},
        {"--eval-batches", NULL, GB_OPT_INT, &o->eval_batches, 0, 1000000, "N  batches per periodic validation, 0 = all (default 20)", false},
        {"--checkpoint-every", NULL, GB_OPT_INT, &o->ckpt_every, 0, 10000000, "N  write a checkpoint every N steps, 0 = only on interrupt (default 100)", false},
        {"--threads", NULL, GB_OPT_INT, &o->threads, 1, 256, "N  BLAS threads (default 1)", false},
        {"--restart", NULL, GB_OPT_FLAG, &o->restart, 1, 0, "ignore an existing checkpoint and start over", false},
        {"--tokenizer-only", NULL, GB_OPT_FLAG, &o->tokenizer_only, 1, 0, "only build the tokenizer and write it to --out (a folder for bpe)", false},
        {"--quiet", "-q", GB_OPT_FLAG, &o->quiet, 1, 0, "no progress output", false},
    };
    int n_opts = (int)(sizeof opts / sizeof opts[0]), n_pos;
    gb_error err = {0};
    if (gb_parse_opts("train", argc, argv, opts, n_opts, NULL, 0, &n_pos, &err)) return gb_cli_error(&err);
    gb_blas_set_threads(o->threads);
    int rc = o->tokenizer_only ? tokenizer_only(&r) : train_main(&r);
    run_free(&r);
    return rc;
}
