#include "nn/optimizer.hpp"

#include <cmath>

#include <exprvm/exprvm.hpp>

namespace exprvm::nn {
namespace {

void check_gradient(const Parameter& p) {
  if (p.grad->size() != p.value->size()) {
    throw Error(ErrorKind::Shape, "optimizer: gradient of '" + p.name + "' has " +
                                      std::to_string(p.grad->size()) + " values, expected " +
                                      std::to_string(p.value->size()));
  }
}

}  // namespace

Sgd::Sgd(double learning_rate, double momentum, double decay)
    : learning_rate_(static_cast<float>(learning_rate)),
      momentum_(static_cast<float>(momentum)),
      decay_(decay),
      update_(momentum > 0 ? "sgd with momentum update" : "sgd update",
              momentum > 0 ? "v = momentum * v - lr * g\np = p + v" : "p = p - lr * g",
              momentum > 0 ? float_signature({"p", "g", "v"}, {"lr", "momentum"})
                           : float_signature({"p", "g"}, {"lr"})) {
  if (!(learning_rate > 0)) throw Error(ErrorKind::Argument, "sgd: learning rate must be > 0");
  if (!(momentum >= 0 && momentum < 1))
    throw Error(ErrorKind::Argument, "sgd: momentum must be in [0, 1)");
  if (!(decay >= 0)) throw Error(ErrorKind::Argument, "sgd: decay must be >= 0");
}

void Sgd::step(const std::vector<Parameter>& parameters) {
  float lr = decay_ > 0 ? static_cast<float>(learning_rate_ /
                                             (1.0 + decay_ * static_cast<double>(iterations_)))
                        : learning_rate_;
  ++iterations_;
  for (const Parameter& p : parameters) {
    check_gradient(p);
    if (p.value->size() == 0) continue;
    if (momentum_ > 0) {
      Tensor& velocity = velocity_[p.value];
      if (velocity.size() != p.value->size()) velocity = Tensor(1, p.value->size());
      update_.run({p.value->flat(), p.grad->flat(), velocity.flat(),
                   Array::scalar(lr), Array::scalar(momentum_)});
    } else {
      update_.run({p.value->flat(), p.grad->flat(), Array::scalar(lr)});
    }
  }
}

Adam::Adam(double learning_rate, double beta1, double beta2, double epsilon)
    : learning_rate_(learning_rate),
      beta1_(beta1),
      beta2_(beta2),
      update_("adam update",
              "m = " + literal(beta1) + " * m + (1 - " + literal(beta1) + ") * g\n" +
                  "v = " + literal(beta2) + " * v + (1 - " + literal(beta2) + ") * g * g\n" +
                  "p = p - lr_t * m / (sqrt(v) + " + literal(epsilon) + ")",
              float_signature({"p", "g", "m", "v"}, {"lr_t"})) {
  if (!(learning_rate > 0)) throw Error(ErrorKind::Argument, "adam: learning rate must be > 0");
  if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1))
    throw Error(ErrorKind::Argument, "adam: beta1 and beta2 must be in [0, 1)");
  if (!(epsilon > 0)) throw Error(ErrorKind::Argument, "adam: epsilon must be > 0");
}

void Adam::step(const std::vector<Parameter>& parameters) {
  ++iterations_;
  const double t = static_cast<double>(iterations_);
  float lr_t = static_cast<float>(learning_rate_ * std::sqrt(1.0 - std::pow(beta2_, t)) /
                                  (1.0 - std::pow(beta1_, t)));
  for (const Parameter& p : parameters) {
    check_gradient(p);
    if (p.value->size() == 0) continue;
    Moments& moments = moments_[p.value];
    if (moments.m.size() != p.value->size()) {
      moments.m = Tensor(1, p.value->size());
      moments.v = Tensor(1, p.value->size());
    }
    update_.run({p.value->flat(), p.grad->flat(), moments.m.flat(), moments.v.flat(),
                 Array::scalar(lr_t)});
  }
}

std::unique_ptr<Optimizer> make_optimizer(const std::string& name,
                                          std::optional<double> learning_rate) {
  if (name == "sgd") return std::make_unique<Sgd>(learning_rate.value_or(0.01));
  if (name == "momentum") return std::make_unique<Sgd>(learning_rate.value_or(0.01), 0.9);
  if (name == "adam") return std::make_unique<Adam>(learning_rate.value_or(0.001));
  throw Error(ErrorKind::Argument,
              "unknown optimizer '" + name + "' (known: sgd, momentum, adam)");
}

}  // namespace exprvm::nn
