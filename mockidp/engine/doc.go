// Package engine is the vendor-neutral transaction machinery of the mock
// IdP, shared by its faces (mockidp/auth0, mockidp/oktaface): the bounded
// parsing of every request's input, the browser binding and login session
// cookies, the transactions that wait on a screen (login, consent) and the
// checks that a form belongs to its browser, session and step (rule C8),
// PKCE (RFC 7636), authorization codes with their one-winner redemption and
// replay revocation (rule T1), the response modes that carry an answer back
// to the client's callback (query, fragment, form_post; rule A5), and
// routing that answers a wrong method with 405 and Allow. It also reads a
// request's client credentials (ClientCredentials: one authentication
// method per request, RFC 6749 section 2.3), refuses ambiguous screen forms
// (CheckScreenForm, rule A7), reads max_age (ParseMaxAge, TooOld; rule
// A6) and sets the headers of an allowed CORS preflight (AllowPreflight).
//
// The login -> consent -> callback step is the engine's too (Flow): a face
// fills a Flow with its decisions and calls Advance after /authorize and
// after a login, and Finish after an accepted screen. The engine keeps the
// order: the session's user, then prompt=login and max_age (rules A3, A6),
// then the face's decision; prompt=none never shows a screen (A4); a screen
// is bound to the login session it is shown for (C8); a transaction
// finishes once; the code carries the session's login time; the answer
// goes back in the response mode (A5).
//
// The engine decides nothing a vendor decides. What belongs to a face:
//
//   - its routes and parameter names (Auth0's /authorize and /oauth/token,
//     Okta's /oauth2/{server}/v1/...), and which response types, modes and
//     prompt values it accepts;
//   - its error codes, texts and HTTP statuses, and where an error goes (the
//     HTML error page or the callback): the engine's own errors are
//     *oautherr.Error values a face may pass on or replace;
//   - its page templates (the engine only hands out the transaction and its
//     anti-forgery value);
//   - client authentication (whom the credentials name, how a secret is
//     checked, its error texts) and its grant types, and its token claims and
//     lifetimes (the engine only stores and redeems codes, and asks the face
//     to issue the tokens of a code it won);
//   - in a Flow: whether a session's user may still sign in, its
//     prompt=none refusals' texts, its screens' URLs and names, its consent
//     decision (Auth0: consent.Decide; Okta: consent.DecideOkta) with the
//     scopes a screen offers and the scopes and grant a code carries, and
//     its implicit-flow tokens; its grant model (Auth0: one grant per
//     client and API, Okta: one grant per scope) and what an answered
//     screen records.
//
// A face keeps its own clock and logger, and gives the engine the
// session.Store all its short-lived state lives in.
package engine
