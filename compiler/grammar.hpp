// The expression language as PEGTL 3 rules: Python expression syntax, one or more statements.
// Only rules live here; compiler/parser.cpp attaches the actions that build the AST and the
// control that turns failures into exprvm::Error.
//
// Every token rule is followed by `skip` (whitespace), so rules match their own text without
// leading blanks. Operators come from compiler/functions.def, one rule per precedence level; the parser's actions reduce
// operands on the parser's stack as each level's tail succeeds. Once an operator (or '(' or
// '=') is read, its operand is required (`must`), so the parser never backtracks over actions.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 2  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: compiler/ may be included by compiler/, vm/, runtime/ and code above the library"
#endif
#include <tao/pegtl.hpp>

#include "compiler/functions.hpp"
#include "compiler/identifier_chars.hpp"

namespace exprvm::grammar {

namespace pegtl = tao::pegtl;
using pegtl::at;
using pegtl::eof;
using pegtl::must;
using pegtl::not_at;
using pegtl::one;
using pegtl::opt;
using pegtl::plus;
using pegtl::seq;
using pegtl::sor;
using pegtl::star;
using pegtl::string;

// Whitespace between tokens: spaces, tabs, CR, form feeds, '#' comments (up to the newline),
// backslash-newline continuations, and newlines too while a bracket is open (Python's
// implicit line joining; the parser state knows the bracket depth). Always succeeds.
struct skip {
  template <pegtl::apply_mode, pegtl::rewind_mode, template <typename...> class Action,
            template <typename...> class Control, typename ParseInput, typename State>
  static bool match(ParseInput& in, State& state) {
    const bool newlines_are_blank = state.inside_brackets();
    while (!in.empty()) {
      const char c = in.peek_char();
      if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || (c == '\n' && newlines_are_blank)) {
        in.bump(1);
      } else if (c == '\\' && in.size(2) >= 2 && in.peek_char(1) == '\n') {
        in.bump(2);
      } else if (c == '#') {
        while (!in.empty() && in.peek_char() != '\n') in.bump(1);
      } else {
        break;
      }
    }
    return true;
  }
};

template <typename Text>
struct token : seq<Text, skip> {};

// ---- names: Python's identifiers in UTF-8 (XID_Start or '_', then XID_Continue characters;
// compiler/identifier_chars.hpp), which PEGTL's ASCII-only identifier rule cannot read.
template <bool First>
struct identifier_char {
  template <pegtl::apply_mode, pegtl::rewind_mode, template <typename...> class Action,
            template <typename...> class Control, typename ParseInput, typename... States>
  static bool match(ParseInput& in, States&&...) {
    const std::size_t length =
        identifier_char_length(std::string_view(in.current(), in.size(0)), 0, First);
    in.bump(length);
    return length != 0;
  }
};
struct identifier : seq<identifier_char<true>, star<identifier_char<false>>> {};
struct identifier_rest : identifier_char<false> {};
template <char... Word>
struct keyword : seq<string<Word...>, not_at<identifier_rest>> {};

// ---- literals
struct digits : seq<pegtl::digit, star<opt<one<'_'>>, pegtl::digit>> {};
struct exponent : seq<one<'e', 'E'>, opt<one<'+', '-'>>, digits> {};
// "1", "1.", "1.5", "1e3", "1.5e-3" or ".5", ".5e3": the digits are read once whatever follows.
struct fraction : seq<one<'.'>, opt<digits>, opt<exponent>> {};
struct number_body
    : sor<seq<digits, opt<sor<fraction, exponent>>>, seq<one<'.'>, digits, opt<exponent>>> {};
struct imaginary_suffix : one<'j', 'J'> {};
// A number must not run into a name character: "1abc" or "0x1F" is an invalid literal.
struct number_boundary : not_at<identifier_rest> {};
struct number_literal : seq<number_body, opt<imaginary_suffix>, must<number_boundary>> {};
struct boolean_literal
    : sor<keyword<'T', 'r', 'u', 'e'>, keyword<'F', 'a', 'l', 's', 'e'>> {};

// ---- operators: compiler/functions.def's spellings, read by longest match as Python's
// tokenizer does ("<<" is a shift, never two '<'). A level's rule matches when the longest
// spelling at the input has a binary row of that precedence level (or a unary row).
// The token at the input when an operator with one of `roles` may start there, else none.
template <typename ParseInput>
[[gnu::always_inline]] inline OperatorToken operator_token_at(ParseInput& in, std::uint16_t roles) {
  if (in.empty() || !operator_may_start(in.peek_char(), roles)) return {};
  return operator_token(in.peek_char(), in.size(2) >= 2 ? in.peek_char(1) : '\0');
}

