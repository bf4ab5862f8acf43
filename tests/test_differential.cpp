// Differential test: random programs (grammar-driven source strings) on random dtypes, shapes
// and memory layouts, run by the engine and by the oracle (tests/reference_eval.hpp).
//
//   EXPRVM_DIFF_SEED   first seed (default 1; "random": a new one each run); case k uses seed + k
//   EXPRVM_DIFF_COUNT  number of cases (default 2000)
// The seed and count are printed, so a run on a random seed can be replayed. The ctest
// `differential` runs 10,000 cases on a random seed (CMakeLists.txt).
//
// Tolerance policy. A program is "exact" when every operation in it is exact per element in
// IEEE arithmetic (+ - * / // % comparisons, bitwise ops, where, abs, floor, sqrt, ...) on
// real dtypes: then the engine must match the oracle bit for bit (only the sign of a zero may
// differ, since maximum/minimum/clip may return either zero). Otherwise (a transcendental
// function, **, a reduction, or complex operands) results may legitimately differ: SIMD
// polynomial kernels round differently from glibc, the optimizer may rewrite x**3 as x*x*x,
// reductions sum in another order, complex * and / may contract into FMAs. To keep those
// differences small relative to what is compared, generated array values lie in [-4, 4]
// (integers in [-20, 20], wrapped for unsigned dtypes, plus 1% of 0, +-1, +-Inf, NaN), ** only gets small literal
// exponents, == and != compare only bool/int programs' values, and results are compared within 512 ULPs of max(|expected|, 1) (float32 ULPs
// when a float32/complex64 operand may have made an intermediate single precision, or the
// typed program has a float32 node, e.g. sin of an int16): an absolute error floor at the
// scale of the inputs, which absorbs cancellation of intermediates of that magnitude, or of
// the largest intermediate behind the element when that is larger (the oracle's
// ReferenceScales: expm1(b) - exp(b) = -1 for an integer b = 10 cancels two values near
// 22026, each rounded within 1 ULP, 3.6e-12, by engine and glibc; seed 41180014; and a
// wrapped uint16 s = -19 = 65517 in ((s - 2) + 7) - abs(a + s), two values near 65520 whose
// hypot rounding moved the result 4.9 by 3,000 ULPs; seed 41153996). A
// program with a float16 node (sin of an int8, uint8 or bool computes in float32 rounded to
// float16, as NumPy does) is compared within 4 float16 ULPs instead: engine and oracle round
// the same float32 values, which differ only when a kernel's last float32 bit moves one across
// a float16 rounding boundary (1 float16 ULP, a few after later operations). Rare discontinuities (floor, ceil, round or trunc right at a rounding difference) can
// still flip an element; a failure report names the seed to replay and judge it.
//
// Some operations amplify a last-bit difference of an operand by a factor that the result's
// magnitude does not bound, so the generator never gives them a rounded operand (one holding
// a transcendental function or **, whose last bits engine and oracle may round differently,
// each within its few ULPs of the exact result); an exact leaf (an argument, an unrounded
// temporary, a literal) takes its place:
//   - both operands of %, // and fmod: the remainder of a by b is at most |b| but moves with
//     a's and b's rounding errors times a / b (1e3 % t with t = -0.5 off by one float32 ULP
//     moves by 2000 ULPs of the result; cosh(x) % a keeps none of cosh's bits), and a // b
//     steps by 1 when a / b rounds across an integer, the likelier the larger a / b;
//   - the argument of sin, cos and tan: an argument of magnitude M off by d ULPs moves the
//     result by about M * d ULPs (tan(cosh(19)): cosh(19) = 89241150.48159363 one ULP apart
//     in engine and glibc, and their tangents 6.6809368 and 6.6809375 are both right to
//     1 ULP for their arguments), and tan's poles amplify without bound (tan(arcsinh(b)));
//   - the argument of exp, expm1, exp2, sinh and cosh: condition number |x|, and rounded
//     arguments reach 1e5 and beyond ((a ** 3) ** 3), so cosh((arctan2(s, a) ** 3) ** 3) moved
//     by 600 float32 ULPs; with complex values also tanh, periodic along the imaginary axis;
//   - the argument of arcsin, arccos, arctanh and arccosh (slopes unbounded at +-1:
//     arcsin(sin(b) ** 3), arccos((cos(a) ** 4) ** 2) moved by thousands of ULPs), and of
//     log, log2, log10, log1p, sqrt and cbrt (unbounded at 0, or -1): a rounded value near
//     there, e.g. a sum that cancels (log1p(cos(a)) for cos(a) near -1), carries only an
//     absolute error, which they make relative;
//   - the argument of floor, ceil, round and trunc: they step by 1 where a one-ULP difference
//     crosses an integer (floor(tanh(19)): glibc's tanh(19) is 1 - 2**-53, SLEEF's 1, both
//     within 1 ULP; trunc(expm1(-20)) in float32: -1 against -0.99999994);
//   - the divisor of / and the base of ** -1: a result near 0 carries only an absolute error
//     (the tolerance's floor of max(|expected|, 1)), which a division makes relative without
//     bound (a / log10(x) for x near 1);
//   - the base of ** is never a constant: a literal power (7 ** 4 = 2401, 1e3 ** 4 = 1e12) is a
//     scale factor that lifts the absolute error of a cancelled rounded intermediate above the
//     tolerance's floor ((arccosh(t + c) - (b + c)) * (7 ** 4) moved by 600 ULPs);
//   - with complex values: the argument of arctan, whose poles at +-i amplify without bound
//     (arctan(sign(a) ** 3): the cube of a point on the unit circle may land next to i), and
//     complex * and / and sign (z / |z|) count as rounded, since engine and oracle may contract
//     them into FMAs differently: conj(a) * sign(-2 * a) is -|a| exactly, plus an imaginary
//     rounding residue whose sign decides which side of log1p's branch cut (the real axis
//     below -1) it lands on: an imaginary part of +pi against -pi (seed 9019467 before);
//   - the operand of any and all, which compare each value with 0 (all(tanh(b) + 1) for an
//     integer b = -19: glibc's tanh is -1 + 2**-53, SLEEF's -1, both within 1 ULP; seed
//     61177056);
//   - the operands of comparisons (<, <=, >, >=, the conditions of where): a comparison
//     turns a one-ULP difference right at the other operand into false against true
//     (1 / log1p(-a) < a flipped for one float32 a in a thousand).
// A prod reduction multiplies clip(x, -1, 1): a product that overflows while a factor is 0 is
// NaN or 0 depending on the order of the multiplications (NumPy's too: prod([1e300, 1e300,
// 0.0]) is nan, prod([0.0, 1e300, 1e300]) is 0), and the engine multiplies in SIMD lanes and
// chunks, the oracle in C order; with factors of magnitude <= 1 nothing overflows.
// The operand of signbit and the sign operand of copysign are leaves (arguments or literals):
// any expression may give a NaN (arccos(3), 0.5 % 0), whose sign bit IEEE leaves open and
// SIMD kernels and libm set differently.
#include <catch2/catch.hpp>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tests/test_helpers.hpp"

