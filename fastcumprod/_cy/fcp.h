/* C helpers for the Cython kernels: the float16 type, torch's products with
 * its NaN bits, and torch's float-to-integer casts. */
#ifndef FASTCUMPROD_FCP_H
#define FASTCUMPROD_FCP_H
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* IEEE binary16, wrapped in a struct so that Cython sees a type of its own (a
 * bare typedef of _Float16 is "float" to Cython and makes fused
 * specialisations ambiguous).  The compiler's _Float16 casts (GCC >= 12,
 * Clang >= 15 on x86-64 and AArch64) round to nearest even, as numpy's and
 * torch's conversions do. */
typedef struct { _Float16 v; } fcp_half;

/* Bit casts (memcpy: the compiler emits a register move), for the helpers
 * below that read or make a value by its bits. */
#define FCP_BITCAST(name, From, To)                                          \
    static inline To name(From v)                                            \
    {                                                                        \
        To r;                                                                \
        memcpy(&r, &v, sizeof r);                                            \
        return r;                                                            \
    }
FCP_BITCAST(fcp_bits, double, int64_t)
FCP_BITCAST(fcp_bitsf, float, int32_t)
FCP_BITCAST(fcp_double_of_bits, uint64_t, double)
FCP_BITCAST(fcp_float_of_bits, uint32_t, float)
#undef FCP_BITCAST

static inline float fcp_half_to_float(fcp_half h) { return (float)h.v; }
static inline fcp_half fcp_half_from_float(float f) { fcp_half h; h.v = (_Float16)f; return h; }

/* Complex numbers as plain pairs, laid out as numpy's complex64/128.  Not
 * C99 complex: its product (__muldc3) rounds differently and patches inf/NaN
 * results, and Cython builds complex values as x + y*I, which turns an
 * infinite or NaN imaginary part into a NaN real part. */
typedef struct { float re, im; } fcp_c64;
typedef struct { double re, im; } fcp_c128;

static inline fcp_c64 fcp_c64_make(float re, float im) { fcp_c64 z = {re, im}; return z; }
static inline fcp_c128 fcp_c128_make(double re, double im) { fcp_c128 z = {re, im}; return z; }
/* c ? a : b without a branch (nancumprod's 1 for a NaN; Cython writes its
 * conditional expressions as if statements). */
static inline double fcp_select(int c, double a, double b) { return c ? a : b; }
static inline float fcp_selectf(int c, float a, float b) { return c ? a : b; }
/* nancumprod's factor of a real source, tested after its cast.  isnan, not
 * g != g: GCC 12 if-converts the one and not the other, whose rows then did
 * not vectorise (float32 rows: 2x plain cumprod's time). */
static inline double fcp_one_if_nan(double g) { return isnan(g) ? 1.0 : g; }
static inline float fcp_one_if_nanf(float f) { return isnan(f) ? 1.0f : f; }
/* The same for a lone chain, in vector registers: in a scalar loop GCC
 * selected through a general register (vmovq, cmovp, vmovq back: 1-D
 * float64 nancumprod, 1.21x plain cumprod's time); a compare's mask and
 * bitwise ops stay where the product is (1.04x).  == is quiet, as isnan. */
typedef double fcp_v2d __attribute__((vector_size(16)));
typedef int64_t fcp_v2l __attribute__((vector_size(16)));
static inline double fcp_one_if_nan_chain(double g)
{
    const fcp_v2d one = {1.0, 1.0};
    fcp_v2d v = {g, g};
    fcp_v2l keep = v == v;
    return ((fcp_v2d)(((fcp_v2l)v & keep) | ((fcp_v2l)one & ~keep)))[0];
}
/* The same, part by part. */
static inline fcp_c128 fcp_c128_select(int c, fcp_c128 a, fcp_c128 b)
{
    return fcp_c128_make(c ? a.re : b.re, c ? a.im : b.im);
}

/* x86's "default NaN", what an invalid operation (0 * inf, inf - inf) gives. */
static inline double fcp_default_nan(void)
{
    return fcp_double_of_bits(0xfff8000000000000u);
}

/* v with its quiet bit set, as an arithmetic instruction returns a NaN operand. */
static inline double fcp_quiet(double v)
{
    return fcp_double_of_bits((uint64_t)fcp_bits(v) | 0x0008000000000000u);
}

/* acc * x as torch's x86-64 build gives it, NaN bits included (SPEC 3): when
 * both are NaN, the accumulator's survives.  Which NaN an instruction returns
 * depends on its operand order, which the compiler may swap (it did in the
 * vectorised rows); the test pins it.  acc is always quiet (a product, or
 * 1), and a NaN x alone, or an invalid product, gives the same bits in either
 * order.  Two forms of one rule: a chain takes a branch that is never taken
 * until the lane is NaN (a select would lengthen its dependency chain: 2-D
 * float64 along the last axis 9 -> 16 ms); rows take a select, which
 * vectorises (a branch stops the vectoriser: float32 rows 7 -> 11 ms).
 * 2-core machine, into out=, best of 7. */
