package cfsim

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

//go:embed scenarios/*.yaml
var builtinScenarios embed.FS

// Scenario is a parsed, validated simulator scenario. Its YAML schema is
// documented in doc.go.
type Scenario struct {
	Source   string                  `json:"source"`
	Seed     int64                   `yaml:"seed" json:"seed"`
	Account  AccountSpec             `yaml:"account" json:"account"`
	Tokens   []TokenSpec             `yaml:"tokens" json:"tokens"`
	Zones    []ZoneSpec              `yaml:"zones" json:"zones"`
	Workers  []WorkerSpec            `yaml:"workers" json:"workers,omitempty"`
	Traffic  map[string]TrafficModel `yaml:"traffic" json:"traffic,omitempty"`
	Events   []EventSpec             `yaml:"events" json:"events,omitempty"`
	startsAt map[int]time.Duration   // event index -> offset, parsed from At
}

// AccountSpec is the account every zone belongs to.
type AccountSpec struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
}

// TokenSpec is an API token: scopes read and/or write (write implies read),
// optionally limited to zones (by name).
type TokenSpec struct {
	Name   string   `yaml:"name" json:"name"`
	Value  string   `yaml:"value" json:"-"`
	Scopes []string `yaml:"scopes" json:"scopes"`
	Zones  []string `yaml:"zones" json:"zones,omitempty"`
}

// ZoneSpec is one zone with its configuration.
type ZoneSpec struct {
	Name           string         `yaml:"name" json:"name"`
	ID             string         `yaml:"id" json:"id,omitempty"`
	Environment    string         `yaml:"environment" json:"environment,omitempty"`
	Records        []RecordSpec   `yaml:"records" json:"records,omitempty"`
	Settings       map[string]any `yaml:"settings" json:"settings,omitempty"`
	FirewallRules  []RuleSpec     `yaml:"firewall_rules" json:"firewall_rules,omitempty"`
	RateLimitRules []RuleSpec     `yaml:"ratelimit_rules" json:"ratelimit_rules,omitempty"`
	Routes         []RouteSpec    `yaml:"routes" json:"routes,omitempty"`
}

// RecordSpec is a DNS record as the API takes it.
type RecordSpec struct {
	Type     string         `yaml:"type" json:"type"`
	Name     string         `yaml:"name" json:"name"`
	Content  string         `yaml:"content" json:"content,omitempty"`
	TTL      *int           `yaml:"ttl" json:"ttl,omitempty"`
	Proxied  bool           `yaml:"proxied" json:"proxied,omitempty"`
	Priority *int           `yaml:"priority" json:"priority,omitempty"`
	Comment  string         `yaml:"comment" json:"comment,omitempty"`
	Tags     []string       `yaml:"tags" json:"tags,omitempty"`
	Data     map[string]any `yaml:"data" json:"data,omitempty"`
}

// RuleSpec is a custom firewall or rate-limiting rule.
type RuleSpec struct {
	Ref         string         `yaml:"ref" json:"ref,omitempty"`
	Description string         `yaml:"description" json:"description"`
	Expression  string         `yaml:"expression" json:"expression"`
	Action      string         `yaml:"action" json:"action"`
	Enabled     *bool          `yaml:"enabled" json:"enabled,omitempty"`
	RateLimit   *RateLimitSpec `yaml:"ratelimit" json:"ratelimit,omitempty"`
}

// RateLimitSpec is the rate-limiting part of a rule.
type RateLimitSpec struct {
	Characteristics   []string `yaml:"characteristics" json:"characteristics"`
	Period            int      `yaml:"period" json:"period"`
	RequestsPerPeriod int      `yaml:"requests_per_period" json:"requests_per_period"`
	MitigationTimeout int      `yaml:"mitigation_timeout" json:"mitigation_timeout"`
}

// RouteSpec routes a URL pattern of the zone to a Worker.
type RouteSpec struct {
	Pattern string `yaml:"pattern" json:"pattern"`
	Script  string `yaml:"script" json:"script,omitempty"`
}

// WorkerSpec is a Worker script deployed at start.
type WorkerSpec struct {
	Name   string `yaml:"name" json:"name"`
	Source string `yaml:"source" json:"-"`
}

// TrafficModel shapes a zone's synthetic traffic.
type TrafficModel struct {
	BaseRPM         float64 `yaml:"base_rpm" json:"base_rpm"`
	DailyAmplitude  float64 `yaml:"daily_amplitude" json:"daily_amplitude"`
	WeeklyAmplitude float64 `yaml:"weekly_amplitude" json:"weekly_amplitude"`
	Noise           float64 `yaml:"noise" json:"noise"`
	Ratio4xx        float64 `yaml:"ratio_4xx" json:"ratio_4xx"`
	Ratio5xx        float64 `yaml:"ratio_5xx" json:"ratio_5xx"`
	RatioBlocks     float64 `yaml:"ratio_blocks" json:"ratio_blocks"`
	RatioChallenges float64 `yaml:"ratio_challenges" json:"ratio_challenges"`
	BytesPerRequest float64 `yaml:"bytes_per_request" json:"bytes_per_request"`
}

