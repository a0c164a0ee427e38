// KubectlNemesis against a recording stand-in of kubectl: the exact command lines, in order.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "drill/nemesis/k8s.h"
#include "drill/nemesis/recording_cli.h"
#include "drill/nemesis/run_with_input.h"

namespace mdrill::drill {
namespace {

using testing::RecordingCli;
using Calls = std::vector<std::string>;

nlohmann::json Pod(const std::string& name, const std::string& phase = "Running", bool deleting = false) {
  nlohmann::json p = {{"metadata", {{"name", name}, {"labels", {{"app", "milvus-rootcoord"}}}}},
                      {"status", {{"phase", phase}, {"podIP", "10.0.0." + std::to_string(name.back() - 'a' + 1)}}}};
  if (deleting) p["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
  return p;
}

std::string PodList(const std::vector<nlohmann::json>& pods) {
  return nlohmann::json({{"apiVersion", "v1"}, {"kind", "List"}, {"items", pods}}).dump();
}

// Three running rootcoord pods, listed out of order.
std::string ThreeRootcoords() {
  return PodList({Pod("milvus-rootcoord-c"), Pod("milvus-rootcoord-a"), Pod("milvus-rootcoord-b")});
}

FaultSpec Spec(const std::string& action, const std::string& mode = "one", const std::string& id = "f1") {
  FaultSpec s;
  s.action = action;
  s.selector = "app=milvus-rootcoord";
  s.mode = mode;
  s.id = id;
  return s;
}

KubectlOptions Opts() {
  KubectlOptions o;
  o.namespace_ = "milvus";
  return o;
}

const char* kGet = "kubectl -n milvus get pods -l app=milvus-rootcoord -o json";

class KubectlNemesisTest : public ::testing::Test {
 protected:
  RecordingCli cli_{{"kubectl"}};
};

TEST_F(KubectlNemesisTest, ResolveOnlyListsAndSkipsPodsBeingDeletedOrNotRunning) {
  cli_.On("kubectl * get pods *", PodList({Pod("milvus-rootcoord-d"), Pod("milvus-rootcoord-a", "Running", true),
                                           Pod("milvus-rootcoord-b", "Pending"), Pod("milvus-rootcoord-c")}));
  KubectlNemesis n(Opts());
  auto targets = n.Resolve(Spec("kill", "all"));
  ASSERT_TRUE(targets.ok()) << targets.status().ToString();
  EXPECT_EQ(targets.value(),
            (std::vector<Target>{{"milvus-rootcoord-c", "10.0.0.3"}, {"milvus-rootcoord-d", "10.0.0.4"}}));
  EXPECT_EQ(cli_.Calls(), Calls{kGet});  // a dry run touches nothing
}

TEST_F(KubectlNemesisTest, KillModeOneDeletesExactlyOneOfThreeMatchingPods) {
  cli_.On("kubectl * get pods *", ThreeRootcoords());
  KubectlNemesis n(Opts());
  auto f = n.Apply(Spec("kill"));
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  // The seed ran `kubectl delete pod -l app=milvus-rootcoord`, which kills every replica.
  EXPECT_EQ(cli_.Calls(),
            (Calls{kGet, "kubectl -n milvus delete pod milvus-rootcoord-a --grace-period=0 --force --wait=false"}));
  EXPECT_EQ(f->targets.size(), 1u);
  EXPECT_TRUE(f->undo.empty());  // the controller replaces a deleted pod
  EXPECT_TRUE(n.Heal(f.value()).ok());
  EXPECT_EQ(cli_.Calls().size(), 2u);  // healing a kill runs nothing
}

TEST_F(KubectlNemesisTest, KillModesAllCountAndPercentWithContext) {
  cli_.On("kubectl * get pods *", ThreeRootcoords());
  KubectlOptions o = Opts();
  o.context = "prod-east";
  KubectlNemesis n(o);
  const std::string get = "kubectl --context prod-east -n milvus get pods -l app=milvus-rootcoord -o json";
  auto del = [](const std::string& pod) {
    return "kubectl --context prod-east -n milvus delete pod " + pod + " --grace-period=0 --force --wait=false";
  };
  ASSERT_TRUE(n.Apply(Spec("kill", "all")).ok());
  EXPECT_EQ(cli_.Calls(),
            (Calls{get, del("milvus-rootcoord-a"), del("milvus-rootcoord-b"), del("milvus-rootcoord-c")}));
  cli_.ClearCalls();
  ASSERT_TRUE(n.Apply(Spec("kill", "2")).ok());
  EXPECT_EQ(cli_.Calls(), (Calls{get, del("milvus-rootcoord-a"), del("milvus-rootcoord-b")}));
  cli_.ClearCalls();
  ASSERT_TRUE(n.Apply(Spec("kill", "percent:50")).ok());  // ceil(50 % of 3) = 2
  EXPECT_EQ(cli_.Calls(), (Calls{get, del("milvus-rootcoord-a"), del("milvus-rootcoord-b")}));
  cli_.ClearCalls();
  ASSERT_TRUE(n.Apply(Spec("kill", "percent:10")).ok());  // at least one
  EXPECT_EQ(cli_.Calls(), (Calls{get, del("milvus-rootcoord-a")}));
}

TEST_F(KubectlNemesisTest, SeededChoiceIsOneReproduciblePod) {
  cli_.On("kubectl * get pods *", ThreeRootcoords());
  KubectlOptions o = Opts();
  o.seed = 42;
  std::vector<std::string> picks;
  for (int run = 0; run < 2; ++run) {
    KubectlNemesis n(o);
    auto t = n.Resolve(Spec("kill"));
    ASSERT_TRUE(t.ok());
    ASSERT_EQ(t->size(), 1u);
    picks.push_back(t->front().name);
  }
  EXPECT_EQ(picks[0], picks[1]);
  EXPECT_EQ(picks[0].rfind("milvus-rootcoord-", 0), 0u);
}

TEST_F(KubectlNemesisTest, TooFewOrNoMatchingPodsIsAnErrorBeforeAnyChange) {
  cli_.On("kubectl * get pods -l app=milvus-rootcoord *", ThreeRootcoords());
  cli_.On("kubectl * get pods *", PodList({}));
  KubectlNemesis n(Opts());
  auto four = n.Apply(Spec("kill", "4"));
  EXPECT_FALSE(four.ok());
  EXPECT_NE(four.status().reason().find("only 3"), std::string::npos) << four.status().reason();
  FaultSpec none = Spec("kill");
  none.selector = "app=milvus-nothing";
  auto empty = n.Apply(none);
  EXPECT_FALSE(empty.ok());
  EXPECT_NE(empty.status().reason().find("no running pods matching app=milvus-nothing"), std::string::npos);
  EXPECT_EQ(cli_.Calls(), (Calls{kGet, "kubectl -n milvus get pods -l app=milvus-nothing -o json"}));
}

TEST_F(KubectlNemesisTest, PartitionLabelsThePodAppliesADenyAllPolicyAndHealUndoesExactlyThat) {
  cli_.On("kubectl * get pods *", ThreeRootcoords());
  KubectlNemesis n(Opts());
  auto f = n.Apply(Spec("partition", "one", "p7"));
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(cli_.Calls(),
            (Calls{kGet, "kubectl -n milvus label pod milvus-rootcoord-a milvus-drill/isolate=p7 --overwrite",
                   "kubectl -n milvus apply -f -"}));
  EXPECT_EQ(cli_.Stdin(2),
            "apiVersion: networking.k8s.io/v1\n"
            "kind: NetworkPolicy\n"
            "metadata:\n"
            "  name: \"milvus-drill-p7\"\n"
            "  namespace: \"milvus\"\n"
            "  labels:\n"
            "    app.kubernetes.io/managed-by: \"milvus-drill\"\n"
            "spec:\n"
            "  podSelector:\n"
            "    matchLabels:\n"
            "      milvus-drill/isolate: \"p7\"\n"
            "  policyTypes:\n"
            "    - \"Ingress\"\n"
            "    - \"Egress\"\n"
            "  ingress: []\n"
            "  egress: []\n");
  cli_.ClearCalls();
  ASSERT_TRUE(n.Heal(f.value()).ok());
  const Calls undo{"kubectl -n milvus delete networkpolicy milvus-drill-p7 --ignore-not-found",
                   "kubectl -n milvus label pod milvus-rootcoord-a milvus-drill/isolate-"};
  EXPECT_EQ(cli_.Calls(), undo);
  // Idempotent: healing again, after the pod was replaced, is still OK.
  cli_.On("kubectl * label pod *", "", 1, "Error from server (NotFound): pods \"milvus-rootcoord-a\" not found\n");
  cli_.ClearCalls();
  EXPECT_TRUE(n.Heal(f.value()).ok());
  EXPECT_EQ(cli_.Calls(), undo);
}

TEST_F(KubectlNemesisTest, PartitionFailingPartWayIsUndoneAndReported) {
  cli_.On("kubectl * get pods *", ThreeRootcoords());
  cli_.On(
      "kubectl * apply -f -", "", 1,
      "Error from server (Forbidden): networkpolicies.networking.k8s.io is forbidden: User \"drill\" cannot create\n");
  KubectlNemesis n(Opts());
  auto f = n.Apply(Spec("partition", "2", "p8"));
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().reason().find("networkpolicies.networking.k8s.io is forbidden"), std::string::npos)
      << f.status().reason();
  EXPECT_NE(f.status().reason().find("was undone"), std::string::npos);
  EXPECT_EQ(cli_.Calls(),
            (Calls{kGet, "kubectl -n milvus label pod milvus-rootcoord-a milvus-drill/isolate=p8 --overwrite",
                   "kubectl -n milvus label pod milvus-rootcoord-b milvus-drill/isolate=p8 --overwrite",
                   "kubectl -n milvus apply -f -",
                   "kubectl -n milvus delete networkpolicy milvus-drill-p8 --ignore-not-found",
                   "kubectl -n milvus label pod milvus-rootcoord-a milvus-drill/isolate-",
                   "kubectl -n milvus label pod milvus-rootcoord-b milvus-drill/isolate-"}));
}

TEST_F(KubectlNemesisTest, FailingKubectlYieldsItsStderr) {
  cli_.On("kubectl * get pods *", ThreeRootcoords());
  cli_.On("kubectl * delete pod *", "", 1,
          "Error from server (Forbidden): pods \"milvus-rootcoord-a\" is forbidden: User \"drill\" cannot delete\n");
  KubectlNemesis n(Opts());
  auto f = n.Apply(Spec("kill"));
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), code::kServiceInternal);
  EXPECT_NE(f.status().reason().find("exit 1"), std::string::npos);
  EXPECT_NE(f.status().reason().find("pods \"milvus-rootcoord-a\" is forbidden: User \"drill\" cannot delete"),
            std::string::npos)
      << f.status().reason();

