package graph_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/storefront/storefront/ent/orderinfo"
	"github.com/storefront/storefront/internal/gqltest"
	"github.com/storefront/storefront/internal/testenv"
)

// A shopper signs up, signs in with a password and with an SMS code, and
// pays an order. The JSON log names the request, the operation and the
// shopper of what it records, keeps a client's own X-Request-Id out (no
// trusted proxy sent it), and holds none of the shopper's secrets.
func TestTheJSONLogNamesRequestsAndShoppersAndHoldsNoSecret(t *testing.T) {
	t.Parallel()
	var logs testenv.SyncBuffer
	s := gqltest.Start(t, gqltest.Options{RunJobs: true, Log: &logs})
	sh := s.NewShopper(t)
	login(s, t, sh.Username, "not the password 42")
	code := e2eSMSCode(t, s, sh.Mobile)
	var bySMS struct{ LoginBySms struct{ AccessToken string } }
	s.Query(t, loginBySmsDoc, map[string]any{"in": map[string]any{"mobile": sh.Mobile, "smsCode": code}}, &bySMS)

	o := unpaidOrder(t, s, "Echo Buds Black")
	openPayURL(t, s, o.payURL(t, s))
	payWithoutNotify(t, s, o.no)
	body, _ := json.Marshal(map[string]any{"query": `mutation Confirm($id: ID!) { confirmPayment(orderId: $id) { state } }`,
		"variables": map[string]any{"id": o.id}})
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+o.AccessToken)
	req.Header.Set("X-Request-Id", "chosen-by-the-client")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	id := res.Header.Get("X-Request-Id")
	if id == "" || id == "chosen-by-the-client" {
		t.Fatalf("X-Request-Id answered %q: want the server's own id", id)
	}
	row, err := s.App.DB.Client.OrderInfo.Query().Where(orderinfo.OrderNo(o.no)).Only(t.Context())
	if err != nil {
		t.Fatal(err)
	}

	text := logs.String()
	var paid map[string]any
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("a log line is not JSON: %v: %s", err, sc.Bytes())
		}
		if line["msg"] == "order paid" {
			paid = line
		}
	}
	if paid == nil {
		t.Fatalf("no \"order paid\" line in the log:\n%s", text)
	}
	if paid["request_id"] != id || paid["op"] != "Confirm" || paid["user_id"] != float64(row.UserID) {
		t.Errorf("the payment's line %v: want request_id %s, op Confirm, user_id %d", paid, id, row.UserID)
	}
	for what, secret := range map[string]string{
		"password": sh.Password, "access token": sh.AccessToken, "refresh token": sh.RefreshToken,
		"SMS login's token": bySMS.LoginBySms.AccessToken, "buyer's token": o.AccessToken, "JWT secret": s.Config.JWTSecret,
	} {
		if strings.Contains(text, secret) {
			t.Errorf("the log holds the %s", what)
		}
	}
	if regexp.MustCompile(`\b` + code + `\b`).MatchString(text) {
		t.Error("the log holds the SMS code")
	}
}
