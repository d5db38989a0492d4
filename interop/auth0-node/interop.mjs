// Drives the mock IdP's Management API with Auth0's official Node SDK
// (npm "auth0" v7, ManagementClient) and checks every answer. Exits
// non-zero on the first mismatch, printing what was expected and what came.
//
// The SDK talks to https://${domain}/api/v2 and gets its token from
// https://${domain}/oauth/token (client_credentials, audience
// https://${domain}/api/v2/), so the mock must serve TLS on that domain with
// the issuer https://${domain}/; the mock's CA comes in NODE_EXTRA_CA_CERTS.
//
// Environment (set by interop/auth0node_test.go):
//   MOCKIDP_DOMAIN              host:port of the mock, e.g. 127.0.0.1:54321
//   MOCKIDP_MGMT_CLIENT_ID      the management client the mock bootstrapped
//   MOCKIDP_MGMT_CLIENT_SECRET  its secret
//   SEED_USER_ID                a user of the tenant file with two grants
//   SEED_FRIENDLY_NAME          the tenant file's friendly_name

import { ManagementClient } from "auth0";
import assert from "node:assert/strict";

function env(name) {
  const v = process.env[name];
  if (!v) {
    throw new Error(`environment variable ${name} is not set`);
  }
  return v;
}

const domain = env("MOCKIDP_DOMAIN");
const seedUserID = env("SEED_USER_ID");
const seedFriendlyName = env("SEED_FRIENDLY_NAME");

const mgmt = new ManagementClient({
  domain,
  clientId: env("MOCKIDP_MGMT_CLIENT_ID"),
  clientSecret: env("MOCKIDP_MGMT_CLIENT_SECRET"),
  maxRetries: 0,
});

let step = "";
function begin(name) {
  step = name;
  console.log(`- ${name}`);
}

// expectStatus runs call, which must fail with an HTTP error of the given
// status and Auth0 errorCode.
async function expectStatus(call, status, errorCode) {
  try {
    await call();
  } catch (err) {
    assert.equal(err.statusCode, status, `status of ${err.message}`);
    assert.equal(err.body?.errorCode, errorCode, `errorCode of ${JSON.stringify(err.body)}`);
    return err;
  }
  assert.fail(`expected HTTP ${status} ${errorCode}, the call succeeded`);
}

