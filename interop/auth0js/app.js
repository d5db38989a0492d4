// An embedded-login page using auth0.js (npm auth0-js 9.x, the library
// behind Lock) exactly as its documentation shows: new auth0.WebAuth,
// login({realm, username, password}) (cross-origin authentication:
// /co/authenticate, then /authorize?login_ticket=), parseHash at the
// callback, checkSession (silent authentication by web_message in a
// hidden iframe), client.userInfo and logout. interop/auth0js_test.go
// drives it in headless Chromium through window.a0; every function
// resolves to a plain object (never throws), so the test can print what
// the library said.

/* global auth0, AUTH0JS_CONFIG */
"use strict";

const origin = window.location.origin;

const webAuth = new auth0.WebAuth({
  domain: AUTH0JS_CONFIG.domain,
  clientID: AUTH0JS_CONFIG.clientID,
  redirectUri: origin + "/callback",
  responseType: "token id_token",
  audience: AUTH0JS_CONFIG.audience,
  scope: "openid profile email read:items",
});

// failure flattens auth0.js's error objects ({error, error_description}
// or {code, description}) into one shape.
function failure(e) {
  return {
    ok: false,
    error: e && (e.error || e.code || e.name),
    description: e && (e.error_description || e.description || e.message || JSON.stringify(e)),
  };
}

// claims decodes a JWT's payload (no checks: only to report what came).
function claims(jwt) {
  const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(part));
}

// callbackStyle turns a node-style auth0.js call into a result object.
function callbackStyle(start, shape) {
  return new Promise((resolve) => {
    try {
      start((err, res) => resolve(err ? failure(err) : Object.assign({ ok: true }, shape(res))));
    } catch (e) {
      resolve(failure(e));
    }
  });
}

function tokens(res) {
  if (!res || !res.accessToken || !res.idToken) {
    return { ok: false, error: "no_tokens", description: JSON.stringify(res) };
  }
  window.lastAccessToken = res.accessToken;
  const at = claims(res.accessToken);
  return {
    sub: at.sub, aud: at.aud, scope: at.scope,
    idTokenSub: res.idTokenPayload && res.idTokenPayload.sub,
    email: res.idTokenPayload && res.idTokenPayload.email,
  };
}

window.a0 = {
  // login posts the credentials to /co/authenticate; on success auth0.js
  // navigates to /authorize?login_ticket=..., so the promise only settles
  // (with the error) when the credentials are refused.
  login: (username, password) => callbackStyle(
    (cb) => webAuth.login({ realm: AUTH0JS_CONFIG.realm, username, password }, cb),
    () => ({})),
  // loginPaused is login with auth0.js's onRedirecting hook: it stops
  // between /co/authenticate and /authorize until a0.resume() (the test
  // drops the mock's cookie in between, as a browser that blocks
  // third-party cookies would not have kept it).
  loginPaused: (username, password) => callbackStyle((cb) => {
    webAuth.login({
      realm: AUTH0JS_CONFIG.realm, username, password,
      onRedirecting: (done) => { window.a0resume = done; cb(null, {}); },
    }, cb);
  }, () => ({})),
  resume: () => { window.a0resume(); },
  // callback reads the tokens from the fragment at the redirectUri
  // (ID token checked against the JWKS, nonce and state by auth0.js).
  callback: () => callbackStyle((cb) => webAuth.parseHash({}, cb), (res) => {
    window.history.replaceState({}, document.title, "/");
    return tokens(res);
  }),
  // session asks for new tokens without a page: prompt=none by
  // web_message in a hidden iframe on the mock's origin.
  session: () => callbackStyle((cb) => webAuth.checkSession({}, cb), tokens),
  // userInfo calls /userinfo with the last access token (CORS).
  userInfo: () => callbackStyle((cb) => webAuth.client.userInfo(window.lastAccessToken, cb), (user) => ({ user })),
  // logout ends the session at the IdP and comes back to the app.
  logout: () => callbackStyle(() => {
    webAuth.logout({ returnTo: origin + "/", clientID: AUTH0JS_CONFIG.clientID });
  }, () => ({})),
};

const status = document.getElementById("status");
status.textContent = "ready";
status.dataset.ready = "";
