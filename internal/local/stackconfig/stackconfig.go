// Package stackconfig reads a Pulumi stack's configuration file,
// Pulumi.<stack>.yaml (the file `pulumi config set` writes), for the local
// runner, and follows it while the runner runs: the local walk through the
// stages is the same `pulumi config set stage N` as on AWS. The values are
// parsed by the contract's one settings parse, the deploy's, so the keys,
// defaults, rules and messages are the deploy's own.
package stackconfig

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// ProjectFile is the Pulumi project file in the project's folder.
const ProjectFile = "Pulumi.yaml"

// DefaultStack is the stack the local runner reads unless told otherwise:
// Pulumi.dev.yaml, the ready dev stack.
const DefaultStack = "dev"

// Project is the Pulumi project in a folder, as its Pulumi.yaml declares it.
type Project struct {
	Dir  string
	Name string // the namespace of the project's config keys
	// Declared are the config keys Pulumi.yaml declares for the project
	// (without namespace); a key outside them is reported, not read.
	Declared map[string]bool
}

// LoadProject reads dir's Pulumi.yaml.
func LoadProject(dir string) (Project, error) {
	path := filepath.Join(dir, ProjectFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return Project{}, fmt.Errorf("reading the Pulumi project: %w", err)
	}
	var doc struct {
		Name   string               `yaml:"name"`
		Config map[string]yaml.Node `yaml:"config"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return Project{}, fmt.Errorf("%s: %w", path, err)
	}
	if doc.Name == "" {
		return Project{}, fmt.Errorf("%s: no project name", path)
	}
	p := Project{Dir: dir, Name: doc.Name, Declared: map[string]bool{}}
	for key := range doc.Config {
		// Keys of other namespaces (aws:region) are the providers'.
		if !strings.Contains(key, ":") {
			p.Declared[key] = true
		}
	}
	return p, nil
}

// stackName is what Pulumi allows in a stack's name.
var stackName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// StackFile is the path of the stack's configuration file. A fully
// qualified stack (org/project/dev) is kept in the file of its last part,
// as Pulumi keeps it.
func (p Project) StackFile(stack string) (string, error) {
	name := stack[strings.LastIndexByte(stack, '/')+1:]
	if !stackName.MatchString(name) {
		return "", fmt.Errorf("stack %q: a stack name is letters, digits, -, _ and .", stack)
	}
	return filepath.Join(p.Dir, "Pulumi."+name+".yaml"), nil
}

// File is the project's part of one stack file, as read.
type File struct {
	Path   string
	Exists bool
	// Values are the project's keys (without namespace) and their text,
	// as ctx.GetConfig gives them to the program.
	Values map[string]string
	// Secrets are the project's keys holding an encrypted value: only
	// Pulumi's secrets provider can read them.
	Secrets []string
	// Undeclared are keys in the project's namespace that Pulumi.yaml does
	// not declare, likely typos: read by nothing.
	Undeclared []string

	sum [sha256.Size]byte // of the content, so a Follower knows what it was
}

// Name is the file's name, as messages show it.
func (f File) Name() string { return filepath.Base(f.Path) }

// ValueError is a value the local runner cannot use, naming its key.
type ValueError struct {
	Key, Problem string
}

// Error names the key; the caller says which file it is in.
func (e *ValueError) Error() string { return e.Key + ": " + e.Problem }

// Read reads the project's values from a stack file. A missing file is not
// an error: the stack has no values yet, every setting takes its default.
func (p Project) Read(path string) (File, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return File{Path: path, Values: map[string]string{}}, nil
	}
	if err != nil {
		return File{}, err
	}
	return p.Parse(path, b)
}

// Parse reads the project's values from the content of the stack file at
// path.
func (p Project) Parse(path string, content []byte) (File, error) {
	f := File{Path: path, Exists: true, Values: map[string]string{}, sum: sha256.Sum256(content)}
	var doc struct {
		Config yaml.Node `yaml:"config"`
	}
	if err := yaml.Unmarshal(content, &doc); err != nil {
		return File{}, err
	}
	config := resolveAlias(&doc.Config)
	switch config.Kind {
	case 0: // no config: section
		return f, nil
	case yaml.ScalarNode:
		if config.Tag == "!!null" { // "config:" with nothing under it
			return f, nil
		}
	case yaml.MappingNode:
		return f, p.values(&f, config)
	}
	return File{}, errors.New("config: want a map of keys to values")
}

// values reads the mapping under config: the way Pulumi reads a value
// (sdk/go/common/resource/config.Value): a scalar is its text, whatever
// its YAML type (stage: 1 and stage: "1" are the same), {secure: ...} is
// encrypted, and a map or list is an object the settings do not take.
func (p Project) values(f *File, config *yaml.Node) error {
	prefix := p.Name + ":"
	for i := 0; i+1 < len(config.Content); i += 2 {
		full := config.Content[i].Value
		key, ours := strings.CutPrefix(full, prefix)
		if !ours {
			continue // another namespace: aws:region and the like
		}
		if !p.Declared[key] {
			f.Undeclared = append(f.Undeclared, key)
			continue
		}
		if _, dup := f.Values[key]; dup {
			return &ValueError{Key: full, Problem: "set twice"}
		}
		v := resolveAlias(config.Content[i+1])
		switch {
		case v.Kind == yaml.ScalarNode && v.Tag == "!!null":
			f.Values[key] = ""
		case v.Kind == yaml.ScalarNode:
			f.Values[key] = v.Value
		case v.Kind == yaml.MappingNode && isSecure(v):
			f.Secrets = append(f.Secrets, key)
		case v.Kind == yaml.MappingNode:
			return &ValueError{Key: full, Problem: "a map; the setting takes one value, such as " + full + `: "2"`}
		default:
			return &ValueError{Key: full, Problem: "a list; the setting takes one value, such as " + full + `: "2"`}
		}
	}
	return nil
}

func isSecure(n *yaml.Node) bool {
	return len(n.Content) == 2 && n.Content[0].Value == "secure"
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}
