// The Python call path's shortcut for loops that update the same arrays again and again
// (`evaluate('p - g', out=p)` in an optimizer step): a program variant remembers the buffers of
// its last call, and when a call passes the very same ones again (data pointer, dtype, shape
// and strides of every argument and of `out`) it binds the program to them once
// (exprvm::BoundProgram) and later calls run the bound program, skipping the VM's per-run
// validation, aliasing analysis and layout (about 1,000 instructions a call). Used only for
// runs that hold the GIL from the check to the end of the run, so one RepeatRun never runs on
// two threads at once.
#pragma once
#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "python/evaluation.hpp"

namespace exprvm::python {

class RepeatRun {
 public:
  // Runs `program` through its binding when it is bound to exactly these buffers (scalars
  // held in a BoundArg are copied into the binding's own storage first) and returns true;
  // returns false, having run nothing, otherwise. Throws what BoundProgram::run throws.
  bool run_if_bound(const Program& program, ArgBuffer& args, const Array* out);

  // After `program` ran on these buffers the general way: binds it to them when the previous
  // call passed the same ones, else remembers them for the next call. Never throws; a
  // binding that fails is simply not made.
  void note(const Program& program, ArgBuffer& args, const Array* out);

  // evaluate()'s shortcut past binding (replay_call): true when this is bound to `program`
  // (compiled for `key`, one type code per name then the options' byte) and `values` (of
  // `names`, as NameValues holds them) and `out` (null: none) are exactly what binding them
  // would give: the same buffers as ndarrays bound in place (aligned, native byte order,
  // writeable where written), and scalars (Python or NumPy numbers) of the same types, whose
  // values are then copied into the binding. False otherwise, with no Python error set.
  // Runs no Python code; call run_bound() next, with the GIL still held.
  bool replay(const Program& program, std::string_view key, const std::vector<ExprName>& names,
              const NameValues& values, PyObject* out);
  // Runs the bound program. Throws what BoundProgram::run throws.
  void run_bound() { bound_->run(); }

 private:
  // Argument i's view as the binding sees it: a scalar stored in the BoundArg itself (whose
  // address changes every call) reads from values_ instead.
  Array view_of(BoundArg& arg, std::size_t i) const;
  bool matches(ArgBuffer& args, const Array* out) const;

  std::vector<Array> views_;             // the buffers of the last call, as view_of gives them
  std::optional<Array> out_;
  std::unique_ptr<std::byte[]> values_;  // kValueBytes per argument
  std::optional<BoundProgram> bound_;    // bound to views_ and out_
};

}  // namespace exprvm::python
