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
threshold=$("$work/score" -print-threshold "$@")
if [[ $# -eq 0 ]]; then
  # The product's own command scores every file, as an operator would run it.
  (cd "$repo" && go build -o "$work/driftdeck" ./cmd/driftdeck)
  n=0
  while IFS= read -r -d '' f; do
    rel=${f#"$nab/data/"}
    mkdir -p "$work/results/$(dirname "$rel")"
    "$work/driftdeck" anomaly score --in "$f" --out "$work/results/$rel"
    n=$((n + 1))
  done < <(find "$nab/data" -name '*.csv' -print0 | sort -z)
  echo "scored $n files with \`driftdeck anomaly score\`"
else
  # Robustness checks with changed parameters go through the scoring program.
  "$work/score" -data "$nab/data" -out "$work/results" "$@"
fi

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
