#include "drill/history/history.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

namespace mdrill::drill {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// Error text comes from servers and gRPC and may hold invalid UTF-8; replacing
// bad bytes beats throwing out of a history writer in the middle of a run.
template <typename J>
std::string Dump(const J& j) {
  return j.dump(-1, ' ', false, J::error_handler_t::replace);
}

// One builder for both the sorted json ToJson returns and the ordered json the
// file holds (so a line reads type, kind, times, outcome, ... in that order).
template <typename J>
J OpObject(const Op& op) {
  J j = J::object();
  j["type"] = "op";
  j["kind"] = op.kind;
  j["intended_us"] = op.intended_us;
  j["start_us"] = op.start_us;
  j["end_us"] = op.end_us;
  j["outcome"] = OutcomeName(op.outcome);
  j["code"] = op.code;
  j["error"] = op.error;
  if (!op.ids.empty()) j["ids"] = op.ids;
  if (!op.values.empty()) j["values"] = op.values;
  if (op.ts != 0) j["ts"] = op.ts;
  if (op.recall >= 0) j["recall"] = op.recall;
  if (op.value >= 0) j["value"] = op.value;
  if (!op.level.empty()) j["level"] = op.level;
  return j;
}

template <typename J>
J EventObject(const Event& e) {
  J j = J::object();
  j["type"] = "event";
  j["t_us"] = e.t_us;
  j["name"] = e.name;
  j["detail"] = e.detail;
  if (e.data.is_object()) j["data"] = e.data;
  return j;
}

Status Bad(const std::string& why) { return Status::InvalidArgument(why); }

// Reads a required or optional signed integer field. Unsigned values above
// INT64_MAX are rejected rather than wrapped.
Status GetInt64(const json& j, const char* key, bool required, int64_t* out) {
  auto it = j.find(key);
  if (it == j.end()) return required ? Bad(std::string("missing field \"") + key + "\"") : Status::OK();
  if (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Bad(std::string("field \"") + key + "\" out of range");
  }
  if (!it->is_number_integer()) return Bad(std::string("field \"") + key + "\" is not an integer");
  *out = it->get<int64_t>();
  return Status::OK();
}

Status GetString(const json& j, const char* key, bool required, std::string* out) {
  auto it = j.find(key);
  if (it == j.end()) return required ? Bad(std::string("missing field \"") + key + "\"") : Status::OK();
  if (!it->is_string()) return Bad(std::string("field \"") + key + "\" is not a string");
  *out = it->get<std::string>();
  return Status::OK();
}

Status IoError(const std::string& what) { return Status::Internal(what + ": " + std::strerror(errno)); }

bool WriteFull(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t r = ::write(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

// Applies one parsed record to *history. `seen_meta` tracks the first-record rule.
Status ApplyRecord(const json& j, bool* seen_meta, History* history) {
  if (!j.is_object()) return Bad("record is not a JSON object");
  std::string type;
  Status s = GetString(j, "type", true, &type);
  if (!s.ok()) return s;
  if (type == "meta") {
    json fields = j;
    fields.erase("type");
    history->meta.update(fields);
    *seen_meta = true;
    return Status::OK();
  }
  if (!*seen_meta) return Bad("the first record must be {\"type\":\"meta\",...}, got type \"" + type + "\"");
  if (type == "op") {
    Op op;
    s = OpFromJson(j, &op);
    if (s.ok()) history->ops.push_back(std::move(op));
    return s;
  }
  if (type == "event") {
    Event e;
    s = EventFromJson(j, &e);
    if (s.ok()) history->events.push_back(std::move(e));
    return s;
  }
  return Bad("unknown record type \"" + type + "\"");
}

// Reads an optional int64 array field into *out (left empty when absent).
Status GetInt64Array(const json& j, const char* field, std::vector<int64_t>* out) {
  auto it = j.find(field);
  if (it == j.end()) return Status::OK();
  if (!it->is_array()) return Bad(std::string("field \"") + field + "\" is not an array");
  out->reserve(it->size());
  for (const json& v : *it) {
    if (!v.is_number_integer() ||
        (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))) {
      return Bad(std::string("field \"") + field + "\" holds a value that is not an int64");
    }
    out->push_back(v.get<int64_t>());
  }
  return Status::OK();
}

}  // namespace

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kFail:
      return "fail";
    case Outcome::kUnknown:
      return "unknown";
  }
  return "unknown";
}

