// Model-file helpers of the CNN layers: spatial shapes, integer pairs (kernel_size, strides)
// and weights as nested lists in Keras' shapes (a (3, 3, 3, 96) kernel is 3 lists of 3 lists
// of 3 lists of 96 numbers), read through ModelReader so errors name the file, layer, field.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "nn/conv_backend.hpp"
#include "nn/layer_json.hpp"

namespace exprvm::nn {

// "input_shape": [h, w, c], checked against the previous layer's width.
SpatialShape read_input_shape(const LayerJson& layer);
nlohmann::json spatial_json(const SpatialShape& s);

// A field holding [a, b] of positive integers; `fallback` when absent.
std::pair<std::int64_t, std::int64_t> read_int_pair(const LayerJson& layer, const char* name,
                                                    std::pair<std::int64_t, std::int64_t> fallback);
// A positive integer field; `fallback` when absent (required when fallback < 0).
std::int64_t read_int(const LayerJson& layer, const char* name, std::int64_t fallback);
bool read_bool(const LayerJson& layer, const char* name, bool fallback);
Padding read_padding(const LayerJson& layer);

// t's values (C order) as nested lists of shape `dims`.
nlohmann::json nested_json(const Tensor& t, const std::vector<std::int64_t>& dims);
// Nested lists of exactly shape `dims` as a flat 1 x n tensor.
Tensor read_nested(const ModelReader& reader, const nlohmann::json& value,
                   const std::vector<std::int64_t>& dims, const std::string& where);

}  // namespace exprvm::nn
