import { readFileSync } from 'node:fs';
import { GoogleAuth, type JWTInput } from 'google-auth-library';
import { CarrierError } from '../carrier.js';

const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const SCOPES = ['https://www.googleapis.com/auth/cloud-platform'];

/** How a Vertex carrier authenticates: a credentials object, a key file, or ADC when neither is given. */
export interface VertexCredentialsOptions {
  credentials?: JWTInput & { token_uri?: string };
  keyFile?: string;
}

/**
 * Returns a function producing the Authorization header. google-auth-library caches the token and
 * refreshes it before expiry. A service-account file's own `token_uri` is honoured (the library
 * otherwise always posts to Google's endpoint), which is what lets the emulator stand in for Google.
 */
export function vertexAuthHeaders(options: VertexCredentialsOptions): () => Promise<Record<string, string>> {
  const credentials =
    options.credentials ?? (options.keyFile ? (JSON.parse(readFileSync(options.keyFile, 'utf8')) as VertexCredentialsOptions['credentials']) : undefined);
  const auth = new GoogleAuth({ scopes: SCOPES, ...(credentials ? { credentials } : {}) });
  const tokenUri = credentials?.token_uri;
  let ready: Promise<void> | undefined;
  const redirectTokenRequests = async (): Promise<void> => {
    if (!tokenUri || tokenUri === GOOGLE_TOKEN_URL) return;
    const client = await auth.getClient();
    client.transporter.interceptors.request.add({
      resolved: async (config) => {
        if (String(config.url) === GOOGLE_TOKEN_URL) config.url = new URL(tokenUri);
        return config;
      },
    });
  };
  return async () => {
    try {
      ready ??= redirectTokenRequests();
      await ready;
      const token = await auth.getAccessToken();
      if (!token) throw new Error('google-auth-library returned no access token');
      return { authorization: `Bearer ${token}` };
    } catch (cause) {
      ready = undefined;
      // A refused grant is a misconfiguration; anything else (token endpoint down) may pass.
      const status = (cause as { response?: { status?: number } }).response?.status;
      if (status === undefined || status >= 500) {
        throw new CarrierError('unavailable', 'The upstream account could not obtain an access token.', { cause });
      }
      throw new CarrierError('auth', 'The upstream account is not configured correctly.', { status, cause });
    }
  };
}
