// node oidc-provider set up as the mock's benchmark tenant is: one
// confidential client with the client_credentials grant, and two APIs
// (resource indicators, RFC 8707) issuing JWT access tokens, one signed
// RS256 and one ES256. make bench-compare starts it on loopback and drives
// it with `mockidp loadtest`. Usage: PORT=18701 node server.mjs
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT || 18701);
const issuer = `http://127.0.0.1:${port}`;

const jwk = (type, opts, kid, alg) => ({
  ...generateKeyPairSync(type, opts).privateKey.export({ format: 'jwk' }),
  kid, alg, use: 'sig',
});

const apis = {
  'https://rs.example.com': 'RS256',
  'https://es.example.com': 'ES256',
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'bench-m2m',
    client_secret: 'bench-m2m-secret-NOT-FOR-PRODUCTION',
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  jwks: {
    keys: [
      jwk('rsa', { modulusLength: 2048 }, 'rs', 'RS256'),
      jwk('ec', { namedCurve: 'P-256' }, 'es', 'ES256'),
    ],
  },
  scopes: ['read:things'],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => undefined,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource) => {
        const alg = apis[resource];
        if (!alg) throw new Error(`unknown resource ${resource}`);
        return { scope: 'read:things', audience: resource, accessTokenTTL: 3600, accessTokenFormat: 'jwt', jwt: { sign: { alg } } };
      },
    },
  },
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider ${issuer}/ (discovery ${issuer}/.well-known/openid-configuration)`);
});
