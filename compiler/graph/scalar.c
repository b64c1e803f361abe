/* compiler/graph/scalar.c — the scalar evaluator of the elementwise ops (see scalar.h). */
#include "scalar.h"

#include "params.h"

#include <math.h>

IrUnaryArgs ir_unary_args(const IrGraph *g, const IrNode *n) {
  IrUnaryArgs a = {0, 0, -INFINITY, INFINITY};
  if (n->op == IR_OP_LEAKY_RELU || n->op == IR_OP_ELU || n->op == IR_OP_HARD_SIGMOID ||
      n->op == IR_OP_SELU || n->op == IR_OP_THRESHOLDED_RELU || n->op == IR_OP_CELU ||
      n->op == IR_OP_SHRINK) {
    const IrActParams *p = ir_act_params(g, n);
    a.alpha = p->alpha;
    a.beta = p->beta;
  }
  return a;
}

/* v clamped to [0, 1], NaN kept. */
static double clamp01(double v) { return v < 0 ? 0 : v > 1 ? 1 : v; }

double ir_eval_unary_f(IrOp op, const IrUnaryArgs *a, double v) {
  switch (op) {
  case IR_OP_RELU: return v > 0 ? v : 0;
  case IR_OP_LEAKY_RELU: return v >= 0 ? v : v * a->alpha;
  case IR_OP_SIGMOID: return v >= 0 ? 1.0 / (1.0 + exp(-v)) : exp(v) / (1.0 + exp(v));
  case IR_OP_TANH: return tanh(v);
  case IR_OP_HARD_SIGMOID: return clamp01(a->alpha * v + a->beta);
  case IR_OP_HARD_SWISH: return v * clamp01(v / 6 + 0.5);
  case IR_OP_ELU: return v >= 0 ? v : a->alpha * (exp(v) - 1);
  case IR_OP_EXP: return exp(v);
  case IR_OP_LOG: return log(v);
  case IR_OP_SQRT: return sqrt(v);
  case IR_OP_NEG: return -v;
  case IR_OP_ABS: return fabs(v);
  case IR_OP_FLOOR: return floor(v);
  case IR_OP_CEIL: return ceil(v);
  case IR_OP_CLIP:
    v = v < a->lo ? a->lo : v;
    return v > a->hi ? a->hi : v; /* numpy.clip: max wins */
  case IR_OP_RECIPROCAL: return 1.0 / v;
  case IR_OP_SELU: return a->beta * (v > 0 ? v : a->alpha * (exp(v) - 1));
  case IR_OP_SOFTSIGN: return v / (1 + fabs(v));
  case IR_OP_THRESHOLDED_RELU: return v > a->alpha ? v : 0;
  case IR_OP_CELU: return (v > 0 ? v : 0) + fmin(0.0, a->alpha * (exp(v / a->alpha) - 1));
  case IR_OP_SHRINK: return v < -a->alpha ? v + a->beta : v > a->alpha ? v - a->beta : 0;
  case IR_OP_ERF: return erf(v);
  case IR_OP_SOFTPLUS: return v > 0 ? v + log1p(exp(-v)) : log1p(exp(v));
  case IR_OP_SIGN: return v > 0 ? 1 : v < 0 ? -1 : v; /* NaN and 0 kept */
  case IR_OP_ROUND: return nearbyint(v);              /* half to even (the default rounding mode) */
  case IR_OP_MISH: return v * tanh(v > 0 ? v + log1p(exp(-v)) : log1p(exp(v)));
  case IR_OP_NOT: return v == 0;
  default: UNREACHABLE();
  }
}

bool ir_eval_unary_i(IrOp op, int64_t v, int64_t lo, int64_t hi, int64_t *out) {
  switch (op) {
  case IR_OP_RELU: *out = v > 0 ? v : 0; return true;
  case IR_OP_NEG: *out = (int64_t)(0 - (uint64_t)v); return true;
  case IR_OP_ABS: *out = v < 0 ? (int64_t)(0 - (uint64_t)v) : v; return true;
  case IR_OP_FLOOR:
  case IR_OP_CEIL:
  case IR_OP_ROUND: *out = v; return true;
  case IR_OP_SIGN: *out = v > 0 ? 1 : v < 0 ? -1 : 0; return true;
  case IR_OP_NOT: *out = v == 0; return true;
  case IR_OP_CLIP:
    v = v < lo ? lo : v;
    *out = v > hi ? hi : v;
    return true;
  default: return false;
  }
}

double ir_eval_binary_f(IrOp op, double a, double b) {
  switch (op) {
  case IR_OP_ADD: return a + b;
  case IR_OP_SUB: return a - b;
  case IR_OP_MUL: return a * b;
  case IR_OP_DIV: return a / b;
  case IR_OP_POW: return pow(a, b);
  case IR_OP_MAX: return a != a ? a : b != b ? b : b > a ? b : a;
  case IR_OP_MIN: return a != a ? a : b != b ? b : b < a ? b : a;
  case IR_OP_EQUAL: return a == b;
  case IR_OP_LESS: return a < b;
  case IR_OP_GREATER: return a > b;
  case IR_OP_GREATER_OR_EQUAL: return a >= b;
  case IR_OP_LESS_OR_EQUAL: return a <= b;
  case IR_OP_AND: return a != 0 && b != 0;
  case IR_OP_OR: return a != 0 || b != 0;
  case IR_OP_XOR: return (a != 0) != (b != 0);
  default: UNREACHABLE();
  }
}

/* a ** b for integers: exact with wrapping; a negative exponent truncates 1 / a^-b. */
static bool ipow(int64_t a, int64_t b, int64_t *out) {
  if (b < 0) {
    *out = a == 1 ? 1 : a == -1 ? (b % 2 ? -1 : 1) : 0;
    return a != 0;
  }
  uint64_t r = 1, base = (uint64_t)a;
  for (int64_t e = b; e > 0; e >>= 1) {
    if (e & 1) r *= base;
    base *= base;
  }
  *out = (int64_t)r;
  return true;
}

bool ir_eval_binary_i(IrOp op, int64_t a, int64_t b, int64_t *out) {
  uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
  *out = 0;
  switch (op) {
  case IR_OP_ADD: *out = (int64_t)(ua + ub); return true;
  case IR_OP_SUB: *out = (int64_t)(ua - ub); return true;
  case IR_OP_MUL: *out = (int64_t)(ua * ub); return true;
  case IR_OP_DIV:
    if (b == 0) return false;
    *out = (a == INT64_MIN && b == -1) ? INT64_MIN : a / b;
    return true;
  case IR_OP_POW: return ipow(a, b, out);
  case IR_OP_MAX: *out = b > a ? b : a; return true;
  case IR_OP_MIN: *out = b < a ? b : a; return true;
  case IR_OP_EQUAL: *out = a == b; return true;
  case IR_OP_LESS: *out = a < b; return true;
  case IR_OP_GREATER: *out = a > b; return true;
  case IR_OP_GREATER_OR_EQUAL: *out = a >= b; return true;
  case IR_OP_LESS_OR_EQUAL: *out = a <= b; return true;
  case IR_OP_AND: *out = a != 0 && b != 0; return true;
  case IR_OP_OR: *out = a != 0 || b != 0; return true;
  case IR_OP_XOR: *out = (a != 0) != (b != 0); return true;
  default: UNREACHABLE();
  }
}
