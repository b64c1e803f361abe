/*
 * compiler/backend/blob/tiling.c — how an NCE (MyriadXHwOp) convolution or pooling is cut so
 * each piece fits the hardware and the CMX budget, and which mode each piece runs in.
 *
 * The rules are compile_tool's (OpenVINO 2021.x, inference-engine/src/vpu/graph_transformer):
 *   [TIL]  src/middleend/hw/tiling.cpp            mode by cost, HW restrictions, plane tiles
 *   [CONV] src/middleend/hw/conv_tiling/hw_convolution_tiler.cpp   search over H/W/C tiles
 *   [POOL] src/middleend/hw/pooling_tiling/hw_pooling_tiler.cpp    the same for pooling
 *   [UTIL] src/middleend/hw/utility.cpp            padding of a tile, HW buffer size
 * reproduced in our own code so that the same layer gets the same tiles, modes and op lists as
 * compile_tool gives it (compared in tests/test_compare.c).
 */
#include "compiler/backend/blob/bw.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- constants of the NCE [TIL] tiling.hpp ---- */

static const int MODE_COST[5] = {0, 5, 11, 19, 31};
#define CNN_MAX_INPUT_WIDTH     4096
#define CNN_MAX_INPUT_HEIGHT    4096
#define CNN_MAX_INPUT_CHANNELS  2048
#define CNN_MAX_OUTPUT_CHANNELS 2048
#define CNN_MAX_BYTES           (128 * 1024)
#define CNN_MAX_COEFF_PER_BLOCK 256
#define CMX_DATA_BYTE_WIDTH     16
#define MAX_TILES               15 /* per dimension in the search ("TODO: estimate this numbers") */

static int div_up(int a, int b) { return (a + b - 1) / b; }
static int align_to(int v, int a) { return div_up(v, a) * a; }

int bw_hw_cmx_limit(int cmx_slices) {
  return (cmx_slices / 2) * (int)BLOB_CMX_SLICE_SIZE + (int)BLOB_CMX_SLICE_SIZE / 2;
}

/* Bytes of a C x H x W FP16 tensor whose rows are 16-byte aligned [UTIL] calculateHwBufferSize. */
int64_t bw_hw_buffer_size(int c, int h, int wd) { return (int64_t)c * h * align_to(wd * 2, 16); }

/* ---- restrictions [TIL] checkHWRestrictions ---- */

static bool lines_per_chan_ok(int in_w, int in_h, int ky, int stride, int blocks,
                              int chans_per_block) {
  int bytes_per_line = align_to(in_w * 2, CMX_DATA_BYTE_WIDTH);
  int lines = CNN_MAX_BYTES / (blocks * chans_per_block * bytes_per_line);
  if (lines > in_h) lines = in_h;
  int min_lines = ky + stride + 2 + (in_w <= 8 ? 1 : 0);
  if (min_lines > in_h) min_lines = in_h;
  return min_lines <= lines;
}

static bool lines_per_chan_pool_ok(int in_w, int in_h, int ky, int mode) {
  int block = CNN_MAX_BYTES >> mode;
  int px_per_line = CMX_DATA_BYTE_WIDTH / 2;
  int bytes_per_line = div_up(in_w, px_per_line) * px_per_line * 2;
  int lines = block / bytes_per_line;
  if (lines > in_h) lines = in_h;
  return lines >= ky;
}

bool bw_hw_restrictions_ok(int in_w, int in_h, int in_c, int out_c, int kx, int ky, int stride,
                           int mode, bool pool) {
  /* "Workaround for HW ops failure if too wide input width and small height" (#-33366) */
  if (in_w > 507 && in_h > 1 && in_h < 64 && !pool && in_c != 3) return false;
  int chans_per_block = 1 << mode, blocks = div_up(in_c, chans_per_block);
  bool ok = in_w <= CNN_MAX_INPUT_WIDTH && in_h <= CNN_MAX_INPUT_HEIGHT &&
            in_c <= CNN_MAX_INPUT_CHANNELS && out_c <= CNN_MAX_OUTPUT_CHANNELS;
  if (pool) {
    blocks = 1; /* pooling does not use data from other blocks */
    ok = ok && lines_per_chan_pool_ok(in_w, in_h, ky, mode);
  } else {
    ok = ok &&
         div_up(blocks * kx * ky, 1) <= CNN_MAX_COEFF_PER_BLOCK; /* FP16: 1 coefficient per word */
  }
  return ok && lines_per_chan_ok(in_w, in_h, ky, stride, blocks, chans_per_block);
}

