package anomaly

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestReadCSVNamesTheBadLine(t *testing.T) {
	cases := map[string]struct{ in, want string }{
		"value": {
			in:   "timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,abc\n",
			want: `line 3: value "abc" is not a number`,
		},
		"timestamp": {
			in:   "timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,2\n01/04/2014,3\n",
			want: `line 4: timestamp "01/04/2014"`,
		},
		"columns": {
			in:   "timestamp,value\n2014-04-01 00:00:00\n",
			want: "line 2: expected 2 columns, found 1",
		},
		"header": {
			in:   "time,val\n2014-04-01 00:00:00,1\n",
			want: "line 1: header",
		},
		"empty": {in: "", want: "line 1: the file is empty"},
		"nan": {
			in:   "timestamp,value\n2014-04-01 00:00:00,NaN\n",
			want: `line 2: value "NaN" is not a number`,
		},
	}
	for name, c := range cases {
		_, _, err := ReadCSV(strings.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", name, err, c.want)
		}
	}
}

func TestReadCSVAcceptsNABAndRFC3339(t *testing.T) {
	in := "timestamp,value\n2014-04-01 00:00:00,1.5\n2014-04-01T00:05:00Z,2\n2014-04-01T02:10:00+02:00,-3e2\n"
	ts, vs, err := ReadCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2014, 4, 1, 0, 0, 0, 0, time.UTC)
	for i, want := range []time.Time{base, base.Add(5 * time.Minute), base.Add(10 * time.Minute)} {
		if !ts[i].Equal(want) {
			t.Errorf("row %d: time %v, want %v", i, ts[i], want)
		}
	}
	if vs[0] != 1.5 || vs[1] != 2 || vs[2] != -300 {
		t.Errorf("values %v, want [1.5 2 -300]", vs)
	}
}

func TestWriteScoredTableRepeatsInputText(t *testing.T) {
	in := "value,timestamp\n1.50,2014-04-01 00:00:00\n2,2014-04-01T00:05:00Z\n"
	tab, err := ReadTable(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := WriteScoredTable(&out, tab, []float64{0, 0.75}); err != nil {
		t.Fatal(err)
	}
	want := "timestamp,value,anomaly_score\n2014-04-01 00:00:00,1.50,0\n2014-04-01T00:05:00Z,2,0.75\n"
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestWriteScoredCSVUsesNABLayout(t *testing.T) {
	in := "timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,2\n"
	ts, vs, err := ReadCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := WriteScoredCSV(&out, ts, vs, []float64{0.25, 1}); err != nil {
		t.Fatal(err)
	}
	want := "timestamp,value,anomaly_score\n2014-04-01 00:00:00,1,0.25\n2014-04-01 00:05:00,2,1\n"
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
	if err := WriteScoredCSV(&out, ts, vs, []float64{1}); err == nil {
		t.Fatal("no error for one score for two rows")
	}
}