#define FCP_MUL(T, chain, rows)                                              \
    static inline T chain(T acc, T x)                                        \
    {                                                                        \
        if (__builtin_expect(acc != acc, 0)) return acc;                     \
        return acc * x;                                                      \
    }                                                                        \
    static inline T rows(T acc, T x)                                         \
    {                                                                        \
        T p = acc * x;                                                       \
        return isnan(acc) ? acc : p;                                         \
    }
FCP_MUL(double, fcp_mul, fcp_mul_rows)  /* float32, float64 results */
FCP_MUL(float, fcp_mulf, fcp_mulf_rows) /* float16 results */
#undef FCP_MUL

/* The NaN torch's complex product leaves in a part that came out NaN: the
 * first NaN of its operands in the order measured on torch 2.13.0's x86-64
 * build (every pair and 4000 triples of lanes of 0, -0, +-inf, 1.5, 2 and
 * three NaN payloads), else the default NaN of an invalid operation. */
static inline double fcp_nan_of(double p, double q, double r, double s)
{
    if (isnan(p)) return fcp_quiet(p);
    if (isnan(q)) return fcp_quiet(q);
    if (isnan(r)) return fcp_quiet(r);
    if (isnan(s)) return fcp_quiet(s);
    return fcp_default_nan();
}

/* (a+bi)(c+di) as torch's x86-64 build computes it: the compiler contracts
 * c10::complex's a*c - b*d into fma(a, c, -(b*d)) (SPEC 3); written out
 * because this build disables contraction.  Its NaN bits: re takes the first
 * NaN of c, a, d, b; im of d, a, c, b (the fma instructions pass a NaN
 * addend on without negating it). */
static inline fcp_c128 fcp_cmul(fcp_c128 x, fcp_c128 y)
{
    double re = fma(x.re, y.re, -(x.im * y.im));
    double im = fma(x.re, y.im, x.im * y.re);
    if (isnan(re)) re = fcp_nan_of(y.re, x.re, y.im, x.im);
    if (isnan(im)) im = fcp_nan_of(y.im, x.re, y.re, x.im);
    return fcp_c128_make(re, im);
}

/* (a+bi)(c+di) as numpy computes it: a*c - b*d and a*d + b*c, no fma, in
 * double (complex128) or in float (complex64: the parts are floats, and
 * each product and sum is rounded to float as numpy's complex64 loop does).
 * Verified bit for bit against numpy's build in the tests, NaN bits included.
 * FCP_UNFUSED keeps each product a product of its own: GCC 12's vectoriser
 * recognises a complex multiplication and emits fmas for it even under
 * -ffp-contract=off (x86-64-v3 rows of complex64 differed from numpy in
 * the last bit); __builtin_assoc_barrier stops that and still vectorises. */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#define FCP_UNFUSED(v) __builtin_assoc_barrier(v)
#else
#define FCP_UNFUSED(v) (v)
#endif
/* The NaN numpy's complex product leaves in a part that came out NaN, as
 * its x86-64 scalar loop computes p*q -/+ r*s: the first NaN of p, q; else
 * the default NaN if p*q was invalid; else the first NaN of r, s; else the
 * default NaN.  Which operand comes first in each product depends on how
 * numpy's build compiled it: measured over all 4096 combinations of 0, 1.5,
 * -2, inf and four NaN payloads for each of a, b, c, d (numpy 2.4). */
static inline double fcp_nan_of_products(double p, double q, double r, double s)
{
    if (isnan(p)) return fcp_quiet(p);
    if (isnan(q)) return fcp_quiet(q);
    if (isnan(p * q)) return fcp_default_nan();
    if (isnan(r)) return fcp_quiet(r);
    if (isnan(s)) return fcp_quiet(s);
    return fcp_default_nan();
}

/* complex128: re = a*c - d*b, im = a*d + c*b (in NaN order). */
static inline fcp_c128 fcp_cmul_numpy(fcp_c128 x, fcp_c128 y)
{
    double a = x.re, b = x.im, c = y.re, d = y.im;
    double re = FCP_UNFUSED(a * c) - FCP_UNFUSED(b * d);
    double im = FCP_UNFUSED(a * d) + FCP_UNFUSED(b * c);
    if (isnan(re)) re = fcp_nan_of_products(a, c, d, b);
    if (isnan(im)) im = fcp_nan_of_products(a, d, c, b);
    return fcp_c128_make(re, im);
}

/* complex64, in float: re = a*c - b*d, im = a*d + b*c (in NaN order).  Its
 * NaNs live in double here; float's NaN bits are double's high bits. */
