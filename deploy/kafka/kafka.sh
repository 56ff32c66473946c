#!/usr/bin/env bash
# A real single-node Apache Kafka (KRaft mode, combined broker + controller) for Hotpath's tests and CI.
#
#   deploy/kafka/kafka.sh start    fetch the jars if needed, format storage on first use, launch the broker
#   deploy/kafka/kafka.sh wait     block until the broker serves clients (or fail with the log tail)
#   deploy/kafka/kafka.sh status   exit 0 and say so when running, exit 1 when not
#   deploy/kafka/kafka.sh stop     SIGTERM, wait for a clean shutdown, SIGKILL after a timeout; data is kept
#   deploy/kafka/kafka.sh kill     SIGKILL at once (crash tests); data is kept, the next start recovers it
#   deploy/kafka/kafka.sh fetch    only download the jars into the cache (e.g. a CI warm-up step)
#
# One broker per data dir; brokers on other ports and data dirs run side by side. Everything binds to 127.0.0.1.
# Environment (see README.md):
#   HOTPATH_KAFKA_PORT             client (PLAINTEXT) port, default 9092
#   HOTPATH_KAFKA_CONTROLLER_PORT  KRaft controller port, default HOTPATH_KAFKA_PORT + 1 (9093)
#   HOTPATH_KAFKA_CACHE            jar cache and default data parent, default deploy/kafka/.cache
#   HOTPATH_KAFKA_DATA             data dir (config, logs, pid, Kafka's log dirs), default $CACHE/data-<port>
#   HOTPATH_KAFKA_HEAP             max heap, default 512m
#   HOTPATH_KAFKA_MESSAGE_MAX_BYTES  broker message.max.bytes, default 16 MiB + 64 KiB of batch overhead
#   HOTPATH_KAFKA_WAIT_TIMEOUT     seconds `wait` allows, default 90
#   HOTPATH_KAFKA_STOP_TIMEOUT     seconds `stop` allows a clean shutdown before SIGKILL, default 30
#   HOTPATH_KAFKA_JAVA_OPTS        extra JVM options
#   HOTPATH_KAFKA_CDS              1 (default): keep a class-data-sharing archive of the broker's classes in the
#                                  cache, recorded on the first clean stop, for faster starts; 0 disables it
#   JAVA_HOME                      the JDK to use (else `java` on PATH)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PORT="${HOTPATH_KAFKA_PORT:-9092}"
CONTROLLER_PORT="${HOTPATH_KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
CACHE="${HOTPATH_KAFKA_CACHE:-$HERE/.cache}"
HEAP="${HOTPATH_KAFKA_HEAP:-512m}"
MESSAGE_MAX_BYTES="${HOTPATH_KAFKA_MESSAGE_MAX_BYTES:-$((16 * 1024 * 1024 + 64 * 1024))}"
WAIT_TIMEOUT="${HOTPATH_KAFKA_WAIT_TIMEOUT:-90}"
STOP_TIMEOUT="${HOTPATH_KAFKA_STOP_TIMEOUT:-30}"
CDS="${HOTPATH_KAFKA_CDS:-1}"
if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then JAVA="$JAVA_HOME/bin/java"; else JAVA=java; fi

die() { echo "kafka.sh: $*" >&2; exit 1; }

# Seconds (one decimal) since the timestamp $1 (from $EPOCHREALTIME).
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

for v in PORT CONTROLLER_PORT MESSAGE_MAX_BYTES WAIT_TIMEOUT STOP_TIMEOUT; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || die "$v must be a whole number, got '${!v}'"
done
(( PORT > 0 && PORT < 65536 && CONTROLLER_PORT > 0 && CONTROLLER_PORT < 65536 )) || die "ports must be 1-65535"
(( PORT != CONTROLLER_PORT )) || die "HOTPATH_KAFKA_PORT and HOTPATH_KAFKA_CONTROLLER_PORT must differ (both $PORT)"

