// What reaches the wire: a failure is never written as success.
#include "lab/server/convert.h"

#include <gtest/gtest.h>

#include "milvus.pb.h"

namespace mdrill::lab {
namespace {

namespace pb = ::milvus::proto::milvus;

TEST(SetStatus, TransportFailureIsNeverSuccess) {
  pb::Status out;
  SetStatus(Status::Transport(14, "etcd: connection refused"), &out);
  EXPECT_EQ(out.code(), code::kServiceUnavailable);
  EXPECT_EQ(out.error_code(), pb::UnexpectedError);
  EXPECT_NE(out.reason().find("etcd: connection refused"), std::string::npos);
  EXPECT_NE(out.reason().find("gRPC code 14"), std::string::npos);
}

TEST(SetStatus, MilvusErrorsAndSuccessCarryOver) {
  pb::Status out;
  SetStatus(Status::CollectionNotFound("c"), &out);
  EXPECT_EQ(out.code(), code::kCollectionNotFound);
  EXPECT_EQ(out.error_code(), pb::CollectionNotExists);
  SetStatus(Status::OK(), &out);
  EXPECT_EQ(out.code(), 0);
  EXPECT_EQ(out.error_code(), pb::Success);
  EXPECT_TRUE(out.reason().empty());
}

// Every way a Status can be not ok: none of them reads as success on the wire.
TEST(SetStatus, EveryFailureReadsAsFailure) {
  for (int code : {0, 1, 5, 100, 1100})
    for (int error_code : {0, 1, 4})
      for (int transport : {0, 4, 14}) {
        Status s = transport ? Status::Transport(transport, "t") : Status(code, error_code, "r");
        if (s.ok()) continue;
        pb::Status out;
        SetStatus(s, &out);
        EXPECT_TRUE(out.code() != 0 || out.error_code() != 0) << code << "/" << error_code << "/" << transport;
      }
}

}  // namespace
}  // namespace mdrill::lab
