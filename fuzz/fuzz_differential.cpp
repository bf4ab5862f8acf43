// libFuzzer harness: the bytes drive a program generator (the grammar of the language, every
// dtype of core/dtypes.def, broadcast shapes, strided / transposed / reversed layouts, edge and
// raw-bit data, an `out` that may alias an input, 1 or 2 threads, each available ISA); the
// VM's run is compared with the scalar oracle's (tests/reference_eval.cpp).
//
// Findings: a sanitizer report or crash in either; an Internal error; engine and oracle
// disagreeing on an error, a shape or a dtype; and, for an exact program (every operation
// exact per element in IEEE arithmetic on real dtypes, see tests/test_differential.cpp), any
// value or written argument that differs (the sign of a zero excepted). Programs with a
// transcendental function, **, a complex operand or a float reduction are approximate: their
// values are the accuracy work's subject (the ULP tool and the [differential] test), here
// only their structure is compared. EXPRVM_FUZZ_PRINT=1 prints each case (to replay a finding).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/test_helpers.hpp"

namespace exprvm {
namespace {

using testing::Layout;
using testing::Family;
using testing::TestArray;
using testing::family_of;

// Builds one case from the fuzzer's bytes: signature, arrays, source, optional out.
class CaseBuilder {
 public:
  explicit CaseBuilder(FuzzedDataProvider& in) : in_(in) {}

  Signature signature;
  std::vector<TestArray> arrays;
  std::string source;
  std::optional<TestArray> out;  // a separate out buffer (or, with out_aliases_a, a's view)
  bool out_aliases_a = false;
  bool approximate = false;
  bool has_result = true;  // the last statement is a bare expression

  // A sum or product whose result is a float or complex: its value depends on the summation
  // order (the engine's pairwise blocks, the oracle's sequential loop).
  bool reduces_floats(const Program& program) const {
    if (!sums_or_multiplies_ || !program.result_dtype()) return false;
    const Family f = family_of(*program.result_dtype());
    return f != Family::Bool && f != Family::Int;
  }

  void build() {
    const DType base = pick_dtype();
    family_ = family_of(base);
    const std::vector<std::int64_t> shape = pick_shape();
    const int count = in_.ConsumeIntegralInRange(1, 3);
    const char* names[] = {"a", "b", "c"};
    for (int k = 0; k < count; ++k)
      add_argument(names[k], in_.ConsumeBool() ? base : pick_dtype(), k == 0 ? shape : broadcast_of(shape), false);
    if (in_.ConsumeIntegralInRange(0, 3) == 0) add_argument("s", in_.ConsumeBool() ? base : pick_dtype(), {}, true);
    for (const Param& p : signature) {
      leaves_.push_back(p.name);
      if (family_of(p.dtype) == Family::Complex) approximate = true;
    }
    switch (in_.ConsumeIntegralInRange(0, 5)) {
      case 0: {  // a temporary used by the result
        const std::string first = expression(3);
        leaves_.push_back("t");
        source = "t = " + first + "; " + expression(3);
        break;
      }
      case 1:  // in-place update of a parameter (no result: no out)
        source = "a = " + expression(4);
        has_result = false;
        break;
      case 2: {                                         // a reduction
        const char* reductions[] = {"sum", "prod", "min", "max", "mean", "any", "all"};
        const int r = in_.ConsumeIntegralInRange(0, 6);
        source = std::string(reductions[r]) + "(" + expression(4);
        const int ndim = static_cast<int>(shape.size());
        if (ndim > 0 && in_.ConsumeBool())
          source += ", axis=" + std::to_string(in_.ConsumeIntegralInRange(-ndim, ndim));  // ndim: an error
        source += ")";
        // integer sums and products wrap identically in any order; float ones do not: a sum or
        // product is approximate when its result is a float (see reduces_floats), whatever
        // the base family (an int family's `a / b` is float64)
        if (r == 4) approximate = true;
        sums_or_multiplies_ = r <= 1;
        reduction_ = true;
        break;
      }
      default: source = expression(5);
    }
    if (has_result && !reduction_ && in_.ConsumeIntegralInRange(0, 3) == 0) {
      if (in_.ConsumeBool()) {
        out_aliases_a = true;
      } else {
        out = testing::make_array(pick_dtype(), shape, pick_layout());
      }
    }
  }

