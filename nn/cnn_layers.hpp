// The CNN runner's layers (seed 003). Samples are NHWC float32 rows of a Tensor (one row per
// image, h * w * c values), so CNN layers chain with the dense runner's layers (Dense,
// BatchNorm over channels, ActivationLayer, Dropout) in one Model. Convolutions and pooling run
// on oneDNN (nn/conv_backend.hpp); elementwise stages (BatchNorm, activations, losses,
// optimizer updates) stay exprvm programs.
#pragma once
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "nn/conv_backend.hpp"
#include "nn/layers.hpp"

namespace exprvm::nn {

enum class ConvKind {
  Standard,      // Conv2D: kernel (kh, kw, in, filters), bias (filters)
  Depthwise,     // DepthwiseConv2D: depthwise_kernel (kh, kw, in, multiplier), bias (in*mult)
  Separable,     // SeparableConv2D: depthwise_kernel (kh, kw, in, mult), pointwise_kernel
                 // (1, 1, in*mult, filters), bias (filters)
  CpDecomposed,  // 1x1 to rank R, depthwise kh x 1, depthwise 1 x kw, 1x1 back to filters:
                 // kernel_in (1, 1, in, R), kernel_h (kh, 1, R, 1), kernel_w (1, kw, R, 1),
                 // kernel_out (1, 1, R, filters), bias (filters)
};

struct ConvConfig {
  ConvKind kind = ConvKind::Standard;
  std::int64_t filters = 1;  // output channels (depthwise: in * depth_multiplier, set by it)
  std::int64_t kh = 3, kw = 3;
  std::int64_t sh = 1, sw = 1;
  std::int64_t dh = 1, dw = 1;
  Padding padding = Padding::Same;
  bool use_bias = true;
  std::int64_t depth_multiplier = 1;  // depthwise and separable
  // CP rank; 0 picks the seed's rule, max(filters / 2, 1).
  std::int64_t rank = 0;
};

// A convolution layer of any ConvKind: a chain of oneDNN convolutions over the weights.
// Backward computes every weight's gradient and the input gradient through the chain.
class Convolution : public Layer {
 public:
  // `weights` in the kind's Keras order and layout (see ConvKind), as flat tensors.
  Convolution(SpatialShape in, ConvConfig config, std::vector<Tensor> weights,
              const std::string& name);
  // Glorot-uniform kernels (fan_in, fan_out as Keras computes them) and zero biases.
  static std::unique_ptr<Convolution> glorot(SpatialShape in, ConvConfig config,
                                             const std::string& name, std::mt19937_64& rng);
  // The weights' names and Keras shapes for a kind (and the parameter count by summing them).
  static std::vector<std::pair<std::string, std::vector<std::int64_t>>> weight_shapes(
      SpatialShape in, const ConvConfig& config);

  std::string type() const override;
  void forward(const Tensor& in, Tensor& out) const override;
  void forward_train(const Tensor& in, Tensor& out, std::mt19937_64& rng) override;
  void backward(const Tensor& in, const Tensor& out, Tensor& grad_out, Tensor* grad_in) override;
  std::vector<Parameter> parameters() override;
  std::vector<const Stage*> stages() const override { return {}; }

  SpatialShape input_shape() const { return in_; }
  SpatialShape output_shape() const { return out_; }
  const ConvConfig& config() const { return config_; }
  const std::vector<Tensor>& weights() const { return weights_; }
  // Folds an inference BatchNorm that follows this layer into the last kernel and the bias
  // (adding a bias when the layer has none): conv(x) then bn == the folded conv(x).
  void fold_batchnorm(const BatchNorm& bn);

 private:
  struct Step {
    ConvOp op;
    int kernel;  // index into weights_
    int bias;    // index into weights_, or -1
  };
  void build_steps();
  void run_chain(const Tensor& in, Tensor& out, std::vector<Tensor>* keep) const;

  SpatialShape in_, out_;
  ConvConfig config_;
  std::string name_;
  std::vector<Tensor> weights_, grads_;
  std::vector<Step> steps_;
  std::vector<Tensor> intermediates_;  // training: outputs of every step but the last
  std::uint64_t weights_version_ = 0;  // bumped whenever the weights may have changed
};
extern const LayerType conv2d_layer_type;
extern const LayerType depthwise_conv2d_layer_type;
extern const LayerType separable_conv2d_layer_type;
extern const LayerType cp_conv2d_layer_type;

// MaxPooling2D / AveragePooling2D (pool size, strides default to the pool size, padding).
class Pooling2D : public Layer {
 public:
  Pooling2D(PoolKind kind, SpatialShape in, std::int64_t ph, std::int64_t pw, std::int64_t sh,
            std::int64_t sw, Padding padding, const std::string& name);
  std::string type() const override;
  void forward(const Tensor& in, Tensor& out) const override;
  void forward_train(const Tensor& in, Tensor& out, std::mt19937_64& rng) override;
  void backward(const Tensor& in, const Tensor& out, Tensor& grad_out, Tensor* grad_in) override;
  std::vector<const Stage*> stages() const override { return {}; }

  PoolKind kind() const { return kind_; }
  SpatialShape input_shape() const { return in_; }
  SpatialShape output_shape() const { return op_.out(); }
  std::int64_t pool_h() const { return ph_; }
  std::int64_t pool_w() const { return pw_; }
  std::int64_t stride_h() const { return sh_; }
  std::int64_t stride_w() const { return sw_; }
  Padding padding() const { return padding_; }

 private:
  PoolKind kind_;
  SpatialShape in_;
  std::int64_t ph_, pw_, sh_, sw_;
  Padding padding_;
  PoolOp op_;
};
extern const LayerType max_pooling2d_layer_type;
extern const LayerType average_pooling2d_layer_type;

// Mean over the spatial positions: (h, w, c) -> (c).
class GlobalAveragePooling2D : public Layer {
 public:
  GlobalAveragePooling2D(SpatialShape in, const std::string& name);
  std::string type() const override { return "global_average_pooling2d"; }
  void forward(const Tensor& in, Tensor& out) const override;
  void forward_train(const Tensor& in, Tensor& out, std::mt19937_64& rng) override;
  void backward(const Tensor& in, const Tensor& out, Tensor& grad_out, Tensor* grad_in) override;
  std::vector<const Stage*> stages() const override { return {}; }
  SpatialShape input_shape() const { return in_; }

 private:
  SpatialShape in_;
  PoolOp op_;  // average pooling with the whole image as the window
};
extern const LayerType global_average_pooling2d_layer_type;

// (h, w, c) -> (h * w * c): the rows are already flat, so a copy.
class Flatten : public Layer {
 public:
  Flatten(SpatialShape in, const std::string& name);
  std::string type() const override { return "flatten"; }
  void forward(const Tensor& in, Tensor& out) const override { out = in; }
  void forward_train(const Tensor& in, Tensor& out, std::mt19937_64&) override { out = in; }
  void backward(const Tensor&, const Tensor&, Tensor& grad_out, Tensor* grad_in) override {
    if (grad_in) *grad_in = grad_out;
  }
  std::vector<const Stage*> stages() const override { return {}; }
  SpatialShape input_shape() const { return in_; }

 private:
  SpatialShape in_;
};
extern const LayerType flatten_layer_type;

}  // namespace exprvm::nn
