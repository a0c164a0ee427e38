// The drill's data: the vectors it loads before a run, the vectors its insert
// workload writes, and the exact ground truth its searches are judged against.
//
// Base vectors lie around Gaussian centres in [0, 1]^dim (real embeddings cluster;
// uniform random vectors have no neighbourhoods, and every ANN index looks broken
// on them). Inserted vectors lie in [10, 11]^dim, so they are never among a base
// probe's 10 nearest neighbours under L2: the ground truth of every search is the
// brute-force top-k over the base set, exact whatever the insert workload does.
//
// Deterministic for a seed. Immutable after construction; thread-safe.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace mdrill::drill {

struct DatasetOptions {
  int dim = 128;
  int base_rows = 1000;
  int probes = 64;  // distinct search vectors (each a base vector plus noise)
  int topk = 10;
  uint64_t seed = 42;
};

class Dataset {
 public:
  explicit Dataset(const DatasetOptions& o);

  const DatasetOptions& options() const { return o_; }
  // base_rows * dim floats, row-major.
  const std::vector<float>& base() const { return base_; }
  const float* probe(int i) const { return &probes_[static_cast<size_t>(i) * o_.dim]; }
  // Row numbers (0-based, into base()) of probe i's exact top-k, nearest first.
  const std::vector<int>& truth(int i) const { return truth_[i]; }
  // `rows` vectors for an insert, from a generator the caller owns.
  std::vector<float> InsertBatch(int rows, std::mt19937_64* rng) const;

 private:
  DatasetOptions o_;
  std::vector<float> base_, probes_;
  std::vector<std::vector<int>> truth_;
};

// Recall@k of `got` (primary keys returned) against `truth` (base row numbers)
// given the primary key of each base row.
double RecallAtK(const std::vector<int64_t>& got, const std::vector<int>& truth, const std::vector<int64_t>& base_pks);

}  // namespace mdrill::drill
