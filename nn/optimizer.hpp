// Optimizers: each parameter tensor is updated by ONE fused exprvm program per step (for
// Adam: m, v and the parameter in a single pass over memory).
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nn/layers.hpp"
#include "nn/stage.hpp"

namespace exprvm::nn {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual std::string name() const = 0;
  // Applies one update to every parameter from its grad.
  virtual void step(const std::vector<Parameter>& parameters) = 0;
  virtual std::vector<const Stage*> stages() const = 0;
};

// SGD: p = p - lr * g; with momentum (Keras): v = momentum * v - lr * g; p = p + v. With
// decay, Keras' time-based schedule: step t (from 0) uses lr / (1 + decay * t).
class Sgd : public Optimizer {
 public:
  explicit Sgd(double learning_rate = 0.01, double momentum = 0.0, double decay = 0.0);
  std::string name() const override { return momentum_ > 0 ? "sgd_momentum" : "sgd"; }
  void step(const std::vector<Parameter>& parameters) override;
  std::vector<const Stage*> stages() const override { return {&update_}; }

 private:
  float learning_rate_;
  float momentum_;
  double decay_;
  long long iterations_ = 0;
  Stage update_;
  std::map<const Tensor*, Tensor> velocity_;
};

// Adam with Keras' defaults and bias correction through the per-step scalar
// lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t):
//   m = beta1*m + (1-beta1)*g;  v = beta2*v + (1-beta2)*g*g;  p = p - lr_t*m/(sqrt(v)+epsilon)
class Adam : public Optimizer {
 public:
  explicit Adam(double learning_rate = 0.001, double beta1 = 0.9, double beta2 = 0.999,
                double epsilon = 1e-7);
  std::string name() const override { return "adam"; }
  void step(const std::vector<Parameter>& parameters) override;
  std::vector<const Stage*> stages() const override { return {&update_}; }
  long long iterations() const { return iterations_; }

 private:
  struct Moments {
    Tensor m, v;
  };
  double learning_rate_, beta1_, beta2_;
  long long iterations_ = 0;
  Stage update_;
  std::map<const Tensor*, Moments> moments_;
};

// "sgd", "momentum" (SGD with momentum 0.9) or "adam" with the given learning rate (default:
// the optimizer's own). Throws Error(Argument) otherwise.
std::unique_ptr<Optimizer> make_optimizer(const std::string& name,
                                          std::optional<double> learning_rate = {});

}  // namespace exprvm::nn
