package payment

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
)

// maxNotifyBytes bounds a notification body; real ones are about 2 KB.
const maxNotifyBytes = 64 << 10

// NotifyHandler answers Alipay's POSTed notifications: "success" only once
// the payment is committed (or was before), "failure" otherwise, so Alipay
// keeps sending until the shop has it.
func NotifyHandler(s *Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxNotifyBytes)
		if err := r.ParseForm(); err != nil {
			writeAck(w, false)
			return
		}
		err := s.HandleNotification(r.Context(), r.PostForm)
		switch {
		case errors.Is(err, ErrForged):
			log.WarnContext(r.Context(), "alipay notification refused", "err", err, "from", r.RemoteAddr)
		case err != nil:
			log.ErrorContext(r.Context(), "alipay notification not recorded; Alipay will resend", "err", err)
		}
		writeAck(w, err == nil)
	})
}

func writeAck(w http.ResponseWriter, ok bool) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if ok {
		_, _ = io.WriteString(w, "success")
		return
	}
	_, _ = io.WriteString(w, "failure")
}

// ReturnHandler is where the buyer's browser lands after the pay page. It
// verifies the signature and sends the browser on to the frontend with the
// order number; it never marks an order paid (only the notification,
// confirmPayment or the sweeper do, with Alipay's word for it).
func ReturnHandler(s *Service, frontendURL string, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		orderNo, err := s.gateway.VerifyReturn(r.Context(), r.URL.Query())
		if err != nil {
			log.WarnContext(r.Context(), "alipay return refused", "err", err)
			http.Error(w, "invalid payment return", http.StatusBadRequest)
			return
		}
		target, err := url.Parse(frontendURL)
		if err != nil {
			http.Error(w, "invalid frontend URL", http.StatusInternalServerError)
			return
		}
		q := target.Query()
		q.Set("orderNo", orderNo)
		target.RawQuery = q.Encode()
		http.Redirect(w, r, target.String(), http.StatusFound)
	})
}
