#include "etcd/client.h"

#include <cstdio>

namespace mdrill::etcd {

namespace pb = ::etcdserverpb;

namespace {

Status Transport(const grpc::Status& g) { return Status::Transport(g.error_code(), "etcd: " + g.error_message()); }

EtcdKv FromKv(const pb::KeyValue& kv) {
  return {kv.key(), kv.value(), kv.create_revision(), kv.mod_revision(), kv.lease()};
}

}  // namespace

std::string PrefixEnd(const std::string& prefix) {
  std::string end = prefix;
  for (size_t i = end.size(); i > 0; --i) {
    auto c = static_cast<unsigned char>(end[i - 1]);
    if (c < 0xff) {
      end[i - 1] = static_cast<char>(c + 1);
      end.resize(i);
      return end;
    }
  }
  return std::string(1, '\0');  // every key
}

EtcdClient::EtcdClient(const std::vector<std::string>& endpoints) {
  std::string target = "ipv4:";
  for (size_t i = 0; i < endpoints.size(); ++i) target += (i ? "," : "") + endpoints[i];
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  channel_ = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
  kv_ = pb::KV::NewStub(channel_);
  lease_ = pb::Lease::NewStub(channel_);
  maintenance_ = pb::Maintenance::NewStub(channel_);
}

void EtcdClient::Prepare(grpc::ClientContext* ctx, Deadline d) const {
  ctx->set_deadline(std::chrono::system_clock::now() + d);
  // Wait (up to the deadline) for a connection instead of failing at once while the
  // channel is between reconnect attempts: an etcd member restarting or a fail-over
  // to another member then costs the time it takes, not an error.
  ctx->set_wait_for_ready(true);
}

Result<std::optional<EtcdKv>> EtcdClient::Get(const std::string& key, Deadline d) {
  grpc::ClientContext ctx;
  Prepare(&ctx, d);
  pb::RangeRequest req;
  req.set_key(key);
  pb::RangeResponse resp;
  grpc::Status g = kv_->Range(&ctx, req, &resp);
  if (!g.ok()) return Transport(g);
  if (resp.kvs_size() == 0) return std::optional<EtcdKv>();
  return std::optional<EtcdKv>(FromKv(resp.kvs(0)));
}

Result<std::vector<EtcdKv>> EtcdClient::GetPrefix(const std::string& prefix, Deadline d) {
  grpc::ClientContext ctx;
  Prepare(&ctx, d);
  pb::RangeRequest req;
  req.set_key(prefix);
  req.set_range_end(PrefixEnd(prefix));
  pb::RangeResponse resp;
  grpc::Status g = kv_->Range(&ctx, req, &resp);
  if (!g.ok()) return Transport(g);
  std::vector<EtcdKv> out;
  for (const auto& kv : resp.kvs()) out.push_back(FromKv(kv));
  return out;
}

Status EtcdClient::Put(const std::string& key, const std::string& value, int64_t lease, Deadline d) {
  grpc::ClientContext ctx;
  Prepare(&ctx, d);
  pb::PutRequest req;
  req.set_key(key);
  req.set_value(value);
  req.set_lease(lease);
  pb::PutResponse resp;
  grpc::Status g = kv_->Put(&ctx, req, &resp);
  return g.ok() ? Status::OK() : Transport(g);
}

Result<int64_t> EtcdClient::Delete(const std::string& key, Deadline d) {
  grpc::ClientContext ctx;
  Prepare(&ctx, d);
  pb::DeleteRangeRequest req;
  req.set_key(key);
  pb::DeleteRangeResponse resp;
  grpc::Status g = kv_->DeleteRange(&ctx, req, &resp);
  if (!g.ok()) return Transport(g);
  return resp.deleted();
}

Result<int64_t> EtcdClient::DeletePrefix(const std::string& prefix, Deadline d) {
  grpc::ClientContext ctx;
  Prepare(&ctx, d);
  pb::DeleteRangeRequest req;
  req.set_key(prefix);
  req.set_range_end(PrefixEnd(prefix));
  pb::DeleteRangeResponse resp;
  grpc::Status g = kv_->DeleteRange(&ctx, req, &resp);
  if (!g.ok()) return Transport(g);
  return resp.deleted();
}

Result<bool> EtcdClient::CreateIfAbsent(const std::string& key, const std::string& value, int64_t lease, Deadline d) {
  grpc::ClientContext ctx;
  Prepare(&ctx, d);
  pb::TxnRequest req;
  auto* cmp = req.add_compare();
  cmp->set_key(key);
  cmp->set_target(pb::Compare::CREATE);
  cmp->set_result(pb::Compare::EQUAL);
  cmp->set_create_revision(0);
  auto* put = req.add_success()->mutable_request_put();
  put->set_key(key);
  put->set_value(value);
  put->set_lease(lease);
  pb::TxnResponse resp;
  grpc::Status g = kv_->Txn(&ctx, req, &resp);
  if (!g.ok()) return Transport(g);
  return resp.succeeded();
}

Result<int64_t> EtcdClient::PutIfLeaseHolds(const std::string& guard_key, int64_t guard_lease, const std::string& key,
                                            const std::string& value, Deadline d) {
  // No lease holds nothing: etcd compares a missing key's lease as 0, so a writer
  // that lost its lease (0) would pass the fence while nobody holds the key.
  if (guard_lease == 0) return int64_t{0};
  grpc::ClientContext ctx;
  Prepare(&ctx, d);
  pb::TxnRequest req;
  auto* cmp = req.add_compare();
  cmp->set_key(guard_key);
  cmp->set_target(pb::Compare::LEASE);
  cmp->set_result(pb::Compare::EQUAL);
  cmp->set_lease(guard_lease);
  auto* put = req.add_success()->mutable_request_put();
  put->set_key(key);
  put->set_value(value);
  pb::TxnResponse resp;
  grpc::Status g = kv_->Txn(&ctx, req, &resp);
  if (!g.ok()) return Transport(g);
  return resp.succeeded() ? resp.header().revision() : int64_t{0};
}

Result<bool> EtcdClient::ReplaceIfUnchanged(const std::string& guard_key, int64_t guard_lease, const std::string& key,
                                            int64_t expect_mod, const std::optional<std::string>& value, Deadline d) {
  if (!guard_key.empty() && guard_lease == 0) return false;  // as PutIfLeaseHolds: no lease holds nothing
  grpc::ClientContext ctx;
  Prepare(&ctx, d);
  pb::TxnRequest req;
  auto* cmp = req.add_compare();
  cmp->set_key(key);
  cmp->set_target(pb::Compare::MOD);
  cmp->set_result(pb::Compare::EQUAL);
  cmp->set_mod_revision(expect_mod);
  if (!guard_key.empty()) {
    auto* fence = req.add_compare();
    fence->set_key(guard_key);
    fence->set_target(pb::Compare::LEASE);
    fence->set_result(pb::Compare::EQUAL);
    fence->set_lease(guard_lease);
  }
  if (value) {
    auto* put = req.add_success()->mutable_request_put();
    put->set_key(key);
    put->set_value(*value);
  } else {
    req.add_success()->mutable_request_delete_range()->set_key(key);
  }
  pb::TxnResponse resp;
  grpc::Status g = kv_->Txn(&ctx, req, &resp);
  if (!g.ok()) return Transport(g);
  return resp.succeeded();
}

Result<EtcdClient::Page> EtcdClient::GetPage(const std::string& prefix, const std::string& from, int64_t limit,
                                             Deadline d) {
  grpc::ClientContext ctx;
  Prepare(&ctx, d);
  pb::RangeRequest req;
  req.set_key(from.empty() ? prefix : from);
  req.set_range_end(PrefixEnd(prefix));
  req.set_limit(limit);
  // A member's state is a prefix of the log, so a lagging one only returns less,
  // never out of order.
  req.set_serializable(true);
  pb::RangeResponse resp;
  grpc::Status g = kv_->Range(&ctx, req, &resp);
  if (!g.ok()) return Transport(g);
  Page page;
  page.revision = resp.header().revision();
  page.more = resp.more();
  for (const auto& kv : resp.kvs()) page.kvs.push_back(FromKv(kv));
  return page;
}

Result<std::vector<EtcdClient::Page>> EtcdClient::GetPagesAtOnce(const std::vector<PageQuery>& queries, Deadline d) {
  grpc::ClientContext ctx;
  Prepare(&ctx, d);
  pb::TxnRequest req;
  for (const auto& q : queries) {
    auto* range = req.add_success()->mutable_request_range();
    range->set_key(q.from.empty() ? q.prefix : q.from);
    range->set_range_end(PrefixEnd(q.prefix));
    range->set_limit(q.limit);
  }
  pb::TxnResponse resp;
  grpc::Status g = kv_->Txn(&ctx, req, &resp);
  if (!g.ok()) return Transport(g);
  if (resp.responses_size() != static_cast<int>(queries.size()))
    return Status::Internal("etcd answered a read of " + std::to_string(queries.size()) + " ranges with " +
                            std::to_string(resp.responses_size()));
  std::vector<Page> pages;
  for (const auto& op : resp.responses()) {
    Page page;
    page.revision = resp.header().revision();
    page.more = op.response_range().more();
    for (const auto& kv : op.response_range().kvs()) page.kvs.push_back(FromKv(kv));
    pages.push_back(std::move(page));
  }
  return pages;
}

Result<std::optional<EtcdKv>> EtcdClient::GetLast(const std::string& prefix, Deadline d) {
  grpc::ClientContext ctx;
  Prepare(&ctx, d);
  pb::RangeRequest req;
  req.set_key(prefix);
  req.set_range_end(PrefixEnd(prefix));
  req.set_limit(1);
  req.set_sort_order(2);   // DESCEND
  req.set_sort_target(0);  // KEY
  pb::RangeResponse resp;
  grpc::Status g = kv_->Range(&ctx, req, &resp);
  if (!g.ok()) return Transport(g);
  if (resp.kvs().empty()) return std::optional<EtcdKv>{};
  return std::optional<EtcdKv>{FromKv(resp.kvs(0))};
}

Result<int64_t> EtcdClient::DeleteRange(const std::string& from, const std::string& end, Deadline d) {
  grpc::ClientContext ctx;
  Prepare(&ctx, d);
  pb::DeleteRangeRequest req;
  req.set_key(from);
  req.set_range_end(end);
  pb::DeleteRangeResponse resp;
  grpc::Status g = kv_->DeleteRange(&ctx, req, &resp);
  if (!g.ok()) return Transport(g);
  return resp.deleted();
}

Result<int64_t> EtcdClient::Revision(Deadline d) {
  grpc::ClientContext ctx;
  Prepare(&ctx, d);
  pb::RangeRequest req;
  req.set_key("/");
  req.set_count_only(true);
  pb::RangeResponse resp;
  grpc::Status g = kv_->Range(&ctx, req, &resp);
  if (!g.ok()) return Transport(g);
  return resp.header().revision();
}

Result<std::vector<std::string>> EtcdClient::Alarms(Deadline d) {
  grpc::ClientContext ctx;
  Prepare(&ctx, d);
  pb::AlarmRequest req;
  req.set_action(pb::AlarmRequest::GET);
  pb::AlarmResponse resp;
  grpc::Status g = maintenance_->Alarm(&ctx, req, &resp);
  if (!g.ok()) return Transport(g);
  std::vector<std::string> out;
  for (const auto& a : resp.alarms()) {
    char member[32];
    std::snprintf(member, sizeof member, "%llx", static_cast<unsigned long long>(a.memberid()));
    out.push_back(pb::AlarmType_Name(a.alarm()) + " on member " + member);
  }
  return out;
}

Status EtcdClient::DisarmSpaceAlarms(Deadline d) {
  grpc::ClientContext ctx;
  Prepare(&ctx, d);
  pb::AlarmRequest get;
  get.set_action(pb::AlarmRequest::GET);
  pb::AlarmResponse raised;
  grpc::Status g = maintenance_->Alarm(&ctx, get, &raised);
  if (!g.ok()) return Transport(g);
  for (const auto& a : raised.alarms()) {
    if (a.alarm() != pb::NOSPACE) continue;
    grpc::ClientContext one;
    Prepare(&one, d);
    pb::AlarmRequest req;
    req.set_action(pb::AlarmRequest::DEACTIVATE);
    req.set_memberid(a.memberid());
    req.set_alarm(a.alarm());
    pb::AlarmResponse resp;
    g = maintenance_->Alarm(&one, req, &resp);
    if (!g.ok()) return Transport(g);
  }
  return Status::OK();
}

Status EtcdClient::Compact(int64_t revision, Deadline d) {
  grpc::ClientContext ctx;
  Prepare(&ctx, d);
  pb::CompactionRequest req;
  req.set_revision(revision);
  req.set_physical(true);
  pb::CompactionResponse resp;
  grpc::Status g = kv_->Compact(&ctx, req, &resp);
  return g.ok() ? Status::OK() : Transport(g);
}

Status EtcdClient::Defragment(Deadline d) {
  grpc::ClientContext ctx;
  Prepare(&ctx, d);
  pb::DefragmentResponse resp;
  grpc::Status g = maintenance_->Defragment(&ctx, pb::DefragmentRequest{}, &resp);
  return g.ok() ? Status::OK() : Transport(g);
}

Result<EtcdClient::DbSize> EtcdClient::Size(Deadline d) {
  grpc::ClientContext ctx;
  Prepare(&ctx, d);
  pb::StatusResponse resp;
  grpc::Status g = maintenance_->Status(&ctx, pb::StatusRequest{}, &resp);
  if (!g.ok()) return Transport(g);
  return DbSize{resp.dbsize(), resp.dbsizeinuse()};
}

Result<int64_t> EtcdClient::LeaseGrant(int64_t ttl_seconds, Deadline d) {
  grpc::ClientContext ctx;
  Prepare(&ctx, d);
  pb::LeaseGrantRequest req;
  req.set_ttl(ttl_seconds);
  pb::LeaseGrantResponse resp;
  grpc::Status g = lease_->LeaseGrant(&ctx, req, &resp);
  if (!g.ok()) return Transport(g);
  if (!resp.error().empty()) return Status::Internal("etcd lease grant: " + resp.error());
  return resp.id();
}

Result<int64_t> EtcdClient::KeepAliveOnce(int64_t lease, Deadline d) {
  grpc::ClientContext ctx;
  Prepare(&ctx, d);
  auto stream = lease_->LeaseKeepAlive(&ctx);
  pb::LeaseKeepAliveRequest req;
  req.set_id(lease);
  pb::LeaseKeepAliveResponse resp;
  bool ok = stream->Write(req) && stream->WritesDone() && stream->Read(&resp);
  if (!ok) {
    grpc::Status g = stream->Finish();
    return Transport(g.ok() ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "keep-alive stream closed") : g);
  }
  ctx.TryCancel();
  stream->Finish();
  return resp.ttl();
}

Status EtcdClient::LeaseRevoke(int64_t lease, Deadline d) {
  grpc::ClientContext ctx;
  Prepare(&ctx, d);
  pb::LeaseRevokeRequest req;
  req.set_id(lease);
  pb::LeaseRevokeResponse resp;
  grpc::Status g = lease_->LeaseRevoke(&ctx, req, &resp);
  return g.ok() ? Status::OK() : Transport(g);
}

}  // namespace mdrill::etcd
