import { readFileSync } from 'node:fs';
import { GoogleAuth, type JWTInput } from 'google-auth-library';
import { CarrierError } from '../carrier.js';

const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const SCOPES = ['https://www.googleapis.com/auth/cloud-platform'];

/** How a Vertex carrier authenticates: a credentials object, a key file, or ADC when neither is given. */
export interface VertexCredentialsOptions {
  credentials?: JWTInput & { token_uri?: string };
  keyFile?: string;
  /** Time limit of one token request, in ms (google-auth-library sets none). Default 15 000. */
  tokenTimeoutMs?: number;
}

/** A token request that gets no answer in this time fails (and the next call asks again). */
const DEFAULT_TOKEN_TIMEOUT_MS = 15_000;

/** The HTTP status of a gaxios error that got a response. */
function httpStatusOf(cause: unknown): number | undefined {
  return (cause as { response?: { status?: number } } | undefined)?.response?.status;
}

/**
 * Whether a token failure is the credentials' fault (a key that cannot sign, no default credentials
 * found, a grant the endpoint refused with a 4xx), rather than the endpoint's (down, slow, 5xx).
 */
function isCredentialsProblem(cause: unknown): boolean {
  const status = httpStatusOf(cause);
  if (status !== undefined) return status < 500;
  // A gaxios error (it carries the request's `config`) without a response is the transport's:
  // refused, reset, timed out. Other errors are local: a malformed private key, no default credentials.
  return !(typeof cause === 'object' && cause !== null && 'config' in cause);
}

/**
 * Returns a function producing the Authorization header. google-auth-library caches the token and
 * refreshes it before expiry. Its token requests get a time limit (it sets none, and a token endpoint
 * that never answers would otherwise hold every later call behind the same hung refresh). A
 * service-account file's own `token_uri` is honoured (the library otherwise always posts to Google's
 * endpoint), which is what lets the emulator stand in for Google.
 */
export function vertexAuthHeaders(options: VertexCredentialsOptions): () => Promise<Record<string, string>> {
  const credentials =
    options.credentials ?? (options.keyFile ? (JSON.parse(readFileSync(options.keyFile, 'utf8')) as VertexCredentialsOptions['credentials']) : undefined);
  const tokenTimeoutMs = options.tokenTimeoutMs ?? DEFAULT_TOKEN_TIMEOUT_MS;
  // Checked now: a bad value would otherwise fail every token request, as if the credentials were wrong.
  if (!(Number.isInteger(tokenTimeoutMs) && tokenTimeoutMs > 0)) throw new TypeError('vertexCarrier: tokenTimeoutMs must be a positive integer (ms)');
  const auth = new GoogleAuth({ scopes: SCOPES, ...(credentials ? { credentials } : {}) });
  const tokenUri = credentials?.token_uri;
  let ready: Promise<void> | undefined;
  // Once per client: a failed token request must not add another interceptor each time.
  const prepareClient = async (): Promise<void> => {
    const client = await auth.getClient();
    client.transporter.interceptors.request.add({
      resolved: async (config) => {
        // Interceptors run after gaxios turned `timeout` into a signal: the limit is set as a signal here.
        const limit = AbortSignal.timeout(tokenTimeoutMs);
        config.signal = config.signal ? AbortSignal.any([config.signal as AbortSignal, limit]) : limit;
        if (tokenUri && tokenUri !== GOOGLE_TOKEN_URL && String(config.url) === GOOGLE_TOKEN_URL) config.url = new URL(tokenUri);
        return config;
      },
    });
  };
  return async () => {
    try {
      ready ??= prepareClient().catch((err: unknown) => {
        ready = undefined; // the client could not be made (no credentials yet): try again next time
        throw err;
      });
      await ready;
      const token = await auth.getAccessToken();
      if (!token) throw new Error('google-auth-library returned no access token');
      return { authorization: `Bearer ${token}` };
    } catch (cause) {
      // A misconfiguration takes the carrier out of rotation; an endpoint that is down may pass.
      if (!isCredentialsProblem(cause)) {
        throw new CarrierError('unavailable', 'The upstream account could not obtain an access token.', { cause });
      }
      const status = httpStatusOf(cause);
      throw new CarrierError('auth', 'The upstream account is not configured correctly.', { ...(status === undefined ? {} : { status }), cause });
    }
  };
}
