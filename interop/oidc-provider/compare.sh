#!/usr/bin/env bash
# make bench-compare: client credentials, RS256 and ES256, on the mock and on
# node oidc-provider (pinned in package-lock.json), same machine, same run,
# same load generator (mockidp loadtest), one after the other. Prints each
# run and the ratios. Both servers listen on loopback only and are stopped
# on exit.
#
#   interop/oidc-provider/compare.sh BIN   (BIN: a built mockidp)
# Environment: DURATION (default 10s), CONCURRENCY (default 16),
# MOCK_PORT (18702), OP_PORT (18701).
set -euo pipefail
bin=${1:?usage: compare.sh path/to/mockidp}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
duration=${DURATION:-10s}
concurrency=${CONCURRENCY:-16}
mock_port=${MOCK_PORT:-18702}
op_port=${OP_PORT:-18701}
secret=bench-m2m-secret-NOT-FOR-PRODUCTION

command -v node >/dev/null || { echo "bench-compare needs node 20+ and npm (apt-get install -y nodejs npm)" >&2; exit 2; }
echo "bench-compare: npm ci in interop/oidc-provider (oidc-provider $(node -p "require('$here/package.json').dependencies['oidc-provider']"))"
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

wait_for() { # url
	for _ in $(seq 1 200); do
		if node -e "fetch('$1').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"; then return 0; fi
		sleep 0.1
	done
	echo "bench-compare: $1 did not answer" >&2; exit 1
}

PORT=$op_port node "$here/server.mjs" >/tmp/bench-compare-op.log 2>&1 & pids+=($!)
"$bin" serve --addr "127.0.0.1:$mock_port" --config "$root/testdata/tenants/bench.yaml" --log-level error >/dev/null & pids+=($!)
wait_for "http://127.0.0.1:$op_port/.well-known/openid-configuration"
wait_for "http://127.0.0.1:$mock_port/.well-known/openid-configuration"

export MOCKIDP_LOADTEST_CLIENT_SECRET=$secret
declare -A rate
run() { # name alg url param
	local name=$1 alg=$2 url=$3 param=$4 api
	api=https://$(tr '[:upper:]' '[:lower:]' <<<"${alg:0:2}").example.com
	echo
	# A short warm-up (keys, JIT, connections), then the measured run.
	"$bin" loadtest --url "$url" --flow client_credentials --client-id bench-m2m "--$param" "$api" \
		--scope read:things --concurrency "$concurrency" --duration 1s >/dev/null || true
	"$bin" loadtest --url "$url" --flow client_credentials --client-id bench-m2m "--$param" "$api" \
		--scope read:things --concurrency "$concurrency" --duration "$duration" --json >/tmp/bench-compare-$name-$alg.json
	rate[$name-$alg]=$(node -p "const r=require('/tmp/bench-compare-$name-$alg.json'); if (r.errors) console.error('$name $alg: '+r.errors+' errors', r.error_kinds); r.rate_per_s.toFixed(0)")
	node -p "const r=require('/tmp/bench-compare-$name-$alg.json'); '$name $alg: '+r.rate_per_s.toFixed(0)+' req/s, p50 '+r.latency.p50_ms.toFixed(2)+' ms, p99 '+r.latency.p99_ms.toFixed(2)+' ms, '+r.ok+' ok, '+r.errors+' errors'"
}

echo "bench-compare: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $duration per run, concurrency $concurrency"
for alg in ES256 RS256; do
	run mockidp "$alg" "http://127.0.0.1:$mock_port/" audience
	run oidc-provider "$alg" "http://127.0.0.1:$op_port/" resource
done

echo
echo "Client credentials over loopback HTTP, same machine, same run:"
for alg in ES256 RS256; do
	m=${rate[mockidp-$alg]} o=${rate[oidc-provider-$alg]}
	printf "  %s  mockidp %6s req/s   oidc-provider %6s req/s   ratio %sx\n" "$alg" "$m" "$o" \
		"$(node -p "($m/Math.max($o,1)).toFixed(2)")"
done
echo "(oidc-provider is one Node process, one event-loop thread; mockidp uses every core: GOMAXPROCS=$(nproc).)"
