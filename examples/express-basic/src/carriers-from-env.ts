import { geminiCarrier, vertexCarrier, type Carrier } from '@banana-relay/core';

/** Where the example sends requests: the real Gemini API / Vertex AI when credentials are set, else the emulator. */
export type UpstreamMode = 'gemini' | 'vertex' | 'emulator';

/** Picks the upstream from the environment: GEMINI_API_KEY, then GOOGLE_CLOUD_PROJECT (ADC), else none. */
export function upstreamModeFromEnv(env: NodeJS.ProcessEnv = process.env): UpstreamMode {
  if (env.GEMINI_API_KEY) return 'gemini';
  if (env.GOOGLE_CLOUD_PROJECT) return 'vertex';
  return 'emulator';
}

/** Carriers for the real Google APIs, from the environment. */
export function carriersFromEnv(env: NodeJS.ProcessEnv = process.env): Carrier[] {
  const carriers: Carrier[] = [];
  if (env.GEMINI_API_KEY) carriers.push(geminiCarrier({ id: 'gemini', apiKey: env.GEMINI_API_KEY }));
  if (env.GOOGLE_CLOUD_PROJECT) {
    carriers.push(
      vertexCarrier({
        id: 'vertex',
        project: env.GOOGLE_CLOUD_PROJECT,
        location: env.GOOGLE_CLOUD_LOCATION ?? 'global',
        ...(env.GOOGLE_APPLICATION_CREDENTIALS ? { keyFile: env.GOOGLE_APPLICATION_CREDENTIALS } : {}),
      }),
    );
  }
  return carriers;
}
