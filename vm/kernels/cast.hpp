// Conversion kernels, cast[to][from], with NumPy's unsafe-cast semantics:
//   float -> int truncates toward zero; NaN and out-of-range values give the integer minimum
//     (the x86 "integer indefinite" value, which is also what NumPy prints on x86);
//   anything -> bool is != 0 (complex: either part nonzero; NaN is true);
//   complex -> real takes the real part; real -> complex has a zero imaginary part;
//   bool is a 0/1 byte.
// xsimd 8.1 only converts between lanes of equal width, so these are plain loops over small
// fixed-size blocks that the compiler vectorizes. Included inside the ISA namespace.
#pragma once

// One element from -> To.
template <class To, class From> inline To convert_element(const From& x) {
  if constexpr (kIsComplex<From>) {
    using T = Real<From>;
    const T re = reinterpret_cast<const T*>(&x)[0], im = reinterpret_cast<const T*>(&x)[1];
    if constexpr (kIsBool<To>) return To((re != T(0)) | (im != T(0)));
    else if constexpr (kIsComplex<To>) return To(Real<To>(re), Real<To>(im));
    else return convert_element<To, T>(re);
  } else if constexpr (kIsBool<To>) {
    return To(x != From(0));
  } else if constexpr (kIsComplex<To>) {
    return To(convert_element<Real<To>, From>(x), Real<To>(0));
  } else if constexpr (kIsInt<To> && kIsFloat<From>) {
    constexpr From limit = From(std::uint64_t(1) << (8 * sizeof(To) - 1));  // 2**(bits-1), exact
    return (x >= -limit && x < limit) ? To(x) : std::numeric_limits<To>::min();
  } else {
    return To(x);
  }
}

// Converts n elements. Blocks are read whole before they are written, and a widening cast
// walks the blocks backwards, so d == a (same start address) is safe for every pair.
template <class To, class From, class A>
void run_cast(std::size_t n, void* d, const void* a, const void*, const void*) {
  constexpr std::size_t block = 16;
  auto* dp = static_cast<unsigned char*>(d);
  const auto* ap = static_cast<const unsigned char*>(a);
  auto convert_block = [&](std::size_t start, std::size_t count) {
    From src[block] = {};
    To dst[block];
    std::memcpy(src, ap + start * sizeof(From), count * sizeof(From));
    for (std::size_t k = 0; k < block; ++k) dst[k] = convert_element<To, From>(src[k]);
    std::memcpy(dp + start * sizeof(To), dst, count * sizeof(To));
  };
  const std::size_t full = n - n % block;
  if constexpr (sizeof(To) <= sizeof(From)) {
    for (std::size_t i = 0; i < full; i += block) convert_block(i, block);
    if (full < n) convert_block(full, n - full);
  } else {
    if (full < n) convert_block(full, n - full);
    for (std::size_t i = full; i > 0; i -= block) convert_block(i - block, block);
  }
}
