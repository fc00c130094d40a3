# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Typed serial cumprod kernels: the arithmetic of a lane (SPEC 3).  fastcumprod._dispatch
hands them planned calls (fastcumprod._layout)."""

from libc.math cimport fabs, isinf, isnan
from libc.stdlib cimport free, labs, malloc
from libc.string cimport memcpy
from libc.stdint cimport (int8_t, int16_t, int32_t, int64_t,
                          uint8_t, uint16_t, uint32_t, uint64_t)
cimport numpy as cnp

cnp.import_array()

cdef extern from "fcp.h":
    ctypedef struct fcp_half:
        pass
    float fcp_half_to_float(fcp_half) noexcept nogil
    fcp_half fcp_half_from_float(float) noexcept nogil
    ctypedef struct fcp_c64:
        float re
        float im
    ctypedef struct fcp_c128:
        double re
        double im
    fcp_c64 fcp_c64_make(float, float) noexcept nogil
    fcp_c128 fcp_c128_make(double, double) noexcept nogil
    fcp_c128 fcp_c128_select(int, fcp_c128, fcp_c128) noexcept nogil
    double fcp_select(int, double, double) noexcept nogil
    double fcp_quiet(double) noexcept nogil
    float fcp_selectf(int, float, float) noexcept nogil
    double fcp_one_if_nan(double) noexcept nogil
    double fcp_one_if_nan_chain(double) noexcept nogil
    float fcp_one_if_nanf(float) noexcept nogil
    fcp_c128 fcp_cmul(fcp_c128, fcp_c128) noexcept nogil
    fcp_c128 fcp_cmul_numpy(fcp_c128, fcp_c128) noexcept nogil
    fcp_c128 fcp_cmulf_numpy(fcp_c128, fcp_c128) noexcept nogil
    void fcp_fpe_clear() noexcept nogil
    void fcp_fpe_collect(int*) noexcept nogil
    ctypedef struct fcp_flags:
        pass
    fcp_flags fcp_fpe_save() noexcept nogil
    void fcp_fpe_restore(fcp_flags) noexcept nogil
    int fcp_signbit(double) noexcept nogil
    int fcp_absorbing(double) noexcept nogil
    void fcp_stay_rangef(double, float*, float*) noexcept nogil
    int64_t fcp_bits(double) noexcept nogil
    int32_t fcp_bitsf(float) noexcept nogil
    enum: FCP_MAGNITUDE, FCP_INF_BITS
    void fcp_stay_range(double, int64_t*, int64_t*) noexcept nogil
    void fcp_raise_underflow() noexcept nogil
    enum: FCP_ONE_BITS
    int fcp_moves_down(const double*, Py_ssize_t, int64_t, int64_t, int, int*) noexcept nogil
    int fcp_moves_downf(const double*, Py_ssize_t, int32_t, int32_t, int, int*) noexcept nogil
    enum: FCP_MOVES_DOWN
    enum: FCP_FE_OVERFLOW, FCP_FE_UNDERFLOW, FCP_FE_INVALID, FCP_FE_DIVBYZERO
    double fcp_mul(double, double) noexcept nogil
    double fcp_mul_rows(double, double) noexcept nogil
    float fcp_mulf(float, float) noexcept nogil
    float fcp_mulf_rows(float, float) noexcept nogil
    float fcp_mulf_numpy(float, float) noexcept nogil
    uint64_t fcp_via_i32(double) noexcept nogil
    uint64_t fcp_via_i64(double) noexcept nogil
    uint64_t fcp_via_u64(double) noexcept nogil
    int fcp_cpu_has_x86_64_v3() noexcept nogil
    int fcp_cpu_is_amd() noexcept nogil
    uint64_t fcp_after(uint64_t, uint64_t) noexcept nogil
    void fcp_prefetch(const void*) noexcept nogil
    void fcp_transpose32(const void*, Py_ssize_t, void*, Py_ssize_t) noexcept nogil
    void fcp_transpose64(const void*, Py_ssize_t, void*, Py_ssize_t) noexcept nogil
    enum: FCP_TRANSPOSE
    enum: FCP_ACROSS
    Py_ssize_t fcp_across(const void*, Py_ssize_t, Py_ssize_t, void*, Py_ssize_t,
                          Py_ssize_t, double*, Py_ssize_t, Py_ssize_t, int, int, void*,
                          Py_ssize_t) noexcept nogil
    void fcp_prefetch_write(const void*) noexcept nogil
    enum: FCP_ROWS_FLAG

# Element types as they lie in memory.  bool is read as uint8 (numpy stores 0/1).
ctypedef fused src_t:
    int8_t
    int16_t
    int32_t
    int64_t
    uint8_t
    uint16_t
    uint32_t
    uint64_t
    fcp_half
    float
    double
    fcp_c64
    fcp_c128

# Result types.  Integer results are stored unsigned: a product modulo 2**bits has
# the same bits whatever the signedness, and unsigned arithmetic has no overflow UB.
ctypedef fused dst_t:
    uint8_t
    uint16_t
    uint32_t
    uint64_t
    fcp_half
    float
    double
    fcp_c64
    fcp_c128

cdef enum:
    # Bytes for the accumulators of one block of lanes scanned as rows, on the
    # heap: a thread's stack may be as small as 32 KiB (threading.stack_size).
    ACC_BYTES = 65536
    # Accumulators of up to this many bytes stay on the stack (small calls
    # skip malloc).
    ACC_STACK_BYTES = 1024
    # Independent products in the first pass of a split integer lane.
    PRODUCTS = 4
    # Lanes scanned as interleaved chains: 4 hide the 3-4 cycle multiply latency.
    CHAINS = 4
    # Lanes of at least this many elements take each group's CHAINS lanes
    # far apart (SPREAD_LANES); shorter ones, neighbouring lanes.
    # Neighbours interleaved ran at half the speed of one lane at a time
    # wherever the lanes were 32 to a few thousand elements long, and far
    # apart they stream at the copy's speed (2**24 float64 in lanes of 64-1024,
    # a C loop: neighbours 15-27 ms, one at a time 9-12, a quarter of 256
    # lanes apart 10-11, np.copyto 8); lanes of 8-16 keep their neighbours
    # (one at a time took 1.1-1.4x their time).
    SPREAD_CHAIN = 32
    # Neighbouring lanes of float64 and int64 results shorter than
    # SPREAD_CHAIN go PAIR_CHAINS at a time where their input's and
    # result's lanes both span this many bytes (two cache lines) or more:
    # where out= lies 128 MiB + 4 KiB from the input (np.empty_like after a
    # 128 MiB input; docs/performance.md, "Where out= lies"), four such
    # lanes took 1.3-1.55x the time of two (2**20 x 16 float64, a C loop of
    # the kernels' shape: 12.6-12.7 ms against 9.4-10.0; int64 in the
    # kernels, one thread: 16.8-16.9 against 10.9-11.0); at other
    # distances lanes of 24 ran 5-15% faster in two, lanes of 16 float64
    # 5% slower (8.5-8.7 ms against 9.0-9.1; with two threads 0-6%).
    # Lanes of one line keep four (two took 1.2x), and so do float32 into
    # float64 lanes of 16 (64 bytes read a lane: two took 1.06-1.09x).
    PAIR_CHAIN_BYTES = 128
    PAIR_CHAINS = 2
    # Lanes of SPREAD_CHAIN or more go PAIR_CHAINS at a time too where a
    # float64 or int64 result's lanes or their input's step over more than
    # one element (lanes_with): such a lane uses only part of each line it
    # touches, and four of them a thread, far apart, fell behind torch's
    # lane at a time (4096x8192 float64 along 1 into every other column of
    # a 4096x16384 out=, two threads, a C loop of chain_groups' shape: four
    # chains 22.6-23.6 ms, two 20.4-21.9, np.copyto of the input's bytes
    # 16; with unit steps every count ran at the copy's speed).
    # ... and at most this many lanes apart: a quarter of a block of 4096
    # lanes put a group's four lanes of a strided out= 128 MiB apart, and the
    # scan took 3.8x the time of blocks of 1024 (4096x8192 float64 along 1
    # into every other column of a 4096x16384 out=, one thread: 117 ms
    # against 31, np.copyto 26; 256 lanes apart, 31 too).
    SPREAD_LANES = 256
    # numpy allows 64 dimensions; the outer odometer keeps a counter for each.
    MAX_OUTER = 64
    # Lanes per ascending chunk of a reverse scan's rows (scan_rows_descending).
    DESCEND = 32
    # A lone real chain looks at its accumulator every ABSORB_EVERY elements
    # for an absorbing value (chain_absorbing), and absorb checks factors in
    # chunks: ABSORB_CHUNK elements first (a lane that leaves its value at
    # once wastes little), then chunks of ABSORB_BYTES of the wider of x
    # and y (read twice from L1).  In chunks of 4 KiB throughout, a result
    # that lies 4 KiB past the end of its input (what the allocator gives
    # np.empty called after the input, for an input of 2**k bytes) took 2.8x
    # the time (2**25 float64 stuck at a subnormal: 48 ms, 17 ms elsewhere):
    # a chunk's loads of x run under the stores of the chunk before, at the
    # same address but for bit 28 and up, and wait for them as if they
    # aliased (seen on an AMD EPYC; a C loop gave the same at 8 KiB chunks
    # and an 8 KiB gap, none from 16 KiB).
    ABSORB_EVERY = 256
    ABSORB_CHUNK = 512
    ABSORB_BYTES = 16384
    # A source cast to the result type before its scan (cast_lanes) is cast
    # a tile of this many bytes at a time (L2-resident between the passes):
    # 4 or more rows of as many lanes as ACC_BYTES of accumulators hold.
    CAST_BYTES = 262144
    # Mixed layouts go through square tiles (cast_block: mixed) in blocks
    # of at least this many elements, or ...
    TRANSPOSE_MIN = 65536
    # ... whose lanes lie at least this many bytes apart on the side that
    # does not run along them: there the fused loops' lines of a step fall
    # in a few cache sets (3-D float64 Fortran into C along 0, blocks of
    # 64x512: fused 8.1x np.copyto's time, tiles 4.2x); ...
    TRANSPOSE_FAR = 4096
    # (Far apart, only as many lanes as fill more than a set of the L1 cache:
    # 16 lanes of 256 in 16 KiB steps took 1.9x the fused loops' time.)
    TRANSPOSE_FAR_LANES = 32
    # ... and of this many lanes and elements: across fewer, the strided
    # side touches a few cache lines at a time, which the fused loops stream.
    TRANSPOSE_SIDE = 16
    # Plane tiles (cast_plane): the bytes of a run of lanes written to y, and
    # of the tile (L2-resident; with fastcumprod._layout's PLANE_GROUP of 128
    # rows, best of the 512-1024-byte runs and 256-512 KiB tiles tried: 3-D
    # float64 and float32 Fortran into C along 1 and back).
    PLANE_RUN = 1024
    PLANE_BYTES = 524288
    # cast_plane asks for x's runs this many casts ahead of their turn, and
    # for y's runs a row ahead: a reverse scan walks its steps down in
    # memory, which the hardware prefetchers do not follow (3-D float64
    # Fortran into C along 1, reverse, one thread: 1.7x the forward scan's
    # time; prefetched, and each tile's steps cast from the lowest address
    # up, 1.1x; the forward scan itself 25 -> 20 ms).  1, 2, 4 and 8 ahead
    # were tried: 2 was best.
    PLANE_AHEAD = 2


# What one kernel call scans: m lanes of n elements (strides in elements),
# side by side (rows) or each contiguous along n (chains).  carry: one
# accumulator a lane, in the accumulator type of SPEC 3 (uint64, float32,
# float64, complex128), that the scan starts from and leaves the lane's
# product in; NULL: start at 1 and keep nothing.
# flags: the scan's variant (F_*); fpe: where the block ORs the
# floating-point exceptions its arithmetic raised (numpy's error reporting),
# or NULL.
cdef struct Block:
    int src, dst, via, mode
    const char* x
    char* y
    char* carry
    Py_ssize_t n, xs_n, ys_n, m, xs_m, ys_m
    bint chains
    int flags
    int* fpe
    # m2 rows of the m lanes (a second lane axis, outside m: fastcumprod._layout's
    # group), xs_m2 and ys_m2 apart, their carries cs_m2 bytes apart; 1 for
    # one row.  Several rows make a plane of lanes that mixed layouts scan
    # through plane tiles (cast_lanes); other blocks take them one at a time.
    Py_ssize_t m2, xs_m2, ys_m2, cs_m2

# What a call does: scan (write y, and the carry if any), or, for one integer
# lane, only multiply its product into the carry (the first pass of a split
# lane: fastcumprod._numba).
cdef enum:
    MODE_SCAN, MODE_PRODUCT

# The layout of the int64 parameters fcp_block reads (fastcumprod._numba
# fills them): Block's fields in this order.
cdef enum:
    P_SRC, P_DST, P_VIA, P_MODE, P_X, P_Y, P_CARRY, P_N, P_XS_N, P_YS_N, P_M, P_XS_M, P_YS_M, P_CHAINS
    P_FLAGS, P_FPE, P_M2, P_XS_M2, P_YS_M2, P_CS_M2, P_COUNT

PARAMS = {name: i for i, name in enumerate(
    ("src", "dst", "via", "mode", "x", "y", "carry", "n", "xs_n", "ys_n", "m", "xs_m", "ys_m",
     "chains", "flags", "fpe", "m2", "xs_m2", "ys_m2", "cs_m2"))}

# The variants of a scan, one bit each (SPEC 8-9), passed down as constants
# so that each combination compiles to a loop of its own (scan_lanes): no
# branch per element on what the call asked for.
cdef enum:
    # Store each element from the accumulator before multiplying it in.
    F_EXCLUSIVE = 1
    # NaN sources (complex: either part) count as 1, before the cast.
    F_SKIPNAN = 2
    # numpy's arithmetic: the accumulator rounded to the result type after
    # every product (float16, float32, complex64), numpy's complex product.
    F_NUMPY = 4
    # The lanes start here, with their first element itself (cast), as
    # numpy's accumulate copies it: 1 * v is not v for a complex v with an
    # infinite or NaN part, nor for a signalling NaN.  A runtime bit, read
    # once per block of lanes (acc_start), not a variant of the loops.
    F_FIRST = 8

FLAGS = {"exclusive": F_EXCLUSIVE, "skipnan": F_SKIPNAN, "numpy": F_NUMPY, "first": F_FIRST}
# Chains of at least this many elements interleave lanes far apart
# (SPREAD_CHAIN, SPREAD_LANES): a reverse scan walks them downwards (fastcumprod._api).
SPREAD_FROM = SPREAD_CHAIN
# The floating-point exceptions a block reports, by numpy's names.
FPE = {"divide": FCP_FE_DIVBYZERO, "over": FCP_FE_OVERFLOW, "under": FCP_FE_UNDERFLOW,
       "invalid": FCP_FE_INVALID}

# The integer type a floating source is truncated through on its way to an
# integer result (fastcumprod._dtypes.FLOAT_TO_INT_VIA; VIA names them).
cdef enum:
    VIA_I32, VIA_I64, VIA_U64

# How a real product keeps the NaN rule (fcp_mul): not at all (only while no
# accumulator is NaN), by a branch (chains), by a select (rows, vectorised).
cdef enum:
    MUL_PLAIN, MUL_CHAIN, MUL_ROWS

VIA = {"int32": VIA_I32, "int64": VIA_I64, "uint64": VIA_U64}

# Kernel codes of the element types, by kind and width (see type_code).
cdef enum:
    SRC_I8, SRC_I16, SRC_I32, SRC_I64, SRC_U8, SRC_U16, SRC_U32, SRC_U64
    SRC_F16, SRC_F32, SRC_F64, SRC_C64, SRC_C128

# Square tiles of float32 and float64 (torch's accumulator) in mixed layouts
# through registers (fcp.h: fcp_across) on AMD CPUs only: on the 2-core AMD
# EPYC, 2-D float32 8192x4096 Fortran into C along 0 took 1.2-1.4x
# np.copyto's time at 2 threads, 1.9-2.5x through the buffer; on a lent
# 16-core Intel Xeon 1.6-2.0x the buffer's time at every thread count
# (one thread: 94.6-95.7 ms against 59.7-60.7; docs/performance.md,
# "Mixed layouts").
# set_tiles_in_registers switches (tests run both).
cdef bint tiles_in_registers = FCP_ACROSS and fcp_cpu_is_amd()


cdef inline double real_part(src_t v) noexcept nogil:
    """The value as a double; complex sources give their real part, as numpy's astype."""
    if src_t is fcp_half:
        return fcp_half_to_float(v)
    elif src_t is fcp_c64 or src_t is fcp_c128:
        return v.re
    else:
        return <double>v


