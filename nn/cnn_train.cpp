#include "nn/cnn_train.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>

#include <exprvm/exprvm.hpp>

#include "nn/trainer.hpp"

namespace exprvm::nn {
namespace {

void check_softmax_model(const Model& model, const Tensor& x, const Tensor& y) {
  const auto* last = model.size() ? dynamic_cast<const ActivationLayer*>(&model.layer(model.size() - 1))
                                  : nullptr;
  if (!last || last->activation() != Activation::Softmax || model.size() < 2)
    throw Error(ErrorKind::Shape, "classifier: the model must end in a softmax activation");
  if (x.rows != y.rows || y.cols != model.output_width() || x.cols != model.input_width())
    throw Error(ErrorKind::Shape, "classifier: data is " + std::to_string(x.rows) + "x" +
                                      std::to_string(x.cols) + " -> " + std::to_string(y.rows) +
                                      "x" + std::to_string(y.cols) + ", the model maps " +
                                      std::to_string(model.input_width()) + " -> " +
                                      std::to_string(model.output_width()));
}

// Training-mode pass through every layer but the final softmax, keeping the activations. A
// BatchNorm followed by a ReLU activation trains as one block (BatchNorm::forward_train_relu):
// the ReLU layer's own pass is skipped both ways and its output slot holds the block's output.
struct TrainingPass {
  std::vector<Tensor> activations;
  Tensor grad_a, grad_b, grad;
  SoftmaxCrossEntropy loss;

  static BatchNorm* fused_block(Model& model, std::size_t i, std::size_t layers) {
    auto* bn = dynamic_cast<BatchNorm*>(&model.layer(i));
    if (!bn || i + 1 >= layers) return nullptr;
    const auto* act = dynamic_cast<const ActivationLayer*>(&model.layer(i + 1));
    return act && act->activation() == Activation::Relu ? bn : nullptr;
  }

  double run(Model& model, const Tensor& x, const Tensor& y, std::mt19937_64& rng,
             ClassificationMetrics* sums) {
    const std::size_t layers = model.size() - 1;
    activations.resize(layers + 1);
    activations[0] = x;
    for (std::size_t i = 0; i < layers; ++i) {
      if (BatchNorm* bn = fused_block(model, i, layers)) {
        bn->forward_train_relu(activations[i], activations[i + 2]);
        ++i;
      } else {
        model.layer(i).forward_train(activations[i], activations[i + 1], rng);
      }
    }
    const double value = loss.value_and_grad(activations[layers], y, grad);
    if (sums) {
      const ClassificationMetrics batch = classification_sums(activations[layers], y, true);
      sums->accuracy += batch.accuracy;
      sums->top5 += batch.top5;
      sums->loss += value * static_cast<double>(x.rows);
    }
    Tensor* g = &grad;
    for (std::size_t i = layers; i-- > 0;) {
      if (i > 0 && fused_block(model, i - 1, layers)) continue;  // the block's ReLU
      Tensor* grad_in = i == 0 ? nullptr : (g == &grad_a ? &grad_b : &grad_a);
      if (BatchNorm* bn = fused_block(model, i, layers))
        bn->backward_relu(activations[i + 2], *g, grad_in);
      else
        model.layer(i).backward(activations[i], activations[i + 1], *g, grad_in);
      g = grad_in;
    }
    return value;
  }
};

}  // namespace

ClassificationMetrics classification_sums(const Tensor& scores, const Tensor& targets,
                                          bool logits) {
  ClassificationMetrics sums;
  for (std::int64_t r = 0; r < scores.rows; ++r) {
    const float* s = scores.row(r);
    const float* t = targets.row(r);
    const auto target = static_cast<std::int64_t>(std::max_element(t, t + targets.cols) - t);
    std::int64_t above = 0;
    for (std::int64_t c = 0; c < scores.cols; ++c) above += s[c] > s[target];
    sums.accuracy += above == 0;
    sums.top5 += above < 5;
    if (!logits) sums.loss -= std::log(std::max(static_cast<double>(s[target]), 1e-7));
  }
  return sums;
}

ClassificationMetrics evaluate_classifier(const Model& model, const Tensor& x, const Tensor& y,
                                          std::int64_t batch) {
  check_softmax_model(model, x, y);
  ClassificationMetrics sums;
  PredictWorkspace workspace;
  for (std::int64_t begin = 0; begin < x.rows; begin += batch) {
    const std::int64_t end = std::min(begin + batch, x.rows);
    const Tensor xb = slice_rows(x, begin, end), yb = slice_rows(y, begin, end);
    const ClassificationMetrics b = classification_sums(model.predict(xb, workspace), yb, false);
    sums.loss += b.loss;
    sums.accuracy += b.accuracy;
    sums.top5 += b.top5;
  }
  const double n = static_cast<double>(std::max<std::int64_t>(x.rows, 1));
  return {sums.loss / n, sums.accuracy / n, sums.top5 / n};
}

double train_step(Model& model, Optimizer& optimizer, const Tensor& x, const Tensor& y) {
  static thread_local TrainingPass pass;
  static thread_local std::mt19937_64 rng(1);
  check_softmax_model(model, x, y);
  const double value = pass.run(model, x, y, rng, nullptr);
  optimizer.step(model.parameters());
  return value;
}

std::vector<ClassificationMetrics> fit_classifier(Model& model, Optimizer& optimizer,
                                                  const Tensor& x, const Tensor& y,
                                                  const ClassifierFitOptions& options,
                                                  std::ostream* progress) {
  check_softmax_model(model, x, y);
  if (options.epochs < 0 || options.batch_size <= 0)
    throw Error(ErrorKind::Argument, "fit: epochs must be >= 0 and the batch size > 0");
  if (x.rows == 0) throw Error(ErrorKind::Shape, "fit: no training rows");
  check_no_nan(x, "training input");
  std::mt19937_64 rng(options.seed);
  std::vector<std::int64_t> order(static_cast<std::size_t>(x.rows));
  std::iota(order.begin(), order.end(), 0);
  const std::vector<Parameter> parameters = model.parameters();
  TrainingPass pass;
  Tensor xb, yb;
  std::vector<ClassificationMetrics> history;
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    std::shuffle(order.begin(), order.end(), rng);
    ClassificationMetrics sums;
    int batches = 0;
    for (std::int64_t begin = 0; begin < x.rows; begin += options.batch_size, ++batches) {
      const std::int64_t end = std::min(begin + options.batch_size, x.rows);
      gather_rows(x, order, begin, end, xb);
      gather_rows(y, order, begin, end, yb);
      pass.run(model, xb, yb, rng, &sums);
      optimizer.step(parameters);
    }
    const double n = static_cast<double>(x.rows);
    const ClassificationMetrics epoch_metrics{sums.loss / n, sums.accuracy / n, sums.top5 / n};
    history.push_back(epoch_metrics);
    if (progress) {
      char line[200];
      std::snprintf(line, sizeof line,
                    "Epoch %d/%d - %d batches - %.1f s - loss: %.4f - accuracy: %.4f - top5: %.4f",
                    epoch, options.epochs, batches,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                    epoch_metrics.loss, epoch_metrics.accuracy, epoch_metrics.top5);
      *progress << line << std::endl;
    }
  }
  return history;
}

}  // namespace exprvm::nn