bool ParseOutcome(std::string_view text, Outcome* outcome) {
  if (text == "ok") {
    *outcome = Outcome::kOk;
  } else if (text == "fail") {
    *outcome = Outcome::kFail;
  } else if (text == "unknown") {
    *outcome = Outcome::kUnknown;
  } else {
    return false;
  }
  return true;
}

json ToJson(const Op& op) { return OpObject<json>(op); }
json ToJson(const Event& event) { return EventObject<json>(event); }
std::string ToJsonLine(const Op& op) { return Dump(OpObject<ordered_json>(op)); }
std::string ToJsonLine(const Event& event) { return Dump(EventObject<ordered_json>(event)); }

std::string MetaJsonLine(const json& meta) {
  ordered_json j = ordered_json::object();
  j["type"] = "meta";
  if (meta.is_object()) {
    for (auto it = meta.begin(); it != meta.end(); ++it) {
      if (it.key() != "type") j[it.key()] = it.value();
    }
  } else if (!meta.is_null()) {
    j["value"] = meta;
  }
  return Dump(j);
}

Status OpFromJson(const json& j, Op* op) {
  if (!j.is_object()) return Bad("op is not a JSON object");
  Op o;
  Status s = GetString(j, "kind", true, &o.kind);
  if (s.ok()) s = GetInt64(j, "intended_us", true, &o.intended_us);
  if (s.ok()) s = GetInt64(j, "start_us", true, &o.start_us);
  if (s.ok()) s = GetInt64(j, "end_us", true, &o.end_us);
  std::string outcome;
  if (s.ok()) s = GetString(j, "outcome", true, &outcome);
  if (!s.ok()) return s;
  if (!ParseOutcome(outcome, &o.outcome))
    return Bad("field \"outcome\" must be ok|fail|unknown, got \"" + outcome + "\"");
  int64_t code = 0;
  s = GetInt64(j, "code", false, &code);
  if (!s.ok()) return s;
  if (code < std::numeric_limits<int32_t>::min() || code > std::numeric_limits<int32_t>::max()) {
    return Bad("field \"code\" out of range");
  }
  o.code = static_cast<int32_t>(code);
  s = GetString(j, "error", false, &o.error);
  if (!s.ok()) return s;
  if (!(s = GetInt64Array(j, "ids", &o.ids)).ok()) return s;
  if (!(s = GetInt64Array(j, "values", &o.values)).ok()) return s;
  if (auto it = j.find("ts"); it != j.end()) {
    if (!it->is_number_integer() || (!it->is_number_unsigned() && it->get<int64_t>() < 0)) {
      return Bad("field \"ts\" is not an unsigned integer");
    }
    o.ts = it->get<uint64_t>();
  }
  if (auto it = j.find("recall"); it != j.end()) {
    if (!it->is_number()) return Bad("field \"recall\" is not a number");
    o.recall = it->get<double>();
  }
  s = GetInt64(j, "value", false, &o.value);
  if (s.ok()) s = GetString(j, "level", false, &o.level);
  if (!s.ok()) return s;
  *op = std::move(o);
  return Status::OK();
}

Status EventFromJson(const json& j, Event* event) {
  if (!j.is_object()) return Bad("event is not a JSON object");
  Event e;
  Status s = GetInt64(j, "t_us", true, &e.t_us);
  if (s.ok()) s = GetString(j, "name", true, &e.name);
  if (s.ok()) s = GetString(j, "detail", false, &e.detail);
  if (!s.ok()) return s;
  if (auto d = j.find("data"); d != j.end()) {
    if (!d->is_object() && !d->is_null()) return Bad("event data is not a JSON object");
    e.data = *d;
  }
  *event = std::move(e);
  return Status::OK();
}

