// Activations and the exprvm programs that compute them: the forward pass fused with the bias
// add, and the derivative used by backpropagation.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nn/bound_stage.hpp"
#include "nn/stage.hpp"
#include "nn/tensor.hpp"

namespace exprvm::nn {

enum class Activation { Linear, Relu, Elu, Selu, Tanh, Sigmoid, Softmax, Gelu };

std::string_view activation_name(Activation a);
// Throws Error(Argument) listing the known names.
Activation activation_from_name(std::string_view name);
// The activation of `x` as an expression (every kind but softmax, which works per row).
std::string activation_expression(Activation a, std::string_view x);

// The compiled stages of one activation, optionally fused with a bias add.
class ActivationStages {
 public:
  // `owner` names the layer in stage labels, e.g. "dense_1".
  ActivationStages(Activation kind, bool with_bias, const std::string& owner);

  Activation kind() const { return kind_; }
  // Inference, in place: z = act(z), the bias (if any) already added to z.
  void apply(Tensor& z) const;
  // The same through `binding` (kept with the buffers across calls; see BoundStage).
  void apply(Tensor& z, BoundStage& binding) const;
  // Training: z = z + bias in place (kept for the derivative), y = act(z).
  void apply_train(Tensor& z, const Tensor* bias, Tensor& y) const;
  // Backward, in place: dy = dy * act'(z), from z and y = act(z) of apply_train.
  void backward(const Tensor& z, const Tensor& y, Tensor& dy) const;

  std::vector<const Stage*> stages() const;

 private:
  void softmax_rows(const Tensor& z, Tensor& y) const;

  Activation kind_;
  bool with_bias_;
  std::optional<Stage> infer_;       // z = act(z)
  std::optional<Stage> train_;       // z = z + b; y = act(z)
  std::optional<Stage> derivative_;  // dy = dy * act'(z)
  // Softmax works on rows: bias add, then max, exp, sum and divide per row.
  std::optional<Stage> bias_add_;
  std::optional<Stage> row_max_;
  std::optional<Stage> shifted_exp_;
  std::optional<Stage> row_sum_;
  std::optional<Stage> normalize_;
  std::optional<Stage> row_dot_;
  std::optional<Stage> softmax_grad_;
};

}  // namespace exprvm::nn
