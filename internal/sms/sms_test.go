package sms_test

import (
	"testing"

	"github.com/storefront/storefront/internal/sms"
)

func TestTextRendersTheMessageAsTheShopperReadsIt(t *testing.T) {
	got := sms.Text(sms.Message{Mobile: "13800138000", Template: sms.TemplateVerifyCode, Params: map[string]string{"code": "123456"}})
	if want := "【Storefront】您的验证码是123456，5分钟内有效，请勿告诉他人。"; got != want {
		t.Fatalf("%q; want %q", got, want)
	}
	got = sms.Text(sms.Message{Template: "order-shipped", Params: map[string]string{"order": "9", "carrier": "SF"}})
	if want := "【Storefront】order-shipped carrier=SF order=9"; got != want {
		t.Fatalf("unknown template: %q; want %q", got, want)
	}
}
