/*
 * compiler/backend/blob/placement.c — memory placement: IO buffers, views sharing storage, BSS first-fit by liveness.
 */
#include "compiler/backend/blob/bw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- storage assignment ---- */

int bw_root_of(const W *w, int t, uint32_t *off) {
  uint32_t o = 0;
  while (w->st[t].base >= 0) {
    o += w->st[t].base_offset;
    t = w->st[t].base;
  }
  if (off) *off = o;
  return t;
}

int bw_assign_storage(W *w) {
  const IrGraph *g = w->g;
  for (int i = 0; i < g->n_nodes; i++) { /* every tensor a stage may touch must fit the device */
    const IrNode *n = &g->nodes[i];
    if (n->dead) continue;
    for (int k = 0; k < n->n_inputs + n->n_outputs; k++) {
      int t = k < n->n_inputs ? n->inputs[k] : n->outputs[k - n->n_inputs];
      if (t < 0) continue;
      uint64_t b = bw_tensor_bytes64(&g->tensors[t]);
      if (b > BLOB_MAX_TENSOR_BYTES) {
        err_where(w->err, g->source, 0, NULL, n->name);
        if (b == UINT64_MAX)
          return err_set(w->err, ERR_BACKEND, "tensor '%s' has no static shape",
                         g->tensors[t].name);
        return err_set(w->err, ERR_BACKEND,
                       "tensor '%s' of shape %s is %llu bytes, over the 512 MiB a MyriadX can hold",
                       g->tensors[t].name, ir_shape_str(g->arena, &g->tensors[t]),
                       (unsigned long long)b);
      }
    }
  }
  for (int t = 0; t < g->n_tensors; t++) {
    Store *s = &w->st[t];
    memset(s, 0, sizeof *s);
    s->base = -1;
    s->first = s->last = -1;
    s->loc = BLOB_LOC_BSS;
    s->bytes = bw_tensor_bytes(&g->tensors[t]);
  }
  for (int i = 0; i < g->n_inputs; i++) {
    w->st[g->inputs[i]].loc = BLOB_LOC_INPUT;
    w->st[g->inputs[i]].io_idx = (uint32_t)i;
  }
  for (int i = 0; i < g->n_outputs; i++) {
    int t = g->outputs[i];
    if (w->st[t].loc == BLOB_LOC_INPUT)
      return err_set(w->err, ERR_BACKEND, "graph output '%s' is a graph input", g->tensors[t].name);
    w->st[t].loc = BLOB_LOC_OUTPUT;
    w->st[t].io_idx = (uint32_t)i;
  }
  /* views: reshape-like outputs share the input's storage, or the other way round when the
   * output is a network output and the input has no other reader */
  for (int i = 0; i < g->n_nodes; i++) {
    const IrNode *n = &g->nodes[i];
    if (n->dead || !bw_is_view_op(n, g) || ir_is_const(g, n->inputs[0])) continue;
    int in = n->inputs[0], out = n->outputs[0];
    if (w->st[out].loc == BLOB_LOC_OUTPUT) {
      if (w->st[in].loc == BLOB_LOC_BSS && ir_consumers(g, in) == 1) {
        int r = bw_root_of(w, in, NULL);
        if (r != out && w->st[r].loc == BLOB_LOC_BSS) w->st[r].base = out;
      }
    } else {
      w->st[out].base = in;
    }
  }
  return 0;
}

void bw_touch(W *w, int t, int stage) {
  int r = bw_root_of(w, t, NULL);
  Store *s = &w->st[r];
  if (s->first < 0 || stage < s->first) s->first = stage;
  if (stage > s->last) s->last = stage;
}

typedef struct {
  uint32_t off, size;
  int last;
} Block;

static int cmp_first(const void *a, const void *b, void *ctx) {
  const W *w = ctx;
  int x = *(const int *)a, y = *(const int *)b;
  if (w->st[x].first != w->st[y].first) return w->st[x].first - w->st[y].first;
  return x - y;
}

/* First-fit placement by liveness; reports the naive sum and the live peak (lower bound). */
void bw_plan_bss(W *w, BlobStats *bs) {
  int n = w->g->n_tensors, cnt = 0;
  int *list = calloc((size_t)n + 1, sizeof(int));
  Block *live = calloc((size_t)n + 1, sizeof(Block));
  if (!list || !live) base__assert_fail(__FILE__, __LINE__, "out of memory");
  for (int t = 0; t < n; t++)
    if (w->st[t].base < 0 && w->st[t].loc == BLOB_LOC_BSS && w->st[t].first >= 0) list[cnt++] = t;
  qsort_r(list, (size_t)cnt, sizeof(int), cmp_first, w);
  int nlive = 0;
  uint64_t end = 0, cur = 0, peak = 0, naive = 0;
  for (int i = 0; i < cnt; i++) {
    Store *s = &w->st[list[i]];
    uint32_t size = (uint32_t)align_up(s->bytes, BLOB_DATA_ALIGN);
    naive += size;
    /* free blocks whose last use is before this first use */
    for (int k = 0; k < nlive;) {
      if (live[k].last < s->first) {
        cur -= live[k].size;
        live[k] = live[--nlive];
      } else
        k++;
    }
    /* lowest gap that fits: live blocks sorted by offset */
    for (int a = 1; a < nlive; a++)
      for (int b = a; b > 0 && live[b - 1].off > live[b].off; b--) {
        Block t = live[b];
        live[b] = live[b - 1];
        live[b - 1] = t;
      }
    uint32_t off = 0;
    for (int k = 0; k < nlive; k++) {
      if (live[k].off >= off + size) break;
      if (live[k].off + live[k].size > off) off = live[k].off + live[k].size;
    }
    s->offset = off;
    live[nlive++] = (Block){off, size, s->last};
    cur += size;
    if (cur > peak) peak = cur;
    if (off + size > end) end = off + size;
  }
  bs->bss_size = (uint32_t)end;
  bs->bss_naive = naive;
  bs->bss_peak = peak;
  free(list);
  free(live);
}
