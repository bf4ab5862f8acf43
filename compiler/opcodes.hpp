// The Op enum and per-op facts, generated from compiler/opcodes.def.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 2  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: compiler/ may be included by compiler/, vm/, runtime/ and code above the library"
#endif
#include <cstdint>
#include <string_view>

#include "core/dtype.hpp"

namespace exprvm {

enum class Op : std::uint8_t {
#define X(NAME, SPELLING, FORM, ARITY, TYPES, RESULT, MEANING) NAME,
#include "compiler/opcodes.def"
#undef X
};

inline constexpr int kOpCount = 0
#define X(NAME, SPELLING, FORM, ARITY, TYPES, RESULT, MEANING) +1
#include "compiler/opcodes.def"
#undef X
    ;

enum class OpForm : std::uint8_t { Elementwise, Reduce, Cast };
enum class ResultRule : std::uint8_t { Same, ToBool, ToReal, ToComplex };

// A set of native dtypes as a bit mask (bit i = DType with index i).
using TypeSet = std::uint32_t;
static_assert(kNativeDTypeCount <= 32, "TypeSet: one bit per native dtype");
namespace typeset {
// The native dtypes of the kinds in `kinds` (bit k = Kind k), from core/dtypes.def.
constexpr TypeSet of_kinds(unsigned kinds) {
  TypeSet s = 0;
  for (int i = 0; i < kNativeDTypeCount; ++i)
    if ((kinds >> static_cast<int>(kind_of(static_cast<DType>(i)))) & 1u) s |= TypeSet{1} << i;
  return s;
}
inline constexpr TypeSet B = of_kinds(1u << static_cast<int>(Kind::Bool));
inline constexpr TypeSet I = of_kinds(1u << static_cast<int>(Kind::Int) | 1u << static_cast<int>(Kind::UInt));
inline constexpr TypeSet F = of_kinds(1u << static_cast<int>(Kind::Float));
inline constexpr TypeSet C = of_kinds(1u << static_cast<int>(Kind::Complex));
}  // namespace typeset

struct OpInfo {
  std::string_view spelling;  // lower-case name used by the disassembler
  OpForm form;
  int arity;
  TypeSet operand_types;
  ResultRule result;
  std::string_view meaning;
};

const OpInfo& op_info(Op op);
inline bool op_accepts(Op op, DType t) {
  return is_native(t) && (op_info(op).operand_types >> index_of(t)) & 1u;
}
// Result dtype of `op` applied to operands of dtype `t` (t must be accepted).
DType op_result(Op op, DType t);

}  // namespace exprvm