 private:
  DType pick_dtype() { return static_cast<DType>(in_.ConsumeIntegralInRange(0, kDTypeCount - 1)); }
  Layout pick_layout() {
    return in_.PickValueInArray({Layout::Contiguous, Layout::Strided, Layout::Transposed, Layout::Reversed});
  }

  // Up to 4 dimensions of 0..6 elements, or one long axis around the VM's chunk boundaries.
  std::vector<std::int64_t> pick_shape() {
    if (in_.ConsumeIntegralInRange(0, 7) == 0) {
      const auto b = static_cast<std::int64_t>(chunk_size());
      return {in_.PickValueInArray({b - 1, b, b + 1, 2 * b + 3})};
    }
    std::vector<std::int64_t> shape(in_.ConsumeIntegralInRange(0, 4));
    for (auto& n : shape) n = in_.ConsumeIntegralInRange(0, 6);
    return shape;
  }

  // A shape that broadcasts to `shape`: leading axes dropped, some axes of length 1.
  std::vector<std::int64_t> broadcast_of(const std::vector<std::int64_t>& shape) {
    const std::size_t keep = in_.ConsumeIntegralInRange<std::size_t>(0, shape.size());
    std::vector<std::int64_t> s(shape.end() - static_cast<std::ptrdiff_t>(keep), shape.end());
    for (auto& n : s)
      if (in_.ConsumeIntegralInRange(0, 3) == 0) n = 1;
    return s;
  }

  void add_argument(const std::string& name, DType t, const std::vector<std::int64_t>& shape, bool scalar) {
    const bool weak = scalar && is_native(t) && in_.ConsumeBool();
    TestArray a = testing::make_array(t, shape, scalar ? Layout::Contiguous : pick_layout());
    const std::int64_t n = a.view.size();
    // Long arrays: the data bytes repeat (filling every element from the input would starve it).
    std::vector<Value> values;
    for (std::int64_t i = 0; i < std::min<std::int64_t>(n, 64); ++i) values.push_back(value(native_of(t)));
    if (!values.empty()) testing::fill(a.view, values);
    signature.push_back({name, t, scalar, weak});
    arrays.push_back(a);
  }

  // An edge value, a small integer, a number in [-4, 4] or raw bits, as native dtype t.
  Value value(DType t) {
    switch (in_.ConsumeIntegralInRange(0, 3)) {
      case 0: {
        const std::vector<Value> edges = testing::edge_values(t);
        return edges[in_.ConsumeIntegralInRange<std::size_t>(0, edges.size() - 1)];
      }
      case 1: return cast_value(Value::of(in_.ConsumeIntegralInRange<std::int64_t>(-20, 20)), t);
      case 2: return cast_value(Value::of(in_.ConsumeProbability<double>() * 8 - 4), t);
      default: {
        if (t == DType::Bool) return Value::of(in_.ConsumeBool());
        Value v;
        v.dtype = t;
        const std::vector<std::uint8_t> bits = in_.ConsumeBytes<std::uint8_t>(itemsize(t));
        if (!bits.empty()) std::memcpy(v.bytes.data(), bits.data(), bits.size());
        return v;
      }
    }
  }

  std::string literal() {
    switch (family_) {
      case Family::Bool: return in_.ConsumeBool() ? "True" : "False";
      case Family::Int:
        return in_.PickValueInArray<std::string>({"0", "1", "-1", "3", "-7", "127", "255", "-128", "65535",
                                                  "2147483647", "-2147483648", "9223372036854775807"});
      case Family::Complex:
        if (in_.ConsumeBool()) return in_.PickValueInArray<std::string>({"(1+2j)", "(-3+1j)", "1j"});
        [[fallthrough]];
      default:
        return in_.PickValueInArray<std::string>({"0", "2", "-3", "0.5", "1.5", "-2.25", "0.1", "1e3", "-0.0",
                                                  "1e30", "3e-40", "1e308", "1e-310"});
    }
  }

  std::string leaf() {
    if (in_.ConsumeIntegralInRange(0, 3) == 0) return literal();
    return leaves_[in_.ConsumeIntegralInRange<std::size_t>(0, leaves_.size() - 1)];
  }

