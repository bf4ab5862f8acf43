// Every function and operator of the language x every input dtype, compared between the
// engine (exprvm::compile + Program::run) and the oracle (tests/reference_eval.hpp) on edge
// values (pairs of them for binary functions) and random values, with the operands as arrays,
// as a strong scalar, or as literals (constant-folded).
//
// Tolerances for floating results, in ULPs of max(|expected|, magnitude) (complex: of the
// modulus of the expected value, per part):
//   exact (0)  + - * / // % comparisons, bitwise ops, shifts, casts, where, abs, ceil, floor,
//              round, trunc, sign, signbit, isnan, isfinite, isinf, real, imag, conj, copy,
//              ones_like, square, sqrt, fmod, nextafter, copysign, maximum, minimum, clip,
//              complex (maximum/minimum/clip may return either zero for -0 vs +0)
//   2          hypot; real operands of complex * and / and square (operation order / FMA)
//   4          exp exp2 expm1 log log2 log10 log1p sinh cosh tanh arcsinh arccosh arctanh
//              arcsin arccos arctan arctan2 cbrt erf erfc, float ** (SIMD polynomial kernels
//              vs glibc, both within ~2 ULP of the true value)
//   4 at |x|>=1 sin cos tan (absolute error near their zeros after argument reduction)
//   8          every complex transcendental function and complex **
// Approximate results are measured at least at the smallest normal magnitude (subnormal
// results may lose precision gradually). NaN must match NaN; infinities must match exactly (for complex results with a non-finite
// part, only "non-finite" is required).
#include <catch2/catch.hpp>

#include <cctype>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "compiler/functions.hpp"
#include "tests/test_helpers.hpp"

