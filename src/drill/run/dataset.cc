#include "drill/run/dataset.h"

#include <algorithm>
#include <unordered_set>

namespace mdrill::drill {

Dataset::Dataset(const DatasetOptions& o) : o_(o) {
  std::mt19937_64 rng(o.seed);
  std::uniform_real_distribution<float> u(0, 1);
  std::normal_distribution<float> noise(0, 0.05f);
  const int centres = std::max(1, o.base_rows / 50);
  std::vector<float> centre(static_cast<size_t>(centres) * o.dim);
  for (auto& x : centre) x = u(rng);
  base_.resize(static_cast<size_t>(o.base_rows) * o.dim);
  for (int r = 0; r < o.base_rows; ++r) {
    const float* c = &centre[static_cast<size_t>(r % centres) * o.dim];
    for (int d = 0; d < o.dim; ++d) base_[static_cast<size_t>(r) * o.dim + d] = c[d] + noise(rng);
  }
  probes_.resize(static_cast<size_t>(o.probes) * o.dim);
  std::uniform_int_distribution<int> pick(0, o.base_rows - 1);
  for (int p = 0; p < o.probes; ++p) {
    int r = pick(rng);
    for (int d = 0; d < o.dim; ++d)
      probes_[static_cast<size_t>(p) * o.dim + d] = base_[static_cast<size_t>(r) * o.dim + d] + noise(rng) * 0.5f;
  }
  truth_.resize(o.probes);
  for (int p = 0; p < o.probes; ++p) {
    std::vector<std::pair<float, int>> dist(o.base_rows);
    for (int r = 0; r < o.base_rows; ++r) {
      float s = 0;
      for (int d = 0; d < o.dim; ++d) {
        float diff = probes_[static_cast<size_t>(p) * o.dim + d] - base_[static_cast<size_t>(r) * o.dim + d];
        s += diff * diff;
      }
      dist[r] = {s, r};
    }
    int k = std::min(o.topk, o.base_rows);
    std::partial_sort(dist.begin(), dist.begin() + k, dist.end());
    for (int i = 0; i < k; ++i) truth_[p].push_back(dist[i].second);
  }
}

std::vector<float> Dataset::InsertBatch(int rows, std::mt19937_64* rng) const {
  std::uniform_real_distribution<float> u(10, 11);
  std::vector<float> out(static_cast<size_t>(rows) * o_.dim);
  for (auto& x : out) x = u(*rng);
  return out;
}

double RecallAtK(const std::vector<int64_t>& got, const std::vector<int>& truth, const std::vector<int64_t>& base_pks) {
  if (truth.empty()) return 1.0;
  std::unordered_set<int64_t> want;
  for (int r : truth) want.insert(base_pks[r]);
  int hit = 0;
  for (size_t i = 0; i < got.size() && i < truth.size(); ++i) hit += want.erase(got[i]) > 0;  // each id counts once
  return static_cast<double>(hit) / static_cast<double>(truth.size());
}

}  // namespace mdrill::drill
