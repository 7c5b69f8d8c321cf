package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/driftdeck/driftdeck/agent/infra"
	"github.com/driftdeck/driftdeck/agent/proposal"
)

type dnsRecordArg struct {
	Type     string  `json:"type"`
	Name     string  `json:"name"`
	Content  *string `json:"content"`
	TTL      *int    `json:"ttl"`
	Proxied  *bool   `json:"proxied"`
	Comment  *string `json:"comment"`
	Priority *int    `json:"priority"`
}

type changeDNSArgs struct {
	Zone      string        `json:"zone"`
	Action    string        `json:"action"`
	RecordID  string        `json:"record_id"`
	Record    *dnsRecordArg `json:"record"`
	Rationale string        `json:"rationale"`
}

func changeDNSRecordTool() *Tool {
	return &Tool{
		Name: "change_dns_record",
		Description: "Propose creating, updating or deleting one DNS record. This does NOT change anything: it creates a proposal card that a human must approve. " +
			"For update and delete pass record_id from list_dns_records; for update, record holds only the fields to change. " +
			"Names may be relative (www) or full (www.example.com). ttl is 1 (automatic) or 60-86400 seconds.",
		Parameters: object([]string{"zone", "action"}, map[string]*Schema{
			"zone":      zoneArg(),
			"action":    enum("create, update or delete (delete is destructive).", "create", "update", "delete"),
			"record_id": pattern("The record's id (update, delete).", 64, `^[A-Za-z0-9_-]+$`),
			"record": object(nil, map[string]*Schema{
				"type":     enum("Record type.", dnsTypes...),
				"name":     pattern("Record name, relative to the zone or fully qualified; @ is the zone apex.", 253, `^[A-Za-z0-9*@_.-]+$`),
				"content":  str("Record content: an IPv4 address for A, IPv6 for AAAA, a hostname for CNAME/MX/NS, text for TXT.", 2048),
				"ttl":      integer("TTL in seconds: 1 means automatic, otherwise 60-86400.", 1, 86400),
				"proxied":  boolean("Whether Cloudflare proxies the traffic (A, AAAA and CNAME only)."),
				"comment":  str("A note kept with the record.", 100),
				"priority": integer("Priority, required for MX.", 0, 65535),
			}),
			"rationale": rationaleArg(),
		}),
		Effect:             EffectWrite,
		DestructiveActions: []string{"delete"},
		run:                runChangeDNS,
	}
}

func runChangeDNS(ctx context.Context, c *Catalog, raw json.RawMessage) (Result, error) {
	a, err := argsOf[changeDNSArgs](raw)
	if err != nil {
		return Result{}, err
	}
	if a.Action != "create" && a.RecordID == "" {
		return Result{}, refusef("argument `record_id` is required to %s a record; call list_dns_records to find it", a.Action)
	}
	if a.Action != "delete" && a.Record == nil {
		return Result{}, refusef("argument `record` is required to %s a record", a.Action)
	}
	z, err := c.zoneState(ctx, a.Zone, infra.ResDNSRecords)
	if err != nil {
		return Result{}, err
	}
	if err := mustComplete(z.RecordsFetch, "DNS records", z.Name); err != nil {
		return Result{}, err
	}
	var current *infra.DNSRecord
	if a.Action != "create" {
		for i := range z.Records {
			if z.Records[i].ID == a.RecordID {
				current = &z.Records[i]
			}
		}
		if current == nil {
			return Result{}, refusef("zone %s has no DNS record with id %q; call list_dns_records to find the id", z.Name, a.RecordID)
		}
	}
	change := infra.Change{Zone: z.Name}
	var title string
	risk := proposal.RiskMedium
	switch a.Action {
	case "create":
		rec, err := buildRecord(z.Name, infra.DNSRecord{TTL: 1}, a.Record, true)
		if err != nil {
			return Result{}, err
		}
		for _, r := range z.Records {
			if len(proposal.DiffDNS(rec, r)) == 0 {
				return Result{}, refusef("an identical record already exists (id %s); nothing to propose", r.ID)
			}
		}
		change.Kind, change.Target, change.After = infra.DNSCreate, rec.Name, encode(rec)
		title, risk = fmt.Sprintf("Create DNS %s %s -> %s", rec.Type, rec.Name, rec.Content), proposal.RiskLow
	case "update":
		rec, err := buildRecord(z.Name, *current, a.Record, false)
		if err != nil {
			return Result{}, err
		}
		diff := fieldChanges(*current, rec)
		if len(diff) == 0 {
			return Result{}, refusef("record %s already has these values; nothing to propose", current.ID)
		}
		change.Kind, change.Target, change.Before, change.After = infra.DNSUpdate, current.ID, encode(*current), encode(rec)
		title = fmt.Sprintf("Update DNS %s %s: %s", rec.Type, rec.Name, strings.Join(diff, ", "))
		if current.Proxied && !rec.Proxied {
			risk = proposal.RiskHigh // un-proxying exposes the origin address
		}
	case "delete":
		change.Kind, change.Target, change.Before = infra.DNSDelete, current.ID, encode(*current)
		title, risk = fmt.Sprintf("Delete DNS %s %s (%s)", current.Type, current.Name, current.Content), proposal.RiskHigh
	}
	effect := EffectWrite
	if a.Action == "delete" {
		effect = EffectDestructive
	}
	return c.propose(ctx, "change_dns_record", effect, risk, title, a.Rationale, []infra.Change{change})
}

