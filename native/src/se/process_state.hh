#pragma once
// What the system-call layer keeps for the one guest process, shared by the
// handlers in syscalls_*.cc (internal to the layer: Syscalls is the API).
#include <cstdint>
#include <functional>
#include <vector>

#include "se/fd_table.hh"
#include "se/file_mappings.hh"
#include "se/linux_abi.hh"
#include "se/process_memory.hh"
#include "se/random_stream.hh"
#include "se/sandbox_fs.hh"
#include "se/syscalls.hh"
#include "sim/state_codec.hh"

namespace kx::se {

struct SignalState {
  abi::KernelSigaction actions[64] = {};  // by signal number - 1; recorded, never delivered
  uint64_t blocked = 0;
  abi::StackT altStack = {0, 2 /* SS_DISABLE */, 0, 0};

  // loadState refuses what the calls could never have recorded (checkpoint-corrupt).
  void saveState(StateWriter& out) const;
  void loadState(StateReader& in);
};

struct ProcessState {
  ProcessState(ProcessMemory& memory, const ProcessConfig& config, std::function<uint64_t()> nowNs);

  ProcessMemory& memory;
  const ProcessConfig config;
  std::function<uint64_t()> nowNs;
  RandomStream random;
  SandboxFs fs;
  FdTable fds;
  FileMappings fileMappings;
  SignalState signals;
  abi::Rlimit limits[abi::kRlimitCount];
  unsigned umask = 022;
  uint64_t fsBase = 0, gsBase = 0;  // as arch_prctl last set them
  uint64_t clearChildTid = 0, robustList = 0;
  uint64_t nextPipeInode = 1;
  uint64_t bytesRead = 0, bytesWritten = 0;
  std::vector<uint8_t> bounce;  // kChunk bytes, the one host buffer that guest data passes through
};

}  // namespace kx::se
