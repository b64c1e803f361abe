/*
 * compiler/backend/blob_format.h — every number of the MyriadX (RVC2) ".blob" format, in one
 * place, for the writer (blob/) and the reader (blob_read.c). Header only, no state.
 *
 * Spec: ../shared/docs/blob-format.md (section numbers "§" below refer to it) and
 * ../shared/docs/blob-stages.md (§7 superblob, written "stages§7"). Source tags in brackets are the
 * spec's: [OV-fmt] blob_format.hpp, [OV-ser] serialize.cpp, [OV-gt] graph_transformer.hpp,
 * [OV-dd]/[OV-ddc] data_desc.hpp/.cpp, [OV-data] data.cpp, [OV-stage] stage.cpp, [OV-stype]
 * stage.hpp, [OV-alloc] allocator.cpp, [DAI-rd]/[DAI-ov] depthai-core BlobReader.cpp/OpenVINO.cpp,
 * [mx_stage] mx_stage.cpp, [MC]/[DAI-SB] superblob (modelconverter, depthai-core).
 *
 * Layout in one picture (§1), all integers little-endian, all structs packed:
 *
 *   0    ELF stub (52 bytes, BLOB_ELF_*)          132  zero padding
 *   52   mv_blob_header (80 bytes, BLOB_HDR_*)    192  input info section   (align 64)
 *                                                      output info section  (align 64)
 *                                                      stage section        (align 64)
 *                                                      const data section   (align 64)
 *   file_size                                          [2022.x network-info trailer, §4b]
 *
 * Usage (writer):
 *   buf_put_u32(&b, BLOB_MAGIC);                        // at BLOB_HDR_MAGIC
 *   buf_put_u32(&b, BLOB_DT_FP16); buf_put_u32(&b, BLOB_ORDER_NCHW); ...
 *   buf_put_u32(&b, BLOB_STAGE_RELU); buf_put_u32(&b, BLOB_STAGE_BORDER_SYMBOL);   // stage trailer
 * Usage (reader):
 *   const char *n = blob_stage_name(code);             // "Relu", or NULL when unknown
 *   const char *ov = blob_openvino_release(6, 0);      // "2022.1", or NULL when depthai rejects
 */
#ifndef COMPILER_BACKEND_BLOB_FORMAT_H
#define COMPILER_BACKEND_BLOB_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- §1 overall layout ---------------------------------------------------------------------- */

#define BLOB_ELF_SIZE              52u /* sizeof(ElfN_Ehdr) [OV-fmt]; readers skip it unchecked [DAI-rd] */
#define BLOB_HEADER_SIZE           80u /* sizeof(mv_blob_header) [OV-fmt] */
#define BLOB_HEADER_END            132u /* 52 + 80: the "blob header" handed to the device [OV-ser] */
#define BLOB_HDR_AREA              192u /* align64(132): input_info_section_offset, always [OV-ser] */
#define BLOB_SECTION_ALIGN         64u /* every section size is rounded up to 64, zero padded [OV-ser] */
#define BLOB_DATA_ALIGN            64u /* DATA_ALIGNMENT of const/BSS/CMX/IO allocations [OV-alloc] */
#define BLOB_STRIDE_ALIGN          16u /* STRIDE_ALIGNMENT for "Aligned" strides [OV-dd] §6.4 */
#define BLOB_HW_DATA_ALIGN         16u /* HW (MyriadXHwOp) data offsets are multiples of 16 [mx_stage] */
#define BLOB_MAX_DIMS              8u /* MAX_DIMS_32: order codes are 32-bit, 8 nibbles [OV-data] */
#define BLOB_CMX_SLICE_SIZE        (128u * 1024u) /* CMX_SLICE_SIZE [OV-alloc] §4 */
#define BLOB_CMX_SHAVE_BUFFER_SIZE (100u * 1024u) /* CMX_SHAVE_BUFFER_SIZE [OV-alloc] §4 */

