#!/usr/bin/env python3
"""Per-category normalised scores from nabscore.py's --per-file CSV.

usage: categories.py PER_FILE.csv WINDOWS.json

A category is normalised like the corpus: 100 * (S + W) / (2 W) for the
standard and low-FP profiles and 100 * (S + 2W) / (3 W) for low-FN, with W its
number of windows. A category without windows reports its raw score (its
false-positive cost) instead.
"""
import csv
import json
import sys
from collections import defaultdict

windows = json.load(open(sys.argv[2]))
raw = defaultdict(float)
for r in csv.DictReader(open(sys.argv[1])):
    raw[(r["Profile"], r["File"].split("/")[0])] += float(r["Score"])
wins = defaultdict(int)
for name, ws in windows.items():
    wins[name.split("/")[0]] += len(ws)
for (profile, cat) in sorted(raw):
    w, s = wins[cat], raw[(profile, cat)]
    miss = 2 if profile == "reward_low_FN_rate" else 1
    if w:
        norm = 100 * (s + miss * w) / ((1 + miss) * w)
        print(f"{profile:20s} {cat:22s} {norm:6.1f}   raw {s:7.2f}, {w} windows")
    else:
        print(f"{profile:20s} {cat:22s}    -     raw {s:7.2f}, no windows")
