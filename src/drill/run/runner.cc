#include "drill/run/runner.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

#include "drill/nemesis/fault_journal.h"
#include "drill/nemesis/lab_supervisor.h"
#include "drill/run/setup.h"
#include "drill/run/test_run.h"

namespace mdrill::drill {

namespace {

std::string Stamp() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", std::localtime(&t));
  return buf;
}

std::string Fmt(double v, int digits = 1) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

CheckOptions ChecksFor(const TestPlan& plan, const RunOptions& o) {
  CheckOptions c = o.check;
  if (plan.rto_max_s) c.thresholds.rto_max_s = *plan.rto_max_s;
  if (plan.availability_min_pct) c.thresholds.availability_min_pct = *plan.availability_min_pct;
  if (plan.failed_max) c.thresholds.failed_max = *plan.failed_max;
  if (plan.lost_max) c.thresholds.lost_max = *plan.lost_max;
  return c;
}

}  // namespace

TestPlan ApplyOverrides(TestPlan plan, const RunOptions& o) {
  if (o.duration_s) plan.duration_s = *o.duration_s;
  for (auto& f : plan.faults) {
    if (o.fault_at_s) f.at_s = *o.fault_at_s;
    if (o.fault_for_s && f.spec.duration.count() > 0)
      f.spec.duration = std::chrono::milliseconds(static_cast<int64_t>(*o.fault_for_s * 1000));
  }
  return plan;
}

Judgement JudgeFile(const History& history, const CheckOptions& options) { return Judge(history, options); }

std::string DescribePlan(const TestPlan& plan, const RunOptions& o, Nemesis* nemesis) {
  TestPlan p = ApplyOverrides(plan, o);
  std::string out = "test " + p.name + ": collection " + p.collection + " (created, dropped after), " +
                    Fmt(p.duration_s) + " s of searches " + Fmt(p.search_rate.value_or(o.workload.search_rate), 0) +
                    "/s, inserts " + Fmt(p.insert_rate.value_or(o.workload.insert_rate), 0) + "/s, queries " +
                    Fmt(p.query_rate.value_or(o.workload.query_rate), 0) + "/s against " + o.connect.address + "\n";
  for (const auto& f : p.faults) {
    out += "  at " + Fmt(f.at_s) + " s: " + nemesis->Describe(f.spec);
    auto targets = nemesis->Resolve(f.spec);
    if (targets.ok()) {
      out += "  -> now would hit:";
      for (const auto& t : targets.value()) out += " " + t.name;
    } else {
      out += "  -> cannot resolve now: " + targets.status().reason();
    }
    out += "\n";
  }
  if (!p.expect.empty()) out += "  then check: " + p.expect + "\n";
  return out;
}

namespace {

// Checks a plan before anything is created; the reason when it cannot run.
std::string PlanError(const TestPlan& plan) {
  for (const auto& f : plan.faults) {
    if (f.spec.action != "kill" && f.spec.duration.count() <= 0)
      return "a " + f.spec.action + " fault needs a lifetime of at least 1 ms (`for:` / --fault-for)";
    if (f.at_s >= plan.duration_s)
      return "a fault at " + Fmt(f.at_s) + " s is not within the test's " + Fmt(plan.duration_s) +
             " s: nothing would be injected";
    // While the lab's supervisor is down there is nothing to fault.
    if (!SelectsSupervisor(f.spec.selector)) continue;
    const double until = f.at_s + f.spec.duration.count() / 1000.0;
    for (const auto& g : plan.faults)
      if (&g != &f && g.at_s >= f.at_s && g.at_s < until)
        return "a fault at " + Fmt(g.at_s) + " s falls while the lab's supervisor is down (" + Fmt(f.at_s) + "-" +
               Fmt(until) + " s): nothing can be faulted then";
  }
  return "";
}

WorkloadOptions WorkloadFor(const TestPlan& plan, const RunOptions& o) {
  WorkloadOptions wo = o.workload;
  wo.connect = o.connect;
  wo.collection = plan.collection;
  if (plan.search_rate) wo.search_rate = *plan.search_rate;
  if (plan.insert_rate) wo.insert_rate = *plan.insert_rate;
  if (plan.query_rate) wo.query_rate = *plan.query_rate;
  if (plan.probe_rate) wo.probe_rate = *plan.probe_rate;
  if (plan.connect_rate) wo.connect_rate = *plan.connect_rate;
  if (plan.sdk_probe_rate) wo.sdk_probe_rate = *plan.sdk_probe_rate;
  if (plan.keyed_rate) wo.keyed_rate = *plan.keyed_rate;
  if (plan.ddl_rate) wo.ddl_rate = *plan.ddl_rate;
  wo.keyed_collection = KeyedCollection(plan.collection);
  wo.ddl_prefix = DdlCollectionPrefix(plan.collection);
  wo.side_replicas = o.replicas;
  if (plan.deadline_s) wo.deadline_ms = static_cast<int>(*plan.deadline_s * 1000);
  return wo;
}

}  // namespace

