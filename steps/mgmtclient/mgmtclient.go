// Package mgmtclient is a small client of the Auth0 Management API v2, the
// part the harness needs to create and delete its fixtures: clients, APIs
// (resource servers), client grants, users, user grants and tenant settings.
// It works the same against the bundled mock and a real Auth0 tenant.
//
// Secrets stay inside: the token is fetched with the client credentials grant
// through golang.org/x/oauth2, and errors name the method, the path and the
// API's error message, never a header, a secret or a password.
package mgmtclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Config names the tenant and the Management API client.
type Config struct {
	// Issuer is the tenant's issuer, ending with "/" ("https://t.auth0.com/").
	Issuer string
	// ClientID and ClientSecret of a client with a client grant on the
	// Management API audience.
	ClientID, ClientSecret string
	// HTTPClient carries the requests; nil means http.DefaultClient.
	HTTPClient *http.Client
}

// Client calls the Management API. It is safe for concurrent use; the token
// is fetched once and renewed when it expires.
type Client struct {
	base  string // <issuer>api/v2
	http  *http.Client
	token oauth2.TokenSource
}

// New returns a client for cfg. No request is made until the first call.
func New(ctx context.Context, cfg Config) (*Client, error) {
	if !strings.HasSuffix(cfg.Issuer, "/") {
		return nil, fmt.Errorf("mgmtclient: issuer %q must end with /", cfg.Issuer)
	}
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, errors.New("mgmtclient: client id and secret are required")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	cc := clientcredentials.Config{
		ClientID:       cfg.ClientID,
		ClientSecret:   cfg.ClientSecret,
		TokenURL:       cfg.Issuer + "oauth/token",
		EndpointParams: url.Values{"audience": {cfg.Issuer + "api/v2/"}},
		AuthStyle:      oauth2.AuthStyleInParams,
	}
	tctx := context.WithValue(context.WithoutCancel(ctx), oauth2.HTTPClient, hc)
	src := cc.TokenSource(tctx)
	return &Client{
		base:  cfg.Issuer + "api/v2",
		http:  &http.Client{Transport: &oauth2.Transport{Source: src, Base: hc.Transport}},
		token: src,
	}, nil
}

// CheckCredentials asks for the Management API token once, so that wrong
// credentials are one error before a run instead of one per call. The
// token is kept for the calls that follow. The error never quotes the
// secret.
func (c *Client) CheckCredentials(ctx context.Context) error {
	_, err := c.token.Token()
	if err == nil {
		return nil
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return fmt.Errorf("management API token: HTTP %d %s %s", re.Response.StatusCode, re.ErrorCode, re.ErrorDescription)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("management API token: %w", ue.Err)
	}
	return fmt.Errorf("management API token: %w", err)
}

// Error is a failed Management API call.
type Error struct {
	Method, Path string
	Status       int
	// Message is the API's "message" (or its body, shortened).
	Message string
	// ErrorCode is the API's "errorCode", when it sends one.
	ErrorCode string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("management API %s %s: HTTP %d", e.Method, e.Path, e.Status)
	if e.ErrorCode != "" {
		s += " " + e.ErrorCode
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// IsNotFound reports whether err is a 404 from the Management API.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}

// IgnoreNotFound returns err, or nil when it is a 404: for deleting what may
// already be gone.
func IgnoreNotFound(err error) error {
	if IsNotFound(err) {
		return nil
	}
	return err
}

// Do sends body (JSON-encoded unless nil) to path under /api/v2 and decodes
// the answer into out (unless nil). Paths are shown in errors; they must
// not carry secrets.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return fmt.Errorf("management API token: HTTP %d %s %s", re.Response.StatusCode, re.ErrorCode, re.ErrorDescription)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			return fmt.Errorf("management API %s %s: %w", method, path, ue.Err)
		}
		return fmt.Errorf("management API %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		e := &Error{Method: method, Path: path, Status: resp.StatusCode}
		var body struct {
			Message   string `json:"message"`
			ErrorCode string `json:"errorCode"`
		}
		if json.Unmarshal(data, &body) == nil && body.Message != "" {
			e.Message, e.ErrorCode = body.Message, body.ErrorCode
		} else {
			e.Message = shorten(string(data))
		}
		return e
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("management API %s %s: decoding the answer: %w", method, path, err)
		}
	}
	return nil
}

