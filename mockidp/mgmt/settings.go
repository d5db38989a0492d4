package mgmt

import (
	"encoding/json"
	"net/http"

	"github.com/consentry/consentry/mockidp/tenant"
)

func (a *API) getSettings(w http.ResponseWriter, r *http.Request) error {
	s, err := a.store.GetSettings(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s)
	return nil
}

// updateSettings merges the body into the settings: properties left out,
// flags included, keep their values.
func (a *API) updateSettings(w http.ResponseWriter, r *http.Request) error {
	p, err := readPayload(r)
	if err != nil {
		return err
	}
	// Applied inside the store's compare-and-swap: concurrent PATCHes both
	// land.
	s, err := a.store.UpdateSettingsFunc(r.Context(), func(s *tenant.Settings) error {
		p.allow("friendly_name", "picture_url", "support_email", "flags", "skip_non_verifiable_callback_uri_confirmation_prompt")
		p.str("friendly_name", &s.FriendlyName)
		p.str("picture_url", &s.PictureURL)
		p.str("support_email", &s.SupportEmail)
		p.boolean("skip_non_verifiable_callback_uri_confirmation_prompt", &s.SkipNonVerifiableCallbackURIConfirmationPrompt)
		decodeProp(p, "flags", &s.Flags, func(prop string, raw json.RawMessage) (tenant.Flags, error) {
			f := s.Flags
			m, err := decodeObject(prop, raw, "use_scope_descriptions_for_consent", "enable_client_connections", "revoke_refresh_token_grant")
			if err != nil {
				return f, err
			}
			if v, ok := m["enable_client_connections"]; ok {
				b, err := decodeBool(prop+".enable_client_connections", v)
				if err != nil {
					return f, err
				}
				f.EnableClientConnections = &b
			}
			if v, ok := m["use_scope_descriptions_for_consent"]; ok {
				if f.UseScopeDescriptionsForConsent, err = decodeBool(prop+".use_scope_descriptions_for_consent", v); err != nil {
					return f, err
				}
			}
			if v, ok := m["revoke_refresh_token_grant"]; ok {
				if f.RevokeRefreshTokenGrant, err = decodeBool(prop+".revoke_refresh_token_grant", v); err != nil {
					return f, err
				}
			}
			return f, nil
		})
		if p.err != nil {
			return p.err
		}
		if s.SupportEmail != "" && !validEmail(s.SupportEmail) {
			return errPayloadOn("support_email", "Object didn't pass validation for format email: "+s.SupportEmail)
		}
		return nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s)
	return nil
}
