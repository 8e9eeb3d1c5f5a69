/* fastmath.h (internal) - an exp that the compiler can vectorise.
 *
 * exp(x) = 2^k * exp(r) with k = round(x / ln 2) and r = x - k ln 2 in
 * [-ln2/2, ln2/2]; exp(r) by its Taylor series to r^7 (truncation error
 * below 6e-9 relative), 2^k by building the float's exponent bits. Plain
 * arithmetic only (no libm call), so loops over arrays vectorise; about 2 ulp
 * from expf over the clamped range [-87, 88]. */
#ifndef GB_FASTMATH_H
#define GB_FASTMATH_H

#include <stdint.h>
#include <string.h>

static inline float gb_fast_expf(float x) {
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    const float round_magic = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    float k = (x * 1.44269504088896341f + round_magic) - round_magic;
    /* ln 2 split in two so k * ln2_hi is exact */
    float r = (x - k * 0.693145751953125f) - k * 1.42860682030941723e-6f;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    int32_t bits = ((int32_t)k + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

#endif