func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// ClientApp is an application as the Management API shows it. Fields left
// empty are not sent.
type ClientApp struct {
	ClientID                                       string   `json:"client_id,omitempty"`
	ClientSecret                                   string   `json:"client_secret,omitempty"`
	Name                                           string   `json:"name,omitempty"`
	AppType                                        string   `json:"app_type,omitempty"`
	IsFirstParty                                   *bool    `json:"is_first_party,omitempty"`
	ThirdPartySecurityMode                         string   `json:"third_party_security_mode,omitempty"`
	RedirectionPolicy                              string   `json:"redirection_policy,omitempty"`
	Callbacks                                      []string `json:"callbacks,omitempty"`
	GrantTypes                                     []string `json:"grant_types,omitempty"`
	TokenEndpointAuthMethod                        string   `json:"token_endpoint_auth_method,omitempty"`
	SkipNonVerifiableCallbackURIConfirmationPrompt *bool    `json:"skip_non_verifiable_callback_uri_confirmation_prompt,omitempty"`
	// RefreshToken is the client's refresh_token object, when set.
	RefreshToken *RefreshTokenPolicy `json:"refresh_token,omitempty"`
}

// RefreshTokenPolicy is a client's refresh_token object: rotation_type
// rotating or non-rotating, expiration_type expiring or non-expiring, and
// leeway, the seconds a rotated token may still be used.
type RefreshTokenPolicy struct {
	RotationType   string `json:"rotation_type,omitempty"`
	ExpirationType string `json:"expiration_type,omitempty"`
	Leeway         *int   `json:"leeway,omitempty"`
}

// CreateClient creates an application and returns it with its client_id
// and client_secret.
func (c *Client) CreateClient(ctx context.Context, app ClientApp) (*ClientApp, error) {
	var out ClientApp
	return &out, c.Do(ctx, http.MethodPost, "/clients", app, &out)
}

// GetClient reads an application.
func (c *Client) GetClient(ctx context.Context, clientID string) (*ClientApp, error) {
	var out ClientApp
	return &out, c.Do(ctx, http.MethodGet, "/clients/"+url.PathEscape(clientID), nil, &out)
}

// UpdateClient patches an application with the given properties.
func (c *Client) UpdateClient(ctx context.Context, clientID string, patch map[string]any) error {
	return c.Do(ctx, http.MethodPatch, "/clients/"+url.PathEscape(clientID), patch, nil)
}

// DeleteClient deletes an application.
func (c *Client) DeleteClient(ctx context.Context, clientID string) error {
	return c.Do(ctx, http.MethodDelete, "/clients/"+url.PathEscape(clientID), nil, nil)
}

// Scope is one scope of an API.
type Scope struct {
	Value       string `json:"value"`
	Description string `json:"description,omitempty"`
}

// ResourceServer is an API.
type ResourceServer struct {
	ID                                        string  `json:"id,omitempty"`
	Identifier                                string  `json:"identifier,omitempty"`
	Name                                      string  `json:"name,omitempty"`
	Scopes                                    []Scope `json:"scopes,omitempty"`
	AllowOfflineAccess                        bool    `json:"allow_offline_access,omitempty"`
	SkipConsentForVerifiableFirstPartyClients bool    `json:"skip_consent_for_verifiable_first_party_clients,omitempty"`
}

// CreateResourceServer creates an API from body (a ResourceServer or any
// JSON object, for the older spellings of rule P2) and returns its id as
// read from the answer, with the whole answer in raw.
func (c *Client) CreateResourceServer(ctx context.Context, body any) (id string, raw map[string]any, err error) {
	if err := c.Do(ctx, http.MethodPost, "/resource-servers", body, &raw); err != nil {
		return "", nil, err
	}
	id, _ = raw["id"].(string)
	if id == "" {
		return "", raw, errors.New("management API POST /resource-servers: the answer has no id")
	}
	return id, raw, nil
}

// GetResourceServer reads an API as raw JSON fields.
func (c *Client) GetResourceServer(ctx context.Context, id string) (map[string]any, error) {
	var raw map[string]any
	return raw, c.Do(ctx, http.MethodGet, "/resource-servers/"+url.PathEscape(id), nil, &raw)
}

// UpdateResourceServer patches an API.
func (c *Client) UpdateResourceServer(ctx context.Context, id string, patch any) error {
	return c.Do(ctx, http.MethodPatch, "/resource-servers/"+url.PathEscape(id), patch, nil)
}

// DeleteResourceServer deletes an API.
func (c *Client) DeleteResourceServer(ctx context.Context, id string) error {
	return c.Do(ctx, http.MethodDelete, "/resource-servers/"+url.PathEscape(id), nil, nil)
}

