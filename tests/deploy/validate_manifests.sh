#!/usr/bin/env bash
# Checks every manifest in deploy/k8s/ offline, with kubectl and no cluster, then proves
# the check can fail by feeding it broken copies of the manifests.
#
# Why not `kubectl apply --dry-run=client --validate=strict`: without an API server it
# fails on every file, valid or not. Its schema validation downloads the server's OpenAPI
# document, and even with --validate=false it asks the server's discovery API to map
# each kind. What kubectl can do with no server is decode a file into its compiled-in Go
# types (`kubectl set ... --local`). So this checks, for each object:
#   1. decode: the YAML parses, kubectl knows the apiVersion/kind, and every value has
#      the field's type (a string where an integer goes, a malformed quantity such as
#      "2GB", a list where a map goes: all rejected).
#   2. unknown fields, for the kinds kubectl can print back after decoding (Pod and
#      anything with a pod template: Job, CronJob; and RoleBinding): each value of the file must
#      come back from the typed object. The decoder drops a field it does not know, so a
#      misspelled or misplaced field is caught. ServiceAccount, Role and
#      PersistentVolumeClaim are decoded (1) but not printed back, so not checked for this.
#   3. the contract of these manifests (jq): the Role's rules are exactly
#      docs/backends.md's table; a drill Job is never retried, is bounded in time, runs
#      non-root as the milvus-drill account with resources set; the CronJob forbids
#      overlapping runs; every container has a name and an image.
# Not checked: the API server's own validation (required fields other than those in 3,
# name syntax, cron syntax, immutable fields, admission) and Custom Resources.
set -euo pipefail
shopt -s nullglob

here="$(cd "$(dirname "$0")/../.." && pwd)"
manifests="${1:-$here/deploy/k8s}"  # or a directory of your own edited copies
kubectl="${KUBECTL:-kubectl}"
command -v "$kubectl" >/dev/null || { echo "validate: no kubectl on PATH (scripts/setup.sh installs one)" >&2; exit 1; }
command -v jq >/dev/null || { echo "validate: no jq on PATH (scripts/setup.sh installs it)" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# --local never talks to a server. Some kubectl builds still ask the configured server
# for its version (to pick a kubectl to run), so point them at a closed port on loopback:
# never at the user's own cluster.
cat >"$tmp/kubeconfig" <<'EOF'
apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: none, user: {token: none}}]
contexts: [{name: none, context: {cluster: none, user: none}}]
current-context: none
EOF
export KUBECONFIG="$tmp/kubeconfig" HOME="$tmp"
k() { "$kubectl" "$@" </dev/null; }

# Splits FILE into one JSON object per file under DIR (kubectl parses the YAML, untyped).
split() {
  mkdir -p "$2"
  k annotate --local -o json -f "$1" mdrill-validate- | jq -c 'del(.metadata.annotations | select(. == {}))' |
    awk -v d="$2" '{ f = sprintf("%s/%03d.json", d, NR); print > f; close(f) }'
}

# Prints the object of JSON file $1 as kubectl decodes it into its Go type and encodes it
# again; prints nothing for a kind `kubectl set` cannot print back. kubectl's error, if
# any, is left in $tmp/err.
typed_of() {
  local obj="$1" sa typed
  if jq -e '.kind | test("^(Cluster)?RoleBinding$")' "$obj" >/dev/null; then
    # Appends a subject: the values already there must all come back.
    k set subject --local -o json -f "$obj" --user=mdrill-validate-probe 2>"$tmp/err" || true
    return
  fi
  sa="$(jq -r '[.. | objects | .serviceAccountName? // empty][0] // "default"' "$obj")"
  typed="$(k set serviceaccount --local -o json -f "$obj" "$sa" 2>"$tmp/err")" || true
  if [ -z "$typed" ] && grep -q 'no kind "CronJob" is registered for version "batch/v1"' "$tmp/err"; then
    # kubectl before 1.21 (Debian 12's is 1.20) predates batch/v1 CronJob: decode it as
    # batch/v1beta1, whose fields are the same save spec.timeZone (1.24+).
    jq '.apiVersion = "batch/v1beta1"' "$obj" >"$tmp/beta.json"
    typed="$(k set serviceaccount --local -o json -f "$tmp/beta.json" "$sa" 2>"$tmp/err")" || true
    [ -n "$typed" ] && typed="$(jq '.apiVersion = "batch/v1"' <<<"$typed")"
  fi
  printf '%s' "$typed"
}

