#!/usr/bin/env python3
"""Writes the recorded `kubectl get pods -o json` outputs the deployment tests read.

Each file is shaped as kubectl prints a namespace's pods: a v1 List of Pods with every
field a real Pod carries (owner references, template hashes, container specs and
statuses, conditions, IPs), Helm-chart or Milvus Operator labels as those deployments
set them (facts: docs/drill.md, "Deployments"), plus the pods a real namespace also holds
(etcd, MinIO, Pulsar or Woodpecker, one being deleted, one still Pending).
`--kubectl debian` is the Debian 12 kubectl (1.20), which prints metadata.managedFields;
a current kubectl (1.31) omits them and reports podIPs, hostIPs and the
PodReadyToStartContainers condition.

  python3 make_fixtures.py   # rewrites the *.json next to it
"""
import hashlib
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
START = "2026-11-20T08:14:03Z"


def h(*parts, n=10):
    return hashlib.sha1("/".join(parts).encode()).hexdigest()[:n]


def pod(ns, name, labels, image, args, ports, owner_kind, owner_name, ip, node, phase="Running",
        deleting=False, kubectl="current", restarts=0):
    uid = "{}-{}-{}-{}-{}".format(h(name, n=8), h(name, "a", n=4), h(name, "b", n=4), h(name, "c", n=4),
                                  h(name, "d", n=12))
    ready = phase == "Running" and not deleting
    meta = {
        "annotations": {"checksum/config": h(ns, "config", n=64)},
        "creationTimestamp": START,
        "generateName": name.rsplit("-", 1)[0] + "-",
        "labels": labels,
        "name": name,
        "namespace": ns,
        "ownerReferences": [{"apiVersion": "apps/v1", "blockOwnerDeletion": True, "controller": True,
                             "kind": owner_kind, "name": owner_name, "uid": h(owner_name, n=36)}],
        "resourceVersion": str(int(h(name, n=6), 16)),
        "uid": uid,
    }
    if deleting:
        meta["deletionTimestamp"] = "2026-11-20T09:01:44Z"
        meta["deletionGracePeriodSeconds"] = 30
    if kubectl == "debian":
        meta["managedFields"] = [{"apiVersion": "v1", "fieldsType": "FieldsV1", "fieldsV1": {
            "f:metadata": {"f:labels": {".": {}}}}, "manager": "kube-controller-manager", "operation": "Update",
            "time": START}]
    containers = [{
        "args": args,
        "env": [{"name": "MILVUS_LOG_LEVEL", "value": "info"}],
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "name": labels.get("component", labels.get("app.kubernetes.io/component", "main")),
        "ports": [{"containerPort": p, "name": pn, "protocol": "TCP"} for pn, p in ports],
        "resources": {},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "volumeMounts": [{"mountPath": "/milvus/configs/user.yaml", "name": "milvus-config", "readOnly": True,
                          "subPath": "user.yaml"}],
    }]
    conditions = [
        {"lastProbeTime": None, "lastTransitionTime": START, "status": "True", "type": "Initialized"},
        {"lastProbeTime": None, "lastTransitionTime": START, "status": "True" if ready else "False",
         "type": "Ready"},
        {"lastProbeTime": None, "lastTransitionTime": START, "status": "True" if ready else "False",
         "type": "ContainersReady"},
        {"lastProbeTime": None, "lastTransitionTime": START, "status": "True", "type": "PodScheduled"},
    ]
    status = {"conditions": conditions, "phase": phase, "qosClass": "BestEffort"}
    if phase == "Running":
        if kubectl != "debian":
            conditions.insert(0, {"lastProbeTime": None, "lastTransitionTime": START, "status": "True",
                                  "type": "PodReadyToStartContainers"})
            status["hostIPs"] = [{"ip": "10.0.0.%d" % (int(h(node), 16) % 200 + 10)}]
            status["podIPs"] = [{"ip": ip}]
        status.update({
            "hostIP": "10.0.0.%d" % (int(h(node), 16) % 200 + 10),
            "podIP": ip,
            "startTime": START,
            "containerStatuses": [{
                "containerID": "containerd://" + h(name, "ctr", n=64),
                "image": image, "imageID": image.split(":")[0] + "@sha256:" + h(image, n=64),
                "lastState": {}, "name": containers[0]["name"], "ready": ready, "restartCount": restarts,
                "started": ready, "state": {"running": {"startedAt": START}}}],
        })
    else:
        status["conditions"] = [c for c in conditions if c["type"] == "PodScheduled"]
        status["conditions"][0]["status"] = "False"
        status["conditions"][0]["reason"] = "Unschedulable"
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": {
        "containers": containers, "dnsPolicy": "ClusterFirst", "enableServiceLinks": True, "nodeName": node,
        "preemptionPolicy": "PreemptLowerPriority", "priority": 0, "restartPolicy": "Always",
        "schedulerName": "default-scheduler", "securityContext": {}, "serviceAccount": "default",
        "serviceAccountName": "default", "terminationGracePeriodSeconds": 30,
        "volumes": [{"configMap": {"defaultMode": 420, "name": "milvus"}, "name": "milvus-config"}]},
        "status": status}


