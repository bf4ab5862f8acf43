// Shared test utilities: arrays the test owns (contiguous, strided, transposed, reversed,
// broadcast views over one buffer), element access in C order, random and edge values,
// comparison of values / arrays with a tolerance in units in the last place (ULP), and the
// Error a call is expected to throw.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/scalar_ops.hpp"
#include "compiler/typecheck.hpp"
#include "core/array.hpp"
#include <exprvm/exprvm.hpp>
#include "tests/reference_eval.hpp"

namespace exprvm::testing {

// ---------------------------------------------------------------- arrays

// A view over a buffer the test owns (shared, so copies of a TestArray alias the same bytes).
struct TestArray {
  std::shared_ptr<std::vector<std::byte>> storage;
  Array view;
};

// How a test array's elements are laid out in its buffer.
enum class Layout {
  Contiguous,  // C order
  Strided,     // every other element of a twice larger buffer (last axis stride doubled)
  Transposed,  // Fortran order: a transposed view of a C-ordered buffer
  Reversed,    // negative strides on every axis: data points at the last element
};

// NumPy's refusal of an integer power with a negative constant exponent (`a ** -2` on ints): a
// compile-time rejection that generated tests count like a type error.
inline bool is_negative_integer_power_error(const Error& e) {
  return e.kind() == ErrorKind::Argument &&
         e.message().find("negative integer powers") != std::string::npos;
}

inline std::string shape_string(const Array& a) {
  std::string s = "(";
  for (int d = 0; d < a.ndim; ++d) s += std::to_string(a.shape[d]) + (a.ndim == 1 || d + 1 < a.ndim ? "," : "");
  return s + ")";
}

inline std::string layout_name(Layout l) {
  switch (l) {
    case Layout::Contiguous: return "contiguous";
    case Layout::Strided: return "strided";
    case Layout::Transposed: return "transposed";
    case Layout::Reversed: return "reversed";
  }
  return "?";
}

// A zero-filled array of `dtype` and `shape` laid out as `layout`.
inline TestArray make_array(DType dtype, const std::vector<std::int64_t>& shape,
                            Layout layout = Layout::Contiguous) {
  const auto item = static_cast<std::int64_t>(itemsize(dtype));
  const int ndim = static_cast<int>(shape.size());
  std::int64_t count = 1;
  for (auto n : shape) count *= n;
  const std::int64_t spread = layout == Layout::Strided ? 2 : 1;
  TestArray t;
  t.storage = std::make_shared<std::vector<std::byte>>(
      static_cast<std::size_t>(std::max<std::int64_t>(count * spread, 1) * item));
  std::vector<std::int64_t> strides(ndim);
  if (layout == Layout::Transposed) {
    std::int64_t step = item;  // first axis fastest
    for (int d = 0; d < ndim; ++d) { strides[d] = step; step *= shape[d]; }
  } else {
    std::int64_t step = item * spread;  // last axis fastest
    for (int d = ndim - 1; d >= 0; --d) { strides[d] = step; step *= shape[d]; }
  }
  std::byte* data = t.storage->data();
  if (layout == Layout::Reversed && count > 0) {
    data += (count - 1) * item;
    for (auto& s : strides) s = -s;
  }
  t.view = Array::strided(data, dtype, shape, strides);
  return t;
}

// Address of element `linear` (C order) of `a` (no allocation: the fuzzer calls it per element).
inline std::byte* element_pointer(const Array& a, std::int64_t linear) {
  auto* p = static_cast<std::byte*>(a.data);
  for (int d = a.ndim - 1; d >= 0; --d) {
    p += (linear % a.shape[d]) * a.strides[d];
    linear /= a.shape[d];
  }
  return p;
}

inline Value get_element(const Array& a, std::int64_t linear) {
  return load_value(element_pointer(a, linear), a.dtype);
}
inline void set_element(const Array& a, std::int64_t linear, const Value& v) {
  store_value(v, element_pointer(a, linear), a.dtype);
}

// Writes values[i % values.size()] into element i (C order) of `a`.
inline void fill(const Array& a, const std::vector<Value>& values) {
  for (std::int64_t i = 0; i < a.size(); ++i)
    set_element(a, i, values[static_cast<std::size_t>(i) % values.size()]);
}

// A C-ordered deep copy of `a` (same dtype and shape).
inline TestArray copy_of(const Array& a) {
  TestArray c = make_array(a.dtype, std::vector<std::int64_t>(a.shape.begin(), a.shape.begin() + a.ndim));
  const auto item = itemsize(a.dtype);
  for (std::int64_t i = 0; i < a.size(); ++i)
    std::memcpy(element_pointer(c.view, i), element_pointer(a, i), item);
  return c;
}

// The raw bytes of every element of `a` in C order (to check a buffer was left untouched).
inline std::vector<std::byte> element_bytes(const Array& a) {
  std::vector<std::byte> bytes;
  const auto item = itemsize(a.dtype);
  for (std::int64_t i = 0; i < a.size(); ++i) {
    const std::byte* p = element_pointer(a, i);
    bytes.insert(bytes.end(), p, p + item);
  }
  return bytes;
}

// ---------------------------------------------------------------- values

// Edge values of a native dtype: zeros, ones, extremes, NaN, infinities, subnormals.
inline std::vector<Value> edge_values(DType t) {
  std::vector<Value> v;
  switch (t) {
    case DType::Bool: return {Value::of(false), Value::of(true)};
    case DType::Int32: {
      using L = std::numeric_limits<std::int32_t>;
      for (std::int32_t x : {0, 1, -1, 2, -2, 3, 7, -7, 31, 32, 100, L::max(), L::min(), L::max() - 1, L::min() + 1})
        v.push_back(Value::of(x));
      return v;
    }
    case DType::Int64: {
      using L = std::numeric_limits<std::int64_t>;
      for (std::int64_t x : {std::int64_t{0}, std::int64_t{1}, std::int64_t{-1}, std::int64_t{2}, std::int64_t{-3},
                             std::int64_t{7}, std::int64_t{63}, std::int64_t{64}, std::int64_t{1} << 40,
                             L::max(), L::min(), L::max() - 1, L::min() + 1})
        v.push_back(Value::of(x));
      return v;
    }
    case DType::Float32: case DType::Float64: case DType::Complex64: case DType::Complex128: {
      const double inf = std::numeric_limits<double>::infinity();
      const double nan = std::numeric_limits<double>::quiet_NaN();
      const bool single = t == DType::Float32 || t == DType::Complex64;
      const double tiny = single ? 1e-40 : 1e-310;  // subnormal in the dtype
      const double big = single ? 3e38 : 1.7e308;
      std::vector<double> reals = {0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.0, 0.1, -7.25, 1e-7, 1e7,
                                   tiny, -tiny, big, -big, inf, -inf, nan};
      for (double r : reals) v.push_back(cast_value(Value::of(r), t));
      if (t == DType::Complex64 || t == DType::Complex128) {
        for (auto z : {std::complex<double>(0, 1), std::complex<double>(-0.0, -1), std::complex<double>(3, -4),
                       std::complex<double>(-2.5, 0.5), std::complex<double>(1, nan), std::complex<double>(inf, 1),
                       std::complex<double>(0.5, -inf), std::complex<double>(tiny, tiny)})
          v.push_back(cast_value(Value::of(z), t));
      }
      return v;
    }
    default: {  // the narrow and unsigned integers: small values (wrapped) and the extremes
      for (std::int64_t x : {0, 1, -1, 2, -2, 3, 7, -7, 31, 32, 100, 200})
        v.push_back(cast_value(Value::of(x), t));
      with_dtype(t, [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
          v.push_back(Value::of(std::numeric_limits<T>::max()));
          v.push_back(Value::of(std::numeric_limits<T>::min()));
        }
      });
      return v;
    }
  }
}

