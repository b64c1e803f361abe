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
} ErrCode;

typedef struct {
  ErrCode code;
  char file[256]; /* model, manifest or blob path; "" when unknown */
  int line;       /* manifest line, 0 when unknown */
  char model[128];/* manifest model name, "" when not about a model */
  char node[128]; /* graph node name, "" when not about a node */
  char msg[512];  /* lower case, no trailing period */
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
#define ASSERT(x) \
  do { if (!(x)) base__assert_fail(__FILE__, __LINE__, #x); } while (0)
#define UNREACHABLE() base__assert_fail(__FILE__, __LINE__, "unreachable")
void base__assert_fail(const char *file, int line, const char *what) __attribute__((noreturn));

/* ---- arena -------------------------------------------------------------------------------- */

/* One arena per job: everything allocated from it is freed by one arena_free.
 * Allocation failure aborts (a job cannot continue without memory); sizes are checked
 * for overflow. With -DARENA_DEBUG every allocation is a tracked malloc so ASan sees overruns. */
typedef struct Arena Arena;
Arena *arena_new(void);
void arena_free(Arena *a);
void *arena_alloc(Arena *a, size_t size);                 /* zeroed, 16-byte aligned */
void *arena_array(Arena *a, size_t n, size_t elem);       /* zeroed, overflow-checked */
char *arena_strdup(Arena *a, const char *s);              /* NULL -> NULL */
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_printf(Arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
size_t arena_used(const Arena *a);

/* ---- growable byte buffer (malloc-backed) -------------------------------------------------- */

typedef struct {
  uint8_t *data;
  size_t len, cap;
} Buf;
#define BUF_INIT {NULL, 0, 0}
void buf_free(Buf *b);
void buf_reserve(Buf *b, size_t extra);
void buf_put(Buf *b, const void *p, size_t n);
void buf_put_u32(Buf *b, uint32_t v);                     /* little-endian */
void buf_put_i32(Buf *b, int32_t v);
void buf_put_f32(Buf *b, float v);
void buf_put_zeros(Buf *b, size_t n);
void buf_align(Buf *b, size_t align);                     /* zero-pad len up to a multiple */
void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_set_u32(Buf *b, size_t off, uint32_t v);         /* overwrite at off (< len) */

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
void namemap_free(NameMap *m);                           /* accepts a zeroed map */
int namemap_get(const NameMap *m, const char *name);     /* -1 when absent */
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
int io_read_pair(uint8_t **first, size_t *first_len, const char *first_path, size_t first_max, uint8_t **second,
                 size_t *second_len, const char *second_path, size_t second_max, Err *err);
/* Writes data to path.tmp.<pid>.<n> in the same folder, fsyncs, renames over path. Nothing is
 * left behind on failure. */
int io_write_atomic(const char *path, const void *data, size_t len, Err *err);
/* The same for n files at once: every temp file is written first, then all are fsynced and
 * renamed, so one journal commit can carry them all. On failure nothing is renamed and every
 * temp file is removed (files already renamed by an earlier call are untouched). */
int io_write_atomic_many(const char *const *paths, const void *const *data, const size_t *lens, int n, Err *err);
/* The same in two steps, so the flush can wait on another thread while work goes on:
 * io_batch_write creates the temp files and writes them (NULL on error, temps removed; at most
 * 16 files); io_batch_commit fsyncs, closes and renames them, and frees the batch, on success
 * or not (temps removed on error). The data may be freed once io_batch_write returns. */
typedef struct IoBatch IoBatch;
IoBatch *io_batch_write(const char *const *paths, const void *const *data, const size_t *lens, int n, Err *err);
int io_batch_commit(IoBatch *b, Err *err);
/* mkdir -p */
int io_mkdirs(const char *path, Err *err);
bool io_exists(const char *path);
/* Monotonic seconds. */
double io_now(void);

/* SHA-256 hex (65 bytes incl. NUL) of data, via libcrypto. */
void sha256_hex(char out[65], const void *data, size_t len);

#endif
