// ActivationLayer and Dropout: layers without weights.
#include <exprvm/exprvm.hpp>

#include "nn/layer_json.hpp"
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

namespace {

// Model file: "activation" (required).
std::unique_ptr<Layer> read_activation(const LayerJson& layer) {
  return std::make_unique<ActivationLayer>(
      layer.width, layer.reader.activation_field(layer.fields, std::nullopt), layer.name);
}

void write_activation(const ActivationLayer& layer, nlohmann::json& entry) {
  entry["activation"] = std::string(activation_name(layer.activation()));
}

// Model file: "rate" in [0, 1) (default 0).
std::unique_ptr<Layer> read_dropout(const LayerJson& layer) {
  const double rate = layer.reader.number_field(layer.fields, "rate", 0.0);
  if (!(rate >= 0 && rate < 1)) layer.reader.fail("field 'rate' must be in [0, 1)");
  return std::make_unique<Dropout>(layer.width, rate, layer.name);
}

void write_dropout(const Dropout& dropout, nlohmann::json& entry) {
  entry["rate"] = dropout.rate();
}

}  // namespace

const LayerType activation_layer_type{"activation", true, read_activation,
                                             write_as<ActivationLayer, write_activation>};
const LayerType dropout_layer_type{"dropout", true, read_dropout,
                                          write_as<Dropout, write_dropout>};

}  // namespace exprvm::nn
