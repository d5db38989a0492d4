package mgmt_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/consentry/consentry/mockidp/mgmt"
	"github.com/consentry/consentry/mockidp/store/memstore"
	"github.com/consentry/consentry/mockidp/tenant"
)

func TestK2_DefaultGeneratorsAndHash(t *testing.T) {
	st := newTenantStore(t)
	r := chi.NewRouter()
	mgmt.New(mgmt.Config{Store: st, Verify: fakeVerify}).Mount(r)
	f := &fixture{t: t, store: st, h: r}

	first := f.createClient(`{"name":"F"}`)
	third := f.createClient(`{"name":"T","is_first_party":false}`)
	if !regexp.MustCompile(`^[A-Za-z0-9]{32}$`).MatchString(first["client_id"].(string)) {
		t.Errorf("client_id %v", first["client_id"])
	}
	if !regexp.MustCompile(`^tpc_[A-Za-z0-9]{32}$`).MatchString(third["client_id"].(string)) {
		t.Errorf("strict client_id %v", third["client_id"])
	}
	if s := first["client_secret"].(string); len(s) != 64 || s == third["client_secret"] {
		t.Errorf("secrets %v %v", s, third["client_secret"])
	}
	id := f.createUser("hash@example.com")
	u, _ := st.GetUser(context.Background(), id)
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte("Passw0rd!")) != nil {
		t.Errorf("stored hash %q is not bcrypt of the password", u.PasswordHash)
	}
}

func TestM2_NoVerifierRefusesEveryToken(t *testing.T) {
	r := chi.NewRouter()
	mgmt.New(mgmt.Config{Store: memstore.New()}).Mount(r)
	f := &fixture{t: t, h: r}
	f.do("GET", "/api/v2/clients", "").wantError(http.StatusUnauthorized, "invalid_token", "Invalid token.")
}

// failingStore breaks on listing clients.
type failingStore struct{ *memstore.Store }

func (failingStore) ListClients(context.Context) ([]*tenant.Client, error) {
	return nil, errors.New("disk on fire at /secret/path")
}

func TestM2_StoreFailureIs500WithoutDetails(t *testing.T) {
	var logs bytes.Buffer
	r := chi.NewRouter()
	mgmt.New(mgmt.Config{Store: failingStore{memstore.New()}, Verify: fakeVerify,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))}).Mount(r)
	req := httptest.NewRequest("GET", "/api/v2/clients", nil)
	req.Header.Set("Authorization", "Bearer "+tokAll)
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "fire") || rec.Header().Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("%d %q %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	if !strings.Contains(logs.String(), "disk on fire") {
		t.Fatalf("cause not logged: %s", logs.String())
	}
}
