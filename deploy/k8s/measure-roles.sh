#!/usr/bin/env bash
# Where the resource requests and limits in deploy/k8s come from (docs/deployment.md, "Kubernetes").
# No container runtime: each role runs as a plain JVM on this host, told the memory limit and CPU
# count a pod would give it (-XX:MaxRAM, -XX:ActiveProcessorCount; with -XX:MaxRAMPercentage the
# JVM then sizes its heap and picks its collector as it would in the pod), against a PostgreSQL database of its own and a Mosquitto broker, sampled from /proc once a second.
#
#   [LIMIT=2g] [CPUS=2] [PERCENT=65] deploy/k8s/measure-roles.sh [JDBC_URL_WITHOUT_DATABASE] [MQTT_URL]
#   LIMIT and CPUS: the pod's limits; PERCENT: -XX:MaxRAMPercentage (the image says 75, the
#   Deployments override it with 65 through JDK_JAVA_OPTIONS)
#   defaults: jdbc:postgresql://127.0.0.1:5432 (user postgres, trust) and tcp://127.0.0.1:1883
#
# 1. the projections role (projections + alert notifier, no ingestion) starts and waits for load;
# 2. the ingest role (HTTP + MQTT ingestion, API, projections off) starts, is timed to readiness and
#    sampled idle for 30 s, then stopped (it has no load generator of its own: nothing here sends
#    to an external cloud);
# 3. `sightline bench ingest --events 100000 --vehicles 4 --jdbc-url <the same database>` runs under
#    /usr/bin/time -v with the same JVM settings: its in-process cloud is an ingest role (projections off)
#    under full load, plus the simulated vehicles and the raw insert path, so its figures bound the
#    ingest role from above; every event it stores is projected live by the projections role of 1.
# Prints peak RSS, CPU (cores) as the mean over the run and the highest 5 s window, and the time
# from JVM start to /actuator/health/readiness UP.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JAR="$ROOT/app/target/sightline.jar"
PG="${1:-jdbc:postgresql://127.0.0.1:5432}"
MQTT="${2:-tcp://127.0.0.1:1883}"
DB="sightline_k8s_measure_$(date +%s)"
WORK="$(mktemp -d /tmp/sightline-k8s-measure.XXXXXX)"
LIMIT="${LIMIT:-2g}"
CPUS="${CPUS:-2}"
PERCENT="${PERCENT:-65}"
# The pod's JVM options (the image's JAVA_TOOL_OPTIONS, the Deployments' JDK_JAVA_OPTIONS), with the
# pod's limits made explicit.
HEAP="-XX:MaxRAM=$LIMIT -XX:ActiveProcessorCount=$CPUS -XX:MaxRAMPercentage=$PERCENT -XX:+ExitOnOutOfMemoryError"
# MaxRAM sizes the heap but not the JVM's server-class test, which reads the memory it sees: in a pod
# below 1792 MiB (or with one CPU) the JVM picks the serial collector, so pick it here too.
limit_mib=$(numfmt --from=iec "${LIMIT^^}" | awk '{print int($1 / 1048576)}')
if [ "$limit_mib" -lt 1792 ] || [ "$CPUS" -lt 2 ]; then HEAP="$HEAP -XX:+UseSerialGC"; fi
SECRET="measure-only-secret-0123456789abcdef0123456789"
PORT_INGEST=18191
PORT_PROJ=18192
ROOT_TOPIC="k8s-measure-$$"   # a topic root and share group of its own: other users of the broker are left alone

[ -f "$JAR" ] || { echo "build first: ./mvnw -DskipTests package -pl app -am" >&2; exit 1; }
psql -h 127.0.0.1 -U postgres -qc "create database $DB" >/dev/null
# Every JVM runs from a private copy: a build replacing the jar under a running JVM breaks its class
# loading (NoClassDefFoundError), and the launcher script would rebuild it when sources are newer.
cp "$JAR" "$WORK/sightline.jar"
JAR="$WORK/sightline.jar"
echo "work dir $WORK, database $DB, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "JVM as in a pod with memory limit $LIMIT and $CPUS CPUs: $(java $HEAP -XX:+PrintFlagsFinal -version 2>/dev/null \
  | awk '$2 == "MaxHeapSize" {h = $4} $2 ~ /^Use(Serial|Parallel|G1|Z|Shenandoah)GC$/ && $4 == "true" {g = $2} END {printf "heap %d MiB, %s", h / 1048576, g}')"

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql -h 127.0.0.1 -U postgres -qc "drop database if exists $DB" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# sample PID OUT: "seconds rss_kib cpu_ticks" once a second until the process ends
sample() {
  local pid=$1 out=$2 t=0
  while [ -r "/proc/$pid/stat" ]; do
    local rss ticks
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null) || break
    ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null) || break
    echo "$t ${rss:-0} ${ticks:-0}" >> "$out"
    sleep 1
    t=$((t + 1))
  done
}

