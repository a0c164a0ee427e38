#include "lab/server/wal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "util/crc32.h"

namespace mdrill::lab {
namespace {

constexpr uint32_t kMaxRecord = 1u << 30;

Status IoError(const std::string& what) { return Status::Internal(what + ": " + std::strerror(errno)); }

bool ReadFull(int fd, void* buf, size_t n) {
  auto* p = static_cast<char*>(buf);
  while (n > 0) {
    ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

// Closes a descriptor when it goes out of scope.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Status Wal::Open(const std::string& path, const std::function<Status(const milvusdrill::lab::WalRecord&)>& replay) {
  Status opened = file_.Open(path);  // creates the log, durably, on the first start
  if (!opened.ok()) return opened;
  FdCloser reader{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (reader.fd < 0) return IoError("open " + path);
  struct stat st {};
  if (::fstat(reader.fd, &st) != 0) return IoError("stat " + path);
  uint64_t file_size = static_cast<uint64_t>(st.st_size);
  uint64_t good = 0;
  std::vector<char> buf;
  while (true) {
    uint32_t header[2];
    if (!ReadFull(reader.fd, header, sizeof header)) break;
    uint32_t len = header[0];
    if (len > kMaxRecord || good + sizeof header + len > file_size) break;
    buf.resize(len);
    if (!ReadFull(reader.fd, buf.data(), len)) break;
    if (Crc32(buf.data(), len) != header[1]) break;
    milvusdrill::lab::WalRecord rec;
    if (!rec.ParseFromArray(buf.data(), static_cast<int>(len))) break;
    Status s = replay(rec);
    if (!s.ok()) return Status::Internal("replaying " + path + " at byte " + std::to_string(good) + ": " + s.reason());
    good += sizeof header + len;
    ++records_;
  }
  truncated_ = file_size - good;
  if (truncated_ > 0) {
    Status s = file_.Truncate(good);  // appends (O_APPEND) then start right after the last intact record
    if (!s.ok()) return s;
  }
  size_ = good;
  return Status::OK();
}

Status Wal::Append(const milvusdrill::lab::WalRecord& record) {
  std::string bytes;
  if (!record.SerializeToString(&bytes)) return Status::Internal("cannot serialize a log record");
  if (bytes.size() > kMaxRecord) return Status::InvalidArgument("request too large for one log record");
  uint32_t header[2] = {static_cast<uint32_t>(bytes.size()), Crc32(bytes.data(), bytes.size())};
  std::string frame(reinterpret_cast<const char*>(header), sizeof header);
  frame += bytes;
  if (Status s = file_.Append(frame); !s.ok()) {
    // Cut the partial frame so the next append starts on a record boundary.
    (void)file_.Truncate(size_);
    return Status::Internal("write-ahead log append: " + s.reason());
  }
  size_ += frame.size();
  ++records_;
  return Status::OK();
}

}  // namespace mdrill::lab
