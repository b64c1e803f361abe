/* compiler/backend/superblob.c — see superblob.h. bzip2 comes from Debian's libbz2. */
#include "superblob.h"

#include <bzlib.h>
#include <stdlib.h>
#include <string.h>

/* bsdiff's integer encoding: 8 bytes little-endian magnitude, sign in the top bit. */
static void put_offt(uint8_t *p, int64_t v) {
  uint64_t m = v < 0 ? (uint64_t)(-v) : (uint64_t)v;
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(m >> (8 * i));
  if (v < 0) p[7] |= 0x80;
}

static int64_t get_offt(const uint8_t *p) {
  uint64_t m = 0;
  for (int i = 0; i < 8; i++) m |= (uint64_t)p[i] << (8 * i);
  int64_t v = (int64_t)(m & 0x7fffffffffffffffull);
  return (p[7] & 0x80) ? -v : v;
}

static int bz_compress(Buf *out, const uint8_t *src, size_t len, Err *err) {
  if (len > UINT32_MAX / 2) return err_set(err, ERR_BACKEND, "superblob patch block too large");
  unsigned int cap = (unsigned int)(len + len / 100 + 600);
  buf_reserve(out, cap);
  char *dst = (char *)out->data + out->len;
  int rc = BZ2_bzBuffToBuffCompress(dst, &cap, (char *)(uintptr_t)(len ? src : (const uint8_t *)""),
                                    (unsigned int)len, 9, 0, 0);
  if (rc != BZ_OK) return err_set(err, ERR_BACKEND, "bzip2 compression failed (%d)", rc);
  out->len += cap;
  return 0;
}

/* The patch as control triples (x diff bytes against old, y extra bytes, seek z) over blocks of
 * new that appear somewhere in old: blobs with NCE stages tile differently per SHAVE count, so
 * the constants (each at a 64-byte aligned file offset) move; matched 64-byte blocks, extended
 * byte by byte, keep them out of the extra block. Returns -1 when nothing matched. */
#define BD_BLOCK 64u
static uint64_t bd_hash(const uint8_t *p) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned i = 0; i < BD_BLOCK; i += 8) {
    uint64_t v;
    memcpy(&v, p + i, 8);
    h = (h ^ v) * 1099511628211ull;
  }
  return h ^ (h >> 29);
}

static int bsdiff_blocks(Buf *ctrl, Buf *diff, Buf *extra, const uint8_t *old, size_t old_len,
                         const uint8_t *new_, size_t new_len) {
  size_t nb = old_len / BD_BLOCK, cap = 1;
  while (cap < 2 * nb + 2) cap <<= 1;
  int64_t *tab =
      malloc(cap * sizeof *tab); /* old block offsets by hash, open addressing, -1 empty */
  if (!tab) return -2;
  for (size_t i = 0; i < cap; i++) tab[i] = -1;
  for (size_t k = 0; k < nb; k++) {
    size_t h = (size_t)bd_hash(old + k * BD_BLOCK) & (cap - 1);
    while (tab[h] >= 0 && memcmp(old + tab[h], old + k * BD_BLOCK, BD_BLOCK))
      h = (h + 1) & (cap - 1);
    if (tab[h] < 0) tab[h] = (int64_t)(k * BD_BLOCK); /* the first of equal blocks */
  }
  size_t lit = 0, pos = 0, matched = 0;
  int64_t oldpos = 0; /* where bspatch's old pointer is after the current entry's diff bytes */
  uint8_t t[24];
  put_offt(t, 0); /* the first entry: no diff bytes */
  while (pos + BD_BLOCK <= new_len) {
    size_t h = (size_t)bd_hash(new_ + pos) & (cap - 1);
    while (tab[h] >= 0 && memcmp(old + tab[h], new_ + pos, BD_BLOCK)) h = (h + 1) & (cap - 1);
    if (tab[h] < 0) {
      pos += BD_BLOCK;
      continue;
    }
    size_t op = (size_t)tab[h], m = BD_BLOCK;
    while (pos + m < new_len && op + m < old_len && new_[pos + m] == old[op + m]) m++;
    put_offt(t + 8, (int64_t)(pos - lit));  /* the literal bytes before this match */
    put_offt(t + 16, (int64_t)op - oldpos); /* then seek to the match */
    buf_put(ctrl, t, 24);
    buf_put(extra, new_ + lit, pos - lit);
    put_offt(t, (int64_t)m); /* the match: diff bytes, all zero */
    buf_put_zeros(diff, m);
    oldpos = (int64_t)(op + m);
    matched += m;
    lit = pos + m;
    pos = (lit + BD_BLOCK - 1) / BD_BLOCK * BD_BLOCK;
  }
  put_offt(t + 8, (int64_t)(new_len - lit));
  put_offt(t + 16, 0);
  buf_put(ctrl, t, 24);
  buf_put(extra, new_ + lit, new_len - lit);
  free(tab);
  return matched ? 0 : -1;
}

