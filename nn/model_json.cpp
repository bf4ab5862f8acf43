#include "nn/model_json.hpp"

#include <fstream>

#include <exprvm/exprvm.hpp>

#include "nn/layer_json.hpp"

namespace exprvm::nn {

using nlohmann::json;

namespace {

json shape_json(std::int64_t width) { return json::array({nullptr, width}); }

// The layer described by `layer`, through its type's registry row (nn/layer_json.hpp).
std::unique_ptr<Layer> layer_from_json(const json& layer, std::int64_t input_width,
                                       const ModelReader& reader, const std::string& name) {
  const std::string type_name = reader.string_field(layer, "type");
  const LayerType* type = find_layer_type(type_name);
  if (!type)
    reader.fail("field 'type': unknown layer type '" + type_name +
                "' (known: " + known_layer_types() + ")");
  const std::int64_t width = reader.shape_width(layer, "shape");
  if (type->keeps_width && width != input_width)
    reader.fail("field 'shape' says " + std::to_string(width) + " but the layer's input has " +
                    std::to_string(input_width) + " features",
                ErrorKind::Shape);
  return type->read(LayerJson{layer, reader, input_width, width, name});
}

}  // namespace

json model_to_json(const Model& model) {
  json layers = json::array();
  for (std::size_t i = 0; i < model.size(); ++i) {
    const Layer& layer = model.layer(i);
    const LayerType* type = find_layer_type(layer.type());
    if (!type)
      throw Error(ErrorKind::Internal, "layer type '" + layer.type() +
                                           "' has no row in the registry (nn/layer_json.cpp)");
    json entry = {{"type", layer.type()}, {"shape", shape_json(layer.output_width())}};
    type->write(layer, entry);
    layers.push_back(std::move(entry));
  }
  return {{"in_shape", shape_json(model.input_width())}, {"layers", layers}};
}

Model model_from_json(const json& document, const std::string& origin) {
  const ModelReader top(origin);
  Model model(top.shape_width(document, "in_shape"));
  const json& layers = top.field(document, "layers");
  if (!layers.is_array() || layers.empty()) top.fail("field 'layers' must be a non-empty list");
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const json& layer = layers[i];
    const std::string type = layer.is_object() && layer.contains("type") &&
                                     layer["type"].is_string()
                                 ? layer["type"].get<std::string>()
                                 : "?";
    const ModelReader reader(origin + ": layer " + std::to_string(i) + " (" + type + ")");
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
