// Users and passwords, as Milvus manages them with authentication on: a root user
// whose password is "Milvus" until changed, users created, re-passworded and
// deleted through CreateCredential / UpdateCredential / DeleteCredential, listed by
// ListCredUsers, and every request's `authorization` header (base64 of
// "user:password", or of a "user:password" token) checked against them.
//
// Passwords are stored as bcrypt hashes (cost 10, as upstream). A bcrypt check costs
// about 50 ms, so a password once verified is remembered as its SHA-256 next to the
// hash it matched: later requests cost a hash lookup, and a changed password (a new
// hash) is verified afresh.
//
// Where the records live is a CredentialStore's business: a file in the standalone
// server's data directory, or etcd in the HA lab (the active coordinator writes,
// every proxy reads). A reader's view is at most `max_age` old; a check that fails
// on a view older than the moment it began reloads once before refusing, so a user
// or password just created is accepted at once everywhere, and a replaced password
// is refused within `max_age` by every reader (at once by the one that changed it).
//
// Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "util/status.h"

namespace mdrill::lab {

inline constexpr const char* kRootUser = "root";
inline constexpr const char* kDefaultRootPassword = "Milvus";  // upstream's, until changed

struct StoredCredential {
  std::string hash;           // bcrypt, "$2b$10$..."
  uint64_t created_utc = 0;   // unix ms
  uint64_t modified_utc = 0;  // unix ms
  int64_t version = 0;        // the store's version of the record (etcd: mod revision); 0 = absent
};

class CredentialStore {
 public:
  virtual ~CredentialStore() = default;
  virtual Result<std::map<std::string, StoredCredential>> Load() = 0;
  // Writes `user`'s record if its version is still `expect_version` (0: absent);
  // false when it changed meanwhile. `c` nullopt deletes it.
  virtual Result<bool> Replace(const std::string& user, int64_t expect_version,
                               const std::optional<StoredCredential>& c) = 0;
};

// DATA_DIR/credentials.json, replaced atomically (written, fsynced, renamed).
std::unique_ptr<CredentialStore> FileCredentialStore(const std::string& data_dir);

// The HA lab's store, in etcd: lab/ha/etcd_credentials.h. A record's JSON there:
// {"hash", "created_utc", "modified_utc"}.
std::string CredentialJson(const StoredCredential& c);
bool ParseCredentialJson(const std::string& text, StoredCredential* c);

class Credentials {
 public:
  explicit Credentials(CredentialStore* store, std::chrono::milliseconds max_age = std::chrono::milliseconds(250));

  // The RPCs; passwords in clear (the handlers decode the SDKs' base64).
  Status Create(const std::string& user, const std::string& password);
  Status Update(const std::string& user, const std::string& old_password, const std::string& new_password);
  Status Delete(const std::string& user);
  Result<std::vector<std::string>> List();

  // An `authorization` header's value: OK, or the reason it is refused.
  Status Check(const std::string& authorization);

  // Forget the view: the next check reads the store (after a change made elsewhere).
  void Invalidate();

 private:
  struct View {
    std::map<std::string, StoredCredential> users;
    std::chrono::steady_clock::time_point loaded;
  };
  Result<std::shared_ptr<const View>> Current(bool force, std::chrono::steady_clock::time_point newer_than);
  bool Verified(const std::string& user, const std::string& hash, const std::string& digest);
  Status PasswordMatches(const std::shared_ptr<const View>& view, const std::string& user, const std::string& password,
                         bool* found);

  CredentialStore* store_;
  std::chrono::milliseconds max_age_;
  std::mutex mu_;
  std::shared_ptr<const View> view_;
  std::map<std::string, std::pair<std::string, std::string>> verified_;  // user -> (hash, SHA-256 of the password)
};

// Upstream's rules: a name of 1-32 letters, digits and underscores starting with a
// letter; a password of 6-256 bytes.
Status ValidUserName(const std::string& user);
Status ValidPassword(const std::string& password);

// bcrypt (cost 10) of `password` with a fresh salt; and whether `password` matches `hash`.
Result<std::string> HashPassword(const std::string& password);
bool PasswordMatchesHash(const std::string& password, const std::string& hash);

}  // namespace mdrill::lab
