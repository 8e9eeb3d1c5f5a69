/* gbtest.c - helpers shared by the cmocka tests. */
#define _GNU_SOURCE 1
#include "gbtest.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "glassbox/platform.h"

const char *gbt_fixture(const char *rel) {
    static char buf[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", GB_FIXTURES, rel);
    return buf[k];
}

const char *gbt_tmpdir(void) {
    static char dir[1024];
    if (!dir[0]) {
        mkdir(GB_TEST_TMP, 0755);
        snprintf(dir, sizeof dir, "%s/t%ld-XXXXXX", GB_TEST_TMP, (long)getpid());
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            abort();
        }
    }
    return dir;
}

const char *gbt_tmp(const char *name) {
    static char buf[8][1024];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", gbt_tmpdir(), name);
    return buf[k];
}

double gbt_max_abs_diff(const float *a, const float *b, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (!(d <= m)) m = isnan(d) ? INFINITY : d;
    }
    return m;
}

static void append(char **buf, size_t *len, size_t *cap, const char *src, size_t n) {
    if (*len + n + 1 > *cap) {
        *cap = (*len + n + 1) * 2;
        *buf = realloc(*buf, *cap);
    }
    memcpy(*buf + *len, src, n);
    *len += n;
    (*buf)[*len] = '\0';
}

int gbt_run(const char *stdin_data, size_t stdin_len, char **out, size_t *out_len, char **errout,
            const char *const *args) {
    int pin[2], pout[2], perr[2];
    if (pipe(pin) || pipe(pout) || pipe(perr)) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        dup2(pin[0], 0);
        dup2(pout[1], 1);
        dup2(perr[1], 2);
        close(pin[1]);
        close(pout[0]);
        close(perr[0]);
        int n = 0;
        while (args[n]) n++;
        char **argv = calloc((size_t)n + 2, sizeof *argv);
        argv[0] = (char *)GB_EXE;
        for (int i = 0; i < n; i++) argv[i + 1] = (char *)args[i];
        execv(GB_EXE, argv);
        _exit(127);
    }
    close(pin[0]);
    close(pout[1]);
    close(perr[1]);
    signal(SIGPIPE, SIG_IGN);
    size_t written = 0;
    if (!stdin_data || stdin_len == 0) {
        close(pin[1]);
        pin[1] = -1;
    }
    char *ob = NULL, *eb = NULL;
    size_t ol = 0, oc = 0, el = 0, ec = 0;
    append(&ob, &ol, &oc, "", 0);
    append(&eb, &el, &ec, "", 0);
    int open_out = 1, open_err = 1;
    while (open_out || open_err || pin[1] >= 0) {
        struct pollfd fds[3];
        int nf = 0;
        if (open_out) fds[nf++] = (struct pollfd){pout[0], POLLIN, 0};
        if (open_err) fds[nf++] = (struct pollfd){perr[0], POLLIN, 0};
        if (pin[1] >= 0) fds[nf++] = (struct pollfd){pin[1], POLLOUT, 0};
        if (poll(fds, (nfds_t)nf, 120000) <= 0) break;
        for (int i = 0; i < nf; i++) {
            if (!fds[i].revents) continue;
            if (fds[i].fd == pin[1]) {
                ssize_t w = write(pin[1], stdin_data + written, stdin_len - written);
                if (w > 0) written += (size_t)w;
                if (w < 0 || written == stdin_len) {
                    close(pin[1]);
                    pin[1] = -1;
                }
                continue;
            }
            char tmp[65536];
            ssize_t r = read(fds[i].fd, tmp, sizeof tmp);
            if (r <= 0) {
                if (fds[i].fd == pout[0]) open_out = 0;
                else open_err = 0;
                continue;
            }
            if (fds[i].fd == pout[0]) append(&ob, &ol, &oc, tmp, (size_t)r);
            else append(&eb, &el, &ec, tmp, (size_t)r);
        }
    }
    if (pin[1] >= 0) close(pin[1]);
    close(pout[0]);
    close(perr[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (out) *out = ob; else free(ob);
    if (out_len) *out_len = ol;
    if (errout) *errout = eb; else free(eb);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void gbt_init(int argc, char **argv) {
    gb_blas_reexec_if_needed(argc, argv);
    gb_blas_set_threads(1);
}
