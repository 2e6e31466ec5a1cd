package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	netmail "net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/storefront/storefront/ent/user"
	"github.com/storefront/storefront/internal/config"
	"github.com/storefront/storefront/internal/emailverify"
	"github.com/storefront/storefront/internal/gqltest"
	"github.com/storefront/storefront/internal/mail/smtptest"
	"github.com/storefront/storefront/internal/outbox"
)

const (
	e2eSetEmailDoc    = `mutation($e: String!) { setEmail(email: $e) { email emailVerified } }`
	e2eVerifyEmailDoc = `mutation($t: String!) { verifyEmail(token: $t) { username email emailVerified } }`
	e2eMeEmailDoc     = `query { me { username email emailVerified } }`
	// e2eDeadline bounds every wait for the job worker: jobs are picked
	// up within a second or two, retries after asynq's backoff.
	e2eDeadline = 15 * time.Second
)

type e2eEmailState struct {
	Email         *string
	EmailVerified bool
}

// e2eWantBad fails unless res is BAD_USER_INPUT on field (and reason,
// when given).
func e2eWantBad(t *testing.T, what string, res gqltest.Response, field, reason string) {
	t.Helper()
	if res.Code() != "BAD_USER_INPUT" || res.Errors[0].Extensions["field"] != field ||
		reason != "" && res.Errors[0].Extensions["reason"] != reason {
		t.Fatalf("%s: %+v; want BAD_USER_INPUT on %s, reason %q", what, res.Errors, field, reason)
	}
}

// e2eWaitFor polls cond until it holds or the deadline passes.
func e2eWaitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", within, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func e2eMe(t *testing.T, s *gqltest.Server, sh gqltest.Shopper) e2eEmailState {
	t.Helper()
	var out struct{ Me e2eEmailState }
	s.As(t, sh, e2eMeEmailDoc, nil, &out)
	return out.Me
}

func e2eSetEmail(t *testing.T, s *gqltest.Server, sh gqltest.Shopper, email string) gqltest.Response {
	t.Helper()
	return s.Post(t, gqltest.Request{Query: e2eSetEmailDoc, Variables: map[string]any{"e": email}, Header: sh.Header()})
}

// e2eGetNoRedirect GETs url and returns the answer as it is, a redirect
// not followed.
func e2eGetNoRedirect(t *testing.T, u string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, res.Header.Get("Location")
}

// e2eMailText is the decoded subject and text of a raw message.
func e2eMailText(t *testing.T, raw []byte) (h netmail.Header, subject, text string) {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the message does not parse: %v\n%s", err, raw)
	}
	subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("subject %q: %v", m.Header.Get("Subject"), err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type %q: %v", m.Header.Get("Content-Type"), err)
	}
	decode := func(cte string, r io.Reader) string {
		if strings.EqualFold(cte, "quoted-printable") {
			r = quotedprintable.NewReader(r)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("decoding the body (%s): %v", cte, err)
		}
		return string(b)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		return m.Header, subject, decode(m.Header.Get("Content-Transfer-Encoding"), m.Body)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatalf("no text/plain part: %v", err)
		}
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain") {
			return m.Header, subject, decode(p.Header.Get("Content-Transfer-Encoding"), p)
		}
	}
}

var e2eLinkPattern = regexp.MustCompile(`https?://[^\s]+` + regexp.QuoteMeta(emailverify.LinkPath) + `\?token=[A-Za-z0-9._%~-]+`)

// e2eLink is the verification link in a mail's text, checked to point at
// the instance.
func e2eLink(t *testing.T, s *gqltest.Server, text string) string {
	t.Helper()
	links := e2eLinkPattern.FindAllString(text, -1)
	if len(links) == 0 {
		t.Fatalf("no link in the mail:\n%s", text)
	}
	for _, l := range links[1:] {
		if l != links[0] {
			t.Fatalf("the mail holds two different links: %s and %s", links[0], l)
		}
	}
	if !strings.HasPrefix(links[0], s.Config.PublicURL+emailverify.LinkPath+"?token=") {
		t.Fatalf("link %s is not on %s%s", links[0], s.Config.PublicURL, emailverify.LinkPath)
	}
	return links[0]
}

