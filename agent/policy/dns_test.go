package policy

import (
	"testing"

	"github.com/driftdeck/driftdeck/agent/infra"
)

func TestDNSRules(t *testing.T) {
	e := newEngine(t, "")
	apexA := rec("A", "example.com", "192.0.2.1")
	www := rec("A", "www.example.com", "192.0.2.1")
	proxied := www
	proxied.Proxied = true
	unproxied := www
	unproxied.Proxied = false
	longerTTL := www
	longerTTL.TTL = 3600
	cidrs := Config{AllowedCIDRs: []string{"192.0.2.0/24", "2001:db8::/32", "198.51.100.7"}}
	hosts := Config{AllowedHostnames: []string{".cdn.example.com", "mail.example.org."}}

	cases := []struct {
		name string
		in   Input
		want expect
	}{
		{"NS delete on staging", input(EffectDestructive, change(infra.DNSDelete, "example.net", "r1", rec("NS", "sub.example.net", "ns1.other.net"), nil)), expect{Deny, 0, "NS record"}},
		{"NS delete on production", input(EffectDestructive, change(infra.DNSDelete, "example.com", "r1", rec("NS", "example.com", "ns1.example.com"), nil)), expect{Deny, 0, "NS record"}},
		{"apex A delete", input(EffectDestructive, change(infra.DNSDelete, "example.com", "r1", apexA, nil)), expect{Deny, 0, "zone apex A"}},
		{"apex CNAME delete on staging", input(EffectDestructive, change(infra.DNSDelete, "example.net", "r1", rec("CNAME", "Example.NET.", "lb.example.net"), nil)), expect{Deny, 0, "zone apex CNAME"}},
		{"apex written as @", input(EffectDestructive, change(infra.DNSDelete, "example.net", "r1", rec("AAAA", "@", "2001:db8::1"), nil)), expect{Deny, 0, "zone apex"}},
		{"non-apex delete is destructive", input(EffectDestructive, change(infra.DNSDelete, "example.com", "r1", www, nil)), expect{RequireApprovals, 2, "destructive change"}},
		{"apex MX delete is only destructive", input(EffectDestructive, change(infra.DNSDelete, "example.com", "r1", rec("MX", "example.com", "mx.example.com"), nil)), expect{RequireApprovals, 2, "destructive"}},
		{"delete without before", input(EffectDestructive, change(infra.DNSDelete, "example.net", "r1", nil, nil)), expect{Deny, 0, "current state"}},
		{"new target on staging", input(EffectWrite, change(infra.DNSCreate, "example.net", "", nil, rec("A", "www.example.net", "203.0.113.66"))), expect{Allow, 1, ""}},
		{"new target on production, no list", input(EffectWrite, change(infra.DNSCreate, "example.com", "", nil, rec("A", "www.example.com", "203.0.113.66"))), expect{RequireApprovals, 2, "no allow-list configured"}},
		{"unlabelled zone counts as production", input(EffectWrite, change(infra.DNSCreate, "other.io", "", nil, rec("A", "www.other.io", "203.0.113.66"))), expect{RequireApprovals, 2, "production"}},
		{"configured production zone", withConfig(input(EffectWrite, change(infra.DNSCreate, "example.net", "", nil, rec("A", "a.example.net", "203.0.113.66"))), Config{ProductionZones: []string{"EXAMPLE.NET"}}), expect{RequireApprovals, 2, "production"}},
		{"A inside allowed CIDR on production", withConfig(input(EffectWrite, change(infra.DNSCreate, "example.com", "", nil, rec("A", "a.example.com", "192.0.2.77"))), cidrs), expect{Allow, 1, ""}},
		{"A equal to an allowed bare IP", withConfig(input(EffectWrite, change(infra.DNSCreate, "example.com", "", nil, rec("A", "a.example.com", "198.51.100.7"))), cidrs), expect{Allow, 1, ""}},
		{"A outside allowed CIDRs on staging", withConfig(input(EffectWrite, change(infra.DNSCreate, "example.net", "", nil, rec("A", "a.example.net", "203.0.113.66"))), cidrs), expect{RequireApprovals, 2, "outside the allowed CIDRs"}},
		{"AAAA inside allowed CIDR", withConfig(input(EffectWrite, change(infra.DNSCreate, "example.com", "", nil, rec("AAAA", "a.example.com", "2001:db8::5"))), cidrs), expect{Allow, 1, ""}},
		{"AAAA against an IPv4-only list", withConfig(input(EffectWrite, change(infra.DNSCreate, "example.net", "", nil, rec("AAAA", "a.example.net", "2001:db8::5"))), Config{AllowedCIDRs: []string{"192.0.2.0/24"}}), expect{RequireApprovals, 2, "outside the allowed CIDRs"}},
		{"A content that is not an IP", withConfig(input(EffectWrite, change(infra.DNSCreate, "example.net", "", nil, rec("A", "a.example.net", "evil.test"))), cidrs), expect{RequireApprovals, 2, "outside"}},
		{"CNAME inside suffix entry", withConfig(input(EffectWrite, change(infra.DNSCreate, "example.com", "", nil, rec("CNAME", "img.example.com", "eu.cdn.example.com."))), hosts), expect{Allow, 1, ""}},
		{"suffix entry does not match look-alike", withConfig(input(EffectWrite, change(infra.DNSCreate, "example.net", "", nil, rec("CNAME", "img.example.net", "evilcdn.example.com"))), hosts), expect{RequireApprovals, 2, "outside the allowed hostnames"}},
		{"exact entry matches itself and subdomains", withConfig(input(EffectWrite, change(infra.DNSCreate, "example.com", "", nil, rec("MX", "example.com", "eu.mail.example.org"))), hosts), expect{Allow, 1, ""}},
		{"MX outside the list", withConfig(input(EffectWrite, change(infra.DNSCreate, "example.net", "", nil, rec("MX", "example.net", "mx.attacker.test"))), hosts), expect{RequireApprovals, 2, "MX target"}},
		{"TTL-only update on production", input(EffectWrite, change(infra.DNSUpdate, "example.com", "r1", www, longerTTL)), expect{Allow, 1, ""}},
		{"content update on production", input(EffectWrite, change(infra.DNSUpdate, "example.com", "r1", www, rec("A", "www.example.com", "203.0.113.66"))), expect{RequireApprovals, 2, "new A target"}},
		{"proxy off on production", input(EffectWrite, change(infra.DNSUpdate, "example.com", "r1", proxied, unproxied)), expect{RequireApprovals, 2, "proxy off"}},
		{"proxy off on staging", input(EffectWrite, change(infra.DNSUpdate, "example.net", "r1", proxied, unproxied)), expect{Allow, 1, ""}},
		{"NS create", input(EffectWrite, change(infra.DNSCreate, "example.net", "", nil, rec("NS", "sub.example.net", "ns.other.test"))), expect{RequireApprovals, 2, "delegation"}},
		{"plain TXT on production", input(EffectWrite, change(infra.DNSCreate, "example.com", "", nil, rec("TXT", "example.com", "v=spf1 include:_spf.example.com ~all"))), expect{Allow, 1, ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { check(t, e, tc.in, tc.want) })
	}
}