cdef inline bint src_nan(src_t v) noexcept nogil:
    """Whether a source is NaN (complex: either part), as nancumprod skips it."""
    if src_t is fcp_half:
        return isnan(fcp_half_to_float(v))
    elif src_t is float or src_t is double:
        return isnan(v)
    elif src_t is fcp_c64 or src_t is fcp_c128:
        return isnan(v.re) | isnan(v.im)
    else:
        return False


cdef inline uint64_t int_factor_of(src_t v, int via, int flags) noexcept nogil:
    """int_factor, with F_SKIPNAN: 1 for a NaN source."""
    if (flags & F_SKIPNAN) and src_nan(v):
        return 1
    return int_factor(v, via)


cdef inline uint64_t int_factor(src_t v, int via) noexcept nogil:
    """A source as a factor of the 64-bit integer accumulator.  Sign-extended,
    an integer is congruent to its narrowed value modulo 2**bits of every
    result width, so it need not be narrowed first.  A floating source is
    truncated as torch casts it, through the integer type `via` (see
    fastcumprod._dtypes.FLOAT_TO_INT_VIA): a branch on a constant of the call,
    in the floating specialisations only."""
    if src_t is int8_t or src_t is int16_t or src_t is int32_t or src_t is int64_t:
        return <uint64_t><int64_t>v
    elif src_t is uint8_t or src_t is uint16_t or src_t is uint32_t or src_t is uint64_t:
        return <uint64_t>v
    elif via == VIA_I32:
        return fcp_via_i32(real_part(v))
    elif via == VIA_I64:
        return fcp_via_i64(real_part(v))
    else:
        return fcp_via_u64(real_part(v))


cdef inline void convert(src_t v, dst_t* d, int via) noexcept nogil:
    """*d = v cast to the result type first, as torch casts (SPEC 2);
    integers wrap."""
    if dst_t is uint8_t or dst_t is uint16_t or dst_t is uint32_t or dst_t is uint64_t:
        d[0] = <dst_t>int_factor(v, via)
    elif dst_t is fcp_half:
        if src_t is fcp_half:
            d[0] = v
        elif src_t is fcp_c64 or src_t is fcp_c128:
            d[0] = fcp_half_from_float(<float>v.re)
        else:
            # torch converts to half through float, doubles and integers alike
            # (float64 1 + 2**-11 + 2**-40 gives 1.0, not 1.001).
            d[0] = fcp_half_from_float(<float>v)
    elif dst_t is fcp_c64:
        if src_t is fcp_c64 or src_t is fcp_c128:
            d[0] = fcp_c64_make(<float>v.re, <float>v.im)
        elif src_t is fcp_half:
            d[0] = fcp_c64_make(fcp_half_to_float(v), 0)
        else:
            # One rounding, straight from the source (an int64 through double
            # then float would round twice).
            d[0] = fcp_c64_make(<float>v, 0)
    elif dst_t is fcp_c128:
        if src_t is fcp_c64 or src_t is fcp_c128:
            d[0] = fcp_c128_make(v.re, v.im)
        else:
            d[0] = fcp_c128_make(real_part(v), 0)
    else:
        if src_t is fcp_half or src_t is fcp_c64 or src_t is fcp_c128:
            d[0] = <dst_t>real_part(v)
        else:
            d[0] = <dst_t>v


# Integer results of 32 bits or fewer accumulate modulo 2**32 in the kernels'
# working accumulators: the low bits of a product depend only on the low bits
# of its factors, and 32-bit multiplies vectorise twice as wide (4096x4096
# int32 along 0 with dtype=int32, one thread: 8.6 ms in 64 bits, 6.2 in 32).
# Carries stay uint64 (ACCUMULATOR), exact modulo 2**bits of the result.
ctypedef uint32_t acc32_t


cdef inline Py_ssize_t acc_size(const dst_t* tag) noexcept nogil:
    """Bytes of one working accumulator of a dst_t result."""
    if dst_t is fcp_half:
        return sizeof(float)
    elif dst_t is fcp_c64 or dst_t is fcp_c128:
        return sizeof(fcp_c128)
    elif dst_t is uint8_t or dst_t is uint16_t or dst_t is uint32_t:
        return sizeof(acc32_t)
    else:
        return sizeof(uint64_t)


cdef inline Py_ssize_t carry_size(const dst_t* tag) noexcept nogil:
    """Bytes of one lane's carry: its accumulator dtype (SPEC 3, ACCUMULATOR)."""
    if dst_t is fcp_half:
        return sizeof(float)
    elif dst_t is fcp_c64 or dst_t is fcp_c128:
        return sizeof(fcp_c128)
    else:
        return sizeof(uint64_t)


cdef inline void acc_init(char* acc, Py_ssize_t b, const char* carry,
                          const dst_t* tag) noexcept nogil:
    """Start b working accumulators from the carry, or at 1 (torch multiplies
    from 1)."""
    cdef uint64_t* ai = <uint64_t*>acc
    cdef acc32_t* a32 = <acc32_t*>acc
    cdef float* af = <float*>acc
    cdef double* ad = <double*>acc
    cdef fcp_c128* ac = <fcp_c128*>acc
    cdef Py_ssize_t j
    if dst_t is uint8_t or dst_t is uint16_t or dst_t is uint32_t:
        for j in range(b):
            a32[j] = <acc32_t>(<const uint64_t*>carry)[j] if carry != NULL else 1
        return
    if carry != NULL:
        # Typed copies, not memcpy: a lone lane's accumulator moved as bytes
        # was kept in an integer register and moved to the floating-point
        # unit at every product (lanes of 256 float64: 5x the time).
        for j in range(b):
            if dst_t is uint64_t:
                ai[j] = (<const uint64_t*>carry)[j]
            elif dst_t is fcp_half:
                af[j] = (<const float*>carry)[j]
            elif dst_t is fcp_c64 or dst_t is fcp_c128:
                ac[j] = (<const fcp_c128*>carry)[j]
            else:
                ad[j] = (<const double*>carry)[j]
        return
    for j in range(b):
        if dst_t is uint64_t:
            ai[j] = 1
        elif dst_t is fcp_half:
            af[j] = 1.0
        elif dst_t is fcp_c64 or dst_t is fcp_c128:
            ac[j] = fcp_c128_make(1, 0)
        else:
            ad[j] = 1.0


cdef inline void acc_set(char* acc, Py_ssize_t j, src_t v, dst_t* y, int via,
                         int flags) noexcept nogil:
    """Start accumulator j from v itself, cast, and store it (F_FIRST); with
    F_SKIPNAN a NaN v starts it at 1."""
    cdef dst_t d
    if dst_t is uint8_t or dst_t is uint16_t or dst_t is uint32_t:
        (<acc32_t*>acc)[j] = <acc32_t>int_factor_of(v, via, flags)
        y[0] = <dst_t>(<acc32_t*>acc)[j]
        return
    elif dst_t is uint64_t:
        (<uint64_t*>acc)[j] = int_factor_of(v, via, flags)
        y[0] = <dst_t>(<uint64_t*>acc)[j]
        return
    if (flags & F_SKIPNAN) and src_nan(v):
        acc_init(acc + j * acc_size(y), 1, NULL, y)
        acc_round(acc, j, y)
        return
    convert(v, &d, via)
    y[0] = d
    if dst_t is fcp_half:
        (<float*>acc)[j] = fcp_half_to_float(d)
    elif dst_t is fcp_c64:
        (<fcp_c128*>acc)[j] = fcp_c128_make(d.re, d.im)
    elif dst_t is fcp_c128:
        (<fcp_c128*>acc)[j] = d
    elif dst_t is double:
        # A signalling NaN is stored as it is but accumulates quieted, as
        # numpy's product of it quiets it (float32 and half accumulators
        # quiet it in their widening).
        (<double*>acc)[j] = fcp_select(d != d, fcp_quiet(d), d)
    else:
        (<double*>acc)[j] = <double>d


cdef inline void acc_round(const char* acc, Py_ssize_t j, dst_t* y) noexcept nogil:
    """Store accumulator j, rounded to the result type."""
    if dst_t is fcp_half:
        y[0] = fcp_half_from_float((<const float*>acc)[j])
    elif dst_t is fcp_c64:
        y[0] = fcp_c64_make(<float>(<const fcp_c128*>acc)[j].re,
                            <float>(<const fcp_c128*>acc)[j].im)
    elif dst_t is fcp_c128:
        y[0] = (<const fcp_c128*>acc)[j]
    elif dst_t is uint8_t or dst_t is uint16_t or dst_t is uint32_t:
        y[0] = <dst_t>(<const acc32_t*>acc)[j]
    elif dst_t is uint64_t:
        y[0] = <dst_t>(<const uint64_t*>acc)[j]
    else:
        y[0] = <dst_t>(<const double*>acc)[j]


