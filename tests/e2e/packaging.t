#!/usr/bin/env bash
# Deployment packaging, checked without a Docker engine or a Kubernetes
# cluster:
#   - docker/Dockerfile: the build stage installs the library -dev packages
#     of scripts/deps and CMakeLists.txt and runs the documented build; the
#     runtime stage installs a runtime package of each of them and every
#     library the tributary binary and its plugin modules link, and ships the
#     modules next to the binary; non-root, port, healthcheck, entrypoint.
#   - docker/entrypoint.sh: syntax (bash -n, shellcheck when installed), the
#     TRIBUTARY_* -> property mapping, escaping, secret copies, exec (the
#     worker replaces the script, so SIGTERM reaches it).
#   - helm/tributary: Chart.yaml/values.yaml parse, templates reference only
#     values that exist, the README documents every value; with helm
#     (PATH or $(go env GOPATH)/bin): lint --strict, renders for several value
#     sets, and the rendered worker.properties + pod environment + Secret run
#     a real distributed worker through the entrypoint against the test Kafka
#     (when KAFKA_BOOTSTRAP and the binary are there).
# The docker build itself is not run here (no engine); docker/README.md says
# how it was verified.
. "$(dirname "$0")/lib.sh"

ROOT=$E2E_ROOT
DOCKERFILE=$ROOT/docker/Dockerfile
ENTRY=$ROOT/docker/entrypoint.sh
CHART=$ROOT/helm/tributary
T=$E2E_TMP

skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n # SKIP $*"; }
has() { [[ " $1 " == *" $2 "* ]]; } # has "<space list>" word
mdiag() { sed 's/^/# /' <<<"$1"; }  # multi-line diagnostics

command -v python3 >/dev/null && python3 -c 'import yaml' 2>/dev/null ||
  bail "python3 with PyYAML is needed (Debian: python3-yaml, installed by scripts/deps)"

# ---- Dockerfile -----------------------------------------------------------

# stage_packages <stage>: packages of the stage's `apt-get install` commands
stage_packages() {
  python3 - "$DOCKERFILE" "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read().replace("\\\n", " ")
stage, pkgs = None, []
for line in text.splitlines():
    m = re.match(r"\s*FROM\s+\S+(?:\s+AS\s+(\S+))?", line, re.I)
    if m:
        stage = (m.group(1) or "").lower()
        continue
    if stage == sys.argv[2] and re.match(r"\s*RUN\b", line, re.I):
        for cmd in re.split(r"&&|;", line):
            toks = cmd.split()
            if "apt-get" in toks and "install" in toks:
                pkgs += [t for t in toks[toks.index("install") + 1:] if not t.startswith("-")]
print(" ".join(pkgs))
PY
}
# stage_text <stage>: the stage's instructions, continuation lines joined
stage_text() {
  python3 - "$DOCKERFILE" "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read().replace("\\\n", " ")
stage = None
for line in text.splitlines():
    m = re.match(r"\s*FROM\s+\S+(?:\s+AS\s+(\S+))?", line, re.I)
    if m:
        stage = (m.group(1) or "").lower()
    if stage == sys.argv[2] and line.strip() and not line.lstrip().startswith("#"):
        print(" ".join(line.split()))
PY
}

BUILD_PKGS=$(stage_packages build)
RUNTIME_PKGS=$(stage_packages runtime)
BUILD_TEXT=$(stage_text build)
RUNTIME_TEXT=$(stage_text runtime)
DEPS_PKGS=$(sed -n '/^PKGS=(/,/^)/p' "$ROOT/scripts/deps" | sed -e 's/#.*//' -e 's/PKGS=(//' -e 's/)//' | tr -s ' \n' ' ')
CMAKE_DEVS=$(sed -n 's/^trib_require_pkg([A-Z_]* [^ ]* \([^ )]*\)).*/\1/p' "$ROOT/CMakeLists.txt" | tr '\n' ' ')

ok "$([ -n "$BUILD_PKGS" ] && [ -n "$RUNTIME_PKGS" ] && echo 0 || echo 1)" \
  "the Dockerfile has a build and a runtime stage that install packages"
like "$(grep -m1 -i '^FROM' "$DOCKERFILE"; grep -m1 '^ARG DEBIAN_IMAGE' "$DOCKERFILE")" 'trixie-slim' \
  "both stages start from debian:trixie-slim (Debian 13: librdkafka 2.8)"

# The image is Debian 13 while this host may be Debian 12, whose package
# names differ for the same library: Debian 13 added "t64" (64-bit time_t)
# and bumped avro-c's soname (libavro23 -> libavro24). has_lib compares
# runtime packages by library name without those.
shopt -s extglob
lib_stem() { local n=${1%t64}; echo "${n%%+([0-9])}"; }
has_lib() { # has_lib "<space list>" <runtime package>
  local p want; want=$(lib_stem "$2")
  for p in $1; do [ "$(lib_stem "$p")" = "$want" ] && return 0; done
  return 1
}