static inline fcp_c128 fcp_cmulf_numpy(fcp_c128 x, fcp_c128 y)
{
    float a = (float)x.re, b = (float)x.im, c = (float)y.re, d = (float)y.im;
    double re = (double)(FCP_UNFUSED(a * c) - FCP_UNFUSED(b * d));
    double im = (double)(FCP_UNFUSED(a * d) + FCP_UNFUSED(b * c));
    if (isnan(re)) re = fcp_nan_of_products(x.re, y.re, x.im, y.im);
    if (isnan(im)) im = fcp_nan_of_products(x.re, y.im, x.im, y.re);
    return fcp_c128_make(re, im);
}

/* A float16 product as numpy computes it (in float, rounded to half by the
 * caller): when both are NaN, x's survives (numpy's half loop, measured). */
static inline float fcp_mulf_numpy(float acc, float x)
{
    float p = acc * x;
    return isnan(x) ? x + x : p;  /* x quieted, as a product would; a select */
}

/* v, available only once `after` is: an empty asm that says it reads both
 * and rewrites v, so the compiler cannot issue a product of v ahead of the
 * product that makes `after` (scan_pairs: the chain's multiply first; GCC
 * otherwise schedules the store's product ahead of it, and the one integer
 * multiplier, oldest first, then delays the chain by a cycle a step). */
static inline uint64_t fcp_after(uint64_t v, uint64_t after)
{
#if defined(__GNUC__)
    __asm__("" : "+r"(v) : "r"(after));
#endif
    return v;
}

/* Ask for the line at p ahead of its use, into the L2 cache (kernels.pyx:
 * the runs of the square and plane tiles, which lie too far apart, or run
 * down in memory, for the hardware prefetchers to follow; into L1 too was
 * no faster); fcp_prefetch_write for a line about to be written. */
static inline void fcp_prefetch(const void* p) { __builtin_prefetch(p, 0, 1); }
static inline void fcp_prefetch_write(const void* p) { __builtin_prefetch(p, 1, 3); }

/* The floating-point exceptions of a block, for numpy's error reporting
 * (np.errstate): cleared before the block, ORed into *fpe after it, from
 * whichever thread ran it. */
#include <fenv.h>
#define FCP_FE_OVERFLOW FE_OVERFLOW
#define FCP_FE_UNDERFLOW FE_UNDERFLOW
#define FCP_FE_INVALID FE_INVALID
#define FCP_FE_DIVBYZERO FE_DIVBYZERO
static inline void fcp_fpe_clear(void) { feclearexcept(FE_ALL_EXCEPT); }
static inline void fcp_fpe_collect(int* fpe)
{
    int raised = fetestexcept(FE_OVERFLOW | FE_UNDERFLOW | FE_INVALID | FE_DIVBYZERO);
    if (raised) __atomic_fetch_or(fpe, raised, __ATOMIC_RELAXED);
}
/* The exception flags as they stand, and put back: a lane's absorbing check
 * (kernels.pyx, absorb) multiplies ahead of the chain and must leave only
 * the flags the chain itself raises. */
typedef struct { fexcept_t f; } fcp_flags;
static inline fcp_flags fcp_fpe_save(void)
{
    fcp_flags s;
    fegetexceptflag(&s.f, FE_ALL_EXCEPT);
    return s;
}
static inline void fcp_fpe_restore(fcp_flags s) { fesetexceptflag(&s.f, FE_ALL_EXCEPT); }

/* The sign bit of a double as 0 or 1, -0.0 and NaNs included (vectorises). */
static inline int fcp_signbit(double g)
{
    return (int)((uint64_t)fcp_bits(g) >> 63);
}
/* Whether a double is 0, subnormal, inf or NaN, by its bits: an ordered
 * compare (a < DBL_MIN) would raise 'invalid' on a NaN, which numpy's
 * errstate would report (tests/test_absorbing.py). */
static inline int fcp_absorbing(double a)
{
    uint64_t bits = (uint64_t)fcp_bits(a) & 0x7fffffffffffffffu;
    return bits < 0x0010000000000000u || bits >= 0x7ff0000000000000u;
}

/* The float factors f for which a lane's accumulator A (its magnitude: 0, a
 * subnormal or inf, in double) stays where it is: A * (double)|f| == A holds
 * on an interval of |f| that contains 1, the rounded product being monotone
 * in |f|.  Its ends, by bisection over the bit patterns of non-negative
 * floats, which are ordered as their values (kernels.pyx, absorb: a float
 * factor tested by two compares, 8 to a vector, instead of a widening
 * product).  Its products raise flags of their own: put back. */
static inline void fcp_stay_rangef(double A, float* lo, float* hi)
{
    fcp_flags saved = fcp_fpe_save();
    uint32_t a = 0, b = 0x3f800000u, m;  /* the first that stays, in [0, 1.0] */
    while (a < b) {
        m = a + (b - a) / 2;
        if (A * (double)fcp_float_of_bits(m) == A) b = m; else a = m + 1;
    }
    *lo = fcp_float_of_bits(a);
    a = 0x3f800000u;  /* the last that stays, in [1.0, inf] */
    b = 0x7f800000u;
    while (a < b) {
        m = a + (b - a + 1) / 2;
        if (A * (double)fcp_float_of_bits(m) == A) a = m; else b = m - 1;
    }
    *hi = fcp_float_of_bits(a);
    fcp_fpe_restore(saved);
}

