/*
 * compiler/graph/params_internal.h — decoders that live outside params.c, for its PARAM_DECODERS
 * table: the OpenVINO IR layers of issue 18 (params_ir.c). Only params.c and params_ir.c include it.
 * A decoder fills the struct of its family (params.h) from the node's attributes, with the
 * defaults of the op's specification, and refuses what is invalid whatever the shapes with
 * ERR_SHAPE "<op_type>: <what> is invalid" (returns -1).
 */
#ifndef COMPILER_GRAPH_PARAMS_INTERNAL_H
#define COMPILER_GRAPH_PARAMS_INTERNAL_H

#include "params.h"

#define IR__DECODER(name) int ir__dec_##name(const IrGraph *g, const IrNode *n, void *out, Err *err)
IR__DECODER(gelu);          /* IrGeluParams */
IR__DECODER(grn);           /* IrNormParams: epsilon = GRN bias */
IR__DECODER(normalize_l2);  /* IrNormalizeParams */
IR__DECODER(region_yolo);   /* IrRegionYoloParams */
IR__DECODER(reorg_yolo);    /* IrBlockParams: blocksize = ReorgYolo stride */
IR__DECODER(prior_box);     /* IrPriorBoxSsdParams */
IR__DECODER(ctc);           /* IrCtcParams */
IR__DECODER(gather_nd);     /* IrGatherNdParams */
IR__DECODER(roi_pooling);   /* IrRoiParams */
IR__DECODER(psroi_pooling); /* IrRoiParams */
IR__DECODER(lstm_cell);     /* IrLstmParams */
IR__DECODER(proposal);      /* IrProposalParams */
/* params_seq.c: ONNX normalizations, ROI ops and LSTM */
IR__DECODER(mvn);          /* IrAxesParams: axes default [0, 2, 3] */
IR__DECODER(lp_norm);      /* IrLpNormParams */
IR__DECODER(max_roi_pool); /* IrRoiParams */
IR__DECODER(roi_align);    /* IrRoiAlignParams */
IR__DECODER(onnx_lstm);    /* IrOnnxLstmParams */

/* params_gather.c: the indexed data-movement ops of issue 18 */
IR__DECODER(gather_elements);  /* IrAxisParams: axis 0 */
IR__DECODER(scatter_elements); /* IrScatterParams */
IR__DECODER(scatter_nd);       /* IrScatterParams */
IR__DECODER(one_hot);          /* IrAxisParams: axis -1 */
IR__DECODER(reverse_sequence); /* IrReverseSeqParams */
IR__DECODER(mod);              /* IrModParams */

#endif
