#include "lab/server/credentials.h"

#include <crypt.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <nlohmann/json.hpp>

#include "util/base64.h"
#include "util/durable_append.h"
#include "util/read_file.h"
#include "util/wall_clock.h"

namespace mdrill::lab {

namespace {

constexpr int kBcryptCost = 10;
constexpr size_t kMaxUserName = 32;
constexpr size_t kMinPassword = 6, kMaxPassword = 256;

std::string Sha256(const std::string& s) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), out, &n, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(out), n);
}

Status Failure(int legacy_code, std::string reason) {
  return Status(code::kCollectionAlreadyExists /* upstream's generic 65535 */, legacy_code, std::move(reason));
}

nlohmann::json ToJson(const StoredCredential& c) {
  return {{"hash", c.hash}, {"created_utc", c.created_utc}, {"modified_utc", c.modified_utc}};
}

bool FromJson(const nlohmann::json& j, StoredCredential* c) {
  if (!j.is_object() || !j.contains("hash") || !j["hash"].is_string()) return false;
  c->hash = j["hash"].get<std::string>();
  c->created_utc = j.value("created_utc", uint64_t{0});
  c->modified_utc = j.value("modified_utc", uint64_t{0});
  return true;
}

class FileStore final : public CredentialStore {
 public:
  explicit FileStore(std::string path) : path_(std::move(path)) {}

  Result<std::map<std::string, StoredCredential>> Load() override {
    std::lock_guard<std::mutex> lock(mu_);
    return Read();
  }

  Result<bool> Replace(const std::string& user, int64_t expect_version,
                       const std::optional<StoredCredential>& c) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto users = Read();
    if (!users.ok()) return users.status();
    auto it = users->find(user);
    const int64_t now_version = it == users->end() ? 0 : it->second.version;
    if (now_version != expect_version) return false;
    int64_t next = 0;
    for (const auto& [name, rec] : *users) next = std::max(next, rec.version);
    if (c) {
      StoredCredential rec = *c;
      rec.version = next + 1;
      (*users)[user] = rec;
    } else {
      users->erase(user);
    }
    nlohmann::json j = {{"users", nlohmann::json::object()}};
    for (const auto& [name, rec] : *users) {
      j["users"][name] = ToJson(rec);
      j["users"][name]["version"] = rec.version;
    }
    Status s = WriteFileAtomically(path_, j.dump(2) + "\n");
    if (!s.ok()) return s;
    return true;
  }

 private:
  Result<std::map<std::string, StoredCredential>> Read() {
    std::map<std::string, StoredCredential> out;
    std::string text;
    if (!ReadWholeFile(path_, &text)) return out;  // none yet: root with its default password
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("users") || !j["users"].is_object())
      return Status::Internal(path_ + ": not a credentials file");
    for (const auto& [name, v] : j["users"].items()) {
      StoredCredential c;
      if (!FromJson(v, &c)) return Status::Internal(path_ + ": user " + name + " has no password hash");
      c.version = v.value("version", int64_t{1});
      out[name] = c;
    }
    return out;
  }

  std::string path_;
  std::mutex mu_;
};

}  // namespace

std::unique_ptr<CredentialStore> FileCredentialStore(const std::string& data_dir) {
  return std::make_unique<FileStore>(data_dir + "/credentials.json");
}

std::string CredentialJson(const StoredCredential& c) { return ToJson(c).dump(); }
bool ParseCredentialJson(const std::string& text, StoredCredential* c) {
  return FromJson(nlohmann::json::parse(text, nullptr, false), c);
}

Status ValidUserName(const std::string& user) {
  if (user.empty()) return Status::InvalidArgument("invalid user name: the username should not be empty");
  if (user.size() > kMaxUserName)
    return Status::InvalidArgument("invalid user name " + user + ": the length of username must be not greater than " +
                                   std::to_string(kMaxUserName) + " characters");
  if (!std::isalpha(static_cast<unsigned char>(user[0])))
    return Status::InvalidArgument("invalid user name " + user + ": the first character of username must be a letter");
  for (char ch : user)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_')
      return Status::InvalidArgument("invalid user name " + user +
                                     ": username should only contain numbers, letters, and underscores");
  return Status::OK();
}

