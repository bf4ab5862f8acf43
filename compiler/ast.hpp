// The abstract syntax tree. The parser fills the syntactic fields; the type checker fills the
// typed ones (dtype, uniform, weak) and resolves calls to an Op; the optimizer rewrites typed
// trees. Every node keeps the source span it came from, for error carets.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 2  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: compiler/ may be included by compiler/, vm/, runtime/ and code above the library"
#endif
#include <complex>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dtype.hpp"
#include "core/error.hpp"
#include "compiler/opcodes.hpp"

namespace exprvm {

enum class NodeKind : std::uint8_t {
  Literal,  // value in `literal`
  Name,     // variable `name`
  Unary,    // op applied to args[0] (NEG, INVERT); unary + is dropped by the parser
  Binary,   // op applied to args[0], args[1] (ADD ... GT); chained comparisons are desugared
            // by the parser: a < b < c  ->  (a < b) & (b < c)
  Call,     // function `name`(args..., keyword=value...); resolved by the type checker
  Apply,    // typed only: elementwise `op` applied to args (what a Call or operator became)
  Cast,     // typed only: args[0] converted to `dtype`
  Reduce,   // typed only: reduction `op` of args[0] over `axis` (nullopt = all axes); MEAN is
            // SUM with `mean` set
};

struct Literal {
  WeakKind kind = WeakKind::Int;
  bool b = false;
  std::int64_t i = 0;
  double f = 0.0;
  std::complex<double> c{};
};

struct Keyword {
  std::string name;
  Span span;
  std::unique_ptr<struct Node> value;
};

struct Node {
  NodeKind kind = NodeKind::Literal;
  Span span;

  // Syntactic fields.
  Literal literal;                            // Literal
  std::string name;                           // Name, Call
  Op op = Op::COPY;                           // Unary, Binary, Apply, Reduce
  std::vector<std::unique_ptr<Node>> args;    // operands / call arguments
  std::vector<Keyword> keywords;              // Call: keyword arguments (e.g. axis=0)

  // Typed fields (set by the type checker).
  DType dtype = DType::Float64;
  bool uniform = false;  // the same value for every element (literal, scalar, or made of them)
  bool weak = false;     // a Python literal (or made only of them): adopts array dtypes
  std::optional<int> axis;  // Reduce
  bool mean = false;        // Reduce: SUM divided by the element count
  int slot = -1;            // Name: index of the parameter or temporary it refers to

  std::unique_ptr<Node> clone() const;

  // Nodes come from a per-thread cache of freed nodes: one compile makes and frees dozens of
  // them, which the general heap serves slowly. A node may be freed by any thread.
  static void* operator new(std::size_t size);
  static void operator delete(void* node, std::size_t size) noexcept;
};
using NodePtr = std::unique_ptr<Node>;

struct Statement {
  std::string target;  // empty for a bare expression (the program's result)
  Span target_span;
  NodePtr expr;
};

struct ParsedProgram {
  std::string source;
  std::vector<Statement> statements;
};

// Parses one or more statements separated by ';' or newlines. Throws Error (Syntax or
// Literal) with a caret under the offending position.
ParsedProgram parse(std::string_view source);

// `None`: a Name node the parser makes for it and the type checker accepts only as a
// reduction's axis (axis=None); it is never a variable.
inline constexpr std::string_view kNoneName = "None";
inline bool is_none(const Node& node) { return node.kind == NodeKind::Name && node.name == kNoneName; }

// Python's spelling of an operator ("+", "**", "~", "-" for NEG), or empty for ops that are
// only functions.
std::string_view operator_symbol(Op op);

// Readable one-line rendering of an expression tree, fully parenthesised (for tests/debug).
std::string to_string(const Node& node);

}  // namespace exprvm
