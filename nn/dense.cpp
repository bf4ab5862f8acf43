#include <cmath>

#include <exprvm/exprvm.hpp>

#include "nn/dense_kernel.hpp"
#include "nn/layer_json.hpp"
#include "nn/layers.hpp"
#include "nn/linalg.hpp"

namespace exprvm::nn {

Dense::Dense(Tensor kernel, Tensor bias, Activation activation, const std::string& name)
    : Layer(kernel.rows, kernel.cols),
      kernel_(std::move(kernel)),
      bias_(std::move(bias)),
      bias_grad_(1, kernel_.cols),
      activation_(activation, true, name) {
  if (bias_.size() != kernel_.cols) {
    throw Error(ErrorKind::Shape, name + ": bias has " + std::to_string(bias_.size()) +
                                      " values, expected " + std::to_string(kernel_.cols) +
                                      " (the kernel's output width)");
  }
  bias_.resize(1, kernel_.cols);
}

std::unique_ptr<Dense> Dense::glorot(std::int64_t in, std::int64_t out, Activation activation,
                                     const std::string& name, std::mt19937_64& rng) {
  Tensor kernel(in, out);
  const double limit = std::sqrt(6.0 / static_cast<double>(in + out));
  std::uniform_real_distribution<float> uniform(static_cast<float>(-limit),
                                                static_cast<float>(limit));
  for (float& w : kernel.data) w = uniform(rng);
  return std::make_unique<Dense>(std::move(kernel), Tensor(1, out), activation, name);
}

void Dense::forward(const Tensor& in, Tensor& out) const {
  affine(in, kernel_, bias_, out);
  activation_.apply(out);
}

void Dense::forward_bound(const Tensor& in, Tensor& out, BoundStage& binding) const {
  affine(in, kernel_, bias_, out);
  activation_.apply(out, binding);
}

void Dense::forward_train(const Tensor& in, Tensor& out, std::mt19937_64&) {
  // Linear, relu and elu have a fused kernel (product, bias and activation in one pass) and
  // derivatives computed from y alone, so z is not kept for them.
  if (const FusedDenseKernel fused = fused_dense_kernel(activation_.kind())) {
    if (in.cols != kernel_.rows) {
      throw Error(ErrorKind::Shape, "dense: input width " + std::to_string(in.cols) +
                                        ", kernel has " + std::to_string(kernel_.rows) + " rows");
    }
    out.resize(in.rows, kernel_.cols);
    fused({in.data.data(), kernel_.data.data(), bias_.data.data(), out.data.data(), in.rows,
           kernel_.rows, kernel_.cols, kernel_.rows, kernel_.cols});
    return;
  }
  matmul(in, Transpose::No, kernel_, Transpose::No, pre_activation_);
  activation_.apply_train(pre_activation_, &bias_, out);
}

void Dense::backward(const Tensor& in, const Tensor& out, Tensor& grad_out, Tensor* grad_in) {
  activation_.backward(pre_activation_, out, grad_out);  // grad_out is now dLoss/dz
  matmul(in, Transpose::Yes, grad_out, Transpose::No, kernel_grad_);
  column_sums(grad_out, bias_grad_.data.data());
  if (grad_in) matmul(grad_out, Transpose::No, kernel_, Transpose::Yes, *grad_in);
}

std::vector<Parameter> Dense::parameters() {
  return {{"kernel", &kernel_, &kernel_grad_}, {"bias", &bias_, &bias_grad_}};
}

std::vector<const Stage*> Dense::stages() const {
  return activation_.stages();
}

namespace {

// Model file: "activation" (default linear), "weights": [kernel (in rows of out), bias].
std::unique_ptr<Layer> read_dense(const LayerJson& layer) {
  const nlohmann::json& w = layer.reader.weights(layer.fields, 2);
  Tensor kernel = layer.reader.matrix(w[0], layer.input_width, layer.width,
                                      "field 'weights'[0] (kernel)");
  Tensor bias = layer.reader.vector(w[1], layer.width, "field 'weights'[1] (bias)");
  const Activation activation = layer.reader.activation_field(layer.fields, Activation::Linear);
  return std::make_unique<Dense>(std::move(kernel), std::move(bias), activation, layer.name);
}

void write_dense(const Dense& dense, nlohmann::json& entry) {
  entry["activation"] = std::string(activation_name(dense.activation()));
  entry["weights"] = nlohmann::json::array({matrix_to_json(dense.kernel()),
                                            row_to_json(dense.bias())});
}

}  // namespace

const LayerType dense_layer_type{"dense", false, read_dense,
                                        write_as<Dense, write_dense>};

}  // namespace exprvm::nn
