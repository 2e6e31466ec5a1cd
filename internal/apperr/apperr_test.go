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
	if CodeOf(errors.New("boom")) != "" {
		t.Fatal("an uncoded error has a code")
	}
}

func TestBadFieldNamesTheField(t *testing.T) {
	err := BadField("stock", "stock must be between 0 and %d", 10)
	if err.Code() != CodeBadUserInput || err.Error() != "stock must be between 0 and 10" || err.Extensions()["field"] != "stock" {
		t.Fatalf("BadField = %s %q %v", err.Code(), err.Error(), err.Extensions())
	}
}

func TestWithCopies(t *testing.T) {
	base := New(CodeRateLimited, "slow down")
	a := base.With("retryAfter", 3)
	if base.Extensions() != nil || a.Extensions()["retryAfter"] != 3 {
		t.Fatalf("With changed the original or lost the value: %v %v", base.Extensions(), a.Extensions())
	}
}

func TestUnavailableIsRetryableAndHidesItsCause(t *testing.T) {
	cause := errors.New("dial tcp 10.0.0.7:3306: connect: connection refused")
	err := fmt.Errorf("placing: %w", Unavailable{Cause: cause})
	if CodeOf(err) != CodeUnavailable {
		t.Fatalf("CodeOf = %q", CodeOf(err))
	}
	var c Coded
	if !errors.As(err, &c) || c.Extensions()["retryable"] != true || c.Error() == cause.Error() {
		t.Fatalf("client sees %q %v", c.Error(), c.Extensions())
	}
	if !errors.Is(err, cause) {
		t.Fatal("the cause is lost for the logs")
	}
}
