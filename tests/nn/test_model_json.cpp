// JSON model files: exact round trip and errors naming the layer and field.
#include <catch2/catch.hpp>

#include <cstdio>
#include <set>

#include "helpers.hpp"
#include "nn/cnn_layers.hpp"
#include "nn/layer_json.hpp"
#include "nn/model_json.hpp"

using namespace exprvm::nn;
using exprvm::nn::testing::random_tensor;
using nlohmann::json;

namespace {

// The CNN layer types (nn/cnn_layers.hpp) on the 2 outputs seen as a 1x2x1 image.
void add_cnn_layers(Model& model, std::mt19937_64& rng) {
  SpatialShape shape{1, 2, 1};
  auto conv = [&](ConvKind kind, std::int64_t filters, std::int64_t kw) {
    ConvConfig c;
    c.kind = kind;
    c.filters = filters;
    c.kh = 1;
    c.kw = kw;
    auto layer = Convolution::glorot(shape, c, "conv", rng);
    shape = layer->output_shape();
    model.add(std::move(layer));
  };
  conv(ConvKind::Standard, 2, 1);
  conv(ConvKind::Depthwise, 0, 1);
  conv(ConvKind::Separable, 3, 2);
  conv(ConvKind::CpDecomposed, 2, 2);
  model.add(std::make_unique<Pooling2D>(PoolKind::Max, shape, 1, 2, 1, 1, Padding::Same, "max"));
  model.add(std::make_unique<Pooling2D>(PoolKind::Average, shape, 1, 2, 1, 1, Padding::Valid, "avg"));
  shape = {1, 1, 2};
  model.add(std::make_unique<Flatten>(shape, "flatten"));
  model.add(std::make_unique<GlobalAveragePooling2D>(shape, "gap"));
}

Model sample_model() {
  std::mt19937_64 rng(41);
  Model model(5);
  model.add(std::make_unique<Dense>(random_tensor(5, 4, rng), random_tensor(1, 4, rng),
                                    Activation::Elu, "dense_1"));
  model.add(std::make_unique<BatchNorm>(random_tensor(1, 4, rng), random_tensor(1, 4, rng),
                                        random_tensor(1, 4, rng),
                                        random_tensor(1, 4, rng, 0.1f, 2.0f), 1e-5, 0.9,
                                        "batchnorm_1"));
  model.add(std::make_unique<ActivationLayer>(4, Activation::Tanh, "activation_1"));
  model.add(std::make_unique<Dropout>(4, 0.25, "dropout_1"));
  model.add(std::make_unique<Dense>(random_tensor(4, 2, rng), random_tensor(1, 2, rng),
                                    Activation::Softmax, "dense_2"));
  add_cnn_layers(model, rng);
  return model;
}

// A layer the registry does not know, or (with type "dense") one that claims another class's row.
class UnregisteredLayer : public Layer {
 public:
  UnregisteredLayer(std::int64_t width, std::string type) : Layer(width, width), type_(std::move(type)) {}
  std::string type() const override { return type_; }
  void forward(const Tensor& in, Tensor& out) const override { out = in; }
  void forward_train(const Tensor& in, Tensor& out, std::mt19937_64&) override { out = in; }
  void backward(const Tensor&, const Tensor&, Tensor&, Tensor*) override {}
  std::vector<const Stage*> stages() const override { return {}; }

