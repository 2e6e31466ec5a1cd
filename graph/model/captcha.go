package model

import "github.com/storefront/storefront/internal/smscode"

// The inputs that carry a captcha are bound here because a captcha's id
// is a string (dchest/captcha's), where the generated models would decode
// every ID as a gid.ID number.

// SendSmsCodeInput is sendSmsCode's input.
type SendSmsCodeInput struct {
	Mobile        string          `json:"mobile"`
	Purpose       smscode.Purpose `json:"purpose"`
	CaptchaID     string          `json:"captchaId"`
	CaptchaAnswer string          `json:"captchaAnswer"`
}

// StartPasswordResetInput is startPasswordReset's input.
type StartPasswordResetInput struct {
	Account       string `json:"account"`
	CaptchaID     string `json:"captchaId"`
	CaptchaAnswer string `json:"captchaAnswer"`
}