Status ReadHistory(const std::string& path, History* history) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("open " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return IoError("read " + path);
  const std::string text = buf.str();

  History h;
  bool seen_meta = false;
  size_t pos = 0;
  for (int line_no = 1; pos < text.size(); ++line_no) {
    size_t nl = text.find('\n', pos);
    const bool terminated = nl != std::string::npos;
    std::string_view line(text.data() + pos, (terminated ? nl : text.size()) - pos);
    pos = terminated ? nl + 1 : text.size();
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      // Only an unterminated last line can be a torn write; a bad line in the
      // middle means the file was damaged or hand-edited, and guessing is worse.
      if (!terminated) {
        h.truncated = true;
        break;
      }
      return Bad(path + ":" + std::to_string(line_no) + ": not valid JSON");
    }
    Status s = ApplyRecord(j, &seen_meta, &h);
    if (!s.ok()) return Bad(path + ":" + std::to_string(line_no) + ": " + s.reason());
  }
  if (!seen_meta) return Bad(path + ": no meta record (empty history)");
  *history = std::move(h);
  return Status::OK();
}

Status HistoryFollower::ReadNew(History* history) {
  std::ifstream in(path_, std::ios::binary);
  if (!in) return IoError("open " + path_);
  in.seekg(offset_);
  std::ostringstream buf;
  buf << in.rdbuf();
  const std::string text = partial_ + buf.str();
  const std::streamoff start = offset_ - static_cast<std::streamoff>(partial_.size());
  offset_ = start + static_cast<std::streamoff>(text.size());
  // Every whole line is consumed: a bad one is skipped (and reported), so the
  // next call goes on from the end of what was read.
  Status first = Status::OK();
  size_t pos = 0;
  for (size_t nl = text.find('\n'); nl != std::string::npos; pos = nl + 1, nl = text.find('\n', pos)) {
    std::string_view line(text.data() + pos, nl - pos);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    Status s = j.is_discarded() ? Bad("not valid JSON at byte " + std::to_string(start + pos))
                                : ApplyRecord(j, &seen_meta_, history);
    if (!s.ok() && first.ok()) first = Bad(path_ + ": " + s.reason());
  }
  partial_ = text.substr(pos);
  return first;
}

Status WriteHistory(const std::string& path, const History& history) {
  std::string out = MetaJsonLine(history.meta) + "\n";
  for (const Op& op : history.ops) out += ToJsonLine(op) + "\n";
  for (const Event& e : history.events) out += ToJsonLine(e) + "\n";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("open " + path);
  bool ok = WriteFull(fd, out.data(), out.size());
  Status s = ok ? Status::OK() : IoError("write " + path);
  if (::close(fd) != 0 && s.ok()) s = IoError("close " + path);
  return s;
}

HistoryWriter::~HistoryWriter() { (void)Close(); }

Status HistoryWriter::Open(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ >= 0) return Status::InvalidArgument("history writer already open on " + path_);
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) return IoError("open " + path);
  path_ = path;
  meta_written_ = false;
  return Status::OK();
}

Status HistoryWriter::WriteMeta(const json& meta) {
  if (!meta.is_object()) return Status::InvalidArgument("history meta must be a JSON object");
  return WriteLine(MetaJsonLine(meta), /*is_meta=*/true);
}

Status HistoryWriter::Append(const Op& op) { return WriteLine(ToJsonLine(op), false); }
Status HistoryWriter::Append(const Event& event) { return WriteLine(ToJsonLine(event), false); }

Status HistoryWriter::WriteLine(std::string line, bool is_meta) {
  line.push_back('\n');
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ < 0) return Status::InvalidArgument("history writer is not open");
  if (!is_meta && !meta_written_) return Status::InvalidArgument("history: WriteMeta must come before Append");
  // One write per line, straight to the kernel: a crash of this process loses
  // nothing already appended, and the reader copes with a torn last line.
  if (!WriteFull(fd_, line.data(), line.size())) return IoError("write " + path_);
  if (is_meta) meta_written_ = true;
  return Status::OK();
}

Status HistoryWriter::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ < 0) return Status::OK();
  int rc = ::close(fd_);
  fd_ = -1;
  return rc == 0 ? Status::OK() : IoError("close " + path_);
}

}  // namespace mdrill::drill
