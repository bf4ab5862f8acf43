#include <algorithm>
#include <cmath>

#include <exprvm/exprvm.hpp>

#include "nn/cnn_json.hpp"
#include "nn/cnn_layers.hpp"

namespace exprvm::nn {
namespace {

using Shapes = std::vector<std::pair<std::string, std::vector<std::int64_t>>>;

std::int64_t count(const std::vector<std::int64_t>& dims) {
  std::int64_t n = 1;
  for (std::int64_t d : dims) n *= d;
  return n;
}

std::int64_t cp_rank(const ConvConfig& c) {
  return c.rank > 0 ? c.rank : std::max<std::int64_t>(c.filters / 2, 1);
}

ConvConfig normalized(SpatialShape in, ConvConfig c) {
  if (c.kind == ConvKind::Depthwise) c.filters = in.c * c.depth_multiplier;
  if (c.kind == ConvKind::CpDecomposed) c.rank = cp_rank(c);
  return c;
}

}  // namespace

Shapes Convolution::weight_shapes(SpatialShape in, const ConvConfig& raw) {
  const ConvConfig c = normalized(in, raw);
  Shapes shapes;
  switch (c.kind) {
    case ConvKind::Standard:
      shapes = {{"kernel", {c.kh, c.kw, in.c, c.filters}}};
      break;
    case ConvKind::Depthwise:
      shapes = {{"depthwise_kernel", {c.kh, c.kw, in.c, c.depth_multiplier}}};
      break;
    case ConvKind::Separable:
      shapes = {{"depthwise_kernel", {c.kh, c.kw, in.c, c.depth_multiplier}},
                {"pointwise_kernel", {1, 1, in.c * c.depth_multiplier, c.filters}}};
      break;
    case ConvKind::CpDecomposed:
      shapes = {{"kernel_in", {1, 1, in.c, c.rank}},
                {"kernel_h", {c.kh, 1, c.rank, 1}},
                {"kernel_w", {1, c.kw, c.rank, 1}},
                {"kernel_out", {1, 1, c.rank, c.filters}}};
      break;
  }
  if (c.use_bias) shapes.push_back({"bias", {c.filters}});
  return shapes;
}

namespace {

// The layer's overall geometry (each axis' output size is the same for the chains of every
// kind); checked, so bad shapes fail before anything is built.
ConvGeometry outer_geometry(SpatialShape in, const ConvConfig& c, const std::string& name) {
  ConvGeometry g{in, c.filters, c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, c.padding, 1};
  g.check(name);
  if (c.kind == ConvKind::Depthwise && c.depth_multiplier <= 0)
    throw Error(ErrorKind::Argument, name + ": depth_multiplier must be positive");
  return g;
}

}  // namespace

Convolution::Convolution(SpatialShape in, ConvConfig config, std::vector<Tensor> weights,
                         const std::string& name)
    : Layer(in.size(), outer_geometry(in, normalized(in, config), name).out().size()),
      in_(in),
      out_(outer_geometry(in, normalized(in, config), name).out()),
      config_(normalized(in, config)),
      name_(name),
      weights_(std::move(weights)) {
  const Shapes shapes = weight_shapes(in, config_);
  if (weights_.size() != shapes.size())
    throw Error(ErrorKind::Argument, name + ": expected " + std::to_string(shapes.size()) +
                                         " weight tensors, got " +
                                         std::to_string(weights_.size()));
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    if (weights_[i].size() != count(shapes[i].second))
      throw Error(ErrorKind::Shape, name + ": " + shapes[i].first + " has " +
                                        std::to_string(weights_[i].size()) +
                                        " values, expected " +
                                        std::to_string(count(shapes[i].second)));
    weights_[i].resize(1, weights_[i].size());
    grads_.emplace_back(1, weights_[i].size());
  }
  build_steps();
}

