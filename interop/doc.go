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
//
// The tests need their language runtime (Node 20.19+ and npm). A missing
// runtime fails the test with a message that says what to install; set
// CONSENTRY_SKIP_NODE_INTEROP=1 to skip the Node test on purpose.
package interop
