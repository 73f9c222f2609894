/** Every output resolution the model supports. */
export const ALL_RESOLUTIONS = ['1K', '2K', '4K'] as const;
/** Every aspect ratio the model supports. */
export const ALL_ASPECT_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'] as const;
/** Output formats of the contract. */
export const ALL_OUTPUT_FORMATS = ['png', 'jpg'] as const;
/** The most references the model takes. */
export const MODEL_MAX_REFERENCES = 14;

export type Resolution = (typeof ALL_RESOLUTIONS)[number];
export type AspectRatio = (typeof ALL_ASPECT_RATIOS)[number];
export type OutputFormat = (typeof ALL_OUTPUT_FORMATS)[number];

/**
 * What the operator enables. "Verified" vs "Beta" is this setting, not code:
 * the default is the contract's Verified set; widen it to offer Beta capabilities.
 */
export interface Capabilities {
  resolutions: Resolution[];
  aspectRatios: AspectRatio[];
  outputFormats: OutputFormat[];
  /** Most references per request (0 to 14; 0: prompts only). */
  maxReferences: number;
  /**
   * Whether a prompt alone (no reference image) is accepted: text to image. Beta in the contract,
   * whose Verified flows are edits of 1 to 2 references; off in the Verified set.
   */
  textToImage: boolean;
}

/** The contract's Verified set: edits of 1 to 2 references, 1K/4K, 1:1/21:9, png/jpg (text to image is Beta). */
export const VERIFIED_CAPABILITIES: Capabilities = Object.freeze({
  resolutions: ['1K', '4K'],
  aspectRatios: ['1:1', '21:9'],
  outputFormats: ['png', 'jpg'],
  maxReferences: 2,
  textToImage: false,
}) as Capabilities;

/** Everything the model supports (Verified + Beta). */
export const ALL_CAPABILITIES: Capabilities = Object.freeze({
  resolutions: [...ALL_RESOLUTIONS],
  aspectRatios: [...ALL_ASPECT_RATIOS],
  outputFormats: [...ALL_OUTPUT_FORMATS],
  maxReferences: MODEL_MAX_REFERENCES,
  textToImage: true,
}) as Capabilities;