miss=""
for p in $CMAKE_DEVS; do has "$BUILD_PKGS" "$p" || miss+=" $p"; done
is "$miss" "" "the build stage installs every -dev package CMakeLists.txt requires ($(echo "$CMAKE_DEVS" | wc -w) of them)"
miss=""
for p in $DEPS_PKGS; do
  case $p in lib*-dev) [[ $p == libclang-rt-* ]] && continue; has "$BUILD_PKGS" "$p" || miss+=" $p" ;; esac
done
is "$miss" "" "the build stage installs every library -dev package of scripts/deps"
extra=""
for p in $BUILD_PKGS; do has "$DEPS_PKGS" "$p" || extra+=" $p"; done
is "$extra" "" "every package the build stage installs is one scripts/deps installs too"
like "$BUILD_TEXT" 'cmake -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build --target tributary' \
  "the build stage builds the tributary target in Release mode"

bad=""
for p in $RUNTIME_PKGS; do case $p in *-dev|build-essential|gcc|cmake|pkg-config|clang*) bad+=" $p" ;; esac; done
is "$bad" "" "the runtime stage installs no -dev package or compiler"
devs=""
for p in $BUILD_PKGS; do [[ $p == *-dev ]] && devs+=" $p"; done
# one apt-cache call (each one loads the whole cache): "<pkg> <dependency>" lines
depends=$(apt-cache depends $devs 2>/dev/null | awk '/^[^ ]/{p=$1} / Depends:/{print p, $2}')
if [ -n "$depends" ]; then
  miss=""
  for p in $devs; do
    found=0
    for d in $(awk -v p="$p" '$1 == p {print $2}' <<<"$depends"); do has_lib "$RUNTIME_PKGS" "$d" && found=1; done
    [ $found = 1 ] || miss+=" $p"
  done
  is "$miss" "" "the runtime stage installs a library each build -dev package depends on (apt-cache depends)"
else
  skip "apt-cache has no package lists"
fi

# Each library the binary and its plugin modules (plugins/*.so next to it)
# link directly comes from a runtime package (or from libc/the compiler
# runtime every Debian image has; sanitizer runtimes of an ASan build are
# not shipped).
TRIB_MODULES=("$(dirname "$TRIB_BIN")"/plugins/*.so)
[ -e "${TRIB_MODULES[0]}" ] || TRIB_MODULES=()
if [ -x "$TRIB_BIN" ] && command -v readelf >/dev/null && command -v dpkg >/dev/null; then
  miss=""
  declare -A so_path=()
  for obj in "$TRIB_BIN" "${TRIB_MODULES[@]}"; do
    resolved=$(ldd "$obj" 2>/dev/null)
    for so in $(readelf -d "$obj" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
      case $so in libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*|libgcc_s.so.*|libasan.so.*|libubsan.so.*|ld-linux*) continue ;; esac
      path=$(awk -v s="$so" '$1 == s && $3 ~ /^\// {print $3}' <<<"$resolved")
      [ -n "$path" ] || { miss+=" $so(unresolved)"; continue; }
      path=$(readlink -f "$path")
      # librdkafka built by scripts/librdkafka from Debian 13's source
      # package: the image has it as Debian 13's binary package
      if [[ $so == librdkafka.so.* && $path != /usr/* && $path != /lib* ]]; then
        has "$RUNTIME_PKGS" librdkafka1 || miss+=" $so(librdkafka1)"
        continue
      fi
      [[ $path == /usr/* ]] || path=/usr$path # merged /usr
      so_path[$so]=$path
    done
  done
  # one dpkg call: "<package>:<arch>: <path>" lines
  owners=$(dpkg -S "${so_path[@]}" 2>/dev/null)
  for so in "${!so_path[@]}"; do
    pkg=$(awk -v f="${so_path[$so]}" '$2 == f {sub(/:.*/, "", $1); print $1}' <<<"$owners" | head -1)
    { [ -n "$pkg" ] && has_lib "$RUNTIME_PKGS" "$pkg"; } || miss+=" $so(${pkg:-?})"
  done
  is "$miss" "" "every library $(basename "$TRIB_BIN") and its ${#TRIB_MODULES[@]} plugin modules link directly is in a runtime-stage package"
else
  skip "no tributary binary at $TRIB_BIN (or no readelf/dpkg)"
