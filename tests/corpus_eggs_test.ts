/**
 * The real Enthought eggs of the shared corpus, read by the library and sent
 * through the CLI to the reference server: every field agrees with what
 * okonomiyaki reads from the same file, every egg okonomiyaki refuses is
 * refused, and the server files each one in exactly the indices of its
 * Python tag.
 *
 * Where hatcher deliberately differs from okonomiyaki: it refuses an egg
 * whose file name names another egg than its spec/depend (okonomiyaki does
 * not compare the two; the server files eggs under the metadata's identity
 * while clients address them by file name, so a mismatch would be served
 * under a name that fetches something else). No corpus egg is affected; a
 * test in egg_test.ts covers the rule. okonomiyaki also reads 78 known eggs
 * with `arch = None` through a table of their SHA-256s; none is in the
 * corpus, and hatcher, which has no such table, refuses them like any other
 * egg whose platform cannot be determined.
 */
import assert from "node:assert/strict";
import { basename, dirname, join } from "node:path";
import {
  createToken,
  type EggMetadata,
  InvalidEggError,
  login,
  readEggMetadata,
  sha256File,
} from "../mod.ts";
import { runCli } from "./helpers/cli.ts";
import { type ExpectedEgg, loadCorpus } from "./helpers/corpus.ts";
import { withTempDir } from "./helpers/files.ts";
import { loginArgs, PASSWORD, ROOT, startEggWorld, USERS } from "./helpers/world.ts";

const corpus = await loadCorpus();

/** The fields of expected.json, from hatcher's reading. */
function asExpected(metadata: EggMetadata) {
  return {
    metadata_version: metadata.metadataVersion,
    name: metadata.name,
    egg_basename: metadata.eggBasename,
    full_version: metadata.fullVersion,
    upstream_version: metadata.version,
    build: metadata.build,
    platform: metadata.platform,
    python: metadata.python,
    python_tag: metadata.pythonTag,
    abi_tag: metadata.abiTag,
    platform_tag: metadata.platformTag,
    platform_abi: metadata.platformAbi,
    packages: metadata.packages,
  };
}

function okonomiyakiFields(egg: ExpectedEgg) {
  return {
    metadata_version: egg.metadata_version,
    name: egg.name,
    egg_basename: egg.egg_basename,
    full_version: egg.full_version,
    upstream_version: egg.upstream_version,
    build: egg.build,
    platform: egg.platform,
    python: egg.python,
    python_tag: egg.python_tag,
    abi_tag: egg.abi_tag,
    platform_tag: egg.platform_tag,
    platform_abi: egg.platform_abi,
    packages: egg.packages,
  };
}

Deno.test({
  name: "every corpus egg reads as okonomiyaki reads it, or is refused where it is refused",
  ignore: corpus === undefined,
  async fn() {
    const { dir, eggs } = corpus!;
    assert.ok(eggs.length >= 60, `${eggs.length} eggs in expected.json`);
    for (const egg of eggs) {
      const path = join(dir, egg.file);
      assert.equal(await sha256File(path), egg.sha256, `${egg.file} is the file okonomiyaki read`);
      if (egg.okonomiyaki === "read") {
        assert.deepEqual(asExpected(await readEggMetadata(path)), okonomiyakiFields(egg), egg.file);
      } else {
        await assert.rejects(readEggMetadata(path), InvalidEggError, egg.file);
      }
    }
  },
});

/** Where a corpus egg goes: a repository per corpus folder, so equal names never collide. */
function repositoryOf(egg: ExpectedEgg): string {
  const folder = dirname(egg.file).replace(/^eggs\/?/, "");
  return folder === "" ? "top" : folder.replaceAll("/", "-").replaceAll("_", "-");
}

/** The EDS platform a corpus egg is uploaded to: its own, or rh7-x86_64 for "any platform". */
function platformOf(egg: ExpectedEgg): string {
  return egg.platform ?? "rh7-x86_64";
}

const INDEX_TAGS = ["cp27", "cp36", "cp38", "cp311", "cp312"];

Deno.test({
  name: "every corpus egg goes up through the CLI, into exactly its indices, and back unchanged",
  ignore: corpus === undefined,
  sanitizeResources: false,
  async fn() {
    const { dir, eggs } = corpus!;
    await using server = await startEggWorld();
    const root = loginArgs(server, ROOT.email);
    // A token, so that the CLI calls below do not each pay for a password hash.
    const session = await login(server.url, { username: USERS.uploader, password: PASSWORD });
    const uploader = ["-u", server.url, "-t", (await createToken(session, "corpus")).token];
    const readable = eggs.filter((egg) => egg.okonomiyaki === "read");

    const groups = new Map<string, ExpectedEgg[]>();
    for (const egg of readable) {
      const key = `${repositoryOf(egg)} ${platformOf(egg)}`;
      groups.set(key, [...(groups.get(key) ?? []), egg]);
    }
    for (const repository of new Set(readable.map(repositoryOf))) {
      const created = await runCli([...root, "repositories", "create", "acme", repository, "x"]);
      assert.equal(created.code, 0, created.stderr);
      const team = await runCli([
        ...root,
        "teams",
        "repositories",
        "add",
        "acme",
        "uploaders",
        repository,
      ]);
      assert.equal(team.code, 0, team.stderr);
    }
    for (const [key, group] of groups) {
      const [repository, platform] = key.split(" ") as [string, string];
      const files = group.map((egg) => join(dir, egg.file));
      const upload = await runCli([
        ...uploader,
        "eggs",
        "batch-upload",
        "acme",
        repository,
        platform,
        ...files,
      ]);
      assert.equal(upload.code, 0, `${key}: ${upload.stderr}`);

      for (const tag of INDEX_TAGS) {
        const list = await runCli([
          ...uploader,
          "--json",
          "eggs",
          "list",
          "acme",
          repository,
          platform,
          tag,
        ]);
        assert.equal(list.code, 0, list.stderr);
        const listed = JSON.parse(list.stdout) as { filename: string; platformAbi: string }[];
        const expected = group
          .filter((egg) => egg.python_tag === null || egg.python_tag === tag)
          .map((egg) => basename(egg.file))
          .sort();
        assert.deepEqual(listed.map((entry) => entry.filename).sort(), expected, `${key} ${tag}`);
        for (const entry of listed) {
          assert.ok(entry.platformAbi, `${key} ${tag} ${entry.filename}: platform_abi is set`);
        }
      }
    }

    await withTempDir(async (downloads) => {
      for (const egg of readable) {
        const target = join(downloads, repositoryOf(egg));
        await Deno.mkdir(target, { recursive: true });
        const download = await runCli([
          ...uploader,
          "eggs",
          "download",
          "acme",
          repositoryOf(egg),
          platformOf(egg),
          egg.python_tag ?? "cp311",
          egg.name!,
          egg.full_version!,
          target,
        ]);
        assert.equal(download.code, 0, `${egg.file}: ${download.stderr}`);
        const saved = join(target, basename(egg.file));
        assert.equal(await sha256File(saved), egg.sha256, egg.file);
      }
    });

    for (const egg of eggs.filter((egg) => egg.okonomiyaki === "refused")) {
      const upload = await runCli([
        ...uploader,
        "eggs",
        "upload",
        "acme",
        "dev",
        "win-x86_64",
        join(dir, egg.file),
      ]);
      assert.equal(upload.code, 2, `${egg.file}: a bad local file is a usage error`);
      const lines = upload.stderr.trim().split("\n");
      assert.equal(lines.length, 1, upload.stderr);
      assert.ok(lines[0]!.includes(basename(egg.file)), upload.stderr);
    }
  },
});
