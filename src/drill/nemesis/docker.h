// DockerNemesis: faults on Milvus running under docker compose, through the docker CLI.
//
// Selectors. Milvus's compose files name the services (etcd, minio, standalone; or
// rootcoord, proxy, querynode, ... for a cluster), and compose labels every container
// com.docker.compose.service=<service>. A selector is comma-separated terms, all of
// which must hold (docker ANDs label filters):
//   app=X or service=X   ->  --filter label=com.docker.compose.service=X
//   K=V with a '.' in K   ->  --filter label=K=V   (already a docker label, passed as is)
// So the Kubernetes-style "app=milvus-rootcoord" matches the compose service named
// "milvus-rootcoord"; with Milvus's stock cluster compose file write app=rootcoord.
// Set-based selectors (in, notin, !=) are InvalidArgument. When options name a compose
// project, --filter label=com.docker.compose.project=P is added first.
//
//   Resolve    docker ps --filter status=running [--filter label=com.docker.compose.project=P]
//                        --filter label=... --format '{{json .}}'
//              one JSON object per line; targets are named by the container's name
//              (detail: its id), sorted by name, then the mode picks as in nemesis.h.
//   kill       docker kill --signal KILL ID
//              undo: docker start ID. `docker kill` counts as a manual stop, so the
//              restart policy does not bring the container back; Heal starts it.
//   pause      docker pause ID                (cgroup freezer: every process stops)
//              undo: docker unpause ID
//   partition  Plan reads the networks: docker inspect --format '{{json .NetworkSettings.Networks}}' ID
//              then docker network disconnect NET ID      (each network, sorted)
//              undo: docker network connect [--alias A]... [--ip IP] NET ID
//              with the aliases (compose's service name among them, so DNS names come
//              back) and any static IPv4 address recorded before disconnecting. This
//              unplugs the container: peers see "no route"/name errors quickly rather
//              than the silent packet loss of a real partition.
//   delay,     Unsupported: would need `tc qdisc ... netem` inside the container, which
//   loss       needs iproute2 in the image and the NET_ADMIN capability; Milvus's images
//              and compose files provide neither. Use the kubernetes backend with Chaos
//              Mesh, or Pumba (`pumba netem`) next to the drill.
//   active,    need options.active_resolver (returns the active container's name); else
//   standby    Unsupported.
//
// Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "drill/nemesis/nemesis.h"

namespace mdrill::drill {

// The labels docker compose puts on every container it runs.
inline constexpr const char* kServiceLabel = "com.docker.compose.service";
inline constexpr const char* kProjectLabel = "com.docker.compose.project";

// Container ids, names, networks and aliases go into argv only; still refuse anything
// that could be read as an option or is not a plain docker name.
bool IsDockerName(const std::string& s);

struct DockerOptions {
  std::string docker = "docker";             // binary, searched in PATH
  std::string project;                       // compose project; empty: any
  std::chrono::milliseconds timeout{30000};  // per docker invocation
  uint64_t seed = 0;                         // 0: modes pick the first containers by name; else a seeded random choice
  ActiveResolver active_resolver;            // for modes active/standby; returns the active container's name
};

class DockerNemesis final : public CliNemesis {
 public:
  explicit DockerNemesis(DockerOptions options);

  std::string Backend() const override { return "docker"; }
  Result<std::vector<Target>> Resolve(const FaultSpec& spec) override;
  Result<AppliedFault> Plan(const FaultSpec& spec) override;
  std::string Describe(const FaultSpec& spec) const override;

  // The `docker ps` filter arguments for a selector (see the mapping above).
  static Result<std::vector<std::string>> SelectorFilters(const std::string& selector);

 protected:
  bool AlreadyUndone(const CommandOutput& out) const override;

 private:
  Status CheckSupported(const FaultSpec& spec) const;

  DockerOptions o_;
};

}  // namespace mdrill::drill
