#include "lab/server/index_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "util/subprocess.h"

namespace mdrill::lab {

FileIndexStore::FileIndexStore(std::string dir, std::string who) : dir_(std::move(dir)), who_(std::move(who)) {}

std::unique_ptr<engine::VectorIndex> FileIndexStore::Load(const std::string& key, const engine::IndexSpec& spec,
                                                          size_t rows, int dim) {
  const std::string path = Path(key, ".faiss");
  if (::access(path.c_str(), F_OK) != 0) return nullptr;
  std::unique_ptr<engine::VectorIndex> index;
  if (Status s = engine::VectorIndex::Load(spec, path, rows, dim, &index); !s.ok()) {
    if (::access(path.c_str(), F_OK) != 0) return nullptr;  // replaced meanwhile: look again
    std::fprintf(stderr, "%s: %s; building it again\n", who_.c_str(), s.reason().c_str());
    ::unlink(path.c_str());
    return nullptr;
  }
  ++loaded_;
  std::printf("%s: index %s loaded (built by another node)\n", who_.c_str(), key.c_str());
  std::fflush(stdout);
  return index;
}

bool FileIndexStore::Claim(const std::string& key) {
  const std::string path = Path(key, ".building");
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  for (int attempt = 0; attempt < 2; ++attempt) {
    int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
    if (fd >= 0) {
      const std::string me = std::to_string(::getpid()) + " " + std::to_string(ProcessStartTicks(::getpid())) + "\n";
      const bool written = ::write(fd, me.data(), me.size()) == static_cast<ssize_t>(me.size());
      ::close(fd);
      if (written) return true;
      ::unlink(path.c_str());
      return true;  // build anyway: a claim is an optimisation, never a condition
    }
    if (errno != EEXIST) return true;  // cannot claim: build here rather than wait
    std::ifstream in(path);
    long long pid = 0, start = -1;
    if (!(in >> pid >> start)) {
      // Being written this moment, or its builder died between creating and writing
      // it: after 5 s, the latter.
      const auto age = std::filesystem::file_time_type::clock::now() - std::filesystem::last_write_time(path, ec);
      if (ec || age < std::chrono::seconds(5)) return false;
    } else if (pid > 0 && PidAlive(static_cast<pid_t>(pid)) && ProcessStartTicks(static_cast<pid_t>(pid)) == start) {
      return false;  // its builder lives
    }
    ::unlink(path.c_str());  // the builder is gone: take it over
  }
  return false;
}

void FileIndexStore::Store(const std::string& key, const engine::VectorIndex& index) {
  if (Status s = index.Save(Path(key, ".faiss")); !s.ok())
    std::fprintf(stderr, "%s: %s; other nodes build it themselves\n", who_.c_str(), s.reason().c_str());
  else
    ++built_;
  Release(key);
}

void FileIndexStore::Release(const std::string& key) { ::unlink(Path(key, ".building").c_str()); }

void FileIndexStore::Forget(int64_t collection_id) {
  std::error_code ec;
  const auto removed = std::filesystem::remove_all(dir_ + "/" + std::to_string(collection_id), ec);
  if (removed > 0 && removed != static_cast<std::uintmax_t>(-1))
    std::printf("%s: collection %lld dropped: its %ju index files removed\n", who_.c_str(),
                static_cast<long long>(collection_id), removed - 1);
}

void FileIndexStore::ForgetSegment(int64_t collection_id, int64_t segment_id) {
  const std::string prefix = std::to_string(segment_id) + "-";
  std::error_code ec;
  int removed = 0;
  std::filesystem::directory_iterator it(dir_ + "/" + std::to_string(collection_id), ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const std::filesystem::path& path = it->path();
    std::error_code rm;
    if (path.filename().string().rfind(prefix, 0) == 0 && path.extension() == ".faiss" &&
        std::filesystem::remove(path, rm))
      ++removed;
  }
  if (removed > 0)
    std::printf("%s: segment %lld of collection %lld merged: %d index files removed\n", who_.c_str(),
                static_cast<long long>(segment_id), static_cast<long long>(collection_id), removed);
  std::fflush(stdout);
}

void FileIndexStore::ForgetIndex(const std::string& key) {
  std::error_code ec;
  if (std::filesystem::remove(Path(key, ".faiss"), ec))
    std::printf("%s: index %s dropped: its file removed\n", who_.c_str(), key.c_str());
  std::fflush(stdout);
}

}  // namespace mdrill::lab
