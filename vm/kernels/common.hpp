// Shared building blocks of the kernel templates: element types, the batch loop with its
// tail handling, and bool-byte <-> batch_bool conversions.
//
// All vm/kernels/*.hpp headers are included by vm/kernel_table_isa.cpp INSIDE a namespace
// named after the instruction set (together with xsimd itself), so every function here is a
// distinct symbol per ISA translation unit: the linker can never pick an AVX-512 copy of an
// inline function for the SSE2 table. Do not include them from anywhere else.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: vm/ may be included by vm/, runtime/ and code above the library"
#endif

template <class T> struct IsComplex : std::false_type {};
template <class T> struct IsComplex<std::complex<T>> : std::true_type {};

// The C++ element type a native dtype computes in: its CxxType, except that bool is a byte
// holding 0 or 1. (The SIMD tables never see uint8, so a uint8_t element means bool here.)
template <DType t> using Elem = std::conditional_t<t == DType::Bool, std::uint8_t, CxxType<t>>;

template <class E> inline constexpr bool kIsBool = std::is_same_v<E, std::uint8_t>;
template <class E> inline constexpr bool kIsInt = std::is_same_v<E, std::int32_t> || std::is_same_v<E, std::int64_t>;
template <class E> inline constexpr bool kIsFloat = std::is_floating_point_v<E>;
template <class E> inline constexpr bool kIsComplex = IsComplex<E>::value;

// The real scalar type underneath E (float for complex<float>, E otherwise).
template <class E> struct RealOf { using type = E; };
template <class T> struct RealOf<std::complex<T>> { using type = T; };
template <class E> using Real = typename RealOf<E>::type;

template <class A> inline constexpr bool kIsAvx512 = std::is_base_of_v<xsimd::avx512f, A>;
template <class A> inline constexpr bool kIsAvx2 = std::is_base_of_v<xsimd::avx2, A>;

// ---- comparisons that avoid xsimd 8.1 bugs: on AVX and AVX-512, float != is the ordered
// compare (NaN != x gives false), and AVX-512's batch_bool ^ is an OR.

// a != b with NumPy's NaN semantics (true when either is NaN).
template <class T, class A> inline auto not_equal(const xsimd::batch<T, A>& a, const xsimd::batch<T, A>& b) {
  if constexpr (kIsFloat<T>) return !(a == b);
  else return a != b;
}
template <class T, class A> inline xsimd::batch_bool<T, A> is_nan(const xsimd::batch<T, A>& a) { return !(a == a); }
template <class T, class A>
inline xsimd::batch_bool<T, A> mask_xor(const xsimd::batch_bool<T, A>& x, const xsimd::batch_bool<T, A>& y) {
  return (x || y) && !(x && y);
}
// a * b, wrapping around for signed integers as NumPy does: the product is taken in the
// unsigned type (xsimd's emulated 64-bit, and SSE2's 32-bit, multiplies are scalar C++ `*`,
// whose signed overflow is undefined behaviour).
template <class T, class A>
inline xsimd::batch<T, A> wrapping_mul(const xsimd::batch<T, A>& a, const xsimd::batch<T, A>& b) {
  if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    using U = xsimd::batch<std::make_unsigned_t<T>, A>;
    return xsimd::bitwise_cast<xsimd::batch<T, A>>(xsimd::bitwise_cast<U>(a) * xsimd::bitwise_cast<U>(b));
  } else {
    return a * b;
  }
}
// -a, flipping the sign bit of floats (0 - a would give +0 for +0).
template <class T, class A> inline xsimd::batch<T, A> negate(const xsimd::batch<T, A>& a) {
  if constexpr (kIsFloat<T>) return a ^ xsimd::batch<T, A>(T(-0.0));
  else return -a;
}

// sqrt(x*x + y*y) without overflow or underflow (xsimd 8.1's hypot and complex abs square
// directly), within about 1 ULP: both parts are scaled exactly by the power of two that
// brings the larger into [1, 2), then sqrt(fma(x, x, y*y)) is scaled back. Subnormal inputs
// are first lifted by 2**mantissa_bits. An infinite part wins over NaN, as in C.
template <class T, class A>
inline xsimd::batch<T, A> stable_hypot(const xsimd::batch<T, A>& x, const xsimd::batch<T, A>& y) {
  using R = xsimd::batch<T, A>;
  using I = xsimd::as_integer_t<R>;
  using IE = typename I::value_type;
  constexpr int mantissa_bits = std::numeric_limits<T>::digits - 1;
  constexpr IE exponent_mask = IE(2 * std::numeric_limits<T>::max_exponent - 1) << mantissa_bits;
  constexpr IE twice_bias = IE(2 * (std::numeric_limits<T>::max_exponent - 1)) << mantissa_bits;
  const T lift = T(IE(1) << mantissa_bits);
  R ax = xsimd::abs(x), ay = xsimd::abs(y);
  const auto subnormal = xsimd::max(ax, ay) < std::numeric_limits<T>::min();
  ax = xsimd::select(subnormal, ax * lift, ax);
  ay = xsimd::select(subnormal, ay * lift, ay);
  const R big = xsimd::max(ax, ay), small = xsimd::min(ax, ay);
  // the largest exponent is capped one below the top so that its inverse stays normal
  const I exponent = xsimd::min(xsimd::bitwise_cast<I>(big) & I(exponent_mask), I(twice_bias - (IE(1) << mantissa_bits)));
  const R up = xsimd::bitwise_cast<R>(exponent), down = xsimd::bitwise_cast<R>(I(twice_bias) - exponent);
  const R xs = big * down, ys = small * down;
  R r = xsimd::sqrt(xsimd::fma(xs, xs, ys * ys)) * up;
  r = xsimd::select(subnormal, r / lift, r);
  r = xsimd::select(big == T(0), R(T(0)), r);
  r = xsimd::select(is_nan(ax) || is_nan(ay), R(std::numeric_limits<T>::quiet_NaN()), r);
  return xsimd::select(xsimd::isinf(ax) || xsimd::isinf(ay), R(std::numeric_limits<T>::infinity()), r);
}

