package alipaysandbox

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Keys are the two private keys (PEM) a sandbox deployment needs: the
// sandbox's own ("Alipay's") and the app's. Every instance behind one load
// balancer needs the same pair, or one instance's signatures do not verify
// on another.
type Keys struct {
	Sandbox string `json:"sandbox"`
	App     string `json:"app"`
}

// GenerateKeys makes a fresh pair.
func GenerateKeys() (Keys, error) {
	sb, _, err := GenerateKey()
	if err != nil {
		return Keys{}, err
	}
	app, _, err := GenerateKey()
	if err != nil {
		return Keys{}, err
	}
	return Keys{Sandbox: sb, App: app}, nil
}

// SharedKeys returns the pair kept in Redis under prefix, making it on
// first use: the first instance's SET NX wins and every other instance
// loads that pair. A Redis that lost the key (a flush, a restart without
// persistence) gets a new pair; its trades are gone with it. Instances
// started before that keep the old pair until restarted, which is why a
// fleet that must outlive its Redis sets the keys in its configuration.
func SharedKeys(ctx context.Context, rdb redis.UniversalClient, prefix string, timeout time.Duration) (Keys, error) {
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(timeout, DefaultRedisTimeout))
	defer cancel()
	key := prefix + "alipay-sandbox:keys"
	load := func() (Keys, bool, error) {
		raw, err := rdb.Get(ctx, key).Bytes()
		if errors.Is(err, redis.Nil) {
			return Keys{}, false, nil
		}
		if err != nil {
			return Keys{}, false, fmt.Errorf("alipaysandbox: loading the shared keys: %w", err)
		}
		var k Keys
		if err := json.Unmarshal(raw, &k); err != nil || k.Sandbox == "" || k.App == "" {
			return Keys{}, false, fmt.Errorf("alipaysandbox: the shared keys at %s are unreadable: %v", key, err)
		}
		return k, true, nil
	}
	if k, ok, err := load(); ok || err != nil {
		return k, err
	}
	k, err := GenerateKeys()
	if err != nil {
		return Keys{}, err
	}
	raw, err := json.Marshal(k)
	if err != nil {
		return Keys{}, err
	}
	won, err := rdb.SetNX(ctx, key, raw, 0).Result()
	if err != nil {
		return Keys{}, fmt.Errorf("alipaysandbox: storing the shared keys: %w", err)
	}
	if won {
		return k, nil
	}
	k, ok, err := load()
	if err == nil && !ok {
		err = fmt.Errorf("alipaysandbox: the shared keys at %s vanished while starting", key)
	}
	return k, err
}

// PublicKeyOf is the PKIX PEM public key of a private key (PKCS#1 or
// PKCS#8, PEM or bare base64): the app's public key the sandbox verifies
// requests with, from the app's private key.
func PublicKeyOf(privatePEM string) (string, error) {
	key, err := parsePrivateKey(privatePEM)
	if err != nil {
		return "", err
	}
	return encodePublicKey(&key.PublicKey)
}
