# Protection rules: settings and WAF custom rules an attacker would switch off.
package driftdeck.defaults

# setting_ids are the ids a setting change names; both the target and the
# after document are checked so neither can hide the other.
setting_ids(c) := {lower(x) | some x in [object.get(c, "target", ""), str(after(c), "id")]; x != ""}

setting_value(c) := lower(v) if {
	v := object.get(after(c), "value", null)
	is_string(v)
} else := sprintf("%v", [object.get(after(c), "value", null)])

# Denied on every zone.
deny_everywhere := {"security_level": {"essentially_off", "off"}}

# Denied on production zones, two approvals elsewhere.
deny_on_production := {"waf": {"off"}, "ssl": {"off", "flexible"}}

# Weakening, two approvals on every zone.
weakening := {
	"security_level": {"low"},
	"always_use_https": {"off"},
	"min_tls_version": {"1.0", "1.1"},
	"browser_check": {"off"},
}

deny contains msg if {
	some i, c in input.changes
	c.kind == "setting.edit"
	some id in setting_ids(c)
	setting_value(c) in object.get(deny_everywhere, id, set())
	msg := sprintf("%s: setting %s to %s switches zone protection off", [label(i, c), id, setting_value(c)])
}

deny contains msg if {
	some i, c in input.changes
	c.kind == "setting.edit"
	some id in setting_ids(c)
	setting_value(c) in object.get(deny_on_production, id, set())
	is_production(object.get(c, "zone", ""))
	msg := sprintf("%s: setting %s to %s on a production zone is not allowed", [label(i, c), id, setting_value(c)])
}

approvals contains {"n": 2, "reason": sprintf("%s: weakens %s (%s)", [label(i, c), id, setting_value(c)])} if {
	some i, c in input.changes
	c.kind == "setting.edit"
	some id in setting_ids(c)
	setting_value(c) in object.get(object.union(weakening, deny_on_production), id, set())
}

# Protective actions: what a rule does that an attacker wants gone.
protective_actions := {"block", "managed_challenge", "challenge", "js_challenge"}

# Actions that exempt traffic from protections (allow-listing).
exempting_actions := {"skip", "allow", "bypass"}

# weakens_rule: the change stops an enabled protective rule from protecting:
# disabling or deleting it, or updating it to disabled or to a
# non-protective action.
weakens_rule(c) if {
	c.kind in {"firewall.disable", "firewall.delete"}
	is_protective(before(c))
}

weakens_rule(c) if {
	c.kind == "firewall.update"
	is_protective(before(c))
	not is_protective(after(c))
}

is_protective(r) if {
	lower(str(r, "action")) in protective_actions
	object.get(r, "enabled", true) == true
}

deny contains msg if {
	some i, c in input.changes
	weakens_rule(c)
	is_production(object.get(c, "zone", ""))
	msg := sprintf("%s: disables or removes a %s WAF rule on a production zone", [label(i, c), lower(str(before(c), "action"))])
}

approvals contains {"n": 2, "reason": sprintf("%s: disables or removes a protective WAF rule", [label(i, c)])} if {
	some i, c in input.changes
	weakens_rule(c)
}

approvals contains {"n": 2, "reason": sprintf("%s: rule action %s exempts traffic from protections", [label(i, c), lower(str(after(c), "action"))])} if {
	some i, c in input.changes
	c.kind in {"firewall.create", "firewall.update", "ratelimit.add"}
	lower(str(after(c), "action")) in exempting_actions
}

# A blocking rule that matches every request takes the site down.
matches_everything(expr) if regex.replace(lower(expr), `[\s()]`, "") in {"true", "notfalse"}

deny contains msg if {
	some i, c in input.changes
	c.kind in {"firewall.create", "firewall.update", "firewall.enable", "ratelimit.add"}
	rule := object.union(before(c), after(c))
	lower(str(rule, "action")) in protective_actions
	matches_everything(str(rule, "expression"))
	is_production(object.get(c, "zone", ""))
	msg := sprintf("%s: a %s rule matching every request would block all traffic of a production zone", [label(i, c), lower(str(rule, "action"))])
}

approvals contains {"n": 2, "reason": sprintf("%s: rule matches every request", [label(i, c)])} if {
	some i, c in input.changes
	c.kind in {"firewall.create", "firewall.update", "firewall.enable", "ratelimit.add"}
	matches_everything(str(object.union(before(c), after(c)), "expression"))
}
