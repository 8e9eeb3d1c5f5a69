/* platform.c - BLAS kernel choice, time, atomic files, mmap, aligned memory. */
#include "glassbox/platform.h"

#include <cblas.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *gb_blas_preferred_coretype(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return "SkylakeX";
    if (__builtin_cpu_supports("avx2")) return "Haswell";
#endif
    return NULL;
}

void gb_blas_reexec_if_needed(int argc, char **argv) {
    (void)argc;
    if (getenv("OPENBLAS_CORETYPE") || getenv("GLASSBOX_NO_REEXEC")) return;
    const char *core = gb_blas_preferred_coretype();
    if (!core) return;
    const char *now = openblas_get_corename();
    if (now && strcasecmp(now, core) == 0) return; /* already the right kernels */
    setenv("OPENBLAS_CORETYPE", core, 1);
    setenv("GLASSBOX_NO_REEXEC", "1", 1); /* never loop */
    execv("/proc/self/exe", argv);
    /* exec failed: carry on with whatever kernels we have */
}

const char *gb_blas_corename(void) { return openblas_get_corename(); }
const char *gb_blas_config(void) { return openblas_get_config(); }
void gb_blas_set_threads(int n) {
    if (n < 1) n = 1;
    openblas_set_num_threads(n);
}
int gb_blas_threads(void) { return openblas_get_num_threads(); }

double gb_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static char *dupstr(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

gb_status gb_afile_open(gb_afile *af, const char *path, gb_error *err) {
    memset(af, 0, sizeof *af);
    size_t n = strlen(path);
    af->path = dupstr(path);
    af->tmp = malloc(n + 16);
    if (!af->path || !af->tmp) {
        gb_afile_abort(af);
        return gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", path);
    }
    snprintf(af->tmp, n + 16, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(af->tmp);
    if (fd < 0) {
        int e = errno;
        free(af->tmp);
        af->tmp = NULL;
        gb_afile_abort(af);
        return gb_fail(err, GB_ERR_INPUT, "%s: cannot write: %s", path, strerror(e));
    }
    fchmod(fd, 0644);
    af->fp = fdopen(fd, "wb");
    if (!af->fp) {
        close(fd);
        gb_afile_abort(af);
        return gb_fail(err, GB_ERR_INTERNAL, "%s: cannot open stream", path);
    }
    return GB_OK;
}

gb_status gb_afile_commit(gb_afile *af, gb_error *err) {
    int bad = ferror(af->fp);
    if (fflush(af->fp) != 0) bad = 1;
    if (!bad && fsync(fileno(af->fp)) != 0 && errno != EINVAL) bad = 1;
    int e = errno;
    if (fclose(af->fp) != 0) bad = 1;
    af->fp = NULL;
    if (bad) {
        gb_fail(err, GB_ERR_INPUT, "%s: write failed: %s", af->path, strerror(e ? e : EIO));
        gb_afile_abort(af);
        return GB_ERR_INPUT;
    }
    if (rename(af->tmp, af->path) != 0) {
        e = errno;
        gb_fail(err, GB_ERR_INPUT, "%s: cannot rename into place: %s", af->path, strerror(e));
        gb_afile_abort(af);
        return GB_ERR_INPUT;
    }
    free(af->tmp);
    free(af->path);
    af->tmp = af->path = NULL;
    return GB_OK;
}

void gb_afile_abort(gb_afile *af) {
    if (af->fp) fclose(af->fp);
    if (af->tmp) unlink(af->tmp);
    free(af->tmp);
    free(af->path);
    memset(af, 0, sizeof *af);
}

gb_status gb_write_file_atomic(const char *path, const void *data, size_t len, gb_error *err) {
    gb_afile af;
    gb_status st = gb_afile_open(&af, path, err);
    if (st) return st;
    if (len && fwrite(data, 1, len, af.fp) != len) {
        int e = errno;
        gb_afile_abort(&af);
        return gb_fail(err, GB_ERR_INPUT, "%s: write failed: %s", path, strerror(e ? e : EIO));
    }
    return gb_afile_commit(&af, err);
}

gb_status gb_read_file(const char *path, size_t limit, char **out, size_t *len, gb_error *err) {
    *out = NULL;
    if (len) *len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) return gb_fail(err, GB_ERR_INPUT, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(fp), &sb) != 0 || S_ISDIR(sb.st_mode)) {
        fclose(fp);
        return gb_fail(err, GB_ERR_INPUT, "%s: not a regular file", path);
    }
    if ((uint64_t)sb.st_size > limit) {
        fclose(fp);
        return gb_fail(err, GB_ERR_INPUT, "%s: file is %lld bytes, more than the %zu allowed",
                       path, (long long)sb.st_size, limit);
    }
    size_t cap = (size_t)sb.st_size + 1, n = 0;
    char *buf = malloc(cap);
    if (!buf) {
        fclose(fp);
        return gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", path);
    }
    for (;;) {
        if (n + 1 >= cap) { /* file grew or is a pipe */
            if (cap > limit) {
                free(buf);
                fclose(fp);
                return gb_fail(err, GB_ERR_INPUT, "%s: more than the %zu bytes allowed", path, limit);
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                fclose(fp);
                return gb_fail(err, GB_ERR_INTERNAL, "%s: out of memory", path);
            }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - 1 - n, fp);
        n += r;
        if (r == 0) break;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        free(buf);
        return gb_fail(err, GB_ERR_INPUT, "%s: read error", path);
    }
    buf[n] = '\0';
    *out = buf;
    if (len) *len = n;
    return GB_OK;
}

gb_status gb_mmap_open(const char *path, gb_mmap *mm, gb_error *err) {
    mm->data = NULL;
    mm->size = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return gb_fail(err, GB_ERR_INPUT, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return gb_fail(err, GB_ERR_INPUT, "%s: not a regular file", path);
    }
    if (sb.st_size == 0) {
        close(fd);
        return gb_fail(err, GB_ERR_INPUT, "%s: file is empty", path);
    }
    void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) return gb_fail(err, GB_ERR_INPUT, "%s: cannot map: %s", path, strerror(errno));
    mm->data = p;
    mm->size = (size_t)sb.st_size;
    return GB_OK;
}

void gb_mmap_close(gb_mmap *mm) {
    if (mm->data) munmap((void *)mm->data, mm->size);
    mm->data = NULL;
    mm->size = 0;
}

void *gb_alloc(size_t bytes) {
    void *p = NULL;
    if (bytes == 0) bytes = 64;
    bytes = (bytes + 63) & ~(size_t)63;
    if (posix_memalign(&p, 64, bytes) != 0) return NULL;
    return p;
}

void gb_free(void *p) { free(p); }
