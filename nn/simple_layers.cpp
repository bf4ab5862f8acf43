// ActivationLayer and Dropout: layers without weights.
#include "core/error.hpp"
#include "nn/layers.hpp"

namespace exprvm::nn {

ActivationLayer::ActivationLayer(std::int64_t width, Activation activation,
                                 const std::string& name)
    : Layer(width, width), activation_(activation, false, name) {}

void ActivationLayer::forward(const Tensor& in, Tensor& out) const {
  out = in;
  activation_.apply(out);
}

void ActivationLayer::forward_bound(const Tensor& in, Tensor& out, BoundStage& binding) const {
  out = in;
  activation_.apply(out, binding);
}

void ActivationLayer::forward_train(const Tensor& in, Tensor& out, std::mt19937_64&) {
  input_copy_ = in;
  activation_.apply_train(input_copy_, nullptr, out);
}

void ActivationLayer::backward(const Tensor&, const Tensor& out, Tensor& grad_out,
                               Tensor* grad_in) {
  activation_.backward(input_copy_, out, grad_out);
  if (grad_in) std::swap(*grad_in, grad_out);
}

Dropout::Dropout(std::int64_t width, double rate, const std::string& name)
    : Layer(width, width),
      rate_(rate),
      apply_mask_(name + " dropout", "y = x * mask", float_signature({"x", "mask", "y"})),
      mask_grad_(name + " dropout backward", "dx = dy * mask",
                 float_signature({"dy", "mask", "dx"})) {
  if (!(rate >= 0.0 && rate < 1.0)) {
    throw Error(ErrorKind::Argument,
                name + ": dropout rate must be in [0, 1), got " + std::to_string(rate));
  }
}

void Dropout::forward(const Tensor& in, Tensor& out) const { out = in; }

void Dropout::forward_train(const Tensor& in, Tensor& out, std::mt19937_64& rng) {
  mask_.resize(in.rows, in.cols);
  out.resize(in.rows, in.cols);
  std::bernoulli_distribution keep(1.0 - rate_);
  const float kept_scale = static_cast<float>(1.0 / (1.0 - rate_));
  for (float& m : mask_.data) m = keep(rng) ? kept_scale : 0.0f;
  if (in.size() > 0) apply_mask_.run({in.matrix(), mask_.matrix(), out.matrix()});
}

void Dropout::backward(const Tensor&, const Tensor&, Tensor& grad_out, Tensor* grad_in) {
  if (!grad_in) return;
  grad_in->resize(grad_out.rows, grad_out.cols);
  if (grad_out.size() > 0)
    mask_grad_.run({grad_out.matrix(), mask_.matrix(), grad_in->matrix()});
}

}  // namespace exprvm::nn
