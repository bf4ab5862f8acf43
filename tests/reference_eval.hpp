// The test oracle: a plain tree-walking evaluator of typed programs, built on the scalar
// semantics of compiler/scalar_ops.hpp. It shares nothing with the engine but the type
// checker's output, and is written to be obviously correct rather than fast.
#pragma once
#include <span>

#include "compiler/typecheck.hpp"
#include "core/array.hpp"

namespace exprvm::testing {

// Evaluates `program` statement by statement over the NumPy-broadcast iteration space of its
// array arguments, element by element:
//   - parameter targets are stored into args[target] (cast to its storage dtype), and later
//     reads of that parameter see the stored values;
//   - the bare result goes into *out when given (cast to out's dtype), else into a new
//     C-ordered array of program.result_dtype with the broadcast (or reduced) shape.
// Returns the result (a view of *out, or the new array; empty when there is none).
// `args` follow the signature; scalars are 0-d arrays. The caller passes copies when the
// engine's run on the same inputs is to be compared (args may alias each other or *out).
OwnedArray reference_run(const CheckedProgram& program, std::span<const Array> args,
                         const Array* out = nullptr);

}  // namespace exprvm::testing
