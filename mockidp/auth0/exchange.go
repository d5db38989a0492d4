package auth0

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/consentry/consentry/mockidp/engine"
	"github.com/consentry/consentry/mockidp/oautherr"
	"github.com/consentry/consentry/mockidp/tenant"
	"github.com/consentry/consentry/mockidp/tokens"
)

// maxActDepth is how many actors an exchanged token may name (rule X3).
const maxActDepth = 4

// exchangeGrant is RFC 8693 token exchange, On-Behalf-Of (rules X1 to X4):
// an API, acting as its resource_server client, trades an access token it
// received for a token to another API, for the same user.
func (f *Face) exchangeGrant(ctx context.Context, c *tenant.Client, form url.Values) (tokenResponse, *oautherr.Error) {
	// X1: the acting client is an API's client.
	if c.AppType != tenant.AppResourceServer || c.ResourceServerIdentifier == "" || c.IsPublic() {
		return tokenResponse{}, oautherr.UnauthorizedClient(`Only an API's client (app_type "resource_server" with a resource_server_identifier and a client secret) can exchange tokens.`)
	}
	acting, err := f.store.GetAPIByIdentifier(ctx, c.ResourceServerIdentifier)
	if errors.Is(err, tenant.ErrNotFound) {
		return tokenResponse{}, oautherr.UnauthorizedClient(`The client's resource server "` + c.ResourceServerIdentifier + `" does not exist.`)
	} else if err != nil {
		return tokenResponse{}, f.eng.Internal(err)
	}
	// X2: exchange must be enabled, on the API or on its client.
	if !acting.ExchangeEnabled() && (c.TokenExchange == nil || !slices.Contains(c.TokenExchange.AllowAnyProfileOfType, tenant.ProfileOnBehalfOf)) {
		return tokenResponse{}, oautherr.UnauthorizedClient(`Token exchange is not enabled for the API "` + acting.Identifier + `".`)
	}
	// X4: the request itself.
	subject := form.Get("subject_token")
	if subject == "" {
		return tokenResponse{}, oautherr.InvalidRequest("Missing required parameter: subject_token")
	}
	switch t := form.Get("subject_token_type"); t {
	case "":
		return tokenResponse{}, oautherr.InvalidRequest("Missing required parameter: subject_token_type")
	case tenant.TokenTypeAccessToken:
	default:
		return tokenResponse{}, oautherr.InvalidRequest("Unsupported subject_token_type: " + t + " (use " + tenant.TokenTypeAccessToken + ").")
	}
	if t := form.Get("requested_token_type"); t != "" && t != tenant.TokenTypeAccessToken {
		return tokenResponse{}, oautherr.InvalidRequest("Unsupported requested_token_type: " + t + " (only " + tenant.TokenTypeAccessToken + " can be issued).")
	}
	audience := form.Get("audience")
	if audience == "" {
		return tokenResponse{}, oautherr.InvalidRequest("Missing required parameter: audience")
	}
	target, err := f.store.GetAPIByIdentifier(ctx, audience)
	if errors.Is(err, tenant.ErrNotFound) {
		return tokenResponse{}, oautherr.InvalidTarget(`Unknown audience "` + audience + `".`)
	} else if err != nil {
		return tokenResponse{}, f.eng.Internal(err)
	}
	claims, err := f.iss.VerifyAccess(subject, acting.Identifier)
	if err != nil || f.eng.AccessRevoked(ctx, claims.ID) {
		return tokenResponse{}, oautherr.InvalidRequest(`subject_token is invalid, expired, revoked, or not an access token for "` + acting.Identifier + `".`)
	}
	if strings.HasSuffix(claims.Subject, "@clients") {
		return tokenResponse{}, oautherr.InvalidRequest("subject_token must represent a user, not a client.")
	}
	if _, err := f.store.GetUser(ctx, claims.Subject); err != nil {
		return tokenResponse{}, oautherr.InvalidRequest("The subject_token's user no longer exists.")
	}
	// X2: no user is present to consent, so the target must allow skipping.
	if !target.SkipConsentForVerifiableFirstPartyClients {
		return tokenResponse{}, oautherr.New(http.StatusForbidden, oautherr.CodeConsentRequired,
			`The API "`+target.Identifier+`" requires user consent, which cannot be given during a token exchange: enable skip_consent_for_verifiable_first_party_clients on it.`)
	}
	// X3: one more actor in the chain, at most maxActDepth.
	act := &tokens.Actor{Sub: c.ClientID, Act: claims.Act}
	if act.Depth() > maxActDepth {
		return tokenResponse{}, oautherr.InvalidRequest("The delegation chain is too deep: at most 4 nested act claims.")
	}
	scopes, e := exchangeScopes(splitScopes(form.Get("scope")), target, claims)
	if e != nil {
		return tokenResponse{}, e
	}
	at, err := f.iss.AccessToken(tokens.Access{Subject: claims.Subject, Audience: []string{target.Identifier},
		ClientID: c.ClientID, Scope: scopes, Act: act, Lifetime: lifetime(target), Alg: target.SigningAlg})
	if err != nil {
		return tokenResponse{}, f.eng.Internal(err)
	}
	f.log.Info("token exchanged", "client", c.ClientID, "from", acting.Identifier, "to", target.Identifier, "depth", act.Depth())
	return tokenResponse{AccessToken: at.Token, IssuedTokenType: tenant.TokenTypeAccessToken, TokenType: "Bearer",
		ExpiresIn: at.ExpiresIn, Scope: strings.Join(scopes, " ")}, nil
}

// exchangeScopes are the scopes of the exchanged token: the requested
// scopes the target API defines (every scope of the target when none is
// requested; unknown ones are dropped, rule P3). Exchanging for the subject
// token's own API can only narrow its scopes, never widen them.
func exchangeScopes(requested []string, target *tenant.API, subject *tokens.AccessClaims) ([]string, *oautherr.Error) {
	sameAPI := slices.Contains(subject.Audience, target.Identifier)
	if len(requested) == 0 {
		if sameAPI {
			return slices.DeleteFunc(subject.Scopes(), func(s string) bool { return !target.HasScope(s) }), nil
		}
		return target.ScopeValues(), nil
	}
	if sameAPI && !engine.Subset(requested, subject.Scopes()) {
		return nil, oautherr.New(http.StatusBadRequest, oautherr.CodeInvalidScope,
			"The requested scope exceeds the subject_token's scope for the same API.")
	}
	return slices.DeleteFunc(requested, func(s string) bool { return !target.HasScope(s) }), nil
}
