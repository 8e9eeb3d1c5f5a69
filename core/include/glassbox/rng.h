/* glassbox/rng.h - the project's own seeded random generator.
 *
 * Samples must be the same on every platform and every C library, so glassbox
 * never calls rand(): it uses xoshiro256** (Blackman and Vigna) seeded through
 * splitmix64, both defined by integer arithmetic on uint64_t only. A double in
 * [0, 1) takes the top 53 bits of one output, so it is exact and portable.
 *
 *   gb_rng r;
 *   gb_rng_seed(&r, 42);
 *   double u = gb_rng_double(&r);       // [0, 1)
 *
 * Generation does not share one stream between steps: the draw for a step is
 * gb_rng_derive_double(seed, step, branch), a pure function of its arguments,
 * so re-sampling a step any number of times never shifts later draws.
 */
#ifndef GLASSBOX_RNG_H
#define GLASSBOX_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gb_rng {
    uint64_t s[4]; /* xoshiro256** state; never all zero */
} gb_rng;

/* splitmix64: advances *state and returns the next output. */
uint64_t gb_splitmix64(uint64_t *state);
/* Seed the four state words from splitmix64(seed). Any seed is valid. */
void gb_rng_seed(gb_rng *r, uint64_t seed);
uint64_t gb_rng_next(gb_rng *r);          /* 64 random bits */
double gb_rng_double(gb_rng *r);          /* [0, 1), 53 bits */
float gb_rng_float(gb_rng *r);            /* [0, 1), 24 bits */
/* A double in [0, 1) that depends only on (seed, a, b): a generator seeded by a
 * mix of the three, first output. Used as (seed, step index, branch id). */
double gb_rng_derive_double(uint64_t seed, uint64_t a, uint64_t b);

#ifdef __cplusplus
}
#endif
#endif
