// The workload table (the hand-written loops are bench/hand_loops.cpp, compiled per ISA).
#include "bench/workloads.hpp"

#include <stdexcept>

namespace exprvm_bench {
namespace {

std::vector<Workload> make_workloads() {
  const std::vector<Input> adam_inputs = {
      {"p", Init::Normal}, {"g", Init::SmallNormal}, {"m", Init::Normal}, {"v", Init::Uniform01}};
  const std::string adam_m = "m = m + (1 - 0.9) * (g - m)";
  const std::string adam_v = "v = v + (1 - 0.999) * (g * g - v)";
  const std::string adam_p = "p = p - 0.001 * m / (sqrt(v) + 1e-8)";
  std::vector<Workload> w;
  w.push_back({"sgd", {"p = p - g"}, {{"p", Init::Normal}, {"g", Init::SmallNormal}},
               Output::InPlace, 2, 1, true, false});
  w.push_back({"adam3", {adam_m, adam_v, adam_p}, adam_inputs, Output::InPlace, 7, 3, false,
               false});
  w.push_back({"adam_fused", {adam_m + "; " + adam_v + "; " + adam_p}, adam_inputs,
               Output::InPlace, 4, 3, true, false});
  w.push_back({"relu", {"where(d > 0, d, 0)"}, {{"d", Init::Normal}}, Output::Array, 1, 1,
               false, false});
  w.push_back({"tanh_relu", {"tanh(where(d > 0, d, 0))"}, {{"d", Init::Normal}},
               Output::Array, 1, 1, false, true});
  w.push_back({"elu", {"where(x > 0, x, expm1(x))"}, {{"x", Init::Normal}}, Output::Array, 1,
               1, false, true});
  w.push_back({"mul_add", {"a*b+c"},
               {{"a", Init::Normal}, {"b", Init::Normal}, {"c", Init::Normal}}, Output::Array,
               3, 1, true, false});
  w.push_back({"lincomb", {"2*a+3*b"}, {{"a", Init::Normal}, {"b", Init::Normal}},
               Output::Array, 2, 1, true, false});
  w.push_back({"sincos", {"sin(a)**2 + cos(a)**2"}, {{"a", Init::Normal}}, Output::Array, 1,
               1, false, true});
  w.push_back({"compare", {"a*b-4.1*a > 2.5*b"}, {{"a", Init::Normal}, {"b", Init::Normal}},
               Output::Bool, 2, 1, true, false});
  w.push_back({"dot", {"sum(a*b)"}, {{"a", Init::Normal}, {"b", Init::Normal}}, Output::Scalar,
               2, 0, true, false});
  return w;
}

}  // namespace

std::string Workload::description() const {
  std::string text;
  for (const std::string& program : programs) {
    if (!text.empty()) text += " ; ";
    text += program;
  }
  return text;
}

const std::vector<Workload>& all_workloads() {
  static const std::vector<Workload> workloads = make_workloads();
  return workloads;
}

int dtype_slot(exprvm::DType dtype) {
  if (dtype == exprvm::DType::Float32) return 0;
  if (dtype == exprvm::DType::Float64) return 1;
  throw std::invalid_argument("benchmark workloads exist for float32 and float64 only");
}

double bytes_per_element(const Workload& w, exprvm::DType dtype) {
  const double item = dtype == exprvm::DType::Float32 ? 4.0 : 8.0;
  const double written = w.output == Output::Bool ? 1.0 : item;
  return w.elements_read * item + w.elements_written * written;
}

}  // namespace exprvm_bench
