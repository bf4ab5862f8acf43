#include "compiler/typecheck.hpp"

#include <array>
#include <cstddef>
#include <memory_resource>
#include <unordered_map>

#include "compiler/functions.hpp"

namespace exprvm {
namespace {

// How an error names an operator: its symbol ("unary -" for negation) or its function name.
std::string_view op_display(Op op) {
  if (op == Op::NEG) return "unary -";
  const std::string_view symbol = operator_symbol(op);
  return symbol.empty() ? op_info(op).spelling : symbol;
}

bool is_bool_or_int(DType t) { return kind_of(t) == Kind::Bool || kind_of(t) == Kind::Int || kind_of(t) == Kind::UInt; }

// A negative integer literal, as parsed: -7 is NEG of the literal 7 (or int64's minimum).
bool is_negative_int_literal(const Node& n) {
  if (n.kind == NodeKind::Literal) return n.literal.kind == WeakKind::Int && n.literal.i < 0;
  return n.kind == NodeKind::Unary && n.op == Op::NEG && n.args[0]->kind == NodeKind::Literal &&
         n.args[0]->literal.kind == WeakKind::Int && n.args[0]->literal.i > 0;
}

class Checker {
 public:
  Checker(ParsedProgram parsed, const Signature& signature, const CompileOptions& options)
      : statements_(std::move(parsed.statements)) {
    out_.source = std::move(parsed.source);
    out_.signature = signature;
    const std::size_t most_slots = signature.size() + statements_.size();
    env_.reserve(most_slots);
    out_.slots.reserve(most_slots);
    weak_.reserve(most_slots);
    out_.statements.reserve(statements_.size());
    out_.options = options;
    for (std::size_t i = 0; i < signature.size(); ++i) {
      const Param& p = signature[i];
      if (p.weak && !p.scalar)
        throw Error(ErrorKind::Argument, "parameter '" + p.name + "' is weak but not a scalar");
      if (!is_native(p.dtype) && p.scalar && p.weak)
        throw Error(ErrorKind::Argument, "weak scalar '" + p.name + "' must have a native dtype");
      if (env_.count(p.name))
        throw Error(ErrorKind::Argument, "parameter '" + p.name + "' appears twice in the signature");
      out_.slots.push_back({p.name, p.dtype, p.scalar, true, false});
      weak_.push_back(p.weak);
      env_[out_.signature[i].name] = static_cast<int>(i);
    }
  }

  CheckedProgram run() {
    for (std::size_t i = 0; i < statements_.size(); ++i) {
      Statement& st = statements_[i];
      const bool last = i + 1 == statements_.size();
      if (st.target.empty() && !last)
        fail(ErrorKind::Syntax,
             "only the last statement may be a bare expression; assign this one to a name",
             st.expr->span);
      NodePtr expr = type(std::move(st.expr), last && st.target.empty());
      if (st.target.empty()) {
        out_.result_dtype = expr->dtype;
        out_.statements.push_back({-1, std::move(expr)});
      } else {
        assign(st, std::move(expr));
      }
    }
    for (std::size_t i = 0; i < out_.signature.size(); ++i)
      if (!out_.signature[i].scalar) out_.array_params.push_back(static_cast<int>(i));
    return std::move(out_);
  }

 private:
  [[noreturn]] void fail(ErrorKind kind, const std::string& message, Span span) const {
    throw Error(kind, message, out_.source, span);
  }

  void assign(const Statement& st, NodePtr expr) {
    auto it = env_.find(st.target);
    if (it != env_.end() && it->second < static_cast<int>(out_.signature.size())) {
      const int slot = it->second;
      Slot& param = out_.slots[slot];
      if (param.scalar)
        fail(ErrorKind::Argument, "cannot assign to '" + st.target + "': it is a scalar, not an array",
             st.target_span);
      if (!can_cast(expr->dtype, param.dtype, out_.options.casting))
        fail(ErrorKind::Cast,
             "cannot write " + std::string(dtype_name(expr->dtype)) + " into '" + st.target +
                 "' (" + std::string(dtype_name(param.dtype)) + ") under casting='" +
                 std::string(casting_name(out_.options.casting)) + "'",
             st.target_span);
      param.is_output = true;
      expr = cast(std::move(expr), param.dtype);
      out_.statements.push_back({slot, std::move(expr)});
      return;
    }
    // A temporary: every assignment makes a new slot, so a name may change dtype.
    const int slot = static_cast<int>(out_.slots.size());
    out_.slots.push_back({st.target, expr->dtype, expr->uniform, false, false});
    weak_.push_back(expr->weak);
    env_[st.target] = slot;
    out_.statements.push_back({slot, std::move(expr)});
  }

