package graph_test

import (
	"testing"

	"github.com/99designs/gqlgen/graphql/errcode"

	"github.com/storefront/storefront/internal/apperr"
)

// gqlgen sets these codes itself; apperr spells them for clients and
// tests, and the presenter compares with apperr's spelling. (The persisted
// query code is unexported in gqlgen:
// TestAPersistedQueryHashRunsOnceTheServerHasSeenItsDocument sees it on the
// wire.)
func TestGqlgensCodesAreApperrs(t *testing.T) {
	for gqlgen, ours := range map[string]string{
		errcode.ParseFailed:      apperr.CodeParseFailed,
		errcode.ValidationFailed: apperr.CodeValidationFailed,
	} {
		if gqlgen != ours {
			t.Errorf("gqlgen answers %s, apperr says %s", gqlgen, ours)
		}
	}
}
