#pragma once
// The handlers behind Syscalls::handle, one per supported call, grouped by
// the file that defines them; each returns Linux's answer for the request.
#include "se/process_state.hh"

namespace kx::se {

using Handler = SyscallOutcome (*)(ProcessState&, const SyscallRequest&);

// syscalls_fd.cc: calls on open fds.
SyscallOutcome sysRead(ProcessState&, const SyscallRequest&);
SyscallOutcome sysWrite(ProcessState&, const SyscallRequest&);
SyscallOutcome sysPread64(ProcessState&, const SyscallRequest&);
SyscallOutcome sysPwrite64(ProcessState&, const SyscallRequest&);
SyscallOutcome sysReadv(ProcessState&, const SyscallRequest&);
SyscallOutcome sysWritev(ProcessState&, const SyscallRequest&);
SyscallOutcome sysLseek(ProcessState&, const SyscallRequest&);
SyscallOutcome sysClose(ProcessState&, const SyscallRequest&);
SyscallOutcome sysFstat(ProcessState&, const SyscallRequest&);
SyscallOutcome sysGetdents64(ProcessState&, const SyscallRequest&);
SyscallOutcome sysIoctl(ProcessState&, const SyscallRequest&);
SyscallOutcome sysDup(ProcessState&, const SyscallRequest&);
SyscallOutcome sysDup2(ProcessState&, const SyscallRequest&);
SyscallOutcome sysDup3(ProcessState&, const SyscallRequest&);
SyscallOutcome sysFcntl(ProcessState&, const SyscallRequest&);
SyscallOutcome sysPipe(ProcessState&, const SyscallRequest&);
SyscallOutcome sysPipe2(ProcessState&, const SyscallRequest&);
SyscallOutcome sysFtruncate(ProcessState&, const SyscallRequest&);
SyscallOutcome sysFsync(ProcessState&, const SyscallRequest&);
SyscallOutcome sysPoll(ProcessState&, const SyscallRequest&);
SyscallOutcome sysPpoll(ProcessState&, const SyscallRequest&);

// syscalls_path.cc: calls that name files by path.
SyscallOutcome sysOpen(ProcessState&, const SyscallRequest&);
SyscallOutcome sysOpenat(ProcessState&, const SyscallRequest&);
SyscallOutcome sysStat(ProcessState&, const SyscallRequest&);
SyscallOutcome sysLstat(ProcessState&, const SyscallRequest&);
SyscallOutcome sysNewfstatat(ProcessState&, const SyscallRequest&);
SyscallOutcome sysStatx(ProcessState&, const SyscallRequest&);
SyscallOutcome sysReadlink(ProcessState&, const SyscallRequest&);
SyscallOutcome sysReadlinkat(ProcessState&, const SyscallRequest&);
SyscallOutcome sysAccess(ProcessState&, const SyscallRequest&);
SyscallOutcome sysFaccessat(ProcessState&, const SyscallRequest&);
SyscallOutcome sysFaccessat2(ProcessState&, const SyscallRequest&);
SyscallOutcome sysGetcwd(ProcessState&, const SyscallRequest&);
SyscallOutcome sysChdir(ProcessState&, const SyscallRequest&);
SyscallOutcome sysFchdir(ProcessState&, const SyscallRequest&);
SyscallOutcome sysUnlink(ProcessState&, const SyscallRequest&);
SyscallOutcome sysUnlinkat(ProcessState&, const SyscallRequest&);
SyscallOutcome sysRmdir(ProcessState&, const SyscallRequest&);
SyscallOutcome sysMkdir(ProcessState&, const SyscallRequest&);
SyscallOutcome sysMkdirat(ProcessState&, const SyscallRequest&);
SyscallOutcome sysRename(ProcessState&, const SyscallRequest&);
SyscallOutcome sysRenameat(ProcessState&, const SyscallRequest&);
SyscallOutcome sysRenameat2(ProcessState&, const SyscallRequest&);

// syscalls_memory.cc
SyscallOutcome sysBrk(ProcessState&, const SyscallRequest&);
SyscallOutcome sysMmap(ProcessState&, const SyscallRequest&);
SyscallOutcome sysMunmap(ProcessState&, const SyscallRequest&);
SyscallOutcome sysMprotect(ProcessState&, const SyscallRequest&);
SyscallOutcome sysMremap(ProcessState&, const SyscallRequest&);
SyscallOutcome sysMadvise(ProcessState&, const SyscallRequest&);

// syscalls_time.cc
SyscallOutcome sysClockGettime(ProcessState&, const SyscallRequest&);
SyscallOutcome sysClockGetres(ProcessState&, const SyscallRequest&);
SyscallOutcome sysGettimeofday(ProcessState&, const SyscallRequest&);
SyscallOutcome sysTime(ProcessState&, const SyscallRequest&);
SyscallOutcome sysNanosleep(ProcessState&, const SyscallRequest&);
SyscallOutcome sysClockNanosleep(ProcessState&, const SyscallRequest&);

// syscalls_process.cc: identity, limits, the thread's registers, futexes, randomness.
SyscallOutcome sysExit(ProcessState&, const SyscallRequest&);
SyscallOutcome sysGetpid(ProcessState&, const SyscallRequest&);
SyscallOutcome sysGetppid(ProcessState&, const SyscallRequest&);
SyscallOutcome sysGetuid(ProcessState&, const SyscallRequest&);
SyscallOutcome sysGetgid(ProcessState&, const SyscallRequest&);
SyscallOutcome sysArchPrctl(ProcessState&, const SyscallRequest&);
SyscallOutcome sysSetTidAddress(ProcessState&, const SyscallRequest&);
SyscallOutcome sysSetRobustList(ProcessState&, const SyscallRequest&);
SyscallOutcome sysRseq(ProcessState&, const SyscallRequest&);
SyscallOutcome sysPrlimit64(ProcessState&, const SyscallRequest&);
SyscallOutcome sysGetrlimit(ProcessState&, const SyscallRequest&);
SyscallOutcome sysSetrlimit(ProcessState&, const SyscallRequest&);
SyscallOutcome sysUname(ProcessState&, const SyscallRequest&);
SyscallOutcome sysSysinfo(ProcessState&, const SyscallRequest&);
SyscallOutcome sysGetrusage(ProcessState&, const SyscallRequest&);
SyscallOutcome sysUmask(ProcessState&, const SyscallRequest&);
SyscallOutcome sysSchedGetaffinity(ProcessState&, const SyscallRequest&);
SyscallOutcome sysSchedYield(ProcessState&, const SyscallRequest&);
SyscallOutcome sysGetrandom(ProcessState&, const SyscallRequest&);
SyscallOutcome sysFutex(ProcessState&, const SyscallRequest&);

// syscalls_signal.cc: dispositions and masks, recorded for a later signal delivery.
SyscallOutcome sysRtSigaction(ProcessState&, const SyscallRequest&);
SyscallOutcome sysRtSigprocmask(ProcessState&, const SyscallRequest&);
SyscallOutcome sysSigaltstack(ProcessState&, const SyscallRequest&);

// Shared by the handlers: "blocks forever" for the single thread.
SyscallOutcome blocksForever(const std::string& what);
// An int argument as the kernel reads it: the low 32 bits, sign-extended.
inline int intArg(uint64_t arg) { return static_cast<int>(static_cast<uint32_t>(arg)); }

}  // namespace kx::se
