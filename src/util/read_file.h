// The whole of a text or PEM file, read at once.
#pragma once

#include <fstream>
#include <iterator>
#include <string>

namespace mdrill {

// False when `path` cannot be opened; `out` then holds nothing.
inline bool ReadWholeFile(const std::string& path, std::string* out) {
  out->clear();
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

}  // namespace mdrill
