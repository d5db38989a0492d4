// Drives the mock IdP's Authentication API with Auth0's Node SDK: the
// AuthenticationClient and UserInfoClient that npm "auth0" v7 ships under
// its documented "auth0/legacy" entry point (node-auth0 v4's API). Checks
// every answer and exits non-zero on the first mismatch.
//
// Environment (set by interop/authn_test.go):
//   MOCKIDP_DOMAIN   host:port of the mock (TLS; CA in NODE_EXTRA_CA_CERTS)
//   CLIENT_ID, CLIENT_SECRET  a confidential regular web app
//   AUDIENCE         an API that allows offline access
//   USERNAME, PASSWORD, USER_ID, REALM  a user of the database connection REALM
//   CODE, CODE_VERIFIER, REDIRECT_URI   an authorization code the test got
//                    with PKCE (S256) through the mock's login page

import { AuthenticationClient, UserInfoClient } from "auth0/legacy";
import assert from "node:assert/strict";

function env(name) {
  const v = process.env[name];
  if (!v) {
    throw new Error(`environment variable ${name} is not set`);
  }
  return v;
}

const domain = env("MOCKIDP_DOMAIN");
const clientId = env("CLIENT_ID");
const audience = env("AUDIENCE");
const auth = new AuthenticationClient({ domain, clientId, clientSecret: env("CLIENT_SECRET") });
const userinfo = new UserInfoClient({ domain });

let step = "";
function begin(name) {
  step = name;
  console.log(`- ${name}`);
}

function claims(jwt) {
  return JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString());
}

// rejects runs call, which must fail with the OAuth error code.
async function rejects(call, code) {
  try {
    await call();
  } catch (err) {
    assert.equal(err.error, code, `want the error ${code}, got ${err.error}: ${err.error_description || err.message}`);
    return err;
  }
  throw new Error(`want the error ${code}, but the call succeeded`);
}

async function main() {
  begin("client credentials");
  const cc = (await auth.oauth.clientCredentialsGrant({ audience })).data;
  assert.equal(cc.token_type, "Bearer");
  assert.equal(claims(cc.access_token).sub, `${clientId}@clients`);
  assert.deepEqual([claims(cc.access_token).aud].flat(), [audience]);

  begin("password realm");
  const scope = "openid profile email offline_access read:items";
  const pw = (await auth.oauth.passwordGrant({
    username: env("USERNAME"), password: env("PASSWORD"), realm: env("REALM"), audience, scope,
  })).data;
  assert.equal(claims(pw.access_token).sub, env("USER_ID"));
  assert.ok(pw.id_token, "the password-realm grant returns an ID token (validated by the SDK)");
  assert.ok(pw.refresh_token, "offline_access gives a refresh token");

  begin("password realm: wrong password, and a realm the user is not in");
  await rejects(() => auth.oauth.passwordGrant({ username: env("USERNAME"), password: "wrong-password", realm: env("REALM") }), "invalid_grant");
  await rejects(() => auth.oauth.passwordGrant({ username: env("USERNAME"), password: env("PASSWORD"), realm: "No-Such-Connection" }), "invalid_grant");

  begin("userinfo");
  const me = (await userinfo.getUserInfo(pw.access_token)).data;
  assert.equal(me.sub, env("USER_ID"));
  assert.equal(me.email, env("USERNAME"));

  begin("refresh");
  const rt = (await auth.oauth.refreshTokenGrant({ refresh_token: pw.refresh_token })).data;
  assert.equal(claims(rt.access_token).sub, env("USER_ID"));
  // A rotating client gets a new refresh token; this one does not rotate.
  const live = rt.refresh_token || pw.refresh_token;

  begin("revoke (a JSON body)");
  await auth.oauth.revokeRefreshToken({ token: live });
  await rejects(() => auth.oauth.refreshTokenGrant({ refresh_token: live }), "invalid_grant");

  begin("authorization code with PKCE");
  const code = (await auth.oauth.authorizationCodeGrantWithPKCE({
    code: env("CODE"), code_verifier: env("CODE_VERIFIER"), redirect_uri: env("REDIRECT_URI"),
  })).data;
  assert.equal(claims(code.access_token).sub, env("USER_ID"));
  assert.ok(code.id_token);
  await rejects(() => auth.oauth.authorizationCodeGrantWithPKCE({
    code: env("CODE"), code_verifier: env("CODE_VERIFIER"), redirect_uri: env("REDIRECT_URI"),
  }), "invalid_grant");

  console.log("all checks passed");
}

main().catch((err) => {
  console.error(`FAILED at "${step}": ${err.message}`);
  if (err.statusCode) {
    console.error(`HTTP ${err.statusCode}: ${err.error}: ${err.error_description}`);
  }
  process.exit(1);
});