void Convolution::build_steps() {
  const ConvConfig& c = config_;
  const int bias = c.use_bias ? static_cast<int>(weights_.size()) - 1 : -1;
  auto op = [&](SpatialShape in, std::int64_t filters, std::int64_t kh, std::int64_t kw,
                std::int64_t sh, std::int64_t sw, std::int64_t dh, std::int64_t dw,
                std::int64_t groups, Padding padding, bool with_bias) {
    ConvGeometry g{in, filters, kh, kw, sh, sw, dh, dw, padding, groups};
    g.check(name_);
    return ConvOp(g, with_bias);
  };
  steps_.clear();
  switch (c.kind) {
    case ConvKind::Standard:
      steps_.push_back({op(in_, c.filters, c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, 1, c.padding,
                           bias >= 0),
                        0, bias});
      break;
    case ConvKind::Depthwise:
      steps_.push_back({op(in_, c.filters, c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, in_.c,
                           c.padding, bias >= 0),
                        0, bias});
      break;
    case ConvKind::Separable: {
      steps_.push_back({op(in_, in_.c * c.depth_multiplier, c.kh, c.kw, c.sh, c.sw, c.dh,
                           c.dw, in_.c, c.padding, false),
                        0, -1});
      const SpatialShape mid = steps_.back().op.geometry().out();
      steps_.push_back(
          {op(mid, c.filters, 1, 1, 1, 1, 1, 1, 1, Padding::Valid, bias >= 0), 1, bias});
      break;
    }
    case ConvKind::CpDecomposed: {
      steps_.push_back({op(in_, c.rank, 1, 1, 1, 1, 1, 1, 1, Padding::Valid, false), 0, -1});
      const SpatialShape reduced = steps_.back().op.geometry().out();
      steps_.push_back(
          {op(reduced, c.rank, c.kh, 1, c.sh, 1, c.dh, 1, c.rank, c.padding, false), 1, -1});
      const SpatialShape along_h = steps_.back().op.geometry().out();
      steps_.push_back(
          {op(along_h, c.rank, 1, c.kw, 1, c.sw, 1, c.dw, c.rank, c.padding, false), 2, -1});
      const SpatialShape along_w = steps_.back().op.geometry().out();
      steps_.push_back(
          {op(along_w, c.filters, 1, 1, 1, 1, 1, 1, 1, Padding::Valid, bias >= 0), 3, bias});
      break;
    }
  }
}

std::unique_ptr<Convolution> Convolution::glorot(SpatialShape in, ConvConfig config,
                                                 const std::string& name,
                                                 std::mt19937_64& rng) {
  config = normalized(in, config);
  std::vector<Tensor> weights;
  for (const auto& [field, dims] : weight_shapes(in, config)) {
    Tensor t(1, count(dims));
    if (field != "bias") {
      // Keras: fan_in = receptive field * dims[-2], fan_out = receptive field * dims[-1].
      const double receptive = static_cast<double>(dims[0] * dims[1]);
      const double limit = std::sqrt(6.0 / (receptive * static_cast<double>(dims[2] + dims[3])));
      std::uniform_real_distribution<float> uniform(static_cast<float>(-limit),
                                                    static_cast<float>(limit));
      for (float& v : t.data) v = uniform(rng);
    }
    weights.push_back(std::move(t));
  }
  return std::make_unique<Convolution>(in, config, std::move(weights), name);
}

std::string Convolution::type() const {
  switch (config_.kind) {
    case ConvKind::Standard: return "conv2d";
    case ConvKind::Depthwise: return "depthwise_conv2d";
    case ConvKind::Separable: return "separable_conv2d";
    case ConvKind::CpDecomposed: return "cp_conv2d";
  }
  return "?";
}