  std::string expression(int depth) {
    if (depth <= 0 || in_.remaining_bytes() == 0 || in_.ConsumeIntegralInRange(0, 3) == 0) return leaf();
    switch (in_.ConsumeIntegralInRange(0, 5)) {
      case 0: case 1: {
        const std::string right = expression(depth - 1);
        const std::string op = binary_operator();
        return "(" + expression(depth - 1) + " " + op + " " + right + ")";
      }
      case 2:
        approximate = true;
        return "(" + expression(depth - 1) + " ** " + in_.PickValueInArray<std::string>({"2", "3", "-1", "0.5", "a"}) + ")";
      case 3: return std::string(in_.ConsumeBool() ? "~" : "-") + "(" + expression(depth - 1) + ")";
      case 4: {
        const char* comparisons[] = {"<", "<=", ">=", ">", "==", "!="};
        const std::string cond = "(" + expression(depth - 2) + " " + comparisons[in_.ConsumeIntegralInRange(0, 5)] +
                                 " " + expression(depth - 2) + ")";
        return "where(" + cond + ", " + expression(depth - 1) + ", " + expression(depth - 1) + ")";
      }
      default: return call(depth);
    }
  }

  std::string binary_operator() {
    switch (family_) {
      case Family::Bool: return in_.PickValueInArray<std::string>({"&", "|", "^", "+", "*", "==", "!=", "<"});
      case Family::Int:
        return in_.PickValueInArray<std::string>({"+", "-", "*", "//", "%", "<<", ">>", "&", "|", "^", "<", ">=", "/"});
      default: return in_.PickValueInArray<std::string>({"+", "-", "*", "/", "//", "%", "<", ">", "==", "!="});
    }
  }

  std::string call(int depth) {
    static const std::vector<std::string> exact1 = {"abs", "ceil", "floor", "round", "trunc", "sign", "signbit",
                                                    "isnan", "isfinite", "isinf", "real", "imag", "conj", "copy",
                                                    "ones_like", "square", "sqrt"};
    static const std::vector<std::string> exact2 = {"fmod", "copysign", "maximum", "minimum", "nextafter"};
    static const std::vector<std::string> approximate1 = {
        "exp", "log", "sin", "cos", "tan", "tanh", "sinh", "cosh", "arctan", "arcsinh", "expm1", "log1p",
        "log2", "log10", "cbrt", "erf", "erfc", "exp2", "arcsin", "arccos", "arccosh", "arctanh"};
    static const std::vector<std::string> approximate2 = {"arctan2", "hypot", "complex"};
    switch (in_.ConsumeIntegralInRange(0, 5)) {
      case 0: case 1: {
        const std::string f = exact1[in_.ConsumeIntegralInRange<std::size_t>(0, exact1.size() - 1)];
        return f + "(" + expression(depth - 1) + ")";
      }
      case 2: {
        const std::string f = exact2[in_.ConsumeIntegralInRange<std::size_t>(0, exact2.size() - 1)];
        const std::string second = expression(depth - 1);
        return f + "(" + expression(depth - 1) + ", " + second + ")";
      }
      case 3: return "clip(" + expression(depth - 1) + ", " + literal() + ", " + literal() + ")";
      case 4: {
        approximate = true;
        const std::string f = approximate1[in_.ConsumeIntegralInRange<std::size_t>(0, approximate1.size() - 1)];
        return f + "(" + expression(depth - 1) + ")";
      }
      default: {
        approximate = true;
        const std::string f = approximate2[in_.ConsumeIntegralInRange<std::size_t>(0, approximate2.size() - 1)];
        const std::string second = expression(depth - 1);
        return f + "(" + expression(depth - 1) + ", " + second + ")";
      }
    }
  }

