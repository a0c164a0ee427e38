// Nemesis: the part of the drill that breaks things (Jepsen's word for it).
//
// A FaultSpec says what to break (action), which processes (a label selector and a
// mode such as "one" or "percent:50") and for how long. A backend (KubectlNemesis,
// DockerNemesis, ...) turns the spec into concrete targets and commands:
//
//   Resolve(spec)  which targets the spec hits now; reads only (the dry run uses it).
//   Plan(spec)     Resolve, then the exact commands that inject the fault (`steps`) and
//                  those that undo it (`undo`); reads only. The plan is what the fault
//                  journal records *before* anything is touched.
//   Inject(fault)  runs the plan's steps.
//   Apply(spec)    Plan + Inject; when injection fails part-way it heals what was done.
//   Heal(fault)    runs the undo steps; idempotent (undoing twice is not an error).
//
// An AppliedFault is plain data and round-trips through JSON, so `milvus-drill heal`
// can undo what a crashed run left, from the journal alone (see fault_journal.h).
//
// Errors are Status values: InvalidArgument for a bad spec or no matching target,
// Unsupported() when a backend cannot do an action at all (the reason says why and what
// would), Internal for a failed command (its stderr included), Transport(4, ...) when a
// command timed out and may or may not have taken effect.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <random>
#include <string>
#include <vector>

#include "drill/nemesis/run_with_input.h"
#include "util/status.h"
#include "util/wall_clock.h"

namespace mdrill::drill {

struct FaultSpec {
  std::string action;                     // "kill" | "pause" | "partition" | "delay" | "loss"
  std::string selector;                   // label selector, e.g. "app=milvus-rootcoord" (backend-specific rules)
  std::string mode = "one";               // one | all | N (a count) | percent:P | active | standby
  std::chrono::milliseconds duration{0};  // 0: instantaneous (kill) or until healed
  int latency_ms = 0;                     // delay: added one-way latency
  double loss_pct = 0;                    // delay/loss: packets dropped, 0..100
  // Optional fault id; empty = generated ("<action>-<unix ms>-<pid>-<n>"). Must be a DNS
  // label of at most 40 characters: it names Kubernetes objects and a label value.
  std::string id;
};

// A process the fault hits: pod name / container name, and a detail (pod IP, container id).
struct Target {
  std::string name;
  std::string detail;
  bool operator==(const Target&) const = default;
};

struct AppliedFault {
  std::string id;
  std::string backend;  // "kubernetes" | "docker": which backend can heal it
  FaultSpec spec;
  std::vector<Target> targets;
  std::vector<Command> steps;  // what Inject runs, in order
  std::vector<Command> undo;   // what Heal runs, in order; empty = nothing to undo
  int64_t planned_unix_ms = 0;
};

// Code for "this backend cannot do that": merr's ErrServiceUnimplemented (10).
inline constexpr int kUnsupportedCode = 10;
inline Status Unsupported(std::string reason) {
  return Status(kUnsupportedCode, legacy::kUnexpectedError, std::move(reason));
}
inline bool IsUnsupported(const Status& s) { return s.code() == kUnsupportedCode; }

// Resolves which running pod/container is the *active* coordinator, by name (e.g. from
// Milvus's etcd session key). Backends call it for modes "active" and "standby".
using ActiveResolver = std::function<Result<std::string>(const FaultSpec&)>;

// One fault-injection backend. Not thread-safe; not copyable.
class Nemesis {
 public:
  Nemesis() = default;
  virtual ~Nemesis() = default;
  Nemesis(const Nemesis&) = delete;
  Nemesis& operator=(const Nemesis&) = delete;

  // "kubernetes", "docker", ...: the value AppliedFault::backend carries.
  virtual std::string Backend() const = 0;
  // The targets `spec` selects now, sorted by name. Runs read-only commands only.
  virtual Result<std::vector<Target>> Resolve(const FaultSpec& spec) = 0;
  // Resolve plus the commands that inject and undo the fault. Read-only. Unsupported()
  // when the backend cannot do spec.action (or mode) with its options.
  virtual Result<AppliedFault> Plan(const FaultSpec& spec) = 0;
  // Runs fault.steps in order, stopping at the first failure (its Status is returned;
  // steps before it took effect, and Heal undoes them).
  virtual Status Inject(const AppliedFault& fault) = 0;
  // Runs every undo step, even after one fails; a step whose target is already gone or
  // already restored counts as done. OK when everything is undone.
  virtual Status Heal(const AppliedFault& fault) = 0;
  // One human line describing what Apply(spec) would do, e.g.
  // "kubectl -n milvus delete pod <one of app=milvus-rootcoord> --grace-period=0 --force --wait=false".
  virtual std::string Describe(const FaultSpec& spec) const = 0;

  // Plan + Inject. When Inject fails, runs Heal on the plan and returns the injection
  // error (with the heal error appended when that failed too).
  Result<AppliedFault> Apply(const FaultSpec& spec);
};

// A Nemesis that acts through one command-line tool (kubectl, docker): Inject and Heal
// run the fault's steps with that binary.
class CliNemesis : public Nemesis {
 public:
  Status Inject(const AppliedFault& fault) override;
  Status Heal(const AppliedFault& fault) override;

 protected:
  CliNemesis(std::string binary, std::chrono::milliseconds timeout, uint64_t seed);
  // True when a failed undo step means "already undone" (target gone, already resumed).
  virtual bool AlreadyUndone(const CommandOutput& out) const = 0;
  // Runs binary + args; Internal error (command line, exit code, stderr) unless exit 0.
  Result<CommandOutput> Run(const Command& c);
  std::string CommandLine(const Command& c) const;

  std::string binary_;
  std::chrono::milliseconds timeout_;
  uint64_t seed_;
  std::mt19937_64 rng_;
};

// ---- helpers shared by the backends

// Parsed mode. kCount: `value` targets; kPercent: ceil(value% of the candidates), >= 1.
struct Mode {
  enum Kind { kOne, kAll, kCount, kPercent, kActive, kStandby } kind = kOne;
  int value = 1;
};
Result<Mode> ParseMode(const std::string& mode);

// Checks action, duration, delay parameters and id; fills nothing.
Status ValidateSpec(const FaultSpec& spec);

// Picks targets from `candidates` (sorted by name) per `mode`. seed 0: deterministic, the
// first ones by name; otherwise a shuffle with `rng`. `active` is the active target's name
// (modes active/standby only). `what` names the candidate set in error messages.
Result<std::vector<Target>> SelectTargets(const std::vector<Target>& candidates, const Mode& mode,
                                          const std::string& active, uint64_t seed, std::mt19937_64* rng,
                                          const std::string& what);

// "<one of SEL>", "<all of SEL>", "<3 of SEL>", "<50% of SEL>", "<the active one of SEL>".
std::string DescribeTargets(const std::string& mode, const std::string& selector);

// spec.id, or a generated id "<action>-<unix ms>-<pid>-<n>".
std::string FaultId(const FaultSpec& spec);
// DNS-1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most `max_len` characters.
bool IsDnsLabel(const std::string& s, size_t max_len = 63);
using ::mdrill::UnixMs;

// JSON round trip (the journal's format). FromJson returns InvalidArgument on a bad shape.
nlohmann::json ToJson(const FaultSpec& spec);
nlohmann::json ToJson(const AppliedFault& fault);
Result<FaultSpec> FaultSpecFromJson(const nlohmann::json& j);
Result<AppliedFault> AppliedFaultFromJson(const nlohmann::json& j);

}  // namespace mdrill::drill
