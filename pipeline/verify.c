/* pipeline/verify.c — the build's check of each written blob (see verify.h). */
#include "verify.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "reports/report.h"

/* A figure JSON can hold (inf and NaN cannot): null for them. */
static json_t *real(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *agreement(int agree, int of) {
  if (!of) return json_null();
  json_t *o = json_object();
  json_object_set_new(o, "agree", json_integer(agree));
  json_object_set_new(o, "of", json_integer(of));
  return o;
}

static json_t *frames_json(int n, int compared, const char *source) {
  json_t *o = json_object();
  json_object_set_new(o, "count", json_integer(n));
  json_object_set_new(o, "compared", json_integer(compared));
  json_object_set_new(o, "source", report_str(source));
  return o;
}

json_t *verify_json(const BlobVerify *v, const char *frames_source) {
  json_t *o = json_object(), *outs = json_array();
  json_object_set_new(o, "status", json_string(ref_status_name(v->status)));
  json_object_set_new(o, "frames", frames_json(v->n_frames, v->n_compared, frames_source));
  bool none = v->n_compared == 0; /* nothing compared: no figures */
  json_object_set_new(o, "rel_err", real(none ? NAN : v->rel));
  json_object_set_new(o, "fp16_roundings", real(none ? NAN : v->roundings));
  json_object_set_new(o, "tolerance", real(none ? NAN : v->tol));
  json_object_set_new(o, "top1", agreement(v->top1, v->n_top1));
  json_object_set_new(o, "top5", agreement(v->top5, v->n_top5));
  json_object_set_new(o, "max_activation", real(v->max_activation));
  json_object_set_new(o, "fp16_overflows", json_integer((json_int_t)v->n_overflow));
  for (int j = 0; j < v->n_outputs; j++) {
    const BvOutput *b = &v->outputs[j];
    json_t *x = json_object();
    /* an output never compared (a run failed first) has the check's status and no figures */
    bool unseen = b->n_compared == 0;
    RefStatus st = unseen && b->status == REF_PASS ? v->status : b->status;
    json_object_set_new(x, "name", report_str(b->name));
    json_object_set_new(x, "status", json_string(ref_status_name(st)));
    if (unseen) {
      json_array_append_new(outs, x);
      continue;
    }
    json_object_set_new(x, "rel_err", real(b->rel));
    json_object_set_new(x, "rms_rel_err", real(b->rms_rel));
    json_object_set_new(x, "fp16_roundings", real(b->roundings));
    json_object_set_new(x, "tolerance", real(b->tol));
    json_object_set_new(x, "gain_err", real(b->gain_err));
    json_object_set_new(x, "top1", agreement(b->top1, b->n_top1));
    json_object_set_new(x, "top5", agreement(b->top5, b->n_top5));
    if (b->n_det)
      json_object_set_new(x, "detections", agreement((int)b->det_matched, (int)b->n_det));
    json_array_append_new(outs, x);
  }
  json_object_set_new(o, "outputs", outs);
  json_object_set_new(o, "message", report_str(v->msg));
  return o;
}

json_t *verify_error_json(const Err *err, const char *frames_source) {
  json_t *o = json_object();
  char line[1400];
  json_object_set_new(o, "status", json_string("ERROR"));
  json_object_set_new(o, "frames", frames_json(0, 0, frames_source));
  json_object_set_new(o, "message", report_str(err_line(err, line, sizeof line)));
  return o;
}

const char *verify_frames_source(const char *dir) { return dir ? dir : "pseudo-random"; }

static const char *source_of(const BuildOptions *bo) {
  return verify_frames_source(bo->verify_frames_dir);
}

void verify_job(BuildJob *j, const BuildOptions *bo, const uint8_t *blob, size_t len) {
  BvFrames fr = {.frames = bo->verify_frames,
                 .n_frames = bo->n_verify_frames,
                 .n_random = bo->verify_random > 0 ? bo->verify_random : 3};
  BlobVerify v;
  Err err = {0};
  json_decref(j->verify_record);
  if (blob_verify(&v, blob, len, j->opt.source, &j->opt, &fr, &err) < 0) {
    j->verify_record = verify_error_json(&err, source_of(bo));
    return;
  }
  j->verify_record = verify_json(&v, source_of(bo));
  blob_verify_free(&v);
}

bool verify_record_current(const json_t *r, const BuildOptions *bo) {
  const json_t *f = json_object_get(json_object_get(r, "verify"), "frames");
  const char *src = json_string_value(json_object_get(f, "source"));
  int n = bo->verify_frames ? bo->n_verify_frames : bo->verify_random > 0 ? bo->verify_random : 3;
  const char *st = verify_status(r);
  return src && !strcmp(src, source_of(bo)) &&
         json_integer_value(json_object_get(f, "count")) == n && st && strcmp(st, "ERROR");
}

const char *verify_status(const json_t *r) {
  return json_string_value(json_object_get(json_object_get(r, "verify"), "status"));
}
