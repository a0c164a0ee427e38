// The HA log's archive segments (lab/ha/log_archive.h), as a restarted component
// reads them back. Properties:
//   - decoding any bytes never crashes; bytes it accepts re-encode to bytes that
//     decode to the same segment;
//   - a segment built from the input round-trips exactly, and flipping any one bit
//     of its encoding is refused (a damaged segment is never applied).
#include <cstddef>
#include <cstdint>
#include <string>

#include "lab/ha/log_archive.h"

namespace rec = ::milvusdrill::lab;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  rec::LogArchiveSegment decoded;
  if (mdrill::lab::DecodeLogSegment(bytes, &decoded).ok()) {
    rec::LogArchiveSegment again;
    if (!mdrill::lab::DecodeLogSegment(mdrill::lab::EncodeLogSegment(decoded), &again).ok()) __builtin_trap();
    if (again.SerializeAsString() != decoded.SerializeAsString()) __builtin_trap();
  }
  if (size < 2) return 0;
  // Entries cut from the input: key and value lengths from its bytes.
  rec::LogArchiveSegment built;
  size_t at = 1;
  while (at + 2 <= size) {
    const size_t klen = data[at] % 40, vlen = data[at + 1];
    at += 2;
    auto* e = built.add_entries();
    e->set_key(bytes.substr(at, klen));
    at += klen;
    e->set_value(at < size ? bytes.substr(at, vlen) : std::string());
    at += vlen;
    e->set_mod_revision(static_cast<int64_t>(at));
  }
  const std::string encoded = mdrill::lab::EncodeLogSegment(built);
  rec::LogArchiveSegment back;
  if (!mdrill::lab::DecodeLogSegment(encoded, &back).ok()) __builtin_trap();
  if (back.SerializeAsString() != built.SerializeAsString()) __builtin_trap();
  std::string damaged = encoded;
  const size_t bit = (static_cast<size_t>(data[0]) * 131 + size) % (damaged.size() * 8);
  damaged[bit / 8] = static_cast<char>(damaged[bit / 8] ^ (1 << (bit % 8)));
  if (mdrill::lab::DecodeLogSegment(damaged, &back).ok()) __builtin_trap();
  return 0;
}
