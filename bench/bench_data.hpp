// The buffers one workload runs on at one size, with the views each contender needs.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench/workloads.hpp"
#include <exprvm/exprvm.hpp>

namespace exprvm_bench {

// 64-byte aligned, uninitialised storage.
class Buffer {
 public:
  explicit Buffer(std::size_t bytes);
  void* data() const { return storage_.get(); }

 private:
  struct Free {
    void operator()(void* p) const;
  };
  std::unique_ptr<void, Free> storage_;
};

struct WorkloadData {
  const Workload* workload = nullptr;
  exprvm::DType dtype = exprvm::DType::Float32;
  std::int64_t n = 0;
  std::vector<Buffer> inputs;            // Workload::inputs order
  std::unique_ptr<Buffer> out;           // when the workload has an out buffer
  std::vector<void*> pointers;           // inputs, then out: what the hand loops take
  std::vector<exprvm::Array> arrays;     // exprvm views of the inputs
  exprvm::Array out_array;               // view of out (0-d for a reduction)

  const exprvm::Array* out_or_null() const { return out ? &out_array : nullptr; }
  void* reduction() const {
    return workload->output == Output::Scalar ? out->data() : nullptr;
  }
};

// Buffers of n elements filled with the workload's deterministic start values (the same
// values for the same workload, dtype and n, so contenders can be checked against each other).
WorkloadData make_data(const Workload& workload, exprvm::DType dtype, std::int64_t n);

// The compiled programs of a workload and, per program, the inputs it reads (indices into
// Workload::inputs, in order: the program's signature).
struct EnginePrograms {
  std::vector<exprvm::Program> programs;
  std::vector<std::vector<int>> uses;
};

// Compiles every program of `workload` for `dtype`. Throws exprvm::Error.
EnginePrograms compile_workload(const Workload& workload, exprvm::DType dtype);

// The arguments the engine contenders pass for one data set: Program::run argument lists
// and evaluate()'s named arrays, one list per program.
struct EngineArgs {
  std::vector<std::vector<exprvm::Array>> run_args;
  std::vector<std::vector<exprvm::NamedArray>> named;
};
EngineArgs engine_args(const EnginePrograms& engine, const WorkloadData& data);

}  // namespace exprvm_bench
