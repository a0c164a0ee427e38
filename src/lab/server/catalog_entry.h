// One collection's entry in the Catalog (catalog.cc and catalog_apply.cc): its
// metadata, guarded by Catalog::mu_, and its data.
#pragma once

#include <memory>
#include <string>

#include "lab/server/catalog.h"

namespace mdrill::lab {

struct Catalog::Entry {
  int64_t id = 0;
  uint64_t created_ts = 0;
  int shards = 1;
  int consistency = 2;
  bool loaded = false;
  int replicas = 0;
  std::string index_name;
  std::string index_field;
  std::shared_ptr<engine::Collection> data;
};

}  // namespace mdrill::lab
