#!/usr/bin/env bash
# Scan throughput: sluice side by side with the yara CLI (same rules),
# sha256sum and cp on a generated ~1 GB corpus, cold and warm page cache.
# Then checks that sluice and yara report the same rules for every file,
# and writes the figures into docs/PERFORMANCE.md.
#
# Environment: BENCH_SIZE (bytes), BENCH_FILES, BENCH_SEED, BENCH_RULES
# (a rule folder; default signature-base from ../shared, else the built-in
# rules), BENCH_SLUICE (the sluice binary; default bin/sluice),
# BENCH_REPEAT (rounds; each runs every tool cold, then every tool warm,
# and the table gives each tool's median; default 3), BENCH_BASELINE
# (another sluice binary, say an older commit's, measured in the same
# rounds as "sluice (baseline)"), BENCH_KEEP=1 keeps the outputs in
# build/bench.
#
# Besides the yara CLI over the corpus as users run it, the yara CLI also
# scans the corpus plus every archive member sluice inspects, written out
# by bench/members: the same objects through the same rules, the fair
# comparison of the scanning pipelines.
set -euo pipefail

top=$(git rev-parse --show-toplevel)
cd "$top"
size=${BENCH_SIZE:-1073741824}
files=${BENCH_FILES:-10000}
seed=${BENCH_SEED:-1}
repeat=${BENCH_REPEAT:-3}
baseline=${BENCH_BASELINE:-}
work=$top/build/bench
corpus=$work/corpus
sluice=${BENCH_SLUICE:-$top/bin/sluice}
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
go build -o "$work/members" ./bench/members

# The members sluice inspects, written out once (not timed) beside hard
# links to the corpus, for the yara CLI to scan the same objects.
both=$work/files+members
if [ "$(cat "$work/members.stamp" 2>/dev/null)" != "$want $(git hash-object bench/members/main.go)" ]; then
  rm -rf "$both" "$work/members.stamp"
  mkdir -p "$both"
  cp -al "$corpus" "$both/files"
  nmembers=$("$work/members" -out "$both/members" "$corpus")
  echo "$nmembers" > "$work/members.count"
  echo "$want $(git hash-object bench/members/main.go)" > "$work/members.stamp"
fi
nmembers=$(cat "$work/members.count")

drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || cold=no; }
# The test VMs page out page cache idle for about a minute, so a warm run
# reads the whole corpus (and the members) just before it starts.
prefetch() { find "$corpus" "$both/members" -type f -print0 | xargs -0 cat > /dev/null; }

# The tools, in table order: a name and a bash command each.
names=() cmds=()
tool() { names+=("$1"); cmds+=("$2"); }
tool "sluice scan --json" "'$sluice' scan --json --rules '$rules' '$corpus' > '$work/sluice.jsonl'"
if [ -n "$baseline" ]; then
  tool "sluice (baseline $("$baseline" version | cut -d' ' -f2)) scan --json" \
    "'$baseline' scan --json --rules '$rules' '$corpus' > /dev/null"
fi
# yara compiles ahead (not timed) the same files sluice accepted, each in
# its own namespace as sluice does. The first sluice run gives the rejects.
"$sluice" scan --json --rules "$rules" "$corpus" > "$work/sluice.jsonl" || [ $? -eq 1 ]
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
ykey="yara -C -f -r -N -p $cores"
tool "$ykey" "yara -C -f -r -N -p $cores ${externals[*]} '$work/rules.yarc' '$corpus' > '$work/yara.txt'"
akey="$ykey, files + members"
tool "$akey" "yara -C -f -r -N -p $cores ${externals[*]} '$work/rules.yarc' '$both' > /dev/null"
tool "sha256sum, xargs -P$cores" "find '$corpus' -type f -print0 | xargs -0 -P$cores -n64 sha256sum > /dev/null"
tool "sha256sum, 1 process" "find '$corpus' -type f -print0 | xargs -0 sha256sum > /dev/null"
tool "cp -a" "cp -a '$corpus' '$tmp/dest'; rm -rf '$tmp/dest'"