// A uniformly random value of native dtype t: integers in [lo, hi], floats in [lo, hi]
// (both parts for complex), bools fair.
inline Value random_value(DType t, std::mt19937_64& rng, double lo, double hi) {
  std::uniform_real_distribution<double> real(lo, hi);
  switch (t) {
    case DType::Bool: return Value::of(static_cast<bool>(rng() & 1u));
    case DType::Int8: case DType::Int16: case DType::Int32: case DType::Int64:
    case DType::UInt8: case DType::UInt16: case DType::UInt32: case DType::UInt64: {  // wrapped
      std::uniform_int_distribution<std::int64_t> integer(static_cast<std::int64_t>(lo), static_cast<std::int64_t>(hi));
      return cast_value(Value::of(integer(rng)), t);
    }
    case DType::Float32: case DType::Float64: return cast_value(Value::of(real(rng)), t);
    default: {
      const double re = real(rng);
      return cast_value(Value::of(std::complex<double>(re, real(rng))), t);
    }
  }
}

// ---------------------------------------------------------------- comparison

// How close a computed value must be to the expected one.
//   ulps       allowed distance in units in the last place of the expected magnitude
//              (0 = exact, including the sign of zero unless ignore_zero_sign)
//   magnitude  a floor for the magnitude the ULP is measured at (e.g. 1 for functions whose
//              error is absolute near their zeros, like sin near pi); for ulps > 0 the
//              smallest normal number is always a floor
struct Tolerance {
  double ulps = 0;
  double magnitude = 0;
  bool ignore_zero_sign = false;
  // The narrowest float an intermediate may have been computed or stored in (float16, float32
  // or float64): ULPs are measured at its precision when it is coarser than the result's.
  DType precision = DType::Float64;
};

