// Package anomaly finds anomalies in traffic time series, deterministically
// and in O(1) amortised time per point.
//
// A Detector scores one series point by point in [0,1]: context novelty
// over quantised values (after CAD OSE), turned into HTM's anomaly
// log-likelihood, with a range check and a rest period after each alert.
// Scores at or above ProductionThreshold are alerts. An Engine runs one
// Detector per (zone, metric) over infra.Point minutes and keeps Findings
// with a start, a peak, an end and a one-line explanation with units.
//
// Measured on NAB's development split with scripts/nab/run.sh.
//
// For "timestamp,value" files: ReadTable, ScoreSeries(tab.Times, tab.Values,
// DefaultConfig()), WriteScoredTable repeat the input text exactly.
package anomaly