namespace exprvm {
namespace {

using testing::Layout;
using testing::Family;
using testing::TestArray;
using testing::family_of;

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

// EXPRVM_DIFF_SEED, where "random" draws a seed below 10**9 (short enough to retype).
std::uint64_t first_seed() {
  const char* v = std::getenv("EXPRVM_DIFF_SEED");
  if (v && std::string_view(v) == "random") return std::random_device{}() % 1000000000u;
  return env_or("EXPRVM_DIFF_SEED", 1);
}

// Generates one random program: its signature, arguments and source.
class CaseGenerator {
 public:
  explicit CaseGenerator(std::uint64_t seed) : rng_(seed), integer_rng_(seed ^ 0x5EED) {}

  Signature signature;
  std::vector<TestArray> arrays;
  std::string source;
  bool approximate = false;       // see the tolerance policy above
  bool single_precision = false;  // some operand is float32/complex64: intermediates may be too

  void generate() {
    const DType base = pick_dtype();
    family_ = family_of(base);
    const auto shapes = pick_shapes();
    const char* names[] = {"a", "b", "c"};
    for (std::size_t k = 0; k < shapes.size(); ++k) {
      const DType t = chance(0.75) ? base : pick_dtype();
      add_argument(names[k], t, shapes[k], false, false);
    }
    if (chance(0.3)) add_argument("s", chance(0.5) ? base : pick_dtype(), {}, true, chance(0.5));
    leaves_.clear();
    for (const auto& p : signature) leaves_.push_back(p.name);
    for (const auto& p : signature) {
      if (family_of(p.dtype) == Family::Complex) approximate = true;
      if (p.dtype == DType::Float32 || p.dtype == DType::Complex64) single_precision = true;
    }
    complex_values_ = family_ == Family::Complex;
    for (const auto& p : signature) complex_values_ = complex_values_ || family_of(p.dtype) == Family::Complex;
    if (complex_values_) approximate = true;  // complex literals make complex arithmetic too

    const double form = uniform(0, 1);
    if (form < 0.1) {  // a temporary used by the result
      rounded_ = false;
      const std::string first = expression(3);
      temporary_rounded_ = rounded_;
      leaves_.push_back("t");
      source = "t = " + first + "; " + expression(4);
    } else if (form < 0.2) {  // in-place update of a parameter
      source = "a = " + expression(5);
    } else if (form < 0.35) {  // a reduction of the whole expression
      approximate = true;
      const char* reductions[] = {"sum", "prod", "min", "max", "mean", "any", "all"};
      const int ndim = arrays.empty() ? 0 : max_ndim();
      std::string axis;
      if (ndim > 0 && chance(0.6)) axis = ", axis=" + std::to_string(static_cast<int>(uniform_int(-ndim, ndim - 1)));
      const std::string reduction = reductions[uniform_int(0, 6)];
      // any and all test each value against 0, a comparison: their operand is exact (see the header)
      const bool tests_truth = reduction == "any" || reduction == "all";
      const std::string reduced = reduction == "prod" ? "clip(" + expression(4) + ", -1, 1)"
                                  : tests_truth     ? use(operand(4), true)
                                                    : expression(4);
      source = reduction + "(" + reduced + axis + ")";
    } else {
      source = expression(6);
    }
  }