  // Types the parsed tree `n` in place: its nodes become the typed ones (a Unary, Binary or
  // elementwise Call node becomes an Apply; Casts are inserted above operands).
  NodePtr type(NodePtr n, bool reduction_allowed) {
    switch (n->kind) {
      case NodeKind::Literal:
        n->dtype = default_dtype(n->literal.kind);
        n->uniform = true;
        n->weak = true;
        return n;
      case NodeKind::Name: return type_name(std::move(n));
      case NodeKind::Unary:
      case NodeKind::Binary: {
        const bool negative_exponent = n->op == Op::POW && is_negative_int_literal(*n->args[1]);
        type_operands(*n);
        const Op op = n->op;
        NodePtr typed = apply(std::move(n), op, op_display(op));
        // NumPy's integer power rejects a negative exponent (it checks every element); a
        // constant one is rejected here, before anything runs.
        if (negative_exponent && is_bool_or_int(typed->dtype))
          fail(ErrorKind::Argument, "Integers to negative integer powers are not allowed.",
               typed->span);
        return typed;
      }
      case NodeKind::Call: return type_call(std::move(n), reduction_allowed);
      default: fail(ErrorKind::Internal, "unexpected node in a parsed tree", n->span);
    }
  }

  void type_operands(Node& n) {
    for (NodePtr& a : n.args) a = type(std::move(a), false);
  }

  NodePtr type_name(NodePtr n) {
    auto it = env_.find(n->name);
    if (it == env_.end() && is_none(*n))
      fail(ErrorKind::Name, "None is only allowed as a reduction's axis (axis=None)", n->span);
    if (it == env_.end()) fail(ErrorKind::Name, "name '" + n->name + "' is not defined", n->span);
    const Slot& s = out_.slots[it->second];
    n->slot = it->second;
    n->dtype = s.dtype;
    n->uniform = s.scalar;
    n->weak = weak_[it->second];
    return n;
  }

  NodePtr cast(NodePtr n, DType to) {
    if (n->dtype == to) return n;
    auto c = std::make_unique<Node>();
    c->kind = NodeKind::Cast;
    c->span = n->span;
    c->dtype = to;
    c->uniform = n->uniform;
    c->weak = n->weak;
    c->args.push_back(std::move(n));
    return c;
  }

  // NumPy's common dtype of operands; Python literals (weak) adopt the strong operands' dtype.
  static DType common_dtype(const std::vector<NodePtr>& args, std::size_t first, bool& all_weak) {
    std::optional<DType> strong;
    std::optional<DType> weak;
    for (std::size_t i = first; i < args.size(); ++i) {
      const Node& a = *args[i];
      auto& acc = a.weak ? weak : strong;
      acc = acc ? promote(*acc, a.dtype) : a.dtype;
    }
    all_weak = !strong.has_value();
    if (!strong) return *weak;
    return weak ? promote_weak(*strong, weak_kind_of(*weak)) : *strong;
  }

  // The dtype `op` computes in for operands promoted to `t`, or nullopt when it has none; a
  // storage-only dtype (float16) stands for its compute dtype (see apply).
  //
  // A float-only op converts integers and bools as NumPy's ufunc loops do: to the smallest
  // float that holds each operand (safe cast; a Python literal counts as `t`): float16 for bool
  // and 8-bit, float32 for 16-bit, float64 for wider integers, so arctan2(uint8, int8) is
  // float16 although uint8 and int8 promote to int16. `/` of integers is float64 (NumPy's
  // true-division rule); nextafter skips float16, whose step rounding a float32 result cannot
  // give. `args` from `first` are the operands.
  static std::optional<DType> computation_dtype(Op op, DType t, const std::vector<NodePtr>& args,
                                                std::size_t first) {
    if (op_accepts(op, native_of(t))) return t;
    if (!is_bool_or_int(t)) return std::nullopt;
    if (op_accepts(op, DType::Float64) && !op_accepts(op, DType::Int64)) {
      if (op == Op::DIV) return DType::Float64;
      for (const DType f : {DType::Float16, DType::Float32}) {
        bool holds_all = op_accepts(op, native_of(f)) && !(f == DType::Float16 && op == Op::NEXTAFTER);
        for (std::size_t i = first; i < args.size(); ++i)
          holds_all = holds_all && can_cast(args[i]->weak ? t : args[i]->dtype, f, Casting::Safe);
        if (holds_all) return f;
      }
      return DType::Float64;
    }
    if (t == DType::Bool && op != Op::NEG && op != Op::SUB && op_accepts(op, DType::Int8))
      return DType::Int8;
    return std::nullopt;
  }