  FuzzedDataProvider& in_;
  Family family_ = Family::Float;
  std::vector<std::string> leaves_;
  bool reduction_ = false;
  bool sums_or_multiplies_ = false;
};

[[noreturn]] void finding(const CaseBuilder& c, const std::vector<Array>& args, const std::string& what) {
  std::fprintf(stderr, "finding: %s\n  program: %s\n  arguments: %s\n  out: %s\n", what.c_str(), c.source.c_str(),
               testing::describe_arguments(c.signature, args).c_str(),
               c.out_aliases_a ? "a" : c.out ? testing::shape_string(c.out->view).c_str() : "none");
  std::abort();
}

// Shape and dtype of `got` against `expected` (for an approximate program's arrays).
std::optional<std::string> compare_structure(const Array& expected, const Array& got) {
  if (expected.ndim != got.ndim || !std::equal(expected.shape.begin(), expected.shape.begin() + expected.ndim, got.shape.begin()))
    return "shape differs: expected " + testing::shape_string(expected) + ", got " + testing::shape_string(got);
  if (native_of(expected.dtype) != native_of(got.dtype)) return std::string("dtype differs");
  return std::nullopt;
}

// Runs the program by the engine and by the oracle (on copies taken first, so aliasing
// behaves as NumPy's "as if from copies of the inputs"). nullopt when both fail with the same
// error kind, or both succeed with results, and written arguments, of the same structure and,
// when `values` is given, values within it. An argument that `out` aliases is the result
// (the oracle wrote the result into its copy of out, not into its copy of the argument).
std::optional<std::string> compare_runs(const CaseBuilder& c, const std::vector<Array>& args, const Array* out,
                                        const testing::Tolerance* values) {
  const Program program = compile(c.source, c.signature);
  const CheckedProgram checked = check(parse(c.source), c.signature, {});
  std::vector<TestArray> copies;
  std::vector<Array> reference_args;
  for (const Array& a : args) {
    copies.push_back(testing::copy_of(a));
    reference_args.push_back(copies.back().view);
  }
  std::optional<TestArray> reference_out;
  if (out) reference_out = testing::copy_of(*out);
  OwnedArray expected;
  std::optional<ErrorKind> reference_error;
  try {
    expected = testing::reference_run(checked, reference_args, reference_out ? &reference_out->view : nullptr);
  } catch (const Error& e) {
    reference_error = e.kind();
  }
  OwnedArray got;
  try {
    got = program.run(args, out);
  } catch (const Error& e) {
    if (reference_error == e.kind()) return std::nullopt;
    return "engine error " + std::string(e.what()) + " but the reference " + (reference_error ? "failed otherwise" : "ran");
  }
  if (reference_error) return std::string("the engine ran but the reference failed");
  if (expected.empty() != got.empty()) return std::string("one of engine and reference returned no result");
  auto compare = [&](const Array& e, const Array& g) {
    return values ? testing::compare_arrays(e, g, *values) : compare_structure(e, g);
  };
  if (!expected.empty())
    if (auto diff = compare(expected.array(), got.array())) return "result: " + *diff;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (out && args[i].data == out->data) continue;  // compared as the result
    if (auto diff = compare(reference_args[i], args[i])) return "argument '" + c.signature[i].name + "': " + *diff;
  }
  return std::nullopt;
}

}  // namespace
}  // namespace exprvm

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace exprvm;
  FuzzedDataProvider in(data, size);
  static const std::vector<std::string> isas = available_isas();
  set_isa(isas[in.ConsumeIntegralInRange<std::size_t>(0, isas.size() - 1)]);
  set_num_threads(in.ConsumeBool() ? 2 : 1);
  CaseBuilder c(in);
  c.build();
  std::vector<Array> args;
  for (const auto& a : c.arrays) args.push_back(a.view);
  const Array* out = c.out_aliases_a ? &args[0] : c.out ? &c.out->view : nullptr;
  static const bool print = std::getenv("EXPRVM_FUZZ_PRINT") != nullptr;  // replaying a finding
  if (print)
    std::fprintf(stderr, "program: %s\n  arguments: %s\n  out: %s\n", c.source.c_str(),
                 testing::describe_arguments(c.signature, args).c_str(),
                 c.out_aliases_a ? "a" : c.out ? testing::describe_arguments({{"out", c.out->view.dtype}}, {c.out->view}).c_str() : "none");
  try {
    const Program program = compile(c.source, c.signature);
    if (c.reduces_floats(program)) c.approximate = true;
    // The oracle casts into `out` unconditionally; the casting rule is the engine's to check.
    if (out) {
      if (program.result_dtype() && !can_cast(*program.result_dtype(), out->dtype, Casting::SameKind)) {
        try {
          program.run(args, out);
        } catch (const Error& e) {
          if (e.kind() == ErrorKind::Cast) return 0;
          throw;
        }
        finding(c, args, "a result was written into an out it does not cast to under same_kind");
      }
    }
    testing::Tolerance exact;
    exact.ignore_zero_sign = true;
    if (auto diff = compare_runs(c, args, out, c.approximate ? nullptr : &exact)) finding(c, args, *diff);
  } catch (const Error& e) {
    // type, cast, shape and reduction-axis errors reject the program; anything else is a bug
    if (e.kind() == ErrorKind::Internal || e.kind() == ErrorKind::Syntax || e.kind() == ErrorKind::Name)
      finding(c, args, std::string("unexpected error: ") + e.what());
  }
  return 0;
}