/* ---- §1.1 ELF stub (values written by BackEnd::createElfHeader [OV-ser]) --------------------- */

#define BLOB_ELF_IDENT0      0x7Fu /* e_ident = 7F 'e' 'l' 'f' (lower case!), then 12 zero bytes */
#define BLOB_ELF_IDENT1      0x65u
#define BLOB_ELF_IDENT2      0x6Cu
#define BLOB_ELF_IDENT3      0x66u
#define BLOB_ELF_OFF_TYPE    16u /* u16 e_type = 1 */
#define BLOB_ELF_OFF_MACHINE 18u /* u16 e_machine = 2 */
#define BLOB_ELF_OFF_VERSION 20u /* u32 e_version = 2 */
#define BLOB_ELF_OFF_EHSIZE  40u /* u16 e_ehsize = 8 * 52 = 416 (bogus but genuine) */
#define BLOB_ELF_TYPE        1u
#define BLOB_ELF_MACHINE     2u
#define BLOB_ELF_VERSION     2u
#define BLOB_ELF_EHSIZE      416u

/* ---- §1.2 mv_blob_header: absolute file offsets of each uint32 field ------------------------- */

#define BLOB_MAGIC 9709u /* 0x25ED, BLOB_MAGIC_NUMBER [OV-gt], same in depthai [DAI-rd] */

typedef enum {
  BLOB_HDR_MAGIC = 52,            /* magic_number = BLOB_MAGIC */
  BLOB_HDR_FILE_SIZE = 56,        /* file_size: blob length without the §4b trailer */
  BLOB_HDR_VER_MAJOR = 60,        /* blob_ver_major (6, 5 or a year; §5.1) */
  BLOB_HDR_VER_MINOR = 64,        /* blob_ver_minor */
  BLOB_HDR_INPUTS_COUNT = 68,     /* entries in the input info section */
  BLOB_HDR_OUTPUTS_COUNT = 72,    /* entries in the output info section */
  BLOB_HDR_STAGES_COUNT = 76,     /* stage records (Special stages are not serialized) */
  BLOB_HDR_INPUTS_SIZE = 80,      /* bytes of the device input buffer (end of last input) */
  BLOB_HDR_OUTPUTS_SIZE = 84,     /* bytes of the device output buffer */
  BLOB_HDR_BATCH_SIZE = 88,       /* normally 1 */
  BLOB_HDR_BSS_MEM_SIZE = 92,     /* DDR scratch bytes the firmware allocates */
  BLOB_HDR_CMX_SLICES = 96,       /* number_of_cmx_slices reserved */
  BLOB_HDR_SHAVES = 100,          /* number_of_shaves reserved */
  BLOB_HDR_HAS_HW_STAGE = 104,    /* 1 if any MyriadXHwOp stage */
  BLOB_HDR_HAS_SHAVE_STAGE = 108, /* 1 if any SHAVE-category stage */
  BLOB_HDR_HAS_DMA_STAGE = 112,   /* 1 if any Copy/LoopStart/LoopEnd stage */
  BLOB_HDR_INPUT_SECTION = 116,   /* input_info_section_offset, always 192 */
  BLOB_HDR_OUTPUT_SECTION = 120,  /* output_info_section_offset */
  BLOB_HDR_STAGE_SECTION = 124,   /* stage_section_offset */
  BLOB_HDR_CONST_SECTION = 128,   /* const_data_section_offset */
} BlobHeaderField;

/* ---- §5.1 versions: blob_ver_major/minor -> OpenVINO release depthai assumes [DAI-ov] -------- */

#define BLOB_VER_MAJOR 6u /* stock OpenVINO 2020.4 ... 2022.1 [OV-gt] */
#define BLOB_VER_MINOR 0u
#define BLOB_VER_MAJOR_INLINE_SHAPES \
  5u /* 5.0 = OpenVINO 2020.3 and older, inline shapes (§3.9)  \
                                         */

