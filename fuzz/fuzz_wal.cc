// The write-ahead log opened on damaged files. From the input: how many records a
// valid log holds (1..32), then mutations: byte flips at chosen offsets and a cut
// of the file's end. Properties, whatever the damage:
//  - Open never crashes;
//  - when it opens, what it replayed is a prefix of the records written (never a
//    record that was not written, never one out of order), the file now ends
//    right after that prefix, and when nothing was mutated everything replays;
//  - when it refuses, nothing was dropped: the file is unchanged;
//  - RepairTruncate at an offset Open named leaves a log that opens.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_temp_dir.h"
#include "lab/server/wal.h"

namespace rec = ::milvusdrill::lab;

namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

rec::WalRecord Record(int i) {
  rec::WalRecord r;
  r.set_ts(1000 + static_cast<uint64_t>(i));
  auto* ins = r.mutable_insert();
  ins->set_collection_id(1);
  ins->set_num_rows(static_cast<uint32_t>(i % 7 + 1));
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const std::string dir = FuzzTempDir("wal");
  const std::string path = dir + "/wal.log";
  std::remove(path.c_str());
  const int n = data[0] % 32 + 1;
  // The intact log of n records, written once per n through Wal::Append itself.
  static std::vector<std::string> logs(33);
  std::vector<std::string> written;
  for (int i = 0; i < n; ++i) written.push_back(Record(i).SerializeAsString());
  if (logs[n].empty()) {
    mdrill::lab::Wal wal;
    if (!wal.Open(path, [](const rec::WalRecord&) { return mdrill::Status::OK(); }).ok()) __builtin_trap();
    for (int i = 0; i < n; ++i)
      if (!wal.Append(Record(i)).ok()) __builtin_trap();
    logs[n] = ReadAll(path);
  }
  std::string bytes = logs[n];
  const std::string original = bytes;
  bool mutated = false;
  for (size_t i = 1; i + 2 < size; i += 3) {  // (offset lo, offset hi, xor)
    size_t at = (static_cast<size_t>(data[i]) | static_cast<size_t>(data[i + 1]) << 8) % bytes.size();
    if (data[i + 2] == 0) continue;
    bytes[at] = static_cast<char>(bytes[at] ^ data[i + 2]);
    mutated = true;
  }
  if (size % 5 == 0 && bytes.size() > 1) {  // cut the end too
    bytes.resize(bytes.size() - (data[size - 1] % bytes.size()));
    mutated = mutated || bytes.size() != original.size();
  }
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  std::vector<std::string> replayed;
  mdrill::Status opened;
  {
    mdrill::lab::Wal wal;
    opened = wal.Open(path, [&](const rec::WalRecord& r) {
      replayed.push_back(r.SerializeAsString());
      return mdrill::Status::OK();
    });
  }
  if (opened.ok()) {
    if (replayed.size() > written.size()) __builtin_trap();
    for (size_t i = 0; i < replayed.size(); ++i)
      if (replayed[i] != written[i]) __builtin_trap();  // not a prefix of what was written
    if (!mutated && replayed.size() != written.size()) __builtin_trap();
    return 0;
  }
  if (ReadAll(path) != bytes) __builtin_trap();  // a refusal dropped something
  const std::string& why = opened.reason();
  auto at = why.find("--truncate-at ");
  if (at == std::string::npos) __builtin_trap();  // a refusal must name the repair
  uint64_t offset = std::stoull(why.substr(at + 14));
  if (!mdrill::lab::Wal::RepairTruncate(path, offset).ok()) __builtin_trap();
  mdrill::lab::Wal repaired;
  size_t after = 0;
  if (!repaired.Open(path, [&](const rec::WalRecord&) { return ++after, mdrill::Status::OK(); }).ok()) __builtin_trap();
  if (after > written.size()) __builtin_trap();
  return 0;
}
