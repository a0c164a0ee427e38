// MilvusClient: typed calls to any Milvus-compatible endpoint (real Milvus or the lab).
//
// Every call takes an explicit deadline and makes exactly one RPC (the Wait*
// helpers poll, each poll one RPC, until their own deadline); the client never
// retries by itself. A failure comes back as a Status: a Milvus error carries the
// server's code, error_code and reason; a transport failure carries the gRPC code
// (Status::IsTransport). Requests are shaped like pymilvus's, so real Milvus accepts
// them. Thread-safe after Connect: calls may run concurrently from many threads.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "milvus.grpc.pb.h"
#include "util/status.h"

namespace mdrill::milvus {

namespace pb = ::milvus::proto::milvus;
using Deadline = std::chrono::milliseconds;

// How a client's channel comes back after losing its server.
enum class ReconnectProfile {
  // The drill's instrument: reconnect backoff 20 ms, at most 100 ms, so a client
  // is back within about 100 ms of its server and an outage is measured as the
  // server's, not as the client's own backoff. A connection attempt keeps gRPC's
  // 20 s connect timeout: one abandoned early would leave a stalled server a
  // backlog of dead handshakes to work through when it resumes. Each client
  // owns its connection (a local subchannel pool): one client's stuck or
  // backing-off connection is never shared by another. No keep-alive pings:
  // servers (Go's gRPC among them) answer frequent pings on a slow call with
  // GOAWAY; a call to a dead peer ends at its deadline, and the drill replaces a
  // client's channel after any transport failure.
  kFast,
  // gRPC's defaults, as the SDKs run them (pymilvus, the Node SDK): reconnect
  // backoff from 1 s, x1.6, up to 120 s.
  kSdkDefault,
};

struct ConnectOptions {
  std::string address = "127.0.0.1:19530";  // host:port
  ReconnectProfile reconnect = ReconnectProfile::kFast;
  std::string user;  // with password: the authorization header
  std::string password;
  std::string token;  // alternative to user/password ("user:password")
  std::string db_name = "default";
  // TLS (a server started with TLS, as upstream's tlsMode 1): the server's
  // certificate is checked against `ca_file` (PEM), or the system's roots when empty.
  bool tls = false;
  std::string ca_file;
  std::string server_name;  // the name to check the certificate for, when not the address's host
};

// The shape of a test collection: an Int64 (or VarChar) primary key, one float
// vector field and optional scalar fields.
struct CollectionSpec {
  std::string name;
  int dim = 128;
  std::string pk_field = "id";
  bool varchar_pk = false;
  bool auto_id = true;
  std::string vector_field = "embedding";
  std::vector<pb::FieldSchema> extra_fields;
  std::string description;
  pb::ConsistencyLevel consistency = pb::Bounded;
  int shards = 0;  // 0: server default
};

struct IndexParams {
  std::string index_type = "IVF_FLAT";
  std::string metric_type = "L2";
  std::string params_json = "{\"nlist\":128}";
};

struct IndexInfo {
  std::string index_type, metric_type, params_json, field_name, index_name;
  pb::IndexState state = pb::IndexStateNone;
  int64_t indexed_rows = 0, total_rows = 0, pending_rows = 0;
  std::string fail_reason;
};

struct MutationInfo {
  std::vector<int64_t> int_ids;
  std::vector<std::string> str_ids;
  int64_t count = 0;  // inserted, upserted or deleted
  uint64_t timestamp = 0;
};

// A read's use_default_consistency and guarantee_timestamp (pymilvus sends the
// client's last write timestamp for Session).
struct Freshness {
  bool use_default_consistency = false;
  uint64_t guarantee_timestamp = 0;
};

struct SearchParams {
  std::string collection;
  std::vector<float> vectors;  // nq * dim
  int dim = 0;
  int topk = 10;
  std::string anns_field;   // empty: let the server pick
  std::string metric_type;  // empty: the index's
  std::string params_json = "{}";
  std::string filter;
  std::vector<std::string> output_fields;
  pb::ConsistencyLevel consistency = pb::Bounded;
  bool use_default_consistency = true;
  uint64_t guarantee_timestamp = 0;
};

struct Hit {
  int64_t id = 0;
  std::string str_id;
  float score = 0;
};

struct SearchResult {
  std::vector<std::vector<Hit>> hits;  // one list per query vector
  pb::SearchResultData raw;            // fields_data and the rest, as received
};

struct Replica {
  int64_t id = 0;
  std::vector<int64_t> node_ids;
};

// Column builders for Insert.
pb::FieldData FloatVectorColumn(const std::string& name, int dim, const std::vector<float>& data);
pb::FieldData Int64Column(const std::string& name, const std::vector<int64_t>& values);
pb::FieldData VarCharColumn(const std::string& name, const std::vector<std::string>& values);
pb::FieldData DoubleColumn(const std::string& name, const std::vector<double>& values);

class MilvusClient {
 public:
  MilvusClient() = default;
  MilvusClient(const MilvusClient&) = delete;
  MilvusClient& operator=(const MilvusClient&) = delete;

