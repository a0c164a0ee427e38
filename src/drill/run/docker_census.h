// The census of a docker compose target (drill/check/census.h), from the docker CLI:
//
//   docker ps -a [--filter label=com.docker.compose.project=P] --format '{{.ID}}'
//       the containers (running or not) of the project, or every one;
//   docker inspect --type container ID...
//       their state, one JSON array; one entry per container, but for `compose
//       run` one-offs and containers that ran to completion (exit 0, never
//       restarted: init jobs):
//         name   the container's name (without docker's leading '/');
//         role   its compose service (label com.docker.compose.service), else the name;
//         pid    State.Pid (a pid of the docker host; 0 when not running);
//         state  paused (State.Paused), restarting, running, or stopped (exited,
//                created, dead); "partitioned", held by the fault "network
//                disconnected", when it runs on no network at all though its
//                network mode is one it joins (the drill's partition disconnects
//                every network; modes container:, service:, host and none never
//                list one);
//         healthy  running, not paused, and its health check (if any) says healthy;
//         restarts RestartCount: what the restart policy did (a `docker start`,
//                  as the drill's heal of a kill, is not counted).
//       Memory and descriptors are not read (the daemon may be on another host).
//
// So a census taken after every fault ended names a container still paused or
// disconnected ("faults outliving expiry"), and restarts by the restart policy
// ("crashes": the drill's kills never trigger it, `docker kill` counts as a stop).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

#include "drill/check/census.h"
#include "drill/nemesis/docker.h"

namespace mdrill::drill {

// The entries of a `docker inspect` array (pure, for the tests).
std::vector<CensusEntry> CensusFromInspect(const nlohmann::json& containers);

// The census as the runner takes it (RunOptions::census).
std::function<Result<std::vector<CensusEntry>>()> DockerCensus(const DockerOptions& o);

}  // namespace mdrill::drill
