#!/usr/bin/env bash
# bench.sh — measures userctl's bulk import and export against its own sandbox.
#
#   1. import 10,000 users with 16 workers into a sandbox limited to 1000 req/s:
#      achieved rate / limit (goal >= 90%), duplicates and losses (goal 0);
#   2. without a limit: userctl import rate vs wrk POSTing unique users vs
#      xargs -P 16 curl;
#   3. export of 100,000 and 1,000,000 seeded users (`users export -o jsonl`)
#      vs curl fetching the same pages raw (per_page=1000): users/s, ratio, and
#      userctl's peak RSS (/usr/bin/time -v);
#   4. latency-bound export: 100,000 users from a sandbox answering in 20ms
#      with pages capped at 100 (`--latency 20ms --max-page-size 100`), pages
#      in parallel (the default window) vs one after another
#      (--page-concurrency 1), and vs the bound
#      min(rate limit, window x page size / latency); peak RSS.
#
# Usage: scripts/bench.sh [--quick]    (--quick: smaller sizes, for a smoke run)
#
# Assumptions (CLI.md; to confirm with the commands' authors):
#   - `userctl sandbox serve --api rest --addr 127.0.0.1:0 [--rate-limit N] [--seed N]`
#     prints the client base URL as the first line of stdout and serves until
#     killed; the rest sandbox takes POST {base}/users {"email","name","password"}
#     and GET {base}/users?page=N&per_page=M -> {"data": [...], "next_page": ...}.
#   - the built-in `sandbox` profile is the rest dialect; USERCTL_URL and
#     USERCTL_TOKEN override its URL and token.
#   - `users import -f FILE --concurrency N --report FILE` and
#     `users export -o jsonl` as in CLI.md.
# Every step is bounded by `timeout`; servers are killed on exit.
set -euo pipefail

cd "$(dirname "$0")/.."

N_IMPORT=10000
N_RAW=2000       # requests for xargs+curl
WRK_SECONDS=10
EXPORT_SIZES=(100000 1000000)
LIMIT=1000
N_PAGED=100000   # step 4
LATENCY_MS=20
PAGE_CAP=100
WINDOW=8         # userctl's default --page-concurrency
if [[ "${1:-}" == "--quick" ]]; then
	N_IMPORT=1000 N_RAW=200 WRK_SECONDS=3 EXPORT_SIZES=(10000) N_PAGED=10000
fi

tmp=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '%s\n' "$*" >&2; }
now() { date +%s.%N; }
# ratio A B -> A/B with 2 decimals (awk: bash has no floats)
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "inf"; else printf "%.2f", a / b }'; }

need() {
	# need COMMAND DEBIAN-PACKAGE: install the package when the command is missing.
	command -v "$1" >/dev/null 2>&1 && return 0
	local sudo=""
	[[ $(id -u) -ne 0 ]] && command -v sudo >/dev/null && sudo="sudo -n"
	log "installing $2 (for $1)"
	timeout 300 $sudo apt-get install -y -qq "$2" >/dev/null 2>&1 ||
		{ timeout 120 $sudo apt-get update -qq >/dev/null 2>&1 && timeout 300 $sudo apt-get install -y -qq "$2" >/dev/null 2>&1; } ||
		log "could not install $2; the steps that need $1 are skipped"
	command -v "$1" >/dev/null 2>&1
}

log "building ./userctl"
timeout 300 go build -o ./userctl .

export USERCTL_CONFIG="$tmp/config.yaml" USERCTL_NO_INPUT=1 USERCTL_TOKEN=x NO_COLOR=1
# A config file named by USERCTL_CONFIG must exist (a typo must not fall back
# to the built-in sandbox): an empty one, private.
(umask 077 && : >"$tmp/config.yaml")
unset USERCTL_PROFILE USERCTL_OUTPUT USERCTL_DEBUG

# serve ARGS... : starts a rest sandbox, sets URL and SERVER_PID.
serve() {
	local out="$tmp/serve.$RANDOM.out"
	./userctl sandbox serve --api rest --addr 127.0.0.1:0 "$@" >"$out" 2>"$out.err" &
	SERVER_PID=$!
	pids+=("$SERVER_PID")
	URL=""
	for _ in $(seq 1 1200); do # up to 120 s (seeding a million users)
		URL=$(head -n1 "$out" 2>/dev/null || true)
		[[ "$URL" == http* ]] && break
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			log "sandbox serve $* exited: $(cat "$out.err")"
			exit 1
		fi
		sleep 0.1
	done
	[[ "$URL" == http* ]] || { log "sandbox serve $* printed no URL"; exit 1; }
	URL=${URL%%[[:space:]]*}
	export USERCTL_URL="$URL"
}

