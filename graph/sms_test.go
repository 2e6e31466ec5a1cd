package graph_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/config"
	"github.com/storefront/storefront/internal/gqltest"
	"github.com/storefront/storefront/internal/outbox"
	"github.com/storefront/storefront/internal/sms"
	"github.com/storefront/storefront/internal/smscode"
	"github.com/storefront/storefront/internal/verify"
)

// smsShop is an instance that sends SMS codes from its job worker into
// the outbox, as the embedded default does. Its sign-up trusts the mobile
// (gqltest's default), so tests can make accounts with NewShopper.
func smsShop(t *testing.T, edit ...func(*config.Config)) *gqltest.Server {
	t.Helper()
	return gqltest.Start(t, gqltest.Options{RunJobs: true, Config: func(c *config.Config) {
		for _, e := range edit {
			e(c)
		}
	}})
}

// signUpShop is an smsShop whose sign-up needs an SMS code, as the shop's
// default (-require-sms) does.
func signUpShop(t *testing.T) *gqltest.Server {
	return smsShop(t, func(c *config.Config) { c.RequireSMS = true })
}

var smsMobiles atomic.Int64

// newMobile is a mobile no other test of this run uses.
func newMobile() string { return fmt.Sprintf("137%08d", smsMobiles.Add(1)) }

// solvedCaptcha draws a captcha and reads its answer where the server
// keeps it, as a shopper reads the image.
func solvedCaptcha(t *testing.T, s *gqltest.Server) (id, answer string) {
	t.Helper()
	var d drawn
	s.Query(t, captchaDoc, nil, &d)
	return d.Captcha.ID, s.App.Redis.Get(t.Context(), s.App.Captchas.Key(d.Captcha.ID)).Val()
}

const sendSmsCodeDoc = `mutation($in: SendSmsCodeInput!) { sendSmsCode(input: $in) { mobile expiresAt resendAfter } }`

func sendCode(t *testing.T, s *gqltest.Server, mobile string, p smscode.Purpose) gqltest.Response {
	t.Helper()
	id, answer := solvedCaptcha(t, s)
	return s.Post(t, gqltest.Request{Query: sendSmsCodeDoc, Variables: map[string]any{"in": map[string]any{
		"mobile": mobile, "purpose": string(p), "captchaId": id, "captchaAnswer": answer,
	}}})
}

// deliveredCode waits for the job worker to put the SMS to mobile in the
// outbox and returns its code; after is the count of that mobile's SMS
// before the send, so an older one is not taken.
func deliveredCode(t *testing.T, s *gqltest.Server, mobile string, after int) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if got := smsTo(s, mobile); len(got) > after {
			return got[0].Params["code"]
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no SMS reached %s's outbox within 20 s", mobile)
	return ""
}

// smsTo lists the SMS sent to mobile, newest first.
func smsTo(s *gqltest.Server, mobile string) []outbox.Entry {
	var out []outbox.Entry
	for _, e := range s.App.Outbox.Entries() {
		if e.Kind == outbox.KindSMS && e.To == mobile {
			out = append(out, e)
		}
	}
	return out
}

func field(r gqltest.Response) string {
	if len(r.Errors) == 0 {
		return ""
	}
	f, _ := r.Errors[0].Extensions["field"].(string)
	return f
}

const registerWithCodeDoc = `mutation($in: RegisterInput!) { register(input: $in) { id username mobile } }`

