// Signal dispositions, the blocked mask and the alternate stack, recorded as
// Linux keeps them and handed back on request. No signal is ever delivered
// (the integrator may read them when it adds delivery). A checkpoint holds
// them as recorded.
#include <csignal>
#include <cerrno>

#include "devices/device_state.hh"
#include "se/guest_io.hh"
#include "se/syscall_handlers.hh"

namespace kx::se {
namespace {

SyscallOutcome ret(int64_t value) { return SyscallOutcome::returning(value); }

constexpr uint64_t bit(int signal) { return uint64_t{1} << (signal - 1); }
constexpr uint64_t kUnblockable = bit(SIGKILL) | bit(SIGSTOP);
constexpr int32_t kOnStack = 1, kDisable = 2, kAutoDisarm = int32_t(1u << 31);
constexpr uint64_t kMinSigStackSize = 2048;  // MINSIGSTKSZ

}  // namespace

SyscallOutcome sysRtSigaction(ProcessState& p, const SyscallRequest& r) {
  int signal = intArg(r.args[0]);
  if (r.args[3] != abi::kSigsetSize || signal < 1 || signal > 64) return ret(-EINVAL);
  abi::KernelSigaction next{};
  if (r.args[1] != 0) {
    if (!readGuest(p.memory, r.args[1], next)) return ret(-EFAULT);
    if (signal == SIGKILL || signal == SIGSTOP) return ret(-EINVAL);
  }
  abi::KernelSigaction& action = p.signals.actions[signal - 1];
  abi::KernelSigaction previous = action;
  if (r.args[1] != 0) {
    next.mask &= ~kUnblockable;
    action = next;
  }
  if (r.args[2] != 0 && !writeGuest(p.memory, r.args[2], previous)) return ret(-EFAULT);
  return ret(0);
}

SyscallOutcome sysRtSigprocmask(ProcessState& p, const SyscallRequest& r) {
  if (r.args[3] != abi::kSigsetSize) return ret(-EINVAL);
  uint64_t previous = p.signals.blocked;
  if (r.args[1] != 0) {
    uint64_t set = 0;
    if (!readGuest(p.memory, r.args[1], set)) return ret(-EFAULT);
    set &= ~kUnblockable;
    switch (intArg(r.args[0])) {
      case SIG_BLOCK:
        p.signals.blocked |= set;
        break;
      case SIG_UNBLOCK:
        p.signals.blocked &= ~set;
        break;
      case SIG_SETMASK:
        p.signals.blocked = set;
        break;
      default:
        return ret(-EINVAL);
    }
  }
  if (r.args[2] != 0 && !writeGuest(p.memory, r.args[2], previous)) return ret(-EFAULT);
  return ret(0);
}

SyscallOutcome sysSigaltstack(ProcessState& p, const SyscallRequest& r) {
  abi::StackT previous = p.signals.altStack;
  if (r.args[0] != 0) {
    abi::StackT next{};
    if (!readGuest(p.memory, r.args[0], next)) return ret(-EFAULT);
    int32_t mode = next.flags & ~kAutoDisarm;
    if (mode != 0 && mode != kOnStack && mode != kDisable) return ret(-EINVAL);
    if (mode == kDisable) next = abi::StackT{0, kDisable, 0, 0};
    else if (next.size < kMinSigStackSize) return ret(-ENOMEM);
    else next.flags &= kAutoDisarm;  // SS_ONSTACK on input means "enable", like 0
    next.pad = 0;
    p.signals.altStack = next;
  }
  if (r.args[1] != 0 && !writeGuest(p.memory, r.args[1], previous)) return ret(-EFAULT);
  return ret(0);
}

void SignalState::saveState(StateWriter& out) const {
  for (const abi::KernelSigaction& action : actions) out.put(action);
  out.put<uint64_t>(blocked);
  out.put(altStack);
}

void SignalState::loadState(StateReader& in) {
  const std::string what = "SE signal state";
  SignalState loaded;
  for (abi::KernelSigaction& action : loaded.actions) action = in.get<abi::KernelSigaction>();
  for (int signal : {SIGKILL, SIGSTOP}) {
    const abi::KernelSigaction& action = loaded.actions[signal - 1];
    if (action.handler || action.flags || action.restorer || action.mask)
      stateOutOfRange(what, "action of signal", std::to_string(signal));
  }
  for (const abi::KernelSigaction& action : loaded.actions)
    if (action.mask & kUnblockable) stateOutOfRange(what, "handler mask", hex(action.mask));
  loaded.blocked = in.get<uint64_t>();
  if (loaded.blocked & kUnblockable) stateOutOfRange(what, "blocked mask", hex(loaded.blocked));
  loaded.altStack = in.get<abi::StackT>();
  const abi::StackT& s = loaded.altStack;
  bool disabled = s.flags == kDisable && s.sp == 0 && s.size == 0;
  bool enabled = (s.flags & ~kAutoDisarm) == 0 && s.size >= kMinSigStackSize;
  if ((!disabled && !enabled) || s.pad != 0) stateOutOfRange(what, "alternate stack flags", hex(static_cast<uint32_t>(s.flags)));
  *this = loaded;
}

}  // namespace kx::se
