// Binding a run's arguments: validation, the iteration space, the result array, and the
// aliasing analysis that decides which inputs must be copied before outputs are written.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: vm/ may be included by vm/, runtime/ and code above the library"
#endif
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "compiler/bytecode.hpp"
#include "core/array.hpp"
#include "core/error.hpp"
#include "vm/iteration.hpp"

namespace exprvm::vm {

struct Binding {
  std::vector<Array> args;    // the caller's arguments (outputs are written here)
  std::vector<Array> inputs;  // what Input and Scalar registers read: args, or a copy where an
                              // output would overwrite the values before their last read
  std::vector<std::unique_ptr<std::byte[]>> copies;
  Space space;                                  // broadcast iteration space (unsimplified)
  Space result_space;                           // shape of the result
  std::optional<int> axis;                      // normalised reduction axis
  OwnedArray result;                            // the caller's out or a new array
};

// Throws Error(Argument) unless `a` can be bound to parameter `p`: the same dtype, at most 32
// dimensions, no negative extent, data unless empty, a single element for a scalar.
void check_argument(const Param& p, const Array& a);

// Checks args against the bytecode's signature, computes shapes, makes the result, and
// copies any input that an output would overwrite before it is read (NumPy's rule for
// overlapping buffers). Throws Error before anything is written. Fills `b` in place, reusing
// its memory (the executor keeps one Binding per thread, so steady-state runs allocate only
// results).
void bind(const Bytecode& bc, std::span<const Array> args, const Array* out, Binding& b);

}  // namespace exprvm::vm
