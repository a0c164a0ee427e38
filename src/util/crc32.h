// CRC-32 (IEEE 802.3, the zlib polynomial) over a byte range; used to detect torn
// or corrupt records in write-ahead logs. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mdrill {

uint32_t Crc32(const void* data, size_t n, uint32_t seed = 0);

}  // namespace mdrill
