// The functions the ULP tool measures: each float function and operator of
// compiler/functions.def that has a correctly rounded MPFR counterpart, with the bound it must
// meet and the input ranges that exercise it.
#pragma once

#include <mpfr.h>

#include <string>
#include <vector>

namespace exprvm::ulp {

// The accuracy promised for a function (README, issue 13).
enum class Bound {
  Exact,              // 0 ULP: the result is representable (abs, floor, fmod, ...)
  CorrectlyRounded,   // <= 0.5 ULP: + - * / sqrt square
  TwoUlp,             // <= 2 ULP over the whole domain
  Reported,           // measured and published, no promise (e.g. log10, erfc, cbrt)
};
double bound_ulps(Bound b);  // the largest error allowed; infinity for Reported
const char* bound_name(Bound b);

// A range of inputs, in the units of one dtype: `count_share` of the function's sample is
// drawn from it. Log ranges are log-uniform in |x| (both signs when `both_signs`); the limits
// kMinSubnormal / kMaxFinite stand for the dtype's smallest subnormal / largest finite value,
// and kOverflowLog / kUnderflowLog for log(max) / log(min subnormal) of the dtype (exp's
// saturation points), scaled by `scale` (e.g. 1/ln 2 for exp2).
enum class Limit { Value, MinSubnormal, MaxFinite, OverflowLog, UnderflowLog };
struct Endpoint {
  Limit limit = Limit::Value;
  double value = 0;  // Value: the number; OverflowLog/UnderflowLog: added offset
};
struct Range {
  Endpoint lo, hi;
  bool log_scale = false;
  bool both_signs = false;
  double weight = 1;
  double scale = 1;  // OverflowLog/UnderflowLog endpoints are multiplied by it
};

using MpfrUnary = int (*)(mpfr_ptr, mpfr_srcptr, mpfr_rnd_t);
using MpfrBinary = int (*)(mpfr_ptr, mpfr_srcptr, mpfr_srcptr, mpfr_rnd_t);

struct Function {
  std::string name;    // as in the table's first column
  std::string source;  // the exprvm program over a (and b)
  int arity = 1;
  MpfrUnary unary = nullptr;
  MpfrBinary binary = nullptr;
  Bound bound = Bound::TwoUlp;
  std::vector<Range> a_ranges;  // binary functions draw a and b independently...
  std::vector<Range> b_ranges;
  bool pow_pairs = false;       // ...except pow, whose b also spans the overflow edge of a**b
  bool saturates_to_one = false;  // tanh: exactly +-1 past saturation (checked separately)
  bool near_half_pi_multiples = false;  // sin, cos, tan: also where the argument reduction cancels
};

const std::vector<Function>& functions();

}  // namespace exprvm::ulp
