# Secrets must never be published: DNS records are world-readable, rule
# descriptions and Worker code are visible to every account member.
package driftdeck.defaults

# Patterns that are secrets wherever they appear.
strong_patterns := {
	"private key": `-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----`,
	"AWS access key id": `\b(AKIA|ASIA)[0-9A-Z]{16}\b`,
	"GitHub token": `\bgh[pousr]_[A-Za-z0-9]{36,}\b`,
	"Slack token": `\bxox[abprs]-[A-Za-z0-9-]{10,}`,
}

# "api_key=..." style assignments in free text (record content, comments,
# rule descriptions).
text_assignment := `(?i)(api[_-]?key|api[_-]?token|access[_-]?token|secret[_-]?key|client[_-]?secret|password|passwd)["']?\s*[:=]\s*["']?[A-Za-z0-9_\-+/]{8,}`

# In code only a quoted literal counts: `apiKey = env.API_KEY` is how a
# Worker should read a secret.
code_assignment := `(?i)(api[_-]?key|api[_-]?token|access[_-]?token|secret[_-]?key|client[_-]?secret|password|passwd)["']?\s*[:=]\s*["'][^"'\s]{8,}["']`

# A Cloudflare API token is 40 characters of [A-Za-z0-9_-]. A standalone run
# of exactly 40 such characters with upper case, lower case and digits is
# treated as one (hex digests, being lower case, are not).
cf_token_like(s) if {
	some run in regex.find_n(`[A-Za-z0-9_-]+`, s, -1)
	token_shaped(run)
}

cf_token_in_code(s) if {
	some lit in regex.find_n("[\"'`][A-Za-z0-9_-]{40}[\"'`]", s, -1)
	token_shaped(substring(lit, 1, 40))
}

token_shaped(run) if {
	count(run) == 40
	regex.match(`[A-Z]`, run)
	regex.match(`[a-z]`, run)
	regex.match(`[0-9]`, run)
}

# secret_kinds are the kinds of secret s looks like, read as class: "text"
# (record content, comments, tags, descriptions), "code" (Worker source) or
# anything else (only the strong patterns apply).
secret_kinds(class, s) := {name | some name, pattern in strong_patterns; regex.match(pattern, s)} | class_kinds(class, s)

class_kinds("text", s) := {k | some k in ["credential assignment"]; regex.match(text_assignment, s)} | {k | some k in ["Cloudflare API token"]; cf_token_like(s)}

class_kinds("code", s) := {k | some k in ["credential assignment"]; regex.match(code_assignment, s)} | {k | some k in ["Cloudflare API token"]; cf_token_in_code(s)}

class_kinds(class, _) := set() if not class in {"text", "code"}

field_name(path) := "tags" if {
	count(path) > 1
	path[count(path) - 2] == "tags"
} else := sprintf("%v", [path[count(path) - 1]])

field_class(field) := "text" if field in {"content", "comment", "tags", "description"}
else := "code" if field == "source"
else := "other"

# The reason names the field and the kind of secret, never the value.
deny contains msg if {
	some i, c in input.changes
	walk(after(c), [path, s])
	is_string(s)
	count(path) > 0
	field := field_name(path)
	some kind in secret_kinds(field_class(field), s)
	msg := sprintf("%s: %s looks like it contains a secret (%s); secrets must never be published", [label(i, c), field, kind])
}
