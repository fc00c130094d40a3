/* C helpers for the Cython kernels: the float16 type and torch's complex product. */
#ifndef FASTCUMPROD_FCP_H
#define FASTCUMPROD_FCP_H
#include <complex.h>
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

/* (a+bi)(c+di) as torch's x86-64 build computes it: the compiler contracts
 * c10::complex's a*c - b*d into fma(a, c, -(b*d)) (SPEC 3).  Written out here
 * because C99's complex product (__muldc3) rounds differently and patches
 * inf/NaN results, and because the build disables contraction. */
static inline double complex fcp_cmul(double complex x, double complex y)
{
    double a = creal(x), b = cimag(x), c = creal(y), d = cimag(y);
    return CMPLX(fma(a, c, -(b * d)), fma(a, d, b * c));
}
#endif
