// History: the record of one drill run, the only thing the checkers see.
//
// A run's workload clients append one Op per operation and the nemesis and the
// driver append Events (phase changes, fault start/end, what the fault hit). The
// checkers (drill/checkers.h) are pure functions of a History, so a run can be
// judged again, later, from its file.
//
// Times are int64 microseconds since the run's epoch (the run start). An Op keeps
// three of them because the workload is open-loop: latency counts from the moment
// the generator meant to start the call (intended_us), not from when a busy client
// got round to it (start_us), so a stalled server cannot hide its stall
// (coordinated omission).
//
// File format: JSON lines, UTF-8, one record per line, each ending in '\n':
//   {"type":"meta", ...free-form run description...}            first line
//   {"type":"op","kind":"insert","intended_us":..,"start_us":..,"end_us":..,
//    "outcome":"ok"|"fail"|"unknown","code":..,"error":"..",
//    "ids":[..] (omitted when empty),"values":[..] (omitted when empty),"ts":.. (omitted when 0),
//    "recall":.. (omitted when < 0),"value":.. (omitted when < 0)}
//   {"type":"event","t_us":..,"name":"fault.start","detail":".."}
// Ops and events may interleave in any order (clients finish out of order).
#pragma once

#include <cstdint>
#include <ios>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/status.h"

namespace mdrill::drill {

// kUnknown: a timeout or transport error after which the operation may or may not
// have taken effect (Jepsen's "info"). Checkers never count an unknown insert as
// lost or as duplicated.
enum class Outcome { kOk, kFail, kUnknown };

// "ok", "fail", "unknown".
const char* OutcomeName(Outcome outcome);
// Parses OutcomeName's spelling; false for anything else.
bool ParseOutcome(std::string_view text, Outcome* outcome);

// Op kinds the checkers treat specially. Any other kind string is allowed and is
// measured like "search" (success, latency, RTO per kind).
inline constexpr const char* kKindSearch = "search";
inline constexpr const char* kKindInsert = "insert";  // consistency + split-brain checkers
inline constexpr const char* kKindQuery = "query";
inline constexpr const char* kKindCount = "count";
inline constexpr const char* kKindProbe = "probe";
// A new connection per attempt (Connect on a fresh channel): can a new client get in?
inline constexpr const char* kKindConnect = "connect";
// GetVersion through one channel with the SDKs' default reconnect behaviour: what
// an application saw. The client's view, not the service's: reported beside the
// RTO, never part of it, of the failed-request count or of availability.
inline constexpr const char* kKindSdkProbe = "sdk_probe";
inline constexpr const char* kKindFinal = "final";  // the final read; not part of the workload
// The keyed workload (a side collection with client-chosen primary keys and a
// "version" field): inserts of new unique keys, upserts and deletes of
// acknowledged ones, Strong point lookups; its final read lists every stored
// (key, version). Judged by the keyed checker (drill/check/keyed.cc).
inline constexpr const char* kKindKeyInsert = "key_insert";
inline constexpr const char* kKindUpsert = "upsert";
inline constexpr const char* kKindDelete = "delete";
inline constexpr const char* kKindKeyLookup = "key_lookup";
inline constexpr const char* kKindKeyFinal = "key_final";  // not part of the workload
// Operations that change data: a transport failure leaves their outcome unknown.
// The DDL churn's steps (drill/run/ddl.h): "ddl_create", "ddl_has", ... and
// "ddl_final". Judged by the DDL check alone: their latencies (a load waits for
// it) are not the service's, so they stay out of the RTO and failure windows.
// "ddl": a DDL step the churn could not send (its client could not connect).
inline bool IsDdlKind(std::string_view kind) { return kind == "ddl" || kind.substr(0, 4) == "ddl_"; }
// A DDL step that changes the catalog: its transport failure leaves it unknown.
inline bool IsDdlMutationKind(std::string_view kind) {
  return IsDdlKind(kind) && kind != "ddl" && kind != "ddl_has" && kind != "ddl_count" && kind != "ddl_final";
}

inline bool IsMutationKind(std::string_view kind) {
  return kind == kKindInsert || kind == kKindKeyInsert || kind == kKindUpsert || kind == kKindDelete;
}

// Event names. "phase" carries warmup|fault|recovery|after in detail; "target"
// carries free text about what the fault hit ("active coordinator before: X after: Y").
inline constexpr const char* kEventPhase = "phase";
inline constexpr const char* kEventFaultStart = "fault.start";
// After fault.start, once the command that injects the fault has returned: the
// fault took effect somewhere between the two. The strict RTO counts from here, so
// a slow kubectl or docker is not part of the outage.
inline constexpr const char* kEventFaultInjected = "fault.injected";
inline constexpr const char* kEventFaultEnd = "fault.end";
inline constexpr const char* kEventTarget = "target";
// The target's processes as its platform sees them (drill/check/census.h); data
// {"label": "start" | "after <fault id>" | "end", "components": [...]}, or
// {"label": ..., "error": "..."} for one the platform would not give.
inline constexpr const char* kEventCensus = "census";
// An invariant the history proved broken while the run went on (drill/check/so_far.h);
// data {"invariant", "id"}. The verdict judges from the ops, not from these.
inline constexpr const char* kEventViolation = "violation";

struct Op {
  std::string kind;         // "search", "insert", "query", "count", "probe", "final" ...
  int64_t intended_us = 0;  // when the open-loop generator meant to start it
  int64_t start_us = 0;     // when the call was actually issued
  int64_t end_us = 0;       // when the outcome was known
  Outcome outcome = Outcome::kOk;
  int32_t code = 0;             // Milvus error code, or gRPC status code for transport errors
  std::string error;            // error text, empty when ok
  std::vector<int64_t> ids;     // insert: primary keys sent/acknowledged; final: every pk found by the
                                // final read (repeats = a pk stored more than once)
  std::vector<int64_t> values;  // keyed ops: per id, the version written (upsert) or read
                                // (key_final); empty otherwise
  uint64_t ts = 0;              // insert: mutation timestamp the server returned (hybrid:
                                // physical ms << 18 | logical); 0 = none
  double recall = -1;           // search: recall@k against exact ground truth; -1 when not computed
  int64_t value = -1;           // count: the count returned; -1 when none
  std::string level;            // key_lookup: the consistency level asked for (Strong, Session,
                                // Bounded, Eventually); empty = Strong

