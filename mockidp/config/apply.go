package config

import (
	"context"
	"fmt"
	"time"

	"github.com/consentry/consentry/mockidp/credentials"
	"github.com/consentry/consentry/mockidp/tenant"
)

func apply(ctx context.Context, f *File, store tenant.Store, cost int) error {
	if cost == 0 {
		cost = f.PasswordCost
	}
	if cost == 0 {
		cost = credentials.DefaultCost
	}
	if cost < credentials.MinCost || cost > credentials.MaxCost {
		return fmt.Errorf("%s: password cost %d is out of range [%d, %d]", f.Name, cost, credentials.MinCost, credentials.MaxCost)
	}
	fail := func(item, field string, err error) error {
		return &Error{File: f.Name, Item: item, Field: field, Err: err}
	}

	// Hash first: it is the slow part and the one that can fail on input.
	hashes := make([]string, len(f.Users))
	for i, u := range f.Users {
		h, err := credentials.HashPassword(u.Password.Reveal(), cost)
		if err != nil {
			return fail(itemLabel("users", i, u.Email), "password", err)
		}
		hashes[i] = h
	}

	if err := store.UpdateSettings(ctx, f.Settings); err != nil {
		return fail("settings", "", err)
	}
	for i, a := range f.APIs {
		n := *a // the store may write an assigned id back
		if err := store.CreateAPI(ctx, &n); err != nil {
			return fail(itemLabel("apis", i, a.Identifier), "", err)
		}
	}
	for i, c := range f.Clients {
		if err := store.CreateClient(ctx, c); err != nil {
			return fail(itemLabel("clients", i, c.Name), "", err)
		}
	}
	for i, c := range f.Connections {
		n := *c // the store writes an assigned id back
		if err := store.CreateConnection(ctx, &n); err != nil {
			return fail(itemLabel("connections", i, c.Name), "", err)
		}
	}
	now := time.Now().UTC().Truncate(time.Second)
	for i, u := range f.Users {
		n := u.User
		n.PasswordHash = hashes[i]
		if n.CreatedAt.IsZero() {
			n.CreatedAt = now
		}
		if err := store.CreateUser(ctx, &n); err != nil {
			return fail(itemLabel("users", i, u.Email), "", err)
		}
	}
	for i, g := range f.ClientGrants {
		n := *g
		if err := store.CreateClientGrant(ctx, &n); err != nil {
			return fail(itemLabel("client_grants", i, grantName(g.ClientID, g.Audience)), "", err)
		}
	}
	for i, g := range f.Grants {
		if _, err := store.MergeUserGrant(ctx, g.UserID, g.ClientID, g.Audience, g.Scope); err != nil {
			return fail(itemLabel("grants", i, grantName(g.UserID, g.ClientID)), "", err)
		}
	}
	return nil
}
