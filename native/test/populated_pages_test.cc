// PopulatedPages against what the test did to each page of a fresh mapping.
// Pages that must read as unpopulated are at least 2 MiB from any written
// one, so that the check holds where transparent huge pages fill 2 MiB at a
// time. These checks need a readable /proc/self/pagemap, as on any Linux
// with /proc; without one every page counts as populated and they fail.
#include <doctest/doctest.h>

#include <cstdint>

#include "boot/guest_memory.hh"
#include "boot/populated_pages.hh"

namespace kx {
namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kMiB = 1 << 20;

TEST_CASE("Populated pages: a written page is populated, an untouched one is not") {
  GuestMemory memory(32 * kMiB);
  memory.store<uint8_t>(0, 1);
  memory.store<uint8_t>(20 * kMiB + 7 * kPage + 100, 0);  // a zero written is still a page frame
  PopulatedPages populated(memory);
  CHECK(populated.contains(0));
  CHECK_FALSE(populated.contains(8 * kMiB / kPage));
  // Far into another window of the pagemap, and then back to the first.
  CHECK(populated.contains(20 * kMiB / kPage + 7));
  CHECK_FALSE(populated.contains(31 * kMiB / kPage));
  CHECK_FALSE(populated.contains(4 * kMiB / kPage));
  CHECK(populated.contains(0));
}

TEST_CASE("Populated pages: the last page of memory, and memory that is not a whole number of pages") {
  GuestMemory memory(10 * kMiB + 100);
  memory.store<uint8_t>(10 * kMiB - 1, 1);
  PopulatedPages populated(memory);
  CHECK(populated.contains(10 * kMiB / kPage - 1));
  CHECK_FALSE(populated.contains(0));
}

}  // namespace
}  // namespace kx
