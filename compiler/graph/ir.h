/*
 * compiler/graph/ir.h — the graph IR every frontend produces and every pass/backend reads.
 *
 * Overview. An IrGraph is plain data owned by one Arena: an array of tensors and an array of
 * nodes. Tensors are referenced by index (int, -1 = absent optional input). Nodes are kept in
 * topological order (inputs precede users) once ir_toposort() has run; frontends may append in
 * any order and call it. A tensor with `data != NULL` is a constant (an initializer, a Constant
 * node's value, or a folded result). Graph inputs/outputs are index lists.
 *
 * Usage:
 *   IrGraph *g = ir_new(arena, "zoo/model.onnx");
 *   int x = ir_add_tensor(g, "x");  g->tensors[x].dtype = DT_F32; ir_set_shape(g, x, 4, (int64_t[]){1,3,224,224});
 *   ir_add_input(g, x);
 *   int n = ir_add_node(g, IR_OP_RELU, "Relu", "relu1");
 *   ir_node_add_input(g, n, x);  int y = ir_node_add_output(g, n, "y");
 *   ir_add_output(g, y);
 *   if (ir_infer(g, &err) < 0) ...           // shape.c: dtypes, shapes, constant folding
 *
 * Attributes keep ONNX semantics (names and values as in the ONNX spec) whatever the frontend.
 *
 * Parameters. Frontends write attributes (IrNode.attrs, ir_node_add_attr); nothing after them
 * reads that list. Each op's attributes are decoded once, with their ONNX defaults, into a typed
 * struct on the node (IrNode.params) by compiler/graph/params.c: ir_infer decodes every node right
 * before its shape function (an invalid attribute is an ERR_SHAPE there), a node made or changed
 * later is decoded on first use. Stages read it through the accessor of the op's family:
 *   const IrWindowParams *p = ir_window_params(g, n);   // strides, pads, auto_pad, group ...
 * The elementwise maths that folding and the reference executor share is compiler/graph/scalar.h.
 * The ir_attr* getters below are for frontends, params.c and tests.
 */
#ifndef COMPILER_GRAPH_IR_H
#define COMPILER_GRAPH_IR_H

#include "../base/base.h"
#include "../base/types.h"

typedef enum {
#define X(e, name, lo, hi, fn) IR_OP_##e,
#include "ops.def"
#undef X
  IR_OP_COUNT,
  IR_OP_UNKNOWN = IR_OP_COUNT, /* op_type kept in IrNode.op_type */
} IrOp;

#define IR_MAX_DIMS      8
#define IR_MAX_ATTR_INTS 64 /* not a hard cap: attrs use arena arrays */

typedef enum {
  ATTR_INT,
  ATTR_FLOAT,
  ATTR_STRING,
  ATTR_INTS,
  ATTR_FLOATS,
  ATTR_TENSOR,
  ATTR_OTHER
} AttrKind;

typedef struct IrAttr {
  const char *name;
  AttrKind kind;
  int64_t i;
  float f;
  const char *s; /* ATTR_STRING (NUL-terminated copy) */
  int64_t *ints; /* ATTR_INTS */
  float *floats; /* ATTR_FLOATS */
  int n;         /* count for ints/floats */
  int tensor;    /* ATTR_TENSOR: index of a constant tensor in the graph, -1 if none */
} IrAttr;

typedef struct IrTensor {
  const char *name;
  DType dtype;                        /* DT_UNDEF until known */
  int rank;                           /* -1 = unknown */
  int64_t dims[IR_MAX_DIMS];          /* -1 = unknown dim (dynamic) */
  const char *dim_names[IR_MAX_DIMS]; /* symbolic dim from the model ("batch"), NULL if none */
  void *data;    /* constant contents in `dtype`, row-major; NULL if not constant */
  size_t nbytes; /* bytes at data */
  int producer;  /* node index, -1 for graph inputs / initializers */
  bool is_input, is_output;
  DType source_dtype; /* set when a pass changed dtype (I64 input fed as I32), else DT_UNDEF */
  /* Graph inputs: the layout of the data as fed; LAYOUT_NONE unknown. A frontend sets the
   * model's own layout (TensorFlow placeholders are NHWC); preprocessing replaces it with the
   * frame layout the blob takes. */
  Layout layout;
  bool borrowed; /* data points into g->keepalive (a frontend's decoded file), not the arena */
  void *block;   /* the arena block ir_set_const made for data: freed early (ir_drop_const)
                         only while data still points at it */
} IrTensor;