stop_server() {
	kill "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
}

# gen_csv N PREFIX FILE
gen_csv() {
	awk -v n="$1" -v p="$2" 'BEGIN {
		print "email,name,password"
		for (i = 0; i < n; i++) printf "%s%d@example.com,User %d,password-%d\n", p, i, i, i
	}' >"$3"
}

# timed_import FILE -> prints the elapsed seconds; the report is FILE.report
timed_import() {
	local t0 t1 rc=0
	t0=$(now)
	timeout 600 ./userctl -p sandbox users import -f "$1" --concurrency 16 --report "$1.report" 2>"$1.stderr" || rc=$?
	t1=$(now)
	[[ $rc -eq 0 ]] || log "import exited $rc: $(tail -n 3 "$1.stderr")"
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

echo "== 1. import $N_IMPORT users, 16 workers, sandbox limited to $LIMIT req/s"
serve --rate-limit "$LIMIT"
gen_csv "$N_IMPORT" lim "$tmp/lim.csv"
secs=$(timed_import "$tmp/lim.csv")
rate=$(div "$N_IMPORT" "$secs")
echo "elapsed: ${secs}s  rate: ${rate}/s  limit: ${LIMIT}/s  achieved: $(awk -v r="$rate" -v l="$LIMIT" 'BEGIN { printf "%.1f%%", 100 * r / l }')"
timeout 300 ./userctl -p sandbox users export -o jsonl >"$tmp/lim.export"
grep -o '"email":"[^"]*"' "$tmp/lim.export" | sed 's/"email":"//; s/"$//' | tr 'A-Z' 'a-z' | sort >"$tmp/lim.emails"
dups=$(uniq -d "$tmp/lim.emails" | wc -l)
tail -n +2 "$tmp/lim.csv" | cut -d, -f1 | sort >"$tmp/lim.want"
losses=$(comm -23 "$tmp/lim.want" <(sort -u "$tmp/lim.emails") | wc -l)
echo "duplicates: $dups  losses: $losses  report lines: $(wc -l <"$tmp/lim.csv.report") (want $N_IMPORT)"
echo "report results: $(grep -o '"result":"[a-z]*"' "$tmp/lim.csv.report" | sort | uniq -c | tr -s ' ' | tr '\n' ' ')"
stop_server

echo
echo "== 2. no rate limit: userctl import vs wrk vs xargs -P 16 curl"
serve
gen_csv "$N_IMPORT" free "$tmp/free.csv"
secs=$(timed_import "$tmp/free.csv")
ucrate=$(div "$N_IMPORT" "$secs")
echo "userctl import: $N_IMPORT users in ${secs}s = ${ucrate}/s"

base_path=$(printf '%s' "$URL" | sed -E 's#^https?://[^/]+##')
if need wrk wrk; then
	cat >"$tmp/post.lua" <<'EOF'
-- POST a new user per request, unique emails across threads.
local base = os.getenv("BASE_PATH") or ""
local next_id = 0
local counter = 0

function setup(thread)
	thread:set("tid", next_id)
	next_id = next_id + 1
end
function request()
	counter = counter + 1
	local body = string.format('{"email":"wrk-%d-%d@example.com","name":"W %d","password":"password-123"}', tid or 0, counter, counter)
	return wrk.format("POST", base .. "/users", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer x"}, body)
end
EOF
	BASE_PATH="$base_path" timeout $((WRK_SECONDS + 30)) wrk -t 2 -c 16 -d "${WRK_SECONDS}s" -s "$tmp/post.lua" "$URL" >"$tmp/wrk.out" 2>&1 || true
	wrkrate=$(awk '/Requests\/sec/ { print $2 }' "$tmp/wrk.out")
	non2xx=$(awk '/Non-2xx/ { print $NF }' "$tmp/wrk.out")
	echo "wrk POST /users: ${wrkrate:-?}/s (non-2xx: ${non2xx:-0})  userctl/wrk: $(div "$ucrate" "${wrkrate:-0}")"
fi
if need curl curl; then
	seq 1 "$N_RAW" >"$tmp/ids"
	t0=$(now)
	timeout 600 xargs -P 16 -I{} curl -s -o /dev/null -w '%{http_code}\n' -X POST \
		-H 'Content-Type: application/json' -H 'Authorization: Bearer x' \
		-d '{"email":"curl-{}@example.com","name":"C {}","password":"password-123"}' "$URL/users" <"$tmp/ids" >"$tmp/curl.codes" || true
	t1=$(now)
	csecs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	crate=$(div "$N_RAW" "$csecs")
	echo "xargs -P 16 curl: $N_RAW users in ${csecs}s = ${crate}/s (codes: $(sort "$tmp/curl.codes" | uniq -c | tr -s ' ' | tr '\n' ' '))  userctl/curl: $(div "$ucrate" "$crate")"
fi
stop_server

echo
echo "== 3. export: userctl users export -o jsonl vs curl pages of 1000"
have_time=0
if [[ -x /usr/bin/time ]] || need /usr/bin/time time; then have_time=1; fi
for n in "${EXPORT_SIZES[@]}"; do
	serve --seed "$n"
	t0=$(now)
	if [[ $have_time -eq 1 ]]; then
		timeout 900 /usr/bin/time -v -o "$tmp/time.$n" ./userctl -p sandbox users export -o jsonl >"$tmp/export.$n"
	else
		timeout 900 ./userctl -p sandbox users export -o jsonl >"$tmp/export.$n"
	fi
	t1=$(now)
	got=$(wc -l <"$tmp/export.$n")
	rm -f "$tmp/export.$n"
	esecs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	erate=$(div "$got" "$esecs")
	rss="?"
	[[ -f "$tmp/time.$n" ]] && rss=$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); printf "%.1f MiB", $2 / 1024 }' "$tmp/time.$n")
	echo "userctl export, $n users: $got lines in ${esecs}s = ${erate} users/s, peak RSS $rss"
	if command -v curl >/dev/null; then
		pages=$(((n + 999) / 1000))
		t0=$(now)
		timeout 900 curl -s -H 'Authorization: Bearer x' "$URL/users?page=[1-$pages]&per_page=1000" >"$tmp/raw.$n"
		t1=$(now)
		rsecs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
		rrate=$(div "$n" "$rsecs")
		echo "curl raw pages, $n users: $pages pages ($(wc -c <"$tmp/raw.$n") bytes) in ${rsecs}s = ${rrate} users/s  userctl/curl: $(div "$erate" "$rrate")"
		rm -f "$tmp/raw.$n"
	fi
	stop_server
