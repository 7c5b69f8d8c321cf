package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"unicode/utf8"
)

// Canonical returns the canonical JSON form of raw, the form every hash in
// the journal is computed over:
//
//   - object keys sorted by their UTF-8 bytes; a duplicate key is an error
//     (two readers could otherwise disagree on what the document says);
//   - no whitespace outside strings;
//   - numbers exactly as written ("1.0" stays "1.0", "1e3" stays "1e3");
//   - strings re-encoded one way only: '"' and '\' escaped with a backslash,
//     \b \f \n \r \t for those controls, \u00XX for the other controls below
//     U+0020, everything else (including '<', '>', '&' and non-ASCII) as raw
//     UTF-8. Invalid UTF-8 is an error rather than silently replaced.
//
// The same value always yields the same bytes whatever key order or spacing
// it arrived with, so a hash over it is stable.
func Canonical(raw []byte) ([]byte, error) {
	if !utf8.Valid(raw) {
		return nil, errors.New("canonical json: input is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out bytes.Buffer
	if err := canonicalValue(dec, &out); err != nil {
		return nil, fmt.Errorf("canonical json: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("canonical json: trailing data after the value")
	}
	return out.Bytes(), nil
}

func canonicalValue(dec *json.Decoder, out *bytes.Buffer) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return canonicalObject(dec, out)
		case '[':
			return canonicalArray(dec, out)
		default:
			return fmt.Errorf("unexpected delimiter %q", t)
		}
	case string:
		writeString(out, t)
	case json.Number:
		out.WriteString(t.String())
	case bool:
		if t {
			out.WriteString("true")
		} else {
			out.WriteString("false")
		}
	case nil:
		out.WriteString("null")
	default:
		return fmt.Errorf("unexpected token %T", tok)
	}
	return nil
}

func canonicalObject(dec *json.Decoder, out *bytes.Buffer) error {
	members := map[string][]byte{}
	for dec.More() {
		keyTok, err := dec.Token()
		if err != nil {
			return err
		}
		key, ok := keyTok.(string)
		if !ok {
			return fmt.Errorf("object key is %T, not a string", keyTok)
		}
		if _, dup := members[key]; dup {
			return fmt.Errorf("duplicate object key %q", key)
		}
		var value bytes.Buffer
		if err := canonicalValue(dec, &value); err != nil {
			return err
		}
		members[key] = value.Bytes()
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return err
	}
	keys := make([]string, 0, len(members))
	for k := range members {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			out.WriteByte(',')
		}
		writeString(out, k)
		out.WriteByte(':')
		out.Write(members[k])
	}
	out.WriteByte('}')
	return nil
}

func canonicalArray(dec *json.Decoder, out *bytes.Buffer) error {
	out.WriteByte('[')
	for i := 0; dec.More(); i++ {
		if i > 0 {
			out.WriteByte(',')
		}
		if err := canonicalValue(dec, out); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing ']'
		return err
	}
	out.WriteByte(']')
	return nil
}

// writeString writes s as a JSON string using the single escaping scheme
// described on Canonical.
func writeString(out *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	out.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			out.WriteByte('\\')
			out.WriteByte(c)
		case c == '\b':
			out.WriteString(`\b`)
		case c == '\f':
			out.WriteString(`\f`)
		case c == '\n':
			out.WriteString(`\n`)
		case c == '\r':
			out.WriteString(`\r`)
		case c == '\t':
			out.WriteString(`\t`)
		case c < 0x20:
			out.WriteString(`\u00`)
			out.WriteByte(hex[c>>4])
			out.WriteByte(hex[c&0xf])
		default:
			out.WriteByte(c)
		}
	}
	out.WriteByte('"')
}

// jsonString is s encoded the canonical way, for callers outside a buffer.
func jsonString(s string) []byte {
	var b bytes.Buffer
	writeString(&b, s)
	return b.Bytes()
}
