/*
 * pipeline/pool.h — a fixed pool of worker threads over an indexed list of items.
 *
 *   pool_run(4, n_models, compile_one, &ctx);   // compile_one(ctx, i, worker) for i in 0..n-1
 *
 * Items are handed out in index order from one shared counter (the pool's queue); results go
 * into per-item slots the caller owns, so workers share nothing else. An item's failure is the
 * item's business: the pool never stops early unless pool_stop() is called (SIGINT).
 */
#ifndef PIPELINE_POOL_H
#define PIPELINE_POOL_H

#include <signal.h>
#include <stdbool.h>

typedef void (*PoolFn)(void *ctx, int index, int worker);
typedef struct Pool Pool;

/* Runs fn over 0..n_items-1 with n_threads workers (1 = in the calling thread). Returns the
 * number of items run (less than n_items only after pool_request_stop). */
int pool_run(int n_threads, int n_items, PoolFn fn, void *ctx);
/* Async-signal-safe: workers take no new item after this, and running compilations stop at
 * their next check (CompileOptions.stop = pool_stop_flag()). sig is the signal that asked
 * (SIGINT, SIGTERM), or 0. */
void pool_request_stop(int sig);
bool pool_stop_requested(void);
/* The signal given to pool_request_stop (0 when none or when stopped without one). */
int pool_stop_signal(void);
/* The process-wide stop flag itself, for CompileOptions.stop. */
const volatile sig_atomic_t *pool_stop_flag(void);

#endif
