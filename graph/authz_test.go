package graph_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	gqlast "github.com/vektah/gqlparser/v2/ast"

	"github.com/storefront/storefront/graph"
	"github.com/storefront/storefront/graph/generated"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/gid"
	"github.com/storefront/storefront/internal/gqltest"
)

func schema() *gqlast.Schema {
	return generated.NewExecutableSchema(generated.Config{Resolvers: &graph.Resolver{}}).Schema()
}

// shopperFields reads the resolvers' source: every resolver method that
// calls shopperOf, as the schema field it resolves (Type.field). A call
// anywhere but in a resolver method fails the test, since nothing would tie
// it to a field's @auth.
func shopperFields(t *testing.T, s *gqlast.Schema) map[string]*gqlast.FieldDefinition {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	out := map[string]*gqlast.FieldDefinition{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil || fn.Name.Name == "shopperOf" || !callsShopperOf(fn.Body) {
				continue
			}
			where := fset.Position(fn.Pos()).String()
			typ := receiverType(fn)
			object, isResolver := strings.CutSuffix(typ, "Resolver")
			if !isResolver || object == "" {
				t.Errorf("%s: %s calls shopperOf outside a resolver method: read the shopper in the resolver of an @auth field and pass it on", where, fn.Name.Name)
				continue
			}
			def := findField(s, object, fn.Name.Name)
			if def == nil {
				t.Errorf("%s: (%s).%s calls shopperOf but resolves no schema field", where, typ, fn.Name.Name)
				continue
			}
			out[def.object+"."+def.Name] = def.FieldDefinition
		}
	}
	return out
}

func callsShopperOf(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok {
			if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "shopperOf" {
				found = true
			}
		}
		return !found
	})
	return found
}

func receiverType(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return ""
	}
	t := fn.Recv.List[0].Type
	if star, ok := t.(*ast.StarExpr); ok {
		t = star.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

type namedField struct {
	object string
	*gqlast.FieldDefinition
}

// findField maps gqlgen's Go names back to the schema: mutationResolver's
// PlaceOrder is Mutation.placeOrder, sKUResolver's Comments SKU.comments.
func findField(s *gqlast.Schema, object, method string) *namedField {
	for name, def := range s.Types {
		if !strings.EqualFold(name, object) {
			continue
		}
		for _, f := range def.Fields {
			if strings.EqualFold(f.Name, method) {
				return &namedField{name, f}
			}
		}
	}
	return nil
}

// A resolver reads the shopper without an error to check because @auth has
// refused every request without one: so each resolver that reads it must
// resolve a field marked @auth.
func TestShopperFieldsAreMarkedAuth(t *testing.T) {
	fields := shopperFields(t, schema())
	for name, f := range fields {
		if f.Directives.ForName("auth") == nil {
			t.Errorf("%s reads the shopper but is not marked @auth in the schema", name)
		}
	}
	// The walk must find what is known to be there.
	for _, want := range []string{"Mutation.placeOrder", "Query.me", "Mutation.mergeCart", "Query.checkoutPreview"} {
		if fields[want] == nil {
			t.Errorf("the walk did not find %s among %d shopper fields", want, len(fields))
		}
	}
}

// TestEveryAuthFieldRefusesAVisitor sends each field marked @auth, with
// well-formed arguments, without a token: each answers UNAUTHENTICATED and
// nothing else.
func TestEveryAuthFieldRefusesAVisitor(t *testing.T) {
	s := schema()
	srv := gqltest.Start(t, gqltest.Options{NoSeed: true})
	tried := 0
	for _, root := range []*gqlast.Definition{s.Query, s.Mutation} {
		op := strings.ToLower(root.Name)
		for _, f := range root.Fields {
			if f.Directives.ForName("auth") == nil {
				continue
			}
			tried++
			doc := op + " { " + f.Name + arguments(s, f.Arguments) + selection(s, f.Type) + " }"
			res := srv.Post(t, gqltest.Request{Query: doc})
			if res.Code() != apperr.CodeUnauthenticated || len(res.Errors) != 1 {
				t.Errorf("%s without a token: %+v, want one UNAUTHENTICATED", doc, res.Errors)
			}
		}
	}
	if tried < 10 {
		t.Fatalf("only %d fields are marked @auth", tried)
	}
}

// arguments writes the required arguments of a field as literals.
func arguments(s *gqlast.Schema, args gqlast.ArgumentDefinitionList) string {
	var parts []string
	for _, a := range args {
		if a.Type.NonNull {
			parts = append(parts, a.Name+": "+literal(s, a.Type))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// literal is a well-formed value of typ, so that the arguments decode and
// the directive is what answers.
func literal(s *gqlast.Schema, typ *gqlast.Type) string {
	if typ.Elem != nil {
		return "[" + literal(s, typ.Elem) + "]"
	}
	def := s.Types[typ.NamedType]
	switch def.Kind {
	case gqlast.Enum:
		return def.EnumValues[0].Name
	case gqlast.InputObject:
		var fields []string
		for _, f := range def.Fields {
			if f.Type.NonNull {
				fields = append(fields, f.Name+": "+literal(s, f.Type))
			}
		}
		return "{" + strings.Join(fields, ", ") + "}"
	}
	switch typ.NamedType {
	case "ID":
		return strconv.Quote(gid.Encode(1))
	case "Int":
		return "1"
	case "Float":
		return "1.5"
	case "Boolean":
		return "true"
	case "Money":
		return `"1.00"`
	case "Time":
		return `"2024-01-02T03:04:05Z"`
	}
	return `"x"`
}

func selection(s *gqlast.Schema, typ *gqlast.Type) string {
	for typ.Elem != nil {
		typ = typ.Elem
	}
	switch s.Types[typ.NamedType].Kind {
	case gqlast.Object, gqlast.Interface, gqlast.Union:
		return " { __typename }"
	}
	return ""
}
