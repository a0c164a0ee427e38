// The DDL churn: side collections "<test collection>_ddl_<k>", k = 1, 2, ..., each
// taken through its life one step per operation, one step at a time:
//
//   ddl_create   CreateCollection (id INT64 auto_id, embedding FLOAT_VECTOR(8))
//   ddl_has      HasCollection: did the create land? (op->value 1 or 0)
//   ddl_index    CreateIndex FLAT (retried as is: the same index again is accepted)
//   ddl_load     LoadCollection with the run's replicas, waited for within the deadline
//   ddl_count    count(*) Strong on the loaded collection
//   ddl_release  ReleaseCollection
//   ddl_drop     DropCollection
//   ddl_has      is it gone? (op->value 1 or 0); then the next k
//
// op->ids = {k}. A step that failed is tried again (a create or a drop whose outcome
// is unknown is followed by ddl_has, which decides), so a fault costs time, never
// a wrong next step. At the end "ddl_final" lists the k of every side collection
// that exists (op->ids); the drill then drops them. The DDL check
// (drill/check/ddl_check.cc) judges the history alone. Thread-safe: steps run
// one at a time.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "drill/history/history.h"
#include "milvus/client.h"

namespace mdrill::drill {

class RunClock;  // drill/run/workload.h

inline constexpr const char* kKindDdl = "ddl";  // the pool's kind; each op is named by its step

inline std::string DdlCollectionPrefix(const std::string& test_collection) { return test_collection + "_ddl_"; }

class DdlChurn {
 public:
  DdlChurn(std::string prefix, int replicas) : prefix_(std::move(prefix)), replicas_(replicas) {}
  // The next step of the current collection; fills op->kind, op->ids, op->value.
  Status Step(milvus::MilvusClient* c, milvus::Deadline deadline, Op* op);

 private:
  Status Run(milvus::MilvusClient* c, const std::string& name, milvus::Deadline deadline, Op* op);

  const std::string prefix_;
  const int replicas_;
  std::mutex mu_;
  int64_t k_ = 1;
  int step_ = 0;
};

// Refuses to start when a collection with `prefix` and a number exists already (it
// is not ours: the drill drops what it finds there at the end).
Status CheckNoDdlCollections(milvus::MilvusClient* c, const std::string& prefix);

// "ddl_final": which side collections exist at the end (ListCollections, retried
// until `timeout_s`), then each of them dropped.
Result<Op> DdlFinalReadAndDrop(const milvus::ConnectOptions& connect, const std::string& prefix, double timeout_s,
                               const RunClock& clock);

}  // namespace mdrill::drill