async function main() {
  const suffix = Date.now().toString(36);

  begin("tenant settings (token obtained with client_credentials)");
  const settings = await mgmt.tenants.settings.get();
  assert.equal(settings.friendly_name, seedFriendlyName);

  begin("create a strict third-party client (K1, K2)");
  const client = await mgmt.clients.create({
    name: `Interop Partner ${suffix}`,
    app_type: "regular_web",
    is_first_party: false,
    callbacks: ["https://partner.example.com/callback"],
  });
  assert.match(client.client_id, /^tpc_/);
  assert.ok(client.client_secret, "client_secret is set");
  assert.equal(client.is_first_party, false);
  assert.equal(client.third_party_security_mode, "strict");
  assert.equal(client.redirection_policy, "open_redirect_protection");
  assert.deepEqual(client.grant_types, ["authorization_code", "refresh_token", "client_credentials"]);
  assert.deepEqual(client.callbacks, ["https://partner.example.com/callback"]);

  begin("get and list clients");
  const gotClient = await mgmt.clients.get(client.client_id);
  assert.equal(gotClient.name, client.name);
  const clients = await mgmt.clients.list({ per_page: 100 });
  assert.ok(clients.data.some((c) => c.client_id === client.client_id), "the new client is listed");

  begin("ownership cannot change (K1)");
  await expectStatus(() => mgmt.clients.update(client.client_id, { is_first_party: true }), 400, "invalid_body");

  begin("create a resource server (P1)");
  const identifier = `https://interop-${suffix}.example.com/`;
  const rs = await mgmt.resourceServers.create({
    identifier,
    name: "Interop API",
    scopes: [{ value: "read:things", description: "Read your things" }],
  });
  assert.ok(rs.id, "id is set");
  assert.equal(rs.identifier, identifier);
  assert.equal(rs.signing_alg, "RS256");
  assert.equal(rs.skip_consent_for_verifiable_first_party_clients, false);
  assert.deepEqual(rs.scopes, [{ value: "read:things", description: "Read your things" }]);
  await expectStatus(() => mgmt.resourceServers.create({ identifier }), 409, "conflict");

  begin("create a client grant for users (K2)");
  const cg = await mgmt.clientGrants.create({
    client_id: client.client_id,
    audience: identifier,
    scope: ["read:things"],
    subject_type: "user",
  });
  assert.ok(cg.id, "id is set");
  assert.equal(cg.client_id, client.client_id);
  assert.equal(cg.audience, identifier);
  assert.equal(cg.subject_type, "user");
  assert.deepEqual(cg.scope, ["read:things"]);
  const cgs = await mgmt.clientGrants.list({ client_id: client.client_id });
  assert.deepEqual(cgs.data.map((g) => g.id), [cg.id]);

  begin("PATCH the resource server's skip-consent flag");
  const patched = await mgmt.resourceServers.update(rs.id, { skip_consent_for_verifiable_first_party_clients: true });
  assert.equal(patched.skip_consent_for_verifiable_first_party_clients, true);
  const byIdentifier = await mgmt.resourceServers.get(identifier);
  assert.equal(byIdentifier.id, rs.id, "get by identifier finds the same API");
  assert.equal(byIdentifier.skip_consent_for_verifiable_first_party_clients, true);

  begin("PATCH with the older spelling (P2)");
  await mgmt.resourceServers.update(rs.id, { skip_consent_for_verifiable_first_party: "false" });
  const afterAlias = await mgmt.resourceServers.get(rs.id);
  assert.equal(afterAlias.skip_consent_for_verifiable_first_party_clients, false);
  assert.equal("skip_consent_for_verifiable_first_party" in afterAlias, false, "the alias is not shown");

  begin("create a user");
  const email = `interop-${suffix}@example.com`;
  const user = await mgmt.users.create({
    connection: "Username-Password-Authentication",
    email,
    password: "Interop-pass-1",
    name: "Interop User",
  });
  assert.match(user.user_id, /^auth0\|/);
  assert.equal(user.email, email);
  assert.equal("password" in user, false, "no password in the answer");
  const gotUser = await mgmt.users.get(user.user_id);
  assert.equal(gotUser.email, email);
  const byEmail = await mgmt.users.listUsersByEmail({ email: email.toUpperCase() });
  assert.deepEqual(byEmail.map((u) => u.user_id), [user.user_id]);
  await expectStatus(
    () => mgmt.users.create({ connection: "Username-Password-Authentication", email, password: "Interop-pass-2" }),
    409,
    "auth0_idp_error",
  );

  begin("list and delete the new user's grants (none yet)");
  const none = await mgmt.userGrants.list({ user_id: user.user_id });
  assert.deepEqual(none.data, []);
  await mgmt.userGrants.deleteByUserId({ user_id: user.user_id });

  begin("list the seeded user's grants (C2)");
  const seeded = await mgmt.userGrants.list({ user_id: seedUserID });
  assert.equal(seeded.data.length, 2, JSON.stringify(seeded.data));
  for (const g of seeded.data) {
    assert.equal(g.user_id, seedUserID);
    assert.ok(g.id && g.clientID && g.audience && Array.isArray(g.scope), JSON.stringify(g));
  }

  begin("delete one grant by id, then the rest by user (C9)");
  await mgmt.userGrants.delete(seeded.data[0].id);
  const left = await mgmt.userGrants.list({ user_id: seedUserID });
  assert.deepEqual(left.data.map((g) => g.id), [seeded.data[1].id]);
  await expectStatus(() => mgmt.userGrants.delete(seeded.data[0].id), 404, "inexistent_grant");
  await mgmt.userGrants.deleteByUserId({ user_id: seedUserID });
  const gone = await mgmt.userGrants.list({ user_id: seedUserID });
  assert.deepEqual(gone.data, []);

  begin("clean up");
  await mgmt.clientGrants.delete(cg.id);
  await mgmt.clients.delete(client.client_id);
  await mgmt.resourceServers.delete(rs.id);
  await mgmt.users.delete(user.user_id);
  await expectStatus(() => mgmt.clients.get(client.client_id), 404, "inexistent_client");
  await expectStatus(() => mgmt.users.get(user.user_id), 404, "inexistent_user");

  console.log("ok: every answer matched");
}

main().catch((err) => {
  console.error(`FAILED at step "${step}":`);
  console.error(err?.stack ?? err);
  if (err?.body !== undefined) {
    console.error("response body:", JSON.stringify(err.body));
  }
  process.exit(1);
});
