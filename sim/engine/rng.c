/* rng.c: PCG32 (XSH-RR, 64-bit state, 32-bit output) from O'Neill's
** specification, SplitMix64, the distributions the model needs, and stream
** derivation. All arithmetic is on unsigned 64-bit integers (wrapping is
** defined) and the distributions use only +, *, log, sqrt, cos: results are
** the same on every IEEE-754 machine built without FMA contraction. */
#include "cs_rng.h"

#include <math.h>

#define PCG_MULT 6364136223846793005ULL

/* The step and the 53-bit uniform are static inline so that the
** distributions below inline them: a model's handler draws a few of these
** per event, and a call per 32-bit draw was a tenth of PHOLD's time. */
static inline uint32_t pcg32_step(cs_pcg32 *r) {
  uint64_t old = r->state;
  r->state = old * PCG_MULT + r->inc;
  uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
  uint32_t rot = (uint32_t)(old >> 59u);
  return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
}

static inline double uniform53(cs_pcg32 *r) {
  uint64_t hi = pcg32_step(r) >> 5, lo = pcg32_step(r) >> 6; /* 27 + 26 bits */
  return (double)(hi * 67108864u + lo) * (1.0 / 9007199254740992.0);
}

uint32_t cs_pcg32_next(cs_pcg32 *r) { return pcg32_step(r); }

void cs_pcg32_seed(cs_pcg32 *r, uint64_t initstate, uint64_t initseq) {
  r->state = 0u;
  r->inc = (initseq << 1u) | 1u;
  pcg32_step(r);
  r->state += initstate;
  pcg32_step(r);
}

/* Brown, "Random number generation with arbitrary strides" (1994): the
** composition of delta LCG steps is itself an LCG step, built by squaring. */
void cs_pcg32_advance(cs_pcg32 *r, uint64_t delta) {
  uint64_t cur_mult = PCG_MULT, cur_plus = r->inc;
  uint64_t acc_mult = 1u, acc_plus = 0u;
  while (delta > 0) {
    if (delta & 1u) {
      acc_mult *= cur_mult;
      acc_plus = acc_plus * cur_mult + cur_plus;
    }
    cur_plus = (cur_mult + 1u) * cur_plus;
    cur_mult *= cur_mult;
    delta >>= 1u;
  }
  r->state = acc_mult * r->state + acc_plus;
}

uint32_t cs_pcg32_bounded(cs_pcg32 *r, uint32_t bound) {
  /* Reject the low (2^32 mod bound) outputs so every residue is equally
  ** likely; at most half the draws are rejected, on average far fewer.
  ** The threshold is below bound, so a draw >= bound is accepted without
  ** computing it: one division instead of two, nearly always. */
  for (;;) {
    uint32_t x = pcg32_step(r);
    if (x >= bound || x >= (uint32_t)(-bound) % bound) return x % bound;
  }
}

uint64_t cs_splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double cs_rng_uniform(cs_pcg32 *r) { return uniform53(r); }

double cs_rng_uniform_pos(cs_pcg32 *r) { return 1.0 - uniform53(r); }

double cs_rng_exp(cs_pcg32 *r, double rate) { return -log(1.0 - uniform53(r)) / rate; }

double cs_rng_normal(cs_pcg32 *r) {
  double u1 = 1.0 - uniform53(r), u2 = uniform53(r);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

double cs_rng_gamma_int(cs_pcg32 *r, int k, double scale) {
  double s = 0.0;
  for (int i = 0; i < k; i++) s += -log(1.0 - uniform53(r));
  return s * scale;
}

int cs_rng_bernoulli(cs_pcg32 *r, double p) {
  if (!(p > 0.0)) return 0;
  if (p >= 1.0) return 1;
  return uniform53(r) < p;
}

int64_t cs_rng_round(cs_pcg32 *r, double x) {
  if (!(x > 0.0)) return 0;
  double f = floor(x);
  return (int64_t)f + cs_rng_bernoulli(r, x - f);
}

/* The SplitMix64 finaliser as a stateless mixer. */
static uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Absorb each field through the mixer with a distinct constant per
** position, so (a, b) and (b, a) give different streams. */
static uint64_t absorb(uint64_t master_seed, uint64_t replicate, uint32_t entity_kind, uint64_t entity_id,
                       uint32_t purpose) {
  uint64_t s = mix64(master_seed ^ 0x6a09e667f3bcc909ULL);
  s = mix64(s ^ mix64(replicate + 0xbb67ae8584caa73bULL));
  s = mix64(s ^ mix64((((uint64_t)entity_kind << 32) | purpose) + 0x3c6ef372fe94f82bULL));
  return mix64(s ^ mix64(entity_id + 0xa54ff53a5f1d36f1ULL));
}

void cs_stream_init(cs_pcg32 *r, uint64_t master_seed, uint64_t replicate,
                    uint32_t entity_kind, uint64_t entity_id, uint32_t purpose) {
  uint64_t s = absorb(master_seed, replicate, entity_kind, entity_id, purpose);
  uint64_t state = cs_splitmix64(&s);
  uint64_t seq = cs_splitmix64(&s);
  cs_pcg32_seed(r, state, seq);
}

void cs_stream_init_branch(cs_pcg32 *r, uint64_t master_seed, uint64_t replicate, uint32_t entity_kind,
                           uint64_t entity_id, uint32_t purpose, uint64_t branch) {
  uint64_t s = absorb(master_seed, replicate, entity_kind, entity_id, purpose);
  s = mix64(s ^ mix64(branch + 0x510e527fade682d1ULL)); /* the sixth constant: SHA-256's H4 */
  uint64_t state = cs_splitmix64(&s);
  uint64_t seq = cs_splitmix64(&s);
  cs_pcg32_seed(r, state, seq);
}
