import { geminiCarrier, localDiskStorage, vertexCarrier, type Carrier, type RelayOptions } from '@banana-relay/core';

/**
 * Relay options from the environment: GEMINI_API_KEY and/or GOOGLE_CLOUD_PROJECT for the real APIs,
 * or EMULATOR_URL for the offline emulator.
 */
export function relayOptionsFromEnv(env: NodeJS.ProcessEnv): RelayOptions {
  const carriers: Carrier[] = [];
  if (env.EMULATOR_URL) {
    carriers.push(geminiCarrier({ id: 'gemini-emulated', apiKey: 'demo-key', baseUrl: env.EMULATOR_URL }));
  }
  if (env.GEMINI_API_KEY) carriers.push(geminiCarrier({ id: 'gemini', apiKey: env.GEMINI_API_KEY }));
  if (env.GOOGLE_CLOUD_PROJECT) {
    carriers.push(vertexCarrier({ id: 'vertex', project: env.GOOGLE_CLOUD_PROJECT, location: env.GOOGLE_CLOUD_LOCATION ?? 'global' }));
  }
  return {
    carriers,
    // A prompt alone (text to image) is Beta in the contract, off by default: this example offers it.
    capabilities: { textToImage: true },
    storage: localDiskStorage({ dir: env.ARTIFACT_DIR ?? '.artifacts', publicBaseUrl: env.PUBLIC_BASE_URL ?? `http://localhost:${env.PORT ?? 3002}` }),
  };
}
