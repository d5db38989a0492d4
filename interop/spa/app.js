// A single-page app using Auth0's SPA SDK exactly as its documentation
// shows: createAuth0Client, loginWithRedirect, handleRedirectCallback,
// getUser, getTokenSilently and logout. interop/spa_test.go drives it in
// headless Chromium through window.spa; every function resolves to a plain
// object (never throws), so the test can print what the SDK said.
//
// Two clients of the same application live on the page: "rt" uses refresh
// tokens (useRefreshTokens: true, so getTokenSilently posts a
// refresh_token grant from the SDK's web worker) and "iframe" does not (so
// getTokenSilently runs /authorize?prompt=none&response_mode=web_message in
// a hidden iframe). Both keep their cache in memory, the SDK's default.

/* global auth0, SPA_CONFIG */
"use strict";

const origin = window.location.origin;

function options(useRefreshTokens) {
  return {
    domain: SPA_CONFIG.domain,
    clientId: SPA_CONFIG.clientId,
    useRefreshTokens,
    authorizationParams: {
      redirect_uri: origin + "/",
      audience: SPA_CONFIG.audience,
      scope: "openid profile email read:items",
    },
  };
}

const clients = {};
async function client(kind) {
  if (!clients[kind]) {
    clients[kind] = await auth0.createAuth0Client(options(kind === "rt"));
  }
  return clients[kind];
}

function failure(e) {
  return { ok: false, error: e && (e.error || e.name), description: e && (e.error_description || e.message) };
}

// claims decodes a JWT's payload (no checks: only to report what came).
function claims(jwt) {
  const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(part));
}

async function attempt(fn) {
  try {
    return Object.assign({ ok: true }, await fn());
  } catch (e) {
    return failure(e);
  }
}

window.spa = {
  // login starts the redirect login with the refresh-token client.
  login: () => attempt(async () => {
    const c = await client("rt");
    await c.loginWithRedirect({ appState: { target: "/after-login" } });
    return {};
  }),
  // callback completes the login on the page the mock redirected back to.
  callback: () => attempt(async () => {
    const c = await client("rt");
    const result = await c.handleRedirectCallback();
    window.history.replaceState({}, document.title, "/");
    const user = await c.getUser();
    const idClaims = await c.getIdTokenClaims();
    return { appState: result.appState, user, authTime: idClaims.auth_time };
  }),
  // token gets an access token without the cache: by refresh token
  // ("rt") or by web_message in a hidden iframe ("iframe").
  token: (kind) => attempt(async () => {
    const c = await client(kind);
    const res = await c.getTokenSilently({ cacheMode: "off", detailedResponse: true });
    const at = claims(res.access_token);
    return { sub: at.sub, aud: at.aud, scope: at.scope, idTokenSub: claims(res.id_token).sub };
  }),
  user: (kind) => attempt(async () => ({ user: await (await client(kind)).getUser() })),
  // logout ends the session at the IdP and comes back to the app.
  logout: () => attempt(async () => {
    const c = await client("rt");
    await c.logout({ logoutParams: { returnTo: origin + "/" } });
    return {};
  }),
};

const status = document.getElementById("status");
status.textContent = "ready";
status.dataset.ready = "";