typedef enum {
  VERDICT_NONE = 0, /* not judged yet */
  VERDICT_SUPPORTED,
  VERDICT_CONVERTED, /* runs after we changed it (Convert inserted, folded, ...) */
  VERDICT_UNSUPPORTED,
  VERDICT_FOLDED,  /* computed at compile time, no stage */
  VERDICT_BLOCKED, /* not judged on its own: an input is missing or dynamic only because of the
                         root cause IrNode.blocked_by (an unsupported or dynamic node upstream) */
} Verdict;

/* Inputs of one node: any number up to IR_NODE_MAX_INPUTS (a Concat of 90 SSD heads, a Sum of
 * hundreds), kept in an arena array. IR_MAX_INPUTS is what the TensorFlow and Caffe frontends
 * take per layer (their parse buffers are fixed). */
#define IR_MAX_INPUTS      64
#define IR_NODE_MAX_INPUTS 65536
#define IR_MAX_OUTPUTS     16

typedef struct IrNode {
  IrOp op;
  const char *op_type; /* the source op name ("Conv", or e.g. "DeformConv" for unknown) */
  const char *domain;  /* ONNX domain, "" for the default */
  const char *name;    /* node name; frontends synthesise "<op>_<index>" when empty */
  int *inputs;         /* tensor indices, -1 for an omitted optional input (arena array) */
  int n_inputs, cap_inputs;
  int outputs[IR_MAX_OUTPUTS]; /* tensor indices, -1 for an omitted optional output */
  int n_outputs;
  IrAttr *attrs;
  int n_attrs;
  void *params; /* the attributes decoded (params.h); NULL until decoded */
  bool dead;    /* removed by a pass (folded or fused); backends skip it */
  Verdict verdict;
  const char *reason; /* for unsupported/converted: why */
  const char *fix;    /* for unsupported: what the user can do */
  const char *origin; /* "preprocessing" for nodes a pass inserted, NULL otherwise */
  int blocked_by;     /* VERDICT_BLOCKED: index of the root-cause node it is reported under */
  int dropped_inputs; /* inputs the source gave beyond IR_MAX_INPUTS (a limit of blobc): the
                            node keeps the first IR_MAX_INPUTS and is an unsupported verdict */
} IrNode;

typedef struct IrGraph {
  Arena *arena;
  const char *source; /* model path, for error messages */
  const char *producer_name;
  int64_t opset; /* default-domain opset, 0 if unknown */
  IrTensor *tensors;
  int n_tensors, cap_tensors;
  IrNode *nodes;
  int n_nodes, cap_nodes;
  int *inputs; /* graph inputs (non-constant), in model order */
  int n_inputs, cap_inputs;
  int *outputs;
  int n_outputs, cap_outputs;
  /* Frontends may keep their decoded file alive so constant tensors point into it without a
   * copy; ir_free-like cleanup happens through this hook when the job ends. */
  void (*keepalive_free)(void *);
  void *keepalive;
  /* Largest tensor (bytes) shape inference accepts, checked before anything is folded or
   * allocated for it; 0 = no limit. compile_model sets it from CompileLimits. */
  uint64_t max_tensor_bytes;
  bool inferred; /* ir_infer has run: dtypes and shapes are set where they can be */
  /* When set (compile_model sets it), ir_infer frees each folded intermediate as soon as nothing
   * reads it any more, so a long chain of folds holds what it keeps, not every step; tools and
   * tests that inspect intermediates leave it false. fold_readers: during such an ir_infer, per
   * tensor, the live nodes (and graph outputs) that still read it; NULL otherwise. */
  bool drop_dead_consts;
  int *fold_readers;
} IrGraph;

/* Op table lookups. */
const char *ir_op_name(IrOp op);           /* "Conv"; "Unknown" for IR_OP_UNKNOWN */
IrOp ir_op_from_onnx(const char *op_type); /* IR_OP_UNKNOWN when not in ops.def */
int ir_op_min_inputs(IrOp op);
int ir_op_max_inputs(IrOp op);

/* Construction. Indices stay valid; pointers into tensors/nodes do NOT survive an add. */
IrGraph *ir_new(Arena *a, const char *source);
void ir_release(IrGraph *g); /* runs keepalive_free; the arena is the caller's */
/* Frees the tensor/node arrays that adds have outgrown. Adds keep the old arrays valid (code may
 * still hold a pointer into them until it is done with a node), so call this only where nothing
 * points into g->tensors or g->nodes: between passes. */
