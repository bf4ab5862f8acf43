// Model: a sequence of layers. Any layer's output can be asked for (seed 002's net[-3](X)), for
// one sample or a batch; training runs forward_train/backward through every layer.
#pragma once
#include <memory>
#include <random>
#include <vector>

#include "nn/layers.hpp"
#include "nn/predict_plan.hpp"

namespace exprvm::nn {

// What Model::predict keeps across calls: the plan of the last (model, rows, last layer) it
// ran, re-made when any of them changes, so that steady-state predictions do not allocate.
// A Model may be shared by threads; a workspace may not (one per thread).
struct PredictWorkspace {
  PredictPlan plan;
};

class Model {
 public:
  explicit Model(std::int64_t input_width);

  // Appends a layer; throws Error(Shape) when its input width is not the current output width.
  void add(std::unique_ptr<Layer> layer);
  // "dense_3" style name for the next layer of `type`.
  std::string next_layer_name(const std::string& type) const;

  std::int64_t input_width() const { return input_width_; }
  std::int64_t output_width() const;
  std::size_t size() const { return layers_.size(); }
  // Mutable access may change weights in place: the model takes a new id (see id_).
  Layer& layer(std::size_t i) {
    weights_may_change();
    return *layers_.at(i);
  }
  const Layer& layer(std::size_t i) const { return *layers_.at(i); }

  // Output of layer `last` (Python-style index: -1 is the last layer, 0 the first) for the
  // rows of x. Throws Error(Shape) for a wrong width or index, Error(Argument) for NaN inputs.
  Tensor predict(const Tensor& x, int last = -1) const;
  // The same into `workspace`: the result stays valid until the workspace's next use.
  const Tensor& predict(const Tensor& x, PredictWorkspace& workspace, int last = -1) const;

  // Training: forward through every layer (dropout active, batch statistics), keeping the
  // activations; returns the output.
  const Tensor& forward_train(const Tensor& x, std::mt19937_64& rng);
  // Backward from dLoss/doutput (overwritten); fills every parameter's grad.
  void backward(Tensor& output_grad);

  std::vector<Parameter> parameters();
  std::vector<const Stage*> stages() const;

 private:
  std::size_t resolve_index(int last) const;

  std::int64_t input_width_;
  // A new id for every access that may change the layers or their weights in place
  // (weights_may_change: add(), mutable layer(), parameters(), forward_train(), backward()):
  // names what a plan was made for (plans copy the weights of their fused layers).
  void weights_may_change();

  std::uint64_t id_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<Tensor> activations_;  // training: [0] the input, [i + 1] layer i's output
  Tensor grad_a_, grad_b_;
};

// Throws Error(Argument) naming the first NaN's row and column, if any.
void check_no_nan(const Tensor& x, const char* what);

}  // namespace exprvm::nn
