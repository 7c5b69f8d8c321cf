# Helpers shared by the default rules. Package driftdeck.defaults is owned by
# driftdeck; user policies live in package driftdeck.policy and cannot
# change anything here.
package driftdeck.defaults

# label names a change in reasons: "change 2 (dns.delete example.com/rec-1)".
label(i, c) := sprintf("change %d (%s %s/%s)", [i + 1, c.kind, object.get(c, "zone", ""), object.get(c, "target", "")])

# before and after are the change's states, {} when absent or not an object.
before(c) := b if {
	b := object.get(c, "before", null)
	is_object(b)
} else := {}

after(c) := a if {
	a := object.get(c, "after", null)
	is_object(a)
} else := {}

# str is a field as a string, "" when absent or not a string.
str(obj, key) := s if {
	s := object.get(obj, key, "")
	is_string(s)
} else := ""

norm_host(h) := trim_suffix(lower(trim_space(h)), ".")

# A zone is production when the config lists it, when its environment says
# so, or when its environment is unknown: an unlabelled zone is treated as
# production (fail closed). Account-level changes (zone "") count as
# production too.
is_production(zone) if norm_host(zone) in {norm_host(z) | some z in input.config.production_zones}

is_production(zone) if lower(object.get(object.get(input.zones, zone, {}), "environment", "")) == "production"

is_production(zone) if not has_environment(zone)

has_environment(zone) if {
	env := object.get(object.get(input.zones, zone, {}), "environment", "")
	is_string(env)
	env != ""
}

# in_scope holds when no scope is configured or the zone is listed.
in_scope(zone) if count(input.config.scope_zones) == 0

in_scope(zone) if norm_host(zone) in {norm_host(z) | some z in input.config.scope_zones}

# host_in_zone: host is the zone apex or one of its subdomains.
host_in_zone(host, zone) if norm_host(host) == norm_host(zone)

host_in_zone(host, zone) if endswith(norm_host(host), concat("", [".", norm_host(zone)]))

# route_host is the host part of a Workers route pattern such as
# "*.example.com/api/*".
route_host(pattern) := h if {
	p := trim_prefix(trim_prefix(lower(pattern), "https://"), "http://")
	h := trim_left(split(p, "/")[0], "*.")
}

known_kinds := {
	"dns.create", "dns.update", "dns.delete", "setting.edit",
	"firewall.create", "firewall.update", "firewall.enable", "firewall.disable", "firewall.delete",
	"ratelimit.add", "cache.purge", "worker.deploy",
}

dns_kinds := {"dns.create", "dns.update", "dns.delete"}

rule_kinds := {"firewall.create", "firewall.update", "firewall.enable", "firewall.disable", "firewall.delete", "ratelimit.add"}
