package address_test

import (
	"testing"

	entaddress "github.com/storefront/storefront/ent/address"
	"github.com/storefront/storefront/internal/address"
	"github.com/storefront/storefront/internal/testenv"
)

// Another device holds the shopper's book (its user row) past the lock
// wait timeout: the first attempt to add an address fails with 1205, and
// the whole change runs again once the book is free. One address, the
// default, is the outcome; before, the shopper got an error.
func TestAnAddressAddedWhileTheBookIsLockedTooLongIsAddedOnRetry(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	env := testenv.MySQL(t)
	u, err := env.Client.User.Create().SetUsername("alice_01").SetMobile("13800138000").SetPasswordHash("x").Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db := testenv.ShortLockWait(t, env, 1)
	testenv.LockRows(t, env, func() bool { return db.Retry.Stats().Retries > 0 }, "SELECT id FROM users WHERE id = ?", u.ID)

	a, err := address.New(db).Create(ctx, u.ID, address.Input{
		Receiver: "Alice", Mobile: "13800138000", Province: "Guangdong", City: "Shenzhen", District: "Nanshan", Detail: "1 Keyuan Road",
	})
	if err != nil {
		t.Fatalf("Create while the book was locked: %v (%+v)", err, db.Retry.Stats())
	}
	if !a.IsDefault {
		t.Error("the only address is not the default")
	}
	if n, err := env.Client.Address.Query().Where(entaddress.UserID(u.ID)).Count(ctx); err != nil || n != 1 {
		t.Fatalf("%d addresses (%v), want 1", n, err)
	}
	if s := db.Retry.Stats(); s.Retries < 1 || s.GaveUp != 0 {
		t.Errorf("retry stats %+v, want a retry and no giving up", s)
	}
}
