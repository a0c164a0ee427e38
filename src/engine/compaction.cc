// Collection compaction: merging small sealed segments, and the policy helpers the
// owner of the log uses to decide when to merge or seal. Upstream's dataCoord does
// the same for flushed segments (mix compaction of small segments, dropping deleted
// rows) and seals growing segments by size, lifetime and idle time.
#include <algorithm>
#include <mutex>
#include <set>

#include "engine/collection.h"
#include "util/hybrid_ts.h"

namespace mdrill::engine {

Status Collection::Compact(const std::vector<int64_t>& segment_ids, int64_t new_segment_id) {
  std::unique_lock lock(mu_);
  if (segment_ids.empty()) return Status::InvalidArgument("compaction needs at least one segment");
  const std::set<int64_t> wanted(segment_ids.begin(), segment_ids.end());
  if (wanted.size() != segment_ids.size()) return Status::InvalidArgument("compaction lists a segment twice");
  // Ids only grow: the new segment's id being at least the next one guarantees it is
  // unused here, and equal on every replica since both come from the same log.
  if (new_segment_id < next_segment_id_)
    return Status::InvalidArgument("compaction target segment " + std::to_string(new_segment_id) +
                                   " is not above the segments in use (next id " + std::to_string(next_segment_id_) +
                                   ")");
  std::vector<size_t> positions;
  for (size_t i = 0; i < segments_.size(); ++i) {
    if (!wanted.count(segments_[i]->id)) continue;
    if (!segments_[i]->sealed)
      return Status::InvalidArgument("segment " + std::to_string(segments_[i]->id) +
                                     " is growing: only sealed segments are compacted");
    positions.push_back(i);
  }
  if (positions.size() != wanted.size())
    return Status::InvalidArgument("compaction lists a segment this collection does not have");

  // Rows are copied in collection order (not the order of `segment_ids`) so the
  // result depends on the state alone. The old segments are left untouched: an index
  // build or a search that still holds one keeps reading consistent data.
  auto merged = std::make_shared<Segment>();
  merged->id = new_segment_id;
  merged->sealed = true;
  size_t total = 0;
  for (size_t p : positions) total += segments_[p]->rows();
  for (const auto& f : schema_.fields) {
    Column c;
    c.type = f.type;
    c.dim = f.dim;
    c.Reserve(total);
    merged->columns.push_back(std::move(c));
  }
  merged->ts.reserve(total);
  for (size_t p : positions) {
    const Segment& seg = *segments_[p];
    for (size_t r = 0; r < seg.rows(); ++r) {
      if (!IsLive(seg, r)) continue;
      for (size_t f = 0; f < seg.columns.size(); ++f)
        if (Kept(f)) merged->columns[f].AppendRow(seg.columns[f], r);
      merged->ts.push_back(seg.ts[r]);
    }
  }

  std::vector<std::shared_ptr<Segment>> next;
  next.reserve(segments_.size() - positions.size() + 1);
  size_t k = 0;
  for (size_t i = 0; i < segments_.size(); ++i) {
    if (k < positions.size() && positions[k] == i) {
      if (k == 0 && merged->rows() > 0) next.push_back(merged);
      ++k;
      continue;
    }
    next.push_back(std::move(segments_[i]));
  }
  segments_ = std::move(next);
  next_segment_id_ = new_segment_id + 1;
  // Dropped rows were hidden already, so live_rows_ does not change; the key index
  // holds segment positions, which moved.
  RebuildKeyIndex();
  lock.unlock();
  if (options_.index_store)
    for (int64_t id : segment_ids) options_.index_store->ForgetSegment(id_, id);
  return Status::OK();
}

void Collection::RebuildKeyIndex() {
  int_keys_.clear();
  str_keys_.clear();
  for (size_t s = 0; s < segments_.size(); ++s)
    for (size_t r = 0; r < segments_[s]->rows(); ++r) IndexPk(s, r);
}

std::vector<int64_t> Collection::CompactionCandidates(size_t small_rows, size_t max_rows) const {
  std::shared_lock lock(mu_);
  const bool will_index = index_.has_value() && index_error_.empty();
  auto pick = [&](bool indexed, size_t at_least) {
    std::vector<int64_t> ids;
    size_t total = 0;
    for (const auto& seg : segments_) {
      if (!seg->sealed || seg->rows() == 0 || seg->rows() >= small_rows) continue;
      if (Indexed(*seg) != indexed) continue;
      if (!indexed && will_index && seg->rows() >= options_.min_rows_to_index) continue;  // being indexed
      if (total + seg->rows() > max_rows) continue;
      total += seg->rows();
      ids.push_back(seg->id);
    }
    if (ids.size() < at_least) ids.clear();
    return ids;
  };
  std::vector<int64_t> ids = pick(false, 2);
  return ids.empty() ? pick(true, std::max<size_t>(2, options_.indexed_segments_to_merge)) : ids;
}

bool Collection::GrowingExpired(uint64_t now_ts, uint64_t max_idle_ms, uint64_t max_life_ms) const {
  std::shared_lock lock(mu_);
  const Segment& g = *segments_.back();
  if (g.sealed || g.rows() == 0) return false;
  const uint64_t now = PhysicalMs(now_ts);
  auto since = [now](uint64_t ts) { return now > PhysicalMs(ts) ? now - PhysicalMs(ts) : 0; };
  return since(g.ts.back()) >= max_idle_ms || since(g.ts.front()) >= max_life_ms;
}

int64_t Collection::next_segment_id() const {
  std::shared_lock lock(mu_);
  return next_segment_id_;
}

}  // namespace mdrill::engine