typedef struct {
  uint32_t major, minor;
  const char *openvino; /* "latest" release depthai runs such a blob with */
} BlobVersion;

/* Every pair depthai-core accepts; any other pair makes depthai throw (std::map::at) [DAI-ov].
 * The (year, minor) pairs are written by Luxonis' blobconverter as plain LE uint32 (§5.1a). */
static const BlobVersion BLOB_VERSIONS[] = {
    {5, 0, "2020.3"},    {6, 0, "2022.1"},    {2020, 3, "2020.3"},
    {2020, 4, "2020.4"}, {2021, 1, "2021.1"}, {2021, 2, "2021.2"},
    {2021, 3, "2021.3"}, {2021, 4, "2021.4"}, {2022, 1, "2022.1"},
};

/* The OpenVINO release depthai maps (major, minor) to, or NULL when depthai rejects the pair. */
static inline const char *blob_openvino_release(uint32_t major, uint32_t minor) {
  for (size_t i = 0; i < sizeof BLOB_VERSIONS / sizeof BLOB_VERSIONS[0]; i++)
    if (BLOB_VERSIONS[i].major == major && BLOB_VERSIONS[i].minor == minor)
      return BLOB_VERSIONS[i].openvino;
  return NULL;
}

/* ---- §6.1 data types (uint32) [OV-dd]; same numbers as depthai TensorInfo::DataType ---------- */

typedef enum {
  BLOB_DT_FP16 = 0, /* 2 bytes, IEEE half LE */
  BLOB_DT_U8 = 1,   /* 1 byte (depthai "U8F") */
  BLOB_DT_S32 = 2,  /* 4 bytes (IE I32, depthai "INT") */
  BLOB_DT_FP32 = 3, /* 4 bytes */
  BLOB_DT_I8 = 4,   /* 1 byte */
  BLOB_DT_COUNT
} BlobDataType;

/* Element size in bytes (DataDesc::elemSize [OV-ddc]), 0 for an unknown code. */
static inline uint32_t blob_dtype_size(uint32_t dt) {
  static const uint8_t SZ[BLOB_DT_COUNT] = {2, 1, 4, 4, 1};
  return dt < BLOB_DT_COUNT ? SZ[dt] : 0;
}
/* "FP16", "U8", "S32", "FP32", "I8", or NULL for an unknown code. */
static inline const char *blob_dtype_name(uint32_t dt) {
  static const char *const N[BLOB_DT_COUNT] = {"FP16", "U8", "S32", "FP32", "I8"};
  return dt < BLOB_DT_COUNT ? N[dt] : NULL;
}

/* ---- §6.2 / §6.3 dims and DimsOrder codes [OV-dd], [OV-ddc]
 * -------------------------------------- A DimsOrder code is a list of 4-bit nibbles; nibble i (i =
 * 0 least significant) holds dimId + 1 of the i-th dimension counted from the innermost (minor)
 * one; a 0 nibble ends the list. Read as hex from the left the code spells the layout major ->
 * minor: 0x4321 = N,C,H,W. Dims and strides arrays in a blob are stored minor -> major (W, H, C, N
 * for NCHW; §2.2). */

typedef enum {
  BLOB_DIM_W = 0, /* nibble digit 1 */
  BLOB_DIM_H = 1, /* 2 */
  BLOB_DIM_C = 2, /* 3 */
  BLOB_DIM_N = 3, /* 4 */
  BLOB_DIM_D = 4, /* 5; ids 5.. are generic dims (digits 6..0xF) */
} BlobDim;

typedef enum {
  BLOB_ORDER_C = 0x3,     /* default 1-D */
  BLOB_ORDER_NC = 0x43,   /* default 2-D */
  BLOB_ORDER_CHW = 0x321, /* default 3-D */
  BLOB_ORDER_HWC = 0x213,
  BLOB_ORDER_HCW = 0x231,
  BLOB_ORDER_NCHW = 0x4321, /* default 4-D */
  BLOB_ORDER_NHWC = 0x4213,
  BLOB_ORDER_NHCW = 0x4231,
  BLOB_ORDER_NCDHW = 0x43521, /* default 5-D */
  BLOB_ORDER_NDHWC = 0x45213,
} BlobOrder;

