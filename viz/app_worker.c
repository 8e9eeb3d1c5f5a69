/* app_worker.c - the background job thread (see app_worker.h). */
#include "app_worker.h"

#include <pthread.h>
#include <stdlib.h>

struct gb_worker {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    gb_job *todo, *done;
    int todo_tag, done_tag;
    bool running, stop;
    void (*notify)(void *user);
    void *user;
};

static void *worker_main(void *arg) {
    gb_worker *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->todo && !w->stop) pthread_cond_wait(&w->cv, &w->mu);
        if (w->stop) break;
        gb_job *job = w->todo;
        int tag = w->todo_tag;
        w->todo = NULL;
        w->running = true;
        pthread_mutex_unlock(&w->mu);
        job->run(job); /* touches only the job: no lock needed */
        pthread_mutex_lock(&w->mu);
        w->running = false;
        w->done = job;
        w->done_tag = tag;
        if (w->notify) w->notify(w->user);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

gb_worker *gb_worker_new(void (*notify)(void *user), void *user) {
    gb_worker *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->notify = notify;
    w->user = user;
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w);
        return NULL;
    }
    return w;
}

void gb_worker_free(gb_worker *w) {
    if (!w) return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    if (w->todo) w->todo->free(w->todo);
    if (w->done) w->done->free(w->done);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}

bool gb_worker_submit(gb_worker *w, gb_job *job, int tag) {
    pthread_mutex_lock(&w->mu);
    bool idle = !w->todo && !w->running && !w->done;
    if (idle) {
        w->todo = job;
        w->todo_tag = tag;
        pthread_cond_signal(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return idle;
}

gb_job *gb_worker_take(gb_worker *w, int *tag) {
    pthread_mutex_lock(&w->mu);
    gb_job *job = w->done;
    if (job) *tag = w->done_tag;
    w->done = NULL;
    pthread_mutex_unlock(&w->mu);
    return job;
}

bool gb_worker_busy(gb_worker *w) {
    pthread_mutex_lock(&w->mu);
    bool busy = w->todo || w->running || w->done;
    pthread_mutex_unlock(&w->mu);
    return busy;
}