// One unit in the last place at magnitude m for floating type F (at least the smallest subnormal).
template <class F>
double ulp_at(double m) {
  const F f = static_cast<F>(std::min(std::fabs(m), static_cast<double>(std::numeric_limits<F>::max())));
  return std::max(static_cast<double>(std::nextafter(f, std::numeric_limits<F>::infinity()) - f),
                  static_cast<double>(std::numeric_limits<F>::denorm_min()));
}

// One unit in the last place at magnitude m at the precision of float16 (a 10-bit fraction,
// 2**-24 at least; beyond float16's range too, for the wider results of float16 operands),
// float32 or float64 (`t`).
inline double ulp_of_precision(DType t, double m) {
  if (t == DType::Float32) return ulp_at<float>(m);
  if (t == DType::Float64) return ulp_at<double>(m);
  return std::ldexp(1.0, std::max(std::ilogb(std::fabs(m)), -14) - 10);
}

// Compares one real component (widened to double) of floating type F.
template <class F>
bool real_matches(double expected, double got, double magnitude, const Tolerance& tol) {
  if (std::isnan(expected) || std::isnan(got)) return std::isnan(expected) && std::isnan(got);
  if (!std::isfinite(expected) || !std::isfinite(got)) return expected == got;
  if (tol.ulps == 0) {
    if (expected != got) return false;
    return tol.ignore_zero_sign || std::signbit(expected) == std::signbit(got);
  }
  // approximate results may lose precision gradually below the smallest normal number
  const double m = std::max({std::fabs(expected), magnitude, tol.magnitude,
                             static_cast<double>(std::numeric_limits<F>::min())});
  const double ulp = std::max(ulp_of_precision(tol.precision, m), ulp_at<F>(m));
  return std::fabs(expected - got) <= tol.ulps * ulp;
}

// Complex values: each part within tolerance at the magnitude |expected|; when the expected
// value has an infinite or NaN part, only "some part is non-finite" is required of the
// computed one (C99 Annex G special values are not a contract of the SIMD kernels).
template <class F>
bool complex_matches(std::complex<double> e, std::complex<double> g, const Tolerance& tol, double scale) {
  const bool e_finite = std::isfinite(e.real()) && std::isfinite(e.imag());
  const bool g_finite = std::isfinite(g.real()) && std::isfinite(g.imag());
  if (!e_finite || !g_finite) {
    if (tol.ulps == 0) return real_matches<F>(e.real(), g.real(), 0, tol) && real_matches<F>(e.imag(), g.imag(), 0, tol);
    return !e_finite && !g_finite;
  }
  const double m = std::max(std::abs(e), scale);
  return real_matches<F>(e.real(), g.real(), m, tol) && real_matches<F>(e.imag(), g.imag(), m, tol);
}