done

echo
echo "== 4. latency-bound export: $N_PAGED users, sandbox --latency ${LATENCY_MS}ms --max-page-size $PAGE_CAP"
serve --seed "$N_PAGED" --latency "${LATENCY_MS}ms" --max-page-size "$PAGE_CAP"
# timed_export CONCURRENCY -> sets SECS, GOT and RSS
timed_export() {
	local t0 t1
	t0=$(now)
	if [[ $have_time -eq 1 ]]; then
		timeout 900 /usr/bin/time -v -o "$tmp/time.paged" ./userctl -p sandbox users export -o jsonl --page-concurrency "$1" >"$tmp/export.paged"
	else
		timeout 900 ./userctl -p sandbox users export -o jsonl --page-concurrency "$1" >"$tmp/export.paged"
	fi
	t1=$(now)
	GOT=$(wc -l <"$tmp/export.paged")
	SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	RSS="?"
	[[ -f "$tmp/time.paged" ]] && RSS=$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); printf "%.1f MiB", $2 / 1024 }' "$tmp/time.paged")
}
timed_export "$WINDOW"
par_rate=$(div "$GOT" "$SECS")
par_ids=$(grep -o '"id":"[^"]*"' "$tmp/export.paged" | md5sum | cut -c1-12)
echo "parallel (--page-concurrency $WINDOW): $GOT users in ${SECS}s = ${par_rate} users/s, peak RSS $RSS"
timed_export 1
seq_rate=$(div "$GOT" "$SECS")
seq_ids=$(grep -o '"id":"[^"]*"' "$tmp/export.paged" | md5sum | cut -c1-12)
rm -f "$tmp/export.paged"
echo "sequential (--page-concurrency 1): $GOT users in ${SECS}s = ${seq_rate} users/s, peak RSS $RSS"
# No rate limit on this sandbox: the bound is the window's.
bound=$(awk -v w="$WINDOW" -v s="$PAGE_CAP" -v l="$LATENCY_MS" 'BEGIN { printf "%.0f", w * s / (l / 1000) }')
same="identical"
[[ "$par_ids" == "$seq_ids" ]] || same="DIFFERENT"
echo "parallel/sequential: $(div "$par_rate" "$seq_rate") (goal >= 5)  parallel/bound (${bound} users/s = $WINDOW x $PAGE_CAP / ${LATENCY_MS}ms): $(div "$par_rate" "$bound") (goal >= 0.7)  users and order: $same"
stop_server
