// Package sanitize makes untrusted text (from Cloudflare, webhooks or the
// model) safe to put on a terminal, and visible when it tried not to be.
//
// Nothing is silently dropped: every control character, escape sequence
// introducer, bidi control and invisible character is replaced by a visible,
// inert stand-in (U+241B ␛ for ESC, <U+202E> for a bidi override, ...), so
// the engineer can see that the text held one while the terminal sees only
// printable characters. Invalid UTF-8 becomes U+FFFD.
package sanitize

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Text sanitizes multi-line text: newlines and tabs are kept, every other
// control is shown visibly.
func Text(s string) string { return clean(s, true, false) }

// Line sanitizes text for a single line (a table cell, a title): newlines,
// carriage returns and tabs are shown visibly too.
func Line(s string) string { return clean(s, false, false) }

// Hostname sanitizes a DNS name or URL: like Line, and every non-ASCII rune
// is shown as <U+XXXX>, so a homoglyph (a Cyrillic "е" in "www.еxample.com")
// cannot pass for the real name.
func Hostname(s string) string { return clean(s, false, true) }

// Suspicious reports whether s holds anything Line would replace: useful to
// flag a record whose content carried escape sequences.
func Suspicious(s string) bool { return Line(s) != s }

func clean(s string, multiline, asciiOnly bool) string {
	if isPlain(s, multiline) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune('\uFFFD')
		case r == '\n' || r == '\t':
			if multiline {
				b.WriteRune(r)
			} else {
				b.WriteRune(0x2400 + r) // ␊ ␉
			}
		case r < 0x20:
			b.WriteRune(0x2400 + r) // control pictures: ␛ ␇ ␍ ...
		case r == 0x7f:
			b.WriteRune('\u2421') // ␡
		case r >= 0x80 && r <= 0x9f: // C1 controls, e.g. U+009B (CSI)
			fmt.Fprintf(&b, "<U+%04X>", r)
		case isInvisible(r):
			fmt.Fprintf(&b, "<U+%04X>", r)
		case asciiOnly && r > 0x7e:
			fmt.Fprintf(&b, "<U+%04X>", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isPlain is the fast path: printable ASCII (plus newline/tab in multiline
// mode) needs no work.
func isPlain(s string, multiline bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			continue
		}
		if multiline && (c == '\n' || c == '\t') {
			continue
		}
		return false
	}
	return true
}

// isInvisible reports bidi controls, zero-width characters and other
// format characters that change how text reads without being seen.
func isInvisible(r rune) bool {
	switch {
	case r == 0x00AD: // soft hyphen
	case r == 0x034F: // combining grapheme joiner
	case r == 0x061C: // arabic letter mark
	case r == 0x115F || r == 0x1160 || r == 0x3164 || r == 0xFFA0: // hangul fillers
	case r == 0x180E: // mongolian vowel separator
	case r >= 0x200B && r <= 0x200F: // zero-width space/joiners, LRM, RLM
	case r >= 0x2028 && r <= 0x202E: // line/paragraph separators, bidi embeddings and overrides
	case r >= 0x2060 && r <= 0x206F: // word joiner, invisible operators, bidi isolates
	case r == 0xFEFF: // zero-width no-break space / BOM
	case r >= 0xFFF9 && r <= 0xFFFB: // interlinear annotations
	case r >= 0xE0000 && r <= 0xE007F: // tag characters ("ASCII smuggling")
	default:
		return false
	}
	return true
}
