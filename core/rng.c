/* rng.c - xoshiro256** seeded by splitmix64: portable, reproducible randomness. */
#include "glassbox/rng.h"

uint64_t gb_splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void gb_rng_seed(gb_rng *r, uint64_t seed) {
    uint64_t sm = seed;
    for (int i = 0; i < 4; i++) r->s[i] = gb_splitmix64(&sm);
    /* splitmix64 is a bijection of its counter, so four consecutive outputs are
     * never all zero; keep the guard anyway since the all-zero state is fatal. */
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3])) r->s[0] = 1;
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t gb_rng_next(gb_rng *r) {
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double gb_rng_double(gb_rng *r) { return (double)(gb_rng_next(r) >> 11) * 0x1.0p-53; }

float gb_rng_float(gb_rng *r) { return (float)(gb_rng_next(r) >> 40) * 0x1.0p-24f; }

double gb_rng_derive_double(uint64_t seed, uint64_t a, uint64_t b) {
    /* Mix each input through splitmix64 before combining so that nearby
     * (step, branch) pairs give unrelated generators. */
    uint64_t sa = a ^ 0x5851F42D4C957F2Dull, sb = b ^ 0x14057B7EF767814Full, ss = seed;
    uint64_t mixed = gb_splitmix64(&ss) ^ rotl(gb_splitmix64(&sa), 21) ^ rotl(gb_splitmix64(&sb), 42);
    gb_rng r;
    gb_rng_seed(&r, mixed);
    return gb_rng_double(&r);
}