/* Number of dims an order code describes (non-zero nibbles before the first zero nibble). */
static inline uint32_t blob_order_ndims(uint32_t code) {
  uint32_t n = 0;
  while (n < BLOB_MAX_DIMS && ((code >> (4 * n)) & 0xF) != 0) n++;
  return n;
}

/* True when the code is a permutation: nibbles contiguous from the low end, no nibble after the
 * first zero one, no dim id twice, at least one dim. */
static inline bool blob_order_valid(uint32_t code) {
  uint32_t n = blob_order_ndims(code), seen = 0;
  if (n == 0 || (n < BLOB_MAX_DIMS && (code >> (4 * n)) != 0)) return false;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t bit = 1u << ((code >> (4 * i)) & 0xF);
    if (seen & bit) return false;
    seen |= bit;
  }
  return true;
}

/* Default order code for a rank (DimsOrder::fromNumDims [OV-ddc], §6.3 table): C, NC, CHW, NCHW,
 * NCDHW for ranks 1..5 (the dims of ranks 1, 2 and 5 are not the low nibbles of 0x87654321: NC is
 * 0x43, and real blobs carry NC for 2-D data), then the low `rank` nibbles of 0x87654321 for
 * 6..8; 0 for rank 0 or > 8. */
static inline uint32_t blob_order_default(uint32_t rank) {
  switch (rank) {
  case 1: return BLOB_ORDER_C;
  case 2: return BLOB_ORDER_NC;
  case 3: return BLOB_ORDER_CHW;
  case 4: return BLOB_ORDER_NCHW;
  case 5: return BLOB_ORDER_NCDHW;
  default: break;
  }
  if (rank == 0 || rank > BLOB_MAX_DIMS) return 0;
  return rank == 8 ? 0x87654321u : (0x87654321u & ((1u << (4 * rank)) - 1));
}

/* Letter of a dim id: W H C N D, then '5'..'E' for generic dims. */
static inline char blob_dim_letter(uint32_t dim_id) {
  static const char L[] = "WHCND56789ABCDE";
  return dim_id < sizeof L - 1 ? L[dim_id] : '?';
}

/* ---- §6.5 locations (uint32) [OV-data] ------------------------------------------------------- */

typedef enum {
  BLOB_LOC_NONE = 0,   /* unallocated (Fake data) */
  BLOB_LOC_INPUT = 1,  /* offset within that network input (descriptor carries ioIdx) */
  BLOB_LOC_OUTPUT = 2, /* offset within that network output */
  BLOB_LOC_BLOB = 3,   /* offset relative to const_data_section_offset */
  BLOB_LOC_BSS = 4,    /* offset in DDR scratch of header.bss_mem_size bytes */
  BLOB_LOC_CMX = 5,    /* offset in CMX (number_of_cmx_slices x 128 KiB) */
  BLOB_LOC_COUNT
} BlobLocation;

/* "None", "Input", "Output", "Blob", "BSS", "CMX", or NULL for an unknown code. */
static inline const char *blob_loc_name(uint32_t loc) {
  static const char *const N[BLOB_LOC_COUNT] = {"None", "Input", "Output", "Blob", "BSS", "CMX"};
  return loc < BLOB_LOC_COUNT ? N[loc] : NULL;
}

/* ---- §2.1 IO info entry (v6.0) ------------------------------------------------------------------
 *   u32 ioIdx, u32 ioBufferOffset, u32 nameSize, char name[nameSize],
 *   u32 dataType, orderCode, numDims, dimsLocation (3), dimsOffset, stridesLocation (3),
 * stridesOffset v5.0 (§3.9): ..., dataType, orderCode, numDims, u32 dims[numDims], u32
 * strides[numDims] (inline). nameSize = align16(strlen + 1) in v6, align16(strlen) in v5 (a 16-char
 * v5 name has no NUL). */