  bool ok() const { return outcome == Outcome::kOk; }
  bool operator==(const Op&) const = default;
};

struct Event {
  int64_t t_us = 0;
  std::string name;
  std::string detail;  // for people
  // Structured facts for checkers (a JSON object; null when the event has none),
  // e.g. a "target" event's {"before", "after", "changed"}.
  nlohmann::json data = nullptr;

  bool operator==(const Event&) const = default;
};

struct History {
  nlohmann::json meta = nlohmann::json::object();
  std::vector<Op> ops;        // in file order
  std::vector<Event> events;  // in file order
  // Set by ReadHistory when the file's last line was cut short (a writer killed
  // mid-line) and was skipped. The run may have ended early.
  bool truncated = false;
};

// One JSON line (without the trailing '\n') for an op, an event, or the meta record.
// Meta fields are written as given, plus "type":"meta" (overriding any "type" key).
std::string ToJsonLine(const Op& op);
std::string ToJsonLine(const Event& event);
std::string MetaJsonLine(const nlohmann::json& meta);

// The JSON object ToJsonLine prints, and its inverse. OpFromJson/EventFromJson
// reject missing or mistyped required fields with InvalidArgument naming the field;
// unknown fields are ignored so newer writers stay readable.
nlohmann::json ToJson(const Op& op);
nlohmann::json ToJson(const Event& event);
Status OpFromJson(const nlohmann::json& j, Op* op);
Status EventFromJson(const nlohmann::json& j, Event* event);

// Reads a history file into *history (replacing its contents).
// Blank lines are skipped. The first record must be a meta record; later meta
// records are merged into meta (later keys win), so a writer may add a closing
// summary. A last line that does not end in '\n' and does not parse is the torn
// tail a killed writer leaves: it is skipped and history->truncated is set.
// Any other malformed line fails with InvalidArgument "<path>:<line>: <why>"
// (lines numbered from 1). Fails with Internal when the file cannot be read.
Status ReadHistory(const std::string& path, History* history);

// Writes a whole history (meta first, then ops, then events) to `path`,
// replacing the file. For tests and for re-judging tools; runs use HistoryWriter.
Status WriteHistory(const std::string& path, const History& history);

// Follows a history file that a HistoryWriter is still writing: each ReadNew
// adds the whole lines appended since the last call to *history (a line not yet
// finished waits for the next call). Not thread-safe.
class HistoryFollower {
 public:
  explicit HistoryFollower(std::string path) : path_(std::move(path)) {}
  // Internal when the file cannot be read; InvalidArgument for a malformed line
  // (skipped: the lines after it are read all the same).
  Status ReadNew(History* history);

 private:
  std::string path_;
  std::streamoff offset_ = 0;
  std::string partial_;
  bool seen_meta_ = false;
};

// Appends records to a history file as a run produces them.
// Each record is written with one write(2) of a whole line, so after a crash the
// file holds every record whose Append returned plus at most one torn last line,
// which ReadHistory tolerates. Thread-safe: Append and WriteMeta may be called
// from many threads; lines never interleave.
class HistoryWriter {
 public:
  HistoryWriter() = default;
  ~HistoryWriter();  // closes the file
  HistoryWriter(const HistoryWriter&) = delete;
  HistoryWriter& operator=(const HistoryWriter&) = delete;

  // Creates (truncating) the file at `path`. Internal on an I/O error.
  Status Open(const std::string& path);
  // Writes a meta record. The first record written must be a meta record:
  // Append before the first WriteMeta fails with InvalidArgument. Later WriteMeta
  // calls add records that ReadHistory merges into the first.
  Status WriteMeta(const nlohmann::json& meta);
  Status Append(const Op& op);
  Status Append(const Event& event);
  // Closes the file; later calls fail. Idempotent.
  Status Close();

 private:
  Status WriteLine(std::string line, bool is_meta);

  std::mutex mu_;
  int fd_ = -1;
  std::string path_;
  bool meta_written_ = false;
};

}  // namespace mdrill::drill
