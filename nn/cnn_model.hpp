// Seed 003's networks (AllCNNLike, WiderAllCNNLike, AdequatelyDesignedAllCNNLike) with their
// convolution type switched (std, sep, fac, cp), Keras' summary table, and BatchNorm folding.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nn/cnn_layers.hpp"
#include "nn/model.hpp"

namespace exprvm::nn {

enum class CnnNet { AllCnn, Wide, Adequate };
enum class CnnConv { Standard, Separable, Factorized, CpDecomposed };

CnnNet cnn_net_from_name(const std::string& name);    // allcnn | wide | adequate
CnnConv cnn_conv_from_name(const std::string& name);  // std | sep | fac | cp
const char* cnn_net_name(CnnNet net);
const char* cnn_conv_name(CnnConv conv);

// The seed's network for `input` images and `classes` outputs, ending in GlobalAveragePooling2D
// and a softmax Activation; Keras' initializers (Glorot-uniform kernels, zero biases, fresh
// BatchNorm), drawn from `seed`. `conv` replaces the seed's switchable convolutions (every
// stride-1 one in allcnn and wide; conv1 and conv2 in adequate, whose std is the seed's model):
// std = Conv2D, sep = SeparableConv2D, fac = Conv2D k x 1 then 1 x k (both with bias, as the
// seed's simple_factorized_conv), cp = cp_conv2d of rank filters / 2 (the seed's rule).
// `bn_momentum` is Keras' BatchNormalization momentum of the moving statistics (0.99).
Model make_cnn(CnnNet net, CnnConv conv, SpatialShape input, std::int64_t classes,
               std::uint64_t seed, double bn_momentum = 0.99);

// Keras' "Output Shape" of every layer, from the model's input image shape.
std::vector<std::string> cnn_output_shapes(const Model& model, SpatialShape input);
// (trainable, non-trainable) parameter counts of one layer, as Keras counts them.
std::pair<long long, long long> cnn_parameter_counts(const Layer& layer);
// Keras' model.summary() table with the "name (Class)" labels of Keras 2.2 (conv2d_1 ...).
std::string cnn_summary(const Model& model, SpatialShape input);

// Folds every BatchNorm that directly follows a convolution into it (inference): the conv's
// last kernel and bias absorb the normalization and the BatchNorm becomes an identity.
// Returns the number folded. The model is then for inference only (training throws).
int fold_batchnorms(Model& model);

}  // namespace exprvm::nn