 private:
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  double uniform(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng_); }
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_); }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[static_cast<std::size_t>(uniform_int(0, static_cast<std::int64_t>(v.size()) - 1))]; }

  // A dtype; an integer pick becomes any of the integer dtypes of core/dtypes.def, chosen
  // with a second generator so that the program's shape (drawn from rng_) does not depend on
  // how many dtypes there are.
  DType pick_dtype() {
    static const std::vector<DType> dtypes = {DType::Bool, DType::Int32, DType::Int64, DType::Float32, DType::Float32,
                                              DType::Float64, DType::Float64, DType::Complex64, DType::Complex128,
                                              DType::Int8, DType::UInt16, DType::UInt32, DType::Float16};
    static const std::vector<DType> integers = [] {
      std::vector<DType> all;
      for (int i = 0; i < kDTypeCount; ++i)
        if (family_of(static_cast<DType>(i)) == Family::Int) all.push_back(static_cast<DType>(i));
      return all;
    }();
    const DType t = pick(dtypes);
    if (family_of(t) != Family::Int) return t;
    return integers[std::uniform_int_distribution<std::size_t>(0, integers.size() - 1)(integer_rng_)];
  }

  int max_ndim() const {
    int n = 0;
    for (const auto& a : arrays) n = std::max(n, a.view.ndim);
    return n;
  }

  // Shapes of 1 to 3 array arguments that broadcast together.
  std::vector<std::vector<std::int64_t>> pick_shapes() {
    const auto b = static_cast<std::int64_t>(chunk_size());
    const int count = static_cast<int>(uniform_int(1, 3));
    const double form = uniform(0, 1);
    std::vector<std::vector<std::int64_t>> shapes;
    if (form < 0.5) {  // 1-d, lengths around chunk boundaries
      const std::int64_t n = pick(std::vector<std::int64_t>{1, 2, 7, 33, b - 1, b, b + 1, 2 * b + 5, 3 * b - 1, 1000});
      for (int k = 0; k < count; ++k) shapes.push_back({n});
    } else if (form < 0.75) {  // 2-d with broadcasting (m,1) + (1,n) + (m,n) or (n,)
      const std::int64_t m = uniform_int(1, 40), n = uniform_int(1, 40);
      const std::vector<std::vector<std::int64_t>> options = {{m, 1}, {1, n}, {m, n}, {n}};
      for (int k = 0; k < count; ++k) shapes.push_back(k == 0 ? std::vector<std::int64_t>{m, n} : pick(options));
    } else if (form < 0.88) {  // 3-d with broadcasting
      const std::int64_t p = uniform_int(1, 5), m = uniform_int(1, 9), n = uniform_int(1, 30);
      const std::vector<std::vector<std::int64_t>> options = {{p, m, n}, {m, 1}, {p, 1, n}, {n}, {1, m, 1}};
      for (int k = 0; k < count; ++k) shapes.push_back(k == 0 ? std::vector<std::int64_t>{p, m, n} : pick(options));
    } else if (form < 0.94) {  // 0-size
      const std::int64_t m = uniform_int(0, 3);
      for (int k = 0; k < count; ++k) shapes.push_back(k == 0 ? std::vector<std::int64_t>{m, 0} : std::vector<std::int64_t>{0});
    } else {  // 0-d
      for (int k = 0; k < count; ++k) shapes.push_back({});
    }
    return shapes;
  }

  void add_argument(const std::string& name, DType t, const std::vector<std::int64_t>& shape, bool scalar, bool weak) {
    if (weak && !is_native(t)) t = native_of(t);
    const Layout layout = pick(std::vector<Layout>{Layout::Contiguous, Layout::Contiguous, Layout::Strided,
                                                    Layout::Transposed, Layout::Reversed});
    TestArray a = testing::make_array(t, shape, scalar ? Layout::Contiguous : layout);
    std::vector<Value> values;
    for (std::int64_t i = 0; i < a.view.size(); ++i) values.push_back(random_value(native_of(t)));
    if (!values.empty()) testing::fill(a.view, values);
    signature.push_back({name, t, scalar, weak});
    arrays.push_back(a);
  }

  Value random_value(DType t) {
    if (chance(0.01) && t != DType::Bool) {
      const double specials[] = {0.0, 1.0, -1.0, INFINITY, -INFINITY, NAN};
      return cast_value(Value::of(specials[uniform_int(0, 5)]), t);
    }
    const bool integer = kind_of(t) == Kind::Int || kind_of(t) == Kind::UInt;  // unsigned: wrapped
    return testing::random_value(t, rng_, integer ? -20 : -4, integer ? 20 : 4);
  }

  std::string literal() {
    switch (family_) {
      case Family::Bool: return chance(0.5) ? "True" : "False";
      case Family::Int: return std::to_string(uniform_int(-5, 9));
      case Family::Complex:
        if (chance(0.3)) return "(" + std::to_string(uniform_int(-3, 3)) + "+" + std::to_string(uniform_int(1, 3)) + "j)";
        [[fallthrough]];
      default: return chance(0.5) ? std::to_string(uniform_int(-3, 9)) : pick(std::vector<std::string>{"0.5", "1.5", "-2.25", "0.1", "3e-2", "1e3"});
    }
  }

  // A leaf; marks the expression rounded when it is a rounded temporary.
  std::string leaf() {
    if (!chance(0.75)) return literal();
    const std::string name = pick(leaves_);
    if (name == "t" && temporary_rounded_) rounded_ = true;
    return name;
  }

  // A leaf that is not rounded: an argument, the temporary when it is exact, or a literal.
  std::string unrounded_leaf() {
    std::vector<std::string> names;
    for (const auto& name : leaves_)
      if (name != "t" || !temporary_rounded_) names.push_back(name);
    return chance(0.75) ? pick(names) : literal();
  }

  // Whether expression text refers to an argument or the temporary (else it is a constant).
  bool names_a_leaf(const std::string& text) const {
    for (const auto& name : leaves_)
      for (std::size_t at = text.find(name); at != std::string::npos; at = text.find(name, at + 1)) {
        const bool starts = at == 0 || !std::isalnum(static_cast<unsigned char>(text[at - 1]));
        const bool ends = at + name.size() == text.size() || !std::isalnum(static_cast<unsigned char>(text[at + name.size()]));
        if (starts && ends) return true;
      }
    return false;
  }
  std::string argument_name() {
    std::vector<std::string> names;
    for (const auto& name : leaves_)
      if (name != "t") names.push_back(name);
    return pick(names);
  }

  // An argument or a literal: never a NaN made by an operation (see the header).
  std::string argument_or_literal() {
    std::vector<std::string> names;
    for (const auto& name : leaves_)
      if (name != "t") names.push_back(name);
    return chance(0.75) ? pick(names) : literal();
  }

  // A subexpression generated before it is known whether it may round (see use()).
  struct Operand {
    std::string text;
    bool rounded = false;
    bool approximate_before = false;  // the program's `approximate` before this operand
  };

  Operand operand(int depth) {
    const bool outer_rounded = rounded_;
    Operand o;
    o.approximate_before = approximate;
    rounded_ = false;
    o.text = expression(depth);
    o.rounded = rounded_;
    rounded_ = outer_rounded;
    return o;
  }

  // The text of operand `o` in the enclosing expression; when `o` rounds and the enclosing
  // operation `amplifies` its last-bit differences (see the header), an unrounded leaf instead
  // (and `o` leaves no trace in the program's flags). Call right after generating `o`.
  std::string use(const Operand& o, bool amplifies) {
    if (o.rounded && amplifies) {
      approximate = o.approximate_before;
      return unrounded_leaf();
    }
    rounded_ = rounded_ || o.rounded;
    return o.text;
  }

  // Functions whose argument's last-bit differences the result amplifies (see the header).
  bool amplifies_argument(const std::string& f) const {
    static const std::set<std::string> s = {"exp",  "expm1", "exp2",  "sinh", "cosh",   "sin",     "cos",
                                            "tan",  "arcsin", "arccos", "arctanh", "arccosh", "log", "log2",
                                            "log10", "log1p", "sqrt",  "cbrt", "floor",  "ceil",    "round",
                                            "trunc"};
    return s.count(f) > 0 || ((f == "tanh" || f == "arctan") && complex_values_);
  }
  static bool is_comparison(const std::string& op) {
    return op == "<" || op == "<=" || op == ">" || op == ">=" || op == "==" || op == "!=";
  }

  std::string expression(int depth) {
    if (depth <= 0 || chance(0.25)) return leaf();
    const double form = uniform(0, 1);
    // Operands are generated right to left, as in the seeds' original programs.
    if (form < 0.45) {
      const Operand right = operand(depth - 1);
      const std::string op = binary_operator();
      const bool amplifies = op == "%" || op == "//" || is_comparison(op);
      const std::string right_text = use(right, amplifies || op == "/");
      const std::string left_text = use(operand(depth - 1), amplifies);
      if (complex_values_ && (op == "*" || op == "/")) rounded_ = true;  // see the header
      return "(" + left_text + " " + op + " " + right_text + ")";
    }
    // Integral exponents only: the optimizer rewrites x**0.5 as sqrt(x) like NumPy's operator,
    // which differs from pow() at -0 and -Inf; for complex, z**-1 -> 1/z may flip a zero's sign.
    if (form < 0.55) {
      approximate = true;
      rounded_ = true;
      const auto exponents = family_ == Family::Complex ? std::vector<std::string>{"2", "3", "4"}
                                                        : std::vector<std::string>{"2", "3", "-1", "4"};
      const std::string exponent = pick(exponents);
      std::string base = use(operand(depth - 1), exponent == "-1");
      if (!names_a_leaf(base)) base = argument_name();  // no constant ** k (see the header)
      return "(" + base + " ** " + exponent + ")";
    }
    if (form < 0.62) return (family_ == Family::Bool || (family_ == Family::Int && chance(0.3)) ? "~" : "-") + ("(" + expression(depth - 1) + ")");
    if (form < 0.7) {
      // == and != only where values are exact: equality of rounded results flips too easily
      const bool exact_family = family_ == Family::Bool || family_ == Family::Int;
      const char* comparisons[] = {"<", "<=", ">=", ">", "==", "!="};
      const std::string left = use(operand(depth - 2), true);
      const std::string comparison = comparisons[uniform_int(0, exact_family ? 5 : 3)];
      const std::string cond = "(" + left + " " + comparison + " " + use(operand(depth - 2), true) + ")";
      return "where(" + cond + ", " + expression(depth - 1) + ", " + expression(depth - 1) + ")";
    }
    const std::string f = function();
    if (f == "where") {
      const std::string cond = use(operand(depth - 1), true);
      return "where(" + cond + " > 0, " + expression(depth - 1) + ", " + expression(depth - 1) + ")";
    }
    if (f == "clip") return "clip(" + expression(depth - 1) + ", -1, 2)";
    if (binary_functions().count(f)) {
      const std::string second = f == "copysign" ? argument_or_literal() : use(operand(depth - 1), f == "fmod");
      const std::string first = use(operand(depth - 1), f == "fmod");
      return f + "(" + first + ", " + second + ")";
    }
    if (f == "signbit") return "signbit(" + argument_or_literal() + ")";
    return f + "(" + use(operand(depth - 1), amplifies_argument(f)) + ")";
  }

  std::string binary_operator() {
    switch (family_) {
      case Family::Bool: return pick(std::vector<std::string>{"&", "|", "^", "+", "*", "==", "!=", "<"});
      case Family::Int: return pick(std::vector<std::string>{"+", "-", "*", "//", "%", "<<", ">>", "&", "|", "^", "<", ">=", "/"});
      case Family::Float: return pick(std::vector<std::string>{"+", "-", "*", "/", "//", "%", "<", ">", "+", "*"});
      default: return pick(std::vector<std::string>{"+", "-", "*", "/"});
    }
  }

  static const std::set<std::string>& binary_functions() {
    static const std::set<std::string> s = {"arctan2", "fmod", "hypot", "copysign", "maximum", "minimum", "nextafter", "complex"};
    return s;
  }
  static const std::set<std::string>& exact_functions() {
    static const std::set<std::string> s = {"abs", "ceil", "floor", "round", "trunc", "sign", "signbit", "isnan",
                                            "isfinite", "isinf", "real", "imag", "conj", "copy", "ones_like",
                                            "square", "sqrt", "fmod", "copysign", "maximum", "minimum", "nextafter",
                                            "complex", "where", "clip"};
    return s;
  }

  std::string function() {
    static const std::vector<std::string> common = {"abs", "sign", "square", "copy", "ones_like", "where", "sqrt", "exp", "log", "sin", "cos", "tanh"};
    static const std::vector<std::string> real = {"ceil", "floor", "round", "trunc", "signbit", "isnan", "isfinite", "arctan", "arcsinh",
                                                  "expm1", "log1p", "log2", "log10", "cbrt", "erf", "erfc", "exp2", "tan", "sinh", "cosh",
                                                  "arcsin", "arccos", "arccosh", "arctanh", "arctan2", "fmod", "hypot", "copysign",
                                                  "maximum", "minimum", "nextafter", "clip"};
    static const std::vector<std::string> complex = {"real", "imag", "conj", "isnan", "isinf", "log1p", "expm1", "sinh", "arctan"};
    std::string f;
    if (family_ == Family::Complex) f = chance(0.5) ? pick(common) : pick(complex);
    else if (family_ == Family::Bool) f = pick(std::vector<std::string>{"where", "copy", "ones_like", "maximum", "minimum"});
    else f = chance(0.4) ? pick(common) : pick(real);
    if (!exact_functions().count(f)) {
      approximate = true;
      rounded_ = true;
    } else if ((f == "abs" || f == "sign") && complex_values_) {
      rounded_ = true;  // the modulus is a hypot, rounded within 1 ULP; sign(z) divides by it
    }
    return f;
  }

  std::mt19937_64 rng_;
  std::mt19937_64 integer_rng_;  // which integer dtype (see pick_dtype)
  Family family_ = Family::Float;
  std::vector<std::string> leaves_;
  bool complex_values_ = false;     // some argument (or the family) is complex
  bool rounded_ = false;            // the expression being generated may round (see use())
  bool temporary_rounded_ = false;  // the temporary t may round
};