fi
[ ${#TRIB_MODULES[@]} -gt 0 ]; ok $? "the build has plugin modules next to the binary (plugins/*.so)"

miss=""
grep -q 'curl ' "$ENTRY" && { has "$RUNTIME_PKGS" curl || miss+=" curl"; }
has "$RUNTIME_PKGS" ca-certificates || miss+=" ca-certificates"
is "$miss" "" "the runtime stage installs curl (the entrypoint's healthcheck uses it) and CA certificates"
like "$RUNTIME_TEXT" 'USER [1-9][0-9]*:[1-9][0-9]*' "the runtime stage runs as a numeric non-root user"
like "$RUNTIME_TEXT" 'EXPOSE 8083' "the image exposes the REST port 8083"
like "$RUNTIME_TEXT" 'HEALTHCHECK .*CMD \["/usr/local/bin/tributary-entrypoint", "healthcheck"\]' \
  "the HEALTHCHECK runs the entrypoint's GET / check"
like "$RUNTIME_TEXT" 'COPY --chmod=0755 docker/entrypoint.sh /usr/local/bin/tributary-entrypoint' \
  "the entrypoint script is installed executable"
like "$RUNTIME_TEXT" 'ENTRYPOINT \["/usr/local/bin/tributary-entrypoint"\]' "the entrypoint is in exec form (no shell in between)"
like "$RUNTIME_TEXT" 'COPY --from=build /src/build/tributary /usr/local/bin/tributary' "the runtime stage takes the binary the build stage built"
like "$RUNTIME_TEXT" 'COPY --from=build /src/build/plugins /usr/local/lib/tributary/plugins' \
  "the runtime stage installs the plugin modules where the binary looks for them (../lib/tributary/plugins)"
like "$BUILD_TEXT" 'strip --strip-debug build/tributary build/plugins/\*\.so' "the build stage strips the binary and the modules"
for p in .git 'build-\*' .run; do
  grep -qx -- "${p//\\/}" "$ROOT/.dockerignore" || { miss=$p; break; }
  miss=""
done
is "$miss" "" ".dockerignore keeps git data, build trees and test run directories out of the context"

# ---- entrypoint -------------------------------------------------------------

bash -n "$ENTRY"; ok $? "the entrypoint parses (bash -n)"
[ -x "$ENTRY" ]; ok $? "the entrypoint is executable in git's checkout"
if command -v shellcheck >/dev/null; then
  out=$(shellcheck "$ENTRY" 2>&1); ok $? "shellcheck finds nothing in the entrypoint"
  [ -z "$out" ] || mdiag "$out"
else
  skip "shellcheck is not installed"
fi

ep() { env -i PATH="$PATH" TRIBUTARY_RUN_DIR="$T/run" "$@"; } # env -i ... entrypoint args
mkdir -p "$T/run" "$T/cfg"
printf 'bootstrap.servers=from-file:9092\ngroup.id=from-file\n# comment\nlisteners = http://127.0.0.1:18083\n' > "$T/cfg/base.properties"
out=$(ep TRIBUTARY_CONFIG_FILE="$T/cfg/base.properties" TRIBUTARY_GROUP_ID=from-env \
  TRIBUTARY_REST_ADVERTISED_HOST_NAME=w-0.h.ns.svc TRIBUTARY_TRIBUTARY_TASK_AUTO_RESTART=false \
  TRIBUTARY_CONSUMER_MAX_POLL_RECORDS=7 TRIBUTARY_SOME__KEY___NAME=v 'TRIBUTARY_PATHY=C:\dir\x' \
  "$ENTRY" render)
ok $? "render succeeds with a base file and TRIBUTARY_* variables"
props=$(grep -v '^#' <<<"$out" | grep .)
like "$props" $'(^|\n)bootstrap.servers=from-file:9092\n' "the base file's lines are kept"
like "$props" $'group.id=from-file\n.*\ngroup.id=from-env' "TRIBUTARY_GROUP_ID becomes group.id, after the file's (later wins)"
like "$props" $'\nrest.advertised.host.name=w-0.h.ns.svc' "TRIBUTARY_REST_ADVERTISED_HOST_NAME -> rest.advertised.host.name"
like "$props" $'\ntributary.task.auto.restart=false' "TRIBUTARY_TRIBUTARY_* -> tributary.*"
like "$props" $'\nconsumer.max.poll.records=7' "client prefixes map too (consumer.max.poll.records)"
like "$props" $'\nsome_key-name=v' "'__' -> '_' and '___' -> '-'"
grep -qxF 'pathy=C:\\dir\\x' <<<"$props"; ok $? "backslashes are escaped for the properties format"
if grep -qiE '^(mode|run\.dir|config\.file|bin)=' <<<"$props"; then ok 1 "the entrypoint's own variables are not properties"
else ok 0 "the entrypoint's own variables are not properties"; fi
out=$(ep TRIBUTARY_SASL_JAAS_CONFIG=$'a\nb' "$ENTRY" render 2>&1); st=$?
is "$st" 2 "a value with a newline is refused (exit 2)"
like "$out" 'TRIBUTARY_SASL_JAAS_CONFIG: a property value cannot contain a newline' "the refusal names the variable"
mode=$(stat -c %a "$T/run/worker.properties"); is "$mode" 600 "the rendered file is private (it may hold credentials)"

# secrets: a Kubernetes Secret volume presents symlinks to 0440 files
mkdir -p "$T/sec/..2024_01_01" && printf '0123456789abcdef-admin\n' > "$T/sec/..2024_01_01/admin-token"
head -c 40 /dev/zero | tr '\0' k > "$T/sec/..2024_01_01/key-secret"
chmod 0440 "$T/sec/..2024_01_01/"*; ln -s ..2024_01_01 "$T/sec/..data"
ln -s ..data/admin-token "$T/sec/admin-token"; ln -s ..data/key-secret "$T/sec/key-secret"
printf 'own secret 0123456789abcdef0123456789\n' > "$T/own-secret"; chmod 600 "$T/own-secret"
out=$(ep TRIBUTARY_ADMIN_TOKEN_FILE="$T/sec/admin-token" TRIBUTARY_TENANT_KEY_SECRET_FILE="$T/sec/key-secret" \
  TRIBUTARY_TENANT_STAGING_ROOT="$T/staging/root" "$ENTRY" render)
last() { grep "^$1=" <<<"$out" | tail -1 | cut -d= -f2-; }
is "$(last tenant.key.secret.file)" "$T/run/secrets/tenant.key.secret.file" "a symlinked, group-readable key secret is replaced by a private copy"
is "$(stat -c %a "$T/run/secrets/tenant.key.secret.file" 2>/dev/null)" 600 "the copy has mode 0600"
cmp -s "$T/run/secrets/tenant.key.secret.file" "$T/sec/..data/key-secret"; ok $? "the copy has the secret's bytes"
is "$(last admin.token.file)" "$T/run/secrets/admin.token.file" "the admin token file is copied the same way"
[ -d "$T/staging/root" ] && [ "$(stat -c %a "$T/staging/root")" = 750 ]
ok $? "a missing tenant.staging.root is created with mode 0750"
out=$(ep TRIBUTARY_TENANT_KEY_SECRET_FILE="$T/own-secret" TRIBUTARY_MODE=standalone TRIBUTARY_DATA_DIR=/data "$ENTRY" render)
is "$(last tenant.key.secret.file)" "$T/own-secret" "a 0600 key secret owned by the worker's user is used in place"
is "$(last offset.storage.file.filename)" "/data/standalone.offsets" "standalone mode gets a default offsets file in TRIBUTARY_DATA_DIR"

# exec: the process the entrypoint starts keeps its PID and gets the args
cat > "$T/fake-tributary" <<'SH'
#!/usr/bin/env bash
echo "pid=$$ args=$*" > "$FAKE_OUT"
umask > "$FAKE_OUT.umask"
SH
chmod +x "$T/fake-tributary"
# (env execs too, so $! is the entrypoint's PID)
env -i PATH="$PATH" TRIBUTARY_RUN_DIR="$T/run" TRIBUTARY_BIN="$T/fake-tributary" FAKE_OUT="$T/fake.out" TRIBUTARY_GROUP_ID=g "$ENTRY" &
epid=$!; wait $epid
is "$(cat "$T/fake.out" 2>/dev/null)" "pid=$epid args=distributed $T/run/worker.properties" \
  "the entrypoint execs 'tributary distributed <rendered file>' in its own process (no shell in between)"
is "$(cat "$T/fake.out.umask" 2>/dev/null)" "$(umask)" "the worker gets the container's umask, not the renderer's 077"
ep TRIBUTARY_BIN="$T/fake-tributary" FAKE_OUT="$T/fake.out" TRIBUTARY_MODE=standalone "$ENTRY" standalone a.json b.properties
is "$(cut -d' ' -f2- "$T/fake.out")" "args=standalone $T/run/worker.properties a.json b.properties" \
  "standalone mode passes connector files through"

# ---- Helm chart: static checks --------------------------------------------

facts=$(python3 - "$CHART" <<'PY'
import os, re, sys, yaml
chart = sys.argv[1]
c = yaml.safe_load(open(os.path.join(chart, "Chart.yaml")))
v = yaml.safe_load(open(os.path.join(chart, "values.yaml")))
print("chart=%s/%s/%s" % (c.get("apiVersion"), c.get("name"), c.get("version")))
missing = []
for fn in sorted(os.listdir(os.path.join(chart, "templates"))):
    text = open(os.path.join(chart, "templates", fn)).read()
    refs = re.findall(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)", text)
    # variables bound to a part of .Values: {{ $w := .Values.worker }} ... $w.x
    for var, base in re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)\s*:=\s*\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*-?\}\}", text):
        refs += [base + r for r in re.findall(r"\$%s((?:\.[A-Za-z_][A-Za-z0-9_]*)+)" % var, text)]
    for ref in refs:
        node = v
        for part in ref.strip(".").split("."):
            if isinstance(node, dict) and part in node:
                node = node[part]
            else:
                missing.append("%s:.Values%s" % (fn, ref))
                break