bool TestRun::Prepare() {
  std::filesystem::create_directories(o_.out_dir);
  Status s = admin_.Connect(o_.connect, dm::Deadline(10000));
  bool created = false;
  auto pks = s.ok() ? drill::PrepareCollection(&admin_, plan_, o_, data_, &created) : Result<std::vector<int64_t>>(s);
  if (!pks.ok()) {
    res_->error = "cannot prepare the test collection: " + pks.status().ToString();
    if (pks.status().IsTransport() && pks.status().transport_code() == grpc::StatusCode::UNAUTHENTICATED)
      res_->error += o_.connect.user.empty() && o_.connect.token.empty()
                         ? " (the target checks users: give --user and --password, or --token)"
                         : " (the target refused the user and password given)";
    // Created by this run before the failure: ours to drop.
    if (created) (void)admin_.DropCollection(plan_.collection, dm::Deadline(30000));
    return false;
  }
  pks_ = pks.value();
  const WorkloadOptions wo = WorkloadFor(plan_, o_);
  if (Status ss = PrepareSideCollections(&admin_, wo); !ss.ok()) {
    res_->error = ss.reason();
    (void)admin_.DropCollection(plan_.collection, dm::Deadline(30000));
    return false;
  }
  if (wo.keyed_rate > 0) keyed_ = wo.keyed_collection;
  if (wo.ddl_rate > 0) ddl_prefix_ = wo.ddl_prefix;
  Say("collection " + plan_.collection + " ready: " + std::to_string(pks_.size()) + " rows, " + o_.index_type + ", " +
      std::to_string(o_.replicas) + " replicas");
  stem_ = o_.out_dir + "/" + plan_.name + "-" + Stamp();
  res_->history_path = stem_ + ".history.jsonl";
  if (Status hs = history_.Open(res_->history_path); !hs.ok()) {
    res_->error = hs.reason();
    (void)admin_.DropCollection(plan_.collection, dm::Deadline(30000));
    if (!keyed_.empty()) (void)admin_.DropCollection(keyed_, dm::Deadline(30000));
    return false;
  }
  (void)history_.WriteMeta({{"test", plan_.name},
                            {"target", o_.target},
                            {"address", o_.connect.address},
                            {"collection", plan_.collection},
                            {"duration_s", plan_.duration_s},
                            {"replicas", o_.replicas},
                            {"index", o_.index_type + " " + o_.index_params},
                            {"unix_ms", UnixMs()}});
  clock_ = RunClock();
  workload_ = std::make_unique<Workload>(wo, &data_, pks_, &history_, &clock_);
  // The base rows are the history's first insert, so the final read checks them too.
  Op load;
  load.kind = kKindInsert;
  load.ids = pks_;
  (void)history_.Append(load);
  TakeCensus("start");
  (void)history_.Append(Event{clock_.NowUs(), kEventPhase, "warmup"});
  workload_->Start();
  StartSoFarWatch(int64_t{WorkloadFor(plan_, o_).deadline_ms} * 1000);
  return true;
}

void TestRun::Heal(Pending& p, const std::string& why) {
  if (p.healed) return;
  Status hs = nemesis_->Heal(p.fault);
  p.healed = true;
  last_change_s_ = NowS();
  // A heal that failed stays open in the journal: `milvus-drill heal` tries again.
  if (hs.ok()) (void)JournalHealed(journal_, p.fault.id, why);
  (void)history_.Append(Event{clock_.NowUs(), kEventFaultEnd,
                              p.fault.id + " healed (" + why + ")" + (hs.ok() ? "" : ": " + hs.reason())});
  Say("t=" + Fmt(NowS()) + "s healed " + p.fault.id + (hs.ok() ? "" : ": " + hs.reason()));
}