/* The mode of lowest cost for one tile [TIL] splitHwConvIntoOutChannelsTiles: inChansPerBlock =
 * 2^mode, cost = descriptors x (input blocks x kernel taps + mode cost); ties: fewer
 * descriptors. num_descr 0 when no mode is valid. */
HwConvTile bw_hw_split_out_channels(int in_w, int in_h, int in_c, int out_c, int kx, int ky,
                                    int stride) {
  HwConvTile best;
  memset(&best, 0, sizeof best);
  best.cost = INT32_MAX;
  for (int mode = 0; mode < 5; mode++) {
    int in_per_block = 1 << mode, out_per_block = 256 / in_per_block;
    int ext_in = align_to(in_c, in_per_block), ext_out = align_to(out_c, 8);
    int per_descr = out_per_block < ext_out ? out_per_block : ext_out;
    if (!bw_hw_restrictions_ok(in_w, in_h, in_c, per_descr, kx, ky, stride, mode, false)) continue;
    int descr_cost = (ext_in / in_per_block) * kx * ky + MODE_COST[mode];
    int n = div_up(out_c, per_descr);
    int cost = n * descr_cost;
    if (cost < best.cost || (cost == best.cost && n < best.num_descr)) {
      best.mode = mode;
      best.ext_in_c = ext_in;
      best.ext_out_c = ext_out;
      best.num_descr = n;
      best.out_per_descr = per_descr;
      int rem = out_c - (n - 1) * per_descr;
      best.last_out = rem > 0 ? rem : per_descr;
      best.cost = cost;
    }
  }
  if (best.num_descr == 0) best.cost = 0;
  return best;
}

/* ---- plane tiles [TIL] ---- */

static int out_size(int in, int k, int s, int pb, int pa, bool ceil_) {
  if (ceil_) return (int)ceil((double)(in - k + pb + pa) / s + 1);
  return (in - k + pb + pa) / s + 1;
}

static int in_size(int out, int k, int s, int pb, int pa) { return (out - 1) * s + k - pb - pa; }

typedef struct {
  int in_start, in_end, lines_before, lines_after, out_start, out_end, junk_before, junk_after;
} TileIO;

/* The input range an output range needs, and the junk output lines the hardware computes around
 * it [TIL] inputTileForOutputTile. */
static TileIO input_for_output(int in_size_, int k, int s, int pb, int pa, int os, int oe) {
  TileIO t = {0};
  t.in_start = os * s - pb;
  t.in_end = (oe - 1) * s + k - pb;
  if (t.in_start < 0) {
    t.in_start = 0;
    t.junk_before = os == 0 ? 0 : os;
  } else {
    t.lines_before = t.in_start;
    while (t.lines_before >= s) t.lines_before -= s;
    t.junk_before = (t.lines_before + pb) / s;
  }
  int used = 0;
  if (t.in_end > in_size_) {
    used = t.in_end - in_size_;
    t.in_end = in_size_;
  }
  while (used + s <= pa) {
    used += s;
    t.junk_after++;
  }
  t.out_start = os;
  t.out_end = oe;
  return t;
}

/* [TIL] maximizeOutput, kept as written (including its last term). */
static int maximize_output(int in, int max_out, int k, int s, int pb, int pa, int os, int oe,
                           bool ceil_) {
  int osize = out_size(in, k, s, pb, pa, ceil_);
  TileIO t = input_for_output(in, k, s, pb, pa, os, oe);
  int total = t.junk_before + (oe - os) + t.junk_after;
#define VALID(tot, end) ((tot) <= max_out && (end) <= osize)
  int extra = 0;
  while (!VALID(total, oe + extra)) {
    extra--;
    t = input_for_output(in, k, s, pb, pa, os, oe + extra);
    total = t.junk_before + (oe + extra - os) + t.junk_after;
  }
  return oe + extra + !VALID(total, oe);
#undef VALID
}

