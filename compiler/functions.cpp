#include "compiler/functions.hpp"

namespace exprvm {

const FunctionInfo* find_function(std::string_view name) {
  for (const auto& f : kFunctions)
    if (f.name == name) return &f;
  return nullptr;
}

std::string_view reduction_name(Op op, bool mean) {
  for (const auto& f : kFunctions) {
    if (f.kind == FunctionKind::Reduction && f.op == op && (f.rule == LoweringRule::Mean) == mean)
      return f.name;
  }
  return op_info(op).spelling;
}

const BinaryOperatorInfo* binary_operator_of(Op op) {
  for (const auto& b : kBinaryOperators)
    if (b.op == op) return &b;
  return nullptr;
}

}  // namespace exprvm
