package config

import "testing"

// Tracing is off unless an endpoint is named, and an endpoint that is not
// a URL the exporter could post to is refused at start.
func TestOTLPEndpointIsOffByDefaultAndMustBeAnHTTPURL(t *testing.T) {
	c, err := Load(nil, env(nil))
	if err != nil || c.OTLPEndpoint != "" {
		t.Fatalf("default: %q, %v; want no endpoint", c.OTLPEndpoint, err)
	}
	c, err = Load(nil, env(map[string]string{"STOREFRONT_OTLP_ENDPOINT": "http://127.0.0.1:4318"}))
	if err != nil || c.OTLPEndpoint != "http://127.0.0.1:4318" {
		t.Fatalf("from the environment: %q, %v", c.OTLPEndpoint, err)
	}
	for _, bad := range []string{"127.0.0.1:4318", "grpc://collector:4317", "http://"} {
		if _, err := Load([]string{"-otlp-endpoint", bad}, env(nil)); err == nil {
			t.Errorf("-otlp-endpoint %q accepted", bad)
		}
	}
}