// ---- bool bytes <-> masks -------------------------------------------------------------------

// Byte k of kSpreadBits[m] is bit k of m: turns an 8-bit lane mask into eight 0/1 bytes.
template <class A> struct SpreadBits {
  static constexpr std::array<std::uint64_t, 256> make() {
    std::array<std::uint64_t, 256> t{};
    for (unsigned m = 0; m < 256; ++m)
      for (unsigned k = 0; k < 8; ++k) t[m] |= std::uint64_t((m >> k) & 1u) << (8 * k);
    return t;
  }
  static constexpr std::array<std::uint64_t, 256> table = make();
};

// Lane mask of m as bits (bit i = lane i), for SSE2 and AVX2 registers.
template <class T, class A>
inline std::uint64_t movemask(const xsimd::batch_bool<T, A>& m) {
  auto r = m.data;
  if constexpr (kIsAvx2<A>) {
    if constexpr (sizeof(T) == 1) return std::uint32_t(_mm256_movemask_epi8(__m256i(r)));
    else if constexpr (sizeof(T) == 4) return unsigned(_mm256_movemask_ps(_mm256_castsi256_ps(__m256i(r))));
    else return unsigned(_mm256_movemask_pd(_mm256_castsi256_pd(__m256i(r))));
  } else {
    if constexpr (sizeof(T) == 1) return unsigned(_mm_movemask_epi8(__m128i(r)));
    else if constexpr (sizeof(T) == 4) return unsigned(_mm_movemask_ps(_mm_castsi128_ps(__m128i(r))));
    else return unsigned(_mm_movemask_pd(_mm_castsi128_pd(__m128i(r))));
  }
}

// Stores the N lanes of m as N bytes 0/1 at d.
template <class T, class A>
inline void store_bool_bytes(const xsimd::batch_bool<T, A>& m, std::uint8_t* d) {
  constexpr std::size_t n = xsimd::batch_bool<T, A>::size;
  if constexpr (sizeof(T) == 1) {
    using U = xsimd::batch<T, A>;
    xsimd::select(m, U(1), U(0)).store_unaligned(reinterpret_cast<T*>(d));
  } else if constexpr (kIsAvx512<A>) {
    const __m128i bytes = _mm_maskz_mov_epi8(__mmask16(m.data), _mm_set1_epi8(1));
    if constexpr (n == 16) _mm_storeu_si128(reinterpret_cast<__m128i*>(d), bytes);
    else _mm_storel_epi64(reinterpret_cast<__m128i*>(d), bytes);
  } else {
    const std::uint64_t bits = movemask(m);
    const auto& spread = SpreadBits<A>::table;
    for (std::size_t i = 0; i < n; i += 8) {
      const std::uint64_t bytes = spread[(bits >> i) & 0xFF];
      std::memcpy(d + i, &bytes, n < 8 ? n : 8);
    }
  }
}

// Reads N bool bytes (0 or 1) at p as a mask over N lanes of T.
template <class T, class A>
inline xsimd::batch_bool<T, A> load_bool_bytes(const std::uint8_t* p) {
  using BB = xsimd::batch_bool<T, A>;
  constexpr std::size_t n = BB::size;
  if constexpr (sizeof(T) == 1) {
    return xsimd::batch<T, A>::load_unaligned(reinterpret_cast<const T*>(p)) != T(0);
  } else if constexpr (kIsAvx512<A>) {
    if constexpr (n == 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      return BB(typename BB::register_type(_mm_test_epi8_mask(v, v)));
    } else {
      const __m128i v = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
      return BB(typename BB::register_type(_mm_test_epi8_mask(v, v)));
    }
  } else if constexpr (kIsAvx2<A>) {
    __m256i wide;
    if constexpr (n == 8) {
      wide = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
      wide = _mm256_cmpgt_epi32(wide, _mm256_setzero_si256());
    } else {
      std::uint32_t four;
      std::memcpy(&four, p, 4);
      wide = _mm256_cvtepu8_epi64(_mm_cvtsi32_si128(int(four)));
      wide = _mm256_cmpgt_epi64(wide, _mm256_setzero_si256());
    }
    return BB(typename BB::register_type(wide));
  } else {
    std::uint32_t raw = 0;
    std::memcpy(&raw, p, n);
    const __m128i zero = _mm_setzero_si128();
    __m128i v = _mm_unpacklo_epi16(_mm_unpacklo_epi8(_mm_cvtsi32_si128(int(raw)), zero), zero);
    v = _mm_cmpgt_epi32(v, zero);
    if constexpr (n == 2) v = _mm_unpacklo_epi32(v, v);
    return BB(typename BB::register_type(v));
  }
}

