#!/bin/bash
# API server benchmark: ckube beside nginx in the same run, over TLS with the same
# certificate and key, HTTP/1.1 keep-alive on 127.0.0.1, driven by our own load generator
# (load.c: client certificates, epoll, closed and open loop). Prints a table of ckube and
# nginx throughput and p50/p99 latency with ratios, the RSS figures, and the targets.
# An authorization column: GET as a non-admin token user (bearer token from
# --token-auth-file, bound to ClusterRole view in default) against two more ckube servers,
# --authorization-mode=AlwaysAllow and Node,RBAC, in alternating runs (median of each).
# Usage: bench/apiserver/run.sh path/to/ckube  (make bench builds a release bin/ckube)
# Knobs: BENCH_SECS (10) per run, BENCH_CONNS (64), BENCH_THREADS (1) load threads,
# BENCH_RATE (1000) open-loop creates/s, BENCH_LIST_ITEMS (100), BENCH_FILL (100000)
# ConfigMaps of 1 KB, BENCH_FILL_SECS (300) cap on filling, BENCH_FILL_DIR (/dev/shm when
# it has room) data dir of the fill server, BENCH_NGINX_WORKERS (auto), BENCH_AUTHZ_ROUNDS (3)
# alternating AlwaysAllow / Node,RBAC run pairs of BENCH_SECS each.
# Installs nothing: `make bench` runs scripts/deps.sh bench (nginx) first.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CKUBE=${1:?usage: run.sh path/to/ckube}
case "$CKUBE" in /*) ;; *) CKUBE=$PWD/$CKUBE ;; esac
SECS=${BENCH_SECS:-10}
CONNS=${BENCH_CONNS:-64}
THREADS=${BENCH_THREADS:-1}
RATE=${BENCH_RATE:-1000}
LIST_ITEMS=${BENCH_LIST_ITEMS:-100}
FILL=${BENCH_FILL:-100000}
FILL_SECS=${BENCH_FILL_SECS:-300}
AUTHZ_ROUNDS=${BENCH_AUTHZ_ROUNDS:-3}
NGINX_WORKERS=${BENCH_NGINX_WORKERS:-auto}
GRACE=5
NS=/api/v1/namespaces/default/configmaps
HZ=$(getconf CLK_TCK)
LOAD=$ROOT/build/bench/load

WORK=$(mktemp -d /tmp/ckube-bench.XXXXXX)
chmod 711 "$WORK" # nginx workers (user nobody when run as root) read $WORK/www
CKUBE_PID=""
NGINX_PID=""
LOAD_PID=""
FILL_DATA=""
AZ_PID=() # the AlwaysAllow and Node,RBAC servers of the authorization scenario

# stop PID: SIGTERM, wait up to 10 s, then SIGKILL. Only PIDs this script started.
stop() {
    [ -n "$1" ] || return 0
    kill -TERM "$1" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$1" 2>/dev/null
    wait "$1" 2>/dev/null
}
cleanup() {
    trap - EXIT INT TERM
    stop "$LOAD_PID"
    stop "$CKUBE_PID"
    for p in ${AZ_PID[@]+"${AZ_PID[@]}"}; do stop "$p"; done
    stop "$NGINX_PID"
    [ -n "$FILL_DATA" ] && rm -rf "$FILL_DATA"
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'echo "interrupted"; exit 130' INT TERM

die() {
    echo "bench: $*"
    for f in "$WORK"/*.log "$WORK"/nginx/error.log; do [ -s "$f" ] && tail -n 20 "$f" >&2; done
    exit 1
}

free_port() {
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 20000))
        if ! ss -ltnH "sport = :$p" 2>/dev/null | grep -q .; then echo "$p"; return; fi
    done
    die "no free port"
}

# --- build the load generator with the Makefile's warnings, -O2, no sanitizers ---
CC=${CC:-cc}
WARN=${WARN:--Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wstrict-prototypes}
mkdir -p "$ROOT/build/bench"
# shellcheck disable=SC2086,SC2046 # WARN and pkg-config output are word lists
$CC -std=c17 -D_GNU_SOURCE $WARN -O2 -o "$LOAD" "$ROOT/bench/apiserver/load.c" \
    $(pkg-config --cflags --libs openssl) -lpthread || die "cannot build the load generator"
command -v nginx >/dev/null || die "nginx is not installed (make bench installs it)"
command -v curl >/dev/null || die "curl is not installed (the authorization scenario uses it)"

# load PORT ARGS...: one load run against 127.0.0.1:PORT with the admin client certificate
# of $PKI, or with BEARER set, with that bearer token and no client certificate (the CA of
# $PKI still verifies the server). Sets OUT (its key=value line) and LOAD_CPU (the generator's CPU seconds).
# It runs in the background so that Ctrl-C interrupts `wait` at once; `times` before and
# after gives the CPU of the children reaped in between, which is only this run.
load() {
    local port=$1 rc auth=(--cert "$PKI/admin.crt" --key "$PKI/admin.key")
    shift
    [ -n "${BEARER:-}" ] && auth=(--bearer "$BEARER")
    times >"$WORK/times0"
    "$LOAD" -p "$port" --ca "$PKI/ca.crt" "${auth[@]}" "$@" \
        >"$WORK/out" 2>>"$WORK/load.log" &
    LOAD_PID=$!
    wait "$LOAD_PID"
    rc=$?
    LOAD_PID=""
    times >"$WORK/times1"
    OUT=$(cat "$WORK/out")
    LOAD_CPU=$(awk -F'[ms ]+' 'FNR == 2 {t = 60 * ($1 + $3) + $2 + $4; if (NR == FNR) a = t; else b = t}
        END {printf "%.2f", b - a}' "$WORK/times0" "$WORK/times1")
    return $rc
}
kv() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"; }
field() { cut -d'|' -f"$2" <<<"$1"; }

# CPU ticks (user + system) of a PID and, for nginx, of its worker children.
ticks() {
    local sum=0 p
    for p in "$@" $(cat /proc/"$1"/task/"$1"/children 2>/dev/null); do
        sum=$((sum + $(awk '{print $14 + $15}' /proc/"$p"/stat 2>/dev/null || echo 0)))
    done
    echo "$sum"
}
rss_kb() { awk -v k="$2:" '$1 == k {print $2}' /proc/"$1"/status; }
mb() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
# median [VALUES...]: of the arguments, or of the lines of stdin without arguments.
median() { if [ $# -gt 0 ]; then printf '%s\n' "$@"; else cat; fi | sort -g | awk '{v[NR] = $1} END {
    if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# start_ckube DATA_DIR [FLAGS...]: starts `ckube server` (sets CKUBE_PID, PORT and PKI),
# waits until /readyz answers.
start_ckube() {
    local dir=$1
    shift
    PORT=$(free_port)
    PKI=$dir/pki
    "$CKUBE" server --data-dir "$dir" --secure-port "$PORT" --bind-address 127.0.0.1 \
        --disable-agent "$@" >>"$WORK/ckube.log" 2>&1 &
    CKUBE_PID=$!
    for _ in $(seq 1 300); do
        if [ -f "$PKI/admin.key" ] && load "$PORT" -c 1 -n 1 -u /readyz; then return 0; fi
        kill -0 "$CKUBE_PID" 2>/dev/null || break
        sleep 0.1
    done
    die "ckube did not become ready"
}

# busy: machine-wide CPU ticks, "all irq": all busy time, and irq + softirq time (where the
# kernel accounts much of the loopback TCP work of both ends).
busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $7 + $8}' /proc/stat; }

# measure PID COMMAND...: runs a load COMMAND and sets CPU to "server/load/irq/other":
# percent of one core used over the run by PID (with its children), the generator, the
# kernel's irq and softirq time, and everything else (other processes on the machine).
measure() {
    local pid=$1 s0 s1 b0 b1 t0 t1 rc
    shift
    s0=$(ticks "$pid") b0=$(busy) t0=$(date +%s%N)
    "$@"
    rc=$?
    s1=$(ticks "$pid") b1=$(busy) t1=$(date +%s%N)
    CPU=$(awk -v s=$((s1 - s0)) -v b0="$b0" -v b1="$b1" -v l="$LOAD_CPU" -v hz="$HZ" \
        -v w=$(((t1 - t0) / 1000000)) 'BEGIN {
            split(b0, x, " "); split(b1, y, " "); w /= 1000; i = (y[2] - x[2]) / hz
            o = (y[1] - x[1]) / hz - i - s / hz - l; if (o < 0) o = 0
            printf "%d/%d/%d/%d", 100 * s / hz / w, 100 * l / w, 100 * i / w, 100 * o / w }')
    return $rc
}

# bench NAME CKUBE_PATH NGINX_PATH ARGS...: the same run against both servers.
ROWS=()
bench() {
    local name=$1 cpath=$2 npath=$3 ck ng ck_cpu
    shift 3
    kill -0 "$CKUBE_PID" 2>/dev/null || die "ckube exited"
    kill -0 "$NGINX_PID" 2>/dev/null || die "nginx exited"
    measure "$CKUBE_PID" load "$PORT" -u "$cpath" "$@"
    ck=$OUT ck_cpu=$CPU
    measure "$NGINX_PID" nload -u "$npath" "$@"
    ng=$OUT
    ROWS+=("$name|$ck|$ng|$ck_cpu|$CPU")
    echo "  $name: ckube $(kv "$ck" rps) req/s, nginx $(kv "$ng" rps) req/s"
}

echo "ckube API server benchmark beside nginx ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"

# --- ckube on the temp dir (a real disk under /tmp: every create is fsynced) ---
start_ckube "$WORK/ckube"
DATA_PKI=$PKI
KEYALG=$(openssl x509 -in "$PKI/apiserver.crt" -noout -text 2>/dev/null | awk '
    /Public Key Algorithm:/ {alg = $NF} /Public-Key:/ {bits = $2 " bit"} /NIST CURVE:/ {c = $NF}
    END {gsub(/\(/, "", bits); print (c != "" ? "ECDSA " c : alg " " bits)}')
sleep 3
IDLE_RSS=$(rss_kb "$CKUBE_PID" VmRSS)
FSYNC_MS=$(cd "$WORK" && dd if=/dev/zero of=fsync.test bs=4k count=100 oflag=dsync 2>&1 |
    awk '/copied/ {for (i = 1; i <= NF; i++) if ($i == "s,") printf "%.2f", $(i - 1) * 10}')
rm -f "$WORK/fsync.test"

# Seed LIST_ITEMS small ConfigMaps and save the CREATE, GET and LIST responses for nginx.
# cm NAME: a small ConfigMap body; "{n}" in NAME becomes the load generator's counter.
cm() {
    local small='{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"NAME","labels":{"app":"bench"}},"data":{"key":"value","config.yaml":"replicas: 3\nimage: registry.example/app:1.0\n"}}'
    echo "${small/NAME/$1}"
}
mkdir -p "$WORK/www" "$WORK/nginx"
chmod 755 "$WORK/www"
load "$PORT" -c 8 -n "$LIST_ITEMS" -d 60 -m POST -u "$NS" -b "$(cm 'bench-{n}')" ||
    die "seeding ConfigMaps failed: $OUT"
load "$PORT" -c 1 -n 1 -m POST -u "$NS" -b "$(cm capture)" -o "$WORK/www/create.json" ||
    die "CREATE failed: $OUT"
load "$PORT" -c 1 -n 1 -u "$NS/bench-0" -o "$WORK/www/get.json" || die "GET failed: $OUT"
load "$PORT" -c 1 -n 1 -u "$NS" -o "$WORK/www/list.json" || die "LIST failed: $OUT"
LIST_N=$(grep -o '"uid":' "$WORK/www/list.json" | wc -l)
LIST_KB=$(($(stat -c %s "$WORK/www/list.json") / 1024))
touch "$WORK/www/list-all.json"
chmod 644 "$WORK/www"/*

# --- nginx serving the same bytes with the same certificate and key ---
NPORT=$(free_port)
N=$WORK/nginx
cat >"$N/nginx.conf" <<EOF
worker_processes $NGINX_WORKERS;
daemon off;
pid $N/nginx.pid;
error_log $N/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $N/body;
    proxy_temp_path $N/proxy;
    fastcgi_temp_path $N/fastcgi;
    uwsgi_temp_path $N/uwsgi;
    scgi_temp_path $N/scgi;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
    default_type application/json;
    server {
        listen 127.0.0.1:$NPORT ssl;
        ssl_certificate $DATA_PKI/apiserver.crt;
        ssl_certificate_key $DATA_PKI/apiserver.key;
        ssl_client_certificate $DATA_PKI/ca.crt;
        ssl_verify_client on;
        ssl_protocols TLSv1.2 TLSv1.3;
        location = /readyz { return 200 'ok'; }
        location = $NS/bench-0 { alias $WORK/www/get.json; }
        # GET is the saved LIST; POST gets 405 from the static module, turned into a 201
        # with the saved CREATE response.
        location = $NS {
            alias $WORK/www/list.json;
            error_page 405 =201 /_created;
        }
        location = /_created { internal; alias $WORK/www/create.json; }
        location = /fill/list { alias $WORK/www/list-all.json; }
    }
}
EOF
# nload ARGS...: a load run against nginx, which trusts the first server's CA.
nload() { PKI=$DATA_PKI load "$NPORT" "$@"; }
nginx -e "$N/error.log" -p "$N/" -c "$N/nginx.conf" &
NGINX_PID=$!
for _ in $(seq 1 100); do nload -c 1 -n 1 -u /readyz && break; sleep 0.1; done
nload -c 1 -n 1 -u /readyz || die "nginx did not start"

# --- scenarios: closed loops for throughput, an open loop for create latency ---
C=(-c "$CONNS" -t "$THREADS")
echo "running (${SECS}s per run and server; $CONNS connections; ${THREADS} load thread)..."
load "$PORT" "${C[@]}" -d 2 -u "$NS/bench-0" # warm-up, not reported
nload "${C[@]}" -d 2 -u "$NS/bench-0"
bench "GET configmap" "$NS/bench-0" "$NS/bench-0" "${C[@]}" -d "$SECS"
bench "LIST $LIST_N configmaps ${LIST_KB}KB" "$NS" "$NS" "${C[@]}" -d "$SECS"
bench "CREATE closed loop" "$NS" "$NS" "${C[@]}" -d "$SECS" -g "$GRACE" -m POST \
    -b "$(cm 'bench-c-{n}')"
bench "CREATE @${RATE}/s open loop" "$NS" "$NS" "${C[@]}" -d "$SECS" -g "$GRACE" -r "$RATE" \
    -m POST -b "$(cm 'bench-r-{n}')"
CREATE_ROW=${ROWS[3]}
RSS_AFTER=$(rss_kb "$CKUBE_PID" VmRSS)
stop "$CKUBE_PID"
CKUBE_PID=""

# --- authorization: GET as a non-admin token user on two more ckube servers that differ
# only in --authorization-mode. The user "bench" (not in system:masters, so RBAC really
# evaluates) is bound to ClusterRole view in namespace default by a RoleBinding that the
# admin certificate creates; runs alternate AlwaysAllow, Node,RBAC, ... ---
# shellcheck disable=SC2054 # the comma is part of the mode
AZ_MODES=(AlwaysAllow Node,RBAC)
AZ_PORT=() AZ_PKI=()
TOKEN=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
(umask 077 && printf '%s,bench,bench-uid,"bench-users"\n' "$TOKEN" >"$WORK/token.csv")
RB='{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"bench-view","namespace":"default"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},"subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"bench"}]}'
# az I ARGS...: a load run as the token user against authorization server I.
az() { BEARER=$TOKEN PKI=${AZ_PKI[$1]} load "${AZ_PORT[$1]}" "${@:2}"; }
echo "authorization: GET as a view-bound token user, AlwaysAllow vs Node,RBAC ($AUTHZ_ROUNDS alternating runs each)..."
for i in 0 1; do
    start_ckube "$WORK/authz-$i" --authorization-mode="${AZ_MODES[$i]}" \
        --token-auth-file "$WORK/token.csv"
    AZ_PID[i]=$CKUBE_PID AZ_PORT[i]=$PORT AZ_PKI[i]=$PKI
    CKUBE_PID=""
    code=$(curl -sS -o "$WORK/rb.json" -w '%{http_code}' --cacert "$PKI/ca.crt" \
        --cert "$PKI/admin.crt" --key "$PKI/admin.key" -H 'Content-Type: application/json' \
        --data-binary "$RB" "https://127.0.0.1:$PORT/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings")
    [ "$code" = 201 ] ||
        die "creating the RoleBinding on ${AZ_MODES[$i]} failed: HTTP $code $(head -c 300 "$WORK/rb.json")"
    load "$PORT" -c 1 -n 1 -m POST -u "$NS" -b "$(cm bench-0)" || die "seeding a ConfigMap failed: $OUT"
done
for i in 0 1; do
    for _ in $(seq 1 50); do az "$i" -c 1 -n 1 -u "$NS/bench-0" && break; sleep 0.1; done
    az "$i" -c 1 -n 1 -u "$NS/bench-0" || die "GET as the token user failed on ${AZ_MODES[$i]}: $OUT"
done
# RBAC must really decide: the binding covers default only, so kube-system is forbidden.
az 1 -c 1 -n 1 -u /api/v1/namespaces/kube-system/configmaps
[ "$(kv "$OUT" non2xx)" = 1 ] || die "Node,RBAC let the token user read kube-system: $OUT"
az 0 -c 1 -n 1 -u /api/v1/namespaces/kube-system/configmaps ||
    die "AlwaysAllow refused the token user kube-system: $OUT"
for i in 0 1; do az "$i" "${C[@]}" -d 2 -u "$NS/bench-0"; done # warm-up, not reported
AZ_OUT=() AZ_CPU=() AZ_BAD=""
for r in $(seq 1 "$AUTHZ_ROUNDS"); do
    for i in 0 1; do
        kill -0 "${AZ_PID[$i]}" 2>/dev/null || die "the ${AZ_MODES[$i]} ckube exited"
        measure "${AZ_PID[$i]}" az "$i" "${C[@]}" -d "$SECS" -u "$NS/bench-0" ||
            AZ_BAD+=" ${AZ_MODES[$i]} run $r: $(kv "$OUT" non2xx) non-2xx, $(kv "$OUT" errors) errors;"
        AZ_OUT[r * 2 + i]=$OUT AZ_CPU[r * 2 + i]=$CPU
        echo "  run $r ${AZ_MODES[$i]}: $(kv "$OUT" rps) req/s"
    done
done
# az_col I KEY: the values of KEY over server I's runs.
az_col() {
    local r
    for r in $(seq 1 "$AUTHZ_ROUNDS"); do
        if [ "$2" = cpu ]; then echo "${AZ_CPU[r * 2 + $1]}"; else kv "${AZ_OUT[r * 2 + $1]}" "$2"; fi
    done
}
for i in 0 1; do stop "${AZ_PID[$i]}"; done
AZ_PID=()

# --- 100k ConfigMaps of 1 KB: a second ckube, by default on tmpfs so that filling is
# bounded by CPU rather than this disk's fsync latency (measured above by CREATE) ---
FILL_DIR=${BENCH_FILL_DIR:-}
if [ -z "$FILL_DIR" ]; then
    FILL_DIR=$WORK
    avail=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 {print $4}')
    [ -w /dev/shm ] && [ "${avail:-0}" -gt $((4 * 1024 * 1024)) ] && FILL_DIR=/dev/shm
fi
FILL_DATA=$(mktemp -d "$FILL_DIR/ckube-bench-fill.XXXXXX")
start_ckube "$FILL_DATA"
sleep 2
FILL_IDLE=$(rss_kb "$CKUBE_PID" VmRSS)
KB=$(head -c 1024 /dev/zero | tr '\0' x) # 1024 characters of data
echo "filling $FILL ConfigMaps of 1 KB (at most ${FILL_SECS}s)..."
measure "$CKUBE_PID" load "$PORT" "${C[@]}" -n "$FILL" -d "$FILL_SECS" -g "$GRACE" -m POST -u "$NS" \
    -b "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"fill-{n}\"},\"data\":{\"blob\":\"$KB\"}}"
FILL_OUT=$OUT FILL_CPU=$CPU
FILLED=$(kv "$FILL_OUT" ok)
sleep 2
FILL_RSS=$(rss_kb "$CKUBE_PID" VmRSS)
LIST_MS=()
for i in 1 2 3; do
    if [ "$i" = 1 ]; then save=(-o "$WORK/www/list-all.json"); else save=(); fi
    load "$PORT" -c 1 -n 1 -d 1 -g 120 -u "$NS" "${save[@]}"
    LIST_MS+=("$(kv "$OUT" max_ms)")
done
LIST_MB=$(kv "$OUT" mb_in)
LIST_ALL_N=$(grep -o '"uid":' "$WORK/www/list-all.json" | wc -l)
FILL_HWM=$(rss_kb "$CKUBE_PID" VmHWM)
FILL_RSS_AFTER=$(rss_kb "$CKUBE_PID" VmRSS)
NLIST_MS=()
for _ in 1 2 3; do
    nload -c 1 -n 1 -d 1 -g 120 -u /fill/list
    NLIST_MS+=("$(kv "$OUT" max_ms)")
done
stop "$CKUBE_PID"
CKUBE_PID=""

# --- report ---
lat() { # "p50 / p99", marking lower bounds when requests went unanswered
    local ge=""
    [ "$(kv "$1" timeouts)" != 0 ] && ge=">="
    printf '%s / %s%s' "$(kv "$1" p50_ms)" "$ge" "$(kv "$1" p99_ms)"
}
echo
printf '%-28s %11s %11s %6s  %-25s %s\n' scenario "ckube req/s" "nginx req/s" ratio \
    "ckube p50 / p99 ms" "nginx p50 / p99 ms"
for row in "${ROWS[@]}"; do
    IFS='|' read -r name ck ng _ <<<"$row"
    cr=$(kv "$ck" rps) nr=$(kv "$ng" rps)
    printf '%-28s %11s %11s %6s  %-25s %s\n' "$name" "$cr" "$nr" \
        "$(awk -v a="$cr" -v b="$nr" 'BEGIN {printf "%.2g", (b > 0 ? a / b : 0)}')" \
        "$(lat "$ck")" "$(lat "$ng")"
    for s in ck ng; do
        line=${!s}
        extra=""
        [ "$(kv "$line" reconnects)" != 0 ] && extra+=" reconnects=$(kv "$line" reconnects)"
        for k in non2xx errors timeouts; do
            [ "$(kv "$line" "$k")" != 0 ] && extra+=" $k=$(kv "$line" "$k")"
        done
        [ -n "$extra" ] && printf '%-28s   %s:%s\n' "" "$([ $s = ck ] && echo ckube || echo nginx)" "$extra"
    done
done
echo
echo "CPU during each run, % of one core: server / load generator / kernel irq+softirq / other processes"
for row in "${ROWS[@]}"; do
    IFS='|' read -r name _ _ ccpu ncpu <<<"$row"
    printf '%-28s ckube %-18s nginx %s\n' "$name" "$ccpu" "$ncpu"
done
IFS='|' read -r _ ck ng _ <<<"$CREATE_ROW"
echo
echo "LIST of all $LIST_ALL_N ConfigMaps ($LIST_MB MB): ckube ${LIST_MS[*]} ms (median $(median "${LIST_MS[@]}")), nginx same bytes ${NLIST_MS[*]} ms (median $(median "${NLIST_MS[@]}"))"
AZ_A=$(az_col 0 rps | median) AZ_B=$(az_col 1 rps | median)
AZ_RATIO=$(awk -v a="$AZ_A" -v b="$AZ_B" 'BEGIN {printf "%.2f", (a > 0 ? b / a : 0)}')
echo "GET as a view-bound token user: AlwaysAllow $AZ_A req/s, Node,RBAC $AZ_B req/s, ratio $AZ_RATIO"
for i in 0 1; do
    printf '  %-12s runs %s req/s; median p50 / p99 %s / %s ms; cpu %s\n' "${AZ_MODES[$i]}" \
        "$(az_col "$i" rps | paste -sd' ')" "$(az_col "$i" p50_ms | median)" \
        "$(az_col "$i" p99_ms | median)" "$(az_col "$i" cpu | paste -sd' ')"
done
[ -n "$AZ_BAD" ] && echo "  failed runs:$AZ_BAD"
echo "fill: $FILLED of $FILL ConfigMaps of 1 KB created at $(kv "$FILL_OUT" rps)/s (p50 $(kv "$FILL_OUT" p50_ms) ms, p99 $(kv "$FILL_OUT" p99_ms) ms, $CONNS connections, data dir on $FILL_DIR, cpu $FILL_CPU)"
echo
echo "RSS ckube: idle $(mb "$IDLE_RSS") MB; after the scenarios $(mb "$RSS_AFTER") MB"
echo "RSS ckube fill server: idle $(mb "$FILL_IDLE") MB; with $FILLED ConfigMaps $(mb "$FILL_RSS") MB; after LISTs $(mb "$FILL_RSS_AFTER") MB, peak $(mb "$FILL_HWM") MB"
echo
pass() { if awk "BEGIN {exit !($1)}"; then echo PASS; else echo FAIL; fi; }
get_ratio=$(awk -v a="$(kv "$(field "${ROWS[0]}" 2)" rps)" -v b="$(kv "$(field "${ROWS[0]}" 3)" rps)" \
    'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
target() { printf '  %-42s %s\n' "$1" "$2"; }
echo "targets:"
target "GET >= 50% of nginx throughput:" "$(pass "$get_ratio >= 0.5") (ratio $get_ratio)"
target "CREATE p99 <= 10 ms at ${RATE} writes/s:" "$(pass "$(kv "$ck" p99_ms) <= 10 && $(kv "$ck" timeouts) == 0") (p99 $(lat "$ck" | cut -d/ -f2 | tr -d ' ') ms; $(kv "$ck" ok) of $((RATE * SECS)) answered, at $(kv "$ck" rps)/s)"
target "GET with Node,RBAC >= 90% of AlwaysAllow:" "$(pass "$AZ_RATIO >= 0.9 && \"$AZ_BAD\" == \"\"") (ratio $AZ_RATIO, medians of $AUTHZ_ROUNDS alternating runs)"
target "idle RSS <= 50 MB:" "$(pass "$IDLE_RSS <= 51200") ($(mb "$IDLE_RSS") MB)"
extra=""
if [ "${FILLED:-0}" -gt 0 ] && [ "$FILLED" -lt "$FILL" ]; then
    extra="; about $(awk -v i="$FILL_IDLE" -v r="$FILL_RSS" -v n="$FILLED" -v f="$FILL" \
        'BEGIN {printf "%.0f", (i + (r - i) * f / n) / 1024}') MB extrapolated to $FILL"
fi
target "RSS with $FILLED ConfigMaps of 1 KB:" "$(mb "$FILL_RSS") MB (no target; reported$extra)"
echo
echo "notes: $(nproc) cores shared by the load generator, the server under test and anything"
echo "  else running (load average now $(cut -d' ' -f1-3 /proc/loadavg)); ckube serves on one event-loop"
echo "  thread, nginx ran worker_processes $NGINX_WORKERS, the generator $THREADS thread(s), so"
echo "  each figure is bounded by the CPU the others leave. TLS: ckube $(kv "$(field "${ROWS[0]}" 2)" tls), nginx $(kv "$(field "${ROWS[0]}" 3)" tls);"
echo "  ckube's apiserver certificate and key ($KEYALG) for both; both verify the client certificate."
echo "  nginx's CREATE peer is a static 201 (no write): it bounds the HTTP/TLS part only."
echo "  reconnects: the server answered with 'Connection: close', so the next request on that"
echo "  connection paid a new TCP + TLS handshake."
echo "  Authorization row: two more ckube servers (own data dirs) differing only in"
echo "  --authorization-mode, GET as token user 'bench' (--token-auth-file, bearer token, no client"
echo "  certificate, not in system:masters) bound to ClusterRole view in default by a RoleBinding;"
echo "  Node,RBAC was checked to forbid it kube-system. Runs alternate AlwaysAllow, Node,RBAC."
echo "  This disk's 4 KiB O_DSYNC write took ${FSYNC_MS} ms; ckube fsyncs every create (SQLite WAL,"
echo "  synchronous=FULL). Open-loop latency is measured from each request's scheduled time;"
echo "  '>=' marks lower bounds when requests were still unanswered ${GRACE}s after the run."