/* Splits one spatial dimension so no tile's output (junk included) exceeds max_out
 * [TIL] splitIntoPlaneTiles. Returns the number of tiles written to out (cap entries), 0 when
 * impossible. */
static int split_plane(int in, int osize, int k, int s, int pb, int pa, int max_out, bool ceil_,
                       HwPlane *out, int cap) {
  int n = 0, os = 0;
  if (in <= 0 || osize <= 0 || max_out <= 0) return 0;
  for (;;) {
    int oe = osize < os + max_out ? osize : os + max_out;
    int noe = maximize_output(in, max_out, k, s, pb, pa, os, oe, ceil_);
    if (noe <= os || n == cap) return 0;
    TileIO t = input_for_output(in, k, s, pb, pa, os, noe);
    HwPlane *p = &out[n++];
    p->in_with_junk = t.lines_before + t.in_end - t.in_start + t.lines_after;
    p->out_with_junk = t.junk_before + t.out_end - t.out_start + t.junk_after;
    p->junk_before = t.junk_before;
    p->junk_after = t.junk_after;
    p->in_start = t.in_start - t.lines_before;
    p->in_end = t.in_end + t.lines_after;
    p->out_start = t.out_start;
    p->out_end = t.out_end;
    if (t.out_end >= osize) break;
    os = t.out_end;
  }
  return n;
}

/* Tiles of a 3x3 stride-1 pad-1 convolution fused with a 2x2 stride-2 max pooling (CONV_POOL)
 * [TIL] splitIntoPlaneTilesWithPool: output = input / 2, tiles overlap by 4 input lines and
 * drop one pooled line of junk at each inner edge. */
static int split_plane_pool(int in, int max_out, HwPlane *out, int cap) {
  int osize = in / 2, n = 0, is = 0, os = 0;
  if (in <= 0 || in % 2 || osize <= 0) return 0;
  if (osize > max_out && max_out % 2 == 0) max_out--;
  if (max_out < 2) return 0;
  for (;;) {
    int ie = is + 2 * max_out < in ? is + 2 * max_out : in;
    int oe = os + max_out < osize ? os + max_out : osize;
    if (ie <= is || oe <= os || n == cap) return 0;
    HwPlane *p = &out[n++];
    p->in_with_junk = ie - is;
    p->out_with_junk = oe - os;
    p->junk_before = os > 0 ? 1 : 0;
    p->junk_after = oe < osize ? 1 : 0;
    p->in_start = is;
    p->in_end = ie;
    p->out_start = os + p->junk_before;
    p->out_end = oe - p->junk_after;
    if (p->out_end >= osize) break;
    is = ie - 4;
    os = p->out_end - 1;
  }
  return n;
}

/* The whole dimension as one tile. */
static int whole_plane(int in, int osize, HwPlane *out) {
  memset(out, 0, sizeof *out);
  out->in_with_junk = in;
  out->out_with_junk = osize;
  out->in_end = in;
  out->out_end = osize;
  return 1;
}

/* Tiles of one dimension for an output tile size [CONV] calcHeightTiles / calcWidthTiles. */
static int plane_tiles(int in, int osize, int k, int s, int pb, int pa, int out_tile, bool ceil_,
                       bool pool, HwPlane *out, int cap) {
  if (out_tile == osize) return whole_plane(in, osize, out);
  if (pool) return split_plane_pool(in, out_tile, out, cap);
  return split_plane(in, osize, k, s, pb, pa, out_tile, ceil_, out, cap);
}

/* [CONV] ceilNeeded: the (convolution's own) output size follows the ceil rule in either
 * dimension. */
static bool ceil_needed(const HwGeom *g, bool both) {
  int tx = g->in_w + g->pl + g->pr - g->kx, ty = g->in_h + g->pt + g->pb - g->ky;
  int wc = (int)ceil((double)tx / g->stride + 1), hc = (int)ceil((double)ty / g->stride + 1);
  int ow = g->with_pool ? g->conv_out_w : g->out_w, oh = g->with_pool ? g->conv_out_h : g->out_h;
  return both ? (ow == wc && oh == hc) : (ow == wc || oh == hc);
}

