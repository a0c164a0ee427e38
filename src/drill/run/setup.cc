#include "drill/run/setup.h"

#include <algorithm>
#include <cmath>
#include <thread>

namespace mdrill::drill {

namespace dm = mdrill::milvus;
using Clock = std::chrono::steady_clock;

Result<std::vector<int64_t>> PrepareCollection(dm::MilvusClient* c, const TestPlan& plan, const RunOptions& o,
                                               const Dataset& data, bool* created) {
  const dm::Deadline call(30000);
  auto has = c->HasCollection(plan.collection, call);
  if (!has.ok()) return has.status();
  if (has.value())
    return Status::InvalidArgument("collection '" + plan.collection +
                                   "' already exists and this run did not create it; the drill never drops a "
                                   "collection it did not create (drop it yourself, or use another scenario name)");
  dm::CollectionSpec spec;
  spec.name = plan.collection;
  spec.dim = data.options().dim;
  spec.description = "milvus-drill test collection (dropped after the run)";
  if (Status s = c->CreateCollection(spec, call); !s.ok()) return s;
  *created = true;
  std::vector<int64_t> pks;
  const int batch = 1000, dim = data.options().dim;
  for (int row = 0; row < data.options().base_rows; row += batch) {
    int n = std::min(batch, data.options().base_rows - row);
    std::vector<float> v(data.base().begin() + static_cast<size_t>(row) * dim,
                         data.base().begin() + static_cast<size_t>(row + n) * dim);
    auto r = c->Insert(plan.collection, {dm::FloatVectorColumn("embedding", dim, v)}, n, call);
    if (!r.ok()) return r.status();
    pks.insert(pks.end(), r->int_ids.begin(), r->int_ids.end());
  }
  dm::IndexParams ip;
  ip.index_type = o.index_type;
  ip.metric_type = o.metric_type;
  ip.params_json = o.index_params;
  if (Status s = c->CreateIndex(plan.collection, "embedding", ip, call); !s.ok()) return s;
  if (Status s = c->WaitIndex(plan.collection, dm::Deadline(120000)); !s.ok()) return s;
  if (Status s = c->LoadAndWait(plan.collection, o.replicas, dm::Deadline(120000)); !s.ok()) return s;
  return pks;
}

Result<Op> FinalRead(const TestPlan& plan, const RunOptions& o, const std::vector<int64_t>& acked,
                     const RunClock& clock) {
  auto until = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(o.final_read_timeout_s * 1000));
  Status last = Status::Internal("not tried");
  while (Clock::now() < until) {
    dm::MilvusClient c;
    Op op;
    op.kind = kKindFinal;
    op.intended_us = op.start_us = clock.NowUs();
    last = c.Connect(o.connect, dm::Deadline(5000));
    auto count = last.ok() ? c.Count(plan.collection, "", dm::pb::Strong, dm::Deadline(10000)) : Result<int64_t>(last);
    if (count.ok()) {
      op.value = count.value();
      bool complete = true;
      for (size_t i = 0; i < acked.size() && complete; i += 500) {
        std::string expr = "id in [";
        for (size_t j = i; j < std::min(acked.size(), i + 500); ++j)
          expr += (j > i ? "," : "") + std::to_string(acked[j]);
        auto r = c.Query(plan.collection, expr + "]", {"id"}, 16384, dm::pb::Strong, dm::Deadline(10000));
        if (!r.ok()) {
          last = r.status();
          complete = false;
          break;
        }
        for (const auto& f : r->fields_data())
          if (f.field_name() == "id")
            op.ids.insert(op.ids.end(), f.scalars().long_data().data().begin(), f.scalars().long_data().data().end());
      }
      if (complete) {
        op.end_us = clock.NowUs();
        return op;
      }
    } else {
      last = count.status();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return Status::Internal("the final read did not succeed within " +
                          std::to_string(static_cast<int64_t>(std::lround(o.final_read_timeout_s))) +
                          " s: " + last.ToString());
}

}  // namespace mdrill::drill
