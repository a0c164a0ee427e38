// Shared steps for tests that drive a server through the project's client.
#pragma once

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "milvus/client.h"

namespace mdrill::testing {

inline constexpr milvus::Deadline kCall{10000};

inline std::vector<float> Vectors(size_t n, int dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0, 1);
  std::vector<float> v(n * static_cast<size_t>(dim));
  for (auto& x : v) x = u(rng);
  return v;
}

inline void Connect(milvus::MilvusClient* c, const std::string& address) {
  milvus::ConnectOptions o;
  o.address = address;
  Status s = c->Connect(o, kCall);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_NE(c->identifier(), 0);
}

// Creates `name` (autoID Int64 pk "id", "embedding" of `dim`), inserts `rows`
// vectors, builds IVF_FLAT L2 nlist 128 and loads it; returns the inserted ids.
inline std::vector<int64_t> SeedCollection(milvus::MilvusClient* c, const std::string& name, int dim, size_t rows,
                                           std::vector<float>* vecs_out = nullptr) {
  milvus::CollectionSpec spec;
  spec.name = name;
  spec.dim = dim;
  Status s = c->CreateCollection(spec, kCall);
  EXPECT_TRUE(s.ok()) << s.ToString();
  auto vecs = Vectors(rows, dim, 5);
  auto ins = c->Insert(name, {milvus::FloatVectorColumn("embedding", dim, vecs)}, static_cast<uint32_t>(rows), kCall);
  EXPECT_TRUE(ins.ok()) << ins.status().ToString();
  EXPECT_TRUE((s = c->CreateIndex(name, "embedding", {}, kCall)).ok()) << s.ToString();
  EXPECT_TRUE((s = c->WaitIndex(name, milvus::Deadline(60000))).ok()) << s.ToString();
  EXPECT_TRUE((s = c->LoadAndWait(name, 1, milvus::Deadline(60000))).ok()) << s.ToString();
  if (vecs_out) *vecs_out = vecs;
  return ins.ok() ? ins->int_ids : std::vector<int64_t>{};
}

inline milvus::SearchParams OwnVector(const std::string& name, const std::vector<float>& vecs, size_t row, int dim) {
  milvus::SearchParams p;
  p.collection = name;
  p.dim = dim;
  p.vectors.assign(vecs.begin() + row * dim, vecs.begin() + (row + 1) * dim);
  p.topk = 10;
  p.anns_field = "embedding";
  p.metric_type = "L2";
  p.params_json = "{\"nprobe\":16}";
  return p;
}

}  // namespace mdrill::testing