  // `node` (whose args are typed operands) becomes elementwise `op` of them: promotes them to
  // a common dtype (WHERE: all but the condition), checks the op supports it and inserts the
  // casts. `what` names the op in errors.
  //
  // float16 (storage-only) is computed as NumPy does: each operation in float32, its result
  // rounded to float16. In the typed tree, a float16 operand is first cast to float16 (a
  // literal or an int8 adopts float16 first), then to float32; the op runs in float32; a
  // float result is cast back to float16, so its node has dtype float16 and promotes as
  // float16. Lowering keeps float16 values in float32 registers and turns a cast to float16
  // into one rounding (ROUND_F16), a cast from it into a float32 cast (see compiler/lower.cpp).
  NodePtr apply(NodePtr node, Op op, std::string_view what) {
    std::vector<NodePtr>& args = node->args;
    const std::size_t first = op == Op::WHERE ? 1 : 0;
    bool all_weak = false;
    const DType common = common_dtype(args, first, all_weak);
    const auto computed_as = computation_dtype(op, common, args, first);
    if (!computed_as) {
      std::string msg = "'" + std::string(what) + "' is not supported for " +
                        std::string(dtype_name(common));
      if (op == Op::NEG || op == Op::SUB)
        msg += " (for bool, use '^' or '~' instead)";
      fail(ErrorKind::Type, msg, node->span);
    }
    node->kind = NodeKind::Apply;
    node->op = op;
    node->name.clear();
    const DType stored = *computed_as;
    const DType t = native_of(stored);
    const bool storage_only = !is_native(stored);
    node->dtype = op_result(op, t);
    node->uniform = true;
    node->weak = all_weak;
    for (std::size_t i = 0; i < args.size(); ++i) {
      node->uniform = node->uniform && args[i]->uniform;
      if (i < first) {
        args[i] = cast(std::move(args[i]), DType::Bool);
        continue;
      }
      if (storage_only) args[i] = cast(std::move(args[i]), stored);
      args[i] = cast(std::move(args[i]), t);
    }
    if (storage_only && node->dtype == t) return cast(std::move(node), stored);
    return node;
  }

  // A new node that `apply` turns into an op of `args`.
  static NodePtr operands_node(Span span, std::vector<NodePtr> args) {
    auto node = std::make_unique<Node>();
    node->span = span;
    node->args = std::move(args);
    return node;
  }

  void check_arity(const Node& n, const FunctionInfo& f) const {
    if (!n.keywords.empty() && f.kind != FunctionKind::Reduction)
      fail(ErrorKind::Function, "function '" + n.name + "' takes no keyword arguments",
           n.keywords.front().span);
    const int given = static_cast<int>(n.args.size());
    const int max_args = f.kind == FunctionKind::Reduction ? 2 : f.arity;
    if (given < f.arity || given > max_args)
      fail(ErrorKind::Function,
           "function '" + n.name + "' takes " + std::to_string(f.arity) +
               (f.arity == 1 ? " argument" : " arguments") +
               (max_args > f.arity ? " (and an optional axis)" : "") + ", " +
               std::to_string(given) + " given",
           n.span);
  }

  NodePtr type_call(NodePtr n, bool reduction_allowed) {
    const FunctionInfo* f = find_function(n->name);
    if (!f) fail(ErrorKind::Function, "unknown function '" + n->name + "'", n->span);
    check_arity(*n, *f);
    if (f->kind == FunctionKind::Reduction) {
      if (!reduction_allowed)
        fail(ErrorKind::Reduction,
             "reduction '" + n->name +
                 "' must be the outermost operation of the program's result (the last, "
                 "unassigned statement)",
             n->span);
      return type_reduction(std::move(n), *f);
    }
    type_operands(*n);
    NodePtr& operand = n->args[0];
    const bool real_operand = operand->dtype != DType::Complex64 &&
                              operand->dtype != DType::Complex128;
    switch (f->rule) {
      case LoweringRule::Identity: return std::move(operand);
      case LoweringRule::RealPart:
      case LoweringRule::Conjugate:
        if (real_operand) return std::move(operand);
        break;
      case LoweringRule::ImaginaryPart:
        if (real_operand) return zeros_like(std::move(operand), n->span, f->name);
        break;
      default: break;
    }
    if (f->op == Op::ROUND && !real_operand) return round_complex(std::move(operand), n->span);
    return apply(std::move(n), f->op, f->name);
  }

  // round() of a complex value rounds both parts, as NumPy does:
  // complex(round(real(z)), round(imag(z))) (the optimizer computes z once).
  NodePtr round_complex(NodePtr z, Span span) {
    NodePtr parts[2];
    const Op part_ops[2] = {Op::REAL, Op::IMAG};
    for (int i = 0; i < 2; ++i) {
      std::vector<NodePtr> operand;
      operand.push_back(i == 0 ? z->clone() : std::move(z));
      NodePtr part = apply(operands_node(span, std::move(operand)), part_ops[i], "round");
      std::vector<NodePtr> rounded;
      rounded.push_back(std::move(part));
      parts[i] = apply(operands_node(span, std::move(rounded)), Op::ROUND, "round");
    }
    std::vector<NodePtr> both;
    both.push_back(std::move(parts[0]));
    both.push_back(std::move(parts[1]));
    return apply(operands_node(span, std::move(both)), Op::COMPLEX, "round");
  }