/* The patch from a control, a diff and an extra block. */
static int bsdiff_write(Buf *patch, const uint8_t *ctrl, size_t cl, const uint8_t *diff, size_t dl,
                        const uint8_t *extra, size_t el, size_t new_len, Err *err) {
  size_t start = patch->len;
  buf_put(patch, "BSDIFF40", 8);
  buf_put_zeros(patch, 24);
  size_t c0 = patch->len;
  if (bz_compress(patch, ctrl, cl, err) < 0) return -1;
  size_t c1 = patch->len;
  if (bz_compress(patch, diff, dl, err) < 0) return -1;
  size_t c2 = patch->len;
  if (bz_compress(patch, extra, el, err) < 0) return -1;
  put_offt(patch->data + start + 8, (int64_t)(c1 - c0));
  put_offt(patch->data + start + 16, (int64_t)(c2 - c1));
  put_offt(patch->data + start + 24, (int64_t)new_len);
  return 0;
}

int be_bsdiff(Buf *patch, const uint8_t *old, size_t old_len, const uint8_t *new_, size_t new_len,
              Err *err) {
  size_t common = old_len < new_len ? old_len : new_len;
  /* blobs that differ in a few bytes at the same places (SHAVE stages only: the header and
   * numShaves) keep the one-triple patch; the rest are matched by blocks */
  size_t differ = 0;
  for (size_t i = 0; i < common && differ * 64 <= common; i++) differ += old[i] != new_[i];
  if (differ * 64 > common || new_len > common + common / 64) {
    Buf c = BUF_INIT, d = BUF_INIT, e = BUF_INIT;
    int m = bsdiff_blocks(&c, &d, &e, old, old_len, new_, new_len);
    int rc =
        m == 0 ? bsdiff_write(patch, c.data, c.len, d.data, d.len, e.data, e.len, new_len, err) : 0;
    buf_free(&c);
    buf_free(&d);
    buf_free(&e);
    if (m == -2) return err_set(err, ERR_OOM, "cannot allocate the patch index");
    if (m == 0) return rc;
  }
  uint8_t ctrl[24];
  put_offt(ctrl, (int64_t)common);                 /* bytes from the diff block */
  put_offt(ctrl + 8, (int64_t)(new_len - common)); /* bytes from the extra block */
  put_offt(ctrl + 16, 0);                          /* seek in old */
  uint8_t *diff = malloc(common ? common : 1);
  if (!diff) return err_set(err, ERR_OOM, "cannot allocate %zu bytes", common);
  for (size_t i = 0; i < common; i++) diff[i] = (uint8_t)(new_[i] - old[i]);
  size_t start = patch->len;
  buf_put(patch, "BSDIFF40", 8);
  buf_put_zeros(patch, 24); /* ctrl length, diff length, new size: patched below */
  int rc = 0;
  size_t c0 = patch->len;
  if ((rc = bz_compress(patch, ctrl, sizeof ctrl, err)) < 0) goto done;
  size_t c1 = patch->len;
  if ((rc = bz_compress(patch, diff, common, err)) < 0) goto done;
  size_t c2 = patch->len;
  if ((rc = bz_compress(patch, new_ + common, new_len - common, err)) < 0) goto done;
  put_offt(patch->data + start + 8, (int64_t)(c1 - c0));
  put_offt(patch->data + start + 16, (int64_t)(c2 - c1));
  put_offt(patch->data + start + 24, (int64_t)new_len);
done:
  free(diff);
  return rc;
}

static int bz_open(bz_stream *s, const uint8_t *p, size_t len) {
  memset(s, 0, sizeof *s);
  if (BZ2_bzDecompressInit(s, 0, 0) != BZ_OK) return -1;
  s->next_in = (char *)(uintptr_t)p;
  s->avail_in = (unsigned int)len;
  return 0;
}

static int bz_read(bz_stream *s, uint8_t *dst, size_t n) {
  while (n) {
    unsigned int chunk = n > (1u << 30) ? (1u << 30) : (unsigned int)n;
    s->next_out = (char *)dst;
    s->avail_out = chunk;
    int rc = BZ2_bzDecompress(s);
    size_t got = chunk - s->avail_out;
    if (rc != BZ_OK && rc != BZ_STREAM_END) return -1;
    if (got == 0) return -1;
    dst += got;
    n -= got;
  }
  return 0;
}

