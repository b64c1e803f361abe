/*
 * compiler/graph/scalar.h — the one scalar evaluator of the elementwise ops, shared by constant
 * folding (compiler/graph/fold.c) and the reference executor (compiler/ref/ref_ops.c), so the two
 * cannot drift apart.
 *
 * Floating-point ops compute in double on values converted from the tensor's type; integer ops
 * compute in int64 with two's-complement wrapping; the caller stores the result in its output
 * type. Semantics follow the ONNX reference implementation (numpy):
 *   - Max / Min propagate NaN (numpy.maximum); on a tie the first operand is kept;
 *   - HardSigmoid / HardSwish clamp with NaN kept, Clip applies min then max (numpy.clip: the
 *     max wins when min > max);
 *   - Sigmoid uses the overflow-free form (exp of a non-positive number only);
 *   - integer Div truncates toward zero, INT64_MIN / -1 wraps to INT64_MIN, and a division by zero
 *     (or 0 to a negative power) is undefined: ir_eval_binary_i says so, folding then leaves the
 *     node alone and the reference executor stores 0;
 *   - integer Pow is exact (repeated squaring, wrapping), a negative exponent truncates 1 / a^-b.
 * An op outside the lists below is an internal error (UNREACHABLE): callers pick ops from their
 * op tables, so no op is ever given a silent default result.
 *
 * Usage:
 *   IrUnaryArgs ua = ir_unary_args(g, n);          // alpha/beta from the node's params
 *   double y = ir_eval_unary_f(n->op, &ua, x);
 */
#ifndef COMPILER_GRAPH_SCALAR_H
#define COMPILER_GRAPH_SCALAR_H

#include "ir.h"

/* What the unary ops take besides x: alpha/beta (LeakyRelu, Elu, HardSigmoid) and Clip's
 * bounds. */
typedef struct {
  double alpha, beta;
  double lo, hi; /* Clip: -inf / +inf when not bounded */
} IrUnaryArgs;

/* The arguments of node n (a unary op): alpha/beta from its decoded params (params.h), bounds
 * -inf..+inf (Clip's callers read the bounds from its inputs or params). */
IrUnaryArgs ir_unary_args(const IrGraph *g, const IrNode *n);

/* Relu, LeakyRelu, Sigmoid, Tanh, HardSigmoid, HardSwish, Elu, Exp, Log, Sqrt, Neg, Abs, Floor,
 * Ceil, Clip, Reciprocal, Selu, Softsign, ThresholdedRelu, Celu, Shrink, Erf, Softplus, Sign,
 * Round (half to even), Mish, Not (1 for 0) on a double. */
double ir_eval_unary_f(IrOp op, const IrUnaryArgs *a, double v);

/* The integer form of Relu, Neg, Abs, Floor, Ceil, Round, Sign, Not and Clip (bounds lo, hi) into *out; false for
 * the other unary ops, which compute in floating point even on integer tensors. */
bool ir_eval_unary_i(IrOp op, int64_t v, int64_t lo, int64_t hi, int64_t *out);

/* Add, Sub, Mul, Div, Pow, Max, Min, and Equal / Less / Greater / GreaterOrEqual / LessOrEqual /
 * And / Or / Xor (1 or 0; comparisons false on NaN). */
double ir_eval_binary_f(IrOp op, double a, double b);

/* The same ops on integers into *out. Returns false, with *out = 0, when the result is undefined
 * (Div by zero, Pow of 0 to a negative exponent). */
bool ir_eval_binary_i(IrOp op, int64_t a, int64_t b, int64_t *out);

#endif
