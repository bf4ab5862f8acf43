#include "nn/activation.hpp"

#include <array>

#include <exprvm/exprvm.hpp>

namespace exprvm::nn {
namespace {

struct ActivationInfo {
  Activation kind;
  std::string_view name;
};
constexpr std::array<ActivationInfo, 8> kActivations{{
    {Activation::Linear, "linear"},
    {Activation::Relu, "relu"},
    {Activation::Elu, "elu"},
    {Activation::Selu, "selu"},
    {Activation::Tanh, "tanh"},
    {Activation::Sigmoid, "sigmoid"},
    {Activation::Softmax, "softmax"},
    {Activation::Gelu, "gelu"},
}};

// SELU's constants (Klambauer et al.), as Keras uses them.
constexpr double kSeluScale = 1.0507009873554804934193349852946;
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kInvSqrt2 = 0.70710678118654752440084436210485;
constexpr double kInvSqrt2Pi = 0.39894228040143267793994605993438;

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// act'(z) * dy as an expression of dy, y = act(z) and z (derivatives use y where it is
// cheaper, e.g. tanh' = 1 - y*y).
std::string derivative_expression(Activation a) {
  switch (a) {
    case Activation::Relu: return "where(y > 0, dy, 0)";
    case Activation::Elu: return "where(y > 0, dy, dy * (y + 1))";
    case Activation::Selu:
      return "where(y > 0, " + literal(kSeluScale) + " * dy, dy * (y + " +
             literal(kSeluScale * kSeluAlpha) + "))";
    case Activation::Tanh: return "dy * (1 - y * y)";
    case Activation::Sigmoid: return "dy * y * (1 - y)";
    case Activation::Gelu:
      return "dy * (0.5 * (1 + erf(z * " + literal(kInvSqrt2) + ")) + z * " +
             literal(kInvSqrt2Pi) + " * exp(-0.5 * z * z))";
    case Activation::Linear:
    case Activation::Softmax: break;
  }
  throw Error(ErrorKind::Internal, "no elementwise derivative for this activation");
}

}  // namespace

std::string_view activation_name(Activation a) {
  for (const auto& info : kActivations)
    if (info.kind == a) return info.name;
  return "?";
}

Activation activation_from_name(std::string_view name) {
  std::string known;
  for (const auto& info : kActivations) {
    if (info.name == name) return info.kind;
    known += (known.empty() ? "" : ", ") + std::string(info.name);
  }
  throw Error(ErrorKind::Argument,
              "unknown activation '" + std::string(name) + "' (known: " + known + ")");
}

std::string activation_expression(Activation a, std::string_view x) {
  std::string pattern;
  switch (a) {
    case Activation::Linear: pattern = "X"; break;
    case Activation::Relu: pattern = "maximum(X, 0)"; break;
    case Activation::Elu: pattern = "where(X > 0, X, expm1(X))"; break;
    case Activation::Selu:
      pattern = "where(X > 0, " + literal(kSeluScale) + " * X, " +
                literal(kSeluScale * kSeluAlpha) + " * expm1(X))";
      break;
    case Activation::Tanh: pattern = "tanh(X)"; break;
    case Activation::Sigmoid: pattern = "1 / (1 + exp(-X))"; break;
    case Activation::Gelu: pattern = "0.5 * X * (1 + erf(X * " + literal(kInvSqrt2) + "))"; break;
    case Activation::Softmax:
      throw Error(ErrorKind::Internal, "softmax is a per-row activation, not an expression");
  }
  return replace_all(pattern, "X", x);
}

ActivationStages::ActivationStages(Activation kind, bool with_bias, const std::string& owner)
    : kind_(kind), with_bias_(with_bias) {
  const std::string name(activation_name(kind));
  if (kind == Activation::Softmax) {
    if (with_bias) bias_add_.emplace(owner + " bias", "z = z + b", float_signature({"z", "b"}));
    row_max_.emplace(owner + " softmax row max", "max(z, axis=1)", float_signature({"z"}));
    shifted_exp_.emplace(owner + " softmax exp", "y = exp(z - m)",
                         float_signature({"z", "m", "y"}));
    row_sum_.emplace(owner + " softmax row sum", "sum(y, axis=1)", float_signature({"y"}));
    normalize_.emplace(owner + " softmax normalize", "y = y / s", float_signature({"y", "s"}));
    row_dot_.emplace(owner + " softmax backward row dot", "sum(dy * y, axis=1)",
                     float_signature({"dy", "y"}));
    softmax_grad_.emplace(owner + " softmax backward", "dy = y * (dy - s)",
                          float_signature({"dy", "y", "s"}));
    return;
  }
  // Inference gets the bias already added by the matrix product (sgemm/sgemv with beta = 1),
  // so its program has one operand shape and takes the engine's small-run fast path.
  if (kind != Activation::Linear)
    infer_.emplace(owner + " " + name, "z = " + activation_expression(kind, "z"),
                   float_signature({"z"}));
  if (with_bias) {
    train_.emplace(owner + " bias+" + name + " (training)",
                   "z = z + b\ny = " + activation_expression(kind, "z"),
                   float_signature({"z", "b", "y"}));
  } else {
    train_.emplace(owner + " " + name + " (training)", "y = " + activation_expression(kind, "z"),
                   float_signature({"z", "y"}));
  }
  if (kind != Activation::Linear) {
    const bool uses_z = kind == Activation::Gelu;
    derivative_.emplace(owner + " " + name + " derivative",
                        "dy = " + derivative_expression(kind),
                        uses_z ? float_signature({"dy", "z"}) : float_signature({"dy", "y"}));
  }
}

void ActivationStages::softmax_rows(const Tensor& z, Tensor& y) const {
  Tensor row_stat(z.rows, 1);
  const Array stat_out = row_stat.flat();
  row_max_->run({z.matrix()}, &stat_out);
  shifted_exp_->run({z.matrix(), row_stat.column(), y.matrix()});
  row_sum_->run({y.matrix()}, &stat_out);
  normalize_->run({y.matrix(), row_stat.column()});
}

void ActivationStages::apply(Tensor& z) const {
  if (z.size() == 0) return;
  if (kind_ == Activation::Softmax) return softmax_rows(z, z);
  if (infer_) infer_->run({z.matrix()});  // linear: nothing to do
}

void ActivationStages::apply(Tensor& z, BoundStage& binding) const {
  if (z.size() == 0) return;
  if (kind_ == Activation::Softmax) return softmax_rows(z, z);
  if (infer_) binding.run(*infer_, {&z});
}

void ActivationStages::apply_train(Tensor& z, const Tensor* bias, Tensor& y) const {
  y.resize(z.rows, z.cols);
  if (z.size() == 0) return;
  if (kind_ == Activation::Softmax) {
    if (with_bias_) bias_add_->run({z.matrix(), bias->flat()});
    softmax_rows(z, y);
    return;
  }
  if (with_bias_)
    train_->run({z.matrix(), bias->flat(), y.matrix()});
  else
    train_->run({z.matrix(), y.matrix()});
}

void ActivationStages::backward(const Tensor& z, const Tensor& y, Tensor& dy) const {
  if (dy.size() == 0) return;
  if (kind_ == Activation::Softmax) {
    Tensor row_dot(dy.rows, 1);
    const Array row_dot_out = row_dot.flat();
    row_dot_->run({dy.matrix(), y.matrix()}, &row_dot_out);
    softmax_grad_->run({dy.matrix(), y.matrix(), row_dot.column()});
    return;
  }
  if (!derivative_) return;  // linear: act' = 1
  if (kind_ == Activation::Gelu)
    derivative_->run({dy.matrix(), z.matrix()});
  else
    derivative_->run({dy.matrix(), y.matrix()});
}

std::vector<const Stage*> ActivationStages::stages() const {
  std::vector<const Stage*> list;
  for (const auto* stage : {&infer_, &train_, &derivative_, &bias_add_, &row_max_, &shifted_exp_,
                            &row_sum_, &normalize_, &row_dot_, &softmax_grad_})
    if (stage->has_value()) list.push_back(&**stage);
  return list;
}

}  // namespace exprvm::nn
