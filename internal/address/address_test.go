package address_test

import (
	"testing"

	entaddress "github.com/storefront/storefront/ent/address"
	"github.com/storefront/storefront/internal/address"
	"github.com/storefront/storefront/internal/apperr"
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
		Receiver: "Alice", Mobile: "13800138000", ProvinceCode: "440000", CityCode: "440300", DistrictCode: "440305", Detail: "1 Keyuan Road",
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

// Addresses stored before area codes get the codes their names match;
// the names stay, and what matches nothing keeps null codes.
func TestFillCodesGivesOldAddressesTheCodesTheirNamesMatch(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	env := testenv.MySQL(t)
	u := env.Client.User.Create().SetUsername("old_book").SetMobile("13800000009").SetPasswordHash("x").SaveX(ctx)
	old := func(p, c, d string) int {
		return env.Client.Address.Create().SetUserID(u.ID).SetReceiver("r").SetMobile("13800000009").
			SetProvince(p).SetCity(c).SetDistrict(d).SetDetail("1 号").SaveX(ctx).ID
	}
	nanshan := old("广东", "深圳市", "南山区")
	dongcheng := old("北京市", "北京市", "东城区")
	nowhere := old("Guangdong", "Shenzhen", "Nanshan")
	filled, unmatched, err := address.FillCodes(ctx, env.Client)
	if err != nil || filled != 2 || unmatched != 1 {
		t.Fatalf("FillCodes = %d filled, %d unmatched, %v; want 2, 1", filled, unmatched, err)
	}
	for id, want := range map[int][3]string{nanshan: {"440000", "440300", "440305"}, dongcheng: {"110000", "110100", "110101"}} {
		a := env.Client.Address.GetX(ctx, id)
		if a.ProvinceCode == nil || *a.ProvinceCode != want[0] || *a.CityCode != want[1] || *a.DistrictCode != want[2] {
			t.Errorf("address %d (%s %s %s): codes %v %v %v, want %v", id, a.Province, a.City, a.District, a.ProvinceCode, a.CityCode, a.DistrictCode, want)
		}
		if a.Province == "" || a.District == "" {
			t.Errorf("address %d lost its names", id)
		}
	}
	if a := env.Client.Address.GetX(ctx, nowhere); a.DistrictCode != nil {
		t.Errorf("an address matching no area got codes %v", *a.DistrictCode)
	}
	if filled, _, _ := address.FillCodes(ctx, env.Client); filled != 0 {
		t.Errorf("a second run filled %d", filled)
	}
}

func TestADistrictOutsideItsCityIsRefusedAndNothingWritten(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	env := testenv.MySQL(t)
	u := env.Client.User.Create().SetUsername("picker").SetMobile("13800000010").SetPasswordHash("x").SaveX(ctx)
	svc := address.New(env.DB)
	_, err := svc.Create(ctx, u.ID, address.Input{Receiver: "r", Mobile: "13800000010",
		ProvinceCode: "440000", CityCode: "440300", DistrictCode: "110101", Detail: "1 号"})
	if apperr.CodeOf(err) != apperr.CodeBadUserInput {
		t.Fatalf("a Beijing district under Shenzhen: %v", err)
	}
	a, err := svc.Create(ctx, u.ID, address.Input{Receiver: "r", Mobile: "13800000010",
		ProvinceCode: "440000", CityCode: "440300", DistrictCode: "440305", Detail: "1 号"})
	if err != nil || a.Province != "广东省" || a.City != "深圳市" || a.District != "南山区" {
		t.Fatalf("a right address: %+v, %v", a, err)
	}
	if n := env.Client.Address.Query().CountX(ctx); n != 1 {
		t.Fatalf("%d addresses, want 1", n)
	}
}
