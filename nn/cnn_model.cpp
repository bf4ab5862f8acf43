#include "nn/cnn_model.hpp"

#include <cstdio>
#include <random>
#include <sstream>

#include <exprvm/exprvm.hpp>

namespace exprvm::nn {

CnnNet cnn_net_from_name(const std::string& name) {
  if (name == "allcnn") return CnnNet::AllCnn;
  if (name == "wide") return CnnNet::Wide;
  if (name == "adequate") return CnnNet::Adequate;
  throw Error(ErrorKind::Argument, "unknown net '" + name + "' (known: allcnn, wide, adequate)");
}

CnnConv cnn_conv_from_name(const std::string& name) {
  if (name == "std") return CnnConv::Standard;
  if (name == "sep") return CnnConv::Separable;
  if (name == "fac") return CnnConv::Factorized;
  if (name == "cp") return CnnConv::CpDecomposed;
  throw Error(ErrorKind::Argument, "unknown conv '" + name + "' (known: std, sep, fac, cp)");
}

const char* cnn_net_name(CnnNet net) {
  switch (net) {
    case CnnNet::AllCnn: return "allcnn";
    case CnnNet::Wide: return "wide";
    case CnnNet::Adequate: return "adequate";
  }
  return "?";
}

const char* cnn_conv_name(CnnConv conv) {
  switch (conv) {
    case CnnConv::Standard: return "std";
    case CnnConv::Separable: return "sep";
    case CnnConv::Factorized: return "fac";
    case CnnConv::CpDecomposed: return "cp";
  }
  return "?";
}

namespace {

// Appends layers to a model, tracking the image shape between them.
class CnnBuilder {
 public:
  CnnBuilder(Model& model, SpatialShape input, std::uint64_t seed, double bn_momentum)
      : model_(model), shape_(input), rng_(seed), bn_momentum_(bn_momentum) {}

  void conv(ConvKind kind, std::int64_t filters, std::int64_t kh, std::int64_t kw,
            std::int64_t stride = 1) {
    ConvConfig c;
    c.kind = kind;
    c.filters = filters;
    c.kh = kh;
    c.kw = kw;
    c.sh = c.sw = stride;
    c.padding = Padding::Same;
    const char* type = kind == ConvKind::Standard    ? "conv2d"
                       : kind == ConvKind::Separable ? "separable_conv2d"
                       : kind == ConvKind::Depthwise ? "depthwise_conv2d"
                                                     : "cp_conv2d";
    auto layer = Convolution::glorot(shape_, c, model_.next_layer_name(type), rng_);
    shape_ = layer->output_shape();
    model_.add(std::move(layer));
  }
  // Keras' bn_relu: BatchNormalization then Activation("relu").
  void bn_relu() {
    model_.add(BatchNorm::fresh(shape_.c, model_.next_layer_name("batchnorm"), 1e-3,
                                bn_momentum_, shape_.h * shape_.w));
    model_.add(std::make_unique<ActivationLayer>(shape_.size(), Activation::Relu,
                                                 model_.next_layer_name("activation")));
  }
  // The seed's switchable conv_layer(filters, (3, 3), padding="same") + bn_relu.
  void switchable(CnnConv conv, std::int64_t filters) {
    switch (conv) {
      case CnnConv::Standard: this->conv(ConvKind::Standard, filters, 3, 3); break;
      case CnnConv::Separable: this->conv(ConvKind::Separable, filters, 3, 3); break;
      case CnnConv::Factorized:
        this->conv(ConvKind::Standard, filters, 3, 1);
        this->conv(ConvKind::Standard, filters, 1, 3);
        break;
      case CnnConv::CpDecomposed: this->conv(ConvKind::CpDecomposed, filters, 3, 3); break;
    }
    bn_relu();
  }
  void std_block(std::int64_t filters, std::int64_t k, std::int64_t stride = 1) {
    conv(ConvKind::Standard, filters, k, k, stride);
    bn_relu();
  }
  void sep_block(std::int64_t filters) {
    conv(ConvKind::Separable, filters, 3, 3);
    bn_relu();
  }
  // GlobalAveragePooling2D then Activation("softmax").
  void head() {
    const std::int64_t channels = shape_.c;
    model_.add(std::make_unique<GlobalAveragePooling2D>(
        shape_, model_.next_layer_name("global_average_pooling2d")));
    model_.add(std::make_unique<ActivationLayer>(channels, Activation::Softmax,
                                                 model_.next_layer_name("activation")));
  }

