/*
 * compiler/ref/ref_internal.h — what the reference kernels (ref_ops*.c) share with the driver
 * (ref.c). Not part of the ref contract: only compiler/ref/ includes it.
 *
 * A kernel reads x->in[k] (NULL for an absent optional input), the node's decoded attributes
 * through the accessors of compiler/graph/params.h (ir_window_params(x->g, x->n), ...), allocates each output with ref__out() and fills it. It computes output shapes itself;
 * the driver checks them against shape inference afterwards and applies FP16 rounding.
 */
#ifndef COMPILER_REF_REF_INTERNAL_H
#define COMPILER_REF_REF_INTERNAL_H

#include "ref.h"

#include "compiler/graph/params.h"

typedef struct {
  const IrGraph *g;
  const IrNode *n;
  const RefTensor **in; /* n_in entries, NULL for absent inputs */
  int n_in;
  RefTensor out[IR_MAX_OUTPUTS]; /* filled by the kernel; freed by the driver on failure */
  int n_out;                     /* = n->n_outputs */
  Err *err;
} RefNode;

typedef int (*RefKernel)(RefNode *x);

/* Fills x->err with code, node = the node's name, msg "<op_type>: <fmt...>". Returns -1. */
int ref__fail(RefNode *x, ErrCode code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Allocates output k (zeroed) with dtype and dims; returns it, NULL after ref__fail. */
RefTensor *ref__out(RefNode *x, int k, DType dt, int rank, const int64_t *dims);
/* Input k, failing with a message when it is absent. */
const RefTensor *ref__need(RefNode *x, int k);
/* Reads an int list from input k when present, else from attribute attr (decoded as av;
 * IR_NO_INTS: none). Returns the count (0 when neither is given), -1 after ref__fail when there
 * are more than max. */
int ref__ints(RefNode *x, int k, const char *attr, IrInts av, int64_t *out, int max);
/* Normalises axis a against rank r; -1 after ref__fail when out of range. */
int ref__axis(RefNode *x, int64_t a, int r);
/* Row-major element strides of dims. */
void ref__strides(int rank, const int64_t *dims, int64_t *st);
/* numpy broadcasting of a and b: the output's rank and dims, and each operand's element stride
 * per output dim (0 where it broadcasts). -1 when they do not broadcast. */
int ref__bcast2(const RefTensor *a, const RefTensor *b, int *rank, int64_t *d, int64_t *sa,
                int64_t *sb);
/* A row-major walk over an index space: idx runs over dims, last axis fastest. */
typedef struct {
  int rank;
  int64_t dims[IR_MAX_DIMS];
  int64_t idx[IR_MAX_DIMS];
} RefIter;
void ref__iter_init(RefIter *it, int rank, const int64_t *dims);
void ref__iter_next(RefIter *it);
/* Copies element sk of src to element dk of dst (same storage kind). */
void ref__copy_elem(RefTensor *dst, int64_t dk, const RefTensor *src, int64_t sk);

/* Kernels, one per op (ref_ops.c: elementwise, linear algebra, data movement; ref_nn.c:
 * convolution, pooling, normalisation, resize, softmax). */
#define REF_KERNEL(name) int ref__k_##name(RefNode *x)
REF_KERNEL(conv);
REF_KERNEL(prior_box_clustered);
REF_KERNEL(detection_output);
REF_KERNEL(conv_transpose);
REF_KERNEL(max_pool);
REF_KERNEL(average_pool);
REF_KERNEL(global_average_pool);
REF_KERNEL(global_max_pool);
REF_KERNEL(batch_norm);
REF_KERNEL(instance_norm);
REF_KERNEL(lrn);
REF_KERNEL(resize);
REF_KERNEL(softmax);
REF_KERNEL(unary);
REF_KERNEL(binary);
REF_KERNEL(variadic);
REF_KERNEL(compare);
REF_KERNEL(where);
REF_KERNEL(prelu);
REF_KERNEL(clip);
REF_KERNEL(matmul);
REF_KERNEL(gemm);
REF_KERNEL(concat);
REF_KERNEL(reshape);
REF_KERNEL(flatten);
REF_KERNEL(transpose);
REF_KERNEL(squeeze);
REF_KERNEL(unsqueeze);
REF_KERNEL(pad);
REF_KERNEL(slice);
REF_KERNEL(split);
REF_KERNEL(reduce);
REF_KERNEL(cast);
REF_KERNEL(identity);
REF_KERNEL(constant);
REF_KERNEL(constant_of_shape);
REF_KERNEL(shape);
REF_KERNEL(gather);
REF_KERNEL(expand);
REF_KERNEL(range);
REF_KERNEL(tile);
REF_KERNEL(argmax);
REF_KERNEL(topk);
REF_KERNEL(depth_to_space);
REF_KERNEL(space_to_depth);
/* ref_ext.c: the ops of issue 18 (ONNX ops MYRIAD runs, and those blobc rewrites) */
REF_KERNEL(sum_mean);
/* ref_ir.c: the OpenVINO IR layers of issue 18 */
REF_KERNEL(ir_activation); /* Mish, Softplus, Swish, Gelu */
REF_KERNEL(squared_diff);
REF_KERNEL(grn);
REF_KERNEL(normalize_l2);
REF_KERNEL(region_yolo);
REF_KERNEL(reorg_yolo);
REF_KERNEL(prior_box);
REF_KERNEL(ctc_greedy_decoder);
REF_KERNEL(scatter_update);
REF_KERNEL(gather_nd);
REF_KERNEL(roi_pooling); /* ROIPooling, PSROIPooling */
REF_KERNEL(lstm_cell);
REF_KERNEL(proposal);
/* ref_quant.c: QuantizeLinear, DequantizeLinear */
REF_KERNEL(qdq);

/* ref_gather.c: indexed data movement and Mod (issue 18) */
REF_KERNEL(gather_elements);
REF_KERNEL(scatter); /* ScatterElements, ScatterND */
REF_KERNEL(one_hot);
REF_KERNEL(reverse_sequence);
REF_KERNEL(mod);

/* ref_seq.c: ONNX normalizations, ROI ops and LSTM */
REF_KERNEL(mvn);
REF_KERNEL(lp_norm);
REF_KERNEL(roi_align);
REF_KERNEL(lstm);

#endif
