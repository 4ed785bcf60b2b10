#!/usr/bin/env bash
# docker/entrypoint.sh: the container's entry point (installed in the image
# as /usr/local/bin/tributary-entrypoint). It renders worker.properties from
# an optional mounted file plus TRIBUTARY_* environment variables, then
# replaces itself with `tributary distributed|standalone` (exec), so the
# worker is PID 1 and SIGTERM from `docker stop` or the kubelet reaches it
# directly: it stops its tasks, leaves the group and exits 0.
#
#   tributary-entrypoint [distributed]              the default (CMD)
#   tributary-entrypoint standalone [connector ...] standalone worker, connector files as arguments
#   tributary-entrypoint render                     print the rendered worker.properties and exit
#   tributary-entrypoint healthcheck                GET / on the REST listener (Docker HEALTHCHECK)
#   tributary-entrypoint version|help               passed to tributary
#   tributary-entrypoint <other command ...>        exec'd as given (e.g. bash for debugging)
#
# Rendering (later lines win, as in Kafka Connect's properties files):
#   1. TRIBUTARY_CONFIG_FILE (default /etc/tributary/worker.properties, if it
#      exists), copied verbatim;
#   2. every TRIBUTARY_<NAME> variable that is not one of the entrypoint's own
#      (below) becomes a property: strip TRIBUTARY_, lower-case, '___' -> '-',
#      '__' -> '_', '_' -> '.'. TRIBUTARY_BOOTSTRAP_SERVERS -> bootstrap.servers,
#      TRIBUTARY_GROUP_INSTANCE_ID -> group.instance.id,
#      TRIBUTARY_TRIBUTARY_TASK_AUTO_RESTART -> tributary.task.auto.restart.
#      Values are escaped for the properties format; a newline is refused.
#   3. admin.token.file and tenant.key.secret.file, when they name a file that
#      is a symlink, is readable by group or others, or belongs to another
#      user (Kubernetes Secret volumes are all three), are copied with mode
#      0600 into $TRIBUTARY_RUN_DIR/secrets and the property points at the
#      copy: Tributary opens the key secret with O_NOFOLLOW and refuses a
#      group-readable one.
#   4. tenant.staging.root is created (mode 0750) when it does not exist, so
#      it can live on a fresh emptyDir or volume.
#   5. standalone only: offset.storage.file.filename defaults to
#      /var/lib/tributary/standalone.offsets when neither source sets it.
#
# The entrypoint's own variables (never turned into properties):
#   TRIBUTARY_MODE         distributed (default) or standalone, when no mode argument is given
#   TRIBUTARY_CONFIG_FILE  base properties file (default /etc/tributary/worker.properties)
#   TRIBUTARY_RUN_DIR      writable directory for the rendered file and secret copies
#                          (default /run/tributary; use a tmpfs/emptyDir with a read-only root)
#   TRIBUTARY_BIN          the tributary binary (default /usr/local/bin/tributary)
#   TRIBUTARY_DATA_DIR     standalone offsets default location (default /var/lib/tributary)
# TRIB_LOG_LEVEL (no TRIBUTARY_ prefix) reaches tributary unchanged.
set -euo pipefail

TRIBUTARY_BIN=${TRIBUTARY_BIN:-/usr/local/bin/tributary}
RUN_DIR=${TRIBUTARY_RUN_DIR:-/run/tributary}
DATA_DIR=${TRIBUTARY_DATA_DIR:-/var/lib/tributary}
RESERVED=" MODE CONFIG_FILE RUN_DIR BIN DATA_DIR "
SECRET_KEYS=(admin.token.file tenant.key.secret.file)

die() { echo "tributary-entrypoint: $*" >&2; exit 2; }