Status ValidPassword(const std::string& password) {
  if (password.size() < kMinPassword || password.size() > kMaxPassword)
    return Status::InvalidArgument("invalid password length: the length of password must be between " +
                                   std::to_string(kMinPassword) + " and " + std::to_string(kMaxPassword) +
                                   " characters");
  return Status::OK();
}

Result<std::string> HashPassword(const std::string& password) {
  crypt_data data;
  std::memset(&data, 0, sizeof data);
  const char* salt = crypt_gensalt_rn("$2b$", kBcryptCost, nullptr, 0, data.setting, sizeof data.setting);
  if (salt == nullptr) return Status::Internal("bcrypt: no salt");
  const char* h = crypt_r(password.c_str(), salt, &data);
  if (h == nullptr || h[0] == '*') return Status::Internal("bcrypt failed");
  return std::string(h);
}

bool PasswordMatchesHash(const std::string& password, const std::string& hash) {
  if (hash.rfind("$2", 0) != 0 || password.find('\0') != std::string::npos) return false;
  crypt_data data;
  std::memset(&data, 0, sizeof data);
  const char* h = crypt_r(password.c_str(), hash.c_str(), &data);
  return h != nullptr && h[0] != '*' && hash.size() == std::strlen(h) &&
         CRYPTO_memcmp(h, hash.data(), hash.size()) == 0;
}

Credentials::Credentials(CredentialStore* store, std::chrono::milliseconds max_age)
    : store_(store), max_age_(max_age) {}

Result<std::shared_ptr<const Credentials::View>> Credentials::Current(
    bool force, std::chrono::steady_clock::time_point newer_than) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    if (view_ && !force && now - view_->loaded < max_age_ && view_->loaded >= newer_than) return view_;
  }
  auto view = std::make_shared<View>();
  view->loaded = std::chrono::steady_clock::now();
  auto users = store_->Load();
  if (!users.ok()) return users.status();
  view->users = std::move(users.value());
  std::lock_guard<std::mutex> lock(mu_);
  if (!view_ || view_->loaded <= view->loaded) view_ = view;
  return std::shared_ptr<const View>(view);
}

void Credentials::Invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  view_.reset();
}

bool Credentials::Verified(const std::string& user, const std::string& hash, const std::string& digest) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = verified_.find(user);
  return it != verified_.end() && it->second.first == hash && it->second.second == digest;
}

Status Credentials::PasswordMatches(const std::shared_ptr<const View>& view, const std::string& user,
                                    const std::string& password, bool* found) {
  auto it = view->users.find(user);
  *found = it != view->users.end() || user == kRootUser;
  if (it == view->users.end()) {
    if (user == kRootUser && password == kDefaultRootPassword) return Status::OK();
    return Status(code::kAuthFailed, legacy::kUnexpectedError, "wrong user name or password");
  }
  const std::string digest = Sha256(password);
  if (Verified(user, it->second.hash, digest)) return Status::OK();
  if (!PasswordMatchesHash(password, it->second.hash))
    return Status(code::kAuthFailed, legacy::kUnexpectedError, "wrong user name or password");
  std::lock_guard<std::mutex> lock(mu_);
  verified_[user] = {it->second.hash, digest};
  return Status::OK();
}

