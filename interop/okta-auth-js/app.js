// A single-page app using Okta's browser SDK (@okta/okta-auth-js 7.x) the
// way its README shows: new OktaAuth({issuer, clientId, redirectUri, ...}),
// signInWithRedirect, handleLoginRedirect, token.getWithoutPrompt,
// tokenManager.renew, getUser, revokeAccessToken and signOut.
// interop/oktaauthjs_test.go drives it in headless Chromium through
// window.okta; every function resolves to a plain object (never throws),
// so the test can print what the SDK said.
//
// The SDK validates the ID token itself (signature from the issuer's
// jwks_uri, iss, aud, nonce, iat/exp); nothing here checks a token.

/* global OktaAuth, OKTA_CONFIG */
"use strict";

const origin = window.location.origin;
const Auth = OktaAuth.OktaAuth || OktaAuth;
let restored = null;

const auth = new Auth({
  issuer: OKTA_CONFIG.issuer,
  clientId: OKTA_CONFIG.clientId,
  redirectUri: origin + "/login/callback",
  postLogoutRedirectUri: origin + "/",
  scopes: ["openid", "profile", "email", "phone"],
  pkce: true,
  // Stay on the callback page (the test reads the result there) and keep
  // what handleLoginRedirect would have gone back to.
  restoreOriginalUri: async (_, originalUri) => { restored = originalUri; },
});

// rt is a second client of the same app that asks for offline_access, so
// that its token manager holds a refresh token and renews with it (a
// refresh_token grant from the page) instead of by an iframe. Its tokens
// live under their own storage key.
const rt = new Auth({
  issuer: OKTA_CONFIG.issuer,
  clientId: OKTA_CONFIG.clientId,
  redirectUri: origin + "/login/callback",
  scopes: ["openid", "profile", "email", "phone", "offline_access"],
  pkce: true,
  tokenManager: { storageKey: "okta-rt-token-storage" },
});

function failure(e) {
  return {
    ok: false,
    error: (e && (e.errorCode || e.error || e.name)) || String(e),
    description: e && (e.errorSummary || e.error_description || e.message),
  };
}

async function attempt(fn) {
  try {
    return Object.assign({ ok: true }, await fn());
  } catch (e) {
    return failure(e);
  }
}

// report is what the test checks of a token set.
function report(tokens) {
  const out = {};
  if (tokens.idToken) {
    const c = tokens.idToken.claims;
    out.idToken = { sub: c.sub, iss: c.iss, aud: c.aud, nonce: c.nonce, email: c.email, raw: tokens.idToken.idToken };
  }
  if (tokens.accessToken) {
    const c = tokens.accessToken.claims;
    out.accessToken = { sub: c.sub, uid: c.uid, cid: c.cid, iss: c.iss, aud: c.aud, scp: c.scp, raw: tokens.accessToken.accessToken };
  }
  return out;
}

window.okta = {
  // login starts the PKCE code flow at {issuer}/v1/authorize.
  login: () => attempt(async () => {
    await auth.signInWithRedirect({ originalUri: "/after-login" });
    return {};
  }),
  // callback completes it: the code exchange, the SDK's own ID token
  // checks, the tokens into the token manager.
  callback: () => attempt(async () => {
    if (!auth.isLoginRedirect()) {
      throw new Error("not a login redirect: " + window.location.href);
    }
    await auth.handleLoginRedirect();
    const originalUri = restored;
    window.history.replaceState({}, document.title, "/");
    const tokens = await auth.tokenManager.getTokens();
    return Object.assign({ authenticated: await auth.isAuthenticated(), originalUri }, report(tokens));
  }),
  // silent runs token.getWithoutPrompt: prompt=none with
  // response_mode=okta_post_message in a hidden iframe.
  silent: (scopes) => attempt(async () => {
    const res = await auth.token.getWithoutPrompt(scopes ? { scopes } : {});
    return report(res.tokens);
  }),
  // renew renews the stored access token (no refresh token: the SDK
  // renews by getWithoutPrompt).
  renew: () => attempt(async () => {
    const before = (await auth.tokenManager.get("accessToken")).accessToken;
    const token = await auth.tokenManager.renew("accessToken");
    const tokens = await auth.tokenManager.getTokens();
    return Object.assign({ changed: token.accessToken !== before }, report(tokens));
  }),
  // verify runs the SDK's token.verify on the stored ID token as it is
  // (signature by the key from jwks_uri, iss, aud, at_hash), for another
  // audience, and with its signature altered: the last two must fail, or
  // the checks would prove nothing.
  verify: () => attempt(async () => {
    const id = await auth.tokenManager.get("idToken");
    const at = await auth.tokenManager.get("accessToken");
    await auth.token.verify(id, { accessToken: at.accessToken });
    const out = {};
    try {
      await auth.token.verify(id, { clientId: "some-other-client" });
    } catch (e) {
      out.wrongAudience = e.errorSummary || e.message;
    }
    const [h, p, sig] = id.idToken.split(".");
    const i = Math.floor(sig.length / 2);
    const flipped = sig.slice(0, i) + (sig[i] === "A" ? "B" : "A") + sig.slice(i + 1);
    try {
      await auth.token.verify(Object.assign({}, id, { idToken: [h, p, flipped].join(".") }));
    } catch (e) {
      out.badSignature = e.errorSummary || e.message;
    }
    return out;
  }),
  // renewByRefresh gets rt's tokens without a prompt (the session and
  // grant exist), then renews its access token by the refresh token.
  renewByRefresh: () => attempt(async () => {
    const res = await rt.token.getWithoutPrompt();
    if (!res.tokens.refreshToken) {
      throw new Error("getWithoutPrompt with offline_access gave no refresh token");
    }
    rt.tokenManager.setTokens(res.tokens);
    const before = res.tokens.accessToken.accessToken;
    const token = await rt.tokenManager.renew("accessToken");
    const tokens = await rt.tokenManager.getTokens();
    return Object.assign({ changed: token.accessToken !== before, refreshed: !!tokens.refreshToken }, report(tokens));
  }),
  user: () => attempt(async () => ({ user: await auth.getUser() })),
  revoke: () => attempt(async () => {
    const raw = (await auth.tokenManager.get("accessToken")).accessToken;
    await auth.revokeAccessToken();
    return { revoked: raw };
  }),
  // logout revokes the tokens and ends the session at {issuer}/v1/logout.
  logout: () => attempt(async () => {
    await auth.signOut();
    return {};
  }),
};

const status = document.getElementById("status");
status.textContent = "ready";
status.dataset.ready = "";