/* [CONV] updateInputTileSize: grows an input tile when its output is too small to cover the
 * output with n tiles. */
static int update_input_tile(int tile, int n, int osize, int k, int s, int pb, int pa) {
  int min_out = div_up(osize, n);
  if (out_size(tile, k, s, pb, pa, false) < min_out) tile = in_size(min_out, k, s, pb, pa);
  return tile;
}

/* Output tile dims for input tile dims (input -> output direction, correctOutputPlaneSize). */
static void correct_out(const HwGeom *g, bool ceil_, int in_tw, int in_th, int *out_tw,
                        int *out_th) {
  int mw = out_size(in_tw, g->kx, g->stride, g->pl, g->pr, ceil_);
  int mh = out_size(in_th, g->ky, g->stride, g->pt, g->pb, ceil_);
  if (g->with_pool) mw /= 2, mh /= 2;
  *out_tw = g->out_w < mw ? g->out_w : mw;
  *out_th = g->out_h < mh ? g->out_h : mh;
}

/* Input tile dims of a tiling option (applyTilingOption, input -> output). */
static void apply_option(const HwGeom *g, int nw, int nh, int nc, bool pool, int *tw, int *th,
                         int *tc) {
  *tw = div_up(g->in_w, nw);
  *th = div_up(g->in_h, nh);
  *tc = div_up(g->in_c, nc);
  if (nw > 1) *tw = div_up(*tw, g->stride) * g->stride;
  if (nh > 1) {
    *th = div_up(*th, g->stride) * g->stride;
    if (!pool) *th = update_input_tile(*th, nh, g->out_h, g->ky, g->stride, g->pb, g->pt);
  }
}

/* Conv+pool limits on a tile [CONV] ("restrictions on HW tile sizes in case of Conv+Pool"):
 * even lines, more than 2 output lines, and an input width cap that falls with the channels. */
static bool pool_tile_ok(const HwPlane *h, const HwPlane *w, int c) {
  static const int CAP[7][2] = {{128, 72}, {112, 80}, {96, 96}, {80, 112},
                                {64, 144}, {48, 192}, {32, 288}};
  if (w->in_with_junk % 2 || h->in_with_junk % 2 || w->out_with_junk % 2 || w->out_with_junk <= 2 ||
      h->out_with_junk <= 2)
    return false;
  for (int i = 0; i < 7; i++)
    if (c <= CAP[i][0] && c > CAP[i][0] - 16 && w->in_with_junk > CAP[i][1]) return false;
  return true;
}

/* Tile presets for some layer shapes of known networks, taken after the search when the blob
 * has 9 or more CMX slices ("optimizations for MyriadX code with 2 threads") [CONV]
 * patternMatching. Per row: conditions (-1: any) kernel, pads (all four), stride, input C, H,
 * W, output C (second choice), output H, whether a fused pooling excludes it; then the input
 * tile H, W, C it sets (0: kept) and whether the output tile becomes the whole output. */
static const int PATTERNS[][13] = {
    /* k  pad  s  inC   inH  inW  outC  outC2 outH nopool | tH  tW   tC  outfull */
    {3, 1, 1, 512, 28, 28, 512, -1, -1, 1, 28, 0, 172},
    {3, 1, 1, 256, 56, 56, 256, -1, -1, 1, 30, 0, 128},
    {3, 1, 1, 64, 224, 224, 64, -1, -1, 1, 82, 82, 0},
    {-1, -1, -1, 512, 7, 7, 4096, -1, -1, 0, 0, 0, 64},
    {3, 1, 1, 128, 112, 112, 128, -1, -1, 1, 32, 112, 32},
    {-1, -1, -1, 1088, 17, 17, 128, 192, -1, 0, 17, 0, 544},
    {-1, -1, -1, 1024, 17, 17, 384, -1, -1, 0, 17, 0, 512},
    {3, 0, 2, 384, 35, 35, 384, -1, -1, 1, 35, 35, 194},
    {-1, -1, -1, 192, 71, 71, -1, -1, 35, 0, 0, 71, 96},
    {-1, -1, -1, 256, 128, 128, 256, -1, -1, 1, 15, 128, 64},
    {-1, -1, -1, 512, 64, 64, 512, -1, -1, 1, 10, 64, 128},
    {1, 0, 1, 384, 56, 56, 64, -1, -1, 1, 56, 20, 384},
    {1, 0, 1, 2112, 14, 14, 1056, -1, -1, 1, 14, 14, 556},
    {3, 1, 2, 256, 52, 52, 512, -1, -1, 1, 52, 52, 128},
    {3, 1, 1, 256, 23, 23, 640, -1, -1, 1, 14, 23, 256},
};

