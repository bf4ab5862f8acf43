// exprvm::Error: every failure the library reports, with a kind, a message and, where the
// failure has one, the source position and a caret line under it.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/export.hpp"

namespace exprvm {

enum class ErrorKind : std::uint8_t {
  Syntax,      // the text is not in the language
  Name,        // unknown variable
  Function,    // unknown function, or wrong arity / keyword
  Literal,     // bad literal (e.g. integer too large)
  Type,        // operation not defined for the operand dtypes
  Reduction,   // reduction not outermost, or bad axis
  Cast,        // result cannot be written into out under the casting rule
  Shape,       // shapes do not broadcast, or out has the wrong shape
  Argument,    // a bound argument is missing, has the wrong dtype, or is malformed
  Internal,    // a bug in exprvm
};

EXPRVM_API std::string_view error_kind_name(ErrorKind k);

// Half-open byte range [begin, end) in the source text.
struct Span {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
};

class EXPRVM_API Error : public std::runtime_error {
 public:
  // A message with no source position.
  Error(ErrorKind kind, const std::string& message);
  // A message about source[span]: what() is "message\n  <line>\n  <caret>" with carets under
  // the span (on the span's first line when it covers several).
  Error(ErrorKind kind, const std::string& message, std::string_view source, Span span);

  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }  // without the caret lines
  bool has_position() const { return has_position_; }
  Span span() const { return span_; }
  std::uint32_t line() const { return line_; }      // 1-based, 0 when no position
  std::uint32_t column() const { return column_; }  // 1-based, in characters; 0 when no position

 private:
  ErrorKind kind_;
  std::string message_;
  bool has_position_ = false;
  Span span_{};
  std::uint32_t line_ = 0;
  std::uint32_t column_ = 0;
};

// "line\n   ^^^" for source[span] (the helper behind Error's what()).
EXPRVM_API std::string caret_excerpt(std::string_view source, Span span);

}  // namespace exprvm
