// The test binary's entry point: doctest's own main (options: ./build/native-tests --help).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