/* The same interval for a double factor g, as the bit patterns of |g|
 * (non-negative doubles are ordered as their patterns, and NaNs lie above
 * inf's): absorb tests a factor by two integer compares, with no product.
 * The chain's product A * |g| with A subnormal runs at the latency of
 * microcode even in a vector (2**25 float64 factors in [0.9, 1.1], stuck
 * at the smallest subnormal, into out=: 2.0x np.copyto's time with the
 * product, 1.0x with the compares).  The integer compares raise no flags;
 * absorb raises the chain's own (underflow, where a subnormal A is
 * multiplied by a factor other than +-1) with fcp_raise_underflow. */
#define FCP_MAGNITUDE 0x7fffffffffffffff
#define FCP_INF_BITS 0x7ff0000000000000
#define FCP_ONE_BITS 0x3ff0000000000000
static inline void fcp_stay_range(double A, int64_t* lo, int64_t* hi)
{
    fcp_flags saved = fcp_fpe_save();
    uint64_t a = 0, b = FCP_ONE_BITS, m;  /* the first that stays, in [0, 1.0] */
    while (a < b) {
        m = a + (b - a) / 2;
        if (A * fcp_double_of_bits(m) == A) b = m; else a = m + 1;
    }
    *lo = (int64_t)a;
    a = FCP_ONE_BITS;  /* the last that stays, in [1.0, inf] */
    b = 0x7ff0000000000000u;
    while (a < b) {
        m = a + (b - a + 1) / 2;
        if (A * fcp_double_of_bits(m) == A) a = m; else b = m - 1;
    }
    *hi = (int64_t)a;
    fcp_fpe_restore(saved);
}
/* The flags of a subnormal product that rounds (underflow and inexact),
 * as the stuck chain's products raise them (numpy's errstate reports
 * underflow). */
static inline void fcp_raise_underflow(void)
{
    volatile double tiny = 4.9406564584124654e-324, r;
    r = tiny * 0.75;
    (void)r;
}

/* absorb's test of float64 factors read downwards, x[0], x[-1], ...,
 * x[-(c-1)] (a reverse scan's), c a multiple of 4: whether the magnitude of
 * one lies outside [lo, hi] (fcp_stay_range: bit patterns), in *neg
 * whether one is negative; skipnan: NaN factors masked out (nancumprod).
 * In vectors of 4 read upwards (the test is an OR, so any order gives it):
 * GCC kept absorb's loop downwards scalar (1-D float64 stuck at a
 * subnormal, reverse: 1.7x the forward scan's time).  absorb tests the rest
 * of a chunk itself. */
#if defined(__AVX__)
#define FCP_MOVES_DOWN 1
#else
/* SSE2 only: GCC splits the 32-byte vectors through memory, 4x slower than
 * the loop it replaces; absorb keeps that loop. */
#define FCP_MOVES_DOWN 0
#endif
typedef double fcp_v4d __attribute__((vector_size(32), aligned(8)));
typedef int64_t fcp_v4l __attribute__((vector_size(32), aligned(8)));
typedef float fcp_v4f __attribute__((vector_size(16)));
typedef int32_t fcp_v4i __attribute__((vector_size(16)));
/* One body for each width of the bits tested: VI vectors of 4 elements of
 * type E, bits(g) those of 4 float64 factors g, with magnitude and inf's
 * bit patterns in that width. */
#define FCP_MOVES_DOWN_AS(name, VI, E, bits, magnitude_bits, inf_bits)         \
static inline int name(const double* x, ptrdiff_t c, E lo, E hi, int skipnan,  \
                       int* neg)                                               \
{                                                                              \
    const VI magnitude = {magnitude_bits, magnitude_bits, magnitude_bits,      \
                          magnitude_bits};                                     \
    const VI vlo = {lo, lo, lo, lo}, vhi = {hi, hi, hi, hi};                   \
    const VI inf = {inf_bits, inf_bits, inf_bits, inf_bits};                   \
    VI bad = {0, 0, 0, 0}, sign = {0, 0, 0, 0};                                \
    E e[4];                                                                    \
    ptrdiff_t t;                                                               \
    if (skipnan) {                                                             \
        for (t = 0; t < c; t += 4) {                                           \
            VI b = bits(*(const fcp_v4d*)(x - t - 3));  /* (unaligned) */      \
            VI m = b & magnitude;                                              \
            VI counts = m <= inf;  /* not NaN, by the bits (absorb) */         \
            bad |= (m < vlo) | ((m > vhi) & counts);                           \
            sign |= b & counts;                                                \
        }                                                                      \
    } else {                                                                   \
        for (t = 0; t < c; t += 4) {                                           \
            VI b = bits(*(const fcp_v4d*)(x - t - 3));  /* (unaligned) */      \
            VI m = b & magnitude;                                              \
            bad |= (m < vlo) | (m > vhi);                                      \
            sign |= b;                                                         \
        }                                                                      \
    }                                                                          \
    sign &= ~magnitude;                                                        \
    memcpy(e, &sign, sizeof e);                                                \
    *neg = (e[0] | e[1] | e[2] | e[3]) != 0;                                   \
    memcpy(e, &bad, sizeof e);                                                 \
    return (e[0] | e[1] | e[2] | e[3]) != 0;                                   \
}
#define FCP_BITS64(g) ((fcp_v4l)(g))
#define FCP_BITS32(g) ((fcp_v4i)__builtin_convertvector((g), fcp_v4f))
FCP_MOVES_DOWN_AS(fcp_moves_down, fcp_v4l, int64_t, FCP_BITS64, INT64_MAX, FCP_INF_BITS)
/* fcp_moves_down for float64 factors of a float32 result: each cast to
 * float first (as absorb's float_factor does), its bits tested against the
 * float range (fcp_stay_rangef).  At stride -1 GCC kept that loop scalar
 * too (1-D float64 with dtype=float32 stuck at a subnormal, reverse: 2.3x
 * the forward scan's time, nancumprod reverse 3.4x). */
