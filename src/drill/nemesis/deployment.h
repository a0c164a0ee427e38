// Component roles and deployment profiles: scenarios name roles ("role=coordinator"),
// a profile says which pods play each role in one kind of deployment.
//
//   role           seed, lab            helm (release R)                 operator (instance M)
//   coordinator    app=milvus-rootcoord  instance=R,name=milvus,          instance=M,name=milvus,
//                                        component=rootcoord|mixcoord     app.kubernetes.io/component=
//                                                                         rootcoord|mixcoord
//   proxy          app=milvus-proxy      ... component=proxy              ... component=proxy
//   querynode      app=milvus-querynode  ... component=querynode          ... component=querynode
//   datanode       app=milvus-datanode   ... component=datanode           ... component=datanode
//   streamingnode  app=milvus-streamingnode  ... component=streamingnode  ... component=streamingnode
//   etcd           app=etcd              name=etcd,instance=R             name=etcd, the instance its
//                                                                         pods carry (detected)
// (instance = app.kubernetes.io/instance, name = app.kubernetes.io/name.) The
// coordinator is mixcoord where the deployment runs one (Milvus 2.6, or 2.5 with
// mixCoordinator), else rootcoord; it is also the session role the drill reads in
// etcd to find the active coordinator. A user's own mapping (`--role ROLE=SELECTOR`,
// or `roles:` in a scenario file) wins over the profile's.
//
// Detection reads the pods of the namespace (`kubectl get pods -o json`): Milvus
// Operator pods carry app.kubernetes.io/managed-by=milvus-operator; Helm-chart pods
// app.kubernetes.io/name=milvus and a `component` label; the seed's, app=milvus-*.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "util/status.h"

namespace mdrill::drill {

// The roles a scenario may name.
const std::vector<std::string>& Roles();

struct Deployment {
  std::string profile;                           // seed | lab | helm | operator
  std::string instance;                          // helm: the release; operator: the Milvus resource's name
  std::string coordinator = "rootcoord";         // rootcoord | mixcoord
  std::string etcd_instance;                     // operator: the etcd pods' app.kubernetes.io/instance
  std::map<std::string, std::string> overrides;  // role -> selector, the user's own

  // The selector of `role`; InvalidArgument for an unknown role or one this
  // profile cannot name (the message says how to give it).
  Result<std::string> Selector(const std::string& role) const;
  // "role=X" becomes the role's selector; any other selector is returned as written.
  Result<std::string> Resolve(const std::string& selector) const;
  // One line: "Helm release 'r' (coordinator: mixcoord)".
  std::string Describe() const;
};

// A profile by name; InvalidArgument for an unknown one, or helm/operator without
// the instance. `coordinator` empty: rootcoord.
Result<Deployment> MakeDeployment(const std::string& profile, const std::string& instance,
                                  const std::string& coordinator = "");

// "ROLE=SELECTOR" into d->overrides; InvalidArgument naming the problem.
Status AddRoleOverride(const std::string& text, Deployment* d);

// Recognises the deployment from a pod list (kubectl get pods -o json). `instance`
// non-empty picks that release or Milvus resource when the namespace holds several.
// InvalidArgument when nothing is recognised or the choice is ambiguous; the message
// lists what was seen (the pods' label sets).
Result<Deployment> DetectDeployment(const nlohmann::json& pods, const std::string& instance = "");

// The distinct label sets of a pod list, "k=v,k=v" each (pod-template-hash and
// other per-revision labels left out), at most `max` of them: what an operator needs
// to see when a selector matched nothing.
std::vector<std::string> LabelSetsSeen(const nlohmann::json& pods, size_t max = 12);

}  // namespace mdrill::drill
