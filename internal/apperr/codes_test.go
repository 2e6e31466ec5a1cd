package apperr_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	gqlast "github.com/vektah/gqlparser/v2/ast"
)

// root is the module's root, from this package's folder.
const root = "../.."

// constants returns the string constants of this package (not its tests)
// whose names start with prefix, by name.
func constants(t *testing.T, prefix string) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if !strings.HasPrefix(n.Name, prefix) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						t.Fatalf("%s: %s is not a string literal", fset.Position(n.Pos()), n.Name)
					}
					out[n.Name], _ = strconv.Unquote(lit.Value)
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no %s constants found", prefix)
	}
	return out
}

var upperSnake = regexp.MustCompile(`^[A-Z]+(_[A-Z]+)*$`)

// values returns the distinct values of consts, failing on one shared by
// two names or not in UPPER_SNAKE.
func values(t *testing.T, consts map[string]string) map[string]string {
	t.Helper()
	byValue := map[string]string{}
	for name, v := range consts {
		if !upperSnake.MatchString(v) {
			t.Errorf("%s = %q is not UPPER_SNAKE", name, v)
		}
		if other, dup := byValue[v]; dup {
			t.Errorf("%s and %s are both %q: a client could not tell them apart", name, other, v)
		}
		byValue[v] = name
	}
	return byValue
}

func TestEveryCodeIsOneUniqueConstant(t *testing.T) {
	values(t, constants(t, "Code"))
	values(t, constants(t, "Reason"))
}

// TestCodesAreTheDocumentedOnes keeps the README's Errors table, which
// clients read, to exactly the codes the server can answer with.
func TestCodesAreTheDocumentedOnes(t *testing.T) {
	codes := values(t, constants(t, "Code"))
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Errors\n")
	if !ok {
		t.Fatal("README.md has no ## Errors section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	row := regexp.MustCompile("(?m)^\\| `([A-Z_]+)` \\|")
	documented := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		documented[m[1]] = true
		if _, ok := codes[m[1]]; !ok {
			t.Errorf("README documents %s, which is no apperr code", m[1])
		}
	}
	for code, name := range codes {
		if !documented[code] {
			t.Errorf("apperr.%s (%s) is missing from README's Errors table", name, code)
		}
	}
}

// TestSchemaNamesOnlyKnownCodes reads every description of the GraphQL
// schema: an UPPER_SNAKE word there is a code, a reason or one of the
// schema's enum values, so a description never promises a code the server
// does not have.
func TestSchemaNamesOnlyKnownCodes(t *testing.T) {
	codes := values(t, constants(t, "Code"))
	reasons := values(t, constants(t, "Reason"))
	files, err := filepath.Glob(filepath.Join(root, "schema", "*.graphqls"))
	if err != nil || len(files) == 0 {
		t.Fatalf("schema files: %v %v", files, err)
	}
	var sources []*gqlast.Source
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, &gqlast.Source{Name: f, Input: string(b)})
	}
	schema, err := gqlparser.LoadSchema(sources...)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	type described struct{ where, text string }
	var texts []described
	for _, def := range schema.Types {
		if def.BuiltIn {
			continue
		}
		texts = append(texts, described{def.Name, def.Description})
		for _, v := range def.EnumValues {
			known[v.Name] = true
			texts = append(texts, described{def.Name + "." + v.Name, v.Description})
		}
		for _, f := range def.Fields {
			texts = append(texts, described{def.Name + "." + f.Name, f.Description})
			for _, a := range f.Arguments {
				texts = append(texts, described{def.Name + "." + f.Name + "(" + a.Name + ")", a.Description})
			}
		}
	}
	for name, d := range schema.Directives {
		if d.Position == nil || d.Position.Src == nil || !d.Position.Src.BuiltIn {
			texts = append(texts, described{"@" + name, d.Description})
		}
	}
	// Shorter plain words (SKU, JSON, HTTP) are not codes.
	word := regexp.MustCompile(`\b[A-Z]+(?:_[A-Z]+)+\b|\b[A-Z]{5,}\b`)
	checked := 0
	for _, d := range texts {
		for _, w := range word.FindAllString(d.text, -1) {
			checked++
			_, code := codes[w]
			_, reason := reasons[w]
			if !code && !reason && !known[w] {
				t.Errorf("%s's description names %s: no apperr code, reason or enum value", d.where, w)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no description names a code: the walk found nothing")
	}
}

// TestNoCodeIsSpelledOutsideApperr keeps the constants the one spelling:
// no other non-test, non-generated Go file writes a code, or a reason
// given to With("reason", ...), as a string literal.
func TestNoCodeIsSpelledOutsideApperr(t *testing.T) {
	codes := values(t, constants(t, "Code"))
	reasons := values(t, constants(t, "Reason"))
	here, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, dir := range []string{"cmd", "graph", "internal"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			abs, _ := filepath.Abs(path)
			if d.IsDir() {
				if abs == here || d.Name() == "generated" {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || strings.HasSuffix(path, "_gen.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			checked++
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.BasicLit:
					if name, ok := codes[unquote(n)]; ok {
						t.Errorf("%s: %s: use apperr.%s", fset.Position(n.Pos()), n.Value, name)
					}
				case *ast.CallExpr:
					// Other words of a reason's spelling (Redis's BUSY
					// reply) are not reasons.
					if len(n.Args) == 2 && unquote(n.Args[0]) == "reason" {
						if name, ok := reasons[unquote(n.Args[1])]; ok {
							t.Errorf("%s: %s: use apperr.%s", fset.Position(n.Args[1].Pos()), n.Args[1].(*ast.BasicLit).Value, name)
						}
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if checked < 50 {
		t.Fatalf("checked only %d files: the walk missed the tree", checked)
	}
}

// unquote is the value of a string literal, or "" for anything else.
func unquote(e ast.Expr) string {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return ""
	}
	s, _ := strconv.Unquote(lit.Value)
	return s
}
