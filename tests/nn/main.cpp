// Catch2 main of the NN runner's tests.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
