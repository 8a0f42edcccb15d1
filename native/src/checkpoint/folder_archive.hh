#pragma once
// A folder the guest writes into (SE mode's scratch folder), as one
// checkpoint part: its sub-folders and regular files with their modes and
// contents, by relative path. Unpacking treats every path and size as
// untrusted: only plain relative paths inside the target are created.
#include <cstdint>
#include <string>
#include <vector>

namespace kx {

// A symlink, device or socket in the folder is "checkpoint-unsupported".
std::vector<uint8_t> packFolder(const std::string& dir);
// Into `dir`, which must exist; entries already there are replaced.
void unpackFolder(const std::vector<uint8_t>& archive, const std::string& dir);

}  // namespace kx