print("missing=" + " ".join(sorted(set(missing))))
readme = open(os.path.join(chart, "README.md")).read()
undocumented = []
def walk(node, path):
    if isinstance(node, dict) and node and path not in ("resources", "podSecurityContext", "securityContext", "updateStrategy"):
        for k, sub in node.items():
            walk(sub, path + "." + k if path else k)
    elif "`%s`" % path not in readme:
        undocumented.append(path)
walk(v, "")
print("undocumented=" + " ".join(undocumented))
PY
)
ok $? "Chart.yaml and values.yaml parse as YAML"
like "$(grep '^chart=' <<<"$facts")" '^chart=v2/tributary/[0-9]+\.[0-9]+\.[0-9]+$' "Chart.yaml is a v2 chart named tributary with a semantic version"
is "$(sed -n 's/^missing=//p' <<<"$facts")" "" "every .Values reference in the templates exists in values.yaml"
is "$(sed -n 's/^undocumented=//p' <<<"$facts")" "" "helm/tributary/README.md documents every value"

# ---- Helm chart: rendered by helm -------------------------------------------

HELM=$(command -v helm || true)
[ -z "$HELM" ] && command -v go >/dev/null && [ -x "$(go env GOPATH 2>/dev/null)/bin/helm" ] && HELM=$(go env GOPATH)/bin/helm
[ -z "$HELM" ] && [ -x "$HOME/go/bin/helm" ] && HELM=$HOME/go/bin/helm
if [ -z "$HELM" ]; then
  diag "helm not found (go install helm.sh/helm/v3/cmd/helm@v3.19.5 provides it): rendering checks skipped"
  skip "helm is not installed: chart lint and rendering not checked"
  plan "$_tap_n"
  finish
