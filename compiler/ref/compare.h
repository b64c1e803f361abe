/*
 * compiler/ref/compare.h — the one numerical comparison rule of blobc: `blobc verify`, the blob
 * tests and the mutation test compare an output a (ours) with its expected value e through it.
 *
 * The rule. Each output tensor is measured against its own scale S = RMS(e) (finite elements).
 * Element k passes when
 *     |a_k - e_k| <= tol * u * max(|e_k|, S),        u = 2^-11 (one FP16 rounding)
 * i.e. its error is at most `tol` FP16 roundings of the larger of its own magnitude and the
 * output's scale. There is no absolute term: the floor for elements near zero is FP16's
 * resolution of the output's own magnitude (u * S), so the rule reads the same at 1e-9 as at 1e3,
 * and an all-zero (or constant) answer against an expected output that varies fails at every
 * magnitude. NaN must meet NaN and inf the same inf; integer and bool outputs must be exact.
 * A coherent error is held to a tighter bound than a random one: the least-squares scale of a
 * against e, gain = sum a_k e_k / sum e_k^2, must be within 4 rms_rel / sqrt(n) + gain_floor * u
 * of 1. Independent rounding errors move it by about rms_rel / sqrt(n) (they average out over
 * the n elements; 4 of those is 4 sigma); a weight scaled by 1.01, weights rounded toward zero, a
 * wrong input scale do not average out. gain_floor is the coherent drift allowed (roundings):
 * REF_GAIN_FP32 for FP32 paths, ref_gain_fp16(depth) = 0.5 + 0.8 depth for FP16 ones (a max or a
 * ReLU of noisy values is biased upwards: 0.4 roundings after one conv + MaxPool; a deep random network turns
 * part of its rounding noise into a drift along its output: measured up to 0.54 roundings per
 * layer on the demo MobileNetV2).
 * The figures reported: rel = max|a - e| / S (the error relative to the output's scale),
 * rms_rel = RMS(a - e) / S, and roundings = max_k |a_k - e_k| / (u * max(|e_k|, S)), the
 * quantity held against tol.
 *
 * Tolerances (in FP16 roundings; README "Numerical proof" says why):
 *   FP32 paths: REF_TOL_FP32 (0.2 roundings ~ 1e-4 relative ~ 1700 float32 roundings);
 *   FP16 paths (graph-fp16, blob): ref_tol_fp16(depth) = REF_TOL_FP16_BASE + REF_TOL_FP16_LAYER *
 *   depth, depth = the rounding steps on the longest path to the output (ref_depth).
 *
 * Informative tests. A comparison proves something only when a wrong answer would fail it:
 * ref_trivial_passes tells whether the all-zero or the constant answer mean(e) would pass, and
 * verify turns such a test (and one whose output does not depend on its input) into UNINFORMATIVE.
 */
#ifndef COMPILER_REF_COMPARE_H
#define COMPILER_REF_COMPARE_H

#include "ref.h"

#define REF_U16             (1.0 / 2048.0) /* FP16 unit roundoff: 11 significant bits, round to nearest */
#define REF_TOL_FP32        0.2
#define REF_TOL_FP16_BASE   4.0
#define REF_TOL_FP16_LAYER  5.0
#define REF_GAIN_FP32       0.2
#define REF_GAIN_FP16_BASE  0.5
#define REF_GAIN_FP16_LAYER 0.8
/* An output whose RMS is below 2^-24 of its inputs' is a signal that vanished (FP16 cannot hold
 * it even as a subnormal of the input's scale): the data set is degenerate (README). */
#define REF_VANISH          (1.0 / 16777216.0)

typedef struct {
  int64_t n;        /* elements compared */
  double scale;     /* S = RMS of the finite expected values (0 when all are zero) */
  double max_abs;   /* max |a - e| (inf when a NaN/inf does not match) */
  double rel;       /* max |a - e| / S (0 when both are all zero, inf when only e is) */
  double rms_rel;   /* RMS(a - e) / S, same conventions */
  double roundings; /* max_k |a_k - e_k| / (u * max(|e_k|, S)) */
  double gain;      /* sum a_k e_k / sum e_k^2: the scale of a against e (1 when e is all zero) */
  double gain_tol;  /* |gain - 1| allowed: 4 rms_rel / sqrt(n) + gain_floor u */
  int64_t worst;    /* the element with the largest roundings, -1 when none */
  bool exact;       /* integer / bool output: compared exactly */
  bool pass;
} RefDiff;

/* Compares a (ours) with e (expected) under tol FP16 roundings and a coherent drift of at most
 * gain_floor roundings into *d. Returns 0, or -1 when the shapes differ (d->pass false, nothing
 * else measured). */
int ref_compare(RefDiff *d, const RefTensor *a, const RefTensor *e, double tol, double gain_floor);

/* True when a trivially wrong answer passes against e at tol: the all-zero output, or the
 * constant mean(e). Such an output proves nothing (false for integer outputs and for fewer
 * than two elements). */
bool ref_trivial_passes(const RefTensor *e, double tol);

/* The FP16 tolerance, and coherent drift, for an output `depth` rounding steps deep. */
double ref_tol_fp16(int depth);
double ref_gain_fp16(int depth);

/* Rounding steps on the longest path from a graph input to tensor t in g (after ir_infer): live
 * nodes that compute new values count one each; pure data movement (Reshape, Transpose, Concat,
 * Slice, Split, Squeeze, Unsqueeze, Flatten, Identity, Gather, Tile, Expand, Pad, MaxPool,
 * Relu, Clip, Max/Min, ...: ops whose FP16 result is one of their FP16 inputs) counts none. At
 * least 1. */
int ref_depth(const IrGraph *g, int t);

#endif