#define BLOB_IO_FIXED_HEAD    12u /* ioIdx, ioBufferOffset, nameSize */
#define BLOB_IO_FIXED_TAIL    28u /* the 7 words after the name (v6) */
#define BLOB_IO_FIXED_TAIL_V5 12u /* dataType, orderCode, numDims (v5; then 2*numDims words) */
#define BLOB_NAME_ALIGN       16u
#define BLOB_SHAPE_IO_MARK \
  "@shape" /* IO entries with this in the name are dynamic-shape helpers  \
                                     */

/* ---- §3.1 stage record [OV-stage], [OV-fmt] -----------------------------------------------------
 *   u32 stage_length (whole record incl. header and trailer), u32 stage_type, u32 numShaves,
 *   u32 params_size (= 4 + params bytes), params, buffer descriptors, u32 stage_type, u32 border */
#define BLOB_STAGE_BORDER_SYMBOL 0x7F83FF19u /* STAGE_BORDER_SYMBOL, bytes 19 FF 83 7F [OV-fmt] */
#define BLOB_STAGE_HEAD_LEN      12u         /* stage_length, stage_type, numShaves */
#define BLOB_STAGE_TRAILER_LEN   8u          /* stage_type, border */
#define BLOB_STAGE_MIN_LEN       24u         /* 12 + params_size word + 8 */

/* ---- §3.2 buffer descriptor [OV-data] serializeBuffer -------------------------------------------
 * v6.0: dataType, orderCode, numDims, dimsLocation, dimsOffset, stridesLocation, stridesOffset,
 *       dataLocation, [ioIdx, ioByteSize if dataLocation is Input/Output],
 *       [ioIdx, ioByteSize if dimsLocation is Output], [ioIdx, ioByteSize if stridesLocation is
 *       Output], dataOffset.  Static: 36 bytes, 44 in Input/Output.
 * v5.0 (§3.9): dataType, orderCode, numDims, dims[numDims], strides[numDims], dataLocation,
 *       [ioIdx, ioByteSize if Input/Output], dataOffset. */
#define BLOB_BUF_WORDS_V6 9u
#define BLOB_BUF_WORDS_V5 5u /* plus 2 * numDims */

/* ---- §3.3 StageType codes [OV-stype] (X-macro: X(code, ENUM, "Name")) ---------------------------
 * `*` in the spec (2022.x only): 139..142. Codes not listed are unused by the enum. */