 private:
  std::string type_;
};

std::string error_of(const json& document) {
  try {
    model_from_json(document, "m.json");
  } catch (const exprvm::Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("save and load round-trip exactly", "[nn][json]") {
  const Model model = sample_model();
  const std::string path = "nn_round_trip_test.json";
  save_model(model, path);
  const Model loaded = load_model(path);
  std::remove(path.c_str());
  REQUIRE(model_to_json(loaded) == model_to_json(model));
  std::mt19937_64 rng(43);
  const Tensor x = random_tensor(7, 5, rng);
  REQUIRE(loaded.predict(x).data == model.predict(x).data);  // bit-exact
}

TEST_CASE("every registered layer type round-trips alone", "[nn][json]") {
  const json document = model_to_json(sample_model());
  std::set<std::string> covered;
  std::int64_t input_width = document["in_shape"][1];
  for (const json& entry : document["layers"]) {
    const std::string type = entry["type"];
    covered.insert(type);
    DYNAMIC_SECTION("layer type " << type) {
      const json alone = {{"in_shape", {nullptr, input_width}}, {"layers", {entry}}};
      const Model model = model_from_json(alone);
      REQUIRE(model.layer(0).type() == type);
      CHECK(model_to_json(model) == alone);
    }
    input_width = entry["shape"][1];
  }
  // The sample model must hold every registered type, so a new type needs a round-trip test.
  for (const LayerType* type : layer_types()) {
    INFO("registered layer type " << type->name << " must be in sample_model()");
    CHECK(covered.count(std::string(type->name)) == 1);
  }
}

TEST_CASE("the format is RTNeural-style", "[nn][json]") {
  const json document = model_to_json(sample_model());
  CHECK(document["in_shape"] == json::array({nullptr, 5}));
  const json& dense = document["layers"][0];
  CHECK(dense["type"] == "dense");
  CHECK(dense["activation"] == "elu");
  CHECK(dense["shape"] == json::array({nullptr, 4}));
  CHECK(dense["weights"][0].size() == 5);     // kernel rows = inputs
  CHECK(dense["weights"][0][0].size() == 4);  // columns = units
  CHECK(dense["weights"][1].size() == 4);     // bias
}

TEST_CASE("malformed files name the layer and the field", "[nn][json][errors]") {
  const json good = model_to_json(sample_model());
  SECTION("missing field") {
    json bad = good;
    bad["layers"][0].erase("weights");
    CHECK_THAT(error_of(bad), Catch::Contains("layer 0 (dense): missing field 'weights'"));
  }
  SECTION("wrong kernel shape") {
    json bad = good;
    bad["layers"][0]["weights"][0].erase(0);
    CHECK_THAT(error_of(bad),
               Catch::Contains("layer 0 (dense): field 'weights'[0] (kernel) has 4 rows"));
  }
  SECTION("wrong bias length") {
    json bad = good;
    bad["layers"][4]["weights"][1].push_back(1.0);
    CHECK_THAT(error_of(bad), Catch::Contains("layer 4 (dense): field 'weights'[1] (bias) has 3"));
  }
  SECTION("non-numeric weight") {
    json bad = good;
    bad["layers"][1]["weights"][2][1] = "x";
    CHECK_THAT(error_of(bad), Catch::Contains("layer 1 (batchnorm): field 'weights'[2] "
                                              "(moving_mean)[1] must be a number"));
  }
  SECTION("unknown activation and type") {
    json bad = good;
    bad["layers"][2]["activation"] = "swish";
    CHECK_THAT(error_of(bad), Catch::Contains("layer 2 (activation): field 'activation': "
                                              "unknown activation 'swish'"));
    bad = good;
    bad["layers"][3]["type"] = "lstm";
    CHECK_THAT(error_of(bad), Catch::Contains("layer 3 (lstm): field 'type': unknown layer "
                                              "type 'lstm' (known: dense, batchnorm, "
                                              "activation, dropout, conv2d, "));
  }
  SECTION("malformed layers") {
    json bad = good;
    bad["layers"][2] = json::array({1, 2});
    CHECK_THAT(error_of(bad), Catch::Contains("layer 2 (?): expected a JSON object"));
    bad = good;
    bad["layers"][2].erase("type");
    CHECK_THAT(error_of(bad), Catch::Contains("layer 2 (?): missing field 'type'"));
    bad = good;
    bad["layers"][2].erase("activation");
    CHECK_THAT(error_of(bad), Catch::Contains("layer 2 (activation): missing field 'activation'"));
    bad = good;
    bad["layers"][0]["activation"] = 3;
    CHECK_THAT(error_of(bad),
               Catch::Contains("layer 0 (dense): field 'activation' must be a string"));
    bad = good;
    bad["layers"][3]["rate"] = 1.5;
    CHECK_THAT(error_of(bad), Catch::Contains("layer 3 (dropout): field 'rate' must be in [0, 1)"));
    bad = good;
    bad["layers"][1]["shape"] = json::array({nullptr, 3});
    CHECK_THAT(error_of(bad), Catch::Contains("layer 1 (batchnorm): field 'shape' says 3 but the "
                                              "layer's input has 4 features"));
    bad = good;
    bad["layers"][1]["weights"][3][0] = -1.0;
    CHECK_THAT(error_of(bad), Catch::Contains("layer 1 (batchnorm): field 'weights'[3] "
                                              "(moving_variance) has a negative value"));
    bad = good;
    bad["layers"][1]["weights"].erase(3);
    CHECK_THAT(error_of(bad), Catch::Contains("layer 1 (batchnorm): field 'weights' must be a "
                                              "list of 4 arrays"));
  }
  SECTION("writing a layer the registry does not know") {
    Model model(3);
    model.add(std::make_unique<UnregisteredLayer>(3, "mystery"));
    CHECK_THROWS_WITH(model_to_json(model),
                      Catch::Contains("layer type 'mystery' has no row in the registry"));
    Model impostor(3);
    impostor.add(std::make_unique<UnregisteredLayer>(3, "dense"));
    CHECK_THROWS_WITH(model_to_json(impostor),
                      Catch::Contains("layer type 'dense' is registered for another layer class"));
  }
  SECTION("missing in_shape, not JSON") {
    json bad = good;
    bad.erase("in_shape");
    CHECK_THAT(error_of(bad), Catch::Contains("m.json: missing field 'in_shape'"));
    CHECK_THROWS_WITH(load_model("/nonexistent/model.json"), Catch::Contains("cannot open"));
  }
}
