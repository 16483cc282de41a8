// TypeScript types for the case API, generated from its committed OpenAPI document
// (functions/cases_api/openapi.json). `npm run types` writes src/openapi.ts; `npm run build` fails when
// the committed file differs from what the document gives, so the portal cannot drift from the API.
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

export const OPENAPI =
  process.env.EIS_OPENAPI ?? fileURLToPath(new URL("../../functions/cases_api/openapi.json", import.meta.url));
export const OUTPUT = fileURLToPath(new URL("../src/openapi.ts", import.meta.url));

/** eis_core__models__queue_api__CaseSummaryOut -> QueueApiCaseSummaryOut */
export function typeName(schemaName) {
  const parts = schemaName.split("__");
  if (parts.length === 1) return schemaName;
  const module = parts[parts.length - 2].split("_").map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("");
  return module + parts[parts.length - 1];
}

function typeOf(schema) {
  if (schema.$ref) return typeName(schema.$ref.split("/").pop());
  if (schema.anyOf) return [...new Set(schema.anyOf.map(typeOf))].join(" | ");
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  switch (schema.type) {
    case "string":
      return "string";
    case "integer":
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array": {
      const item = schema.items ? typeOf(schema.items) : "unknown";
      return /[ |]/.test(item) ? `(${item})[]` : `${item}[]`;
    }
    case "object":
      if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
        return `Record<string, ${typeOf(schema.additionalProperties)}>`;
      }
      return "Record<string, unknown>";
    default:
      return "unknown";
  }
}

function comment(text, indent) {
  if (!text) return "";
  const clean = text.replace(/\*\//g, "*\\/").replace(/\s+/g, " ").trim();
  return `${indent}/** ${clean} */\n`;
}

export function generate(document) {
  const schemas = document.components?.schemas ?? {};
  const out = [
    "// Generated from functions/cases_api/openapi.json by scripts/openapi-types.mjs: do not edit.",
    "// Regenerate with `npm run types`; `npm run build` fails when this file is out of date.",
    "",
  ];
  for (const name of Object.keys(schemas).sort()) {
    const schema = schemas[name];
    const ts = typeName(name);
    if (schema.description) out.push(comment(schema.description, "").trimEnd());
    if (schema.enum || schema.type !== "object" || !schema.properties) {
      out.push(`export type ${ts} = ${typeOf(schema)};`, "");
      continue;
    }
    const required = new Set(schema.required ?? []);
    out.push(`export interface ${ts} {`);
    for (const [prop, propSchema] of Object.entries(schema.properties)) {
      if (propSchema.description) out.push(comment(propSchema.description, "  ").trimEnd());
      out.push(`  ${prop}${required.has(prop) ? "" : "?"}: ${typeOf(propSchema)};`);
    }
    out.push("}", "");
  }
  return `${out.join("\n").trimEnd()}\n`;
}

export async function generated() {
  return generate(JSON.parse(await readFile(OPENAPI, "utf8")));
}

/** Throws when src/openapi.ts is not what the committed OpenAPI document gives. */
export async function checkTypes() {
  const [want, have] = await Promise.all([generated(), readFile(OUTPUT, "utf8").catch(() => "")]);
  if (want !== have) {
    throw new Error(
      "portal/src/openapi.ts is out of date with functions/cases_api/openapi.json: run `npm run types` in portal/ " +
        "and fix any type errors the change shows",
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--check")) {
    await checkTypes();
  } else {
    await writeFile(OUTPUT, await generated());
    console.log(`wrote ${OUTPUT}`);
  }
}
