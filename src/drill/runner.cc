#include "drill/runner.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

#include "drill/fault_journal.h"

namespace mdrill::drill {

namespace dm = mdrill::milvus;
using Clock = std::chrono::steady_clock;

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

// Creates the test collection with the base data, indexed and loaded. Returns the
// base rows' primary keys. Refuses a collection that exists already: it is not ours.
Result<std::vector<int64_t>> Prepare(dm::MilvusClient* c, const TestPlan& plan, const RunOptions& o,
                                     const Dataset& data, bool* created) {
  const dm::Deadline call(30000);
  auto has = c->HasCollection(plan.collection, call);
  if (!has.ok()) return has.status();
  if (has.value())
    return Status::InvalidArgument("collection '" + plan.collection +
                                   "' already exists and this run did not create it; the drill never drops a "
                                   "collection it did not create (drop it yourself, or use another scenario name)");
  dm::CollectionSpec spec;
  spec.name = plan.collection;
  spec.dim = data.options().dim;
  spec.description = "milvus-drill test collection (dropped after the run)";
  if (Status s = c->CreateCollection(spec, call); !s.ok()) return s;
  *created = true;
  std::vector<int64_t> pks;
  const int batch = 1000, dim = data.options().dim;
  for (int row = 0; row < data.options().base_rows; row += batch) {
    int n = std::min(batch, data.options().base_rows - row);
    std::vector<float> v(data.base().begin() + static_cast<size_t>(row) * dim,
                         data.base().begin() + static_cast<size_t>(row + n) * dim);
    auto r = c->Insert(plan.collection, {dm::FloatVectorColumn("embedding", dim, v)}, n, call);
    if (!r.ok()) return r.status();
    pks.insert(pks.end(), r->int_ids.begin(), r->int_ids.end());
  }
  dm::IndexParams ip;
  ip.index_type = o.index_type;
  ip.metric_type = o.metric_type;
  ip.params_json = o.index_params;
  if (Status s = c->CreateIndex(plan.collection, "embedding", ip, call); !s.ok()) return s;
  if (Status s = c->WaitIndex(plan.collection, dm::Deadline(120000)); !s.ok()) return s;
  if (Status s = c->LoadAndWait(plan.collection, o.replicas, dm::Deadline(120000)); !s.ok()) return s;
  return pks;
}

// Every acknowledged row, read back with Strong consistency once the service
// answers again: the "final" op of the history.
Result<Op> FinalRead(const TestPlan& plan, const RunOptions& o, const std::vector<int64_t>& acked,
                     const RunClock& clock) {
  auto until = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(o.final_read_timeout_s * 1000));
  Status last = Status::Internal("not tried");
  while (Clock::now() < until) {
    dm::MilvusClient c;
    Op op;
    op.kind = kKindFinal;
    op.intended_us = op.start_us = clock.NowUs();
    last = c.Connect(o.connect, dm::Deadline(5000));
    auto count = last.ok() ? c.Count(plan.collection, "", dm::pb::Strong, dm::Deadline(10000)) : Result<int64_t>(last);
    if (count.ok()) {
      op.value = count.value();
      bool complete = true;
      for (size_t i = 0; i < acked.size() && complete; i += 500) {
        std::string expr = "id in [";
        for (size_t j = i; j < std::min(acked.size(), i + 500); ++j) expr += (j > i ? "," : "") + std::to_string(acked[j]);
        auto r = c.Query(plan.collection, expr + "]", {"id"}, 16384, dm::pb::Strong, dm::Deadline(10000));
        if (!r.ok()) {
          last = r.status();
          complete = false;
          break;
        }
        for (const auto& f : r->fields_data())
          if (f.field_name() == "id")
            op.ids.insert(op.ids.end(), f.scalars().long_data().data().begin(), f.scalars().long_data().data().end());
      }
      if (complete) {
        op.end_us = clock.NowUs();
        return op;
      }
    } else {
      last = count.status();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return Status::Internal("the final read did not succeed within " + Fmt(o.final_read_timeout_s, 0) + " s: " +
                          last.ToString());
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

Judgement JudgeFile(const History& history, const CheckOptions& options) {
  Judgement j = Judge(history, options);
  // A run that could not complete (no steady state, a refused fault) says so in
  // its history; whatever it measured, it cannot be judged.
  if (std::string why = history.meta.value("error", std::string()); !why.empty()) {
    j.cannot_judge.push_back("the run did not complete: " + why);
    j.exit_code = kExitCannotJudge;
  }
  // Point lookups of acknowledged rows (Strong): each must find its row.
  int64_t lookups = 0, missing = 0;
  for (const auto& op : history.ops)
    if (op.kind == kKindQuery && op.ok() && !op.ids.empty()) {
      ++lookups;
      missing += op.value == 0;
    }
  if (lookups > 0) {
    Check c;
    c.name = "stale_reads";
    c.measured = static_cast<double>(missing);
    c.threshold = 0;
    c.comparison = "<=";
    c.judged = true;
    c.pass = missing == 0;
    c.definition = "Strong point lookups of an acknowledged id that answered ok without the row (" +
                   std::to_string(lookups) + " lookups)";
    j.checks.push_back(c);
    if (!c.pass && j.exit_code == kExitPass) j.exit_code = kExitFail;
  }
  // The target check: recorded by the run as a "target" event.
  for (const auto& e : history.events) {
    if (e.name != kEventTarget || e.detail.rfind("active coordinator", 0) != 0) continue;
    bool changed = e.detail.find("changed: yes") != std::string::npos;
    Check c;
    c.name = "target hit: active coordinator changed";
    c.measured = changed ? 1 : 0;
    c.threshold = 1;
    c.comparison = ">=";
    c.judged = true;
    c.pass = changed;
    c.definition = "the coordinator reported active after the fault differs from the one before it (" + e.detail + ")";
    j.checks.push_back(c);
    if (!changed && j.exit_code == kExitPass) j.exit_code = kExitFail;
  }
  return j;
}

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

TestResult RunTest(const TestPlan& raw, const RunOptions& o, Nemesis* nemesis) {
  TestPlan plan = ApplyOverrides(raw, o);
  TestResult res;
  res.test = plan.name;
  for (const auto& f : plan.faults) {
    if (f.spec.action != "kill" && f.spec.duration.count() <= 0) {
      res.error = "a " + f.spec.action + " fault needs a lifetime of at least 1 ms (`for:` / --fault-for)";
      return res;
    }
    if (f.at_s >= plan.duration_s) {
      res.error = "a fault at " + Fmt(f.at_s) + " s is not within the test's " + Fmt(plan.duration_s) +
                  " s: nothing would be injected";
      return res;
    }
  }
  auto started = Clock::now();
  auto say = [&](const std::string& line) { o.progress("[" + plan.name + "] " + line); };
  std::filesystem::create_directories(o.out_dir);
  std::string journal = o.journal_path.empty() ? o.out_dir + "/faults.journal" : o.journal_path;

  Dataset data(o.data);
  dm::MilvusClient admin;
  Status s = admin.Connect(o.connect, dm::Deadline(10000));
  bool created = false;
  auto pks = s.ok() ? Prepare(&admin, plan, o, data, &created) : Result<std::vector<int64_t>>(s);
  if (!pks.ok()) {
    res.error = "cannot prepare the test collection: " + pks.status().ToString();
    // Created by this run before the failure: ours to drop.
    if (created) (void)admin.DropCollection(plan.collection, dm::Deadline(30000));
    return res;
  }
  say("collection " + plan.collection + " ready: " + std::to_string(pks->size()) + " rows, " + o.index_type +
      ", " + std::to_string(o.replicas) + " replicas");

  std::string stem = o.out_dir + "/" + plan.name + "-" + Stamp();
  res.history_path = stem + ".history.jsonl";
  HistoryWriter history;
  if (Status hs = history.Open(res.history_path); !hs.ok()) {
    res.error = hs.reason();
    (void)admin.DropCollection(plan.collection, dm::Deadline(30000));
    return res;
  }
  (void)history.WriteMeta({{"test", plan.name},
                           {"target", o.target},
                           {"address", o.connect.address},
                           {"collection", plan.collection},
                           {"duration_s", plan.duration_s},
                           {"replicas", o.replicas},
                           {"index", o.index_type + " " + o.index_params},
                           {"unix_ms", UnixMs()}});
  RunClock clock;
  WorkloadOptions wo = o.workload;
  wo.connect = o.connect;
  wo.collection = plan.collection;
  if (plan.search_rate) wo.search_rate = *plan.search_rate;
  if (plan.insert_rate) wo.insert_rate = *plan.insert_rate;
  if (plan.query_rate) wo.query_rate = *plan.query_rate;
  if (plan.probe_rate) wo.probe_rate = *plan.probe_rate;
  if (plan.deadline_s) wo.deadline_ms = static_cast<int>(*plan.deadline_s * 1000);
  Workload workload(wo, &data, pks.value(), &history, &clock);
  // The base rows are the history's first insert, so the final read checks them too.
  Op load;
  load.kind = kKindInsert;
  load.ids = pks.value();
  (void)history.Append(load);
  (void)history.Append(Event{clock.NowUs(), kEventPhase, "warmup"});
  workload.Start();

  struct Pending {
    AppliedFault fault;
    double heal_at_s;
    bool healed = false;
  };
  std::vector<Pending> applied;
  auto heal = [&](Pending& p, const std::string& why) {
    if (p.healed) return;
    Status hs = nemesis->Heal(p.fault);
    p.healed = true;
    (void)JournalHealed(journal, p.fault.id, why);
    (void)history.Append(Event{clock.NowUs(), kEventFaultEnd, p.fault.id + " healed (" + why + ")" +
                                                                   (hs.ok() ? "" : ": " + hs.reason())});
    say("t=" + Fmt(clock.NowUs() / 1e6) + "s healed " + p.fault.id + (hs.ok() ? "" : ": " + hs.reason()));
  };

  std::vector<FaultStep> faults = plan.faults;
  std::stable_sort(faults.begin(), faults.end(), [](const auto& a, const auto& b) { return a.at_s < b.at_s; });
  size_t next = 0;
  bool watching_target = false;
  double target_deadline_s = 0;
  auto end_at = clock.FromUs(static_cast<int64_t>(plan.duration_s * 1e6));
  while (Clock::now() < end_at && res.error.empty()) {
    double now_s = clock.NowUs() / 1e6;
    if (o.interrupted()) {
      res.error = "interrupted";
      break;
    }
    if (next < faults.size() && now_s >= faults[next].at_s) {
      if (next == 0 && workload.failed() > 0) {
        res.error = "not in a steady state before the fault: " + std::to_string(workload.failed()) +
                    " operations failed during the warm-up";
        break;
      }
      if (next == 0 && o.active_coordinator) {
        auto a = o.active_coordinator();
        if (a.ok()) res.active_before = a.value();
      }
      auto f = nemesis->Plan(faults[next].spec);
      if (f.ok()) {
        if (Status js = JournalApplied(journal, f.value()); !js.ok()) f = js;
      }
      if (!f.ok()) {
        res.error = "cannot apply " + nemesis->Describe(faults[next].spec) + ": " + f.status().reason();
        break;
      }
      std::string line = f->spec.action;
      for (const auto& t : f->targets) line += " " + t.name;
      if (next == 0) (void)history.Append(Event{clock.NowUs(), kEventPhase, "fault"});
      double inject_s = clock.NowUs() / 1e6;
      (void)history.Append(Event{clock.NowUs(), kEventFaultStart, f->id + ": " + line});
      Status is = nemesis->Inject(f.value());
      res.faults.push_back("t=" + Fmt(inject_s) + "s " + line + (is.ok() ? "" : " (failed: " + is.reason() + ")"));
      say("t=" + Fmt(inject_s) + "s fault: " + line);
      // The fault lasts its duration from the moment it was injected.
      applied.push_back({f.value(), inject_s + f->spec.duration.count() / 1000.0});
      if (!is.ok()) {
        heal(applied.back(), "injection failed");
        res.error = "fault injection failed: " + is.reason();
        break;
      }
      if (f->spec.action == "kill" && f->spec.duration.count() == 0) {
        // Instantaneous (kill): the platform restarts it (Kubernetes, the lab).
        // Where it does not (docker: `docker kill` disables the restart policy),
        // the undo runs at the end of the test.
        if (f->undo.empty() || nemesis->Backend() != "docker") {
          applied.back().healed = true;
          (void)JournalHealed(journal, f->id, "instantaneous");
        } else {
          applied.back().heal_at_s = plan.duration_s;
        }
      }
      if (plan.expect == "active-change" && o.active_coordinator) {
        watching_target = true;
        target_deadline_s = now_s + 30;
      }
      ++next;
      continue;
    }
    for (auto& p : applied)
      if (!p.healed && now_s >= p.heal_at_s) heal(p, "lifetime over");
    if (watching_target) {
      auto a = o.active_coordinator();
      bool changed = a.ok() && !a->empty() && res.active_before && a.value() != *res.active_before;
      if (changed || now_s > target_deadline_s) {
        res.active_after = a.ok() ? a.value() : "";
        (void)history.Append(Event{clock.NowUs(), kEventTarget,
                                   "active coordinator before: " + res.active_before.value_or("?") + " after: " +
                                       res.active_after.value_or("") + " changed: " + (changed ? "yes" : "no") +
                                       " (" + Fmt(now_s - faults[0].at_s, 2) + " s after the fault)"});
        say("t=" + Fmt(now_s) + "s active coordinator " + res.active_before.value_or("?") + " -> " +
            (res.active_after->empty() ? "(none)" : *res.active_after));
        watching_target = false;
      }
    }
    LiveStatus live;
    live.test = plan.name;
    live.elapsed_s = clock.NowUs() / 1e6;
    live.total_s = plan.duration_s;
    live.issued = workload.issued();
    live.failed = workload.failed();
    bool lasting = std::any_of(applied.begin(), applied.end(), [](const Pending& p) { return !p.healed; });
    live.phase = next == 0 ? "warm-up" : lasting ? "fault" : "after fault";
    if (!res.faults.empty()) live.fault = res.faults.back() + (lasting ? " (in force)" : "");
    o.tick(live);
    // Wake for the next fault or heal on time, else every 100 ms.
    double wake_s = clock.NowUs() / 1e6 + 0.1;
    if (next < faults.size()) wake_s = std::min(wake_s, faults[next].at_s);
    for (const auto& p : applied)
      if (!p.healed) wake_s = std::min(wake_s, p.heal_at_s);
    std::this_thread::sleep_until(clock.FromUs(static_cast<int64_t>(wake_s * 1e6)));
  }
  for (auto& p : applied) heal(p, res.error.empty() ? "end of test" : res.error);
  if (watching_target)
    (void)history.Append(Event{clock.NowUs(), kEventTarget,
                               "active coordinator before: " + res.active_before.value_or("?") +
                                   " after: (none seen) changed: no"});
  workload.Stop();
  (void)history.Append(Event{clock.NowUs(), kEventPhase, "after"});
  say("workload stopped: " + std::to_string(workload.issued()) + " operations, " + std::to_string(workload.failed()) +
      " not ok");
  std::vector<int64_t> acked = pks.value();  // the base rows, then every acknowledged insert
  for (int64_t pk : workload.ledger().All()) acked.push_back(pk);
  auto final_op = FinalRead(plan, o, acked, clock);
  if (final_op.ok()) (void)history.Append(final_op.value());
  else say("final read failed: " + final_op.status().reason());
  if (!res.error.empty()) (void)history.WriteMeta({{"error", res.error}});
  Status drop = admin.DropCollection(plan.collection, dm::Deadline(30000));
  if (!drop.ok()) say("could not drop " + plan.collection + ": " + drop.ToString());
  (void)history.Close();

  History h;
  if (Status rs = ReadHistory(res.history_path, &h); !rs.ok()) {
    res.error = rs.reason();
    return res;
  }
  res.judgement = JudgeFile(h, ChecksFor(plan, o));
  res.exit_code = res.error.empty() ? res.judgement.exit_code : kExitCannotJudge;
  res.elapsed_s = std::chrono::duration<double>(Clock::now() - started).count();
  res.result_path = stem + ".result.json";
  nlohmann::json j = ToJson(res.judgement);
  j["test"] = plan.name;
  j["exit_code"] = res.exit_code;
  j["error"] = res.error;
  j["faults"] = res.faults;
  j["history"] = res.history_path;
  j["elapsed_s"] = res.elapsed_s;
  std::ofstream(res.result_path) << j.dump(2) << "\n";
  return res;
}

}  // namespace mdrill::drill
