// Package storefront is the module root; it only runs the generators, in order:
// Ent (and the Ent part of the GraphQL schema), then gqlgen.
package storefront

//go:generate go run -mod=mod ./ent/entc.go
//go:generate go tool gqlgen generate
