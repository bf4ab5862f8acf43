#include "bench/verify.hpp"

#include <cmath>
#include <sstream>

namespace exprvm_bench {
namespace {

// First element of a buffer of `count` values that is off by more than the tolerance.
template <class T>
std::string compare_floats(const char* buffer_name, const T* expected, const T* actual,
                           std::int64_t count, double relative) {
  for (std::int64_t i = 0; i < count; ++i) {
    const double e = expected[i], a = actual[i];
    if (std::isnan(e) && std::isnan(a)) continue;
    if (std::fabs(e - a) <= relative * (1.0 + std::fabs(e))) continue;
    std::ostringstream message;
    message.precision(9);
    message << buffer_name << "[" << i << "] = " << a << ", hand-written loop: " << e;
    return message.str();
  }
  return "";
}

std::string compare_bools(const bool* expected, const bool* actual, std::int64_t count) {
  std::int64_t mismatches = 0, first = -1;
  for (std::int64_t i = 0; i < count; ++i)
    if (expected[i] != actual[i]) {
      if (first < 0) first = i;
      ++mismatches;
    }
  if (!mismatches) return "";
  std::ostringstream message;
  message << mismatches << " of " << count << " bools differ from the hand-written loop (first: out["
          << first << "] = " << actual[first] << ")";
  return message.str();
}

template <class T>
std::string compare_typed(const WorkloadData& expected, const WorkloadData& actual) {
  constexpr double kElementTolerance = sizeof(T) == 4 ? 2e-5 : 1e-12;
  const double unit = sizeof(T) == 4 ? 0x1p-24 : 0x1p-53;
  const Workload& w = *expected.workload;
  for (std::size_t k = 0; k < w.inputs.size(); ++k) {
    std::string problem = compare_floats(w.inputs[k].name.c_str(),
                                         static_cast<const T*>(expected.inputs[k].data()),
                                         static_cast<const T*>(actual.inputs[k].data()),
                                         expected.n, kElementTolerance);
    if (!problem.empty()) return problem;
  }
  switch (w.output) {
    case Output::InPlace: return "";
    case Output::Bool:
      return compare_bools(static_cast<const bool*>(expected.out->data()),
                           static_cast<const bool*>(actual.out->data()), expected.n);
    case Output::Array:
      return compare_floats("out", static_cast<const T*>(expected.out->data()),
                            static_cast<const T*>(actual.out->data()), expected.n,
                            kElementTolerance);
    case Output::Scalar: {
      const double e = *static_cast<const T*>(expected.out->data());
      const double a = *static_cast<const T*>(actual.out->data());
      const double tolerance = double(expected.n) * unit * std::max(1.0, std::fabs(e));
      if (std::fabs(e - a) <= tolerance) return "";
      std::ostringstream message;
      message.precision(9);
      message << "result " << a << ", hand-written loop: " << e;
      return message.str();
    }
  }
  return "";
}

}  // namespace

std::string compare_results(const WorkloadData& expected, const WorkloadData& actual) {
  return expected.dtype == exprvm::DType::Float32 ? compare_typed<float>(expected, actual)
                                                  : compare_typed<double>(expected, actual);
}

}  // namespace exprvm_bench