FCP_MOVES_DOWN_AS(fcp_moves_downf, fcp_v4i, int32_t, FCP_BITS32, INT32_MAX, 0x7f800000)
#undef FCP_BITS32
#undef FCP_BITS64
#undef FCP_MOVES_DOWN_AS

/* Floating values to integer results as torch's x86-64 build casts them
 * (fastcumprod._dtypes.FLOAT_TO_INT_VIA): truncated toward zero into int32 or
 * int64, NaN and values out of range giving the minimum (cvttsd2si's rule,
 * written here without C's undefined behaviour); uint64 converts [2**63,
 * 2**64) exactly, and gives 0 above. */
static inline uint64_t fcp_via_i32(double v)
{
    return (uint64_t)(int64_t)((v > -0x1p31 - 1.0 && v < 0x1p31) ? (int32_t)v : INT32_MIN);
}

static inline uint64_t fcp_via_i64(double v)
{
    return (uint64_t)((v >= -0x1p63 && v < 0x1p63) ? (int64_t)v : INT64_MIN);
}

static inline uint64_t fcp_via_u64(double v)
{
    return v >= 0x1p63 ? fcp_via_i64(v - 0x1p63) ^ 0x8000000000000000u : fcp_via_i64(v);
}
/* How rows keep the NaN rule (kernels.pyx, scan_block): with AVX2, plain
 * products and a NaN flag reduced along each row, switching to the select
 * once a lane is NaN (2048x8192 float64 along 0, one thread: 7.9 ms, with a
 * select in every product 11.4); without, the select (SSE2 has no blend:
 * the flag cost more there, 12.4 ms against 10.5). */
#if defined(__AVX2__)
#define FCP_ROWS_FLAG 1
#else
#define FCP_ROWS_FLAG 0
#endif

/* Blocks of a transpose that moves bits (kernels.pyx, cast_across, where
 * source and result have one type): b[o + i * bs] = x[o * xs + i] for an
 * 8x8 block of 32-bit elements or a 4x4 block of 64-bit ones (strides in
 * elements), through AVX registers, whose loads, shuffles and stores keep
 * every bit (signalling NaNs too).  Element by element, the casts of 2-D
 * float32 8192x4096 F into C along 0 took as long as the scan itself.
 * Without AVX2, FCP_TRANSPOSE is 0 and the kernels cast element by element. */
#if defined(__AVX2__)
#include <immintrin.h>
#define FCP_TRANSPOSE 1
/* An 8x8 block of 32-bit elements, rows xs apart, into r[0..7]: r[k] holds
 * element k of each row. */
static inline __attribute__((always_inline)) void
fcp_t8(const float* X, ptrdiff_t xs, __m256* r)
{
    __m256 r0 = _mm256_loadu_ps(X), r1 = _mm256_loadu_ps(X + xs);
    __m256 r2 = _mm256_loadu_ps(X + 2 * xs), r3 = _mm256_loadu_ps(X + 3 * xs);
    __m256 r4 = _mm256_loadu_ps(X + 4 * xs), r5 = _mm256_loadu_ps(X + 5 * xs);
    __m256 r6 = _mm256_loadu_ps(X + 6 * xs), r7 = _mm256_loadu_ps(X + 7 * xs);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xee);
    __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xee);
    __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xee);
    __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xee);
    r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
    r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
    r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
    r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
    r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
    r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
    r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
    r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

static inline void fcp_transpose32(const void* x, ptrdiff_t xs, void* b, ptrdiff_t bs)
{
    __m256 r[8];
    int k;
    fcp_t8((const float*)x, xs, r);
    for (k = 0; k < 8; k++)
        _mm256_storeu_ps((float*)b + k * bs, r[k]);
}

