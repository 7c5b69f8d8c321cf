package cfsim

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// record is a DNS record as the simulator stores it.
type record struct {
	ID         string
	Type       string
	Name       string // fully qualified, lower case, no trailing dot
	Content    string
	TTL        int
	Proxied    bool
	Priority   *int
	Data       map[string]any
	Comment    string
	Tags       []string
	CreatedOn  time.Time
	ModifiedOn time.Time
}

// recordInput is a record as a request gives it; nil fields are absent,
// which matters for PATCH.
type recordInput struct {
	Type     *string        `json:"type"`
	Name     *string        `json:"name"`
	Content  *string        `json:"content"`
	TTL      *float64       `json:"ttl"`
	Proxied  *bool          `json:"proxied"`
	Priority *float64       `json:"priority"`
	Comment  *string        `json:"comment"`
	Tags     *[]string      `json:"tags"`
	Data     map[string]any `json:"data"`
	Settings map[string]any `json:"settings"`
}

var recordTypes = map[string]bool{"A": true, "AAAA": true, "CAA": true, "CERT": true, "CNAME": true, "DNSKEY": true,
	"DS": true, "HTTPS": true, "LOC": true, "MX": true, "NAPTR": true, "NS": true, "OPENPGPKEY": true, "PTR": true,
	"SMIMEA": true, "SRV": true, "SSHFP": true, "SVCB": true, "TLSA": true, "TXT": true, "URI": true}

// dataTypes are the record types whose content is built from data.
var dataTypes = map[string]bool{"CAA": true, "CERT": true, "DNSKEY": true, "DS": true, "HTTPS": true, "LOC": true,
	"NAPTR": true, "SMIMEA": true, "SRV": true, "SSHFP": true, "SVCB": true, "TLSA": true, "URI": true}

// commonTLDs lets a dotted name be recognised as absolute (and so possibly
// outside the zone) rather than relative to it.
var commonTLDs = map[string]bool{"com": true, "net": true, "org": true, "io": true, "dev": true, "app": true,
	"co": true, "uk": true, "de": true, "fr": true, "info": true, "biz": true, "xyz": true, "cloud": true,
	"ai": true, "me": true, "us": true, "eu": true, "test": true, "example": true, "invalid": true, "local": true}

var labelRe = regexp.MustCompile(`^(\*|[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)$`)

func proxiable(t string) bool { return t == "A" || t == "AAAA" || t == "CNAME" }

// qualifyName turns a record name into its fully qualified form in zone:
// "@" and "" are the apex, a name ending in the zone or with a trailing dot
// or a well-known TLD is absolute, anything else is relative to the zone.
func qualifyName(zone, name string) (string, *apiError) {
	n := strings.ToLower(strings.TrimSpace(name))
	absolute := strings.HasSuffix(n, ".")
	n = strings.TrimSuffix(n, ".")
	switch {
	case n == "" || n == "@":
		return zone, nil
	case n == zone || strings.HasSuffix(n, "."+zone):
	case absolute || (strings.Contains(n, ".") && commonTLDs[n[strings.LastIndex(n, ".")+1:]]):
		return "", errf(http.StatusBadRequest, codeDNSNameInvalid, "Record name %q is outside the zone %s.", name, zone)
	default:
		n = n + "." + zone
	}
	if len(n) > 253 {
		return "", errf(http.StatusBadRequest, codeDNSNameInvalid, "Record name is longer than 253 characters.")
	}
	for i, label := range strings.Split(n, ".") {
		if !labelRe.MatchString(label) || (label == "*" && i != 0) {
			return "", errf(http.StatusBadRequest, codeDNSNameInvalid, "DNS name is invalid: label %q is not allowed.", label)
		}
	}
	return n, nil
}

func validHostname(h string) bool {
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "*" || !labelRe.MatchString(label) {
			return false
		}
	}
	return true
}

func intOf(v any) (int, bool) {
	switch n := v.(type) {
	case float64:
		if n == math.Trunc(n) && !math.IsInf(n, 0) && math.Abs(n) < 1e15 {
			return int(n), true
		}
	case int:
		return n, true
	case int64:
		return int(n), true
	}
	return 0, false
}

