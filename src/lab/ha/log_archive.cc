#include "lab/ha/log_archive.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "etcd/keys.h"
#include "util/crc32.h"
#include "util/durable_append.h"

namespace mdrill::lab {

namespace rec = ::milvusdrill::lab;

namespace {

constexpr char kMagic[4] = {'M', 'D', 'L', 'A'};
constexpr size_t kHeader = 8;  // magic + CRC-32

std::string Digits(const std::string& log_key, const std::string& prefix) {
  const std::string log = etcd::LogPrefix(prefix);
  return log_key.compare(0, log.size(), log) == 0 ? log_key.substr(log.size()) : log_key;
}

}  // namespace

std::string EncodeLogSegment(const rec::LogArchiveSegment& segment) {
  std::string body;
  segment.SerializeToString(&body);
  const uint32_t crc = Crc32(body.data(), body.size());
  std::string out(kMagic, sizeof kMagic);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  return out + body;
}

Status DecodeLogSegment(const std::string& bytes, rec::LogArchiveSegment* segment) {
  if (bytes.size() < kHeader || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    return Status::InvalidArgument("not a log archive segment (no MDLA header)");
  uint32_t crc = 0;
  for (int i = 0; i < 4; ++i) crc |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[4 + i])) << (8 * i);
  if (Crc32(bytes.data() + kHeader, bytes.size() - kHeader) != crc)
    return Status::InvalidArgument("log archive segment damaged (CRC mismatch over " +
                                   std::to_string(bytes.size() - kHeader) + " bytes)");
  if (!segment->ParseFromArray(bytes.data() + kHeader, static_cast<int>(bytes.size() - kHeader)))
    return Status::InvalidArgument("log archive segment does not parse");
  return Status::OK();
}

Status ReadLogSegment(const std::string& path, rec::LogArchiveSegment* segment) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Internal("cannot open log archive segment " + path + ": " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::Internal("cannot read log archive segment " + path);
  Status s = DecodeLogSegment(ss.str(), segment);
  return s.ok() ? s : Status::InvalidArgument(path + ": " + s.reason());
}

LogArchiver::LogArchiver(etcd::EtcdClient* etcd, const Election* election, std::string election_key,
                         LogArchiveOptions options, std::function<bool()> may_write)
    : etcd_(etcd),
      election_(election),
      election_key_(std::move(election_key)),
      options_(std::move(options)),
      may_write_(std::move(may_write)) {}

LogArchiver::~LogArchiver() { Stop(); }

void LogArchiver::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void LogArchiver::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LogArchiver::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, options_.interval, [this] { return stopping_; })) {
    lock.unlock();
    if (may_write_()) {
      auto r = ArchiveOnce();
      if (!r.ok()) {
        std::fprintf(stderr, "log archive: %s\n", r.status().ToString().c_str());
      } else if (r->segments > 0) {
        std::printf("log archive: %d segments, %lld records (%lld bytes) moved out of etcd\n", r->segments,
                    static_cast<long long>(r->records), static_cast<long long>(r->bytes));
        std::fflush(stdout);
      }
    }
    lock.lock();
  }
}

Result<ArchiveReport> LogArchiver::ArchiveOnce() {
  ArchiveReport report;
  for (int i = 0; i < options_.max_segments_per_pass; ++i) {
    auto more = ArchiveOneSegment(&report);
    if (!more.ok()) return more.status();
    if (!more.value()) break;
  }
  return report;
}

Result<bool> LogArchiver::ArchiveOneSegment(ArchiveReport* report) {
  const std::string log_prefix = etcd::LogPrefix(options_.prefix);
  // Keys archived before but not deleted (a pass cut short between its put and its
  // delete) are deleted first, so the segment starts after the archive's end.
  auto last = etcd_->GetLast(etcd::LogArchivePrefix(options_.prefix), etcd::Deadline(3000));
  if (!last.ok()) return last.status();
  std::string from;
  if (last.value()) {
    const std::string end = log_prefix + last.value()->key.substr(etcd::LogArchivePrefix(options_.prefix).size());
    auto d = etcd_->DeleteRange(log_prefix, end + '\0', etcd::Deadline(3000));
    if (!d.ok()) return d.status();
    from = end + '\0';
  }
  rec::LogArchiveSegment segment;
  size_t bytes = 0;
  bool more = true;
  while (more && segment.entries_size() < options_.segment_records && bytes < options_.segment_bytes) {
    const int64_t want = std::max<int64_t>(1, std::min<int64_t>(64, options_.segment_records - segment.entries_size()));
    auto page = etcd_->GetPage(log_prefix, from, want, etcd::Deadline(5000));
    if (!page.ok()) return page.status();
    for (const auto& kv : page->kvs) {
      auto* e = segment.add_entries();
      e->set_key(kv.key);
      e->set_value(kv.value);
      e->set_mod_revision(kv.mod_revision);
      bytes += kv.key.size() + kv.value.size();
      from = kv.key + '\0';
    }
    more = page->more;
    if (page->kvs.empty()) break;
  }
  // Only a full run with records after it: the log's tail stays in etcd.
  const bool full = segment.entries_size() >= options_.segment_records || bytes >= options_.segment_bytes;
  if (!full || !more) return false;
  const std::string first = segment.entries(0).key(), last_key = segment.entries(segment.entries_size() - 1).key();
  const std::string dir = options_.storage_dir + "/log-archive";
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    return Status::Internal("cannot create " + dir + ": " + std::strerror(errno));
  const std::string path =
      dir + "/" + Digits(first, options_.prefix) + "-" + Digits(last_key, options_.prefix) + ".seg";
  if (Status s = WriteFileAtomically(path, EncodeLogSegment(segment)); !s.ok()) return s;
  auto put = etcd_->PutIfLeaseHolds(election_key_, election_->lease(), etcd::LogArchiveKey(options_.prefix, last_key),
                                    path, etcd::Deadline(3000));
  if (!put.ok()) return put.status();
  if (put.value() == 0) return false;  // no longer the active coordinator
  auto d = etcd_->DeleteRange(first, last_key + '\0', etcd::Deadline(3000));
  if (!d.ok()) return d.status();
  ++report->segments;
  report->records += segment.entries_size();
  report->bytes += static_cast<int64_t>(bytes);
  return true;
}

}  // namespace mdrill::lab
