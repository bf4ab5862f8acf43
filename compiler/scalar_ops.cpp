// Values, casts, loads/stores and reductions of compiler/scalar_ops.hpp. The elementwise ops
// (apply_op) live in compiler/scalar_ops_math.cpp.
#include "compiler/scalar_ops.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

#include "core/error.hpp"
#include "core/numpy_scalar.hpp"

namespace exprvm {
namespace {

[[noreturn]] void bad_reduction(Op op, DType t) {
  throw Error(ErrorKind::Internal, "scalar reduction " + std::string(op_info(op).spelling) +
                                       " is not defined for " + std::string(dtype_name(t)));
}

}  // namespace

bool same_bits(const Value& a, const Value& b) { return a.dtype == b.dtype && a.bytes == b.bytes; }

std::complex<double> Value::to_complex128() const {
  return cast_value(*this, DType::Complex128).get<std::complex<double>>();
}

std::string Value::to_string() const {
  std::ostringstream s;
  s << dtype_name(dtype) << "(";
  with_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T v = get<T>();
    if constexpr (std::is_same_v<T, bool>) {
      s << (v ? "True" : "False");
    } else if constexpr (numpy::kIsInteger<T>) {
      s << +v;  // + prints 8-bit integers as numbers
    } else if constexpr (std::is_same_v<T, float16>) {
      s.precision(5);
      s << v.to_float();
    } else {
      s.precision(std::numeric_limits<numpy::RealPart<T>>::max_digits10);
      s << v;
    }
  });
  s << ")";
  return s.str();
}

Value cast_value(const Value& v, DType to) {
  return with_dtype(v.dtype, [&](auto from_tag) {
    using From = typename decltype(from_tag)::type;
    return with_dtype(to, [&](auto to_tag) {
      using To = typename decltype(to_tag)::type;
      return Value::of(numpy::cast<To>(v.get<From>()));
    });
  });
}

Value load_value(const void* p, DType storage) {
  return with_dtype(storage, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, bool>) {
      return Value::of(*static_cast<const std::uint8_t*>(p) != 0);
    } else {
      T v;
      std::memcpy(&v, p, sizeof v);
      return cast_value(Value::of(v), native_of(storage));
    }
  });
}

void store_value(const Value& v, void* p, DType storage) {
  with_dtype(storage, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T x = cast_value(v, storage).get<T>();
    if constexpr (std::is_same_v<T, bool>) *static_cast<std::uint8_t*>(p) = x ? 1 : 0;
    else std::memcpy(p, &x, sizeof x);
  });
}

Value reduce_identity_value(Op op, DType t) {
  if (op_info(op).form != OpForm::Reduce || !op_accepts(op, t)) bad_reduction(op, t);
  switch (op) {
    case Op::SUM: return cast_value(Value::of(false), t);
    case Op::PROD: return cast_value(Value::of(true), t);
    case Op::ANY: return Value::of(false);
    case Op::ALL: return Value::of(true);
    case Op::MIN:
    case Op::MAX:
      return with_dtype(t, [&](auto tag) {
        using T = typename decltype(tag)::type;
        using L = std::numeric_limits<T>;
        if constexpr (L::has_infinity) return Value::of(op == Op::MIN ? L::infinity() : -L::infinity());
        else return Value::of(op == Op::MIN ? L::max() : L::lowest());
      });
    default: bad_reduction(op, t);
  }
}

void reduce_step(Op op, Value& acc, const Value& x) {
  if (op_info(op).form != OpForm::Reduce || !op_accepts(op, acc.dtype) || x.dtype != acc.dtype)
    bad_reduction(op, x.dtype);
  const Value pair[] = {acc, x};
  switch (op) {
    case Op::SUM: acc = apply_op(Op::ADD, acc.dtype, pair); return;
    case Op::PROD: acc = apply_op(Op::MUL, acc.dtype, pair); return;
    case Op::MIN: acc = apply_op(Op::MINIMUM, acc.dtype, pair); return;
    case Op::MAX: acc = apply_op(Op::MAXIMUM, acc.dtype, pair); return;
    case Op::ANY: acc = Value::of(acc.get<bool>() || x.get<bool>()); return;
    case Op::ALL: acc = Value::of(acc.get<bool>() && x.get<bool>()); return;
    default: bad_reduction(op, x.dtype);
  }
}

}  // namespace exprvm
