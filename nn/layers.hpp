// The layers of a sequential model. Each layer owns its parameters, the exprvm stages it
// emits (compiled once, in the constructor) and, for training, what backward needs.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "nn/activation.hpp"
#include "nn/bound_stage.hpp"
#include "nn/stage.hpp"
#include "nn/tensor.hpp"

namespace exprvm::nn {

struct LayerType;  // a layer type's model-file row (nn/layer_json.hpp)

// A trainable tensor and its gradient (same shape).
struct Parameter {
  std::string name;  // e.g. "kernel", "bias", "gamma"
  Tensor* value;
  Tensor* grad;
};

class Layer {
 public:
  virtual ~Layer() = default;
  // The JSON "type" (dense, batchnorm, ...): the name of the layer's LayerType row.
  virtual std::string type() const = 0;
  std::int64_t input_width() const { return input_width_; }
  std::int64_t output_width() const { return output_width_; }

  // Inference: out = layer(in). `in` has input_width() columns; out is resized. Thread-safe.
  virtual void forward(const Tensor& in, Tensor& out) const = 0;
  // forward() for repeated calls on the same buffers: the layer's elementwise stage runs
  // through `binding` (one per layer in a prediction workspace). Default: forward().
  virtual void forward_bound(const Tensor& in, Tensor& out, BoundStage& binding) const {
    (void)binding;
    forward(in, out);
  }
  // Training: out = layer(in), keeping what backward needs.
  virtual void forward_train(const Tensor& in, Tensor& out, std::mt19937_64& rng) = 0;
  // Backward after forward_train(in, out): grad_out (dLoss/dout) may be overwritten; sets the
  // parameters' grads and, when grad_in is given, dLoss/din.
  virtual void backward(const Tensor& in, const Tensor& out, Tensor& grad_out,
                        Tensor* grad_in) = 0;

  virtual std::vector<Parameter> parameters() { return {}; }
  virtual std::vector<const Stage*> stages() const = 0;

 protected:
  Layer(std::int64_t input_width, std::int64_t output_width)
      : input_width_(input_width), output_width_(output_width) {}

 private:
  std::int64_t input_width_;
  std::int64_t output_width_;
};

// y = act(x · kernel + bias); kernel is [in][out], bias [out].
class Dense : public Layer {
 public:
  // Takes the weights (kernel in x out, bias 1 x out); `name` labels the emitted stages.
  Dense(Tensor kernel, Tensor bias, Activation activation, const std::string& name);
  // Glorot-uniform kernel, zero bias (Keras' defaults).
  static std::unique_ptr<Dense> glorot(std::int64_t in, std::int64_t out, Activation activation,
                                       const std::string& name, std::mt19937_64& rng);

  std::string type() const override { return "dense"; }
  void forward(const Tensor& in, Tensor& out) const override;
  void forward_bound(const Tensor& in, Tensor& out, BoundStage& binding) const override;
  void forward_train(const Tensor& in, Tensor& out, std::mt19937_64& rng) override;
  void backward(const Tensor& in, const Tensor& out, Tensor& grad_out, Tensor* grad_in) override;
  std::vector<Parameter> parameters() override;
  std::vector<const Stage*> stages() const override;

  const Tensor& kernel() const { return kernel_; }
  const Tensor& bias() const { return bias_; }
  Activation activation() const { return activation_.kind(); }
  // Inference, in place: z = act(z) for z = x · kernel + bias, through `binding`.
  void activate(Tensor& z, BoundStage& binding) const { activation_.apply(z, binding); }

 private:
  Tensor kernel_, bias_;
  Tensor kernel_grad_;  // sized by the first backward (inference-only models never need it)
  Tensor bias_grad_;
  Tensor pre_activation_;  // training: x · kernel + bias (unused when the kernel is fused)
  ActivationStages activation_;
};
extern const LayerType dense_layer_type;  // defined with Dense's code

// Batch normalization over the features (Keras semantics: epsilon, momentum of the moving
// statistics; the moving variance is the biased batch variance). With `positions` > 1 the
// features are NHWC images (positions = h * w) and the statistics are per channel, over the
// batch and the positions (Keras' BatchNormalization after a Conv2D).
class BatchNorm : public Layer {
 public:
  // weights: gamma, beta, moving mean, moving variance, each 1 x channels.
  BatchNorm(Tensor gamma, Tensor beta, Tensor moving_mean, Tensor moving_variance,
            double epsilon, double momentum, const std::string& name,
            std::int64_t positions = 1);
  static std::unique_ptr<BatchNorm> fresh(std::int64_t width, const std::string& name,
                                          double epsilon = 1e-3, double momentum = 0.99,
                                          std::int64_t positions = 1);

