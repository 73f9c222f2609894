import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/** A compiled check of one schema of the document. */
export type SchemaCheck = (value: unknown) => { valid: boolean; errors: string };

/**
 * Validators of `#/components/schemas/*` of an OpenAPI 3.1 document, compiled by Ajv (JSON Schema
 * 2020-12, the dialect of OpenAPI 3.1): the document is checked by something other than the zod
 * that produced it.
 */
export function openApiValidator(document: object): (schemaName: string) => SchemaCheck {
  // The document carries OpenAPI keywords next to its schemas; only the schemas are compiled.
  const ajv = new Ajv2020({ allErrors: true, strict: false, validateSchema: false });
  // `format: uri` (image_input, data[].url) is checked, not ignored.
  addFormats.default(ajv);
  ajv.addSchema(document, 'openapi.json');
  return (schemaName) => {
    const validate = ajv.compile({ $ref: `openapi.json#/components/schemas/${schemaName}` });
    return (value) => {
      const valid = validate(value);
      return { valid, errors: valid ? '' : ajv.errorsText(validate.errors) };
    };
  };
}