PORTS = {"proxy": [("milvus", 19530), ("metrics", 9091)], "rootcoord": [("rootcoord", 53100), ("metrics", 9091)],
         "querycoord": [("querycoord", 19531), ("metrics", 9091)],
         "datacoord": [("datacoord", 13333), ("metrics", 9091)],
         "indexcoord": [("indexcoord", 31000), ("metrics", 9091)],
         "mixcoord": [("rootcoord", 53100), ("metrics", 9091)],
         "querynode": [("querynode", 21123), ("metrics", 9091)], "datanode": [("datanode", 21124), ("metrics", 9091)],
         "indexnode": [("indexnode", 21121), ("metrics", 9091)],
         "streamingnode": [("streamingnode", 22222), ("metrics", 9091)]}


class Namespace:
    def __init__(self, ns, kubectl):
        self.ns, self.kubectl, self.items, self.ip = ns, kubectl, [], 10

    def next_ip(self):
        self.ip += 1
        return "10.244.1.%d" % self.ip

    def add(self, name, labels, image, args, ports, owner_kind, owner_name, **kw):
        node = "worker-%d" % (len(self.items) % 3 + 1)
        self.items.append(pod(self.ns, name, labels, image, args, ports, owner_kind, owner_name, self.next_ip(),
                              node, kubectl=self.kubectl, **kw))

    def dump(self, path):
        doc = {"apiVersion": "v1", "items": self.items, "kind": "List",
               "metadata": {"resourceVersion": ""} if self.kubectl != "debian" else {"resourceVersion": "",
                                                                                     "selfLink": ""}}
        with open(path, "w") as f:
            json.dump(doc, f, indent=4, sort_keys=True)
            f.write("\n")


def milvus_cmd(role):
    if role == "mixcoord":
        return ["milvus", "run", "mixture", "-rootcoord", "-querycoord", "-datacoord", "-indexcoord"]
    return ["milvus", "run", role]


def helm(kubectl, version, roles, release="my-release", ns="milvus"):
    n = Namespace(ns, kubectl)
    image = "milvusdb/milvus:v" + version
    for role, count in roles:
        dep = "%s-milvus-%s" % (release, role)
        rs_hash = h(dep, version)
        for i in range(count):
            labels = {"app.kubernetes.io/instance": release, "app.kubernetes.io/name": "milvus",
                      "component": role, "pod-template-hash": rs_hash}
            n.add("%s-%s-%s" % (dep, rs_hash, h(dep, str(i), n=5)), labels, image, milvus_cmd(role), PORTS[role],
                  "ReplicaSet", dep + "-" + rs_hash, restarts=i)
    # A proxy being replaced, and a query node that cannot be scheduled.
    dep = "%s-milvus-proxy" % release
    n.add("%s-%s-%s" % (dep, h(dep, "old"), "zzzzz"), {"app.kubernetes.io/instance": release,
          "app.kubernetes.io/name": "milvus", "component": "proxy", "pod-template-hash": h(dep, "old")}, image,
          milvus_cmd("proxy"), PORTS["proxy"], "ReplicaSet", dep + "-" + h(dep, "old"), deleting=True)
    dep = "%s-milvus-querynode" % release
    n.add("%s-%s-%s" % (dep, h(dep, version), "pend1"), {"app.kubernetes.io/instance": release,
          "app.kubernetes.io/name": "milvus", "component": "querynode", "pod-template-hash": h(dep, version)}, image,
          milvus_cmd("querynode"), PORTS["querynode"], "ReplicaSet", dep + "-" + h(dep, version), phase="Pending")
    for i in range(3):
        n.add("%s-etcd-%d" % (release, i), {"app.kubernetes.io/instance": release, "app.kubernetes.io/name": "etcd",
              "app.kubernetes.io/managed-by": "Helm", "helm.sh/chart": "etcd-6.3.3",
              "controller-revision-hash": "%s-etcd-%s" % (release, h(release, "etcd")),
              "statefulset.kubernetes.io/pod-name": "%s-etcd-%d" % (release, i)},
              "docker.io/milvusdb/etcd:3.5.18-r1", [], [("client", 2379), ("peer", 2380)], "StatefulSet",
              release + "-etcd")
    for i in range(4):
        n.add("%s-minio-%d" % (release, i), {"app": "minio", "release": release,
              "controller-revision-hash": "%s-minio-%s" % (release, h(release, "minio")),
              "statefulset.kubernetes.io/pod-name": "%s-minio-%d" % (release, i)},
              "minio/minio:RELEASE.2023-03-20T20-16-18Z", ["server"], [("http", 9000)], "StatefulSet",
              release + "-minio")
    if version.startswith("2.5"):
        n.add("%s-pulsarv3-broker-0" % release, {"app": "pulsarv3", "release": release, "component": "broker",
              "cluster": release + "-pulsarv3"}, "apachepulsar/pulsar:3.0.7", ["bin/pulsar", "broker"],
              [("http", 8080), ("pulsar", 6650)], "StatefulSet", release + "-pulsarv3-broker")
    else:
        n.add("%s-milvus-woodpecker-0" % release, {"app.kubernetes.io/instance": release,
              "app.kubernetes.io/name": "milvus", "component": "woodpecker"}, image, ["woodpecker"],
              [("woodpecker", 18080)], "StatefulSet", release + "-milvus-woodpecker")
    return n