  // Opens the channel and calls Connect; keeps the identifier the server returns.
  Status Connect(const ConnectOptions& options, Deadline deadline);
  int64_t identifier() const { return identifier_; }

  Result<std::string> GetVersion(Deadline d);
  Result<bool> CheckHealth(Deadline d);
  Result<uint64_t> AllocTimestamp(Deadline d);

  Status CreateCollection(const CollectionSpec& spec, Deadline d);
  Status CreateCollection(const std::string& name, const pb::CollectionSchema& schema, pb::ConsistencyLevel consistency,
                          int shards, Deadline d);
  Result<pb::DescribeCollectionResponse> DescribeCollection(const std::string& name, Deadline d);
  // As pymilvus: DescribeCollection, "not found" -> false.
  Result<bool> HasCollection(const std::string& name, Deadline d);
  Status DropCollection(const std::string& name, Deadline d);
  Result<std::vector<std::string>> ListCollections(Deadline d);
  Result<int64_t> RowCount(const std::string& name, Deadline d);  // GetCollectionStatistics

  // Users, as pymilvus's utility.create_user / reset_password / delete_user /
  // list_usernames call them (passwords sent base64-encoded).
  Status CreateUser(const std::string& user, const std::string& password, Deadline d);
  Status ResetPassword(const std::string& user, const std::string& old_password, const std::string& new_password,
                       Deadline d);
  Status DeleteUser(const std::string& user, Deadline d);
  Result<std::vector<std::string>> ListUsernames(Deadline d);

  Result<MutationInfo> Insert(const std::string& name, const std::vector<pb::FieldData>& columns, uint32_t num_rows,
                              Deadline d);
  Result<MutationInfo> Upsert(const std::string& name, const std::vector<pb::FieldData>& columns, uint32_t num_rows,
                              Deadline d);
  Result<MutationInfo> Delete(const std::string& name, const std::string& expr, Deadline d);
  // Flush, then poll GetFlushState every 0.5 s until flushed or the deadline.
  Status Flush(const std::string& name, Deadline d);

  Status CreateIndex(const std::string& name, const std::string& field, const IndexParams& params, Deadline d);
  Result<IndexInfo> DescribeIndex(const std::string& name, Deadline d);
  // Polls DescribeIndex until Finished (Failed is an error) or the deadline.
  Status WaitIndex(const std::string& name, Deadline d);

  Status Load(const std::string& name, int replica_number, Deadline d);
  Status Release(const std::string& name, Deadline d);
  Result<int64_t> LoadingProgress(const std::string& name, Deadline d);
  Result<pb::LoadState> LoadState(const std::string& name, Deadline d);
  // Load, then poll GetLoadingProgress until 100 or the deadline.
  Status LoadAndWait(const std::string& name, int replica_number, Deadline d);
  Result<std::vector<Replica>> GetReplicas(const std::string& name, Deadline d);

  Result<SearchResult> Search(const SearchParams& p, Deadline d);
  // `consistency` is sent as the request's level; `freshness` sets
  // use_default_consistency and guarantee_timestamp.
  Result<pb::QueryResults> Query(const std::string& name, const std::string& expr,
                                 const std::vector<std::string>& output_fields, int64_t limit,
                                 pb::ConsistencyLevel consistency, Deadline d, Freshness freshness = Freshness());
  Result<int64_t> Count(const std::string& name, const std::string& expr, pb::ConsistencyLevel consistency, Deadline d,
                        Freshness freshness = Freshness());

 private:
  void Prepare(grpc::ClientContext* ctx, Deadline d) const;
  template <typename Req, typename Resp, typename Method>
  Status Call(Method method, const Req& req, Resp* resp, Deadline d);

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::MilvusService::Stub> stub_;
  std::string authorization_;
  std::string db_name_ = "default";
  int64_t identifier_ = 0;
};

}  // namespace mdrill::milvus