/* clang-format off */
#define BLOB_STAGE_TYPES(X)                                                                        \
  X(0, CONV, "Conv") X(1, MAX_POOL, "MaxPool") X(2, AVG_POOL, "AvgPool")                           \
  X(3, SOFT_MAX, "SoftMax") X(4, FC, "FC") X(5, NONE, "None") X(6, RELU, "Relu")                   \
  X(8, DEPTH_CONV, "DepthConv") X(9, BIAS, "Bias") X(10, PRELU, "PRelu") X(11, LRN, "LRN")         \
  X(12, SUM, "Sum") X(13, PROD, "Prod") X(14, MAX, "Max") X(15, SCALE, "Scale")                    \
  X(18, INNER_LRN, "InnerLRN") X(19, COPY, "Copy") X(20, SIGMOID, "Sigmoid") X(21, TANH, "Tanh")   \
  X(22, DECONVOLUTION, "Deconvolution") X(23, ELU, "Elu") X(26, POWER, "Power")                    \
  X(28, TILE, "Tile") X(29, REGION_YOLO, "RegionYolo") X(30, REORG_YOLO, "ReorgYolo")              \
  X(34, PERMUTE, "Permute") X(35, NORMALIZE, "Normalize")                                          \
  X(37, DETECTION_OUTPUT, "DetectionOutput") X(38, MYRIAD_X_HW_OP, "MyriadXHwOp")                  \
  X(43, CTC_DECODER, "CTCDecoder") X(44, LEAKY_RELU, "LeakyRelu") X(45, BIAS_RELU, "BiasRelu")     \
  X(46, BIAS_LEAKY_RELU, "BiasLeakyRelu") X(47, SCALE_SHIFT, "ScaleShift")                         \
  X(49, IM2COL_CONVOLUTION, "Im2ColConvolution") X(56, HW_FC_RELAYOUT, "HwFcRelayout")             \
  X(57, CLAMP, "Clamp") X(58, REF_CONVOLUTION, "RefConvolution")                                   \
  X(60, GLOBAL_MAX_POOL, "GlobalMaxPool") X(61, GRN, "GRN") X(62, MVN, "MVN")                      \
  X(63, DEPTH_DECONV, "DepthDeconv") X(64, PROPOSAL, "Proposal") X(65, ROI_POOLING, "ROIPooling")  \
  X(66, PSROI_POOLING, "PSROIPooling") X(67, INTERP, "Interp") X(69, MTCNN, "MTCNN")               \
  X(70, LSTM_CELL, "LSTMCell") X(71, PAD, "Pad") X(72, RESAMPLE, "Resample")                       \
  X(73, UPSAMPLING, "Upsampling") X(75, DIV, "Div") X(76, MIN, "Min")                              \
  X(77, SQUARED_DIFF, "Squared_diff") X(78, EQUAL, "Equal") X(79, NOT_EQUAL, "Not_equal")          \
  X(80, GREATER, "Greater") X(81, GREATER_EQUAL, "Greater_equal") X(82, LESS, "Less")              \
  X(83, LESS_EQUAL, "Less_equal") X(84, LOGICAL_NOT, "Logical_NOT")                                \
  X(85, LOGICAL_AND, "Logical_AND") X(86, LOGICAL_OR, "Logical_OR")                                \
  X(87, LOGICAL_XOR, "Logical_XOR") X(88, POW, "Pow") X(89, FLOOR_MOD, "Floor_mod")                \
  X(90, SELECT, "Select") X(91, GEMM, "GEMM") X(92, LOG, "Log") X(93, REDUCE_AND, "ReduceAnd")     \
  X(94, REVERSE_SEQUENCE, "ReverseSequence") X(100, GATHER, "Gather") X(101, EXP, "Exp")           \
  X(102, FLOOR, "Floor") X(103, SCATTER_UPDATE, "ScatterUpdate") X(104, TOP_K, "TopK")             \
  X(105, REDUCE_MIN, "ReduceMin") X(106, EXP_DETECTION_OUTPUT, "ExpDetectionOutput")               \
  X(108, ROI_FEATURE_EXTRACTOR, "ROIFeatureExtractor") X(109, SC_RELU, "SCRelu")                   \
  X(110, ERF, "Erf") X(111, CONVERT, "Convert") X(112, REDUCE_MAX, "ReduceMax")                    \
  X(113, REDUCE_SUM, "ReduceSum") X(114, REDUCE_MEAN, "ReduceMean") X(115, CUSTOM, "Custom")       \
  X(116, CONV_ND, "ConvND") X(117, ONE_HOT, "OneHot") X(118, POOL_ND, "PoolND")                    \
  X(119, LOOP_START, "LoopStart") X(120, LOOP_END, "LoopEnd")                                      \
  X(121, EXP_PRIOR_GRID_GENERATOR, "ExpPriorGridGenerator") X(122, NON_ZERO, "NonZero")            \
  X(123, ROI_ALIGN, "ROIAlign") X(124, EXP_GENERATE_PROPOSALS, "ExpGenerateProposals")             \
  X(125, EXP_TOP_K_ROIS, "ExpTopKROIs") X(126, SCATTER_ELEMENTS_UPDATE, "ScatterElementsUpdate")   \
  X(127, OUT_SHAPE_OF_RESHAPE, "OutShapeOfReshape") X(128, CONCAT, "Concat")                       \
  X(129, BROADCAST, "Broadcast") X(130, STATIC_SHAPE_NMS, "StaticShapeNMS") X(131, MISH, "Mish")   \
  X(132, GELU, "Gelu") X(133, STRIDED_SLICE, "StridedSlice") X(134, SOFT_PLUS, "SoftPlus")         \
  X(135, SWISH, "Swish") X(136, GATHER_ND, "GatherND") X(137, HSWISH, "HSwish")                    \
  X(138, CEILING, "Ceiling") X(139, GATHER_ELEMENTS, "GatherElements") X(140, ROUND, "Round")      \
  X(141, CTC_GREEDY_DECODER_SEQ_LEN, "CTCGreedyDecoderSeqLen") X(142, ABS, "Abs")