void Convolution::run_chain(const Tensor& in, Tensor& out, std::vector<Tensor>* keep) const {
  if (in.cols != in_.size())
    throw Error(ErrorKind::Shape, name_ + ": expects " + std::to_string(in_.size()) +
                                      " values per sample " + to_string(in_) + ", got " +
                                      std::to_string(in.cols));
  std::vector<Tensor> local;
  std::vector<Tensor>& between = keep ? *keep : local;
  between.resize(steps_.size() - 1);
  const Tensor* current = &in;
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    const Step& step = steps_[i];
    Tensor& target = i + 1 == steps_.size() ? out : between[i];
    target.resize(in.rows, step.op.geometry().out().size());
    if (in.rows == 0) continue;
    step.op.forward(current->data.data(), in.rows, weights_[static_cast<std::size_t>(step.kernel)].data.data(),
                    weights_version_,
                    step.bias >= 0 ? weights_[static_cast<std::size_t>(step.bias)].data.data() : nullptr,
                    target.data.data());
    current = &target;
  }
}

void Convolution::forward(const Tensor& in, Tensor& out) const { run_chain(in, out, nullptr); }

void Convolution::forward_train(const Tensor& in, Tensor& out, std::mt19937_64&) {
  ++weights_version_;  // the optimizer changed the weights since the last pass
  run_chain(in, out, &intermediates_);
}

void Convolution::backward(const Tensor& in, const Tensor&, Tensor& grad_out, Tensor* grad_in) {
  Tensor buffers[2];
  Tensor* grad = &grad_out;
  for (std::size_t i = steps_.size(); i-- > 0;) {
    const Step& step = steps_[i];
    const Tensor& input = i == 0 ? in : intermediates_[i - 1];
    step.op.backward_weights(
        input.data.data(), grad->data.data(), in.rows,
        grads_[static_cast<std::size_t>(step.kernel)].data.data(),
        step.bias >= 0 ? grads_[static_cast<std::size_t>(step.bias)].data.data() : nullptr);
    if (i == 0 && !grad_in) break;
    Tensor& next = i == 0 ? *grad_in : buffers[i % 2];
    next.resize(in.rows, step.op.geometry().in.size());
    step.op.backward_data(grad->data.data(), in.rows,
                          weights_[static_cast<std::size_t>(step.kernel)].data.data(),
                          next.data.data());
    grad = &next;
  }
  ++weights_version_;  // the optimizer step follows
}

std::vector<Parameter> Convolution::parameters() {
  std::vector<Parameter> all;
  const Shapes shapes = weight_shapes(in_, config_);
  for (std::size_t i = 0; i < weights_.size(); ++i)
    all.push_back({shapes[i].first, &weights_[i], &grads_[i]});
  return all;
}

void Convolution::fold_batchnorm(const BatchNorm& bn) {
  if (bn.input_width() != out_.size() || bn.channels() != out_.c)
    throw Error(ErrorKind::Shape, name_ + ": the batchnorm to fold has " +
                                      std::to_string(bn.channels()) + " channels, expected " +
                                      std::to_string(out_.c));
  if (!config_.use_bias) {
    config_.use_bias = true;
    weights_.emplace_back(1, out_.c);
    grads_.emplace_back(1, out_.c);
    build_steps();
  }
  Tensor& kernel = weights_[static_cast<std::size_t>(steps_.back().kernel)];
  Tensor& bias = weights_.back();
  const std::int64_t channels = out_.c;
  for (std::int64_t c = 0; c < channels; ++c) {
    const double scale = static_cast<double>(bn.gamma().data[static_cast<std::size_t>(c)]) /
                         std::sqrt(static_cast<double>(bn.moving_variance().data[static_cast<std::size_t>(c)]) +
                                   bn.epsilon());
    float& b = bias.data[static_cast<std::size_t>(c)];
    b = static_cast<float>((static_cast<double>(b) - bn.moving_mean().data[static_cast<std::size_t>(c)]) * scale +
                           bn.beta().data[static_cast<std::size_t>(c)]);
    for (std::int64_t i = c; i < kernel.size(); i += channels)
      kernel.data[static_cast<std::size_t>(i)] =
          static_cast<float>(kernel.data[static_cast<std::size_t>(i)] * scale);
  }
  ++weights_version_;
}