namespace exprvm {
namespace {

using testing::TestArray;
using testing::Tolerance;

const std::vector<DType> kNativeDTypes = {DType::Bool,    DType::Int32,     DType::Int64,     DType::Float32,
                                          DType::Float64, DType::Complex64, DType::Complex128};

bool is_complex(DType t) { return t == DType::Complex64 || t == DType::Complex128; }

// Tolerance of a function's floating results (see the table above).
Tolerance tolerance_for(const std::string& name, DType t) {
  static const std::set<std::string> four_ulps = {"exp", "exp2", "expm1", "log", "log2", "log10", "log1p",
                                                  "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh",
                                                  "arcsin", "arccos", "arctan", "arctan2", "cbrt", "erf", "erfc", "**"};
  static const std::set<std::string> trig = {"sin", "cos", "tan"};
  static const std::set<std::string> either_zero = {"maximum", "minimum", "clip"};
  Tolerance tol;
  tol.ignore_zero_sign = either_zero.count(name) > 0;
  if (is_complex(t)) {
    if (four_ulps.count(name) || trig.count(name) || name == "sqrt") tol.ulps = 8;
    else if (name == "*" || name == "/" || name == "square" || name == "abs" || name == "sign") tol.ulps = 2;
  } else if (four_ulps.count(name)) {
    tol.ulps = 4;
  } else if (trig.count(name)) {
    tol.ulps = 4;
    tol.magnitude = 1;
  } else if (name == "hypot") {
    tol.ulps = 2;
  }
  return tol;
}

// A literal of dtype t's kind, as source text.
std::string literal_for(DType t, int which) {
  switch (t) {
    case DType::Bool: return which % 2 ? "True" : "False";
    case DType::Int32: case DType::Int64: return which % 2 ? "3" : "-2";
    case DType::Float32: case DType::Float64: return which % 2 ? "2.5" : "-0.75";
    default: return which % 2 ? "(1.5-2j)" : "0.5j";
  }
}

// n values of dtype t for argument `arg` of an arity-ary function: the first E^2 cycle through
// all pairs of edge values (arg 0 fastest, arg 1 slowest, arg 2 a third pattern), then random.
std::vector<Value> argument_values(DType t, int arg, std::mt19937_64& rng) {
  const std::vector<Value> edges = testing::edge_values(t);
  const std::size_t e = edges.size();
  std::vector<Value> v;
  for (std::size_t i = 0; i < e * e; ++i)
    v.push_back(edges[arg == 0 ? i % e : arg == 1 ? (i / e) % e : (i * 7 + 3) % e]);
  const bool integer = t == DType::Int32 || t == DType::Int64;
  for (int i = 0; i < 96; ++i) v.push_back(testing::random_value(t, rng, integer ? -100 : -10, integer ? 100 : 10));
  return v;
}

std::string call_source(const std::string& name, const std::vector<std::string>& operands) {
  static const std::set<std::string> unary_operators = {"-", "~"};
  if (unary_operators.count(name) && operands.size() == 1) return name + operands[0];
  if (!name.empty() && !std::isalpha(static_cast<unsigned char>(name[0])))
    return "(" + operands[0] + ") " + name + " (" + operands[1] + ")";
  std::string s = name + "(";
  for (std::size_t i = 0; i < operands.size(); ++i) s += (i ? ", " : "") + operands[i];
  return s + ")";
}

// Outcome counts of one function over all dtypes and mixes.
struct Tally {
  int accepted = 0;
  int rejected = 0;
};

// Runs `name` with `arity` operands of dtype t in every mix; records type rejections.
void check_function(const std::string& name, int arity, DType t, Tally& tally, std::mt19937_64& rng) {
  const Tolerance tol = tolerance_for(name, t);
  const char* names[] = {"a", "b", "c"};
  const DType first_dtype = name == "where" ? DType::Bool : t;
  std::vector<TestArray> arrays;
  for (int k = 0; k < arity; ++k) {
    const DType dk = k == 0 ? first_dtype : t;
    const auto values = argument_values(dk, k, rng);
    arrays.push_back(testing::make_array(dk, {static_cast<std::int64_t>(values.size())}));
    testing::fill(arrays.back().view, values);
  }
  const auto run = [&](const std::string& source, const Signature& sig, const std::vector<Array>& args) {
    INFO("source: " << source << "  with " << testing::describe_arguments(sig, args));
    try {
      const auto diff = testing::engine_vs_reference(source, sig, args, nullptr, tol);
      ++tally.accepted;
      if (diff) FAIL_CHECK(*diff);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::Type && !testing::is_negative_integer_power_error(e))
        FAIL_CHECK(std::string(error_kind_name(e.kind())) + " error: " + e.what());
      ++tally.rejected;
    }
  };
  // (array, array, ...)
  {
    Signature sig;
    std::vector<Array> args;
    std::vector<std::string> operands;
    for (int k = 0; k < arity; ++k) {
      sig.push_back({names[k], arrays[static_cast<std::size_t>(k)].view.dtype});
      args.push_back(arrays[static_cast<std::size_t>(k)].view);
      operands.push_back(names[k]);
    }
    run(call_source(name, operands), sig, args);
  }
  if (arity == 1) {  // a literal operand: constant folded, 0-d result
    for (int which = 0; which < 2; ++which) run(call_source(name, {literal_for(t, which)}), {}, {});
    return;
  }
  // (array, strong scalar, ...), the scalars taken from a few edge values
  const auto edges = testing::edge_values(t);
  for (std::size_t pick : {std::size_t{1}, std::size_t{4}, edges.size() - 2, edges.size() - 1}) {
    std::vector<TestArray> scalars;
    Signature sig = {{"a", first_dtype}};
    std::vector<Array> args = {arrays[0].view};
    std::vector<std::string> operands = {"a"};
    for (int k = 1; k < arity; ++k) {
      scalars.push_back(testing::make_array(t, {}));
      testing::fill(scalars.back().view, {edges[(pick + static_cast<std::size_t>(k) - 1) % edges.size()]});
      sig.push_back({names[k], t, true});
      args.push_back(scalars.back().view);
      operands.push_back(names[k]);
    }
    run(call_source(name, operands), sig, args);
  }
  // (array, literal, ...) and (literal, literal, ...)
  for (int which = 0; which < 2; ++which) {
    std::vector<std::string> operands = {"a"}, literals = {name == "where" ? "True" : literal_for(t, which)};
    for (int k = 1; k < arity; ++k) {
      operands.push_back(literal_for(t, which + k));
      literals.push_back(literal_for(t, which + k));
    }
    run(call_source(name, operands), {{"a", first_dtype}}, {arrays[0].view});
    run(call_source(name, literals), {}, {});
  }
}

void check_functions(const std::vector<std::string>& functions, int arity) {
  std::mt19937_64 rng(20240611);
  for (const auto& name : functions) {
    Tally tally;
    for (DType t : kNativeDTypes) check_function(name, arity, t, tally, rng);
    INFO("function " << name << ": accepted " << tally.accepted << ", rejected " << tally.rejected);
    CHECK(tally.accepted > 0);
  }
}

// compiler/functions.def's elementwise functions of `arity` operands, in table order; with
// `operators`, then its operators of that arity (unary + makes no operation).
std::vector<std::string> table_entries(int arity, bool functions, bool operators) {
  std::vector<std::string> names;
  if (functions) {
    for (const FunctionInfo& f : kFunctions)
      if (f.kind == FunctionKind::Elementwise && f.arity == arity) names.emplace_back(f.name);
  }
  if (operators && arity == 1) {
    for (const UnaryOperatorInfo& u : kUnaryOperators)
      if (u.op != Op::COPY) names.emplace_back(u.spelling);
  }
  if (operators && arity == 2) {
    for (const BinaryOperatorInfo& b : kBinaryOperators) names.emplace_back(b.spelling);
  }
  return names;
}

TEST_CASE("unary functions and operators match the reference for every dtype", "[functions][kernels]") {
  check_functions(table_entries(1, true, true), 1);
}

TEST_CASE("binary functions match the reference for every dtype", "[functions][kernels]") {
  check_functions(table_entries(2, true, false), 2);
}

TEST_CASE("binary operators match the reference for every dtype", "[functions][kernels]") {
  check_functions(table_entries(2, false, true), 2);
}

TEST_CASE("where and clip match the reference for every dtype", "[functions][kernels]") {
  check_functions(table_entries(3, true, false), 3);
}

TEST_CASE("operations NumPy rejects are type errors", "[functions]") {
  const std::vector<std::pair<std::string, std::vector<DType>>> rejected = {
      {"-a", {DType::Bool}},
      {"a - b", {DType::Bool}},
      {"floor(a)", {DType::Complex64, DType::Complex128}},
      {"ceil(a)", {DType::Complex128}},
      {"trunc(a)", {DType::Complex64}},
      {"a // b", {DType::Complex64, DType::Complex128}},
      {"a % b", {DType::Complex128}},
      {"~a", {DType::Float32, DType::Float64, DType::Complex128}},
      {"a << b", {DType::Float32, DType::Complex64}},
      {"a & b", {DType::Float64}},
      {"a < b", {DType::Complex128}},
      {"a >= b", {DType::Complex64}},
      {"arctan2(a, b)", {DType::Complex128}},
      {"fmod(a, b)", {DType::Complex64}},
      {"hypot(a, b)", {DType::Complex128}},
      {"copysign(a, b)", {DType::Complex128}},
      {"signbit(a)", {DType::Complex64}},
      {"erf(a)", {DType::Complex128}},
  };
  for (const auto& [source, dtypes] : rejected)
    for (DType t : dtypes) {
      INFO(source << " with " << dtype_name(t) << " operands");
      try {
        compile(source, {{"a", t}, {"b", t}});
        FAIL_CHECK("accepted");
      } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::Type);
      }
    }
}