static bool pattern(const HwGeom *g, int *tw, int *th, int *tc, int *ow, int *oh) {
  if (g->cmx_slices < 9) return false;
  for (size_t i = 0; i < sizeof PATTERNS / sizeof PATTERNS[0]; i++) {
    const int *p = PATTERNS[i];
    if (p[0] >= 0 && (g->kx != p[0] || g->ky != p[0])) continue;
    if (p[1] >= 0 && (g->pl != p[1] || g->pr != p[1] || g->pt != p[1] || g->pb != p[1])) continue;
    if (p[2] >= 0 && g->stride != p[2]) continue;
    if (g->in_c != p[3] || g->in_h != p[4] || g->in_w != p[5]) continue;
    if (p[6] >= 0 && g->out_c != p[6] && (p[7] < 0 || g->out_c != p[7])) continue;
    if (p[8] >= 0 && g->out_h != p[8]) continue;
    if (p[9] && g->with_pool) continue;
    if (p[10]) *th = p[10];
    if (p[11]) *tw = p[11];
    if (p[12]) *tc = p[12];
    if (i != 3) *ow = g->out_w, *oh = g->out_h; /* all but the 512x7x7 -> 4096 preset */
    return true;
  }
  return false;
}

/* Fills t from the chosen numbers of tiles (HWConvolutionTileLayoutCut::createTiles). */
static bool cut_conv(const HwGeom *g, bool ceil_, int nw, int nh, int nc, HwTiling *t) {
  int tw, th, tc, ow, oh;
  apply_option(g, nw, nh, nc, false, &tw, &th, &tc);
  correct_out(g, ceil_, tw, th, &ow, &oh);
  if (pattern(g, &tw, &th, &tc, &ow, &oh)) { /* correctPlaneSizeAfterPatternMatching */
    int mw, mh;
    correct_out(g, ceil_, tw, th, &mw, &mh);
    ow = ow < mw ? ow : mw;
    oh = oh < mh ? oh : mh;
  }
  t->n_h = plane_tiles(g->in_h, g->out_h, g->ky, g->stride, g->pt, g->pb, oh, ceil_, g->with_pool,
                       t->h, BW_HW_MAX_PLANE);
  t->n_w = plane_tiles(g->in_w, g->out_w, g->kx, g->stride, g->pl, g->pr, ow, ceil_, g->with_pool,
                       t->wd, BW_HW_MAX_PLANE);
  if (t->n_h == 0 || t->n_w == 0) return false;
  t->tile_c = tc;
  t->n_c = div_up(g->in_c, tc);
  for (int i = 0; i < t->n_h; i++)
    for (int j = 0; j < t->n_w; j++) {
      HwConvTile f = bw_hw_split_out_channels(t->wd[j].in_with_junk, t->h[i].in_with_junk, tc,
                                              g->out_c, g->kx, g->ky, g->stride);
      if (f.num_descr == 0) return false;
    }
  return true;
}

/* Convolution tiling [CONV] selectBetterTiling (one best option, input -> output direction),
 * then the presets above. Returns false when no tiling fits (the layer then runs on SHAVEs). */
