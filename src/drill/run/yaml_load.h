// YAML documents the drill reads (scenarios, soak mixes): parsed from text with an
// error naming their origin, as every reader reports it.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "util/status.h"

namespace mdrill::drill {

// The document in `text`, or InvalidArgument "ORIGIN: not valid YAML: ...".
inline Result<YAML::Node> LoadYaml(const std::string& text, const std::string& origin) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(origin + ": not valid YAML: " + e.what());
  }
}

}  // namespace mdrill::drill
