/*
 * bench/fp16_simd.c — evidence for one proposed fix: FP32 -> FP16 with the x86 F16C instruction
 * (vcvtps2ph, round to nearest even) instead of compiler/base's scalar fp16_from_f32.
 *
 *   fp16_simd            throughput of fp16_convert vs the F16C candidate on 64 M weights
 *   fp16_simd --exhaustive   also checks all 2^32 inputs give bit-identical halves and counters
 *
 * The candidate keeps fp16_convert's contract (saturated / underflowed counters) and is what
 * base.c could use behind __builtin_cpu_supports("f16c"), with the scalar loop as fallback
 * (and for the tail). Not built into blobc; exits 1 if any input differs.
 */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/base/base.h"
#include "tests/support/onnx_build.h"

__attribute__((target("avx2,f16c"))) static void fp16_convert_f16c(uint16_t *dst, const float *src,
                                                                   size_t n, size_t *saturated,
                                                                   size_t *underflowed) {
  size_t i = 0, sat = 0, under = 0;
  const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff), exp_mask = _mm256_set1_epi32(0x7f800000);
  const __m128i h_abs = _mm_set1_epi16(0x7fff), h_inf = _mm_set1_epi16(0x7c00),
                zero = _mm_setzero_si128();
  for (; i + 8 <= n; i += 8) {
    __m256 f = _mm256_loadu_ps(src + i);
    __m128i h = _mm256_cvtps_ph(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm_storeu_si128((__m128i *)(dst + i), h);
    /* counters: 8 halves widened to 32-bit lanes next to the 8 source words */
    __m256i x = _mm256_castps_si256(f);
    __m256i ha = _mm256_cvtepu16_epi32(_mm_and_si128(h, h_abs));
    __m256i finite = _mm256_xor_si256(_mm256_cmpeq_epi32(_mm256_and_si256(x, exp_mask), exp_mask),
                                      _mm256_set1_epi32(-1));
    __m256i is_inf = _mm256_cmpeq_epi32(ha, _mm256_cvtepu16_epi32(h_inf));
    __m256i nonzero =
        _mm256_xor_si256(_mm256_cmpeq_epi32(_mm256_and_si256(x, abs_mask), _mm256_setzero_si256()),
                         _mm256_set1_epi32(-1));
    __m256i is_zero = _mm256_cmpeq_epi32(ha, _mm256_cvtepu16_epi32(zero));
    sat += (size_t)__builtin_popcount(
        (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_and_si256(is_inf, finite))));
    under += (size_t)__builtin_popcount(
        (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_and_si256(is_zero, nonzero))));
  }
  if (saturated) *saturated += sat;
  if (underflowed) *underflowed += under;
  fp16_convert(dst + i, src + i, n - i, saturated, underflowed); /* tail */
}

int main(int argc, char **argv) {
  bool exhaustive = argc > 1 && !strcmp(argv[1], "--exhaustive");
  if (!__builtin_cpu_supports("f16c") || !__builtin_cpu_supports("avx2")) {
    printf("fp16_simd: this CPU has no F16C/AVX2; nothing to compare\n");
    return 0;
  }
  size_t n = (size_t)64 << 20;
  float *src = malloc(n * 4);
  uint16_t *a = malloc(n * 2), *b = malloc(n * 2);
  if (!src || !a || !b) return 1;
  ObRng r;
  ob_rng_seed(&r, 7);
  ob_rng_fill(&r, src, n, 0.1f);
  memset(a, 0, n * 2);
  memset(b, 0, n * 2);
  double best_s = 1e9, best_v = 1e9;
  size_t s1 = 0, u1 = 0, s2 = 0, u2 = 0;
  for (int k = 0; k < 3; k++) {
    double t = io_now();
    fp16_convert(a, src, n, &s1, &u1);
    t = io_now() - t;
    if (t < best_s) best_s = t;
    t = io_now();
    fp16_convert_f16c(b, src, n, &s2, &u2);
    t = io_now() - t;
    if (t < best_v) best_v = t;
  }
  printf("fp16_convert (scalar, base.c): %6.2f GB/s of FP32 input\n", (double)n * 4 / best_s / 1e9);
  printf("F16C candidate:                %6.2f GB/s  (%.1fx), identical output: %s\n",
         (double)n * 4 / best_v / 1e9, best_s / best_v,
         memcmp(a, b, n * 2) || s1 != s2 || u1 != u2 ? "NO" : "yes");
  int bad = memcmp(a, b, n * 2) != 0 || s1 != s2 || u1 != u2;
  if (exhaustive) { /* every float bit pattern, 64 M at a time */
    uint32_t *w = (uint32_t *)src;
    for (uint64_t base = 0; base < (1ull << 32); base += n) {
      for (size_t i = 0; i < n; i++) w[i] = (uint32_t)(base + i);
      size_t sa = 0, ua = 0, sb = 0, ub = 0;
      fp16_convert(a, src, n, &sa, &ua);
      fp16_convert_f16c(b, src, n, &sb, &ub);
      if (memcmp(a, b, n * 2) || sa != sb || ua != ub) {
        for (size_t i = 0; i < n; i++)
          if (a[i] != b[i]) {
            printf("differs at 0x%08x: scalar 0x%04x, F16C 0x%04x\n", w[i], a[i], b[i]);
            break;
          }
        if (sa != sb || ua != ub)
          printf("counters differ near 0x%08llx\n", (unsigned long long)base);
        bad = 1;
        break;
      }
    }
    printf("all 2^32 inputs: %s\n", bad ? "DIFFER" : "bit-identical halves and counters");
  }
  free(src);
  free(a);
  free(b);
  return bad;
}