bool bw_hw_conv_tiling(const HwGeom *g, HwTiling *t) {
  bool ceil_ = ceil_needed(g, false);
  int cmx = bw_hw_cmx_limit(g->cmx_slices);
  int max_c = g->with_pool ? 1 : MAX_TILES, min_w = g->with_pool ? 128 : 64,
      min_h = g->with_pool ? 2 * g->ky : g->ky;
  int best_nw = 0, best_nh = 0, best_nc = 0, best_tot = 0;
  double best_cost = 0;
  HwPlane hs[BW_HW_MAX_PLANE], ws[BW_HW_MAX_PLANE];
  for (int nc = 1; nc <= max_c; nc++) {
    int tc = div_up(g->in_c, nc);
    if (tc > 2048) continue;
    for (int nw = 1; nw <= MAX_TILES; nw++) {
      int tw = div_up(g->in_w, nw);
      if (tw > 2048) continue;
      if (nw > 1) {
        tw = div_up(tw, g->stride) * g->stride;
        if (tw < min_w) break;
      }
      for (int nh = 1; nh <= MAX_TILES; nh++) {
        int th = div_up(g->in_h, nh);
        if (th > 2048) continue;
        if (nh > 1) {
          th = div_up(th, g->stride) * g->stride;
          th = update_input_tile(th, nh, g->out_h, g->ky, g->stride, g->pb, g->pt);
          if (th < min_h) break;
        }
        int ow, oh;
        correct_out(g, ceil_, tw, th, &ow, &oh);
        if (g->with_pool && (ow <= 2 || oh <= 2)) break;
        int nht = plane_tiles(g->in_h, g->out_h, g->ky, g->stride, g->pt, g->pb, oh, ceil_,
                              g->with_pool, hs, BW_HW_MAX_PLANE);
        int nwt = plane_tiles(g->in_w, g->out_w, g->kx, g->stride, g->pl, g->pr, ow, ceil_,
                              g->with_pool, ws, BW_HW_MAX_PLANE);
        if (nht == 0) continue;
        if (nwt == 0) break;
        bool ok = true;
        double cost = 0;
        for (int i = 0; i < nht && ok; i++)
          for (int j = 0; j < nwt; j++) {
            if (g->with_pool && !pool_tile_ok(&hs[i], &ws[j], tc)) {
              ok = false;
              break;
            }
            HwConvTile f = bw_hw_split_out_channels(ws[j].in_with_junk, hs[i].in_with_junk, tc,
                                                    g->out_c, g->kx, g->ky, g->stride);
            if (f.num_descr == 0 ||
                bw_hw_buffer_size(g->out_c, hs[i].out_with_junk, ws[j].out_with_junk) > cmx) {
              ok = false;
              break;
            }
            cost += (double)f.cost * nc;
            if ((ws[j].out_start * 2) % 16)
              cost += (double)ws[j].out_with_junk * hs[i].out_with_junk * g->out_c;
            if ((ws[j].in_start * 2) % 16)
              cost += (double)ws[j].in_with_junk * hs[i].in_with_junk * f.ext_in_c;
            cost += (double)(nc - 1) * ws[j].out_with_junk * hs[i].out_with_junk * g->out_c;
          }
        if (!ok) continue;
        int tot = nw * nh * nc;
        /* the best kept unless a later one is strictly better (FixedMaxHeap of one) */
        if (best_tot == 0 || cost < best_cost || (cost == best_cost && tot < best_tot)) {
          best_nw = nw, best_nh = nh, best_nc = nc, best_tot = tot, best_cost = cost;
        }
        break; /* "Skip smaller SoC tiling" */
      }
    }
  }
  if (best_tot == 0) return false;
  return cut_conv(g, ceil_, best_nw, best_nh, best_nc, t);
}