cdef inline Py_ssize_t acc_start(char* acc, Py_ssize_t b, const char* carry, const src_t* x,
                                 Py_ssize_t xs_m, dst_t* y, Py_ssize_t ys_m, Py_ssize_t n,
                                 int via, int flags) noexcept nogil:
    """Start b accumulators: from the carry or 1 (acc_init), or, where the
    block's flags have F_FIRST, from the lanes' first elements, which are
    stored.  Returns the rows it consumed: 0, or 1 with F_FIRST."""
    cdef Py_ssize_t j
    if not (flags & F_FIRST) or n == 0:
        acc_init(acc, b, carry, y)
        return 0
    for j in range(b):
        acc_set(acc, j, x[j * xs_m], &y[j * ys_m], via, flags)
    return 1


cdef inline void acc_keep(const char* acc, Py_ssize_t b, char* carry,
                          const dst_t* tag) noexcept nogil:
    """Leave b working accumulators in the carry, if there is one."""
    cdef Py_ssize_t j
    if carry == NULL:
        return
    for j in range(b):
        if dst_t is uint8_t or dst_t is uint16_t or dst_t is uint32_t:
            (<uint64_t*>carry)[j] = (<const acc32_t*>acc)[j]
        elif dst_t is uint64_t:
            (<uint64_t*>carry)[j] = (<const uint64_t*>acc)[j]
        elif dst_t is fcp_half:
            (<float*>carry)[j] = (<const float*>acc)[j]
        elif dst_t is fcp_c64 or dst_t is fcp_c128:
            (<fcp_c128*>carry)[j] = (<const fcp_c128*>acc)[j]
        else:
            (<double*>carry)[j] = (<const double*>acc)[j]


cdef inline bint acc_nan(const char* acc, Py_ssize_t j, const dst_t* tag) noexcept nogil:
    """Whether real accumulator j is NaN (complex products pin their NaN bits
    themselves, and integers have none)."""
    if dst_t is fcp_half:
        return isnan((<const float*>acc)[j])
    elif dst_t is float or dst_t is double:
        return isnan((<const double*>acc)[j])
    else:
        return False


cdef inline double real_factor(src_t v, const dst_t* tag, int via, int flags) noexcept nogil:
    """What a float32 or float64 result's (double) accumulator multiplies by:
    v cast to the result type first (SPEC 2), then widened; with F_SKIPNAN,
    1 for a NaN source (complex: either part).  Real sources are tested
    after the cast (the same NaNs), so that a loop has one element width: a
    float test before a double product stopped GCC's vectoriser (float32
    rows took 2x plain cumprod's time)."""
    cdef dst_t d
    cdef double g = 0
    if dst_t is float or dst_t is double:
        convert(v, &d, via)
        g = <double>d
        if flags & F_SKIPNAN:
            if src_t is fcp_c64 or src_t is fcp_c128:
                g = fcp_select(src_nan(v), 1.0, g)
            else:
                g = fcp_one_if_nan(g)
    return g


cdef inline float float_factor(src_t v, const dst_t* tag, int via, int flags) noexcept nogil:
    """real_factor of a float32 result before its widening (absorb tests
    floats: 8 to a vector); NaN or not the same after widening."""
    cdef dst_t d
    cdef float f = 0
    if dst_t is float:
        convert(v, &d, via)
        f = d
        if flags & F_SKIPNAN:
            if src_t is fcp_c64 or src_t is fcp_c128:
                f = fcp_selectf(src_nan(v), 1.0, f)
            else:
                f = fcp_one_if_nanf(f)
    return f


cdef inline void acc_step(char* acc, Py_ssize_t j, src_t v, dst_t* y, int via,
                          int mul, int flags) noexcept nogil:
    """Multiply accumulator j by v; store it rounded (or wrapped) to the result
    type (F_EXCLUSIVE: store it before).  mul: how a real product keeps the
    NaN rule (MUL_*); mul and flags are constants at each call site (see
    fcp_mul, scan_lanes)."""
    cdef uint64_t* ai = <uint64_t*>acc
    cdef acc32_t* a32 = <acc32_t*>acc
    cdef float* af = <float*>acc
    cdef double* ad = <double*>acc
    cdef fcp_c128* ac = <fcp_c128*>acc
    cdef dst_t d
    cdef float f
    cdef double g
    cdef fcp_c128 c, a
    # & rather than `and`: no branch, so that rows still vectorise (a select)
    # nancumprod's test of the source (real results test theirs in
    # real_factor).
    cdef bint skip = ((flags & F_SKIPNAN) != 0) & src_nan(v)
    cdef bint exclusive = flags & F_EXCLUSIVE
    # The product of a float accumulator: nancumprod's factor is never NaN,
    # so only the accumulator can be, and x86 returns the NaN operand in
    # either order: a chain's plain product keeps the NaN rule without its
    # test (1-D float64 -> float32: 1.17x plain cumprod's time with it).
    cdef int product = MUL_PLAIN if mul == MUL_CHAIN and (flags & F_SKIPNAN) else mul
    if dst_t is uint8_t or dst_t is uint16_t or dst_t is uint32_t:
        if exclusive:
            y[0] = <dst_t>a32[j]
        a32[j] = a32[j] * <acc32_t>int_factor_of(v, via, flags)
        if not exclusive:
            y[0] = <dst_t>a32[j]
    elif dst_t is uint64_t:
        if exclusive:
            y[0] = <dst_t>ai[j]
        ai[j] = ai[j] * int_factor_of(v, via, flags)
        if not exclusive:
            y[0] = <dst_t>ai[j]
    elif dst_t is fcp_half:
        convert(v, &d, via)
        f = fcp_half_to_float(d)
        if flags & F_SKIPNAN:
            if src_t is fcp_c64 or src_t is fcp_c128:
                f = fcp_selectf(skip, 1.0, f)
            else:
                f = fcp_one_if_nanf(f)
        if exclusive:
            y[0] = fcp_half_from_float(af[j])
        if flags & F_NUMPY:
            af[j] = fcp_mulf_numpy(af[j], f)
        elif product == MUL_PLAIN:
            af[j] = af[j] * f
        elif product == MUL_CHAIN:
            af[j] = fcp_mulf(af[j], f)
        else:
            af[j] = fcp_mulf_rows(af[j], f)
        if flags & F_NUMPY:
            # numpy multiplies halves as floats and rounds every product
            # (exact in float: 11-bit significands).
            af[j] = fcp_half_to_float(fcp_half_from_float(af[j]))
        if not exclusive:
            y[0] = fcp_half_from_float(af[j])
    elif dst_t is fcp_c64 or dst_t is fcp_c128:
        convert(v, &d, via)
        c = fcp_c128_select(skip, fcp_c128_make(1, 0), fcp_c128_make(d.re, d.im))
        # The accumulator in a local: a store to y may alias acc (both are
        # char* underneath), which would reload it after an exclusive store.
        a = ac[j]
        if exclusive:
            if dst_t is fcp_c64:
                y[0] = fcp_c64_make(<float>a.re, <float>a.im)
            else:
                y[0] = a
        if not (flags & F_NUMPY):
            a = fcp_cmul(a, c)
        elif dst_t is fcp_c64:
            a = fcp_cmulf_numpy(a, c)
        else:
            a = fcp_cmul_numpy(a, c)
        ac[j] = a
        if not exclusive:
            if dst_t is fcp_c64:
                y[0] = fcp_c64_make(<float>a.re, <float>a.im)
            else:
                y[0] = a
    else:
        if mul == MUL_CHAIN and (flags & F_SKIPNAN) and not (src_t is fcp_c64 or src_t is fcp_c128):
            g = fcp_one_if_nan_chain(real_factor(v, y, via, flags & ~F_SKIPNAN))
        else:
            g = real_factor(v, y, via, flags)
        if exclusive:
            y[0] = <dst_t>ad[j]
        if dst_t is float and (flags & F_NUMPY):
            # numpy multiplies float32 in float32 (the accumulator holds a
            # float's value): one rounding, as the double product rounded,
            # but one conversion shorter a step (1-D float32 chain: 37 ms
            # rounding the double product, 12 ms as torch's).
            f = <float>ad[j]
            if product == MUL_PLAIN:
                f = f * <float>g
            elif product == MUL_CHAIN:
                f = fcp_mulf(f, <float>g)
            else:
                f = fcp_mulf_rows(f, <float>g)
            ad[j] = <double>f
        elif product == MUL_PLAIN:
            ad[j] = ad[j] * g
        elif product == MUL_CHAIN:
            ad[j] = fcp_mul(ad[j], g)
        else:
            ad[j] = fcp_mul_rows(ad[j], g)
        if not exclusive:
            y[0] = <dst_t>ad[j]


cdef inline void scan_block(const src_t* x, dst_t* y,
                            Py_ssize_t n, Py_ssize_t xs_n, Py_ssize_t ys_n,
                            Py_ssize_t b, Py_ssize_t xs_m, Py_ssize_t ys_m,
                            int via, char* acc, bint rows, int flags,
                            bint descending=False) noexcept nogil:
    """Scan b lanes side by side along n, row by row, from the b accumulators
    at acc (left there).  Each call site passes what it knows as constants (a
    lone chain's accumulator is a local the compiler keeps in a register;
    rows: whether b may be more than 1, see acc_step; descending: see
    scan_rows_descending)."""
    cdef Py_ssize_t i = 0, j
    cdef int nan
    if rows and descending:
        scan_rows_descending(x, y, n, xs_n, ys_n, b, via, acc, flags)
    elif rows:
        # Where FCP_ROWS_FLAG: plain products while no accumulator is NaN (a
        # NaN flag reduced along each row vectorises), then the NaN rule's
        # select (fcp_mul); else the select from the start.  (A carry may
        # bring a NaN accumulator in.)
        nan = 0
        for j in range(b):
            nan = nan | acc_nan(acc, j, y)
        while FCP_ROWS_FLAG and not nan and i < n:
            nan = 0
            for j in range(b):
                acc_step(acc, j, x[j * xs_m], &y[j * ys_m], via, MUL_PLAIN, flags)
                nan = nan | acc_nan(acc, j, y)
            x += xs_n
            y += ys_n
            i += 1
        while i < n:
            for j in range(b):
                acc_step(acc, j, x[j * xs_m], &y[j * ys_m], via, MUL_ROWS, flags)
            x += xs_n
            y += ys_n
            i += 1
    elif b == 1 and (dst_t is double or (dst_t is float and not (flags & F_NUMPY))):
        chain_absorbing(x, y, n, xs_n, ys_n, via, acc, flags)
    else:
        for i in range(n):
            for j in range(b):
                acc_step(acc, j, x[j * xs_m], &y[j * ys_m], via, MUL_CHAIN, flags)
            x += xs_n
            y += ys_n


cdef inline void chain_absorbing(const src_t* x, dst_t* y, Py_ssize_t n, Py_ssize_t xs_n,
                                 Py_ssize_t ys_n, int via, char* acc, int flags) noexcept nogil:
    """One lane of a real result in a double accumulator, as a chain that
    looks at its accumulator every ABSORB_EVERY elements: once it is 0, a
    subnormal, inf or NaN (SPEC 7), absorb writes on at memory speed while
    the factors leave it where it is.  Each subnormal product runs at the
    latency of microcode (2**25 float64 factors in [0.9, 1.1], stuck at the
    smallest subnormal: 63 ms as a chain, torch 44, np.copyto of the bytes
    15).  The look costs one compare every ABSORB_EVERY products."""
    cdef Py_ssize_t i = 0, k, t
    while i < n:
        k = min(n - i, ABSORB_EVERY)
        for t in range(k):
            acc_step(acc, 0, x[0], y, via, MUL_CHAIN, flags)
            x += xs_n
            y += ys_n
        i += k
        if i < n and fcp_absorbing((<double*>acc)[0]):
            if xs_n == 1 and ys_n == 1:
                k = absorb(x, y, n - i, 1, 1, via, <double*>acc, flags)
            elif xs_n == -1 and ys_n == -1:
                # A reverse scan's lane (fastcumprod._api flips every axis):
                # at a stride known to be -1 the test vectorises downwards
                # (a lone lane stuck at 0: 1.5x (float64) and 2.5x (float32)
                # the forward scan's time at a stride read at run time;
                # walking each chunk upwards instead took 3.6-11x).
                k = absorb(x, y, n - i, -1, -1, via, <double*>acc, flags)
            else:
                k = absorb(x, y, n - i, xs_n, ys_n, via, <double*>acc, flags)
            x += k * xs_n
            y += k * ys_n
            i += k


