// The short end-to-end flow `milvus-drill demo` runs against an endpoint: create a
// collection, insert, index, load, search, query, drop; prints each step.
#pragma once

#include <string>

#include "milvus/client.h"

namespace mdrill::cli {

struct DemoOptions {
  milvus::ConnectOptions connect;
  std::string collection = "milvus_drill_demo";
  int rows = 1000;
  int dim = 128;
};

// Returns 0 when every step succeeded and every check held, 1 otherwise.
int RunDemo(const DemoOptions& options);

}  // namespace mdrill::cli
