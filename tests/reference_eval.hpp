// The test oracle: a plain tree-walking evaluator of typed programs, built on the scalar
// semantics of compiler/scalar_ops.hpp. It shares nothing with the engine but the type
// checker's output, and is written to be obviously correct rather than fast.
#pragma once
#include <optional>
#include <span>
#include <vector>

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
//
// `scales`, when given, receives per element the largest magnitude of any operation's value
// (and of a sum's terms) that went into it: a rounding error of one of those intermediates
// survives a later cancellation as an absolute error at that magnitude (expm1(10) - exp(10)
// is -1, computed from two values near 22026 whose last bits engine and glibc round
// differently), so approximate comparisons measure ULPs at it.
struct ReferenceScales {
  std::vector<double> result;                           // per result element, C order
  std::vector<std::optional<std::vector<double>>> params;  // per signature entry assigned to
};
OwnedArray reference_run(const CheckedProgram& program, std::span<const Array> args,
                         const Array* out = nullptr, ReferenceScales* scales = nullptr);

}  // namespace exprvm::testing