TEST_CASE("random programs match the reference evaluator", "[differential]") {
  const std::uint64_t seed = first_seed();
  const std::uint64_t count = env_or("EXPRVM_DIFF_COUNT", 2000);
  std::printf("differential: %llu programs from seed %llu (replay: EXPRVM_DIFF_SEED=%llu EXPRVM_DIFF_COUNT=%llu "
              "exprvm_tests \"[differential]\")\n",
              static_cast<unsigned long long>(count), static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(count));
  std::fflush(stdout);
  std::uint64_t accepted = 0, rejected = 0, failures = 0;
  for (std::uint64_t k = 0; k < count; ++k) {
    CaseGenerator g(seed + k);
    g.generate();
    std::vector<Array> args;
    for (const auto& a : g.arrays) args.push_back(a.view);
    testing::Tolerance tol;
    tol.ignore_zero_sign = true;
    const std::string where = "seed " + std::to_string(seed + k) + " (case " + std::to_string(k) + "): " + g.source +
                              "\n  signature: " + testing::describe_arguments(g.signature, args) +
                              (g.approximate ? "\n  (approximate)" : "\n  (exact)");
    try {
      if (g.approximate) {
        tol.ulps = 512;
        tol.magnitude = 1;
        tol.precision = g.single_precision ? DType::Float32 : DType::Float64;
        const DType computed = testing::narrowest_float(check(parse(g.source), g.signature, {}));
        if (itemsize(computed) < itemsize(tol.precision)) tol.precision = computed;
        if (tol.precision == DType::Float16) tol.ulps = 4;
      }
      const auto diff = testing::engine_vs_reference(g.source, g.signature, args, nullptr, tol);
      ++accepted;
      if (diff) {
        ++failures;
        FAIL_CHECK(where << "\n  " << *diff);
      }
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::Type || e.kind() == ErrorKind::Cast ||
          testing::is_negative_integer_power_error(e)) {
        ++rejected;
      } else {
        ++failures;
        FAIL_CHECK(where << "\n  unexpected " << error_kind_name(e.kind()) << " error: " << e.what());
      }
    }
    if (failures >= 20) FAIL("stopping after 20 failures");
  }
  INFO("accepted " << accepted << ", rejected by the type checker " << rejected);
  CHECK(accepted + rejected == count);
  CHECK(accepted >= 2 * rejected);
}

}  // namespace
}  // namespace exprvm
