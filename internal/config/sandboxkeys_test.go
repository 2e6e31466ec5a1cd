package config

import (
	"os"
	"path/filepath"
	"testing"
)

func TestTheSandboxKeysOfAFleetAreSetTogether(t *testing.T) {
	dir := t.TempDir()
	appKey := filepath.Join(dir, "app.pem")
	if err := os.WriteFile(appKey, []byte("APP PEM"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load([]string{"-alipay-sandbox-app-key", "@" + appKey}, env(map[string]string{"STOREFRONT_ALIPAY_SANDBOX_KEY": "SANDBOX PEM"}))
	if err != nil || c.AlipaySandboxKey != "SANDBOX PEM" || c.AlipaySandboxAppKey != "APP PEM" {
		t.Fatalf("both keys: %q %q %v", c.AlipaySandboxKey, c.AlipaySandboxAppKey, err)
	}
	if _, err := Load([]string{"-alipay-sandbox-key", "SANDBOX PEM"}, env(nil)); err == nil {
		t.Error("a sandbox key without the app key was accepted: instances would verify different app keys")
	}
	if _, err := Load(nil, env(map[string]string{"STOREFRONT_ALIPAY_SANDBOX_APP_KEY": "APP PEM"})); err == nil {
		t.Error("an app key without the sandbox key was accepted")
	}
}
