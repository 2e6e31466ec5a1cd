// Package gallery keeps a SKU's pictures: an ordered list of image URLs on
// the SKU's row, one of them the default (the SKU's image, shown in
// lists). Its promises:
//
//   - A URL is https with a host, or site-relative ("/images/1.jpg"); no
//     other scheme (javascript:, data:, http:), no protocol-relative //,
//     no user info, no spaces or control characters, at most 512 bytes.
//   - A SKU has at most MaxImages, each once. The first added becomes the
//     default unless the SKU had an image already; removing the default
//     makes the first remaining one it.
//   - Each change reads and writes the row under its lock, so two
//     partners editing one gallery at once lose nothing.
//   - Only a partner key with catalog:write changes a gallery.
package gallery

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/sku"
	"github.com/storefront/storefront/internal/apikey"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/database"
)

// MaxImages bounds a gallery.
const MaxImages = 20

// maxURL is the column's size.
const maxURL = 512

// CheckURL applies the URL rule (BAD_USER_INPUT on field url).
func CheckURL(raw string) (string, error) {
	bad := apperr.BadField("url", "url must be https://host/... or a site path /...")
	s := strings.TrimSpace(raw)
	if s == "" || len(s) > maxURL || strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return "", bad
	}
	u, err := url.Parse(s)
	if err != nil || u.User != nil {
		return "", bad
	}
	switch {
	case u.Scheme == "https" && u.Host != "":
	case u.Scheme == "" && u.Host == "" && strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") && !strings.Contains(s, `\`):
	default:
		return "", bad
	}
	return s, nil
}

// Service changes galleries.
type Service struct {
	db      *database.DB
	changed func(ctx context.Context, skuID int)
}

// New returns the service; changed hears of every stored change.
func New(db *database.DB, changed func(ctx context.Context, skuID int)) *Service {
	return &Service{db: db, changed: changed}
}

// edit runs f on the SKU's gallery under the row's lock and stores what
// it returns: the list and the default.
func (s *Service) edit(ctx context.Context, p apikey.Partner, skuID int, f func(images []string, def string) ([]string, string, error)) (*ent.SKU, error) {
	if err := p.Require(apikey.CatalogWrite); err != nil {
		return nil, err
	}
	var out *ent.SKU
	err := s.db.InTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		k, err := tx.SKU.Query().Where(sku.ID(skuID)).ForUpdate().Only(ctx)
		if ent.IsNotFound(err) {
			return apperr.NotFound("SKU")
		}
		if err != nil {
			return err
		}
		images, def, err := f(slices.Clone(k.Images), k.Image)
		if err != nil {
			return err
		}
		out, err = tx.SKU.UpdateOneID(k.ID).SetImages(images).SetImage(def).Save(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	if s.changed != nil {
		s.changed(ctx, out.ID)
	}
	return out, nil
}

// Add puts url into the gallery at position (0-based; nil or past the
// end: last).
func (s *Service) Add(ctx context.Context, p apikey.Partner, skuID int, rawURL string, position *int) (*ent.SKU, error) {
	u, err := CheckURL(rawURL)
	if err != nil {
		return nil, err
	}
	if position != nil && *position < 0 {
		return nil, apperr.BadField("position", "position must not be negative")
	}
	return s.edit(ctx, p, skuID, func(images []string, def string) ([]string, string, error) {
		if slices.Contains(images, u) {
			return nil, "", apperr.BadField("url", "the gallery has this image already")
		}
		if len(images) >= MaxImages {
			return nil, "", apperr.BadField("url", "a gallery holds at most %d images", MaxImages).With("reason", apperr.ReasonLimit)
		}
		at := len(images)
		if position != nil && *position < at {
			at = *position
		}
		images = slices.Insert(images, at, u)
		if def == "" {
			def = images[0]
		}
		return images, def, nil
	})
}

// Remove takes url out of the gallery.
func (s *Service) Remove(ctx context.Context, p apikey.Partner, skuID int, rawURL string) (*ent.SKU, error) {
	u := strings.TrimSpace(rawURL)
	return s.edit(ctx, p, skuID, func(images []string, def string) ([]string, string, error) {
		i := slices.Index(images, u)
		if i < 0 {
			return nil, "", apperr.NotFound("image")
		}
		images = slices.Delete(images, i, i+1)
		if def == u {
			def = ""
			if len(images) > 0 {
				def = images[0]
			}
		}
		return images, def, nil
	})
}

// Reorder sets the gallery's order: urls must be its images, each once.
func (s *Service) Reorder(ctx context.Context, p apikey.Partner, skuID int, urls []string) (*ent.SKU, error) {
	want := make([]string, len(urls))
	for i, u := range urls {
		want[i] = strings.TrimSpace(u)
	}
	return s.edit(ctx, p, skuID, func(images []string, def string) ([]string, string, error) {
		a, b := slices.Clone(images), slices.Clone(want)
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(a, b) {
			return nil, "", apperr.BadField("urls", "urls must list the gallery's %d images, each once", len(images))
		}
		return want, def, nil
	})
}

// SetDefault makes url, one of the gallery's, the SKU's list picture.
func (s *Service) SetDefault(ctx context.Context, p apikey.Partner, skuID int, rawURL string) (*ent.SKU, error) {
	u := strings.TrimSpace(rawURL)
	return s.edit(ctx, p, skuID, func(images []string, _ string) ([]string, string, error) {
		if !slices.Contains(images, u) {
			return nil, "", apperr.NotFound("image")
		}
		return images, u, nil
	})
}
