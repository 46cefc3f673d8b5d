/**
 * A real Secret Service for tests: a private D-Bus session bus
 * (`dbus-daemon`) with `gnome-keyring-daemon` on it, its login keyring
 * created and unlocked with a password fed on stdin, all in a temporary
 * directory; and `secret-tool` to look at what the CLI stored there.
 */

/** The programs the Secret Service tests need (Debian: dbus-daemon, gnome-keyring, libsecret-tools). */
export const SECRET_SERVICE_TOOLS = ["dbus-daemon", "gnome-keyring-daemon", "secret-tool"];

/** The tools of {@linkcode SECRET_SERVICE_TOOLS} that are not on PATH. */
export async function missingSecretServiceTools(): Promise<string[]> {
  const missing: string[] = [];
  for (const tool of SECRET_SERVICE_TOOLS) {
    const { code } = await new Deno.Command("sh", {
      args: ["-c", `command -v ${tool}`],
      stdout: "null",
      stderr: "null",
    }).output();
    if (code !== 0) missing.push(tool);
  }
  return missing;
}

export interface SecretService extends AsyncDisposable {
  /** The environment that puts a process on this bus. */
  env: { DBUS_SESSION_BUS_ADDRESS: string };
  /** Runs `secret-tool ARGS` on this bus (5 s at most). */
  secretTool(args: string[], input?: string): Promise<{ code: number; stdout: string }>;
  /** The secret stored for hatcher's `account`, or undefined. */
  lookup(account: string): Promise<string | undefined>;
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts the bus and an unlocked keyring; disposing stops both and removes their files. */
export async function startSecretService(): Promise<SecretService> {
  const dir = await Deno.makeTempDir({ prefix: "hatcher-keyring-" });
  const runtime = `${dir}/run`;
  await Deno.mkdir(runtime, { mode: 0o700 });
  const address = `unix:path=${runtime}/bus`;
  // The keyring files and control socket stay in the temporary directory.
  const env = {
    HOME: dir,
    XDG_DATA_HOME: `${dir}/data`,
    XDG_RUNTIME_DIR: runtime,
    DBUS_SESSION_BUS_ADDRESS: address,
  };
  const children: Deno.ChildProcess[] = [];
  const stop = async () => {
    for (const child of children.reverse()) {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await child.status;
    }
    await Deno.remove(dir, { recursive: true });
  };
  const secretTool = async (args: string[], input?: string) => {
    const child = new Deno.Command("secret-tool", {
      args,
      env,
      stdin: input === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    if (input !== undefined) {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(input));
      await writer.close();
    }
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    const { code, stdout } = await child.output();
    clearTimeout(timer);
    return { code, stdout: new TextDecoder().decode(stdout) };
  };
  // A bus without service files: nothing is activated behind the test's back
  // (a keyring started by the bus would be locked).
  const busConfig = `${dir}/bus.conf`;
  await Deno.writeTextFile(
    busConfig,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>${address}</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`,
  );
  try {
    children.push(
      new Deno.Command("dbus-daemon", {
        args: [`--config-file=${busConfig}`, "--nofork"],
        env,
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn(),
    );
    await waitFor("the D-Bus socket", async () => {
      try {
        await Deno.stat(`${runtime}/bus`);
        return true;
      } catch {
        return false;
      }
    });
    // `--unlock` creates the login keyring with this password and opens it.
    const keyring = new Deno.Command("gnome-keyring-daemon", {
      args: ["--foreground", "--unlock", "--components=secrets"],
      env,
      stdin: "piped",
      stdout: "null",
      stderr: "null",
    }).spawn();
    children.push(keyring);
    const writer = keyring.stdin.getWriter();
    await writer.write(new TextEncoder().encode("keyring password"));
    await writer.close();
    // Ready once a secret goes in and comes back out.
    await waitFor("gnome-keyring's Secret Service", async () => {
      const probe = ["service", "hatcher-test", "account", "probe"];
      if ((await secretTool(["store", "--label=probe", ...probe], "x")).code !== 0) return false;
      const found = await secretTool(["lookup", ...probe]);
      await secretTool(["clear", ...probe]);
      return found.code === 0 && found.stdout === "x";
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    env: { DBUS_SESSION_BUS_ADDRESS: address },
    secretTool,
    async lookup(account) {
      const run = await secretTool(["lookup", "service", "hatcher", "account", account]);
      return run.code === 0 ? run.stdout : undefined;
    },
    [Symbol.asyncDispose]: stop,
  };
}
