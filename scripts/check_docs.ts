/**
 * Fails when an export of `mod.ts` has no JSDoc summary or no `@example`.
 * (`deno doc --lint` checks that docs exist; this adds the example rule.)
 *
 * Run: `deno run -A scripts/check_docs.ts`
 */
interface DocNode {
  name: string;
  declarations: { jsDoc?: { doc?: string; tags?: { kind: string }[] } }[];
}

const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
  args: ["doc", "--json", "mod.ts"],
  cwd: new URL("..", import.meta.url),
}).output();
if (code !== 0) throw new Error(new TextDecoder().decode(stderr));
const doc = JSON.parse(new TextDecoder().decode(stdout)) as {
  nodes: Record<string, { symbols: DocNode[] }>;
};

const problems: string[] = [];
let checked = 0;
for (const { symbols } of Object.values(doc.nodes)) {
  for (const symbol of symbols) {
    checked++;
    const docs = symbol.declarations.map((declaration) => declaration.jsDoc);
    if (!docs.some((jsDoc) => jsDoc?.doc?.trim())) problems.push(`${symbol.name}: no summary`);
    if (!docs.some((jsDoc) => jsDoc?.tags?.some((tag) => tag.kind === "example"))) {
      problems.push(`${symbol.name}: no @example`);
    }
  }
}
const encoder = new TextEncoder();
if (problems.length > 0) {
  Deno.stderr.writeSync(encoder.encode(`mod.ts exports lack docs:\n${problems.join("\n")}\n`));
  Deno.exit(1);
}
Deno.stdout.writeSync(
  encoder.encode(`Docs complete: ${checked} exports with a summary and an example\n`),
);
