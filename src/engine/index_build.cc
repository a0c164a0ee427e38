// Index builds of a Collection: progress, and one pending segment's index at a time,
// built here or loaded from the index store when another copy built it.
#include <algorithm>
#include <cstdio>
#include <mutex>

#include "engine/collection.h"

namespace mdrill::engine {

IndexProgress Collection::GetIndexProgress() const {
  std::shared_lock lock(mu_);
  IndexProgress p;
  for (const auto& seg : segments_) {
    auto rows = static_cast<int64_t>(seg->rows());
    p.total_rows += rows;
    bool needs = seg->sealed && seg->rows() >= options_.min_rows_to_index;
    if (needs && !Indexed(*seg))
      p.pending_rows += rows;
    else
      p.indexed_rows += rows;
  }
  p.failed = !index_error_.empty();
  p.fail_reason = index_error_;
  return p;
}
IndexSpec Collection::SpecFor(const Segment& seg, IndexSpec spec) {
  if (spec.type == IndexType::kIvfFlat && seg.rows() < static_cast<size_t>(spec.nlist))
    spec.type = IndexType::kFlat;  // too few rows to train nlist clusters
  return spec;
}

std::string Collection::IndexKey(const Segment& seg, const IndexSpec& spec) const {
  // FNV-1a over what makes two indexes of the segment's rows interchangeable.
  uint64_t h = 1469598103934665603ull;
  const std::string what = spec.type_name + "|" + MetricName(spec.metric) + "|" + spec.params_json + "|" +
                           std::to_string(static_cast<int>(spec.type)) + "|" + std::to_string(seg.rows()) + "|" +
                           std::to_string(schema_.fields[static_cast<size_t>(vec_)].dim);
  for (unsigned char c : what) h = (h ^ c) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return std::to_string(id_) + "/" + std::to_string(seg.id) + "-" + hex;
}

bool Collection::BuildPendingIndex() {
  std::vector<std::shared_ptr<Segment>> pending;
  IndexSpec spec;
  {
    std::shared_lock lock(mu_);
    if (!index_ || !index_error_.empty() || options_.metadata_only) return false;
    for (const auto& seg : segments_)
      if (seg->sealed && !seg->index && seg->rows() >= options_.min_rows_to_index) pending.push_back(seg);
    if (pending.empty()) return false;
    spec = *index_;
  }
  IndexStore* store = options_.index_store.get();
  for (const auto& target : pending) {
    const IndexSpec effective = SpecFor(*target, spec);
    const Column& vec = target->columns[static_cast<size_t>(vec_)];
    const int dim = vec.dim;
    const std::string key = store != nullptr ? IndexKey(*target, effective) : "";
    std::unique_ptr<VectorIndex> built = store != nullptr ? store->Load(key, effective, target->rows(), dim) : nullptr;
    Status s;
    if (!built) {
      if (store != nullptr && !store->Claim(key)) continue;  // another copy builds it: look again later
      std::vector<float> normalized;
      const float* data = vec.vecs.data();
      if (spec.metric == Metric::kCosine) {
        normalized = vec.vecs;
        for (size_t r = 0; r < target->rows(); ++r) Normalize(normalized.data() + r * dim, dim);
        data = normalized.data();
      }
      s = VectorIndex::Build(effective, data, target->rows(), dim, &built);
      if (store != nullptr) {
        if (s.ok())
          store->Store(key, *built);
        else
          store->Release(key);
      }
    }
    std::unique_lock lock(mu_);
    if (store != nullptr && s.ok() &&
        std::none_of(segments_.begin(), segments_.end(), [&](const auto& seg) { return seg == target; })) {
      lock.unlock();  // merged away while building: the index just stored will not be asked for
      store->ForgetSegment(id_, target->id);
      return true;
    }
    if (!index_ || index_->params_json != spec.params_json || index_->type_name != spec.type_name ||
        index_->metric != spec.metric) {
      lock.unlock();  // the index changed while building: discard, and what was stored
      if (store != nullptr && s.ok()) store->ForgetIndex(key);
      return true;
    }
    if (!s.ok()) {
      index_error_ = s.reason();
      return true;
    }
    target->index = std::move(built);
    return true;
  }
  return false;
}

}  // namespace mdrill::engine
