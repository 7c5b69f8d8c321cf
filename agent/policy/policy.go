// Package policy is driftdeck's guardrails as code: a default Rego bundle
// embedded in the binary plus the operator's own policies, evaluated with
// OPA when a proposal is made and again right before it executes.
//
// See README.md for the input document, the output contract a user policy
// writes to, and every default rule.
package policy

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/driftdeck/driftdeck/agent/infra"
)

//go:embed rego/*.rego
var bundleFS embed.FS

// Decisions.
const (
	Allow            = "allow"
	RequireApprovals = "require_approvals"
	Deny             = "deny"
)

// Phases and effects the input may carry.
const (
	PhasePropose = "propose"
	PhaseExecute = "execute"

	EffectWrite       = "write"
	EffectDestructive = "destructive"
)

// userPackage is the package user policies write to.
const userPackage = "driftdeck.policy"

const resultQuery = "data.driftdeck.decision.result"

// Config is the operator's policy configuration, passed in every input.
type Config struct {
	ScopeZones       []string `json:"scope_zones"`       // zones driftdeck may change; empty = all
	ProductionZones  []string `json:"production_zones"`  // production in addition to zones labelled so
	AllowedCIDRs     []string `json:"allowed_cidrs"`     // A/AAAA targets inside need no extra approval
	AllowedHostnames []string `json:"allowed_hostnames"` // CNAME/MX targets: "example.com" or ".example.com"
}

// ZoneInfo is what the policy knows about a zone.
type ZoneInfo struct {
	Environment string `json:"environment"` // production, staging, ...; empty = unknown (treated as production)
}

// Input is the document Rego sees as input.
type Input struct {
	Phase   string              `json:"phase"`  // "propose" | "execute"
	Effect  string              `json:"effect"` // "write" | "destructive"
	Tool    string              `json:"tool"`
	Changes []infra.Change      `json:"changes"` // before/after are JSON objects in Rego
	Zones   map[string]ZoneInfo `json:"zones"`   // zone name -> info
	Config  Config              `json:"config"`
	Actor   string              `json:"actor"`
}

// Decision is the policy's verdict on a proposal.
type Decision struct {
	Decision          string   `json:"decision"`           // allow | require_approvals | deny
	ApprovalsRequired int      `json:"approvals_required"` // >= 1 unless denied (then 0)
	Reasons           []string `json:"reasons"`
}

// Engine evaluates proposals against the prepared policy.
type Engine struct {
	query rego.PreparedEvalQuery
	files []string
}

// New compiles the default bundle and every .rego file under userDir (none
// when userDir is empty) and prepares the query once. Files ending in
// _test.rego are Rego unit tests and are not loaded.
func New(ctx context.Context, userDir string) (*Engine, error) {
	modules, err := defaultModules()
	if err != nil {
		return nil, err
	}
	if userDir != "" {
		user, err := loadUserModules(userDir)
		if err != nil {
			return nil, err
		}
		modules = append(modules, user...)
	}
	opts := []func(*rego.Rego){
		rego.Query(resultQuery),
		rego.SetRegoVersion(ast.RegoV1),
		// A rule that errors must fail the evaluation (and so deny), not
		// quietly not fire.
		rego.StrictBuiltinErrors(true),
	}
	files := make([]string, 0, len(modules))
	for _, m := range modules {
		opts = append(opts, rego.ParsedModule(m))
		files = append(files, m.Package.Location.File)
	}
	q, err := rego.New(opts...).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("compile policies: %w", err)
	}
	return &Engine{query: q, files: files}, nil
}

// Files lists the policy files in force, defaults first.
func (e *Engine) Files() []string { return append([]string(nil), e.files...) }

func defaultModules() ([]*ast.Module, error) {
	names, err := fs.Glob(bundleFS, "rego/*.rego")
	if err != nil {
		return nil, fmt.Errorf("list default policies: %w", err)
	}
	var out []*ast.Module
	for _, name := range names {
		if strings.HasSuffix(name, "_test.rego") {
			continue
		}
		src, err := bundleFS.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read default policy %s: %w", name, err)
		}
		m, err := ast.ParseModuleWithOpts("defaults/"+filepath.Base(name), string(src), ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			return nil, fmt.Errorf("parse default policy: %w", err)
		}
		out = append(out, m)
	}
	return out, nil
}

