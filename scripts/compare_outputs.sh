#!/usr/bin/env bash
# Byte-identity check for refactors: run one acqplan binary over a fixed set
# of commands and inputs, keeping every file each command writes plus its
# stdout, stderr and exit code. Run it with the old and the new binary into two
# folders, then `diff -r` them (manifest.json is left out: it records the
# binary's own hash and the wall clock).
#
#   scripts/compare_outputs.sh OLD_BINARY /tmp/old
#   scripts/compare_outputs.sh target/release/acqplan /tmp/new
#   diff -r /tmp/old /tmp/new && echo identical
set -u
bin=$(realpath "$1")
out=$2
repo=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$out" && mkdir -p "$out/work"
cd "$out/work"
cp -r "$repo/data" data
cp -r "$repo/tests/it/fixtures" fixtures

# Inputs: the shipped sample (English and Chinese headers, messy), a
# generated 50-room history and a weekly one.
"$bin" gen --rooms 50 --days 240 --seed 7 --out gen50 >/dev/null 2>&1
"$bin" gen --rooms 6 --days 400 --seed 11 --out gen6 >/dev/null 2>&1
run() { # name, then the acqplan arguments
  local name=$1; shift
  "$bin" "$@" >"$out/$name.stdout" 2>"$out/$name.stderr"
  echo $? >"$out/$name.rc"
}
for d in data/history.csv data/history_zh.csv data/messy.csv gen50/history.csv gen6/history.csv; do
  tag=$(echo "$d" | tr '/.' '__')
  run "$tag.validate" validate --data "$d"
  run "$tag.validate_json" validate --data "$d" --format json
  run "$tag.screen" screen --data "$d" --out "runs/$tag.screen"
  run "$tag.fit" fit --data "$d" --out "runs/$tag.fit"
  run "$tag.plan" plan --data "$d" --target-viewers 400k --out "runs/$tag.plan"
  run "$tag.plan_budget" plan --data "$d" --budget 200k --out "runs/$tag.budget" --format json
  run "$tag.plan_whatif" plan --data "$d" --target-viewers 300k --scale douyin_qianchuan=1.2 --exclude red_packets --out "runs/$tag.whatif"
  run "$tag.frontier" frontier --data "$d" --budgets 50k..400k --steps 5 --out "runs/$tag.frontier"
  run "$tag.backtest" backtest --data "$d" --weeks 3 --out "runs/$tag.backtest"
done
run sample.run run --config data/acqplan.toml --out runs/sample.run --backtest --email-to a@example.com
run sample.report report runs/sample.run --email-to a@example.com
run sample.run_channel run --config data/acqplan.toml --by channel --out runs/sample.by_channel
run sample.run_week run --config data/acqplan.toml --horizon-days 14 --half-life all --out runs/sample.two_weeks
run sample.infeasible plan --data data/history.csv --target-viewers 90M --out runs/sample.infeasible
run sample.bad_flag plan --data data/history.csv --target-viewers lots
for f in fixtures/periods/*.csv fixtures/console/*.csv; do
  [ -f "$f" ] || continue
  tag=$(basename "$f" .csv)
  run "fixture.$tag.validate" validate --data "$f"
  run "fixture.$tag.plan" plan --data "$f" --target-viewers 50k --out "runs/fixture.$tag.plan"
done
find runs -name manifest.json -delete
# Stdout/stderr name the run folders with the work dir: make them relative.
sed -i "s#$out/work/##g" "$out"/*.stdout "$out"/*.stderr
mv runs "$out/runs"
cd "$out" && rm -rf work
