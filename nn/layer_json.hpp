// The registry of layer types for model files (nn/model_json.hpp): each layer type has one
// LayerType row, defined in the layer's source file next to its forward/backward and listed in
// the table in nn/layer_json.cpp. The model reader looks a layer's JSON "type" up by name; the
// writer looks Layer::type() up and calls the row's writer. ModelReader and the *_json helpers
// are what a row's reader and writer use.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <exprvm/exprvm.hpp>

#include "nn/layers.hpp"

namespace exprvm::nn {

// Reads JSON fields, throwing Error with messages "<context>: field '<name>' ..." where the
// context names the file and layer, e.g. "m.json: layer 2 (dense)".
class ModelReader {
 public:
  explicit ModelReader(std::string context) : context_(std::move(context)) {}

  [[noreturn]] void fail(const std::string& what, ErrorKind kind = ErrorKind::Argument) const;
  const nlohmann::json& field(const nlohmann::json& object, const char* name) const;
  std::string string_field(const nlohmann::json& object, const char* name) const;
  // The number in `name`, or `fallback` when the field is absent.
  double number_field(const nlohmann::json& object, const char* name, double fallback) const;
  // The width in "shape": [null, width] (the last entry of the list, a positive integer).
  std::int64_t shape_width(const nlohmann::json& object, const char* name) const;
  // The activation named by "activation"; `fallback` when the field is absent (required when
  // there is no fallback).
  Activation activation_field(const nlohmann::json& object,
                              std::optional<Activation> fallback) const;
  // A number that is not NaN; `where` names it in errors.
  float number(const nlohmann::json& value, const std::string& where) const;
  // A list of n numbers as a 1 x n tensor (Error(Shape) for another length).
  Tensor vector(const nlohmann::json& value, std::int64_t n, const std::string& where) const;
  // A list of `rows` lists of `cols` numbers (Error(Shape) for other sizes).
  Tensor matrix(const nlohmann::json& value, std::int64_t rows, std::int64_t cols,
                const std::string& where) const;
  // The layer's "weights": a list of exactly `count` entries.
  const nlohmann::json& weights(const nlohmann::json& layer, std::size_t count) const;

 private:
  std::string context_;
};

nlohmann::json row_to_json(const Tensor& t);     // all values of t as one list
nlohmann::json matrix_to_json(const Tensor& t);  // a list of rows

// What a layer type's reader gets: the layer's JSON object and what the model around it says.
struct LayerJson {
  const nlohmann::json& fields;
  const ModelReader& reader;  // errors name the file, the layer and its type
  std::int64_t input_width;   // the previous layer's output width
  std::int64_t width;         // the layer's "shape" width (checked == input_width if it keeps it)
  const std::string& name;    // e.g. "dense_2": labels the layer's stages
};

// One layer type of the model-file format.
struct LayerType {
  std::string_view name;  // the JSON "type"; Layer::type() of the layers it reads
  bool keeps_width;       // output width == input width: the reader checks "shape" against it
  std::unique_ptr<Layer> (*read)(const LayerJson& layer);
  // Adds the layer's fields beyond "type" and "shape" (which the model writer adds) to entry.
  void (*write)(const Layer& layer, nlohmann::json& entry);
};

// A LayerType writer for layers of class L: hands `layer` as an L to Write. Throws
// Error(Internal) when it is not an L (a Layer::type() naming another class's row).
template <class L, void (*Write)(const L&, nlohmann::json&)>
void write_as(const Layer& layer, nlohmann::json& entry) {
  const auto* typed = dynamic_cast<const L*>(&layer);
  if (!typed)
    throw Error(ErrorKind::Internal,
                "layer type '" + layer.type() + "' is registered for another layer class");
  Write(*typed, entry);
}

// Every registered layer type, in the order of the table in nn/layer_json.cpp.
std::span<const LayerType* const> layer_types();
// The row named `name`, or nullptr.
const LayerType* find_layer_type(std::string_view name);
// "dense, batchnorm, ..." for error messages.
std::string known_layer_types();

}  // namespace exprvm::nn