/* clang-format on */

typedef enum {
#define BLOB__STAGE_ENUM(code, e, name) BLOB_STAGE_##e = code,
  BLOB_STAGE_TYPES(BLOB__STAGE_ENUM)
#undef BLOB__STAGE_ENUM
      BLOB_STAGE_EMPTY = -1, /* "Empty": eltwise postOperation default, written 0xFFFFFFFF */
} BlobStageType;

/* Name of a StageType code ("Relu"), or NULL when the code is not in the enum. */
static inline const char *blob_stage_name(uint32_t code) {
  switch (code) {
#define BLOB__STAGE_CASE(c, e, name) \
  case c: return name;
    BLOB_STAGE_TYPES(BLOB__STAGE_CASE)
#undef BLOB__STAGE_CASE
  default: return NULL;
  }
}

/* Stage category (StageNode::category() [OV-stype]); decides the header has_*_stage flags. */
typedef enum {
  BLOB_CAT_SHAVE = 0, /* every other code >= 0 */
  BLOB_CAT_HW = 1,    /* MyriadXHwOp */
  BLOB_CAT_DMA = 2,   /* Copy, LoopStart, LoopEnd */
} BlobStageCategory;

static inline BlobStageCategory blob_stage_category(uint32_t code) {
  if (code == BLOB_STAGE_MYRIAD_X_HW_OP) return BLOB_CAT_HW;
  if (code == BLOB_STAGE_COPY || code == BLOB_STAGE_LOOP_START || code == BLOB_STAGE_LOOP_END)
    return BLOB_CAT_DMA;
  return BLOB_CAT_SHAVE;
}

/* ---- §3.4 / §3.5 per-stage parameter facts used by reader and writer ----------------------------
 * Params sizes in bytes (params_size = 4 + these). */
#define BLOB_PARAMS_RELU             8u  /* u32 hasBias, f32 negativeSlope */
#define BLOB_PARAMS_POWER            12u /* f32 bias, scale, power */
#define BLOB_PARAMS_SOFTMAX          4u  /* i32 axisInd (0 = innermost) */
#define BLOB_PARAMS_ELTWISE          24u /* coeff1, coeff2, i32 postOperation (-1), negSlope, min, max */
#define BLOB_PARAMS_CLAMP            8u /* f32 min, f32 max */
#define BLOB_PARAMS_CONVERT          16u /* f32 scale, f32 bias, i32 convertFromDetOutput, i32 haveBatch */
#define BLOB_PARAMS_PERMUTE          32u /* u32[8], padded with 0xFFFFFFFF */
#define BLOB_PARAMS_SW_CONV          32u /* kx, ky, sx, sy, padLeft, padTop, dilX, dilY */
#define BLOB_PARAMS_SW_POOL          28u /* kx, ky, sx, sy, padLeft, padTop, excludePad */
#define BLOB_PARAMS_PAD              40u /* 4 x (begin, end) minor->major, f32 value, u32 mode */
#define BLOB_PARAMS_DETECTION_OUTPUT 76u /* 19 words */
#define BLOB_PARAMS_REGION_YOLO      20u
#define BLOB_PARAMS_RESAMPLE         20u
#define BLOB_PARAMS_INTERP           12u
#define BLOB_PARAMS_CONCAT           8u /* axisInd, numInputs */

