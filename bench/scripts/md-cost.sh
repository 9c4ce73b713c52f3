#!/usr/bin/env bash
# md-cost.sh BINDIR OUTDIR [N...]: what market data costs the order path.
# For each N (default 0 1 50) and each mode (open loop at 10k/s, closed loop with 16 in
# flight), starts a fresh matchd from BINDIR (built with `go build -o BINDIR ./cmd/matchd
# ./cmd/bench`) on port 5801, runs `bench fix -md-subscribers N` against it and writes the
# result to OUTDIR/nN-MODE.txt. Run it twice with the Ns in opposite orders to see the noise.
set -u
bin=$1; out=$2; shift 2
ns=${*:-0 1 50}
mkdir -p "$out"
for n in $ns; do
  for mode in open closed; do
    d=$(mktemp -d /tmp/mdcost.XXXX)
    cat > "$d/cfg" <<CFG
[DEFAULT]
SenderCompID=ENGINE
SocketAcceptHost=127.0.0.1
SocketAcceptPort=5801
DynamicSessions=Y
ResetOnLogon=N
DataDir=$d/data
Symbols=AAPL:0.01,MSFT:0.01,GOOG:0.01,AMZN:0.01,TSLA:0.01,TEST:0.01
Durability=batch
WaitStrategy=block
MetricsAddr=127.0.0.1:9891
LogLevel=warn
RateLimit=off
CFG
    "$bin/matchd" -config "$d/cfg" > "$d/matchd.log" 2>&1 &
    pid=$!
    sleep 1.5
    if [ "$mode" = open ]; then args="-rate 10000 -duration 10s"; else args="-inflight 16 -rate 1000000 -duration 10s"; fi
    # shellcheck disable=SC2086
    "$bin/bench" fix -port 5801 -metrics 127.0.0.1:9891 -sessions 2 $args -passive-day \
      -md-subscribers "$n" -sender-prefix "N${n}${mode}$$" > "$out/n$n-$mode.txt" 2>&1
    kill -INT "$pid"; wait "$pid"
    rm -rf "$d"
  done
done
