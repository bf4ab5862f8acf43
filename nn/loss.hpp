// Losses: value and gradient with respect to the model's output, each an exprvm program.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "nn/stage.hpp"
#include "nn/tensor.hpp"

namespace exprvm::nn {

class Loss {
 public:
  virtual ~Loss() = default;
  virtual std::string name() const = 0;
  // Mean loss over the batch of predictions y and targets t (same shape, at least one row).
  virtual double value(const Tensor& y, const Tensor& t) const = 0;
  // grad = dLoss/dy for the same mean loss; returns the loss value.
  virtual double value_and_grad(const Tensor& y, const Tensor& t, Tensor& grad) const = 0;
  virtual std::vector<const Stage*> stages() const = 0;
};

// Mean squared error over every element (Keras' "mse").
class MeanSquaredError : public Loss {
 public:
  MeanSquaredError();
  std::string name() const override { return "mse"; }
  double value(const Tensor& y, const Tensor& t) const override;
  double value_and_grad(const Tensor& y, const Tensor& t, Tensor& grad) const override;
  std::vector<const Stage*> stages() const override { return {&value_, &grad_}; }

 private:
  Stage value_;  // mean(square(y - t))
  Stage grad_;   // g = (y - t) * scale
};

// Softmax cross-entropy on logits y against target distributions t (one-hot rows), mean over
// rows: -sum(t * log_softmax(y)) / rows. Its gradient is (softmax(y) - t) / rows.
class SoftmaxCrossEntropy : public Loss {
 public:
  SoftmaxCrossEntropy();
  std::string name() const override { return "softmax_crossentropy"; }
  double value(const Tensor& y, const Tensor& t) const override;
  double value_and_grad(const Tensor& y, const Tensor& t, Tensor& grad) const override;
  std::vector<const Stage*> stages() const override {
    return {&row_max_, &row_sum_exp_, &value_, &grad_};
  }

 private:
  // Fills m (row max) and s (sum of exp(y - m)) per row.
  void row_statistics(const Tensor& y, Tensor& m, Tensor& s) const;

  Stage row_max_;      // max(y, axis=1)
  Stage row_sum_exp_;  // sum(exp(y - m), axis=1)
  Stage value_;        // sum(t * (m + log(s) - y))
  Stage grad_;         // g = (exp(y - m) / s - t) * scale
};

// "mse" or "softmax_crossentropy"; throws Error(Argument) otherwise.
std::unique_ptr<Loss> make_loss(const std::string& name);

}  // namespace exprvm::nn
