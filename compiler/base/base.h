/*
 * compiler/base/base.h — the few things every module shares: error values, the
 * per-job arena, a growable byte buffer, FP16 conversion and whole-file I/O.
 *
 * Usage:
 *   Err err = {0};
 *   Arena *a = arena_new();
 *   char *s = arena_strdup(a, "conv1");
 *   Buf b = BUF_INIT;
 *   buf_put_u32(&b, 9709);
 *   if (io_write_atomic("out.blob", b.data, b.len, &err) < 0) fprintf(stderr, "%s\n", err_line(&err, line, sizeof line));
 *   buf_free(&b);
 *   arena_free(a);
 *
 * Rules (see ../shared/docs/c-style.md): fallible functions take `Err *err` last, return 0 / -1
 * and fill err once; free functions accept NULL; nothing here keeps global mutable state.
 */
#ifndef COMPILER_BASE_BASE_H
#define COMPILER_BASE_BASE_H

#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdarg.h>

/* ---- errors ------------------------------------------------------------------------------- */

/* Stable codes; never renumber (README, section Errors). */
typedef enum {
  ERR_OK = 0,
  ERR_IO = 1,             /* a file could not be read or written */
  ERR_MANIFEST = 2,       /* the manifest is malformed */
  ERR_PARSE = 3,          /* a model or blob file is malformed */
  ERR_UNSUPPORTED_OP = 4, /* the model uses something the VPU cannot run */
  ERR_SHAPE = 5,          /* shapes or types are inconsistent */
  ERR_BACKEND = 6,        /* the blob/IR writer cannot express the graph */
  ERR_OOM = 7,            /* out of memory or over a configured limit */
  ERR_INTERNAL = 8,       /* a bug in blobc */
  ERR_USAGE = 9,          /* bad command line */
  ERR_INTERRUPTED = 10,   /* SIGINT/SIGTERM stopped the work */
} ErrCode;

typedef struct {
  ErrCode code;
  char file[256];  /* model, manifest or blob path; "" when unknown */
  int line;        /* manifest line, 0 when unknown */
  char model[128]; /* manifest model name, "" when not about a model */
  char node[128];  /* graph node name, "" when not about a node */
  char msg[512];   /* lower case, no trailing period */
} Err;

/* Fills err (code, msg from printf-style fmt); file/line/model/node are left as they are,
 * so callers can set context before or after. Always returns -1, for `return err_set(...)`. */