 private:
  Model& model_;
  SpatialShape shape_;
  std::mt19937_64 rng_;
  double bn_momentum_;
};

}  // namespace

Model make_cnn(CnnNet net, CnnConv conv, SpatialShape input, std::int64_t classes,
               std::uint64_t seed, double bn_momentum) {
  if (classes <= 0) throw Error(ErrorKind::Argument, "cnn: classes must be positive");
  if (!(bn_momentum >= 0 && bn_momentum < 1))
    throw Error(ErrorKind::Argument, "cnn: the BatchNorm momentum must be in [0, 1)");
  Model model(input.size());
  CnnBuilder b(model, input, seed, bn_momentum);
  switch (net) {
    case CnnNet::AllCnn:
      b.switchable(conv, 96);
      b.switchable(conv, 96);
      b.std_block(96, 3, 2);
      b.switchable(conv, 192);
      b.switchable(conv, 192);
      b.std_block(192, 3, 2);
      b.std_block(192, 3);
      b.std_block(192, 1);
      b.std_block(classes, 1);
      break;
    case CnnNet::Wide:
      b.switchable(conv, 192);
      b.std_block(96, 3, 2);
      b.switchable(conv, 384);
      b.std_block(128, 3, 2);
      b.std_block(256, 3);
      b.std_block(classes, 1);
      break;
    case CnnNet::Adequate:
      b.switchable(conv, 96);
      b.switchable(conv, 96);
      b.std_block(96, 3, 2);
      b.sep_block(256);
      b.std_block(192, 3, 2);
      b.sep_block(256);
      b.std_block(classes, 1);
      break;
  }
  b.head();
  return model;
}

namespace {

std::string shape_text(const std::vector<std::int64_t>& dims) {
  std::string text = "(None";
  for (std::int64_t d : dims) text += ", " + std::to_string(d);
  return text + ")";
}

std::string keras_class(const std::string& type) {
  static const std::pair<const char*, const char*> names[] = {
      {"dense", "Dense"},
      {"batchnorm", "BatchNormalization"},
      {"activation", "Activation"},
      {"dropout", "Dropout"},
      {"conv2d", "Conv2D"},
      {"depthwise_conv2d", "DepthwiseConv2D"},
      {"separable_conv2d", "SeparableConv2D"},
      {"cp_conv2d", "CPConv2D"},
      {"max_pooling2d", "MaxPooling2D"},
      {"average_pooling2d", "AveragePooling2D"},
      {"global_average_pooling2d", "GlobalAveragePooling2D"},
      {"flatten", "Flatten"}};
  for (const auto& [from, to] : names)
    if (type == from) return to;
  return type;
}

// Keras 2.2's layer names: batch_normalization_1 for our "batchnorm" rows.
std::string keras_name(const Model& model, std::size_t index) {
  const std::string type = model.layer(index).type();
  int count = 0;
  for (std::size_t i = 0; i <= index; ++i) count += model.layer(i).type() == type;
  return (type == "batchnorm" ? std::string("batch_normalization") : type) + "_" +
         std::to_string(count);
}

std::string thousands(long long n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

std::vector<std::string> cnn_output_shapes(const Model& model, SpatialShape input) {
  std::vector<std::int64_t> dims{input.h, input.w, input.c};
  std::vector<std::string> shapes;
  for (std::size_t i = 0; i < model.size(); ++i) {
    const Layer& layer = model.layer(i);
    if (const auto* conv = dynamic_cast<const Convolution*>(&layer)) {
      const SpatialShape s = conv->output_shape();
      dims = {s.h, s.w, s.c};
    } else if (const auto* pool = dynamic_cast<const Pooling2D*>(&layer)) {
      const SpatialShape s = pool->output_shape();
      dims = {s.h, s.w, s.c};
    } else if (layer.output_width() != layer.input_width() ||
               dynamic_cast<const Flatten*>(&layer)) {
      dims = {layer.output_width()};
    }
    shapes.push_back(shape_text(dims));
  }
  return shapes;
}

std::pair<long long, long long> cnn_parameter_counts(const Layer& layer) {
  if (const auto* norm = dynamic_cast<const BatchNorm*>(&layer))
    return {2 * norm->channels(), 2 * norm->channels()};
  if (const auto* dense = dynamic_cast<const Dense*>(&layer))
    return {dense->kernel().size() + dense->bias().size(), 0};
  long long trainable = 0;
  if (const auto* conv = dynamic_cast<const Convolution*>(&layer))
    for (const Tensor& w : conv->weights()) trainable += w.size();
  return {trainable, 0};
}

std::string cnn_summary(const Model& model, SpatialShape input) {
  const std::string rule(65, '_'), double_rule(65, '=');
  std::ostringstream text;
  char line[256];
  auto row = [&](const std::string& label, const std::string& shape, const std::string& count) {
    // Keras 2.2 cuts the label at 28 characters ("batch_normalization_1 (Batc").
    std::snprintf(line, sizeof line, "%-29s%-26s%-10s", label.substr(0, 28).c_str(),
                  shape.c_str(), count.c_str());
    text << line << "\n";
  };
  text << rule << "\n";
  row("Layer (type)", "Output Shape", "Param #");
  text << double_rule << "\n";
  row("input_1 (InputLayer)", shape_text({input.h, input.w, input.c}), "0");
  const std::vector<std::string> shapes = cnn_output_shapes(model, input);
  long long trainable = 0, frozen = 0;
  for (std::size_t i = 0; i < model.size(); ++i) {
    const Layer& layer = model.layer(i);
    const auto [t, f] = cnn_parameter_counts(layer);
    trainable += t;
    frozen += f;
    text << rule << "\n";
    row(keras_name(model, i) + " (" + keras_class(layer.type()) + ")", shapes[i],
        std::to_string(t + f));
  }
  text << double_rule << "\nTotal params: " << thousands(trainable + frozen)
       << "\nTrainable params: " << thousands(trainable)
       << "\nNon-trainable params: " << thousands(frozen) << "\n" << rule << "\n";
  return text.str();
}

int fold_batchnorms(Model& model) {
  int folded = 0;
  for (std::size_t i = 1; i < model.size(); ++i) {
    auto* bn = dynamic_cast<BatchNorm*>(&model.layer(i));
    auto* conv = dynamic_cast<Convolution*>(&model.layer(i - 1));
    if (!bn || !conv || bn->folded()) continue;
    conv->fold_batchnorm(*bn);
    bn->mark_folded();
    ++folded;
  }
  return folded;
}

}  // namespace exprvm::nn