cdef inline Py_ssize_t absorb(const src_t* x, dst_t* y, Py_ssize_t n, Py_ssize_t xs_n,
                              Py_ssize_t ys_n, int via, double* acc, int flags) noexcept nogil:
    """Scan on from an accumulator *acc that is 0, subnormal, inf or NaN
    while no factor moves it, and return how many elements that was (the
    chain takes over from there; *acc is left where they end).

    A NaN accumulator keeps its bits whatever the factor (fcp_mul).  Any
    other stays at its magnitude A while A * |g| == A, the product the
    chain would round (|a*g| rounds as A*|g| to nearest even), with its
    sign flipped by every negative factor: a 0 stays 0 for finite factors,
    inf for nonzero ones, k units of the subnormal grid for |g| within about
    0.5/k of 1.  The rounded product is monotone in |g|, so those |g| make
    an interval around 1, found once by bisection with the chain's own
    product (fcp_stay_range, fcp_stay_rangef): a factor is then tested by
    two compares of its magnitude's bits (float results: of the float
    factor), with no dependency from one element to the next and no
    subnormal arithmetic, a chunk at a time (vectorised), and the chunk
    written.  The flags are the chain's: a chunk that stays raises
    underflow where A is subnormal and a factor other than +-1 (whose
    product rounds) is in it (fcp_raise_underflow); 0 and inf products are
    exact; a chunk that fails has its flags put back (the casts of factors
    past the chain's point), the chain raising its own.  float32 results
    come here only under torch's semantics, which reports no flags
    (numpy's float32 products stay in float: not absorbed)."""
    cdef double A = fabs(acc[0]), g
    cdef float lo = 0, hi = 0
    cdef int32_t lo32 = 0, hi32 = 0, raw32, m32, num32, fbad, fneg, fsigns
    cdef int64_t blo = 0, bhi = 0, m, raw, num, bad, bad_tail, neg, signs
    cdef int s = fcp_signbit(acc[0]), bad_down, neg_down
    cdef bint underflow = False
    # nancumprod: a chunk before failed the plain test (see its masked test)
    cdef bint masked = False
    cdef bint subnormal = A != 0 and fcp_absorbing(A) and not isinf(A)
    cdef Py_ssize_t i = 0, c, t, t0, chunk = ABSORB_CHUNK
    cdef dst_t v
    cdef fcp_flags flags_before
    if not (dst_t is float or dst_t is double):
        return 0
    if isnan(A):
        v = <dst_t>acc[0]
        for t in range(n):
            y[t * ys_n] = v
        return n
    if dst_t is float:
        fcp_stay_rangef(A, &lo, &hi)
        lo32 = fcp_bitsf(lo)
        hi32 = fcp_bitsf(hi)
    else:
        fcp_stay_range(A, &blo, &bhi)
    while i < n:
        c = min(chunk, n - i)
        chunk = ABSORB_BYTES // max(sizeof(src_t), sizeof(dst_t))
        flags_before = fcp_fpe_save()
        bad = 0
        bad_tail = 0
        neg = 0
        signs = 0
        fbad = 0
        fneg = 0
        fsigns = 0
        t0 = 0
        if src_t is double and dst_t is double and xs_n == -1 and FCP_MOVES_DOWN:
            # A reverse scan's chunk, but for its last c % 4 factors
            # (fcp_moves_down: GCC kept the loop below scalar downwards).
            t0 = c - c % 4
            bad_down = fcp_moves_down(x, t0, blo, bhi, (flags & F_SKIPNAN) != 0, &neg_down)
            bad, neg = bad_down, neg_down
        elif src_t is double and dst_t is float and xs_n == -1 and FCP_MOVES_DOWN:
            # The same for a float32 result (fcp_moves_downf).
            t0 = c - c % 4
            bad_down = fcp_moves_downf(x, t0, lo32, hi32, (flags & F_SKIPNAN) != 0, &neg_down)
            fbad, fneg = bad_down, neg_down
        for t in range(c if masked else t0, c):
            if dst_t is float:
                # The same by the float's bits, 8 to a vector, in 32-bit
                # accumulators (among 64-bit ones the loop widened its
                # masks; a lane stuck at a subnormal, nancumprod: 1.22x plain
                # cumprod's time with float compares, now 1.03x).
                if (flags & F_SKIPNAN) and not (src_t is fcp_c64 or src_t is fcp_c128):
                    raw32 = fcp_bitsf(float_factor(x[t * xs_n], y, via, flags & ~F_SKIPNAN))
                    m32 = raw32 & 0x7fffffff
                    num32 = m32 <= 0x7f800000
                    fbad = fbad | (m32 < lo32) | ((m32 > hi32) & num32)
                    fneg = fneg | ((raw32 < 0) & num32)
                else:
                    raw32 = fcp_bitsf(float_factor(x[t * xs_n], y, via, flags))
                    m32 = raw32 & 0x7fffffff
                    fbad = fbad | (m32 < lo32) | (m32 > hi32)
                    fsigns = fsigns | raw32
            else:
                # nancumprod too: its NaN factors fail this test (their bits
                # lie above inf's), and a chunk that fails is looked at again
                # below with them masked out (as is every chunk after it).
                # A complex source's NaN is either part's: its real_factor
                # gives 1 for it.
                if src_t is fcp_c64 or src_t is fcp_c128:
                    g = real_factor(x[t * xs_n], y, via, flags)
                else:
                    g = real_factor(x[t * xs_n], y, via, flags & ~F_SKIPNAN)
                raw = fcp_bits(g)
                m = raw & FCP_MAGNITUDE
                bad_tail = bad_tail | (m < blo) | (m > bhi)
                signs = signs | raw
        if (flags & F_SKIPNAN) and (bad_tail or masked) and not (
                dst_t is float or src_t is fcp_c64 or src_t is fcp_c128):
            # nancumprod: a NaN factor (1 in the chain) leaves A and its sign
            # where they are, so it is masked out of the test rather than
            # replaced by 1: the select was a branch that kept the loop
            # scalar (1-D float64 stuck at a subnormal: 1.8x plain cumprod's
            # time).  NaN by the bits too (m above inf's): a float compare
            # among the 64-bit integer ones cost shuffles (a lane stuck at
            # 0: 1.45x).  Only from the first chunk that fails the plain
            # test on: the masks on every chunk cost 1.16-1.24x plain
            # cumprod's time of a lane stuck at 0, inf or a subnormal
            # without any NaN, now 1.00-1.04x; both tests on every chunk
            # with a NaN took 1.35x the masked test alone where NaNs are
            # everywhere, and going back to the plain test after a chunk
            # without one still 1.05-1.1x.
            bad_tail = 0
            signs = 0
            for t in range(t0, c):
                g = real_factor(x[t * xs_n], y, via, flags & ~F_SKIPNAN)
                raw = fcp_bits(g)
                m = raw & FCP_MAGNITUDE
                num = m <= FCP_INF_BITS
                bad_tail = bad_tail | (m < blo) | ((m > bhi) & num)
                neg = neg | ((raw < 0) & num)
            masked = True
        bad = bad | bad_tail | fbad
        neg = neg | (signs < 0) | fneg | (fsigns < 0)
        if bad:
            fcp_fpe_restore(flags_before)
            break
        if dst_t is double and subnormal and not underflow:
            # The chain's underflow, once: a product that rounds (a factor
            # other than +-1, NaNs skipped).  Flags stay raised, so later
            # chunks need not look (in the test's loop, the look cost 1.1x
            # the time of a lane stuck at 0).
            for t in range(c):
                if src_t is fcp_c64 or src_t is fcp_c128:
                    g = real_factor(x[t * xs_n], y, via, flags)
                else:
                    g = real_factor(x[t * xs_n], y, via, flags & ~F_SKIPNAN)
                m = fcp_bits(g) & FCP_MAGNITUDE
                if m != FCP_ONE_BITS and (m <= FCP_INF_BITS or not (flags & F_SKIPNAN)):
                    fcp_raise_underflow()
                    underflow = True
                    break
        if neg:
            for t in range(c):
                if flags & F_EXCLUSIVE:
                    y[t * ys_n] = <dst_t>fcp_select(s, -A, A)
                s = s ^ fcp_signbit(real_factor(x[t * xs_n], y, via, flags))
                if not (flags & F_EXCLUSIVE):
                    y[t * ys_n] = <dst_t>fcp_select(s, -A, A)
        else:
            v = <dst_t>fcp_select(s, -A, A)
            for t in range(c):
                y[t * ys_n] = v
        x += c * xs_n
        y += c * ys_n
        i += c
    acc[0] = fcp_select(s, -A, A)
    return i


cdef inline int row_descending(const src_t* x, dst_t* y, Py_ssize_t b, int via, char* acc,
                               int mul, int flags) noexcept nogil:
    """One row of b unit-stride lanes, in chunks of DESCEND lanes from the
    highest address down, each chunk ascending; returns whether an
    accumulator is NaN after it (with MUL_PLAIN)."""
    cdef Py_ssize_t j, low, high = b
    cdef int nan = 0
    while high > 0:
        low = high - DESCEND if high > DESCEND else 0
        for j in range(low, high):
            acc_step(acc, j, x[j], &y[j], via, mul, flags)
            if mul == MUL_PLAIN:
                nan = nan | acc_nan(acc, j, y)
        high = low
    return nan


cdef inline void scan_rows_descending(const src_t* x, dst_t* y,
                                      Py_ssize_t n, Py_ssize_t xs_n, Py_ssize_t ys_n,
                                      Py_ssize_t b, int via, char* acc,
                                      int flags) noexcept nogil:
    """scan_block's rows for a reverse scan (x and y at the lanes' lowest
    addresses, rows at negative strides): memory read and written downwards
    in short ascending chunks.  Lanes walked at stride -1 did not vectorise
    where the widths differ (int16 into int64), and whole rows read upwards
    while the rows go down defeat the prefetcher (4096x2048 int16 along 0
    into int64: forward 2.6 ms, rows upwards 5.4, stride -1 4.1, chunks of
    32 lanes downwards 2.9; a C loop of each, docs/performance.md)."""
    cdef Py_ssize_t i = 0, j
    cdef int nan = 0
    for j in range(b):
        nan = nan | acc_nan(acc, j, y)
    while FCP_ROWS_FLAG and not nan and i < n:
        nan = row_descending(x, y, b, via, acc, MUL_PLAIN, flags)
        x += xs_n
        y += ys_n
        i += 1
    while i < n:
        row_descending(x, y, b, via, acc, MUL_ROWS, flags)
        x += xs_n
        y += ys_n
        i += 1


cdef inline void scan_chains(const src_t* x, dst_t* y,
                             Py_ssize_t n, Py_ssize_t xs_n, Py_ssize_t ys_n,
                             Py_ssize_t xs_m, Py_ssize_t ys_m, int via,
                             char* carry, int flags, int first, int k) noexcept nogil:
    """k lanes (CHAINS, or PAIR_CHAINS: a constant at each call) that are
    each contiguous along n, as interleaved chains.
    A row is loaded whole before any of it is stored, and the chains are few:
    with a power-of-two lane stride every access of a row falls in one L1 set
    and aliases modulo 4 KiB (2048x8192 float64 along axis 1: 8 chains took
    45 ms, 4 chains 11 ms, one chain at a time 14 ms; docs/performance.md)."""
    cdef char acc[CHAINS * 16]
    cdef Py_ssize_t i = acc_start(acc, k, carry, x, xs_m, y, ys_m, n, via, first)
    # Plain products while no accumulator is NaN (the 4 chains vectorise:
    # with a branch in each, 2-D float32 along 0 took 15 ms, so 7), then
    # products that keep a NaN accumulator's bits (fcp_mul).  (A carry may
    # bring a NaN accumulator in.)
    if not any_nan(acc, k, y):
        i = chain_rows(x, y, i, n, xs_n, ys_n, xs_m, ys_m, via, acc, MUL_PLAIN, flags, k)
    chain_rows(x, y, i, n, xs_n, ys_n, xs_m, ys_m, via, acc, MUL_CHAIN, flags, k)
    acc_keep(acc, k, carry, y)


cdef inline bint any_nan(const char* acc, int k, const dst_t* tag) noexcept nogil:
    """Whether any of k accumulators is NaN (k a constant: no loop left)."""
    cdef bint found = acc_nan(acc, 0, tag) | acc_nan(acc, 1, tag)
    if k > 2:
        found = found | acc_nan(acc, 2, tag) | acc_nan(acc, 3, tag)
    return found


cdef inline Py_ssize_t chain_rows(const src_t* x, dst_t* y, Py_ssize_t i, Py_ssize_t n,
                                  Py_ssize_t xs_n, Py_ssize_t ys_n,
                                  Py_ssize_t xs_m, Py_ssize_t ys_m, int via,
                                  char* acc, int mul, int flags, int k) noexcept nogil:
    """Rows i.. of scan_chains' k lanes; with MUL_PLAIN, up to the first row
    that leaves an accumulator NaN.  Returns the row it stopped before."""
    cdef src_t v[CHAINS]
    cdef Py_ssize_t j
    x += i * xs_n
    y += i * ys_n
    while i < n:
        for j in range(k):
            v[j] = x[j * xs_m]
        if (flags & F_SKIPNAN) and not (src_nan(v[0]) | src_nan(v[1]) | (
                k > 2 and (src_nan(v[2]) | src_nan(v[3])))):
            # nancumprod: a row without a NaN needs no select per element
            # (F float32 along 0: 1.26x plain cumprod's time with one).
            for j in range(k):
                acc_step(acc, j, v[j], &y[j * ys_m], via, mul, flags & ~F_SKIPNAN)
        else:
            for j in range(k):
                acc_step(acc, j, v[j], &y[j * ys_m], via, mul, flags)
        x += xs_n
        y += ys_n
        i += 1
        if mul == MUL_PLAIN and any_nan(acc, k, y):
            break
    return i


