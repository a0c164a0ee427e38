// The Milvus gRPC API (milvus.proto.milvus.MilvusService) served from a Catalog.
//
// Each RPC handler only translates: it parses the request, calls the catalog or the
// collection, and fills the response. Errors travel inside the response's Status
// (always present), never as gRPC errors; the exceptions are authentication
// (UNAUTHENTICATED, as upstream) and methods outside the subset (UNIMPLEMENTED,
// answered by the gRPC runtime). No exception escapes a handler.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <string>

#include "lab/server/catalog.h"
#include "lab/server/convert.h"
#include "lab/server/credentials.h"
#include "milvus.grpc.pb.h"

namespace mdrill::lab {

// The version the lab answers GetVersion with and registers in its sessions.
inline constexpr const char* kLabVersion = "v2.5.12-milvus-drill";

// What a search or query asks about freshness (Milvus's fields, as sent).
struct ReadRequest {
  std::string db, collection;
  int consistency_level = 0;             // common.ConsistencyLevel: Strong 0, Session 1, Bounded 2, Eventually 3
  bool use_default_consistency = false;  // true: the collection's level instead
  uint64_t guarantee_timestamp = 0;      // hybrid; Session: the client's last write
};

struct ServiceOptions {
  // Users and passwords: the credential RPCs manage them (refused when null), and
  // with auth_enabled every request's authorization header is checked against them.
  Credentials* credentials = nullptr;
  bool auth_enabled = false;
  std::string deploy_mode = "STANDALONE";
  // HA roles: checked before every request (a standby coordinator refuses; a query
  // node waits until it applied what the caller's x-drill-revision header names).
  std::function<Status(const grpc::ServerContext*)> before_request;
  // HA query nodes: called before a search or query with what it asked for, so the
  // node can wait until it is fresh enough for the consistency level.
  std::function<Status(const grpc::ServerContext*, const ReadRequest&)> before_read;
  // HA: the placement of a loaded collection's replicas, (replica id, node id; 0 =
  // not placed), as the active coordinator keeps it (lab/replicas.h); empty
  // function: standalone (one copy in this process).
  std::function<std::vector<std::pair<int64_t, int64_t>>(int64_t collection_id, int replicas)> replica_placement;
};

// A request's authorization header checked against `credentials`: OK, or
// UNAUTHENTICATED with upstream's message (a missing header says so).
grpc::Status AuthorizeRequest(Credentials* credentials, const grpc::ServerContext* ctx);

class MilvusService final : public pb::MilvusService::Service {
 public:
  MilvusService(Catalog* catalog, ServiceOptions options);

