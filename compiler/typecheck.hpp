// Name binding and type checking: a parsed program plus a signature becomes a typed program
// whose trees hold only Literal, Name, Apply, Cast and Reduce nodes with every dtype decided
// and every conversion explicit (Cast nodes).
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 2  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: compiler/ may be included by compiler/, vm/, runtime/ and code above the library"
#endif
#include <optional>
#include <string>
#include <vector>

#include "compiler/ast.hpp"
#include "core/signature.hpp"

namespace exprvm {

// A value a Name can refer to: a parameter (slots [0, signature.size()) in signature order)
// or a temporary (a target that is not a parameter).
struct Slot {
  std::string name;
  DType dtype = DType::Float64;  // storage dtype for parameters, computed dtype for temporaries
  bool scalar = false;
  bool is_param = false;
  bool is_output = false;        // a parameter some statement assigns to
};

struct CheckedStatement {
  int target = -1;   // slot written, or -1 for the bare result expression
  NodePtr expr;      // typed; for a parameter target its root already has the target's
                     // native dtype (a Cast was inserted when needed)
};

struct CheckedProgram {
  std::string source;
  Signature signature;
  CompileOptions options;
  std::vector<Slot> slots;
  std::vector<CheckedStatement> statements;  // in source order
  // The bare result: dtype and whether it is uniform (a 0-d result). Only the last statement
  // may be a bare expression.
  std::optional<DType> result_dtype;
  // Only the last statement may be a reduction (its root is then a Reduce node, whose dtype
  // result_dtype is).
  // Array (non-scalar) parameters in signature order: their shapes broadcast into the
  // iteration space, whether or not the source reads them (NumPy broadcasts every operand).
  std::vector<int> array_params;
};

// Semantics of names: a Name node's `slot` is the slot it reads; a Name that follows an
// assignment to the same name reads the assigned value (sequential semantics, as in Python).
// Throws Error (Name, Function, Type, Reduction, Cast, Literal) with a caret on the culprit.
// The parsed trees become the typed ones (their nodes are reused).
CheckedProgram check(ParsedProgram parsed, const Signature& signature,
                     const CompileOptions& options);

}  // namespace exprvm