fi
diag "helm: $HELM ($("$HELM" version --short 2>/dev/null))"
H() { "$HELM" template rel "$CHART" --namespace ns --kube-version 1.30.0 "$@"; }

out=$("$HELM" lint --strict "$CHART" --set kafka.bootstrapServers=k:9092 2>&1); st=$?
ok $st "helm lint --strict passes"
[ $st -eq 0 ] || mdiag "$out"
out=$(H 2>&1); st=$?
ok "$([ $st -ne 0 ] && echo 0 || echo 1)" "rendering without kafka.bootstrapServers fails"
like "$out" 'kafka.bootstrapServers is required' "the failure names kafka.bootstrapServers"

# summarize <rendered yaml>: facts about the manifests, one per line
summarize() {
  python3 -c '
import sys, yaml
docs = [d for d in yaml.safe_load_all(sys.stdin) if d]
by = {}
for d in docs: by.setdefault(d["kind"], []).append(d)
print("kinds=" + " ".join(sorted(by)))
sts = by["StatefulSet"][0]; pod = sts["spec"]["template"]; spec = pod["spec"]; c = spec["containers"][0]
env = {e["name"]: e.get("value") for e in c.get("env", [])}
svcs = {s["metadata"]["name"]: s for s in by.get("Service", [])}
headless = svcs.get(sts["spec"]["serviceName"], {}).get("spec", {})
print("headless=%s" % headless.get("clusterIP"))
labels = pod["metadata"]["labels"]
def sel_ok(sel): return bool(sel) and all(labels.get(k) == v for k, v in sel.items())
print("selectors=" + " ".join("%s:%s" % (s["metadata"]["name"], sel_ok(s["spec"]["selector"])) for s in svcs.values())
      + " sts:%s" % sel_ok(sts["spec"]["selector"]["matchLabels"])
      + "".join(" pdb:%s" % sel_ok(p["spec"]["selector"]["matchLabels"]) for p in by.get("PodDisruptionBudget", [])))
print("instance=%s" % env.get("TRIBUTARY_GROUP_INSTANCE_ID"))
print("advertised=%s" % env.get("TRIBUTARY_REST_ADVERTISED_HOST_NAME"))
print("headlessname=%s" % sts["spec"]["serviceName"])
print("port=%s" % " ".join("%s:%s" % (p["name"], p["containerPort"]) for p in c["ports"]))
for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
    g = c.get(probe, {}).get("httpGet", {})
    print("%s=%s:%s" % (probe, g.get("path"), g.get("port")))
print("grace=%s" % spec.get("terminationGracePeriodSeconds"))
psc, csc = spec.get("securityContext", {}), c.get("securityContext", {})
print("nonroot=%s/%s readonlyroot=%s privesc=%s" % (psc.get("runAsNonRoot"), psc.get("runAsUser"), csc.get("readOnlyRootFilesystem"), csc.get("allowPrivilegeEscalation")))
vols = {v["name"]: v for v in spec.get("volumes", [])}
claims = [t["metadata"]["name"] for t in sts["spec"].get("volumeClaimTemplates", [])]
print("unmounted=" + " ".join(m["name"] for m in c.get("volumeMounts", []) if m["name"] not in vols and m["name"] not in claims))
print("mounts=" + " ".join("%s:%s" % (m["name"], m["mountPath"]) for m in c.get("volumeMounts", [])))
print("claims=" + " ".join(claims))
print("datavol=%s" % ("emptyDir" if "emptyDir" in vols.get("data", {}) else ("claim" if "data" in claims else "none")))
sec = vols.get("tenant-secrets", {}).get("secret", {})
print("secretvol=%s" % sec.get("secretName"))
print("secrets=" + " ".join("%s:%s" % (s["metadata"]["name"], ",".join(sorted(s.get("data", {})))) for s in by.get("Secret", [])))
print("res=%s" % c.get("resources", {}).get("limits", {}).get("memory"))
print("checksum=%s" % ("checksum/config" in pod["metadata"].get("annotations", {})))
for cm in by.get("ConfigMap", []):
    for line in cm["data"]["worker.properties"].splitlines():
        if line and not line.startswith("#"): print("prop " + line)
'
}
prop() { sed -n "s/^prop $1=//p" <<<"$S" | tail -1; }
fact() { sed -n "s/^$1=//p" <<<"$S"; }

