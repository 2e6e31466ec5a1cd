package gallery_test

import (
	"strings"
	"testing"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/gallery"
)

func TestOnlyHTTPSAndSitePathsAreImageURLs(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"https://img.shop.example/sku/1.jpg", "/images/1.jpg", " https://cdn.example/a.png?x=1 "} {
		if _, err := gallery.CheckURL(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{
		"", "javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:image/png;base64,AAAA", "http://img.example/1.jpg",
		"//evil.example/1.jpg", "https://user:pw@img.example/1.jpg", "https:///nohost", "images/1.jpg",
		"/a b.jpg", "/a\x00.jpg", `/\evil.example`, "https://img.example/" + strings.Repeat("a", 600), "ftp://x/1.jpg",
	} {
		if _, err := gallery.CheckURL(bad); apperr.CodeOf(err) != apperr.CodeBadUserInput {
			t.Errorf("%q accepted", bad)
		}
	}
}
