#include "compiler/functions.hpp"

namespace exprvm {
namespace {
using K = FunctionKind;
constexpr FunctionInfo kFunctions[] = {
    {"where", K::Elementwise, Op::WHERE, 3},
    {"sqrt", K::Elementwise, Op::SQRT, 1},       {"sin", K::Elementwise, Op::SIN, 1},
    {"cos", K::Elementwise, Op::COS, 1},         {"tan", K::Elementwise, Op::TAN, 1},
    {"arcsin", K::Elementwise, Op::ARCSIN, 1},   {"arccos", K::Elementwise, Op::ARCCOS, 1},
    {"arctan", K::Elementwise, Op::ARCTAN, 1},   {"arctan2", K::Elementwise, Op::ARCTAN2, 2},
    {"sinh", K::Elementwise, Op::SINH, 1},       {"cosh", K::Elementwise, Op::COSH, 1},
    {"tanh", K::Elementwise, Op::TANH, 1},       {"arcsinh", K::Elementwise, Op::ARCSINH, 1},
    {"arccosh", K::Elementwise, Op::ARCCOSH, 1}, {"arctanh", K::Elementwise, Op::ARCTANH, 1},
    {"exp", K::Elementwise, Op::EXP, 1},         {"expm1", K::Elementwise, Op::EXPM1, 1},
    {"log", K::Elementwise, Op::LOG, 1},         {"log1p", K::Elementwise, Op::LOG1P, 1},
    {"log10", K::Elementwise, Op::LOG10, 1},     {"log2", K::Elementwise, Op::LOG2, 1},
    {"abs", K::Elementwise, Op::ABS, 1},         {"ceil", K::Elementwise, Op::CEIL, 1},
    {"floor", K::Elementwise, Op::FLOOR, 1},     {"round", K::Elementwise, Op::ROUND, 1},
    {"trunc", K::Elementwise, Op::TRUNC, 1},     {"sign", K::Elementwise, Op::SIGN, 1},
    {"signbit", K::Elementwise, Op::SIGNBIT, 1}, {"fmod", K::Elementwise, Op::FMOD, 2},
    {"hypot", K::Elementwise, Op::HYPOT, 2},     {"nextafter", K::Elementwise, Op::NEXTAFTER, 2},
    {"copysign", K::Elementwise, Op::COPYSIGN, 2},
    {"maximum", K::Elementwise, Op::MAXIMUM, 2}, {"minimum", K::Elementwise, Op::MINIMUM, 2},
    {"isnan", K::Elementwise, Op::ISNAN, 1},     {"isfinite", K::Elementwise, Op::ISFINITE, 1},
    {"isinf", K::Elementwise, Op::ISINF, 1},
    {"real", K::Real, Op::REAL, 1},              {"imag", K::Imag, Op::IMAG, 1},
    {"complex", K::Elementwise, Op::COMPLEX, 2}, {"conj", K::Conj, Op::CONJ, 1},
    {"copy", K::Copy, Op::COPY, 1},              {"ones_like", K::Elementwise, Op::ONES_LIKE, 1},
    {"clip", K::Elementwise, Op::CLIP, 3},       {"erf", K::Elementwise, Op::ERF, 1},
    {"erfc", K::Elementwise, Op::ERFC, 1},       {"exp2", K::Elementwise, Op::EXP2, 1},
    {"cbrt", K::Elementwise, Op::CBRT, 1},       {"square", K::Elementwise, Op::SQUARE, 1},
    {"sum", K::Reduction, Op::SUM, 1},           {"prod", K::Reduction, Op::PROD, 1},
    {"min", K::Reduction, Op::MIN, 1},           {"max", K::Reduction, Op::MAX, 1},
    {"any", K::Reduction, Op::ANY, 1},           {"all", K::Reduction, Op::ALL, 1},
    {"mean", K::Reduction, Op::SUM, 1},
};
}  // namespace

const FunctionInfo* find_function(std::string_view name) {
  for (const auto& f : kFunctions)
    if (f.name == name) return &f;
  return nullptr;
}

std::vector<std::string_view> function_names() {
  std::vector<std::string_view> names;
  for (const auto& f : kFunctions) names.push_back(f.name);
  return names;
}

}  // namespace exprvm