TEST_CASE("narrow, unsigned and float16 inputs are promoted like NumPy", "[functions][kernels]") {
  std::mt19937_64 rng(7);
  const std::vector<std::string> sources = {"a + b", "a * 3", "-a", "a // b", "a % b", "abs(a) + b", "a << 2",
                                            "a > b", "where(a > 0, a, b)", "sqrt(a)", "a / b", "sum(a)", "max(b)"};
  for (DType storage : {DType::Int8, DType::UInt16, DType::UInt32, DType::Float16}) {
    TestArray a = testing::make_array(storage, {300}), b = testing::make_array(DType::Int32, {300});
    std::vector<Value> av, bv;
    for (int i = 0; i < 300; ++i) {
      av.push_back(testing::random_value(DType::Int64, rng, -200, 70000));  // wraps on store
      bv.push_back(testing::random_value(DType::Int32, rng, -50, 50));
    }
    testing::fill(a.view, av);
    testing::fill(b.view, bv);
    const Signature sig = {{"a", storage}, {"b", DType::Int32}};
    for (const auto& source : sources) {
      if (storage == DType::Float16 && source == "a << 2") continue;  // no shifts of floats
      INFO(source << " with a: " << dtype_name(storage) << ", b: int32");
      const auto diff = testing::engine_vs_reference(source, sig, {a.view, b.view}, nullptr, Tolerance{});
      if (diff) FAIL_CHECK(*diff);
    }
  }
}

