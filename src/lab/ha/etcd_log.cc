#include "lab/ha/etcd_log.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "etcd/keys.h"
#include "lab/ha/log_archive.h"
#include "util/durable_append.h"
#include "util/wall_clock.h"

namespace mdrill::lab {

namespace rec = ::milvusdrill::lab;
using Clock = std::chrono::steady_clock;

LogTailer::LogTailer(etcd::EtcdClient* etcd, Catalog* catalog, EtcdLogOptions options)
    : etcd_(etcd), catalog_(catalog), options_(std::move(options)) {}

LogTailer::~LogTailer() { Stop(); }

void LogTailer::Start() {
  thread_ = std::thread([this] { Loop(); });
  if (!options_.watch) return;
  watcher_ = std::make_unique<etcd::Watcher>(*etcd_, etcd::LogPrefix(options_.prefix), true,
                                             [this](const std::vector<etcdserverpb::Event>&) { Poke(); });
  watcher_->Start();
}

void LogTailer::Stop() {
  if (watcher_) watcher_->Stop();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LogTailer::Poke() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    poked_ = true;
  }
  cv_.notify_all();
}

bool LogTailer::WaitApplied(int64_t rev, Clock::time_point until) {
  std::unique_lock<std::mutex> lock(mu_);
  if (applied_.load() < rev) {  // read the log now rather than at the next poll
    poked_ = true;
    cv_.notify_all();
  }
  return cv_.wait_until(lock, until, [&] { return applied_.load() >= rev || stopping_; }) && applied_.load() >= rev;
}

bool LogTailer::CatchUpToCurrent(const std::atomic<bool>* stopping) {
  int64_t rev = -1;
  while (stopping == nullptr || !stopping->load()) {
    if (rev < 0) {
      auto r = etcd_->Revision(etcd::Deadline(2000));
      if (!r.ok()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        continue;
      }
      rev = r.value();
    }
    if (WaitApplied(rev, Clock::now() + std::chrono::milliseconds(500))) return true;
  }
  return false;
}

bool LogTailer::Load(const std::string& value, rec::WalRecord* r) const {
  if (value.empty()) return false;
  if (value[0] == 'I') return r->ParseFromArray(value.data() + 1, static_cast<int>(value.size() - 1));
  std::ifstream in(value.substr(1), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return in.good() || in.eof() ? r->ParseFromString(ss.str()) : false;
}

void LogTailer::Loop() {
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, options_.poll, [this] { return stopping_ || poked_; });
      if (stopping_) return;
      poked_ = false;
    }
    // Pages until caught up: each read starts after the last applied key, so it
    // costs what it returns however long the log is.
    while (ReadPage()) {
    }
  }
}

// Reads and applies one page of the log; true when more follows at once. The
// archive's keys after the last applied record and the log's next page come from
// one etcd transaction (one revision): a record the archiver deleted from the log
// is then in a segment this read lists (log_archive.h).
bool LogTailer::ReadPage() {
  // Taken before the read: whatever was acknowledged before this instant was
  // committed before the read, so it is in what the read returns.
  const int64_t read_at_ms = UnixMs();
  const std::string archive_from = last_key_.empty() ? "" : etcd::LogArchiveKey(options_.prefix, last_key_) + '\0';
  auto r = etcd_->GetPagesAtOnce({{etcd::LogArchivePrefix(options_.prefix), archive_from, kArchivePage},
                                  {etcd::LogPrefix(options_.prefix), next_key_, kLogPage}},
                                 etcd::Deadline(5000));
  if (!r.ok()) return false;
  const auto& archive = r.value()[0];
  if (!archive.kvs.empty()) return ApplySegments(archive);
  const auto& page = r.value()[1];
  for (const auto& kv : page.kvs)
    if (!ApplyOne(kv.key, kv.value, kv.mod_revision)) return false;
  if (page.more) return true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (page.revision > applied_.load()) applied_ = page.revision;
    serviceable_ms_ = read_at_ms;
  }
  cv_.notify_all();
  return false;
}

// Applies the records of archived segments that follow the last applied one; true
// when every segment was read (more may follow).
bool LogTailer::ApplySegments(const etcd::EtcdClient::Page& archive) {
  for (const auto& kv : archive.kvs) {
    rec::LogArchiveSegment segment;
    if (Status s = ReadLogSegment(kv.value, &segment); !s.ok()) {
      std::fprintf(stderr, "log: archive segment %s: %s; retrying\n", kv.key.c_str(), s.ToString().c_str());
      return false;  // stay before it: never skip a record
    }
    for (const auto& e : segment.entries())
      if (e.key() >= next_key_ && !ApplyOne(e.key(), e.value(), e.mod_revision())) return false;
  }
  { std::lock_guard<std::mutex> lock(mu_); }  // a waiter is either waiting or sees applied_
  cv_.notify_all();
  return true;
}

// Applies one record; false when it cannot be read (the tailer stays before it).
bool LogTailer::ApplyOne(const std::string& key, const std::string& value, int64_t mod_revision) {
  rec::WalRecord record;
  if (!Load(value, &record)) {
    std::fprintf(stderr, "log: cannot read record %s; retrying\n", key.c_str());
    return false;
  }
  Status s = catalog_->ApplyReplicated(record);
  if (!s.ok()) std::fprintf(stderr, "log: record %s: %s\n", key.c_str(), s.ToString().c_str());
  ++records_;
  if (record.ts() > max_ts_.load()) max_ts_ = record.ts();
  if (mod_revision > applied_.load()) applied_ = mod_revision;
  last_key_ = key;
  next_key_ = key + '\0';  // the next key after it
  return true;
}

EtcdLog::EtcdLog(etcd::EtcdClient* etcd, FencedAllocator* alloc, const Election* election, std::string election_key,
                 LogTailer* tailer, EtcdLogOptions options)
    : etcd_(etcd),
      alloc_(alloc),
      election_(election),
      election_key_(std::move(election_key)),
      tailer_(tailer),
      options_(std::move(options)) {}

Status EtcdLog::Append(rec::WalRecord* r) {
  std::string bytes;
  if (!r->SerializeToString(&bytes)) return Status::Internal("cannot serialize a log record");
  std::string value;
  if (bytes.size() <= options_.inline_limit) {
    value = "I" + bytes;
  } else {
    std::string path = options_.storage_dir + "/" + std::to_string(r->ts()) + ".rec";
    if (Status s = WriteFileAtomically(path, bytes); !s.ok()) return s;
    value = "F" + path;
  }
  auto rev = etcd_->PutIfLeaseHolds(election_key_, election_->lease(), etcd::LogKey(options_.prefix, r->ts()), value,
                                    etcd::Deadline(3000));
  if (!rev.ok()) return rev.status();
  if (rev.value() == 0)
    return Status(code::kServiceNotReady, legacy::kNotReadyServe + 1, "this coordinator is no longer the active one");
  tailer_->Poke();
  // Committed is success: the record is durable and every replica applies it. Wait
  // a while so this node's own reads see it, but a slow tailer never turns a
  // committed write into a reported failure.
  if (!tailer_->WaitApplied(rev.value(), Clock::now() + std::chrono::seconds(5)))
    std::fprintf(stderr, "etcd log: record at revision %lld committed but not yet applied here after 5 s\n",
                 static_cast<long long>(rev.value()));
  return Status::OK();
}

}  // namespace mdrill::lab
