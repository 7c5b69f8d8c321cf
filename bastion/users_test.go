package bastion

import (
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"
)

func newKey(t *testing.T) gossh.PublicKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func authorizedLine(k gossh.PublicKey) string {
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k))) + " someone@laptop"
}

func TestParseUsersMatchesKeysToNames(t *testing.T) {
	alice, alice2, bob, eve := newKey(t), newKey(t), newKey(t), newKey(t)
	doc := "users:\n" +
		"  - name: alice\n    role: approver\n    keys:\n      - \"" + authorizedLine(alice) + "\"\n      - \"" + authorizedLine(alice2) + "\"\n" +
		"  - name: bob\n    role: viewer\n    keys: [\"" + authorizedLine(bob) + "\"]\n"
	u, err := ParseUsers("users.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		key  gossh.PublicKey
		name string
		role Role
	}{{alice, "alice", RoleApprover}, {alice2, "alice", RoleApprover}, {bob, "bob", RoleViewer}} {
		got, ok := u.Match(c.key)
		if !ok || got.Name != c.name || got.Role != c.role {
			t.Fatalf("key of %s matched %+v, %v", c.name, got, ok)
		}
	}
	if got, ok := u.Match(eve); ok {
		t.Fatalf("an unknown key matched %s", got.Name)
	}
	if _, ok := u.Match(nil); ok {
		t.Fatal("no key matched a user")
	}
}

func TestParseUsersNamesTheBadLine(t *testing.T) {
	k := authorizedLine(newKey(t))
	cases := []struct{ name, doc, want string }{
		{"bad role", "users:\n  - name: alice\n    role: admin\n    keys: [\"" + k + "\"]\n", "users.yaml:3: role \"admin\""},
		{"bad key", "users:\n  - name: alice\n    role: viewer\n    keys:\n      - \"ssh-ed25519 notakey\"\n", "users.yaml:5: not an SSH public key"},
		{"no keys", "users:\n  - name: alice\n    role: viewer\n", "users.yaml:2: user \"alice\" has no keys"},
		{"unknown field", "users:\n  - name: alice\n    password: hunter2\n", "users.yaml:3: unknown key \"password\""},
		{"syntax", "users:\n  - name: alice\n    role: viewer: x\n", "users.yaml:3: mapping values"},
		{"duplicate key", "users:\n  - name: a\n    role: viewer\n    keys: [\"" + k + "\"]\n  - name: b\n    role: approver\n    keys: [\"" + k + "\"]\n", "users.yaml:5: a key of \"b\" is also a key of \"a\""},
		{"empty", "", "users.yaml: the file is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseUsers("users.yaml", []byte(c.doc))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is more than one line: %q", err)
			}
		})
	}
}

func TestHostKeyIsGeneratedOnceWithPrivateMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "host")
	first, err := LoadOrCreateHostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("host key mode %v, want 0600", st.Mode().Perm())
	}
	if first.PublicKey().Type() != gossh.KeyAlgoED25519 {
		t.Fatalf("host key type %s", first.PublicKey().Type())
	}
	second, err := LoadOrCreateHostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.EqualFold(gossh.FingerprintSHA256(first.PublicKey()), gossh.FingerprintSHA256(second.PublicKey())) {
		t.Fatal("a second start replaced the host key")
	}
}
