package gallery

import "github.com/storefront/storefront/ent"

// Image is one picture of a gallery as shown.
type Image struct {
	URL       string
	IsDefault bool
}

// Of is a SKU's gallery as shown.
func Of(k *ent.SKU) []Image {
	out := make([]Image, len(k.Images))
	for i, u := range k.Images {
		out[i] = Image{URL: u, IsDefault: u == k.Image}
	}
	return out
}