/* HW op list (MyriadXHwOp params, §3.5 [mx_stage]; enums from middleend/hw/utility.hpp). */
typedef enum {
  BLOB_HW_OP_CONV = 0,
  BLOB_HW_OP_CONV_POOL = 1, /* followed by poolKernelWidth, poolKernelHeight */
  BLOB_HW_OP_FC = 2,        /* fcInputOffset, fcInputNum, fcOutputOffset, fcOutputNum, fcAccum */
  BLOB_HW_OP_POOL = 4,      /* preceded by poolType */
} BlobHwOpType;

typedef enum { BLOB_HW_POOL_MAX = 0, BLOB_HW_POOL_AVERAGE = 1 } BlobHwPoolType;

typedef enum {
  BLOB_HW_MODE_1_256 = 0,
  BLOB_HW_MODE_2_128 = 1,
  BLOB_HW_MODE_4_64 = 2,
  BLOB_HW_MODE_8_32 = 3,
  BLOB_HW_MODE_16_16 = 4,
} BlobHwOpMode;

typedef enum { /* bit flags */
               BLOB_HW_PAD_WITH_ZEROS = 0x00,
               BLOB_HW_PAD_REPEAT_RIGHT_EDGE = 0x01,
               BLOB_HW_PAD_REPEAT_BOTTOM_EDGE = 0x02,
               BLOB_HW_PAD_REPEAT_TOP_EDGE = 0x04,
               BLOB_HW_PAD_REPEAT_LEFT_EDGE = 0x08,
} BlobHwPadMode;

typedef enum { BLOB_HW_COEFF_FP16 = 0, BLOB_HW_COEFF_U8F = 1 } BlobHwCoeffMode;

#define BLOB_HW_NO_BUFFER (-1) /* inputInd/coeffsInd/... value meaning "none" */

/* NCE limits of checkHWRestrictions (GT/include/vpu/middleend/hw/tiling.hpp): CNN_MAX_INPUT_WIDTH,
 * _HEIGHT, CNN_MAX_INPUT/OUTPUT_CHANNELS, CNN_MAX_COEFF_PER_BLOCK, CNN_MAX_BYTES (one block). */
#define BLOB_HW_MAX_INPUT_WIDTH     4096u
#define BLOB_HW_MAX_INPUT_HEIGHT    4096u
#define BLOB_HW_MAX_CHANNELS        2048u
#define BLOB_HW_MAX_COEFF_PER_BLOCK 256u
#define BLOB_HW_BLOCK_BYTES         (128u * 1024u)

/* ---- §4b 2022.x trailer after file_size ("network info"; host-ABI dependent, depthai ignores it):
 *   u32 parameters_size, u32 results_size, then records
 *   {u32 name_length, u32 shape_size, u32 element_type_bytesize, u32 output_tensor_names_size,
 *    name, size_t shape[shape_size], element type, names...}. A depthai-targeting writer omits it.
 */

/* ---- depthai containers ---------------------------------------------------------------------- */

/* VPUX (RVC3) blobs have "BLOB" at bytes 4..7 and are not MyriadX blobs [DAI-ov] §5. */
#define BLOB_VPUX_TAG_OFFSET 4u
#define BLOB_VPUX_TAG        "BLOB"

/* SuperBlob (stages§7 [DAI-SB], [MC]): big-endian u64 blobSize, 16 big-endian u64 patch sizes (n =
 * 1
 * .. 16 SHAVEs; 0 = base blob unchanged), base blob (8 SHAVEs) at 136, then BSDIFF40 patches. */
#define BLOB_SUPER_PATCHES     16u
#define BLOB_SUPER_HEADER_SIZE 136u /* 8 + 16 * 8 */
#define BLOB_SUPER_BASE_SHAVES 8u
#define BLOB_SUPER_PATCH_MAGIC "BSDIFF40"

#endif