// buildRecord overlays the given fields on base and checks the result.
func buildRecord(zone string, base infra.DNSRecord, f *dnsRecordArg, create bool) (infra.DNSRecord, error) {
	r := base
	if create && (f.Type == "" || f.Name == "" || f.Content == nil) {
		return r, refusef("to create a record, `record` needs type, name and content")
	}
	if f.Type != "" {
		r.Type = f.Type
	}
	if f.Name != "" {
		r.Name = fqdn(f.Name, zone)
	}
	if f.Content != nil {
		r.Content = strings.TrimSpace(*f.Content)
	}
	if f.TTL != nil {
		r.TTL = *f.TTL
	}
	if f.Proxied != nil {
		r.Proxied = *f.Proxied
	}
	if f.Comment != nil {
		r.Comment = *f.Comment
	}
	if f.Priority != nil {
		r.Priority = f.Priority
	}
	r.ID = base.ID
	if r.TTL != 1 && (r.TTL < 60 || r.TTL > 86400) {
		return r, refusef("argument `record.ttl`: must be 1 (automatic) or 60-86400, got %d", r.TTL)
	}
	switch r.Type {
	case "A", "AAAA", "CNAME":
	default:
		if r.Proxied {
			return r, refusef("argument `record.proxied`: only A, AAAA and CNAME records can be proxied")
		}
	}
	if r.Content == "" {
		return r, refusef("argument `record.content`: must not be empty")
	}
	switch r.Type {
	case "A":
		if ip, err := netip.ParseAddr(r.Content); err != nil || !ip.Is4() {
			return r, refusef("argument `record.content`: an A record needs an IPv4 address, got %q", clip(r.Content, 60))
		}
	case "AAAA":
		if ip, err := netip.ParseAddr(r.Content); err != nil || !ip.Is6() || ip.Is4In6() {
			return r, refusef("argument `record.content`: an AAAA record needs an IPv6 address, got %q", clip(r.Content, 60))
		}
	case "MX":
		if r.Priority == nil {
			return r, refusef("argument `record.priority`: an MX record needs a priority")
		}
	}
	return r, nil
}

// fqdn makes a record name fully qualified in zone, the way Cloudflare reads it.
func fqdn(name, zone string) string {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	zone = strings.ToLower(zone)
	switch {
	case name == "@" || name == zone:
		return zone
	case strings.HasSuffix(name, "."+zone):
		return name
	}
	return name + "." + zone
}

// fieldChanges describes what an update changes: "content 192.0.2.1 -> 192.0.2.2".
func fieldChanges(old, new infra.DNSRecord) []string {
	var d []string
	add := func(f, a, b string) {
		if a != b {
			d = append(d, fmt.Sprintf("%s %s -> %s", f, a, b))
		}
	}
	add("type", old.Type, new.Type)
	add("name", old.Name, new.Name)
	add("content", old.Content, new.Content)
	add("ttl", strconv.Itoa(old.TTL), strconv.Itoa(new.TTL))
	add("proxied", strconv.FormatBool(old.Proxied), strconv.FormatBool(new.Proxied))
	add("priority", intText(old.Priority), intText(new.Priority))
	add("comment", strconv.Quote(old.Comment), strconv.Quote(new.Comment))
	return d
}

func intText(p *int) string {
	if p == nil {
		return "unset"
	}
	return strconv.Itoa(*p)
}
