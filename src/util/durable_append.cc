#include "util/durable_append.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace mdrill {
namespace {

Status IoError(const std::string& what, const std::string& path) {
  return Status::Internal("cannot " + what + " " + path + ": " + std::strerror(errno));
}

// Writes every byte of `data`, retrying short writes and EINTR.
Status WriteAll(int fd, std::string_view data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("write", path);
    if (n == 0) return Status::Internal("cannot write " + path + ": the write made no progress");
    done += static_cast<size_t>(n);
  }
  return Status::OK();
}

// Makes a name created or renamed in the directory of `path` durable.
Status SyncDirectoryOf(const std::string& path) {
  // Not `dir = "."` on an empty string: GCC 12 at -O2 warns (-Wrestrict) on that
  // assignment, a false positive.
  const std::string parent = std::filesystem::path(path).parent_path().string();
  const std::string dir = parent.empty() ? std::string(".") : parent;
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("open directory", dir);
  Status s = ::fsync(fd) == 0 ? Status::OK() : IoError("sync directory", dir);
  ::close(fd);
  return s;
}

// Opens an existing file for appending, or creates it; *created tells which.
int OpenForAppend(const std::string& path, bool* created) {
  constexpr int kFlags = O_RDWR | O_APPEND | O_CLOEXEC;  // read: AppendLine looks at the last byte
  *created = false;
  int fd = ::open(path.c_str(), kFlags);
  if (fd >= 0 || errno != ENOENT) return fd;
  fd = ::open(path.c_str(), kFlags | O_CREAT | O_EXCL, 0644);
  if (fd >= 0) {
    *created = true;
    return fd;
  }
  if (errno != EEXIST) return fd;
  return ::open(path.c_str(), kFlags);  // created by someone else meanwhile
}

}  // namespace

DurableAppendFile::~DurableAppendFile() { (void)Close(); }

Status DurableAppendFile::Open(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ >= 0) return Status::InvalidArgument("durable append file already open on " + path_);
  bool created = false;
  int fd = OpenForAppend(path, &created);
  if (fd < 0) return IoError("open", path);
  if (created) {
    Status s = SyncDirectoryOf(path);
    if (!s.ok()) {
      ::close(fd);
      return s;
    }
  }
  fd_ = fd;
  path_ = path;
  return Status::OK();
}

Status DurableAppendFile::AppendLocked(std::string_view data) {
  if (fd_ < 0) return Status::Internal("cannot append to " + path_ + ": the file is not open");
  Status s = WriteAll(fd_, data, path_);
  if (!s.ok()) return s;
  if (::fdatasync(fd_) != 0) return IoError("sync", path_);
  return Status::OK();
}

Status DurableAppendFile::Append(std::string_view data) {
  std::lock_guard<std::mutex> lock(mu_);
  return AppendLocked(data);
}

Status DurableAppendFile::AppendLine(std::string_view line) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  out.reserve(line.size() + 2);
  struct stat st {};
  char last = '\n';
  if (fd_ >= 0 && ::fstat(fd_, &st) == 0 && st.st_size > 0 && ::pread(fd_, &last, 1, st.st_size - 1) == 1 &&
      last != '\n')
    out.push_back('\n');  // after a torn line
  out.append(line);
  out.push_back('\n');
  return AppendLocked(out);
}

Status DurableAppendFile::Truncate(uint64_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ < 0) return Status::Internal("cannot truncate " + path_ + ": the file is not open");
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return IoError("truncate", path_);
  if (::fdatasync(fd_) != 0) return IoError("sync", path_);
  return Status::OK();
}

Status DurableAppendFile::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ < 0) return Status::OK();
  int rc = ::close(fd_);
  fd_ = -1;
  return rc == 0 ? Status::OK() : IoError("close", path_);
}

bool DurableAppendFile::is_open() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fd_ >= 0;
}

Status WriteFileAtomically(const std::string& path, std::string_view bytes) {
  // A name of this call's own: two writers of one path (a deposed coordinator's log
  // archiver and its successor's) must never truncate each other's file.
  static std::atomic<uint64_t> counter{0};
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(++counter);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("open", tmp);
  Status s = WriteAll(fd, bytes, tmp);
  if (s.ok() && ::fsync(fd) != 0) s = IoError("sync", tmp);
  if (::close(fd) != 0 && s.ok()) s = IoError("close", tmp);
  if (!s.ok()) return s;
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return IoError("rename " + tmp + " to", path);
  return SyncDirectoryOf(path);
}

}  // namespace mdrill