func e2eToken(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

// e2eMailsTo is what the SMTP server accepted for addr.
func e2eMailsTo(srv *smtptest.Server, addr string) []smtptest.Received {
	var out []smtptest.Received
	for _, m := range srv.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// The email flow through a real SMTP server: the relay refuses the
// first two deliveries (451), the job retries with backoff, and the shopper
// gets the mail once. Its link, opened as a GET, verifies the address and
// lands on the result page; a used, superseded, forged or expired link is
// refused with its reason, both as the GET and as verifyEmail.
func TestEmailIsVerifiedThroughARealSMTPServerAndItsLinkWorksOnce(t *testing.T) {
	t.Parallel()
	relay := smtptest.Start(t)
	s := gqltest.Start(t, gqltest.Options{NoSeed: true, RunJobs: true, Config: func(c *config.Config) {
		c.SMTPHost, c.SMTPPort, c.SMTPTLS = relay.Host, relay.Port, "none"
		c.SMTPFrom = "Storefront Test <shop@storefront.test>"
	}})
	// The links' clock runs ahead by skew; installed before any link is
	// sealed, moved atomically later.
	var skew atomic.Int64
	s.App.Emails.Links().Now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	sh := s.NewShopper(t)
	const addr = "alice@example.com"

	relay.FailNext(2)
	start := time.Now()
	res := e2eSetEmail(t, s, sh, " alice@EXAMPLE.com ")
	if len(res.Errors) > 0 {
		t.Fatalf("setEmail: %+v", res.Errors)
	}
	var set struct{ SetEmail e2eEmailState }
	mustDecode(t, res, &set)
	if set.SetEmail.Email == nil || *set.SetEmail.Email != addr || set.SetEmail.EmailVerified {
		t.Fatalf("setEmail answered %+v; want %s, unverified (the domain lower-cased)", set.SetEmail, addr)
	}
	if me := e2eMe(t, s, sh); me.Email == nil || *me.Email != addr || me.EmailVerified {
		t.Fatalf("me before the link: %+v", me)
	}
	// Two failures, backoff 2 s then 4 s (±20%), and asynq's forwarding of
	// retries: well within 45 s on a loaded machine.
	e2eWaitFor(t, 45*time.Second, "the mail never reached the SMTP server", func() bool { return len(e2eMailsTo(relay, addr)) > 0 })
	if took := time.Since(start); took < 4*time.Second {
		t.Fatalf("the mail arrived after %v: two failed attempts with a 2 s then 4 s backoff take longer", took)
	}
	t.Logf("delivered after %v (two 451s, then success)", time.Since(start))
	e2eWaitFor(t, e2eDeadline, "the mail job did not complete", func() bool {
		st, err := s.App.Jobs.Stats(t.Context())
		return err == nil && st.Completed == 1 && st.Pending+st.Active+st.Scheduled+st.Retry+st.Archived == 0
	})
	got := e2eMailsTo(relay, addr)
	if len(got) != 1 {
		t.Fatalf("the SMTP server accepted %d mails to %s; want exactly 1", len(got), addr)
	}
	if got[0].From != "shop@storefront.test" || len(got[0].To) != 1 {
		t.Fatalf("envelope MAIL FROM %q RCPT TO %q", got[0].From, got[0].To)
	}
	h, subject, text := e2eMailText(t, got[0].Data)
	if to, err := h.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != addr {
		t.Fatalf("To: %q (%v)", h.Get("To"), err)
	}
	if !strings.Contains(subject, "Verify your email") || !strings.Contains(subject, "邮箱验证") {
		t.Fatalf("subject %q", subject)
	}
	if !strings.Contains(text, sh.Username) {
		t.Fatalf("the mail does not greet %s:\n%s", sh.Username, text)
	}
	link := e2eLink(t, s, text)
	token := e2eToken(t, link)

	landing := s.Config.PublicURL + emailverify.ResultPath + "?status="
	if code, loc := e2eGetNoRedirect(t, link); code != http.StatusSeeOther || loc != landing+"verified" {
		t.Fatalf("opening the link: %d to %q; want 303 to %sverified", code, loc, landing)
	}
	if me := e2eMe(t, s, sh); me.Email == nil || *me.Email != addr || !me.EmailVerified {
		t.Fatalf("me after the link: %+v; want %s verified", me, addr)
	}
	if code, body := resultPageBody(t, landing+"verified"); code != http.StatusOK || !strings.Contains(body, "Email verified") {
		t.Fatalf("the landing page: %d %q", code, body)
	}

	// Replayed: the GET lands on "used", the mutation says USED.
	if code, loc := e2eGetNoRedirect(t, link); code != http.StatusSeeOther || loc != landing+"used" {
		t.Fatalf("the link again: %d to %q; want 303 to %sused", code, loc, landing)
	}
	res = s.Post(t, gqltest.Request{Query: e2eVerifyEmailDoc, Variables: map[string]any{"t": token}})
	e2eWantBad(t, "verifyEmail with a used token", res, "token", "USED")

	// Setting the verified address again changes nothing and sends nothing.
	if res := e2eSetEmail(t, s, sh, addr); len(res.Errors) > 0 {
		t.Fatalf("setEmail of the verified address: %+v", res.Errors)
	}
	if me := e2eMe(t, s, sh); !me.EmailVerified {
		t.Fatalf("setting the verified address again unverified it: %+v", me)
	}

	// A new address unverifies; its link supersedes every older one.
	const addr2 = "alice.new@example.org"
	if res := e2eSetEmail(t, s, sh, addr2); len(res.Errors) > 0 {
		t.Fatalf("setEmail of a new address: %+v", res.Errors)
	}
	if me := e2eMe(t, s, sh); me.Email == nil || *me.Email != addr2 || me.EmailVerified {
		t.Fatalf("me after changing the address: %+v; want %s unverified", me, addr2)
	}
	e2eWaitFor(t, e2eDeadline, "no mail to the new address", func() bool { return len(e2eMailsTo(relay, addr2)) > 0 })
	_, _, text2 := e2eMailText(t, e2eMailsTo(relay, addr2)[0].Data)
	link2 := e2eLink(t, s, text2)
	// The address set a third time: a third link, which makes the second
	// one stale before it was ever used.
	const addr3 = "alice.third@example.net"
	if res := e2eSetEmail(t, s, sh, addr3); len(res.Errors) > 0 {
		t.Fatalf("setEmail of a third address: %+v", res.Errors)
	}
	e2eWaitFor(t, e2eDeadline, "no mail to the third address", func() bool { return len(e2eMailsTo(relay, addr3)) > 0 })
	_, _, text3 := e2eMailText(t, e2eMailsTo(relay, addr3)[0].Data)
	link3 := e2eLink(t, s, text3)
	res = s.Post(t, gqltest.Request{Query: e2eVerifyEmailDoc, Variables: map[string]any{"t": e2eToken(t, link2)}})
	e2eWantBad(t, "the superseded link", res, "token", "USED")
	if code, loc := e2eGetNoRedirect(t, link2); code != http.StatusSeeOther || loc != landing+"used" {
		t.Fatalf("the superseded link as a GET: %d to %q", code, loc)
	}
	if me := e2eMe(t, s, sh); me.EmailVerified || me.Email == nil || *me.Email != addr3 {
		t.Fatalf("a superseded link changed the account: %+v", me)
	}

	// Forged and altered tokens: BAD_USER_INPUT on token, the GET lands on
	// "invalid"; the account stays unverified.
	tok3 := e2eToken(t, link3)
	msg, mac, _ := strings.Cut(tok3, ".")
	flip := func(s string) string {
		last := s[len(s)-1]
		r := byte('A')
		if last == 'A' {
			r = 'B'
		}
		return s[:len(s)-1] + string(r)
	}
	for name, forged := range map[string]string{
		"random":           "not-a-token",
		"empty":            "",
		"altered mac":      msg + "." + flip(mac),
		"altered payload":  flip(msg) + "." + mac,
		"no mac":           msg,
		"mac with a tail":  msg + "." + mac + "x",
		"oversized":        strings.Repeat("A", 5000) + "." + mac,
		"used link's body": e2eToken(t, link)[:strings.IndexByte(e2eToken(t, link), '.')] + "." + mac,
	} {
		res := s.Post(t, gqltest.Request{Query: e2eVerifyEmailDoc, Variables: map[string]any{"t": forged}})
		e2eWantBad(t, "a "+name+" token", res, "token", "")
		if r := res.Errors[0].Extensions["reason"]; r != nil {
			t.Fatalf("a %s token has reason %v; a forgery is neither used nor expired", name, r)
		}
		if code, loc := e2eGetNoRedirect(t, s.Config.PublicURL+emailverify.LinkPath+"?token="+url.QueryEscape(forged)); code != http.StatusSeeOther || loc != landing+"invalid" {
			t.Fatalf("a %s token as a GET: %d to %q", name, code, loc)
		}
	}
	if me := e2eMe(t, s, sh); me.EmailVerified {
		t.Fatalf("a forged token verified the address: %+v", me)
	}

	// A day later the newest link is too old: EXPIRED, and the GET says so.
	skew.Store(int64(emailverify.LinkTTL + time.Second))
	res = s.Post(t, gqltest.Request{Query: e2eVerifyEmailDoc, Variables: map[string]any{"t": tok3}})
	e2eWantBad(t, "an expired link", res, "token", "EXPIRED")
	if code, loc := e2eGetNoRedirect(t, link3); code != http.StatusSeeOther || loc != landing+"expired" {
		t.Fatalf("an expired link as a GET: %d to %q", code, loc)
	}
	// Just before the end it still works: expiry did not spend it.
	skew.Store(int64(emailverify.LinkTTL - time.Minute))
	res = s.Post(t, gqltest.Request{Query: e2eVerifyEmailDoc, Variables: map[string]any{"t": tok3}})
	if len(res.Errors) > 0 {
		t.Fatalf("the newest link a minute before it expires: %+v", res.Errors)
	}
	var v struct {
		VerifyEmail struct {
			Username, Email string
			EmailVerified   bool
		}
	}
	mustDecode(t, res, &v)
	if v.VerifyEmail.Username != sh.Username || v.VerifyEmail.Email != addr3 || !v.VerifyEmail.EmailVerified {
		t.Fatalf("verifyEmail answered %+v", v.VerifyEmail)
	}
	// Nothing was sent twice.
	for _, a := range []string{addr, addr2, addr3} {
		if n := len(e2eMailsTo(relay, a)); n != 1 {
			t.Fatalf("%d mails to %s; want 1", n, a)
		}
	}
}

// resultPageBody GETs a page and returns its status and body.
func resultPageBody(t *testing.T, u string) (int, string) {
	t.Helper()
	code, _, body := resultPage(t, u)
	return code, body
}

// setEmail's rules: a malformed address is BAD_USER_INPUT on email and
// leaves the stored one as it was; without a login it is UNAUTHENTICATED;
// the sixth change within an hour for one account is RATE_LIMITED.
func TestSetEmailRefusesBadAddressesStrangersAndTooManyChanges(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{NoSeed: true})
	sh := s.NewShopper(t)
	const addr = "bob@example.com"
	if res := e2eSetEmail(t, s, sh, addr); len(res.Errors) > 0 {
		t.Fatalf("setEmail: %+v", res.Errors)
	}
	row := func() (email *string, verified bool, token *string) {
		u, err := s.App.DB.Client.User.Query().Where(user.Username(sh.Username)).Only(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return u.Email, u.EmailVerified, u.EmailToken
	}
	_, _, tokenBefore := row()
	if tokenBefore == nil {
		t.Fatal("setEmail stored no link digest")
	}
	for _, bad := range []string{
		"a", "a@b", "Name <a@b.com>", "a@b.com\n", "a@b.com\r\nBcc: c@d.com", "a b@c.com", "@b.com", "a@",
		"a@[127.0.0.1]", "a@b.com, c@d.com", "",
		strings.Repeat("x", 300-len("@example.com")) + "@example.com",
	} {
		res := e2eSetEmail(t, s, sh, bad)
		e2eWantBad(t, fmt.Sprintf("setEmail(%q)", bad), res, "email", "")
		email, verified, token := row()
		if email == nil || *email != addr || verified || token == nil || *token != *tokenBefore {
			t.Fatalf("setEmail(%q) was refused but wrote: email %v verified %v", bad, email, verified)
		}
	}
	// 254 bytes is the longest address; 255 is refused.
	long := strings.Repeat("x", 64) + "@" + strings.Repeat("d", 254-64-1-4) + ".com"
	if len(long) != 254 {
		t.Fatalf("the long address is %d bytes", len(long))
	}
	res := e2eSetEmail(t, s, sh, long+"m")
	e2eWantBad(t, "a 255-byte address", res, "email", "")

	res = s.Post(t, gqltest.Request{Query: e2eSetEmailDoc, Variables: map[string]any{"e": "eve@example.com"}})
	if res.Code() != "UNAUTHENTICATED" {
		t.Fatalf("setEmail without a login: %+v; want UNAUTHENTICATED", res.Errors)
	}
	res = s.Post(t, gqltest.Request{Query: e2eSetEmailDoc, Variables: map[string]any{"e": "eve@example.com"},
		Header: gqltest.Bearer("forged.access.token")})
	if res.Code() != "UNAUTHENTICATED" {
		t.Fatalf("setEmail with a forged token: %+v; want UNAUTHENTICATED", res.Errors)
	}

	// One change was made above; four more are allowed, the sixth is not.
	for i := 2; i <= emailverify.AccountRule.Burst; i++ {
		if res := e2eSetEmail(t, s, sh, fmt.Sprintf("bob%d@example.com", i)); len(res.Errors) > 0 {
			t.Fatalf("setEmail number %d: %+v", i, res.Errors)
		}
	}
	res = e2eSetEmail(t, s, sh, "bob6@example.com")
	if res.Code() != "RATE_LIMITED" || res.Errors[0].Extensions["retryAfter"] == nil {
		t.Fatalf("the sixth setEmail within the hour: %+v; want RATE_LIMITED with retryAfter", res.Errors)
	}
	if email, _, _ := row(); email == nil || *email != fmt.Sprintf("bob%d@example.com", emailverify.AccountRule.Burst) {
		t.Fatalf("the refused change was stored: %v", email)
	}
	// The throttle is per account: another shopper sets hers.
	other := s.NewShopper(t)
	if res := e2eSetEmail(t, s, other, "carol@example.com"); len(res.Errors) > 0 {
		t.Fatalf("another shopper's setEmail: %+v", res.Errors)
	}
}

// The embedded default runs the job worker on its in-process Redis: the
// mail reaches the outbox, whose page lists it and whose JSON returns it,
// and its link verifies the address.
func TestEmbeddedShopDeliversTheEmailLinkToTheOutbox(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{Embedded: true, RunJobs: true})
	sh := s.NewShopper(t)
	const addr = "dora@example.com"
	if res := e2eSetEmail(t, s, sh, addr); len(res.Errors) > 0 {
		t.Fatalf("setEmail: %+v", res.Errors)
	}
	var e outbox.Entry
	e2eWaitFor(t, e2eDeadline, "no mail in the outbox", func() bool {
		var ok bool
		e, ok = s.App.Outbox.Latest(outbox.KindMail, addr)
		return ok
	})
	link := e2eLink(t, s, e.Body)
	if !strings.Contains(e.Subject, "Verify your email") {
		t.Fatalf("subject %q", e.Subject)
	}

	code, hdr, page := resultPage(t, s.URL+"/dev/outbox")
	if code != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Fatalf("/dev/outbox: %d %s", code, hdr.Get("Content-Type"))
	}
	if !strings.Contains(page, addr) || !strings.Contains(page, `href="`+link+`"`) {
		t.Fatalf("/dev/outbox does not list the mail to %s with its link %s:\n%s", addr, link, page)
	}
	code, hdr, raw := resultPage(t, s.URL+"/dev/outbox?format=json")
	if code != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
		t.Fatalf("/dev/outbox?format=json: %d %s", code, hdr.Get("Content-Type"))
	}
	var entries []outbox.Entry
	if err := json.Unmarshal([]byte(raw), &entries); err != nil {
		t.Fatalf("/dev/outbox?format=json: %v\n%s", err, raw)
	}
	found := 0
	for _, x := range entries {
		if x.Kind == outbox.KindMail && x.To == addr && x.ID == e.ID && strings.Contains(x.Body, link) {
			found++
		}
	}
	if found != 1 {
		t.Fatalf("the JSON lists the mail %d times: %s", found, raw)
	}

	if code, loc := e2eGetNoRedirect(t, link); code != http.StatusSeeOther || loc != s.Config.PublicURL+emailverify.ResultPath+"?status=verified" {
		t.Fatalf("the outbox's link: %d to %q", code, loc)
	}
	if me := e2eMe(t, s, sh); !me.EmailVerified {
		t.Fatalf("me after the outbox's link: %+v", me)
	}
}