  using Ctx = grpc::ServerContext;
  grpc::Status Connect(Ctx*, const pb::ConnectRequest*, pb::ConnectResponse*) override;
  grpc::Status GetVersion(Ctx*, const pb::GetVersionRequest*, pb::GetVersionResponse*) override;
  grpc::Status CheckHealth(Ctx*, const pb::CheckHealthRequest*, pb::CheckHealthResponse*) override;
  grpc::Status AllocTimestamp(Ctx*, const pb::AllocTimestampRequest*, pb::AllocTimestampResponse*) override;
  grpc::Status ListDatabases(Ctx*, const pb::ListDatabasesRequest*, pb::ListDatabasesResponse*) override;
  grpc::Status HasCollection(Ctx*, const pb::HasCollectionRequest*, pb::BoolResponse*) override;
  grpc::Status CreateCollection(Ctx*, const pb::CreateCollectionRequest*, pb::Status*) override;
  grpc::Status DescribeCollection(Ctx*, const pb::DescribeCollectionRequest*, pb::DescribeCollectionResponse*) override;
  grpc::Status DropCollection(Ctx*, const pb::DropCollectionRequest*, pb::Status*) override;
  grpc::Status ShowCollections(Ctx*, const pb::ShowCollectionsRequest*, pb::ShowCollectionsResponse*) override;
  grpc::Status GetCollectionStatistics(Ctx*, const pb::GetCollectionStatisticsRequest*,
                                       pb::GetCollectionStatisticsResponse*) override;
  grpc::Status Insert(Ctx*, const pb::InsertRequest*, pb::MutationResult*) override;
  grpc::Status Upsert(Ctx*, const pb::UpsertRequest*, pb::MutationResult*) override;
  grpc::Status Delete(Ctx*, const pb::DeleteRequest*, pb::MutationResult*) override;
  grpc::Status Flush(Ctx*, const pb::FlushRequest*, pb::FlushResponse*) override;
  grpc::Status GetFlushState(Ctx*, const pb::GetFlushStateRequest*, pb::GetFlushStateResponse*) override;
  grpc::Status CreateIndex(Ctx*, const pb::CreateIndexRequest*, pb::Status*) override;
  grpc::Status DescribeIndex(Ctx*, const pb::DescribeIndexRequest*, pb::DescribeIndexResponse*) override;
  grpc::Status GetIndexState(Ctx*, const pb::GetIndexStateRequest*, pb::GetIndexStateResponse*) override;
  grpc::Status GetIndexBuildProgress(Ctx*, const pb::GetIndexBuildProgressRequest*,
                                     pb::GetIndexBuildProgressResponse*) override;
  grpc::Status DropIndex(Ctx*, const pb::DropIndexRequest*, pb::Status*) override;
  grpc::Status LoadCollection(Ctx*, const pb::LoadCollectionRequest*, pb::Status*) override;
  grpc::Status ReleaseCollection(Ctx*, const pb::ReleaseCollectionRequest*, pb::Status*) override;
  grpc::Status GetLoadingProgress(Ctx*, const pb::GetLoadingProgressRequest*, pb::GetLoadingProgressResponse*) override;
  grpc::Status GetLoadState(Ctx*, const pb::GetLoadStateRequest*, pb::GetLoadStateResponse*) override;
  grpc::Status GetReplicas(Ctx*, const pb::GetReplicasRequest*, pb::GetReplicasResponse*) override;
  grpc::Status Search(Ctx*, const pb::SearchRequest*, pb::SearchResults*) override;
  grpc::Status Query(Ctx*, const pb::QueryRequest*, pb::QueryResults*) override;
  grpc::Status GetPersistentSegmentInfo(Ctx*, const pb::GetPersistentSegmentInfoRequest*,
                                        pb::GetPersistentSegmentInfoResponse*) override;
  grpc::Status GetQuerySegmentInfo(Ctx*, const pb::GetQuerySegmentInfoRequest*,
                                   pb::GetQuerySegmentInfoResponse*) override;
  grpc::Status CreateCredential(Ctx*, const pb::CreateCredentialRequest*, pb::Status*) override;
  grpc::Status UpdateCredential(Ctx*, const pb::UpdateCredentialRequest*, pb::Status*) override;
  grpc::Status DeleteCredential(Ctx*, const pb::DeleteCredentialRequest*, pb::Status*) override;
  grpc::Status ListCredUsers(Ctx*, const pb::ListCredUsersRequest*, pb::ListCredUsersResponse*) override;

 private:
  // Runs `body` (which returns the Status to put in the response) after the
  // authentication check, converting any exception into an internal-error Status.
  template <typename Body>
  grpc::Status Handle(Ctx* ctx, pb::Status* status, Body body);
  grpc::Status Authenticated(const Ctx* ctx) const;
  Result<CollectionView> Loaded(const std::string& db, const std::string& name) const;
  template <typename Req>
  Status Write(const Req& req, bool upsert, pb::MutationResult* resp);

  Catalog* catalog_;
  ServiceOptions options_;
  std::atomic<int64_t> next_identifier_;
};

template <typename Body>
inline grpc::Status MilvusService::Handle(Ctx* ctx, pb::Status* status, Body body) {
  if (grpc::Status a = Authenticated(ctx); !a.ok()) return a;
  Status s;
  try {
    if (options_.before_request) s = options_.before_request(ctx);
    if (s.ok()) s = body();
  } catch (const std::exception& e) {
    s = Status::Internal(std::string("internal error: ") + e.what());
  } catch (...) {
    s = Status::Internal("internal error");
  }
  SetStatus(s, status);
  return grpc::Status::OK;
}

}  // namespace mdrill::lab
