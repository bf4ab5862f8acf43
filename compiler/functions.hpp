// The functions and operators of the language, generated from compiler/functions.def: what
// the type checker makes of a call, and the operator tokens, precedence levels and spellings
// of the parser.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 2  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: compiler/ may be included by compiler/, vm/, runtime/ and code above the library"
#endif
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

#include "compiler/opcodes.hpp"

namespace exprvm {

// ---- functions (see compiler/functions.def for the meaning of each column)
enum class FunctionKind : unsigned char { Elementwise, Reduction };
enum class LoweringRule : unsigned char {
  Direct, Mean, RealPart, ImaginaryPart, Conjugate, Identity,
};

struct FunctionInfo {
  std::string_view name;
  Op op;
  int arity;  // positional operands (a Reduction also takes an optional axis)
  FunctionKind kind;
  LoweringRule rule;
};

inline constexpr FunctionInfo kFunctions[] = {
#define FUNCTION(NAME, OP, ARITY, KIND, RULE) \
  {#NAME, Op::OP, ARITY, FunctionKind::KIND, LoweringRule::RULE},
#include "compiler/functions.def"
};

// nullptr for an unknown name.
const FunctionInfo* find_function(std::string_view name);
// The name of the reduction function that is `op` (with the Mean rule when `mean`), e.g.
// "sum" or "mean"; op's spelling when no function is (min of bools becomes ALL).
std::string_view reduction_name(Op op, bool mean);

// ---- operators
enum class Precedence : unsigned char {
  Comparison, BitwiseOr, BitwiseXor, BitwiseAnd, Shift, Additive, Multiplicative, Power,
};

struct BinaryOperatorInfo {
  std::string_view spelling;
  Op op;
  Precedence level;
  bool augmentable;  // "spelling=" is a Python augmented assignment
};
struct UnaryOperatorInfo {
  std::string_view spelling;
  Op op;  // COPY: the operand itself (unary +)
};

inline constexpr BinaryOperatorInfo kBinaryOperators[] = {
#define BINARY(SPELLING, OP, LEVEL, AUGMENTABLE) \
  {SPELLING, Op::OP, Precedence::LEVEL, AUGMENTABLE},
#include "compiler/functions.def"
};
inline constexpr UnaryOperatorInfo kUnaryOperators[] = {
#define UNARY(SPELLING, OP) {SPELLING, Op::OP},
#include "compiler/functions.def"
};

// The longest operator spelling at some position of the source: its length (0: no operator
// starts there) and its binary and unary rows (indices, -1 for none).
struct OperatorToken {
  std::uint8_t length = 0;
  std::int8_t binary = -1;
  std::int8_t unary = -1;
};

// Role masks for operator_may_start: one bit per binary precedence level, one for unary.
constexpr std::uint16_t role_of(Precedence level) {
  return static_cast<std::uint16_t>(1u << static_cast<int>(level));
}
inline constexpr std::uint16_t kUnaryRole = 1u << 15;
static_assert(static_cast<int>(Precedence::Power) < 15, "precedence levels share kUnaryRole's bit");

namespace detail {
// The operator spellings starting with one character: the one-character spelling and up to
// two two-character ones.
struct OperatorsStartingWith {
  OperatorToken one_char;
  char second[2] = {};
  OperatorToken two_chars[2];
};
using OperatorStartTable = OperatorsStartingWith[256];

struct OperatorStarts {
  OperatorStartTable by_first_char{};
  // Per first character: bit (int)Precedence for each binary level, bit kUnaryRole for the
  // unary operators of the spellings starting with it (the parser's quick rejection).
  std::uint16_t roles[256]{};

  constexpr OperatorStarts() {
    for (std::size_t i = 0; i < std::size(kBinaryOperators); ++i) {
      token_for(kBinaryOperators[i].spelling).binary = static_cast<std::int8_t>(i);
      add_role(kBinaryOperators[i].spelling, role_of(kBinaryOperators[i].level));
    }
    for (std::size_t i = 0; i < std::size(kUnaryOperators); ++i) {
      token_for(kUnaryOperators[i].spelling).unary = static_cast<std::int8_t>(i);
      add_role(kUnaryOperators[i].spelling, kUnaryRole);
    }
  }

 private:
  // The entry of `spelling`. The throws stop the build on a spelling the table cannot hold.
  constexpr OperatorToken& token_for(std::string_view spelling) {
    if (spelling.empty() || spelling.size() > 2 || static_cast<unsigned char>(spelling[0]) >= 128)
      throw "operator spellings are one or two ASCII characters";
    OperatorsStartingWith& entry = by_first_char[static_cast<unsigned char>(spelling[0])];
    OperatorToken* token = &entry.one_char;
    if (spelling.size() == 2) {
      int k = 0;
      while (k < 2 && entry.second[k] != '\0' && entry.second[k] != spelling[1]) ++k;
      if (k == 2) throw "at most two two-character operators may share a first character";
      entry.second[k] = spelling[1];
      token = &entry.two_chars[k];
    }
    token->length = static_cast<std::uint8_t>(spelling.size());
    return *token;
  }
  constexpr void add_role(std::string_view spelling, std::uint16_t role) {
    roles[static_cast<unsigned char>(spelling[0])] |= role;
  }
};
inline constexpr OperatorStarts kOperatorStarts{};
}  // namespace detail

// Whether a spelling with one of `roles` starts with `first` (cheap; operator_token confirms).
// Both are forced inline: the grammar asks after every operand at every precedence level, and
// a call there made parsing measurably slower (callgrind, fused Adam program).
[[gnu::always_inline]] inline bool operator_may_start(char first, std::uint16_t roles) {
  return (detail::kOperatorStarts.roles[static_cast<unsigned char>(first)] & roles) != 0;
}

// The longest operator spelling that starts with `first`, `second` ('\0' at the end).
[[gnu::always_inline]] inline OperatorToken operator_token(char first, char second) {
  const detail::OperatorsStartingWith& entry =
      detail::kOperatorStarts.by_first_char[static_cast<unsigned char>(first)];
  if (second != '\0') {
    if (entry.second[0] == second) return entry.two_chars[0];
    if (entry.second[1] == second) return entry.two_chars[1];
  }
  return entry.one_char;
}
// The binary operator spelled exactly `text`, or nullptr.
inline const BinaryOperatorInfo* binary_operator(std::string_view text) {
  if (text.empty()) return nullptr;
  const OperatorToken token = operator_token(text[0], text.size() > 1 ? text[1] : '\0');
  if (token.length != text.size() || token.binary < 0) return nullptr;
  return &kBinaryOperators[token.binary];
}
// The unary operator spelled exactly `text`, or nullptr.
inline const UnaryOperatorInfo* unary_operator(std::string_view text) {
  if (text.empty()) return nullptr;
  const OperatorToken token = operator_token(text[0], text.size() > 1 ? text[1] : '\0');
  if (token.length != text.size() || token.unary < 0) return nullptr;
  return &kUnaryOperators[token.unary];
}

// The binary operator row whose op is `op`, or nullptr.
const BinaryOperatorInfo* binary_operator_of(Op op);

}  // namespace exprvm