# Prints the leaves of JSON file $1 that are missing or changed in JSON file $2, one path
# (a JSON array) a line.
dropped() {
  jq -n -c --slurpfile a "$1" --slurpfile b "$2" '$a[0] as $in | $b[0] as $out |
    $in | paths(type | . != "object" and . != "array") as $p | select((try ($out | getpath($p)) catch null) != ($in | getpath($p))) | $p'
}

# True if path $2 of object $1, holding false, 0 or "", is a known field that the encoder
# leaves out because it is empty (Go's omitempty): set to true, 1 or "x", it comes back.
omitted_empty() {
  jq -e --argjson p "$2" 'getpath($p) | . == false or . == 0 or . == ""' "$1" >/dev/null || return 1
  jq --argjson p "$2" 'setpath($p; getpath($p) | if type == "boolean" then true elif type == "number" then 1 else "x" end)' \
    "$1" >"$tmp/probe.json"
  typed_of "$tmp/probe.json" >"$tmp/probe.typed.json"
  [ -s "$tmp/probe.typed.json" ] &&
    jq -e -n --argjson p "$2" --slurpfile a "$tmp/probe.json" --slurpfile b "$tmp/probe.typed.json" \
      '($b[0] | getpath($p)) == ($a[0] | getpath($p))' >/dev/null
}

