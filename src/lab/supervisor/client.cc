#include "lab/supervisor/client.h"

#include <grpcpp/grpcpp.h>

#include <fstream>

namespace mdrill::lab {

namespace rec = ::milvusdrill::lab;

std::string SupervisorAddressFile(const std::string& d) { return d + "/supervisor.addr"; }
std::string FaultJournal(const std::string& d) { return d + "/faults.journal"; }
std::string StateFile(const std::string& d) { return d + "/state.json"; }

Result<std::unique_ptr<rec::Supervisor::Stub>> ConnectSupervisor(const std::string& data_dir) {
  std::ifstream in(SupervisorAddressFile(data_dir));
  std::string addr;
  if (!(in >> addr))
    return Status::InvalidArgument("no lab runs from " + data_dir +
                                   " (no supervisor.addr); start one with `milvus-drill lab up`");
  return rec::Supervisor::NewStub(grpc::CreateChannel(addr, grpc::InsecureChannelCredentials()));
}

Result<rec::StatusResponse> SupervisorStatus(rec::Supervisor::Stub* stub, std::chrono::milliseconds deadline) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + deadline);
  rec::StatusResponse resp;
  grpc::Status g = stub->Status(&ctx, rec::StatusRequest(), &resp);
  if (!g.ok()) return Status::Transport(g.error_code(), "lab supervisor: " + g.error_message());
  return resp;
}

Status SendFault(rec::Supervisor::Stub* stub, const rec::FaultRequest& request, std::chrono::milliseconds deadline) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + deadline);
  rec::FaultResponse resp;
  grpc::Status g = stub->Fault(&ctx, request, &resp);
  if (!g.ok()) return Status::Transport(g.error_code(), "lab supervisor: " + g.error_message());
  if (resp.status().code() != 0 || resp.status().error_code() != 0)
    return Status(resp.status().code(), resp.status().error_code(), resp.status().reason());
  return Status::OK();
}

}  // namespace mdrill::lab
