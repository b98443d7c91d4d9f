/* cs_rng.h: random numbers. PCG32 (O'Neill 2014, the XSH-RR 64/32 member),
** SplitMix64, and the derivation of independent streams.
**
** Invariants: a cs_pcg32 is a plain value (copy it to fork a stream); the
** increment is always odd. Nothing here reads a clock or any global state. */
#ifndef CS_RNG_H
#define CS_RNG_H

#include <stdint.h>

typedef struct cs_pcg32 {
  uint64_t state; /* the LCG state */
  uint64_t inc;   /* the LCG increment, always odd: selects the sequence */
} cs_pcg32;

/* Same as the reference pcg32_srandom_r(rng, initstate, initseq). */
void cs_pcg32_seed(cs_pcg32 *r, uint64_t initstate, uint64_t initseq);
/* Same as the reference pcg32_random_r. */
uint32_t cs_pcg32_next(cs_pcg32 *r);
/* Jump ahead by delta steps (delta may be "negative" mod 2^64) in O(log delta). */
void cs_pcg32_advance(cs_pcg32 *r, uint64_t delta);
/* Uniform on {0, ..., bound-1}, unbiased (rejection); bound must be > 0. */
uint32_t cs_pcg32_bounded(cs_pcg32 *r, uint32_t bound);

/* SplitMix64 (Steele, Lea, Flood 2014): advances *x, returns the mixed output. */
uint64_t cs_splitmix64(uint64_t *x);

/* Uniform on [0, 1) with 53 random bits (two 32-bit draws). */
double cs_rng_uniform(cs_pcg32 *r);
/* Uniform on (0, 1]: safe to take the log of. */
double cs_rng_uniform_pos(cs_pcg32 *r);
/* Exponential with the given rate (> 0); mean 1/rate. */
double cs_rng_exp(cs_pcg32 *r, double rate);
/* Standard normal (Box-Muller, both uniforms from r; one value per call). */
double cs_rng_normal(cs_pcg32 *r);
/* Gamma(shape k integer >= 1, scale): sum of k exponentials. */
double cs_rng_gamma_int(cs_pcg32 *r, int k, double scale);
/* Bernoulli(p): 1 with probability p (p outside [0,1] is clamped). */
int cs_rng_bernoulli(cs_pcg32 *r, double p);
/* Stochastic rounding: floor(x) + Bernoulli(frac(x)); E[result] = x, x >= 0. */
int64_t cs_rng_round(cs_pcg32 *r, double x);

/* Entity kinds for stream derivation (the engine does not interpret them;
** the model and script layers pick their own values from this list so that
** two purposes can never collide). */
enum {
  CS_ENT_NONE = 0,
  CS_ENT_NODE = 1,
  CS_ENT_GANG = 2,
  CS_ENT_PAIR = 3,     /* a (gang, node) pair: id = gang * n_nodes + node */
  CS_ENT_UNIT = 4,
  CS_ENT_SCRIPT = 5,
  CS_ENT_COALITION = 6,
  CS_ENT_ENGAGEMENT = 7,
  CS_ENT_BENCH = 15
};

/* Derive an independent stream from (master seed, replicate, entity kind,
** entity id, purpose): all five are mixed through SplitMix64 into both the
** state and the increment, so distinct tuples give distinct, uncorrelated
** sequences and no two (entity, purpose) pairs share one. */
void cs_stream_init(cs_pcg32 *r, uint64_t master_seed, uint64_t replicate,
                    uint32_t entity_kind, uint64_t entity_id, uint32_t purpose);

/* The same stream re-keyed by a branch id ("many futures from one past",
** sim/README.md): the five fields as above, then the branch absorbed with a
** sixth constant. Every branch id, 0 included, gives a stream distinct from
** cs_stream_init's for the same tuple and from every other branch's. */
void cs_stream_init_branch(cs_pcg32 *r, uint64_t master_seed, uint64_t replicate, uint32_t entity_kind,
                           uint64_t entity_id, uint32_t purpose, uint64_t branch);

#endif