# Every round runs each tool cold, then each tool warm, so that the load
# of a shared machine falls on all of them alike; the table gives medians.
# CPU seconds (user + system) are steadier than wall time.
declare -A runs
cold=yes
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq "$repeat"); do
  for mode in cold warm; do
    for i in "${!names[@]}"; do
      name=${names[$i]}
      if [ "$mode" = cold ]; then drop_caches; else prefetch; fi
      status=0
      /usr/bin/time -f '%e %M %U %S' -o "$tmp/time" bash -c "${cmds[$i]}" || status=$?
      if [ "$status" -gt 1 ]; then # sluice exits 1 when it holds files back
        echo "bench: $name exited with status $status" >&2
        exit 1
      fi
      read -r secs kb user sys < <(tail -1 "$tmp/time")
      echo "bench: round $round, $name ($mode): ${secs}s wall, $user + ${sys}s CPU, max RSS $((kb / 1024)) MB" >&2
      runs[$name/$mode]+="$secs $(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}') $((kb / 1024))"$'\n'
    done
  done
done

# median COLUMN NAME/MODE: the median of one column of a tool's runs.
# (mawk has no asort: sort does the sorting.)
median() { printf '%s' "${runs[$2]}" | awk -v c="$1" 'NF {print $c}' | sort -g | awk '{v[++n] = $1} END {print (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2}'; }
# spread NAME/MODE: the range of wall times, "min–max".
spread() { printf '%s' "${runs[$1]}" | awk 'NF {print $1}' | sort -g | awk '{v[++n] = $1} END {printf "%.1f–%.1f", v[1], v[n]}'; }
declare -A wall cpu rss
rows=()
for name in "${names[@]}"; do
  for mode in cold warm; do
    wall[$name/$mode]=$(median 1 "$name/$mode")
    cpu[$name/$mode]=$(median 2 "$name/$mode")
    rss[$name/$mode]=$(median 3 "$name/$mode")
    rows+=("$(awk -v n="$name" -v m="$mode" -v s="${wall[$name/$mode]}" -v c="${cpu[$name/$mode]}" -v b="$nbytes" \
      -v f="$nfiles" -v r="${rss[$name/$mode]}" -v sp="$(spread "$name/$mode")" 'BEGIN {printf "| %s | %s | %.1f | %s | %.1f | %.1f | %.0f | %d |", n, m, s, sp, c, b / 1e6 / s, f / s, r}')")
  done
done

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
skey="sluice scan --json"
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
"warm" runs after reading the whole corpus. $repeat rounds, each running every tool cold, then
every tool warm, so that the load of the shared machine falls on all alike; figures are
medians, with the range of wall times. CPU s is user + system time.
sluice's run includes its spool copy, SHA-256, type detection and unpacking
archives; yara reads each file once and does not look inside archives.
"files + members" is the yara CLI over the corpus plus the $(cut -d' ' -f1 <<<"$nmembers") archive members sluice
inspects ($(awk -v b="$(cut -d' ' -f3 <<<"$nmembers")" 'BEGIN {printf "%.0f", b / 1e6}') MB, written out beforehand by \`bench/members\`, not timed): the same
objects through the same rules.

| tool | cache | wall s | wall range | CPU s | MB/s | files/s | max RSS MB |
|---|---|---:|---|---:|---:|---:|---:|
$(printf '%s\n' "${rows[@]}")

sluice / yara: wall time **$(ratio "${wall[$skey/cold]}" "${wall[$ykey/cold]}")x** cold, **$(ratio "${wall[$skey/warm]}" "${wall[$ykey/warm]}")x** warm;
CPU time $(ratio "${cpu[$skey/cold]}" "${cpu[$ykey/cold]}")x cold, $(ratio "${cpu[$skey/warm]}" "${cpu[$ykey/warm]}")x warm
(targets: wall ≤ 1.1x $wall_met; max RSS ≤ 300 MB $rss_met).
sluice / yara over the same objects (files + members): wall time **$(ratio "${wall[$skey/cold]}" "${wall[$akey/cold]}")x** cold,
**$(ratio "${wall[$skey/warm]}" "${wall[$akey/warm]}")x** warm; CPU time $(ratio "${cpu[$skey/cold]}" "${cpu[$akey/cold]}")x cold, $(ratio "${cpu[$skey/warm]}" "${cpu[$akey/warm]}")x warm.
Load average before and after: $load_before; $load_after.

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
