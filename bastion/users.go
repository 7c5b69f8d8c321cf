// Package bastion is driftdeck's SSH front end: on-call engineers ssh into a
// bastion and each gets the console over one shared engine, with their own
// identity on every approval. It also receives Cloudflare notification
// webhooks.
package bastion

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	gossh "golang.org/x/crypto/ssh"
	"gopkg.in/yaml.v3"
)

// Role is what a user may do in the console.
type Role string

const (
	RoleApprover Role = "approver" // may approve, reject and propose
	RoleViewer   Role = "viewer"   // read-only console
)

// User is one person allowed on the bastion.
type User struct {
	Name string
	Role Role
	Keys []gossh.PublicKey
}

// Users is the users file: who may connect, with which keys, in which role.
type Users struct {
	list  []User
	byKey map[string]int // marshalled public key -> index in list
}

// LoadUsers reads and checks a users file.
func LoadUsers(path string) (*Users, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read users file %s: %w", path, err)
	}
	return ParseUsers(path, data)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// ParseUsers parses a users file; name is used in errors ("users.yaml:7: ...").
//
//	users:
//	  - name: alice
//	    role: approver
//	    keys: ["ssh-ed25519 AAAA... alice@laptop"]
func ParseUsers(name string, data []byte) (*Users, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := err.Error()
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			return nil, fmt.Errorf("users file %s:%s: %s", name, m[1], m[2])
		}
		return nil, fmt.Errorf("users file %s: %s", name, strings.TrimPrefix(msg, "yaml: "))
	}
	bad := func(n *yaml.Node, format string, args ...any) error {
		return fmt.Errorf("users file %s:%d: %s", name, n.Line, fmt.Sprintf(format, args...))
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("users file %s: the file is empty; it needs a users: list", name)
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, bad(root, "expected a mapping with a users: list")
	}
	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "users" {
			return nil, bad(k, "unknown key %q (only users: is allowed)", k.Value)
		}
		list = v
	}
	if list == nil || list.Kind != yaml.SequenceNode || len(list.Content) == 0 {
		n := root
		if list != nil {
			n = list
		}
		return nil, bad(n, "users: must be a non-empty list")
	}
	u := &Users{byKey: map[string]int{}}
	names := map[string]bool{}
	for _, item := range list.Content {
		user, err := parseUser(item, bad)
		if err != nil {
			return nil, err
		}
		if names[user.Name] {
			return nil, bad(item, "user %q appears twice", user.Name)
		}
		names[user.Name] = true
		for _, k := range user.Keys {
			id := string(k.Marshal())
			if j, dup := u.byKey[id]; dup {
				return nil, bad(item, "a key of %q is also a key of %q; a key must name one person", user.Name, u.list[j].Name)
			}
			u.byKey[id] = len(u.list)
		}
		u.list = append(u.list, user)
	}
	return u, nil
}

var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

func parseUser(item *yaml.Node, bad func(*yaml.Node, string, ...any) error) (User, error) {
	if item.Kind != yaml.MappingNode {
		return User{}, bad(item, "each user must be a mapping with name, role and keys")
	}
	var user User
	var keysNode *yaml.Node
	for i := 0; i+1 < len(item.Content); i += 2 {
		k, v := item.Content[i], item.Content[i+1]
		switch k.Value {
		case "name":
			if v.Kind != yaml.ScalarNode || !validName.MatchString(v.Value) {
				return User{}, bad(v, "name %q must be 1-64 letters, digits or . _ @ -", v.Value)
			}
			user.Name = v.Value
		case "role":
			switch Role(v.Value) {
			case RoleApprover, RoleViewer:
				user.Role = Role(v.Value)
			default:
				return User{}, bad(v, "role %q must be approver or viewer", v.Value)
			}
		case "keys":
			if v.Kind != yaml.SequenceNode {
				return User{}, bad(v, "keys must be a list of public keys")
			}
			keysNode = v
			for _, kn := range v.Content {
				if kn.Kind != yaml.ScalarNode {
					return User{}, bad(kn, "a key must be one line such as \"ssh-ed25519 AAAA... comment\"")
				}
				pk, _, _, _, err := gossh.ParseAuthorizedKey([]byte(kn.Value))
				if err != nil {
					return User{}, bad(kn, "not an SSH public key (%s)", err)
				}
				user.Keys = append(user.Keys, pk)
			}
		default:
			return User{}, bad(k, "unknown key %q (name, role and keys are allowed)", k.Value)
		}
	}
	switch {
	case user.Name == "":
		return User{}, bad(item, "a user has no name")
	case user.Role == "":
		return User{}, bad(item, "user %q has no role (approver or viewer)", user.Name)
	case len(user.Keys) == 0:
		n := item
		if keysNode != nil {
			n = keysNode
		}
		return User{}, bad(n, "user %q has no keys", user.Name)
	}
	return user, nil
}

// Match returns the user one of whose keys is key.
func (u *Users) Match(key gossh.PublicKey) (User, bool) {
	if u == nil || key == nil {
		return User{}, false
	}
	i, ok := u.byKey[string(key.Marshal())]
	if !ok {
		return User{}, false
	}
	return u.list[i], true
}

// Len is how many users the file names.
func (u *Users) Len() int { return len(u.list) }

// errNoUsers is returned when the server is built without a users file.
var errNoUsers = errors.New("no users: the bastion needs a users file")
