// The xsimd loops of xsimd_reference.hpp, for the instruction set this compilation targets.
// bench/CMakeLists.txt compiles this file once per ISA (the library's flags for that ISA) and
// names the table function through EXPRVM_BENCH_XSIMD_TABLE and EXPRVM_BENCH_XSIMD_ISA.
// Everything else stays in an anonymous namespace so the per-ISA copies cannot collide.
#include "bench/xsimd_reference.hpp"

#include <xsimd/xsimd.hpp>

#ifndef EXPRVM_BENCH_XSIMD_TABLE
#error "compile with -DEXPRVM_BENCH_XSIMD_TABLE=xsimd_loops_<isa> -DEXPRVM_BENCH_XSIMD_ISA=\"<isa>\""
#endif

namespace exprvm_bench {
namespace {

using Arch = xsimd::default_arch;  // the best instruction set this compilation's flags allow

// Applies `f` (batch -> batch) to in[begin, end) into out[begin, end): full batches straight
// from memory, the tail through a zero-padded batch-sized buffer so it uses the same math.
template <class T, class F>
inline void map_batches(const T* in, T* out, std::size_t begin, std::size_t end, F f) {
  using Batch = xsimd::batch<T, Arch>;
  constexpr std::size_t kWidth = Batch::size;
  std::size_t i = begin;
  for (; i + kWidth <= end; i += kWidth) f(Batch::load_unaligned(in + i)).store_unaligned(out + i);
  if (i == end) return;
  alignas(64) T tail[kWidth] = {};
  for (std::size_t j = 0; i + j < end; ++j) tail[j] = in[i + j];
  f(Batch::load_aligned(tail)).store_aligned(tail);
  for (std::size_t j = 0; i + j < end; ++j) out[i + j] = tail[j];
}

template <class T>
void tanh_relu(void* const* arrays, std::size_t begin, std::size_t end, void*) {
  map_batches(static_cast<const T*>(arrays[0]), static_cast<T*>(arrays[1]), begin, end,
              [](auto d) {
                const decltype(d) zero(T(0));
                return xsimd::tanh(xsimd::select(d > zero, d, zero));
              });
}

template <class T>
void elu(void* const* arrays, std::size_t begin, std::size_t end, void*) {
  map_batches(static_cast<const T*>(arrays[0]), static_cast<T*>(arrays[1]), begin, end,
              [](auto x) {
                const decltype(x) zero(T(0));
                return xsimd::select(x > zero, x, xsimd::expm1(x));
              });
}

// sin and cos separately, as the expression says (a sincos fusion would help both sides).
template <class T>
void sincos(void* const* arrays, std::size_t begin, std::size_t end, void*) {
  map_batches(static_cast<const T*>(arrays[0]), static_cast<T*>(arrays[1]), begin, end,
              [](auto a) {
                const auto s = xsimd::sin(a);
                const auto c = xsimd::cos(a);
                return s * s + c * c;
              });
}

}  // namespace

const XsimdLoops& EXPRVM_BENCH_XSIMD_TABLE() {
  static const XsimdLoops loops = {EXPRVM_BENCH_XSIMD_ISA,
                                   {tanh_relu<float>, tanh_relu<double>},
                                   {elu<float>, elu<double>},
                                   {sincos<float>, sincos<double>}};
  return loops;
}

}  // namespace exprvm_bench
