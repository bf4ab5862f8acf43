// The generic kernels: one scalar loop per (op, dtype) over core/numpy_scalar.hpp's semantics,
// compiled ONCE with the baseline flags (GCC vectorizes the simple loops). They serve the
// native dtypes without SIMD kernels (has_simd_kernels() false: narrow and unsigned
// integers), for every op their opcode-table row allows, and every cast to or from them.
// kernel_table() (vm/isa_dispatch.cpp) fills the entries the ISA tables leave empty from here.
#include <complex>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "core/numpy_scalar.hpp"
#include "vm/kernel.hpp"
#include "vm/kernel_table_builder.hpp"
#include "vm/kernel_tables.hpp"

namespace exprvm::vm {
namespace {

// Element i of an operand of type T at p (no alignment assumed); bool is a 0/1 byte.
template <class T> inline T load(const void* p, std::size_t i) {
  if constexpr (std::is_same_v<T, bool>) {
    return static_cast<const std::uint8_t*>(p)[i] != 0;
  } else {
    T v;
    std::memcpy(&v, static_cast<const unsigned char*>(p) + i * sizeof(T), sizeof(T));
    return v;
  }
}
template <class T> inline void store(void* p, std::size_t i, T v) {
  if constexpr (std::is_same_v<T, bool>) {
    static_cast<std::uint8_t*>(p)[i] = v ? 1 : 0;
  } else {
    std::memcpy(static_cast<unsigned char*>(p) + i * sizeof(T), &v, sizeof(T));
  }
}

// One element of elementwise integer op `op` on operands of type T (the ops of opcodes.def
// whose row includes I). The result is T or bool.
template <Op op, class T> inline auto element(T a, T b, T c) {
  namespace np = numpy;
  if constexpr (op == Op::COPY) return a;
  else if constexpr (op == Op::NEG) return np::neg(a);
  else if constexpr (op == Op::INVERT) return T(~a);
  else if constexpr (op == Op::ABS) return np::abs(a);
  else if constexpr (op == Op::SQUARE) return np::mul(a, a);
  else if constexpr (op == Op::SIGN) return np::sign(a);
  else if constexpr (op == Op::ONES_LIKE) return T(1);
  else if constexpr (op == Op::ADD) return np::add(a, b);
  else if constexpr (op == Op::SUB) return np::sub(a, b);
  else if constexpr (op == Op::MUL) return np::mul(a, b);
  else if constexpr (op == Op::FLOORDIV) return np::floordiv(a, b);
  else if constexpr (op == Op::MOD) return np::mod(a, b);
  else if constexpr (op == Op::FMOD) return np::int_fmod(a, b);
  else if constexpr (op == Op::POW) return np::int_pow(a, b);
  else if constexpr (op == Op::LSHIFT) return np::lshift(a, b);
  else if constexpr (op == Op::RSHIFT) return np::rshift(a, b);
  else if constexpr (op == Op::AND) return T(a & b);
  else if constexpr (op == Op::OR) return T(a | b);
  else if constexpr (op == Op::XOR) return T(a ^ b);
  else if constexpr (op == Op::LT) return a < b;
  else if constexpr (op == Op::LE) return a <= b;
  else if constexpr (op == Op::EQ) return a == b;
  else if constexpr (op == Op::NE) return a != b;
  else if constexpr (op == Op::GE) return a >= b;
  else if constexpr (op == Op::GT) return a > b;
  else if constexpr (op == Op::MAXIMUM) return np::maximum(a, b);
  else if constexpr (op == Op::MINIMUM) return np::minimum(a, b);
  else if constexpr (op == Op::CLIP) return np::clip(a, b, c);
  else if constexpr (op == Op::SELECT_LT) return a < b ? a : c;
  else if constexpr (op == Op::SELECT_LE) return a <= b ? a : c;
  else if constexpr (op == Op::SELECT_GE) return a >= b ? a : c;
  else if constexpr (op == Op::SELECT_GT) return a > b ? a : c;
  else static_assert(op == Op::COPY, "element: no generic kernel for this op (see opcodes.def)");
}

// d[i] = op(a[i], b[i], c[i]); d may be the same pointer as an operand (each element is read
// before it is written).
template <Op op, int arity, class T>
void run_elementwise(std::size_t n, void* d, const void* a, const void* b, const void* c) {
  if constexpr (op == Op::WHERE) {
    for (std::size_t i = 0; i < n; ++i) store(d, i, load<bool>(a, i) ? load<T>(b, i) : load<T>(c, i));
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      const T x = load<T>(a, i);
      const T y = arity >= 2 ? load<T>(b, i) : T(0);
      const T z = arity >= 3 ? load<T>(c, i) : T(0);
      store(d, i, element<op, T>(x, y, z));
    }
  }
}

// *d = fold(*d, a[0..n)) in element order.
template <Op op, class T> void run_reduce(std::size_t n, void* d, const void* a, const void*, const void*) {
  T acc = load<T>(d, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const T x = load<T>(a, i);
    if constexpr (op == Op::SUM) acc = numpy::add(acc, x);
    else if constexpr (op == Op::PROD) acc = numpy::mul(acc, x);
    else if constexpr (op == Op::MIN) acc = numpy::minimum(acc, x);
    else if constexpr (op == Op::MAX) acc = numpy::maximum(acc, x);
    else static_assert(op == Op::SUM, "run_reduce: no generic integer reduction for this op");
  }
  store(d, 0, acc);
}

template <class To, class From> void run_cast(std::size_t n, void* d, const void* a, const void*, const void*) {
  if constexpr (sizeof(To) <= sizeof(From)) {
    for (std::size_t i = 0; i < n; ++i) store(d, i, numpy::cast<To>(load<From>(a, i)));
  } else {  // widening: backwards, so that d == a is safe
    for (std::size_t i = n; i > 0; --i) store(d, i - 1, numpy::cast<To>(load<From>(a, i - 1)));
  }
}

// The generic table's entries (for build_kernel_table): the ops of dtypes without SIMD
// kernels, and the casts from or to one.
struct GenericFiller {
  template <Op op, OpForm form, int arity, DType t> static void fill_op(KernelTable& table) {
    if constexpr (!has_simd_kernels(t)) {
      using T = CxxType<t>;
      if constexpr (form == OpForm::Reduce) table.op[int(op)][int(t)] = &run_reduce<op, T>;
      else table.op[int(op)][int(t)] = &run_elementwise<op, arity, T>;
    }
  }
  template <DType to, DType from> static void fill_cast(KernelTable& table) {
    if constexpr (!has_simd_kernels(to) || !has_simd_kernels(from))
      table.cast[int(to)][int(from)] = &run_cast<CxxType<to>, CxxType<from>>;
  }
};

}  // namespace

const KernelTable& kernel_table_generic() {
  static const KernelTable table = build_kernel_table<GenericFiller>();
  return table;
}

}  // namespace exprvm::vm
