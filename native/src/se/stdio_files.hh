#pragma once
// stdin, stdout and stderr: the host files the run names, or /dev/null where
// it names none. A fresh process creates or truncates stdout and stderr; a
// restored one opens them again as they are, since the machine has put back
// what the program wrote before the checkpoint.
#include <memory>
#include <optional>
#include <string>

#include "se/open_file.hh"
#include "se/random_stream.hh"
#include "se/syscalls.hh"

namespace kx::se {

enum class StdStream { In, Out, Err };

// Throws CoreError("se-stdio") when the host file does not open.
std::shared_ptr<OpenFile> openStdStream(StdStream stream, const ProcessConfig& config, RandomStream& random);
// Which stream a host file of openStdStream's is, by the guest path it
// shows ("<stdout>"); none for any other file.
std::optional<StdStream> stdStreamOf(const OpenFile& file);
std::string stdStreamGuestPath(StdStream stream);
// The stream's host file opened again, neither created nor truncated, with
// O_APPEND if `statusFlags` has it. CoreError("checkpoint-incompatible"),
// naming `label`, when the run names no such file or it does not open.
HostFd reopenStdStream(StdStream stream, const ProcessConfig& config, int statusFlags, const std::string& label);

}  // namespace kx::se
