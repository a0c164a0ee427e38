// Vector indexes through FAISS, with Milvus's index types, parameter ranges and
// score conventions (L2 = squared distance, smaller is better; IP = inner product
// and COSINE = cosine similarity, larger is better).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "util/status.h"

namespace faiss {
struct Index;
}

namespace mdrill::engine {

enum class Metric { kL2, kIP, kCosine };
enum class IndexType { kFlat, kIvfFlat, kHnsw };

const char* MetricName(Metric m);
// Larger-is-better metrics (IP, COSINE) rank descending.
inline bool HigherIsBetter(Metric m) { return m != Metric::kL2; }

// What CreateIndex asked for, validated.
struct IndexSpec {
  std::string index_name;
  std::string type_name;  // as the client named it, upper-cased ("IVF_FLAT", "AUTOINDEX")
  IndexType type = IndexType::kFlat;
  Metric metric = Metric::kL2;
  int nlist = 0;            // IVF_FLAT
  int m = 0;                // HNSW
  int ef_construction = 0;  // HNSW
  std::string params_json;  // the build params as JSON, echoed by DescribeIndex
};

// Parses CreateIndex's extra_params: index_type, metric_type and params (a JSON
// object; keys may also arrive flattened). Ranges as Milvus: nlist [1, 65536],
// M [2, 2048], efConstruction [1, 2^31-1]. AUTOINDEX becomes HNSW(M 18, efC 240).
Status ParseIndexSpec(const std::map<std::string, std::string>& extra, IndexSpec* out);

// Search-time knobs after validation against the index.
struct SearchKnobs {
  int topk = 10;
  int offset = 0;
  Metric metric = Metric::kL2;
  int nprobe = 8;
  int ef = 16;
  int round_decimal = -1;
  bool ignore_growing = false;
};

inline constexpr int kMaxTopK = 16384;  // topk + offset of a search, limit + offset of a query (upstream)
inline constexpr int kMaxNq = 16384;    // query vectors in one search (upstream)

// Parses Search's search_params (topk, metric_type, params JSON, offset,
// round_decimal, ignore_growing, and flattened nprobe / ef) against the collection's
// index (nullptr when none). Booleans are case-insensitive.
Status ParseSearchKnobs(const std::map<std::string, std::string>& kv, const IndexSpec* index, SearchKnobs* out);

// Returns a copy of v normalized to unit length (zero vectors stay zero).
void Normalize(float* v, int dim);

// A built FAISS index over one sealed segment's vectors. Row ids are the segment's
// row offsets. Thread-safe for concurrent searches once built.
class VectorIndex {
 public:
  ~VectorIndex();
  VectorIndex(const VectorIndex&) = delete;
  VectorIndex& operator=(const VectorIndex&) = delete;

  // Builds an index over n vectors of `dim` floats (already normalized for COSINE).
  static Status Build(const IndexSpec& spec, const float* data, size_t n, int dim, std::unique_ptr<VectorIndex>* out);

  // Top-k of each of nq queries restricted to rows whose bit is set in `bitmap`
  // (nullptr: all rows). Writes nq*k scores and labels; missing hits get label -1.
  void Search(const float* queries, size_t nq, int k, const SearchKnobs& knobs, const uint8_t* bitmap, float* scores,
              int64_t* labels) const;

  size_t MemoryBytes() const;

  // Writes the built index to `path` (FAISS's own format, through a temporary file
  // renamed into place once synced).
  Status Save(const std::string& path) const;
  // Reads an index Save wrote; InvalidArgument when it is not one over `n` vectors of
  // `dim` floats of `spec`'s type (a file from another segment or a damaged one).
  static Status Load(const IndexSpec& spec, const std::string& path, size_t n, int dim,
                     std::unique_ptr<VectorIndex>* out);

 private:
  VectorIndex() = default;
  IndexSpec spec_;
  size_t rows_ = 0;
  int dim_ = 0;
  std::unique_ptr<faiss::Index> quantizer_;
  std::unique_ptr<faiss::Index> index_;
};

// Exact top-k over `n` rows by scanning; same contract as VectorIndex::Search. For
// COSINE the queries must be unit length and `norms` holds each row's L2 norm.
void BruteForceSearch(Metric metric, const float* data, const float* norms, size_t n, int dim, const float* queries,
                      size_t nq, int k, const uint8_t* bitmap, float* scores, int64_t* labels);

}  // namespace mdrill::engine