cdef inline void scan_pairs(const src_t* x, dst_t* y, Py_ssize_t n, Py_ssize_t xs_n,
                            Py_ssize_t ys_n, int via, uint64_t* carry, int flags) noexcept nogil:
    """One integer lane, two elements a step: integer products are exact
    modulo 2**64 in any grouping, so the chain multiplies by x[i] * x[i+1] and
    is half as long (1-D int64, 2**24 elements: 17 ms as one chain, 10 ms in
    pairs, the memory floor; splitting the lane into interleaved segments and
    fixing them up took 22 ms).
    The chain's multiply comes first in each step, before the product that
    only feeds a store (fcp_after holds that one back): both wait for the
    same accumulator, the one integer multiplier takes the older first, and
    behind the store's product the chain took 4-5 cycles a step instead of
    3 (1-D int32 with dtype=int32, 2**24 elements, one thread, 2-core AMD
    EPYC: 14.0-14.1 ms as GCC ordered them, 7.6-9.3 with the chain first;
    np.copyto 5.5)."""
    cdef uint64_t a = carry[0] if carry != NULL else 1
    cdef uint64_t a0, a1, before
    cdef Py_ssize_t i = 0
    while i + 1 < n:
        a0 = int_factor_of(x[i * xs_n], via, flags)
        a1 = int_factor_of(x[(i + 1) * xs_n], via, flags)
        before = a
        a = a * (a0 * a1)
        before = fcp_after(before, a)
        if flags & F_EXCLUSIVE:
            y[i * ys_n] = <dst_t>before
            y[(i + 1) * ys_n] = <dst_t>(before * a0)
        else:
            y[i * ys_n] = <dst_t>(before * a0)
            y[(i + 1) * ys_n] = <dst_t>a
        i += 2
    if i < n:
        if flags & F_EXCLUSIVE:
            y[i * ys_n] = <dst_t>a
        a = a * int_factor_of(x[i * xs_n], via, flags)
        if not (flags & F_EXCLUSIVE):
            y[i * ys_n] = <dst_t>a
    if carry != NULL:
        carry[0] = a


cdef inline void lane_product(const src_t* x, Py_ssize_t n, Py_ssize_t xs_n, int via,
                              uint64_t* carry, int flags) noexcept nogil:
    """carry *= the product of one integer lane, as PRODUCTS independent
    chains (exact modulo 2**64 in any grouping)."""
    cdef uint64_t p[PRODUCTS]
    cdef Py_ssize_t i = 0, k
    for k in range(PRODUCTS):
        p[k] = 1
    while i + PRODUCTS <= n:
        for k in range(PRODUCTS):
            p[k] = p[k] * int_factor_of(x[(i + k) * xs_n], via, flags)
        i += PRODUCTS
    while i < n:
        p[0] = p[0] * int_factor_of(x[i * xs_n], via, flags)
        i += 1
    carry[0] = carry[0] * ((p[0] * p[1]) * (p[2] * p[3]))


cdef inline Py_ssize_t chain_groups(const src_t* x, dst_t* y, const Block* b, int flags,
                                    int start, int k) noexcept nogil:
    """The block's lanes, each contiguous along n, in groups of k
    interleaved chains (scan_chains; k a constant at each call).  Lanes
    shorter than SPREAD_CHAIN: groups of neighbours.  Longer ones: runs of
    k * spread lanes, each group's lanes spread apart, at most SPREAD_LANES
    (SPREAD_CHAIN).  Returns the lanes it scanned, the first ones; the
    caller takes the rest (fewer than k) one at a time."""
    cdef Py_ssize_t base = 0, m = b.m, csize = carry_size(y), groups, spread, step, g, j0, r
    cdef char lane_carries[CHAINS * 16]
    cdef char* staged
    while m - base >= k:
        groups = (m - base) // k
        spread, step = 1, k
        if b.n >= SPREAD_CHAIN:
            groups = min(groups, SPREAD_LANES)
            spread, step = groups, 1
        for g in range(groups):
            j0 = base + g * step
            staged = NULL
            if b.carry != NULL:
                staged = lane_carries
                for r in range(k):
                    memcpy(staged + r * csize, b.carry + (j0 + r * spread) * csize, csize)
            scan_chains(x + j0 * b.xs_m, y + j0 * b.ys_m, b.n, b.xs_n, b.ys_n, spread * b.xs_m,
                        spread * b.ys_m, b.via, staged, flags, start, k)
            if b.carry != NULL:
                for r in range(k):
                    memcpy(b.carry + (j0 + r * spread) * csize, staged + r * csize, csize)
        base += groups * k
    return base


