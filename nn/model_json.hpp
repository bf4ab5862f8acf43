// Model files: JSON in the style of RTNeural's,
//   {"in_shape": [null, 25],
//    "layers": [{"type": "dense", "activation": "elu", "shape": [null, 30],
//                "weights": [kernel (in rows of out values), bias (out values)]},
//               {"type": "batchnorm", "shape": [null, 30], "epsilon": 0.001, "momentum": 0.99,
//                "weights": [gamma, beta, moving_mean, moving_variance]},
//               {"type": "activation", "activation": "relu", "shape": [null, 30]},
//               {"type": "dropout", "rate": 0.5, "shape": [null, 30]}]}
// Float32 weights are written as the shortest decimal that reads back exactly, so a save/load
// round trip is bit-exact.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "nn/model.hpp"

namespace exprvm::nn {

nlohmann::json model_to_json(const Model& model);
// Builds a model; `origin` (e.g. the file name) starts every error message, which names the
// layer and field at fault. Throws Error(Argument) or Error(Shape).
Model model_from_json(const nlohmann::json& document, const std::string& origin = "model");

void save_model(const Model& model, const std::string& path);
Model load_model(const std::string& path);

}  // namespace exprvm::nn
