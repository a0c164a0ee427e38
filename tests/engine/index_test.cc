#include "engine/index.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <set>

#include "engine/test_data.h"

namespace mdrill::engine {
namespace {

using testing::RandomVectors;

IndexSpec Spec(const std::string& type, const std::string& metric, const std::string& params) {
  IndexSpec s;
  Status st = ParseIndexSpec({{"index_type", type}, {"metric_type", metric}, {"params", params}}, &s);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return s;
}

std::vector<float> NormalizedCopy(std::vector<float> v, int dim) {
  for (size_t i = 0; i < v.size() / dim; ++i) Normalize(v.data() + i * dim, dim);
  return v;
}

std::vector<float> Norms(const std::vector<float>& v, int dim) {
  std::vector<float> n(v.size() / dim);
  for (size_t i = 0; i < n.size(); ++i) {
    double s = 0;
    for (int j = 0; j < dim; ++j) s += double(v[i * dim + j]) * v[i * dim + j];
    n[i] = static_cast<float>(std::sqrt(s));
  }
  return n;
}

// Average overlap of the index's top-k with the exact top-k.
double Recall(const IndexSpec& spec, const SearchKnobs& knobs, size_t n, int dim, size_t nq, int k) {
  auto data = testing::ClusteredVectors(n, dim, 7);
  auto queries = testing::ClusteredVectors(nq, dim, 8);
  bool cos = spec.metric == Metric::kCosine;
  auto build = cos ? NormalizedCopy(data, dim) : data;
  auto q = cos ? NormalizedCopy(queries, dim) : queries;
  std::unique_ptr<VectorIndex> index;
  Status st = VectorIndex::Build(spec, build.data(), n, dim, &index);
  EXPECT_TRUE(st.ok()) << st.ToString();
  std::vector<float> s1(nq * k), s2(nq * k);
  std::vector<int64_t> l1(nq * k), l2(nq * k);
  index->Search(q.data(), nq, k, knobs, nullptr, s1.data(), l1.data());
  auto norms = Norms(data, dim);
  BruteForceSearch(spec.metric, data.data(), norms.data(), n, dim, q.data(), nq, k, nullptr, s2.data(), l2.data());
  size_t hit = 0;
  for (size_t i = 0; i < nq; ++i) {
    std::set<int64_t> truth(l2.begin() + i * k, l2.begin() + (i + 1) * k);
    for (int j = 0; j < k; ++j) hit += truth.count(l1[i * k + j]);
  }
  return double(hit) / double(nq * k);
}

TEST(Index, FlatIsExactForEveryMetric) {
  for (const char* metric : {"L2", "IP", "COSINE"}) {
    IndexSpec spec = Spec("FLAT", metric, "{}");
    SearchKnobs knobs;
    knobs.metric = spec.metric;
    EXPECT_DOUBLE_EQ(Recall(spec, knobs, 2000, 32, 20, 10), 1.0) << metric;
  }
}

TEST(Index, IvfFlatRecallAtNprobe16) {
  for (const char* metric : {"L2", "IP", "COSINE"}) {
    IndexSpec spec = Spec("IVF_FLAT", metric, "{\"nlist\": 128}");
    SearchKnobs knobs;
    knobs.metric = spec.metric;
    knobs.nprobe = 16;
    double r = Recall(spec, knobs, 10000, 128, 50, 10);
    EXPECT_GE(r, 0.95) << metric;
    std::printf("IVF_FLAT %s nprobe 16 recall@10 = %.3f\n", metric, r);
  }
}

TEST(Index, HnswRecallAtEf64) {
  // FAISS inserts into the graph on every OpenMP thread, and the graph then
  // depends on their interleaving: on two cores IP's recall here ranged from 0.94
  // to 0.96 run to run. One thread builds the same graph every time (IP 0.980).
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  for (const char* metric : {"L2", "IP", "COSINE"}) {
    // M 16 gives IP only 0.92 on this data (graph indexes are weaker under inner
    // product); M 32 reaches 0.96.
    IndexSpec spec = Spec("HNSW", metric, "{\"M\": 32, \"efConstruction\": 200}");
    SearchKnobs knobs;
    knobs.metric = spec.metric;
    knobs.ef = 64;
    double r = Recall(spec, knobs, 10000, 128, 50, 10);
    EXPECT_GE(r, 0.95) << metric;
    std::printf("HNSW %s ef 64 recall@10 = %.3f\n", metric, r);
  }
  omp_set_num_threads(threads);
}

TEST(Index, ScoreConventions) {
  // Two 2-d points: L2 is the squared distance; IP and COSINE are similarities.
  std::vector<float> data = {3, 4, 1, 0};
  std::vector<float> q = {0, 0};
  float s[2];
  int64_t l[2];
  auto norms = Norms(data, 2);
  BruteForceSearch(Metric::kL2, data.data(), norms.data(), 2, 2, q.data(), 1, 2, nullptr, s, l);
  EXPECT_EQ(l[0], 1);
  EXPECT_FLOAT_EQ(s[0], 1.0f);
  EXPECT_FLOAT_EQ(s[1], 25.0f);
  std::vector<float> q2 = {1, 0};
  BruteForceSearch(Metric::kIP, data.data(), norms.data(), 2, 2, q2.data(), 1, 2, nullptr, s, l);
  EXPECT_EQ(l[0], 0);
  EXPECT_FLOAT_EQ(s[0], 3.0f);
  BruteForceSearch(Metric::kCosine, data.data(), norms.data(), 2, 2, q2.data(), 1, 2, nullptr, s, l);
  EXPECT_EQ(l[0], 1);
  EXPECT_FLOAT_EQ(s[0], 1.0f);
  EXPECT_FLOAT_EQ(s[1], 0.6f);
}

TEST(Index, BitmapRestrictsResults) {
  auto data = RandomVectors(100, 8, 3);
  std::vector<uint8_t> bits(13, 0);
  bits[0] = 0x04;  // only row 2
  IndexSpec spec = Spec("FLAT", "L2", "{}");
  std::unique_ptr<VectorIndex> index;
  ASSERT_TRUE(VectorIndex::Build(spec, data.data(), 100, 8, &index).ok());
  float s[3];
  int64_t l[3];
  SearchKnobs knobs;
  index->Search(data.data(), 1, 3, knobs, bits.data(), s, l);
  EXPECT_EQ(l[0], 2);
  EXPECT_EQ(l[1], -1);
}

TEST(Index, BuildParametersAreValidated) {
  struct Case {
    std::map<std::string, std::string> kv;
    const char* needle;
  } cases[] = {
      {{{"index_type", "IVF_PQQ"}, {"metric_type", "L2"}}, "invalid index type"},
      {{{"index_type", "IVF_FLAT"}, {"metric_type", "HAMMING"}}, "invalid metric type"},
      {{{"index_type", "IVF_FLAT"}, {"metric_type", "L2"}, {"params", "{\"nlist\": 0}"}}, "nlist"},
      {{{"index_type", "IVF_FLAT"}, {"metric_type", "L2"}, {"params", "{\"nlist\": 70000}"}}, "nlist"},
      {{{"index_type", "HNSW"}, {"metric_type", "L2"}, {"params", "{\"M\": 1}"}}, "'M'"},
      {{{"index_type", "HNSW"}, {"metric_type", "L2"}, {"params", "not json"}}, "JSON object"},
  };
  for (const auto& c : cases) {
    IndexSpec spec;
    Status st = ParseIndexSpec(c.kv, &spec);
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.reason().find(c.needle), std::string::npos) << st.reason();
  }
  IndexSpec ok;
  ASSERT_TRUE(ParseIndexSpec({{"index_type", "ivf_flat"}, {"metric_type", "l2"}, {"nlist", "64"}}, &ok).ok());
  EXPECT_EQ(ok.nlist, 64);
  EXPECT_EQ(ok.type_name, "IVF_FLAT");
}

TEST(Index, SearchKnobsAreValidated) {
  IndexSpec ivf = Spec("IVF_FLAT", "L2", "{\"nlist\": 128}");
  SearchKnobs k;
  auto parse = [&](std::map<std::string, std::string> kv, const IndexSpec* idx = nullptr) {
    return ParseSearchKnobs(kv, idx, &k);
  };
  EXPECT_TRUE(parse({{"topk", "10"}, {"params", "{\"nprobe\": 16}"}}, &ivf).ok());
  EXPECT_EQ(k.nprobe, 16);
  EXPECT_EQ(k.metric, Metric::kL2);
  EXPECT_EQ(parse({{"topk", "0"}}, &ivf).error_code(), legacy::kIllegalTopK);
  EXPECT_EQ(parse({{"topk", "16385"}}, &ivf).error_code(), legacy::kIllegalTopK);
  EXPECT_FALSE(parse({{"topk", "10"}, {"nprobe", "0"}}, &ivf).ok());
  EXPECT_FALSE(parse({{"topk", "10"}, {"nprobe", "129"}}, &ivf).ok());
  EXPECT_FALSE(parse({{"topk", "10"}, {"metric_type", "IP"}}, &ivf).ok());
  EXPECT_TRUE(parse({{"topk", "10"}, {"ignore_growing", "TRUE"}}, &ivf).ok());
  EXPECT_TRUE(k.ignore_growing);
  EXPECT_TRUE(parse({{"topk", "10"}, {"ignore_growing", "false"}}, &ivf).ok());
  EXPECT_FALSE(k.ignore_growing);
  EXPECT_TRUE(parse({{"topk", "10"}}).IsIndexNotFound());
}

}  // namespace
}  // namespace mdrill::engine
