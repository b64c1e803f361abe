/*
 * compiler/ref/ref.h — the reference executor: runs a graph IR on the CPU with plain loops, to
 * prove numerically that what blobc compiles computes what the model says.
 *
 * Overview. ref_run() executes the live nodes of an IrGraph in order (the graph must have been
 * through ir_infer). Dead nodes are skipped: their outputs are constants. Every kernel computes
 * its output shapes itself from the actual input values (so a graph whose shapes depend on
 * runtime inputs still runs) and then checks them against what shape inference said: a
 * disagreement is an ERR_SHAPE error naming the node, i.e. a bug in shape inference.
 *   - float tensors (f32, f16, f64) are computed and stored in float32 (f64 loses precision);
 *   - integer and bool tensors are computed and stored in int64;
 *   - a tensor whose dtype is f16 is always rounded to FP16 (Cast to FLOAT16);
 *   - REF_FP16 rounds every float graph input, float constant and float node output to FP16
 *     and back (fp16_from_f32: round to nearest even), the way the VPU stores weights and
 *     activations; arithmetic inside a kernel stays float32/double, as the VPU's SHAVEs
 *     accumulate in higher precision than they store.
 * An op with no kernel (IR_OP_UNKNOWN, NonMaxSuppression) or an attribute value a kernel does
 * not implement fails with ERR_UNSUPPORTED_OP ("no reference kernel for op 'X'",
 * "Resize: antialias is not implemented"), never with a wrong result.
 *
 * Usage:
 *   RefTensor in = {0};
 *   if (ref_tensor_alloc(&in, DT_F32, 4, (int64_t[]){1, 3, 8, 8}, &err) < 0) ...
 *   in.f[0] = 1.0f;
 *   RefTensor *outs = NULL;
 *   int n_out = 0;
 *   if (ref_run(g, REF_FP32, &in, 1, &outs, &n_out, &err) < 0) print err_line(&err, ...);
 *   ... outs[k] is graph output g->outputs[k] ...
 *   ref_tensors_free(outs, n_out);
 *   ref_tensor_free(&in);
 *
 * ref_verify_dir() runs one ONNX backend test folder (model.onnx + test_data_set_N/) and
 * compares against the expected outputs; `blobc verify` is a thin CLI over it.
 * Nothing here keeps global state; everything returned is malloc'd and owned by the caller.
 */
#ifndef COMPILER_REF_REF_H
#define COMPILER_REF_REF_H

#include "compiler/base/base.h"
#include "compiler/graph/ir.h"

typedef enum {
  REF_FP32 = 0, /* float32 everywhere */
  REF_FP16,     /* float intermediates rounded to FP16 after every node (VPU storage) */
  REF_BLOB,     /* verify only: compile to a MyriadX blob and run it stage by stage (blob_exec.h) */
} RefMode;

/* A tensor with values. Exactly one of f / i is non-NULL once allocated (both NULL for an
 * empty zeroed struct). Storage: f for DT_F32/DT_F16/DT_F64, i for every integer dtype and
 * DT_BOOL (0 or 1). Row-major; rank 0 is a scalar with one element. */
typedef struct {
  DType dtype;
  int rank;
  int64_t dims[IR_MAX_DIMS];
  float *f;   /* malloc'd, numel elements, float dtypes */
  int64_t *i; /* malloc'd, numel elements, integer and bool dtypes */
} RefTensor;

/* Elements (1 for rank 0). */
int64_t ref_numel(const RefTensor *t);
/* True when dtype is stored in f. */
bool ref_is_float_dtype(DType dt);
/* Allocates zeroed storage for dt and dims into *t (any previous contents are NOT freed).
 * ERR_OOM when the element count overflows or is over 2^34, ERR_SHAPE for a negative dim or
 * rank over IR_MAX_DIMS, ERR_UNSUPPORTED_OP for DT_STRING/DT_UNDEF. */
int ref_tensor_alloc(RefTensor *t, DType dt, int rank, const int64_t *dims, Err *err);
/* Deep copy into *dst (previous contents not freed). */
int ref_tensor_copy(RefTensor *dst, const RefTensor *src, Err *err);
/* Frees the storage and zeroes the struct; accepts NULL. */
void ref_tensor_free(RefTensor *t);
/* Frees n tensors and the array itself (from ref_run); accepts NULL. */
void ref_tensors_free(RefTensor *ts, int n);
/* Element k as double / int64, whatever the storage. */
double ref_get_f64(const RefTensor *t, int64_t k);
int64_t ref_get_i64(const RefTensor *t, int64_t k);
/* Writes v to element k, converting to the storage (float -> int truncates toward zero and
 * wraps to the dtype's width; bool is v != 0; f16 is rounded). */
