#include "vm/convert.hpp"

#include <complex>
#include <cstring>
#include <type_traits>

#include "core/numpy_scalar.hpp"

namespace exprvm::vm {
namespace {

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
  with_dtype(dst_t, [&](auto d_tag) {
    using D = typename decltype(d_tag)::type;
    with_dtype(src_t, [&](auto s_tag) {
      using S = typename decltype(s_tag)::type;
      char* out = static_cast<char*>(dst);
      if (src_stride == static_cast<std::int64_t>(sizeof(S)) && std::is_same_v<D, S>) {
        std::memcpy(out, src, n * sizeof(S));
        return;
      }
      for (std::size_t i = 0; i < n; ++i)
        store<D>(out + i * sizeof(D),
                 numpy::cast<D>(load<S>(src + static_cast<std::int64_t>(i) * src_stride)));
    });
  });
}

void scatter_convert(char* dst, std::int64_t dst_stride, DType dst_t, const void* src, DType src_t,
                     std::size_t n) {
  with_dtype(dst_t, [&](auto d_tag) {
    using D = typename decltype(d_tag)::type;
    with_dtype(src_t, [&](auto s_tag) {
      using S = typename decltype(s_tag)::type;
      const char* in = static_cast<const char*>(src);
      if (dst_stride == static_cast<std::int64_t>(sizeof(D)) && std::is_same_v<D, S>) {
        std::memcpy(dst, in, n * sizeof(D));
        return;
      }
      for (std::size_t i = 0; i < n; ++i)
        store<D>(dst + static_cast<std::int64_t>(i) * dst_stride,
                 numpy::cast<D>(load<S>(in + i * sizeof(S))));
    });
  });
}

}  // namespace exprvm::vm