// ---- model file ----------------------------------------------------------------------------

namespace {

// Fields: "input_shape", "filters", "kernel_size", "strides", "dilation_rate", "padding",
// "use_bias", "depth_multiplier" (depthwise, separable), "rank" (cp), "weights" (Keras shapes).
std::unique_ptr<Layer> read_convolution(const LayerJson& layer, ConvKind kind) {
  const SpatialShape in = read_input_shape(layer);
  ConvConfig c;
  c.kind = kind;
  if (kind != ConvKind::Depthwise) c.filters = read_int(layer, "filters", -1);
  std::tie(c.kh, c.kw) = read_int_pair(layer, "kernel_size", {-1, -1});
  if (c.kh < 0) layer.reader.fail("missing field 'kernel_size'");
  std::tie(c.sh, c.sw) = read_int_pair(layer, "strides", {1, 1});
  std::tie(c.dh, c.dw) = read_int_pair(layer, "dilation_rate", {1, 1});
  c.padding = read_padding(layer);
  c.use_bias = read_bool(layer, "use_bias", true);
  c.depth_multiplier = read_int(layer, "depth_multiplier", 1);
  c.rank = read_int(layer, "rank", 0);
  const Shapes shapes = Convolution::weight_shapes(in, normalized(in, c));
  const nlohmann::json& w = layer.reader.weights(layer.fields, shapes.size());
  std::vector<Tensor> weights;
  for (std::size_t i = 0; i < shapes.size(); ++i)
    weights.push_back(read_nested(layer.reader, w[i], shapes[i].second,
                                  "field 'weights'[" + std::to_string(i) + "] (" +
                                      shapes[i].first + ")"));
  try {
    return std::make_unique<Convolution>(in, c, std::move(weights), layer.name);
  } catch (const Error& e) {
    layer.reader.fail(e.message(), e.kind());
  }
}

void write_convolution(const Convolution& conv, nlohmann::json& entry) {
  const ConvConfig& c = conv.config();
  entry["input_shape"] = spatial_json(conv.input_shape());
  if (c.kind != ConvKind::Depthwise) entry["filters"] = c.filters;
  entry["kernel_size"] = {c.kh, c.kw};
  entry["strides"] = {c.sh, c.sw};
  entry["dilation_rate"] = {c.dh, c.dw};
  entry["padding"] = padding_name(c.padding);
  entry["use_bias"] = c.use_bias;
  if (c.kind == ConvKind::Depthwise || c.kind == ConvKind::Separable)
    entry["depth_multiplier"] = c.depth_multiplier;
  if (c.kind == ConvKind::CpDecomposed) entry["rank"] = c.rank;
  const Shapes shapes = Convolution::weight_shapes(conv.input_shape(), c);
  nlohmann::json weights = nlohmann::json::array();
  for (std::size_t i = 0; i < shapes.size(); ++i)
    weights.push_back(nested_json(conv.weights()[i], shapes[i].second));
  entry["weights"] = std::move(weights);
}

template <ConvKind Kind>
std::unique_ptr<Layer> read_kind(const LayerJson& layer) {
  return read_convolution(layer, Kind);
}

}  // namespace

const LayerType conv2d_layer_type{"conv2d", false, read_kind<ConvKind::Standard>,
                                  write_as<Convolution, write_convolution>};
const LayerType depthwise_conv2d_layer_type{"depthwise_conv2d", false,
                                            read_kind<ConvKind::Depthwise>,
                                            write_as<Convolution, write_convolution>};
const LayerType separable_conv2d_layer_type{"separable_conv2d", false,
                                            read_kind<ConvKind::Separable>,
                                            write_as<Convolution, write_convolution>};
const LayerType cp_conv2d_layer_type{"cp_conv2d", false, read_kind<ConvKind::CpDecomposed>,
                                     write_as<Convolution, write_convolution>};

}  // namespace exprvm::nn
