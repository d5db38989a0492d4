package mgmtclient

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const secret = "very-secret-management-value"

func fakeTenant(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		if r.PostFormValue("client_secret") != secret || !strings.HasSuffix(r.PostFormValue("audience"), "/api/v2/") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"access_denied","error_description":"Unauthorized"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"tok","token_type":"Bearer","expires_in":3600}`))
	})
	mux.HandleFunc("POST /api/v2/clients", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var c ClientApp
		_ = json.NewDecoder(r.Body).Decode(&c)
		if c.Name == "" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"statusCode":400,"error":"Bad Request","message":"Payload validation error","errorCode":"invalid_body"}`))
			return
		}
		c.ClientID, c.ClientSecret = "cid", "csecret"
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(c)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestCreateClientAndErrors(t *testing.T) {
	srv := fakeTenant(t)
	ctx := context.Background()
	c, err := New(ctx, Config{Issuer: srv.URL + "/", ClientID: "m", ClientSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.CreateClient(ctx, ClientApp{Name: "x"})
	if err != nil || got.ClientID != "cid" || got.ClientSecret != "csecret" {
		t.Fatalf("%+v %v", got, err)
	}
	_, err = c.CreateClient(ctx, ClientApp{})
	var e *Error
	if !errors.As(err, &e) || e.Status != 400 || e.ErrorCode != "invalid_body" || !strings.Contains(err.Error(), "Payload validation error") {
		t.Fatalf("%v", err)
	}
}

func TestTokenFailureNamesNoSecret(t *testing.T) {
	srv := fakeTenant(t)
	ctx := context.Background()
	c, err := New(ctx, Config{Issuer: srv.URL + "/", ClientID: "m", ClientSecret: secret + "-wrong"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateClient(ctx, ClientApp{Name: "x"})
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("want a 401 token error, got %v", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Fatalf("the error shows the secret: %v", err)
	}
}
