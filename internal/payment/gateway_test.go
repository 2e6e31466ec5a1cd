package payment

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"testing"
	"time"
)

// An Alipay gateway that accepts the connection and never answers (a hung
// load balancer, a black-holed route) must not hold the caller forever: the
// expiry sweeper asks with no deadline of its own. The call fails as a
// gateway error, which the callers already treat as "ask again later".
func TestAnAlipayThatNeverAnswersFailsTheCallAsAGatewayError(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan []net.Conn, 1)
	go func() {
		var held []net.Conn // read nothing, answer nothing
		defer func() { accepted <- held }()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	defer func() {
		ln.Close()
		for _, c := range <-accepted {
			c.Close()
		}
	}()

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	g, err := NewAlipayGateway(AlipayConfig{
		AppID:         "2021000000000000",
		AppPrivateKey: string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
		AlipayPubKey:  string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})),
		Gateway:       "http://" + ln.Addr().String() + "/gateway.do",
		Timeout:       500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}

	done := make(chan error, 1)
	go func() {
		_, err := g.Query(context.Background(), "SF-1")
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, errGateway) {
			t.Fatalf("Query of a silent gateway: %v; want a gateway error", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Query is still waiting for the silent gateway a minute later")
	}
}
