package alipaysandbox

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// GenerateKey makes an RSA 2048 key pair in the formats smartwalle/alipay
// accepts: the private key as PKCS#8 PEM ("PRIVATE KEY"; alipay.New tries
// PKCS#1 then PKCS#8) and the public key as PKIX PEM ("PUBLIC KEY", the only
// form Client.LoadAliPayPublicKey accepts).
func GenerateKey() (privatePEM string, publicPEM string, err error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", err
	}
	pub, err := encodePublicKey(&key.PublicKey)
	if err != nil {
		return "", "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), pub, nil
}

func encodePublicKey(pub *rsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

// keyDER accepts a PEM block or bare base64 (as the Alipay console shows keys).
func keyDER(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("empty key")
	}
	if strings.HasPrefix(s, "-----") {
		block, _ := pem.Decode([]byte(s))
		if block == nil {
			return nil, errors.New("invalid PEM")
		}
		return block.Bytes, nil
	}
	clean := strings.Join(strings.Fields(s), "")
	return base64.StdEncoding.DecodeString(clean)
}

func parsePrivateKey(s string) (*rsa.PrivateKey, error) {
	der, err := keyDER(s)
	if err != nil {
		return nil, fmt.Errorf("private key: %w", err)
	}
	if key, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return key, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("private key: neither PKCS#1 nor PKCS#8: %w", err)
	}
	key, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("private key: not an RSA key")
	}
	return key, nil
}

func parsePublicKey(s string) (*rsa.PublicKey, error) {
	der, err := keyDER(s)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	if k, err := x509.ParsePKIXPublicKey(der); err == nil {
		key, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, errors.New("public key: not an RSA key")
		}
		return key, nil
	}
	key, err := x509.ParsePKCS1PublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("public key: neither PKIX nor PKCS#1: %w", err)
	}
	return key, nil
}

// signContent is the string both sides sign: every "k=v" pair (one per value)
// except the ignored keys, sorted as whole strings and joined by "&" — exactly
// smartwalle's Encoder.EncodeValues. With skipEmpty, empty values are dropped
// as Alipay's own documentation describes.
func signContent(values url.Values, skipEmpty bool, ignore ...string) []byte {
	pairs := make([]string, 0, len(values))
	for k, vs := range values {
		if slices.Contains(ignore, k) {
			continue
		}
		for _, v := range vs {
			if skipEmpty && v == "" {
				continue
			}
			pairs = append(pairs, k+"="+v)
		}
	}
	sort.Strings(pairs)
	return []byte(strings.Join(pairs, "&"))
}

// signRSA2 is SHA256withRSA (PKCS#1 v1.5), base64 (standard, padded).
func signRSA2(key *rsa.PrivateKey, data []byte) (string, error) {
	sum := sha256.Sum256(data)
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

func verifyRSA2(pub *rsa.PublicKey, data []byte, sign string) error {
	sig, err := base64.StdEncoding.DecodeString(sign)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig)
}

// verifyRequest checks an app's request: every parameter but sign is signed
// (sign_type included), which is what smartwalle's URLValues does.
func verifyRequest(pub *rsa.PublicKey, values url.Values) error {
	sign := values.Get("sign")
	if sign == "" {
		return errors.New("missing sign")
	}
	if err := verifyRSA2(pub, signContent(values, false, "sign"), sign); err == nil {
		return nil
	}
	// Alipay's documented rule drops empty values; accept that form too.
	return verifyRSA2(pub, signContent(values, true, "sign"), sign)
}

// signValues returns a copy of values with sign_type=RSA2 and a sign over
// every parameter but sign and sign_type (notifications and the page-pay
// return), which is what smartwalle's VerifySign / DecodeNotification check.
func signValues(key *rsa.PrivateKey, values url.Values) (url.Values, error) {
	out := url.Values{}
	for k, vs := range values {
		if k == "sign" {
			continue
		}
		out[k] = slices.Clone(vs)
	}
	if out.Get("sign_type") == "" {
		out.Set("sign_type", "RSA2")
	}
	sign, err := signRSA2(key, signContent(out, false, "sign", "sign_type"))
	if err != nil {
		return nil, err
	}
	out.Set("sign", sign)
	return out, nil
}

// sellerIDOf makes the merchant's fake Alipay user id from the sandbox key,
// so every instance sharing the key names the same merchant in seller_id
// (the app refuses notifications paid to another account).
func sellerIDOf(pub *rsa.PublicKey) string {
	sum := sha256.Sum256(pub.N.Bytes())
	var b strings.Builder
	b.WriteString("2088")
	for _, c := range sum[:12] {
		b.WriteByte('0' + c%10)
	}
	return b.String()
}