TEST_CASE("float-only functions of integers compute in NumPy's smallest float for each operand", "[functions]") {
  // np.sqrt(int8) is float16, np.arctan2(uint8, int8) float16 (not int16's float32),
  // np.arctan2(int16, uint16) float32; true division and nextafter (see the checker) differ
  struct Case { const char* source; DType a, b, result; };
  const Case cases[] = {
      {"sqrt(a)", DType::Bool, DType::Bool, DType::Float16},
      {"sin(a) + b", DType::Int8, DType::UInt8, DType::Float16},
      {"arctan2(a, b)", DType::UInt8, DType::Int8, DType::Float16},
      {"arctan2(a, b)", DType::Int16, DType::UInt16, DType::Float32},
      {"hypot(a, b)", DType::UInt16, DType::Int8, DType::Float32},
      {"exp(a)", DType::Int32, DType::Int32, DType::Float64},
      {"log(a)", DType::UInt64, DType::UInt64, DType::Float64},
      {"arctan2(a, 3)", DType::Int8, DType::Int8, DType::Float16},
      {"sqrt(a * 2.5)", DType::Int8, DType::Int8, DType::Float64},
      {"sqrt(2)", DType::Int8, DType::Int8, DType::Float64},
      {"a / b", DType::Int8, DType::Int8, DType::Float64},
      {"nextafter(a, b)", DType::Int8, DType::Int8, DType::Float32},
  };
  std::mt19937_64 rng(8);
  for (const Case& c : cases) {
    INFO(c.source << " with a: " << dtype_name(c.a) << ", b: " << dtype_name(c.b));
    const Signature sig = {{"a", c.a}, {"b", c.b}};
    CHECK(compile(c.source, sig).result_dtype() == c.result);
    TestArray a = testing::make_array(c.a, {100}), b = testing::make_array(c.b, {100});
    std::vector<Value> av, bv;
    for (int i = 0; i < 100; ++i) {
      av.push_back(cast_value(testing::random_value(DType::Int64, rng, -300, 300), c.a));
      bv.push_back(cast_value(testing::random_value(DType::Int64, rng, -300, 300), c.b));
    }
    testing::fill(a.view, av);
    testing::fill(b.view, bv);
    Tolerance tol;  // one float32 kernel ULP may move a float16 rounding by one
    tol.ulps = 1;
    tol.precision = c.result;
    const auto diff = testing::engine_vs_reference(c.source, sig, {a.view, b.view}, nullptr, tol);
    if (diff) FAIL_CHECK(*diff);
  }
}

// Sum of |x| over the array: the magnitude reduction errors scale with.
double magnitude_of(const Array& a) {
  double m = 0;
  for (std::int64_t i = 0; i < a.size(); ++i) m += std::abs(testing::get_element(a, i).to_complex128());
  return m;
}

