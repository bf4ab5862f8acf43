#include "nn/model.hpp"

#include <atomic>
#include <cmath>

#include <exprvm/exprvm.hpp>

namespace exprvm::nn {

void check_no_nan(const Tensor& x, const char* what) {
  // A branch-free pass first: the common case has no NaN. (An integer OR, which GCC
  // vectorizes; a bool |= stays scalar, 1.5 us on 100x30.)
  std::uint32_t any_nan = 0;
  for (const float v : x.data) any_nan |= v != v ? 1u : 0u;
  if (!any_nan) return;
  for (std::int64_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x.data[static_cast<std::size_t>(i)])) {
      throw Error(ErrorKind::Argument, std::string(what) + " has NaN at row " +
                                           std::to_string(i / x.cols) + ", column " +
                                           std::to_string(i % x.cols));
    }
  }
}

namespace {
std::uint64_t new_model_id() {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

Model::Model(std::int64_t input_width) : input_width_(input_width), id_(new_model_id()) {
  if (input_width <= 0) throw Error(ErrorKind::Shape, "model: input width must be positive");
}

void Model::add(std::unique_ptr<Layer> layer) {
  if (layer->input_width() != output_width()) {
    throw Error(ErrorKind::Shape, "model: layer " + std::to_string(layers_.size()) + " (" +
                                      layer->type() + ") takes " +
                                      std::to_string(layer->input_width()) +
                                      " inputs, but the previous output has " +
                                      std::to_string(output_width()));
  }
  layers_.push_back(std::move(layer));
  weights_may_change();
}

void Model::weights_may_change() { id_ = new_model_id(); }

std::string Model::next_layer_name(const std::string& type) const {
  int count = 1;
  for (const auto& layer : layers_) count += layer->type() == type;
  return type + "_" + std::to_string(count);
}

std::int64_t Model::output_width() const {
  return layers_.empty() ? input_width_ : layers_.back()->output_width();
}

std::size_t Model::resolve_index(int last) const {
  const int n = static_cast<int>(layers_.size());
  const int index = last < 0 ? n + last : last;
  if (index < 0 || index >= n) {
    throw Error(ErrorKind::Shape, "model: layer index " + std::to_string(last) +
                                      " out of range for " + std::to_string(n) + " layers");
  }
  return static_cast<std::size_t>(index);
}

Tensor Model::predict(const Tensor& x, int last) const {
  PredictWorkspace workspace;
  return std::move(const_cast<Tensor&>(predict(x, workspace, last)));
}

const Tensor& Model::predict(const Tensor& x, PredictWorkspace& workspace, int last) const {
  if (x.cols != input_width_) {
    throw Error(ErrorKind::Shape, "model: expects " + std::to_string(input_width_) +
                                      " input features per row, got " + std::to_string(x.cols));
  }
  check_no_nan(x, "input");
  const std::size_t stop = resolve_index(last);
  if (!workspace.plan.made_for(id_, x.rows, stop))
    workspace.plan = PredictPlan(layers_, stop, x.rows, id_);
  return workspace.plan.run(x);
}

const Tensor& Model::forward_train(const Tensor& x, std::mt19937_64& rng) {
  if (x.cols != input_width_) {
    throw Error(ErrorKind::Shape, "model: expects " + std::to_string(input_width_) +
                                      " input features per row, got " + std::to_string(x.cols));
  }
  weights_may_change();  // batch statistics; the optimizer step follows
  activations_.resize(layers_.size() + 1);
  activations_[0] = x;
  for (std::size_t i = 0; i < layers_.size(); ++i)
    layers_[i]->forward_train(activations_[i], activations_[i + 1], rng);
  return activations_.back();
}

void Model::backward(Tensor& output_grad) {
  if (activations_.size() != layers_.size() + 1) {
    throw Error(ErrorKind::Argument, "model: backward needs a forward_train first");
  }
  weights_may_change();
  Tensor* grad = &output_grad;
  for (std::size_t i = layers_.size(); i-- > 0;) {
    Tensor* grad_in = i == 0 ? nullptr : (grad == &grad_a_ ? &grad_b_ : &grad_a_);
    layers_[i]->backward(activations_[i], activations_[i + 1], *grad, grad_in);
    grad = grad_in;
  }
}

std::vector<Parameter> Model::parameters() {
  weights_may_change();
  std::vector<Parameter> all;
  for (auto& layer : layers_)
    for (const Parameter& p : layer->parameters()) all.push_back(p);
  return all;
}

std::vector<const Stage*> Model::stages() const {
  std::vector<const Stage*> all;
  for (const auto& layer : layers_)
    for (const Stage* s : layer->stages()) all.push_back(s);
  return all;
}

}  // namespace exprvm::nn
