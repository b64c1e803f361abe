/*
 * tests/support/onnx_build.h — a small C API that writes ONNX models, for tests, the demo
 * zoo generator (tests/fixtures/gen_demo.c) and benchmarks. Not used on the conversion path.
 *
 * Overview. An OnnxBuilder holds one Onnx__ModelProto under construction. Inputs, outputs,
 * initializers and nodes are appended in call order, and that order is what ob_save writes,
 * so the same calls always give the same bytes. Attribute adders apply to the last node.
 * Element types are ONNX TensorProto.DataType codes (OB_FLOAT = 1, OB_INT64 = 7, ...).
 *
 * Usage:
 *   OnnxBuilder *ob = ob_new("tiny", 13);
 *   ob_input(ob, "x", OB_FLOAT, 4, (int64_t[]){1, 3, 8, 8});
 *   ob_init_f32(ob, "w", 4, (int64_t[]){4, 3, 3, 3}, weights);
 *   ob_node(ob, "Conv", "conv1", 2, (const char *[]){"x", "w"}, 1, (const char *[]){"y"});
 *   ob_attr_ints(ob, "pads", 4, (int64_t[]){1, 1, 1, 1});
 *   ob_output(ob, "y", OB_FLOAT, 4, (int64_t[]){1, 4, 8, 8});
 *   if (ob_save(ob, "tiny.onnx", &err) < 0) ...
 *   ob_free(ob);
 *
 * Misuse (an attribute before any node, rank > 8) is a programmer error: ASSERT. Allocation
 * failure aborts. Everything the builder (or a caller, through the returned protobuf structs)
 * hangs off the model must be malloc'd: ob_free releases it with protobuf-c's free_unpacked.
 * The arrays the builder appends to have room for the next power of two of their count: a test
 * that grows one by hand must not append to it through the builder afterwards.
 */
#ifndef COMPILER_FRONTEND_ONNX_BUILD_H
#define COMPILER_FRONTEND_ONNX_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "compiler/base/base.h"
#include "onnx.pb-c.h"

/* ONNX element type codes (TensorProto.DataType), spelled short. */
enum {
  OB_FLOAT = 1,
  OB_UINT8 = 2,
  OB_INT8 = 3,
  OB_UINT16 = 4,
  OB_INT16 = 5,
  OB_INT32 = 6,
  OB_INT64 = 7,
  OB_STRING = 8,
  OB_BOOL = 9,
  OB_FLOAT16 = 10,
  OB_DOUBLE = 11,
  OB_UINT32 = 12,
  OB_UINT64 = 13,
  OB_BFLOAT16 = 16,
};

typedef struct OnnxBuilder OnnxBuilder;

/* A model with one graph named graph_name importing the default domain at opset. The IR
 * version follows the opset (7 up to opset 13, 8 above). Never NULL. */
OnnxBuilder *ob_new(const char *graph_name, int64_t opset);
void ob_free(OnnxBuilder *ob); /* accepts NULL */

/* The model being built, for tests that set fields directly (malloc everything you attach). */
Onnx__ModelProto *ob_model(OnnxBuilder *ob);

/* Graph input / output. rank -1 declares no shape; dims[i] < 0 writes an empty dimension.
 * ob_input returns the input's position. */
int ob_input(OnnxBuilder *ob, const char *name, int32_t elem_type, int rank, const int64_t *dims);
/* Same with symbolic dims: dim_params[i] non-NULL writes dim_param instead of dims[i]. */
int ob_input_sym(OnnxBuilder *ob, const char *name, int32_t elem_type, int rank,
                 const int64_t *dims, const char *const *dim_params);
void ob_output(OnnxBuilder *ob, const char *name, int32_t elem_type, int rank, const int64_t *dims);

/* Initializers stored in raw_data (little-endian). data holds numel elements. */
void ob_init_f32(OnnxBuilder *ob, const char *name, int rank, const int64_t *dims,
                 const float *data);
void ob_init_i64(OnnxBuilder *ob, const char *name, int rank, const int64_t *dims,
                 const int64_t *data);
/* Any element type: nbytes of data copied as raw_data (nbytes is not checked against the shape,
 * so tests can write malformed tensors). Returns the tensor for further tweaks. */
Onnx__TensorProto *ob_init_raw(OnnxBuilder *ob, const char *name, int32_t elem_type, int rank,
                               const int64_t *dims, const void *data, size_t nbytes);