int be_bspatch(Buf *out, const uint8_t *old, size_t old_len, const uint8_t *patch, size_t len,
               Err *err) {
  if (len < 32 || memcmp(patch, "BSDIFF40", 8))
    return err_set(err, ERR_PARSE, "offset 0: not a BSDIFF40 patch");
  int64_t cl = get_offt(patch + 8), dl = get_offt(patch + 16), nl = get_offt(patch + 24);
  if (cl < 0 || dl < 0 || nl < 0 || (uint64_t)cl > len - 32 ||
      (uint64_t)dl > len - 32 - (uint64_t)cl || nl > (int64_t)1 << 32)
    return err_set(err, ERR_PARSE, "offset 8: bad BSDIFF40 block sizes");
  const uint8_t *cp = patch + 32, *dp = cp + cl, *ep = dp + dl;
  bz_stream cs, ds, es;
  if (bz_open(&cs, cp, (size_t)cl) < 0) return err_set(err, ERR_INTERNAL, "bzip2 init failed");
  if (bz_open(&ds, dp, (size_t)dl) < 0) {
    BZ2_bzDecompressEnd(&cs);
    return err_set(err, ERR_INTERNAL, "bzip2 init failed");
  }
  if (bz_open(&es, ep, len - 32 - (size_t)cl - (size_t)dl) < 0) {
    BZ2_bzDecompressEnd(&cs);
    BZ2_bzDecompressEnd(&ds);
    return err_set(err, ERR_INTERNAL, "bzip2 init failed");
  }
  size_t base = out->len;
  buf_put_zeros(out, (size_t)nl);
  uint8_t *nw = out->data + base;
  int64_t newpos = 0, oldpos = 0;
  int rc = 0;
  while (newpos < nl) {
    uint8_t t[24];
    if (bz_read(&cs, t, 24) < 0) {
      rc = err_set(err, ERR_PARSE, "truncated BSDIFF40 control block");
      break;
    }
    int64_t x = get_offt(t), y = get_offt(t + 8), z = get_offt(t + 16);
    if (x < 0 || y < 0 || x > nl - newpos || y > nl - newpos - x) {
      rc = err_set(err, ERR_PARSE, "bad BSDIFF40 control entry");
      break;
    }
    if (bz_read(&ds, nw + newpos, (size_t)x) < 0) {
      rc = err_set(err, ERR_PARSE, "truncated BSDIFF40 diff block");
      break;
    }
    for (int64_t i = 0; i < x; i++)
      if (oldpos + i >= 0 && (uint64_t)(oldpos + i) < old_len)
        nw[newpos + i] = (uint8_t)(nw[newpos + i] + old[oldpos + i]);
    newpos += x;
    oldpos += x;
    if (y && bz_read(&es, nw + newpos, (size_t)y) < 0) {
      rc = err_set(err, ERR_PARSE, "truncated BSDIFF40 extra block");
      break;
    }
    newpos += y;
    oldpos += z;
  }
  BZ2_bzDecompressEnd(&cs);
  BZ2_bzDecompressEnd(&ds);
  BZ2_bzDecompressEnd(&es);
  if (rc < 0) out->len = base;
  return rc;
}

static void put_be64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (56 - 8 * i));
}

int be_superblob_write(Buf *out, const Buf blobs[SUPERBLOB_N], Err *err) {
  const Buf *base = &blobs[SUPERBLOB_BASE_SHAVES - 1];
  Buf patches[SUPERBLOB_N];
  memset(patches, 0, sizeof patches);
  int rc = 0;
  for (int n = 1; n <= SUPERBLOB_N && rc == 0; n++) {
    if (n == SUPERBLOB_BASE_SHAVES) continue;
    const Buf *b = &blobs[n - 1];
    if (b->len == base->len && !memcmp(b->data, base->data, b->len))
      continue; /* size 0: use the base */
    rc = be_bsdiff(&patches[n - 1], base->data, base->len, b->data, b->len, err);
  }
  if (rc == 0) {
    size_t start = out->len;
    buf_put_zeros(out, 8 + 8 * SUPERBLOB_N);
    put_be64(out->data + start, base->len);
    for (int n = 1; n <= SUPERBLOB_N; n++) put_be64(out->data + start + 8 * n, patches[n - 1].len);
    buf_put(out, base->data, base->len);
    for (int n = 1; n <= SUPERBLOB_N; n++) buf_put(out, patches[n - 1].data, patches[n - 1].len);
  }
  for (int n = 0; n < SUPERBLOB_N; n++) buf_free(&patches[n]);
  return rc;
}