// Plans, journals and injects faults_[next_]; false (with the error set) when the
// run must stop.
bool TestRun::InjectNext(double now_s) {
  if (next_ == 0 && workload_->failed() > 0) {
    res_->error = "not in a steady state before the fault: " + std::to_string(workload_->failed()) +
                  " operations failed during the warm-up";
    return false;
  }
  if (next_ == 0 && o_.active_coordinator) {
    auto a = o_.active_coordinator();
    if (a.ok()) res_->active_before = a.value();
  }
  auto f = nemesis_->Plan(faults_[next_].spec);
  if (f.ok()) {
    if (Status js = JournalApplied(journal_, f.value()); !js.ok()) f = js;
  }
  if (!f.ok()) {
    res_->error = "cannot apply " + nemesis_->Describe(faults_[next_].spec) + ": " + f.status().reason();
    return false;
  }
  std::string line = f->spec.action;
  for (const auto& t : f->targets) line += " " + t.name;
  if (next_ == 0) (void)history_.Append(Event{clock_.NowUs(), kEventPhase, "fault"});
  double inject_s = NowS();
  nlohmann::json targets = nlohmann::json::array();
  for (const auto& t : f->targets) targets.push_back(t.name);
  (void)history_.Append(
      Event{clock_.NowUs(), kEventFaultStart, f->id + ": " + line, {{"action", f->spec.action}, {"targets", targets}}});
  Status is = nemesis_->Inject(f.value());
  if (is.ok()) (void)history_.Append(Event{clock_.NowUs(), kEventFaultInjected, f->id});
  res_->faults.push_back("t=" + Fmt(inject_s) + "s " + line + (is.ok() ? "" : " (failed: " + is.reason() + ")"));
  Say("t=" + Fmt(inject_s) + "s fault: " + line);
  // The fault lasts its duration from the moment it was injected.
  applied_.push_back({f.value(), inject_s + f->spec.duration.count() / 1000.0});
  last_change_s_ = inject_s;
  census_due_.push_back({applied_.back().heal_at_s + kCensusAfterS, "after " + f->id});
  if (!is.ok()) {
    Heal(applied_.back(), "injection failed");
    res_->error = "fault injection failed: " + is.reason();
    return false;
  }
  if (f->spec.action == "kill" && f->spec.duration.count() == 0) {
    // Instantaneous (kill): the platform restarts it (Kubernetes, the lab).
    // Where it does not (docker: `docker kill` disables the restart policy),
    // the undo runs at the end of the test.
    if (f->undo.empty() || nemesis_->Backend() != "docker") {
      applied_.back().healed = true;
      (void)JournalHealed(journal_, f->id, "instantaneous");
    } else {
      applied_.back().heal_at_s = plan_.duration_s;
    }
  }
  if (plan_.expect == "active-change" && o_.active_coordinator) {
    watching_target_ = true;
    target_deadline_s_ = now_s + 30;
  }
  ++next_;
  return true;
}

void TestRun::RecordTarget(bool changed, const std::string& detail_tail) {
  (void)history_.Append(
      Event{clock_.NowUs(),
            kEventTarget,
            "active coordinator before: " + res_->active_before.value_or("?") + " after: " + detail_tail,
            {{"before", res_->active_before.value_or("")},
             {"after", res_->active_after.value_or("")},
             {"changed", changed}}});
  watching_target_ = false;
}

void TestRun::WatchTarget(double now_s) {
  if (!watching_target_) return;
  auto a = o_.active_coordinator();
  bool changed = a.ok() && !a->empty() && res_->active_before && a.value() != *res_->active_before;
  if (!changed && now_s <= target_deadline_s_) return;
  res_->active_after = a.ok() ? a.value() : "";
  RecordTarget(changed, res_->active_after.value_or("") + " changed: " + (changed ? "yes" : "no") + " (" +
                            Fmt(now_s - faults_[0].at_s, 2) + " s after the fault)");
  Say("t=" + Fmt(now_s) + "s active coordinator " + res_->active_before.value_or("?") + " -> " +
      (res_->active_after->empty() ? "(none)" : *res_->active_after));
}

void TestRun::Tick() {
  LiveStatus live;
  live.test = plan_.name;
  live.elapsed_s = NowS();
  live.total_s = plan_.duration_s;
  live.issued = workload_->issued();
  live.failed = workload_->failed();
  bool lasting = std::any_of(applied_.begin(), applied_.end(), [](const Pending& p) { return !p.healed; });
  live.phase = next_ == 0 ? "warm-up" : lasting ? "fault" : "after fault";
  if (!res_->faults.empty()) live.fault = res_->faults.back() + (lasting ? " (in force)" : "");
  o_.tick(live);
}

// Wakes for the next fault or heal on time, else every 100 ms.
void TestRun::SleepUntilNextWake() {
  double wake_s = NowS() + 0.1;
  if (next_ < faults_.size()) wake_s = std::min(wake_s, faults_[next_].at_s);
  for (const auto& p : applied_)
    if (!p.healed) wake_s = std::min(wake_s, p.heal_at_s);
  std::this_thread::sleep_until(clock_.FromUs(static_cast<int64_t>(wake_s * 1e6)));
}

