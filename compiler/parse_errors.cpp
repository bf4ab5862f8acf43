#include "compiler/parse_errors.hpp"

#include "compiler/functions.hpp"
#include "compiler/identifier_chars.hpp"

namespace exprvm {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<std::string> keyword_message(std::string_view word) {
  if (word.size() < 2 || word.size() > 8) return std::nullopt;  // every keyword is 2 to 8 long
  if (word == "and") return "'and' is not supported; use '&'";
  if (word == "or") return "'or' is not supported; use '|'";
  if (word == "not") return "'not' is not supported; use '~'";
  if (word == "if" || word == "else")
    return "conditional expressions are not supported; use where(condition, x, y)";
  static constexpr std::string_view kKeywords[] = {
      "False",    "True",   "as",    "assert", "async",  "await",    "break", "class",
      "continue", "def",    "del",   "elif",   "except", "finally",  "for",   "from",
      "global",   "import", "in",    "is",     "lambda", "nonlocal", "pass",  "raise",
      "return",   "try",    "while", "with",   "yield"};
  for (const std::string_view keyword : kKeywords) {
    if (keyword[0] == word[0] && keyword == word)  // the first characters settle most names
      return "keyword '" + std::string(word) + "' is not allowed";
  }
  return std::nullopt;
}

void ParseErrors::fail(const std::string& message, Span span) const {
  throw Error(ErrorKind::Syntax, message, source_, span);
}

bool ParseErrors::name_starts_at(std::uint32_t at) const {
  return identifier_char_length(source_, at, true) != 0;
}

std::uint32_t ParseErrors::name_end(std::uint32_t begin) const {
  return begin + static_cast<std::uint32_t>(identifier_continue_length(source_, begin));
}

void ParseErrors::fail_missing_operand(std::uint32_t at, Span last_token) const {
  const char next = char_at(at);
  const std::string op(text(last_token));
  const BinaryOperatorInfo* binary = binary_operator(op);
  const bool augmentable = binary && binary->augmentable;
  if (static_cast<unsigned char>(next) >= 0x80) fail_unexpected_character(at);
  if (next == '=' && augmentable && last_token.end == at) {
    fail("augmented assignment '" + op + "=' is not supported; write 'a = a " + op + " b'",
         {last_token.begin, at + 1});
  }
  if ((op == "&" || op == "|") && next == op[0] && last_token.end == at) {
    fail("'" + op + op + "' is not supported; use '" + op + "'", {last_token.begin, at + 1});
  }
  fail("expected an expression after '" + op + "'", {at, at + 1});
}

void ParseErrors::fail_unclosed(std::uint32_t at, std::uint32_t open_paren) const {
  if (at < source_.size()) fail_unexpected(at);
  fail("unbalanced parenthesis: '(' is never closed", {open_paren, open_paren + 1});
}

void ParseErrors::fail_unexpected(std::uint32_t at) const {
  const char c = char_at(at);
  const Span one{at, at + 1};
  if (name_starts_at(at)) {
    const Span word{at, name_end(at)};
    if (auto message = keyword_message(text(word))) fail(*message, word);
    fail("unexpected name '" + std::string(text(word)) + "'; is an operator missing?", word);
  }
  if (is_digit(c) || (c == '.' && is_digit(char_at(at + 1))))
    fail("unexpected number; is an operator missing?", one);
  switch (c) {
    case '.':
      fail(name_starts_at(at + 1) ? "only the attributes .real and .imag are allowed"
                                  : "unexpected '.'",
           one);
    case '[': fail("subscripts are not allowed", one);
    case '(': fail("only a plain function name can be called", one);
    case '=':
      fail("unexpected '='; only a plain name can be assigned to (use '==' to compare)", one);
    case '!': fail("unexpected '!'; use '~' for logical not and '!=' for inequality", one);
    case '\'':
    case '"': fail("string literals are not supported", one);
    default: break;
  }
  const auto byte = static_cast<unsigned char>(c);
  if (byte < 0x20 || byte >= 0x7F) fail_unexpected_character(at);
  fail(c == ')' || c == ',' ? std::string("unexpected '") + c + "'"
                            : std::string("unexpected character '") + c + "'",
       one);
}

void ParseErrors::fail_unexpected_character(std::uint32_t at) const {
  const Utf8Char c = decode_utf8(source_, at);
  if (c.length == 0) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    const auto byte = static_cast<unsigned char>(source_[at]);
    fail(std::string("invalid UTF-8: unexpected byte 0x") + kHex[byte >> 4] + kHex[byte & 15],
         {at, at + 1});
  }
  const Span span{at, at + c.length};
  const std::string name = code_point_name(c.code_point);
  if (is_identifier_continue(c.code_point)) {
    fail("character " + name + " '" + std::string(text(span)) + "' cannot start a name", span);
  }
  std::uint32_t previous = at;  // the start of the character before `at`
  while (previous > 0 && (static_cast<unsigned char>(source_[--previous]) & 0xC0) == 0x80) {
  }
  const bool inside_name = previous < at && identifier_char_length(source_, previous, false) != 0 &&
                           identifier_char_length(source_, span.end, false) != 0;
  fail(inside_name ? "character " + name + " cannot be part of a name"
                   : (c.code_point < 0x20 || c.code_point == 0x7F ? "unexpected control character "
                                                                   : "unexpected character ") +
                         name,
       span);
}

void ParseErrors::fail_invalid_number(std::uint32_t number_start, std::uint32_t at) const {
  const Span span{number_start, name_end(at)};
  const std::string_view literal = text(span);
  if (literal.size() > 1 && literal[0] == '0' &&
      std::string_view("xXoObB").find(literal[1]) != std::string_view::npos) {
    fail("hexadecimal, octal and binary literals are not supported", span);
  }
  fail("invalid number literal '" + std::string(literal) + "'", span);
}

void ParseErrors::fail_int64_overflow(Span literal) const {
  throw Error(ErrorKind::Literal,
              "integer literal is too large for int64 (maximum 9223372036854775807)", source_,
              literal);
}

}  // namespace exprvm
