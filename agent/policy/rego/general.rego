# Rules that hold for every kind of change: scope, shape, blast radius.
package driftdeck.defaults

# Every change needs one human approval; rules below ask for more.
approvals contains {"n": 1, "reason": "every change needs a human approval"}

deny contains "the proposal holds no changes" if count(input.changes) == 0

deny contains msg if {
	some i, c in input.changes
	not c.kind in known_kinds
	msg := sprintf("%s: unknown change kind", [label(i, c)])
}

deny contains msg if {
	some i, c in input.changes
	zone := object.get(c, "zone", "")
	zone != ""
	not in_scope(zone)
	msg := sprintf("%s: zone %s is outside the zones driftdeck may change", [label(i, c), zone])
}

# An account-level Worker routed onto a zone outside the scope.
deny contains msg if {
	some i, c in input.changes
	c.kind == "worker.deploy"
	pattern := str(after(c), "route_pattern")
	pattern != ""
	count(input.config.scope_zones) > 0
	host := route_host(pattern)
	not host_in_any_scope_zone(host)
	msg := sprintf("%s: route %s is outside the zones driftdeck may change", [label(i, c), pattern])
}

host_in_any_scope_zone(host) if {
	some z in input.config.scope_zones
	host_in_zone(host, z)
}

# Deletions and disables must say what they remove: the precondition check
# and these rules both need the current state.
deny contains msg if {
	some i, c in input.changes
	c.kind in {"dns.delete", "dns.update", "firewall.delete", "firewall.disable", "firewall.update"}
	before(c) == {}
	msg := sprintf("%s: the change does not carry the current state it replaces", [label(i, c)])
}

approvals contains {"n": 2, "reason": "destructive change"} if input.effect == "destructive"

approvals contains {"n": 2, "reason": "destructive change"} if {
	some c in input.changes
	c.kind in {"dns.delete", "firewall.delete"}
}

approvals contains {"n": 2, "reason": sprintf("bulk change: %d changes in one proposal (more than 5)", [count(input.changes)])} if {
	count(input.changes) > 5
}

# Worker code runs on live traffic and a script is account-wide, so a deploy
# on a production zone, or one not tied to a labelled zone, needs two.
approvals contains {"n": 2, "reason": sprintf("%s: Worker deploy on a production or account-wide scope", [label(i, c)])} if {
	some i, c in input.changes
	c.kind == "worker.deploy"
	is_production(object.get(c, "zone", ""))
}

approvals contains {"n": 2, "reason": sprintf("%s: purging the whole cache of a production zone", [label(i, c)])} if {
	some i, c in input.changes
	c.kind == "cache.purge"
	object.get(after(c), "everything", false) == true
	is_production(c.zone)
}
