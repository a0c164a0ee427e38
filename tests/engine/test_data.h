// Small helpers for engine tests: schemas and random data.
#pragma once

#include <random>
#include <vector>

#include "engine/schema.h"

namespace mdrill::engine::testing {

inline CollectionSchema MakeSchema(int dim, bool auto_id = false) {
  CollectionSchema s;
  s.name = "t";
  FieldSchema pk;
  pk.name = "id";
  pk.type = DataType::kInt64;
  pk.is_primary = true;
  pk.auto_id = auto_id;
  FieldSchema vec;
  vec.name = "vec";
  vec.type = DataType::kFloatVector;
  vec.dim = dim;
  FieldSchema age;
  age.name = "age";
  age.type = DataType::kInt32;
  FieldSchema score;
  score.name = "score";
  score.type = DataType::kDouble;
  FieldSchema tag;
  tag.name = "tag";
  tag.type = DataType::kVarChar;
  tag.max_length = 64;
  FieldSchema flag;
  flag.name = "flag";
  flag.type = DataType::kBool;
  s.fields = {pk, vec, age, score, tag, flag};
  Status st = ValidateAndAssignIds(&s);
  (void)st;
  return s;
}

inline std::vector<float> RandomVectors(size_t n, int dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> v(n * static_cast<size_t>(dim));
  for (auto& x : v) x = u(rng);
  return v;
}

// Vectors around `clusters` random centres (Gaussian, sigma 0.05 per coordinate):
// data with neighbourhood structure, as embeddings have. Uniform random vectors in
// 128 dimensions have almost none (every distance is nearly the same), which makes
// any approximate index look bad and says nothing about real workloads.
inline std::vector<float> ClusteredVectors(size_t n, int dim, uint32_t seed, int clusters = 100) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::normal_distribution<float> g(0.0f, 0.05f);
  std::vector<float> centres(static_cast<size_t>(clusters) * dim);
  std::mt19937 crng(1234);  // same centres for data and queries
  for (auto& x : centres) x = std::uniform_real_distribution<float>(0.0f, 1.0f)(crng);
  std::vector<float> v(n * static_cast<size_t>(dim));
  for (size_t i = 0; i < n; ++i) {
    size_t c = rng() % static_cast<size_t>(clusters);
    for (int j = 0; j < dim; ++j) v[i * dim + j] = centres[c * dim + j] + g(rng);
  }
  (void)u;
  return v;
}

// Rows with id = first_id + i, age = i % 100, score = i / 10.0, tag = "t<i%3>",
// flag = i even.
inline Batch MakeBatch(const CollectionSchema& s, size_t n, int64_t first_id,
                       const std::vector<float>& vecs) {
  Batch b = EmptyBatch(s);
  b.rows = n;
  for (size_t i = 0; i < n; ++i) {
    b.columns[0].ints.push_back(first_id + static_cast<int64_t>(i));
    b.columns[2].ints.push_back(static_cast<int64_t>(i % 100));
    b.columns[3].reals.push_back(static_cast<double>(i) / 10.0);
    b.columns[4].strs.push_back("t" + std::to_string(i % 3));
    b.columns[5].ints.push_back(i % 2 == 0 ? 1 : 0);
  }
  b.columns[1].vecs = vecs;
  return b;
}

}  // namespace mdrill::engine::testing
