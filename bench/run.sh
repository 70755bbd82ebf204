#!/usr/bin/env bash
# Scan throughput: sluice side by side with the yara CLI (same rules),
# sha256sum and cp on a generated ~1 GB corpus, cold and warm page cache.
# Then checks that sluice and yara report the same rules for every file,
# and writes the figures into docs/PERFORMANCE.md.
#
# Environment: BENCH_SIZE (bytes), BENCH_FILES, BENCH_SEED, BENCH_RULES
# (a rule folder; default signature-base from ../shared, else the built-in
# rules), BENCH_REPEAT (warm runs per tool, the fastest counts; default 2),
# BENCH_KEEP=1 keeps the outputs in build/bench.
set -euo pipefail

top=$(git rev-parse --show-toplevel)
cd "$top"
size=${BENCH_SIZE:-1073741824}
files=${BENCH_FILES:-10000}
seed=${BENCH_SEED:-1}
repeat=${BENCH_REPEAT:-2}
work=$top/build/bench
corpus=$work/corpus
sluice=$top/bin/sluice
cores=$(nproc)
mkdir -p "$work"
tmp=$(mktemp -d /tmp/sluice-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The corpus is generated once; the stamp names what it was made from.
want="size=$size files=$files seed=$seed gen=$(git hash-object internal/corpus/bench.go)"
if [ "$(cat "$work/corpus.stamp" 2>/dev/null)" != "$want" ]; then
  rm -rf "$corpus" "$work/corpus.stamp"
  go run ./internal/cmd/mkcorpus -kind bench -size "$size" -files "$files" -seed "$seed" -out "$corpus"
  echo "$want" > "$work/corpus.stamp"
fi
nfiles=$(find "$corpus" -type f | wc -l)
nbytes=$(find "$corpus" -type f -printf '%s\n' | awk '{s += $1} END {print s}')
nlarge=$(find "$corpus" -type f -size +40M | wc -l)

# Rules: signature-base when the shared checkout has it, else the built-ins.
rules=${BENCH_RULES:-$top/../shared/rulesets/signature-base/yara}
if [ ! -d "$rules" ]; then
  rules=$tmp/builtin-rules
  mkdir -p "$rules"
  cp rules/builtin/*.yar "$rules/"
fi
rules=$(realpath "$rules")
# The LOKI external variables, as sluice defines them before setting them per file.
externals=(-d filename= -d filepath= -d extension= -d filetype= -d md5= -d owner= -d group=
  -d id= -d unpack_parent= -d unpack_source= -d filemode=0)
go build -o "$work/yaracheck" ./bench/yaracheck

drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || cold=no; }
# The test VMs page out page cache idle for about a minute, so a warm run
# reads the whole corpus just before it starts.
prefetch() { find "$corpus" -type f -print0 | xargs -0 cat > /dev/null; }

# measure NAME COMMAND: runs COMMAND (a bash string) under GNU time, once
# with the page cache dropped, then warm (the fastest of BENCH_REPEAT runs),
# and adds two rows to the table. CPU seconds (user + system) are steadier
# than wall time on a shared machine.
rows=()
declare -A wall cpu rss
cold=yes
measure() {
  local name=$1 cmd=$2 mode run status secs kb user sys best
  for mode in cold warm; do
    best=
    for run in $(seq "$([ "$mode" = cold ] && echo 1 || echo "$repeat")"); do
      if [ "$mode" = cold ]; then drop_caches; else prefetch; fi
      status=0
      /usr/bin/time -f '%e %M %U %S' -o "$tmp/time" bash -c "$cmd" || status=$?
      if [ "$status" -gt 1 ]; then # sluice exits 1 when it holds files back
        echo "bench: $name exited with status $status" >&2
        exit 1
      fi
      read -r secs kb user sys < <(tail -1 "$tmp/time")
      echo "bench: $name ($mode): ${secs}s wall, $user + ${sys}s CPU, max RSS $((kb / 1024)) MB" >&2
      if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN {exit !(a < b)}'; then
        best=$secs
        wall[$name/$mode]=$secs
        cpu[$name/$mode]=$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')
        rss[$name/$mode]=$((kb / 1024))
      fi
    done
    rows+=("$(awk -v n="$name" -v m="$mode" -v s="${wall[$name/$mode]}" -v c="${cpu[$name/$mode]}" -v b="$nbytes" \
      -v f="$nfiles" -v r="${rss[$name/$mode]}" 'BEGIN {printf "| %s | %s | %.1f | %.1f | %.1f | %.0f | %d |", n, m, s, c, b / 1e6 / s, f / s, r}')")
  done
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
measure "sluice scan --json" "'$sluice' scan --json --rules '$rules' '$corpus' > '$work/sluice.jsonl'"

# yara compiles ahead (not timed) the same files sluice accepted, each in
# its own namespace as sluice does.
rejected=$("$work/yaracheck" -rejects -sluice "$work/sluice.jsonl")
srcs=()
i=0
while IFS= read -r -d '' f; do
  grep -qxF "$f" <<<"$rejected" || srcs+=("n$i:$f")
  i=$((i + 1))
done < <(find "$rules" -type f \( -name '*.yar' -o -name '*.yara' \) -print0 | sort -z)
compile_time() { /usr/bin/time -f %e -o "$tmp/time" "$@" >/dev/null && tail -1 "$tmp/time"; }
mkdir "$tmp/empty"
sluice_compile=$(compile_time "$sluice" scan --json --rules "$rules" "$tmp/empty")
yarac_compile=$(compile_time yarac "${externals[@]}" "${srcs[@]}" "$work/rules.yarc")
# -f: fast mode, as sluice scans; -N: never follow symlinks, as sluice walks.
measure "yara -C -f -r -N -p $cores" "yara -C -f -r -N -p $cores ${externals[*]} '$work/rules.yarc' '$corpus' > '$work/yara.txt'"
measure "sha256sum, xargs -P$cores" "find '$corpus' -type f -print0 | xargs -0 -P$cores -n64 sha256sum > /dev/null"
measure "sha256sum, 1 process" "find '$corpus' -type f -print0 | xargs -0 sha256sum > /dev/null"
measure "cp -a" "cp -a '$corpus' '$tmp/dest'; rm -rf '$tmp/dest'"

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
skey="sluice scan --json" ykey="yara -C -f -r -N -p $cores"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
# met LIMIT VALUE...: "met" when no value is over the limit.
met() { awk 'BEGIN {for (i = 2; i < ARGC; i++) if (ARGV[i] + 0 > ARGV[1] + 0) {print "missed"; exit} print "met"}' "$@"; }
wall_met=$(met 1.1 "$(ratio "${wall[$skey/cold]}" "${wall[$ykey/cold]}")" "$(ratio "${wall[$skey/warm]}" "${wall[$ykey/warm]}")")
rss_met=$(met 300 "${rss[$skey/cold]}" "${rss[$skey/warm]}")

set +e
check=$("$work/yaracheck" -root "$corpus" -sluice "$work/sluice.jsonl" -yara "$work/yara.txt" -rules "$rules")
check_status=$?
set -e

summary=$(tail -1 "$work/sluice.jsonl")
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
nrules=$(sed -n 's/.*"rules":\([0-9]*\).*/\1/p' <<<"$summary")
nrulefiles=$(sed -n 's/.*"rule_files":\([0-9]*\).*/\1/p' <<<"$summary")
section=$(
  cat <<EOF
## Scan throughput: sluice vs yara CLI

Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`make bench\` (\`bench/run.sh\`) on $cores CPUs ($cpu),
$(free -g | awk '/^Mem:/ {print $2}') GiB RAM, Linux $(uname -r). Versions: sluice $("$sluice" version | cut -d' ' -f2),
yara $(yara --version), $(go version | cut -d' ' -f3).

Corpus: $nfiles files, $((nbytes / 1000000)) MB (\`mkcorpus -kind bench -size $size -files $files -seed $seed\`):
logs, CSV, source, PDF, docx, PNG, JPEG, ELF/PE-like binaries, zip and tar.gz
(some nested), pseudorandom data, $nlarge files over 40 MB, EICAR bare and in zips.
Rules: $(basename "$(dirname "$rules")")/$(basename "$rules"), $nrules rules in $nrulefiles files, given to both
scanners. yara runs them precompiled (\`yarac\`: ${yarac_compile}s, not in the table) in fast mode;
sluice compiles them at start, inside its time (alone: ${sluice_compile}s, a scan of an empty folder).
"Cold" runs start after dropping the page cache$([ "$cold" = yes ] || echo ' (not permitted here: cold runs were warm too)'),
"warm" runs after reading the whole corpus (fastest of $repeat). CPU s is user + system time.
sluice's run includes its spool copy, SHA-256, type detection and unpacking
archives; yara reads each file once and does not look inside archives.

| tool | cache | wall s | CPU s | MB/s | files/s | max RSS MB |
|---|---|---:|---:|---:|---:|---:|
$(printf '%s\n' "${rows[@]}")

sluice / yara: wall time **$(ratio "${wall[$skey/cold]}" "${wall[$ykey/cold]}")x** cold, **$(ratio "${wall[$skey/warm]}" "${wall[$ykey/warm]}")x** warm;
CPU time $(ratio "${cpu[$skey/cold]}" "${cpu[$ykey/cold]}")x cold, $(ratio "${cpu[$skey/warm]}" "${cpu[$ykey/warm]}")x warm
(targets: wall ≤ 1.1x $wall_met; max RSS ≤ 300 MB $rss_met). Load average before and after: $load_before; $load_after.

Same rules reported for every file (findings without an archive member):
$(head -1 <<<"$check")
EOF
)
echo "$section"
[ "$check_status" -eq 0 ] || printf '%s\n' "$check" | tail -n +2 >&2

# Replace the section in docs/PERFORMANCE.md, keeping the others.
doc=docs/PERFORMANCE.md
[ -f "$doc" ] || printf '# Performance\n\n' > "$doc"
new=$section awk '
  /^## / { skip = ($0 == "## Scan throughput: sluice vs yara CLI") }
  skip && !done { print ENVIRON["new"]; print ""; done = 1 }
  !skip { print }
  END { if (!done) { print ""; print ENVIRON["new"] } }
' "$doc" | cat -s > "$tmp/doc" && mv "$tmp/doc" "$doc"

[ "${BENCH_KEEP:-}" = 1 ] || rm -f "$work/sluice.jsonl" "$work/yara.txt"
exit "$check_status"
