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
using TypeSet = std::uint8_t;
namespace typeset {
inline constexpr TypeSet B = 1u << 0;
inline constexpr TypeSet I = (1u << 1) | (1u << 2);
inline constexpr TypeSet F = (1u << 3) | (1u << 4);
inline constexpr TypeSet C = (1u << 5) | (1u << 6);
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
