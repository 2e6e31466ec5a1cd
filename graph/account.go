package graph

import "github.com/storefront/storefront/internal/apperr"

var (
	errNoMail = apperr.New(apperr.CodeNotConfigured, "this shop sends no mail: email addresses cannot be verified here")
	errNoQQ   = apperr.New(apperr.CodeNotConfigured, "this shop does not offer QQ login")
)
