package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/consentry/consentry/mockidp/demo"
	"github.com/consentry/consentry/mockidp/server"
	"github.com/consentry/consentry/mockidp/tenant"
)

type bannerInfo struct {
	issuer     string
	configPath string // "" for an empty tenant
	caFile     string // "" without --tls
	mgmtID     string
	store      tenant.Store
	demo       bool   // --demo: the demo app is served
	storeLine  string // where the tenant is kept
	fileLine   string // what became of the tenant file; "" for the in-memory default
}

// printBanner tells a person what is running and how to use it. It never
// prints a secret: it says where the secrets are.
func printBanner(ctx context.Context, w io.Writer, b bannerInfo) error {
	settings, err := b.store.GetSettings(ctx)
	if err != nil {
		return err
	}
	clients, err := b.store.ListClients(ctx)
	if err != nil {
		return err
	}
	apis, err := b.store.ListAPIs(ctx)
	if err != nil {
		return err
	}
	users, err := b.store.ListUsers(ctx)
	if err != nil {
		return err
	}

	var sb strings.Builder
	name := settings.FriendlyName
	if name == "" {
		name = "(unnamed)"
	}
	fmt.Fprintf(&sb, "consentry mockidp %s is serving the tenant %q\n\n", versionString(), name)
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  URL\t%s\n", b.issuer)
	fmt.Fprintf(tw, "  Discovery\t%s.well-known/openid-configuration\n", b.issuer)
	if b.demo {
		fmt.Fprintf(tw, "  Demo app\t%s%s (open it: one click starts each consent flow)\n", b.issuer, demo.Path)
	}
	switch {
	case b.fileLine != "":
		fmt.Fprintf(tw, "  Tenant file\t%s\n", b.fileLine)
	case b.configPath != "":
		fmt.Fprintf(tw, "  Tenant file\t%s\n", b.configPath)
	default:
		fmt.Fprintf(tw, "  Tenant file\tnone (--config not given): the tenant is empty\n")
	}
	if b.storeLine != "" {
		fmt.Fprintf(tw, "  Store\t%s\n", b.storeLine)
	}
	if b.caFile != "" {
		fmt.Fprintf(tw, "  TLS CA\t%s (trust it: curl --cacert FILE, NODE_EXTRA_CA_CERTS=FILE)\n", b.caFile)
	}
	tw.Flush()

	secretsIn := "the tenant file"
	if b.configPath != "" {
		secretsIn = b.configPath
	}
	if len(clients) > 0 {
		fmt.Fprintf(&sb, "\nClients (secrets are not printed: see %s):\n", secretsIn)
		tw = tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
		for _, c := range clients {
			kind := clientKind(c)
			if c.ClientID == b.mgmtID {
				kind += "; secret in $" + envMgmtClientSecret
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", c.Name, c.ClientID, kind)
			for _, cb := range c.Callbacks {
				fmt.Fprintf(tw, "  \t\t-> %s\n", cb)
			}
		}
		tw.Flush()
	}
	var userAPIs []*tenant.API
	for _, a := range apis {
		if !a.IsSystem {
			userAPIs = append(userAPIs, a)
		}
	}
	if len(userAPIs) > 0 {
		fmt.Fprintf(&sb, "\nAPIs:\n")
		tw = tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
		for _, a := range userAPIs {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", a.Name, a.Identifier, strings.Join(a.ScopeValues(), " "))
		}
		tw.Flush()
	}
	if b.mgmtID != "" {
		fmt.Fprintf(&sb, "\nManagement API: audience %s, client %s\n", server.ManagementAudience(b.issuer), b.mgmtID)
	}
	if len(users) > 0 {
		fmt.Fprintf(&sb, "\nUsers (passwords are not printed: see %s):\n", secretsIn)
		tw = tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
		for _, u := range users {
			fmt.Fprintf(tw, "  %s\t%s\n", u.Email, u.Name)
		}
		tw.Flush()
	}
	sb.WriteString("\nPress Ctrl+C to stop.\n")
	_, err = io.WriteString(w, sb.String())
	return err
}

// clientKind describes a client in a few words: who owns it, what it is,
// and whether it has a secret.
func clientKind(c *tenant.Client) string {
	var owner string
	switch {
	case c.IsFirstParty:
		owner = "first-party"
	case c.IsStrictThirdParty():
		owner = "third-party (strict)"
	default:
		owner = "third-party (permissive)"
	}
	what := c.AppType
	switch c.AppType {
	case tenant.AppRegularWeb, "":
		what = "web app"
	case tenant.AppSPA:
		what = "single-page app"
	case tenant.AppNative:
		what = "native app"
	case tenant.AppNonInteractive:
		what = "machine-to-machine"
	case tenant.AppResourceServer:
		what = "API acting as a client (token exchange)"
	}
	auth := "confidential"
	if c.IsPublic() {
		auth = "public"
	}
	return owner + " " + what + ", " + auth
}
