package anomaly

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// metricLabel is how a metric is named in an explanation.
var metricLabel = map[Metric]string{
	MetricRequests: "requests",
	MetricRatio5xx: "5xx ratio",
	MetricRatio4xx: "4xx ratio",
	MetricBlocks:   "firewall blocks",
	MetricBytes:    "bytes",
}

// explain writes the one-line explanation of a finding, with units:
// "requests 8,400/min vs usual 1,200/min", "5xx ratio 14% vs usual 0.4%".
func explain(m Metric, current, usual float64) string {
	return fmt.Sprintf("%s %s vs usual %s", metricLabel[m], formatValue(m, current), formatValue(m, usual))
}

func formatValue(m Metric, v float64) string {
	switch m {
	case MetricRatio5xx, MetricRatio4xx:
		return formatPercent(v)
	case MetricBytes:
		return formatBytes(v) + "/min"
	}
	return formatCount(v) + "/min"
}

// formatPercent keeps what a reader can take in at a glance: whole percents
// from 10%, one decimal from 1% (4.2%), one significant digit below (0.4%).
func formatPercent(ratio float64) string {
	p := ratio * 100
	switch a := math.Abs(p); {
	case a == 0:
		return "0%"
	case a >= 10:
		return strconv.FormatFloat(math.Round(p), 'f', -1, 64) + "%"
	case a >= 1:
		return strconv.FormatFloat(math.Round(p*10)/10, 'f', -1, 64) + "%"
	}
	return strconv.FormatFloat(roundSignificant(p, 1), 'f', -1, 64) + "%"
}

// formatCount writes a rate with thousands separators, rounded to two
// significant digits from 1,000 ("8,400", "1,200"), whole below, with one
// decimal below 10 so that small rates do not all read "0".
func formatCount(v float64) string {
	a := math.Abs(v)
	switch {
	case a < 10 && v != math.Trunc(v):
		return strconv.FormatFloat(math.Round(v*10)/10, 'f', 1, 64)
	case a >= 1000:
		v = roundSignificant(v, 2)
	}
	s := strconv.FormatFloat(math.Abs(math.Round(v)), 'f', 0, 64)
	var b strings.Builder
	if v < 0 {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func roundSignificant(v float64, digits int) float64 {
	if v == 0 {
		return 0
	}
	scale := math.Pow(10, float64(digits)-math.Ceil(math.Log10(math.Abs(v))))
	return math.Round(v*scale) / scale
}

// formatBytes uses decimal units, as Cloudflare's dashboard does, and two
// significant digits: 420 MB, 1.5 GB.
func formatBytes(v float64) string {
	units := []string{"B", "kB", "MB", "GB", "TB", "PB"}
	i := 0
	for math.Abs(v) >= 1000 && i < len(units)-1 {
		v /= 1000
		i++
	}
	if i == 0 {
		return formatCount(v) + " B"
	}
	return strconv.FormatFloat(roundSignificant(v, 2), 'f', -1, 64) + " " + units[i]
}