cdef inline void lanes_with(const src_t* x, dst_t* y, const Block* b, int flags) noexcept nogil:
    """The m lanes of a block, in the variant `flags` (a constant at each call)."""
    cdef Py_ssize_t j0 = 0, m = b.m, xs_m = b.xs_m, ys_m = b.ys_m, size = acc_size(y)
    cdef Py_ssize_t csize = carry_size(y), lanes, r
    cdef bint descending
    cdef char* carry = b.carry
    # How acc_start starts the lanes (F_FIRST is the block's, read at run time).
    cdef int start = (b.flags & F_FIRST) | (flags & F_SKIPNAN)
    cdef char one[16]
    cdef char small[ACC_STACK_BYTES]
    cdef char* acc
    # Rows: as many lanes at once as there is room for accumulators, up to
    # ACC_BYTES (whole rows stream best: 2048x8192 float64 along axis 0 took
    # 39 ms in blocks of 128 lanes, 18 ms in blocks of 4096; docs/performance.md).
    # With a carry, the carry is where they are.
    cdef Py_ssize_t block = min(m, ACC_BYTES // size)
    if dst_t is uint8_t or dst_t is uint16_t or dst_t is uint32_t or dst_t is uint64_t:
        if m == 1:
            if b.mode == MODE_PRODUCT:
                lane_product(x, b.n, b.xs_n, b.via, <uint64_t*>carry, flags)
            elif b.xs_n == 1 and b.ys_n == 1:
                scan_pairs(x, y, b.n, 1, 1, b.via, <uint64_t*>carry, flags)
            elif b.xs_n == -1 and b.ys_n == -1:
                # A reverse scan's lane (fastcumprod._api flips it): at a
                # stride read at run time, 1.36x (int32) and 1.52x (int16
                # into int64) the forward scan's time, one thread.
                scan_pairs(x, y, b.n, -1, -1, b.via, <uint64_t*>carry, flags)
            else:
                scan_pairs(x, y, b.n, b.xs_n, b.ys_n, b.via, <uint64_t*>carry, flags)
            return
    if b.chains or m == 1:
        if (dst_t is double or dst_t is uint64_t) and (
                (b.n < SPREAD_CHAIN
                 and b.n * <Py_ssize_t>min(sizeof(src_t), sizeof(dst_t)) >= PAIR_CHAIN_BYTES)
                or (b.n >= SPREAD_CHAIN and (b.xs_n * b.xs_n != 1 or b.ys_n * b.ys_n != 1))):
            j0 = chain_groups(x, y, b, flags, start, PAIR_CHAINS)
        else:
            j0 = chain_groups(x, y, b, flags, start, CHAINS)
        while j0 < m:
            r = acc_start(one, 1, carry + j0 * csize if carry != NULL else NULL,
                          x + j0 * xs_m, 0, y + j0 * ys_m, 0, b.n, b.via, start)
            scan_block(x + j0 * xs_m + r * b.xs_n, y + j0 * ys_m + r * b.ys_n, b.n - r,
                       b.xs_n, b.ys_n, 1, 0, 0, b.via, one, False, flags)
            acc_keep(one, 1, carry + j0 * csize if carry != NULL else NULL, y)
            j0 += 1
        return
    if block * size <= ACC_STACK_BYTES:
        acc = small
    else:
        acc = <char*>malloc(block * size)
        if acc == NULL:
            # Out of memory for 64 KiB: a lane at a time, no room needed.
            block = 1
            acc = one
    while j0 < m:
        lanes = min(block, m - j0)
        # A reverse scan walks every axis backwards (fastcumprod._api), its
        # lanes at stride -1, which vectorises where source and result have
        # one width (2-D float64 along 0 without AVX2: a forward scan's time;
        # in descending chunks 1.2-1.4x it).  The others take their lanes
        # from their lowest address, in descending chunks
        # (scan_rows_descending; not with a carry, whose order is the
        # lanes'): widening ones; one-byte results, which GCC reverses a
        # byte at a time; and, with AVX2, float64 results, whose NaN flag
        # (FCP_ROWS_FLAG) stopped GCC vectorising a loop at stride -1.
        # (65536x256 along 0, one thread, time / forward scan's: float64
        # with AVX2 1.7x -> 1.0-1.2x, uint8 1.2-2.0x -> 1.0x; complex,
        # int32 and int64 lost 1.3-9x in chunks.)
        descending = ((sizeof(src_t) < sizeof(dst_t) or sizeof(dst_t) == 1
                       or (FCP_ROWS_FLAG and dst_t is double))
                      and xs_m == -1 and ys_m == -1 and lanes == block and carry == NULL)
        if descending:
            r = acc_start(acc, lanes, NULL, x - j0 - (block - 1), 1, y - j0 - (block - 1), 1,
                          b.n, b.via, start)
        else:
            r = acc_start(acc, lanes, carry + j0 * csize if carry != NULL else NULL,
                          x + j0 * xs_m, xs_m, y + j0 * ys_m, ys_m, b.n, b.via, start)
        if xs_m == 1 and ys_m == 1 and lanes == block:
            scan_block(x + j0 + r * b.xs_n, y + j0 + r * b.ys_n, b.n - r, b.xs_n, b.ys_n,
                       block, 1, 1, b.via, acc, True, flags)
        elif descending:
            scan_block(x - j0 - (block - 1) + r * b.xs_n, y - j0 - (block - 1) + r * b.ys_n,
                       b.n - r, b.xs_n, b.ys_n, block, 1, 1, b.via, acc, True, flags, True)
        elif xs_m == -1 and ys_m == -1 and lanes == block:
            scan_block(x - j0 + r * b.xs_n, y - j0 + r * b.ys_n, b.n - r, b.xs_n, b.ys_n,
                       block, -1, -1, b.via, acc, True, flags)
        else:
            scan_block(x + j0 * xs_m + r * b.xs_n, y + j0 * ys_m + r * b.ys_n, b.n - r,
                       b.xs_n, b.ys_n, lanes, xs_m, ys_m, b.via, acc, True, flags)
        acc_keep(acc, lanes, carry + j0 * csize if carry != NULL else NULL, y)
        j0 += block
    if acc != small and acc != one:
        free(acc)


cdef inline void lanes_exclusive(const src_t* x, dst_t* y, const Block* b,
                                 int flags) noexcept nogil:
    """lanes_with, exclusive or not: `flags` holds the other variant bits."""
    if b.flags & F_EXCLUSIVE:
        lanes_with(x, y, b, flags | F_EXCLUSIVE)
    else:
        lanes_with(x, y, b, flags)


cdef inline void lanes_numpy(const src_t* x, dst_t* y, const Block* b,
                             int flags) noexcept nogil:
    """lanes_exclusive, with numpy's arithmetic where it differs from torch's
    (float16, float32 and complex results; elsewhere both are the same).
    numpy has no exclusive scan: not compiled with F_NUMPY."""
    if (dst_t is fcp_half or dst_t is float or dst_t is fcp_c64 or dst_t is fcp_c128) and (
            b.flags & F_NUMPY):
        lanes_with(x, y, b, flags | F_NUMPY)
    else:
        lanes_exclusive(x, y, b, flags)


cdef void scan_lanes(const src_t* x, dst_t* y, const Block* b) noexcept nogil:
    """The m lanes of a block, in the variant its flags ask for, each variant
    compiled on its own (only floating sources have a NaN to skip)."""
    if (src_t is fcp_half or src_t is float or src_t is double or src_t is fcp_c64
            or src_t is fcp_c128) and (b.flags & F_SKIPNAN):
        lanes_numpy(x, y, b, F_SKIPNAN)
    else:
        lanes_numpy(x, y, b, 0)


cdef inline void by_src(dst_t* y, const Block* b) noexcept nogil:
    """own_lanes where the source is the result type, or an integer whose
    result is int64 or of its own width (every default of torch and numpy),
    or float32, int32 or int64 into float64 (the common dtype=: through the
    tiles, rows of them took twice the fused loop's time, 2-D float32
    4096x4096 along 0 into out=, one thread: 19-21 ms against 10, and 1.5x
    along 1), and float64 into float32 (the narrowing one: a lone lane of
    2**24 took 20.2-20.4 ms in tiles, 14.2-14.3 fused; 4096x4096 along 1,
    13.3 against 10.5-10.7); any other source (a dtype= that casts)
    through cast_lanes.  Only these 24 of the 117 pairs compile the scan
    loops: the build takes a fifth of the time (setup.py; about 1.4 s of
    gcc a pair)."""
    cdef int src = b.src
    if src == SRC_I8:
        if dst_t is uint8_t or dst_t is uint64_t:
            own_lanes(<const int8_t*>b.x, y, b)
        else:
            cast_lanes(<const int8_t*>b.x, y, b)
    elif src == SRC_I16:
        if dst_t is uint16_t or dst_t is uint64_t:
            own_lanes(<const int16_t*>b.x, y, b)
        else:
            cast_lanes(<const int16_t*>b.x, y, b)
    elif src == SRC_I32:
        if dst_t is uint32_t or dst_t is uint64_t or dst_t is double:
            own_lanes(<const int32_t*>b.x, y, b)
        else:
            cast_lanes(<const int32_t*>b.x, y, b)
    elif src == SRC_I64:
        if dst_t is uint64_t or dst_t is double:
            own_lanes(<const int64_t*>b.x, y, b)
        else:
            cast_lanes(<const int64_t*>b.x, y, b)
    elif src == SRC_U8:
        if dst_t is uint8_t or dst_t is uint64_t:
            own_lanes(<const uint8_t*>b.x, y, b)
        else:
            cast_lanes(<const uint8_t*>b.x, y, b)
    elif src == SRC_U16:
        if dst_t is uint16_t or dst_t is uint64_t:
            own_lanes(<const uint16_t*>b.x, y, b)
        else:
            cast_lanes(<const uint16_t*>b.x, y, b)
    elif src == SRC_U32:
        if dst_t is uint32_t or dst_t is uint64_t:
            own_lanes(<const uint32_t*>b.x, y, b)
        else:
            cast_lanes(<const uint32_t*>b.x, y, b)
    elif src == SRC_U64:
        if dst_t is uint64_t:
            own_lanes(<const uint64_t*>b.x, y, b)
        else:
            cast_lanes(<const uint64_t*>b.x, y, b)
    elif src == SRC_F16:
        if dst_t is fcp_half:
            own_lanes(<const fcp_half*>b.x, y, b)
        else:
            cast_lanes(<const fcp_half*>b.x, y, b)
    elif src == SRC_F32:
        if dst_t is float or dst_t is double:
            own_lanes(<const float*>b.x, y, b)
        else:
            cast_lanes(<const float*>b.x, y, b)
    elif src == SRC_F64:
        if dst_t is double or dst_t is float:
            own_lanes(<const double*>b.x, y, b)
        else:
            cast_lanes(<const double*>b.x, y, b)
    elif src == SRC_C64:
        if dst_t is fcp_c64:
            own_lanes(<const fcp_c64*>b.x, y, b)
        else:
            cast_lanes(<const fcp_c64*>b.x, y, b)
    else:
        if dst_t is fcp_c128:
            own_lanes(<const fcp_c128*>b.x, y, b)
        else:
            cast_lanes(<const fcp_c128*>b.x, y, b)


cdef inline void own_lanes(const src_t* x, dst_t* y, const Block* b) noexcept nogil:
    """A pair with loops of its own: those, or tiles through a buffer where
    the layouts are mixed (cast_lanes: planes of lanes and square tiles)."""
    if b.m2 > 1 or mixed(b, sizeof(src_t), sizeof(dst_t)):
        cast_lanes(x, y, b)
    else:
        scan_lanes(x, y, b)


cdef inline dst_t cast_one(src_t v, const dst_t* tag, int via, int flags) noexcept nogil:
    """v as the factor the scan of a dst_t result multiplies by: cast first
    (convert, SPEC 2), or 1 for a NaN source under F_SKIPNAN (complex: either
    part), which the cast would lose (a NaN cast to an integer)."""
    cdef dst_t d
    if dst_t is float or dst_t is double:
        if (flags & F_SKIPNAN) and not (src_t is fcp_c64 or src_t is fcp_c128):
            # A real NaN stays NaN cast to a float: tested after the cast, a
            # select the tile's loop vectorises (with a branch, float32
            # along 0 into float64: nancumprod took 1.3x plain cumprod's time).
            convert(v, &d, via)
            if dst_t is float:
                return fcp_one_if_nanf(d)
            else:
                return fcp_one_if_nan(d)
    if (flags & F_SKIPNAN) and src_nan(v):
        if dst_t is fcp_half:
            return fcp_half_from_float(1.0)
        elif dst_t is fcp_c64:
            return fcp_c64_make(1, 0)
        elif dst_t is fcp_c128:
            return fcp_c128_make(1, 0)
        else:
            return <dst_t>1
    convert(v, &d, via)
    return d


cdef inline void carry_one(char* carry, Py_ssize_t m, const dst_t* tag) noexcept nogil:
    """m lanes' carries at 1 (the start of a scan without one)."""
    cdef Py_ssize_t j
    for j in range(m):
        if dst_t is fcp_half:
            (<float*>carry)[j] = 1.0
        elif dst_t is fcp_c64 or dst_t is fcp_c128:
            (<fcp_c128*>carry)[j] = fcp_c128_make(1, 0)
        elif dst_t is float or dst_t is double:
            (<double*>carry)[j] = 1.0
        else:
            (<uint64_t*>carry)[j] = 1


cdef inline void cast_tile(const src_t* x, Py_ssize_t xs_outer, Py_ssize_t xs_inner, dst_t* buf,
                           Py_ssize_t bs_outer, Py_ssize_t bs_inner, Py_ssize_t outer,
                           Py_ssize_t inner, int via, int flags) noexcept nogil:
    """buf[o * bs_outer + i * bs_inner] = cast_one(x[o * xs_outer + i * xs_inner])."""
    cdef Py_ssize_t o, i
    for o in range(outer):
        for i in range(inner):
            buf[o * bs_outer + i * bs_inner] = cast_one(x[o * xs_outer + i * xs_inner], buf,
                                                        via, flags)


cdef inline int moved_bits(const src_t* x, const dst_t* y) noexcept nogil:
    """Where a cast only moves bits (one type both sides, integers of either
    sign into the unsigned results), the AVX transpose blocks' width
    (fcp_transpose32, fcp_transpose64); else 0."""
    if not FCP_TRANSPOSE:
        return 0
    if ((src_t is float and dst_t is float)
            or ((src_t is int32_t or src_t is uint32_t) and dst_t is uint32_t)):
        return 32
    elif ((src_t is double and dst_t is double) or (src_t is fcp_c64 and dst_t is fcp_c64)
            or ((src_t is int64_t or src_t is uint64_t) and dst_t is uint64_t)):
        return 64
    return 0


cdef inline void cast_across(const src_t* x, Py_ssize_t xs_outer, dst_t* buf,
                             Py_ssize_t bs_inner, Py_ssize_t outer, Py_ssize_t inner, int via,
                             int flags, bint down=False, bint ahead=False) noexcept nogil:
    """buf[o + i * bs_inner] = cast_one(x[o * xs_outer + i]) (down: x[o *
    xs_outer - i], a reverse scan's run): a transpose, in squares of one
    cache line a side, so that both sides use whole lines (element by
    element, every store of a run fell in another line of a few L1 sets:
    2-D float32 F into C along 0 took 14x np.copyto's time).  A run read
    downwards is read from its lowest address up, as the prefetchers follow
    a stream (3-D float64 F into C along 0, reverse: 1.7x the forward
    scan's time reading each run down).  ahead: each square asks for the
    same line of the next group of runs, which the hardware prefetchers do
    not see coming (the runs lie far apart; square tiles of 2-D float64
    4096x4096 F into C along 0, 2 threads: 15.4 -> 10.9 ms, np.copyto 7.5;
    two to eight squares ahead in the same runs: 11.2-11.4)."""
    cdef Py_ssize_t s = max(4, 64 // <Py_ssize_t>sizeof(dst_t)), o0 = 0, i0, o, i, oe, ie
    # Where the cast only moves bits (no NaN to skip), their width for the
    # AVX blocks of fcp_transpose*; else 0.
    cdef int bits = 0 if flags & F_SKIPNAN else moved_bits(x, buf)
    if down:
        x -= inner - 1
        buf += (inner - 1) * bs_inner
        bs_inner = -bs_inner
    while o0 < outer:
        oe = min(o0 + s, outer)
        i0 = 0
        while i0 < inner:
            ie = min(i0 + s, inner)
            if ahead:
                for o in range(oe, min(oe + s, outer)):
                    fcp_prefetch(x + o * xs_outer + i0)
            if bits and oe - o0 == s and ie - i0 == s:
                # A whole square, in blocks of one AVX register a side.
                o = o0
                while o < oe:
                    i = i0
                    while i < ie:
                        if bits == 32:
                            fcp_transpose32(x + o * xs_outer + i, xs_outer,
                                            buf + o + i * bs_inner, bs_inner)
                        else:
                            fcp_transpose64(x + o * xs_outer + i, xs_outer,
                                            buf + o + i * bs_inner, bs_inner)
                        i += 256 // bits
                    o += 256 // bits
            else:
                for o in range(o0, oe):
                    for i in range(i0, ie):
                        buf[o + i * bs_inner] = cast_one(x[o * xs_outer + i], buf, via, flags)
            i0 = ie
        o0 = oe


cdef inline void cast_any(const src_t* x, Py_ssize_t xs_m, Py_ssize_t xs_n, dst_t* buf,
                          Py_ssize_t bs, Py_ssize_t gl, Py_ssize_t kl, bint rows, int via,
                          int flags) noexcept nogil:
    """A tile of gl lanes, kl elements each, into buf: lanes side by side,
    bs apart (rows), or one after another, bs apart; read in the source's
    own order where it has a unit stride (cast_across where that is the
    other way)."""
    if rows:
        if xs_m == 1:
            cast_tile(x, xs_n, 1, buf, bs, 1, kl, gl, via, flags)
        elif xs_n == 1:
            cast_across(x, xs_m, buf, bs, gl, kl, via, flags, False, True)
        elif xs_n == -1:
            # A reverse scan of a mixed layout (fastcumprod._api flips only dim).
            cast_across(x, xs_m, buf, bs, gl, kl, via, flags, True, True)
        else:
            cast_tile(x, xs_n, xs_m, buf, bs, 1, kl, gl, via, flags)
    else:
        if xs_n == 1:
            cast_tile(x, xs_m, 1, buf, bs, 1, gl, kl, via, flags)
        elif xs_m == 1:
            cast_across(x, xs_n, buf, bs, kl, gl, via, flags, False, True)
        else:
            cast_tile(x, xs_m, xs_n, buf, bs, 1, gl, kl, via, flags)


cdef inline bint mixed(const Block* b, Py_ssize_t xsize, Py_ssize_t ysize) noexcept nogil:
    """Whether the source's lanes and the result's run in different
    directions (a Fortran input into a C out=) with unit strides the square
    tiles of cast_block can pair, in a block large enough to leave the
    cache or with lanes far apart (TRANSPOSE_FAR): the fused loops read or
    write one of the two across its rows (F float32 8192x4096 into C along
    0: 9x np.copyto's time, 3.7x in tiles).  Where x runs along the lanes,
    only with as many lanes as steps: fewer, long lanes stream y's runs
    (3-D float64 Fortran into C along 2, 64 lanes of 512: fused 2.7x,
    tiles 3.5x; C into Fortran along 0, 512 lanes of 64: 21.5x and 3.2x).
    The sizes are x's and y's itemsizes."""
    if b.m < TRANSPOSE_SIDE or b.n < TRANSPOSE_SIDE:
        return False
    if labs(b.xs_n) == 1 and labs(b.ys_m) == 1:
        return (b.n * b.m >= TRANSPOSE_MIN
                or (b.m >= TRANSPOSE_FAR_LANES and labs(b.xs_m) * xsize >= TRANSPOSE_FAR))
    if labs(b.xs_m) == 1 and labs(b.ys_n) == 1:
        return (b.n * b.m >= TRANSPOSE_MIN
                or (b.m >= b.n and labs(b.ys_m) * ysize >= TRANSPOSE_FAR))
    return False


cdef inline void prefetch_runs(const char* x, Py_ssize_t stride, Py_ssize_t runs,
                               Py_ssize_t run, bint write) noexcept nogil:
    """Ask for the lines of `runs` runs of `run` bytes from x up, `stride`
    bytes apart, ahead of their use (write: to be written)."""
    cdef Py_ssize_t o, q
    for o in range(runs):
        q = 0
        while q < run:
            if write:
                fcp_prefetch_write(x + o * stride + q)
            else:
                fcp_prefetch(x + o * stride + q)
            q += 64
        if write:
            fcp_prefetch_write(x + o * stride + run - 1)
        else:
            fcp_prefetch(x + o * stride + run - 1)


cdef inline bint plane(const Block* b) noexcept nogil:
    """Whether the block's rows (m2 > 1) make a plane of lanes that x runs
    along the rows of (xs_m2 = +-1) and y along the lanes (ys_m = +-1): a
    transpose at every step, which cast_plane's tiles pair.  Only such
    layouts have rows grouped (fastcumprod._layout); any other block with
    rows takes them one at a time (run_block)."""
    return b.m2 > 1 and b.mode == MODE_SCAN and labs(b.xs_m2) == 1 and labs(b.ys_m) == 1


cdef void cast_plane(const src_t* x, dst_t* y, const Block* b) noexcept nogil:
    """A plane of lanes (plane: m2 rows of m lanes, neither along dim) in
    tiles of the m2 rows, g lanes and k steps: at each step the rows' runs
    in x are transposed into the buffer (cast_across: runs of lanes, as y
    has them), then each row of the tile is scanned from there by the result
    type's rows scan, the lanes' accumulators carried from tile to tile
    (exact: the same products in the same order).  The fused loops read one
    element of each line of x at every step, and read each line m2 times
    (3-D float64 Fortran into C along 1: 10.8x np.copyto's time, one
    thread).  The runs of x and y are asked for ahead (PLANE_AHEAD), and
    where the steps go down in memory (a reverse scan) each tile's steps
    are cast from the lowest address up: the carry needs only the scan in
    order.  Casts as cast_block does."""
    cdef Py_ssize_t size = sizeof(dst_t), csize = carry_size(y), r = b.m2
    cdef Py_ssize_t pad = max(1, 64 // size), g = min(b.m, max(16, PLANE_RUN // size))
    cdef Py_ssize_t rs = g + pad, ks, k, used, j0, i0, gl, kl, s, i, c, s2, c2, sd
    cdef Py_ssize_t xsize = sizeof(src_t)
    cdef bint up = b.xs_n < 0  # the tile's steps cast upwards
    cdef Py_ssize_t col = max(4, 64 // size)
    cdef char* mem
    cdef char* own_carry
    cdef dst_t* buf
    cdef Block sub
    # nancumprod: NaNs skipped by the cast (a constant of its loop), or,
    # where the cast only moves bits, by the scan (the same NaNs either
    # side), so that the cast keeps its AVX transposes (3-D float64 Fortran
    # into C along 1: 1.10x plain cumprod's time, now 1.01x).
    cdef bint scan_skips = (b.flags & F_SKIPNAN) != 0 and moved_bits(x, y) != 0
    cdef int flags = b.flags & ~(F_FIRST | (0 if scan_skips else F_SKIPNAN)), first
    cdef bint down = b.xs_m2 < 0
    # The buffer: k steps, r rows a step, rs apart, g lanes a row; a step
    # a cache line more than its rows apart (the rows of a column of steps
    # in different cache sets).
    ks = r * rs + pad
    k = max(1, min(b.n, (PLANE_BYTES // size) // ks))
    used = (k * ks * size + 15) & ~15
    mem = <char*>malloc(used + r * g * csize)
    if mem == NULL:
        # Out of memory for the tile: the rows one at a time.
        sub = b[0]
        sub.m2 = 1
        for i in range(r):
            sub.carry = NULL if b.carry == NULL else b.carry + i * b.cs_m2
            cast_block(x + i * b.xs_m2, y + i * b.ys_m2, &sub)
        return
    buf = <dst_t*>mem
    own_carry = mem + used
    sub = b[0]
    sub.m2 = 1
    sub.src = sub.dst
    sub.chains = False
    sub.xs_n, sub.xs_m = ks, 1
    j0 = 0
    while j0 < b.m:
        gl = min(g, b.m - j0)
        if b.carry == NULL:
            carry_one(own_carry, r * gl, y)
        sub.m = gl
        # F_FIRST: the lanes start from their first element (acc_start), in
        # the first tile only.
        first = b.flags & F_FIRST
        i0 = 0
        while i0 < b.n:
            kl = min(k, b.n - i0)
            # A column of lanes through every step of the tile at a time: a
            # few streams of x at once, not one for every lane (all lanes a
            # step at a time: 5.6-8.5x np.copyto's time).  F_SKIPNAN a
            # constant of the cast's loop (as in cast_lanes).
            c = 0
            while c < gl:
                for s in range(kl):
                    # The runs PLANE_AHEAD casts on, in this column or the
                    # next, asked for ahead.
                    s2, c2 = s + PLANE_AHEAD, c
                    while s2 >= kl:
                        s2 -= kl
                        c2 += col
                    if c2 < gl:
                        if up:
                            s2 = kl - 1 - s2
                        prefetch_runs(<const char*>(x + (i0 + s2) * b.xs_n + (j0 + c2) * b.xs_m
                                                    - (r - 1 if down else 0)),
                                      b.xs_m * xsize, min(col, gl - c2), r * xsize, False)
                    sd = kl - 1 - s if up else s
                    if (b.flags & F_SKIPNAN) and not scan_skips:
                        cast_across(x + (i0 + sd) * b.xs_n + (j0 + c) * b.xs_m, b.xs_m,
                                    buf + sd * ks + c, rs, min(col, gl - c), r, b.via, F_SKIPNAN,
                                    down)
                    else:
                        cast_across(x + (i0 + sd) * b.xs_n + (j0 + c) * b.xs_m, b.xs_m,
                                    buf + sd * ks + c, rs, min(col, gl - c), r, b.via, 0, down)
                c += col
            sub.n = kl
            sub.flags = flags | first
            for i in range(r):
                # The next row's runs in y, asked for while this one is
                # scanned (and the first row's, before it).
                for s2 in range(0 if i == 0 else i + 1, min(i + 2, r)):
                    prefetch_runs(<const char*>(y + s2 * b.ys_m2 + j0 * b.ys_m + i0 * b.ys_n
                                                - (gl - 1 if b.ys_m < 0 else 0)),
                                  b.ys_n * size, kl, gl * size, True)
                if b.carry != NULL:
                    sub.carry = b.carry + i * b.cs_m2 + j0 * csize
                else:
                    sub.carry = own_carry + i * gl * csize
                sub.y = <char*>(y + i * b.ys_m2 + j0 * b.ys_m + i0 * b.ys_n)
                scan_lanes(<const dst_t*>(buf + i * rs), <dst_t*>sub.y, &sub)
            first = 0
            i0 += kl
        j0 += gl
    free(mem)


cdef void cast_lanes(const src_t* x, dst_t* y, const Block* b) noexcept nogil:
    """A plane of lanes through cast_plane, any other block through
    cast_block.  (cast_plane inlined into cast_block's loops took 1.28x
    their time: 2-D float64 512x512 Fortran into C along 0.)"""
    if b.m2 > 1:
        cast_plane(x, y, b)
    else:
        cast_block(x, y, b)


cdef void cast_block(const src_t* x, dst_t* y, const Block* b) noexcept nogil:
    """The block's lanes with a source of another type than the result's:
    every factor is the source cast to the result type first (convert: what
    torch does with dtype=, and numpy's casting loops), so a tile of the
    source is cast into a buffer and scanned there by the result type's own
    scan, the lanes' accumulators carried from tile to tile (exact: the same
    products in the same order).  Two passes over a cache-resident tile
    instead of one fused loop for each of the 94 other pairs: 1.0-2.0x their
    time (docs/performance.md), and a build of a fifth of the code.  Mixed
    layouts come here too, in square tiles (mixed).  The cast raises the
    floating-point flags the fused loop's casts raised (every element is
    cast once either way)."""
    cdef Py_ssize_t size = sizeof(dst_t), csize = carry_size(y)
    cdef Py_ssize_t cap = CAST_BYTES // size, g, k, j0, i0, gl, kl, t = 1, used, bs, pad = 0
    cdef char small[ACC_STACK_BYTES]
    cdef char* mem = small
    cdef dst_t* buf
    cdef char* carry
    cdef char* own_carry
    cdef Block sub
    cdef bint rows = not (b.chains or b.m == 1), across = mixed(b, sizeof(src_t), sizeof(dst_t))
    # nancumprod's NaNs: skipped by the cast, or by the scan where a square
    # tile's cast only moves bits (as in cast_plane: 3-D float64 Fortran
    # into C along 0: 1.28x plain cumprod's time, now 1.00x).
    cdef bint scan_skips = (b.flags & F_SKIPNAN) != 0 and across and moved_bits(x, y) != 0
    cdef int flags = b.flags & ~(F_FIRST | (0 if scan_skips else F_SKIPNAN))
    # float32 and float64 square tiles with torch's accumulator whose x runs
    # along the lanes go 16 lanes at a time through registers (fcp_across;
    # on AMD CPUs: tiles_in_registers), the lanes that remain through the
    # buffer: 2-D float32 8192x4096 Fortran into C along 0, 2 threads,
    # 1.2-1.4x np.copyto's time, 1.9-2.5x through the buffer
    # (docs/performance.md).
    cdef bint fuse = (((src_t is float and dst_t is float) or (src_t is double and dst_t is double))
                      and tiles_in_registers and across and (b.flags & (F_NUMPY | F_FIRST)) == 0)
    cdef Py_ssize_t done = 0
    # Tiles: a group of g lanes, k elements of each.  Chains: up to CHAINS
    # lanes, each contiguous in the buffer (scan_chains).  Rows: as many
    # lanes as lanes_with scans at once (whole rows of a C array are one
    # stream from memory: in groups of 1024 lanes, 2-D float32 into float64
    # along 0 took 2.2x the time), 4 or more rows of them (CAST_BYTES).
    # Across (mixed layouts): square tiles, t lanes of t elements, the
    # buffer laid out as the result is (its scan writes it in order) and
    # filled in the source's order: runs of 0.5-1 KiB both ways.  Its rows
    # (or lanes) a cache line more than a power of two apart, so that a
    # column of them does not fall in one cache set.
    if across:
        rows = labs(b.ys_m) < labs(b.ys_n)
        while 4 * t * t <= cap:
            t *= 2
        g, k = min(b.m, t), t
        if fuse and b.xs_n == -1 and b.ys_m == 1:
            if sizeof(dst_t) == 8 and b.n < 8 * t:
                # float64 lanes shorter than 8 tiles reverse through the
                # buffer (fcp.h: fcp_across; staged, 200 x 20000 along 0
                # took 1.29x the forward scan's time, the buffer 1.16x).
                fuse = False
            else:
                # A reverse scan's strips, staged (fcp_stage_up): runs of
                # 256 bytes, 4t lanes (one thread, reverse over forward
                # time: 2-D 8192x4096 float32 Fortran into C along 0
                # 1.11-1.14x in square tiles, 1.02-1.06x; float64 4096x4096
                # 1.27-1.39x through the buffer, 1.12-1.15x staged in
                # square tiles, 0.86-0.98x so; other layouts keep square
                # tiles: C into Fortran took 1.04x against 1.00x).
                g, k = min(b.m, 4 * t), t // 4
        pad = max(1, 64 // size)
        if b.n < k:
            # Lanes shorter than a tile: more of them, the buffer's bytes
            # (with their padding) kept (3-D (64, 512, 512) float64 Fortran
            # into C along 0, one thread, reverse: 1.10-1.17x the forward
            # scan's time -> 1.00-1.04x; C into Fortran along 2 1.14x ->
            # 1.04x; forward scans unchanged).
            k = b.n
            while g < b.m and (k * (2 * g + pad) if rows else 2 * g * (k + pad)) <= t * (t + pad):
                g *= 2
            g = min(g, b.m)
    elif rows:
        g, k = min(b.m, ACC_BYTES // acc_size(y)), 0
    else:
        g, k = min(b.m, CHAINS), 0
    if k == 0:
        k = cap // g
    k = min(k, b.n)
    # The buffer's stride between rows (rows) or lanes; the carries after
    # it, 16-byte aligned; small calls on the stack.
    bs = g + pad if rows else k + pad
    used = ((k if rows else g) * bs * size + 15) & ~15
    if used + g * csize > ACC_STACK_BYTES:
        mem = <char*>malloc(used + g * csize)
        if mem == NULL:
            # Out of memory for the tile: one lane, in a buffer on the stack.
            mem = small
            g = 1
            k = min((ACC_STACK_BYTES - 16) // size, b.n)
            bs = 1 if rows else k
            used = (k * size + 15) & ~15
    buf = <dst_t*>mem
    own_carry = mem + used
    sub = b[0]
    sub.src = sub.dst
    sub.x = <const char*>buf
    sub.chains = not rows
    j0 = 0
    while j0 < b.m:
        gl = min(g, b.m - j0)
        if b.carry != NULL:
            carry = b.carry + j0 * csize
        else:
            carry = own_carry
            carry_one(carry, gl, y)
        if rows:
            sub.xs_n, sub.xs_m = bs, 1
        else:
            sub.xs_n, sub.xs_m = 1, bs
        # F_FIRST: the lanes start from their first element (acc_start), in
        # the first tile only.
        sub.flags = flags | (b.flags & F_FIRST)
        i0 = 0
        while i0 < b.n:
            kl = min(k, b.n - i0)
            # With what cast_tile knows as constants: F_SKIPNAN, and a unit
            # stride in the order of the buffer (the source's in the usual
            # layouts), so that the cast vectorises (a test of a flag per
            # element kept it scalar: 2-D float32 into float64 along 0 took
            # 2.2x the fused loop's time).
            # The tile's runs of y (a step's lanes, or a lane's steps), asked
            # for before the cast: the scan then writes lines already on
            # their way (2-D float64 4096x4096 F into C along 1, one thread:
            # 26 -> 22 ms with the runs of x asked for ahead too).
            if across and rows and b.ys_m == 1:
                prefetch_runs(<const char*>(y + j0 * b.ys_m + i0 * b.ys_n), b.ys_n * size, kl,
                              gl * size, True)
            elif across and not rows and b.ys_n == 1:
                prefetch_runs(<const char*>(y + j0 * b.ys_m + i0 * b.ys_n), b.ys_m * size, gl,
                              kl * size, True)
            if fuse:
                done = fcp_across(<const void*>(x + j0 * b.xs_m + i0 * b.xs_n), b.xs_m, b.xs_n,
                                  <void*>(y + j0 * b.ys_m + i0 * b.ys_n), b.ys_m, b.ys_n,
                                  <double*>carry, gl, kl, b.flags, 8 * sizeof(dst_t),
                                  <void*>buf, used // size)
            if done < gl:
                sub.m = gl - done
                sub.carry = carry + done * csize
                if (b.flags & F_SKIPNAN) and not scan_skips:
                    cast_any(x + (j0 + done) * b.xs_m + i0 * b.xs_n, b.xs_m, b.xs_n, buf, bs,
                             gl - done, kl, rows, b.via, F_SKIPNAN)
                else:
                    cast_any(x + (j0 + done) * b.xs_m + i0 * b.xs_n, b.xs_m, b.xs_n, buf, bs,
                             gl - done, kl, rows, b.via, 0)
                sub.n = kl
                sub.y = <char*>(y + (j0 + done) * b.ys_m + i0 * b.ys_n)
                scan_lanes(<const dst_t*>buf, <dst_t*>sub.y, &sub)
            sub.flags = flags
            i0 += kl
        j0 += gl
    if mem != small:
        free(mem)


cdef void run_block(const Block* b) noexcept nogil:
    """The block's specialisation, by the type codes of x and y; with fpe,
    the floating-point exceptions its arithmetic raised are ORed there
    (this thread's flags are cleared first)."""
    cdef Block row
    cdef Py_ssize_t i, rows
    if b.n == 0 or b.m == 0 or b.m2 == 0:
        return
    if b.fpe != NULL:
        fcp_fpe_clear()
    # A plane goes whole to its tiles; other rows one at a time.  (One call
    # of the inlined dispatch: two made run_block 7 times as large.)
    rows = 1 if plane(b) else b.m2
    row = b[0]
    if rows > 1:
        row.m2 = 1
    for i in range(rows):
        row.x = b.x + i * b.xs_m2 * code_size(b.src)
        row.y = b.y + i * b.ys_m2 * code_size(b.dst)
        row.carry = NULL if b.carry == NULL else b.carry + i * b.cs_m2
        by_dst(&row)
    if b.fpe != NULL:
        fcp_fpe_collect(b.fpe)


cdef inline Py_ssize_t code_size(int code) noexcept nogil:
    """Bytes of an element of a type code."""
    if code == SRC_I8 or code == SRC_U8:
        return 1
    if code == SRC_I16 or code == SRC_U16 or code == SRC_F16:
        return 2
    if code == SRC_I32 or code == SRC_U32 or code == SRC_F32:
        return 4
    if code == SRC_C128:
        return 16
    return 8


cdef inline void by_dst(const Block* b) noexcept nogil:
    cdef int dst = b.dst
    if dst == SRC_U8 or dst == SRC_I8:
        by_src(<uint8_t*>b.y, b)
    elif dst == SRC_U16 or dst == SRC_I16:
        by_src(<uint16_t*>b.y, b)
    elif dst == SRC_U32 or dst == SRC_I32:
        by_src(<uint32_t*>b.y, b)
    elif dst == SRC_U64 or dst == SRC_I64:
        by_src(<uint64_t*>b.y, b)
    elif dst == SRC_F16:
        by_src(<fcp_half*>b.y, b)
    elif dst == SRC_F32:
        by_src(<float*>b.y, b)
    elif dst == SRC_F64:
        by_src(<double*>b.y, b)
    elif dst == SRC_C64:
        by_src(<fcp_c64*>b.y, b)
    else:
        by_src(<fcp_c128*>b.y, b)


cdef void fcp_block(const int64_t* p) noexcept nogil:
    """run_block over parameters laid out as PARAMS says: the entry point the
    numba drivers call through its address (BLOCK_ADDRESS)."""
    cdef Block b
    b.src, b.dst, b.via, b.mode = p[P_SRC], p[P_DST], p[P_VIA], p[P_MODE]
    b.x = <const char*><size_t>p[P_X]
    b.y = <char*><size_t>p[P_Y]
    b.carry = <char*><size_t>p[P_CARRY]
    b.n, b.xs_n, b.ys_n = p[P_N], p[P_XS_N], p[P_YS_N]
    b.m, b.xs_m, b.ys_m = p[P_M], p[P_XS_M], p[P_YS_M]
    b.chains = p[P_CHAINS]
    b.flags = p[P_FLAGS]
    b.fpe = <int*><size_t>p[P_FPE]
    b.m2, b.xs_m2, b.ys_m2, b.cs_m2 = p[P_M2], p[P_XS_M2], p[P_YS_M2], p[P_CS_M2]
    run_block(&b)


BLOCK_ADDRESS = <size_t>&fcp_block


cdef int code_of(cnp.dtype descr) except -1:
    """The kernels' code for an element type: its kind and width."""
    cdef char kind = descr.kind
    cdef Py_ssize_t size = descr.itemsize
    if kind == b'b' or (kind == b'u' and size == 1):
        return SRC_U8
    if kind == b'i' or kind == b'u':
        return ((SRC_U8 if kind == b'u' else SRC_I8)
                + (0 if size == 1 else 1 if size == 2 else 2 if size == 4 else 3))
    if kind == b'f' and size <= 8:
        return SRC_F16 if size == 2 else SRC_F32 if size == 4 else SRC_F64
    if kind == b'c' and size <= 16:
        return SRC_C64 if size == 8 else SRC_C128
    raise TypeError(f"no kernel for dtype {descr}")


def set_tiles_in_registers(on):
    """Whether square tiles of float32 and float64 in mixed layouts go
    through registers (fcp_across) or the buffer; returns the previous
    setting.  The same bits either way: the tests run both, and
    measurements compare them."""
    global tiles_in_registers
    previous = tiles_in_registers
    tiles_in_registers = bool(on) and FCP_ACROSS
    return bool(previous)


def cpu_has_x86_64_v3():
    """Whether this CPU has AVX2, FMA and the rest of x86-64-v3."""
    return bool(fcp_cpu_has_x86_64_v3())


def type_code(dtype):
    """code_of, for the numba drivers' parameters."""
    return code_of(dtype)


cdef int scan_c(cnp.ndarray x, cnp.ndarray y, tuple outer, Py_ssize_t n, Py_ssize_t xs_n,
                Py_ssize_t ys_n, Py_ssize_t m, Py_ssize_t xs_m, Py_ssize_t ys_m,
                bint chains, Py_ssize_t group, cnp.ndarray carry, int via, int flags,
                cnp.ndarray fpe) except -1:
    """scan()'s body, for its two entries."""
    cdef Py_ssize_t oshape[MAX_OUTER]
    cdef Py_ssize_t xs_o[MAX_OUTER]
    cdef Py_ssize_t ys_o[MAX_OUTER]
    cdef Py_ssize_t idx[MAX_OUTER]
    cdef Block b
    cdef int d, nouter = len(outer)
    cdef Py_ssize_t xi = cnp.PyArray_ITEMSIZE(x), yi = cnp.PyArray_ITEMSIZE(y), lane_bytes, step
    if nouter > MAX_OUTER:
        raise ValueError("more outer dimensions than numpy allows")
    if group < 1 or (group > 1 and nouter == 0):
        raise ValueError("group takes rows of an outer axis: 1, or more with one")
    for d in range(nouter):
        oshape[d], xs_o[d], ys_o[d] = outer[d]
        idx[d] = 0
    b.src, b.dst, b.via, b.mode = code_of(x.descr), code_of(y.descr), via, MODE_SCAN
    b.x = <const char*>cnp.PyArray_DATA(x)
    b.y = <char*>cnp.PyArray_DATA(y)
    b.carry = NULL if carry is None else <char*>cnp.PyArray_DATA(carry)
    b.n, b.xs_n, b.ys_n, b.m, b.xs_m, b.ys_m, b.chains = n, xs_n, ys_n, m, xs_m, ys_m, chains
    b.flags = flags
    if fpe is not None and (fpe.descr.type_num != cnp.NPY_INT or cnp.PyArray_SIZE(fpe) < 1):
        raise TypeError("fpe must be an intc array")
    b.fpe = NULL if fpe is None else <int*>cnp.PyArray_DATA(fpe)
    lane_bytes = m * (0 if carry is None else cnp.PyArray_ITEMSIZE(carry))
    b.m2, b.xs_m2, b.ys_m2, b.cs_m2 = 1, 0, 0, lane_bytes
    if nouter > 0:
        b.m2 = min(group, oshape[nouter - 1])
        b.xs_m2, b.ys_m2 = xs_o[nouter - 1], ys_o[nouter - 1]
    if m == 0 or n == 0:
        return 0
    with nogil:
        while True:
            run_block(&b)
            if b.carry != NULL:
                b.carry += lane_bytes * b.m2
            # the next outer index, odometer-wise (the last axis by its rows
            # a block takes)
            d = nouter - 1
            while d >= 0:
                step = b.m2 if d == nouter - 1 else 1
                idx[d] += step
                if idx[d] < oshape[d]:
                    b.x += xs_o[d] * step * xi
                    b.y += ys_o[d] * step * yi
                    break
                b.x -= xs_o[d] * (idx[d] - step) * xi
                b.y -= ys_o[d] * (idx[d] - step) * yi
                idx[d] = 0
                d -= 1
            if d < 0:
                break
            if nouter > 0:
                b.m2 = min(group, oshape[nouter - 1] - idx[nouter - 1])
    return 0


def scan(cnp.ndarray x, cnp.ndarray y, tuple outer, Py_ssize_t n, Py_ssize_t xs_n,
         Py_ssize_t ys_n, Py_ssize_t m, Py_ssize_t xs_m, Py_ssize_t ys_m,
         bint chains, Py_ssize_t group=1, cnp.ndarray carry=None, int via=VIA_I64,
         int flags=0, cnp.ndarray fpe=None):
    """y = cumprod(x) over the plan of fastcumprod._layout (strides in elements).

    outer holds (length, x stride, y stride) triples; group: rows of the last
    outer axis a block takes (Block.m2).  carry: the lanes'
    accumulators (outer lanes first, m a row, C order, the accumulator dtype
    of y's dtype), which the scan starts from and leaves the lanes' products
    in; None: from 1.  via: how a floating x becomes an integer y (VIA).
    flags: the variant (FLAGS).  fpe: an intc array whose first element the
    floating-point exceptions raised (FPE) are ORed into; None: not collected.
    """
    scan_c(x, y, outer, n, xs_n, ys_n, m, xs_m, ys_m, chains, group, carry, via, flags, fpe)


def scan_plan(cnp.ndarray x, cnp.ndarray y, tuple plan):
    """scan(x, y, *plan) from 1 in torch's arithmetic, plan a tuple of the
    fields of fastcumprod._layout's Plan in order: the small-call fast
    path's entry (parsing scan()'s eleven arguments took longer than a scan
    of ten elements)."""
    scan_c(x, y, plan[0], plan[1], plan[2], plan[3], plan[4], plan[5], plan[6], plan[7],
           plan[8], None, VIA_I64, 0, None)