/* A 4x4 block of 64-bit elements, rows xs apart, into r[0..3]: r[k] holds
 * element k of each row. */
static inline __attribute__((always_inline)) void
fcp_t4(const double* X, ptrdiff_t xs, __m256d* r)
{
    __m256d r0 = _mm256_loadu_pd(X), r1 = _mm256_loadu_pd(X + xs);
    __m256d r2 = _mm256_loadu_pd(X + 2 * xs), r3 = _mm256_loadu_pd(X + 3 * xs);
    __m256d t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1);
    __m256d t2 = _mm256_unpacklo_pd(r2, r3), t3 = _mm256_unpackhi_pd(r2, r3);
    r[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
    r[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
    r[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
    r[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
}

static inline void fcp_transpose64(const void* x, ptrdiff_t xs, void* b, ptrdiff_t bs)
{
    __m256d r[4];
    int k;
    fcp_t4((const double*)x, xs, r);
    for (k = 0; k < 4; k++)
        _mm256_storeu_pd((double*)b + k * bs, r[k]);
}

/* Mixed layouts of float32 and float64 where x runs along each lane and y
 * across the lanes (a Fortran input into a C out= along 0; torch's float64
 * accumulator): transposed and scanned in registers, 16 lanes at a time (a
 * 64-byte line of a float32 row of y, two of float64), with no buffer
 * between (kernels.pyx, cast_block).  Through the tile buffer the scan of
 * a float32 tile took about np.copyto's time by itself.  The other way round (x runs across
 * the lanes, y along them: along 1) stays in the buffer: blocks of 16x16
 * through registers, walked along x's rows or down 16 lanes, took
 * 1.15-1.3x its time (their 64-byte writes hop between y's runs, where the
 * buffer's scan writes each run whole).  Taken on AMD CPUs only: on an
 * Intel Xeon they took 1.6-2.0x the buffer's time (kernels.pyx:
 * tiles_in_registers).  The variants handled here: exclusive 1, skip NaN 2
 * (kernels.pyx's F_*). */
#define FCP_ACROSS 1
#define FCP_ACROSS_EXCLUSIVE 1
#define FCP_ACROSS_SKIPNAN 2

/* acc * x with acc vmulpd's first source: of two NaNs it returns the first,
 * the accumulator's (FCP_MUL's rule), written out so that the compiler
 * cannot swap the operands of a commutative product.  x is never a
 * signalling NaN (a widened float). */
static inline __m256d fcp_mul_acc(__m256d acc, __m256d x)
{
    __m256d r;
    __asm__("vmulpd %2, %1, %0" : "=x"(r) : "x"(acc), "xm"(x));
    return r;
}

static inline __m256 fcp_narrow(__m256d lo, __m256d hi)
{
    return _mm256_set_m128(_mm256_cvtpd_ps(hi), _mm256_cvtpd_ps(lo));
}

/* One step of 8 lanes: factors v, accumulators a[0] (lanes 0-3), a[1];
 * returns what the step stores. */
static inline __attribute__((always_inline)) __m256
fcp_step8(__m256 v, __m256d* a, int variant)
{
    __m256 before = _mm256_setzero_ps();
    if (variant & FCP_ACROSS_SKIPNAN)
        v = _mm256_blendv_ps(v, _mm256_set1_ps(1.0f), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    if (variant & FCP_ACROSS_EXCLUSIVE)
        before = fcp_narrow(a[0], a[1]);
    a[0] = fcp_mul_acc(a[0], _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
    a[1] = fcp_mul_acc(a[1], _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
    return (variant & FCP_ACROSS_EXCLUSIVE) ? before : fcp_narrow(a[0], a[1]);
}

/* 16 lanes of n steps where x runs along each lane (x[l * xs + s], down:
 * x[l * xs - s], a reverse scan's) and y along the lanes (y[s * ys + l]);
 * acc: the lanes' 16 carries, read and left.  Each 8x8 block of x is
 * transposed in registers and its rows scanned in step order.  ahead: the
 * first line of x's next 16 lanes at each step 16 is asked for, which the
 * hardware prefetchers do not see coming (runs far apart). */
static inline __attribute__((always_inline)) void
fcp_across_in(const float* x, ptrdiff_t xs, float* y, ptrdiff_t ys, ptrdiff_t n,
              double* acc, int down, int ahead, int variant)
{
    __m256d a[4];
    __m256 r[8];
    ptrdiff_t i = 0, k, l, h;
    for (h = 0; h < 4; h++)
        a[h] = _mm256_loadu_pd(acc + 4 * h);
    for (; i + 8 <= n; i += 8) {
        if (ahead && (i & 15) == 0)
            for (l = 16; l < 32; l++)
                __builtin_prefetch(down ? x + l * xs - i - 15 : x + l * xs + i, 0, 1);
        for (h = 0; h < 2; h++) {
            fcp_t8(down ? x + 8 * h * xs - i - 7 : x + 8 * h * xs + i, xs, r);
            for (k = 0; k < 8; k++)
                _mm256_storeu_ps(y + (i + k) * ys + 8 * h,
                                 fcp_step8(r[down ? 7 - k : k], a + 2 * h, variant));
        }
    }
    for (; i < n; i++) {
        float v[16];
        for (l = 0; l < 16; l++)
            v[l] = down ? x[l * xs - i] : x[l * xs + i];
        for (h = 0; h < 2; h++)
            _mm256_storeu_ps(y + i * ys + 8 * h,
                             fcp_step8(_mm256_loadu_ps(v + 8 * h), a + 2 * h, variant));
    }
    for (h = 0; h < 4; h++)
        _mm256_storeu_pd(acc + 4 * h, a[h]);
}

/* One step of 4 float64 lanes: factors v, accumulator a; returns what the
 * step stores. */
static inline __attribute__((always_inline)) __m256d
fcp_step4(__m256d v, __m256d* a, int variant)
{
    __m256d before = *a;
    if (variant & FCP_ACROSS_SKIPNAN)
        v = _mm256_blendv_pd(v, _mm256_set1_pd(1.0), _mm256_cmp_pd(v, v, _CMP_UNORD_Q));
    *a = fcp_mul_acc(*a, v);
    return (variant & FCP_ACROSS_EXCLUSIVE) ? before : *a;
}

/* fcp_across_in for float64: 4x4 blocks.  A signalling NaN in x is
 * quieted by the product as by any (and of two NaNs vmulpd returns its
 * first source, signalling or not: the accumulator's). */
static inline __attribute__((always_inline)) void
fcp_across_in64(const double* x, ptrdiff_t xs, double* y, ptrdiff_t ys, ptrdiff_t n,
                double* acc, int down, int ahead, int variant)
{
    __m256d a[4], r[4];
    ptrdiff_t i = 0, k, l, h;
    for (h = 0; h < 4; h++)
        a[h] = _mm256_loadu_pd(acc + 4 * h);
    for (; i + 4 <= n; i += 4) {
        if (ahead && (i & 7) == 0)
            for (l = 16; l < 32; l++)
                __builtin_prefetch(down ? x + l * xs - i - 7 : x + l * xs + i, 0, 1);
        for (h = 0; h < 4; h++) {
            fcp_t4(down ? x + 4 * h * xs - i - 3 : x + 4 * h * xs + i, xs, r);
            for (k = 0; k < 4; k++)
                _mm256_storeu_pd(y + (i + k) * ys + 4 * h,
                                 fcp_step4(r[down ? 3 - k : k], a + h, variant));
        }
    }
    for (; i < n; i++) {
        double v[16];
        for (l = 0; l < 16; l++)
            v[l] = down ? x[l * xs - i] : x[l * xs + i];
        for (h = 0; h < 4; h++)
            _mm256_storeu_pd(y + i * ys + 4 * h,
                             fcp_step4(_mm256_loadu_pd(v + 4 * h), a + h, variant));
    }
    for (h = 0; h < 4; h++)
        _mm256_storeu_pd(acc + 4 * h, a[h]);
}

/* A reverse scan's strip: its 16 runs of n elements of es bytes (each
 * ending at x + l * xs bytes) copied upwards into stage, sn bytes apart,
 * the next strip's runs asked for meanwhile (ahead).  Read downwards where
 * they lie, 32 bytes a lane at a time, they took 1.6-1.7x the forward
 * scan's time; copied upwards and read downwards from the L1 cache,
 * 1.2-1.3x (one thread, 2-D float32 8192x4096 Fortran into C along 0, a C
 * loop of cast_block's; writing y downwards cost nothing). */
static inline void fcp_stage_up(const char* x, ptrdiff_t xs, ptrdiff_t n, ptrdiff_t es,
                                char* stage, ptrdiff_t sn, int ahead)
{
    ptrdiff_t l, q, bytes = n * es;
    x -= bytes - es;
    for (l = 0; l < 16; l++) {
        if (ahead) {
            for (q = 0; q < bytes; q += 64)
                __builtin_prefetch(x + (l + 16) * xs + q, 0, 1);
            __builtin_prefetch(x + (l + 16) * xs + bytes - 1, 0, 1);
        }
        memcpy(stage + l * sn, x + l * xs, bytes);
    }
}

/* One call of a strip's scan with its flags as constants: each of the 16
 * combinations of (variant, down, ahead) compiles to a loop of its own.
 * The strip's x: sx, lanes sxs apart. */
#define FCP_STRIP(fn, T, d, ah, v)                                           \
    fn((const T*)sx, sxs, (T*)y + j, ys_n, n, carry + j, d, ah, v)
#define FCP_STRIPS(fn, T, v)                                                 \
    if (down) {                                                              \
        if (ahead) FCP_STRIP(fn, T, 1, 1, v); else FCP_STRIP(fn, T, 1, 0, v); \
    } else {                                                                 \
        if (ahead) FCP_STRIP(fn, T, 0, 1, v); else FCP_STRIP(fn, T, 0, 0, v); \
    }
#define FCP_VARIANTS(fn, T)                                                  \
    switch (variant) {                                                       \
    case 0: FCP_STRIPS(fn, T, 0); break;                                     \
    case 1: FCP_STRIPS(fn, T, 1); break;                                     \
    case 2: FCP_STRIPS(fn, T, 2); break;                                     \
    default: FCP_STRIPS(fn, T, 3); break;                                    \
    }

/* The first lanes of a tile of m lanes, n steps, 16 at a time (carry:
 * one double a lane), of 32-bit (float32) or 64-bit (float64) elements,
 * where x runs along each lane (xs_n = +-1; for -1 through
 * stage: room for stage_size elements, 16 * (n + 16) or more) and y across
 * them (ys_m = 1);
 * returns how many lanes it took (0 in other layouts; the rest go through
 * the tile buffer).  Strides in elements. */
static inline ptrdiff_t fcp_across(const void* x, ptrdiff_t xs_m, ptrdiff_t xs_n, void* y,
                                   ptrdiff_t ys_m, ptrdiff_t ys_n, double* carry,
                                   ptrdiff_t m, ptrdiff_t n, int variant, int bits,
                                   void* stage, ptrdiff_t stage_size)
{
    ptrdiff_t j = 0, sxs, sn = n + 16;
    const void* sx;
    /* A reverse scan's strips are staged (fcp_stage_up): 2-D 8192x4096
     * float32 Fortran into C along 0, one thread, 32.5-33.3 ms (the
     * forward scan 27.6-28.3, the buffer 43.9-44.4), read downwards where
     * they lie 34.5-36.5.  float64 the same way in tiles of runs of 256
     * bytes (kernels.pyx: cast_block), where lanes are 8 tiles long or
     * longer: 2-D 4096x4096 along 0, 1.25-1.39x the forward scan's time
     * through the buffer, 0.86-1.0x staged; shorter ones keep the buffer
     * (3-D (64, 512, 512) along 0: staged 1.16-1.28x, the buffer
     * 1.06-1.11x). */
    ptrdiff_t es = bits / 8;
    if ((xs_n == 1 || (xs_n == -1 && 16 * sn <= stage_size)) && ys_m == 1) {
        int down = xs_n < 0;
        for (; j + 16 <= m; j += 16) {
            int ahead = j + 32 <= m;
            sx = (const char*)x + j * xs_m * es;
            sxs = xs_m;
            if (down) {
                fcp_stage_up((const char*)sx, xs_m * es, n, es, (char*)stage, sn * es, ahead);
                sx = (const char*)stage + (n - 1) * es;
                sxs = sn;
                ahead = 0;
            }
            if (bits == 32) {
                FCP_VARIANTS(fcp_across_in, float)
            } else {
                FCP_VARIANTS(fcp_across_in64, double)
            }
        }
    }
    return j;
}
#undef FCP_VARIANTS
#undef FCP_STRIPS
#undef FCP_STRIP
#else
#define FCP_TRANSPOSE 0
static inline void fcp_transpose32(const void* x, ptrdiff_t xs, void* b, ptrdiff_t bs)
{
    (void)x; (void)xs; (void)b; (void)bs;
}
static inline void fcp_transpose64(const void* x, ptrdiff_t xs, void* b, ptrdiff_t bs)
{
    (void)x; (void)xs; (void)b; (void)bs;
}
#define FCP_ACROSS 0
static inline ptrdiff_t fcp_across(const void* x, ptrdiff_t xs_m, ptrdiff_t xs_n, void* y,
                                   ptrdiff_t ys_m, ptrdiff_t ys_n, double* carry,
                                   ptrdiff_t m, ptrdiff_t n, int variant, int bits,
                                   void* stage, ptrdiff_t stage_size)
{
    (void)x; (void)xs_m; (void)xs_n; (void)y; (void)ys_m; (void)ys_n; (void)carry;
    (void)m; (void)n; (void)variant; (void)bits; (void)stage; (void)stage_size;
    return 0;
}
#endif

/* Whether this CPU is an AMD one: the only kind on which the mixed tiles
 * through registers were measured faster than through the buffer
 * (kernels.pyx: tiles_in_registers). */
static inline int fcp_cpu_is_amd(void)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    return __builtin_cpu_is("amd");
#else
    return 0;
#endif
}

/* Whether this CPU runs code built for x86-64-v3 (fastcumprod/_kernels.py). */
static inline int fcp_cpu_has_x86_64_v3(void)
{
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
    return __builtin_cpu_supports("x86-64-v3");
#elif defined(__x86_64__) && defined(__clang__)
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
        && __builtin_cpu_supports("bmi2");
#else
    return 0;
#endif
}
#endif
