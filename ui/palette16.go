package ui

import (
	"encoding/json"
	"strconv"
	"strings"

	"charm.land/glamour/v2"
	glamourstyles "charm.land/glamour/v2/styles"
)

// ansi16 approximates the 16 ANSI colours as xterm draws them.
var ansi16 = [16][3]int{
	{0, 0, 0}, {205, 0, 0}, {0, 205, 0}, {205, 205, 0}, {0, 0, 238}, {205, 0, 205}, {0, 205, 205}, {229, 229, 229},
	{127, 127, 127}, {255, 0, 0}, {0, 255, 0}, {255, 255, 0}, {92, 92, 255}, {255, 0, 255}, {0, 255, 255}, {255, 255, 255},
}

// xterm256 returns the RGB of an xterm 256-colour index.
func xterm256(n int) [3]int {
	switch {
	case n < 16:
		return ansi16[n]
	case n < 232:
		n -= 16
		level := func(v int) int {
			if v == 0 {
				return 0
			}
			return 55 + 40*v
		}
		return [3]int{level(n / 36), level(n / 6 % 6), level(n % 6)}
	}
	g := 8 + 10*(n-232)
	return [3]int{g, g, g}
}

// to16 maps a glamour colour ("203", "#C4C4C4") to the nearest ANSI
// colour: its index, or (hex) its RGB for chroma, which wants hex and
// picks the exact index with the terminal16 formatter.
func to16(c string, hex bool) string {
	var rgb [3]int
	switch {
	case strings.HasPrefix(c, "#") && len(c) == 7:
		v, err := strconv.ParseUint(c[1:], 16, 32)
		if err != nil {
			return c
		}
		rgb = [3]int{int(v >> 16 & 0xff), int(v >> 8 & 0xff), int(v & 0xff)}
	default:
		n, err := strconv.Atoi(c)
		if err != nil || n < 0 || n > 255 {
			return c
		}
		if n < 16 && !hex {
			return c
		}
		rgb = xterm256(n)
	}
	best, bestD := 0, 1<<30
	for i, a := range ansi16 {
		d := (a[0]-rgb[0])*(a[0]-rgb[0]) + (a[1]-rgb[1])*(a[1]-rgb[1]) + (a[2]-rgb[2])*(a[2]-rgb[2])
		if d < bestD {
			best, bestD = i, d
		}
	}
	if hex {
		a := ansi16[best]
		return "#" + hex2(a[0]) + hex2(a[1]) + hex2(a[2])
	}
	return strconv.Itoa(best)
}

func hex2(v int) string {
	s := strconv.FormatInt(int64(v), 16)
	if len(s) < 2 {
		s = "0" + s
	}
	return s
}

// remapColors rewrites every colour of a decoded style document; inside
// the chroma section colours stay hex.
func remapColors(v any, hex bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && (k == "color" || k == "background_color") {
				x[k] = to16(s, hex)
				continue
			}
			remapColors(e, hex || k == "chroma")
		}
	case []any:
		for _, e := range x {
			remapColors(e, hex)
		}
	}
}

// sixteenColorStyle is a standard glamour style with its colours mapped to
// the ANSI 16 palette, code blocks included, so a 16-colour terminal shows
// the markdown as designed rather than as a lossy conversion.
func sixteenColorStyle(name string) []glamour.TermRendererOption {
	cfg, ok := glamourstyles.DefaultStyles[name]
	if !ok {
		return []glamour.TermRendererOption{glamour.WithStandardStyle(glamourstyles.DarkStyle)}
	}
	raw, err := json.Marshal(cfg)
	var doc any
	if err == nil {
		err = json.Unmarshal(raw, &doc)
	}
	if err != nil {
		return []glamour.TermRendererOption{glamour.WithStandardStyle(name)}
	}
	remapColors(doc, false)
	raw, err = json.Marshal(doc)
	if err != nil {
		return []glamour.TermRendererOption{glamour.WithStandardStyle(name)}
	}
	return []glamour.TermRendererOption{glamour.WithStylesFromJSONBytes(raw), glamour.WithChromaFormatter("terminal16")}
}
