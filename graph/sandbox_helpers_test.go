package graph_test

import (
	"testing"
	"time"

	"github.com/storefront/storefront/internal/gqltest"
	"github.com/storefront/storefront/internal/orderstate"
)

// openPayURL opens a page-pay URL at the sandbox cashier, as the buyer's
// browser does; a URL the sandbox refuses fails the test, which would
// otherwise go on to test an order nobody could pay.
func openPayURL(t *testing.T, s *gqltest.Server, payURL string) {
	t.Helper()
	if _, err := s.App.Sandbox.OpenPayURL(payURL); err != nil {
		t.Fatalf("opening the pay URL at the sandbox: %v", err)
	}
}

// payWithoutNotify marks the order's trade paid at the sandbox without
// sending Alipay's notification.
func payWithoutNotify(t *testing.T, s *gqltest.Server, orderNo string) {
	t.Helper()
	if _, err := s.App.Sandbox.PayWithoutNotify(orderNo); err != nil {
		t.Fatalf("paying %s at the sandbox: %v", orderNo, err)
	}
}

// awaitUnsend gives Alipay's notification up to 5 s to move the order to
// UNSEND; the caller checks what came of it.
func awaitUnsend(t *testing.T, s *gqltest.Server, orderNo string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for orderStatus(t, s, orderNo) != orderstate.Unsend && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
}
