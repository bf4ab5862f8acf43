// Training and evaluation of a classification Model ending in a softmax Activation (seed 003's
// CNNs): the softmax and categorical cross-entropy are trained fused on the logits (stable,
// as Keras does); accuracy and top-5 accuracy are reported per epoch, Keras-style.
#pragma once
#include <cstdint>
#include <ostream>
#include <vector>

#include "nn/loss.hpp"
#include "nn/model.hpp"
#include "nn/optimizer.hpp"

namespace exprvm::nn {

struct ClassificationMetrics {
  double loss = 0;      // mean categorical cross-entropy
  double accuracy = 0;  // argmax == target
  double top5 = 0;      // target among the 5 largest outputs
};

// Metrics of `scores` (probabilities or logits: only the order and, for the loss, the
// probabilities matter; `logits` says which) against one-hot targets, summed over rows.
ClassificationMetrics classification_sums(const Tensor& scores, const Tensor& targets,
                                          bool logits);

// Inference metrics of `model` (softmax output) on (x, y), in batches of `batch`.
ClassificationMetrics evaluate_classifier(const Model& model, const Tensor& x, const Tensor& y,
                                          std::int64_t batch = 256);

struct ClassifierFitOptions {
  int epochs = 5;
  std::int64_t batch_size = 32;
  std::uint64_t seed = 1;
};

// Trains `model` (last layer a softmax Activation) with the fused softmax cross-entropy on
// the logits; prints "Epoch 1/5 - 45 batches - 2.1 s - loss: ... - accuracy: ... - top5: ..."
// per epoch to *progress. Throws Error(Shape) when the model does not end in softmax or the
// data does not fit it.
std::vector<ClassificationMetrics> fit_classifier(Model& model, Optimizer& optimizer,
                                                  const Tensor& x, const Tensor& y,
                                                  const ClassifierFitOptions& options,
                                                  std::ostream* progress = nullptr);

// One training step on (x, y) (forward, fused loss, backward, optimizer): the benchmark's unit.
double train_step(Model& model, Optimizer& optimizer, const Tensor& x, const Tensor& y);

}  // namespace exprvm::nn
