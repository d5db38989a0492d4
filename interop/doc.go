// Package interop checks that vendors' own SDKs work against the mock IdP,
// wire for wire. Each test builds and starts the real mockidp binary and
// drives it with an SDK in its own language:
//
//   - auth0-node/: Auth0's Node SDK (npm "auth0" v7, ManagementClient)
//     against the Management API over TLS (rules M1 to M3, P2, K1, K2, C9).
//   - auth0-node-authn/: the same SDK's AuthenticationClient and
//     UserInfoClient (auth0/legacy): client credentials, password realm,
//     userinfo, refresh, revoke, an authorization code with PKCE.
//   - spa/: a single-page app on @auth0/auth0-spa-js 2.x (its prebuilt
//     browser file) in headless Chromium, served from its own https origin:
//     login, consent, handleRedirectCallback, getUser, getTokenSilently by
//     refresh token and by web_message, logout (rules W1, W2, W4, W5).
//   - auth0js/: an embedded-login page on auth0.js (npm auth0-js 9.x, the
//     library behind Lock; its prebuilt browser file) in headless Chromium,
//     on its own https origin: login({realm}) by /co/authenticate and
//     login_ticket, parseHash, checkSession by web_message, userInfo,
//     logout, and the cross-origin verification fallback (/co/verify).
//   - express-app/: a server-side web app on express-openid-connect: login,
//     a protected route, idpLogout through end_session_endpoint (rule L1).
//   - oktasdk_test.go: Okta's Go SDK (okta-sdk-golang/v5 v5.0.2) against
//     the Okta admin API (rules O1, O2, O6, O9). It starts the admin API
//     in-process over TLS instead of the binary.
//   - oktaoidc_test.go: coreos/go-oidc and golang.org/x/oauth2 against the
//     demo Okta org's default authorization server (server.NewOkta,
//     in-process): discovery, the code flow with PKCE through the sign-in
//     and consent pages, ID token verification, userinfo (rules O3, O11).
//   - a0deploy/: Auth0's tenant-as-code tool (npm "auth0-deploy-cli", a0deploy)
//     exports a seeded tenant, imports it into an empty mock and exports it
//     again; the two exports must match (clients, APIs, client grants,
//     connections, and the features the mock answers empty).
//
// oidc-provider/ is not a test: it is node oidc-provider set up like
// testdata/tenants/bench.yaml, the other side of make bench-compare.
//
// Every app installs its pinned packages itself (npm ci from the committed
// package-lock.json) and is used as its library's documentation shows. The
// install is kept in a cache directory, one per package.json,
// package-lock.json, node and npm version, and reused while they are the
// same ($CONSENTRY_NPM_CACHE, default consentry/interop-npm in the user
// cache directory; "off" runs npm ci in the test's temporary directory
// every time). The tests copy the apps into temporary directories and
// never write into the source tree or into node_modules. The mock runs
// with --tls and its CA trusted (NODE_EXTRA_CA_CERTS for Node; for
// Chromium, the SPKI pins of the two servers' keys, so nothing is
// installed in any trust store).
//
// The tests need their language runtime (Node 20.19+ and npm), and the SPA
// and auth0.js tests Chromium (/usr/bin/chromium or $CHROME_PATH). A
// missing runtime fails the test with a message that says what to install; set
// CONSENTRY_SKIP_NODE_INTEROP=1 to skip the Node tests on purpose, and
// CONSENTRY_BROWSER=off to skip the SPA and auth0.js tests.
package interop
