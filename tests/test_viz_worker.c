/* test_viz_worker.c - the viewer's background worker under load: many jobs
 * submitted, run and taken back in turn, results checked on the UI side, and
 * the worker freed while a job runs. Written to give ThreadSanitizer
 * (tests/tsan.sh) something to watch; it also checks the results. */
#include "gbtest.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "app_worker.h"

typedef struct sum_job {
    gb_job base;
    const float *shared; /* read-only input shared with the UI thread (like the model) */
    int n;
    double sum;          /* written by run() on the worker thread */
    int *freed;
} sum_job;

static void sum_run(gb_job *j) {
    sum_job *s = (sum_job *)j;
    double acc = 0;
    for (int i = 0; i < s->n; i++) acc += s->shared[i];
    s->sum = acc;
}
static void sum_finish(gb_job *j, void *self) { *(double *)self = ((sum_job *)j)->sum; }
static void sum_free(gb_job *j) {
    sum_job *s = (sum_job *)j;
    if (s->freed) (*s->freed)++;
    free(s);
}

static sum_job *new_job(const float *shared, int n, int *freed) {
    sum_job *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->base = (gb_job){sum_run, sum_finish, sum_free, "summing"};
    s->shared = shared;
    s->n = n;
    s->freed = freed;
    return s;
}

static atomic_int g_notified;
static void notify(void *user) {
    (void)user;
    atomic_fetch_add(&g_notified, 1);
}

static void test_many_jobs(void **state) {
    (void)state;
    enum { N = 4096, JOBS = 300 };
    static float data[N];
    for (int i = 0; i < N; i++) data[i] = (float)(i % 7);
    double expect = 0;
    for (int i = 0; i < N; i++) expect += data[i];
    atomic_store(&g_notified, 0);
    gb_worker *w = gb_worker_new(notify, NULL);
    assert_non_null(w);
    int freed = 0;
    for (int k = 0; k < JOBS; k++) {
        sum_job *j = new_job(data, N - k, &freed);
        assert_true(gb_worker_submit(w, &j->base, k));
        sum_job *other = new_job(data, 1, &freed); /* busy: refused, stays ours */
        assert_false(gb_worker_submit(w, &other->base, -1));
        sum_free(&other->base);
        gb_job *done = NULL;
        int tag = -1;
        while (!(done = gb_worker_take(w, &tag))) {
            struct timespec ts = {0, 10000};
            nanosleep(&ts, NULL);
        }
        assert_int_equal(tag, k);
        double got = 0;
        done->finish(done, &got);
        double want = expect;
        for (int i = N - k; i < N; i++) want -= data[i];
        assert_true(got == want);
        done->free(done);
        assert_false(gb_worker_busy(w));
    }
    assert_int_equal(atomic_load(&g_notified), JOBS);
    assert_int_equal(freed, 2 * JOBS);
    gb_worker_free(w);
}

/* Freeing the worker while a job runs waits for it and frees the job. */
static void test_free_while_running(void **state) {
    (void)state;
    enum { N = 1 << 20 };
    float *data = calloc(N, sizeof *data);
    assert_non_null(data);
    for (int round = 0; round < 20; round++) {
        int freed = 0;
        gb_worker *w = gb_worker_new(notify, NULL);
        assert_non_null(w);
        assert_true(gb_worker_submit(w, &new_job(data, N, &freed)->base, round));
        gb_worker_free(w); /* job queued, running or done: freed either way */
        assert_int_equal(freed, 1);
    }
    free(data);
}

int main(int argc, char **argv) {
    gbt_init(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_jobs),
        cmocka_unit_test(test_free_while_running),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
