#include "drill/run/ddl.h"

#include <optional>
#include <thread>

#include "drill/run/workload.h"

namespace mdrill::drill {

namespace dm = ::mdrill::milvus;

namespace {

constexpr int kDdlDim = 8;
enum StepIndex { kCreate, kHasCreated, kIndex, kLoad, kCount, kRelease, kDrop, kHasDropped };
constexpr const char* kStepKinds[] = {"ddl_create", "ddl_has",     "ddl_index", "ddl_load",
                                      "ddl_count",  "ddl_release", "ddl_drop",  "ddl_has"};

}  // namespace

Status DdlChurn::Step(dm::MilvusClient* c, dm::Deadline deadline, Op* op) {
  std::lock_guard<std::mutex> lock(mu_);
  op->kind = kStepKinds[step_];
  op->ids = {k_};
  const int step = step_;
  Status s = Run(c, prefix_ + std::to_string(k_), deadline, op);
  // The collection is not there in the middle of its life: ddl_has says what next
  // (the check judges whether it should have been).
  if (s.code() == code::kCollectionNotFound && step >= kIndex && step <= kRelease) step_ = kHasCreated;
  return s;
}

Status DdlChurn::Run(dm::MilvusClient* c, const std::string& name, dm::Deadline deadline, Op* op) {
  switch (step_) {
    case kCreate: {
      dm::CollectionSpec spec;
      spec.name = name;
      spec.dim = kDdlDim;
      spec.description = "milvus-drill DDL churn (dropped after the run)";
      Status s = c->CreateCollection(spec, deadline);
      step_ = kHasCreated;  // whatever the outcome: ddl_has decides
      return s;
    }
    case kHasCreated:
    case kHasDropped: {
      auto has = c->HasCollection(name, deadline);
      if (!has.ok()) return has.status();
      op->value = has.value() ? 1 : 0;
      if (step_ == kHasCreated) {
        step_ = has.value() ? kIndex : kCreate;
      } else if (has.value()) {
        step_ = kDrop;
      } else {
        ++k_;
        step_ = kCreate;
      }
      return Status::OK();
    }
    case kIndex: {
      dm::IndexParams ip;
      ip.index_type = "FLAT";
      ip.params_json = "{}";
      Status s = c->CreateIndex(name, "embedding", ip, deadline);
      if (s.ok()) step_ = kLoad;
      return s;
    }
    case kLoad: {
      Status s = c->LoadAndWait(name, replicas_, deadline);
      if (s.ok()) step_ = kCount;
      return s;
    }
    case kCount: {
      auto n = c->Count(name, "", dm::pb::Strong, deadline);
      if (n.ok()) op->value = n.value();
      step_ = kRelease;  // a probe of the loaded collection: not retried
      return n.status();
    }
    case kRelease: {
      Status s = c->Release(name, deadline);
      if (s.ok()) step_ = kDrop;
      return s;
    }
    default: {
      Status s = c->DropCollection(name, deadline);
      step_ = kHasDropped;  // whatever the outcome: ddl_has decides
      return s;
    }
  }
}

namespace {

// k when `name` is `prefix` followed by digits only.
std::optional<int64_t> DdlNumber(const std::string& name, const std::string& prefix) {
  if (name.size() <= prefix.size() || name.size() > prefix.size() + 18 || name.rfind(prefix, 0) != 0)
    return std::nullopt;
  int64_t k = 0;
  for (size_t i = prefix.size(); i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
    k = k * 10 + (name[i] - '0');
  }
  return k;
}

}  // namespace

Status CheckNoDdlCollections(dm::MilvusClient* c, const std::string& prefix) {
  auto names = c->ListCollections(dm::Deadline(30000));
  if (!names.ok()) return names.status();
  for (const auto& n : names.value())
    if (DdlNumber(n, prefix))
      return Status::InvalidArgument("collection '" + n + "' exists already; the DDL churn drops every '" + prefix +
                                     "<number>' it finds at the end, so it will not start beside one (drop it "
                                     "yourself)");
  return Status::OK();
}

Result<Op> DdlFinalReadAndDrop(const dm::ConnectOptions& connect, const std::string& prefix, double timeout_s,
                               const RunClock& clock) {
  Op op;
  op.kind = "ddl_final";
  op.start_us = op.intended_us = clock.NowUs();
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  Status last = Status::Internal("not tried");
  dm::MilvusClient c;
  while (std::chrono::steady_clock::now() < until) {
    last = c.Connect(connect, dm::Deadline(5000));
    auto names = last.ok() ? c.ListCollections(dm::Deadline(10000)) : Result<std::vector<std::string>>(last);
    if (names.ok()) {
      for (const auto& n : names.value()) {
        auto k = DdlNumber(n, prefix);
        if (!k) continue;  // not one of ours
        op.ids.push_back(*k);
        (void)c.DropCollection(n, dm::Deadline(30000));
      }
      op.end_us = clock.NowUs();
      op.value = static_cast<int64_t>(op.ids.size());
      return op;
    }
    last = names.status();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return last;
}

}  // namespace mdrill::drill
