// Package address is the shopper's address book. A shopper has at most
// MaxPerUser addresses and, when any exist, exactly one default: the first
// one created, or the oldest remaining when the default is deleted.
//
// Every change runs in a transaction that first locks the shopper's user
// row, so two devices editing one book at once cannot leave two defaults or
// a 21st address.
package address

import (
	"context"
	"fmt"
	"strings"

	"entgo.io/ent/dialect"

	"github.com/storefront/storefront/ent"
	entaddress "github.com/storefront/storefront/ent/address"
	"github.com/storefront/storefront/ent/user"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/area"
	"github.com/storefront/storefront/internal/auth"
	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/text"
)

// MaxPerUser bounds an address book.
const MaxPerUser = 20

// Input is an address as the shopper enters it: the area picked by code
// (internal/area), the rest typed.
type Input struct {
	Receiver, Mobile, ProvinceCode, CityCode, DistrictCode, Detail string
}

// place is an input's area, checked, with the names it derives.
type place struct {
	provinceCode, cityCode, districtCode string
	province, city, district             string
}

// Service manages address books.
type Service struct {
	db     *database.DB
	client *ent.Client
}

// New returns the address book service.
func New(db *database.DB) *Service {
	return &Service{db: db, client: db.Client}
}

func (in Input) normalized() (Input, place, error) {
	fields := []struct {
		name string
		val  *string
		max  int
	}{
		{"receiver", &in.Receiver, 32},
		{"detail", &in.Detail, 200},
	}
	for _, f := range fields {
		v, err := text.Rule{Field: f.name, Min: 1, Max: f.max}.Clean(*f.val)
		if err != nil {
			return in, place{}, err
		}
		*f.val = v
	}
	in.Mobile = strings.TrimSpace(in.Mobile)
	if err := auth.ValidateMobile(in.Mobile); err != nil {
		return in, place{}, err
	}
	p, c, d, err := area.CheckAddress(strings.TrimSpace(in.ProvinceCode), strings.TrimSpace(in.CityCode), strings.TrimSpace(in.DistrictCode))
	if err != nil {
		return in, place{}, err
	}
	return in, place{p.Code, c.Code, d.Code, p.Name, c.Name, d.Name}, nil
}

// List returns the book, the default first, then oldest first.
func (s *Service) List(ctx context.Context, userID int) ([]*ent.Address, error) {
	return s.client.Address.Query().
		Where(entaddress.UserID(userID)).
		Order(ent.Desc(entaddress.FieldIsDefault), ent.Asc(entaddress.FieldID)).
		All(ctx)
}

// Get returns one of the shopper's addresses. Another shopper's address is
// NOT_FOUND, exactly like one that does not exist.
func (s *Service) Get(ctx context.Context, userID, id int) (*ent.Address, error) {
	return get(ctx, s.client, userID, id)
}

// Default returns the shopper's default address, nil when the book is empty.
func (s *Service) Default(ctx context.Context, userID int) (*ent.Address, error) {
	a, err := s.client.Address.Query().
		Where(entaddress.UserID(userID), entaddress.IsDefault(true)).
		Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return a, err
}

// Ref names one shopper's address.
type Ref struct{ UserID, ID int }

// GetMany reads many shoppers' addresses in one statement (an order batch
// needs each buyer's). A ref whose address does not exist or is another
// shopper's is missing from the map: to its shopper that is NotFound().
func (s *Service) GetMany(ctx context.Context, refs []Ref) (map[Ref]*ent.Address, error) {
	ids := make([]int, len(refs))
	for i, r := range refs {
		ids[i] = r.ID
	}
	rows, err := s.client.Address.Query().Where(entaddress.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("addresses: %w", err)
	}
	out := make(map[Ref]*ent.Address, len(rows))
	for _, a := range rows {
		out[Ref{UserID: a.UserID, ID: a.ID}] = a
	}
	return out, nil
}

// OwnedIDs returns those of ids that are the shopper's addresses, in one
// query that is the same whether an id is another shopper's or no one's.
func (s *Service) OwnedIDs(ctx context.Context, userID int, ids []int) ([]int, error) {
	owned, err := s.client.Address.Query().Where(entaddress.IDIn(ids...), entaddress.UserID(userID)).IDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("addresses: owned: %w", err)
	}
	return owned, nil
}

// NotFound is the error for an address that does not exist or is another
// shopper's.
func NotFound() error { return apperr.NotFound("address") }

func get(ctx context.Context, c *ent.Client, userID, id int) (*ent.Address, error) {
	a, err := c.Address.Query().Where(entaddress.ID(id), entaddress.UserID(userID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, NotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("address %d: %w", id, err)
	}
	return a, nil
}

// inBook runs fn in a transaction holding the shopper's book. SQLite
// transactions here take the write lock at BEGIN (_txlock=immediate), which
// serializes them already; SQLite has no FOR UPDATE. Two devices locking
// one book can deadlock with other locks on the user row; the transaction
// then runs again whole under the database's retry policy.
func (s *Service) inBook(ctx context.Context, userID int, fn func(ctx context.Context, tx *ent.Tx) error) error {
	return s.db.InTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		q := tx.User.Query().Where(user.ID(userID))
		if s.db.Dialect == dialect.MySQL {
			q = q.ForUpdate()
		}
		if _, err := q.OnlyID(ctx); err != nil {
			if ent.IsNotFound(err) {
				return apperr.Unauthenticated()
			}
			return err
		}
		return fn(ctx, tx)
	})
}

