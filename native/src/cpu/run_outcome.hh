#pragma once
// How a run ended. `exitCause` is a stable identifier (the CSV `exit_cause`
// column, listed in docs/exit-causes.md); `error` is for people.
#include <cstdint>
#include <string>

namespace kx {

struct RunOutcome {
  bool ok = false;
  std::string exitCause;
  std::string error;
  int64_t guestStatus = -1;  // the code the guest passed to sim-control exit, if it did
};

}  // namespace kx
