/* C helpers for the Cython kernels: the float16 type and torch's complex product. */
#ifndef FASTCUMPROD_FCP_H
#define FASTCUMPROD_FCP_H
#include <math.h>

/* IEEE binary16, wrapped in a struct so that Cython sees a type of its own (a
 * bare typedef of _Float16 is "float" to Cython and makes fused
 * specialisations ambiguous).  The compiler's _Float16 casts (GCC >= 12,
 * Clang >= 15 on x86-64 and AArch64) round to nearest even, as numpy's and
 * torch's conversions do. */
typedef struct { _Float16 v; } fcp_half;

static inline float fcp_half_to_float(fcp_half h) { return (float)h.v; }
static inline fcp_half fcp_half_from_float(float f) { fcp_half h; h.v = (_Float16)f; return h; }
/* double -> half in one rounding, as numpy's npy_double_to_half */
static inline fcp_half fcp_half_from_double(double d) { fcp_half h; h.v = (_Float16)d; return h; }

/* Complex numbers as plain pairs, laid out as numpy's complex64/128.  Not
 * C99 complex: its product (__muldc3) rounds differently and patches inf/NaN
 * results, and Cython builds complex values as x + y*I, which turns an
 * infinite or NaN imaginary part into a NaN real part. */
typedef struct { float re, im; } fcp_c64;
typedef struct { double re, im; } fcp_c128;

static inline fcp_c64 fcp_c64_make(float re, float im) { fcp_c64 z = {re, im}; return z; }
static inline fcp_c128 fcp_c128_make(double re, double im) { fcp_c128 z = {re, im}; return z; }

/* (a+bi)(c+di) as torch's x86-64 build computes it: the compiler contracts
 * c10::complex's a*c - b*d into fma(a, c, -(b*d)) (SPEC 3); written out
 * because this build disables contraction. */
static inline fcp_c128 fcp_cmul(fcp_c128 x, fcp_c128 y)
{
    return fcp_c128_make(fma(x.re, y.re, -(x.im * y.im)), fma(x.re, y.im, x.im * y.re));
}
#endif
