// Package okta is the domain model of the mock IdP's Okta profile: one Okta
// org with its OpenID Connect apps, users and app assignments, custom
// authorization servers with their scopes and access policies, and the
// per-scope consent grants users give (spec section 8, rules O1 to O12).
//
// It holds the types, the rules between them (validation and Okta's
// defaults: a scope created without consent is IMPLICIT, the default
// server's system scopes, an app's defaults by application_type), the
// evaluation rules that do not depend on HTTP (scope resolution, O8; access
// policies, O9; redirect URIs and grant types, O10) and the Store interface
// an org is kept behind. It imports nothing of the project but oautherr,
// whose values carry Okta's exact error codes, descriptions and statuses.
//
// JSON field names are Okta's, so the same structs serve the admin API
// (mockidp/oktaadmin) and the tenant file (mockidp/config). Fields the store
// needs but Okta does not show are tagged json:"-".
package okta
