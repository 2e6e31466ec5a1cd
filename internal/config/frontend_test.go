package config_test

import (
	"testing"

	"github.com/storefront/storefront/internal/config"
	"github.com/storefront/storefront/internal/payment"
)

// Without a frontend of its own, the buyer back from Alipay lands on the
// shop's page that says whether the order is paid, not on the playground.
func TestTheBuyerLandsOnThePaymentResultPageByDefault(t *testing.T) {
	c, err := config.Load([]string{"-public-url", "https://shop.example/"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://shop.example" + payment.ResultPath; c.FrontendURL != want {
		t.Fatalf("FrontendURL = %q, want %q", c.FrontendURL, want)
	}
	c, err = config.Load([]string{"-frontend-url", "https://app.shop.example/paid"}, func(string) string { return "" })
	if err != nil || c.FrontendURL != "https://app.shop.example/paid" {
		t.Fatalf("FrontendURL = %q (%v), want the one given", c.FrontendURL, err)
	}
}