func TestASignUpWithCaptchaAndSMSCodeOverHTTP(t *testing.T) {
	t.Parallel()
	s := signUpShop(t)
	mobile := newMobile()
	res := sendCode(t, s, mobile, smscode.Register)
	if len(res.Errors) > 0 {
		t.Fatalf("sendSmsCode: %+v", res.Errors)
	}
	var sent struct {
		SendSmsCode struct {
			Mobile      string
			ResendAfter int
			ExpiresAt   time.Time
		}
	}
	if err := json.Unmarshal(res.Data, &sent); err != nil {
		t.Fatal(err)
	}
	if want := mobile[:3] + "****" + mobile[7:]; sent.SendSmsCode.Mobile != want || sent.SendSmsCode.ResendAfter != 60 {
		t.Fatalf("sent %+v, want mobile %s and resendAfter 60", sent.SendSmsCode, want)
	}
	if left := time.Until(sent.SendSmsCode.ExpiresAt); left < 4*time.Minute || left > 5*time.Minute {
		t.Fatalf("the code expires in %v", left)
	}
	code := deliveredCode(t, s, mobile, 0)
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		t.Fatalf("code %q is not six digits", code)
	}
	if body := smsTo(s, mobile)[0].Body; !strings.Contains(body, code) || !strings.Contains(body, "验证码") {
		t.Fatalf("the SMS reads %q", body)
	}
	in := map[string]any{"username": "signs_up", "password": "password1", "mobile": mobile}

	// Without the code, and with a wrong one, nothing is created.
	for _, c := range []struct {
		code any
		want string
	}{{nil, "smsCode"}, {"", "smsCode"}, {wrongCode(code), "smsCode"}} {
		in["smsCode"] = c.code
		res := s.Post(t, gqltest.Request{Query: registerWithCodeDoc, Variables: map[string]any{"in": in}})
		if res.Code() != apperr.CodeBadUserInput || field(res) != c.want {
			t.Fatalf("register with code %v: %+v", c.code, res.Errors)
		}
	}
	in["smsCode"] = code
	var reg struct {
		Register struct{ Username, Mobile string }
	}
	s.Query(t, registerWithCodeDoc, map[string]any{"in": in}, &reg)
	if reg.Register.Username != "signs_up" || reg.Register.Mobile != mobile {
		t.Fatalf("registered %+v", reg.Register)
	}
	s.Login(t, "signs_up", "password1")

	// The code is spent: a second account cannot ride on it.
	in["username"], in["mobile"] = "rides_along", mobile
	if res := s.Post(t, gqltest.Request{Query: registerWithCodeDoc, Variables: map[string]any{"in": in}}); res.Code() != apperr.CodeBadUserInput {
		t.Fatalf("a spent code registered again: %+v", res.Errors)
	}
}

