/*
 * compiler/backend/blob/blob_write.c — the MyriadX blob writer's driver (see blob_write.h): (1) lower live nodes to a
 * stage list whose buffers reference graph tensors or const-section objects, recording each
 * tensor's first and last stage; (2) place intermediates in BSS by liveness; (3) serialize.
 */
#include "compiler/backend/blob/bw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int be_blob_write(const IrGraph *g, const CompileOptions *opt, Buf *out, BlobStats *bs, Err *err) {
  W w;
  memset(&w, 0, sizeof w);
  w.g = g;
  w.opt = opt;
  w.err = err;
  w.cur_node = -1;
  int rc = -1;
  uint32_t vmaj, vmin;
  if (be_blob_version(opt->openvino, &vmaj, &vmin) < 0) {
    err_set(err, ERR_BACKEND, "unknown OpenVINO version '%s' (use 2021.4 or 2022.1)",
            opt->openvino);
    return -1;
  }
  if (opt->shaves < 1 || opt->shaves > 16)
    return err_set(err, ERR_BACKEND, "shaves must be 1..16, got %d", opt->shaves);
  w.st = calloc((size_t)g->n_tensors + 1, sizeof(Store));
  w.done = calloc((size_t)g->n_nodes + 1, 1);
  w.reader = malloc(((size_t)g->n_tensors + 1) * sizeof *w.reader);
  if (!w.st || !w.done || !w.reader) base__assert_fail(__FILE__, __LINE__, "out of memory");
  for (int t = 0; t < g->n_tensors; t++) w.reader[t] = g->tensors[t].is_output ? -2 : -1;
  for (int i = 0; i < g->n_nodes; i++) /* one pass, so fusions need not scan the graph per node */
    for (int k = 0; !g->nodes[i].dead && k < g->nodes[i].n_inputs; k++) {
      int t = g->nodes[i].inputs[k];
      if (t >= 0) w.reader[t] = w.reader[t] == -1 ? i : -2;
    }
  /* the const section ends up about as large as the constants in FP16: reserve it once, so
   * adding weights never reallocates and copies what is already there */
  size_t est = 1u << 16;
  for (int t = 0; t < g->n_tensors; t++)
    if (g->tensors[t].data && g->tensors[t].nbytes < ((size_t)1 << 32))
      est += g->tensors[t].nbytes + BLOB_DATA_ALIGN;
  if (est > ((size_t)1 << 32)) est = (size_t)1 << 32;
  buf_reserve(&w.cst, est);
  if (bw_assign_storage(&w) < 0) goto done;
  if (bw_hw_plan(&w, bs) < 0) goto done;
  for (int i = 0; i < g->n_nodes; i++) {
    const IrNode *n = &g->nodes[i];
    if (n->dead || bw_is_view_op(n, g)) {
      /* a view between a BSS tensor and a network output that could not alias gets a Copy */
      if (!n->dead && bw_is_view_op(n, g)) {
        int vin = n->inputs[0], vout = n->outputs[0];
        int ri = bw_root_of(&w, vin, NULL), ro = bw_root_of(&w, vout, NULL);
        if (ri != ro) {
          w.cur_node = i;
          BRef a = bw_in_ref(&w, vin), b = bw_view(&w, vout);
          a.ndims = b.ndims = 1;
          a.order = b.order = BLOB_ORDER_C;
          a.dims[0] = b.dims[0] = (uint32_t)ir_numel(bw_T(&w, vout));
          bw_copy_stage(&w, a, b);
        }
      }
      continue;
    }
    if (w.done[i]) continue;
    w.cur_node = i;
    int r = bw_hw_lower(&w, i); /* NCE layers first; BW_HW_NOT_TAKEN: SHAVE lowering */
    if (r < 0) goto done;
    if (r == BW_HW_NOT_TAKEN && bw_lower_node(&w, i) < 0) goto done;
    if (job_poll(err) < 0) goto done; /* a stop request or the memory budget */
  }
  if (w.n_stages == 0) {
    err_set(err, ERR_BACKEND, "the network has no stage to run");
    goto done;
  }
  for (int s = 0; s < w.n_stages; s++)
    for (int k = 0; k < w.stages[s].nbufs; k++)
      if (w.stages[s].bufs[k].tensor >= 0) bw_touch(&w, w.stages[s].bufs[k].tensor, s);
  bw_plan_bss(&w, bs);
  bs->n_stages = w.n_stages;
  if (bs->bss_naive > UINT32_MAX || w.cst.len > (size_t)INT32_MAX) {
    err_set(err, ERR_BACKEND, "the network needs more memory than a MyriadX blob can describe");
    goto done;
  }
  if (bw_serialize(&w, out, bs, vmaj, vmin) < 0) goto done;
  rc = 0;
done:
  for (int s = 0; s < w.n_stages; s++) buf_free(&w.stages[s].params);
  free(w.stages);
  free(w.st);
  free(w.done);
  free(w.reader);
  buf_free(&w.cst);
  return rc;
}
