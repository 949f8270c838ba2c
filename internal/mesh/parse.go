package mesh

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/meshwiz/meshwiz/internal/input"
)

// Parse reads a mesh file strictly: an unknown or repeated field, a value of
// the wrong type (a number where a string belongs, a string where a list
// belongs) and a wrong or missing apiVersion or kind are all errors. Every
// problem is reported at once, each a *FieldError naming the field as written
// ("clusters[0].contxt") and its line. Parse fills no defaults: call Default,
// then Validate.
func Parse(data []byte) (*Config, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("no mesh in the file: it should start with apiVersion: %s and kind: %s", APIVersion, Kind)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		return nil, fmt.Errorf("line %d: a second YAML document: a mesh file holds one", extra.Line)
	case !errors.Is(err, io.EOF):
		return nil, err
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: the file is %s, not a mesh (apiVersion: %s, kind: %s, clusters: …)", root.Line, nodeKind(root), APIVersion, Kind)
	}
	c := &Config{}
	var p parser
	p.decode("", root, reflect.ValueOf(c).Elem())
	p.header(c)
	if p.overflow != nil { // the cause of the flood comes first
		p.problems = append(problems{p.overflow}, p.problems...)
	}
	if err := p.join(); err != nil {
		return nil, err
	}
	return c, nil
}

// MaxFileBytes caps the size of a mesh file: a mesh of 100 clusters is
// about 20 KB, and reading /dev/zero must fail with a message.
const MaxFileBytes = 1 << 20

// maxNodes caps how many YAML values Parse visits, aliases expanded: a few
// kilobytes of nested aliases would otherwise expand to billions.
const maxNodes = 100_000

// parser decodes one file, counting the values it visits.
type parser struct {
	problems
	visited  int
	overflow error
}

// Load reads and parses the mesh file at path. Errors name the file. Like
// kubectl and helm with paths in their files, it resolves a relative
// security.ca.dir from the file's directory, not the working directory: set
// or defaulted, the CA then sits beside its mesh file wherever meshwiz runs
// (dir: ./certs in conf/mesh.yaml is conf/certs).
func Load(path string) (*Config, error) {
	data, err := readCapped(path)
	if err != nil {
		return nil, err
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c.Security.CA.Dir = resolveCADir(c.Security.CA.Dir, filepath.Dir(path))
	return c, nil
}

// resolveCADir returns the CA directory dir (DefaultCADir when empty) of a
// mesh file in base: an absolute dir as it is, a relative one joined to base.
func resolveCADir(dir, base string) string {
	if dir == "" {
		dir = DefaultCADir
	}
	if filepath.IsAbs(dir) {
		return dir
	}
	return filepath.Join(base, dir)
}

// readCapped reads at most MaxFileBytes of path; a longer file (or a device
// such as /dev/zero) is an error naming the file and the limit.
func readCapped(path string) ([]byte, error) {
	data, err := input.ReadFile(path, MaxFileBytes, "mesh file")
	var big *input.TooLargeError
	switch {
	case errors.As(err, &big):
		return nil, fmt.Errorf("%w: a mesh file is a short YAML document (see examples/)", err)
	case err != nil:
		return nil, fmt.Errorf("reading mesh file: %w", err)
	}
	return data, nil
}

// Marshal writes c as YAML, fields in the order of the package comment and
// empty optional fields left out. Parse reads the result back unchanged.
func (c *Config) Marshal() ([]byte, error) {
	j, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	// JSON is YAML: read it as a node tree, which keeps the struct's field
	// order, and drop the JSON quoting and brackets.
	var n yaml.Node
	if err := yaml.Unmarshal(j, &n); err != nil {
		return nil, err
	}
	plain(&n)
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&n); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func plain(n *yaml.Node) {
	n.Style = 0
	for _, c := range n.Content {
		plain(c)
	}
}

// decode sets v from n, reporting every mismatch under the field's path.
// The Config type holds only strings, structs and slices.
func (p *parser) decode(path string, n *yaml.Node, v reflect.Value) {
	if p.visited++; p.visited > maxNodes {
		if p.overflow == nil {
			p.overflow = &FieldError{Field: truncate(path), Problem: fmt.Sprintf("is where the file exceeds %d values (YAML aliases expanded); the rest is not read", maxNodes),
				Fix: "write the mesh without aliases (&name / *name)"}
		}
		return
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // an empty value leaves the field unset
	}
	switch v.Kind() {
	case reflect.String:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
			fix := "write a single value"
			if n.Kind == yaml.ScalarNode {
				fix = fmt.Sprintf("quote it: %s %q", keyPrefix(path), truncate(n.Value))
			}
			p.wrongType(path, n, "a string", fix)
			return
		}
		v.SetString(n.Value)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			p.wrongType(path, n, "a list of "+elemNoun(v.Type().Elem()), "write one item per line, each starting with \"- \"")
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			p.decode(fmt.Sprintf("%s[%d]", path, i), item, s.Index(i))
		}
		v.Set(s)
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			p.wrongType(path, n, "a mapping", "write it as "+keyPrefix(path)+" followed by indented keys: "+strings.Join(fieldNames(v.Type()), ", "))
			return
		}
		p.decodeStruct(path, n, v)
	default:
		panic("mesh: cannot decode into " + v.Type().String())
	}
}

