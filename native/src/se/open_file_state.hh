#pragma once
// Open file descriptions in a checkpoint. Each is saved once, however many
// fds and file mappings share it (so dup'd fds share an offset again), and a
// pipe's buffer once for both its ends; fds and mappings refer to them by
// index. No host descriptor is saved: a host file is opened again by its
// guest path through the sandbox (stdin, stdout and stderr by the run's host
// paths), never created or truncated, and put back at its offset.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "se/open_file.hh"
#include "sim/state_codec.hh"

namespace kx::se {

struct ProcessState;

class OpenFileSaver {
 public:
  // The description's index, numbered at first sight; `label` ("fd 3")
  // names it in errors.
  uint64_t indexOf(const std::shared_ptr<OpenFile>& file, const std::string& label);
  // Every description numbered. CoreError("checkpoint-unsupported") for one
  // that could not be opened again as it is: an O_TMPFILE file, a host file
  // removed or replaced since it was opened, a kind of file unknown here.
  void save(StateWriter& out, const ProcessState& p) const;

 private:
  std::vector<std::shared_ptr<OpenFile>> files_;
  std::vector<std::string> labels_;
  std::map<const OpenFile*, uint64_t> index_;
};

// The descriptions save() wrote, by index, opened again in `p`'s sandbox.
// `labels` name them in errors (an index without one is named by number).
// Pipe inodes must be below `nextPipeInode`. CoreError:
// checkpoint-incompatible when a file does not open again (or is not the
// same kind of file here), checkpoint-corrupt for a record it cannot trust.
std::vector<std::shared_ptr<OpenFile>> loadOpenFiles(StateReader& in, ProcessState& p, uint64_t nextPipeInode,
                                                     const std::map<uint64_t, std::string>& labels);

}  // namespace kx::se