void TestRun::Schedule() {
  faults_ = plan_.faults;
  std::stable_sort(faults_.begin(), faults_.end(), [](const auto& a, const auto& b) { return a.at_s < b.at_s; });
  auto end_at = clock_.FromUs(static_cast<int64_t>(plan_.duration_s * 1e6));
  while (Clock::now() < end_at && res_->error.empty()) {
    double now_s = NowS();
    if (o_.interrupted()) {
      res_->error = "interrupted";
      break;
    }
    if (next_ < faults_.size() && now_s >= faults_[next_].at_s) {
      if (!InjectNext(now_s)) break;
      continue;
    }
    for (auto& p : applied_)
      if (!p.healed && now_s >= p.heal_at_s) Heal(p, "lifetime over");
    WatchTarget(now_s);
    CensusIfDue(now_s);
    WatchSoFar(now_s, false);
    Tick();
    SleepUntilNextWake();
  }
}

void TestRun::Finish() {
  WatchSoFar(NowS(), true);
  for (auto& p : applied_) Heal(p, res_->error.empty() ? "end of test" : res_->error);
  if (watching_target_) RecordTarget(false, "(none seen) changed: no");
  workload_->Stop();
  (void)history_.Append(Event{clock_.NowUs(), kEventPhase, "after"});
  Say("workload stopped: " + std::to_string(workload_->issued()) + " operations, " +
      std::to_string(workload_->failed()) + " not ok");
  std::vector<int64_t> acked = pks_;  // the base rows, then every acknowledged insert
  for (int64_t pk : workload_->ledger().All()) acked.push_back(pk);
  auto final_op = FinalRead(plan_, o_, acked, clock_);
  if (final_op.ok())
    (void)history_.Append(final_op.value());
  else
    Say("final read failed: " + final_op.status().reason());
  if (!keyed_.empty()) {
    auto keyed = KeyedFinalRead(o_.connect, keyed_, workload_->keys().next_key(), o_.final_read_timeout_s, clock_);
    if (keyed.ok())
      (void)history_.Append(keyed.value());
    else
      Say("keyed final read failed: " + keyed.status().reason());
  }
  if (!ddl_prefix_.empty()) {
    auto ddl = DdlFinalReadAndDrop(o_.connect, ddl_prefix_, o_.final_read_timeout_s, clock_);
    if (ddl.ok())
      (void)history_.Append(ddl.value());
    else
      Say("DDL final read failed: " + ddl.status().reason());
  }
  SettledCensus("end");
  if (!res_->error.empty()) (void)history_.WriteMeta({{"error", res_->error}});
  for (const std::string& name : {plan_.collection, keyed_}) {
    if (name.empty()) continue;
    Status drop = admin_.DropCollection(name, dm::Deadline(30000));
    if (!drop.ok()) Say("could not drop " + name + ": " + drop.ToString());
  }
  (void)history_.Close();
  Judge();
}

void TestRun::Judge() {
  History h;
  if (Status rs = ReadHistory(res_->history_path, &h); !rs.ok()) {
    res_->error = rs.reason();
    return;
  }
  res_->judgement = drill::Judge(h, ChecksFor(plan_, o_));
  res_->exit_code = res_->error.empty() ? res_->judgement.exit_code : kExitCannotJudge;
  res_->elapsed_s = std::chrono::duration<double>(Clock::now() - started_).count();
  res_->result_path = stem_ + ".result.json";
  nlohmann::json j = ToJson(res_->judgement);
  j["test"] = plan_.name;
  j["exit_code"] = res_->exit_code;
  j["error"] = res_->error;
  j["faults"] = res_->faults;
  j["seen_during_run"] = res_->seen_during_run;
  j["history"] = res_->history_path;
  j["elapsed_s"] = res_->elapsed_s;
  std::ofstream(res_->result_path) << j.dump(2) << "\n";
}

TestResult RunTest(const TestPlan& raw, const RunOptions& o, Nemesis* nemesis) {
  TestPlan plan = ApplyOverrides(raw, o);
  TestResult res;
  res.test = plan.name;
  res.error = PlanError(plan);
  if (!res.error.empty()) return res;
  TestRun run(std::move(plan), o, nemesis, &res);
  if (!run.Prepare()) return res;
  run.Schedule();
  run.Finish();
  return res;
}

}  // namespace mdrill::drill
