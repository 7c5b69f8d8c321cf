package policy

import (
	"context"
	"io/fs"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestRegoUnitTests runs every test_ rule of the embedded bundle, so a
// failing Rego test fails `go test`.
func TestRegoUnitTests(t *testing.T) {
	names, err := fs.Glob(bundleFS, "rego/*.rego")
	if err != nil {
		t.Fatal(err)
	}
	modules := map[string]*ast.Module{}
	for _, name := range names {
		src, err := bundleFS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		m, err := ast.ParseModuleWithOpts(name, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			t.Fatal(err)
		}
		modules[name] = m
	}
	ch, err := tester.NewRunner().SetModules(modules).RaiseBuiltinErrors(true).RunTests(context.Background(), nil)
	if err != nil {
		t.Fatalf("compile rego tests: %v", err)
	}
	ran := 0
	for res := range ch {
		ran++
		if res.Error != nil {
			t.Errorf("%s.%s: %v", res.Package, res.Name, res.Error)
		} else if res.Fail {
			t.Errorf("%s.%s failed at %v", res.Package, res.Name, res.Location)
		}
	}
	if ran == 0 {
		t.Fatal("no Rego tests ran")
	}
	t.Logf("%d Rego tests ran", ran)
}