  std::string type() const override { return "batchnorm"; }
  void forward(const Tensor& in, Tensor& out) const override;
  void forward_train(const Tensor& in, Tensor& out, std::mt19937_64& rng) override;
  void backward(const Tensor& in, const Tensor& out, Tensor& grad_out, Tensor* grad_in) override;
  std::vector<Parameter> parameters() override;
  std::vector<const Stage*> stages() const override;

  const Tensor& gamma() const { return gamma_; }
  const Tensor& beta() const { return beta_; }
  const Tensor& moving_mean() const { return moving_mean_; }
  const Tensor& moving_variance() const { return moving_variance_; }
  double epsilon() const { return epsilon_; }
  double momentum() const { return momentum_; }
  std::int64_t channels() const { return gamma_.size(); }
  std::int64_t positions() const { return positions_; }
  // After the preceding convolution absorbed this layer (Convolution::fold_batchnorm): an
  // identity at inference; training it then throws.
  void mark_folded() { folded_ = true; }
  bool folded() const { return folded_; }

  // Training of BatchNorm + ReLU as one block (nn/batchnorm_relu.cpp; the CNN trainer's
  // conv blocks): out = relu(batchnorm(in)) by one normalization program, and the backward of
  // both from dLoss/dout (the ReLU mask folded into the BatchNorm gradient programs).
  void forward_train_relu(const Tensor& in, Tensor& out);
  void backward_relu(const Tensor& out, Tensor& grad_out, Tensor* grad_in);

 private:
  // t as a (values / channels, channels) matrix: the per-channel statistics are column-wise.
  Array channel_matrix(const Tensor& t) const;
  // Both training passes: the batch's statistics and the moving averages' update.
  void batch_statistics(const Tensor& in);

  std::int64_t positions_;
  bool folded_ = false;
  Tensor gamma_, beta_, moving_mean_, moving_variance_;
  Tensor gamma_grad_, beta_grad_;
  Tensor batch_mean_, batch_var_, inv_std_, normalized_;  // training caches
  double epsilon_, momentum_;
  Stage infer_;          // y = (x - mean) * (gamma / sqrt(var + eps)) + beta
  Stage column_mean_;    // mean(x, axis=0)
  Stage column_var_;     // mean(square(x - mu), axis=0)
  Stage inv_std_stage_;  // inv = 1 / sqrt(var + eps); moving averages updated in the same pass
  Stage train_;          // xhat = (x - mu) * inv; y = gamma * xhat + beta
  Stage column_sum_;     // sum(dy, axis=0)
  Stage column_dot_;     // sum(dy * xhat, axis=0)
  Stage input_grad_;     // dx = gamma * inv * (dy - (dbeta + xhat * dgamma) / n)
  struct ReluStages;     // the fused BatchNorm + ReLU programs, compiled on first use
  std::shared_ptr<const ReluStages> relu_stages_;
};
extern const LayerType batchnorm_layer_type;  // defined with BatchNorm's code

// A standalone activation layer.
class ActivationLayer : public Layer {
 public:
  ActivationLayer(std::int64_t width, Activation activation, const std::string& name);
  std::string type() const override { return "activation"; }
  void forward(const Tensor& in, Tensor& out) const override;
  void forward_bound(const Tensor& in, Tensor& out, BoundStage& binding) const override;
  void forward_train(const Tensor& in, Tensor& out, std::mt19937_64& rng) override;
  void backward(const Tensor& in, const Tensor& out, Tensor& grad_out, Tensor* grad_in) override;
  std::vector<const Stage*> stages() const override { return activation_.stages(); }
  Activation activation() const { return activation_.kind(); }

 private:
  Tensor input_copy_;  // training: the activation's input (z), which gelu's derivative reads
  ActivationStages activation_;
};
extern const LayerType activation_layer_type;  // defined with ActivationLayer's code

// Inverted dropout: training scales kept units by 1 / (1 - rate); identity at inference.
class Dropout : public Layer {
 public:
  Dropout(std::int64_t width, double rate, const std::string& name);
  std::string type() const override { return "dropout"; }
  double rate() const { return rate_; }
  void forward(const Tensor& in, Tensor& out) const override;
  void forward_train(const Tensor& in, Tensor& out, std::mt19937_64& rng) override;
  void backward(const Tensor& in, const Tensor& out, Tensor& grad_out, Tensor* grad_in) override;
  std::vector<const Stage*> stages() const override { return {&apply_mask_, &mask_grad_}; }

 private:
  double rate_;
  Tensor mask_;      // 0 or 1 / (1 - rate)
  Stage apply_mask_;  // y = x * mask
  Stage mask_grad_;   // dx = dy * mask
};
extern const LayerType dropout_layer_type;  // defined with Dropout's code

}  // namespace exprvm::nn
