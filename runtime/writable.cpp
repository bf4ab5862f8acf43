// Untrusted strings: which caller arrays a program may assign (see check_writable in
// <exprvm/exprvm.hpp>).
#include <algorithm>

#include <exprvm/exprvm.hpp>
#include "compiler/ast.hpp"

namespace exprvm {
namespace {

// The first statement of `source` that assigns `name` (the error's caret); empty when none.
Span first_assignment(std::string_view source, const std::string& name) {
  for (const Statement& statement : parse(source).statements)
    if (statement.target == name) return statement.target_span;
  return {};
}

}  // namespace

void check_writable(const Program& program, std::span<const std::string_view> writable) {
  for (const std::string& name : program.outputs()) {
    if (std::find(writable.begin(), writable.end(), name) != writable.end()) continue;
    std::string allowed;
    for (std::string_view w : writable) allowed += (allowed.empty() ? "'" : ", '") + std::string(w) + "'";
    throw Error(ErrorKind::Argument,
                "the program assigns to '" + name + "', which the caller did not make writable (writable: " +
                    (allowed.empty() ? "none" : allowed) + ")",
                program.source(), first_assignment(program.source(), name));
  }
}

}  // namespace exprvm
