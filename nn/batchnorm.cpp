#include <algorithm>
#include <cmath>

#include <exprvm/exprvm.hpp>

#include "nn/layer_json.hpp"
#include "nn/layers.hpp"

namespace exprvm::nn {
namespace {

Tensor checked_row(Tensor t, std::int64_t width, const std::string& layer, const char* field) {
  if (t.size() != width) {
    throw Error(ErrorKind::Shape, layer + ": " + field + " has " + std::to_string(t.size()) +
                                      " values, expected " + std::to_string(width));
  }
  t.resize(1, width);
  return t;
}

}  // namespace

BatchNorm::BatchNorm(Tensor gamma, Tensor beta, Tensor moving_mean, Tensor moving_variance,
                     double epsilon, double momentum, const std::string& name,
                     std::int64_t positions)
    : Layer(gamma.size() * positions, gamma.size() * positions),
      positions_(positions),
      gamma_(checked_row(std::move(gamma), input_width() / positions, name, "gamma")),
      beta_(checked_row(std::move(beta), input_width() / positions, name, "beta")),
      moving_mean_(checked_row(std::move(moving_mean), input_width() / positions, name,
                               "moving_mean")),
      moving_variance_(checked_row(std::move(moving_variance), input_width() / positions,
                                   name, "moving_variance")),
      gamma_grad_(1, input_width() / positions),
      beta_grad_(1, input_width() / positions),
      epsilon_(epsilon),
      momentum_(momentum),
      infer_(name + " batchnorm",
             "y = (x - mean) * (gamma / sqrt(var + " + literal(epsilon) + ")) + beta",
             float_signature({"x", "mean", "var", "gamma", "beta", "y"})),
      column_mean_(name + " batch mean", "mean(x, axis=0)", float_signature({"x"})),
      column_var_(name + " batch variance", "mean(square(x - mu), axis=0)",
                  float_signature({"x", "mu"})),
      inv_std_stage_(name + " inverse std + moving statistics",
                     "inv = 1 / sqrt(var + " + literal(epsilon) + ")\n" +
                         "mm = " + literal(momentum) + " * mm + (1 - " + literal(momentum) +
                         ") * mu\n" + "mv = " + literal(momentum) + " * mv + (1 - " +
                         literal(momentum) + ") * var",
                     float_signature({"var", "mu", "mm", "mv", "inv"})),
      train_(name + " batchnorm (training)", "xhat = (x - mu) * inv\ny = gamma * xhat + beta",
             float_signature({"x", "mu", "inv", "gamma", "beta", "xhat", "y"})),
      column_sum_(name + " beta gradient", "sum(dy, axis=0)", float_signature({"dy"})),
      column_dot_(name + " gamma gradient", "sum(dy * xhat, axis=0)",
                  float_signature({"dy", "xhat"})),
      input_grad_(name + " input gradient",
                  "dx = gamma * inv * (dy - (dbeta + xhat * dgamma) * rn)",
                  float_signature({"dy", "xhat", "gamma", "inv", "dbeta", "dgamma", "dx"},
                                  {"rn"})) {
  if (epsilon <= 0) throw Error(ErrorKind::Argument, name + ": epsilon must be positive");
  if (positions <= 0) throw Error(ErrorKind::Argument, name + ": positions must be positive");
}

std::unique_ptr<BatchNorm> BatchNorm::fresh(std::int64_t width, const std::string& name,
                                            double epsilon, double momentum,
                                            std::int64_t positions) {
  return std::make_unique<BatchNorm>(Tensor(1, width, 1.0f), Tensor(1, width),
                                     Tensor(1, width), Tensor(1, width, 1.0f), epsilon,
                                     momentum, name, positions);
}

Array BatchNorm::channel_matrix(const Tensor& t) const {
  return Array::from_raw(const_cast<float*>(t.data.data()), DType::Float32,
                         {t.size() / channels(), channels()});
}

void BatchNorm::forward(const Tensor& in, Tensor& out) const {
  if (folded_) {
    out = in;
    return;
  }
  out.resize(in.rows, in.cols);
  if (in.size() == 0) return;
  infer_.run({channel_matrix(in), moving_mean_.flat(), moving_variance_.flat(), gamma_.flat(),
              beta_.flat(), channel_matrix(out)});
}

// The batch's per-channel mean, variance and 1/sqrt(var + epsilon), and the moving statistics
// update (inv_std_stage_), for either training forward pass; sizes normalized_ for `in`.
void BatchNorm::batch_statistics(const Tensor& in) {
  const std::int64_t c = channels();
  batch_mean_.resize(1, c);
  batch_var_.resize(1, c);
  inv_std_.resize(1, c);
  normalized_.resize(in.rows, in.cols);
  const Array mean_out = batch_mean_.flat();
  const Array var_out = batch_var_.flat();
  column_mean_.run({channel_matrix(in)}, &mean_out);
  column_var_.run({channel_matrix(in), batch_mean_.flat()}, &var_out);
  inv_std_stage_.run({batch_var_.flat(), batch_mean_.flat(), moving_mean_.flat(),
                      moving_variance_.flat(), inv_std_.flat()});
}

void BatchNorm::forward_train(const Tensor& in, Tensor& out, std::mt19937_64&) {
  if (in.rows == 0) {
    throw Error(ErrorKind::Shape, "batchnorm: training needs at least one row in the batch");
  }
  if (folded_)
    throw Error(ErrorKind::Argument,
                "batchnorm: folded into the preceding convolution (inference only)");
  out.resize(in.rows, in.cols);
  batch_statistics(in);
  train_.run({channel_matrix(in), batch_mean_.flat(), inv_std_.flat(), gamma_.flat(),
              beta_.flat(), channel_matrix(normalized_), channel_matrix(out)});
}

void BatchNorm::backward(const Tensor&, const Tensor&, Tensor& grad_out, Tensor* grad_in) {
  const Array beta_grad_out = beta_grad_.flat();
  const Array gamma_grad_out = gamma_grad_.flat();
  column_sum_.run({channel_matrix(grad_out)}, &beta_grad_out);
  column_dot_.run({channel_matrix(grad_out), channel_matrix(normalized_)}, &gamma_grad_out);
  if (!grad_in) return;
  grad_in->resize(grad_out.rows, grad_out.cols);
  float inverse_rows = 1.0f / static_cast<float>(grad_out.size() / channels());
  input_grad_.run({channel_matrix(grad_out), channel_matrix(normalized_), gamma_.flat(),
                   inv_std_.flat(), beta_grad_.flat(), gamma_grad_.flat(),
                   channel_matrix(*grad_in), Array::scalar(inverse_rows)});
}

std::vector<Parameter> BatchNorm::parameters() {
  return {{"gamma", &gamma_, &gamma_grad_}, {"beta", &beta_, &beta_grad_}};
}

std::vector<const Stage*> BatchNorm::stages() const {
  return {&infer_,       &column_mean_, &column_var_, &inv_std_stage_,
          &train_,       &column_sum_,  &column_dot_, &input_grad_};
}

namespace {

// Model file: "epsilon" (default 1e-3), "momentum" (default 0.99), "positions" (per-channel
// statistics over h * w positions; default 1), "folded" (default false),
// "weights": [gamma, beta, moving_mean, moving_variance].
std::unique_ptr<Layer> read_batchnorm(const LayerJson& layer) {
  const nlohmann::json& w = layer.reader.weights(layer.fields, 4);
  const double positions = layer.reader.number_field(layer.fields, "positions", 1);
  if (!(positions >= 1) || positions != std::floor(positions) ||
      layer.width % static_cast<std::int64_t>(positions) != 0)
    layer.reader.fail("field 'positions' must be a positive integer dividing the width");
  const std::int64_t channels = layer.width / static_cast<std::int64_t>(positions);
  const char* fields[] = {"gamma", "beta", "moving_mean", "moving_variance"};
  Tensor parts[4];
  for (int i = 0; i < 4; ++i)
    parts[i] = layer.reader.vector(w[static_cast<std::size_t>(i)], channels,
                                   "field 'weights'[" + std::to_string(i) + "] (" + fields[i] +
                                       ")");
  const double epsilon = layer.reader.number_field(layer.fields, "epsilon", 1e-3);
  if (!(epsilon > 0)) layer.reader.fail("field 'epsilon' must be positive");
  for (float v : parts[3].data)
    if (v < 0) layer.reader.fail("field 'weights'[3] (moving_variance) has a negative value");
  auto bn = std::make_unique<BatchNorm>(
      std::move(parts[0]), std::move(parts[1]), std::move(parts[2]), std::move(parts[3]),
      epsilon, layer.reader.number_field(layer.fields, "momentum", 0.99), layer.name,
      static_cast<std::int64_t>(positions));
  if (layer.fields.contains("folded") && layer.fields["folded"] == true) bn->mark_folded();
  return bn;
}

void write_batchnorm(const BatchNorm& bn, nlohmann::json& entry) {
  entry["epsilon"] = bn.epsilon();
  entry["momentum"] = bn.momentum();
  if (bn.positions() > 1) entry["positions"] = bn.positions();
  if (bn.folded()) entry["folded"] = true;
  entry["weights"] = nlohmann::json::array({row_to_json(bn.gamma()), row_to_json(bn.beta()),
                                            row_to_json(bn.moving_mean()),
                                            row_to_json(bn.moving_variance())});
}

}  // namespace

const LayerType batchnorm_layer_type{"batchnorm", true, read_batchnorm,
                                            write_as<BatchNorm, write_batchnorm>};

}  // namespace exprvm::nn
