#include "lab/ha/etcd_credentials.h"

#include "etcd/keys.h"

namespace mdrill::lab {

namespace {

class EtcdStore final : public CredentialStore {
 public:
  EtcdStore(etcd::EtcdClient* etcd, std::string prefix, std::string guard_key, std::function<int64_t()> guard_lease)
      : etcd_(etcd),
        prefix_(etcd::CredentialPrefix(prefix)),
        guard_key_(std::move(guard_key)),
        guard_lease_(std::move(guard_lease)) {}

  Result<std::map<std::string, StoredCredential>> Load() override {
    auto kvs = etcd_->GetPrefix(prefix_, etcd::Deadline(2000));
    if (!kvs.ok()) return kvs.status();
    std::map<std::string, StoredCredential> out;
    for (const auto& kv : *kvs) {
      StoredCredential c;
      if (!ParseCredentialJson(kv.value, &c)) return Status::Internal("etcd " + kv.key + ": not a credential record");
      c.version = kv.mod_revision;
      out[kv.key.substr(prefix_.size())] = c;
    }
    return out;
  }

  Result<bool> Replace(const std::string& user, int64_t expect_version,
                       const std::optional<StoredCredential>& c) override {
    std::optional<std::string> value;
    if (c) value = CredentialJson(*c);
    const int64_t lease = guard_lease_ ? guard_lease_() : 0;
    return etcd_->ReplaceIfUnchanged(guard_key_, lease, prefix_ + user, expect_version, value, etcd::Deadline(2000));
  }

 private:
  etcd::EtcdClient* etcd_;
  std::string prefix_, guard_key_;
  std::function<int64_t()> guard_lease_;
};

}  // namespace

std::unique_ptr<CredentialStore> EtcdCredentialStore(etcd::EtcdClient* etcd, std::string prefix, std::string guard_key,
                                                     std::function<int64_t()> guard_lease) {
  return std::make_unique<EtcdStore>(etcd, std::move(prefix), std::move(guard_key), std::move(guard_lease));
}

}  // namespace mdrill::lab
