#include "testing/calibration.h"

#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "util/subprocess.h"

namespace mdrill::testing {

namespace {

// kubectl as the drill's kubernetes backend calls it: one running proxy pod, no
// network policies, and `delete pod` starts the outage written in DIR/outage.
// Each call is logged to DIR/kubectl.log. With DIR/forbid present, the delete
// also takes away the right to list network policies, as a revoked role would.
std::string StandInKubectl(int control_port, const std::string& dir) {
  return "#!/bin/bash\n"
         "echo \"$*\" >> '" +
         dir +
         "/kubectl.log'\n"
         "case \" $* \" in\n"
         "  *' get pods '*)\n"
         "    echo '{\"items\":[{\"metadata\":{\"name\":\"milvus-proxy-0\"},"
         "\"status\":{\"phase\":\"Running\",\"podIP\":\"127.0.0.1\"}}]}' ;;\n"
         "  *' get networkpolicies '*)\n"
         "    if [ -e '" +
         dir +
         "/forbidden' ]; then\n"
         "      echo 'Error from server (Forbidden): networkpolicies is forbidden' >&2; exit 1\n"
         "    fi\n"
         "    echo '{\"apiVersion\":\"v1\",\"items\":[],\"kind\":\"List\"}' ;;\n"
         "  *' delete pod '*)\n"
         "    [ -e '" +
         dir + "/forbid' ] && touch '" + dir +
         "/forbidden'\n"
         "    exec 3<>/dev/tcp/127.0.0.1/" +
         std::to_string(control_port) +
         " || exit 1\n"
         "    cat '" +
         dir +
         "/outage' >&3\n"
         "    read -r answer <&3\n"
         "    [ \"$answer\" = ok ] || { echo \"forwarder: $answer\" >&2; exit 1; } ;;\n"
         "esac\n"
         "exit 0\n";
}

std::string Scenario(const std::string& name, int length_ms, double rate) {
  const int duration_s = 3 + (length_ms + 999) / 1000 + 5;
  std::ostringstream y;
  y << "name: calibration\n"
    << "tests:\n"
    << "  - name: " << name << "\n"
    << "    collection: calibration_test\n"
    << "    duration: " << duration_s << "s\n"
    << "    faults:\n"
    << "      - {action: kill, selector: app=milvus-proxy, mode: one, at: 3s}\n"
    << "    workload: {search_rate: 0, insert_rate: 0, query_rate: 0, probe_rate: " << rate
    << ", connect_rate: " << rate / 5 << ", sdk_probe_rate: 20}\n";
  return y.str();
}

}  // namespace

bool EnterPrivateNetns(std::string* error) {
  if (::unshare(CLONE_NEWNET) != 0) {
    *error = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno) + " (needs root)";
    return false;
  }
  std::string out;
  if (RunCapture({"ip", "link", "set", "lo", "up"}, &out, std::chrono::seconds(10), true) != 0) {
    *error = "ip link set lo up: " + out;
    return false;
  }
  return true;
}

std::optional<double> CalibrationRun::Seconds(const char* section, const char* key) const {
  if (!result.is_object() || !result.contains(section)) return std::nullopt;
  const auto& s = result[section];
  if (!s.is_object() || !s.contains(key) || !s[key].is_number()) return std::nullopt;
  return s[key].get<double>() / 1e6;
}

std::optional<double> CalibrationRun::KindSeconds(const char* section, const char* kind) const {
  if (!result.is_object() || !result.contains(section)) return std::nullopt;
  const auto& k = result[section].value("by_kind", nlohmann::json::object());
  if (!k.contains(kind) || !k[kind].contains("rto_us") || !k[kind]["rto_us"].is_number()) return std::nullopt;
  return k[kind]["rto_us"].get<double>() / 1e6;
}

bool Calibration::SetUp(std::string* error) {
  dir_ = TempDir("calibration");
  server_ = std::make_unique<ServerProcess>();
  if (!server_->Start(error)) return false;
  const std::string address = server_->address();
  const int backend_port = std::atoi(address.substr(address.rfind(':') + 1).c_str());
  forwarder_ = std::make_unique<OutageForwarder>("127.0.0.1", backend_port);
  port_ = FreePort();
  control_port_ = FreePort();
  Status s = forwarder_->Start(port_, control_port_);
  if (!s.ok()) {
    *error = s.reason();
    return false;
  }
  std::ofstream(dir_ + "/kubectl") << StandInKubectl(control_port_, dir_);
  ::chmod((dir_ + "/kubectl").c_str(), 0755);
  // The drill runs `kubectl` from PATH: this one comes first.
  const char* path = std::getenv("PATH");
  ::setenv("PATH", (dir_ + ":" + (path != nullptr ? path : "/usr/bin:/bin")).c_str(), 1);
  return true;
}

CalibrationRun Calibration::Run(OutageKind kind, int length_ms, double rate, bool forbid_after_fault) {
  CalibrationRun r;
  r.kind = kind;
  r.length_ms = length_ms;
  r.rate = rate;
  const std::string name = std::string(OutageKindName(kind)) + "-" + std::to_string(length_ms) + "ms";
  const std::string run_dir = dir_ + "/run" + std::to_string(++runs_);
  std::ofstream(dir_ + "/outage") << OutageKindName(kind) << " " << length_ms << "\n";
  std::ofstream(dir_ + "/kubectl.log", std::ios::trunc).flush();
  ::unlink((dir_ + "/forbidden").c_str());
  if (forbid_after_fault)
    std::ofstream(dir_ + "/forbid").flush();
  else
    ::unlink((dir_ + "/forbid").c_str());
  std::ofstream(dir_ + "/scenario.yaml") << Scenario(name, length_ms, rate);
  const size_t before = forwarder_->Outages(std::chrono::seconds(1)).size();
  std::vector<std::string> argv{DrillBinary(),
                                "run",
                                "--target=k8s",
                                "--deployment=seed",
                                "--namespace=calibration",
                                "--port=" + std::to_string(port_),
                                "--file=" + dir_ + "/scenario.yaml",
                                "--replicas=1",
                                "--rows=200",
                                "--dim=16",
                                "--out-dir=" + run_dir,
                                "--json=" + run_dir + ".json",
                                "--no-history"};
  int rc = RunCapture(argv, &r.console, std::chrono::seconds(120), true);
  auto outages = forwarder_->Outages(std::chrono::seconds(30));
  if (outages.size() != before + 1) {
    r.error =
        "the forwarder saw " + std::to_string(outages.size() - before) + " outages (exit " + std::to_string(rc) + ")";
    return r;
  }
  r.true_s = outages.back().seconds();
  std::ifstream in(run_dir + ".json");
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.contains("tests") || j["tests"].empty()) {
    r.error = "no result JSON (exit " + std::to_string(rc) + ")";
    return r;
  }
  r.result = j["tests"][0];
  std::ifstream log(dir_ + "/kubectl.log");
  for (std::string line; std::getline(log, line);) r.kubectl_calls.push_back(line);
  return r;
}

}  // namespace mdrill::testing
