# Rego unit tests for the default bundle; run by `go test` (rego_test.go)
# and by `opa test agent/policy/rego`.
package driftdeck.decision_test

base := {
	"phase": "propose",
	"effect": "write",
	"tool": "change_dns_record",
	"changes": [],
	"zones": {
		"example.com": {"environment": "production"},
		"example.net": {"environment": "staging"},
	},
	"config": {"scope_zones": [], "production_zones": [], "allowed_cidrs": [], "allowed_hostnames": []},
	"actor": "alice",
}

with_changes(cs) := object.union(base, {"changes": cs})

a_record(name, content) := {"type": "A", "name": name, "content": content, "ttl": 1, "proxied": true}

test_staging_record_needs_one_approval if {
	r := data.driftdeck.decision.result with input as with_changes([{
		"kind": "dns.create", "zone": "example.net", "target": "",
		"after": a_record("www.example.net", "203.0.113.66"),
	}])
	r.decision == "allow"
	r.approvals_required == 1
	r.reasons == []
}

test_new_target_on_production_needs_two if {
	r := data.driftdeck.decision.result with input as with_changes([{
		"kind": "dns.create", "zone": "example.com", "target": "",
		"after": a_record("www.example.com", "203.0.113.66"),
	}])
	r.decision == "require_approvals"
	r.approvals_required == 2
}

test_allowed_cidr_needs_one if {
	doc := object.union(with_changes([{
		"kind": "dns.create", "zone": "example.com", "target": "",
		"after": a_record("www.example.com", "192.0.2.10"),
	}]), {"config": {"scope_zones": [], "production_zones": [], "allowed_cidrs": ["192.0.2.0/24"], "allowed_hostnames": []}})
	r := data.driftdeck.decision.result with input as doc
	r.decision == "allow"
}

test_ns_delete_denied if {
	r := data.driftdeck.decision.result with input as object.union(with_changes([{
		"kind": "dns.delete", "zone": "example.net", "target": "rec-ns",
		"before": {"type": "NS", "name": "example.net", "content": "ns1.example.net"},
	}]), {"effect": "destructive"})
	r.decision == "deny"
	r.approvals_required == 0
	some reason in r.reasons
	contains(reason, "NS record")
}

test_unlabelled_zone_is_production if {
	r := data.driftdeck.decision.result with input as with_changes([{
		"kind": "setting.edit", "zone": "unknown.example", "target": "ssl",
		"after": {"id": "ssl", "value": "flexible"},
	}])
	r.decision == "deny"
}

test_deny_wins_and_reasons_accumulate if {
	r := data.driftdeck.decision.result with input as object.union(with_changes([
		{"kind": "setting.edit", "zone": "example.com", "target": "security_level", "after": {"id": "security_level", "value": "essentially_off"}},
		{"kind": "cache.purge", "zone": "example.com", "target": "cache", "after": {"everything": true}},
	]), {"effect": "write"})
	r.decision == "deny"
	count(r.reasons) == 2
	startswith(r.reasons[0], "change 1 (setting.edit")
	contains(r.reasons[1], "purging the whole cache")
}

test_secret_in_txt_denied_without_echoing_it if {
	token := "Zx9_kQ2-vL7mN4pR8sT1uW3yA5bC6dE0fG2hJ4kL"
	r := data.driftdeck.decision.result with input as with_changes([{
		"kind": "dns.create", "zone": "example.net", "target": "",
		"after": {"type": "TXT", "name": "_debug.example.net", "content": token, "ttl": 1},
	}])
	r.decision == "deny"
	every reason in r.reasons {
		not contains(reason, token)
	}
}

test_user_rules_merge if {
	r := data.driftdeck.decision.result with input as with_changes([{
		"kind": "dns.create", "zone": "example.net", "target": "",
		"after": a_record("www.example.net", "203.0.113.66"),
	}])
		with data.driftdeck.policy.approvals as {{"n": 3, "reason": "change freeze"}}
	r.decision == "require_approvals"
	r.approvals_required == 3
	r.reasons == ["change freeze"]
}

test_malformed_user_approval_denies if {
	r := data.driftdeck.decision.result with input as with_changes([{
		"kind": "dns.create", "zone": "example.net", "target": "",
		"after": a_record("www.example.net", "203.0.113.66"),
	}])
		with data.driftdeck.policy.approvals as {{"n": "two"}}
	r.decision == "deny"
}
