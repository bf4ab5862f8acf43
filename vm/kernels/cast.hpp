// Conversion kernels, cast[to][from], with NumPy's unsafe-cast semantics:
//   float -> int truncates toward zero; NaN and out-of-range values give the integer minimum
//     (the x86 "integer indefinite" value, which is also what NumPy gives on x86);
//   int64 -> int32 keeps the low 32 bits;
//   anything -> bool is != 0 (complex: either part nonzero; NaN is true);
//   complex -> real takes the real part; real -> complex has a zero imaginary part;
//   bool is a 0/1 byte.
// xsimd 8.1 only converts between lanes of equal width, so a block of cast_block() elements
// (one register of the wider real type) is converted with GCC's vector extensions
// (__builtin_convertvector, __builtin_shufflevector), which compile to the ISA's packed
// conversions and shuffles; bool conversions use xsimd masks. Included inside the ISA
// namespace (see common.hpp).
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: vm/ may be included by vm/, runtime/ and code above the library"
#endif

// A real type and its complex type (either way): xsimd's complex batches (de)interleave them.
template <class To, class From>
inline constexpr bool kRealComplexPair = std::is_same_v<Real<To>, Real<From>> && kIsComplex<To> != kIsComplex<From>;

// Elements per block: one register of the wider of the two real types (half of one when a
// complex type is involved, so that the interleaved parts fill one register: GCC lowers
// shuffles of wider vectors lane by lane).
template <class To, class From, class A> constexpr std::size_t cast_block() {
  if constexpr (kIsBool<To> || kIsBool<From>) return xsimd::batch<Real<std::conditional_t<kIsBool<To>, From, To>>, A>::size;
  if constexpr (kRealComplexPair<To, From>) return xsimd::batch<Real<To>, A>::size;
  const std::size_t parts = kIsComplex<To> || kIsComplex<From> ? 2 : 1;
  return xsimd::batch<std::uint8_t, A>::size / std::max(sizeof(Real<To>), sizeof(Real<From>)) / parts;
}

template <class T, std::size_t K> struct VecOf {
  typedef T type __attribute__((vector_size(K * sizeof(T))));
};
template <class T, std::size_t K> using Vec = typename VecOf<T, K>::type;

// The even (real) and odd (imaginary) elements of an interleaved block. (Results go through
// references: returning vectors wider than the ISA's registers would change the ABI.)
template <class V, class W, std::size_t... i>
inline void deinterleave(const W& both, V& re, V& im, std::index_sequence<i...>) {
  re = __builtin_shufflevector(both, both, (2 * i)...);
  im = __builtin_shufflevector(both, both, (2 * i + 1)...);
}
// Interleaves re and im of K lanes: re0, im0, re1, im1, ...
template <std::size_t K, class V, class W, std::size_t... i>
inline void interleave(const V& re, const V& im, W& both, std::index_sequence<i...>) {
  both = __builtin_shufflevector(re, im, ((i % 2) * K + i / 2)...);
}

// Converts to or from bool with xsimd batches of the other type (GCC's vector extensions
// handle bytes lane by lane): masks from compares, and bool bytes loaded as masks.
template <class To, class From, class A> inline void convert_bool_block(const unsigned char* src, unsigned char* dst) {
  if constexpr (kIsBool<To>) {
    using T = Real<From>;
    const auto x = xsimd::batch<From, A>::load_unaligned(reinterpret_cast<const From*>(src));
    const xsimd::batch<T, A> zero(T(0));
    if constexpr (kIsComplex<From>) store_bool_bytes(not_equal(xsimd::real(x), zero) || not_equal(xsimd::imag(x), zero), dst);
    else store_bool_bytes(not_equal(x, zero), dst);
  } else {
    using T = Real<To>;
    using R = xsimd::batch<T, A>;
    const R values = xsimd::select(load_bool_bytes<T, A>(src), R(T(1)), R(T(0)));
    if constexpr (kIsComplex<To>) xsimd::batch<To, A>(values, R(T(0))).store_unaligned(reinterpret_cast<To*>(dst));
    else values.store_unaligned(reinterpret_cast<To*>(dst));
  }
}

