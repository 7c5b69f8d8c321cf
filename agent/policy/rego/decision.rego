# The decision: combines the default rules (package driftdeck.defaults) with
# user rules (package driftdeck.policy). Any deny wins; otherwise the
# approvals required are the largest any rule asks for, at least one.
package driftdeck.decision

deny_rules contains r if some r in data.driftdeck.defaults.deny

deny_rules contains r if some r in data.driftdeck.policy.deny

approval_rules contains a if some a in data.driftdeck.defaults.approvals

approval_rules contains a if some a in data.driftdeck.policy.approvals

# A malformed approvals entry from a user policy is a deny, not a silent skip.
well_formed(a) if {
	is_object(a)
	is_number(a.n)
	a.n >= 1
	is_string(a.reason)
}

deny_reasons contains as_text(r) if some r in deny_rules

deny_reasons contains sprintf("malformed approvals entry %v: want {\"n\": number >= 1, \"reason\": string}", [a]) if {
	some a in approval_rules
	not well_formed(a)
}

as_text(r) := r if is_string(r)

else := sprintf("%v", [r])

approvals_required := max({1} | {ceil(a.n) | some a in approval_rules; well_formed(a)})

approval_reasons contains a.reason if {
	some a in approval_rules
	well_formed(a)
	a.n > 1
}

decision := "deny" if count(deny_reasons) > 0
else := "require_approvals" if approvals_required > 1
else := "allow"

result := {
	"decision": decision,
	"approvals_required": required_for(decision),
	"reasons": array.concat(sort(deny_reasons), sort(approval_reasons)),
}

# A denied proposal cannot be approved at all.
required_for("deny") := 0

required_for(d) := approvals_required if d != "deny"