// EventSpec is a scheduled event, At after the simulation starts.
type EventSpec struct {
	At      string         `yaml:"at" json:"at"`
	Type    string         `yaml:"type" json:"type"` // mutate | traffic
	Actor   string         `yaml:"actor" json:"actor,omitempty"`
	Change  map[string]any `yaml:"change" json:"change,omitempty"`
	Traffic *TrafficSpec   `yaml:"traffic" json:"traffic,omitempty"`
}

// TrafficSpec injects a traffic anomaly: a spike (requests x Multiplier),
// an error burst (5xx share Ratio) or a block surge (blocks x Multiplier, or
// block share Ratio), lasting Duration.
type TrafficSpec struct {
	Zone       string  `yaml:"zone" json:"zone"`
	Kind       string  `yaml:"kind" json:"kind"`
	Multiplier float64 `yaml:"multiplier" json:"multiplier,omitempty"`
	Ratio      float64 `yaml:"ratio" json:"ratio,omitempty"`
	Duration   string  `yaml:"duration" json:"duration"`
}

// BuiltinScenario returns a scenario shipped with the simulator.
func BuiltinScenario(name string) (*Scenario, error) {
	data, err := builtinScenarios.ReadFile("scenarios/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("unknown built-in scenario %q (built-ins: %s)", name, strings.Join(builtinNames(), ", "))
	}
	return ParseScenario(name+".yaml", data)
}

func builtinNames() []string {
	entries, _ := builtinScenarios.ReadDir("scenarios")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// LoadScenario loads a built-in scenario by name or a YAML file by path.
func LoadScenario(path string) (*Scenario, error) {
	for _, name := range builtinNames() {
		if path == name {
			return BuiltinScenario(name)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read scenario %s: %w", path, err)
	}
	return ParseScenario(path, data)
}

var (
	yamlLineRe      = regexp.MustCompile(`line (\d+): (.*)`)
	yamlUnknownRe   = regexp.MustCompile(`field (\S+) not found in type cfsim\.(\w+)`)
	yamlWrongTypeRe = regexp.MustCompile("cannot unmarshal !!(\\w+) `(.*)` into (.*)")
)

// ParseScenario parses and validates a scenario. Errors read
// "SOURCE:LINE: what is wrong".
func ParseScenario(source string, data []byte) (*Scenario, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(source, err)
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("%s:1: the scenario is empty", source)
	}
	sc := &Scenario{Source: source}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(sc); err != nil && !errors.Is(err, io.EOF) {
		return nil, yamlError(source, err)
	}
	if err := validateScenario(sc); err != nil {
		var pe *pathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s:%d: %s", source, lineOf(root.Content[0], pe.path), pe.msg)
		}
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return sc, nil
}

func yamlError(source string, err error) error {
	msg := err.Error()
	m := yamlLineRe.FindStringSubmatch(msg)
	if m == nil {
		return fmt.Errorf("%s:1: %s", source, strings.TrimPrefix(msg, "yaml: "))
	}
	detail := strings.SplitN(m[2], "\n", 2)[0]
	if f := yamlUnknownRe.FindStringSubmatch(detail); f != nil {
		detail = fmt.Sprintf("unknown field %q in %s", f[1], typeNoun(f[2]))
	} else if f := yamlWrongTypeRe.FindStringSubmatch(detail); f != nil {
		detail = fmt.Sprintf("value %q is a %s where %s is expected", f[2], f[1], goTypeNoun(f[3]))
	}
	return fmt.Errorf("%s:%s: %s", source, m[1], detail)
}

func typeNoun(goType string) string {
	nouns := map[string]string{"Scenario": "the scenario", "AccountSpec": "account", "TokenSpec": "a token",
		"ZoneSpec": "a zone", "RecordSpec": "a record", "RuleSpec": "a rule", "RateLimitSpec": "ratelimit",
		"RouteSpec": "a route", "WorkerSpec": "a worker", "TrafficModel": "a traffic model",
		"EventSpec": "an event", "TrafficSpec": "event traffic"}
	if n, ok := nouns[goType]; ok {
		return n
	}
	return goType
}

func goTypeNoun(t string) string {
	switch {
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "float"), strings.HasPrefix(t, "*int"):
		return "a number"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map"), strings.HasPrefix(t, "cfsim."):
		return "a mapping"
	case t == "bool", t == "*bool":
		return "true or false"
	}
	return "a " + t
}

// pathError is a validation error at a path of the YAML document
// (mapping keys and sequence indexes), turned into a line number later.
type pathError struct {
	path []any
	msg  string
}

func (e *pathError) Error() string { return e.msg }

func perr(path []any, format string, args ...any) error {
	return &pathError{path: path, msg: fmt.Sprintf(format, args...)}
}

// lineOf finds the line of the deepest node of path that exists.
func lineOf(n *yaml.Node, path []any) int {
	line := n.Line
	for _, step := range path {
		var next *yaml.Node
		switch s := step.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == s {
						line = n.Content[i].Line
						next = n.Content[i+1]
						break
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && s < len(n.Content) {
				next = n.Content[s]
				line = next.Line
			}
		}
		if next == nil {
			return line
		}
		n = next
	}
	return line
}

// toJSON converts a YAML-decoded value (maps, lists, scalars) to JSON.
func toJSON(v any) (json.RawMessage, error) {
	return json.Marshal(v)
}

func parseOffset(s string) (time.Duration, error) {
	if s == "" {
		return 0, errors.New("missing")
	}
	if n, err := strconv.Atoi(s); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	return time.ParseDuration(s)
}
