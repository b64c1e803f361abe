/*
 * compiler/ref/blob_verify.h — checks a blob a build wrote against the model it came from: the
 * library behind `blobc verify --blob B --model M` and `blobc build --verify`.
 *
 * The same U8 frames go two ways:
 *   - through the blob, with its own preprocessing and precisions, its stages (SHAVE and NCE)
 *     run on the CPU (blob_run.h);
 *   - through the source model in FP32 (ref.h), with the manifest's preprocessing applied here,
 *     independently of the compiler's preprocessing pass, as Model Optimizer defines it:
 *         model_input[c] = (frame[c'] - mean[c]) / scale[c],  c' = 2 - c with
 *         reverse_input_channels (BGR frames, RGB model), else c;
 *     mean and scale in the model's channel order, the frame transposed to the model's layout.
 * Each blob output is compared with the model's under the rule of compare.h, at the FP16
 * tolerance of its depth (plus one rounding step for the preprocessing); class-score outputs
 * (one non-unit dim) also get top-1 and top-5 agreement. A DetectionOutput's list of boxes is
 * compared as detections: each of one list needs a partner in the other (same label,
 * confidence and corners within tol FP16 roundings of 1), except boxes at the cut (confidence
 * within that of the lowest kept) and NMS near-ties (at most 1% of the boxes, and one).
 *
 * Inputs. A U8 4-D blob input takes frames: the given images (U8 [1,H,W,C], tio_read_image),
 * resized to the input by nearest neighbour when their size differs (a grey frame feeds all
 * three channels of a colour input; a colour frame a grey input through the mean of its
 * channels), or deterministic pseudo-random frames (smooth patterns plus noise, the same for
 * every run). FP16/FP32 blob inputs take pseudo-random values (in [0, 255] when mean/scale are
 * given, else [-1, 1]), integer inputs values in [0, 3]. Frozen inputs (CompInput.value) feed
 * the model only.
 *
 * Verdicts (RefStatus): PASS; FAIL (an output off the tolerance, or the blob's outputs do not
 * match the model's); UNSUPPORTED (a stage or an op the CPU executors cannot run: nothing
 * proven); UNINFORMATIVE (every output is constant across the frames, or a constant would pass:
 * nothing proven either).
 */
#ifndef COMPILER_REF_BLOB_VERIFY_H
#define COMPILER_REF_BLOB_VERIFY_H

#include "compiler/graph/options.h"
#include "ref.h"

typedef struct {
  char name[200]; /* the blob output's name */
  RefStatus status;
  double rel, rms_rel, roundings; /* the worst over the frames (compare.h) */
  double tol;                     /* the tolerance (FP16 roundings) */
  double gain_err, gain_tol;      /* the worst |gain - 1| and its bound */
  int n_top1, top1;               /* frames ranked (0: not a class-score output) / agreeing */
  int n_top5, top5;               /* the same for the top-5 set (outputs of more than 5 classes) */
  bool varies;                    /* the expected output differed between frames */
  int n_compared;                 /* frames in which it was compared (0: no figures) */
  bool vanished;                  /* the model's output vanished against its input (compare.h
                                     REF_VANISH): not compared */
  double vanish_rms, vanish_in;   /* its RMS and the input's, at the first such frame */
  int64_t n_det, det_matched;     /* a DetectionOutput list: the model's detections (over the
                                     frames, those not at the cut) and those with a partner */
} BvOutput;

typedef struct {
  RefStatus status;
  int n_frames;      /* frames asked for */
  int n_compared;    /* frames run through both and compared (fewer when a run failed) */
  BvOutput *outputs; /* malloc'd, n_outputs */
  int n_outputs;
  double rel, roundings, tol; /* the output with the largest roundings / tol */
  int n_top1, top1, n_top5, top5;
  uint64_t n_overflow;   /* values the blob's stages stored as inf (FP16 overflow), all frames */
  int overflow_frame;    /* the first frame that overflowed */
  double max_activation; /* the largest finite |value| a stage stored */
  char msg[600];         /* why it is not PASS ("" when it is) */
} BlobVerify;

typedef struct {
  const RefTensor *frames; /* U8 [1,H,W,C] images, or NULL for pseudo-random frames */
  int n_frames;            /* images given */
  int n_random;            /* frames generated when frames is NULL (at least 1) */
} BvFrames;

/* Verifies blob[0..len) against the model at model_path compiled with opt (its inputs'
 * preprocessing; opt->stop is honoured between runs). Returns 0 with *v filled (free with
 * blob_verify_free) whatever the verdict; -1 with err when it cannot start: a malformed blob
 * (ERR_PARSE), a model that does not load, a blob whose inputs are not the model's (ERR_USAGE),
 * ERR_INTERRUPTED, ERR_OOM. */
int blob_verify(BlobVerify *v, const uint8_t *blob, size_t len, const char *model_path,
                const CompileOptions *opt, const BvFrames *fr, Err *err);
void blob_verify_free(BlobVerify *v);

/* Reads every .ppm/.pgm of dir (sorted by name) as U8 images into a malloc'd array. -1 with err
 * when dir cannot be read, holds no image, or an image is malformed (err->file names it). */
int blob_verify_load_frames(RefTensor **frames, int *n, const char *dir, Err *err);

#endif