  // imag() of a real operand: zeros of its dtype and shape (false for bool); `what` names the
  // function in errors.
  NodePtr zeros_like(NodePtr x, Span span, std::string_view what) {
    const bool is_bool = x->dtype == DType::Bool;
    std::vector<NodePtr> one;
    one.push_back(std::move(x));
    NodePtr ones = apply(operands_node(span, std::move(one)), Op::ONES_LIKE, what);
    std::vector<NodePtr> args;
    if (is_bool) {
      args.push_back(std::move(ones));
      return apply(operands_node(span, std::move(args)), Op::INVERT, what);
    }
    args.push_back(ones->clone());
    args.push_back(std::move(ones));
    return apply(operands_node(span, std::move(args)), Op::SUB, what);
  }

  std::optional<int> parse_axis(const Node& n) const {
    const Node* axis = nullptr;
    if (n.args.size() == 2) axis = n.args[1].get();
    for (const auto& kw : n.keywords) {
      if (kw.name != "axis")
        fail(ErrorKind::Function, "function '" + n.name + "' has no keyword '" + kw.name + "'",
             kw.span);
      if (axis) fail(ErrorKind::Function, "axis given twice", kw.span);
      axis = kw.value.get();
    }
    if (!axis || is_none(*axis)) return std::nullopt;
    bool negative = false;
    const Node* lit = axis;
    if (lit->kind == NodeKind::Unary && lit->op == Op::NEG) {
      negative = true;
      lit = lit->args[0].get();
    }
    if (lit->kind != NodeKind::Literal || lit->literal.kind != WeakKind::Int)
      fail(ErrorKind::Reduction, "axis must be an integer literal or None", axis->span);
    const std::int64_t v = negative ? -lit->literal.i : lit->literal.i;
    if (v < -kMaxDimsForAxis || v >= kMaxDimsForAxis)
      fail(ErrorKind::Reduction, "axis " + std::to_string(v) + " is out of range", axis->span);
    return static_cast<int>(v);
  }
  static constexpr std::int64_t kMaxDimsForAxis = 32;

  NodePtr type_reduction(NodePtr n, const FunctionInfo& f) {
    const std::optional<int> axis = parse_axis(*n);
    NodePtr arg = type(std::move(n->args[0]), false);
    const bool mean = f.rule == LoweringRule::Mean;
    Op op = f.op;
    DType t = arg->dtype;
    const bool complex = t == DType::Complex64 || t == DType::Complex128;
    if (op == Op::ANY || op == Op::ALL) {
      t = DType::Bool;
    } else if (mean) {
      if (is_bool_or_int(t)) t = DType::Float64;
    } else if (op == Op::SUM || op == Op::PROD) {
      // NumPy's sum/prod of bool and narrower integers: int64 (uint64 for unsigned)
      if (kind_of(t) == Kind::UInt) t = DType::UInt64;
      else if (t == DType::Bool || kind_of(t) == Kind::Int) t = DType::Int64;
    } else if (complex) {
      fail(ErrorKind::Type, "'" + n->name + "' is not supported for " +
                                std::string(dtype_name(t)), n->span);
    } else if (t == DType::Bool) {
      op = op == Op::MIN ? Op::ALL : Op::ANY;  // min/max of bools
    }
    auto node = std::make_unique<Node>();
    node->kind = NodeKind::Reduce;
    node->op = op;
    node->span = n->span;
    node->axis = axis;
    node->mean = mean;
    node->dtype = t;
    node->uniform = false;
    node->weak = false;
    node->args.push_back(cast(std::move(arg), t));
    return node;
  }

  std::vector<Statement> statements_;  // parsed; check() moves each tree out as it types it
  CheckedProgram out_;
  // The name table allocates from this arena (typical programs fit in the buffer).
  std::array<std::byte, 1024> arena_buffer_;
  std::pmr::monotonic_buffer_resource arena_{arena_buffer_.data(), arena_buffer_.size()};
  // name -> slot it currently refers to; the names live in out_.signature and statements_
  std::pmr::unordered_map<std::string_view, int> env_{&arena_};
  std::vector<bool> weak_;                    // per slot: holds a Python-literal value
};

}  // namespace

CheckedProgram check(ParsedProgram parsed, const Signature& signature,
                     const CompileOptions& options) {
  return Checker(std::move(parsed), signature, options).run();
}

}  // namespace exprvm
