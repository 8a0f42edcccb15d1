#pragma once
// A readable dump of the vCPU registers, for failed runs.
#include <string>

namespace kx {

class Vcpu;

// Never throws: a dump that cannot be read says so instead.
std::string registerDump(const Vcpu& vcpu);

}  // namespace kx
