// A server-side web app protected by express-openid-connect, configured as
// its README shows, plus idpLogout so that /logout also ends the IdP's
// session through the discovery's end_session_endpoint (rule L1).
//
// Environment (set by interop/express_test.go):
//   PORT           where to listen (loopback)
//   ISSUER         the mock's issuer, https://127.0.0.1:<port>/
//   CLIENT_ID      the app's client
//   CLIENT_SECRET  its secret (the code is redeemed with client_secret_basic)
//   SESSION_SECRET the secret that encrypts the app's session cookie
// The mock's CA comes in NODE_EXTRA_CA_CERTS.

import express from "express";
import eoc from "express-openid-connect";

const { auth, requiresAuth } = eoc;

function env(name) {
  const v = process.env[name];
  if (!v) {
    throw new Error(`environment variable ${name} is not set`);
  }
  return v;
}

const port = Number(env("PORT"));
const baseURL = `http://localhost:${port}`;

const app = express();
app.use(
  auth({
    issuerBaseURL: env("ISSUER"),
    baseURL,
    clientID: env("CLIENT_ID"),
    clientSecret: env("CLIENT_SECRET"),
    secret: env("SESSION_SECRET"),
    authRequired: false,
    idpLogout: true,
    authorizationParams: {
      response_type: "code",
      scope: "openid profile email",
    },
  }),
);

app.get("/", (req, res) => {
  res.type("text/plain").send(req.oidc.isAuthenticated() ? `logged in as ${req.oidc.user.email}` : "logged out");
});

app.get("/profile", requiresAuth(), (req, res) => {
  res.json({ user: req.oidc.user, idTokenClaims: req.oidc.idTokenClaims });
});

app.use((err, req, res, next) => {
  console.error("express error:", err && (err.stack || err));
  res.status(err.status || 500).type("text/plain").send(`app error: ${err.message}`);
});

app.listen(port, "127.0.0.1", () => {
  console.log(`LISTENING ${baseURL}`);
});
