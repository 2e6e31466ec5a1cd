package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/storefront/storefront/internal/alipaysandbox"
	"github.com/storefront/storefront/internal/config"
	"github.com/storefront/storefront/internal/payment"
)

const (
	notifyPath     = "/payments/alipay/notify"
	returnPath     = "/payments/alipay/return"
	sandboxPath    = "/alipay-sandbox/"
	sandboxAppID   = "2021000000000000"
	sandboxGateway = sandboxPath + "gateway.do"
)

// ErrNoPayments stops a server that has neither the real Alipay nor the
// sandbox asked for by name. Until this check, such a server ran the
// sandbox silently, and anyone could POST /alipay-sandbox/pay to mark an
// order paid.
var ErrNoPayments = errors.New("no Alipay configured: set -alipay-app-id, -alipay-private-key and -alipay-public-key " +
	"for the real Alipay, or -alipay-sandbox=true for the offline sandbox (test setups only: anyone can mark orders paid there)")

// checkPayments refuses a configuration that could not take payments, before
// anything is opened.
func checkPayments(cfg config.Config) error {
	if cfg.AlipayAppID == "" && !cfg.AlipaySandbox {
		return ErrNoPayments
	}
	return nil
}

// openPayments connects to Alipay, or with -alipay-sandbox (the embedded
// default) starts the offline sandbox in process, so a newcomer can pay an
// order with no Alipay account and no network. The sandbox keeps its trades
// in Redis, so every instance on one Redis serves them; its keys are the
// configured ones, else a pair the first instance keeps in Redis (in the
// embedded mode's in-process Redis: fresh keys at every start).
func (a *App) openPayments(cfg config.Config, log *slog.Logger) (map[string]http.Handler, error) {
	ac := payment.AlipayConfig{
		AppID:         cfg.AlipayAppID,
		AppPrivateKey: cfg.AlipayPrivateKey,
		AlipayPubKey:  cfg.AlipayPublicKey,
		Gateway:       cfg.AlipayGateway,
		Production:    cfg.AlipayProduction,
		NotifyURL:     cfg.PublicURL + notifyPath,
		ReturnURL:     cfg.PublicURL + returnPath,
	}
	routes := map[string]http.Handler{}
	if cfg.AlipaySandbox {
		keys := alipaysandbox.Keys{Sandbox: cfg.AlipaySandboxKey, App: cfg.AlipaySandboxAppKey}
		if keys.Sandbox == "" {
			var err error
			if keys, err = alipaysandbox.SharedKeys(context.Background(), a.Redis, cfg.RedisPrefix, redisIOTimeout); err != nil {
				return nil, fmt.Errorf("alipay sandbox keys: %w", err)
			}
		}
		appKey := keys.App
		appPub, err := alipaysandbox.PublicKeyOf(appKey)
		if err != nil {
			return nil, fmt.Errorf("alipay-sandbox-app-key: %w", err)
		}
		sb, err := alipaysandbox.New(alipaysandbox.Config{
			AppID:           sandboxAppID,
			AppPublicKeyPEM: appPub,
			PrivateKeyPEM:   keys.Sandbox,
			Log:             log.With("component", "alipay-sandbox"),
			MerchantName:    "Storefront (sandbox)",
			SellerID:        cfg.AlipaySellerID,
			Redis:           a.Redis,
			RedisPrefix:     cfg.RedisPrefix,
			RedisTimeout:    redisIOTimeout,
		})
		if err != nil {
			return nil, err
		}
		a.Sandbox = sb
		cfg.AlipaySellerID = sb.SellerID()
		ac.AppID, ac.AppPrivateKey, ac.AlipayPubKey = sandboxAppID, appKey, sb.PublicKeyPEM()
		ac.Gateway, ac.Production = cfg.PublicURL+sandboxGateway, false
		routes[sandboxPath] = sb.Handler()
		if cfg.Embedded() {
			log.Info("Alipay: offline sandbox", "cashier", cfg.PublicURL+sandboxPath)
		} else {
			log.Warn("ALIPAY SANDBOX ON A MYSQL DEPLOYMENT: anyone who can reach "+sandboxPath+
				" can mark any order paid and read every trade; never expose this server to shoppers",
				"cashier", cfg.PublicURL+sandboxPath)
		}
	}
	gw, err := payment.NewAlipayGateway(ac)
	if err != nil {
		return nil, err
	}
	a.Payments = payment.New(a.DB, gw, a.Orders, ac.AppID, cfg.AlipaySellerID, log)
	routes[notifyPath] = payment.NotifyHandler(a.Payments, log)
	routes[returnPath] = payment.ReturnHandler(a.Payments, cfg.FrontendURL, log)
	routes[payment.ResultPath] = payment.ResultPage(a.Payments, log)
	return routes, nil
}
