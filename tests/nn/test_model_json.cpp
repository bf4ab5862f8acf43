// JSON model files: exact round trip and errors naming the layer and field.
#include <catch2/catch.hpp>

#include <cstdio>

#include "helpers.hpp"
#include "nn/model_json.hpp"

using namespace exprvm::nn;
using exprvm::nn::testing::random_tensor;
using nlohmann::json;

namespace {

Model sample_model() {
  std::mt19937_64 rng(41);
  Model model(5);
  model.add(std::make_unique<Dense>(random_tensor(5, 4, rng), random_tensor(1, 4, rng),
                                    Activation::Elu, "dense_1"));
  model.add(std::make_unique<BatchNorm>(random_tensor(1, 4, rng), random_tensor(1, 4, rng),
                                        random_tensor(1, 4, rng),
                                        random_tensor(1, 4, rng, 0.1f, 2.0f), 1e-3, 0.99,
                                        "batchnorm_1"));
  model.add(std::make_unique<ActivationLayer>(4, Activation::Tanh, "activation_1"));
  model.add(std::make_unique<Dropout>(4, 0.25, "dropout_1"));
  model.add(std::make_unique<Dense>(random_tensor(4, 2, rng), random_tensor(1, 2, rng),
                                    Activation::Softmax, "dense_2"));
  return model;
}

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
    bad["layers"][3]["type"] = "conv2d";
    CHECK_THAT(error_of(bad), Catch::Contains("layer 3 (conv2d): field 'type': unknown layer"));
  }
  SECTION("missing in_shape, not JSON") {
    json bad = good;
    bad.erase("in_shape");
    CHECK_THAT(error_of(bad), Catch::Contains("m.json: missing field 'in_shape'"));
    CHECK_THROWS_WITH(load_model("/nonexistent/model.json"), Catch::Contains("cannot open"));
  }
}
