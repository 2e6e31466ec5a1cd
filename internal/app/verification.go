package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/storefront/storefront/internal/config"
	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/emailverify"
	"github.com/storefront/storefront/internal/jobs"
	"github.com/storefront/storefront/internal/mail"
	"github.com/storefront/storefront/internal/outbox"
	"github.com/storefront/storefront/internal/qqconnect"
	"github.com/storefront/storefront/internal/qqlogin"
	"github.com/storefront/storefront/internal/ratelimit"
	"github.com/storefront/storefront/internal/signed"
	"github.com/storefront/storefront/internal/sms"
	"github.com/storefront/storefront/internal/smscode"
	"github.com/storefront/storefront/internal/verify"
)

const (
	outboxPath       = "/dev/outbox"
	qqSandboxPath    = "/qq-sandbox/"
	qqCallbackPath   = "/oauth/qq/callback"
	outboxCapacity   = 500
	smsGatewayNeeded = "-require-sms needs an SMS gateway: set -aliyun-sms-access-key-id (and its settings), " +
		"or -dev-outbox=true on a test setup, or -require-sms=false to trust the mobile at sign-up"
)

// ErrNoSMSGateway stops a server whose sign-up would need SMS codes it
// cannot send.
var ErrNoSMSGateway = errors.New(smsGatewayNeeded)

// checkGateways refuses, before anything is opened, a configuration whose
// sign-up could not work.
func checkGateways(cfg config.Config) error {
	if cfg.RequireSMS && cfg.AliyunSMSKeyID == "" && !cfg.DevOutbox {
		return ErrNoSMSGateway
	}
	return nil
}

// openVerification starts the job queue and the gateways (real ones where
// configured, else the outbox and the QQ sandbox where allowed), and the
// services over them. It returns the routes they serve.
func (a *App) openVerification(cfg config.Config, root []byte) (map[string]http.Handler, error) {
	log := a.log
	routes := map[string]http.Handler{}
	q, err := jobs.New(a.Redis, jobs.Config{Queue: cfg.RedisPrefix + "jobs", Concurrency: cfg.JobConcurrency, Log: log.With("component", "jobs")})
	if err != nil {
		return nil, err
	}
	a.Jobs = q

	var smsSender sms.Sender
	var mailSender mail.Sender
	if cfg.AliyunSMSKeyID != "" {
		if smsSender, err = sms.NewAliyun(sms.AliyunConfig{
			Endpoint: cfg.AliyunSMSEndpoint, AccessKeyID: cfg.AliyunSMSKeyID, AccessKeySecret: cfg.AliyunSMSSecret,
			SignName: cfg.AliyunSMSSignName, Templates: map[string]string{sms.TemplateVerifyCode: cfg.AliyunSMSTemplate},
		}); err != nil {
			return nil, err
		}
	}
	if cfg.SMTPHost != "" {
		if mailSender, err = mail.NewSMTP(mail.SMTPConfig{
			Host: cfg.SMTPHost, Port: cfg.SMTPPort, Username: cfg.SMTPUsername, Password: cfg.SMTPPassword,
			From: cfg.SMTPFrom, TLS: cfg.SMTPTLS,
		}); err != nil {
			return nil, err
		}
	}
	if cfg.DevOutbox && (smsSender == nil || mailSender == nil) {
		a.Outbox = outbox.New(outboxCapacity)
		if smsSender == nil {
			smsSender = a.Outbox.SMS()
		}
		if mailSender == nil {
			mailSender = a.Outbox.Mail()
		}
		routes[outboxPath] = a.Outbox.Handler()
		if cfg.Embedded() {
			log.Info("SMS and mail: offline outbox", "outbox", cfg.PublicURL+outboxPath)
		} else {
			log.Warn("DEV OUTBOX ON A MYSQL DEPLOYMENT: SMS codes and mail links are not sent but shown to anyone who can reach "+
				outboxPath+"; never expose this server to shoppers", "outbox", cfg.PublicURL+outboxPath)
		}
	}

	codeKey := signed.DeriveKey(root, "sms-code")
	codes, err := smscode.New(a.Redis, cfg.RedisPrefix, codeKey, smscode.Config{})
	if err != nil {
		return nil, err
	}
	limiter := ratelimit.New(a.Redis, cfg.RedisPrefix)
	a.Verify, err = verify.New(verify.Deps{
		Client: a.DB.Client, Auth: a.Auth, Captchas: a.Captchas, Codes: codes, Jobs: q,
		Limiter: limiter, Redis: a.Redis, Prefix: cfg.RedisPrefix, Key: root, Log: log,
	}, verify.Config{RequireSMS: cfg.RequireSMS, LoginRegisters: cfg.SMSLoginRegisters, SMS: smsSender != nil})
	if err != nil {
		return nil, err
	}
	if smsSender != nil {
		q.Handle(verify.SMSJob, a.Verify.SMSHandler(func(ctx context.Context, id, mobile, code string) error {
			err := smsSender.Send(ctx, sms.Message{ID: id, Mobile: mobile, Template: sms.TemplateVerifyCode, Params: map[string]string{"code": code}})
			if sms.IsPermanent(err) {
				return jobs.Permanent(err)
			}
			return err
		}))
	}
	if mailSender != nil {
		landing := cfg.EmailLandingURL
		if landing == "" {
			landing = cfg.PublicURL + emailverify.ResultPath
		}
		a.Emails = emailverify.New(a.DB.Client, q, limiter, root, emailverify.Config{
			PublicURL: cfg.PublicURL, LandingURL: landing,
		}, log)
		q.Handle(emailverify.MailJob, jobs.JSON(func(ctx context.Context, m mail.Message) error {
			err := mailSender.Send(ctx, m)
			if mail.IsPermanent(err) {
				return jobs.Permanent(err)
			}
			return err
		}))
		routes[emailverify.LinkPath] = a.Emails.LinkHandler()
		routes[emailverify.ResultPath] = emailverify.ResultPage()
	}
	if err := a.openQQ(cfg, root, limiter, routes); err != nil {
		return nil, err
	}
	return routes, nil
}

