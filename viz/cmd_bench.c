/* cmd_bench.c - `glassbox bench`: every figure next to the baseline it is
 * compared with, measured in the same run. Prints a table; --json FILE writes
 * the same figures as JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cli.h"
#include "glassbox/platform.h"

#define MAX_FIGS 128

typedef struct figure {
    char area[24], name[96], unit[24], baseline[96], note[160];
    double value, base, target;
    bool higher, has_base;
} figure;

struct gb_bench {
    gb_bench_opts opts;
    figure figs[MAX_FIGS];
    int n;
};

const gb_bench_opts *gb_bench_options(const gb_bench *b) { return &b->opts; }

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double gb_bench_median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static const char *verdict(const figure *f) {
    if (!f->has_base || f->target <= 0) return "";
    double r = f->value / f->base;
    bool ok = f->higher ? r >= f->target : r <= f->target;
    return ok ? "met" : "MISSED";
}

void gb_bench_report(gb_bench *b, const char *area, const char *name, double value, const char *unit,
                     bool higher_better, const char *baseline_name, double baseline_value,
                     double target_ratio, const char *note) {
    if (b->n >= MAX_FIGS) return;
    figure *f = &b->figs[b->n++];
    memset(f, 0, sizeof *f);
    snprintf(f->area, sizeof f->area, "%s", area);
    snprintf(f->name, sizeof f->name, "%s", name);
    snprintf(f->unit, sizeof f->unit, "%s", unit);
    f->value = value;
    f->higher = higher_better;
    if (baseline_name) {
        f->has_base = true;
        snprintf(f->baseline, sizeof f->baseline, "%s", baseline_name);
        f->base = baseline_value;
        f->target = target_ratio;
    }
    if (note) snprintf(f->note, sizeof f->note, "%s", note);
    printf("%-10s %-44s %12.4g %-8s", f->area, f->name, f->value, f->unit);
    if (f->has_base)
        printf("  vs %-34s %10.4g  ratio %6.3g%s%s", f->baseline, f->base, f->value / f->base,
               f->target > 0 ? "  target " : "", "");
    if (f->has_base && f->target > 0) printf("%s%.3g %s", f->higher ? ">=" : "<=", f->target, verdict(f));
    printf("\n");
    fflush(stdout);
}

static void json_str(FILE *fp, const char *s) {
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', fp);
        if ((unsigned char)*s < 0x20) fprintf(fp, "\\u%04x", *s);
        else fputc(*s, fp);
    }
    fputc('"', fp);
}

static gb_status write_json(const gb_bench *b, const char *path, gb_error *err) {
    gb_afile af;
    gb_status st = gb_afile_open(&af, path, err);
    if (st) return st;
    FILE *fp = af.fp;
    fprintf(fp, "{\n  \"blas_kernels\": ");
    json_str(fp, gb_blas_corename());
    fprintf(fp, ",\n  \"threads\": %d,\n  \"figures\": [\n", b->opts.threads);
    for (int i = 0; i < b->n; i++) {
        const figure *f = &b->figs[i];
        fprintf(fp, "    {\"area\": ");
        json_str(fp, f->area);
        fprintf(fp, ", \"name\": ");
        json_str(fp, f->name);
        fprintf(fp, ", \"value\": %.6g, \"unit\": ", f->value);
        json_str(fp, f->unit);
        fprintf(fp, ", \"higher_is_better\": %s", f->higher ? "true" : "false");
        if (f->has_base) {
            fprintf(fp, ", \"baseline\": ");
            json_str(fp, f->baseline);
            fprintf(fp, ", \"baseline_value\": %.6g, \"ratio\": %.6g", f->base, f->value / f->base);
            if (f->target > 0) {
                fprintf(fp, ", \"target_ratio\": %.6g, \"verdict\": ", f->target);
                json_str(fp, verdict(f));
            }
        }
        if (f->note[0]) {
            fprintf(fp, ", \"note\": ");
            json_str(fp, f->note);
        }
        fprintf(fp, "}%s\n", i + 1 < b->n ? "," : "");
    }
    fprintf(fp, "  ]\n}\n");
    return gb_afile_commit(&af, err);
}

typedef struct bench_area {
    const char *name;
    int (*run)(gb_bench *b);
} bench_area;

static const bench_area AREAS[] = {
    {"core", gb_bench_core},
    {"tokenizer", gb_bench_tokenizer},
    {"sampler", gb_bench_sampler},
    {"analysis", gb_bench_analysis},
    {"viz", gb_bench_viz},
    {"views", gb_bench_views},
    {"train", gb_bench_train},
    {"attention", gb_bench_viewer_attention},
    {"sampling", gb_bench_viewer_sampling},
    {"tasks", gb_bench_tasks},
    {NULL, NULL},
};

int gb_cmd_bench(int argc, char **argv) {
    gb_bench *b = calloc(1, sizeof *b);
    if (!b) return 1;
    const char *json = NULL, *only = NULL;
    bool quick = false;
    int threads = 1;
    const char *data = NULL;
    gb_opt opts[] = {
        {"--json", NULL, GB_OPT_STR, &json, 1, 0, "FILE  also write the figures as JSON", false},
        {"--only", NULL, GB_OPT_STR, &only, 1, 0, "AREA  run one area (core, tokenizer, sampler, ...)", false},
        {"--quick", NULL, GB_OPT_FLAG, &quick, 1, 0, "fewer repetitions (a smoke run)", false},
        {"--threads", NULL, GB_OPT_INT, &threads, 1, 64, "N  BLAS threads (default 1)", false},
        {"--data", NULL, GB_OPT_STR, &data, 1, 0, "DIR  fixtures folder (default: tests/fixtures of the source tree)", false},
    };
    gb_error err = {0};
    const char *pos[1];
    int npos;
    if (gb_parse_opts("bench", argc, argv, opts, 5, pos, 0, &npos, &err)) {
        free(b);
        return gb_cli_error(&err);
    }
    b->opts.quick = quick;
    b->opts.threads = threads;
    b->opts.data = data ? data : GB_SOURCE_FIXTURES;
    gb_blas_set_threads(threads);
    printf("glassbox bench: OpenBLAS %s kernels, %d thread(s)%s\n", gb_blas_corename(), threads,
           quick ? ", quick" : "");
    int found = 0, rc = 0;
    for (const bench_area *a = AREAS; a->name; a++) {
        if (only && strcmp(only, a->name) != 0) continue;
        found = 1;
        if (a->run(b) != 0) rc = 1;
    }
    if (!found) {
        gb_fail(&err, GB_ERR_INPUT, "bench --only: unknown area '%s'", only);
        free(b);
        return gb_cli_error(&err);
    }
    if (json && write_json(b, json, &err)) rc = gb_cli_error(&err);
    free(b);
    return rc;
}