# An absolute path for $1 (relative to the current directory), whether or not it exists yet.
abs_path() { if [[ "$1" == /* ]]; then echo "${1%/}"; else echo "$PWD/${1%/}"; fi; }

CACHE="$(abs_path "$CACHE")"
LIBS="$CACHE/libs"
DATA="$(abs_path "${HOTPATH_KAFKA_DATA:-$CACHE/data-$PORT}")"
PID_FILE="$DATA/kafka.pid"
CONFIG="$DATA/server.properties"
SERVER_LOG="$DATA/server.log"
CONSOLE_LOG="$DATA/kafka.out"

# ---------------------------------------------------------------------------------------------------------------
# Jars: `mvn dependency:copy-dependencies` into $CACHE/libs, once per pom.xml content. The copy goes to a temporary
# folder that is renamed into place, under a lock, so concurrent starts never see a half-filled libs folder.

pom_digest() { sha256sum "$HERE/pom.xml" | cut -d' ' -f1; }

jars_ready() { [[ -f "$LIBS/.complete" && "$(cat "$LIBS/.complete")" == "$(pom_digest)" ]]; }

fetch_jars() {
  jars_ready && return 0
  mkdir -p "$CACHE"
  command -v mvn >/dev/null 2>&1 || die "the Kafka jars are not in $LIBS and Maven (mvn) is not installed to fetch them"
  exec 8>"$CACHE/.fetch.lock"
  flock 8
  if ! jars_ready; then
    local tmp="$CACHE/libs.tmp.$$" t0=$SECONDS
    rm -rf "$tmp"
    echo "kafka.sh: fetching the Kafka jars into $LIBS (first run only) ..." >&2
    if ! mvn -q -B -f "$HERE/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" >"$CACHE/fetch.log" 2>&1; then
      rm -rf "$tmp"
      tail -n 30 "$CACHE/fetch.log" >&2
      die "mvn could not fetch the Kafka jars (full output: $CACHE/fetch.log)"
    fi
    pom_digest >"$tmp/.complete"
    rm -rf "$LIBS"
    mv "$tmp" "$LIBS"
    echo "kafka.sh: fetched $(find "$LIBS" -name '*.jar' | wc -l) jars in $((SECONDS - t0))s" >&2
  fi
  flock -u 8
  exec 8>&-
}

# ---------------------------------------------------------------------------------------------------------------
# Process bookkeeping: the pid file is trusted only while that pid is a java running this data dir's config.

running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid args
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r "/proc/$pid/cmdline" ]]; then
    args="$(tr '\0' ' ' <"/proc/$pid/cmdline")"
  else
    args="$(ps -p "$pid" -o args= 2>/dev/null || true)"
  fi
  [[ "$args" == *"kafka.Kafka $CONFIG"* ]] || return 1
  echo "$pid"
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

log_tail() {
  local f
  for f in "$SERVER_LOG" "$CONSOLE_LOG"; do
    if [[ -s "$f" ]]; then
      echo "---- last lines of $f ----" >&2
      tail -n 40 "$f" >&2
    fi
  done
}

# ---------------------------------------------------------------------------------------------------------------
# Configuration, rewritten on every start (ports may change between runs; the data stays).

write_config() {
  cat >"$CONFIG" <<EOF
# Written by deploy/kafka/kafka.sh on every start; edits here are overwritten.
# Single-node KRaft: this process is both the broker and the only controller (quorum voter).
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA/logs

# One replica of everything: there is one broker.
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# Fewer internal partitions than the default 50: the first consumer group / transaction is ready much sooner.
offsets.topic.num.partitions=4
transaction.state.log.num.partitions=4

# Topics are created explicitly (Hotpath's admin client, or the tests).
auto.create.topics.enable=false
num.partitions=4
group.initial.rebalance.delay.ms=0

# Room for 16 MiB profiles plus record-batch overhead (topics can raise it with their own max.message.bytes).
message.max.bytes=$MESSAGE_MAX_BYTES
replica.fetch.max.bytes=$MESSAGE_MAX_BYTES

# Modest threads for a test machine.
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=2
EOF

  cat >"$DATA/log4j.properties" <<EOF
# Written by deploy/kafka/kafka.sh: the broker logs to $SERVER_LOG (the previous run's log is server.prev.log).
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$SERVER_LOG
log4j.appender.file.MaxFileSize=50MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.authorizer.logger=WARN
log4j.logger.org.apache.zookeeper=WARN
EOF
}

java_opts() {
  # Kafka's own defaults for the broker JVM (G1, short pauses), with a small heap for test machines;
  # HOTPATH_KAFKA_JAVA_OPTS may pick another collector instead.
  echo "-Xmx$HEAP -Xms128m"
  if [[ "${HOTPATH_KAFKA_JAVA_OPTS:-}" != *-XX:+Use*GC* ]]; then
    echo "-XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35"
  fi
  echo "-XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true"
  echo "-Dlog4j.configuration=file:$DATA/log4j.properties -Dkafka.logs.dir=$DATA"
  echo "${HOTPATH_KAFKA_JAVA_OPTS:-}"
}

# Class-data sharing (JDK 13+ dynamic archives): a broker started without an archive records the classes it
# loaded when it exits (-XX:ArchiveClassesAtExit, into its data dir); `stop` moves that recording into the cache
# after a clean exit only, so a crash never leaves a half-written archive in use. Later JVMs map the archive
# instead of loading and verifying ~5,000 classes again, which cuts start-up time. The archive is keyed by the
# JVM binary; a JVM that finds it unusable ignores it (-Xshare:auto, the default) and starts as usual.
cds_archive() {
  local java_bin
  java_bin="$(readlink -f "$(command -v "$JAVA")")"
  echo "$LIBS/cds-$(echo "$java_bin $(stat -c %Y "$java_bin")" | sha256sum | cut -c1-12).jsa"
}

# JVM options for the archive: use it when there is one; with $1 = record, record one when there is none.
cds_opts() {
  [[ "$CDS" == 1 ]] || return 0
  local archive
  archive="$(cds_archive)"
  if [[ -f "$archive" ]]; then
    echo "-XX:SharedArchiveFile=$archive -Xlog:cds=off -Xlog:cds+dynamic=off"
  elif [[ "${1:-}" == record ]]; then
    echo "$archive" >"$DATA/cds.pending"
    echo "-XX:ArchiveClassesAtExit=$DATA/cds.jsa.tmp -Xlog:cds=off -Xlog:cds+dynamic=off"
  fi
}

# After a clean exit: move a finished recording into the cache (atomic rename; concurrent recorders are all valid).
cds_promote() {
  [[ -f "$DATA/cds.pending" ]] || return 0
  local archive
  archive="$(cat "$DATA/cds.pending")"
  if [[ -s "$DATA/cds.jsa.tmp" && ! -f "$archive" && -d "$(dirname "$archive")" ]]; then
    mv -f "$DATA/cds.jsa.tmp" "$archive"
  fi
  rm -f "$DATA/cds.pending" "$DATA/cds.jsa.tmp"
}

cds_discard() { rm -f "$DATA/cds.pending" "$DATA/cds.jsa.tmp"; }

# A KRaft cluster id: 16 random bytes in URL-safe base64 without padding (what `kafka-storage random-uuid` prints).
new_cluster_id() {
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    # A leading '-' would read as an option on the format command line; Kafka's own generator avoids it too.
    [[ "$id" != -* ]] && { echo "$id"; return; }
  done
}

format_storage() {
  [[ -f "$DATA/logs/meta.properties" ]] && return 0
  [[ -f "$DATA/cluster.id" ]] || new_cluster_id >"$DATA/cluster.id"
  local id
  id="$(cat "$DATA/cluster.id")"
  # shellcheck disable=SC2046
  if ! "$JAVA" $(java_opts) $(cds_opts) -cp "$LIBS/*" kafka.tools.StorageTool format -t "$id" -c "$CONFIG" --ignore-formatted \
      >"$DATA/format.log" 2>&1; then
    cat "$DATA/format.log" >&2
    die "formatting the storage in $DATA/logs failed"
  fi
  # The format tool logs through the same log4j config; keep that out of the broker's own log.
  if [[ -f "$SERVER_LOG" ]]; then cat "$SERVER_LOG" >>"$DATA/format.log" && rm -f "$SERVER_LOG"; fi
}

# ---------------------------------------------------------------------------------------------------------------

cmd_start() {
  local t0=$EPOCHREALTIME
  command -v "$JAVA" >/dev/null 2>&1 || die "java is not installed (set JAVA_HOME or put java on PATH); Kafka needs Java 11+"
  fetch_jars
  mkdir -p "$DATA"
  exec 9>"$DATA/.start.lock"
  flock 9
  local pid
  if pid="$(running_pid)"; then
    echo "kafka.sh: already running (pid $pid) on 127.0.0.1:$PORT, data $DATA"
    return 0
  fi
  rm -f "$PID_FILE"
  port_open "$PORT" && die "127.0.0.1:$PORT is already taken by another process (set HOTPATH_KAFKA_PORT)"
  port_open "$CONTROLLER_PORT" && die "127.0.0.1:$CONTROLLER_PORT is already taken by another process (set HOTPATH_KAFKA_CONTROLLER_PORT)"
  write_config
  format_storage
  [[ -f "$SERVER_LOG" ]] && mv -f "$SERVER_LOG" "$DATA/server.prev.log"
  rm -f "$SERVER_LOG".[0-9]*
  : >"$CONSOLE_LOG"
  cds_discard
  # shellcheck disable=SC2046
  nohup "$JAVA" $(java_opts) $(cds_opts record) -cp "$LIBS/*" kafka.Kafka "$CONFIG" </dev/null >>"$CONSOLE_LOG" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"
  echo "$t0" >"$DATA/started.at"
  # Until the forked shell has exec'd java, the pid does not look like our broker yet: let it get there.
  local i
  for ((i = 0; i < 100; i++)); do
    running_pid >/dev/null && break
    if ! kill -0 "$pid" 2>/dev/null; then
      log_tail
      die "the broker exited at once (pid $pid)"
    fi
    sleep 0.05
  done
  running_pid >/dev/null || die "pid $pid did not become the Kafka broker within 5s"
  echo "kafka.sh: started (pid $pid) on 127.0.0.1:$PORT (controller 127.0.0.1:$CONTROLLER_PORT), data $DATA"
  flock -u 9
}

cmd_wait() {
  local deadline=$((SECONDS + WAIT_TIMEOUT)) pid
  # 1. The process runs and its client port accepts connections: Kafka binds that listener only once the broker
  # has caught up with the metadata and is unfenced, at the very end of its start-up. 2. A real client gets through.
  while :; do
    if ! pid="$(running_pid)"; then
      log_tail
      die "the broker on 127.0.0.1:$PORT is not running (data $DATA)"
    fi
    if port_open "$PORT"; then break; fi
    if (( SECONDS >= deadline )); then
      log_tail
      die "the broker on 127.0.0.1:$PORT (pid $pid) was not ready within ${WAIT_TIMEOUT}s"
    fi
    sleep 0.2
  done
  # The client check: kafkajs (Hotpath's own client) lists the cluster and the topics.
  # Skipped only where node or kafkajs is not installed (probe.mjs exits 3 then).
  if command -v node >/dev/null 2>&1; then
    local left=$((deadline - SECONDS)) rc=0
    (( left < 5 )) && left=5
    node "$HERE/probe.mjs" "127.0.0.1:$PORT" "$((left * 1000))" || rc=$?
    if (( rc != 0 && rc != 3 )); then
      log_tail
      die "the broker on 127.0.0.1:$PORT (pid $pid) accepts connections but does not answer clients"
    fi
  fi
  local since_start=""
  [[ -f "$DATA/started.at" ]] && since_start=" ($(since "$(cat "$DATA/started.at")")s after start)"
  echo "kafka.sh: ready on 127.0.0.1:$PORT$since_start"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    echo "running (pid $pid) on 127.0.0.1:$PORT, data $DATA"
  else
    echo "not running (127.0.0.1:$PORT, data $DATA)"
    return 1
  fi
}

# Waits up to $1 tenths of a second for $2 to exit.
wait_gone() {
  local i
  for ((i = 0; i < $1; i++)); do
    kill -0 "$2" 2>/dev/null || return 0
    sleep 0.1
  done
  ! kill -0 "$2" 2>/dev/null
}

cmd_stop() {
  local pid t0=$EPOCHREALTIME
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    echo "kafka.sh: not running (127.0.0.1:$PORT, data $DATA)"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  if wait_gone $((STOP_TIMEOUT * 10)) "$pid"; then
    cds_promote
  else
    echo "kafka.sh: pid $pid did not stop within ${STOP_TIMEOUT}s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone 100 "$pid" || die "pid $pid survived SIGKILL"
    cds_discard
  fi
  rm -f "$PID_FILE"
  echo "kafka.sh: stopped (pid $pid) in $(since "$t0")s"
}

cmd_kill() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    echo "kafka.sh: not running (127.0.0.1:$PORT, data $DATA)"
    return 0
  fi
  kill -KILL "$pid" 2>/dev/null || true
  wait_gone 100 "$pid" || die "pid $pid survived SIGKILL"
  cds_discard
  rm -f "$PID_FILE"
  echo "kafka.sh: killed (pid $pid)"
}

case "${1:-}" in
  start) cmd_start ;;
  wait) cmd_wait ;;
  status) cmd_status ;;
  stop) cmd_stop ;;
  kill) cmd_kill ;;
  fetch) fetch_jars; echo "kafka.sh: jars ready in $LIBS" ;;
  *)
    echo "usage: $0 start|wait|status|stop|kill|fetch   (env: HOTPATH_KAFKA_PORT, HOTPATH_KAFKA_DATA, ... see README.md)" >&2
    exit 2
    ;;
esac
