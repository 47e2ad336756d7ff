import * as client from 'openid-client';
import type { OidcConfig } from '../config.js';

/**
 * Production sign-in: OpenID Connect authorization code flow with PKCE (S256), state and nonce,
 * against the configured issuer (openid-client). The access token it returns is the bearer
 * token the API verifies (AUTH_JWKS_URL, AUTH_ISSUER, AUTH_AUDIENCE), so the issuer must put
 * the `org` and `roles` claims in it. Discovery is lazy and retried, so the service starts
 * while the identity provider is down.
 */
export type OidcSignIn = {
  start(redirectUri: string): Promise<{ url: string; state: string; nonce: string; verifier: string }>;
  finish(currentUrl: URL, checks: { state: string; nonce: string; verifier: string }): Promise<{ accessToken: string }>;
};

export function createOidcSignIn(config: OidcConfig): OidcSignIn {
  let discovered: Promise<client.Configuration> | undefined;
  const configuration = () => {
    discovered ??= client
      .discovery(new URL(config.issuer), config.clientId, config.clientSecret, undefined, {
        // A plain-http issuer is only acceptable on this machine (tests, a local identity provider).
        execute: /^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(config.issuer) ? [client.allowInsecureRequests] : [],
      })
      .catch((error: unknown) => {
        discovered = undefined;
        throw error;
      });
    return discovered;
  };
  return {
    async start(redirectUri) {
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(await configuration(), {
        redirect_uri: redirectUri,
        scope: config.scopes,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      return { url: url.href, state, nonce, verifier };
    },
    async finish(currentUrl, checks) {
      const tokens = await client.authorizationCodeGrant(await configuration(), currentUrl, {
        pkceCodeVerifier: checks.verifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      return { accessToken: tokens.access_token };
    },
  };
}