func (p *parser) decodeStruct(path string, n *yaml.Node, v reflect.Value) {
	names := fieldNames(v.Type())
	lines := map[string]int{}
	for k := 0; k+1 < len(n.Content); k += 2 {
		key, val := n.Content[k], n.Content[k+1]
		field := key.Value
		if path != "" {
			field = path + "." + key.Value
		}
		if key.Kind != yaml.ScalarNode {
			p.add(path, fmt.Sprintf("has %s as a key, on line %d", nodeKind(key), key.Line), "keys are plain field names")
			continue
		}
		if line, dup := lines[key.Value]; dup {
			p.add(field, fmt.Sprintf("is set twice, on lines %d and %d", line, key.Line), "keep one")
			continue
		}
		lines[key.Value] = key.Line
		i := slices.Index(names, key.Value)
		if i < 0 {
			p.add(field, fmt.Sprintf("is not a field, on line %d", key.Line), "%s", suggest(key.Value, names))
			continue
		}
		p.decode(field, val, v.Field(i))
	}
}

func (p *parser) wrongType(path string, n *yaml.Node, want, fix string) {
	p.add(path, fmt.Sprintf("is %s, not %s, on line %d", nodeKind(n), want, n.Line), "%s", fix)
}

// fieldNames are the JSON names of t's fields, by field index.
func fieldNames(t reflect.Type) []string {
	names := make([]string, t.NumField())
	for i := range names {
		names[i], _, _ = strings.Cut(t.Field(i).Tag.Get("json"), ",")
	}
	return names
}

func elemNoun(t reflect.Type) string {
	if t.Kind() == reflect.String {
		return "strings"
	}
	return "mappings"
}

// keyPrefix is how the field at path starts in YAML: "name:" or, for a
// list item, "-".
func keyPrefix(path string) string {
	if strings.HasSuffix(path, "]") {
		return "-"
	}
	return path[strings.LastIndexByte(path, '.')+1:] + ":"
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch n.Tag {
	case "!!str":
		return fmt.Sprintf("the string %q", truncate(n.Value))
	case "!!int", "!!float":
		return "the number " + truncate(n.Value)
	case "!!bool":
		return "the boolean " + truncate(n.Value)
	}
	return fmt.Sprintf("the %s %s", truncate(strings.TrimPrefix(n.Tag, "!!")), truncate(n.Value))
}

// suggest names the known field closest to an unknown one.
func suggest(unknown string, names []string) string {
	best, bestDist := "", 3 // at most two edits away
	for _, n := range names {
		if strings.EqualFold(n, unknown) {
			return fmt.Sprintf("did you mean %s? field names are case-sensitive", n)
		}
		if d := editDistance(strings.ToLower(unknown), strings.ToLower(n)); d < bestDist {
			best, bestDist = n, d
		}
	}
	if best != "" {
		return "did you mean " + best + "?"
	}
	return "known fields here: " + strings.Join(names, ", ")
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