// Converts cast_block() elements From at src into To at dst (all of src is read first).
template <class To, class From, class A> inline void convert_block(const unsigned char* src, unsigned char* dst) {
  if constexpr (kIsBool<To> || kIsBool<From>) {
    return convert_bool_block<To, From, A>(src, dst);
  } else if constexpr (kRealComplexPair<To, From>) {
    using R = xsimd::batch<Real<To>, A>;
    if constexpr (kIsComplex<To>) {
      const R re = R::load_unaligned(reinterpret_cast<const From*>(src));
      xsimd::batch<To, A>(re, R(Real<To>(0))).store_unaligned(reinterpret_cast<To*>(dst));
    } else {
      xsimd::real(xsimd::batch<From, A>::load_unaligned(reinterpret_cast<const From*>(src))).store_unaligned(reinterpret_cast<To*>(dst));
    }
    return;
  }
  using RF = Real<From>;
  using RT = Real<To>;
  constexpr std::size_t K = cast_block<To, From, A>();
  constexpr auto lanes = std::make_index_sequence<K>{};
  Vec<RF, K> re, im = {};
  if constexpr (kIsComplex<From>) {
    Vec<RF, 2 * K> both;
    std::memcpy(&both, src, sizeof both);
    deinterleave(both, re, im, lanes);
  } else {
    std::memcpy(&re, src, sizeof re);
  }
  if constexpr (kIsInt<To> && kIsFloat<RF>) {
    using Mask = Vec<std::make_signed_t<RT>, K>;
    constexpr RF limit = RF(std::uint64_t(1) << (8 * sizeof(RT) - 1));  // 2**(bits-1), exact
    const auto in_range = (re >= -limit) & (re < limit);  // lanes of -1 / 0, as wide as RF
    const Vec<RT, K> truncated = __builtin_convertvector(in_range ? re : Vec<RF, K>{}, Vec<RT, K>);
    const Vec<RT, K> result = __builtin_convertvector(in_range, Mask) ? truncated : Vec<RT, K>{} + std::numeric_limits<RT>::min();
    std::memcpy(dst, &result, sizeof result);
  } else if constexpr (kIsComplex<To>) {
    const Vec<RT, K> out_re = __builtin_convertvector(re, Vec<RT, K>), out_im = __builtin_convertvector(im, Vec<RT, K>);
    Vec<RT, 2 * K> both;
    interleave<K>(out_re, out_im, both, std::make_index_sequence<2 * K>{});
    std::memcpy(dst, &both, sizeof both);
  } else {
    const Vec<RT, K> result = __builtin_convertvector(re, Vec<RT, K>);
    std::memcpy(dst, &result, sizeof result);
  }
}

// Converts count < cast_block() elements through zero-padded copies.
template <class To, class From, class A>
inline void convert_partial_block(const unsigned char* src, unsigned char* dst, std::size_t count) {
  constexpr std::size_t block = cast_block<To, From, A>();
  alignas(64) unsigned char padded_src[block * sizeof(From)] = {}, padded_dst[block * sizeof(To)];
  copy_elements<sizeof(From), block>(padded_src, src, count);
  convert_block<To, From, A>(padded_src, padded_dst);
  copy_elements<sizeof(To), block>(dst, padded_dst, count);
}

// Converts n elements. Blocks are read whole before they are written, and a widening cast
// walks the blocks backwards, so d == a (same start address) is safe for every pair.
template <class To, class From, class A>
void run_cast(std::size_t n, void* d, const void* a, const void*, const void*) {
  auto* dp = static_cast<unsigned char*>(d);
  const auto* ap = static_cast<const unsigned char*>(a);
  constexpr std::size_t block = cast_block<To, From, A>();
  const std::size_t full = n - n % block;
  if constexpr (sizeof(To) <= sizeof(From)) {
    for (std::size_t i = 0; i < full; i += block) convert_block<To, From, A>(ap + i * sizeof(From), dp + i * sizeof(To));
    if (full < n) convert_partial_block<To, From, A>(ap + full * sizeof(From), dp + full * sizeof(To), n - full);
  } else {
    if (full < n) convert_partial_block<To, From, A>(ap + full * sizeof(From), dp + full * sizeof(To), n - full);
    for (std::size_t i = full; i > 0; i -= block)
      convert_block<To, From, A>(ap + (i - block) * sizeof(From), dp + (i - block) * sizeof(To));
  }
}