TEST_CASE("reductions match the reference for every dtype and axis", "[functions][kernels]") {
  std::mt19937_64 rng(99);
  const std::vector<std::string> axes = {"", ", axis=0", ", axis=1", ", axis=-1", ", axis=None", ", 0"};
  for (DType t : kNativeDTypes) {
    for (const std::string reduction : {"sum", "prod", "min", "max", "any", "all", "mean"}) {
      // prod on values near 1 stays finite; a NaN in one row tests propagation in min/max
      const bool product = reduction == "prod";
      TestArray x = testing::make_array(t, {37, 29});
      std::vector<Value> values;
      for (int i = 0; i < 37 * 29; ++i)
        values.push_back(product ? testing::random_value(t, rng, t == DType::Int32 || t == DType::Int64 ? -3 : 0.9, t == DType::Int32 || t == DType::Int64 ? 3 : 1.1)
                                 : testing::random_value(t, rng, -100, 100));
      if (t == DType::Float32 || t == DType::Float64) values[40] = cast_value(Value::of(std::nan("")), t);
      testing::fill(x.view, values);
      Tolerance tol;
      tol.ulps = 37 * 29;
      tol.magnitude = product ? 1.0 : magnitude_of(x.view);
      for (const auto& axis : axes) {
        const std::string source = reduction + "(x" + axis + ")";
        INFO(source << " with x: " << dtype_name(t) << "[37,29]");
        try {
          const auto diff = testing::engine_vs_reference(source, {{"x", t}}, {x.view}, nullptr, tol);
          if (diff) FAIL_CHECK(*diff);
        } catch (const Error& e) {
          if (e.kind() != ErrorKind::Type) FAIL_CHECK(std::string(error_kind_name(e.kind())) + ": " + e.what());
        }
      }
    }
  }
}

}  // namespace
// Checks expm1 on a sweep of [lo, hi) plus edge values against libm, in ULPs: `near` up to
// `edge`, `far` above (where the result is h * (h + 2) with h = expm1(x / 2), to avoid overflow).
template <class T>
void check_expm1_sweep(DType t, T lo, T hi, T edge, int near, int far, std::initializer_list<T> extra) {
  std::vector<T> x;
  for (T v = lo; v < hi; v += (hi - lo) / 30000) x.push_back(v);
  for (T v : extra) x.push_back(v);
  for (T v : {T(0), -T(0), std::numeric_limits<T>::denorm_min(), -std::numeric_limits<T>::min(),
              std::numeric_limits<T>::infinity(), -std::numeric_limits<T>::infinity(),
              std::numeric_limits<T>::quiet_NaN()})
    x.push_back(v);
  std::vector<T> y(x.size());
  const Array out = Array::from(y);
  compile("expm1(x)", {{"x", t}}).run(std::vector<Array>{Array::from(x)}, &out);
  using Bits = std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>;
  auto ordered = [](T f) {
    Bits i;
    std::memcpy(&i, &f, sizeof i);
    return i < 0 ? -static_cast<std::int64_t>(i & std::numeric_limits<Bits>::max()) : static_cast<std::int64_t>(i);
  };
  for (std::size_t i = 0; i < x.size(); ++i) {
    const T expected = static_cast<T>(std::expm1(static_cast<double>(x[i])));
    INFO("expm1(" << x[i] << ") = " << y[i] << ", libm " << expected);
    if (std::isnan(expected)) {
      CHECK(std::isnan(y[i]));
      continue;
    }
    CHECK(std::llabs(ordered(y[i]) - ordered(expected)) <= (x[i] > edge ? far : near));
  }
}

// exprvm's own expm1 kernels (polynomial, no division), with -0, infinities, NaN and the
// overflow edge mixed into the same batches as ordinary values.
TEST_CASE("expm1 is within 1 (float32) / 2 (float64) ULP of libm and keeps the sign of zero", "[functions][kernels]") {
  check_expm1_sweep<float>(DType::Float32, -40.0f, 89.0f, 87.0f, 1, 2, {87.0f, 88.72f, 88.73f, 1e30f, -1e-30f});
  check_expm1_sweep<double>(DType::Float64, -45.0, 710.0, 700.0, 2, 3, {700.0, 709.78, 709.79, 1e300, -1e-300});
}

}  // namespace exprvm