// buildRecord merges in over base (nil for a creation) and validates the
// result for zone. It does not check conflicts with other records.
func buildRecord(zone string, base *record, in recordInput) (*record, *apiError) {
	r := &record{TTL: 1}
	if base != nil {
		cp := *base
		r = &cp
		r.Tags = append([]string(nil), base.Tags...)
	}
	if in.Type != nil {
		r.Type = strings.ToUpper(*in.Type)
	}
	if in.Name != nil {
		r.Name = *in.Name
	}
	if in.Content != nil {
		r.Content = *in.Content
	}
	if in.TTL != nil {
		t, ok := intOf(*in.TTL)
		if !ok {
			return nil, errf(http.StatusBadRequest, codeTTLInvalid, "Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic.")
		}
		r.TTL = t
	}
	if in.Proxied != nil {
		r.Proxied = *in.Proxied
	}
	if in.Priority != nil {
		p, ok := intOf(*in.Priority)
		if !ok {
			return nil, errf(http.StatusBadRequest, codeContentInvalid, "Priority must be an integer between 0 and 65535.")
		}
		r.Priority = &p
	}
	if in.Comment != nil {
		r.Comment = *in.Comment
	}
	if in.Tags != nil {
		r.Tags = append([]string(nil), (*in.Tags)...)
	}
	if in.Data != nil {
		r.Data = in.Data
	}
	if base == nil && (r.Type == "" || r.Name == "") {
		return nil, errf(http.StatusBadRequest, codeContentInvalid, "A DNS record needs a type and a name.")
	}
	if err := validateRecord(zone, r); err != nil {
		return nil, err
	}
	return r, nil
}

func validateRecord(zone string, r *record) *apiError {
	bad := func(code int, format string, args ...any) *apiError {
		return errf(http.StatusBadRequest, code, format, args...)
	}
	if !recordTypes[r.Type] {
		return bad(codeRecordTypeInvalid, "Invalid DNS record type %q.", r.Type)
	}
	name, err := qualifyName(zone, r.Name)
	if err != nil {
		return err
	}
	r.Name = name
	if r.TTL != 1 && (r.TTL < 60 || r.TTL > 86400) {
		return bad(codeTTLInvalid, "Invalid TTL %d. Must be between 60 and 86400 seconds, or 1 for Automatic.", r.TTL)
	}
	if r.Proxied && !proxiable(r.Type) {
		return bad(codeNotProxiable, "Records of type %s cannot be proxied.", r.Type)
	}
	if len(r.Comment) > 500 {
		return bad(codeContentInvalid, "Comment is longer than 500 characters.")
	}
	for _, tag := range r.Tags {
		if !strings.Contains(tag, ":") && tag == "" {
			return bad(codeContentInvalid, "Tags must not be empty.")
		}
	}
	if r.Type != "MX" && r.Type != "SRV" && r.Type != "URI" {
		r.Priority = nil
	}
	switch r.Type {
	case "A":
		ip := net.ParseIP(r.Content)
		if ip == nil || ip.To4() == nil || strings.Contains(r.Content, ":") {
			return bad(codeContentInvalid, "Content for A record must be a valid IPv4 address.")
		}
	case "AAAA":
		ip := net.ParseIP(r.Content)
		if ip == nil || !strings.Contains(r.Content, ":") {
			return bad(codeContentInvalid, "Content for AAAA record must be a valid IPv6 address.")
		}
	case "CNAME", "NS", "PTR":
		if !validHostname(r.Content) {
			return bad(codeContentInvalid, "Content for %s record must be a valid hostname.", r.Type)
		}
		r.Content = strings.TrimSuffix(strings.ToLower(r.Content), ".")
		if r.Type == "CNAME" && r.Content == r.Name {
			return bad(codeContentInvalid, "A CNAME record cannot point to itself.")
		}
	case "MX":
		if !validHostname(r.Content) {
			return bad(codeContentInvalid, "Content for MX record must be a valid mail server hostname.")
		}
		if r.Priority == nil || *r.Priority < 0 || *r.Priority > 65535 {
			return bad(codeContentInvalid, "MX records need a priority between 0 and 65535.")
		}
	case "TXT":
		if r.Content == "" || len(r.Content) > 4096 {
			return bad(codeContentInvalid, "Content for TXT record must be 1 to 4096 characters.")
		}
	case "SRV":
		return buildSRV(r)
	case "CAA":
		return buildCAA(r)
	default:
		if r.Content == "" && len(r.Data) == 0 {
			return bad(codeContentInvalid, "Content or data for %s record is required.", r.Type)
		}
		if r.Content == "" {
			r.Content = flatData(r.Data)
		}
	}
	if !dataTypes[r.Type] {
		r.Data = nil
	}
	return nil
}

