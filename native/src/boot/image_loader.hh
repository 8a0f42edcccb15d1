#pragma once
// Guest image loaders. An image file is untrusted input: every header field is
// checked against the file and against guest memory before a byte is copied,
// and errors name the file and the offending field.
#include <cstdint>
#include <string>

#include "boot/guest_memory.hh"

namespace kx {

// Multiboot images are loaded by boot/multiboot.hh, not loadImage.
enum class ImageFormat { Elf, Flat, Multiboot };

struct LoadedImage {
  uint64_t entry;
  uint64_t lowest;   // first guest-physical byte the image occupies
  uint64_t highest;  // one past the last
};

// Loads `path` into `memory` above layout::kImageFloor. Throws CoreError with
// code "image-invalid" (the file is malformed or for another machine),
// "image-unreadable" (cannot be opened), or "image-too-big" (does not fit).
LoadedImage loadImage(const std::string& path, ImageFormat format, GuestMemory& memory);

}  // namespace kx
