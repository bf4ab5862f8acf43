#include "nn/layer_json.hpp"

#include "nn/cnn_layers.hpp"

#include <algorithm>
#include <cmath>

namespace exprvm::nn {

using nlohmann::json;

namespace {

// The registry: one row per layer type (each defined in the layer's source file).
const LayerType* const kLayerTypes[] = {
    &dense_layer_type,
    &batchnorm_layer_type,
    &activation_layer_type,
    &dropout_layer_type,
    // CNN layers (nn/convolution.cpp, nn/pooling.cpp)
    &conv2d_layer_type,
    &depthwise_conv2d_layer_type,
    &separable_conv2d_layer_type,
    &cp_conv2d_layer_type,
    &max_pooling2d_layer_type,
    &average_pooling2d_layer_type,
    &global_average_pooling2d_layer_type,
    &flatten_layer_type,
};

}  // namespace

std::span<const LayerType* const> layer_types() { return kLayerTypes; }

const LayerType* find_layer_type(std::string_view name) {
  for (const LayerType* type : kLayerTypes)
    if (type->name == name) return type;
  return nullptr;
}

std::string known_layer_types() {
  std::string known;
  for (const LayerType* type : kLayerTypes)
    known += (known.empty() ? "" : ", ") + std::string(type->name);
  return known;
}

json row_to_json(const Tensor& t) {
  json row = json::array();
  for (float v : t.data) row.push_back(v);
  return row;
}

json matrix_to_json(const Tensor& t) {
  json rows = json::array();
  for (std::int64_t r = 0; r < t.rows; ++r) {
    json row = json::array();
    for (std::int64_t c = 0; c < t.cols; ++c) row.push_back(t.at(r, c));
    rows.push_back(std::move(row));
  }
  return rows;
}

void ModelReader::fail(const std::string& what, ErrorKind kind) const {
  throw Error(kind, context_ + ": " + what);
}

const json& ModelReader::field(const json& object, const char* name) const {
  if (!object.is_object()) fail("expected a JSON object");
  auto it = object.find(name);
  if (it == object.end()) fail("missing field '" + std::string(name) + "'");
  return *it;
}

std::string ModelReader::string_field(const json& object, const char* name) const {
  const json& value = field(object, name);
  if (!value.is_string()) fail("field '" + std::string(name) + "' must be a string");
  return value.get<std::string>();
}

double ModelReader::number_field(const json& object, const char* name, double fallback) const {
  if (!object.contains(name)) return fallback;
  const json& value = object.at(name);
  if (!value.is_number()) fail("field '" + std::string(name) + "' must be a number");
  return value.get<double>();
}

std::int64_t ModelReader::shape_width(const json& object, const char* name) const {
  const json& shape = field(object, name);
  if (!shape.is_array() || shape.empty() || !shape.back().is_number_integer() ||
      shape.back().get<std::int64_t>() <= 0)
    fail("field '" + std::string(name) + "' must be a list ending in a positive width");
  return shape.back().get<std::int64_t>();
}

Activation ModelReader::activation_field(const json& object,
                                         std::optional<Activation> fallback) const {
  if (fallback && !object.contains("activation")) return *fallback;
  const std::string name = string_field(object, "activation");
  try {
    return activation_from_name(name);
  } catch (const Error& e) {
    fail("field 'activation': " + e.message());
  }
}

float ModelReader::number(const json& value, const std::string& where) const {
  if (!value.is_number()) fail(where + " must be a number, got " + value.dump());
  const double v = value.get<double>();
  if (std::isnan(v)) fail(where + " is NaN");
  return static_cast<float>(v);
}

Tensor ModelReader::vector(const json& value, std::int64_t n, const std::string& where) const {
  if (!value.is_array()) fail(where + " must be a list of numbers");
  if (static_cast<std::int64_t>(value.size()) != n)
    fail(where + " has " + std::to_string(value.size()) + " values, expected " +
             std::to_string(n),
         ErrorKind::Shape);
  Tensor t(1, n);
  for (std::int64_t i = 0; i < n; ++i)
    t.data[static_cast<std::size_t>(i)] =
        number(value[static_cast<std::size_t>(i)], where + "[" + std::to_string(i) + "]");
  return t;
}

Tensor ModelReader::matrix(const json& value, std::int64_t rows, std::int64_t cols,
                           const std::string& where) const {
  if (!value.is_array()) fail(where + " must be a list of rows");
  if (static_cast<std::int64_t>(value.size()) != rows)
    fail(where + " has " + std::to_string(value.size()) + " rows, expected " +
             std::to_string(rows) + " (the layer's input width)",
         ErrorKind::Shape);
  Tensor t(rows, cols);
  for (std::int64_t r = 0; r < rows; ++r) {
    const Tensor row =
        vector(value[static_cast<std::size_t>(r)], cols, where + " row " + std::to_string(r));
    std::copy(row.data.begin(), row.data.end(), t.row(r));
  }
  return t;
}

const json& ModelReader::weights(const json& layer, std::size_t count) const {
  const json& w = field(layer, "weights");
  if (!w.is_array() || w.size() != count)
    fail("field 'weights' must be a list of " + std::to_string(count) + " arrays");
  return w;
}

}  // namespace exprvm::nn