# A values file (numbers arrive as float64 from files, unlike --set)
printf 'kafka:\n  bootstrapServers: "b1:9092,b2:9092"\nworker:\n  offsetFlushIntervalMs: 3000000\n' > "$T/values.yaml"
R=$(H -f "$T/values.yaml" 2>&1); st=$?
ok $st "the chart renders with only kafka.bootstrapServers set"
[ $st -eq 0 ] || mdiag "$R"
[[ $R == *"<no value>"* ]]; ok $((1 - $?)) "the rendering has no '<no value>' (a reference to a missing value)"
S=$(summarize <<<"$R"); ok $? "the rendered manifests parse as YAML"
is "$(fact kinds)" "ConfigMap PodDisruptionBudget Secret Service ServiceAccount StatefulSet" "it renders a StatefulSet, Services, ConfigMap, Secret, PDB and ServiceAccount"
is "$(fact headless)" "None" "the StatefulSet's serviceName is a headless Service"
is "$(fact selectors)" "rel-tributary:True rel-tributary-headless:True sts:True pdb:True" "Services, StatefulSet and PDB select the pods' labels"
is "$(fact instance)" '$(POD_NAME)' "group.instance.id is the pod name (static membership)"
is "$(fact advertised)" "\$(POD_NAME).$(fact headlessname).\$(POD_NAMESPACE).svc.cluster.local" "rest.advertised.host.name is the pod's DNS name under the headless Service"
is "$(fact port)" "rest:8083" "the container port is 8083"
is "$(fact startupProbe) $(fact readinessProbe) $(fact livenessProbe)" "/:rest /:rest /:rest" "startup, readiness and liveness probes GET / on the REST port"
grace=$(fact grace); shutdown=$(prop task.shutdown.graceful.timeout.ms)
ok "$([ $((grace * 1000)) -gt "$shutdown" ] && echo 0 || echo 1)" "terminationGracePeriodSeconds ($grace s) exceeds task.shutdown.graceful.timeout.ms ($shutdown ms)"
is "$(fact nonroot)" "True/10001 readonlyroot=True privesc=False" "non-root, read-only root filesystem, no privilege escalation"
is "$(fact unmounted)" "" "every volume mount has a volume"
like "$(fact mounts)" 'run:/run/tributary .*tmp:/tmp .*data:/var/lib/tributary' "writable volumes where the worker writes (run dir, /tmp, data)"
is "$(fact res)" "512Mi" "a memory limit is set"
is "$(fact checksum)" "True" "the pods roll when worker.properties changes (checksum annotation)"
is "$(fact secrets)" "rel-tributary-tenants:admin-token,tenant-key-secret" "a Secret holds the admin token and the tenant key secret"
is "$(fact secretvol)" "rel-tributary-tenants" "the Secret is mounted as files"
is "$(prop bootstrap.servers)" "b1:9092,b2:9092" "worker.properties: bootstrap.servers"
is "$(prop group.id) $(prop config.storage.topic) $(prop offset.storage.topic) $(prop status.storage.topic)" \
  "rel-tributary rel-tributary-configs rel-tributary-offsets rel-tributary-status" "worker.properties: group.id and the three storage topics"