// True when `got` is acceptable for `expected` (same dtype required). `scale`: the largest
// intermediate magnitude behind the value (ReferenceScales), a floor for approximate ULPs.
inline bool values_match(const Value& expected, const Value& got, const Tolerance& tol, double scale = 0) {
  if (expected.dtype != got.dtype) return false;
  switch (expected.dtype) {
    case DType::Float32: return real_matches<float>(expected.get<float>(), got.get<float>(), scale, tol);
    case DType::Float64: return real_matches<double>(expected.get<double>(), got.get<double>(), scale, tol);
    case DType::Complex64: return complex_matches<float>(expected.to_complex128(), got.to_complex128(), tol, scale);
    case DType::Complex128: return complex_matches<double>(expected.get<std::complex<double>>(), got.get<std::complex<double>>(), tol, scale);
    default: return same_bits(expected, got);
  }
}

// Compares two arrays of the same shape element by element (values loaded as native dtypes).
// Returns a description of the first difference, or nullopt when they match.
// `scales` (empty, or one per element in C order): see values_match.
inline std::optional<std::string> compare_arrays(const Array& expected, const Array& got, const Tolerance& tol,
                                                 std::span<const double> scales = {}) {
  if (expected.ndim != got.ndim || !std::equal(expected.shape.begin(), expected.shape.begin() + expected.ndim, got.shape.begin()))
    return "shape differs: expected " + shape_string(expected) + ", got " + shape_string(got);
  if (native_of(expected.dtype) != native_of(got.dtype))
    return "dtype differs: expected " + std::string(dtype_name(expected.dtype)) + ", got " + std::string(dtype_name(got.dtype));
  for (std::int64_t i = 0; i < expected.size(); ++i) {
    const Value e = get_element(expected, i), g = get_element(got, i);
    if (!values_match(e, g, tol, scales.empty() ? 0 : scales[static_cast<std::size_t>(i)])) {
      std::ostringstream s;
      s << "element " << i << " of " << expected.size() << ": expected " << e.to_string() << ", got " << g.to_string();
      return s.str();
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------- engine vs oracle

// Runs `source` with the real engine (exprvm::compile, Program::run) on `args` and `out`, and
// with reference_run on deep copies of them taken beforehand (so aliasing between args and
// out behaves as NumPy: as if computed from copies of the inputs). Compares the results and
// every argument afterwards (written parameters, and untouched ones stay untouched).
// Returns a description of the first difference, or nullopt. Compile errors propagate.
inline std::optional<std::string> engine_vs_reference(const std::string& source, const Signature& signature,
                                                      const std::vector<Array>& args, const Array* out,
                                                      const Tolerance& tol, const CompileOptions& options = {}) {
  const Program program = compile(source, signature, options);
  const CheckedProgram checked = check(parse(source), signature, options);
  std::vector<TestArray> reference_copies;
  std::vector<Array> reference_args;
  for (const Array& a : args) {
    reference_copies.push_back(copy_of(a));
    reference_args.push_back(reference_copies.back().view);
  }
  std::optional<TestArray> reference_out;
  if (out) reference_out = copy_of(*out);
  OwnedArray expected;
  ReferenceScales scales;
  try {
    expected = reference_run(checked, reference_args, reference_out ? &reference_out->view : nullptr, &scales);
  } catch (const Error& reference_error) {  // then the engine must fail the same way
    try {
      program.run(args, out);
    } catch (const Error& e) {
      if (e.kind() == reference_error.kind()) return std::nullopt;
      return "engine error (" + std::string(error_kind_name(e.kind())) + ": " + e.what() +
             ") differs from the reference's (" + reference_error.what() + ")";
    }
    return std::string("the engine ran but the reference failed: ") + reference_error.what();
  }
  const OwnedArray got = program.run(args, out);
  if (expected.empty() != got.empty()) return std::string("one of engine and reference returned no result");
  if (!expected.empty())
    if (auto diff = compare_arrays(expected.array(), got.array(), tol, scales.result)) return "result: " + *diff;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& param_scales = scales.params[i];
    if (auto diff = compare_arrays(reference_args[i], args[i], tol, param_scales ? std::span<const double>(*param_scales) : std::span<const double>()))
      return "argument '" + signature[i].name + "': " + *diff;
  }
  return std::nullopt;
}

// The narrowest float precision (float16, float32, float64) of the nodes of `n` (a complex
// dtype counts as its parts' float); float64 when none is a float.
inline DType narrowest_float(const Node& n) {
  DType narrowest = DType::Float64;
  const DType real = real_of(n.dtype);
  if (kind_of(real) == Kind::Float && itemsize(real) < itemsize(narrowest)) narrowest = real;
  for (const auto& a : n.args) {
    const DType t = narrowest_float(*a);
    if (itemsize(t) < itemsize(narrowest)) narrowest = t;
  }
  return narrowest;
}

// The same over every statement of `program`.
inline DType narrowest_float(const CheckedProgram& program) {
  DType narrowest = DType::Float64;
  for (const CheckedStatement& st : program.statements) {
    const DType t = narrowest_float(*st.expr);
    if (itemsize(t) < itemsize(narrowest)) narrowest = t;
  }
  return narrowest;
}

// "a: float32[(5,)] strided, b: int64 scalar" for failure messages.
inline std::string describe_arguments(const Signature& signature, const std::vector<Array>& args) {
  std::string s;
  for (std::size_t i = 0; i < signature.size(); ++i) {
    if (i) s += ", ";
    s += signature[i].name + ": " + std::string(dtype_name(signature[i].dtype));
    if (signature[i].scalar) s += signature[i].weak ? " weak scalar" : " scalar";
    if (i < args.size()) {
      s += "[" + shape_string(args[i]) + " strides";
      for (int d = 0; d < args[i].ndim; ++d) s += " " + std::to_string(args[i].strides[d]);
      s += "]";
      if (args[i].size() <= 8) {  // small arguments in full: the report alone replays the case
        s += " = {";
        for (std::int64_t k = 0; k < args[i].size(); ++k) s += (k ? ", " : "") + get_element(args[i], k).to_string();
        s += "}";
      }
    }
  }
  return s;
}

// ---------------------------------------------------------------- expected errors
// A missing or wrong error is a std::logic_error, not a Catch assertion (the fuzz harness
// includes this header too): Catch reports it as the failure of the enclosing CHECK or test.

// The Error that `action` throws; std::logic_error "expected an error for: <what>" when it
// returns normally.
inline Error error_thrown_by(const std::function<void()>& action,
                             std::string_view what = "the call") {
  try {
    action();
  } catch (const Error& error) {
    return error;
  }
  throw std::logic_error("expected an error for: " + std::string(what));
}

// The Error that parsing `source` throws (as error_thrown_by).
inline Error parse_error_of(std::string_view source) {
  return error_thrown_by([&] { parse(source); }, source);
}

// The full text (message and caret lines) of the Syntax Error that parsing `source` throws;
// std::logic_error when it parses or throws another kind of Error.
inline std::string syntax_error_of(std::string_view source) {
  const Error error = parse_error_of(source);
  if (error.kind() != ErrorKind::Syntax) {
    throw std::logic_error("expected a Syntax Error for: " + std::string(source) + "; got " +
                           std::string(error_kind_name(error.kind())) + ": " + error.what());
  }
  return error.what();
}

// The program generators' (differential test, fuzz_differential) coarse dtype families.
enum class Family { Bool, Int, Float, Complex };

inline Family family_of(DType t) {
  switch (kind_of(native_of(t))) {
    case Kind::Bool: return Family::Bool;
    case Kind::Int: case Kind::UInt: return Family::Int;
    case Kind::Float: return Family::Float;
    case Kind::Complex: return Family::Complex;
  }
  return Family::Complex;
}

}  // namespace exprvm::testing
