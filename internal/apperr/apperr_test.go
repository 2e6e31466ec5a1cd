package apperr

import (
	"errors"
	"fmt"
	"testing"
)

func TestCodeSurvivesWrapping(t *testing.T) {
	err := fmt.Errorf("loading sku: %w", NotFound("SKU"))
	if got := CodeOf(err); got != CodeNotFound {
		t.Fatalf("CodeOf = %q", got)
	}
	if !errors.Is(err, ErrNotFound) {
		t.Fatal("errors.Is(err, ErrNotFound) = false")
	}
	if errors.Is(err, ErrBadUserInput) {
		t.Fatal("a NOT_FOUND error matched BAD_USER_INPUT")
	}
	if CodeOf(errors.New("boom")) != "" {
		t.Fatal("an uncoded error has a code")
	}
}

func TestWithCopies(t *testing.T) {
	base := New(CodeRateLimited, "slow down")
	a := base.With("retryAfter", 3)
	if base.Extensions() != nil || a.Extensions()["retryAfter"] != 3 {
		t.Fatalf("With changed the original or lost the value: %v %v", base.Extensions(), a.Extensions())
	}
}
