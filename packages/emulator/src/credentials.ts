import { createPublicKey, generateKeyPair, randomBytes, randomUUID, verify, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

/** A Google service-account key file, as downloaded from the Cloud console. */
export interface ServiceAccountCredentials {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  /** PKCS#8 PEM, like Google's. */
  private_key: string;
  client_email: string;
  client_id: string;
  auth_uri: string;
  /** This emulator's token endpoint. */
  token_uri: string;
  auth_provider_x509_cert_url: string;
  client_x509_cert_url: string;
  universe_domain: string;
}

/** The token endpoint's successful answer. */
export interface TokenGrant {
  access_token: string;
  expires_in: number;
  token_type: 'Bearer';
}

/** Claims of a verified JWT assertion. */
export interface JwtClaims {
  iss?: unknown;
  aud?: unknown;
  exp?: unknown;
  iat?: unknown;
  scope?: unknown;
  target_audience?: unknown;
  [claim: string]: unknown;
}

/**
 * Audiences a service-account assertion may name. google-auth-library (v10) hardcodes Google's
 * token URL as both the POST target and `aud`, ignoring `token_uri`, so clients that redirect its
 * transport to the emulator still sign for Google's URL: accept it as well as our own.
 */
const GOOGLE_TOKEN_AUDIENCES = [
  'https://oauth2.googleapis.com/token',
  'https://www.googleapis.com/oauth2/v4/token',
  'https://accounts.google.com/o/oauth2/token',
];

/** Google refuses assertions valid for more than an hour. */
const MAX_ASSERTION_LIFETIME_S = 3600;
/** Clock skew Google tolerates on `iat`. */
const CLOCK_SKEW_S = 300;

/** Thrown by {@link CredentialAuthority.verifyAssertion}; `message` is Google's error_description. */
export class InvalidGrantError extends Error {
  constructor(
    message: string,
    readonly error: 'invalid_grant' | 'invalid_scope' = 'invalid_grant',
  ) {
    super(message);
  }
}

/**
 * The emulator's stand-in for Google's OAuth server: owns the service account's RSA key,
 * verifies JWT-bearer assertions and remembers the access tokens it issued.
 */
export class CredentialAuthority {
  readonly serviceAccount: ServiceAccountCredentials;
  private readonly publicKey: KeyObject;
  private readonly tokens = new Map<string, number>();

  /**
   * Generates the service account's key (off the event loop: it takes a few hundred ms).
   * `token_uri` stays empty until {@link CredentialAuthority.setTokenUri} (the port is known only once listening).
   */
  static async create(projectId: string, tokenTtlSeconds: number): Promise<CredentialAuthority> {
    // 2048-bit like Google's keys; generated per emulator so no secret ships with the package.
    const { privateKey } = await promisify(generateKeyPair)('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    return new CredentialAuthority(projectId, tokenTtlSeconds, privateKey);
  }

  private constructor(
    projectId: string,
    private readonly tokenTtlSeconds: number,
    privateKeyPem: string,
  ) {
    this.publicKey = createPublicKey(privateKeyPem);
    const clientEmail = `banana-emulator@${projectId}.iam.gserviceaccount.com`;
    this.serviceAccount = {
      type: 'service_account',
      project_id: projectId,
      private_key_id: randomBytes(20).toString('hex'),
      private_key: privateKeyPem,
      client_email: clientEmail,
      client_id: String(100000000000000000000n + BigInt(randomBytes(6).readUIntBE(0, 6))),
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: '',
      auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
      client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(clientEmail)}`,
      universe_domain: 'googleapis.com',
    };
  }

  /** Names this emulator's token endpoint in the credentials. */
  setTokenUri(tokenUri: string): void {
    this.serviceAccount.token_uri = tokenUri;
  }

  /**
   * Verifies an RS256 assertion signed with the service account's key and returns its claims.
   * `audiences` are the accepted `aud` values; omit to skip the audience check (self-signed JWTs).
   */
  verifyJwt(jwt: string, audiences?: readonly string[]): JwtClaims {
    const parts = jwt.split('.');
    if (parts.length !== 3) throw new InvalidGrantError('Invalid JWT: malformed token.');
    const [h, p, s] = parts as [string, string, string];
    let header: { alg?: unknown };
    let claims: JwtClaims;
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: unknown };
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as JwtClaims;
    } catch {
      throw new InvalidGrantError('Invalid JWT: malformed token.');
    }
    if (header.alg !== 'RS256') throw new InvalidGrantError(`Invalid JWT: unsupported algorithm ${String(header.alg)}.`);
    const signed = verify('RSA-SHA256', Buffer.from(`${h}.${p}`), this.publicKey, Buffer.from(s, 'base64url'));
    if (!signed) throw new InvalidGrantError('Invalid JWT Signature.');
    if (claims.iss !== this.serviceAccount.client_email) throw new InvalidGrantError('Invalid grant: account not found');
    if (audiences && !(typeof claims.aud === 'string' && audiences.includes(claims.aud))) {
      throw new InvalidGrantError(`Invalid JWT: Failed audience check. The expected audience is ${this.serviceAccount.token_uri}.`);
    }
    const now = Math.floor(Date.now() / 1000);
    const exp = claims.exp;
    const iat = claims.iat;
    if (typeof exp !== 'number' || typeof iat !== 'number' || exp <= now || iat > now + CLOCK_SKEW_S || exp - iat > MAX_ASSERTION_LIFETIME_S) {
      throw new InvalidGrantError(
        'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
      );
    }
    return claims;
  }

  /** Verifies a JWT-bearer grant's assertion and issues an access token for it. */
  grant(assertion: string): TokenGrant {
    const claims = this.verifyJwt(assertion, [this.serviceAccount.token_uri, ...GOOGLE_TOKEN_AUDIENCES]);
    if (typeof claims.scope !== 'string' && typeof claims.target_audience !== 'string') {
      throw new InvalidGrantError('Invalid OAuth scope or ID token audience provided.', 'invalid_scope');
    }
    const now = Date.now();
    for (const [token, expiresAt] of this.tokens) if (expiresAt <= now) this.tokens.delete(token);
    // Shaped like Google's opaque access tokens.
    const accessToken = `ya29.emu_${randomUUID().replaceAll('-', '')}${randomBytes(24).toString('base64url')}`;
    this.tokens.set(accessToken, now + this.tokenTtlSeconds * 1000);
    return { access_token: accessToken, expires_in: this.tokenTtlSeconds, token_type: 'Bearer' };
  }

  /**
   * Whether a bearer token is acceptable: one this authority issued and that has not expired,
   * or (as Google also accepts) a self-signed JWT from the service account, as google-auth-library
   * sends when no scopes are configured.
   */
  isValidBearer(token: string): boolean {
    const expiresAt = this.tokens.get(token);
    if (expiresAt !== undefined) return expiresAt > Date.now();
    if (token.split('.').length !== 3) return false;
    try {
      this.verifyJwt(token);
      return true;
    } catch {
      return false;
    }
  }
}