void ir_collect(IrGraph *g);
/* Copies the borrowed constants that live nodes (or graph inputs/outputs) still read into the
 * arena, drops the others' data, and releases the frontend's decoded file: after the FP16 pass
 * the weights take half the bytes they took in the file. */
void ir_detach(IrGraph *g);
int ir_add_tensor(IrGraph *g, const char *name);        /* rank -1, dtype UNDEF, producer -1 */
int ir_find_tensor(const IrGraph *g, const char *name); /* -1 when absent (linear search) */
void ir_set_shape(IrGraph *g, int t, int rank, const int64_t *dims);
int ir_add_node(IrGraph *g, IrOp op, const char *op_type, const char *name);
void ir_node_add_input(IrGraph *g, int node, int tensor);       /* tensor may be -1 */
int ir_node_add_output(IrGraph *g, int node, const char *name); /* creates the tensor */
void ir_add_input(IrGraph *g, int tensor);
void ir_add_output(IrGraph *g, int tensor);
/* Adds an attribute slot to a node and returns it (zeroed, name set, tensor = -1). Drops the
 * node's decoded params, which are decoded again on their next use. */
IrAttr *ir_node_add_attr(IrGraph *g, int node, const char *name, AttrKind kind);

/* Attribute getters with defaults (ONNX semantics): for frontends, params.c and tests only; every
 * other stage reads the decoded params (params.h). */
const IrAttr *ir_attr(const IrNode *n, const char *name);
int64_t ir_attr_int(const IrNode *n, const char *name, int64_t dflt);
float ir_attr_float(const IrNode *n, const char *name, float dflt);
const char *ir_attr_str(const IrNode *n, const char *name, const char *dflt);
/* Copies up to max ints into out; returns the count present (0 when absent). */
int ir_attr_ints(const IrNode *n, const char *name, int64_t *out, int max);
/* Float-list attribute: copies up to max values, returns the attribute's count (0 when absent). */
int ir_attr_floats(const IrNode *n, const char *name, float *out, int max);

/* Tensor helpers. */
int64_t ir_numel(const IrTensor *t);       /* -1 if any dim unknown or rank unknown; 1 for rank 0 */
bool ir_is_const(const IrGraph *g, int t); /* t >= 0 and data != NULL */
/* Sets constant data (copied into an arena block, zeroed when data is NULL) with dtype and
 * shape. The block is charged to the model's memory budget (base.h, Job). */
void ir_set_const(IrGraph *g, int t, DType dt, int rank, const int64_t *dims, const void *data);
/* Frees t's constant data now when ir_set_const made it (t->data == t->block) and forgets it
 * (data NULL, nbytes 0); other data is left alone (borrowed or in the arena). */
void ir_drop_const(IrGraph *g, int t);
/* Reads element i of a constant tensor converted to double / int64 (any dtype). */
double ir_const_f64(const IrTensor *t, int64_t i);
/* Stores v as element i in t's type (saturating, rounding to integers as ONNX Cast does). */
void ir_const_put_f64(IrTensor *t, int64_t i, double v);
int64_t ir_const_i64(const IrTensor *t, int64_t i);
/* Human-readable shape "1x3x224x224" ("?" for unknown dims, "scalar" for rank 0). */
const char *ir_shape_str(Arena *a, const IrTensor *t);

/* Graph-wide. */
int ir_toposort(IrGraph *g, Err *err); /* orders nodes; ERR_PARSE on a cycle or a missing tensor */
int ir_infer(IrGraph *g, Err *err);    /* shape.c: dtype/shape inference + folding, in order */
/* Structural invariants (verify.c): every live node's tensors exist, each tensor has at most one
 * live producer and names it, nodes are in topological order (so no cycle), every read tensor is
 * made by an earlier node or is an input or constant; after inference also well-formed shapes,
 * constants as long as their shapes and typed outputs of typed known ops. ERR_INTERNAL naming
 * the node and `after` (the pass that broke it). O(nodes + tensors). */
int ir_verify(const IrGraph *g, const char *after, Err *err);
bool ir_verify_enabled(void);        /* sanitizer builds, or $BLOBC_VERIFY_IR set */
int ir_count_live(const IrGraph *g); /* nodes not dead */
/* Number of live nodes that read tensor t (graph outputs count as one reader). */
int ir_consumers(const IrGraph *g, int t);

/* Shape function signature (shape.c): fills outputs' dtype/rank/dims of node n, may fold. */
typedef int (*IrShapeFn)(IrGraph *g, int n, Err *err);

#endif
