#include "nn/cnn_json.hpp"

namespace exprvm::nn {

using nlohmann::json;

SpatialShape read_input_shape(const LayerJson& layer) {
  const json& shape = layer.reader.field(layer.fields, "input_shape");
  if (!shape.is_array() || shape.size() != 3)
    layer.reader.fail("field 'input_shape' must be [height, width, channels]");
  std::int64_t v[3];
  for (int i = 0; i < 3; ++i) {
    if (!shape[static_cast<std::size_t>(i)].is_number_integer() ||
        shape[static_cast<std::size_t>(i)].get<std::int64_t>() <= 0)
      layer.reader.fail("field 'input_shape' must hold three positive integers");
    v[i] = shape[static_cast<std::size_t>(i)].get<std::int64_t>();
  }
  const SpatialShape s{v[0], v[1], v[2]};
  if (s.size() != layer.input_width)
    layer.reader.fail("field 'input_shape' " + to_string(s) + " has " +
                          std::to_string(s.size()) + " values but the layer's input has " +
                          std::to_string(layer.input_width),
                      ErrorKind::Shape);
  return s;
}

json spatial_json(const SpatialShape& s) { return json::array({s.h, s.w, s.c}); }

std::pair<std::int64_t, std::int64_t> read_int_pair(
    const LayerJson& layer, const char* name, std::pair<std::int64_t, std::int64_t> fallback) {
  if (!layer.fields.contains(name)) return fallback;
  const json& v = layer.fields.at(name);
  if (!v.is_array() || v.size() != 2 || !v[0].is_number_integer() || !v[1].is_number_integer() ||
      v[0].get<std::int64_t>() <= 0 || v[1].get<std::int64_t>() <= 0)
    layer.reader.fail("field '" + std::string(name) + "' must be [a, b] of positive integers");
  return {v[0].get<std::int64_t>(), v[1].get<std::int64_t>()};
}

std::int64_t read_int(const LayerJson& layer, const char* name, std::int64_t fallback) {
  if (fallback >= 0 && !layer.fields.contains(name)) return fallback;
  const json& v = layer.reader.field(layer.fields, name);
  if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
    layer.reader.fail("field '" + std::string(name) + "' must be a non-negative integer");
  return v.get<std::int64_t>();
}

bool read_bool(const LayerJson& layer, const char* name, bool fallback) {
  if (!layer.fields.contains(name)) return fallback;
  const json& v = layer.fields.at(name);
  if (!v.is_boolean()) layer.reader.fail("field '" + std::string(name) + "' must be true or false");
  return v.get<bool>();
}

Padding read_padding(const LayerJson& layer) {
  if (!layer.fields.contains("padding")) return Padding::Valid;  // Keras' default
  try {
    return padding_from_name(layer.reader.string_field(layer.fields, "padding"));
  } catch (const Error& e) {
    layer.reader.fail("field 'padding': " + e.message());
  }
}

namespace {

json nested_level(const float*& values, const std::vector<std::int64_t>& dims, std::size_t level) {
  json list = json::array();
  for (std::int64_t i = 0; i < dims[level]; ++i) {
    if (level + 1 == dims.size())
      list.push_back(*values++);
    else
      list.push_back(nested_level(values, dims, level + 1));
  }
  return list;
}

void read_level(const ModelReader& reader, const json& value,
                const std::vector<std::int64_t>& dims, std::size_t level, float*& out,
                const std::string& where) {
  if (!value.is_array() || static_cast<std::int64_t>(value.size()) != dims[level]) {
    std::string shape;
    for (std::int64_t d : dims) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
    reader.fail(where + " must be nested lists of shape (" + shape + ")", ErrorKind::Shape);
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (level + 1 == dims.size())
      *out++ = reader.number(value[i], where);
    else
      read_level(reader, value[i], dims, level + 1, out, where);
  }
}

}  // namespace

json nested_json(const Tensor& t, const std::vector<std::int64_t>& dims) {
  const float* values = t.data.data();
  return nested_level(values, dims, 0);
}

Tensor read_nested(const ModelReader& reader, const json& value,
                   const std::vector<std::int64_t>& dims, const std::string& where) {
  std::int64_t n = 1;
  for (std::int64_t d : dims) n *= d;
  Tensor t(1, n);
  float* out = t.data.data();
  read_level(reader, value, dims, 0, out, where);
  return t;
}

}  // namespace exprvm::nn