# Checks one object (a JSON file): decode (1) and unknown fields (2). Prints one line;
# returns non-zero with the reason.
check_object() {
  local obj="$1" kind name p lost=()
  kind="$(jq -r .kind "$obj")"
  name="$(jq -r '.metadata.name // .metadata.generateName' "$obj")"
  typed_of "$obj" >"$tmp/typed.json"
  if [ ! -s "$tmp/typed.json" ]; then
    # Decoded into its Go type (the error names it), but `set` cannot print it back.
    if grep -Eq "not a pod or does not have a pod template: \*[a-z0-9]+\.$kind\$" "$tmp/err"; then
      echo "  ok   $kind/$name: decodes (not printed back: unknown fields not checked)"
      return 0
    fi
    echo "  FAIL $kind/$name: $(cat "$tmp/err")"
    return 1
  fi
  while read -r p; do
    [ -n "$p" ] && ! omitted_empty "$obj" "$p" && lost+=("$p")
  done < <(dropped "$obj" "$tmp/typed.json")
  if ((${#lost[@]})); then
    # A value the decoder rewrites (a quantity not in canonical form, "0.5" for "500m")
    # shows here too: write it as kubectl prints it.
    echo "  FAIL $kind/$name: unknown field(s), dropped by kubectl's decoder, or a value it rewrote: ${lost[*]}"
    return 1
  fi
  echo "  ok   $kind/$name: decodes, no unknown field"
}

# The contract (3) over the objects given (JSON files). Prints each broken rule.
contract() {
  jq -s -r '
    def pod: if .kind == "CronJob" then .spec.jobTemplate.spec.template.spec else .spec.template.spec end;
    def jobspec: if .kind == "CronJob" then .spec.jobTemplate.spec else .spec end;
    def rules($r): [$r[] | {g: .apiGroups, r: (.resources | sort), v: (.verbs | sort)}] | sort;
    (.[] | select(.kind == "Role" and .metadata.name == "milvus-drill") | rules(.rules) as $r |
      select($r != rules([{apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "delete", "patch"]},
                          {apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["get", "list", "create", "patch", "delete"]}]))
      | "Role milvus-drill: rules are not docs/backends.md'"'"'s table: \($r)"),
    (.[] | select(.kind == "Role" and .metadata.name == "milvus-drill-chaos-mesh") | rules(.rules) as $r |
      select($r != rules([{apiGroups: ["chaos-mesh.org"], resources: ["podchaos", "networkchaos"], verbs: ["get", "list", "create", "patch", "delete"]}]))
      | "Role milvus-drill-chaos-mesh: rules are not docs/backends.md'"'"'s table: \($r)"),
    (.[] | select(.kind == "Job" or .kind == "CronJob") | "\(.kind)/\(.metadata.name // .metadata.generateName)" as $n |
      (select(jobspec.backoffLimit != 0) | "\($n): backoffLimit must be 0 (a drill is never retried)"),
      (select((jobspec.activeDeadlineSeconds // 0) <= 0) | "\($n): no activeDeadlineSeconds"),
      (select(pod.restartPolicy != "Never") | "\($n): restartPolicy must be Never"),
      (select(pod.serviceAccountName != "milvus-drill") | "\($n): serviceAccountName must be milvus-drill"),
      (select(pod.securityContext.runAsNonRoot != true) | "\($n): pod securityContext.runAsNonRoot must be true"),
      (select(.kind == "CronJob" and .spec.concurrencyPolicy != "Forbid") | "\($n): concurrencyPolicy must be Forbid"),
      (pod.containers[] | select(.resources.requests == null or .resources.limits == null) | "\($n): container \(.name): resources requests and limits"),
      (pod.containers[] | select((.name // "") == "" or (.image // "") == "") | "\($n): a container without a name or an image"))
  ' "$@"
}

# Runs checks 1-3 on every manifest file in DIR. Returns non-zero if any fails.
check_dir() {
  local dir="$1" out="$tmp/objects.$RANDOM" rc=0 f o
  for f in "$dir"/*.yaml; do
    echo "$(basename "$f"):"
    local d="$out/$(basename "$f" .yaml)"
    if ! split "$f" "$d" 2>"$tmp/err"; then echo "  FAIL $(sed 's/^error: //' "$tmp/err")"; rc=1; continue; fi
    for o in "$d"/*.json; do check_object "$o" || rc=1; done
  done
  local objs=("$out"/*/*.json) broken=""
  ((${#objs[@]})) && { broken="$(contract "${objs[@]}" 2>&1)" || broken="the contract check could not run: $broken"; }
  if [ -n "$broken" ]; then echo "contract:"; sed 's/^/  FAIL /' <<<"$broken"; rc=1; else echo "contract: ok"; fi
  return $rc
}

echo "== kubectl: $("$kubectl" version --client 2>/dev/null | head -1)"
echo "== $manifests"
check_dir "$manifests" || { echo "validate: $manifests does not pass" >&2; exit 1; }

# Proof that the check fails: each broken copy of a manifest must be rejected, with the
# expected reason in the output.
echo "== broken copies (each must be rejected)"
failures=0
expect_rejected() {  # FILE WHAT EXPECTED-OUTPUT SED-EXPRESSION
  local file="$1" what="$2" expect="$3" d="$tmp/broken.$RANDOM"
  mkdir -p "$d" && sed -e "$4" "$manifests/$file" >"$d/$file"
  if cmp -s "$d/$file" "$manifests/$file"; then echo "  BUG  $what: the edit changed nothing"; failures=$((failures + 1)); return; fi
  local out rc=0; out="$(check_dir "$d" 2>&1)" || rc=$?
  if [ $rc -ne 0 ] && [[ "$out" == *"$expect"* ]]; then
    echo "  rejected, as it must be: $file: $what"
    grep -E 'FAIL' <<<"$out" | sed 's/^/      /'
  else
    echo "  NOT REJECTED: $file: $what (exit $rc)"; sed 's/^/      /' <<<"$out"; failures=$((failures + 1))
  fi
}
expect_rejected job.yaml "wrong type (backoffLimit: \"zero\")" "unable to decode" 's/backoffLimit: 0/backoffLimit: "zero"/'
expect_rejected job.yaml "malformed quantity (memory: 2GB)" "quantities must match" 's/memory: 2Gi/memory: 2GB/'
expect_rejected job.yaml "unknown kind (kind: Jobs)" 'no kind "Jobs"' 's/^kind: Job$/kind: Jobs/'
expect_rejected job.yaml "misspelled field (serviceAccountNme)" "unknown field" 's/serviceAccountName:/serviceAccountNme:/'
expect_rejected job.yaml "misspelled field holding false (allowPrivilegeEscalaton)" "unknown field" \
  's/allowPrivilegeEscalation:/allowPrivilegeEscalaton:/'
expect_rejected job.yaml "misplaced field (runAsNonRoot under the container's resources)" "unknown field" \
  's/^\(\s*\)requests:$/\1runAsNonRoot: true\n\1requests:/'
expect_rejected job.yaml "missing required field (no image)" "without a name or an image" '/^\s*image: /d'
expect_rejected job.yaml "retried drill (backoffLimit: 2)" "backoffLimit must be 0" 's/backoffLimit: 0/backoffLimit: 2/'
expect_rejected rbac.yaml "wrong type in a Role (resources: a string, not a list)" "unable to decode" 's/resources: \["pods"\]/resources: "pods"/'
expect_rejected rbac.yaml "a verb the backend does not need (pods: create)" "not docs/backends.md's table" \
  's/verbs: \["get", "list", "delete", "patch"\]/verbs: ["get", "list", "delete", "patch", "create"]/'
expect_rejected pvc.yaml "YAML syntax error" "error converting YAML to JSON" 's/^spec:$/spec: [/'
if [ $failures -ne 0 ]; then echo "validate: $failures broken copies were not rejected" >&2; exit 1; fi
echo "validate: $manifests passes, and all broken copies were rejected"
