#pragma once
// A process's mappings as Linux keeps its VMAs: sorted, never overlapping,
// split where a change covers part of one, and merged with a neighbour that
// has the same protection and name, so that the list reads like
// /proc/<pid>/maps.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/state_codec.hh"

namespace kx::se {

struct Mapping {
  uint64_t start;
  uint64_t end;  // exclusive
  unsigned prot;  // kProt* bits
  std::string name;
};

// One mapping in a checkpoint. getMapping refuses one that is not whole
// pages of user space with known protection bits (checkpoint-corrupt, naming `what`).
void putMapping(StateWriter& out, const Mapping& m);
Mapping getMapping(StateReader& in, const std::string& what);

class VmaList {
 public:
  // The mapping holding `va`, or nullptr.
  const Mapping* find(uint64_t va) const;
  bool overlaps(uint64_t start, uint64_t end) const;
  // Where the run of mappings that starts by covering `start` stops (at most
  // `end`): `start` itself when `start` is not mapped.
  uint64_t coveredUntil(uint64_t start, uint64_t end) const;

  // [m.start, m.end) must be free.
  void insert(const Mapping& m);
  // Removes whatever lies in [start, end); holes are fine.
  void erase(uint64_t start, uint64_t end);
  // [start, end) must be covered.
  void protect(uint64_t start, uint64_t end, unsigned prot);

  // The highest (lowest) `length`-byte hole inside [low, high).
  std::optional<uint64_t> highestFit(uint64_t low, uint64_t high, uint64_t length) const;
  std::optional<uint64_t> lowestFit(uint64_t low, uint64_t high, uint64_t length) const;

  std::vector<Mapping> list() const;

  // The list as it is, neighbours that were never merged included, so that
  // later merges happen as they would have.
  void saveState(StateWriter& out) const;
  void loadState(StateReader& in);

 private:
  void splitAt(uint64_t va);
  void mergeAround(uint64_t start, uint64_t end);

  std::map<uint64_t, Mapping> byStart_;
};

}  // namespace kx::se
