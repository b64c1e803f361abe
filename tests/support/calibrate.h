/*
 * tests/support/calibrate.h — calibrates the random weights of a generated model (demo zoo,
 * benchmark zoo, tests) so that its activations neither die nor explode: the numerical checks
 * run on such a model then mean something (a network whose ReLUs are all dead outputs a
 * constant, one whose signal shrinks by 1e9 outputs values FP16 cannot hold; both prove nothing).
 *
 * How. The model under construction is run once by the reference executor (FP32) on noise of
 * unit variance (uniform in [-sqrt 3, sqrt 3], seeded), node after node; as each node's output
 * appears (ref_run_observed) its statistics fix the constants that shape it, before any later
 * node reads them, exactly as BatchNorm statistics are gathered in training:
 *   - a tensor read by BatchNormalization: the BN's running_mean / running_var become the
 *     tensor's per-channel mean and variance (the BN then outputs gamma * z + beta, z of unit
 *     variance, gamma and beta as the generator chose them);
 *   - a Conv (or Gemm) with a bias whose output no BN reads (the BN is folded, as exporters
 *     write MobileNet): per output channel, the weights are scaled and the bias shifted so the
 *     channel has mean b (its generated bias) and standard deviation g, where g is the gain its
 *     He-uniform weights were drawn with (g = rms(W) * sqrt(fan_in / 2): the He fixed point for
 *     a ReLU network); without a bias only the scale is set (rms g);
 *   - channels are per-channel when a channel has at least 16 values, else one statistic for
 *     the whole tensor (a [1, 1000] Gemm output).
 * Both the builder's initializers and the running graph are updated, so one pass suffices.
 * Models with a non-float input, or an op without a reference kernel, are left unchanged.
 */
#ifndef COMPILER_REF_CALIBRATE_H
#define COMPILER_REF_CALIBRATE_H

#include "compiler/base/base.h"
#include "tests/support/onnx_build.h"

/* Calibrates ob's float initializers in place (see above) from noise drawn with seed. A 4-D input
 * larger than side x side pixels is calibrated at side x side (0: at its own size): noise
 * statistics do not depend on the image size, the executor's time does; side should leave the
 * last feature map at least 4 x 4 (128 for a stride-32 network). *changed
 * (may be NULL) gets the number of nodes calibrated (0 when the model was left unchanged).
 * Returns 0, or -1 with err filled when the model cannot be loaded or run. */
int ref_calibrate(OnnxBuilder *ob, uint64_t seed, int side, int *changed, Err *err);

#endif
