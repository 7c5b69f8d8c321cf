#!/usr/bin/env bash
# Scores every NAB development file with driftdeck's anomaly detector and
# prints NAB's standard / low-FP / low-FN scores twice: at the threshold NAB's
# optimiser picks (which flatters every detector) and at the detector's own
# fixed production threshold. Then the standard score per category.
#
# usage: scripts/nab/run.sh [score flags, e.g. -bins 5 for a robustness check]
# env:   NAB_DIR (default ../shared/nab beside the repo, else /work/shared/nab)
#        KEEP=DIR keeps the scored CSVs and the per-file scores there
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
nab=${NAB_DIR:-}
if [[ -z $nab ]]; then
  if [[ -d $repo/../shared/nab ]]; then nab=$(cd "$repo/../shared/nab" && pwd); else nab=/work/shared/nab; fi
fi
[[ -f $nab/nabscore.py ]] || { echo "run.sh: no nabscore.py in $nab; set NAB_DIR" >&2; exit 1; }

work=${KEEP:-$(mktemp -d)}
[[ -n ${KEEP:-} ]] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work"
rm -rf "$work/results"
(cd "$repo" && go build -o "$work/score" ./scripts/nab/score)
"$work/score" -data "$nab/data" -out "$work/results" "$@"
threshold=$("$work/score" -print-threshold "$@")

args=(--allow-missing --windows "$nab/labels/combined_windows.json" --profiles "$nab/profiles.json" --data-dir "$nab/data")
echo "== NAB development split, threshold tuned by NAB's optimiser"
python3 "$nab/nabscore.py" "$work/results" "${args[@]}" --per-file "$work/per-file.csv"
echo
echo "== at the fixed production threshold $threshold"
python3 "$nab/nabscore.py" "$work/results" "${args[@]}" --fixed-threshold "*=$threshold" --per-file "$work/per-file-fixed.csv"
echo
echo "== standard score per category (tuned | fixed)"
paste -d'|' \
  <(python3 "$repo/scripts/nab/categories.py" "$work/per-file.csv" "$nab/labels/combined_windows.json" | grep '^standard' | cut -c22-) \
  <(python3 "$repo/scripts/nab/categories.py" "$work/per-file-fixed.csv" "$nab/labels/combined_windows.json" | grep '^standard' | cut -c22-)
