package config

import "testing"

func TestAnAlipaySellerIDMustLookLikeOne(t *testing.T) {
	c, err := Load(nil, env(map[string]string{"STOREFRONT_ALIPAY_SELLER_ID": "2088101122136241"}))
	if err != nil || c.AlipaySellerID != "2088101122136241" {
		t.Fatalf("a well-formed seller id: %q, %v", c.AlipaySellerID, err)
	}
	for _, bad := range []string{"2088", "1088101122136241", "2088x01122136241", "20881011221362410"} {
		if _, err := Load([]string{"-alipay-seller-id", bad}, env(nil)); err == nil {
			t.Errorf("seller id %q was accepted", bad)
		}
	}
}
