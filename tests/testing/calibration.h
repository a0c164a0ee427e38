// The RTO calibration: outages of known kind and length that the drill does not
// cause itself. A standalone server stands behind an OutageForwarder; the drill
// runs against the forwarder with its kubernetes backend, through a stand-in
// kubectl whose `delete pod` asks the forwarder for the outage. The drill's RTO
// is then held against the forwarder's own record of the outage.
//
// Everything runs in a network namespace of the process's own (EnterPrivateNetns,
// root), so the black hole's nftables rule touches nothing else.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "testing/outage_forwarder.h"
#include "testing/server_process.h"

namespace mdrill::testing {

// Moves the calling thread (call it first in main, before any thread starts) into
// a new network namespace with loopback up. Returns false, with why, when it cannot.
bool EnterPrivateNetns(std::string* error);

struct CalibrationRun {
  OutageKind kind = OutageKind::kRefused;
  int length_ms = 0;
  double rate = 0;                         // GetVersion probes/s
  double true_s = 0;                       // the forwarder's record of the outage
  nlohmann::json result;                   // the drill's result for the one test
  std::string error;                       // set when the run could not be made
  std::string console;                     // the drill's console output
  std::vector<std::string> kubectl_calls;  // each call's arguments
  // A figure of the result, in seconds: e.g. Seconds("strict_rto", "rto_us").
  std::optional<double> Seconds(const char* section, const char* key = "rto_us") const;
  std::optional<double> KindSeconds(const char* section, const char* kind) const;
};

class Calibration {
 public:
  // Starts the standalone server and the forwarder; false, with why, on failure.
  bool SetUp(std::string* error);
  // One drill run with one outage `length_ms` long, 3 s into a test, the drill
  // probing at `rate`/s with GetVersion, at rate/5 with new connections, at 20/s
  // through an SDK-default channel (the client view); the drill's default 5 s
  // deadline. With `forbid_after_fault`, kubectl refuses to list network policies
  // from the fault on, so every census after it fails.
  CalibrationRun Run(OutageKind kind, int length_ms, double rate, bool forbid_after_fault = false);

 private:
  std::string dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<OutageForwarder> forwarder_;
  int port_ = 0, control_port_ = 0;
  int runs_ = 0;
};

}  // namespace mdrill::testing
