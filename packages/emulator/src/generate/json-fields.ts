/**
 * Google's REST endpoints read proto3 JSON, which accepts both lowerCamelCase and the proto's
 * snake_case field names (`generationConfig` / `generation_config`): so must the emulator.
 */
export function field(value: unknown, camelName: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  if (record[camelName] !== undefined) return record[camelName];
  return record[camelName.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
}

/** Whether a value is a plain JSON object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