Status Credentials::Check(const std::string& authorization) {
  std::string decoded;
  if (!Base64Decode(authorization, &decoded))
    return Status(code::kAuthFailed, legacy::kUnexpectedError, "authorization is not base64");
  const size_t colon = decoded.find(':');
  if (colon == std::string::npos)
    return Status(code::kAuthFailed, legacy::kUnexpectedError, "authorization is not user:password");
  const std::string user = decoded.substr(0, colon), password = decoded.substr(colon + 1);
  const auto began = std::chrono::steady_clock::now();
  auto view = Current(false, {});
  if (!view.ok()) return view.status();
  bool found = false;
  Status s = PasswordMatches(*view, user, password, &found);
  if (s.ok() || (*view)->loaded >= began) return s;
  // The view predates this request: a user or password created since would be
  // refused. Read the store once more before saying no.
  view = Current(true, began);
  if (!view.ok()) return view.status();
  return PasswordMatches(*view, user, password, &found);
}

Status Credentials::Create(const std::string& user, const std::string& password) {
  if (Status s = ValidUserName(user); !s.ok()) return s;
  if (Status s = ValidPassword(password); !s.ok()) return s;
  auto view = Current(true, {});
  if (!view.ok()) return view.status();
  if ((*view)->users.count(user) > 0 || user == kRootUser)
    return Failure(legacy::kCreateCredentialFailure, "user already exists:" + user);
  auto hash = HashPassword(password);
  if (!hash.ok()) return hash.status();
  StoredCredential c;
  c.hash = *hash;
  c.created_utc = c.modified_utc = static_cast<uint64_t>(UnixMs());
  auto done = store_->Replace(user, 0, c);
  Invalidate();
  if (!done.ok()) return done.status();
  if (!*done) return Failure(legacy::kCreateCredentialFailure, "user already exists:" + user);
  return Status::OK();
}

Status Credentials::Update(const std::string& user, const std::string& old_password, const std::string& new_password) {
  if (Status s = ValidUserName(user); !s.ok()) return s;
  if (Status s = ValidPassword(new_password); !s.ok()) return s;
  auto view = Current(true, {});
  if (!view.ok()) return view.status();
  bool found = false;
  Status match = PasswordMatches(*view, user, old_password, &found);
  if (!found) return Failure(legacy::kUpdateCredentialFailure, "user " + user + " not found");
  if (!match.ok()) return Failure(legacy::kUpdateCredentialFailure, "old password not correct for " + user);
  auto it = (*view)->users.find(user);
  StoredCredential c;
  auto hash = HashPassword(new_password);
  if (!hash.ok()) return hash.status();
  c.hash = *hash;
  c.created_utc = it != (*view)->users.end() ? it->second.created_utc : 0;
  c.modified_utc = static_cast<uint64_t>(UnixMs());
  auto done = store_->Replace(user, it != (*view)->users.end() ? it->second.version : 0, c);
  Invalidate();
  if (!done.ok()) return done.status();
  if (!*done) return Failure(legacy::kUpdateCredentialFailure, "user " + user + " was changed meanwhile, try again");
  return Status::OK();
}

Status Credentials::Delete(const std::string& user) {
  if (user == kRootUser) return Failure(legacy::kDeleteCredentialFailure, "root user cannot be deleted");
  if (Status s = ValidUserName(user); !s.ok()) return s;
  auto view = Current(true, {});
  if (!view.ok()) return view.status();
  auto it = (*view)->users.find(user);
  if (it == (*view)->users.end()) return Status::OK();  // as upstream: deleting an absent user succeeds
  auto done = store_->Replace(user, it->second.version, std::nullopt);
  Invalidate();
  if (!done.ok()) return done.status();
  if (!*done) return Failure(legacy::kDeleteCredentialFailure, "user " + user + " was changed meanwhile, try again");
  std::lock_guard<std::mutex> lock(mu_);
  verified_.erase(user);
  return Status::OK();
}

Result<std::vector<std::string>> Credentials::List() {
  auto view = Current(true, {});
  if (!view.ok()) return view.status();
  std::vector<std::string> out;
  bool root = false;
  for (const auto& [name, c] : (*view)->users) {
    out.push_back(name);
    root = root || name == kRootUser;
  }
  if (!root) out.push_back(kRootUser);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace mdrill::lab
