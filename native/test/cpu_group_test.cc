// CpuGroup with real threads: the quantum barrier holds every vCPU until the
// last one ends its quantum, a vCPU that leaves stops counting, a stop
// releases the waiters with the first outcome asked for, and machine-wide
// work is done once, with every vCPU parked and prepared.
#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <chrono>
#include <thread>
#include <vector>

#include "cpu/cpu_group.hh"

namespace kx {
namespace {

using namespace std::chrono_literals;

TEST_CASE("cpu group: no vCPU starts a new quantum before every one has ended the last") {
  constexpr unsigned kCpus = 3, kQuanta = 200;
  CpuGroup group(kCpus);
  std::atomic<unsigned> ended[kQuanta] = {};
  std::atomic<bool> early{false};
  std::vector<std::thread> threads;
  for (unsigned cpu = 0; cpu < kCpus; ++cpu)
    threads.emplace_back([&] {
      for (unsigned q = 0; q < kQuanta; ++q) {
        ended[q]++;
        group.quantumEnd();
        if (ended[q] != kCpus) early = true;
      }
      group.leave();
    });
  for (std::thread& t : threads) t.join();
  CHECK_FALSE(early);
}

TEST_CASE("cpu group: a vCPU that leaves releases the others waiting for it") {
  CpuGroup group(2);
  std::atomic<bool> released{false};
  std::thread waiter([&] {
    group.quantumEnd();
    released = true;
  });
  std::this_thread::sleep_for(20ms);
  CHECK_FALSE(released);
  group.leave();
  waiter.join();
  CHECK(released);
  CHECK_FALSE(group.stopping());
}

TEST_CASE("cpu group: a stop releases every waiter, and the first outcome is the machine's") {
  CpuGroup group(3);
  std::vector<std::thread> waiters;
  for (int i = 0; i < 2; ++i) waiters.emplace_back([&] { group.quantumEnd(); });
  std::this_thread::sleep_for(20ms);
  group.requestStop(RunOutcome{true, "debug-exit", "", 1});
  group.requestStop(RunOutcome{false, "shutdown", "too late", -1});
  for (std::thread& t : waiters) t.join();
  CHECK(group.stopping());
  CHECK(group.outcome().exitCause == "debug-exit");
  CHECK(group.outcome().guestStatus == 1);
  group.quantumEnd();  // once stopping, nobody waits
}

TEST_CASE("cpu group: work asked for mid-quantum is done once, in order, with every vCPU prepared and none running") {
  constexpr unsigned kCpus = 3, kQuanta = 300;
  CpuGroup group(kCpus);
  std::atomic<unsigned> running{kCpus}, prepared{0};
  std::vector<std::string> done;
  unsigned preparedAtWork = 0, runningAtWork = kCpus;
  auto work = [&](const char* what) {
    return [&, what] {
      done.push_back(what);
      preparedAtWork = prepared;
      runningAtWork = running;
    };
  };
  std::vector<std::thread> threads;
  for (unsigned cpu = 0; cpu < kCpus; ++cpu)
    threads.emplace_back([&, cpu] {
      for (unsigned q = 0; q < kQuanta; ++q) {
        if (cpu == 1 && q == kQuanta / 2) {
          group.requestAtBarrier(work("dump"));
          group.requestAtBarrier(work("reset"));
        }
        running--;
        group.quantumEnd([&] { prepared++; });
        running++;
      }
      group.leave();
    });
  for (std::thread& t : threads) t.join();
  CHECK(done == std::vector<std::string>{"dump", "reset"});
  CHECK(preparedAtWork == kCpus);
  CHECK(runningAtWork == 0);
  CHECK(prepared == kCpus);
  CHECK_FALSE(group.workPending());
}

TEST_CASE("cpu group: work that stops the machine (a warm-up's checkpoint) holds every vCPU until it is done, then releases them") {
  CpuGroup group(2);
  std::atomic<bool> finished{false}, releasedEarly{false};
  group.requestAtBarrier([&] {
    group.requestStop(RunOutcome{true, "checkpoint", "", -1});
    std::this_thread::sleep_for(20ms);  // still reading the vCPUs' state
    finished = true;
  });
  auto vcpu = [&] {
    while (!group.stopping()) group.quantumEnd([] {});
    if (!finished) releasedEarly = true;
  };
  std::thread other(vcpu);
  vcpu();
  other.join();
  CHECK_FALSE(releasedEarly);
  CHECK(group.outcome().exitCause == "checkpoint");
}

}  // namespace
}  // namespace kx
