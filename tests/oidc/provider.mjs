// A real OpenID provider for tests/it/oidc.rs: npm's oidc-provider with its built-in development
// sign-in pages (any password; the login names an account below). Set by the test:
//   PORT      the port to listen on (127.0.0.1)
//   CLIENTS   JSON list of {client_id, client_secret, redirect_uris}
//   ACCOUNTS  JSON object: login -> claims (email, email_verified, preferred_username, groups)
//   CODE_TTL  seconds an authorization code lives (default 60)
// Prints "listening" once it accepts connections.
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const clients = JSON.parse(process.env.CLIENTS);
const accounts = JSON.parse(process.env.ACCOUNTS);

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: clients.map((c) => ({
    ...c,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  })),
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
    groups: ['groups'],
  },
  async findAccount(_ctx, id) {
    const claims = accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  ttl: { AuthorizationCode: Number(process.env.CODE_TTL || 60) },
  cookies: { keys: ['warden-test-cookie-key'] },
});

provider.listen(port, '127.0.0.1', () => console.log('listening'));