func wrongCode(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

func TestNoSMSLeavesWithoutARightCaptcha(t *testing.T) {
	t.Parallel()
	s := smsShop(t)
	mobile := newMobile()
	id, answer := solvedCaptcha(t, s)
	for _, c := range []struct{ id, answer string }{
		{id, "x" + answer},       // wrong: uses the captcha up
		{id, answer},             // right, but already used
		{"no-such-captcha", "1"}, // never drawn
	} {
		res := s.Post(t, gqltest.Request{Query: sendSmsCodeDoc, Variables: map[string]any{"in": map[string]any{
			"mobile": mobile, "purpose": "REGISTER", "captchaId": c.id, "captchaAnswer": c.answer,
		}}})
		if res.Code() != apperr.CodeBadUserInput || field(res) != "captchaAnswer" {
			t.Fatalf("captcha %+v: %+v", c, res.Errors)
		}
	}
	// A malformed mobile is refused before the captcha is spent.
	for _, bad := range []string{"12345", "2380013800", "1380013800０", "138 0013 8000", strings.Repeat("1", 200)} {
		res := sendCode(t, s, bad, smscode.Register)
		if res.Code() != apperr.CodeBadUserInput || field(res) != "mobile" {
			t.Fatalf("mobile %q: %+v", bad, res.Errors)
		}
	}
	time.Sleep(2 * time.Second) // give the worker time to send what it must not
	if n := len(s.App.Outbox.Entries()); n != 0 {
		t.Fatalf("%d messages left without a right captcha", n)
	}
}

func TestOneCodePerMobilePerMinuteAndDailyCaps(t *testing.T) {
	t.Parallel()
	s := smsShop(t)
	clock := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	codes := smsCodes(s)
	codes.Now = func() time.Time { return clock }
	mobile := newMobile()
	if res := sendCode(t, s, mobile, smscode.Register); len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	id, answer := solvedCaptcha(t, s)
	early := map[string]any{"in": map[string]any{"mobile": mobile, "purpose": "LOGIN", "captchaId": id, "captchaAnswer": answer}}
	res := s.Post(t, gqltest.Request{Query: sendSmsCodeDoc, Variables: early})
	if res.Code() != apperr.CodeRateLimited {
		t.Fatalf("a second send within the minute: %+v", res.Errors)
	}
	// Refused before the captcha was looked at: it still serves the retry.
	if err := s.App.Captchas.Check(t.Context(), id, answer); err != nil {
		t.Fatalf("the early send spent its captcha: %v", err)
	}
	if wait, _ := res.Errors[0].Extensions["retryAfter"].(float64); wait < 1 || wait > 60 {
		t.Fatalf("retryAfter %v", res.Errors[0].Extensions["retryAfter"])
	}
	// The resend window is a Redis TTL: let it lapse rather than move the
	// clock, then spend the rest of the mobile's day.
	lim := codes.Limits()
	for i := 1; i < lim.PerMobileDay; i++ {
		s.App.Redis.Del(t.Context(), resendKeys(t, s, mobile)...)
		if res := sendCode(t, s, mobile, smscode.Register); len(res.Errors) > 0 {
			t.Fatalf("send %d: %+v", i+1, res.Errors)
		}
	}
	s.App.Redis.Del(t.Context(), resendKeys(t, s, mobile)...)
	res = sendCode(t, s, mobile, smscode.Register)
	if res.Code() != apperr.CodeRateLimited {
		t.Fatalf("send past the daily cap: %+v", res.Errors)
	}
	// The next day the mobile may ask again.
	clock = clock.Add(24 * time.Hour)
	if res := sendCode(t, s, mobile, smscode.Register); len(res.Errors) > 0 {
		t.Fatalf("the next day: %+v", res.Errors)
	}
}

// smsCodes is the instance's code store (its clock is the test's).
func smsCodes(s *gqltest.Server) *smscode.Store { return s.App.Verify.Codes() }

func resendKeys(t *testing.T, s *gqltest.Server, mobile string) []string {
	keys, err := s.App.Redis.Keys(t.Context(), s.Config.RedisPrefix+"sms:resend:*"+mobile+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestFiveWrongCodesBurnTheCode(t *testing.T) {
	t.Parallel()
	s := signUpShop(t)
	mobile := newMobile()
	if res := sendCode(t, s, mobile, smscode.Register); len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	code := deliveredCode(t, s, mobile, 0)
	in := map[string]any{"username": "guesser", "password": "password1", "mobile": mobile}
	for i := range 5 {
		in["smsCode"] = wrongCode(code)
		if res := s.Post(t, gqltest.Request{Query: registerWithCodeDoc, Variables: map[string]any{"in": in}}); field(res) != "smsCode" {
			t.Fatalf("wrong code %d: %+v", i+1, res.Errors)
		}
	}
	in["smsCode"] = code
	if res := s.Post(t, gqltest.Request{Query: registerWithCodeDoc, Variables: map[string]any{"in": in}}); field(res) != "smsCode" {
		t.Fatalf("the right code after five wrong ones: %+v", res.Errors)
	}
}

func TestACodeServesOnlyItsMobileAndPurpose(t *testing.T) {
	t.Parallel()
	s := signUpShop(t)
	mobile, other := newMobile(), newMobile()
	if res := sendCode(t, s, mobile, smscode.Register); len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	code := deliveredCode(t, s, mobile, 0)
	// Another mobile with this code, and a login with a sign-up code.
	in := map[string]any{"username": "borrower", "password": "password1", "mobile": other, "smsCode": code}
	if res := s.Post(t, gqltest.Request{Query: registerWithCodeDoc, Variables: map[string]any{"in": in}}); field(res) != "smsCode" {
		t.Fatalf("another mobile: %+v", res.Errors)
	}
	if res := loginBySms(t, s, mobile, code); field(res) != "smsCode" {
		t.Fatalf("a REGISTER code for a login: %+v", res.Errors)
	}
	// Neither try spent it for its own use.
	in["mobile"] = mobile
	if res := s.Post(t, gqltest.Request{Query: registerWithCodeDoc, Variables: map[string]any{"in": in}}); len(res.Errors) > 0 {
		t.Fatalf("its own mobile and purpose: %+v", res.Errors)
	}
}

const loginBySmsDoc = `mutation($in: LoginBySmsInput!) { loginBySms(input: $in) { accessToken user { username mobile } } }`

func loginBySms(t *testing.T, s *gqltest.Server, mobile, code string) gqltest.Response {
	t.Helper()
	return s.Post(t, gqltest.Request{Query: loginBySmsDoc, Variables: map[string]any{"in": map[string]any{"mobile": mobile, "smsCode": code}}})
}

type smsLogin struct {
	LoginBySms struct {
		AccessToken string
		User        struct{ Username, Mobile string }
	}
}

func TestLoginBySMSSignsInAndRegistersOnFirstUse(t *testing.T) {
	t.Parallel()
	s := smsShop(t)
	sh := s.NewShopper(t)
	for _, c := range []struct {
		mobile, user string
	}{{sh.Mobile, sh.Username}, {newMobile(), ""}} {
		before := len(smsTo(s, c.mobile))
		if res := sendCode(t, s, c.mobile, smscode.Login); len(res.Errors) > 0 {
			t.Fatal(res.Errors)
		}
		res := loginBySms(t, s, c.mobile, deliveredCode(t, s, c.mobile, before))
		if len(res.Errors) > 0 {
			t.Fatalf("loginBySms %s: %+v", c.mobile, res.Errors)
		}
		var out smsLogin
		_ = json.Unmarshal(res.Data, &out)
		u := out.LoginBySms.User
		if u.Mobile != c.mobile || c.user != "" && u.Username != c.user || c.user == "" && !strings.HasPrefix(u.Username, "sf_") {
			t.Fatalf("signed in as %+v, want mobile %s user %q", u, c.mobile, c.user)
		}
		var me struct{ Me struct{ Mobile string } }
		s.As(t, gqltest.Shopper{AccessToken: out.LoginBySms.AccessToken}, `{ me { mobile } }`, nil, &me)
		if me.Me.Mobile != c.mobile {
			t.Fatalf("me %+v", me)
		}
	}
}

func TestLoginBySMSWithoutRegisteringSendsNothingToANewMobile(t *testing.T) {
	t.Parallel()
	s := smsShop(t, func(c *config.Config) { c.SMSLoginRegisters = false })
	sh := s.NewShopper(t)
	unknown := newMobile()
	// Both answered alike; only the account's holder gets an SMS.
	for _, m := range []string{unknown, sh.Mobile} {
		if res := sendCode(t, s, m, smscode.Login); len(res.Errors) > 0 {
			t.Fatalf("send to %s: %+v", m, res.Errors)
		}
	}
	deliveredCode(t, s, sh.Mobile, 0)
	if got := smsTo(s, unknown); len(got) != 0 {
		t.Fatalf("an SMS went to a mobile without an account: %+v", got)
	}
	if res := loginBySms(t, s, unknown, "123456"); field(res) != "smsCode" {
		t.Fatalf("loginBySms for an unknown mobile: %+v", res.Errors)
	}
}

const (
	startResetDoc = `mutation($in: StartPasswordResetInput!) { startPasswordReset(input: $in) { mobile resendAfter } }`
	checkResetDoc = `mutation($in: CheckPasswordResetCodeInput!) { checkPasswordResetCode(input: $in) { token expiresAt } }`
	resetDoc      = `mutation($in: ResetPasswordInput!) { resetPassword(input: $in) }`
)

func startReset(t *testing.T, s *gqltest.Server, account string) gqltest.Response {
	t.Helper()
	id, answer := solvedCaptcha(t, s)
	return s.Post(t, gqltest.Request{Query: startResetDoc, Variables: map[string]any{"in": map[string]any{
		"account": account, "captchaId": id, "captchaAnswer": answer,
	}}})
}

func resetToken(t *testing.T, s *gqltest.Server, account, code string) string {
	t.Helper()
	var out struct{ CheckPasswordResetCode struct{ Token string } }
	s.Query(t, checkResetDoc, map[string]any{"in": map[string]any{"account": account, "smsCode": code}}, &out)
	return out.CheckPasswordResetCode.Token
}

func resetPassword(t *testing.T, s *gqltest.Server, token, next string) gqltest.Response {
	t.Helper()
	return s.Post(t, gqltest.Request{Query: resetDoc, Variables: map[string]any{"in": map[string]any{"token": token, "newPassword": next}}})
}

func TestAPasswordResetEndToEndEndsEveryOldSession(t *testing.T) {
	t.Parallel()
	s := smsShop(t)
	sh := s.NewShopper(t)
	second := s.Login(t, sh.Mobile, sh.Password)

	res := startReset(t, s, "  "+strings.ToUpper(sh.Username)+" ")
	if len(res.Errors) > 0 {
		t.Fatalf("startPasswordReset: %+v", res.Errors)
	}
	var started struct{ StartPasswordReset struct{ Mobile string } }
	_ = json.Unmarshal(res.Data, &started)
	if want := verify.Mask(sh.Mobile); started.StartPasswordReset.Mobile != want {
		t.Fatalf("masked mobile %q, want %q", started.StartPasswordReset.Mobile, want)
	}
	code := deliveredCode(t, s, sh.Mobile, 0)
	if res := s.Post(t, gqltest.Request{Query: checkResetDoc, Variables: map[string]any{"in": map[string]any{"account": sh.Username, "smsCode": wrongCode(code)}}}); field(res) != "smsCode" {
		t.Fatalf("a wrong code: %+v", res.Errors)
	}
	token := resetToken(t, s, sh.Username, code)
	if res := resetPassword(t, s, token, "short"); field(res) != "newPassword" {
		t.Fatalf("a weak new password: %+v", res.Errors)
	}
	if res := resetPassword(t, s, token, "a brand new secret"); len(res.Errors) > 0 {
		t.Fatalf("resetPassword: %+v", res.Errors)
	}
	// Both logins are over, the token is spent, the old password is dead.
	for _, tok := range []string{sh.AccessToken, second.AccessToken} {
		if r := s.Post(t, gqltest.Request{Query: `{ me { id } }`, Header: gqltest.Bearer(tok)}); r.Code() != apperr.CodeUnauthenticated {
			t.Fatalf("an old session after the reset: %+v", r.Errors)
		}
	}
	if r := s.Post(t, gqltest.Request{Query: `mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }`,
		Variables: map[string]any{"t": sh.RefreshToken}}); r.Code() != apperr.CodeUnauthenticated {
		t.Fatalf("an old refresh token after the reset: %+v", r.Errors)
	}
	if res := resetPassword(t, s, token, "yet another secret"); field(res) != "token" {
		t.Fatalf("the token replayed: %+v", res.Errors)
	}
	if r := s.Post(t, gqltest.Request{Query: `mutation { login(input: {account: "` + sh.Username + `", password: "` + sh.Password + `"}) { accessToken } }`}); r.Code() != apperr.CodeUnauthenticated {
		t.Fatalf("the old password: %+v", r.Errors)
	}
	s.Login(t, sh.Username, "a brand new secret")
}

func TestAResetTokenMadeBeforeAPasswordChangeIsDead(t *testing.T) {
	t.Parallel()
	s := smsShop(t)
	sh := s.NewShopper(t)
	if res := startReset(t, s, sh.Mobile); len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	token := resetToken(t, s, sh.Mobile, deliveredCode(t, s, sh.Mobile, 0))
	s.As(t, sh, `mutation($in: ChangePasswordInput!) { changePassword(input: $in) }`,
		map[string]any{"in": map[string]any{"currentPassword": sh.Password, "newPassword": "changed meanwhile"}}, nil)
	if res := resetPassword(t, s, token, "the attacker's choice"); field(res) != "token" {
		t.Fatalf("a reset token after a password change: %+v", res.Errors)
	}
	s.Login(t, sh.Username, "changed meanwhile")
}

func TestAResetTellsNothingAnUnknownAccountsMaskWouldNot(t *testing.T) {
	t.Parallel()
	s := smsShop(t)
	masked := func(account string) string {
		t.Helper()
		// Each start is its own minute for the resend window.
		s.App.Redis.Del(t.Context(), resendKeysAll(t, s)...)
		res := startReset(t, s, account)
		if len(res.Errors) > 0 {
			t.Fatalf("startPasswordReset(%q): %+v", account, res.Errors)
		}
		var out struct{ StartPasswordReset struct{ Mobile string } }
		_ = json.Unmarshal(res.Data, &out)
		return out.StartPasswordReset.Mobile
	}
	first, again := masked("nobody_here"), masked("NOBODY_HERE")
	if first != again || len(first) != 11 || !strings.Contains(first, "****") {
		t.Fatalf("an unknown username's masks %q and %q: want one plausible mask", first, again)
	}
	unknownMobile := newMobile()
	if got := masked(unknownMobile); got != verify.Mask(unknownMobile) {
		t.Fatalf("an unknown mobile's mask %q", got)
	}
	time.Sleep(2 * time.Second)
	if n := len(s.App.Outbox.Entries()); n != 0 {
		t.Fatalf("%d SMS went out for accounts that do not exist", n)
	}
	if res := startReset(t, s, "no such\x00account"); field(res) != "account" {
		t.Fatalf("a malformed account: %+v", res.Errors)
	}
}

func resendKeysAll(t *testing.T, s *gqltest.Server) []string {
	keys, err := s.App.Redis.Keys(t.Context(), s.Config.RedisPrefix+"sms:resend:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestTheResetIsThrottledPerAccount(t *testing.T) {
	t.Parallel()
	s := smsShop(t)
	sh := s.NewShopper(t)
	var last gqltest.Response
	for range verify.ResetAccountRule.Burst + 1 {
		s.App.Redis.Del(t.Context(), resendKeysAll(t, s)...)
		last = startReset(t, s, sh.Username)
	}
	if last.Code() != apperr.CodeRateLimited {
		t.Fatalf("reset %d of one account within the hour: %+v", verify.ResetAccountRule.Burst+1, last.Errors)
	}
}

func TestOneVerificationStepPerDocument(t *testing.T) {
	t.Parallel()
	s := smsShop(t)
	res := s.Post(t, gqltest.Request{Query: `mutation {
		a: sendSmsCode(input: {mobile: "13700000001", purpose: LOGIN, captchaId: "x", captchaAnswer: "1"}) { mobile }
		b: sendSmsCode(input: {mobile: "13700000002", purpose: LOGIN, captchaId: "y", captchaAnswer: "1"}) { mobile }
	}`})
	if res.Code() != apperr.CodeFieldLimit {
		t.Fatalf("two sends in one document: %+v", res.Errors)
	}
}

func TestAShopWithoutSMSAnswersNotConfigured(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{Config: func(c *config.Config) { c.DevOutbox = false }})
	if res := sendCode(t, s, newMobile(), smscode.Register); res.Code() != apperr.CodeNotConfigured {
		t.Fatalf("sendSmsCode without a gateway: %+v", res.Errors)
	}
}

// With Aliyun configured, codes go through its signed API (here its local
// stand-in, which checks the signature as Aliyun does), not the outbox; a
// send Aliyun throttles is retried by the job and delivered once.
func TestCodesGoThroughAliyunWhenConfiguredAndARefusedSendIsRetriedOnce(t *testing.T) {
	t.Parallel()
	standIn := sms.NewAliyunStandIn("LTAItest", "test-secret")
	standIn.SignName = "店面"
	standIn.Templates = map[string][]string{"SMS_0001": {"code"}}
	standIn.FailNext(1, "isv.BUSINESS_LIMIT_CONTROL")
	hs := httptest.NewServer(standIn.Handler())
	t.Cleanup(hs.Close)
	s := smsShop(t, func(c *config.Config) {
		c.AliyunSMSKeyID, c.AliyunSMSSecret = "LTAItest", "test-secret"
		c.AliyunSMSSignName, c.AliyunSMSTemplate, c.AliyunSMSEndpoint = "店面", "SMS_0001", hs.URL+"/"
	})
	mobile := newMobile()
	if res := sendCode(t, s, mobile, smscode.Login); len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(standIn.Sent()) == 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second) // a second delivery would come now
	sent := standIn.Sent()
	if len(sent) != 1 || sent[0].Mobile != mobile || sent[0].TemplateCode != "SMS_0001" || len(sent[0].Params["code"]) != 6 || sent[0].OutID == "" {
		t.Fatalf("Aliyun received %+v, want one code SMS to %s", sent, mobile)
	}
	if res := loginBySms(t, s, mobile, sent[0].Params["code"]); len(res.Errors) > 0 {
		t.Fatalf("the code Aliyun delivered: %+v", res.Errors)
	}
	if s.App.Outbox != nil && len(smsTo(s, mobile)) != 0 {
		t.Fatal("the outbox got an SMS Aliyun sends")
	}
}
