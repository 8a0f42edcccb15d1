#include "devices/m5ops.hh"

#include "devices/device_state.hh"
#include "sim/core_error.hh"

namespace kx {

uint64_t M5Ops::perform(uint64_t offset, unsigned size) {
  // gem5's stub is one 8-byte access at the operation's 256-byte slot; a
  // narrower or misplaced one is not a call (a stray pointer, a probe).
  if (size != 8 || offset % 256 != 0) {
    handler_.m5Unsupported("a " + std::to_string(size) + "-byte access at m5ops offset " + hex(offset) +
                           " (an m5op is one 8-byte access at operation << 8)");
    return 0;
  }
  ++calls_;
  uint8_t op = static_cast<uint8_t>(offset >> 8);
  switch (op) {
    case kExit:
      handler_.m5Exit();
      break;
    case kFail:
      handler_.m5Fail(registers_.get(Reg::Rsi));
      break;
    case kResetStats:
      handler_.m5ResetStats();
      break;
    case kDumpStats:
      handler_.m5DumpStats();
      break;
    case kDumpResetStats:
      handler_.m5DumpStats();
      handler_.m5ResetStats();
      break;
    case kWorkBegin:
      ++workBegin_;
      break;
    case kWorkEnd:
      ++workEnd_;
      break;
    case kCheckpoint:
      handler_.m5Checkpoint();
      break;
    default:
      handler_.m5Unsupported("m5op " + hex(op) + ": not one this runner serves (exit, fail, reset_stats, dump_stats, "
                                                 "dump_reset_stats, checkpoint, work_begin, work_end)");
      break;
  }
  return 0;
}


namespace {
constexpr uint32_t kStateVersion = 1;
}

// Only counters: an operation completes within the access, so nothing is ever half done.
void M5Ops::saveState(StateWriter& writer) const {
  writer.put<uint32_t>(kStateVersion);
  writer.put<uint64_t>(calls_);
  writer.put<uint64_t>(workBegin_);
  writer.put<uint64_t>(workEnd_);
}

void M5Ops::loadState(StateReader& reader) {
  getStateVersion(reader, name(), kStateVersion);
  auto calls = reader.get<uint64_t>(), workBegin = reader.get<uint64_t>(), workEnd = reader.get<uint64_t>();
  calls_ = calls;
  workBegin_ = workBegin;
  workEnd_ = workEnd;
}

}  // namespace kx
