package journal

import "testing"

func TestCanonicalStableAcrossKeyOrderAndSpacing(t *testing.T) {
	a := `{"b": [1, 2.50, {"z": null, "y": true}], "a": "x<y & \u00e9", "c": {"k2": 1e3, "k1": -0}}`
	b := "{\n \"c\":{\"k1\":-0,\"k2\":1e3},\"a\":\"x<y & é\",\n\t\"b\":[1,2.50,{\"y\":true,\"z\":null}]}"
	ca, err := Canonical([]byte(a))
	if err != nil {
		t.Fatal(err)
	}
	cb, err := Canonical([]byte(b))
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"a":"x<y & é","b":[1,2.50,{"y":true,"z":null}],"c":{"k1":-0,"k2":1e3}}`
	if string(ca) != want || string(cb) != want {
		t.Fatalf("canonical forms differ:\n a: %s\n b: %s\nwant %s", ca, cb, want)
	}
}

func TestCanonicalEscapes(t *testing.T) {
	got, err := Canonical([]byte(`"q\" b\\ nl\n tab\t bell\u0007 slash\/"`))
	if err != nil {
		t.Fatal(err)
	}
	if want := `"q\" b\\ nl\n tab\t bell\u0007 slash/"`; string(got) != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestCanonicalRejects(t *testing.T) {
	for _, in := range []string{`{"a":1,"a":2}`, `{"a":1} {"b":2}`, `[1,`, "\"\xff\"", ``} {
		if out, err := Canonical([]byte(in)); err == nil {
			t.Errorf("Canonical(%q) = %s, want an error", in, out)
		}
	}
}