// openQQ connects QQ Connect, or its sandbox where allowed.
func (a *App) openQQ(cfg config.Config, root []byte, limiter *ratelimit.Limiter, routes map[string]http.Handler) error {
	if cfg.QQRedirectURL == "" {
		cfg.QQRedirectURL = cfg.PublicURL + qqCallbackPath
	}
	qc := qqconnect.Config{
		AppID: cfg.QQAppID, AppKey: cfg.QQAppKey, RedirectURL: cfg.QQRedirectURL,
		AuthorizeURL: cfg.QQAuthorizeURL, TokenURL: cfg.QQTokenURL, MeURL: cfg.QQMeURL, UserInfoURL: cfg.QQUserInfoURL,
		Log: a.log.With("component", "qq"),
	}
	switch {
	case cfg.QQSandbox:
		sb := qqconnect.NewSandbox(qqconnect.SandboxConfig{Log: a.log.With("component", "qq-sandbox")})
		qc.AppID, qc.AppKey = sb.AppID(), sb.AppKey()
		qc.AuthorizeURL, qc.TokenURL, qc.MeURL, qc.UserInfoURL = sb.Endpoints(cfg.PublicURL + qqSandboxPath[:len(qqSandboxPath)-1])
		routes[qqSandboxPath] = sb.Handler()
		a.QQSandbox = sb
		if cfg.Embedded() {
			a.log.Info("QQ login: offline sandbox", "sandbox", cfg.PublicURL+qqSandboxPath+"authorize")
		} else {
			a.log.Warn("QQ SANDBOX ON A MYSQL DEPLOYMENT: anyone who can reach " + qqSandboxPath +
				" signs in as any of its fake QQ users; never expose this server to shoppers")
		}
	case cfg.QQAppID == "":
		return nil
	}
	client, err := qqconnect.New(qc)
	if err != nil {
		return fmt.Errorf("qq connect: %w", err)
	}
	a.QQ = qqlogin.New(qqlogin.Deps{
		Client: a.DB.Client, Auth: a.Auth, QQ: client, Mobiles: a.Verify, Limiter: limiter,
		Redis: a.Redis, Prefix: cfg.RedisPrefix, Key: root, UniqueViolation: database.IsUniqueViolation,
	})
	routes[qqCallbackPath] = qqlogin.CallbackPage()
	return nil
}