void ref_set_f64(RefTensor *t, int64_t k, double v);
void ref_set_i64(RefTensor *t, int64_t k, int64_t v);
/* Rounds every element of a float tensor to FP16 and back (no-op for integer tensors). */
void ref_round_fp16(RefTensor *t);
/* "1x3x224x224" ("scalar" for rank 0) into buf. */
const char *ref_shape_str(const RefTensor *t, char *buf, size_t size);

/* Runs graph g (after ir_infer). inputs[k] feeds graph input g->inputs[k] (n_in must equal
 * g->n_inputs); an input's dims must match the inferred ones where those are known, and its
 * dtype is converted to the graph input's dtype when they differ. On success *outputs is a
 * malloc'd array of *n_out = g->n_outputs tensors in graph-output order (free with
 * ref_tensors_free). On failure -1, err filled (node = the failing node), *outputs untouched. */
int ref_run(const IrGraph *g, RefMode mode, const RefTensor *inputs, int n_in, RefTensor **outputs,
            int *n_out, Err *err);

/* ref_run, and after each live node i has run (its outputs stored, FP16-rounded in REF_FP16)
 * calls observe(ctx, g, i, outs, n_outs, err): outs[j] is output j's value (NULL when absent).
 * The observer may change those values in place (later nodes read what it leaves) and may
 * change constants of g that no node has read yet (they are imported on first use). Returning
 * -1 (err filled) stops the run with -1. Used to calibrate generated weights and to measure
 * error layer by layer. */
typedef int (*RefObserver)(void *ctx, const IrGraph *g, int node, RefTensor *const *outs,
                           int n_outs, Err *err);
int ref_run_observed(const IrGraph *g, RefMode mode, const RefTensor *inputs, int n_in,
                     RefTensor **outputs, int *n_out, RefObserver observe, void *ctx, Err *err);

/* Fixes graph input t's shape (and dtype when undefined) from the value v it will be fed: unknown
 * rank/dims (dynamic) take v's; a known dim or rank that differs is ERR_SHAPE ("input 'x' has
 * shape 1x3x8x8, the model expects 1x3x224x224"). Call before ir_infer. */
int ref_bind_input(IrGraph *g, int t, const RefTensor *v, Err *err);

/* True when op has a reference kernel (every op of ops.def except NonMaxSuppression). */
bool ref_has_kernel(IrOp op);

/* ---- verification against ONNX backend test data ---- */

typedef enum {
  REF_PASS = 0,
  REF_FAIL,
  REF_UNSUPPORTED,   /* op or attribute without a reference kernel: not a failure */
  REF_UNINFORMATIVE, /* passed, but so would a wrong answer: the test data proves nothing */
} RefStatus;

/* "PASS", "FAIL", "UNSUPPORTED", "UNINFORMATIVE". */
const char *ref_status_name(RefStatus s);

/* One test_data_set_N of one folder. Errors follow compiler/ref/compare.h (the rule, the
 * tolerances and the UNINFORMATIVE criteria are documented there and in the README). */
typedef struct {
  char name[512]; /* folder basename, "/test_data_set_N" appended when a folder has several */
  RefStatus status;
  double max_abs_err; /* over all outputs; -1 when nothing was compared */
  double max_rel_err; /* max |a-e| / RMS(e) over the outputs (the error relative to each output's
                          scale); -1 when nothing was compared */
  double roundings;   /* worst error in FP16 roundings of max(|e_k|, RMS(e)); -1 likewise */
  double tol;         /* the tolerance it was held against, in FP16 roundings */
  char msg[600];      /* why FAIL/UNSUPPORTED/UNINFORMATIVE ("" for PASS) */
} RefCase;

/* Verifies every test_data_set_* of the ONNX backend test folder dir (model.onnx, or an
 * OpenVINO IR model.xml + model.bin, inside):
 * loads the model, sets the input shapes from the input .pb files, runs ir_infer and ref_run,
 * compares every output. Appends one RefCase per data set to *cases (a malloc'd array grown
 * with realloc; *n_cases counts them; free with free()). Returns 0 when the folder could be
 * examined (cases may still FAIL); -1 with err filled when dir is not a test folder (no
 * model.onnx or no test_data_set_*). */
int ref_verify_dir(RefCase **cases, int *n_cases, const char *dir, RefMode mode, Err *err);

#endif