# env_to_prop NAME (without the prefix) -> property name on stdout
env_to_prop() {
  local n=${1,,}
  n=${n//___/$'\x01'}
  n=${n//__/$'\x02'}
  n=${n//_/.}
  n=${n//$'\x01'/-}
  n=${n//$'\x02'/_}
  printf '%s' "$n"
}

# escape_value VALUE -> the value as a properties-file value: backslashes
# doubled, a leading space kept (escaped), '\t' etc. written as escapes.
escape_value() {
  local v=$1
  v=${v//\\/\\\\}
  v=${v//$'\t'/\\t}
  v=${v//$'\r'/\\r}
  v=${v//$'\f'/\\f}
  [[ $v == ' '* ]] && v="\\$v"
  printf '%s' "$v"
}

# file_prop FILE KEY -> the last value of KEY in a properties file (simple
# "key=value" / "key: value" / "key value" lines; enough for file paths).
file_prop() {
  local file=$1 key=$2 line k v found=1
  [ -r "$file" ] || return 1
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line#"${line%%[![:space:]]*}"}
    case $line in ''|'#'*|'!'*) continue ;; esac
    k=${line%%[=:[:space:]]*}
    [ "$k" = "$key" ] || continue
    v=${line:${#k}}
    v=${v#"${v%%[![:space:]]*}"}
    case $v in '='*|':'*) v=${v:1} ;; esac
    v=${v#"${v%%[![:space:]]*}"}
    v=${v%"${v##*[![:space:]]}"}
    REPLY=$v
    found=0
  done < "$file"
  return $found
}

# The properties the environment defines, as "key=escaped" lines, sorted so
# the rendered file does not depend on the environment's order.
env_props() {
  local var name prop val
  while IFS= read -r var; do
    name=${var#TRIBUTARY_}
    [[ $RESERVED == *" $name "* ]] && continue
    [[ $name =~ ^[A-Za-z0-9_]+$ ]] || continue
    val=${!var}
    [[ $val == *$'\n'* ]] && die "$var: a property value cannot contain a newline"
    prop=$(env_to_prop "$name")
    [[ $prop == .* || $prop == *. || $prop == *..* ]] && die "$var: does not map to a property name ('$prop')"
    printf '%s=%s\n' "$prop" "$(escape_value "$val")"
  done < <(compgen -e | grep '^TRIBUTARY_' | LC_ALL=C sort)
}

# effective KEY: the value the rendered file will give KEY (environment
# first, as it comes later in the file), in REPLY; 1 when unset.
effective() {
  local key=$1 var
  var=TRIBUTARY_$(printf '%s' "$key" | sed -e 's/_/__/g' -e 's/-/___/g' -e 's/\./_/g' | tr '[:lower:]' '[:upper:]')
  if [ -n "${!var+x}" ]; then REPLY=${!var}; return 0; fi
  [ -n "$BASE" ] && file_prop "$BASE" "$key" && return 0
  return 1
}

# private_copy KEY: see step 3 above; prints an override line when it copies.
private_copy() {
  local key=$1 src dst
  effective "$key" || return 0
  src=$REPLY
  [ -n "$src" ] && [ -e "$src" ] || return 0
  local mode owner
  mode=$(stat -L -c '%a' "$src")
  owner=$(stat -L -c '%u' "$src")
  if [ ! -L "$src" ] && (( (8#$mode & 8#077) == 0 )) && [ "$owner" = "$(id -u)" ]; then
    return 0
  fi
  [ -r "$src" ] || die "$key: '$src' is not readable by uid $(id -u)"
  dst=$RUN_DIR/secrets/$key
  [ -d "$RUN_DIR/secrets" ] || mkdir -m 0700 "$RUN_DIR/secrets"
  (umask 077 && cat "$src" > "$dst.tmp" && mv -f "$dst.tmp" "$dst")
  printf '%s=%s\n' "$key" "$(escape_value "$dst")"
}

render() { # render MODE -> writes $RUN_DIR/worker.properties
  local mode=$1 out=$RUN_DIR/worker.properties extra umask_was
  umask_was=$(umask)
  umask 077 # the file may hold credentials (sasl.jaas.config, ssl passwords)
  mkdir -p "$RUN_DIR" 2>/dev/null || die "TRIBUTARY_RUN_DIR: cannot create '$RUN_DIR'"
  [ -w "$RUN_DIR" ] || die "TRIBUTARY_RUN_DIR: '$RUN_DIR' is not writable by uid $(id -u) (mount a tmpfs or emptyDir there)"
  BASE=
  if [ -n "${TRIBUTARY_CONFIG_FILE:-}" ]; then
    [ -r "$TRIBUTARY_CONFIG_FILE" ] || die "TRIBUTARY_CONFIG_FILE: cannot read '$TRIBUTARY_CONFIG_FILE'"
    BASE=$TRIBUTARY_CONFIG_FILE
  elif [ -r /etc/tributary/worker.properties ]; then
    BASE=/etc/tributary/worker.properties
  fi
  local envp
  envp=$(env_props)
  {
    echo "# Rendered by tributary-entrypoint; later lines win."
    if [ -n "$BASE" ]; then
      echo "# --- from $BASE"
      cat "$BASE"
      echo
    fi
    if [ -n "$envp" ]; then
      echo "# --- from TRIBUTARY_* environment variables"
      printf '%s\n' "$envp"
    fi
    extra=""
    for k in "${SECRET_KEYS[@]}"; do extra+=$(private_copy "$k"); extra+=$'\n'; done
    if [ "$mode" = standalone ] && ! effective offset.storage.file.filename; then
      extra+="offset.storage.file.filename=$(escape_value "$DATA_DIR/standalone.offsets")"$'\n'
    fi
    extra=$(printf '%s' "$extra" | sed '/^$/d')
    if [ -n "$extra" ]; then
      echo "# --- entrypoint defaults and private secret copies"
      printf '%s\n' "$extra"
    fi
  } > "$out.tmp"
  mv -f "$out.tmp" "$out"
  umask "$umask_was" # the worker keeps the container's umask
  if effective tenant.staging.root && [ -n "$REPLY" ] && [ ! -e "$REPLY" ]; then
    (umask 027 && mkdir -p "$REPLY") || die "tenant.staging.root: cannot create '$REPLY'"
  fi
  RENDERED=$out
}

# listener_url: http://host:port for GET / from inside the container.
listener_url() {
  local l="http://:8083" host port
  if [ -r "$RUN_DIR/worker.properties" ] && file_prop "$RUN_DIR/worker.properties" listeners; then l=$REPLY; fi
  l=${l%%,*}
  l=${l#*://}
  host=${l%:*}
  port=${l##*:}
  port=${port%%/*}
  case $host in ''|0.0.0.0|'[::]') host=127.0.0.1 ;; esac
  printf 'http://%s:%s/' "$host" "$port"
}

cmd=${1:-${TRIBUTARY_MODE:-distributed}}
case $cmd in
  distributed)
    [ $# -gt 0 ] && shift
    [ $# -eq 0 ] || die "distributed mode takes no connector files (create connectors through the REST API)"
    render distributed
    exec "$TRIBUTARY_BIN" distributed "$RENDERED"
    ;;
  standalone)
    [ $# -gt 0 ] && shift
    render standalone
    exec "$TRIBUTARY_BIN" standalone "$RENDERED" "$@"
    ;;
  render)
    render "${TRIBUTARY_MODE:-distributed}"
    cat "$RENDERED"
    ;;
  healthcheck)
    exec curl -fsS -o /dev/null --max-time 3 "$(listener_url)"
    ;;
  version|--version|help|-h|--help)
    exec "$TRIBUTARY_BIN" "$@"
    ;;
  *)
    exec "$@"
    ;;
esac
