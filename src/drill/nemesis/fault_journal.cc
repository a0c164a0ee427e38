#include "drill/nemesis/fault_journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "util/durable_append.h"

namespace mdrill::drill {
namespace {

// Appends `j` as one line and fsyncs. If the file does not end in '\n' (a torn line
// from a crash), a '\n' goes first so the new record is not glued to the fragment.
Status AppendLine(const std::string& path, const nlohmann::json& j) {
  DurableAppendFile journal;
  Status s = journal.Open(path);
  if (s.ok()) s = journal.AppendLine(j.dump());
  if (!s.ok()) return Status::Internal("fault journal: " + s.reason());
  return Status::OK();
}

}  // namespace

Status JournalApplied(const std::string& path, const AppliedFault& fault) {
  int64_t now = UnixMs();
  int64_t duration = fault.spec.duration.count();
  return AppendLine(path, {{"event", "applied"},
                           {"fault", ToJson(fault)},
                           {"journaled_unix_ms", now},
                           {"deadline_unix_ms", duration > 0 ? now + duration : 0}});
}

Status JournalHealed(const std::string& path, const std::string& id, const std::string& by) {
  return AppendLine(path, {{"event", "healed"}, {"id", id}, {"healed_unix_ms", UnixMs()}, {"by", by}});
}

namespace {

// A field of a journal line, or the empty value when absent or of another type: a
// damaged line is skipped, never a reason to stop (nlohmann's value() throws on a
// type mismatch).
std::string StringField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t IntField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

}  // namespace

Result<std::vector<JournalEntry>> PendingFaults(const std::string& path, int* skipped) {
  if (skipped != nullptr) *skipped = 0;
  std::ifstream in(path);
  if (!in) {
    if (::access(path.c_str(), F_OK) != 0 && errno == ENOENT) return std::vector<JournalEntry>{};
    return Status::Internal("cannot read fault journal " + path);
  }
  std::vector<std::string> ids;                                 // first "applied" order
  std::map<std::string, std::pair<JournalEntry, bool>> faults;  // id -> (latest applied entry, healed)
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    std::string event = (!j.is_discarded() && j.is_object()) ? StringField(j, "event") : "";
    if (event == "applied" && j.contains("fault")) {
      auto fault = AppliedFaultFromJson(j["fault"]);
      if (fault.ok()) {
        JournalEntry e{fault.value(), IntField(j, "journaled_unix_ms"), IntField(j, "deadline_unix_ms")};
        const std::string id = e.fault.id;
        if (!faults.count(id)) ids.push_back(id);
        faults[id] = {std::move(e), false};
        continue;
      }
    } else if (event == "healed" && j.contains("id") && j["id"].is_string()) {
      auto it = faults.find(j["id"].get<std::string>());
      if (it != faults.end()) it->second.second = true;
      continue;
    }
    if (skipped != nullptr) ++*skipped;
  }
  std::vector<JournalEntry> pending;
  for (const auto& id : ids)
    if (!faults[id].second) pending.push_back(faults[id].first);
  return pending;
}

Result<AppliedFault> ApplyJournaled(Nemesis& nemesis, const FaultSpec& spec, const std::string& journal_path) {
  auto plan = nemesis.Plan(spec);
  if (!plan.ok()) return plan.status();
  Status journaled = JournalApplied(journal_path, plan.value());
  if (!journaled.ok()) return Status::Internal(journaled.reason() + "; fault not applied");
  Status injected = nemesis.Inject(plan.value());
  if (!injected.ok()) {
    Status healed = nemesis.Heal(plan.value());
    std::string reason = injected.reason();
    if (healed.ok()) {  // if this line is lost the fault stays pending; healing again is harmless
      JournalHealed(journal_path, plan->id, "injection failed; undone");
      reason += "; what had been applied was undone";
    } else {
      reason += "; undoing what had been applied failed too (the journal keeps it pending): " + healed.reason();
    }
    if (injected.IsTransport()) return Status::Transport(injected.transport_code(), reason);
    return Status(injected.code(), injected.error_code(), reason);
  }
  if (plan->undo.empty()) JournalHealed(journal_path, plan->id, "nothing to undo");
  return plan;
}

Status HealJournaled(Nemesis& nemesis, const AppliedFault& fault, const std::string& journal_path,
                     const std::string& by) {
  Status healed = nemesis.Heal(fault);
  if (!healed.ok()) return healed;
  return JournalHealed(journal_path, fault.id, by);
}

}  // namespace mdrill::drill