/* An initializer with shape and type but no data: fill a typed field with ob_tensor_set_*. */
Onnx__TensorProto *ob_init_empty(OnnxBuilder *ob, const char *name, int32_t elem_type, int rank,
                                 const int64_t *dims);
/* An f32 initializer whose bytes ob_save writes to data_file (a path relative to the model's
 * folder, written as given: tests may pass "../x.bin") with location/offset/length entries. */
void ob_init_f32_external(OnnxBuilder *ob, const char *name, int rank, const int64_t *dims,
                          const float *data, const char *data_file);

/* Typed-field setters (replace the field's previous values; data copied). */
void ob_tensor_set_float_data(Onnx__TensorProto *t, const float *v, size_t n);
void ob_tensor_set_int32_data(Onnx__TensorProto *t, const int32_t *v, size_t n);
void ob_tensor_set_int64_data(Onnx__TensorProto *t, const int64_t *v, size_t n);
void ob_tensor_set_double_data(Onnx__TensorProto *t, const double *v, size_t n);
void ob_tensor_set_uint64_data(Onnx__TensorProto *t, const uint64_t *v, size_t n);

/* Appends a node. name may be NULL or "" (no name written); inputs[i] == "" is an omitted
 * optional input. Returns outputs[0] as stored in the model (valid until ob_free), or NULL
 * when n_out is 0. */
const char *ob_node(OnnxBuilder *ob, const char *op_type, const char *name, int n_in,
                    const char *const *inputs, int n_out, const char *const *outputs);
/* Sets the domain of the last node ("com.microsoft"). */
void ob_node_domain(OnnxBuilder *ob, const char *domain);

/* Attributes of the last node. */
void ob_attr_int(OnnxBuilder *ob, const char *name, int64_t v);
void ob_attr_float(OnnxBuilder *ob, const char *name, float v);
void ob_attr_string(OnnxBuilder *ob, const char *name, const char *v);
void ob_attr_ints(OnnxBuilder *ob, const char *name, int n, const int64_t *v);
void ob_attr_floats(OnnxBuilder *ob, const char *name, int n, const float *v);
/* A TENSOR attribute with raw_data (nbytes of data); returns the tensor for tweaks. */
Onnx__TensorProto *ob_attr_tensor(OnnxBuilder *ob, const char *name, int32_t elem_type, int rank,
                                  const int64_t *dims, const void *data, size_t nbytes);
/* A GRAPH attribute holding an empty graph named graph_name (for "kept as other" tests). */
void ob_attr_graph(OnnxBuilder *ob, const char *name, const char *graph_name);

/* Number of elements over all initializers (the "parameter count"). */
int64_t ob_num_params(const OnnxBuilder *ob);

/* Serialises the model into a malloc'd buffer (*out, caller frees). Writes no files: external
 * initializers are referenced but their data files are written only by ob_save. */
void ob_pack(OnnxBuilder *ob, uint8_t **out, size_t *len);
/* Writes external data files (beside path), then the model, each with io_write_atomic. */
int ob_save(OnnxBuilder *ob, const char *path, Err *err);

/* Deterministic PRNG (splitmix64 seeding a xorshift64*), explicit state, no hidden globals. */
typedef struct {
  uint64_t s;
} ObRng;
void ob_rng_seed(ObRng *r, uint64_t seed);
uint64_t ob_rng_next(ObRng *r);
float ob_rng_uniform(ObRng *r);                   /* [0, 1) with 24 random bits */
float ob_rng_range(ObRng *r, float lo, float hi); /* [lo, hi) */
/* Fills n floats uniformly in [-limit, limit]: He-uniform for ReLU nets is
 * limit = gain * sqrt(6 / fan_in). */
void ob_rng_fill(ObRng *r, float *dst, size_t n, float limit);

/* ---- generator helpers (demo zoo, benchmark zoo, tests) ---- */

/* An f32 initializer `name` of uniform values in [-limit, limit], plus offset, from rng. */
void ob_init_rand(OnnxBuilder *ob, ObRng *rng, const char *name, int rank, const int64_t *dims,
                  float limit, float offset);
/* A Conv node `name` with He-uniform weights `name.weight` (limit gain * sqrt(6 / fan_in)) and,
 * when bias, `name.bias`; square kernel k, equal stride and pads, dilation 1. Returns the output
 * tensor name (`name_y`, valid until ob_free). */
const char *ob_conv(OnnxBuilder *ob, ObRng *rng, const char *x, const char *name, int cin, int cout,
                    int k, int stride, int pad, int group, int bias, float gain);

#endif
