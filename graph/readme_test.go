package graph_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/storefront/storefront/graph/generated"
)

// README's "Fields that need a token" table names every Query and Mutation
// field marked @auth in its @auth row and every field marked @partner in
// its @partner row, and no other.
func TestTheREADMEListsEveryFieldThatNeedsAToken(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n### Fields that need a token\n")
	if !ok {
		t.Fatal(`README.md has no "### Fields that need a token" section`)
	}
	section, _, _ = strings.Cut(section, "\n#")
	field := regexp.MustCompile("`([a-z][A-Za-z]*)`")
	listed := map[string][]string{}
	for line := range strings.SplitSeq(section, "\n") {
		for _, d := range []string{"auth", "partner"} {
			if strings.HasPrefix(line, "| ") && strings.Contains(line, "(`@"+d+"`)") {
				for _, m := range field.FindAllStringSubmatch(line, -1) {
					listed[d] = append(listed[d], m[1])
				}
			}
		}
	}

	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	marked := map[string][]string{}
	for _, typ := range []string{"Query", "Mutation"} {
		for _, f := range schema.Types[typ].Fields {
			for _, d := range []string{"auth", "partner"} {
				if f.Directives.ForName(d) != nil {
					marked[d] = append(marked[d], f.Name)
				}
			}
		}
	}
	for _, d := range []string{"auth", "partner"} {
		slices.Sort(listed[d])
		slices.Sort(marked[d])
		if !slices.Equal(listed[d], marked[d]) {
			t.Errorf("README's @%s row lists %v;\nthe schema marks %v", d, listed[d], marked[d])
		}
	}
}