func loadUserModules(dir string) ([]*ast.Module, error) {
	var paths []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".rego") && !strings.HasSuffix(path, "_test.rego") {
			paths = append(paths, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read policy directory %s: %w", dir, err)
	}
	sort.Strings(paths)
	var out []*ast.Module
	for _, path := range paths {
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read policy %s: %w", path, err)
		}
		m, err := ast.ParseModuleWithOpts(path, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			return nil, fmt.Errorf("parse policy: %w", err)
		}
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		if pkg != userPackage && !strings.HasPrefix(pkg, userPackage+".") {
			return nil, fmt.Errorf("%s:%d: package %s is not allowed; user policies must be in package %s", path, m.Package.Location.Row, pkg, userPackage)
		}
		out = append(out, m)
	}
	return out, nil
}

// Evaluate returns the decision for one proposal. When evaluation fails
// the error is returned together with a deny decision, so a caller that
// only looks at the decision still fails closed.
func (e *Engine) Evaluate(ctx context.Context, in Input) (Decision, error) {
	d, err := e.evaluate(ctx, in)
	if err != nil {
		return Decision{Decision: Deny, Reasons: []string{"policy evaluation failed: " + err.Error()}}, err
	}
	return d, nil
}

func (e *Engine) evaluate(ctx context.Context, in Input) (Decision, error) {
	in, err := normalise(in)
	if err != nil {
		return Decision{}, err
	}
	doc, err := json.Marshal(in)
	if err != nil {
		return Decision{}, fmt.Errorf("encode policy input: %w", err)
	}
	value, err := ast.ValueFromReader(bytes.NewReader(doc))
	if err != nil {
		return Decision{}, fmt.Errorf("encode policy input: %w", err)
	}
	rs, err := e.query.Eval(ctx, rego.EvalParsedInput(value))
	if err != nil {
		return Decision{}, fmt.Errorf("evaluate policy: %w", err)
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return Decision{}, errors.New("evaluate policy: the policy produced no decision")
	}
	raw, err := json.Marshal(rs[0].Expressions[0].Value)
	if err != nil {
		return Decision{}, fmt.Errorf("decode policy decision: %w", err)
	}
	var out struct {
		Decision          string   `json:"decision"`
		ApprovalsRequired float64  `json:"approvals_required"`
		Reasons           []string `json:"reasons"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return Decision{}, fmt.Errorf("decode policy decision: %w", err)
	}
	d := Decision{Decision: out.Decision, ApprovalsRequired: int(math.Ceil(out.ApprovalsRequired)), Reasons: out.Reasons}
	if d.Reasons == nil {
		d.Reasons = []string{}
	}
	switch {
	case d.Decision == Deny:
	case (d.Decision == Allow || d.Decision == RequireApprovals) && d.ApprovalsRequired >= 1:
	default:
		return Decision{}, fmt.Errorf("evaluate policy: malformed decision %q with %d approvals", d.Decision, d.ApprovalsRequired)
	}
	return d, nil
}

// normalise validates the input and gives Rego a document without nulls
// where lists and maps are expected: CIDR entries become prefixes (a bare
// address becomes /32 or /128), host names lower case without the trailing dot.
func normalise(in Input) (Input, error) {
	if in.Phase != PhasePropose && in.Phase != PhaseExecute {
		return Input{}, fmt.Errorf("policy input phase %q is neither %q nor %q", in.Phase, PhasePropose, PhaseExecute)
	}
	if in.Effect != EffectWrite && in.Effect != EffectDestructive {
		return Input{}, fmt.Errorf("policy input effect %q is neither %q nor %q", in.Effect, EffectWrite, EffectDestructive)
	}
	changes := make([]infra.Change, len(in.Changes))
	for i, ch := range in.Changes {
		ch.Zone = normHost(ch.Zone)
		changes[i] = ch
	}
	in.Changes = changes
	zones := make(map[string]ZoneInfo, len(in.Zones))
	for name, z := range in.Zones {
		zones[normHost(name)] = z
	}
	in.Zones = zones
	c := in.Config
	c.ScopeZones = hostList(c.ScopeZones)
	c.ProductionZones = hostList(c.ProductionZones)
	c.AllowedHostnames = hostList(c.AllowedHostnames)
	cidrs := make([]string, 0, len(c.AllowedCIDRs))
	for _, s := range c.AllowedCIDRs {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			cidrs = append(cidrs, p.Masked().String())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return Input{}, fmt.Errorf("allowed CIDR %q is neither a CIDR nor an IP address", s)
		}
		cidrs = append(cidrs, netip.PrefixFrom(a, a.BitLen()).String())
	}
	c.AllowedCIDRs = cidrs
	in.Config = c
	return in, nil
}

func hostList(in []string) []string {
	out := make([]string, 0, len(in))
	for _, h := range in {
		if h = normHost(h); h != "" {
			out = append(out, h)
		}
	}
	return out
}

func normHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
}
