package auth

import (
	"strings"

	"github.com/storefront/storefront/ent/predicate"
	"github.com/storefront/storefront/ent/user"
)

// An account is named by one canonical spelling wherever it is looked up,
// counted or stored: surrounding white space (any Unicode space, the
// full-width U+3000 included) is dropped, and usernames are lower-case.
// Without that, MariaDB's utf8mb4_bin collation, which ignores trailing
// spaces, finds "victim" for "victim   " while the login throttle counts
// the two apart.
//
// Usernames are unique whatever their case and stored lower-case. The rule
// allows ASCII letters only, so lower-casing is exact, and the canonical
// form lets the existing unique index hold the rule on both databases:
// MariaDB's utf8mb4_bin and SQLite's BINARY both compare case-sensitively,
// and their case-insensitive collations differ from each other (MariaDB's
// also folds accents). The price is that "Alice_01" is shown as "alice_01".

// readUsername trims, checks and lower-cases a username. The rule is
// checked before lower-casing: strings.ToLower maps a few non-ASCII letters
// (the Kelvin sign) to ASCII ones.
func readUsername(s string) (string, error) {
	s = strings.TrimSpace(s)
	if err := ValidateUsername(s); err != nil {
		return "", err
	}
	return strings.ToLower(s), nil
}

// readMobile trims and checks a mobile number.
func readMobile(s string) (string, error) {
	s = strings.TrimSpace(s)
	return s, ValidateMobile(s)
}

// loginAccount reads a login's account: a mobile number or a username, in
// its canonical form. ok is false when the text obeys neither rule, so no
// account can have it: such a login is refused before it is counted or
// looked up, and exotic spellings (control characters, zero-width or
// full-width letters) never start a throttle count of their own.
func loginAccount(account string) (canon string, field func(string) predicate.User, ok bool) {
	a := strings.TrimSpace(account)
	if mobileRule.MatchString(a) {
		return a, user.Mobile, true
	}
	if !usernameRule.MatchString(a) || digitsOnly.MatchString(a) {
		return "", nil, false
	}
	return strings.ToLower(a), user.Username, true
}

// CanonicalAccount reads an account name as login does: ok is false when
// it obeys neither the mobile nor the username rule; isMobile tells which.
func CanonicalAccount(account string) (canon string, isMobile, ok bool) {
	canon, _, ok = loginAccount(account)
	return canon, ok && mobileRule.MatchString(canon), ok
}

// ReadMobile trims and checks a mobile number (BAD_USER_INPUT on field
// mobile).
func ReadMobile(s string) (string, error) { return readMobile(s) }

// ValidatePassword applies the password rule (BAD_USER_INPUT on field).
func ValidatePassword(field, pw string) error { return validatePassword(field, pw) }