// ---- the batch loop --------------------------------------------------------------------------

// Copies count < lanes elements (lanes a power of two) of `size` bytes as fixed-size pieces
// (lanes/2, lanes/4, ..., 1 elements): each piece is a constant-size copy the compiler inlines,
// where a libc memcpy call for a short tail would cost more than the copy itself.
template <std::size_t size, std::size_t lanes>
[[gnu::always_inline]] inline void copy_elements(unsigned char* dst, const unsigned char* src, std::size_t count) {
  constexpr std::size_t block = lanes / 2;
  if constexpr (size != 0 && block != 0) {
    if (count & block) {
      std::memcpy(dst, src, block * size);
      dst += block * size;
      src += block * size;
    }
    copy_elements<size, block>(dst, src, count);
  }
}

// Runs Step over n elements: Step::lanes elements per call, reading its operands' bytes per
// element from each non-null operand and writing Step::out_size bytes per element (operand
// sizes are Step::a_size, b_size, c_size). The last
// n % lanes elements go through the same Step on zero-padded stack copies, so every element
// is computed by the same code whatever its position in the chunk.
template <class Step, class A>
inline void run_batches(std::size_t n, void* d, const void* a, const void* b, const void* c) {
  constexpr std::size_t lanes = Step::lanes;
  // Operand element sizes; an unused operand has size 0 (its pointer is null).
  constexpr std::size_t isz[3] = {Step::a_size, Step::b_size, Step::c_size};
  constexpr std::size_t tail_a = lanes * (Step::a_size ? Step::a_size : 1);
  constexpr std::size_t tail_b = lanes * (Step::b_size ? Step::b_size : 1);
  constexpr std::size_t tail_c = lanes * (Step::c_size ? Step::c_size : 1);
  const std::size_t full = n - n % lanes;
  auto* dp = static_cast<unsigned char*>(d);
  const auto* ap = static_cast<const unsigned char*>(a);
  const auto* bp = static_cast<const unsigned char*>(b);
  const auto* cp = static_cast<const unsigned char*>(c);
  for (std::size_t i = 0; i < full; i += lanes)
    Step::run(dp + i * Step::out_size, ap + i * isz[0], bp ? bp + i * isz[1] : nullptr,
              cp ? cp + i * isz[2] : nullptr);
  const std::size_t rest = n - full;
  if (rest == 0) return;
  alignas(64) unsigned char ta[tail_a] = {}, tb[tail_b] = {}, tc[tail_c] = {};
  alignas(64) unsigned char td[lanes * Step::out_size] = {};
  copy_elements<isz[0], lanes>(ta, ap + full * isz[0], rest);
  if (bp) copy_elements<isz[1], lanes>(tb, bp + full * isz[1], rest);
  if (cp) copy_elements<isz[2], lanes>(tc, cp + full * isz[2], rest);
  Step::run(td, ta, bp ? tb : nullptr, cp ? tc : nullptr);
  copy_elements<Step::out_size, lanes>(dp + full * Step::out_size, td, rest);
}

// Stores a kernel's batch result: value batches as they are, masks as bool bytes.
template <class X, class A>
inline void store_result(const xsimd::batch<X, A>& r, void* d) {
  r.store_unaligned(static_cast<X*>(d));
}
template <class X, class A>
inline void store_result(const xsimd::batch_bool<X, A>& r, void* d) {
  store_bool_bytes(r, static_cast<std::uint8_t*>(d));
}

// Applies a lane-wise scalar function f to a batch (for functions xsimd computes inexactly).
template <class E, class A, class F> inline xsimd::batch<E, A> lanewise(const xsimd::batch<E, A>& a, F f) {
  constexpr std::size_t n = xsimd::batch<E, A>::size;
  alignas(64) E x[n];
  a.store_aligned(x);
  for (std::size_t i = 0; i < n; ++i) x[i] = f(x[i]);
  return xsimd::batch<E, A>::load_aligned(x);
}

// Applies a lane-wise scalar function f to batches (for integer operations without a SIMD
// instruction: division, modulo, power, variable shifts).
template <class E, class A, class F>
inline xsimd::batch<E, A> lanewise(const xsimd::batch<E, A>& a, const xsimd::batch<E, A>& b, F f) {
  constexpr std::size_t n = xsimd::batch<E, A>::size;
  alignas(64) E x[n], y[n];
  a.store_aligned(x);
  b.store_aligned(y);
  for (std::size_t i = 0; i < n; ++i) x[i] = f(x[i], y[i]);
  return xsimd::batch<E, A>::load_aligned(x);
}
