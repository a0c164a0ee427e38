// Status: the outcome of an operation, carrying Milvus's error codes.
//
// A Status is either OK or an error with a Milvus `code` (the modern merr code, e.g.
// 100 collection not found), the deprecated `error_code` (common.ErrorCode, still read
// by clients) and a human-readable reason. Errors are values: nothing in milvus-drill
// throws across an API boundary. Status is a plain value type and thread-compatible.
#pragma once

#include <string>
#include <utility>

namespace mdrill {

// Milvus merr codes used by milvus-drill (pkg/util/merr upstream).
namespace code {
inline constexpr int kSuccess = 0;
inline constexpr int kServiceNotReady = 1;
inline constexpr int kServiceUnavailable = 2;
inline constexpr int kServiceInternal = 5;
inline constexpr int kCollectionNotFound = 100;
inline constexpr int kCollectionNotLoaded = 101;
inline constexpr int kCollectionIllegalSchema = 105;
inline constexpr int kCollectionSchemaMismatch = 109;
inline constexpr int kCollectionAlreadyExists = 65535;  // upstream answers a generic error
inline constexpr int kReplicaNotAvailable = 401;
inline constexpr int kChannelNotAvailable = 503;
inline constexpr int kIndexNotFound = 700;
inline constexpr int kIndexNotSupported = 701;
inline constexpr int kIndexDuplicate = 702;
inline constexpr int kParameterInvalid = 1100;
inline constexpr int kParameterMissing = 1101;
inline constexpr int kMetricNotFound = 1200;
inline constexpr int kFieldNotFound = 1700;
inline constexpr int kAuthFailed = 1800;
}  // namespace code

// common.ErrorCode values (deprecated upstream, still read by both SDKs).
namespace legacy {
inline constexpr int kSuccess = 0;
inline constexpr int kUnexpectedError = 1;
inline constexpr int kPermissionDenied = 3;
inline constexpr int kCollectionNotExists = 4;
inline constexpr int kIllegalArgument = 5;
inline constexpr int kIllegalDimension = 7;
inline constexpr int kIllegalIndexType = 8;
inline constexpr int kIllegalTopK = 10;
inline constexpr int kIllegalNlist = 22;
inline constexpr int kIllegalMetricType = 23;
inline constexpr int kIndexNotExist = 25;
inline constexpr int kCreateCredentialFailure = 29;
inline constexpr int kUpdateCredentialFailure = 30;
inline constexpr int kDeleteCredentialFailure = 31;
inline constexpr int kListCredUsersFailure = 33;
inline constexpr int kNoReplicaAvailable = 46;
inline constexpr int kUpsertAutoIDTrue = 51;
inline constexpr int kNotReadyServe = 56;
inline constexpr int kSchemaMismatch = 62;
}  // namespace legacy

class Status {
 public:
  Status() = default;  // OK
  Status(int code, int error_code, std::string reason)
      : code_(code), error_code_(error_code), reason_(std::move(reason)) {}

  static Status OK() { return Status(); }
  // The common kinds of failure, with the codes upstream Milvus answers.
  static Status InvalidArgument(std::string reason) {
    return Status(code::kParameterInvalid, legacy::kIllegalArgument, std::move(reason));
  }
  static Status CollectionNotFound(const std::string& name) {
    return Status(code::kCollectionNotFound, legacy::kCollectionNotExists,
                  "can't find collection[collection=" + name + "]");
  }
  static Status IndexNotFound(std::string reason) {
    return Status(code::kIndexNotFound, legacy::kIndexNotExist, std::move(reason));
  }
  static Status Internal(std::string reason) {
    return Status(code::kServiceInternal, legacy::kUnexpectedError, std::move(reason));
  }
  // A failure below Milvus: the RPC itself failed with gRPC status `grpc_code`
  // (4 DEADLINE_EXCEEDED, 14 UNAVAILABLE, ...). The request may or may not have
  // taken effect when the code is DEADLINE_EXCEEDED.
  static Status Transport(int grpc_code, std::string reason) {
    Status s(0, 0, std::move(reason));
    s.transport_ = grpc_code;
    return s;
  }

  bool ok() const { return code_ == 0 && error_code_ == 0 && transport_ == 0; }
  bool IsTransport() const { return transport_ != 0; }
  int transport_code() const { return transport_; }
  bool IsCollectionNotFound() const { return code_ == code::kCollectionNotFound; }
  bool IsIndexNotFound() const { return code_ == code::kIndexNotFound; }
  int code() const { return code_; }
  int error_code() const { return error_code_; }
  const std::string& reason() const { return reason_; }
  // "code=100 can't find collection[...]" or "ok".
  std::string ToString() const {
    if (ok()) return "ok";
    if (transport_ != 0) return "grpc=" + std::to_string(transport_) + " " + reason_;
    return "code=" + std::to_string(code_) + " " + reason_;
  }

 private:
  int code_ = 0;
  int error_code_ = 0;
  int transport_ = 0;
  std::string reason_;
};

// A value or the Status explaining why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design
  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() { return value_; }
  const T& value() const { return value_; }
  T* operator->() { return &value_; }
  const T* operator->() const { return &value_; }
  T& operator*() { return value_; }
  const T& operator*() const { return value_; }

 private:
  Status status_;
  T value_{};
};

}  // namespace mdrill
