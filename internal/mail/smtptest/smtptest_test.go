package smtptest_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/storefront/storefront/internal/mail/smtptest"
)

// send delivers one message in clear (go-smtp's SendMail insists on
// STARTTLS).
func send(s *smtptest.Server, to string) error {
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()
	return c.SendMail("shop@example.com", []string{to}, strings.NewReader("Subject: hi\r\n\r\nbody\r\n"))
}

func TestFailNextFailsExactlyNDeliveriesWith451(t *testing.T) {
	t.Parallel()
	s := smtptest.Start(t)
	s.FailNext(2)
	for i := range 2 {
		var se *smtp.SMTPError
		if err := send(s, "a@example.com"); !errors.As(err, &se) || se.Code != 451 {
			t.Fatalf("delivery %d: %v; want 451", i, err)
		}
	}
	if err := send(s, "a@example.com"); err != nil {
		t.Fatal(err)
	}
	got := s.Messages()
	if len(got) != 1 || got[0].From != "shop@example.com" || got[0].To[0] != "a@example.com" || !strings.Contains(string(got[0].Data), "body") {
		t.Fatalf("%+v", got)
	}
}

func TestRejectRecipientAnswers550(t *testing.T) {
	t.Parallel()
	s := smtptest.Start(t)
	s.RejectRecipient("Gone@Example.com")
	var se *smtp.SMTPError
	if err := send(s, "gone@example.com"); !errors.As(err, &se) || se.Code != 550 {
		t.Fatalf("%v; want 550", err)
	}
	if len(s.Messages()) != 0 {
		t.Fatal("kept a rejected message")
	}
}

func TestRequireAuthRefusesMailWithoutLogin(t *testing.T) {
	t.Parallel()
	s := smtptest.Start(t)
	s.RequireAuth("u", "p")
	var se *smtp.SMTPError
	if err := send(s, "a@example.com"); !errors.As(err, &se) || se.Code != 502 {
		t.Fatalf("%v; want 502 (authenticate first)", err)
	}
}
