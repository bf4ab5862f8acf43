#include <exprvm/exprvm.hpp>

#include "nn/cnn_json.hpp"
#include "nn/cnn_layers.hpp"

namespace exprvm::nn {
namespace {

void check_input(const Tensor& in, const SpatialShape& shape, const std::string& layer) {
  if (in.cols != shape.size())
    throw Error(ErrorKind::Shape, layer + ": expects " + std::to_string(shape.size()) +
                                      " values per sample " + to_string(shape) + ", got " +
                                      std::to_string(in.cols));
}

SpatialShape pooled_shape(PoolKind kind, SpatialShape in, std::int64_t ph, std::int64_t pw,
                          std::int64_t sh, std::int64_t sw, Padding padding) {
  return PoolOp(kind, in, ph, pw, sh, sw, padding).out();
}

}  // namespace

Pooling2D::Pooling2D(PoolKind kind, SpatialShape in, std::int64_t ph, std::int64_t pw,
                     std::int64_t sh, std::int64_t sw, Padding padding, const std::string& name)
    : Layer(in.size(), pooled_shape(kind, in, ph, pw, sh, sw, padding).size()),
      kind_(kind), in_(in), ph_(ph), pw_(pw), sh_(sh), sw_(sw), padding_(padding),
      op_(kind, in, ph, pw, sh, sw, padding) {
  (void)name;
}

std::string Pooling2D::type() const {
  return kind_ == PoolKind::Max ? "max_pooling2d" : "average_pooling2d";
}

void Pooling2D::forward(const Tensor& in, Tensor& out) const {
  check_input(in, in_, type());
  out.resize(in.rows, output_width());
  if (in.rows > 0) op_.forward(in.data.data(), in.rows, out.data.data());
}

void Pooling2D::forward_train(const Tensor& in, Tensor& out, std::mt19937_64&) {
  check_input(in, in_, type());
  out.resize(in.rows, output_width());
  if (in.rows > 0) op_.forward_train(in.data.data(), in.rows, out.data.data());
}

void Pooling2D::backward(const Tensor& in, const Tensor&, Tensor& grad_out, Tensor* grad_in) {
  if (!grad_in) return;
  grad_in->resize(in.rows, in.cols);
  if (in.rows > 0) op_.backward(grad_out.data.data(), in.rows, grad_in->data.data());
}

GlobalAveragePooling2D::GlobalAveragePooling2D(SpatialShape in, const std::string& name)
    : Layer(in.size(), in.c), in_(in),
      op_(PoolKind::Average, in, in.h, in.w, 1, 1, Padding::Valid) {
  (void)name;
}

void GlobalAveragePooling2D::forward(const Tensor& in, Tensor& out) const {
  check_input(in, in_, type());
  out.resize(in.rows, in_.c);
  if (in.rows > 0) op_.forward(in.data.data(), in.rows, out.data.data());
}

void GlobalAveragePooling2D::forward_train(const Tensor& in, Tensor& out, std::mt19937_64&) {
  forward(in, out);
}

void GlobalAveragePooling2D::backward(const Tensor& in, const Tensor&, Tensor& grad_out,
                                      Tensor* grad_in) {
  if (!grad_in) return;
  grad_in->resize(in.rows, in.cols);
  if (in.rows > 0) op_.backward(grad_out.data.data(), in.rows, grad_in->data.data());
}

Flatten::Flatten(SpatialShape in, const std::string& name) : Layer(in.size(), in.size()), in_(in) {
  (void)name;
}

// ---- model file ----------------------------------------------------------------------------

namespace {

// Fields: "input_shape", "pool_size" ([2, 2]), "strides" (the pool size), "padding" (valid).
template <PoolKind Kind>
std::unique_ptr<Layer> read_pooling(const LayerJson& layer) {
  const SpatialShape in = read_input_shape(layer);
  const auto [ph, pw] = read_int_pair(layer, "pool_size", {2, 2});
  const auto [sh, sw] = read_int_pair(layer, "strides", {ph, pw});
  try {
    return std::make_unique<Pooling2D>(Kind, in, ph, pw, sh, sw, read_padding(layer),
                                       layer.name);
  } catch (const Error& e) {
    layer.reader.fail(e.message(), e.kind());
  }
}

void write_pooling(const Pooling2D& pool, nlohmann::json& entry) {
  entry["input_shape"] = spatial_json(pool.input_shape());
  entry["pool_size"] = {pool.pool_h(), pool.pool_w()};
  entry["strides"] = {pool.stride_h(), pool.stride_w()};
  entry["padding"] = padding_name(pool.padding());
}

std::unique_ptr<Layer> read_global_average(const LayerJson& layer) {
  return std::make_unique<GlobalAveragePooling2D>(read_input_shape(layer), layer.name);
}

void write_global_average(const GlobalAveragePooling2D& gap, nlohmann::json& entry) {
  entry["input_shape"] = spatial_json(gap.input_shape());
}

std::unique_ptr<Layer> read_flatten(const LayerJson& layer) {
  return std::make_unique<Flatten>(read_input_shape(layer), layer.name);
}

void write_flatten(const Flatten& flatten, nlohmann::json& entry) {
  entry["input_shape"] = spatial_json(flatten.input_shape());
}

}  // namespace

const LayerType max_pooling2d_layer_type{"max_pooling2d", false, read_pooling<PoolKind::Max>,
                                         write_as<Pooling2D, write_pooling>};
const LayerType average_pooling2d_layer_type{"average_pooling2d", false,
                                             read_pooling<PoolKind::Average>,
                                             write_as<Pooling2D, write_pooling>};
const LayerType global_average_pooling2d_layer_type{
    "global_average_pooling2d", false, read_global_average,
    write_as<GlobalAveragePooling2D, write_global_average>};
const LayerType flatten_layer_type{"flatten", true, read_flatten,
                                   write_as<Flatten, write_flatten>};

}  // namespace exprvm::nn
