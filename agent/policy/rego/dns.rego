# DNS rules: keep delegation and the apex alive, and make new targets visible.
package driftdeck.defaults

deny contains msg if {
	some i, c in input.changes
	c.kind == "dns.delete"
	upper(str(before(c), "type")) == "NS"
	msg := sprintf("%s: deleting an NS record is not allowed (it breaks delegation)", [label(i, c)])
}

apex_types := {"A", "AAAA", "CNAME"}

deny contains msg if {
	some i, c in input.changes
	c.kind == "dns.delete"
	b := before(c)
	upper(str(b, "type")) in apex_types
	is_apex(str(b, "name"), object.get(c, "zone", ""))
	msg := sprintf("%s: deleting the zone apex %s record is not allowed (it takes the site down)", [label(i, c), upper(b.type)])
}

is_apex(name, _) if name == "@"

is_apex(name, zone) if {
	zone != ""
	norm_host(name) == norm_host(zone)
}

# Changing delegation is rare and high impact.
approvals contains {"n": 2, "reason": sprintf("%s: NS record change (delegation)", [label(i, c)])} if {
	some i, c in input.changes
	c.kind in {"dns.create", "dns.update"}
	upper(str(after(c), "type")) == "NS"
}

# new_target is the record a change points somewhere new: every creation,
# and updates whose type or content changes.
new_target(c) := after(c) if c.kind == "dns.create"

new_target(c) := after(c) if {
	c.kind == "dns.update"
	target_changed(before(c), after(c))
}

target_changed(b, a) if str(b, "content") != str(a, "content")

target_changed(b, a) if upper(str(b, "type")) != upper(str(a, "type"))

ip_types := {"A", "AAAA"}

host_types := {"CNAME", "MX"}

# With an allow-list configured, a target outside it needs two approvals on
# every zone. Without one ("no list configured"), every new target on a
# production zone needs two.
approvals contains {"n": 2, "reason": sprintf("%s: %s target %s is outside the allowed %s", [label(i, c), t, content, what])} if {
	some i, c in input.changes
	rec := new_target(c)
	t := upper(str(rec, "type"))
	content := str(rec, "content")
	some what in outside_allow_list(t, content)
}

approvals contains {"n": 2, "reason": sprintf("%s: new %s target %s on a production zone (no allow-list configured)", [label(i, c), t, content])} if {
	some i, c in input.changes
	rec := new_target(c)
	t := upper(str(rec, "type"))
	content := str(rec, "content")
	no_allow_list(t)
	is_production(object.get(c, "zone", ""))
}

outside_allow_list(t, content) := {"CIDRs"} if {
	t in ip_types
	count(input.config.allowed_cidrs) > 0
	not ip_allowed(content)
} else := {"hostnames"} if {
	t in host_types
	count(input.config.allowed_hostnames) > 0
	not hostname_allowed(content)
} else := set()

no_allow_list(t) if {
	t in ip_types
	count(input.config.allowed_cidrs) == 0
}

no_allow_list(t) if {
	t in host_types
	count(input.config.allowed_hostnames) == 0
}

# ip_allowed: content is an IP address inside an allowed CIDR. The engine
# normalises the list to valid CIDRs; content that is not an IP is outside.
ip_allowed(ip) if {
	is_ip(ip)
	some cidr in input.config.allowed_cidrs
	net.cidr_contains(cidr, ip)
}

is_ip(s) if {
	not contains(s, "/")
	net.cidr_is_valid(concat("/", [s, "32"]))
}

is_ip(s) if {
	contains(s, ":")
	not contains(s, "/")
	net.cidr_is_valid(concat("/", [s, "128"]))
}

# hostname_allowed: an entry ".example.com" matches subdomains only; an
# entry "example.com" matches the name itself and its subdomains.
hostname_allowed(host) if {
	some entry in input.config.allowed_hostnames
	startswith(entry, ".")
	endswith(norm_host(host), norm_host(entry))
}

hostname_allowed(host) if {
	some entry in input.config.allowed_hostnames
	not startswith(entry, ".")
	host_in_zone(host, entry)
}

# Turning the proxy off publishes the origin address.
approvals contains {"n": 2, "reason": sprintf("%s: turns the Cloudflare proxy off on a production zone (exposes the origin)", [label(i, c)])} if {
	some i, c in input.changes
	c.kind == "dns.update"
	object.get(before(c), "proxied", false) == true
	object.get(after(c), "proxied", false) == false
	is_production(object.get(c, "zone", ""))
}