is "$(prop listeners)" "http://:8083" "worker.properties: listeners on 8083"
is "$(prop admin.token.file) $(prop tenant.key.secret.file)" "/etc/tributary/secrets/admin-token /etc/tributary/secrets/tenant-key-secret" \
  "worker.properties: admin.token.file and tenant.key.secret.file name the mounted Secret files"
is "$(prop tenant.staging.root)" "/var/lib/tributary/staging" "worker.properties: tenant.staging.root on the data volume"
is "$(prop offset.flush.interval.ms)" "3000000" "large numbers render as integers (not 3e+06)"
for k in session.timeout.ms exactly.once.source.support config.storage.replication.factor key.converter value.converter tributary.task.auto.restart; do
  [ -n "$(prop "$k")" ] || { miss=$k; break; }
  miss=""
done
is "$miss" "" "worker.properties: session, exactly-once, replication, converters and tributary.* keys are set"

S=$(H --set kafka.bootstrapServers=k:9092 --set persistence.enabled=true --set persistence.storageClassName=fast | summarize)
is "$(fact datavol) $(fact claims)" "claim data" "persistence.enabled: the data volume is a per-pod claim"
S=$(H --set kafka.bootstrapServers=k:9092 --set tenants.enabled=false | summarize)
is "$(fact secrets)|$(prop admin.token.file)|$(fact secretvol)" "||None" "tenants.enabled=false: no Secret, no admin token"
S=$(H --set kafka.bootstrapServers=k:9092 --set tenants.existingSecret=mine --set tenants.staging.existingClaim=shared | summarize)
is "$(fact secrets)|$(fact secretvol)" "|mine" "tenants.existingSecret: the chart creates no Secret and mounts the given one"
like "$(fact mounts)" 'staging:/var/lib/tributary/staging' "tenants.staging.existingClaim is mounted at the staging root"
S=$(H --set kafka.bootstrapServers=k:9092 --set worker.staticMembership=false --set 'worker.extraProperties.security\.protocol=SSL' | summarize)
is "$(fact instance)|$(prop security.protocol)" "None|SSL" "staticMembership=false drops group.instance.id; extraProperties are written"
out=$(H --set kafka.bootstrapServers=k:9092 --set terminationGracePeriodSeconds=10 2>&1)
like "$out" 'terminationGracePeriodSeconds \(10 s\) must exceed' "a grace period shorter than the task shutdown timeout + 10 s is refused"
out=$(H --set kafka.bootstrapServers=k:9092 --set tenants.keySecret=short 2>&1)
like "$out" 'tenants.keySecret: the key secret needs at least 32 characters' "a short key secret is refused"
out=$(H --set kafka.bootstrapServers=k:9092 --set worker.exactlyOnceSourceSupport=yes 2>&1)
like "$out" 'worker.exactlyOnceSourceSupport: "yes" is not one of' "an invalid exactly.once.source.support is refused"

# NOTES.txt through helm (template skips NOTES, so render a copy as a value)
cp -r "$CHART" "$T/notes-chart"
{ echo 'notes: |'; sed 's/^/  /' "$CHART/templates/NOTES.txt"; } > "$T/notes-chart/templates/zz-notes.yaml"
notes=$("$HELM" template rel "$T/notes-chart" --namespace ns --kube-version 1.30.0 --set kafka.bootstrapServers=k:9092 --show-only templates/zz-notes.yaml 2>&1)
like "$notes" 'port-forward svc/rel-tributary 8083:8083' "NOTES.txt explains how to reach the REST API"
like "$notes" "get secret rel-tributary-tenants" "NOTES.txt says where the admin token is"

# ---- the chart's config runs a real worker through the entrypoint -------------

if [ -z "${KAFKA_BOOTSTRAP:-}" ] || [ ! -x "$TRIB_BIN" ]; then
  [ "${TRIB_REQUIRE_SERVICES:-0}" = 1 ] && [ -z "${KAFKA_BOOTSTRAP:-}" ] && bail "KAFKA_BOOTSTRAP is not set (scripts/testenv up)"
  skip "no KAFKA_BOOTSTRAP or no binary: the rendered chart was not run"
  plan "$_tap_n"
  finish
