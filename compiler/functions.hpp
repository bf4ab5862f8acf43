// The functions of the language: name -> what the type checker makes of a call.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 2  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: compiler/ may be included by compiler/, vm/, runtime/ and code above the library"
#endif
#include <optional>
#include <string_view>
#include <vector>

#include "compiler/opcodes.hpp"

namespace exprvm {

enum class FunctionKind : unsigned char {
  Elementwise,  // maps to `op` on operands promoted to a common dtype (for where: all but
                // the condition, which becomes bool)
  Reduction,    // sum prod min max any all mean: one operand, optional axis
  Real, Imag, Conj, Copy,  // identity or special forms for real operands
};

struct FunctionInfo {
  std::string_view name;
  FunctionKind kind;
  Op op;
  int arity;
};

// nullptr for an unknown name.
const FunctionInfo* find_function(std::string_view name);
// Every function name, for error hints and tests.
std::vector<std::string_view> function_names();

}  // namespace exprvm
