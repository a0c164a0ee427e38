// LabNemesis: faults on the lab through its supervisor's control API.
//
// The drill resolves the targets itself (the supervisor's Status: components whose
// labels match, running; "active"/"standby" from the coordinators' reported roles)
// and then asks the supervisor to fault exactly those instances
// (selector instance=NAME, mode all), so the history records what was hit. The
// supervisor journals each fault and undoes it at its deadline even if the drill
// dies. Each target's part is sent with the id "<fault id>.<target>", and Heal
// undoes exactly those parts (`milvus-drill lab heal --id ID`): a companion fault
// in force keeps its own deadline. The selector role=supervisor names the
// supervisor itself: killing it crashes the whole lab, which stays down for the
// fault's duration (required); Heal starts it again as it was started
// (lab_supervisor.h) and returns once the lab serves.
//
// Not thread-safe.
#pragma once

#include <memory>
#include <string>

#include "drill/nemesis/nemesis.h"

namespace milvusdrill::lab {
class StatusResponse;
}

namespace mdrill::drill {

class LabNemesis final : public Nemesis {
 public:
  // `data_dir`: the lab's data directory (where supervisor.addr lives).
  explicit LabNemesis(std::string data_dir, uint64_t seed = 1);
  ~LabNemesis() override;

  std::string Backend() const override { return "lab"; }
  Result<std::vector<Target>> Resolve(const FaultSpec& spec) override;
  Result<AppliedFault> Plan(const FaultSpec& spec) override;
  Status Inject(const AppliedFault& fault) override;
  Status Heal(const AppliedFault& fault) override;
  std::string Describe(const FaultSpec& spec) const override;

  // The coordinator process reported active now, as "NAME (pid N)" (a restarted
  // coordinator that wins again is a different process), "" when none is.
  Result<std::string> ActiveCoordinator();
  // The supervisor's current view (every component, role, state).
  Result<::milvusdrill::lab::StatusResponse> LabStatus();

 private:
  Status InjectSupervisorKill(const AppliedFault& fault);
  Status Send(const std::string& action, const std::string& selector, const FaultSpec& spec,
              const std::string& fault_id);

  std::string data_dir_;
  uint64_t seed_;
  std::mt19937_64 rng_;
};

}  // namespace mdrill::drill