# summary FILE [FROM_SECOND]: peak RSS, mean and highest 5 s CPU (cores) from that second on
summary() {
  local hz
  hz=$(getconf CLK_TCK)
  awk -v hz="$hz" -v from="${2:-0}" '
    $1 >= from { n++; t[n] = $1; r[n] = $2; c[n] = $3; if ($2 > peak) peak = $2 }
    END {
      if (n < 2) { print "  (too few samples)"; exit }
      best = 0
      for (i = 6; i <= n; i++) { w = (c[i] - c[i-5]) / hz / (t[i] - t[i-5]); if (w > best) best = w }
      printf "  peak RSS %.0f MiB; CPU mean %.2f cores over %d s, highest 5 s window %.2f cores\n",
             peak / 1024, (c[n] - c[1]) / hz / (t[n] - t[1]), t[n] - t[1], best
    }' "$1"
}

# start NAME PORT ENV...: the cloud as the image starts it today (PropertiesLauncher), timed to readiness
start_role() {
  local name=$1 port=$2; shift 2
  local t0 t1
  t0=$(date +%s.%N)
  env "$@" SERVER_PORT="$port" SPRING_DATASOURCE_URL="$PG/$DB" SPRING_DATASOURCE_USERNAME=postgres \
      SIGHTLINE_SECURITY_JWT_SECRET="$SECRET" \
      java $HEAP -Dsightline.home="$WORK/$name" -Dloader.main=io.sightline.cloud.SightlineCloudApplication \
      -cp "$JAR" org.springframework.boot.loader.launch.PropertiesLauncher > "$WORK/$name.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  sample "$pid" "$WORK/$name.samples" &
  pids+=("$!")
  for _ in $(seq 1 1200); do
    if curl -fsS "http://127.0.0.1:$port/actuator/health/readiness" >/dev/null 2>&1; then
      t1=$(date +%s.%N)
      printf '%s: ready after %s s (pid %s)\n' "$name" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')" "$pid"
      eval "PID_${name//-/_}=$pid"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { echo "$name died; see $WORK/$name.log" >&2; tail -20 "$WORK/$name.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "$name not ready after 120 s" >&2; exit 1
}

start_role projections "$PORT_PROJ" SIGHTLINE_PROJECTIONS_ENABLED=true SIGHTLINE_INGEST_MQTT_ENABLED=false \
  SIGHTLINE_ALERTS_MQTT_ENABLED=true SIGHTLINE_ALERTS_MQTT_URL="$MQTT" SIGHTLINE_ALERTS_MQTT_TOPIC_ROOT="$ROOT_TOPIC"
start_role ingest "$PORT_INGEST" SIGHTLINE_PROJECTIONS_ENABLED=false SIGHTLINE_INGEST_MQTT_ENABLED=true \
  SIGHTLINE_INGEST_MQTT_URL="$MQTT" SIGHTLINE_INGEST_MQTT_TOPIC_ROOT="$ROOT_TOPIC" SIGHTLINE_INGEST_MQTT_SHARE_GROUP="$ROOT_TOPIC"
sleep 30
echo "ingest role, idle for 30 s after ready:"; summary "$WORK/ingest.samples" "$(($(wc -l < "$WORK/ingest.samples") - 30))"
kill "$PID_ingest"
echo "projections role, idle until now (start-up included):"; summary "$WORK/projections.samples"
mark=$(wc -l < "$WORK/projections.samples")

echo "bench ingest (an ingest role's cloud in-process, under load), heap $HEAP:"
/usr/bin/time -v -o "$WORK/bench.time" java $HEAP -Dsightline.home="$ROOT" -jar "$JAR" \
  bench ingest --events 100000 --vehicles 4 --jdbc-url "$PG/$DB?user=postgres" --mqtt-url "$MQTT" \
  > "$WORK/bench.log" 2>&1 &
bench=$!
sleep 0.5
sample "$(pgrep -P "$bench" | head -1)" "$WORK/bench.samples" &
wait "$bench" || { echo "bench failed; see $WORK/bench.log" >&2; tail -20 "$WORK/bench.log" >&2; exit 1; }
sed -n '/^results/,$p' "$WORK/bench.log" | sed 's/^/  /'
summary "$WORK/bench.samples"
grep -E "Maximum resident|Elapsed|User time|System time|Percent of CPU" "$WORK/bench.time" | sed 's/^\s*/  time -v: /'

# the projections role keeps catching up after the bench ends: watch it until its CPU settles
for _ in $(seq 1 300); do
  n=$(wc -l < "$WORK/projections.samples")
  idle=$(tail -5 "$WORK/projections.samples" | awk 'NR == 1 {c0 = $3} END {print ($3 - c0) < 20}')
  [ "$idle" = 1 ] && [ "$n" -gt $((mark + 10)) ] && break
  sleep 1
done
echo "projections role, from the bench's start until caught up:"; summary "$WORK/projections.samples" "$mark"
psql -h 127.0.0.1 -U postgres -d "$DB" -Atc "select 'events stored: ' || count(*) from domain_event_entry"
psql -h 127.0.0.1 -U postgres -d "$DB" -Atc "select 'projection tokens: ' || processor_name || ' segment ' || segment || ' owner ' || coalesce(owner, '-') from token_entry order by 1" | sed 's/^/  /'
echo "samples and logs: $WORK"