func buildSRV(r *record) *apiError {
	get := func(key string, lo, hi int) (int, *apiError) {
		n, ok := intOf(r.Data[key])
		if !ok || n < lo || n > hi {
			return 0, errf(http.StatusBadRequest, codeContentInvalid, "SRV record data.%s must be an integer between %d and %d.", key, lo, hi)
		}
		return n, nil
	}
	if r.Data == nil {
		return errf(http.StatusBadRequest, codeContentInvalid, "SRV records need data with priority, weight, port and target.")
	}
	prio, err := get("priority", 0, 65535)
	if err != nil {
		return err
	}
	weight, err := get("weight", 0, 65535)
	if err != nil {
		return err
	}
	port, err := get("port", 0, 65535)
	if err != nil {
		return err
	}
	target, _ := r.Data["target"].(string)
	if !validHostname(target) && target != "." {
		return errf(http.StatusBadRequest, codeContentInvalid, "SRV record data.target must be a valid hostname.")
	}
	r.Priority = &prio
	r.Content = fmt.Sprintf("%d %d %s", weight, port, target)
	r.Data = map[string]any{"priority": prio, "weight": weight, "port": port, "target": target}
	return nil
}

func buildCAA(r *record) *apiError {
	if r.Data == nil {
		return errf(http.StatusBadRequest, codeContentInvalid, "CAA records need data with flags, tag and value.")
	}
	flags, ok := intOf(r.Data["flags"])
	if !ok || flags < 0 || flags > 255 {
		return errf(http.StatusBadRequest, codeContentInvalid, "CAA record data.flags must be an integer between 0 and 255.")
	}
	tag, _ := r.Data["tag"].(string)
	value, _ := r.Data["value"].(string)
	if tag != "issue" && tag != "issuewild" && tag != "iodef" {
		return errf(http.StatusBadRequest, codeContentInvalid, "CAA record data.tag must be issue, issuewild or iodef.")
	}
	r.Content = fmt.Sprintf("%d %s %q", flags, tag, value)
	r.Data = map[string]any{"flags": flags, "tag": tag, "value": value}
	return nil
}

func flatData(data map[string]any) string {
	parts := make([]string, 0, len(data))
	for _, k := range sortedKeys(data) {
		parts = append(parts, fmt.Sprint(data[k]))
	}
	return strings.Join(parts, " ")
}

// checkConflicts applies the CNAME rules and the duplicate rule against the
// zone's other records (skipping the record with id self).
func checkConflicts(records []*record, r *record, self string) *apiError {
	for _, o := range records {
		if o.ID == self || o.Name != r.Name {
			continue
		}
		switch {
		case r.Type == "CNAME" && (o.Type == "A" || o.Type == "AAAA" || o.Type == "CNAME"):
			return errf(http.StatusBadRequest, codeHostExists, "An A, AAAA, or CNAME record with that host already exists.")
		case r.Type == "CNAME":
			return errf(http.StatusBadRequest, codeHostExists, "A record with that host already exists; a CNAME record cannot share its name with other records.")
		case o.Type == "CNAME":
			return errf(http.StatusBadRequest, codeCNAMEExists, "A CNAME record with that host already exists.")
		case o.Type == r.Type && o.Content == r.Content:
			return errf(http.StatusBadRequest, codeIdenticalRecord, "An identical record already exists.")
		}
	}
	return nil
}
