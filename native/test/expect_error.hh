#pragma once
// Checks that a call throws CoreError with a given code and a message naming the problem.
#include <doctest/doctest.h>

#include <initializer_list>
#include <string>

#include "sim/core_error.hh"

namespace kx::test {

template <typename F>
void expectCoreError(F&& call, const std::string& code, std::initializer_list<const char*> inMessage) {
  try {
    call();
    FAIL_CHECK("no CoreError thrown; expected code " << code);
  } catch (const CoreError& e) {
    CHECK_MESSAGE(e.code() == code, "message: " << e.what());
    for (const char* part : inMessage)
      CHECK_MESSAGE(std::string(e.what()).find(part) != std::string::npos,
                    "\"" << part << "\" is not in: " << e.what());
  }
}

}  // namespace kx::test