int err_set(Err *err, ErrCode code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* err_where(err, file, 0, NULL, node or "") + err_set: the one-line error of a model file,
 * naming the node when there is one. Returns -1. */
int err_at(Err *err, const char *file, const char *node, ErrCode code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Sets the context fields; NULL leaves a field unchanged. */
void err_where(Err *err, const char *file, int line, const char *model, const char *node);
/* Formats the one-line user message `file:line: model 'm': node 'n': msg` into buf. */
const char *err_line(const Err *err, char *buf, size_t size);
const char *err_code_name(ErrCode code);

/* Internal bugs, distinct from user errors. */
#define ASSERT(x)                                        \
  do {                                                   \
    if (!(x)) base__assert_fail(__FILE__, __LINE__, #x); \
  } while (0)
#define UNREACHABLE() base__assert_fail(__FILE__, __LINE__, "unreachable")
void base__assert_fail(const char *file, int line, const char *what) __attribute__((noreturn));

/* ---- jobs: one model's memory budget, stop flag and recovery -------------------------------- */

/*
 * A Job is one model's compilation on one thread (compile_model). job_begin makes it the
 * thread's current job until job_end. While it is current:
 *   - every Arena created on the thread charges the job for its chunks and blocks, and every
 *     Buf grown on the thread charges it for its capacity; freeing refunds. A charge past the
 *     limit is recorded (over_*) and reported by the next job_poll;
 *   - job_fits(bytes) checks a big allocation (a folded tensor, a backend buffer) against what
 *     is left, before it is made;
 *   - job_poll(err), called between passes and per node inside long passes, fails with
 *     ERR_INTERRUPTED once *stop is set (SIGINT/SIGTERM) and ERR_OOM once the limit was passed;
 *   - an allocation that fails (malloc returns NULL: ulimit -v, a full machine) does not abort:
 *     it longjmps to *recover, where job_unwind frees every arena and Buf made under the job.
 *     Other malloc'd temporaries of the passes (a few bytes per tensor) may leak in that case;
 *     the worker survives and the other models build. job_hold defers this while files are
 *     being written (a failure then aborts as before).
 * Outside a job (tools, tests, reports) nothing is charged and allocation failure aborts.
 *
 * The current job is the one thread-local in blobc: allocation sites (hundreds of buf_put
 * calls) cannot all take a job parameter, and a job never leaves its thread.
 *
 *   Job *j = calloc(1, sizeof *j);          // on the heap: it must survive the longjmp intact
 *   job_begin(j, 256 << 20, &stop_flag, &j->jb);
 *   if (setjmp(j->jb) == 0) rc = work(err); // work calls job_poll(err) now and then
 *   else { job_unwind(j); rc = job_error(j, err); }
 *   job_end(j);
 */
typedef struct Job {
  uint64_t limit;                    /* bytes; 0 = no limit */
  uint64_t used, peak;               /* charged now / the most ever charged */
  const volatile sig_atomic_t *stop; /* a signal handler's flag: stop soon; may be NULL */
  jmp_buf *recover;                  /* where a failed allocation unwinds to; NULL = abort */
  jmp_buf jb;                        /* room for the caller's recovery point */
  const char *node;                  /* node being worked on (job_set_node); NULL = none */
  const char *stage;                 /* what is being done ("loading the model"), static text */
  int hold;                          /* > 0: a failed allocation aborts instead of unwinding */
  /* the first charge past the limit (need 0 = none) and the node being worked on then */
  uint64_t over_need, over_used;
  char over_node[128];
  const char *over_stage;
  char failed[192];      /* the allocation that failed, when unwinding */
  char failed_node[128]; /* the node being worked on then ("" if none) */
  /* owned under the job, freed by job_unwind */
  struct Arena *arenas;
  struct JobBlock *blocks; /* job_malloc */
  void **bufs;             /* open-addressing set of Buf data pointers */
  size_t bufs_cap, bufs_n;
} Job;

/* Makes j (zeroed by the caller) the calling thread's job; limit 0 = none, stop and recover
 * may be NULL. Jobs do not nest. */
void job_begin(Job *j, uint64_t limit, const volatile sig_atomic_t *stop, jmp_buf *recover);
/* The thread has no job any more. Arenas and Bufs made under j stay with their owners (no
 * longer charged); j's own bookkeeping is freed. */
void job_end(Job *j);
/* After the longjmp to j->recover: frees every arena and Buf made under j (their owners'
 * pointers dangle from here: forget them). j stays current until job_end. */
void job_unwind(Job *j);
Job *job_current(void); /* NULL outside a job */
/* 0, or -1 with err filled: ERR_INTERRUPTED when the stop flag is set, ERR_OOM when a charge
 * went past the limit (naming the node then). Only err's code/node/msg are set. */
int job_poll(Err *err);
/* True when bytes more fit in the current job's budget (or there is no job or limit); false
 * records the overrun for the next job_poll. */
bool job_fits(uint64_t bytes);
/* Charges (bytes > 0) or refunds (bytes < 0) memory the job holds outside arenas and Bufs
 * (a decoded model file); no-op outside a job. */
void job_account(int64_t bytes);
/* The node being worked on, for messages (the name must outlive its use); NULL clears. */
void job_set_node(const char *name);
/* What is being done, for messages when no node is named ("loading the model"); static text,
 * NULL clears. */
void job_set_stage(const char *stage);
void job_hold(void); /* nests; no unwinding until the matching release */
void job_release(void);
/* malloc for a library's allocations on the model's behalf (protobuf-c's decoded model): the
 * current job is charged and job_unwind frees what is left. NULL when malloc fails or size does
 * not fit the budget (recorded for job_poll): the library reports the failure itself. Outside a
 * job a plain malloc with a small header. job_free accepts NULL and blocks from any job. */
void *job_malloc(size_t size);
void job_free(void *p);
/* Fills err (ERR_OOM) from j->failed after an unwind; returns -1. */
int job_error(const Job *j, Err *err);
/* The default per-model budget: half of the memory this process may use (the smallest of
 * physical memory, ulimit -v and the cgroup's memory.max) divided by the models that run at
 * once (jobs >= 1), in whole MiB. */
uint64_t job_default_budget(int jobs);

/* ---- arena -------------------------------------------------------------------------------- */

/* One arena per job: everything allocated from it is freed by one arena_free.
 * Allocation failure unwinds the current job (see Job) or, outside a job, aborts; sizes are
 * checked for overflow. With -DARENA_DEBUG every allocation is a tracked malloc so ASan sees
 * overruns. An arena made while a job is current is charged to that job. */
typedef struct Arena Arena;
Arena *arena_new(void);
void arena_free(Arena *a);
void *arena_alloc(Arena *a, size_t size);           /* zeroed, 16-byte aligned */
void *arena_array(Arena *a, size_t n, size_t elem); /* zeroed, overflow-checked */
char *arena_strdup(Arena *a, const char *s);        /* NULL -> NULL */
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_printf(Arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
size_t arena_used(const Arena *a);
/* Blocks: arena memory that can also be given back early (folded constants that nothing reads
 * any more). Zeroed, 16-byte aligned; arena_free frees the ones left. */
void *arena_block_alloc(Arena *a, size_t size);
void arena_block_free(Arena *a, void *p); /* p from arena_block_alloc; NULL ok */
/* Resizes block p to size bytes keeping its contents (new bytes zeroed); the capacity grows
 * by half again each time, so appending to a block N times copies O(N) bytes in all. p is
 * invalid afterwards (it may move). */
void *arena_block_grow(Arena *a, void *p, size_t size);
/* Block p is no longer needed but may still be pointed at: it stays valid until the next
 * arena_block_collect (or arena_free), which frees it. */
void arena_block_retire(Arena *a, void *p);
void arena_block_collect(Arena *a);

/* ---- growable byte buffer (malloc-backed) -------------------------------------------------- */

typedef struct {
  uint8_t *data;
  size_t len, cap;
} Buf;
#define BUF_INIT \
  { NULL, 0, 0 }
void buf_free(Buf *b);
void buf_reserve(Buf *b, size_t extra);
void buf_put(Buf *b, const void *p, size_t n);
void buf_put_u32(Buf *b, uint32_t v); /* little-endian */
void buf_put_i32(Buf *b, int32_t v);
void buf_put_f32(Buf *b, float v);
void buf_put_zeros(Buf *b, size_t n);
void buf_align(Buf *b, size_t align); /* zero-pad len up to a multiple */
void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_set_u32(Buf *b, size_t off, uint32_t v); /* overwrite at off (< len) */

static inline uint32_t rd_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline size_t align_up(size_t v, size_t a) { return (v + a - 1) / a * a; }

/* ---- name -> int map (open addressing, FNV-1a) ------------------------------------------------ */

/* Keys are borrowed: the strings must outlive the map (the frontends use arena strings). A put
 * of an existing key replaces its value. Used by every frontend to resolve tensor names in
 * linear time; as a set, store any value and test namemap_get(...) >= 0. */
typedef struct {
  const char **key;
  int *val;
  size_t cap, n;
} NameMap;
void namemap_init(NameMap *m, size_t expect);
void namemap_free(NameMap *m);                       /* accepts a zeroed map */
int namemap_get(const NameMap *m, const char *name); /* -1 when absent */
void namemap_put(NameMap *m, const char *name, int val);

/* ---- FP16 ---------------------------------------------------------------------------------- */

/* IEEE binary16 from binary32 with round-to-nearest-even; overflow gives +-inf, NaN stays NaN
 * (quiet), values below the smallest subnormal round to +-0. */
uint16_t fp16_from_f32(float f);
float fp16_to_f32(uint16_t h);
/* Converts n floats; counts values that became inf although finite (saturated) and nonzero
 * values that became zero (underflowed). Counters may be NULL. */
void fp16_convert(uint16_t *dst, const float *src, size_t n, size_t *saturated,
                  size_t *underflowed);

/* ---- files --------------------------------------------------------------------------------- */

/* Reads a whole file into a malloc'd buffer (caller frees *out with free()). Files larger than
 * max_size (0 = no limit) are refused with ERR_IO before reading. */
int io_read_file(uint8_t **out, size_t *len, const char *path, size_t max_size, Err *err);
/* A model split in two files (IR .xml + .bin, Caffe .prototxt + .caffemodel): reads the first,
 * then the second when second_path is not NULL; a failure on the second names both files
 * ("weights file 'x.bin': ..." under the first's path). Caller frees both buffers. */
int io_read_pair(uint8_t **first, size_t *first_len, const char *first_path, size_t first_max,
                 uint8_t **second, size_t *second_len, const char *second_path, size_t second_max,
                 Err *err);
/* Writes data to path.tmp.<pid>.<n> in the same folder, fsyncs, renames over path. Nothing is
 * left behind on failure. */
int io_write_atomic(const char *path, const void *data, size_t len, Err *err);
/* The same for n files at once: every temp file is written first, then all are fsynced and
 * renamed, so one journal commit can carry them all. On failure nothing is renamed and every
 * temp file is removed (files already renamed by an earlier call are untouched). */
int io_write_atomic_many(const char *const *paths, const void *const *data, const size_t *lens,
                         int n, Err *err);
/* The same in two steps, so the flush can wait on another thread while work goes on:
 * io_batch_write creates the temp files and writes them (NULL on error, temps removed; at most
 * 16 files); io_batch_commit fsyncs, closes and renames them, and frees the batch, on success
 * or not (temps removed on error). The data may be freed once io_batch_write returns. */
typedef struct IoBatch IoBatch;
IoBatch *io_batch_write(const char *const *paths, const void *const *data, const size_t *lens,
                        int n, Err *err);
int io_batch_commit(IoBatch *b, Err *err);
/* Instead of committing: closes and removes every temp file and frees the batch (NULL ok). */
void io_batch_abort(IoBatch *b);
/* mkdir -p */
int io_mkdirs(const char *path, Err *err);
bool io_exists(const char *path);
/* Monotonic seconds. */
double io_now(void);

/* SHA-256 hex (65 bytes incl. NUL) of data, via libcrypto. */
void sha256_hex(char out[65], const void *data, size_t len);

#endif
