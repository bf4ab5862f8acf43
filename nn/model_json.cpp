#include "nn/model_json.hpp"

#include <cmath>
#include <fstream>

#include "core/error.hpp"

namespace exprvm::nn {
namespace {

using nlohmann::json;

json row_to_json(const float* values, std::int64_t n) {
  json row = json::array();
  for (std::int64_t i = 0; i < n; ++i) row.push_back(values[i]);
  return row;
}

json matrix_to_json(const Tensor& t) {
  json rows = json::array();
  for (std::int64_t r = 0; r < t.rows; ++r) rows.push_back(row_to_json(t.row(r), t.cols));
  return rows;
}

json shape_json(std::int64_t width) { return json::array({nullptr, width}); }

// Reads JSON with messages "<origin>: layer <i> (<type>): field '<name>' ...".
class Reader {
 public:
  Reader(std::string context) : context_(std::move(context)) {}

  [[noreturn]] void fail(const std::string& what, ErrorKind kind = ErrorKind::Argument) const {
    throw Error(kind, context_ + ": " + what);
  }
  const json& field(const json& object, const char* name) const {
    if (!object.is_object()) fail("expected a JSON object");
    auto it = object.find(name);
    if (it == object.end()) fail("missing field '" + std::string(name) + "'");
    return *it;
  }
  std::string string_field(const json& object, const char* name) const {
    const json& value = field(object, name);
    if (!value.is_string()) fail("field '" + std::string(name) + "' must be a string");
    return value.get<std::string>();
  }
  double number_field(const json& object, const char* name, double fallback) const {
    if (!object.contains(name)) return fallback;
    const json& value = object.at(name);
    if (!value.is_number()) fail("field '" + std::string(name) + "' must be a number");
    return value.get<double>();
  }
  // The width in "shape": [null, width] (or the last entry of any shape list).
  std::int64_t shape_width(const json& object, const char* name) const {
    const json& shape = field(object, name);
    if (!shape.is_array() || shape.empty() || !shape.back().is_number_integer() ||
        shape.back().get<std::int64_t>() <= 0)
      fail("field '" + std::string(name) + "' must be a list ending in a positive width");
    return shape.back().get<std::int64_t>();
  }
  float number(const json& value, const std::string& where) const {
    if (!value.is_number()) fail(where + " must be a number, got " + value.dump());
    const double v = value.get<double>();
    if (std::isnan(v)) fail(where + " is NaN");
    return static_cast<float>(v);
  }
  Tensor vector(const json& value, std::int64_t n, const std::string& where) const {
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
  Tensor matrix(const json& value, std::int64_t rows, std::int64_t cols,
                const std::string& where) const {
    if (!value.is_array()) fail(where + " must be a list of rows");
    if (static_cast<std::int64_t>(value.size()) != rows)
      fail(where + " has " + std::to_string(value.size()) + " rows, expected " +
               std::to_string(rows) + " (the layer's input width)",
           ErrorKind::Shape);
    Tensor t(rows, cols);
    for (std::int64_t r = 0; r < rows; ++r) {
      const Tensor row = vector(value[static_cast<std::size_t>(r)], cols,
                                where + " row " + std::to_string(r));
      std::copy(row.data.begin(), row.data.end(), t.row(r));
    }
    return t;
  }
  const json& weights(const json& layer, std::size_t count) const {
    const json& w = field(layer, "weights");
    if (!w.is_array() || w.size() != count)
      fail("field 'weights' must be a list of " + std::to_string(count) + " arrays");
    return w;
  }

 private:
  std::string context_;
};

std::unique_ptr<Layer> layer_from_json(const json& layer, std::int64_t input_width,
                                       const Reader& reader, const std::string& name) {
  const std::string type = reader.string_field(layer, "type");
  const std::int64_t width = reader.shape_width(layer, "shape");
  if (type == "dense") {
    const json& w = reader.weights(layer, 2);
    Tensor kernel = reader.matrix(w[0], input_width, width, "field 'weights'[0] (kernel)");
    Tensor bias = reader.vector(w[1], width, "field 'weights'[1] (bias)");
    Activation activation = Activation::Linear;
    if (layer.contains("activation")) {
      try {
        activation = activation_from_name(reader.string_field(layer, "activation"));
      } catch (const Error& e) {
        reader.fail("field 'activation': " + e.message());
      }
    }
    return std::make_unique<Dense>(std::move(kernel), std::move(bias), activation, name);
  }
  if (width != input_width)
    reader.fail("field 'shape' says " + std::to_string(width) + " but the layer's input has " +
                    std::to_string(input_width) + " features",
                ErrorKind::Shape);
  if (type == "batchnorm") {
    const json& w = reader.weights(layer, 4);
    const char* fields[] = {"gamma", "beta", "moving_mean", "moving_variance"};
    Tensor parts[4];
    for (int i = 0; i < 4; ++i)
      parts[i] = reader.vector(w[static_cast<std::size_t>(i)], width,
                               "field 'weights'[" + std::to_string(i) + "] (" + fields[i] + ")");
    const double epsilon = reader.number_field(layer, "epsilon", 1e-3);
    if (!(epsilon > 0)) reader.fail("field 'epsilon' must be positive");
    for (float v : parts[3].data)
      if (v < 0) reader.fail("field 'weights'[3] (moving_variance) has a negative value");
    return std::make_unique<BatchNorm>(std::move(parts[0]), std::move(parts[1]),
                                       std::move(parts[2]), std::move(parts[3]), epsilon,
                                       reader.number_field(layer, "momentum", 0.99), name);
  }
  if (type == "activation") {
    try {
      return std::make_unique<ActivationLayer>(
          width, activation_from_name(reader.string_field(layer, "activation")), name);
    } catch (const Error& e) {
      if (e.message().rfind("unknown activation", 0) == 0)
        reader.fail("field 'activation': " + e.message());
      throw;
    }
  }
  if (type == "dropout") {
    const double rate = reader.number_field(layer, "rate", 0.0);
    if (!(rate >= 0 && rate < 1)) reader.fail("field 'rate' must be in [0, 1)");
    return std::make_unique<Dropout>(width, rate, name);
  }
  reader.fail("field 'type': unknown layer type '" + type +
              "' (known: dense, batchnorm, activation, dropout)");
}

}  // namespace

json model_to_json(const Model& model) {
  json layers = json::array();
  for (std::size_t i = 0; i < model.size(); ++i) {
    const Layer& layer = model.layer(i);
    json entry = {{"type", layer.type()}, {"shape", shape_json(layer.output_width())}};
    if (const auto* dense = dynamic_cast<const Dense*>(&layer)) {
      entry["activation"] = std::string(activation_name(dense->activation()));
      entry["weights"] = json::array(
          {matrix_to_json(dense->kernel()), row_to_json(dense->bias().data.data(),
                                                        dense->bias().size())});
    } else if (const auto* bn = dynamic_cast<const BatchNorm*>(&layer)) {
      entry["epsilon"] = bn->epsilon();
      entry["momentum"] = bn->momentum();
      json weights = json::array();
      for (const Tensor* t : {&bn->gamma(), &bn->beta(), &bn->moving_mean(),
                              &bn->moving_variance()})
        weights.push_back(row_to_json(t->data.data(), t->size()));
      entry["weights"] = weights;
    } else if (const auto* act = dynamic_cast<const ActivationLayer*>(&layer)) {
      entry["activation"] = std::string(activation_name(act->activation()));
    } else if (const auto* dropout = dynamic_cast<const Dropout*>(&layer)) {
      entry["rate"] = dropout->rate();
    }
    layers.push_back(entry);
  }
  return {{"in_shape", shape_json(model.input_width())}, {"layers", layers}};
}

Model model_from_json(const json& document, const std::string& origin) {
  const Reader top(origin);
  Model model(top.shape_width(document, "in_shape"));
  const json& layers = top.field(document, "layers");
  if (!layers.is_array() || layers.empty()) top.fail("field 'layers' must be a non-empty list");
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const json& layer = layers[i];
    const std::string type = layer.is_object() && layer.contains("type") &&
                                     layer["type"].is_string()
                                 ? layer["type"].get<std::string>()
                                 : "?";
    const Reader reader(origin + ": layer " + std::to_string(i) + " (" + type + ")");
    model.add(layer_from_json(layer, model.output_width(), reader, model.next_layer_name(type)));
  }
  return model;
}

void save_model(const Model& model, const std::string& path) {
  std::ofstream file(path);
  if (!file) throw Error(ErrorKind::Argument, "cannot write model file '" + path + "'");
  file << model_to_json(model).dump() << "\n";
  if (!file) throw Error(ErrorKind::Argument, "failed writing model file '" + path + "'");
}

Model load_model(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw Error(ErrorKind::Argument, "cannot open model file '" + path + "'");
  json document;
  try {
    document = json::parse(file);
  } catch (const json::parse_error& e) {
    throw Error(ErrorKind::Argument, path + ": not valid JSON: " + e.what());
  }
  return model_from_json(document, path);
}

}  // namespace exprvm::nn