// Create adds an address; the first one becomes the default.
func (s *Service) Create(ctx context.Context, userID int, in Input) (*ent.Address, error) {
	in, pl, err := in.normalized()
	if err != nil {
		return nil, err
	}
	var out *ent.Address
	err = s.inBook(ctx, userID, func(ctx context.Context, tx *ent.Tx) error {
		n, err := tx.Address.Query().Where(entaddress.UserID(userID)).Count(ctx)
		if err != nil {
			return err
		}
		if n >= MaxPerUser {
			return apperr.BadInput("an address book holds at most %d addresses", MaxPerUser).With("reason", apperr.ReasonLimit)
		}
		out, err = tx.Address.Create().
			SetUserID(userID).
			SetReceiver(in.Receiver).SetMobile(in.Mobile).
			SetProvince(pl.province).SetCity(pl.city).SetDistrict(pl.district).
			SetProvinceCode(pl.provinceCode).SetCityCode(pl.cityCode).SetDistrictCode(pl.districtCode).
			SetDetail(in.Detail).
			SetIsDefault(n == 0).
			Save(ctx)
		return err
	})
	return out, err
}

// Update replaces an address's fields.
func (s *Service) Update(ctx context.Context, userID, id int, in Input) (*ent.Address, error) {
	in, pl, err := in.normalized()
	if err != nil {
		return nil, err
	}
	var out *ent.Address
	err = s.inBook(ctx, userID, func(ctx context.Context, tx *ent.Tx) error {
		a, err := get(ctx, tx.Client(), userID, id)
		if err != nil {
			return err
		}
		out, err = a.Update().
			SetReceiver(in.Receiver).SetMobile(in.Mobile).
			SetProvince(pl.province).SetCity(pl.city).SetDistrict(pl.district).
			SetProvinceCode(pl.provinceCode).SetCityCode(pl.cityCode).SetDistrictCode(pl.districtCode).
			SetDetail(in.Detail).
			Save(ctx)
		return err
	})
	return out, err
}

// Delete removes an address; if it was the default, the oldest remaining
// one becomes the default.
func (s *Service) Delete(ctx context.Context, userID, id int) error {
	return s.inBook(ctx, userID, func(ctx context.Context, tx *ent.Tx) error {
		a, err := get(ctx, tx.Client(), userID, id)
		if err != nil {
			return err
		}
		if err := tx.Address.DeleteOne(a).Exec(ctx); err != nil {
			return err
		}
		if !a.IsDefault {
			return nil
		}
		next, err := tx.Address.Query().Where(entaddress.UserID(userID)).Order(ent.Asc(entaddress.FieldID)).First(ctx)
		if ent.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return next.Update().SetIsDefault(true).Exec(ctx)
	})
}

// SetDefault makes an address the default and the previous default not.
func (s *Service) SetDefault(ctx context.Context, userID, id int) (*ent.Address, error) {
	var out *ent.Address
	err := s.inBook(ctx, userID, func(ctx context.Context, tx *ent.Tx) error {
		a, err := get(ctx, tx.Client(), userID, id)
		if err != nil {
			return err
		}
		if err := tx.Address.Update().
			Where(entaddress.UserID(userID), entaddress.IsDefault(true), entaddress.IDNEQ(id)).
			SetIsDefault(false).Exec(ctx); err != nil {
			return err
		}
		out, err = a.Update().SetIsDefault(true).Save(ctx)
		return err
	})
	return out, err
}

// FillCodes gives addresses stored before area codes existed the codes
// their names match (area.ByNames), keeping the names. Addresses whose
// names match no area, or several, keep null codes: they still ship, and
// editing one asks for the codes. It runs after migrations; a second run
// finds nothing to do.
func FillCodes(ctx context.Context, client *ent.Client) (filled, unmatched int, err error) {
	rows, err := client.Address.Query().Where(entaddress.DistrictCodeIsNil()).All(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("address: reading addresses without codes: %w", err)
	}
	for _, a := range rows {
		p, c, d, ok := area.ByNames(a.Province, a.City, a.District)
		if !ok {
			unmatched++
			continue
		}
		err := client.Address.UpdateOneID(a.ID).
			SetProvinceCode(p.Code).SetCityCode(c.Code).SetDistrictCode(d.Code).Exec(ctx)
		if err != nil {
			return filled, unmatched, fmt.Errorf("address: filling codes: %w", err)
		}
		filled++
	}
	return filled, unmatched, nil
}
