/* pipeline/pool.c — see pool.h. */
#include "pool.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "compiler/base/base.h"

static volatile sig_atomic_t stop_flag;   /* the one process-wide flag: set by the signal handler */
static volatile sig_atomic_t stop_signal; /* which signal set it */

void pool_request_stop(int sig) {
  if (!stop_flag) stop_signal = sig; /* the first one decides the exit code */
  stop_flag = 1;
}
bool pool_stop_requested(void) { return stop_flag != 0; }
int pool_stop_signal(void) { return stop_signal; }
const volatile sig_atomic_t *pool_stop_flag(void) { return &stop_flag; }

typedef struct {
  atomic_int next;
  atomic_int done;
  int n_items;
  PoolFn fn;
  void *ctx;
} Queue;

typedef struct {
  Queue *q;
  int worker;
} Worker;

static void *worker_main(void *arg) {
  Worker *w = arg;
  Queue *q = w->q;
  for (;;) {
    if (stop_flag) break;
    int i = atomic_fetch_add(&q->next, 1);
    if (i >= q->n_items) break;
    q->fn(q->ctx, i, w->worker);
    atomic_fetch_add(&q->done, 1);
  }
  return NULL;
}

int pool_run(int n_threads, int n_items, PoolFn fn, void *ctx) {
  Queue q;
  atomic_init(&q.next, 0);
  atomic_init(&q.done, 0);
  q.n_items = n_items;
  q.fn = fn;
  q.ctx = ctx;
  if (n_threads < 1) n_threads = 1;
  if (n_threads > n_items) n_threads = n_items > 0 ? n_items : 1;
  if (n_threads == 1) {
    Worker w = {&q, 0};
    worker_main(&w);
    return atomic_load(&q.done);
  }
  pthread_t *th = calloc((size_t)n_threads, sizeof *th);
  Worker *ws = calloc((size_t)n_threads, sizeof *ws);
  if (!th || !ws) base__assert_fail(__FILE__, __LINE__, "out of memory");
  int started = 0;
  for (int i = 0; i < n_threads; i++) {
    ws[i].q = &q;
    ws[i].worker = i;
    if (pthread_create(&th[i], NULL, worker_main, &ws[i]) != 0) break;
    started++;
  }
  if (started == 0) { /* no threads available: run inline */
    Worker w = {&q, 0};
    worker_main(&w);
  }
  for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
  free(th);
  free(ws);
  return atomic_load(&q.done);
}
