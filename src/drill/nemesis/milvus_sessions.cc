#include "drill/nemesis/milvus_sessions.h"

#include <nlohmann/json.hpp>

#include "etcd/client.h"
#include "etcd/keys.h"

namespace mdrill::drill {

std::string CoordinatorSession::Describe() const { return address + " (server " + std::to_string(server_id) + ")"; }

std::string CoordinatorSession::ip() const {
  // "[v6]:port" or "v4:port".
  if (!address.empty() && address[0] == '[') return address.substr(1, address.find(']') - 1);
  return address.substr(0, address.rfind(':'));
}

std::string SessionKey(const SessionOptions& o) { return etcd::MilvusSessionKey(o.root, o.role); }

Result<CoordinatorSession> ParseSession(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return Status::InvalidArgument("the session value is not a JSON object: " + text.substr(0, 200));
  CoordinatorSession s;
  if (!j.contains("Address") || !j["Address"].is_string() || j["Address"].get<std::string>().empty())
    return Status::InvalidArgument("the session value has no Address: " + text.substr(0, 200));
  s.address = j["Address"].get<std::string>();
  if (j.contains("ServerID") && j["ServerID"].is_number_integer()) s.server_id = j["ServerID"].get<int64_t>();
  return s;
}

Result<std::optional<CoordinatorSession>> ReadActiveSession(etcd::EtcdClient* etcd, const SessionOptions& o) {
  auto kv = etcd->Get(SessionKey(o), etcd::Deadline(3000));
  if (!kv.ok()) return Status::Transport(14, "etcd: reading " + SessionKey(o) + ": " + kv.status().reason());
  if (!kv->has_value()) return std::optional<CoordinatorSession>();
  auto s = ParseSession(kv.value()->value);
  if (!s.ok()) return Status::InvalidArgument(SessionKey(o) + ": " + s.status().reason());
  return std::optional<CoordinatorSession>(s.value());
}

}  // namespace mdrill::drill
