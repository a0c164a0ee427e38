// FileIndexStore: the HA lab's query nodes share built segment indexes through the
// storage directory, as upstream's query nodes load what its index node built. An
// index is DIR/<collection id>/<segment id>-<hash>.faiss (written whole, synced,
// renamed into place); a claim is the same name ending ".building", created
// exclusively, holding the builder's pid and process start time. A claim whose
// process is gone is taken over, so a node killed while building costs a rebuild,
// never a wait without end. An index file that does not read is removed and built
// again. A dropped collection's directory is removed, a merged segment's index files,
// and the files of a dropped index. Thread-safe.
#pragma once

#include <atomic>
#include <string>

#include "engine/collection.h"

namespace mdrill::lab {

class FileIndexStore final : public engine::IndexStore {
 public:
  // `who` names this node in the log lines ("querynode-1").
  FileIndexStore(std::string dir, std::string who);

  std::unique_ptr<engine::VectorIndex> Load(const std::string& key, const engine::IndexSpec& spec, size_t rows,
                                            int dim) override;
  bool Claim(const std::string& key) override;
  void Store(const std::string& key, const engine::VectorIndex& index) override;
  void Release(const std::string& key) override;
  // Removes DIR/<collection id>/ (every node that applies the drop does; the first
  // one removes it).
  void Forget(int64_t collection_id) override;
  // Removes DIR/<collection id>/<segment id>-*.faiss (claims stay: their builder
  // removes what it stores for a segment merged meanwhile).
  void ForgetSegment(int64_t collection_id, int64_t segment_id) override;
  // Removes DIR/<key>.faiss.
  void ForgetIndex(const std::string& key) override;

  int64_t loaded() const { return loaded_.load(); }
  int64_t built() const { return built_.load(); }

 private:
  std::string Path(const std::string& key, const char* suffix) const { return dir_ + "/" + key + suffix; }

  const std::string dir_, who_;
  std::atomic<int64_t> loaded_{0}, built_{0};
};

}  // namespace mdrill::lab