/* Pooling tiling [POOL] selectBetterTiling (batch 1: one channel tile, mode 16_16). */
bool bw_hw_pool_tiling(const HwGeom *g, HwTiling *t) {
  bool ceil_ = ceil_needed(g, true);
  int cmx = bw_hw_cmx_limit(g->cmx_slices);
  int min_w = g->kx > 8 ? g->kx : 8, min_h = g->ky;
  int best_nw = 0, best_nh = 0, best_tot = 0;
  double best_cost = 0;
  HwPlane hs[BW_HW_MAX_PLANE], ws[BW_HW_MAX_PLANE];
  for (int nw = 1; nw <= MAX_TILES; nw++) {
    int tw = div_up(g->in_w, nw);
    if (nw > 1) {
      tw = div_up(tw, g->stride) * g->stride;
      if (tw < min_w) break;
    }
    for (int nh = 1; nh <= MAX_TILES; nh++) {
      int th = div_up(g->in_h, nh);
      if (nh > 1) {
        th = div_up(th, g->stride) * g->stride;
        if (th < min_h) break;
      }
      int ow, oh;
      correct_out(g, ceil_, tw, th, &ow, &oh);
      int nht = plane_tiles(g->in_h, g->out_h, g->ky, g->stride, g->pt, g->pb, oh, ceil_,
                            g->with_pool, hs, BW_HW_MAX_PLANE);
      int nwt = plane_tiles(g->in_w, g->out_w, g->kx, g->stride, g->pl, g->pr, ow, ceil_,
                            g->with_pool, ws, BW_HW_MAX_PLANE);
      if (nht == 0) continue;
      if (nwt == 0) break;
      bool ok = true;
      double cost = 0;
      for (int i = 0; i < nht && ok; i++)
        for (int j = 0; j < nwt; j++) {
          const HwPlane *hp = &hs[i], *wp = &ws[j];
          if (bw_hw_buffer_size(g->out_c, hp->out_with_junk, wp->out_with_junk) > cmx ||
              hp->in_with_junk < g->ky ||
              !bw_hw_restrictions_ok(wp->in_with_junk, hp->in_with_junk, g->in_c, g->out_c, g->kx,
                                     g->ky, g->stride, BLOB_HW_MODE_16_16, true)) {
            ok = false;
            break;
          }
          /* replicated padding on a large input plane (#-16783) */
          HwPad pad = bw_hw_padding(wp->in_with_junk, hp->in_with_junk, wp->out_with_junk,
                                    hp->out_with_junk, g->kx, g->ky, g->stride, g->pl, g->pt);
          if (pad.enable && (pad.left > 0 || pad.right > 0 || pad.bottom > 0)) {
            int64_t mem =
                (int64_t)align_to(wp->in_with_junk, 8) * 2 * ((hp->in_with_junk - 1) + (g->ky - 1));
            if (mem > (pad.bottom > 0 ? 0x800 : 0x1000)) {
              ok = false;
              break;
            }
          }
          cost += 1.0 * (g->in_c / 16) * g->kx * g->ky;
          if ((wp->out_start * 2) % 16)
            cost += (double)wp->out_with_junk * hp->out_with_junk * g->out_c;
          if ((wp->in_start * 2) % 16)
            cost += (double)wp->in_with_junk * hp->in_with_junk * g->in_c;
        }
      if (!ok) continue;
      int tot = nw * nh;
      if (best_tot == 0 || cost < best_cost || (cost == best_cost && tot < best_tot)) {
        best_nw = nw, best_nh = nh, best_tot = tot, best_cost = cost;
      }
    }
  }
  if (best_tot == 0) return false;
  int tw, th, tc, ow, oh;
  apply_option(g, best_nw, best_nh, 1, true, &tw, &th, &tc);
  correct_out(g, ceil_, tw, th, &ow, &oh);
  t->n_h = plane_tiles(g->in_h, g->out_h, g->ky, g->stride, g->pt, g->pb, oh, ceil_, g->with_pool,
                       t->h, BW_HW_MAX_PLANE);
  t->n_w = plane_tiles(g->in_w, g->out_w, g->kx, g->stride, g->pl, g->pr, ow, ceil_, g->with_pool,
                       t->wd, BW_HW_MAX_PLANE);
  t->n_c = 1;
  t->tile_c = g->in_c;
  return t->n_h > 0 && t->n_w > 0;
}

/* Padding the hardware applies to one tile [UTIL] getHwPaddingInfo: left/top as the layer's,
 * right/bottom whatever the tile's output needs beyond its input. */
HwPad bw_hw_padding(int in_w, int in_h, int out_w, int out_h, int kx, int ky, int stride, int pl,
                    int pt) {
  HwPad p;
  int ax = (out_w - 1) * stride + kx - in_w, ay = (out_h - 1) * stride + ky - in_h;
  p.left = pl;
  p.right = ax - pl > 0 ? ax - pl : 0;
  p.top = pt;
  p.bottom = ay - pt > 0 ? ay - pt : 0;
  p.enable = p.left || p.right || p.top || p.bottom;
  return p;
}
