// The runner's set-up and final read (runner.cc): the test collection created with
// its base data, indexed and loaded, and every acknowledged row read back at the end.
#pragma once

#include <vector>

#include "drill/run/dataset.h"
#include "drill/run/runner.h"
#include "drill/run/workload.h"
#include "milvus/client.h"

namespace mdrill::drill {

// Creates the test collection with the base data, indexed and loaded. Returns the
// base rows' primary keys. Refuses a collection that exists already: it is not ours.
Result<std::vector<int64_t>> PrepareCollection(milvus::MilvusClient* c, const TestPlan& plan, const RunOptions& o,
                                               const Dataset& data, bool* created);

// Every acknowledged row, read back with Strong consistency once the service
// answers again: the "final" op of the history.
Result<Op> FinalRead(const TestPlan& plan, const RunOptions& o, const std::vector<int64_t>& acked,
                     const RunClock& clock);

}  // namespace mdrill::drill
