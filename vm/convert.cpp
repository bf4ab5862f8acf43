#include "vm/convert.hpp"

#include <complex>
#include <cstring>
#include <type_traits>

namespace exprvm::vm {
namespace {

template <class T> struct is_complex : std::false_type {};
template <class T> struct is_complex<std::complex<T>> : std::true_type {};

template <class D, class S>
D convert_value(S s) {
  if constexpr (std::is_same_v<D, S>) {
    return s;
  } else if constexpr (std::is_same_v<D, bool>) {
    return s != S{};
  } else if constexpr (is_complex<S>::value && !is_complex<D>::value) {
    return convert_value<D>(s.real());
  } else if constexpr (is_complex<D>::value) {
    using R = typename D::value_type;
    if constexpr (is_complex<S>::value) return D(static_cast<R>(s.real()), static_cast<R>(s.imag()));
    else return D(static_cast<R>(s), R{});
  } else if constexpr (std::is_integral_v<D> && std::is_floating_point_v<S> && sizeof(D) < 4) {
    return static_cast<D>(static_cast<std::int64_t>(s));  // narrow ints: truncate, then wrap
  } else if constexpr (std::is_integral_v<D> && std::is_floating_point_v<S> &&
                       std::is_unsigned_v<D>) {
    return static_cast<D>(static_cast<std::int64_t>(s));
  } else {
    return static_cast<D>(s);
  }
}

// Calls f(T{}) with T the C++ element type of t.
template <class F>
void with_type(DType t, F&& f) {
  switch (t) {
    case DType::Bool: f(bool{}); break;
    case DType::Int8: f(std::int8_t{}); break;
    case DType::Int16: f(std::int16_t{}); break;
    case DType::Int32: f(std::int32_t{}); break;
    case DType::Int64: f(std::int64_t{}); break;
    case DType::UInt8: f(std::uint8_t{}); break;
    case DType::UInt16: f(std::uint16_t{}); break;
    case DType::UInt32: f(std::uint32_t{}); break;
    case DType::Float32: f(float{}); break;
    case DType::Float64: f(double{}); break;
    case DType::Complex64: f(std::complex<float>{}); break;
    case DType::Complex128: f(std::complex<double>{}); break;
  }
}

template <class T>
T load(const char* p) {
  if constexpr (std::is_same_v<T, bool>) {
    return *reinterpret_cast<const std::uint8_t*>(p) != 0;
  } else {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
  }
}

template <class T>
void store(char* p, T v) {
  if constexpr (std::is_same_v<T, bool>) *reinterpret_cast<std::uint8_t*>(p) = v ? 1 : 0;
  else std::memcpy(p, &v, sizeof(T));
}

}  // namespace

void gather_convert(void* dst, DType dst_t, const char* src, std::int64_t src_stride, DType src_t,
                    std::size_t n) {
  with_type(dst_t, [&](auto d_tag) {
    using D = decltype(d_tag);
    with_type(src_t, [&](auto s_tag) {
      using S = decltype(s_tag);
      char* out = static_cast<char*>(dst);
      if (src_stride == static_cast<std::int64_t>(sizeof(S)) && std::is_same_v<D, S>) {
        std::memcpy(out, src, n * sizeof(S));
        return;
      }
      for (std::size_t i = 0; i < n; ++i)
        store<D>(out + i * sizeof(D),
                 convert_value<D>(load<S>(src + static_cast<std::int64_t>(i) * src_stride)));
    });
  });
}

void scatter_convert(char* dst, std::int64_t dst_stride, DType dst_t, const void* src, DType src_t,
                     std::size_t n) {
  with_type(dst_t, [&](auto d_tag) {
    using D = decltype(d_tag);
    with_type(src_t, [&](auto s_tag) {
      using S = decltype(s_tag);
      const char* in = static_cast<const char*>(src);
      if (dst_stride == static_cast<std::int64_t>(sizeof(D)) && std::is_same_v<D, S>) {
        std::memcpy(dst, in, n * sizeof(D));
        return;
      }
      for (std::size_t i = 0; i < n; ++i)
        store<D>(dst + static_cast<std::int64_t>(i) * dst_stride,
                 convert_value<D>(load<S>(in + i * sizeof(S))));
    });
  });
}

}  // namespace exprvm::vm
