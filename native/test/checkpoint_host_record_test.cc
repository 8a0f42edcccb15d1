// The host a checkpoint was taken on: what is recorded reads back whole, and
// a restoring host is refused for each difference that matters (a CPUID
// entry, the XSAVE size, a missing capability), with the kernels named when
// they differ; a kernel update alone, or a capability only this host has,
// is no difference.
#include <doctest/doctest.h>

#include "checkpoint/host_record.hh"
#include "expect_error.hh"

namespace kx {
namespace {

using test::expectCoreError;

HostRecord sampleHost() {
  kvm_cpuid_entry2 leaf0{};
  leaf0.eax = 0xd;
  kvm_cpuid_entry2 leaf1{};
  leaf1.function = 1;
  leaf1.ecx = 0x80202001;
  return HostRecord{{leaf0, leaf1}, 2696, {{"XSAVE", 1}, {"XSAVE2", 2696}, {"PIT_STATE2", 0}}, "6.18.44"};
}

TEST_CASE("host record: encoded and decoded, every field reads back") {
  HostRecord host = sampleHost();
  StateWriter out;
  encodeHostRecord(out, host);
  StateReader in(out.bytes(), "host record");
  HostRecord back = decodeHostRecord(in);
  in.finish();
  REQUIRE(back.cpuid.size() == 2);
  CHECK(back.cpuid[1].ecx == 0x80202001);
  CHECK(back.xsaveBytes == 2696);
  CHECK(back.capabilities == host.capabilities);
  CHECK(back.kernelRelease == "6.18.44");
  checkSameHost(host, back);
}

TEST_CASE("host record: another kernel with the same CPU and capabilities restores; one with more capabilities too") {
  HostRecord here = sampleHost();
  here.kernelRelease = "6.19.1";
  here.capabilities.back().second = 1;
  checkSameHost(sampleHost(), here);
}

TEST_CASE("host record: each difference that matters is refused, naming it") {
  HostRecord cpu = sampleHost();
  cpu.cpuid[1].ecx ^= 1u << 28;
  cpu.kernelRelease = "6.19.1";
  expectCoreError([&] { checkSameHost(sampleHost(), cpu); }, "checkpoint-incompatible",
                  {"entry 1 was leaf 0x1", "ecx 0x80202001", "ecx 0x90202001", "taken under Linux 6.18.44; this host runs 6.19.1"});

  HostRecord fewer = sampleHost();
  fewer.cpuid.pop_back();
  expectCoreError([&] { checkSameHost(sampleHost(), fewer); }, "checkpoint-incompatible", {"entry 1", "here it is nothing"});

  HostRecord xsave = sampleHost();
  xsave.xsaveBytes = 4096;
  expectCoreError([&] { checkSameHost(sampleHost(), xsave); }, "checkpoint-incompatible", {"XSAVE area is 2696 bytes, this host's 4096"});

  HostRecord lacking = sampleHost();
  lacking.capabilities[1].second = 0;
  expectCoreError([&] { checkSameHost(sampleHost(), lacking); }, "checkpoint-incompatible", {"KVM_CAP_XSAVE2"});
  lacking.capabilities.erase(lacking.capabilities.begin());
  expectCoreError([&] { checkSameHost(sampleHost(), lacking); }, "checkpoint-incompatible", {"KVM_CAP_XSAVE,"});
}

TEST_CASE("host record: a damaged record is refused, not believed") {
  StateWriter out;
  out.put<uint64_t>(1u << 20);  // a million CPUID entries
  StateReader in(out.bytes(), "host record");
  expectCoreError([&] { decodeHostRecord(in); }, "checkpoint-corrupt", {"CPUID entries"});
}

}  // namespace
}  // namespace kx
