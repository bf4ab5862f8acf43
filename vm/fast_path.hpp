// The executor's fast path for small runs on contiguous operands of one shape.
#pragma once
#include <span>

#include "vm/executor.hpp"

namespace exprvm::vm {

// Runs the program and returns true when the arguments qualify (see fast_path.cpp); returns
// false, having written nothing, when the general path must run instead.
bool run_fast(const Executable& ex, const CheckedProgram& program, std::span<const Array> args,
              const Array* out, OwnedArray& result);

}  // namespace exprvm::vm
