#include "etcd/watch.h"

namespace mdrill::etcd {

namespace pb = ::etcdserverpb;

Watcher::Watcher(const EtcdClient& etcd, std::string key, bool prefix, OnChange on_change)
    : stub_(pb::Watch::NewStub(etcd.channel())),
      key_(std::move(key)),
      prefix_(prefix),
      on_change_(std::move(on_change)) {}

Watcher::~Watcher() { Stop(); }

void Watcher::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Watcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (ctx_ != nullptr) ctx_->TryCancel();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Watcher::Loop() {
  int64_t next_revision = 0;  // 0: from now
  while (true) {
    RunStream(&next_revision);
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stopping_; })) return;
  }
}

// One stream, from open to end; false when it could not be opened.
bool Watcher::RunStream(int64_t* next_revision) {
  grpc::ClientContext ctx;
  ctx.set_wait_for_ready(true);
  ctx.AddMetadata("hasleader", "true");
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return false;
    ctx_ = &ctx;
  }
  auto stream = stub_->Watch(&ctx);
  pb::WatchRequest req;
  auto* create = req.mutable_create_request();
  create->set_key(key_);
  if (prefix_) create->set_range_end(PrefixEnd(key_));
  create->set_start_revision(*next_revision);
  bool opened = false;
  if (stream->Write(req)) {
    pb::WatchResponse resp;
    while (stream->Read(&resp)) {
      if (resp.canceled() || resp.compact_revision() > 0) {
        if (resp.compact_revision() > 0) *next_revision = 0;  // history gone: from now, after a re-read
        break;
      }
      if (resp.created()) {
        opened = true;
        ++opened_;
        if (*next_revision == 0) *next_revision = resp.header().revision() + 1;
        on_change_({});  // whatever went by while no stream was open
        continue;
      }
      if (resp.events_size() == 0) continue;
      *next_revision = resp.events(resp.events_size() - 1).kv().mod_revision() + 1;
      on_change_({resp.events().begin(), resp.events().end()});
    }
  }
  ctx.TryCancel();
  (void)stream->Finish();
  std::lock_guard<std::mutex> lock(mu_);
  ctx_ = nullptr;
  return opened;
}

}  // namespace mdrill::etcd