// Names lists the "name" (or, for users, "email") of every object under a
// collection path ("/clients", "/resource-servers", "/users"), page by page.
func (c *Client) Names(ctx context.Context, path string) ([]string, error) {
	var names []string
	for page := 0; ; page++ {
		var items []map[string]any
		if err := c.Do(ctx, http.MethodGet, fmt.Sprintf("%s?per_page=100&page=%d", path, page), nil, &items); err != nil {
			return nil, err
		}
		for _, it := range items {
			name, _ := it["name"].(string)
			if email, ok := it["email"].(string); ok && email != "" {
				name = email
			}
			names = append(names, name)
		}
		if len(items) < 100 {
			return names, nil
		}
	}
}

// ClientGrant lets a client get tokens for an API.
type ClientGrant struct {
	ID          string   `json:"id,omitempty"`
	ClientID    string   `json:"client_id"`
	Audience    string   `json:"audience"`
	Scope       []string `json:"scope"`
	SubjectType string   `json:"subject_type,omitempty"`
}

// CreateClientGrant creates a client grant and returns its id.
func (c *Client) CreateClientGrant(ctx context.Context, g ClientGrant) (string, error) {
	var out ClientGrant
	if err := c.Do(ctx, http.MethodPost, "/client-grants", g, &out); err != nil {
		return "", err
	}
	return out.ID, nil
}

// DeleteClientGrant deletes a client grant.
func (c *Client) DeleteClientGrant(ctx context.Context, id string) error {
	return c.Do(ctx, http.MethodDelete, "/client-grants/"+url.PathEscape(id), nil, nil)
}

// NewUser is what CreateUser sends. The password is sent, never shown.
type NewUser struct {
	Connection    string `json:"connection"`
	Email         string `json:"email"`
	Password      string `json:"password"`
	Name          string `json:"name,omitempty"`
	EmailVerified bool   `json:"email_verified"`
}

// User is a user as the Management API shows it.
type User struct {
	UserID string `json:"user_id"`
	Email  string `json:"email"`
	Name   string `json:"name"`
}

// CreateUser creates a user in a database connection.
func (c *Client) CreateUser(ctx context.Context, u NewUser) (*User, error) {
	var out User
	return &out, c.Do(ctx, http.MethodPost, "/users", u, &out)
}

// UsersByEmail finds users by email.
func (c *Client) UsersByEmail(ctx context.Context, email string) ([]User, error) {
	var out []User
	return out, c.Do(ctx, http.MethodGet, "/users-by-email?email="+url.QueryEscape(email), nil, &out)
}

// DeleteUser deletes a user.
func (c *Client) DeleteUser(ctx context.Context, userID string) error {
	return c.Do(ctx, http.MethodDelete, "/users/"+url.PathEscape(userID), nil, nil)
}

// Grant is a user grant: the record of a user's consent.
type Grant struct {
	ID       string   `json:"id"`
	ClientID string   `json:"clientID"`
	UserID   string   `json:"user_id"`
	Audience string   `json:"audience"`
	Scope    []string `json:"scope"`
}

// Grants lists the grants of a user.
func (c *Client) Grants(ctx context.Context, userID string) ([]Grant, error) {
	var out []Grant
	return out, c.Do(ctx, http.MethodGet, "/grants?per_page=100&user_id="+url.QueryEscape(userID), nil, &out)
}

// DeleteGrant revokes one grant.
func (c *Client) DeleteGrant(ctx context.Context, id string) error {
	return c.Do(ctx, http.MethodDelete, "/grants/"+url.PathEscape(id), nil, nil)
}

// DeleteGrantsOfUser revokes every grant of a user.
func (c *Client) DeleteGrantsOfUser(ctx context.Context, userID string) error {
	return c.Do(ctx, http.MethodDelete, "/grants?user_id="+url.QueryEscape(userID), nil, nil)
}

// TenantSettings reads the tenant settings as raw JSON.
func (c *Client) TenantSettings(ctx context.Context) (map[string]any, error) {
	var out map[string]any
	return out, c.Do(ctx, http.MethodGet, "/tenants/settings", nil, &out)
}

// UpdateTenantSettings patches the tenant settings.
func (c *Client) UpdateTenantSettings(ctx context.Context, patch map[string]any) error {
	return c.Do(ctx, http.MethodPatch, "/tenants/settings", patch, nil)
}
