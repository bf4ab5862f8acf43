#include "compiler/opcodes.hpp"

namespace exprvm {
namespace {
using namespace typeset;
constexpr OpInfo kOps[] = {
#define X(NAME, SPELLING, FORM, ARITY, TYPES, RESULT, MEANING) \
  {SPELLING, OpForm::FORM, ARITY, static_cast<TypeSet>(TYPES), ResultRule::RESULT, MEANING},
#include "compiler/opcodes.def"
#undef X
};
static_assert(sizeof(kOps) / sizeof(kOps[0]) == kOpCount);
}  // namespace

const OpInfo& op_info(Op op) { return kOps[static_cast<int>(op)]; }

DType op_result(Op op, DType t) {
  switch (op_info(op).result) {
    case ResultRule::Same: return t;
    case ResultRule::ToBool: return DType::Bool;
    case ResultRule::ToReal: return real_of(t);
    case ResultRule::ToComplex: return complex_of(t);
  }
  return t;
}

}  // namespace exprvm
