#include "lab/server/wal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
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

// Closes a descriptor when it goes out of scope.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

// One frame at `at` of `data`: its total size, or 0 when there is no intact,
// parseable frame there.
uint64_t FrameAt(std::string_view data, uint64_t at, milvusdrill::lab::WalRecord* rec) {
  uint32_t header[2];
  if (at + sizeof header > data.size()) return 0;
  std::memcpy(header, data.data() + at, sizeof header);
  const uint64_t len = header[0];
  if (len > kMaxRecord || at + sizeof header + len > data.size()) return 0;
  const char* body = data.data() + at + sizeof header;
  if (Crc32(body, len) != header[1]) return 0;
  if (!rec->ParseFromArray(body, static_cast<int>(len))) return 0;
  return sizeof header + len;
}

// The first offset after `from` where an intact frame starts, or data.size().
uint64_t NextIntactFrame(std::string_view data, uint64_t from) {
  milvusdrill::lab::WalRecord rec;
  for (uint64_t at = from + 1; at + 8 <= data.size(); ++at)
    if (FrameAt(data, at, &rec) > 0) return at;
  return data.size();
}

// The whole file, mapped read-only (a log can be as large as the data; mapping it
// costs no memory of its own).
class MappedFile {
 public:
  ~MappedFile() {
    if (addr_ != nullptr) ::munmap(addr_, size_);
  }
  Status Map(const std::string& path) {
    FdCloser reader{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (reader.fd < 0) return IoError("open " + path);
    struct stat st {};
    if (::fstat(reader.fd, &st) != 0) return IoError("stat " + path);
    size_ = static_cast<size_t>(st.st_size);
    if (size_ == 0) return Status::OK();
    void* a = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, reader.fd, 0);
    if (a == MAP_FAILED) return IoError("map " + path);
    addr_ = a;
    return Status::OK();
  }
  std::string_view data() const { return {static_cast<const char*>(addr_), addr_ ? size_ : 0}; }

 private:
  void* addr_ = nullptr;
  size_t size_ = 0;
};

Status LockExclusively(const std::string& path, int* fd) {
  *fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (*fd < 0) return IoError("open " + path);
  if (::flock(*fd, LOCK_EX | LOCK_NB) != 0)
    return Status(
        code::kServiceInternal, legacy::kUnexpectedError,
        "the write-ahead log " + path + " is in use by another process (one server per data directory); stop it first");
  return Status::OK();
}

}  // namespace

Wal::~Wal() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Status Wal::Open(const std::string& path, const std::function<Status(const milvusdrill::lab::WalRecord&)>& replay) {
  Status opened = file_.Open(path);  // creates the log, durably, on the first start
  if (!opened.ok()) return opened;
  if (Status locked = LockExclusively(path, &lock_fd_); !locked.ok()) return locked;
  MappedFile mapped;
  if (Status read = mapped.Map(path); !read.ok()) return read;
  const std::string_view data = mapped.data();
  uint64_t good = 0;
  milvusdrill::lab::WalRecord rec;
  while (uint64_t n = FrameAt(data, good, &rec)) {
    Status s = replay(rec);
    if (!s.ok())
      return Status::Internal("cannot replay record " + std::to_string(records_ + 1) + " of " + path + " (at byte " +
                              std::to_string(good) + "): " + s.reason() +
                              ". The data directory needs attention; to start from the records before it: "
                              "milvus-drill lab repair-wal --wal " +
                              path + " --truncate-at " + std::to_string(good));
    good += n;
    ++records_;
  }
  if (good < data.size()) {
    const uint64_t next = NextIntactFrame(data, good);
    if (next < data.size())
      return Status::Internal(
          "the write-ahead log " + path + " is damaged at byte " + std::to_string(good) + " (after record " +
          std::to_string(records_) + "), and intact records follow from byte " + std::to_string(next) +
          ": not a torn write, so nothing is dropped automatically. To "
          "start from the " +
          std::to_string(records_) + " records before the damage, dropping " + std::to_string(data.size() - good) +
          " bytes: milvus-drill lab repair-wal --wal " + path + " --truncate-at " + std::to_string(good));
    truncated_ = data.size() - good;  // a torn tail: nothing intact after it
    Status s = file_.Truncate(good);  // appends (O_APPEND) then start right after the last intact record
    if (!s.ok()) return s;
  }
  size_ = good;
  return Status::OK();
}

Result<uint64_t> Wal::RepairTruncate(const std::string& path, uint64_t offset) {
  MappedFile mapped;
  if (Status read = mapped.Map(path); !read.ok()) return read;
  const std::string_view data = mapped.data();
  uint64_t at = 0;
  milvusdrill::lab::WalRecord rec;
  while (at < offset) {
    uint64_t n = FrameAt(data, at, &rec);
    if (n == 0) break;
    at += n;
  }
  if (at != offset || offset > data.size())
    return Status::InvalidArgument("byte " + std::to_string(offset) + " of " + path +
                                   " is not the end of an intact record (the records before it end at byte " +
                                   std::to_string(at) + ")");
  FdCloser lock{-1};
  if (Status s = LockExclusively(path, &lock.fd); !s.ok()) return s;
  DurableAppendFile file;
  if (Status s = file.Open(path); !s.ok()) return s;
  if (Status s = file.Truncate(offset); !s.ok()) return s;
  return static_cast<uint64_t>(data.size() - offset);
}

Status Wal::Append(const milvusdrill::lab::WalRecord& record) {
  if (!failed_.empty()) return Status::Internal(failed_);
  std::string bytes;
  if (!record.SerializeToString(&bytes)) return Status::Internal("cannot serialize a log record");
  if (bytes.size() > kMaxRecord) return Status::InvalidArgument("request too large for one log record");
  uint32_t header[2] = {static_cast<uint32_t>(bytes.size()), Crc32(bytes.data(), bytes.size())};
  std::string frame(reinterpret_cast<const char*>(header), sizeof header);
  frame += bytes;
  if (Status s = file_.Append(frame); !s.ok()) {
    // What reached the disk is unknown after a failed write or fdatasync (the kernel
    // may have dropped the dirty pages): acknowledge nothing more until a restart
    // replays what is really there.
    (void)file_.Truncate(size_);
    failed_ = "the write-ahead log failed (" + s.reason() + "); writes are refused until the server restarts";
    return Status::Internal(failed_);
  }
  size_ += frame.size();
  ++records_;
  return Status::OK();
}

}  // namespace mdrill::lab
