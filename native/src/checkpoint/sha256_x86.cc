// SHA-256's compression function with the x86 SHA extensions (SHA-NI):
// sha256rnds2 does two rounds, sha256msg1 and sha256msg2 the message
// schedule, each in one instruction.
#include <cpuid.h>
#include <immintrin.h>

#include "checkpoint/sha256_compress.hh"

// Each function that uses these instructions (and SSSE3's pshufb and palignr)
// is compiled for them on its own, so the rest of the build needs no -msha;
// Sha256 runs them only once shaNiAvailable() said yes.
#define KX_SHA_NI __attribute__((target("sha,ssse3")))

namespace kx::sha256 {
namespace {

// sha256rnds2 keeps the eight working variables in two vectors, listed here
// from the top lane down: {A,B,E,F} and {C,D,G,H}.
struct Working {
  __m128i abef, cdgh;
};

KX_SHA_NI inline __m128i load4(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }

// The state holds A..H in memory order, which loads A and E into the lowest
// lanes. Reversing the lanes makes {A,B,C,D} and {E,F,G,H} from the top
// down, whose 64-bit halves are the pairs the two vectors are made of.
KX_SHA_NI Working pack(const Sha256::State& state) {
  const __m128i abcd = _mm_shuffle_epi32(load4(&state[0]), 0x1b);
  const __m128i efgh = _mm_shuffle_epi32(load4(&state[4]), 0x1b);
  return {_mm_unpackhi_epi64(efgh, abcd), _mm_unpacklo_epi64(efgh, abcd)};
}

// pack, undone.
KX_SHA_NI void unpack(const Working& v, Sha256::State& state) {
  const __m128i abcd = _mm_unpackhi_epi64(v.cdgh, v.abef);
  const __m128i efgh = _mm_unpacklo_epi64(v.cdgh, v.abef);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(&state[0]), _mm_shuffle_epi32(abcd, 0x1b));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(&state[4]), _mm_shuffle_epi32(efgh, 0x1b));
}

// Four message words, W[i] in lane i. They are big-endian in the block, so
// the shuffle reverses the bytes of each lane.
KX_SHA_NI inline __m128i loadWords(const uint8_t* p) {
  const __m128i byteSwap = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
  return _mm_shuffle_epi8(load4(p), byteSwap);
}

// W[t..t+3] from the sixteen before, w0 the oldest, by section 6.2.2:
// W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16]. sha256msg1 gives
// W[t-16] + σ0(W[t-15]). W[t-7] straddles two vectors: the top three lanes
// of w2 and the lowest of w3. sha256msg2 adds σ1(W[t-2]) last, in one
// instruction because for W[t+2] and W[t+3] that term is σ1 of W[t] and
// W[t+1], which it has just computed.
KX_SHA_NI inline __m128i nextWords(__m128i w0, __m128i w1, __m128i w2, __m128i w3) {
  const __m128i partial = _mm_add_epi32(_mm_sha256msg1_epu32(w0, w1), _mm_alignr_epi8(w3, w2, 4));
  return _mm_sha256msg2_epu32(partial, w3);
}

// Rounds t..t+3. sha256rnds2 takes {C,D,G,H}, {A,B,E,F} and two W+K in the
// low lanes, and returns the new {A,B,E,F}. Two rounds move each variable two
// places (C takes A, D takes B, G takes E, H takes F), so the new {C,D,G,H}
// is the old {A,B,E,F}: the two vectors swap roles after each instruction,
// and are back in place after the second.
KX_SHA_NI inline void fourRounds(Working& v, __m128i words, int t) {
  const __m128i wk = _mm_add_epi32(words, load4(&kRound[t]));
  v.cdgh = _mm_sha256rnds2_epu32(v.cdgh, v.abef, wk);
  v.abef = _mm_sha256rnds2_epu32(v.abef, v.cdgh, _mm_unpackhi_epi64(wk, wk));
}

}  // namespace

// The state stays in registers, packed once, across all the blocks.
KX_SHA_NI void compressShaNi(Sha256::State& state, const uint8_t* blocks, size_t count) {
  Working v = pack(state);
  for (; count > 0; --count, blocks += 64) {
    const Working before = v;
    __m128i w0 = loadWords(blocks), w1 = loadWords(blocks + 16);
    __m128i w2 = loadWords(blocks + 32), w3 = loadWords(blocks + 48);
    fourRounds(v, w0, 0);
    fourRounds(v, w1, 4);
    fourRounds(v, w2, 8);
    fourRounds(v, w3, 12);
    for (int t = 16; t < 64; t += 4) {
      const __m128i next = nextWords(w0, w1, w2, w3);
      fourRounds(v, next, t);
      w0 = w1;
      w1 = w2;
      w2 = w3;
      w3 = next;
    }
    v.abef = _mm_add_epi32(v.abef, before.abef);
    v.cdgh = _mm_add_epi32(v.cdgh, before.cdgh);
  }
  unpack(v, state);
}

// CPUID leaf 7 EBX bit 29 is the SHA extensions, leaf 1 ECX bit 9 SSSE3.
// SSE2 is part of x86-64, and Linux always enables the SSE registers, so no
// XGETBV check is needed as it would be for AVX.
bool shaNiAvailable() {
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_SSSE3)) return false;
  return __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) && (ebx & bit_SHA);
}

}  // namespace kx::sha256
