/* app_worker.h - one background thread that runs view jobs (forward passes)
 * so the window never freezes. One job at a time: the shell submits when the
 * worker is idle and takes the finished job back on the UI thread, where
 * job->finish moves the results into the view. `notify` is called from the
 * worker thread when a job is done (the SDL shell pushes an event). */
#ifndef GB_APP_WORKER_H
#define GB_APP_WORKER_H

#include <stdbool.h>

#include "view.h"

typedef struct gb_worker gb_worker;

gb_worker *gb_worker_new(void (*notify)(void *user), void *user);
/* Waits for a running job to end, then frees everything. */
void gb_worker_free(gb_worker *w);
/* Start job (tag identifies its view). Returns false if the worker is busy. */
bool gb_worker_submit(gb_worker *w, gb_job *job, int tag);
/* The finished job, or NULL if none is waiting. */
gb_job *gb_worker_take(gb_worker *w, int *tag);
/* A job is running or finished but not yet taken. */
bool gb_worker_busy(gb_worker *w);

#endif