fi
port=$(free_port)
group=$(uniq_name helm)
token=admin-token-$RANDOM-0123456789
R=$(H --set kafka.bootstrapServers="$KAFKA_BOOTSTRAP" --set worker.groupId="$group" --set rest.port="$port" \
  --set worker.configStorage.replicationFactor=1 --set worker.offsetStorage.replicationFactor=1 \
  --set worker.statusStorage.replicationFactor=1 --set worker.sessionTimeoutMs=6000 --set worker.heartbeatIntervalMs=1000 \
  --set-string "worker.extraProperties.listeners=http://127.0.0.1:$port" --set tenants.adminToken="$token")
# The pod as the kubelet would set it up: ConfigMap file, Secret volume
# (symlinks to 0440 files), environment; paths moved under $T.
printf '%s\n' "$R" > "$T/rendered.yaml"
python3 - "$T/pod" "$T/rendered.yaml" <<'PY'
import base64, os, sys, yaml
root = sys.argv[1]
docs = [d for d in yaml.safe_load_all(open(sys.argv[2])) if d]
by = {d["kind"]: d for d in docs}
def rel(p): return root + p
os.makedirs(rel("/etc/tributary/config"))
os.makedirs(rel("/run/tributary")); os.makedirs(rel("/var/lib/tributary")); os.makedirs(rel("/tmp"))
props = by["ConfigMap"]["data"]["worker.properties"]
for p in ("/etc/tributary/", "/var/lib/tributary", "/run/tributary"):
    props = props.replace("=" + p, "=" + rel(p))
open(rel("/etc/tributary/config/worker.properties"), "w").write(props)
sec = rel("/etc/tributary/secrets"); ts = os.path.join(sec, "..2024_01_01")
os.makedirs(ts)
for k, v in by["Secret"]["data"].items():
    f = os.path.join(ts, k); open(f, "wb").write(base64.b64decode(v)); os.chmod(f, 0o440)
    os.symlink("..data/" + k, os.path.join(sec, k))
os.symlink("..2024_01_01", os.path.join(sec, "..data"))
c = by["StatefulSet"]["spec"]["template"]["spec"]["containers"][0]
with open(os.path.join(root, "env"), "w") as out:
    for e in c["env"]:
        v = e.get("value")
        if v is None: continue
        v = v.replace("$(POD_NAME)", "rel-tributary-0").replace("$(POD_NAMESPACE)", "ns")
        if v.startswith("/"): v = rel(v)
        out.write("%s=%s\n" % (e["name"], v))
PY
ok $? "the rendered ConfigMap, Secret and pod environment are laid out as in a pod"
mapfile -t podenv < "$T/pod/env"
start_pod() { # starts the "container", sets wpid; 0 once GET / answers, 1 if it exits first
  env -i PATH="$PATH" HOME="$T" "${podenv[@]}" TRIBUTARY_BIN="$TRIB_BIN" \
    ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" LSAN_OPTIONS="${LSAN_OPTIONS:-}" \
    "$ENTRY" distributed >> "$T/pod.log" 2>&1 &
  wpid=$!
  _tap_pids+=("$wpid")
  local i
  for ((i = 0; i < 400; i++)); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && return 0
    kill -0 "$wpid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
start_pod
ok $? "a worker started through the entrypoint from the chart's config answers GET /"
[ "$(readlink "/proc/$wpid/exe")" = "$(readlink -f "$TRIB_BIN")" ]
ok $? "the entrypoint's process is now tributary itself (exec)"
env -i PATH="$PATH" TRIBUTARY_RUN_DIR="$T/pod/run/tributary" "$ENTRY" healthcheck
ok $? "the image's healthcheck passes against it"
r=$(rest GET "$port" /connectors); is "${r%% *}" 401 "/connectors needs the admin token from the chart's Secret"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "http://127.0.0.1:$port/tenants")
is "$code" 200 "the admin token from the Secret opens /tenants (key secret accepted from the private copy)"
like "$(grep -E '^(group.instance.id|rest.advertised.host.name)=' "$T/pod/run/tributary/worker.properties" | tr '\n' ' ')" \
  "group.instance.id=rel-tributary-0 rest.advertised.host.name=rel-tributary-0.rel-tributary-headless.ns.svc.cluster.local" \
  "the pod's environment adds group.instance.id and rest.advertised.host.name"
t0=$(date +%s%N)
kill -TERM "$wpid"
wait_for 25 '! kill -0 "$wpid"'; ok $? "SIGTERM to the pod's main process stops the worker"
wait "$wpid"; st=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
grep -q 'stopped cleanly' "$T/pod.log"; ok $? "the worker logs a clean stop after SIGTERM"
is "$st" 0 "the worker exits 0 after SIGTERM (in $ms ms; the chart's grace period is $grace s)"
[ "$st" = 0 ] || mdiag "$(tail -20 "$T/pod.log")"

plan "$_tap_n"
finish
