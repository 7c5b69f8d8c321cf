package sanitize

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// JSON makes encoded JSON safe to print: C1 controls, bidi controls and
// invisible characters (which encoding/json leaves as raw UTF-8) are
// written as \uXXXX escapes. The document still decodes to exactly the same
// data; only its bytes are inert on a terminal. Input must be valid JSON
// from encoding/json (which already escapes C0 controls).
func JSON(b []byte) []byte {
	if isPlain(string(b), true) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			out = append(out, `\ufffd`...)
		case (r >= 0x80 && r <= 0x9f) || r == 0x7f || isInvisible(r):
			if r > 0xFFFF {
				r1, r2 := utf16.EncodeRune(r)
				out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
			} else {
				out = fmt.Appendf(out, `\u%04x`, r)
			}
		default:
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}
