package cfsim

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// recordToJSON renders a record as the API does (dns-record-response).
func recordToJSON(r *record) map[string]any {
	out := map[string]any{
		"id": r.ID, "type": r.Type, "name": r.Name, "content": r.Content, "ttl": r.TTL,
		"proxied": r.Proxied, "proxiable": proxiable(r.Type), "comment": r.Comment, "tags": nonNil(r.Tags),
		"settings": map[string]any{}, "meta": map[string]any{},
		"created_on": ts(r.CreatedOn), "modified_on": ts(r.ModifiedOn),
	}
	if r.Priority != nil {
		out["priority"] = *r.Priority
	}
	if r.Data != nil {
		out["data"] = r.Data
	}
	if r.Comment != "" {
		out["comment_modified_on"] = ts(r.ModifiedOn)
	}
	if len(r.Tags) > 0 {
		out["tags_modified_on"] = ts(r.ModifiedOn)
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// stringFilter is one of the name/content/comment filters: exact,
// contains, startswith or endswith (case-insensitive, like Cloudflare's).
type stringFilter struct {
	op, value string
}

func (f stringFilter) match(v string) bool {
	v, want := strings.ToLower(v), strings.ToLower(f.value)
	switch f.op {
	case "contains":
		return strings.Contains(v, want)
	case "startswith":
		return strings.HasPrefix(v, want)
	case "endswith":
		return strings.HasSuffix(v, want)
	}
	return v == want
}

func (c *call) recordFilters() (map[string][]stringFilter, *apiError) {
	filters := map[string][]stringFilter{}
	for key, vals := range c.query {
		field, op, _ := strings.Cut(key, ".")
		if field != "name" && field != "content" && field != "comment" && field != "tag" {
			continue
		}
		switch op {
		case "", "exact":
			op = "exact"
		case "contains", "startswith", "endswith", "present", "absent":
		default:
			return nil, badParam(key, "one of "+field+", "+field+".exact, .contains, .startswith or .endswith")
		}
		for _, v := range vals {
			if field == "name" && op == "exact" {
				v = strings.TrimSuffix(v, ".")
			}
			filters[field] = append(filters[field], stringFilter{op: op, value: v})
		}
	}
	return filters, nil
}

func recordField(r *record, field string) []string {
	switch field {
	case "name":
		return []string{r.Name}
	case "content":
		return []string{r.Content}
	case "comment":
		return []string{r.Comment}
	}
	return r.Tags
}

func (s *Server) listRecords(c *call) (any, any, *apiError) {
	page, perPage, err := c.pageParams(100, 5000)
	if err != nil {
		return nil, nil, err
	}
	filters, err := c.recordFilters()
	if err != nil {
		return nil, nil, err
	}
	typ := strings.ToUpper(c.query.Get("type"))
	if typ != "" && !recordTypes[typ] {
		return nil, nil, badParam("type", "a DNS record type")
	}
	var proxied *bool
	if v := c.query.Get("proxied"); v != "" {
		b, perr := strconv.ParseBool(v)
		if perr != nil {
			return nil, nil, badParam("proxied", "true or false")
		}
		proxied = &b
	}
	matchAny := false
	switch c.query.Get("match") {
	case "", "all":
	case "any":
		matchAny = true
	default:
		return nil, nil, badParam("match", "any or all")
	}
	order, dir := c.query.Get("order"), c.query.Get("direction")
	if order == "" {
		order = "type"
	}
	if !map[string]bool{"type": true, "name": true, "content": true, "ttl": true, "proxied": true}[order] {
		return nil, nil, badParam("order", "type, name, content, ttl or proxied")
	}
	if dir != "" && dir != "asc" && dir != "desc" {
		return nil, nil, badParam("direction", "asc or desc")
	}
	search := strings.ToLower(c.query.Get("search"))

	var out []*record
	for _, r := range c.zone.Records {
		var conds []bool
		if typ != "" {
			conds = append(conds, r.Type == typ)
		}
		if proxied != nil {
			conds = append(conds, r.Proxied == *proxied)
		}
		for field, fs := range filters {
			for _, f := range fs {
				conds = append(conds, matchField(recordField(r, field), f))
			}
		}
		if !combine(conds, matchAny) {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(r.Name+" "+r.Content+" "+r.Comment), search) {
			continue
		}
		out = append(out, r)
	}
	sortRecords(out, order, dir == "desc")
	items, info := paginate(out, page, perPage)
	res := make([]map[string]any, 0, len(items))
	for _, r := range items {
		res = append(res, recordToJSON(r))
	}
	return res, info, nil
}

func matchField(values []string, f stringFilter) bool {
	switch f.op {
	case "present":
		return len(values) > 0 && values[0] != ""
	case "absent":
		return len(values) == 0 || values[0] == ""
	}
	for _, v := range values {
		if f.match(v) {
			return true
		}
	}
	return false
}

func combine(conds []bool, matchAny bool) bool {
	if len(conds) == 0 {
		return true
	}
	for _, c := range conds {
		if c == matchAny {
			return matchAny
		}
	}
	return !matchAny
}

func sortRecords(rs []*record, order string, desc bool) {
	key := func(r *record) string {
		switch order {
		case "name":
			return r.Name
		case "content":
			return r.Content
		case "ttl":
			return fmt.Sprintf("%08d", r.TTL)
		case "proxied":
			return strconv.FormatBool(r.Proxied)
		}
		return r.Type
	}
	sort.SliceStable(rs, func(i, j int) bool {
		ki, kj := key(rs[i]), key(rs[j])
		if ki != kj {
			return (ki < kj) != desc
		}
		if rs[i].Name != rs[j].Name {
			return rs[i].Name < rs[j].Name
		}
		return rs[i].ID < rs[j].ID
	})
}

func (s *Server) findRecord(c *call) (*record, *apiError) {
	r := c.zone.record(c.params["record_id"])
	if r == nil {
		return nil, errf(http.StatusNotFound, codeRecordNotFound, "Record does not exist.")
	}
	return r, nil
}

func (s *Server) getRecord(c *call) (any, any, *apiError) {
	r, err := s.findRecord(c)
	if err != nil {
		return nil, nil, err
	}
	return recordToJSON(r), nil, nil
}

func (s *Server) createRecordH(c *call) (any, any, *apiError) {
	var in recordInput
	if err := c.decodeBody(&in); err != nil {
		return nil, nil, err
	}
	r, err := s.st.createRecord(c.zone, in, c.actor())
	if err != nil {
		return nil, nil, err
	}
	return recordToJSON(r), nil, nil
}

func (s *Server) patchRecordH(c *call) (any, any, *apiError) { return s.updateRecordH(c, false) }
func (s *Server) putRecordH(c *call) (any, any, *apiError)   { return s.updateRecordH(c, true) }

func (s *Server) updateRecordH(c *call, replace bool) (any, any, *apiError) {
	if _, err := s.findRecord(c); err != nil {
		return nil, nil, err
	}
	var in recordInput
	if err := c.decodeBody(&in); err != nil {
		return nil, nil, err
	}
	r, err := s.st.updateRecord(c.zone, c.params["record_id"], in, replace, c.actor())
	if err != nil {
		return nil, nil, err
	}
	return recordToJSON(r), nil, nil
}

func (s *Server) deleteRecordH(c *call) (any, any, *apiError) {
	id := c.params["record_id"]
	if err := s.st.deleteRecord(c.zone, id, c.actor()); err != nil {
		return nil, nil, err
	}
	return map[string]any{"id": id}, nil, nil
}

// exportRecords writes the zone as a BIND zone file.
func (s *Server) exportRecords(c *call) {
	var b strings.Builder
	fmt.Fprintf(&b, ";;\n;; Domain:     %s.\n;; Exported:   %s\n;;\n", c.zone.Name, c.now.UTC().Format("2006-01-02 15:04:05"))
	fmt.Fprintf(&b, "$ORIGIN %s.\n@\t3600\tIN\tSOA\tada.ns.cloudflare.com. dns.cloudflare.com. 2050000000 10000 2400 604800 3600\n", c.zone.Name)
	rs := append([]*record(nil), c.zone.Records...)
	sortRecords(rs, "type", false)
	for _, r := range rs {
		content := r.Content
		switch r.Type {
		case "CNAME", "NS", "PTR", "MX":
			content += "."
		case "TXT":
			if !strings.HasPrefix(content, `"`) {
				content = strconv.Quote(content)
			}
		}
		if r.Priority != nil && (r.Type == "MX" || r.Type == "SRV" || r.Type == "URI") {
			content = strconv.Itoa(*r.Priority) + " " + content
		}
		line := fmt.Sprintf("%s.\t%d\tIN\t%s\t%s", r.Name, r.TTL, r.Type, content)
		if r.Proxied {
			line += " ; cf_tags=cf-proxied:true"
		}
		b.WriteString(line + "\n")
	}
	c.w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	c.w.WriteHeader(http.StatusOK)
	_, _ = c.w.Write([]byte(b.String()))
}
