import type { Surface } from './parse-request.js';

/**
 * The fields of a generateContent request each surface knows, from Google's REST references (Gemini
 * API v1beta and Vertex AI v1). Google refuses any other field with 400 "Unknown name": so does the
 * emulator, or a carrier sending a misspelt or other-surface field would pass every test offline and
 * fail every real call.
 */
const COMMON = {
  request: ['model', 'contents', 'tools', 'toolConfig', 'safetySettings', 'systemInstruction', 'generationConfig', 'cachedContent'],
  content: ['role', 'parts'],
  part: ['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse', 'executableCode', 'codeExecutionResult', 'thought', 'thoughtSignature', 'videoMetadata'],
  blob: ['mimeType', 'data', 'displayName'],
  generationConfig: [
    'stopSequences', 'responseMimeType', 'responseSchema', 'responseJsonSchema', 'responseModalities', 'candidateCount', 'maxOutputTokens',
    'temperature', 'topP', 'topK', 'seed', 'presencePenalty', 'frequencyPenalty', 'responseLogprobs', 'logprobs', 'speechConfig',
    'thinkingConfig', 'imageConfig', 'mediaResolution',
  ],
  imageConfig: ['aspectRatio', 'imageSize'],
} as const;

const KNOWN: Readonly<Record<Surface, Readonly<Record<keyof typeof COMMON | 'imageOutputOptions', readonly string[]>>>> = {
  gemini: { ...COMMON, generationConfig: [...COMMON.generationConfig, 'enableEnhancedCivicAnswers'], imageOutputOptions: [] },
  vertex: {
    ...COMMON,
    request: [...COMMON.request, 'labels', 'modelArmorConfig'],
    generationConfig: [...COMMON.generationConfig, 'routingConfig', 'audioTimestamp', 'enableAffectiveDialog'],
    // Only Vertex lets the caller choose the output encoding, and person generation.
    imageConfig: [...COMMON.imageConfig, 'imageOutputOptions', 'personGeneration'],
    imageOutputOptions: ['mimeType', 'compressionQuality'],
  },
};

const ROLES = ['user', 'model'];
const MODALITIES = ['TEXT', 'IMAGE', 'AUDIO'];

/** proto3 JSON takes a field's lowerCamelCase or its snake_case name. */
const camel = (name: string): string => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Google's wording for the first field of `value` that `known` lacks, or undefined. */
function unknownIn(value: unknown, known: readonly string[], at: string): string | undefined {
  if (!isRecord(value)) return undefined;
  const name = Object.keys(value).find((key) => !known.includes(camel(key)));
  if (name === undefined) return undefined;
  return `Invalid JSON payload received. Unknown name ${JSON.stringify(name)}${at ? ` at '${at}'` : ''}: Cannot find field.`;
}

function get(value: unknown, name: string): unknown {
  return isRecord(value) ? (value[name] ?? value[snake(name)]) : undefined;
}

/**
 * Why Google would refuse this request's shape (an unknown field, a role or a response modality it
 * does not have), in Google's words; undefined when the shape is one it accepts.
 */
export function shapeProblem(body: Record<string, unknown>, surface: Surface): string | undefined {
  const known = KNOWN[surface];
  const config = get(body, 'generationConfig');
  const imageConfig = get(config, 'imageConfig');
  const problem =
    unknownIn(body, known.request, '') ??
    unknownIn(config, known.generationConfig, 'generation_config') ??
    unknownIn(imageConfig, known.imageConfig, 'generation_config.image_config') ??
    unknownIn(get(imageConfig, 'imageOutputOptions'), known.imageOutputOptions, 'generation_config.image_config.image_output_options');
  if (problem !== undefined) return problem;
  const contents = get(body, 'contents');
  for (const [c, content] of (Array.isArray(contents) ? contents : []).entries()) {
    const inContent = unknownIn(content, known.content, `contents[${c}]`);
    if (inContent !== undefined) return inContent;
    const role = get(content, 'role');
    if (role !== undefined && !ROLES.includes(String(role))) return 'Please use a valid role: user, model.';
    const parts = get(content, 'parts');
    for (const [p, part] of (Array.isArray(parts) ? parts : []).entries()) {
      const inPart = unknownIn(part, known.part, `contents[${c}].parts[${p}]`) ?? unknownIn(get(part, 'inlineData'), known.blob, `contents[${c}].parts[${p}].inline_data`);
      if (inPart !== undefined) return inPart;
    }
  }
  const modalities = get(config, 'responseModalities');
  for (const [i, modality] of (Array.isArray(modalities) ? modalities : []).entries()) {
    // Accepted whatever their case, as Google's SDK samples spell them both ways.
    if (!MODALITIES.includes(String(modality).toUpperCase())) {
      return `Invalid value at 'generation_config.response_modalities[${i}]' (type.googleapis.com/google.ai.generativelanguage.v1beta.GenerationConfig.Modality), ${JSON.stringify(modality)}`;
    }
  }
  return undefined;
}
