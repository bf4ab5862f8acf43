#include "bench/bench_data.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <new>
#include <set>

namespace exprvm_bench {
namespace {

// xorshift64*: fast, deterministic, good enough for benchmark inputs.
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  double uniform01() {  // in (0, 1)
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return (double((state_ * 0x2545F4914F6CDD1Dull) >> 11) + 0.5) * 0x1p-53;
  }
  double normal() {  // Box-Muller
    const double r = std::sqrt(-2.0 * std::log(uniform01()));
    return r * std::cos(6.283185307179586 * uniform01());
  }

 private:
  std::uint64_t state_;
};

template <class T>
void fill(T* values, std::int64_t n, Init init, std::uint64_t seed) {
  Random random(seed);
  for (std::int64_t i = 0; i < n; ++i) {
    switch (init) {
      case Init::Normal: values[i] = T(random.normal()); break;
      case Init::SmallNormal: values[i] = T(0.01 * random.normal()); break;
      case Init::Uniform01: values[i] = T(random.uniform01()); break;
    }
  }
}

// Identifiers in an exprvm source (names and function names alike).
std::set<std::string> identifiers(const std::string& source) {
  std::set<std::string> names;
  for (std::size_t i = 0; i < source.size();) {
    const unsigned char c = source[i];
    if (std::isalpha(c) || c == '_') {
      std::size_t end = i + 1;
      while (end < source.size() && (std::isalnum((unsigned char)source[end]) || source[end] == '_'))
        ++end;
      names.insert(source.substr(i, end - i));
      i = end;
    } else if (std::isdigit(c) || c == '.') {  // skip numbers, including exponents like 1e-8
      std::size_t end = i + 1;
      while (end < source.size() && (std::isalnum((unsigned char)source[end]) || source[end] == '.'))
        ++end;
      i = end;
    } else {
      ++i;
    }
  }
  return names;
}

}  // namespace

Buffer::Buffer(std::size_t bytes) {
  const std::size_t rounded = (std::max<std::size_t>(bytes, 1) + 63) / 64 * 64;
  storage_.reset(std::aligned_alloc(64, rounded));
  if (!storage_) throw std::bad_alloc();
}

void Buffer::Free::operator()(void* p) const { std::free(p); }

WorkloadData make_data(const Workload& workload, exprvm::DType dtype, std::int64_t n) {
  WorkloadData data;
  data.workload = &workload;
  data.dtype = dtype;
  data.n = n;
  const std::size_t item = dtype == exprvm::DType::Float32 ? 4 : 8;
  for (std::size_t k = 0; k < workload.inputs.size(); ++k) {
    Buffer& buffer = data.inputs.emplace_back(item * std::size_t(n));
    if (dtype == exprvm::DType::Float32)
      fill(static_cast<float*>(buffer.data()), n, workload.inputs[k].init, k + 1);
    else
      fill(static_cast<double*>(buffer.data()), n, workload.inputs[k].init, k + 1);
    data.pointers.push_back(buffer.data());
    data.arrays.push_back(exprvm::Array::from_raw(buffer.data(), dtype, {n}));
  }
  switch (workload.output) {
    case Output::InPlace: break;
    case Output::Array:
      data.out = std::make_unique<Buffer>(item * std::size_t(n));
      data.out_array = exprvm::Array::from_raw(data.out->data(), dtype, {n});
      break;
    case Output::Bool:
      data.out = std::make_unique<Buffer>(std::size_t(n));
      data.out_array = exprvm::Array::from_raw(data.out->data(), exprvm::DType::Bool, {n});
      break;
    case Output::Scalar:
      data.out = std::make_unique<Buffer>(item);
      data.out_array =
          exprvm::Array::from_raw(data.out->data(), dtype, std::span<const std::int64_t>());
      break;
  }
  if (data.out) data.pointers.push_back(data.out->data());
  return data;
}

EnginePrograms compile_workload(const Workload& workload, exprvm::DType dtype) {
  EnginePrograms engine;
  for (const std::string& source : workload.programs) {
    const std::set<std::string> names = identifiers(source);
    exprvm::Signature signature;
    std::vector<int>& uses = engine.uses.emplace_back();
    for (std::size_t k = 0; k < workload.inputs.size(); ++k) {
      if (!names.count(workload.inputs[k].name)) continue;
      signature.push_back({workload.inputs[k].name, dtype});
      uses.push_back(int(k));
    }
    engine.programs.push_back(exprvm::compile(source, signature));
  }
  return engine;
}

EngineArgs engine_args(const EnginePrograms& engine, const WorkloadData& data) {
  EngineArgs args;
  for (const std::vector<int>& uses : engine.uses) {
    auto& run_args = args.run_args.emplace_back();
    auto& named = args.named.emplace_back();
    for (int k : uses) {
      run_args.push_back(data.arrays[k]);
      named.push_back({data.workload->inputs[k].name, data.arrays[k]});
    }
  }
  return args;
}

}  // namespace exprvm_bench
