# Example user policy: a change freeze on production and a naming rule.
package driftdeck.policy

# No changes on production zones during the freeze.
deny contains sprintf("change freeze: %s is frozen until 2026-04-01", [c.zone]) if {
	some c in input.changes
	c.zone in input.config.production_zones
}

# Anything touching the api.* hosts needs three approvals.
approvals contains {"n": 3, "reason": "api hosts are owned by the platform team"} if {
	some c in input.changes
	startswith(object.get(c.after, "name", ""), "api.")
}
