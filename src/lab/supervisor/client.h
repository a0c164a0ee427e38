// The supervisor's client: the one way in to a running lab from outside it (the
// lab command, the drill's lab nemesis, tests). Knows where a lab's supervisor
// writes its files and builds the control API's stub; links nothing of the lab's
// servers.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "lab.grpc.pb.h"
#include "util/status.h"

namespace mdrill::lab {

// Files in a lab's data directory.
std::string SupervisorAddressFile(const std::string& data_dir);  // the control API's host:port
std::string FaultJournal(const std::string& data_dir);           // every fault, before it is applied
std::string StateFile(const std::string& data_dir);              // supervisor and component pids (JSON)

// A stub for the supervisor of the lab in `data_dir`. InvalidArgument, naming the
// directory, when no lab runs from it (no supervisor.addr).
Result<std::unique_ptr<::milvusdrill::lab::Supervisor::Stub>> ConnectSupervisor(const std::string& data_dir);

// The supervisor's view of every component, within `deadline`; Transport when the
// supervisor does not answer.
Result<::milvusdrill::lab::StatusResponse> SupervisorStatus(
    ::milvusdrill::lab::Supervisor::Stub* stub, std::chrono::milliseconds deadline = std::chrono::seconds(5));

// Sends a fault (or heal) request; the supervisor's own refusal comes back as its
// status, a transport failure as Transport.
Status SendFault(::milvusdrill::lab::Supervisor::Stub* stub, const ::milvusdrill::lab::FaultRequest& request,
                 std::chrono::milliseconds deadline = std::chrono::seconds(10));

}  // namespace mdrill::lab
