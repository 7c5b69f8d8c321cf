package anomaly

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Table is a "timestamp,value" CSV as read, keeping the original text of each
// timestamp and value so that scored output can repeat it byte for byte.
type Table struct {
	Stamps []string // timestamp text exactly as read
	Raw    []string // value text exactly as read
	Times  []time.Time
	Values []float64
}

// timeLayouts are the timestamp forms accepted: NAB's, then RFC 3339.
var timeLayouts = [...]string{"2006-01-02 15:04:05", "2006-01-02 15:04:05.999999999", time.RFC3339Nano, "2006-01-02T15:04:05"}

func parseTime(s string) (time.Time, error) {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("timestamp %q is neither \"YYYY-MM-DD HH:MM:SS\" nor RFC 3339", s)
}

// ReadTable reads a CSV with a header naming at least the columns "timestamp"
// and "value" (in any order, other columns ignored). Errors name the line.
func ReadTable(r io.Reader) (*Table, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("line 1: the file is empty; expected a header \"timestamp,value\"")
	}
	if err != nil {
		return nil, fmt.Errorf("read csv header: %w", err)
	}
	tsCol, valCol := -1, -1
	for i, name := range header {
		switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "\ufeff"))) {
		case "timestamp":
			tsCol = i
		case "value":
			valCol = i
		}
	}
	if tsCol < 0 || valCol < 0 {
		return nil, fmt.Errorf("line 1: header %q lacks the columns \"timestamp\" and \"value\"", strings.Join(header, ","))
	}
	tab := &Table{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return tab, nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("read csv: %w", err)
		}
		if len(rec) <= tsCol || len(rec) <= valCol {
			return nil, fmt.Errorf("line %d: expected %d columns, found %d", line, len(header), len(rec))
		}
		stamp, raw := rec[tsCol], rec[valCol]
		t, err := parseTime(strings.TrimSpace(stamp))
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("line %d: value %q is not a number", line, raw)
		}
		tab.Stamps = append(tab.Stamps, stamp)
		tab.Raw = append(tab.Raw, raw)
		tab.Times = append(tab.Times, t)
		tab.Values = append(tab.Values, v)
	}
}

// ReadCSV reads "timestamp,value" rows. Timestamps may be NAB's
// "YYYY-MM-DD HH:MM:SS" or RFC 3339. Errors name the line.
func ReadCSV(r io.Reader) ([]time.Time, []float64, error) {
	tab, err := ReadTable(r)
	if err != nil {
		return nil, nil, err
	}
	return tab.Times, tab.Values, nil
}

// WriteScoredTable writes "timestamp,value,anomaly_score" with the timestamp
// and value text exactly as they were read.
func WriteScoredTable(w io.Writer, tab *Table, scores []float64) error {
	if len(scores) != len(tab.Stamps) {
		return fmt.Errorf("write scored csv: %d scores for %d rows", len(scores), len(tab.Stamps))
	}
	return writeRows(w, len(scores), func(i int) (string, string) { return tab.Stamps[i], tab.Raw[i] }, scores)
}

// WriteScoredCSV writes "timestamp,value,anomaly_score". Timestamps in UTC
// with whole seconds use NAB's layout "YYYY-MM-DD HH:MM:SS" (what ReadCSV
// parsed them from); others are written as RFC 3339. Use ReadTable and
// WriteScoredTable to repeat any input text exactly.
func WriteScoredCSV(w io.Writer, ts []time.Time, vs, scores []float64) error {
	if len(ts) != len(vs) || len(vs) != len(scores) {
		return fmt.Errorf("write scored csv: %d timestamps, %d values and %d scores differ in length", len(ts), len(vs), len(scores))
	}
	return writeRows(w, len(ts), func(i int) (string, string) {
		return formatTime(ts[i]), strconv.FormatFloat(vs[i], 'g', -1, 64)
	}, scores)
}

func formatTime(t time.Time) string {
	if t.Location() == time.UTC && t.Nanosecond() == 0 {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format(time.RFC3339Nano)
}

func writeRows(w io.Writer, n int, row func(int) (string, string), scores []float64) error {
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	if err := cw.Write([]string{"timestamp", "value", "anomaly_score"}); err != nil {
		return fmt.Errorf("write scored csv: %w", err)
	}
	rec := make([]string, 3)
	for i := 0; i < n; i++ {
		rec[0], rec[1] = row(i)
		rec[2] = strconv.FormatFloat(scores[i], 'f', -1, 64)
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write scored csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write scored csv: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write scored csv: %w", err)
	}
	return nil
}
