// The JSON Schema of agentic_config.yaml, generated from the zod schema so the two cannot drift.
// Written to dist/agentic_config.schema.json at build time (esbuild.config.mjs) and contributed
// through `yamlValidation`, so YAML-aware editors complete and validate the file as it is typed.
// (Refinements such as "a duration string" are not expressible here; the host still checks them
// and its issues appear on the file as diagnostics.)
import { z } from 'zod';
import { configFileSchema } from './configSchema';

export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configFileSchema, { io: 'input', unrepresentable: 'any', target: 'draft-7' }) as Record<
    string,
    unknown
  >;
  return {
    ...schema,
    $id: 'https://agentic-background.invalid/agentic_config.schema.json',
    title: 'agentic_config.yaml',
    description:
      "Agentic Background: the `background:` section of AgenticScrum's project file (other top-level sections are AgenticScrum's and are not checked).",
  };
}
