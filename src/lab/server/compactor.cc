#include "lab/server/compactor.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "lab.pb.h"
#include "util/hybrid_ts.h"

namespace mdrill::lab {

namespace rec = ::milvusdrill::lab;

Status Catalog::CompactOnce(CompactionReport* report) {
  *report = CompactionReport{};
  const CompactionOptions& o = options_.compaction;
  const size_t max_rows = options_.collection.segment_max_rows;
  const size_t small_rows =
      std::max<size_t>(2, static_cast<size_t>(o.small_proportion * static_cast<double>(max_rows)));
  for (const auto& view : List()) {
    // One collection at a time under the write lock: the decision sees exactly the
    // state the record will be applied to, and inserts wait only for this one.
    std::lock_guard<std::mutex> w(write_mu_);
    if (!FindId(view.id)) continue;  // dropped meanwhile
    engine::Collection& c = *view.data;
    const uint64_t now = ComposeTs(NowMs(), 0);
    if (c.GrowingExpired(now, static_cast<uint64_t>(o.max_idle.count()), static_cast<uint64_t>(o.max_life.count()))) {
      rec::WalRecord r;
      r.mutable_flush()->set_collection_id(view.id);
      if (Status s = Commit(&r); !s.ok()) return s;
      ++report->sealed;
    }
    std::vector<int64_t> ids = c.CompactionCandidates(small_rows, max_rows);
    if (ids.empty()) continue;
    const std::set<int64_t> wanted(ids.begin(), ids.end());
    int64_t rows = 0;
    for (const auto& seg : c.Segments())
      if (wanted.count(seg.id)) rows += seg.rows;
    rec::WalRecord r;
    auto* k = r.mutable_compact();
    k->set_collection_id(view.id);
    for (int64_t id : ids) k->add_segment_ids(id);
    k->set_new_segment_id(c.next_segment_id());
    if (Status s = Commit(&r); !s.ok()) return s;
    ++report->merges;
    report->merged_segments += static_cast<int64_t>(ids.size());
    report->merged_rows += rows;
    std::printf("compaction: collection %s: %zu sealed segments (%lld rows) merged into segment %lld\n",
                view.name.c_str(), ids.size(), static_cast<long long>(rows),
                static_cast<long long>(k->new_segment_id()));
    std::fflush(stdout);
  }
  return Status::OK();
}

Compactor::Compactor(Catalog* catalog, std::chrono::milliseconds interval, std::function<bool()> may_write)
    : catalog_(catalog), interval_(interval), may_write_(std::move(may_write)) {}

Compactor::~Compactor() { Stop(); }

void Compactor::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Compactor::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Compactor::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    if (may_write_()) {
      CompactionReport report;
      Status s = catalog_->CompactOnce(&report);
      // A failed append (a lost lease, a full disk) is retried at the next pass.
      if (!s.ok()) std::fprintf(stderr, "compaction: %s\n", s.ToString().c_str());
    }
    lock.lock();
  }
}

}  // namespace mdrill::lab