template <Precedence Level>
struct binary_operator_of_level {
  template <pegtl::apply_mode, pegtl::rewind_mode, template <typename...> class Action,
            template <typename...> class Control, typename ParseInput, typename... States>
  static bool match(ParseInput& in, States&&...) {
    const OperatorToken token = operator_token_at(in, role_of(Level));
    if (token.binary < 0 || kBinaryOperators[token.binary].level != Level) return false;
    in.bump(token.length);
    return true;
  }
};
struct unary_operator_token {
  template <pegtl::apply_mode, pegtl::rewind_mode, template <typename...> class Action,
            template <typename...> class Control, typename ParseInput, typename... States>
  static bool match(ParseInput& in, States&&...) {
    const OperatorToken token = operator_token_at(in, kUnaryRole);
    if (token.unary < 0) return false;
    in.bump(token.length);
    return true;
  }
};

struct comparison_operator : binary_operator_of_level<Precedence::Comparison> {};
struct or_operator : binary_operator_of_level<Precedence::BitwiseOr> {};
struct xor_operator : binary_operator_of_level<Precedence::BitwiseXor> {};
struct and_operator : binary_operator_of_level<Precedence::BitwiseAnd> {};
struct shift_operator : binary_operator_of_level<Precedence::Shift> {};
struct additive_operator : binary_operator_of_level<Precedence::Additive> {};
struct multiplicative_operator : binary_operator_of_level<Precedence::Multiplicative> {};
struct unary_operator : unary_operator_token {};
struct power_operator : binary_operator_of_level<Precedence::Power> {};
struct assignment_operator : seq<one<'='>, not_at<one<'='>>> {};
struct comma : one<','> {};
struct open_paren : one<'('> {};
struct close_paren : one<')'> {};

// ---- expressions, lowest precedence last
struct expression;
struct unary;

// `name(...)`: positional arguments, then `name=value` keyword arguments; a trailing comma
// is allowed.
struct keyword_argument_head : seq<identifier, skip, token<assignment_operator>> {};
struct keyword_argument : seq<keyword_argument_head, must<expression>> {};
struct positional_argument : seq<expression> {};
struct argument : sor<keyword_argument, positional_argument> {};
struct argument_list : opt<pegtl::list_tail<argument, token<comma>>> {};
struct call_suffix : seq<token<open_paren>, argument_list, must<close_paren>> {};

struct variable_name : identifier {};
struct name_or_call : seq<variable_name, skip, opt<call_suffix, skip>> {};
struct parenthesized : seq<token<open_paren>, must<expression>, must<close_paren>> {};
struct number : seq<number_literal, skip> {};
struct primary : sor<number, seq<boolean_literal, skip>, seq<parenthesized, skip>, name_or_call> {};

// NumPy's attributes `x.real` and `x.imag` (the functions real(x) and imag(x)) bind tighter
// than every operator: -a.real**2 == -((a.real)**2). Any other attribute is an error.
struct attribute_name : sor<pegtl::keyword<'r', 'e', 'a', 'l'>, pegtl::keyword<'i', 'm', 'a', 'g'>> {};
struct attribute_suffix : seq<one<'.'>, attribute_name, skip> {};
struct attributed : seq<primary, star<attribute_suffix>> {};

// `**` binds tighter than a unary operator on its left; its right operand is a unary
// expression and it is right-associative: -a**-b**c == -(a**(-(b**c))).
struct power_tail : seq<token<power_operator>, must<unary>> {};
struct power : seq<attributed, opt<power_tail>> {};
struct unary_application : seq<token<unary_operator>, must<unary>> {};
struct unary : sor<unary_application, power> {};

template <typename Operator, typename Operand>
struct binary_tail : seq<token<Operator>, must<Operand>> {};
template <typename Operator, typename Operand>
struct left_associative : seq<Operand, star<binary_tail<Operator, Operand>>> {};

struct multiplicative : left_associative<multiplicative_operator, unary> {};
struct additive : left_associative<additive_operator, multiplicative> {};
struct shift : left_associative<shift_operator, additive> {};
struct bitwise_and : left_associative<and_operator, shift> {};
struct bitwise_xor : left_associative<xor_operator, bitwise_and> {};
struct bitwise_or : left_associative<or_operator, bitwise_xor> {};

// Python's chained comparisons: a < b <= c means (a < b) & (b <= c).
struct first_comparison : seq<token<comparison_operator>, must<bitwise_or>> {};
struct chained_comparison : seq<token<comparison_operator>, must<bitwise_or>> {};
struct comparison : seq<bitwise_or, opt<first_comparison, star<chained_comparison>>> {};
struct expression : comparison {};

// ---- programs: statements separated by ';' or newlines; blank statements are allowed.
struct assignment_head : seq<identifier, skip, token<assignment_operator>> {};
struct assignment : seq<assignment_head, must<expression>> {};
struct statement : sor<assignment, expression> {};
struct separator : seq<one<';', '\n'>, skip> {};
struct end_of_program : eof {};
struct program : seq<skip, opt<statement>, star<separator, opt<statement>>, must<end_of_program>> {
};

}  // namespace exprvm::grammar
