// The HA lab's users and passwords (lab/server/credentials.h) in etcd: one key per
// user, PREFIX/credential/users/<user>, its JSON record as the value and its mod
// revision as the record's version. The active coordinator writes them under its
// election fence (a deposed coordinator cannot); every proxy reads them to check
// its callers.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "etcd/client.h"
#include "lab/server/credentials.h"

namespace mdrill::lab {

// Writes only while `guard_key` is attached to the lease `guard_lease()` returns;
// with an empty guard_key, unfenced.
std::unique_ptr<CredentialStore> EtcdCredentialStore(etcd::EtcdClient* etcd, std::string prefix,
                                                     std::string guard_key = "",
                                                     std::function<int64_t()> guard_lease = nullptr);

}  // namespace mdrill::lab
