// Users and passwords (lab/server/credentials.h) on the standalone server's file
// store: upstream's rules, root's default password until changed, every change
// durable across a restart, and a replaced password refused at once.
#include "lab/server/credentials.h"

#include <gtest/gtest.h>

#include <fstream>

#include "testing/server_process.h"
#include "util/base64.h"

namespace mdrill::lab {
namespace {

std::string Header(const std::string& user, const std::string& password) { return Base64Encode(user + ":" + password); }

TEST(Credentials, RootUsesMilvusUntilChangedAndAChangeSurvivesARestart) {
  const std::string dir = testing::TempDir("credentials");
  {
    auto store = FileCredentialStore(dir);
    Credentials c(store.get());
    EXPECT_TRUE(c.Check(Header("root", "Milvus")).ok());
    EXPECT_EQ(c.Check(Header("root", "milvus")).code(), code::kAuthFailed);
    EXPECT_EQ(c.List().value(), std::vector<std::string>{"root"});
    // The old password must be right.
    Status wrong_old = c.Update("root", "nope", "Another-1");
    EXPECT_EQ(wrong_old.error_code(), legacy::kUpdateCredentialFailure) << wrong_old.reason();
    ASSERT_TRUE(c.Update("root", "Milvus", "Another-1").ok());
    EXPECT_EQ(c.Check(Header("root", "Milvus")).code(), code::kAuthFailed);
    EXPECT_TRUE(c.Check(Header("root", "Another-1")).ok());
    ASSERT_TRUE(c.Create("alice", "secret-a").ok());
    EXPECT_EQ(c.Create("alice", "secret-b").error_code(), legacy::kCreateCredentialFailure);
    EXPECT_EQ(c.Create("root", "secret-b").error_code(), legacy::kCreateCredentialFailure);
  }
  // A new process reads the same file.
  auto store = FileCredentialStore(dir);
  Credentials c(store.get());
  EXPECT_TRUE(c.Check(Header("root", "Another-1")).ok());
  EXPECT_FALSE(c.Check(Header("root", "Milvus")).ok());
  EXPECT_TRUE(c.Check(Header("alice", "secret-a")).ok());
  EXPECT_EQ(c.List().value(), (std::vector<std::string>{"alice", "root"}));
  // No password is stored in clear.
  std::ifstream in(dir + "/credentials.json");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find("secret-a"), std::string::npos);
  EXPECT_EQ(text.find("Another-1"), std::string::npos);
  EXPECT_NE(text.find("$2b$10$"), std::string::npos);
}

TEST(Credentials, AVerifiedPasswordIsForgottenWhenReplacedOrDeleted) {
  auto store = FileCredentialStore(testing::TempDir("credentials"));
  Credentials c(store.get());
  ASSERT_TRUE(c.Create("bob", "first-pass").ok());
  ASSERT_TRUE(c.Check(Header("bob", "first-pass")).ok());  // now remembered
  ASSERT_TRUE(c.Update("bob", "first-pass", "second-pass").ok());
  EXPECT_FALSE(c.Check(Header("bob", "first-pass")).ok());
  EXPECT_TRUE(c.Check(Header("bob", "second-pass")).ok());
  ASSERT_TRUE(c.Delete("bob").ok());
  EXPECT_FALSE(c.Check(Header("bob", "second-pass")).ok());
  EXPECT_TRUE(c.Delete("bob").ok());  // as upstream: an absent user deletes fine
  EXPECT_EQ(c.Delete("root").error_code(), legacy::kDeleteCredentialFailure);
  EXPECT_EQ(c.Update("carol", "whatever", "new-pass").error_code(), legacy::kUpdateCredentialFailure);
}

TEST(Credentials, ANewStoreWriterIsSeenByAnotherReaderAtOnce) {
  // Two Credentials on one store, as two proxies on one etcd: the second's view is
  // fresh, yet a user the first just created is accepted by the second at once.
  const std::string dir = testing::TempDir("credentials");
  auto store = FileCredentialStore(dir);
  Credentials writer(store.get()), reader(store.get(), std::chrono::seconds(3600));
  ASSERT_TRUE(reader.Check(Header("root", "Milvus")).ok());  // loads its view
  ASSERT_TRUE(writer.Create("dave", "dave-pass").ok());
  EXPECT_TRUE(reader.Check(Header("dave", "dave-pass")).ok());
  // A replaced password stays valid on the reader until its view is refreshed (an
  // hour here; 250 ms by default): that is the window a second proxy has.
  ASSERT_TRUE(writer.Update("dave", "dave-pass", "dave-pass-2").ok());
  EXPECT_TRUE(reader.Check(Header("dave", "dave-pass")).ok());
  reader.Invalidate();
  EXPECT_FALSE(reader.Check(Header("dave", "dave-pass")).ok());
  EXPECT_TRUE(reader.Check(Header("dave", "dave-pass-2")).ok());
}

TEST(Credentials, NamesAndPasswordsFollowUpstreamsRules) {
  for (const char* bad : {"", "1abc", "_abc", "a-b", "a b", "abcdefghijabcdefghijabcdefghijabc", "é"})
    EXPECT_EQ(ValidUserName(bad).code(), code::kParameterInvalid) << bad;
  for (const char* good : {"a", "A_1", "abcdefghijabcdefghijabcdefghijab"})
    EXPECT_TRUE(ValidUserName(good).ok()) << good;
  EXPECT_FALSE(ValidPassword("12345").ok());
  EXPECT_TRUE(ValidPassword("123456").ok());
  EXPECT_TRUE(ValidPassword(std::string(256, 'x')).ok());
  EXPECT_FALSE(ValidPassword(std::string(257, 'x')).ok());
  auto store = FileCredentialStore(testing::TempDir("credentials"));
  Credentials c(store.get());
  EXPECT_FALSE(c.Create("ok_name", "short").ok());
  EXPECT_EQ(c.List().value().size(), 1u);  // nothing was written
}

TEST(Credentials, MalformedHeadersAreRefusedNeverAccepted) {
  auto store = FileCredentialStore(testing::TempDir("credentials"));
  Credentials c(store.get());
  for (const std::string& h :
       {std::string(""), std::string("!!!"), Base64Encode("rootMilvus"), Base64Encode(":"), Base64Encode("root:"),
        Base64Encode(":Milvus"), Base64Encode(std::string("root:Milvus\0", 12)), Base64Encode("root:Milvus ")})
    EXPECT_EQ(c.Check(h).code(), code::kAuthFailed) << h;
  // A password with a NUL inside never matches a stored hash (crypt stops at it).
  ASSERT_TRUE(c.Create("nul_user", "abcdef").ok());
  EXPECT_FALSE(c.Check(Base64Encode(std::string("nul_user:abcdef\0xyz", 19))).ok());
  EXPECT_TRUE(c.Check(Base64Encode("nul_user:abcdef")).ok());
}

TEST(Credentials, ADamagedFileIsAnErrorNotAnEmptyUserList) {
  const std::string dir = testing::TempDir("credentials");
  std::ofstream(dir + "/credentials.json") << "{\"users\": {\"x\": {\"nohash\": 1}}}";
  auto store = FileCredentialStore(dir);
  Credentials c(store.get());
  Status s = c.Check(Header("root", "Milvus"));
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.code(), code::kAuthFailed) << "a store that cannot be read is not a wrong password";
  EXPECT_FALSE(c.Create("eve", "eve-pass").ok());
}

}  // namespace
}  // namespace mdrill::lab