def operator(kubectl, version, roles, instance="my-milvus", ns="milvus-ops"):
    n = Namespace(ns, kubectl)
    image = "milvusdb/milvus:v" + version
    for role, count in roles:
        dep = "%s-milvus-%s" % (instance, role)
        rs_hash = h(dep, version)
        for i in range(count):
            labels = {"app.kubernetes.io/instance": instance, "app.kubernetes.io/name": "milvus",
                      "app.kubernetes.io/component": role, "app.kubernetes.io/managed-by": "milvus-operator",
                      "milvus.io/service": "true" if role == "proxy" else "false",
                      "pod-template-hash": rs_hash}
            n.add("%s-%s-%s" % (dep, rs_hash, h(dep, str(i), n=5)), labels, image, ["/milvus/tools/run.sh"] +
                  milvus_cmd(role), PORTS[role], "ReplicaSet", dep + "-" + rs_hash)
    for i in range(3):
        n.add("%s-etcd-%d" % (instance, i), {"app.kubernetes.io/instance": instance + "-etcd",
              "app.kubernetes.io/name": "etcd", "app.kubernetes.io/managed-by": "Helm",
              "helm.sh/chart": "etcd-6.3.3", "statefulset.kubernetes.io/pod-name": "%s-etcd-%d" % (instance, i)},
              "docker.io/milvusdb/etcd:3.5.18-r1", [], [("client", 2379)], "StatefulSet", instance + "-etcd")
    n.add("%s-minio-0" % instance, {"app": "minio", "release": instance + "-minio"},
          "minio/minio:RELEASE.2023-03-20T20-16-18Z", ["server"], [("http", 9000)], "StatefulSet",
          instance + "-minio")
    return n


CASES = {
    "helm-2.5": (helm, "2.5.16", [("rootcoord", 2), ("querycoord", 2), ("datacoord", 2), ("indexcoord", 1),
                                  ("proxy", 2), ("querynode", 3), ("datanode", 2), ("indexnode", 1)]),
    "helm-2.5-mixcoord": (helm, "2.5.16", [("mixcoord", 2), ("proxy", 2), ("querynode", 3), ("datanode", 2),
                                           ("indexnode", 1)]),
    "helm-2.6": (helm, "2.6.4", [("mixcoord", 2), ("proxy", 2), ("querynode", 3), ("datanode", 1),
                                 ("streamingnode", 2)]),
    "operator-2.5": (operator, "2.5.16", [("rootcoord", 2), ("datacoord", 1), ("querycoord", 1),
                                          ("indexcoord", 1), ("proxy", 2), ("querynode", 2), ("datanode", 1),
                                          ("indexnode", 1)]),
    "operator-2.6": (operator, "2.6.4", [("mixcoord", 2), ("proxy", 2), ("querynode", 2), ("datanode", 1),
                                         ("streamingnode", 2)]),
}

if __name__ == "__main__":
    for name, (make, version, roles) in CASES.items():
        for kubectl in ("debian", "current"):
            make(kubectl, version, roles).dump(os.path.join(HERE, "%s.%s.json" % (name, kubectl)))
