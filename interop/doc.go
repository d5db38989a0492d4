// Package interop checks that vendors' own SDKs work against the mock IdP,
// wire for wire. Each test builds and starts the real mockidp binary and
// drives it with an SDK in its own language:
//
//   - auth0-node/: Auth0's Node SDK (npm "auth0" v7, ManagementClient)
//     against the Management API over TLS (rules M1 to M3, P2, K1, K2, C9).
//   - oktasdk_test.go: Okta's Go SDK (okta-sdk-golang/v5 v5.0.2) against
//     the Okta admin API (rules O1, O2, O6, O9). Until `mockidp serve
//     --vendor okta` exists it starts the admin API in-process over TLS
//     instead of the binary.
//   - a0deploy/: Auth0's tenant-as-code tool (npm "auth0-deploy-cli", a0deploy)
//     exports a seeded tenant, imports it into an empty mock and exports it
//     again; the two exports must match (clients, APIs, client grants,
//     connections, and the features the mock answers empty).
//
// oidc-provider/ is not a test: it is node oidc-provider set up like
// testdata/tenants/bench.yaml, the other side of make bench-compare.
//
// The tests need their language runtime (Node 20.19+ and npm). A missing
// runtime fails the test with a message that says what to install; set
// CONSENTRY_SKIP_NODE_INTEROP=1 to skip the Node tests on purpose.
package interop