  RecordingCli broken{{"kubectl"}};
  broken.On("kubectl *", "", 1, "error: You must be logged in to the server (Unauthorized)\n");
  auto r = n.Resolve(Spec("kill"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().reason().find("You must be logged in to the server (Unauthorized)"), std::string::npos);
}

TEST_F(KubectlNemesisTest, PauseAndDelayWithoutChaosMeshAreUnsupportedAndRunNothing) {
  KubectlNemesis n(Opts());
  for (const char* action : {"pause", "delay"}) {
    FaultSpec s = Spec(action);
    s.latency_ms = 100;
    auto f = n.Apply(s);
    ASSERT_FALSE(f.ok());
    EXPECT_TRUE(IsUnsupported(f.status())) << f.status().ToString();
    EXPECT_NE(f.status().reason().find("chaos_mesh"), std::string::npos);
    EXPECT_EQ(n.Describe(s).rfind("unsupported: ", 0), 0u);
  }
  EXPECT_TRUE(cli_.Calls().empty());
}

TEST_F(KubectlNemesisTest, PauseWithChaosMeshAppliesPodChaosForTheChosenPods) {
  cli_.On("kubectl * get pods *", ThreeRootcoords());
  KubectlOptions o = Opts();
  o.chaos_mesh = true;
  KubectlNemesis n(o);
  FaultSpec s = Spec("pause", "2", "c1");
  s.duration = std::chrono::milliseconds(30000);
  auto f = n.Apply(s);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(cli_.Calls(), (Calls{kGet, "kubectl -n milvus apply -f -"}));
  EXPECT_EQ(cli_.Stdin(1),
            "apiVersion: chaos-mesh.org/v1alpha1\n"
            "kind: PodChaos\n"
            "metadata:\n"
            "  name: \"milvus-drill-c1\"\n"
            "  namespace: \"milvus\"\n"
            "  labels:\n"
            "    app.kubernetes.io/managed-by: \"milvus-drill\"\n"
            "spec:\n"
            "  action: \"pod-failure\"\n"
            "  mode: \"all\"\n"
            "  selector:\n"
            "    pods:\n"
            "      \"milvus\":\n"
            "        - \"milvus-rootcoord-a\"\n"
            "        - \"milvus-rootcoord-b\"\n"
            "  duration: \"30000ms\"\n");
  cli_.ClearCalls();
  ASSERT_TRUE(n.Heal(f.value()).ok());
  EXPECT_EQ(cli_.Calls(),
            (Calls{"kubectl -n milvus delete podchaos.chaos-mesh.org milvus-drill-c1 --ignore-not-found"}));
}

TEST_F(KubectlNemesisTest, DelayWithChaosMeshAppliesNetworkChaos) {
  cli_.On("kubectl * get pods *", ThreeRootcoords());
  KubectlOptions o = Opts();
  o.chaos_mesh = true;
  KubectlNemesis n(o);
  FaultSpec s = Spec("delay", "one", "d1");
  s.latency_ms = 200;
  s.loss_pct = 2.5;
  auto f = n.Apply(s);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(cli_.Calls(), (Calls{kGet, "kubectl -n milvus apply -f -"}));
  const std::string yaml = cli_.Stdin(1);
  EXPECT_NE(yaml.find("kind: NetworkChaos\n"), std::string::npos);
  EXPECT_NE(yaml.find("  action: \"netem\"\n"), std::string::npos);  // delay and loss together
  EXPECT_NE(yaml.find("  delay:\n    latency: \"200ms\"\n  loss:\n    loss: \"2.5\"\n"), std::string::npos) << yaml;
  EXPECT_EQ(yaml.find("duration"), std::string::npos);  // until healed
  cli_.ClearCalls();
  ASSERT_TRUE(n.Heal(f.value()).ok());
  EXPECT_EQ(cli_.Calls(),
            (Calls{"kubectl -n milvus delete networkchaos.chaos-mesh.org milvus-drill-d1 --ignore-not-found"}));
}

TEST_F(KubectlNemesisTest, ActiveAndStandbyNeedAResolver) {
  cli_.On("kubectl * get pods *", ThreeRootcoords());
  {
    KubectlNemesis n(Opts());
    auto f = n.Resolve(Spec("kill", "active"));
    ASSERT_FALSE(f.ok());
    EXPECT_TRUE(IsUnsupported(f.status()));
    EXPECT_NE(f.status().reason().find("etcd"), std::string::npos) << f.status().reason();
    EXPECT_TRUE(cli_.Calls().empty());
  }
  KubectlOptions o = Opts();
  o.active_resolver = [](const FaultSpec&) -> Result<std::string> { return std::string("milvus-rootcoord-b"); };
  KubectlNemesis n(o);
  auto active = n.Apply(Spec("kill", "active"));
  ASSERT_TRUE(active.ok()) << active.status().ToString();
  EXPECT_EQ(cli_.Calls(),
            (Calls{kGet, "kubectl -n milvus delete pod milvus-rootcoord-b --grace-period=0 --force --wait=false"}));
  auto standby = n.Resolve(Spec("kill", "standby"));
  ASSERT_TRUE(standby.ok());
  EXPECT_EQ(standby->front().name, "milvus-rootcoord-a");
  o.active_resolver = [](const FaultSpec&) -> Result<std::string> { return std::string("milvus-rootcoord-z"); };
  KubectlNemesis stale(o);
  EXPECT_FALSE(stale.Resolve(Spec("kill", "active")).ok());  // the active one is not running
  // Milvus's session names the active coordinator by address: the pod with that IP.
  o.active_resolver = [](const FaultSpec&) -> Result<std::string> { return std::string("10.0.0.2:53100"); };
  KubectlNemesis by_ip(o);
  auto hit = by_ip.Resolve(Spec("kill", "active"));
  ASSERT_TRUE(hit.ok()) << hit.status().ToString();
  EXPECT_EQ(hit->front().name, "milvus-rootcoord-b");
  auto others = by_ip.Resolve(Spec("kill", "standby"));
  ASSERT_TRUE(others.ok());
  EXPECT_EQ(others->front().name, "milvus-rootcoord-a");
  o.active_resolver = [](const FaultSpec&) -> Result<std::string> { return std::string("10.9.9.9:53100"); };
  KubectlNemesis nowhere(o);
  EXPECT_FALSE(nowhere.Resolve(Spec("kill", "active")).ok());  // no running pod has that IP
}

TEST_F(KubectlNemesisTest, DescribeNamesTheCommandWithoutRunningIt) {
  KubectlOptions o = Opts();
  o.context = "prod";
  KubectlNemesis n(o);
  EXPECT_EQ(n.Describe(Spec("kill")),
            "kubectl --context prod -n milvus delete pod <one of app=milvus-rootcoord> --grace-period=0 --force "
            "--wait=false");
  EXPECT_EQ(n.Describe(Spec("kill", "percent:50")).find("<50% of app=milvus-rootcoord>") != std::string::npos, true);
  EXPECT_NE(n.Describe(Spec("partition", "all", "p1")).find("NetworkPolicy milvus-drill-p1"), std::string::npos);
  EXPECT_EQ(n.Describe(Spec("explode")).rfind("invalid: ", 0), 0u);
  EXPECT_TRUE(cli_.Calls().empty());
}

TEST_F(KubectlNemesisTest, MissingNamespaceAndBadSpecsAreInvalid) {
  KubectlNemesis none(KubectlOptions{});
  EXPECT_EQ(none.Resolve(Spec("kill")).status().code(), code::kParameterInvalid);
  KubectlNemesis n(Opts());
  EXPECT_FALSE(n.Plan(Spec("kill", "sometimes")).ok());
  EXPECT_FALSE(n.Plan(Spec("kill", "percent:0")).ok());
  EXPECT_FALSE(n.Plan(Spec("kill", "one", "Bad_Id")).ok());
  EXPECT_TRUE(cli_.Calls().empty());
}

TEST(NemesisHelpers, ModesAndIdsAndJsonRoundTrip) {
  EXPECT_EQ(ParseMode("one")->kind, Mode::kOne);
  EXPECT_EQ(ParseMode("7")->value, 7);
  EXPECT_EQ(ParseMode("percent:30")->kind, Mode::kPercent);
  EXPECT_FALSE(ParseMode("percent:101").ok());
  EXPECT_FALSE(ParseMode("0").ok());
  EXPECT_FALSE(ParseMode("-1").ok());
  FaultSpec s = Spec("kill");
  s.id.clear();
  std::string id = FaultId(s);
  EXPECT_TRUE(IsDnsLabel(id, 40)) << id;
  EXPECT_EQ(id.rfind("kill-", 0), 0u);
  EXPECT_NE(FaultId(s), id);

  AppliedFault f{"p1",
                 "kubernetes",
                 Spec("partition", "2", "p1"),
                 {{"a", "10.0.0.1"}},
                 {{{"apply", "-f", "-"}, "yaml\n"}},
                 {{{"delete", "networkpolicy", "x"}, ""}},
                 123};
  f.spec.duration = std::chrono::milliseconds(5000);
  f.spec.loss_pct = 1.5;
  auto back = AppliedFaultFromJson(ToJson(f));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(ToJson(back.value()), ToJson(f));
  EXPECT_EQ(back->steps, f.steps);
  EXPECT_EQ(back->spec.duration.count(), 5000);
  EXPECT_FALSE(AppliedFaultFromJson(nlohmann::json::array()).ok());
  // Numbers that do not fit an int64 are refused, not cast (undefined behaviour; the
  // sanitizer build of this test would abort). Found by fuzz_journal.
  nlohmann::json huge = ToJson(f);
  huge["spec"]["duration_ms"] = 1.79582e64;
  EXPECT_FALSE(AppliedFaultFromJson(huge).ok());
  huge = ToJson(f);
  huge["planned_unix_ms"] = -1e300;
  EXPECT_FALSE(AppliedFaultFromJson(huge).ok());
  huge = ToJson(f);
  huge["spec"]["duration_ms"] = 2500.0;  // a whole number written as a float still reads
  ASSERT_TRUE(AppliedFaultFromJson(huge).ok());
  EXPECT_EQ(AppliedFaultFromJson(huge)->spec.duration.count(), 2500);
}

TEST(RunWithInput, StdinStdoutStderrExitCodeAndTimeout) {
  auto r = RunWithInput({"sh", "-c", "cat; echo oops >&2; exit 3"}, "manifest\n", std::chrono::milliseconds(5000));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "manifest\n");
  EXPECT_EQ(r->err, "oops\n");
  auto missing = RunWithInput({"/nonexistent/kubectl"}, "", std::chrono::milliseconds(5000));
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->exit_code, 127);
  EXPECT_NE(missing->err.find("exec /nonexistent/kubectl"), std::string::npos);
  auto slow = RunWithInput({"sleep", "5"}, "", std::chrono::milliseconds(100));
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.status().transport_code(), 4);
  EXPECT_EQ(ShellJoin({"docker", "ps", "--format", "{{json .}}", "it's"}),
            "docker ps --format '{{json .}}' 'it'\\''s'");
}

}  // namespace
}  // namespace mdrill::drill
